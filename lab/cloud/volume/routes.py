"""Block storage's HTTP routes (Cinder v3 at /volume/v3/{project_id}) and Nova's os-volume_attachments routes
(`compute_routes`, mounted under /compute by app.py through `extra_mounts`): parse, call the service, render.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route, Router
from starlette.types import Receive, Scope, Send

from lab.cloud.compute import microversions as cmv
from lab.cloud.context import RequestContext
from lab.cloud.contracts import VolumeMapping
from lab.cloud.errors import BadRequest, Forbidden, NotFound
from lab.cloud.http import (
    cloud_of,
    context_of,
    microversion,
    no_content,
    page_links,
    query_bool,
    query_int,
    query_value,
    read_json,
    respond,
    service_of,
)
from lab.cloud.microversion import Version
from lab.cloud.volume import encryption as enc
from lab.cloud.volume import extensions as ext
from lab.cloud.volume import microversions as mv
from lab.cloud.volume import operator_schemas as ops
from lab.cloud.volume import schemas
from lab.cloud.volume.models import Backup
from lab.cloud.volume.service import VolumeService
from lab.cloud.volume.services import HOST
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


def _v(request: Request) -> Version:
    """The request's microversion (what each changes: microversions.py)."""
    return microversion(request, mv.MIN)


def _render(request: Request, view: VolumeView, *, show: bool) -> dict[str, Any]:
    return schemas.volume(view, _base(request), show=show, version=_v(request))


def _with_count(request: Request, body: dict[str, Any], count: int) -> dict[str, Any]:
    """3.45: `with_count=true` adds the number of matches (across pages) to a list."""
    if _v(request) >= mv.SUPPORT_COUNT_INFO and query_bool(request, "with_count", False):
        body["count"] = count
    return body


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
    return respond(_with_count(request, body, page.count))


async def volume_summary(request: Request) -> Response:
    """GET /volumes/summary: from 3.12 (404 below, as Cinder's router has no such route there); metadata from
    3.36."""
    ctx = _ctx(request)
    version = _v(request)
    if version < mv.VOLUME_SUMMARY:
        raise NotFound("The resource could not be found.")
    count, size, metadata = _service(request).volumes.summary(ctx)
    body: dict[str, Any] = {"total_size": size, "total_count": count}
    if version >= mv.VOLUME_SUMMARY_METADATA:
        body["metadata"] = metadata
    return respond({"volume-summary": body})


async def volumes_index(request: Request) -> Response:
    return await list_volumes(request, detail=False)


async def volumes_detail(request: Request) -> Response:
    return await list_volumes(request, detail=True)


async def create_volume(request: Request) -> Response:
    ctx = _ctx(request)
    req = schemas.parse_volume_create(await read_json(request), _v(request))
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
    """POST /volumes/{id}/action: os-extend, os-set_bootable, os-reset_status, os-retype,
    os-volume_upload_image (volume_changes.py), os-set/unset/show_image_metadata, and Cinder's attach
    bookkeeping (os-reserve, os-unreserve, os-attach, os-detach, os-begin_detaching, os-roll_detaching,
    os-update_readonly_flag; volume_actions.py), and the admin's os-force_delete and os-force_detach."""
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
    elif action.name == "os-force_delete":
        service.volumes.delete(ctx, volume_id, force=True)
    elif action.name == "os-force_detach":
        service.actions.force_detach(ctx, volume_id, action.attachment_id)
    elif action.name == "os-update_readonly_flag":
        service.actions.update_readonly_flag(ctx, volume_id, bool(action.flag))
    elif action.name in schemas.IMAGE_METADATA_ACTIONS:
        found = service.volumes.image_metadata(ctx, volume_id, action.name, action.arguments)
        return respond({"metadata": found}) if found is not None else no_content(200)
    elif action.name == "os-retype":
        service.changes.retype(ctx, volume_id, ops.parse_retype(action.arguments))
    elif action.name == "os-volume_upload_image":
        answer = service.changes.upload_to_image(ctx, volume_id, ops.parse_upload_image(action.arguments, _v(request)))
        vtype = answer["volume_type"]
        answer["volume_type"] = schemas.volume_type(vtype) if vtype is not None else None
        answer["updated_at"] = schemas.time(answer["updated_at"])
        return respond({"os-volume_upload_image": answer}, 202)
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
    rows, page, count = _service(request).snapshots.list(
        ctx, filters=filters, limit=limit, marker=query_value(request, "marker"),
        offset=query_int(request, "offset", minimum=0), sort=query_value(request, "sort"),
        sort_key=query_value(request, "sort_key"), sort_dir=query_value(request, "sort_dir"))
    in_groups = _service(request).groups.group_snapshot_of([s.id for s in rows]) if detail else {}
    items = [schemas.snapshot(s, show=detail, version=_v(request), summary=not detail,
                              group_snapshot_id=in_groups.get(s.id)) for s in rows]
    body: dict[str, Any] = {"snapshots": items}
    next_links = [] if not items else page_links(request, items, limit or (page if len(items) >= page else None))
    if next_links:
        body["snapshots_links"] = next_links
    return respond(_with_count(request, body, count))


async def snapshots_index(request: Request) -> Response:
    return await list_snapshots(request, detail=False)


async def snapshots_detail(request: Request) -> Response:
    return await list_snapshots(request, detail=True)


async def create_snapshot(request: Request) -> Response:
    ctx = _ctx(request)
    req = schemas.parse_snapshot_create(await read_json(request), _v(request))
    snap = _service(request).snapshots.create(ctx, req)
    return respond({"snapshot": schemas.snapshot(snap, version=_v(request))}, 202)


async def show_snapshot(request: Request) -> Response:
    service = _service(request)
    snap = service.snapshots.get(_ctx(request), request.path_params["snapshot_id"])
    return respond({"snapshot": schemas.snapshot(snap, show=True, version=_v(request),
                                                 group_snapshot_id=service.groups.group_snapshot_of([snap.id])
                                                 .get(snap.id))})


async def update_snapshot(request: Request) -> Response:
    ctx = _ctx(request)
    changes = schemas.parse_update(await read_json(request), "snapshot")
    snap = _service(request).snapshots.update(ctx, request.path_params["snapshot_id"], changes)
    return respond({"snapshot": schemas.snapshot(snap, version=_v(request))})


async def delete_snapshot(request: Request) -> Response:
    _service(request).snapshots.delete(_ctx(request), request.path_params["snapshot_id"])
    return no_content(202)


