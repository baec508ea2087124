"""Networking's HTTP routes (Neutron v2.0): parse, call the service, render. No logic here.

Every collection answers the same five verbs (list, create, show, update, delete) under /v2.0/<collection>,
plus the router interface and extraroute actions, tags, quotas and extensions; QoS policies are such a
collection too, at `/v2.0/qos/policies`, with their rules beneath them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from lab.cloud.errors import NotFound
from lab.cloud.http import cloud_of, context_of, no_content, read_json, respond, service_of
from lab.cloud.network import schemas
from lab.cloud.network.qos import rule_kind as qos_kind
from lab.cloud.network.query import ListQuery
from lab.cloud.network.service import COLLECTIONS, NetworkService


def _service(request: Request) -> NetworkService:
    return service_of(request, "network", NetworkService)


async def root(request: Request) -> Response:
    """GET /network: the versions list."""
    base = cloud_of(request).settings.endpoint
    return respond({"versions": [schemas.version(base)]})


async def v2(request: Request) -> Response:
    """GET /network/v2.0: the resources this API serves."""
    base = cloud_of(request).settings.endpoint
    return respond({"resources": schemas.resources(base, {name: key for name, (key, _model) in COLLECTIONS.items()})})


# Neutron's tag API addresses QoS policies as /v2.0/policies/{id}/tags (openstacksdk's QoSPolicy.set_tags too).
TAG_ALIASES = {"policies": "qos/policies"}


def _collection(request: Request, tagging: bool = False) -> str:
    """The collection named in the path; an unknown one is Neutron's 404 for an unknown route."""
    collection = str(request.path_params["collection"])
    if tagging:
        collection = TAG_ALIASES.get(collection, collection)
    if collection not in COLLECTIONS:
        raise NotFound("The resource could not be found.", neutron_type="HTTPNotFound")
    return collection


def _plural(collection: str) -> str:
    """The key of a collection's list body: `security_groups`, `policies` (of `qos/policies`)."""
    return collection.rsplit("/", 1)[-1].replace("-", "_")


def _next_links(request: Request, collection: str, items: list[dict], more: bool) -> dict[str, list[dict[str, str]]]:
    if not more or not items or "id" not in items[-1]:
        return {}
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "marker"]
    params.append(("marker", items[-1]["id"]))
    href = f"{cloud_of(request).settings.endpoint}{request.url.path}?{urlencode(params)}"
    return schemas.next_links(_plural(collection), href)


async def list_collection(request: Request) -> Response:
    ctx = context_of(request)
    cloud = cloud_of(request)
    collection = _collection(request)
    query = ListQuery.from_params(list(request.query_params.multi_items()), cloud.settings.max_page_size)
    items, more = _service(request).list_resources(ctx, collection, query)
    return respond({_plural(collection): items, **_next_links(request, collection, items, more)})


async def create(request: Request) -> Response:
    ctx = context_of(request)
    collection = _collection(request)
    body = await read_json(request)
    plural = _plural(collection)
    if isinstance(body, dict) and isinstance(body.get(plural), list) and len(body) == 1:  # bulk create
        key = COLLECTIONS[collection][0]
        items = _service(request).create_bulk(ctx, collection, [{key: item} for item in body[plural]])
        return respond({plural: items}, 201)
    item = _service(request).create(ctx, collection, body)
    return respond({COLLECTIONS[collection][0]: item}, 201)


async def show(request: Request) -> Response:
    ctx = context_of(request)
    collection = _collection(request)
    fields = [f for v in request.query_params.getlist("fields") for f in v.split(",") if f]
    item = _service(request).show(ctx, collection, request.path_params["id"], fields)
    return respond({COLLECTIONS[collection][0]: item})


async def update(request: Request) -> Response:
    ctx = context_of(request)
    collection = _collection(request)
    body = await read_json(request)
    item = _service(request).update(ctx, collection, request.path_params["id"], body)
    return respond({COLLECTIONS[collection][0]: item})


