"""The lab's volume backend filled by a forgotten nightly dump in the admin project: no project can create a
volume, whatever its quota says; a fault of the whole lab."""


def _free_gb(conn):
    pools = list(conn.block_storage.backend_pools())
    assert pools, "the lab's block storage reports no backend pool"
    return int(pools[0].capabilities["free_capacity_gb"]), int(pools[0].capabilities["total_capacity_gb"])


def inject(env):
    free, total = _free_gb(env.conn)
    assert free >= 2, f"the volume backend is nearly full already ({free} of {total} GB free)"
    # The admin's own project (where an operator's backup job writes): its quota must not be what stops it.
    admin_project = env.conn.current_project_id
    quota = env.conn.block_storage.get_quota_set(admin_project)
    env.made.update(admin_project=admin_project, quota={"gigabytes": quota.gigabytes, "volumes": quota.volumes})
    env.conn.block_storage.update_quota_set(admin_project, gigabytes=-1, volumes=-1)
    volume = env.conn.block_storage.create_volume(name=env.name("nightly-dump"), size=free,
                                                  description="nightly database dump")
    env.made.update(volume=volume.name, volume_id=volume.id, size=free)
    volume = env.conn.block_storage.wait_for_status(volume, "available", failures=["error"], interval=0.2, wait=120)
    return env.made


def check(env, state):
    free, total = _free_gb(env.conn)
    assert free >= 1, f"the volume backend is still full ({free} of {total} GB free)"


def undo(env, state):
    if state.get("volume_id"):
        env.conn.block_storage.delete_volume(state["volume_id"], ignore_missing=True)
        volume = env.conn.block_storage.find_volume(state["volume_id"])
        if volume is not None:
            env.conn.block_storage.wait_for_delete(volume, interval=0.2, wait=120)
    if state.get("quota"):
        env.conn.block_storage.update_quota_set(state["admin_project"], **state["quota"])
