"""Checks for lab 5.5: the stack `tiers` made from two-tier.yaml with the environment env.yaml: two web servers
behind a load balancer whose VIP has the floating IP, a database server with its volume and no floating IP."""


def _stack(env):
    return env.conn.orchestration.find_stack("tiers")


def _made(env):
    """The physical ids of what the stack made, by resource name."""
    stack = _stack(env)
    if stack is None:
        return {}
    return {r.name: r.physical_resource_id for r in env.conn.orchestration.resources(stack)}


def _fips_of(env, server):
    ports = {p.id for p in env.ports_of(server)}
    return [f for f in env.conn.network.ips(project_id=env.project_id) if f.port_id in ports]


def check_stack(env):
    """A stack called tiers exists and its last action completed."""
    stack = _stack(env)
    assert stack is not None, "no stack called tiers"
    assert stack.status in ("CREATE_COMPLETE", "UPDATE_COMPLETE"), f"stack tiers is {stack.status}"


def check_environment(env):
    """The stack keeps the environment file's values, and its db_size of 2 sized the database volume."""
    stack = _stack(env)
    assert stack is not None, "no stack called tiers"
    kept = env.conn.orchestration.get_stack_environment(stack)
    parameters = {**(kept.parameter_defaults or {}), **(kept.parameters or {})}
    missing = [name for name in ("image", "flavor", "public_net", "db_size") if name not in parameters]
    assert not missing, f"the stack's environment lacks {', '.join(missing)}: was it made with -e env.yaml?"
    volume = env.volume("tiers-db-data")
    assert volume is not None, "no volume called tiers-db-data"
    assert volume.size == 2, f"tiers-db-data is {volume.size} GB, not the environment's 2"


WEBS = ("tiers-web-1", "tiers-web-2")


def check_web(env):
    """The stack's two web servers tiers-web-1 and tiers-web-2 are ACTIVE, in the group tiers-web."""
    made = _made(env)
    for name, resource in zip(WEBS, ("web1", "web2"), strict=True):
        server = env.server(name)
        assert server is not None and server.id == made.get(resource), f"no server {name} made by the stack"
        assert server.status == "ACTIVE", f"{name} is {server.status}"
        assert any(g.get("name") == "tiers-web" for g in server.security_groups or []), \
            f"{name} is not in the group tiers-web"


def check_lb(env):
    """The stack's load balancer tiers-lb is ACTIVE, its pool holds both web servers on port 80, and the floating
    IP is on its VIP."""
    lb, made = env.conn.load_balancer.find_load_balancer("tiers-lb", ignore_missing=True), _made(env)
    assert lb is not None and lb.id == made.get("lb"), "no load balancer tiers-lb made by the stack"
    assert lb.provisioning_status == "ACTIVE", f"tiers-lb is {lb.provisioning_status}"
    pool = made.get("pool") and env.conn.load_balancer.find_pool(made["pool"], ignore_missing=True)
    assert pool, "the stack has no pool"
    members = {(m.address, m.protocol_port) for m in env.conn.load_balancer.members(pool.id)}
    for name in WEBS:
        server = env.server(name)
        addresses = {ip["ip_address"] for port in env.ports_of(server) for ip in port.fixed_ips} if server else set()
        assert any((a, 80) in members for a in addresses), f"{name} (port 80) is not a member of the pool"
    fips = [f for f in env.conn.network.ips(project_id=env.project_id) if f.port_id == lb.vip_port_id]
    assert fips, "the load balancer's VIP has no floating IP"


def check_db(env):
    """The stack's database server tiers-db has tiers-db-data attached and no floating IP."""
    server, volume, made = env.server("tiers-db"), env.volume("tiers-db-data"), _made(env)
    assert server is not None and server.id == made.get("db"), "no server tiers-db made by the stack"
    assert volume is not None and volume.id == made.get("db_data"), "no volume tiers-db-data made by the stack"
    assert any(a.get("server_id") == server.id for a in volume.attachments), "tiers-db-data is not attached to tiers-db"
    assert not _fips_of(env, server), "tiers-db must not be reachable from outside"


def check_db_group(env):
    """The group tiers-db lets tcp 3306 in from the web group only."""
    db, web = env.security_group("tiers-db"), env.security_group("tiers-web")
    assert db is not None and web is not None, "the groups tiers-db and tiers-web are not both there"
    rules = [r for r in env.conn.network.security_group_rules(security_group_id=db.id) if r.direction == "ingress"]
    assert any(r.protocol == "tcp" and r.port_range_min == 3306 and r.remote_group_id == web.id for r in rules), \
        "tiers-db does not let tcp 3306 in from tiers-web"
    assert all(r.remote_group_id == web.id for r in rules), "tiers-db lets something in from outside the web tier"
