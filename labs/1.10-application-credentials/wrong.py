"""A wrong but plausible solution of lab 1.10: the credential is made without naming a role, so it gets every
role the user holds (member too: the script could delete servers). Its checks must fail."""

FAILS = ("reader_only",)


def solve(env):
    env.conn.identity.post(f"/users/{env.user_id}/application_credentials", json={"application_credential": {
        "name": "lab-reader", "expires_at": "2099-12-31T00:00:00"}})
