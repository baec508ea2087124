"""Checks for lab 3.5: lab-grow is 2 GB and available."""


def check_exists(env):
    """A volume called lab-grow exists."""
    assert env.volume("lab-grow") is not None, "no volume called lab-grow"


def check_extended(env):
    """lab-grow is 2 GB and available."""
    volume = env.volume("lab-grow")
    assert volume is not None, "no volume called lab-grow"
    assert volume.size == 2, f"lab-grow is {volume.size} GB"
    assert volume.status == "available", f"lab-grow is {volume.status}"
