"""Identity's HTTP routes (Keystone v3): parse, call the service, render. No logic here."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from lab.cloud.errors import Unauthorized
from lab.cloud.http import cloud_of, context_of, no_content, read_json, require_key, respond
from lab.cloud.identity import schemas


async def root(request: Request) -> Response:
    """GET /identity: the versions list (Keystone answers 300 Multiple Choices)."""
    base = cloud_of(request).settings.endpoint
    return respond({"versions": {"values": [schemas.version(base)]}}, 300)


async def v3(request: Request) -> Response:
    base = cloud_of(request).settings.endpoint
    return respond({"version": schemas.version(base)})


async def issue_token(request: Request) -> Response:
    body = await read_json(request)
    auth = require_key(body, "auth")
    issued = cloud_of(request).identity.authenticate(auth, request.headers.get("x-auth-token"))
    return respond(issued.body, 201, {"X-Subject-Token": issued.value})


def _subject(request: Request) -> str:
    subject = request.headers.get("x-subject-token")
    if not subject:
        raise Unauthorized("The request you have made requires authentication.")
    return subject


async def validate_token(request: Request) -> Response:
    ctx = context_of(request)
    cloud = cloud_of(request)
    cloud.policy.enforce(ctx, "identity:validate_token")
    issued = cloud.identity.validate(_subject(request))
    if request.method == "HEAD":
        return no_content(200, {"X-Subject-Token": issued.value})
    return respond(issued.body, 200, {"X-Subject-Token": issued.value})


async def revoke_token(request: Request) -> Response:
    context_of(request)
    cloud_of(request).identity.revoke(_subject(request))
    return no_content()


async def auth_catalog(request: Request) -> Response:
    ctx = context_of(request)
    cloud = cloud_of(request)
    with cloud.db.read() as db:
        return respond({"catalog": cloud.identity.catalog(db, ctx.project_id),
                        "links": {"self": str(request.url), "previous": None, "next": None}})


routes = [
    Route("/", root, methods=["GET", "HEAD"]),
    Route("/v3", v3, methods=["GET", "HEAD"]),
    Route("/v3/", v3, methods=["GET", "HEAD"]),
    Route("/v3/auth/tokens", issue_token, methods=["POST"]),
    Route("/v3/auth/tokens", validate_token, methods=["GET", "HEAD"]),
    Route("/v3/auth/tokens", revoke_token, methods=["DELETE"]),
    Route("/v3/auth/catalog", auth_catalog, methods=["GET"]),
]
