"""A wrong but plausible solution of lab 5.3: everything built, but the database also gets a floating IP and
the web group (so it is exposed). Its checks must fail."""

FAILS = ("db",)


def solve(env):
    net = env.conn.network
    public = env.external_network()
    network = net.create_network(name="cap-net")
    subnet = net.create_subnet(network_id=network.id, name="cap-subnet", ip_version=4, cidr="192.168.200.0/24")
    router = net.create_router(name="cap-router", external_gateway_info={"network_id": public.id})
    net.add_interface_to_router(router, subnet_id=subnet.id)
    group = net.create_security_group(name="cap-web")
    for port in (22, 80):
        net.create_security_group_rule(security_group_id=group.id, direction="ingress", ethertype="IPv4",
                                       protocol="tcp", port_range_min=port, port_range_max=port)
    web = env.boot("cap-web", networks=[{"uuid": network.id}], security_groups=[{"name": "cap-web"}])
    net.create_ip(floating_network_id=public.id, port_id=env.ports_of(web)[0].id)
    db = env.boot("cap-db", networks=[{"uuid": network.id}], security_groups=[{"name": "cap-web"}])
    net.create_ip(floating_network_id=public.id, port_id=env.ports_of(db)[0].id)
    volume = env.wait_volume(env.conn.block_storage.create_volume(name="cap-db-data", size=1))
    env.conn.compute.create_volume_attachment(db, volume=volume)
    env.wait_volume(volume, "in-use")
