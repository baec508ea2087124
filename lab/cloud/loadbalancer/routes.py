"""Load balancing's HTTP API (mounted at /load-balancer): Octavia's /v2/lbaas/... under both /v2 and /v2.0
(python-octaviaclient asks for /v2.0, openstacksdk discovers /v2). Parse, one service call, render."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from lab.cloud.errors import NotFound
from lab.cloud.http import context_of, no_content, query_bool, read_json, respond, service_of
from lab.cloud.loadbalancer import listeners, loadbalancers, monitors, pools, traffic
from lab.cloud.loadbalancer import schemas as S
from lab.cloud.loadbalancer.quotas import LoadBalancerQuotas
from lab.cloud.loadbalancer.service import KINDS, LoadBalancerService

Endpoint = Callable[[Request], Awaitable[Response]]
# Octavia's minor versions as its root controller lists them, up to the last whose features the lab serves
# (v2.23 adds SCTP, v2.25 PROMETHEUS listeners, v2.26 additional VIPs: not here). Clients compare these ids
# (octavia-tempest-plugin gates tests on them); every version's link is /v2.
VERSIONS = tuple((f"v2.{minor}", updated, "CURRENT" if minor == 22 else "SUPPORTED") for minor, updated in enumerate((
    "2016-12-11", "2018-04-20", "2018-07-31", "2018-12-18", "2018-12-19", "2019-01-21", "2019-01-25",
    "2018-01-25T12:00:00", "2019-02-12", "2019-03-04", "2019-03-05", "2019-06-24", "2019-09-11", "2019-09-13",
    "2019-11-10", "2020-03-10", "2020-03-15", "2020-04-29", "2020-04-29T01:00:00", "2020-05-12", "2020-08-02",
    "2020-09-03", "2020-09-04")))


def _svc(request: Request) -> LoadBalancerService:
    return service_of(request, "loadbalancer", LoadBalancerService)


async def root(request: Request) -> Response:
    """GET /load-balancer: the versions document (Octavia's root controller)."""
    base = str(request.url).split("?")[0].rstrip("/") + "/"
    return respond({"versions": [{"id": v, "status": status,
                                  "updated": updated + ("" if "T" in updated else "T00:00:00") + "Z",
                                  "links": [{"href": base + "v2", "rel": "self"}]}
                                 for v, updated, status in VERSIONS]})


def _params(request: Request) -> dict[str, list[str]]:
    params: dict[str, list[str]] = {}
    for key, value in request.query_params.multi_items():
        params.setdefault(key, []).append(value)
    return params


def _links(request: Request, kind: str, next_marker: str | None) -> list[dict[str, str]]:
    if next_marker is None:
        return []
    query = "&".join(f"{k}={v}" for k, v in request.query_params.multi_items() if k != "marker")
    return [{"rel": "next", "href": f"{str(request.url).split('?')[0]}?{query}&marker={next_marker}"}]


def lister(kind: str, parent: str | None = None) -> Endpoint:
    async def endpoint(request: Request) -> Response:
        parent_id = request.path_params.get(parent) if parent else None
        items, more = _svc(request).list_objects(context_of(request), kind, _params(request), parent_id)
        collection = KINDS[kind].collection
        return respond({collection: items, f"{collection}_links": _links(request, kind, more)})
    return endpoint


def shower(kind: str, param: str, parent: str | None = None) -> Endpoint:
    async def endpoint(request: Request) -> Response:
        fields = [f for v in request.query_params.getlist("fields") for f in v.split(",") if f]
        item = _svc(request).show(context_of(request), kind, request.path_params[param],
                                  request.path_params.get(parent) if parent else None, fields)
        return respond({KINDS[kind].key: item})
    return endpoint


def creator(kind: str, spec: S.Spec, make: Callable[..., dict[str, Any]], parent: str | None = None
            ) -> Endpoint:
    async def endpoint(request: Request) -> Response:
        key = KINDS[kind].key
        attrs = S.parse(await read_json(request), key, spec)
        args = (request.path_params[parent],) if parent else ()
        return respond({key: make(_svc(request), context_of(request), *args, attrs)}, 201)
    return endpoint


def updater(kind: str, spec: S.Spec, change: Callable[..., dict[str, Any]], *params: str) -> Endpoint:
    async def endpoint(request: Request) -> Response:
        key = KINDS[kind].key
        attrs = S.parse(await read_json(request), key, spec)
        ids = [request.path_params[p] for p in params]
        return respond({key: change(_svc(request), context_of(request), *ids, attrs)})
    return endpoint


def deleter(remove: Callable[..., None], *params: str) -> Endpoint:
    async def endpoint(request: Request) -> Response:
        remove(_svc(request), context_of(request), *[request.path_params[p] for p in params])
        return no_content()
    return endpoint


async def delete_loadbalancer(request: Request) -> Response:
    cascade = bool(query_bool(request, "cascade", False))
    loadbalancers.delete(_svc(request), context_of(request), request.path_params["lb_id"], cascade)
    return no_content()


async def status(request: Request) -> Response:
    return respond(_svc(request).status(context_of(request), request.path_params["lb_id"]))


def stats(kind: str, param: str) -> Endpoint:
    async def endpoint(request: Request) -> Response:
        return respond(_svc(request).stats(context_of(request), kind, request.path_params[param]))
    return endpoint


async def failover(request: Request) -> Response:
    loadbalancers.failover(_svc(request), context_of(request), request.path_params["lb_id"])
    return no_content(202)


async def batch_members(request: Request) -> Response:
    body = await read_json(request)
    members = body.get("members")
    if not isinstance(members, list):
        raise S.W.refuse("members", None, "required")
    parsed = [S.attributes(m, "members", S.MEMBER_CREATE) for m in members]
    pools.batch_update_members(_svc(request), context_of(request), request.path_params["pool_id"], parsed,
                               bool(query_bool(request, "additive_only", False)))
    return no_content(202)


async def send_traffic(request: Request) -> Response:
    """POST /lab/v1/loadbalancers/{lb_id}/traffic: the lab's traffic tool (traffic.py), not an Octavia call."""
    n, port, client = traffic.parse(await read_json(request))
    return respond(traffic.send(_svc(request), context_of(request), request.path_params["lb_id"], n, port, client))


# ---------------------------------------------------------------------------------------------- quotas
def _quotas(request: Request) -> LoadBalancerQuotas:
    return LoadBalancerQuotas(_svc(request).cloud)


async def list_quotas(request: Request) -> Response:
    found = _quotas(request).list(context_of(request), request.query_params.get("project_id"))
    return respond({"quotas": [S.quota(limits, p) for p, limits in found.items()], "quotas_links": []})


async def show_quota(request: Request) -> Response:
    return respond({"quota": S.quota(_quotas(request).get(context_of(request), request.path_params["project_id"]))})


async def default_quota(request: Request) -> Response:
    ctx = context_of(request)
    project_id = request.path_params.get("project_id") or ctx.project_id or ""
    return respond({"quota": S.quota(_quotas(request).defaults(ctx, project_id))})


async def update_quota(request: Request) -> Response:
    values = S.parse(await read_json(request), "quota", S.QUOTA_UPDATE)
    limits = _quotas(request).update(context_of(request), request.path_params["project_id"], values)
    return respond({"quota": S.quota(limits)}, 202)


async def delete_quota(request: Request) -> Response:
    _quotas(request).delete(context_of(request), request.path_params["project_id"])
    return no_content(202)


# ---------------------------------------------------------------------------------------------- providers, flavors
async def list_providers(request: Request) -> Response:
    fields = [f for v in request.query_params.getlist("fields") for f in v.split(",") if f]
    found = _svc(request).providers(context_of(request))
    return respond({"providers": [{k: v for k, v in p.items() if k in fields} if fields else p for p in found]})


def capabilities(what: str) -> Endpoint:
    async def endpoint(request: Request) -> Response:
        found = _svc(request).provider_capabilities(context_of(request), request.path_params["provider"], what)
        return respond({f"{what}_capabilities": found})
    return endpoint


def nothing(key: str, rule: str) -> Endpoint:
    async def endpoint(request: Request) -> Response:
        return respond({key: _svc(request).empty(context_of(request), rule), f"{key}_links": []})
    return endpoint


async def show_flavor(request: Request) -> Response:
    """GET /flavors/{id}: the lab defines no load-balancer flavors, so any id is Octavia's 404."""
    _svc(request).empty(context_of(request), "os_load-balancer_api:flavor:get_one")
    raise NotFound(f"Flavor {request.path_params['flavor_id']} not found.")


def _lbaas() -> list[Route]:
    lb, li, po, me = "/loadbalancers/{lb_id}", "/listeners/{listener_id}", "/pools/{pool_id}", "/members/{member_id}"
    hm, l7, ru = "/healthmonitors/{healthmonitor_id}", "/l7policies/{l7policy_id}", "/rules/{rule_id}"
    return [
        Route("/loadbalancers", lister("loadbalancers"), methods=["GET"]),
        Route("/loadbalancers", creator("loadbalancers", S.LB_CREATE, loadbalancers.create), methods=["POST"]),
        Route(lb, shower("loadbalancers", "lb_id"), methods=["GET"]),
        Route(lb, updater("loadbalancers", S.LB_UPDATE, loadbalancers.update, "lb_id"), methods=["PUT"]),
        Route(lb, delete_loadbalancer, methods=["DELETE"]),
        Route(lb + "/status", status, methods=["GET"]),
        Route(lb + "/statuses", status, methods=["GET"]),
        Route(lb + "/stats", stats("loadbalancers", "lb_id"), methods=["GET"]),
        Route(lb + "/failover", failover, methods=["PUT"]),
        Route("/listeners", lister("listeners"), methods=["GET"]),
        Route("/listeners", creator("listeners", S.LISTENER_CREATE, listeners.create), methods=["POST"]),
        Route(li, shower("listeners", "listener_id"), methods=["GET"]),
        Route(li, updater("listeners", S.LISTENER_UPDATE, listeners.update, "listener_id"), methods=["PUT"]),
        Route(li, deleter(listeners.delete, "listener_id"), methods=["DELETE"]),
        Route(li + "/stats", stats("listeners", "listener_id"), methods=["GET"]),
        Route("/pools", lister("pools"), methods=["GET"]),
        Route("/pools", creator("pools", S.POOL_CREATE, pools.create_pool), methods=["POST"]),
        Route(po, shower("pools", "pool_id"), methods=["GET"]),
        Route(po, updater("pools", S.POOL_UPDATE, pools.update_pool, "pool_id"), methods=["PUT"]),
        Route(po, deleter(pools.delete_pool, "pool_id"), methods=["DELETE"]),
        Route(po + "/members", lister("members", "pool_id"), methods=["GET"]),
        Route(po + "/members", creator("members", S.MEMBER_CREATE, pools.create_member, "pool_id"),
              methods=["POST"]),
        Route(po + "/members", batch_members, methods=["PUT"]),
        Route(po + me, shower("members", "member_id", "pool_id"), methods=["GET"]),
        Route(po + me, updater("members", S.MEMBER_UPDATE, pools.update_member, "pool_id", "member_id"),
              methods=["PUT"]),
        Route(po + me, deleter(pools.delete_member, "pool_id", "member_id"), methods=["DELETE"]),
        Route("/healthmonitors", lister("healthmonitors"), methods=["GET"]),
        Route("/healthmonitors", creator("healthmonitors", S.HM_CREATE, monitors.create_monitor), methods=["POST"]),
        Route(hm, shower("healthmonitors", "healthmonitor_id"), methods=["GET"]),
        Route(hm, updater("healthmonitors", S.HM_UPDATE, monitors.update_monitor, "healthmonitor_id"),
              methods=["PUT"]),
        Route(hm, deleter(monitors.delete_monitor, "healthmonitor_id"), methods=["DELETE"]),
        Route("/l7policies", lister("l7policies"), methods=["GET"]),
        Route("/l7policies", creator("l7policies", S.L7POLICY_CREATE, monitors.create_policy), methods=["POST"]),
        Route(l7, shower("l7policies", "l7policy_id"), methods=["GET"]),
        Route(l7, updater("l7policies", S.L7POLICY_UPDATE, monitors.update_policy, "l7policy_id"), methods=["PUT"]),
        Route(l7, deleter(monitors.delete_policy, "l7policy_id"), methods=["DELETE"]),
        Route(l7 + "/rules", lister("rules", "l7policy_id"), methods=["GET"]),
        Route(l7 + "/rules", creator("rules", S.L7RULE_CREATE, monitors.create_rule, "l7policy_id"),
              methods=["POST"]),
        Route(l7 + ru, shower("rules", "rule_id", "l7policy_id"), methods=["GET"]),
        Route(l7 + ru, updater("rules", S.L7RULE_UPDATE, monitors.update_rule, "l7policy_id", "rule_id"),
              methods=["PUT"]),
        Route(l7 + ru, deleter(monitors.delete_rule, "l7policy_id", "rule_id"), methods=["DELETE"]),
        Route("/quotas", list_quotas, methods=["GET"]),
        Route("/quotas/defaults", default_quota, methods=["GET"]),
        Route("/quotas/{project_id}", show_quota, methods=["GET"]),
        Route("/quotas/{project_id}", update_quota, methods=["PUT"]),
        Route("/quotas/{project_id}", delete_quota, methods=["DELETE"]),
        Route("/quotas/{project_id}/default", default_quota, methods=["GET"]),
        Route("/providers", list_providers, methods=["GET"]),
        Route("/providers/{provider}/flavor_capabilities", capabilities("flavor"), methods=["GET"]),
        Route("/providers/{provider}/availability_zone_capabilities", capabilities("availability_zone"),
              methods=["GET"]),
        Route("/flavors", nothing("flavors", "os_load-balancer_api:flavor:get_all"), methods=["GET"]),
        Route("/flavors/{flavor_id}", show_flavor, methods=["GET"]),
        Route("/flavorprofiles", nothing("flavorprofiles", "os_load-balancer_api:flavor-profile:get_all"),
              methods=["GET"]),
        Route("/availabilityzones", nothing("availability_zones", "os_load-balancer_api:availability-zone:get_all"),
              methods=["GET"]),
    ]


routes = [Route("/", root, methods=["GET"]),
          *(Route(f"{version}/lbaas{r.path}", r.endpoint, methods=list(r.methods or ()))
            for version in ("/v2", "/v2.0") for r in _lbaas())]
# The traffic tool is the lab's, so it lives beside the lab API's routes (and answers in their error style).
extra_mounts = [("/lab/v1", [Route("/loadbalancers/{lb_id}/traffic", send_traffic, methods=["POST"])])]
