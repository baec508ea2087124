"""Checks for lab 1.12, read with a token scoped to the student's own domain (named as the student), made from
their own token: a project `team` there, a user `alice` there holding member on it, a group `devs` with alice
in it holding reader on it, and no admin role on the project for anyone."""


def _domain_get(env, path):
    """GET an identity path with a token rescoped to the student's own domain (Keystone's token method)."""
    r = env.conn.identity.post("/auth/tokens", authenticated=False, raise_exc=False, json={"auth": {
        "identity": {"methods": ["token"], "token": {"id": env.conn.session.get_token()}},
        "scope": {"domain": {"name": env.user_name}}}})
    assert r.status_code == 201, f"you hold no role on a domain called {env.user_name} (ask your instructor)"
    got = env.conn.identity.get(path, authenticated=False, raise_exc=False,
                                headers={"X-Auth-Token": r.headers["X-Subject-Token"]})
    assert got.status_code == 200, f"reading {path} in your domain was refused ({got.status_code})"
    return got.json()


def _one(env, kind, name):
    found = _domain_get(env, f"/{kind}?name={name}")[kind]
    return found[0] if found else None


def _roles(env, query):
    rows = _domain_get(env, f"/role_assignments?{query}&include_names=true")["role_assignments"]
    return {a["role"]["name"] for a in rows}


def check_project(env):
    """A project called team exists in your own domain."""
    assert _one(env, "projects", "team") is not None, "no project called team in your domain"


def check_user_role(env):
    """A user alice of your domain holds member on team (a role of her own), and nobody holds admin there."""
    project, user = _one(env, "projects", "team"), _one(env, "users", "alice")
    assert project is not None, "no project called team in your domain"
    assert user is not None, "no user called alice in your domain"
    assert "member" in _roles(env, f"scope.project.id={project['id']}&user.id={user['id']}"), \
        "alice holds no role of her own on team"
    assert "admin" not in _roles(env, f"scope.project.id={project['id']}&effective"), "someone holds admin on team"


def check_group(env):
    """A group devs of your domain, with alice in it, holds reader on team."""
    project, group = _one(env, "projects", "team"), _one(env, "groups", "devs")
    assert project is not None, "no project called team in your domain"
    assert group is not None, "no group called devs in your domain"
    members = {u["name"] for u in _domain_get(env, f"/groups/{group['id']}/users")["users"]}
    assert "alice" in members, "alice is not in devs"
    assert "reader" in _roles(env, f"scope.project.id={project['id']}&group.id={group['id']}"), \
        "devs holds no role on team"
