"""Nova's /images proxy to Glance (nova/api/openstack/compute/images.py, removed at 2.36) and its
/images/{id}/metadata (image_metadata.py, removed at 2.39): Glance's own calls through the image contract with
the caller's context, so Glance's visibility, policies and protection apply and the image is Glance's. Answers
are Nova's image views (nova/api/openstack/compute/views/images.py): status in Nova's words, the custom
properties as `metadata`, a server snapshot's `server` (its instance_uuid property)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from lab.cloud import validation as val
from lab.cloud.compute import microversions as mv
from lab.cloud.compute.proxy_common import served
from lab.cloud.errors import BadRequest, Forbidden, NotFound
from lab.cloud.http import no_content, query_int, query_value, read_json, respond

if TYPE_CHECKING:
    from lab.cloud.app import Cloud
    from lab.cloud.context import RequestContext
    from lab.cloud.image.models import Image

W = val.NOVA
V = "/v2.1"
STATUS = {"active": "ACTIVE", "queued": "SAVING", "saving": "SAVING", "deleted": "DELETED",
          "pending_delete": "DELETED", "killed": "ERROR"}
PROGRESS = {"queued": 25, "saving": 50, "active": 100}
MAX_IMAGE_META = 128  # Nova's metadata_items quota, which also bounds an image's metadata


@contextmanager
def _image_errors() -> Iterator[None]:
    """Glance's 404 as Nova words it."""
    try:
        yield
    except NotFound:
        raise NotFound("Image not found.") from None


def _time(moment: datetime | None) -> str | None:
    return None if moment is None else moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _links(base: str, image_id: str) -> list[dict[str, str]]:
    return [{"rel": "self", "href": f"{base}/compute{V}/images/{image_id}"},
            {"rel": "bookmark", "href": f"{base}/compute/images/{image_id}"},
            {"rel": "alternate", "type": "application/vnd.openstack.image", "href": f"{base}/image/images/{image_id}"}]


def image_brief(img: Image, base: str) -> dict[str, Any]:
    return {"id": img.id, "name": img.name, "links": _links(base, img.id)}


def image_detail(img: Image, base: str) -> dict[str, Any]:
    properties = {k: v for k, v in (img.properties or {}).items()}
    body: dict[str, Any] = {
        "id": img.id, "name": img.name, "minRam": int(img.min_ram or 0), "minDisk": int(img.min_disk or 0),
        "metadata": properties, "created": _time(img.created_at), "updated": _time(img.updated_at),
        "status": STATUS.get(img.status, "UNKNOWN"), "progress": PROGRESS.get(img.status, 0),
        "links": _links(base, img.id), "OS-EXT-IMG-SIZE:size": img.size}
    server = properties.get("instance_uuid")
    if server:
        body["server"] = {"id": server, "links": [
            {"rel": "self", "href": f"{base}/compute{V}/servers/{server}"},
            {"rel": "bookmark", "href": f"{base}/compute/servers/{server}"}]}
    if "auto_disk_config" in properties:
        body["OS-DCF:diskConfig"] = "AUTO" if str(properties["auto_disk_config"]).lower() == "true" else "MANUAL"
    return body


def _every_image(cloud: Cloud, ctx: RequestContext) -> list[Image]:
    """Every image the caller sees in Glance's list, page after page (newest first, as Glance sorts)."""
    from lab.cloud.image.schemas import ImageQuery

    found: list[Image] = []
    marker: str | None = None
    while True:
        page, marker = cloud.image.list_images(ctx, ImageQuery(params=[], ids=[], names=[], statuses=[],
                                                               disk_formats=[], container_formats=[], marker=marker))
        found.extend(page)
        if marker is None:
            return found


