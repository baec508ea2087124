"""Checks for lab 5.6: the stack `shop` failed at its floating IP, and a stack update with the router interface
added fixed it."""


def _stack(env):
    return env.conn.orchestration.find_stack("shop")


def _resources(env):
    stack = _stack(env)
    return {} if stack is None else {r.name: r for r in env.conn.orchestration.resources(stack)}


def check_fixed(env):
    """A stack called shop exists and its last update completed."""
    stack = _stack(env)
    assert stack is not None, "no stack called shop"
    assert stack.status == "UPDATE_COMPLETE", f"stack shop is {stack.status}, not UPDATE_COMPLETE"


def check_failed_first(env):
    """The stack's events show that it failed first, at its floating IP shop_ip."""
    stack = _stack(env)
    assert stack is not None, "no stack called shop"
    events = list(env.conn.orchestration.stack_events(stack))
    assert any(e.resource_name == "shop_ip" and e.resource_status == "CREATE_FAILED" for e in events), \
        "the stack's events have no CREATE_FAILED of shop_ip: it was not made from the template as given"
    assert any(e.resource_name == "shop" and e.resource_status == "CREATE_FAILED" for e in events), \
        "the stack shop never failed"


def check_interface(env):
    """The stack holds a router interface joining shop-router to shop-net."""
    resources, router, network = _resources(env), env.router("shop-router"), env.network("shop-net")
    assert any(r.resource_type == "OS::Neutron::RouterInterface" and r.status.endswith("_COMPLETE")
               for r in resources.values()), "the stack has no OS::Neutron::RouterInterface"
    assert router is not None and network is not None, "shop-router or shop-net is missing"
    ports = env.conn.network.ports(device_id=router.id, device_owner="network:router_interface")
    assert any(p.network_id == network.id for p in ports), "shop-router has no interface on shop-net"


def check_reachable(env):
    """The server shop is ACTIVE with the stack's floating IP on its port."""
    server, resources = env.server("shop"), _resources(env)
    assert server is not None and server.status == "ACTIVE", "no ACTIVE server called shop"
    fip = resources.get("shop_ip")
    assert fip is not None and fip.physical_resource_id, "the stack has no floating IP shop_ip"
    ip = env.conn.network.get_ip(fip.physical_resource_id)
    assert ip.port_id in {p.id for p in env.ports_of(server)}, "the floating IP shop_ip is not on shop's port"
