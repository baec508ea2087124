"""The lab's nova-compute service disabled (new servers fail with No valid host); a fault of the whole lab."""

REASON = "drill: kernel update"


def _compute(env):
    services = [s for s in env.conn.compute.services() if s.binary == "nova-compute"]
    assert services, "the lab has no nova-compute service"
    return services[0]


def inject(env):
    service = _compute(env)
    assert service.status == "enabled", f"nova-compute on {service.host} is disabled already"
    env.conn.compute.disable_service(service, service.host, "nova-compute", disabled_reason=REASON)
    return {"host": service.host, "service_id": service.id}


def check(env, state):
    service = next(s for s in env.conn.compute.services() if s.id == state["service_id"])
    assert service.status == "enabled", f"nova-compute on {state['host']} is still {service.status}"


def undo(env, state):
    service = next((s for s in env.conn.compute.services() if s.id == state.get("service_id")), None)
    if service is not None and service.status == "disabled" and service.disabled_reason == REASON:
        env.conn.compute.enable_service(service, service.host, "nova-compute")