# ------------------------------------------------------------------------------------------------ types
async def list_types(request: Request) -> Response:
    # OSC sends is_public=none (lower case) to mean "public and private" (Cinder's is_public=None).
    raw = request.query_params.get("is_public")
    is_public = None if raw is None or raw.lower() == "none" else query_bool(request, "is_public")
    service = _service(request)
    types = service.types.list(_ctx(request), is_public)
    qos = service.types.qos_ids({t.id for t in types})
    return respond({"volume_types": [schemas.volume_type(t, qos_specs_id=qos.get(t.id)) for t in types]})


async def show_type(request: Request) -> Response:
    service = _service(request)
    vtype = service.types.get(_ctx(request), request.path_params["type_id"])
    return respond({"volume_type": schemas.volume_type(vtype, qos_specs_id=service.types.qos_ids({vtype.id})
                                                       .get(vtype.id))})


async def update_type(request: Request) -> Response:
    ctx = _ctx(request)
    changes = ops.parse_type_update(await read_json(request))
    vtype = _service(request).types.update(ctx, request.path_params["type_id"], changes)
    # Cinder's update answer is its plain view: no access key, no qos_specs_id (tempest's update schema).
    body = schemas.volume_type(vtype, created=True)
    body.pop(schemas.TYPE_PUBLIC_KEY)
    return respond({"volume_type": body})


async def type_access_list(request: Request) -> Response:
    type_id = request.path_params["type_id"]
    projects = _service(request).types.access_list(_ctx(request), type_id)
    return respond({"volume_type_access": [{"volume_type_id": type_id, "project_id": p} for p in projects]})


async def type_action(request: Request) -> Response:
    """POST /types/{id}/action: addProjectAccess, removeProjectAccess."""
    ctx = _ctx(request)
    action, project_id = ops.parse_type_access(await read_json(request))
    _service(request).types.change_access(ctx, request.path_params["type_id"], action, project_id)
    return no_content(202)


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


async def get_extra_spec(request: Request) -> Response:
    """GET /types/{id}/extra_specs/{key}: `{key: value}`, no wrapping key (Cinder's)."""
    return respond(_service(request).types.get_extra_spec(_ctx(request), request.path_params["type_id"],
                                                          request.path_params["key"]))


async def set_extra_spec(request: Request) -> Response:
    """PUT /types/{id}/extra_specs/{key} {key: value}: the body back."""
    return respond(_service(request).types.set_extra_spec(_ctx(request), request.path_params["type_id"],
                                                          request.path_params["key"], await read_json(request)))


async def delete_extra_spec(request: Request) -> Response:
    _service(request).types.delete_extra_spec(_ctx(request), request.path_params["type_id"],
                                              request.path_params["key"])
    return no_content(202)


async def type_encryption(request: Request) -> Response:
    """GET/POST /types/{id}/encryption (admin): the spec with no wrapping key ({} for none); POST creates it."""
    ctx = _ctx(request)
    encryption, type_id = _service(request).encryption, request.path_params["type_id"]
    if request.method == "GET":
        row = encryption.get(ctx, type_id)
        return respond({} if row is None else enc.as_dict(row, schemas.time))
    row = encryption.create(ctx, type_id, await read_json(request))
    body = {k: v for k, v in enc.as_dict(row, schemas.time).items() if k in (
        "volume_type_id", "encryption_id", "provider", "cipher", "key_size", "control_location")}
    return respond({"encryption": body})


async def type_encryption_item(request: Request) -> Response:
    """GET /types/{id}/encryption/{key}; PUT/DELETE /types/{id}/encryption/{encryption_id} (admin)."""
    ctx = _ctx(request)
    encryption, type_id, ref = _service(request).encryption, request.path_params["type_id"], request.path_params["ref"]
    if request.method == "GET":
        return respond(encryption.item(ctx, type_id, ref))
    if request.method == "PUT":
        return respond({"encryption": encryption.update(ctx, type_id, ref, await read_json(request))})
    encryption.delete(ctx, type_id, ref)
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


async def show_quota_class(request: Request) -> Response:
    """GET /os-quota-class-sets/{class} (admin): `{"quota_class_set": {"id": class, ...}}`."""
    name = request.path_params["class_name"]
    return respond({"quota_class_set": {"id": name, **_service(request).quotas.show_class(_ctx(request), name)}})


async def update_quota_class(request: Request) -> Response:
    """PUT /os-quota-class-sets/{class} (admin): the class's limits back, without `id` (Cinder's)."""
    ctx = _ctx(request)
    changes = schemas.body_object(await read_json(request), "quota_class_set")
    values = _service(request).quotas.update_class(ctx, request.path_params["class_name"], changes)
    return respond({"quota_class_set": values})


async def show_limits(request: Request) -> Response:
    return respond({"limits": schemas.absolute_limits(_service(request).quotas.absolute_limits(_ctx(request)))})


async def availability_zones(request: Request) -> Response:
    _ctx(request)
    return respond(schemas.availability_zones())


async def list_extensions(request: Request) -> Response:
    """GET /v3/{project_id}/extensions: the contrib extensions the lab serves (Horizon reads it)."""
    _ctx(request)
    return respond(ext.extensions())


# ------------------------------------------------------------------------------------------------ generic groups
def _since(request: Request, version: Version) -> RequestContext:
    """The caller, for an API of `version` on (Cinder's router has no such route below: 404)."""
    ctx = _ctx(request)
    if _v(request) < version:
        raise NotFound("The resource could not be found.")
    return ctx


def _group_type_body(request: Request, t: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"id": t.id, "name": t.name, "description": t.description, "is_public": t.is_public}
    if cloud_of(request).policy.allows(context_of(request), "group:access_group_types_specs"):
        body["group_specs"] = dict(t.group_specs or {})
    return body


async def list_group_types(request: Request) -> Response:
    ctx = _since(request, ext.GROUP_TYPES)
    raw = request.query_params.get("is_public")
    is_public = None if raw is None or raw.lower() == "none" else query_bool(request, "is_public")
    if raw is None and not cloud_of(request).policy.allows(ctx, "context_is_admin"):
        is_public = True
    rows = _service(request).groups.list_types(ctx, is_public, query_value(request, "sort"))
    return respond({"group_types": [_group_type_body(request, t) for t in rows]})


async def show_group_type(request: Request) -> Response:
    ctx = _since(request, ext.GROUP_TYPES)
    row = _service(request).groups.get_type(ctx, request.path_params["group_type_id"])
    return respond({"group_type": _group_type_body(request, row)})


