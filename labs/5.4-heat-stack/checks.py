"""Checks for lab 5.4: a stack `web` holding the network web-net and a group of three ACTIVE web servers."""


def _stack(env):
    return env.conn.orchestration.find_stack("web")


def _members(env):
    """The servers of the stack's ResourceGroup (its nested stack's resources)."""
    stack = _stack(env)
    if stack is None:
        return []
    group = next((r for r in env.conn.orchestration.resources(stack) if r.resource_type == "OS::Heat::ResourceGroup"),
                 None)
    if group is None or not group.physical_resource_id:
        return []
    nested = env.conn.orchestration.get_stack(group.physical_resource_id)
    return [r for r in env.conn.orchestration.resources(nested) if r.resource_type == "OS::Nova::Server"]


def check_stack(env):
    """A stack called web exists and its last action completed."""
    stack = _stack(env)
    assert stack is not None, "no stack called web"
    assert stack.status in ("CREATE_COMPLETE", "UPDATE_COMPLETE"), f"stack web is {stack.status}"


def check_network(env):
    """The network web-net is one of the stack's resources."""
    stack = _stack(env)
    assert stack is not None, "no stack called web"
    network = env.network("web-net")
    assert network is not None, "no network called web-net"
    made = [r.physical_resource_id for r in env.conn.orchestration.resources(stack)]
    assert network.id in made, "web-net was not made by the stack"


def check_scaled(env):
    """The stack's group holds three servers (the stack was updated to count=3)."""
    members = _members(env)
    assert len(members) == 3, f"the group holds {len(members)} servers, not 3"


def check_active(env):
    """Every server of the group is ACTIVE and is web-0, web-1 or web-2."""
    members = _members(env)
    assert members, "the stack has no group of servers"
    for member in members:
        server = env.conn.compute.get_server(member.physical_resource_id)
        assert server.status == "ACTIVE", f"{server.name} is {server.status}"
        assert server.name in ("web-0", "web-1", "web-2"), f"unexpected server {server.name}"
