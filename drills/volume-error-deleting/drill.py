"""The student's volume left in `error_deleting` (its delete failed on the backend)."""


def inject(env):
    student = env.student()
    volume = student.wait_volume(student.conn.block_storage.create_volume(name=env.name("old"), size=1))
    env.made.update(volume=volume.name, volume_id=volume.id)
    assert volume.status == "available", f"drill-old was not created: {volume.status}"
    env.conn.block_storage.reset_volume_status(volume, "error_deleting", None, None)
    return env.made


def check(env, state):
    volume = env.conn.block_storage.find_volume(state["volume_id"], all_projects=True)
    if volume is None:
        return  # deleted: the repair
    volume = env.conn.block_storage.get_volume(volume.id)
    assert volume.status != "error_deleting", "drill-old is still error_deleting"
    assert volume.status == "deleting", f"drill-old is {volume.status}: the student wanted it gone"


def undo(env, state):
    volume = env.conn.block_storage.find_volume(state["volume_id"], all_projects=True) if state.get("volume_id") \
        else None
    if volume is not None:
        env.conn.block_storage.reset_volume_status(volume, "available", "detached", None)
        env.conn.block_storage.delete_volume(volume, ignore_missing=True)