async def delete(request: Request) -> Response:
    ctx = context_of(request)
    _service(request).delete(ctx, _collection(request), request.path_params["id"])
    return no_content()


async def router_action(request: Request) -> Response:
    """PUT /routers/{id}/<action>: add/remove_router_interface, add/remove_extraroutes, or tags."""
    action = request.path_params["action"]
    if action == "tags":
        request.path_params["collection"] = "routers"
        return await tags(request)
    if action in ("add_extraroutes", "remove_extraroutes"):
        return await extraroutes(request)
    if action not in ("add_router_interface", "remove_router_interface"):
        raise NotFound("The resource could not be found.", neutron_type="HTTPNotFound")
    ctx = context_of(request)
    body = await read_json(request)
    service = _service(request)
    router_id = request.path_params["id"]
    if action == "add_router_interface":
        return respond(service.add_router_interface(ctx, router_id, body))
    return respond(service.remove_router_interface(ctx, router_id, body))


async def extraroutes(request: Request) -> Response:
    ctx = context_of(request)
    body = await read_json(request)
    add = request.path_params["action"] == "add_extraroutes"
    item = _service(request).change_extraroutes(ctx, request.path_params["id"], body, add)
    return respond({"router": item})


async def tags(request: Request) -> Response:
    ctx = context_of(request)
    service = _service(request)
    collection, object_id = _collection(request, tagging=True), request.path_params["id"]
    if request.method == "GET":
        return respond({"tags": service.get_tags(ctx, collection, object_id)})
    if request.method == "PUT":
        body = await read_json(request)
        return respond({"tags": service.set_tags(ctx, collection, object_id, body)})
    service.remove_tag(ctx, collection, object_id, None)
    return no_content()


async def tag(request: Request) -> Response:
    ctx = context_of(request)
    service = _service(request)
    collection, object_id, name = (_collection(request, tagging=True), request.path_params["id"],
                                   request.path_params["tag"])
    if request.method == "GET":
        service.has_tag(ctx, collection, object_id, name)
        return no_content()
    if request.method == "PUT":
        service.add_tag(ctx, collection, object_id, name)
        return no_content(201)
    service.remove_tag(ctx, collection, object_id, name)
    return no_content()


async def list_quotas(request: Request) -> Response:
    ctx = context_of(request)
    return respond({"quotas": schemas.quota_list(_service(request).list_quotas(ctx))})


async def quota(request: Request) -> Response:
    ctx = context_of(request)
    service = _service(request)
    project_id = request.path_params["project_id"]
    if request.method == "GET":
        return respond({"quota": schemas.quota(service.get_quota(ctx, project_id))})
    if request.method == "PUT":
        body = await read_json(request)
        return respond({"quota": schemas.quota(service.update_quota(ctx, project_id, body))})
    service.reset_quota(ctx, project_id)
    return no_content()


async def quota_details(request: Request) -> Response:
    ctx = context_of(request)
    limits, used = _service(request).quota_details(ctx, request.path_params["project_id"])
    return respond({"quota": schemas.quota_details(limits, used)})


async def quota_defaults(request: Request) -> Response:
    ctx = context_of(request)
    return respond({"quota": schemas.quota(_service(request).quota_defaults(ctx, request.path_params["project_id"]))})


async def list_extensions(request: Request) -> Response:
    context_of(request)
    return respond({"extensions": _service(request).extensions()})


async def show_extension(request: Request) -> Response:
    context_of(request)
    return respond({"extension": _service(request).extension(request.path_params["alias"])})


async def network_dhcp_agents(request: Request) -> Response:
    """GET /networks/{id}/dhcp-agents: the DHCP agents serving a network (`network agent list --network`)."""
    ctx = context_of(request)
    return respond({"agents": _service(request).agents_hosting(ctx, "network", request.path_params["id"])})


async def router_l3_agents(request: Request) -> Response:
    """GET /routers/{id}/l3-agents: the L3 agents hosting a router (`network agent list --router`)."""
    ctx = context_of(request)
    return respond({"agents": _service(request).agents_hosting(ctx, "router", request.path_params["id"])})


