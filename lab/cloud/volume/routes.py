"""Block storage's HTTP routes (Cinder v3 at /volume/v3/{project_id}) and Nova's os-volume_attachments routes
(`compute_routes`, mounted under /compute by app.py through `extra_mounts`): parse, call the service, render.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from lab.cloud.context import RequestContext
from lab.cloud.errors import Forbidden
from lab.cloud.http import (
    cloud_of,
    context_of,
    no_content,
    page_links,
    query_bool,
    query_int,
    query_value,
    read_json,
    respond,
    service_of,
)
from lab.cloud.volume import schemas
from lab.cloud.volume.service import VolumeService
from lab.cloud.volume.snapshots import Snapshots
from lab.cloud.volume.volumes import Volumes, VolumeView


def _service(request: Request) -> VolumeService:
    return service_of(request, "volume", VolumeService)


def _base(request: Request) -> str:
    return cloud_of(request).settings.endpoint


def _ctx(request: Request) -> RequestContext:
    """The caller; a project in the URL other than the token's is refused unless `context_is_admin` allows."""
    ctx = context_of(request)
    project_id = request.path_params.get("project_id")
    if (project_id is not None and project_id != ctx.project_id
            and not cloud_of(request).policy.allows(ctx, "context_is_admin")):
        raise Forbidden(f"Policy doesn't allow project {project_id} to be reached with a token scoped to "
                        f"project {ctx.project_id}.")
    return ctx


def _render(request: Request, view: VolumeView, *, show: bool) -> dict[str, Any]:
    return schemas.volume(view, _base(request), show=show)


# ------------------------------------------------------------------------------------------------ discovery
async def root(request: Request) -> Response:
    """GET /volume: the versions list (Cinder answers 300 Multiple Choices)."""
    return respond({"versions": [schemas.version_entry(_base(request))]}, 300)


async def v3(request: Request) -> Response:
    """GET /volume/v3/ (and /volume/v3/{project_id}): the version document the SDK discovers."""
    return respond({"versions": [schemas.version_entry(_base(request))]})


# ------------------------------------------------------------------------------------------------ volumes
async def list_volumes(request: Request, detail: bool) -> Response:
    ctx = _ctx(request)
    limit = query_int(request, "limit", minimum=1)
    filters = {"name": query_value(request, "name"), "status": query_value(request, "status"),
               "availability_zone": query_value(request, "availability_zone"),
               "bootable": query_bool(request, "bootable"), "project_id": query_value(request, "project_id")}
    page = _service(request).volumes.list(
        ctx, filters=filters, metadata=schemas.parse_metadata_filter(query_value(request, "metadata")),
        sort=query_value(request, "sort"), sort_key=query_value(request, "sort_key"),
        sort_dir=query_value(request, "sort_dir"), limit=limit, marker=query_value(request, "marker"),
        offset=query_int(request, "offset"))
    if detail:
        items = [_render(request, view, show=True) for view in page.views]
    else:
        items = [schemas.volume_summary(view.volume, _base(request)) for view in page.views]
    body: dict[str, Any] = {"volumes": items}
    next_links = page_links(request, items, limit or (page.limit if len(items) >= page.limit else None))
    if next_links:
        body["volumes_links"] = next_links
    return respond(body)


async def volumes_index(request: Request) -> Response:
    return await list_volumes(request, detail=False)


async def volumes_detail(request: Request) -> Response:
    return await list_volumes(request, detail=True)


async def create_volume(request: Request) -> Response:
    ctx = _ctx(request)
    req = schemas.parse_volume_create(await read_json(request))
    view = _service(request).volumes.create(ctx, req)
    return respond({"volume": _render(request, view, show=False)}, 202)


async def show_volume(request: Request) -> Response:
    view = _service(request).volumes.get(_ctx(request), request.path_params["volume_id"])
    return respond({"volume": _render(request, view, show=True)})


async def update_volume(request: Request) -> Response:
    ctx = _ctx(request)
    changes = schemas.parse_update(await read_json(request), "volume")
    view = _service(request).volumes.update(ctx, request.path_params["volume_id"], changes)
    return respond({"volume": _render(request, view, show=False)})


async def delete_volume(request: Request) -> Response:
    ctx = _ctx(request)
    cascade = query_bool(request, "cascade", False)
    _service(request).volumes.delete(ctx, request.path_params["volume_id"], cascade=bool(cascade))
    return no_content(202)


