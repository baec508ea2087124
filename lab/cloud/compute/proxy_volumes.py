"""Nova's os-volumes and os-snapshots (nova/api/openstack/compute/volumes.py), proxies to Cinder removed at
2.36: `openstack` of old, and tempest at 2.1, make volumes through Nova. Each request is parsed with Nova's
schema (nova/api/openstack/compute/schemas/volumes.py), checked with Nova's policy, then made as Cinder's own
call with the caller's context (the volume contract): the volume or snapshot is Cinder's, seen by both APIs.
Answers are Nova's camelCase views (_translate_volume_view, _translate_snapshot_view)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from lab.cloud import validation as val
from lab.cloud.compute.proxy_common import nova_time, served
from lab.cloud.context import RequestContext
from lab.cloud.http import no_content, query_int, read_json, respond

if TYPE_CHECKING:
    from lab.cloud.app import Cloud
    from lab.cloud.volume.models import Snapshot
    from lab.cloud.volume.volumes import VolumeView

W = val.NOVA
V = "/v2.1"
RULE = "os_compute_api:os-volumes"


# ---------------------------------------------------------------------------------------------- parsing
def _size(w: val.Wording, f: str, value: Any) -> int:
    """Nova's `size`: {'type': ['integer', 'string'], 'pattern': '^[0-9]+$', 'minimum': 1}."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise w.refuse(f, value, "type", types=w.types(int, str))
    if isinstance(value, str) and not re.fullmatch(r"[0-9]+", value):
        raise w.refuse(f, value, "pattern", pattern="^[0-9]+$")
    if int(value) < 1:
        raise w.refuse(f, value, "minimum", limit=1)
    return int(value)


def _metadata(w: val.Wording, f: str, value: Any) -> dict[str, str]:
    found = val.obj(w, f, value)
    for key, item in found.items():
        if not isinstance(item, str):  # Cinder's own check of what Nova hands it
            raise w.refuse(f"{f}/{key}", item, "type", types=w.types(str))
    return found


VOLUME_CREATE = {
    "volume_type": val.Attr(val.string(max_len=None)),
    "metadata": val.Attr(_metadata),
    "snapshot_id": val.Attr(val.string(max_len=None)),
    "size": val.Attr(_size, required=True),
    "availability_zone": val.Attr(val.string(max_len=None)),
    "display_name": val.Attr(val.string(max_len=None)),
    "display_description": val.Attr(val.string(max_len=None)),
}
SNAPSHOT_CREATE = {
    "volume_id": val.Attr(val.string(max_len=None), required=True),
    "force": val.Attr(val.boolean(strings=("true", "false", "1", "0", "yes", "no", "on", "off", "y", "n", "t", "f"))),
    "display_name": val.Attr(val.string(max_len=None)),
    "display_description": val.Attr(val.string(max_len=None)),
}


def _body(body: dict[str, Any], key: str, table: dict[str, val.Attr]) -> dict[str, Any]:
    extra = sorted(set(body) - {key})
    if extra:
        raise W.unexpected("", body, extra)
    return val.parse_object(W, table, val.body_object(W, body, key), key)


# ---------------------------------------------------------------------------------------------- views
def volume_view(view: VolumeView) -> dict[str, Any]:
    """Nova's _translate_volume_summary_view: `[{}]` attachments when the volume is not attached."""
    v = view.volume
    attached = [a for a in view.attachments if a.attach_status == "attached"]
    attachments = [{"id": v.id, "volumeId": v.id, "serverId": a.server_id, "device": a.device} for a in attached]
    return {"id": v.id, "status": v.status, "size": v.size, "availabilityZone": v.availability_zone,
            "createdAt": nova_time(v.created_at), "attachments": attachments or [{}],
            "displayName": v.name, "displayDescription": v.description, "volumeType": view.type_name,
            "snapshotId": v.snapshot_id, "metadata": dict(v.metadata_ or {})}


def snapshot_view(s: Snapshot) -> dict[str, Any]:
    return {"id": s.id, "volumeId": s.volume_id, "status": s.status, "size": s.size,
            "createdAt": nova_time(s.created_at), "displayName": s.name, "displayDescription": s.description}