async def availability_zones(request: Request) -> Response:
    """GET /availability_zones (?name, resource, state): the zones of the DHCP and L3 agents."""
    filters = {k: v for k, v in request.query_params.items() if k in ("name", "resource", "state")}
    return respond({"availability_zones": _service(request).availability_zones(context_of(request), filters)})


async def agent_networks(request: Request) -> Response:
    """GET /agents/{id}/dhcp-networks: the networks a DHCP agent serves (`network list --agent`)."""
    ctx = context_of(request)
    return respond({"networks": _service(request).hosted_by_agent(ctx, request.path_params["id"], "networks")})


async def agent_add_network(request: Request) -> Response:
    """POST /agents/{id}/dhcp-networks {"network_id"}: schedule a network onto a DHCP agent (`network agent add
    network --dhcp`). Neutron answers 201 with a null body."""
    ctx = context_of(request)
    body = await read_json(request)
    network_id = body.get("network_id") if isinstance(body, dict) else None
    _service(request).schedule_network(ctx, request.path_params["id"], network_id, True)
    return respond(None, 201)


async def agent_remove_network(request: Request) -> Response:
    """DELETE /agents/{id}/dhcp-networks/{network_id} (`network agent remove network --dhcp`)."""
    ctx = context_of(request)
    _service(request).schedule_network(ctx, request.path_params["id"], request.path_params["network_id"], False)
    return no_content()


async def agent_routers(request: Request) -> Response:
    """GET /agents/{id}/l3-routers: the routers an L3 agent hosts (`router list --agent`)."""
    ctx = context_of(request)
    return respond({"routers": _service(request).hosted_by_agent(ctx, request.path_params["id"], "routers")})


async def agent_add_router(request: Request) -> Response:
    """POST /agents/{id}/l3-routers {"router_id"}: schedule a router onto an L3 agent (`network agent add router
    --l3`). Neutron answers 201 with a null body."""
    ctx = context_of(request)
    body = await read_json(request)
    router_id = body.get("router_id") if isinstance(body, dict) else None
    _service(request).schedule_router(ctx, request.path_params["id"], router_id, True)
    return respond(None, 201)


async def agent_remove_router(request: Request) -> Response:
    """DELETE /agents/{id}/l3-routers/{router_id} (`network agent remove router --l3`)."""
    ctx = context_of(request)
    _service(request).schedule_router(ctx, request.path_params["id"], request.path_params["router_id"], False)
    return no_content()


def _query(request: Request) -> ListQuery:
    return ListQuery.from_params(list(request.query_params.multi_items()), cloud_of(request).settings.max_page_size)


async def list_ip_availabilities(request: Request) -> Response:
    """GET /network-ip-availabilities (admin): `ip availability list`."""
    ctx = context_of(request)
    return respond({"network_ip_availabilities": _service(request).ip_availabilities(ctx, _query(request))})


async def show_ip_availability(request: Request) -> Response:
    """GET /network-ip-availabilities/{network_id} (admin): `ip availability show`."""
    ctx = context_of(request)
    items = _service(request).ip_availabilities(ctx, _query(request), request.path_params["id"])
    return respond({"network_ip_availability": items[0]})


async def list_service_providers(request: Request) -> Response:
    """GET /v2.0/service-providers: the advanced services' drivers (none: the lab runs no VPN, FWaaS or LBaaS
    driver); openstacksdk's project cleanup asks it for VPN before deleting anything."""
    context_of(request)
    return respond({"service_providers": _service(request).service_providers(_query(request))})


def _qos_policies(handler: Callable[[Request], Awaitable[Response]]) -> Callable[[Request], Awaitable[Response]]:
    """The generic collection handlers serving `/v2.0/qos/policies` (a path of two segments)."""
    async def serve(request: Request) -> Response:
        request.path_params["collection"] = "qos/policies"
        return await handler(request)
    return serve


