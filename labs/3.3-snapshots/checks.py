"""Checks for lab 3.3: lab-snap is an available snapshot of lab-src."""


def check_source(env):
    """A volume called lab-src exists."""
    assert env.volume("lab-src") is not None, "no volume called lab-src"


def check_snapshot(env):
    """A snapshot called lab-snap of lab-src exists."""
    snapshot, volume = env.snapshot("lab-snap"), env.volume("lab-src")
    assert snapshot is not None, "no snapshot called lab-snap"
    assert volume is not None and snapshot.volume_id == volume.id, "lab-snap is not a snapshot of lab-src"


def check_available(env):
    """lab-snap is available."""
    snapshot = env.snapshot("lab-snap")
    assert snapshot is not None and snapshot.status == "available", \
        f"lab-snap is {getattr(snapshot, 'status', 'missing')}"
