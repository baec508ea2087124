"""Checks for exercise nb3: volume nb3-exercise (3 GB, available) and its 1 GB snapshot nb3-exercise-snap."""


def _volume(env):
    volume = env.volume("nb3-exercise")
    assert volume is not None, "no volume called nb3-exercise in your project"
    return volume


def check_volume(env):
    """A volume called nb3-exercise exists and is available."""
    volume = _volume(env)
    assert volume.status == "available", f"its status is {volume.status}"


def check_snapshot(env):
    """nb3-exercise-snap is a 1 GB snapshot of nb3-exercise."""
    snapshot = env.snapshot("nb3-exercise-snap")
    assert snapshot is not None, "no snapshot called nb3-exercise-snap"
    assert snapshot.volume_id == _volume(env).id, "it is a snapshot of another volume"
    assert snapshot.size == 1, f"it is {snapshot.size} GB: take it before growing the volume"


def check_grown(env):
    """nb3-exercise is now 3 GB."""
    size = _volume(env).size
    assert size == 3, f"it is {size} GB"
