"""The routes of the compute APIs other services call (external.py): os-server-external-events and
os-assisted-volume-snapshots. Thin: parse, one call, render."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from lab.cloud.compute import external
from lab.cloud.compute import microversions as mv
from lab.cloud.compute.service import ComputeService
from lab.cloud.http import context_of, microversion, no_content, read_json, respond, service_of


async def create_external_events(request: Request) -> Response:
    """POST /os-server-external-events: 200, or 207 when some events were not accepted (each has its code)."""
    compute = service_of(request, "compute", ComputeService)
    events = external.parse_events(await read_json(request), microversion(request, mv.MIN))
    answered, code = compute.external_events.create(context_of(request), events)
    return respond({"events": answered}, status=code)


async def create_assisted_snapshot(request: Request) -> Response:
    compute = service_of(request, "compute", ComputeService)
    asked = external.parse_snapshot_create(await read_json(request))
    return respond({"snapshot": compute.assisted_snapshots.create(context_of(request), asked)})


async def delete_assisted_snapshot(request: Request) -> Response:
    compute = service_of(request, "compute", ComputeService)
    compute.assisted_snapshots.delete(context_of(request), request.path_params["snapshot_id"],
                                      request.query_params.get("delete_info"))
    return no_content(204)


V = "/v2.1"
routes = [
    Route(f"{V}/os-server-external-events", create_external_events, methods=["POST"]),
    Route(f"{V}/os-assisted-volume-snapshots", create_assisted_snapshot, methods=["POST"]),
    Route(f"{V}/os-assisted-volume-snapshots/{{snapshot_id}}", delete_assisted_snapshot, methods=["DELETE"]),
]