async def qos_rules(request: Request) -> Response:
    """GET/POST /qos/policies/{id}/bandwidth_limit_rules (or dscp_marking_rules)."""
    ctx = context_of(request)
    service = _service(request)
    policy_id, collection = request.path_params["id"], request.path_params["rules"]
    key = qos_kind(collection)[1]
    if request.method == "GET":
        return respond({collection: service.list_qos_rules(ctx, policy_id, collection, _query(request))})
    body = await read_json(request)
    return respond({key: service.create_qos_rule(ctx, policy_id, collection, body)}, 201)


async def qos_rule(request: Request) -> Response:
    """GET/PUT/DELETE /qos/policies/{id}/<type>_rules/{rule_id}."""
    ctx = context_of(request)
    service = _service(request)
    policy_id, collection, rule_id = (request.path_params[k] for k in ("id", "rules", "rule_id"))
    key = qos_kind(collection)[1]
    if request.method == "GET":
        fields = [f for v in request.query_params.getlist("fields") for f in v.split(",") if f]
        return respond({key: service.show_qos_rule(ctx, policy_id, collection, rule_id, fields)})
    if request.method == "PUT":
        body = await read_json(request)
        return respond({key: service.update_qos_rule(ctx, policy_id, collection, rule_id, body)})
    service.delete_qos_rule(ctx, policy_id, collection, rule_id)
    return no_content()


async def port_forwardings(request: Request) -> Response:
    """GET/POST /floatingips/{id}/port_forwardings (`floating ip port forwarding list/create`)."""
    ctx = context_of(request)
    service, fip_id = _service(request), request.path_params["id"]
    if request.method == "GET":
        return respond({"port_forwardings": service.list_port_forwardings(ctx, fip_id, _query(request))})
    body = await read_json(request)
    return respond({"port_forwarding": service.create_port_forwarding(ctx, fip_id, body)}, 201)


async def port_forwarding(request: Request) -> Response:
    """GET/PUT/DELETE /floatingips/{id}/port_forwardings/{pf_id}."""
    ctx = context_of(request)
    service, fip_id, pf_id = _service(request), request.path_params["id"], request.path_params["pf_id"]
    if request.method == "GET":
        fields = [f for v in request.query_params.getlist("fields") for f in v.split(",") if f]
        return respond({"port_forwarding": service.show_port_forwarding(ctx, fip_id, pf_id, fields)})
    if request.method == "PUT":
        body = await read_json(request)
        return respond({"port_forwarding": service.update_port_forwarding(ctx, fip_id, pf_id, body)})
    service.delete_port_forwarding(ctx, fip_id, pf_id)
    return no_content()


async def qos_rule_types(request: Request) -> Response:
    """GET /qos/rule-types: the rule types the loaded driver supports (`network qos rule type list`)."""
    return respond({"rule_types": _service(request).qos_rule_types(context_of(request))})


async def qos_rule_type(request: Request) -> Response:
    """GET /qos/rule-types/{type}: its drivers and their parameters (`network qos rule type show`)."""
    ctx = context_of(request)
    return respond({"rule_type": _service(request).qos_rule_type(ctx, request.path_params["type"])})


async def unknown(request: Request) -> Response:
    """POST to any other path is to a resource this Neutron does not have: 404, as Neutron answers for an
    extension it does not load (`POST /v2.0/fw/firewall_groups` tells a client FWaaS is absent; the generic routes
    alone would answer 405)."""
    raise NotFound("The resource could not be found.", neutron_type="HTTPNotFound")


