"""Checks for lab 3.1: lab-vol, 1 GB, available."""


def check_exists(env):
    """A volume called lab-vol exists."""
    assert env.volume("lab-vol") is not None, "no volume called lab-vol"


def check_available(env):
    """lab-vol is available."""
    volume = env.volume("lab-vol")
    assert volume is not None and volume.status == "available", \
        f"lab-vol is {getattr(volume, 'status', 'missing')}"


def check_size(env):
    """lab-vol is 1 GB."""
    volume = env.volume("lab-vol")
    assert volume is not None and volume.size == 1, f"lab-vol is {getattr(volume, 'size', '?')} GB"
