"""The student's own user, disabled (the instructor repairs it as the admin)."""


def _user(env):
    assignments = env.conn.identity.role_assignments(scope_project_id=env.project_id)
    ids = sorted({a.user["id"] for a in assignments if a.user})
    users = [env.conn.identity.get_user(i) for i in ids]
    named = [u for u in users if u.name == env.project_name]
    assert named or users, "the project has no user"
    return (named or users)[0]


def inject(env):
    user = _user(env)
    env.conn.identity.update_user(user, is_enabled=False)
    return {"user": user.name, "user_id": user.id}


def check(env, state):
    user = env.conn.identity.get_user(state["user_id"])
    assert user.is_enabled, f"{state['user']} is still disabled"


def undo(env, state):
    env.conn.identity.update_user(state["user_id"], is_enabled=True)
