"""The project's gigabytes quota lowered to what it uses, all of it a forgotten scratch volume."""


def _quota(conn, project_id):
    quota = conn.block_storage.get_quota_set(project_id, usage=True)
    return quota.gigabytes, (quota.usage or {}).get("gigabytes", 0)


def inject(env):
    student = env.student()
    volume = student.wait_volume(student.conn.block_storage.create_volume(name=env.name("scratch"), size=2))
    assert volume.status == "available", f"drill-scratch was not created: {volume.status}"
    before, used = _quota(env.conn, env.project_id)
    env.conn.block_storage.update_quota_set(env.project_id, gigabytes=used)
    return {"volume": volume.name, "volume_id": volume.id, "gigabytes": before}


def check(env, state):
    limit, used = _quota(env.conn, env.project_id)
    assert limit < 0 or limit - used >= 1, f"the project still has no room for a 1 GB volume ({used} of {limit} GB)"


def undo(env, state):
    env.conn.block_storage.update_quota_set(env.project_id, gigabytes=state["gigabytes"])
    env.conn.block_storage.delete_volume(state["volume_id"], ignore_missing=True)
