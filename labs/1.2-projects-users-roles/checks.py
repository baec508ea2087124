"""Checks for lab 1.2 (as the admin): a team project, a member and a reader on it."""


def _project(env):
    return env.conn.identity.find_project(f"{env.tag}-team", domain_id="default")


def _has_role(env, user_name, role_name):
    project, user = _project(env), env.conn.identity.find_user(user_name, domain_id="default")
    if project is None or user is None:
        return False
    found = env.conn.identity.get(f"/role_assignments?scope.project.id={project.id}&user.id={user.id}"
                                  "&include_names=true").json()["role_assignments"]
    return any(a["role"]["name"] == role_name for a in found)


def check_project(env):
    """A project called <tag>-team exists."""
    assert _project(env) is not None, f"no project called {env.tag}-team"


def check_developer(env):
    """<tag>-dev has the member role on <tag>-team."""
    assert _has_role(env, f"{env.tag}-dev", "member"), f"{env.tag}-dev is not a member of {env.tag}-team"


def check_auditor(env):
    """<tag>-auditor has the reader role (only) on <tag>-team."""
    assert _has_role(env, f"{env.tag}-auditor", "reader"), f"{env.tag}-auditor is not a reader of {env.tag}-team"
    assert not _has_role(env, f"{env.tag}-auditor", "member"), "the auditor should not be a member"
