"""The cloud: `Cloud` holds one lab's parts (database, clock, policy, quotas, drivers, services, worker) and
`create_app(settings)` serves them as one ASGI app on one port, with DevStack-style path prefixes.

The services are listed once, in `PLUGINS`: each is a package whose `plugin.py` declares what it brings (see
lab/cloud/plugin.py): its mount, error style and catalog entries, its routes, policy rules, quotas, meters, job
handlers and console screens. Adding a service means adding its package and one line here.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route, Router
from starlette.types import Message, Receive, Scope, Send

from lab.cloud import contracts, errors
from lab.cloud.clock import LabClock
from lab.cloud.db import Database
from lab.cloud.drivers import load_driver
from lab.cloud.drivers.base import ComputeDriver, NetworkDriver, VolumeDriver
from lab.cloud.http import respond
from lab.cloud.limits import BodyLimit
from lab.cloud.microversion import SCOPE_KEY as MICROVERSION_KEY
from lab.cloud.microversion import negotiate
from lab.cloud.plugin import HOOKS, Meter, Periodic, Plugin, load_plugins
from lab.cloud.policy import Policy
from lab.cloud.quotas import Quotas
from lab.cloud.worker import Handler, Worker
from lab.config import Settings, private_tree

log = logging.getLogger(__name__)


# The services, in the order they are built, bootstrapped and purged (compute before the network it holds
# ports on, ...). Adding a service is adding its package (with a `plugin.py`) and one line here.
PLUGINS: tuple[str, ...] = (
    "lab.cloud.identity",
    "lab.cloud.compute",
    "lab.cloud.loadbalancer",  # before the network: its purge removes the VIP ports it holds there
    "lab.cloud.image",
    "lab.cloud.network",
    "lab.cloud.volume",
    "lab.cloud.object",
    "lab.cloud.orchestration",
    "lab.cloud.metric",
    "lab.cloud.alarming",  # after the metric service its threshold alarms read
    "lab.cloud.labapi",
    "lab.cloud.billing",
)


class Cloud:
    """One lab: everything a request handler, the worker or a CLI command needs, built from settings and the
    plugin list. Services reach each other through the typed contracts (`cloud.network` is a
    `contracts.Network`); `services` holds every service object by name."""

    identity: contracts.Identity
    compute: contracts.Compute
    image: contracts.Image
    network: contracts.Network
    volume: contracts.Volume
    billing: contracts.Billing
    metric: contracts.Metric

    def __init__(self, settings: Settings, plugins: tuple[str, ...] = PLUGINS):
        self.settings = s = settings
        private_tree(s.data_dir)  # 0700 / 0600: it holds the admin password and every student's state
        self.plugins: tuple[Plugin, ...] = load_plugins(plugins)
        self.specs = tuple(p.spec for p in self.plugins)
        classes = [(p.name, p.service_class()) for p in self.plugins]  # imports every model
        self.db = Database(s.sqlalchemy_url)
        self.db.create_all()
        self.clock = LabClock(self.db)
        self.clock.load()
        self.policy = Policy([rule for p in self.plugins for rule in p.policies], s.data_dir / "policy.yaml")
        self.quotas = Quotas(resource for p in self.plugins for resource in p.quotas)
        self.meters: tuple[Meter, ...] = tuple(meter for p in self.plugins for meter in p.meters)
        self.jobs: dict[str, Handler] = {}
        for p in self.plugins:
            for kind, job in p.jobs.items():
                if kind in self.jobs:
                    raise ValueError(f"job kind {kind} is registered by two plugins")
                self.jobs[kind] = job
        self.periodic: tuple[Periodic, ...] = tuple(task for p in self.plugins for task in p.periodic)
        # The cloud owns every driver: started and closed here, reconciled by the services' `recover`.
        self.compute_driver: ComputeDriver = load_driver("compute", s.compute_driver, s)
        self.network_driver: NetworkDriver = load_driver("network", s.network_driver, s)
        self.volume_driver: VolumeDriver = load_driver("volume", s.volume_driver, s)
        self.worker = Worker(self)
        self.asgi: Any = None  # the served app, set by create_app (the orchestration engine calls its routes)
        self.services: dict[str, Any] = {name: cls(self) for name, cls in classes}
        for name in ("identity", "compute", "image", "network", "volume", "billing", "metric"):
            setattr(self, name, self.services[name])  # checked statically by each service's `_fulfils`
        # Nova's metadata API, which the network driver's metadata agent asks for what guests read from
        # 169.254.169.254 (the linux driver; the logical one has no guests to answer).
        self.network_driver.metadata = self._metadata

    def _metadata(self, address: str, subnet_id: str | None, path: str) -> tuple[int, str, bytes]:
        from lab.cloud.compute import metadata  # imported when a guest first asks: a cloud may lack compute

        return metadata.answer(self, address, subnet_id, path)

    def hooks(self, name: str) -> list[Callable[..., Any]]:
        """The services' `name` hooks (one of plugin.HOOKS), in plugin order."""
        assert name in HOOKS, name
        found = (getattr(self.services[p.name], name, None) for p in self.plugins)
        return [hook for hook in found if hook is not None]

    def bootstrap(self) -> None:
        """Create what a fresh lab needs (idempotent: an existing lab only gains what is missing), then let every
        service finish what a killed process left half-done."""
        for boot in self.hooks("bootstrap"):
            boot()
        for recover in self.hooks("recover"):
            recover()

    def start(self) -> None:
        for driver in (self.compute_driver, self.network_driver, self.volume_driver):
            driver.start()
        self.worker.start()

    def close(self) -> None:
        self.worker.stop()
        for driver in (self.compute_driver, self.network_driver, self.volume_driver):
            driver.close()
        self.db.dispose()


