"""The mock exam's tasks: each a statement with parameters drawn from the student's seed (so two students get
different names and numbers), a check of the end state in the student's project, and a reference solve (for
the tests). A check reads the project's own resources, never what the student says.

A task may also have a `<id>_setup(env, params)`: what it starts from (the volume to extend, the router to
connect), made in the student's project, as the student, when the exam starts, and made again when the project
is put back to the exam's start (`stacklab exam reset`). A setup makes only what is missing (by name), and its
result never passes the task's check."""

DOMAIN_SERVICES = {"identity": "identity", "compute": "compute", "object-storage": "object-store",
                   "block-storage": "block-storage", "networking": "network", "images": "image"}


def _word(rng):
    return rng.choice(["alpha", "bravo", "cedar", "delta", "ember", "fjord", "gamma", "heron", "indigo", "juno"])


# ---------------------------------------------------------------------------------------------- identity
def appcred_params(rng):
    return {"name": f"exam-{_word(rng)}-cred"}


def appcred_check(env, p):
    names = {c.name for c in env.conn.identity.application_credentials(user=env.conn.current_user_id)}
    assert p["name"] in names, "no application credential of that name"


def appcred_solve(env, p):
    env.conn.identity.create_application_credential(user=env.conn.current_user_id, name=p["name"])


# ---------------------------------------------------------------------------------------------- compute
def keypair_params(rng):
    return {"name": f"exam-{_word(rng)}-key"}


def keypair_check(env, p):
    assert env.conn.compute.find_keypair(p["name"]) is not None, "no key pair of that name"


def keypair_solve(env, p):
    env.conn.compute.create_keypair(name=p["name"])


def server_params(rng):
    return {"name": f"exam-{_word(rng)}-vm", "role": rng.choice(["web", "db", "cache", "queue"])}


def server_check(env, p):
    server = env.server(p["name"])
    assert server is not None and server.status == "ACTIVE", "no ACTIVE server of that name"
    assert server.metadata.get("role") == p["role"], "the server's role property is not the one asked for"


def server_solve(env, p):
    env.boot(p["name"], metadata={"role": p["role"]})


def stopped_params(rng):
    return {"name": f"exam-{_word(rng)}-stopped"}


def stopped_check(env, p):
    server = env.server(p["name"])
    assert server is not None and server.status == "SHUTOFF", "no stopped server of that name"


def stopped_solve(env, p):
    server = env.boot(p["name"])
    env.conn.compute.stop_server(server)
    env.wait_server(server, "SHUTOFF")


# ---------------------------------------------------------------------------------------------- networking
def network_params(rng):
    return {"name": f"exam-{_word(rng)}-net", "cidr": f"10.{rng.randint(100, 199)}.{rng.randint(0, 255)}.0/24"}


def network_check(env, p):
    network = env.network(p["name"])
    assert network is not None, "no network of that name"
    cidrs = {s.cidr for s in env.conn.network.subnets(network_id=network.id)}
    assert p["cidr"] in cidrs, "the network has no subnet with that range"


def network_solve(env, p):
    network = env.conn.network.create_network(name=p["name"])
    env.conn.network.create_subnet(network_id=network.id, ip_version=4, cidr=p["cidr"], name=p["name"] + "-sub")


def router_params(rng):
    return {"name": f"exam-{_word(rng)}-router"}


def router_check(env, p):
    router = env.router(p["name"])
    assert router is not None, "no router of that name"
    external = env.conn.network.find_network("public") or next(
        iter(env.conn.network.networks(is_router_external=True)), None)
    assert (router.external_gateway_info or {}).get("network_id") == getattr(external, "id", None), \
        "the router has no gateway on the external network"


def router_solve(env, p):
    external = next(iter(env.conn.network.networks(is_router_external=True)))
    env.conn.network.create_router(name=p["name"], external_gateway_info={"network_id": external.id})


def secgroup_params(rng):
    return {"name": f"exam-{_word(rng)}-sg", "port": rng.choice([80, 443, 8080, 5432, 6379])}


def secgroup_check(env, p):
    group = env.security_group(p["name"])
    assert group is not None, "no security group of that name"
    rules = env.conn.network.security_group_rules(security_group_id=group.id, direction="ingress")
    assert any(r.protocol == "tcp" and r.port_range_min == p["port"] == r.port_range_max
               and r.remote_ip_prefix in (None, "0.0.0.0/0") for r in rules), "the group does not allow that port"


def secgroup_solve(env, p):
    group = env.conn.network.create_security_group(name=p["name"])
    env.conn.network.create_security_group_rule(security_group_id=group.id, direction="ingress", protocol="tcp",
                                                port_range_min=p["port"], port_range_max=p["port"],
                                                remote_ip_prefix="0.0.0.0/0", ethertype="IPv4")


def connect_params(rng):
    word = _word(rng)
    return {"network": f"exam-{word}-lan", "subnet": f"exam-{word}-lan-sub", "router": f"exam-{word}-edge",
            "cidr": f"10.{rng.randint(200, 250)}.{rng.randint(0, 255)}.0/24"}


