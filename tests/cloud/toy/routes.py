"""The toy service's HTTP API (mounted at /toy): parse, one service call, render."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from lab.cloud.http import context_of, no_content, read_json, respond, service_of
from tests.cloud.toy.schemas import parse_toy
from tests.cloud.toy.service import ToyService


def _service(request: Request) -> ToyService:
    return service_of(request, "toy", ToyService)


async def list_toys(request: Request) -> Response:
    toys = _service(request).list_toys(context_of(request))
    return respond({"toys": [{"id": t.id, "name": t.name} for t in toys]})


async def create_toy(request: Request) -> Response:
    toy = _service(request).create_toy(context_of(request), parse_toy(await read_json(request)))
    return respond({"toy": {"id": toy.id, "name": toy.name}}, 201)


async def delete_toy(request: Request) -> Response:
    _service(request).delete_toy(context_of(request), request.path_params["toy_id"])
    return no_content()


routes = [
    Route("/v1/toys", list_toys, methods=["GET"]),
    Route("/v1/toys", create_toy, methods=["POST"]),
    Route("/v1/toys/{toy_id}", delete_toy, methods=["DELETE"]),
]