async def create_group_type(request: Request) -> Response:
    ctx = _since(request, ext.GROUP_TYPES)
    body = schemas.body_object(await read_json(request), "group_type")
    row = _service(request).groups.create_type(ctx, body)
    return respond({"group_type": _group_type_body(request, row)}, 202)


async def update_group_type(request: Request) -> Response:
    ctx = _since(request, ext.GROUP_TYPES)
    body = schemas.body_object(await read_json(request), "group_type")
    row = _service(request).groups.update_type(ctx, request.path_params["group_type_id"], body)
    return respond({"group_type": _group_type_body(request, row)})


async def delete_group_type(request: Request) -> Response:
    ctx = _since(request, ext.GROUP_TYPES)
    _service(request).groups.delete_type(ctx, request.path_params["group_type_id"])
    return no_content(202)


async def group_specs(request: Request) -> Response:
    """GET/POST /group_types/{id}/group_specs (admin): the specs; POST merges and answers what it was sent."""
    ctx = _since(request, ext.GROUP_TYPES)
    groups, type_id = _service(request).groups, request.path_params["group_type_id"]
    if request.method == "GET":
        return respond({"group_specs": groups.type_specs(ctx, type_id)})
    specs = schemas.body_object(await read_json(request), "group_specs")
    return respond({"group_specs": groups.set_type_specs(ctx, type_id, specs)}, 202)


async def group_spec(request: Request) -> Response:
    """GET/PUT/DELETE /group_types/{id}/group_specs/{key} (admin): `{key: value}` with no wrapping key."""
    ctx = _since(request, ext.GROUP_TYPES)
    groups, type_id, key = _service(request).groups, request.path_params["group_type_id"], request.path_params["key"]
    if request.method == "GET":
        return respond(groups.type_specs(ctx, type_id, key))
    if request.method == "PUT":
        return respond(groups.set_type_specs(ctx, type_id, await read_json(request), key))
    groups.delete_type_spec(ctx, type_id, key)
    return no_content(202)


def _group_body(request: Request, view: Any) -> dict[str, Any]:
    g, version = view.group, _v(request)
    body: dict[str, Any] = {
        "id": g.id, "status": g.status, "availability_zone": g.availability_zone, "created_at": schemas.time(
            g.created_at), "name": g.name, "description": g.description, "group_type": g.group_type_id,
        "volume_types": list(g.volume_type_ids or [])}
    if version >= ext.GROUP_SNAPSHOTS:
        body["group_snapshot_id"] = g.group_snapshot_id
        body["source_group_id"] = g.source_group_id
    if version >= ext.GROUP_VOLUME_LIST and query_bool(request, "list_volume", False):
        body["volumes"] = list(view.volume_ids)
    if version >= mv.GROUP_REPLICATION:
        body["replication_status"] = None
    if version >= mv.GROUP_PROJECT_ID:
        body["project_id"] = g.project_id
    return body


async def list_groups(request: Request, detail: bool) -> Response:
    ctx = _since(request, ext.GROUPS)
    rows = _service(request).groups.list(ctx)
    return respond({"groups": [_group_body(request, v) if detail else {"id": v.group.id, "name": v.group.name}
                               for v in rows]})


async def groups_index(request: Request) -> Response:
    return await list_groups(request, detail=False)


async def groups_detail(request: Request) -> Response:
    return await list_groups(request, detail=True)


async def create_group(request: Request) -> Response:
    ctx = _since(request, ext.GROUPS)
    body = schemas.body_object(await read_json(request), "group")
    group = _service(request).groups.create(ctx, body)
    return respond({"group": {"id": group.id, "name": group.name}}, 202)


async def show_group(request: Request) -> Response:
    ctx = _since(request, ext.GROUPS)
    return respond({"group": _group_body(request, _service(request).groups.get(ctx, request.path_params["group_id"]))})


async def update_group(request: Request) -> Response:
    ctx = _since(request, ext.GROUPS)
    body = schemas.body_object(await read_json(request), "group")
    _service(request).groups.update(ctx, request.path_params["group_id"], body)
    return no_content(202)


async def group_action(request: Request) -> Response:
    """POST /groups/{id}/action: `delete` {delete-volumes}, `reset_status` (admin, 3.20)."""
    ctx = _since(request, ext.GROUPS)
    body = await read_json(request)
    groups, group_id = _service(request).groups, request.path_params["group_id"]
    if list(body) == ["delete"]:
        groups.delete(ctx, group_id, body["delete"])
    elif list(body) == ["reset_status"] and _v(request) >= ext.GROUP_RESET_STATUS:
        groups.reset_status(ctx, group_id, schemas.body_object(body, "reset_status").get("status"))
    else:
        raise BadRequest(f"There is no such action: {', '.join(body) or None}")
    return no_content(202)


async def groups_action(request: Request) -> Response:
    """POST /groups/action {"create-from-src": {...}} (3.14): a group from a group or a group snapshot."""
    ctx = _since(request, ext.GROUP_SNAPSHOTS)
    body = await read_json(request)
    if list(body) != ["create-from-src"]:
        raise BadRequest(f"There is no such action: {', '.join(body) or None}")
    group = _service(request).groups.create_from_source(ctx, schemas.body_object(body, "create-from-src"))
    return respond({"group": {"id": group.id, "name": group.name}}, 202)


def _group_snapshot_body(request: Request, s: Any, *, detail: bool) -> dict[str, Any]:
    if not detail:
        return {"id": s.id, "name": s.name}
    body: dict[str, Any] = {"id": s.id, "group_id": s.group_id, "group_type_id": s.group_type_id,
                            "status": s.status, "created_at": schemas.time(s.created_at), "name": s.name,
                            "description": s.description}
    if _v(request) >= mv.GROUP_PROJECT_ID:
        body["project_id"] = s.project_id
    return body


async def list_group_snapshots(request: Request, detail: bool) -> Response:
    ctx = _since(request, ext.GROUP_SNAPSHOTS)
    rows = _service(request).groups.list_snapshots(ctx)
    return respond({"group_snapshots": [_group_snapshot_body(request, s, detail=detail) for s in rows]})


async def group_snapshots_index(request: Request) -> Response:
    return await list_group_snapshots(request, detail=False)


async def group_snapshots_detail(request: Request) -> Response:
    return await list_group_snapshots(request, detail=True)