def connect_setup(env, p):
    network = env.network(p["network"]) or env.conn.network.create_network(name=p["network"])
    if env.subnet(p["subnet"]) is None:
        env.conn.network.create_subnet(network_id=network.id, ip_version=4, cidr=p["cidr"], name=p["subnet"])
    if env.router(p["router"]) is None:
        env.conn.network.create_router(name=p["router"])


def connect_check(env, p):
    router, subnet = env.router(p["router"]), env.subnet(p["subnet"])
    assert router is not None and subnet is not None, \
        "the router or the subnet is gone: connect them, do not replace them"
    ports = env.conn.network.ports(device_id=router.id, device_owner="network:router_interface")
    assert any(ip["subnet_id"] == subnet.id for port in ports for ip in port.fixed_ips), \
        "the router has no interface on that subnet"


def connect_solve(env, p):
    env.conn.network.add_interface_to_router(env.router(p["router"]), subnet_id=env.subnet(p["subnet"]).id)


# ---------------------------------------------------------------------------------------------- block storage
def volume_params(rng):
    return {"name": f"exam-{_word(rng)}-vol", "size": rng.randint(1, 3)}


def volume_check(env, p):
    volume = env.volume(p["name"])
    assert volume is not None and volume.status == "available", "no available volume of that name"
    assert volume.size == p["size"], "the volume is not the size asked for"


def volume_solve(env, p):
    env.wait_volume(env.conn.block_storage.create_volume(name=p["name"], size=p["size"]))


def extend_params(rng):
    return {"name": f"exam-{_word(rng)}-data", "size": rng.randint(2, 4)}


def extend_setup(env, p):
    if env.volume(p["name"]) is None:
        env.wait_volume(env.conn.block_storage.create_volume(name=p["name"], size=1))


def extend_check(env, p):
    volume = env.volume(p["name"])
    assert volume is not None, "the volume is gone: extend it, do not replace it"
    assert volume.size == p["size"], "the volume is not the size asked for"


def extend_solve(env, p):
    volume = env.volume(p["name"])
    env.conn.block_storage.extend_volume(volume, p["size"])
    env.wait(lambda: env.conn.block_storage.get_volume(volume.id), lambda v: v.size == p["size"],
             "the volume to grow")


# ---------------------------------------------------------------------------------------------- images
def image_params(rng):
    return {"name": f"exam-{_word(rng)}-img", "min_ram": rng.choice([128, 256, 512])}


def image_check(env, p):
    image = env.image(p["name"])
    assert image is not None, "no image of that name in your project"
    assert image.min_ram == p["min_ram"], "the image's minimum RAM is not the one asked for"


def image_solve(env, p):
    env.conn.image.post("/images", json={"name": p["name"], "disk_format": "qcow2", "container_format": "bare",
                                         "min_ram": p["min_ram"]})


def protect_params(rng):
    return {"name": f"exam-{_word(rng)}-golden"}


def protect_setup(env, p):
    if env.image(p["name"]) is None:
        env.conn.image.post("/images", json={"name": p["name"], "disk_format": "qcow2", "container_format": "bare"})


def protect_check(env, p):
    image = env.image(p["name"])
    assert image is not None, "the image is gone: protect it, do not replace it"
    assert image.is_protected, "the image can still be deleted"


def protect_solve(env, p):
    env.conn.image.update_image(env.image(p["name"]), is_protected=True)


# ---------------------------------------------------------------------------------------------- object storage
def container_params(rng):
    return {"name": f"exam-{_word(rng)}-box"}


def container_check(env, p):
    names = {c.name for c in env.conn.object_store.containers()}
    assert p["name"] in names, "no container of that name"


def container_solve(env, p):
    env.conn.object_store.create_container(name=p["name"])


TASKS = [
    {"id": "appcred", "domain": "identity",
     "statement": "Create an application credential called {name} for your user."},
    {"id": "keypair", "domain": "compute", "statement": "Create a key pair called {name}."},
    {"id": "server", "domain": "compute",
     "statement": "Boot a server called {name} (any image and flavor) with the property role={role}; it must be ACTIVE."},
    {"id": "stopped", "domain": "compute", "statement": "Boot a server called {name} and leave it stopped (SHUTOFF)."},
    {"id": "network", "domain": "networking",
     "statement": "Create a network called {name} with an IPv4 subnet {cidr}."},
    {"id": "router", "domain": "networking",
     "statement": "Create a router called {name} whose gateway is the external network."},
    {"id": "secgroup", "domain": "networking",
     "statement": "Create a security group called {name} letting tcp port {port} in from anywhere."},
    {"id": "connect", "domain": "networking",
     "statement": "The subnet {subnet} ({cidr}) and the router {router} are there: connect the subnet to the router."},
    {"id": "volume", "domain": "block-storage",
     "statement": "Create a volume called {name} of {size} GB; it must be available."},
    {"id": "extend", "domain": "block-storage",
     "statement": "The volume {name} (there already, 1 GB) is too small: make it {size} GB, keeping its data."},
    {"id": "image", "domain": "images",
     "statement": "Register an image called {name} (qcow2, no data needed) whose minimum RAM is {min_ram} MB."},
    {"id": "protect", "domain": "images",
     "statement": "The image {name} is there: protect it so that nobody can delete it by mistake."},
    {"id": "container", "domain": "object-storage", "statement": "Create an object storage container called {name}."},
]
