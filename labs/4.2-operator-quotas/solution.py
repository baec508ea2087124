"""Reference solution for lab 4.2."""


def solve(env):
    project = env.conn.identity.create_project(name=f"{env.tag}-customer", domain_id="default")
    env.conn.compute.put(f"/os-quota-sets/{project.id}", json={"quota_set": {"instances": 2, "cores": 4}})
    if env.has_service("block-storage"):
        env.conn.block_storage.put(f"/os-quota-sets/{project.id}", json={"quota_set": {"gigabytes": 5}})