async def create_group_snapshot(request: Request) -> Response:
    ctx = _since(request, ext.GROUP_SNAPSHOTS)
    body = schemas.body_object(await read_json(request), "group_snapshot")
    s = _service(request).groups.create_snapshot(ctx, body)
    return respond({"group_snapshot": {"id": s.id, "name": s.name, "group_type_id": s.group_type_id}}, 202)


async def show_group_snapshot(request: Request) -> Response:
    ctx = _since(request, ext.GROUP_SNAPSHOTS)
    s = _service(request).groups.get_snapshot(ctx, request.path_params["group_snapshot_id"])
    return respond({"group_snapshot": _group_snapshot_body(request, s, detail=True)})


async def delete_group_snapshot(request: Request) -> Response:
    ctx = _since(request, ext.GROUP_SNAPSHOTS)
    _service(request).groups.delete_snapshot(ctx, request.path_params["group_snapshot_id"])
    return no_content(202)


async def group_snapshot_action(request: Request) -> Response:
    """POST /group_snapshots/{id}/action: `reset_status` (admin, 3.19)."""
    ctx = _since(request, ext.GROUP_SNAPSHOT_RESET_STATUS)
    body = await read_json(request)
    if list(body) != ["reset_status"]:
        raise BadRequest(f"There is no such action: {', '.join(body) or None}")
    _service(request).groups.reset_snapshot_status(ctx, request.path_params["group_snapshot_id"],
                                                   schemas.body_object(body, "reset_status").get("status"))
    return no_content(202)


# The filters each listing applies (Cinder answers its resource_filters.json; these are the ones the lab's listings
# actually use, so a client that checks before filtering gets the truth).
RESOURCE_FILTERS = {"volume": ["name", "status", "metadata", "bootable", "availability_zone"],
                    "snapshot": ["name", "status", "volume_id"], "backup": ["name", "status", "volume_id"]}


async def resource_filters(request: Request) -> Response:
    """GET /resource_filters[?resource=volume] (3.33): the filters the listings accept, per resource."""
    _ctx(request)
    if _v(request) < mv.RESOURCE_FILTERS:
        raise NotFound("The resource could not be found.")
    wanted = query_value(request, "resource")
    return respond({"resource_filters": [{"resource": name, "filters": filters}
                                         for name, filters in RESOURCE_FILTERS.items()
                                         if wanted is None or wanted == name]})


async def capabilities(request: Request) -> Response:
    """GET /capabilities/{host} (admin): the backend's stats and properties, as Cinder's volume manager reports
    them; 404 for a host that is not a volume service's."""
    ctx = _ctx(request)
    cloud_of(request).policy.enforce(ctx, "volume_extension:capabilities")
    host = request.path_params["host"]
    driver = _service(request).driver
    stats = driver.get_volume_stats()
    if host in (HOST, f"{HOST}@{driver.name or 'file'}", f"{HOST}@{stats.backend_name}"):
        return respond({"namespace": f"OS::Storage::Capabilities::{host}", "vendor_name": "StackLab",
                        "volume_backend_name": stats.backend_name, "pool_name": None,
                        "driver_version": "1.0", "storage_protocol": stats.storage_protocol,
                        "display_name": None, "description": None, "visibility": None,
                        "replication_targets": [], "properties": {}})
    raise NotFound(f"Host {host} could not be found.")


async def get_pools(request: Request) -> Response:
    ctx = _ctx(request)
    detail = bool(query_bool(request, "detail", False))
    return respond({"pools": [schemas.pool(p, detail=detail) for p in _service(request).get_pools(ctx)]})


# ------------------------------------------------------------------------------------------------ snapshot actions
async def snapshot_action(request: Request) -> Response:
    """POST /snapshots/{id}/action: os-reset_status and os-force_delete (admin), os-update_snapshot_status
    (Nova's assisted snapshots)."""
    ctx = _ctx(request)
    body = await read_json(request)
    snapshots, snapshot_id = _service(request).snapshots, request.path_params["snapshot_id"]
    if list(body) == ["os-reset_status"]:
        args = schemas.body_object(body, "os-reset_status")
        snapshots.reset_status(ctx, snapshot_id, args.get("status"))
    elif list(body) == ["os-force_delete"]:
        snapshots.delete(ctx, snapshot_id, force=True)
    elif list(body) == ["os-update_snapshot_status"]:
        snapshots.update_status(ctx, snapshot_id, body["os-update_snapshot_status"])
    else:
        raise BadRequest(f"There is no such action: {', '.join(body) or None}")
    return no_content(202)


# ------------------------------------------------------------------------------------------------ backups
def _backup_body(request: Request, backups: list[Backup]) -> list[dict[str, Any]]:
    service = _service(request)
    ctx = context_of(request)
    admin = cloud_of(request).policy.allows(ctx, "backup:backup_project_attribute")
    parents = service.backups.dependents([b.id for b in backups])
    return [ops.backup(b, _base(request), version=_v(request), admin=admin, has_dependents=b.id in parents)
            for b in backups]


async def list_backups(request: Request, detail: bool) -> Response:
    ctx = _ctx(request)
    limit = query_int(request, "limit", minimum=0)
    filters = {k: query_value(request, k) for k in ("name", "status", "volume_id")}
    rows, count = _service(request).backups.list(
        ctx, filters=filters, limit=limit, marker=query_value(request, "marker"),
        offset=query_int(request, "offset", minimum=0), sort=query_value(request, "sort"),
        sort_key=query_value(request, "sort_key"), sort_dir=query_value(request, "sort_dir"))
    items = _backup_body(request, rows) if detail else [ops.backup_summary(b, _base(request)) for b in rows]
    body: dict[str, Any] = {"backups": items}
    if limit and len(items) >= limit:
        body["backups_links"] = page_links(request, items, limit)
    return respond(_with_count(request, body, count))


async def backups_index(request: Request) -> Response:
    return await list_backups(request, detail=False)


async def backups_detail(request: Request) -> Response:
    return await list_backups(request, detail=True)


async def create_backup(request: Request) -> Response:
    ctx = _ctx(request)
    req = ops.parse_backup_create(await read_json(request), _v(request))
    backup = _service(request).backups.create(ctx, req)
    return respond({"backup": ops.backup_created(backup, _base(request), _v(request))}, 202)


async def show_backup(request: Request) -> Response:
    backup = _service(request).backups.get(_ctx(request), request.path_params["backup_id"])
    return respond({"backup": _backup_body(request, [backup])[0]})