routes = [
    Route("/", root, methods=["GET"]),
    Route("/v2.0", v2, methods=["GET"]),
    Route("/v2.0/", v2, methods=["GET"]),
    Route("/v2.0/extensions", list_extensions, methods=["GET"]),
    Route("/v2.0/extensions/{alias:str}", show_extension, methods=["GET"]),
    Route("/v2.0/quotas", list_quotas, methods=["GET"]),
    Route("/v2.0/quotas/{project_id:str}/details", quota_details, methods=["GET"]),
    Route("/v2.0/quotas/{project_id:str}/default", quota_defaults, methods=["GET"]),
    Route("/v2.0/quotas/{project_id:str}", quota, methods=["GET", "PUT", "DELETE"]),
    Route("/v2.0/service-providers", list_service_providers, methods=["GET"]),
    Route("/v2.0/network-ip-availabilities", list_ip_availabilities, methods=["GET"]),
    Route("/v2.0/network-ip-availabilities/{id:str}", show_ip_availability, methods=["GET"]),
    Route("/v2.0/networks/{id:str}/dhcp-agents", network_dhcp_agents, methods=["GET"]),
    Route("/v2.0/routers/{id:str}/l3-agents", router_l3_agents, methods=["GET"]),
    Route("/v2.0/agents/{id:str}/dhcp-networks", agent_networks, methods=["GET"]),
    Route("/v2.0/agents/{id:str}/dhcp-networks", agent_add_network, methods=["POST"]),
    Route("/v2.0/agents/{id:str}/dhcp-networks/{network_id:str}", agent_remove_network, methods=["DELETE"]),
    Route("/v2.0/availability_zones", availability_zones, methods=["GET"]),
    Route("/v2.0/agents/{id:str}/l3-routers", agent_routers, methods=["GET"]),
    Route("/v2.0/agents/{id:str}/l3-routers", agent_add_router, methods=["POST"]),
    Route("/v2.0/agents/{id:str}/l3-routers/{router_id:str}", agent_remove_router, methods=["DELETE"]),
    Route("/v2.0/routers/{id:str}/{action:str}", router_action, methods=["PUT"]),
    Route("/v2.0/floatingips/{id:str}/port_forwardings", port_forwardings, methods=["GET", "POST"]),
    Route("/v2.0/floatingips/{id:str}/port_forwardings/{pf_id:str}", port_forwarding,
          methods=["GET", "PUT", "DELETE"]),
    Route("/v2.0/qos/rule-types", qos_rule_types, methods=["GET"]),
    Route("/v2.0/qos/rule-types/{type:str}", qos_rule_type, methods=["GET"]),
    Route("/v2.0/qos/policies", _qos_policies(list_collection), methods=["GET"]),
    Route("/v2.0/qos/policies", _qos_policies(create), methods=["POST"]),
    Route("/v2.0/qos/policies/{id:str}", _qos_policies(show), methods=["GET"]),
    Route("/v2.0/qos/policies/{id:str}", _qos_policies(update), methods=["PUT"]),
    Route("/v2.0/qos/policies/{id:str}", _qos_policies(delete), methods=["DELETE"]),
    Route("/v2.0/qos/policies/{id:str}/{rules:str}", qos_rules, methods=["GET", "POST"]),
    Route("/v2.0/qos/policies/{id:str}/{rules:str}/{rule_id:str}", qos_rule, methods=["GET", "PUT", "DELETE"]),
    Route("/v2.0/{collection:str}", list_collection, methods=["GET"]),
    Route("/v2.0/{collection:str}", create, methods=["POST"]),
    Route("/v2.0/{collection:str}/{id:str}", show, methods=["GET"]),
    Route("/v2.0/{collection:str}/{id:str}", update, methods=["PUT"]),
    Route("/v2.0/{collection:str}/{id:str}", delete, methods=["DELETE"]),
    Route("/v2.0/{collection:str}/{id:str}/tags", tags, methods=["GET", "PUT", "DELETE"]),
    Route("/v2.0/{collection:str}/{id:str}/tags/{tag:str}", tag, methods=["GET", "PUT", "DELETE"]),
    # POST to any other path, and any path with a stray trailing slash (`/v2.0/networks/`), is Neutron's 404; a
    # known path with another method stays 405 (the routes above match it first, partially).
    Route("/v2.0/{rest:path}", unknown, methods=["POST"]),
    Route("/v2.0/{rest:path}/", unknown, methods=["GET", "HEAD", "PUT", "DELETE", "PATCH"]),
]