def create_app(settings: Settings, *, cloud: Cloud | None = None, start_worker: bool = True) -> Starlette:
    """The ASGI app for one lab. Pass `cloud` to share one already built (tests); `start_worker=False` leaves
    asynchronous work to explicit `cloud.worker.run_due()` calls."""
    cloud = cloud or Cloud(settings)
    cloud.bootstrap()

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        if start_worker:
            cloud.start()
        try:
            yield
        finally:
            if start_worker:
                cloud.worker.stop()

    routes: list[BaseRoute] = []
    modules = {p.name: p.routes_module() for p in cloud.plugins}
    # A package may serve routes under another service's prefix (volume serves Nova's os-volume_attachments):
    # `extra_mounts = [(prefix, routes)]`. They are added as full-path routes ahead of every mount, because a
    # Mount answers its whole prefix and a second Mount on the same prefix would never be reached.
    for module in modules.values():
        for prefix, extra in getattr(module, "extra_mounts", ()):
            routes += [Route(prefix + r.path, r.endpoint, methods=list(r.methods or ())) for r in extra]
    for spec in cloud.specs:
        module = modules[spec.name]
        if hasattr(module, "root"):  # the bare prefix (GET /image) answers itself instead of redirecting
            routes.append(Route(spec.mount, module.root, methods=["GET", "HEAD"]))
        routes.append(Mount(spec.mount, routes=module.routes))

    styles = {spec.mount: spec.style for spec in cloud.specs}
    for spec in cloud.specs:  # an extra mount answers in its owner's style when its prefix's service is absent
        for prefix, _extra in getattr(modules[spec.name], "extra_mounts", ()):
            styles.setdefault(prefix, spec.style)

    def style_for(path: str) -> str:
        for mount, style in styles.items():
            if path == mount or path.startswith(mount + "/"):
                return style
        return "keystone"

    async def on_cloud_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, errors.CloudError)
        return respond(errors.error_body(style_for(request.url.path), exc), exc.code, exc.headers)

    async def on_http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        kinds = {404: errors.NotFound, 405: errors.MethodNotAllowed}
        error = kinds.get(exc.status_code, errors.BadRequest)(
            "The resource could not be found." if exc.status_code == 404 else str(exc.detail))
        error.code = exc.status_code
        return await on_cloud_error(request, error)

    async def on_crash(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return await on_cloud_error(request, errors.CloudError(
            "The server has either erred or is incapable of performing the requested operation."))

    app = Starlette(routes=routes, lifespan=lifespan, exception_handlers={
        errors.CloudError: on_cloud_error, HTTPException: on_http_error, Exception: on_crash})
    app.state.cloud = cloud
    app.add_middleware(BodyLimit, limit=settings.max_request_body_size)  # 413 before an oversized body is read
    # OpenStack services never redirect `/v2/images/` to `/v2/images`: a path with a stray slash is their 404
    # (tempest checks it), so Starlette's slash redirects are turned off here and in every mounted router.
    for router in [app.router, *(r.app for r in routes if isinstance(r, Mount))]:
        if isinstance(router, Router):
            router.redirect_slashes = False
    cloud.asgi = OpenStackHeaders(app, cloud)
    return cloud.asgi


class OpenStackHeaders:
    """ASGI middleware: a request id on every response, and microversion negotiation for the services that
    declare a range (lab/cloud/microversion.py): the negotiated `Version` goes into the request scope (read it
    with lab.cloud.http.microversion) and is echoed in `OpenStack-API-Version` (and a service's legacy header);
    a version outside the range is the 406 Nova and Cinder answer."""

    def __init__(self, app: Starlette, cloud: Cloud):
        self.app = app
        self.state = app.state
        self.cloud = cloud
        self.versions = [(spec.mount, spec.style, found) for spec in cloud.specs
                         if (found := spec.microversions()) is not None]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = f"req-{uuid.uuid4()}"
        scope["request_id"] = request_id
        extra = [(b"x-openstack-request-id", request_id.encode())]
        path: str = scope["path"]
        if path.startswith("/compute/"):  # Nova sends its older request id header too (tempest reads it)
            extra.append((b"x-compute-request-id", request_id.encode()))
        for mount, style, versions in self.versions:
            if path.startswith(mount + "/") or path == mount:
                # latin-1, as ASGI defines header bytes: any byte decodes, so a stray 0xff is a 400, not a crash.
                headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
                error: errors.CloudError | None = None
                try:
                    version = negotiate(versions, headers)
                except errors.CloudError as problem:
                    version, error = versions.min, problem
                scope[MICROVERSION_KEY] = version
                extra += [(b"openstack-api-version", f"{versions.service} {version}".encode()),
                          (b"vary", b"OpenStack-API-Version")]
                if versions.legacy_header:
                    extra += [(versions.legacy_header.lower().encode(), str(version).encode()),
                              (b"vary", versions.legacy_header.encode())]
                if error is not None:
                    await _send_error(send, error, extra, style)
                    return
                break

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", [])) + extra
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def _send_error(send: Send, error: errors.CloudError, headers: list[tuple[bytes, bytes]],
                      style: str = "nova") -> None:
    response = respond(errors.error_body(style, error), error.code)
    await send({"type": "http.response.start", "status": response.status_code,
                "headers": list(response.raw_headers) + headers})
    await send({"type": "http.response.body", "body": response.body})
