"""Checks for lab 1.10: an application credential lab-reader of the student's, holding the reader role only,
restricted, with an expiry date."""


def _credential(env):
    found = env.conn.identity.get(f"/users/{env.user_id}/application_credentials?name=lab-reader").json()
    return next(iter(found["application_credentials"]), None)


def check_credential(env):
    """An application credential called lab-reader exists for your user and project."""
    credential = _credential(env)
    assert credential is not None, "no application credential called lab-reader"
    assert credential["project_id"] == env.project_id, "lab-reader is not for your project"


def check_reader_only(env):
    """lab-reader holds the reader role and no other, and may not make more credentials."""
    credential = _credential(env)
    assert credential is not None, "no application credential called lab-reader"
    roles = sorted(r["name"] for r in credential["roles"])
    assert roles == ["reader"], f"lab-reader holds {', '.join(roles)}: it should hold only what the script needs"
    assert not credential["unrestricted"], "lab-reader is unrestricted: it could make credentials of its own"


def check_expires(env):
    """lab-reader has an expiry date."""
    credential = _credential(env)
    assert credential is not None, "no application credential called lab-reader"
    assert credential["expires_at"], "lab-reader never expires"