async def update_backup(request: Request) -> Response:
    """PUT /backups/{id}: from 3.9 on (before, Cinder has no such method: 404)."""
    ctx = _ctx(request)
    if _v(request) < mv.BACKUP_UPDATE:
        raise NotFound("The resource could not be found.")
    changes = ops.parse_backup_update(await read_json(request), _v(request))
    backup = _service(request).backups.update(ctx, request.path_params["backup_id"], changes)
    return respond({"backup": ops.backup_created(backup, _base(request), _v(request))})


async def delete_backup(request: Request) -> Response:
    _service(request).backups.delete(_ctx(request), request.path_params["backup_id"])
    return no_content(202)


async def restore_backup(request: Request) -> Response:
    ctx = _ctx(request)
    volume_id, name = ops.parse_restore(await read_json(request))
    done = _service(request).backups.restore(ctx, request.path_params["backup_id"], volume_id, name)
    return respond({"restore": {"backup_id": done.backup_id, "volume_id": done.volume_id,
                                "volume_name": done.volume_name}}, 202)


async def export_backup(request: Request) -> Response:
    """GET /backups/{id}/export_record (admin): the backup's record for an import (`volume backup record
    export`)."""
    record = _service(request).backups.export_record(_ctx(request), request.path_params["backup_id"])
    return respond({"backup-record": record})


async def import_backup(request: Request) -> Response:
    """POST /backups/import_record {"backup-record": {backup_service, backup_url}} (admin): 201, the summary."""
    ctx = _ctx(request)
    backup_service, backup_url = ops.parse_backup_import(await read_json(request))
    backup = _service(request).backups.import_record(ctx, backup_service, backup_url)
    return respond({"backup": ops.backup_summary(backup, _base(request))}, 201)


async def backup_action(request: Request) -> Response:
    """POST /backups/{id}/action: os-reset_status, os-force_delete (admin)."""
    ctx = _ctx(request)
    body = await read_json(request)
    backup_id = request.path_params["backup_id"]
    if list(body) == ["os-reset_status"]:
        args = schemas.body_object(body, "os-reset_status")
        _service(request).backups.reset_status(ctx, backup_id, args.get("status"))
    elif list(body) == ["os-force_delete"]:
        _service(request).backups.delete(ctx, backup_id, force=True)
    else:
        raise BadRequest(f"There is no such action: {', '.join(body) or None}")
    return no_content(202)


# ------------------------------------------------------------------------------------------------ transfers
def _transfers_collection(request: Request) -> str:
    """/volume-transfers from 3.55 on (404 before, as Cinder), else /os-volume-transfer."""
    collection = request.url.path.rstrip("/").split("/v3/", 1)[1].split("/")[1]
    if collection == "volume-transfers" and _v(request) < mv.TRANSFER_WITH_SNAPSHOTS:
        raise NotFound("The resource could not be found.")
    return collection


async def create_transfer(request: Request) -> Response:
    ctx = _ctx(request)
    collection = _transfers_collection(request)
    req = ops.parse_transfer_create(await read_json(request), _v(request))
    created = _service(request).transfers.create(ctx, req)
    return respond({"transfer": ops.transfer(created.transfer, _base(request), collection, version=_v(request),
                                             auth_key=created.auth_key)}, 202)


async def list_transfers(request: Request, detail: bool) -> Response:
    ctx = _ctx(request)
    collection = _transfers_collection(request)
    rows = _service(request).transfers.list(ctx)
    return respond({"transfers": [ops.transfer(t, _base(request), collection, version=_v(request), detail=detail)
                                  for t in rows]})


async def transfers_index(request: Request) -> Response:
    return await list_transfers(request, detail=False)


async def transfers_detail(request: Request) -> Response:
    return await list_transfers(request, detail=True)


async def show_transfer(request: Request) -> Response:
    ctx = _ctx(request)
    collection = _transfers_collection(request)
    found = _service(request).transfers.get(ctx, request.path_params["transfer_id"])
    return respond({"transfer": ops.transfer(found, _base(request), collection, version=_v(request))})


async def delete_transfer(request: Request) -> Response:
    ctx = _ctx(request)
    _transfers_collection(request)
    _service(request).transfers.delete(ctx, request.path_params["transfer_id"])
    return no_content(202)


async def accept_transfer(request: Request) -> Response:
    ctx = _ctx(request)
    collection = _transfers_collection(request)
    key = ops.parse_transfer_accept(await read_json(request))
    done = _service(request).transfers.accept(ctx, request.path_params["transfer_id"], key)
    body = ops.transfer(done.transfer, _base(request), collection, version=_v(request), detail=False)
    return respond({"transfer": body}, 202)


# ------------------------------------------------------------------------------------------------ default types
def _default_types_served(request: Request) -> RequestContext:
    ctx = _ctx(request)
    if _v(request) < mv.DEFAULT_TYPE_OVERRIDES:
        raise NotFound("The resource could not be found.")
    return ctx


def _default_type_body(row: Any) -> dict[str, str]:
    return {"project_id": row.project_id, "volume_type_id": row.volume_type_id}


async def set_default_type(request: Request) -> Response:
    """PUT /default-types/{project_id} {"default_type": {"volume_type": name or id}} (3.62, admin)."""
    ctx = _default_types_served(request)
    body = await read_json(request)
    arguments = schemas.body_object(body, "default_type")
    wanted = arguments.get("volume_type")
    if not isinstance(wanted, str) or not wanted:
        raise schemas.W.refuse("default_type", arguments, "required", key="volume_type")
    row = _service(request).types.set_default(ctx, request.path_params["target"], wanted)
    return respond({"default_type": _default_type_body(row)})


async def show_default_type(request: Request) -> Response:
    ctx = _default_types_served(request)
    (row,) = _service(request).types.get_defaults(ctx, request.path_params["target"])
    return respond({"default_type": _default_type_body(row)})


async def list_default_types(request: Request) -> Response:
    ctx = _default_types_served(request)
    return respond({"default_types": [_default_type_body(r) for r in _service(request).types.get_defaults(ctx)]})


async def unset_default_type(request: Request) -> Response:
    ctx = _default_types_served(request)
    _service(request).types.unset_default(ctx, request.path_params["target"])
    return no_content(204)


# ------------------------------------------------------------------------------------------------ services
async def list_services(request: Request) -> Response:
    rows = _service(request).services.list(_ctx(request), query_value(request, "host"),
                                           query_value(request, "binary"))
    return respond({"services": [ops.service(r, _v(request)) for r in rows]})



