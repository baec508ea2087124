"""A wrong but plausible solution of lab 1.9: the colleague gets the member role directly and is put in the
group too (it works today, but the role stays when they leave the team). Its checks must fail."""

FAILS = ("group_role",)


def solve(env):
    identity = env.conn.identity
    project = identity.create_project(name=f"{env.tag}-infra", domain_id="default")
    group = identity.create_group(name=f"{env.tag}-ops", domain_id="default")
    user = identity.create_user(name=f"{env.tag}-op1", password="s3cret", domain_id="default")
    identity.add_user_to_group(user, group)
    identity.assign_project_role_to_user(project, user, identity.find_role("member"))
