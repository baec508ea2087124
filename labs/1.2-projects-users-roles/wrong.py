"""A wrong but plausible solution of lab 1.2: the auditor gets the member role (it can read, so it seems to
work), not the read-only reader role. Its checks must fail."""

FAILS = ("auditor",)


def solve(env):
    identity = env.conn.identity
    project = identity.create_project(name=f"{env.tag}-team", domain_id="default")
    for suffix in ("dev", "auditor"):
        user = identity.create_user(name=f"{env.tag}-{suffix}", password="s3cret", domain_id="default",
                                    default_project_id=project.id)
        identity.assign_project_role_to_user(project, user, identity.find_role("member"))