async def list_hosts(request: Request) -> Response:
    """GET /os-hosts (admin; `?zone=`): Cinder's deprecated hosts extension, the enabled services."""
    rows = _service(request).services.hosts(_ctx(request), query_value(request, "zone"))
    return respond({"hosts": [{"host_name": r.host, "service": r.binary, "zone": r.zone,
                               "service-status": "available" if r.state == "up" else "unavailable",
                               "service-state": r.status, "last-update": schemas.time(r.updated_at)}
                              for r in rows]})


async def show_host(request: Request) -> Response:
    """GET /os-hosts/{host} (admin): the volume usage of a cinder-volume host, in total and per project."""
    rows = _service(request).services.host_usage(_ctx(request), request.path_params["host"])
    return respond({"host": [{"resource": r} for r in rows]})


# ------------------------------------------------------------------------------------------------ messages
def _message_body(request: Request, m: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": m.id, "event_id": m.event_id, "user_message": m.user_message, "message_level": m.message_level,
        "created_at": schemas.time(m.created_at), "guaranteed_until": schemas.time(m.expires_at),
        "request_id": m.request_id, "links": schemas.links(_base(request), m.project_id, "messages", m.id)}
    if m.resource_type:
        body["resource_type"] = m.resource_type
    if m.resource_uuid:
        body["resource_uuid"] = m.resource_uuid
    return body


def _messages_served(request: Request) -> RequestContext:
    ctx = _ctx(request)
    if _v(request) < mv.MESSAGES:
        raise NotFound("The resource could not be found.")
    return ctx


async def list_messages(request: Request) -> Response:
    """GET /messages (3.3): the project's user messages, newest first; filters (3.5) `resource_uuid`,
    `resource_type`, `event_id`, `request_id`, `message_level`."""
    ctx = _messages_served(request)
    filters = {k: query_value(request, k) for k in ("resource_uuid", "resource_type", "event_id", "request_id",
                                                    "message_level")}
    rows = _service(request).messages.list(ctx, filters)
    return respond({"messages": [_message_body(request, m) for m in rows]})


async def show_message(request: Request) -> Response:
    ctx = _messages_served(request)
    return respond({"message": _message_body(request, _service(request).messages.get(
        ctx, request.path_params["message_id"]))})


async def delete_message(request: Request) -> Response:
    ctx = _messages_served(request)
    _service(request).messages.delete(ctx, request.path_params["message_id"])
    return no_content(204)


async def update_service(request: Request) -> Response:
    """PUT /os-services/{enable,disable,disable-log-reason,freeze,thaw} (`volume service set`, `volume host
    set --disable/--enable` for freeze and thaw)."""
    done = _service(request).services.update(_ctx(request), request.path_params["action"], await read_json(request))
    return respond(ops.service_update(done)) if done is not None else Response(status_code=200)


# ------------------------------------------------------------------------------------------------ QoS specs
async def list_qos(request: Request) -> Response:
    rows = _service(request).qos.list(_ctx(request))
    return respond({"qos_specs": [ops.qos_specs(q) for q in rows]})


async def create_qos(request: Request) -> Response:
    ctx = _ctx(request)
    name, consumer, specs = ops.parse_qos_create(await read_json(request))
    qos = _service(request).qos.create(ctx, name, consumer, specs)
    return respond({"qos_specs": ops.qos_specs(qos), "links": ops.qos_links(qos, _base(request), ctx.project_id or "")})


async def show_qos(request: Request) -> Response:
    ctx = _ctx(request)
    qos = _service(request).qos.get(ctx, request.path_params["qos_id"])
    return respond({"qos_specs": ops.qos_specs(qos), "links": ops.qos_links(qos, _base(request), ctx.project_id or "")})


async def update_qos(request: Request) -> Response:
    ctx = _ctx(request)
    specs = ops.parse_qos_keys(await read_json(request))
    return respond({"qos_specs": _service(request).qos.set_keys(ctx, request.path_params["qos_id"], specs)})


async def delete_qos_keys(request: Request) -> Response:
    ctx = _ctx(request)
    keys = ops.parse_qos_delete_keys(await read_json(request))
    _service(request).qos.delete_keys(ctx, request.path_params["qos_id"], keys)
    return no_content(202)


async def delete_qos(request: Request) -> Response:
    force = bool(query_bool(request, "force", False))
    _service(request).qos.delete(_ctx(request), request.path_params["qos_id"], force=force)
    return no_content(202)


async def qos_associations(request: Request) -> Response:
    types = _service(request).qos.associations(_ctx(request), request.path_params["qos_id"])
    return respond({"qos_associations": [{"association_type": "volume_type", "name": t.name, "id": t.id}
                                         for t in types]})


async def qos_associate(request: Request) -> Response:
    """GET /qos-specs/{id}/associate?vol_type_id= (a GET that changes, as Cinder's)."""
    _service(request).qos.associate(_ctx(request), request.path_params["qos_id"], query_value(request, "vol_type_id"))
    return no_content(202)


async def qos_disassociate(request: Request) -> Response:
    type_id = query_value(request, "vol_type_id")
    if type_id is None:
        raise BadRequest("Invalid input received: vol_type_id is required.")
    _service(request).qos.disassociate(_ctx(request), request.path_params["qos_id"], type_id)
    return no_content(202)


async def qos_disassociate_all(request: Request) -> Response:
    _service(request).qos.disassociate(_ctx(request), request.path_params["qos_id"])
    return no_content(202)


