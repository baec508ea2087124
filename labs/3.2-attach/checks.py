"""Checks for lab 3.2: lab-data is attached to lab-storage."""


def check_server(env):
    """A server called lab-storage exists."""
    assert env.server("lab-storage") is not None, "no server called lab-storage"


def check_volume(env):
    """A volume called lab-data exists."""
    assert env.volume("lab-data") is not None, "no volume called lab-data"


def check_attached(env):
    """lab-data is in-use, attached to lab-storage."""
    server, volume = env.server("lab-storage"), env.volume("lab-data")
    assert server is not None and volume is not None, "lab-storage or lab-data is missing"
    assert volume.status == "in-use", f"lab-data is {volume.status}"
    assert any(a.get("server_id") == server.id for a in volume.attachments), "lab-data is not attached to lab-storage"
