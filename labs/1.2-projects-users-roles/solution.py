"""Reference solution for lab 1.2."""


def solve(env):
    identity = env.conn.identity
    project = identity.create_project(name=f"{env.tag}-team", domain_id="default")
    for suffix, role in (("dev", "member"), ("auditor", "reader")):
        user = identity.create_user(name=f"{env.tag}-{suffix}", password="s3cret", domain_id="default",
                                    default_project_id=project.id)
        identity.assign_project_role_to_user(project, user, identity.find_role(role))