P = "/v3/{project_id}"
scoped_routes = [
    Route(f"{P}/volumes", volumes_index, methods=["GET"]),
    Route(f"{P}/volumes", create_volume, methods=["POST"]),
    Route(f"{P}/volumes/detail", volumes_detail, methods=["GET"]),
    Route(f"{P}/volumes/summary", volume_summary, methods=["GET"]),
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
    Route(f"{P}/snapshots/{{snapshot_id}}/action", snapshot_action, methods=["POST"]),
    Route(f"{P}/snapshots/{{snapshot_id}}/metadata", get_metadata, methods=["GET"]),
    Route(f"{P}/snapshots/{{snapshot_id}}/metadata", set_metadata, methods=["POST", "PUT"]),
    Route(f"{P}/snapshots/{{snapshot_id}}/metadata/{{key}}", get_meta_item, methods=["GET"]),
    Route(f"{P}/snapshots/{{snapshot_id}}/metadata/{{key}}", set_meta_item, methods=["PUT"]),
    Route(f"{P}/snapshots/{{snapshot_id}}/metadata/{{key}}", delete_meta_item, methods=["DELETE"]),
    Route(f"{P}/types", list_types, methods=["GET"]),
    Route(f"{P}/types", create_type, methods=["POST"]),
    Route(f"{P}/types/{{type_id}}", show_type, methods=["GET"]),
    Route(f"{P}/types/{{type_id}}", update_type, methods=["PUT"]),
    Route(f"{P}/types/{{type_id}}", delete_type, methods=["DELETE"]),
    Route(f"{P}/types/{{type_id}}/action", type_action, methods=["POST"]),
    Route(f"{P}/types/{{type_id}}/os-volume-type-access", type_access_list, methods=["GET"]),
    Route(f"{P}/types/{{type_id}}/encryption", type_encryption, methods=["GET", "POST"]),
    Route(f"{P}/types/{{type_id}}/encryption/{{ref}}", type_encryption_item, methods=["GET", "PUT", "DELETE"]),
    Route(f"{P}/types/{{type_id}}/extra_specs", get_extra_specs, methods=["GET"]),
    Route(f"{P}/types/{{type_id}}/extra_specs", set_extra_specs, methods=["POST"]),
    Route(f"{P}/types/{{type_id}}/extra_specs/{{key}}", get_extra_spec, methods=["GET"]),
    Route(f"{P}/types/{{type_id}}/extra_specs/{{key}}", set_extra_spec, methods=["PUT"]),
    Route(f"{P}/types/{{type_id}}/extra_specs/{{key}}", delete_extra_spec, methods=["DELETE"]),
    Route(f"{P}/limits", show_limits, methods=["GET"]),
    Route(f"{P}/default-types", list_default_types, methods=["GET"]),
    Route(f"{P}/default-types/{{target}}", show_default_type, methods=["GET"]),
    Route(f"{P}/default-types/{{target}}", set_default_type, methods=["PUT"]),
    Route(f"{P}/default-types/{{target}}", unset_default_type, methods=["DELETE"]),
    Route(f"{P}/os-quota-sets/{{target}}", show_quota_set, methods=["GET"]),
    Route(f"{P}/os-quota-sets/{{target}}", update_quota_set, methods=["PUT"]),
    Route(f"{P}/os-quota-sets/{{target}}", delete_quota_set, methods=["DELETE"]),
    Route(f"{P}/os-quota-sets/{{target}}/defaults", default_quota_set, methods=["GET"]),
    Route(f"{P}/os-quota-class-sets/{{class_name}}", show_quota_class, methods=["GET"]),
    Route(f"{P}/os-quota-class-sets/{{class_name}}", update_quota_class, methods=["PUT"]),
    Route(f"{P}/os-availability-zone", availability_zones, methods=["GET"]),
    Route(f"{P}/scheduler-stats/get_pools", get_pools, methods=["GET"]),
    Route(f"{P}/capabilities/{{host}}", capabilities, methods=["GET"]),
    Route(f"{P}/resource_filters", resource_filters, methods=["GET"]),
    Route(f"{P}/extensions", list_extensions, methods=["GET"]),
    Route(f"{P}/group_types", list_group_types, methods=["GET"]),
    Route(f"{P}/group_types", create_group_type, methods=["POST"]),
    Route(f"{P}/group_types/{{group_type_id}}", show_group_type, methods=["GET"]),
    Route(f"{P}/group_types/{{group_type_id}}", update_group_type, methods=["PUT"]),
    Route(f"{P}/group_types/{{group_type_id}}", delete_group_type, methods=["DELETE"]),
    Route(f"{P}/group_types/{{group_type_id}}/group_specs", group_specs, methods=["GET", "POST"]),
    Route(f"{P}/group_types/{{group_type_id}}/group_specs/{{key}}", group_spec, methods=["GET", "PUT", "DELETE"]),
    Route(f"{P}/groups", groups_index, methods=["GET"]),
    Route(f"{P}/groups", create_group, methods=["POST"]),
    Route(f"{P}/groups/detail", groups_detail, methods=["GET"]),
    Route(f"{P}/groups/action", groups_action, methods=["POST"]),
    Route(f"{P}/groups/{{group_id}}", show_group, methods=["GET"]),
    Route(f"{P}/groups/{{group_id}}", update_group, methods=["PUT"]),
    Route(f"{P}/groups/{{group_id}}/action", group_action, methods=["POST"]),
    Route(f"{P}/group_snapshots", group_snapshots_index, methods=["GET"]),
    Route(f"{P}/group_snapshots", create_group_snapshot, methods=["POST"]),
    Route(f"{P}/group_snapshots/detail", group_snapshots_detail, methods=["GET"]),
    Route(f"{P}/group_snapshots/{{group_snapshot_id}}", show_group_snapshot, methods=["GET"]),
    Route(f"{P}/group_snapshots/{{group_snapshot_id}}", delete_group_snapshot, methods=["DELETE"]),
    Route(f"{P}/group_snapshots/{{group_snapshot_id}}/action", group_snapshot_action, methods=["POST"]),
    Route(f"{P}/backups", backups_index, methods=["GET"]),
    Route(f"{P}/backups", create_backup, methods=["POST"]),
    Route(f"{P}/backups/detail", backups_detail, methods=["GET"]),
    Route(f"{P}/backups/import_record", import_backup, methods=["POST"]),
    Route(f"{P}/backups/{{backup_id}}", show_backup, methods=["GET"]),
    Route(f"{P}/backups/{{backup_id}}", update_backup, methods=["PUT"]),
    Route(f"{P}/backups/{{backup_id}}", delete_backup, methods=["DELETE"]),
    Route(f"{P}/backups/{{backup_id}}/restore", restore_backup, methods=["POST"]),
    Route(f"{P}/backups/{{backup_id}}/action", backup_action, methods=["POST"]),
    Route(f"{P}/backups/{{backup_id}}/export_record", export_backup, methods=["GET"]),
    *[route for collection in ("os-volume-transfer", "volume-transfers") for route in (
        Route(f"{P}/{collection}", transfers_index, methods=["GET"]),
        Route(f"{P}/{collection}", create_transfer, methods=["POST"]),
        Route(f"{P}/{collection}/detail", transfers_detail, methods=["GET"]),
        Route(f"{P}/{collection}/{{transfer_id}}", show_transfer, methods=["GET"]),
        Route(f"{P}/{collection}/{{transfer_id}}", delete_transfer, methods=["DELETE"]),
        Route(f"{P}/{collection}/{{transfer_id}}/accept", accept_transfer, methods=["POST"]))],
    Route(f"{P}/os-hosts", list_hosts, methods=["GET"]),
    Route(f"{P}/os-hosts/{{host}}", show_host, methods=["GET"]),
    Route(f"{P}/messages", list_messages, methods=["GET"]),
    Route(f"{P}/messages/{{message_id}}", show_message, methods=["GET"]),
    Route(f"{P}/messages/{{message_id}}", delete_message, methods=["DELETE"]),
    Route(f"{P}/os-services", list_services, methods=["GET"]),
    Route(f"{P}/os-services/{{action}}", update_service, methods=["PUT"]),
    Route(f"{P}/qos-specs", list_qos, methods=["GET"]),
    Route(f"{P}/qos-specs", create_qos, methods=["POST"]),
    Route(f"{P}/qos-specs/{{qos_id}}", show_qos, methods=["GET"]),
    Route(f"{P}/qos-specs/{{qos_id}}", update_qos, methods=["PUT"]),
    Route(f"{P}/qos-specs/{{qos_id}}", delete_qos, methods=["DELETE"]),
    Route(f"{P}/qos-specs/{{qos_id}}/delete_keys", delete_qos_keys, methods=["PUT"]),
    Route(f"{P}/qos-specs/{{qos_id}}/associations", qos_associations, methods=["GET"]),
    Route(f"{P}/qos-specs/{{qos_id}}/associate", qos_associate, methods=["GET"]),
    Route(f"{P}/qos-specs/{{qos_id}}/disassociate", qos_disassociate, methods=["GET"]),
    Route(f"{P}/qos-specs/{{qos_id}}/disassociate_all", qos_disassociate_all, methods=["GET"]),
]


