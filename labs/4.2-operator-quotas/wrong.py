"""A wrong but plausible solution of lab 4.2: the compute limits set, the volume limit forgotten.
Its checks must fail."""

FAILS = ("volume",)


def solve(env):
    project = env.conn.identity.create_project(name=f"{env.tag}-customer", domain_id="default")
    env.conn.compute.put(f"/os-quota-sets/{project.id}", json={"quota_set": {"instances": 2, "cores": 4}})
