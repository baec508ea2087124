"""Checks for lab 3.5: lab-grow was extended (the event log shows it) to 2 GB and is available."""


def check_exists(env):
    """A volume called lab-grow exists."""
    assert env.volume("lab-grow") is not None, "no volume called lab-grow"


def check_extended(env):
    """lab-grow is 2 GB and available."""
    volume = env.volume("lab-grow")
    assert volume is not None, "no volume called lab-grow"
    assert volume.size == 2, f"lab-grow is {volume.size} GB"
    assert volume.status == "available", f"lab-grow is {volume.status}"
    # The event log keeps every size change; a volume made at 2 GB was never grown.
    grown = [e for e in env.events("volume") if e["resource_id"] == volume.id and e["action"] == "resize"]
    assert grown, "lab-grow was never extended: it was made at this size"