def _since(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00").replace(" ", "+"))
    except ValueError:
        raise BadRequest(f"Invalid filter field: changes-since. Value: {value}") from None
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def _filtered(request: Request, images: list[Image]) -> list[Image]:
    """Nova's filters (name, status, changes-since, server, type, minRam, minDisk), then marker and limit."""
    name, status = query_value(request, "name"), query_value(request, "status")
    since = query_value(request, "changes-since")
    server, kind = query_value(request, "server"), query_value(request, "type")
    min_ram, min_disk = query_int(request, "minRam"), query_int(request, "minDisk")
    if server:
        server = server.rstrip("/").rsplit("/", 1)[-1]  # a server id or its URL
    moment = _since(since) if since else None
    out = [img for img in images
           if (name is None or img.name == name)
           and (status is None or STATUS.get(img.status, "UNKNOWN") == status.upper())
           and (moment is None or img.updated_at >= moment)
           and (not server or (img.properties or {}).get("instance_uuid") == server)
           and (not kind or (img.properties or {}).get("image_type") == kind)
           and (min_ram is None or (img.min_ram or 0) >= min_ram)
           and (min_disk is None or (img.min_disk or 0) >= min_disk)]
    marker = query_value(request, "marker")
    if marker is not None:
        ids = [img.id for img in out]
        if marker not in ids:
            raise BadRequest(f"marker [{marker}] not found")
        out = out[ids.index(marker) + 1:]
    limit = query_int(request, "limit")
    return out if limit is None else out[:limit]


# ---------------------------------------------------------------------------------------------- /images
async def list_images(request: Request) -> Response:
    """GET /images and /images/detail."""
    cloud, ctx = served(request)
    images = _filtered(request, _every_image(cloud, ctx))
    base = cloud.settings.endpoint
    detail = request.url.path.endswith("/detail")
    body: dict[str, Any] = {"images": [image_detail(i, base) if detail else image_brief(i, base) for i in images]}
    limit = query_int(request, "limit")
    if limit and len(images) == limit:
        body["images_links"] = [{"rel": "next", "href": str(request.url.include_query_params(
            marker=images[-1].id))}]
    return respond(body)


async def show_image(request: Request) -> Response:
    cloud, ctx = served(request)
    with _image_errors():
        img = cloud.image.get_image(ctx, request.path_params["image_id"])
    return respond({"image": image_detail(img, cloud.settings.endpoint)})


async def delete_image(request: Request) -> Response:
    """DELETE /images/{id}: Glance's delete (a protected image is Glance's 403)."""
    cloud, ctx = served(request)
    with _image_errors():
        cloud.image.delete_image(ctx, request.path_params["image_id"])
    return no_content(204)


# ---------------------------------------------------------------------------------------------- metadata
_KEY = re.compile(r"^[a-zA-Z0-9-_:. ]{1,255}$")


def _metadata(value: Any, where: str) -> dict[str, str]:
    """Nova's parameter_types.metadata: keys of 1-255 of [a-zA-Z0-9-_:. ], string values of at most 255."""
    found = val.obj(W, where, value)
    for key, item in found.items():
        if not _KEY.match(key):
            raise W.bad(where, found, f"Additional properties are not allowed ({key!r} was unexpected)")
        val.string(max_len=255)(W, f"{where}/{key}", item)
    return found


def _body(body: dict[str, Any], key: str) -> dict[str, str]:
    extra = sorted(set(body) - {key})
    if extra:
        raise W.unexpected("", body, extra)
    if key not in body:
        raise W.refuse(key, None, "required", key=key)
    return _metadata(body[key], key)


def _quota(metadata: dict[str, str]) -> None:
    if len(metadata) > MAX_IMAGE_META:
        raise Forbidden("Quota exceeded for metadata_items: Requested 1, but already used "
                        f"{len(metadata) - 1} of {MAX_IMAGE_META} metadata_items")


def _properties(cloud: Cloud, ctx: RequestContext, image_id: str) -> dict[str, str]:
    with _image_errors():
        return {k: str(v) for k, v in (cloud.image.get_image(ctx, image_id).properties or {}).items()}


def _store(cloud: Cloud, ctx: RequestContext, image_id: str, old: dict[str, str],
           new: dict[str, str]) -> dict[str, str]:
    """Glance's PATCH of the image's custom properties from `old` to `new`."""
    from lab.cloud.image.schemas import PatchOp

    ops = [PatchOp("remove", k) for k in old if k not in new]
    ops += [PatchOp("replace" if k in old else "add", k, v) for k, v in new.items() if old.get(k) != v]
    with _image_errors():
        img = cloud.image.update_image(ctx, image_id, ops) if ops else cloud.image.get_image(ctx, image_id)
    return {k: str(v) for k, v in (img.properties or {}).items()}


def _meta_served(request: Request) -> tuple[Cloud, RequestContext, str]:
    cloud, ctx = served(request, mv.IMAGE_METADATA_GONE)
    return cloud, ctx, request.path_params["image_id"]


async def image_metadata(request: Request) -> Response:
    """GET (list), POST (merge) and PUT (replace) /images/{id}/metadata."""
    cloud, ctx, image_id = _meta_served(request)
    if request.method == "GET":
        return respond({"metadata": _properties(cloud, ctx, image_id)})
    given = _body(await read_json(request), "metadata")
    old = _properties(cloud, ctx, image_id)
    new = given if request.method == "PUT" else {**old, **given}
    _quota(new)
    stored = _store(cloud, ctx, image_id, old, new)
    return respond({"metadata": given if request.method == "PUT" else stored})


async def image_metadata_item(request: Request) -> Response:
    """GET, PUT and DELETE /images/{id}/metadata/{key}."""
    cloud, ctx, image_id = _meta_served(request)
    key = request.path_params["key"]
    if request.method == "PUT":
        body = await read_json(request)
        meta = _body(body, "meta")
        if len(meta) != 1:
            raise W.bad("meta", meta, "Expected exactly one metadata item" if meta else
                        "{} does not have enough properties")
        if key not in meta:
            raise BadRequest("Request body and URI mismatch")
        old = _properties(cloud, ctx, image_id)
        new = {**old, **meta}
        _quota(new)
        _store(cloud, ctx, image_id, old, new)
        return respond({"meta": meta})
    old = _properties(cloud, ctx, image_id)
    if key not in old:
        raise NotFound("Invalid metadata key")
    if request.method == "GET":
        return respond({"meta": {key: old[key]}})
    _store(cloud, ctx, image_id, old, {k: v for k, v in old.items() if k != key})
    return no_content(204)


routes = [
    Route(f"{V}/images", list_images, methods=["GET"]),
    Route(f"{V}/images/detail", list_images, methods=["GET"]),
    Route(f"{V}/images/{{image_id}}", show_image, methods=["GET"]),
    Route(f"{V}/images/{{image_id}}", delete_image, methods=["DELETE"]),
    Route(f"{V}/images/{{image_id}}/metadata", image_metadata, methods=["GET", "POST", "PUT"]),
    Route(f"{V}/images/{{image_id}}/metadata/{{key}}", image_metadata_item, methods=["GET", "PUT", "DELETE"]),
]
