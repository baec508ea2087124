"""The project's instances quota set to zero (the instructor repairs it as the admin)."""


def inject(env):
    before = env.conn.compute.get_quota_set(env.project_id).instances
    env.conn.compute.update_quota_set(env.project_id, instances=0)
    return {"project": env.project_name or env.project_id, "project_id": env.project_id, "instances": before}


def check(env, state):
    quota = env.conn.compute.get_quota_set(state["project_id"], usage=True)
    limit, used = quota.instances, (quota.usage or {}).get("instances", 0)
    assert limit < 0 or limit > used, f"{state['project']} still has no room for a server ({used} of {limit})"


def undo(env, state):
    env.conn.compute.update_quota_set(state["project_id"], instances=state["instances"])