async def volume_action(request: Request) -> Response:
    """POST /volumes/{id}/action: os-extend, os-set_bootable, os-reset_status, and Cinder's attach bookkeeping
    (os-reserve, os-unreserve, os-attach, os-detach, os-begin_detaching, os-roll_detaching,
    os-update_readonly_flag; see volume_actions.py)."""
    ctx = _ctx(request)
    action = schemas.parse_volume_action(await read_json(request))
    volume_id = request.path_params["volume_id"]
    service = _service(request)
    if action.name == "os-extend":
        assert action.new_size is not None
        service.volumes.extend(ctx, volume_id, action.new_size)
    elif action.name == "os-set_bootable":
        service.volumes.set_bootable(ctx, volume_id, bool(action.flag))
        return no_content(200)
    elif action.name == "os-reset_status":
        service.volumes.reset_status(ctx, volume_id, action.status, action.attach_status)
    elif action.name == "os-attach":
        service.actions.mark_attached(ctx, volume_id, action.instance_uuid, action.mountpoint)
    elif action.name == "os-detach":
        service.actions.mark_detached(ctx, volume_id, action.attachment_id)
    elif action.name == "os-update_readonly_flag":
        service.actions.update_readonly_flag(ctx, volume_id, bool(action.flag))
    else:
        {"os-reserve": service.actions.reserve, "os-unreserve": service.actions.unreserve,
         "os-begin_detaching": service.actions.begin_detaching,
         "os-roll_detaching": service.actions.roll_detaching}[action.name](ctx, volume_id)
    return no_content(202)


# ------------------------------------------------------------------------------------------------ metadata
def _metadata_of(request: Request) -> tuple[Volumes | Snapshots, str]:
    """The volume's or the snapshot's metadata, by the route's path (both speak Cinder's metadata API)."""
    service = _service(request)
    if "volume_id" in request.path_params:
        return service.volumes, request.path_params["volume_id"]
    return service.snapshots, request.path_params["snapshot_id"]


async def get_metadata(request: Request) -> Response:
    owner, resource_id = _metadata_of(request)
    return respond({"metadata": owner.get_metadata(_ctx(request), resource_id)})


async def set_metadata(request: Request) -> Response:
    """POST merges, PUT replaces (Cinder's create_metadata / update_all)."""
    ctx = _ctx(request)
    metadata = schemas.parse_metadata_body(await read_json(request))
    owner, resource_id = _metadata_of(request)
    change = owner.replace_metadata if request.method == "PUT" else owner.create_metadata
    return respond({"metadata": change(ctx, resource_id, metadata)})


async def get_meta_item(request: Request) -> Response:
    owner, resource_id = _metadata_of(request)
    return respond({"meta": owner.get_metadata(_ctx(request), resource_id, request.path_params["key"])})


async def set_meta_item(request: Request) -> Response:
    ctx = _ctx(request)
    key = request.path_params["key"]
    value = schemas.parse_meta_item(await read_json(request), key)
    owner, resource_id = _metadata_of(request)
    owner.update_metadata_item(ctx, resource_id, key, value)
    return respond({"meta": {key: value}})


async def delete_meta_item(request: Request) -> Response:
    ctx = _ctx(request)
    owner, resource_id = _metadata_of(request)
    owner.delete_metadata_item(ctx, resource_id, request.path_params["key"])
    return no_content(200)


# ------------------------------------------------------------------------------------------------ snapshots
async def list_snapshots(request: Request, detail: bool) -> Response:
    ctx = _ctx(request)
    limit = query_int(request, "limit", minimum=0)
    filters = {k: query_value(request, k) for k in ("name", "status", "volume_id")}
    rows, page = _service(request).snapshots.list(
        ctx, filters=filters, limit=limit, marker=query_value(request, "marker"),
        offset=query_int(request, "offset", minimum=0), sort=query_value(request, "sort"),
        sort_key=query_value(request, "sort_key"), sort_dir=query_value(request, "sort_dir"))
    items = [schemas.snapshot(s, show=detail) for s in rows]
    body: dict[str, Any] = {"snapshots": items}
    next_links = [] if not items else page_links(request, items, limit or (page if len(items) >= page else None))
    if next_links:
        body["snapshots_links"] = next_links
    return respond(body)


async def snapshots_index(request: Request) -> Response:
    return await list_snapshots(request, detail=False)


async def snapshots_detail(request: Request) -> Response:
    return await list_snapshots(request, detail=True)


async def create_snapshot(request: Request) -> Response:
    ctx = _ctx(request)
    req = schemas.parse_snapshot_create(await read_json(request))
    snap = _service(request).snapshots.create(ctx, req)
    return respond({"snapshot": schemas.snapshot(snap)}, 202)


async def show_snapshot(request: Request) -> Response:
    snap = _service(request).snapshots.get(_ctx(request), request.path_params["snapshot_id"])
    return respond({"snapshot": schemas.snapshot(snap, show=True)})


