"""Checks for lab 1.5: an ACTIVE server from cirros with metadata role=web."""


def check_exists(env):
    """A server called lab-web exists."""
    assert env.server("lab-web") is not None, "no server called lab-web"


def check_active(env):
    """lab-web is ACTIVE."""
    server = env.server("lab-web")
    assert server is not None and server.status == "ACTIVE", \
        f"lab-web is {getattr(server, 'status', 'missing')}"


def check_metadata(env):
    """lab-web has the metadata role=web."""
    server = env.server("lab-web")
    assert server is not None and server.metadata.get("role") == "web", "lab-web has no metadata role=web"


def check_image(env):
    """lab-web was booted from the cirros image."""
    server = env.server("lab-web")
    cirros = env.conn.image.find_image("cirros")
    assert server is not None and cirros is not None and server.image.id == cirros.id, \
        "lab-web was not booted from cirros"
