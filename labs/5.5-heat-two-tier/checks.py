"""Checks for lab 5.5: the stack `tiers` made from two-tier.yaml with the environment env.yaml."""


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


def check_web(env):
    """The stack's web server tiers-web is ACTIVE, in the group tiers-web, with a floating IP."""
    server, made = env.server("tiers-web"), _made(env)
    assert server is not None and server.id == made.get("web"), "no server tiers-web made by the stack"
    assert server.status == "ACTIVE", f"tiers-web is {server.status}"
    assert any(g.get("name") == "tiers-web" for g in server.security_groups or []), \
        "tiers-web is not in the group tiers-web"
    assert _fips_of(env, server), "tiers-web has no floating IP"


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