async def update_snapshot(request: Request) -> Response:
    ctx = _ctx(request)
    changes = schemas.parse_update(await read_json(request), "snapshot")
    snap = _service(request).snapshots.update(ctx, request.path_params["snapshot_id"], changes)
    return respond({"snapshot": schemas.snapshot(snap)})


async def delete_snapshot(request: Request) -> Response:
    _service(request).snapshots.delete(_ctx(request), request.path_params["snapshot_id"])
    return no_content(202)


# ------------------------------------------------------------------------------------------------ types
async def list_types(request: Request) -> Response:
    # OSC sends is_public=none (lower case) to mean "public and private" (Cinder's is_public=None).
    raw = request.query_params.get("is_public")
    is_public = None if raw is None or raw.lower() == "none" else query_bool(request, "is_public")
    types = _service(request).types.list(_ctx(request), is_public)
    return respond({"volume_types": [schemas.volume_type(t) for t in types]})


async def show_type(request: Request) -> Response:
    vtype = _service(request).types.get(_ctx(request), request.path_params["type_id"])
    return respond({"volume_type": schemas.volume_type(vtype)})


async def create_type(request: Request) -> Response:
    ctx = _ctx(request)
    req = schemas.parse_type_create(await read_json(request))
    vtype = _service(request).types.create(ctx, req)
    return respond({"volume_type": schemas.volume_type(vtype, created=True)})


async def delete_type(request: Request) -> Response:
    _service(request).types.delete(_ctx(request), request.path_params["type_id"])
    return no_content(202)


async def get_extra_specs(request: Request) -> Response:
    specs = _service(request).types.get_extra_specs(_ctx(request), request.path_params["type_id"])
    return respond({"extra_specs": specs})


async def set_extra_specs(request: Request) -> Response:
    ctx = _ctx(request)
    specs = schemas.body_object(await read_json(request), "extra_specs")
    result = _service(request).types.set_extra_specs(ctx, request.path_params["type_id"], specs)
    return respond({"extra_specs": result})


async def delete_extra_spec(request: Request) -> Response:
    _service(request).types.delete_extra_spec(_ctx(request), request.path_params["type_id"],
                                              request.path_params["key"])
    return no_content(202)


# ------------------------------------------------------------------------------------------------ quotas, limits
async def show_quota_set(request: Request) -> Response:
    quota = _service(request).quotas.get(_ctx(request), request.path_params["target"],
                                         with_usage=bool(query_bool(request, "usage", False)))
    return respond({"quota_set": schemas.quota_set(quota)})


async def default_quota_set(request: Request) -> Response:
    quota = _service(request).quotas.defaults(_ctx(request), request.path_params["target"])
    return respond({"quota_set": schemas.quota_set(quota)})


async def update_quota_set(request: Request) -> Response:
    ctx = _ctx(request)
    changes = schemas.body_object(await read_json(request), "quota_set")
    quota = _service(request).quotas.update(ctx, request.path_params["target"], changes)
    return respond({"quota_set": schemas.quota_set(quota)})


async def delete_quota_set(request: Request) -> Response:
    _service(request).quotas.delete(_ctx(request), request.path_params["target"])
    return no_content(200)


async def show_limits(request: Request) -> Response:
    return respond({"limits": schemas.absolute_limits(_service(request).quotas.absolute_limits(_ctx(request)))})


async def availability_zones(request: Request) -> Response:
    _ctx(request)
    return respond(schemas.availability_zones())


async def get_pools(request: Request) -> Response:
    ctx = _ctx(request)
    detail = bool(query_bool(request, "detail", False))
    return respond({"pools": [schemas.pool(p, detail=detail) for p in _service(request).get_pools(ctx)]})


