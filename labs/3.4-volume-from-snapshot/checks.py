"""Checks for lab 3.4: lab-restored was made from a snapshot of this project."""


def check_exists(env):
    """A volume called lab-restored exists."""
    assert env.volume("lab-restored") is not None, "no volume called lab-restored"


def check_from_snapshot(env):
    """lab-restored was created from one of your snapshots."""
    volume = env.volume("lab-restored")
    assert volume is not None and volume.snapshot_id, "lab-restored was not made from a snapshot"
    mine = {s.id for s in env.conn.block_storage.snapshots()}
    assert volume.snapshot_id in mine, "lab-restored's snapshot is not one of yours"


def check_available(env):
    """lab-restored is available."""
    volume = env.volume("lab-restored")
    assert volume is not None and volume.status == "available", \
        f"lab-restored is {getattr(volume, 'status', 'missing')}"
