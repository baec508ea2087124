"""Reference solution for lab 1.10."""


def solve(env):
    env.conn.identity.post(f"/users/{env.user_id}/application_credentials", json={"application_credential": {
        "name": "lab-reader", "description": "read-only, for a monitoring script", "roles": [{"name": "reader"}],
        "expires_at": "2099-12-31T00:00:00"}})
