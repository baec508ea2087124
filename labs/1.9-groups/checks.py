"""Checks for lab 1.9 (as the admin): <tag>-op1 holds member on <tag>-infra through the group <tag>-ops only."""


def _get(env, path):
    return env.conn.identity.get(path).json()


def _found(env):
    identity = env.conn.identity
    return (identity.find_group(f"{env.tag}-ops", domain_id="default"),
            identity.find_user(f"{env.tag}-op1", domain_id="default"),
            identity.find_project(f"{env.tag}-infra", domain_id="default"))


def _roles(env, query):
    return {a["role"]["name"] for a in _get(env, f"/role_assignments?{query}&include_names=true")["role_assignments"]}


def check_group(env):
    """A group <tag>-ops exists and <tag>-op1 is in it."""
    group, user, _project = _found(env)
    assert group is not None, f"no group called {env.tag}-ops"
    assert user is not None, f"no user called {env.tag}-op1"
    members = {u["id"] for u in _get(env, f"/groups/{group.id}/users")["users"]}
    assert user.id in members, f"{env.tag}-op1 is not in {env.tag}-ops"


def check_group_role(env):
    """The group (not the user) has the member role on <tag>-infra."""
    group, user, project = _found(env)
    assert group is not None and project is not None, f"no group {env.tag}-ops or no project {env.tag}-infra"
    assert "member" in _roles(env, f"scope.project.id={project.id}&group.id={group.id}"), \
        f"{env.tag}-ops has no member role on {env.tag}-infra"
    assert user is None or not _roles(env, f"scope.project.id={project.id}&user.id={user.id}"), \
        f"{env.tag}-op1 has a role of their own on {env.tag}-infra: the group's should be the only one"


def check_effective(env):
    """<tag>-op1's effective roles on <tag>-infra include member."""
    _group, user, project = _found(env)
    assert user is not None and project is not None, f"no user {env.tag}-op1 or no project {env.tag}-infra"
    assert "member" in _roles(env, f"scope.project.id={project.id}&user.id={user.id}&effective"), \
        f"{env.tag}-op1 does not hold member on {env.tag}-infra"
