"""The student's web server behind a working router, its floating IP allocated but on no port."""


def inject(env):
    network, subnet = env.network_with_subnet("web-net", "10.66.0.0/24")
    env.made["network_id"] = network.id
    external = env.external_network()
    router = env.conn.network.create_router(name=env.name("web-router"), project_id=env.project_id,
                                            external_gateway_info={"network_id": external.id})
    env.made["router_id"] = router.id
    env.conn.network.add_interface_to_router(router, subnet_id=subnet.id)
    student = env.student()
    server = student.boot(env.name("web"), networks=[{"uuid": network.id}])
    env.made.update(server=server.name, server_id=server.id)
    assert server.status == "ACTIVE", f"drill-web did not boot: {server.status}"
    ip = student.conn.network.create_ip(floating_network_id=external.id, description="drill-web's public address")
    env.made.update(address=ip.floating_ip_address, ip_id=ip.id)
    return env.made


def check(env, state):
    server = env.conn.compute.find_server(state["server_id"])
    assert server is not None, "drill-web is gone: repair its access, do not replace it"
    ports = [p.id for p in env.conn.network.ports(device_id=server.id)]
    ips = [ip for ip in env.conn.network.ips() if ip.port_id in ports]
    assert ips, "drill-web still has no floating IP"


def undo(env, state):
    ports = [p.id for p in env.conn.network.ports(device_id=state["server_id"])] if state.get("server_id") else []
    env.delete_floating_ips(ports, tuple(a for a in [state.get("address")] if a))
    env.delete_server(state.get("server_id"))
    env.delete_router(state.get("router_id"))
    env.delete_network(state.get("network_id"))
