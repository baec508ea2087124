"""Checks for lab 2.8: lab-shared is shared by an RBAC policy with exactly one other project."""


def _policies(env, network):
    return [p for p in env.conn.network.rbac_policies(object_id=network.id, object_type="network")
            if p.action == "access_as_shared"]


def check_network(env):
    """A network called lab-shared of yours exists, with a subnet."""
    network = env.network("lab-shared")
    assert network is not None and network.project_id == env.project_id, "no network of yours called lab-shared"
    assert network.subnet_ids, "lab-shared has no subnet"


def check_shared(env):
    """An RBAC policy gives access_as_shared on lab-shared to another project."""
    network = env.network("lab-shared")
    assert network is not None, "no network called lab-shared"
    assert [p for p in _policies(env, network) if p.target_project_id != env.project_id], \
        "no RBAC policy shares lab-shared (access_as_shared) with another project"


def check_one_project(env):
    """lab-shared is shared with one project, not with every project."""
    network = env.network("lab-shared")
    assert network is not None, "no network called lab-shared"
    targets = {p.target_project_id for p in _policies(env, network)} - {env.project_id}
    assert len(targets) == 1 and "*" not in targets, f"lab-shared is shared with {sorted(targets) or 'nobody'}"
    assert not network.is_shared, "lab-shared is shared with every project"