class ProjectlessURLs:
    """3.67: /volume/v3/volumes is /volume/v3/{project_id}/volumes for the token's project. Cinder serves both
    forms at every microversion (3.67 only tells clients so); the project-less form is re-dispatched here to the
    scoped routes with the token's project filled in, so each route exists once. A bare /v3/{project_id} is
    the version document."""

    def __init__(self) -> None:
        self.collections = {r.path.split("/")[3] for r in scoped_routes if isinstance(r, Route)}
        self.router = Router(routes=scoped_routes, redirect_slashes=False)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        rest: str = request.path_params["rest"]
        first = rest.split("/", 1)[0]
        if first not in self.collections:
            if "/" not in rest and request.method in ("GET", "HEAD"):  # GET /v3/{project_id}
                await (await v3(request))(scope, receive, send)
            else:  # a scoped URL no route serves: the scoped router's own 404 or 405
                await self.router(scope, receive, send)
            return
        project_id = context_of(request).project_id
        if project_id is None:
            raise NotFound("The resource could not be found.")
        root = scope.get("root_path", "")
        path = f"{root}/v3/{project_id}/{rest}"
        await self.router({**scope, "path": path, "raw_path": path.encode(), "path_params": {}}, receive, send)


routes = [
    Route("/", root, methods=["GET"]),
    Route("/v3", v3, methods=["GET"]),
    Route("/v3/", v3, methods=["GET"]),
    *scoped_routes,
    Route("/v3/{rest:path}", ProjectlessURLs(), methods=["GET", "POST", "PUT", "DELETE"]),
]


# ------------------------------------------------------------------------------------------------ Nova's side
def _nova_version(request: Request) -> Version:
    """The compute microversion of a request to Nova's os-volume_attachments (mounted under /compute)."""
    return microversion(request, cmv.MIN)


async def list_attachments(request: Request) -> Response:
    part, server_id = _service(request).attachments, request.path_params["server_id"]
    atts = part.list_for_server(context_of(request), server_id)
    mappings = part.mappings(server_id) if atts else {}
    return respond({"volumeAttachments": [schemas.nova_attachment(a, _nova_version(request),
                                                                  mapping=mappings.get(a.volume_id))
                                          for a in atts]})


async def attach_volume(request: Request) -> Response:
    ctx = context_of(request)
    asked = schemas.parse_volume_attachment(await read_json(request), _nova_version(request))
    part, server_id = _service(request).attachments, request.path_params["server_id"]
    att = part.attach(ctx, server_id, asked.volume_id, asked.device,
                      delete_on_termination=bool(asked.delete_on_termination), tag=asked.tag,
                      offloaded=_nova_version(request) >= cmv.SHELVED_VOLUMES)
    made = VolumeMapping(root=False, delete_on_termination=bool(asked.delete_on_termination), tag=asked.tag)
    return respond({"volumeAttachment": schemas.nova_attachment(att, _nova_version(request), created=True,
                                                                mapping=made)})


async def show_attachment(request: Request) -> Response:
    part, server_id = _service(request).attachments, request.path_params["server_id"]
    att = part.get_for_server(context_of(request), server_id, request.path_params["volume_id"])
    return respond({"volumeAttachment": schemas.nova_attachment(
        att, _nova_version(request), mapping=part.mappings(server_id).get(att.volume_id))})


async def update_attachment(request: Request) -> Response:
    """PUT: from 2.85 a change of delete_on_termination; before, Cinder's swap (attachments.py)."""
    version = _nova_version(request)
    change = schemas.parse_attachment_update(await read_json(request), version)
    _service(request).attachments.update(context_of(request), request.path_params["server_id"],
                                         request.path_params["volume_id"], change,
                                         swap_only=version < cmv.ATTACHMENT_UPDATE)
    return no_content(202)


async def detach_volume(request: Request) -> Response:
    _service(request).attachments.detach(context_of(request), request.path_params["server_id"],
                                         request.path_params["volume_id"],
                                         offloaded=_nova_version(request) >= cmv.SHELVED_VOLUMES)
    return no_content(202)


S = "/v2.1/servers/{server_id}/os-volume_attachments"
compute_routes = [
    Route(S, list_attachments, methods=["GET"]),
    Route(S, attach_volume, methods=["POST"]),
    Route(f"{S}/{{volume_id}}", show_attachment, methods=["GET"]),
    Route(f"{S}/{{volume_id}}", update_attachment, methods=["PUT"]),
    Route(f"{S}/{{volume_id}}", detach_volume, methods=["DELETE"]),
]

# Routes this package serves under another service's prefix (app.py adds them before that service's mount).
extra_mounts = [("/compute", compute_routes)]
