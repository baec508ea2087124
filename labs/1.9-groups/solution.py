"""Reference solution for lab 1.9."""


def solve(env):
    identity = env.conn.identity
    project = identity.create_project(name=f"{env.tag}-infra", domain_id="default")
    group = identity.create_group(name=f"{env.tag}-ops", domain_id="default")
    identity.assign_project_role_to_group(project, group, identity.find_role("member"))
    user = identity.create_user(name=f"{env.tag}-op1", password="s3cret", domain_id="default")
    identity.add_user_to_group(user, group)