P = "/v3/{project_id}"
routes = [
    Route("/", root, methods=["GET"]),
    Route("/v3", v3, methods=["GET"]),
    Route("/v3/", v3, methods=["GET"]),
    Route(P, v3, methods=["GET"]),
    Route(f"{P}/volumes", volumes_index, methods=["GET"]),
    Route(f"{P}/volumes", create_volume, methods=["POST"]),
    Route(f"{P}/volumes/detail", volumes_detail, methods=["GET"]),
    Route(f"{P}/volumes/{{volume_id}}", show_volume, methods=["GET"]),
    Route(f"{P}/volumes/{{volume_id}}", update_volume, methods=["PUT"]),
    Route(f"{P}/volumes/{{volume_id}}", delete_volume, methods=["DELETE"]),
    Route(f"{P}/volumes/{{volume_id}}/action", volume_action, methods=["POST"]),
    Route(f"{P}/volumes/{{volume_id}}/metadata", get_metadata, methods=["GET"]),
    Route(f"{P}/volumes/{{volume_id}}/metadata", set_metadata, methods=["POST", "PUT"]),
    Route(f"{P}/volumes/{{volume_id}}/metadata/{{key}}", get_meta_item, methods=["GET"]),
    Route(f"{P}/volumes/{{volume_id}}/metadata/{{key}}", set_meta_item, methods=["PUT"]),
    Route(f"{P}/volumes/{{volume_id}}/metadata/{{key}}", delete_meta_item, methods=["DELETE"]),
    Route(f"{P}/snapshots", snapshots_index, methods=["GET"]),
    Route(f"{P}/snapshots", create_snapshot, methods=["POST"]),
    Route(f"{P}/snapshots/detail", snapshots_detail, methods=["GET"]),
    Route(f"{P}/snapshots/{{snapshot_id}}", show_snapshot, methods=["GET"]),
    Route(f"{P}/snapshots/{{snapshot_id}}", update_snapshot, methods=["PUT"]),
    Route(f"{P}/snapshots/{{snapshot_id}}", delete_snapshot, methods=["DELETE"]),
    Route(f"{P}/snapshots/{{snapshot_id}}/metadata", get_metadata, methods=["GET"]),
    Route(f"{P}/snapshots/{{snapshot_id}}/metadata", set_metadata, methods=["POST", "PUT"]),
    Route(f"{P}/snapshots/{{snapshot_id}}/metadata/{{key}}", get_meta_item, methods=["GET"]),
    Route(f"{P}/snapshots/{{snapshot_id}}/metadata/{{key}}", set_meta_item, methods=["PUT"]),
    Route(f"{P}/snapshots/{{snapshot_id}}/metadata/{{key}}", delete_meta_item, methods=["DELETE"]),
    Route(f"{P}/types", list_types, methods=["GET"]),
    Route(f"{P}/types", create_type, methods=["POST"]),
    Route(f"{P}/types/{{type_id}}", show_type, methods=["GET"]),
    Route(f"{P}/types/{{type_id}}", delete_type, methods=["DELETE"]),
    Route(f"{P}/types/{{type_id}}/extra_specs", get_extra_specs, methods=["GET"]),
    Route(f"{P}/types/{{type_id}}/extra_specs", set_extra_specs, methods=["POST"]),
    Route(f"{P}/types/{{type_id}}/extra_specs/{{key}}", delete_extra_spec, methods=["DELETE"]),
    Route(f"{P}/limits", show_limits, methods=["GET"]),
    Route(f"{P}/os-quota-sets/{{target}}", show_quota_set, methods=["GET"]),
    Route(f"{P}/os-quota-sets/{{target}}", update_quota_set, methods=["PUT"]),
    Route(f"{P}/os-quota-sets/{{target}}", delete_quota_set, methods=["DELETE"]),
    Route(f"{P}/os-quota-sets/{{target}}/defaults", default_quota_set, methods=["GET"]),
    Route(f"{P}/os-availability-zone", availability_zones, methods=["GET"]),
    Route(f"{P}/scheduler-stats/get_pools", get_pools, methods=["GET"]),
]


# ------------------------------------------------------------------------------------------------ Nova's side
async def list_attachments(request: Request) -> Response:
    atts = _service(request).attachments.list_for_server(context_of(request), request.path_params["server_id"])
    return respond({"volumeAttachments": [schemas.nova_attachment(a) for a in atts]})


async def attach_volume(request: Request) -> Response:
    ctx = context_of(request)
    volume_id, device = schemas.parse_volume_attachment(await read_json(request))
    att = _service(request).attachments.attach(ctx, request.path_params["server_id"], volume_id, device)
    return respond({"volumeAttachment": schemas.nova_attachment(att)})


async def show_attachment(request: Request) -> Response:
    att = _service(request).attachments.get_for_server(context_of(request), request.path_params["server_id"],
                                                       request.path_params["volume_id"])
    return respond({"volumeAttachment": schemas.nova_attachment(att)})


async def detach_volume(request: Request) -> Response:
    _service(request).attachments.detach(context_of(request), request.path_params["server_id"],
                                         request.path_params["volume_id"])
    return no_content(202)


S = "/v2.1/servers/{server_id}/os-volume_attachments"
compute_routes = [
    Route(S, list_attachments, methods=["GET"]),
    Route(S, attach_volume, methods=["POST"]),
    Route(f"{S}/{{volume_id}}", show_attachment, methods=["GET"]),
    Route(f"{S}/{{volume_id}}", detach_volume, methods=["DELETE"]),
]

# Routes this package serves under another service's prefix (app.py adds them before that service's mount).
extra_mounts = [("/compute", compute_routes)]
