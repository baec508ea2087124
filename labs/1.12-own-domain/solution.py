"""Reference solution for lab 1.12: what the README's steps 2 and 3 make, with a token of the student's own
domain (rescoped from their own token)."""


def _domain_token(env):
    r = env.conn.identity.post("/auth/tokens", authenticated=False, json={"auth": {
        "identity": {"methods": ["token"], "token": {"id": env.conn.session.get_token()}},
        "scope": {"domain": {"name": env.user_name}}}})
    return {"X-Auth-Token": r.headers["X-Subject-Token"]}


def solve(env, alice_role="member"):
    h = _domain_token(env)

    def post(path, body):
        return env.conn.identity.post(path, json=body, headers=h, authenticated=False).json()

    def put(path):
        env.conn.identity.put(path, headers=h, authenticated=False)

    project = post("/projects", {"project": {"name": "team", "description": "the web team"}})["project"]
    user = post("/users", {"user": {"name": "alice", "password": "alice-s3cret"}})["user"]
    roles = {r["name"]: r["id"] for r in env.conn.identity.get("/roles", headers=h, authenticated=False)
             .json()["roles"]}
    if alice_role:
        put(f"/projects/{project['id']}/users/{user['id']}/roles/{roles[alice_role]}")
    group = post("/groups", {"group": {"name": "devs"}})["group"]
    put(f"/groups/{group['id']}/users/{user['id']}")
    put(f"/projects/{project['id']}/groups/{group['id']}/roles/{roles['reader']}")
