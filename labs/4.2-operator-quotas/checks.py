"""Checks for lab 4.2 (as the admin): <tag>-customer's quotas."""

from lab.camp.engine import Skip


def _project(env):
    project = env.conn.identity.find_project(f"{env.tag}-customer", domain_id="default")
    assert project is not None, f"no project called {env.tag}-customer"
    return project


def check_project(env):
    """A project called <tag>-customer exists."""
    _project(env)


def check_compute(env):
    """<tag>-customer may run 2 servers with 4 cores in all."""
    quota = env.conn.compute.get(f"/os-quota-sets/{_project(env).id}").json()["quota_set"]
    assert quota["instances"] == 2, f"instances is {quota['instances']}"
    assert quota["cores"] == 4, f"cores is {quota['cores']}"


def check_volume(env):
    """<tag>-customer may hold 5 GB of volumes."""
    if not env.has_service("block-storage"):
        raise Skip("this cloud has no block storage")
    quota = env.conn.block_storage.get(f"/os-quota-sets/{_project(env).id}").json()["quota_set"]
    assert quota["gigabytes"] == 5, f"gigabytes is {quota['gigabytes']}"