def _limited(request: Request, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Nova's common.limited: `offset` then `limit` of the whole list."""
    offset = query_int(request, "offset") or 0
    limit = query_int(request, "limit")
    items = items[offset:]
    return items if limit is None else items[:limit]


def _volumes(request: Request, rule: str) -> tuple[Cloud, RequestContext]:
    cloud, ctx = served(request)
    cloud.policy.enforce(ctx, f"{RULE}:{rule}")
    return cloud, ctx


# ---------------------------------------------------------------------------------------------- os-volumes
async def list_volumes(request: Request) -> Response:
    """GET /os-volumes and /os-volumes/detail (the same summary view)."""
    cloud, ctx = _volumes(request, "detail" if request.url.path.endswith("/detail") else "list")
    return respond({"volumes": _limited(request, [volume_view(v) for v in cloud.volume.list_volumes(ctx)])})


async def create_volume(request: Request) -> Response:
    """POST /os-volumes: Cinder's create (a volume of `size` GB, or of its snapshot's size)."""
    from lab.cloud.volume.schemas import VolumeCreate

    cloud, ctx = _volumes(request, "create")
    spec = _body(await read_json(request), "volume", VOLUME_CREATE)
    snapshot_id = spec.get("snapshot_id")
    if snapshot_id is not None:
        cloud.volume.get_snapshot(ctx, snapshot_id)  # Nova's 404 for an unknown snapshot, before the create
    made = cloud.volume.create_volume(ctx, VolumeCreate(
        size=spec["size"], name=spec.get("display_name"), description=spec.get("display_description"),
        metadata=spec.get("metadata") or {}, availability_zone=spec.get("availability_zone"),
        volume_type=spec.get("volume_type"), snapshot_id=snapshot_id))
    return respond({"volume": volume_view(made)})


async def show_volume(request: Request) -> Response:
    cloud, ctx = _volumes(request, "show")
    return respond({"volume": volume_view(cloud.volume.get_volume(ctx, request.path_params["volume_id"]))})


async def delete_volume(request: Request) -> Response:
    cloud, ctx = _volumes(request, "delete")
    cloud.volume.delete_volume(ctx, request.path_params["volume_id"])
    return no_content(202)


# ---------------------------------------------------------------------------------------------- os-snapshots
async def list_snapshots(request: Request) -> Response:
    cloud, ctx = _volumes(request, "snapshots:detail" if request.url.path.endswith("/detail") else "snapshots:list")
    return respond({"snapshots": _limited(request, [snapshot_view(s) for s in cloud.volume.list_snapshots(ctx)])})


async def create_snapshot(request: Request) -> Response:
    """POST /os-snapshots: Cinder's snapshot create (`force`: of an in-use volume too)."""
    from lab.cloud.volume.schemas import SnapshotCreate

    cloud, ctx = _volumes(request, "snapshots:create")
    spec = _body(await read_json(request), "snapshot", SNAPSHOT_CREATE)
    made = cloud.volume.create_snapshot(ctx, SnapshotCreate(
        volume_id=spec["volume_id"], force=bool(spec.get("force", False)), name=spec.get("display_name"),
        description=spec.get("display_description")))
    return respond({"snapshot": snapshot_view(made)})


async def show_snapshot(request: Request) -> Response:
    cloud, ctx = _volumes(request, "snapshots:show")
    return respond({"snapshot": snapshot_view(cloud.volume.get_snapshot(ctx, request.path_params["snapshot_id"]))})


async def delete_snapshot(request: Request) -> Response:
    cloud, ctx = _volumes(request, "snapshots:delete")
    cloud.volume.delete_snapshot(ctx, request.path_params["snapshot_id"])
    return no_content(202)


routes = [
    Route(f"{V}/os-volumes", list_volumes, methods=["GET"]),
    Route(f"{V}/os-volumes", create_volume, methods=["POST"]),
    Route(f"{V}/os-volumes/detail", list_volumes, methods=["GET"]),
    Route(f"{V}/os-volumes/{{volume_id}}", show_volume, methods=["GET"]),
    Route(f"{V}/os-volumes/{{volume_id}}", delete_volume, methods=["DELETE"]),
    Route(f"{V}/os-snapshots", list_snapshots, methods=["GET"]),
    Route(f"{V}/os-snapshots", create_snapshot, methods=["POST"]),
    Route(f"{V}/os-snapshots/detail", list_snapshots, methods=["GET"]),
    Route(f"{V}/os-snapshots/{{snapshot_id}}", show_snapshot, methods=["GET"]),
    Route(f"{V}/os-snapshots/{{snapshot_id}}", delete_snapshot, methods=["DELETE"]),
]
