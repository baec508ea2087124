"""The student's volume left in `attaching` (reserved for an attach that never finished)."""


def inject(env):
    student = env.student()
    volume = student.wait_volume(student.conn.block_storage.create_volume(name=env.name("data"), size=1))
    assert volume.status == "available", f"drill-data was not created: {volume.status}"
    student.conn.block_storage.reserve_volume(volume)  # what Nova does first when it attaches a volume
    return {"volume": volume.name, "volume_id": volume.id}


def check(env, state):
    volume = env.conn.block_storage.find_volume(state["volume_id"], all_projects=True)
    assert volume is not None, "drill-data is gone: the student's data is on it"
    volume = env.conn.block_storage.get_volume(volume.id)
    assert volume.status in ("available", "in-use"), f"drill-data is still {volume.status}"
    if volume.status == "in-use":
        assert volume.attachments, "drill-data says in-use but is attached to nothing"


def undo(env, state):
    volume = env.conn.block_storage.find_volume(state["volume_id"], all_projects=True)
    if volume is not None:
        env.conn.block_storage.reset_volume_status(volume, "available", "detached", None)
        env.conn.block_storage.delete_volume(volume, ignore_missing=True)
