"""HTTP routes of the lab admin API, mounted at /lab/v1: parse, call the service, render."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from lab.cloud.http import cloud_of, context_of, read_json, respond
from lab.cloud.labapi import schemas


async def show_clock(request: Request) -> Response:
    """GET /lab/v1/clock."""
    reading = cloud_of(request).labapi.get_clock(context_of(request))
    return respond(schemas.clock(reading))


async def advance_clock(request: Request) -> Response:
    """POST /lab/v1/clock/advance {"by": "30d"}."""
    ctx = context_of(request)
    body = await read_json(request)
    reading = cloud_of(request).labapi.advance_clock(ctx, body.get("by"))
    return respond(schemas.clock(reading))


routes = [
    Route("/clock", show_clock, methods=["GET"]),
    Route("/clock/advance", advance_clock, methods=["POST"]),
]
