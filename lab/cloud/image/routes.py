"""Image's HTTP routes (Glance v2, mounted at /image): parse, call the service, render. No logic here.

`GET /image` is Glance's version discovery (300), which openstacksdk requires before any image call.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from lab.cloud.errors import BadRequest, UnsupportedMediaType
from lab.cloud.http import cloud_of, context_of, no_content, respond, service_of
from lab.cloud.image import metadefs, schemas
from lab.cloud.image.imports import METHODS, STORE
from lab.cloud.image.metadefs import Metadefs
from lab.cloud.image.service import ImageService


def _service(request: Request) -> ImageService:
    return service_of(request, "image", ImageService)


async def root(request: Request) -> Response:
    """GET /image: the API versions (Glance answers 300 Multiple Choices)."""
    return respond(schemas.versions(cloud_of(request).settings.endpoint), 300)


async def versions(request: Request) -> Response:
    return respond(schemas.versions(cloud_of(request).settings.endpoint))


async def _json_body(request: Request) -> object:
    raw = await request.body()
    try:
        return orjson.loads(raw) if raw else None
    except orjson.JSONDecodeError as exc:
        raise BadRequest(f"Malformed JSON in request body: {exc}") from None


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


def _image_data_length(request: Request) -> int | None:
    """The declared length of an image data body (upload or stage), after Glance's check that it is raw bytes."""
    media_type = _media_type(request)
    if media_type != "application/octet-stream":
        raise UnsupportedMediaType(f"The request media type {media_type or 'None'} is not supported by this "
                                   "server.")
    length = request.headers.get("content-length")
    return int(length) if length and length.isdigit() else None


async def create_image(request: Request) -> Response:
    ctx = context_of(request)
    req = schemas.image_create(await _json_body(request))
    cloud = cloud_of(request)
    img = _service(request).create_image(ctx, req)
    # Glance names the import methods it offers on every create (openstacksdk's `--import` reads them here).
    return respond(schemas.image(img), 201, {"Location": f"{cloud.settings.endpoint}/image/v2/images/{img.id}",
                                             "OpenStack-image-import-methods": ",".join(METHODS),
                                             "OpenStack-image-store-ids": STORE})


async def list_images(request: Request) -> Response:
    ctx = context_of(request)
    query = schemas.image_query(request.query_params.multi_items())
    images, next_marker = _service(request).list_images(ctx, query)
    return respond(schemas.images_page(images, query, next_marker))


async def show_image(request: Request) -> Response:
    ctx = context_of(request)
    return respond(schemas.image(_service(request).get_image(ctx, request.path_params["image_id"])))


async def update_image(request: Request) -> Response:
    ctx = context_of(request)
    media_type = _media_type(request)
    if media_type not in schemas.PATCH_MEDIA_TYPES:
        raise UnsupportedMediaType(f"Unsupported Content-Type {media_type or 'None'}; use "
                                   f"{schemas.PATCH_MEDIA_TYPES[0]}",
                                   headers={"Accept-Patch": ", ".join(schemas.PATCH_MEDIA_TYPES)})
    ops = schemas.json_patch(await request.body())
    img = _service(request).update_image(ctx, request.path_params["image_id"], ops)
    return respond(schemas.image(img))


async def delete_image(request: Request) -> Response:
    ctx = context_of(request)
    _service(request).delete_image(ctx, request.path_params["image_id"])
    return no_content()


async def upload_image_data(request: Request) -> Response:
    ctx = context_of(request)
    length = _image_data_length(request)
    await _service(request).upload_image_data(ctx, request.path_params["image_id"], request.stream(), length)
    return no_content()


async def download_image_data(request: Request) -> Response:
    ctx = context_of(request)
    img, path = _service(request).image_data(ctx, request.path_params["image_id"])
    if path is None:
        return no_content()
    headers = {"Content-MD5": img.checksum} if img.checksum else {}
    return FileResponse(path, media_type="application/octet-stream", headers=headers)


async def deactivate_image(request: Request) -> Response:
    ctx = context_of(request)
    _service(request).deactivate_image(ctx, request.path_params["image_id"])
    return no_content()


async def reactivate_image(request: Request) -> Response:
    ctx = context_of(request)
    _service(request).reactivate_image(ctx, request.path_params["image_id"])
    return no_content()


async def add_image_tag(request: Request) -> Response:
    ctx = context_of(request)
    _service(request).add_image_tag(ctx, request.path_params["image_id"], request.path_params["tag"])
    return no_content()


async def remove_image_tag(request: Request) -> Response:
    ctx = context_of(request)
    _service(request).remove_image_tag(ctx, request.path_params["image_id"], request.path_params["tag"])
    return no_content()


async def add_image_member(request: Request) -> Response:
    ctx = context_of(request)
    member_id = schemas.member_id(await _json_body(request))
    member = _service(request).add_image_member(ctx, request.path_params["image_id"], member_id)
    return respond(schemas.member(member))


async def list_image_members(request: Request) -> Response:
    ctx = context_of(request)
    members = _service(request).list_image_members(ctx, request.path_params["image_id"])
    return respond({"members": [schemas.member(m) for m in members], "schema": "/v2/schemas/members"})


async def show_image_member(request: Request) -> Response:
    ctx = context_of(request)
    p = request.path_params
    return respond(schemas.member(_service(request).get_image_member(ctx, p["image_id"], p["member_id"])))


async def update_image_member(request: Request) -> Response:
    ctx = context_of(request)
    p = request.path_params
    status = schemas.member_status(await _json_body(request))
    member = _service(request).update_image_member(ctx, p["image_id"], p["member_id"], status)
    return respond(schemas.member(member))


async def remove_image_member(request: Request) -> Response:
    ctx = context_of(request)
    p = request.path_params
    _service(request).remove_image_member(ctx, p["image_id"], p["member_id"])
    return no_content()


def _static(body: dict[str, Any]) -> Callable[[Request], Awaitable[Response]]:
    """A handler answering a fixed document (the JSON schemas) to any authenticated caller."""

    async def handler(request: Request) -> Response:
        context_of(request)
        return respond(body)

    return handler


async def import_info(request: Request) -> Response:
    """GET /v2/info/import: the interoperable import's methods (imports.py)."""
    context_of(request)
    return respond(schemas.import_info(METHODS))


async def stores_info(request: Request) -> Response:
    """GET /v2/info/stores: the one store (`openstack image stores list`)."""
    context_of(request)
    return respond(schemas.stores_info(STORE))


async def stage_image_data(request: Request) -> Response:
    """PUT /v2/images/{id}/stage: glance-direct's first step (`openstack image stage`)."""
    ctx = context_of(request)
    length = _image_data_length(request)
    await _service(request).imports.stage(ctx, request.path_params["image_id"], request.stream(), length)
    return no_content()


async def import_image(request: Request) -> Response:
    """POST /v2/images/{id}/import: 202, the worker imports (`openstack image import`)."""
    ctx = context_of(request)
    method, uri, stores = schemas.image_import(await _json_body(request))
    _service(request).imports.import_image(ctx, request.path_params["image_id"], method, uri, stores)
    return no_content(202)


async def image_tasks(request: Request) -> Response:
    """GET /v2/images/{id}/tasks (2.12): the image's import tasks (`openstack image task list` shows tasks)."""
    ctx = context_of(request)
    tasks = _service(request).imports.tasks(ctx, request.path_params["image_id"])
    return respond({"tasks": [schemas.task(t) for t in tasks]})


async def list_tasks(request: Request) -> Response:
    """GET /v2/tasks: the import tasks, as Glance lists tasks (no input, result or message)."""
    tasks = _service(request).imports.all_tasks(context_of(request))
    hidden = ("input", "result", "message")
    return respond({"tasks": [{**{k: v for k, v in schemas.task(t).items() if k not in hidden},
                               "self": f"/v2/tasks/{t.id}", "schema": "/v2/schemas/task"} for t in tasks],
                    "first": "/v2/tasks", "schema": "/v2/schemas/tasks"})


async def show_task(request: Request) -> Response:
    task = _service(request).imports.get_task(context_of(request), request.path_params["task_id"])
    return respond({**schemas.task(task), "self": f"/v2/tasks/{task.id}", "schema": "/v2/schemas/task"})


# ---------------------------------------------------------------------------------------------- metadefs
def _metadefs(request: Request) -> Metadefs:
    return _service(request).metadefs


def _ns(request: Request) -> str:
    return str(request.path_params["namespace_name"])


def _metadef_page(request: Request) -> tuple[int | None, str | None, str, str]:
    q = request.query_params
    limit = q.get("limit")
    if limit is not None and (not limit.isdigit()):
        raise BadRequest(f"limit param must be an integer, got {limit!r}")
    return (int(limit) if limit is not None else None), q.get("marker"), q.get("sort_key", "created_at"), \
        q.get("sort_dir", "desc")


async def list_namespaces(request: Request) -> Response:
    ctx = context_of(request)
    q = request.query_params
    limit, marker, sort_key, sort_dir = _metadef_page(request)
    types = [t for t in q.get("resource_types", "").split(",") if t]
    found, next_marker = _metadefs(request).list_namespaces(ctx, q.get("visibility"), types, limit, marker,
                                                            sort_key, sort_dir)
    body: dict[str, Any] = {"namespaces": [metadefs.namespace(ns, detail=False) for ns in found],
                            "first": "/v2/metadefs/namespaces", "schema": "/v2/schemas/metadefs/namespaces"}
    if next_marker is not None:
        body["next"] = f"/v2/metadefs/namespaces?marker={next_marker}" + (f"&limit={limit}" if limit else "")
    return respond(body)


async def create_namespace(request: Request) -> Response:
    ns = _metadefs(request).create_namespace(context_of(request), await _json_body(request))
    return respond(metadefs.namespace(ns), 201)


async def show_namespace(request: Request) -> Response:
    return respond(metadefs.namespace(_metadefs(request).get_namespace(context_of(request), _ns(request))))


async def update_namespace(request: Request) -> Response:
    ns = _metadefs(request).update_namespace(context_of(request), _ns(request), await _json_body(request))
    return respond(metadefs.namespace(ns))


async def delete_namespace(request: Request) -> Response:
    _metadefs(request).delete_namespace(context_of(request), _ns(request))
    return no_content()


def _delete_all(part: str) -> Callable[[Request], Awaitable[Response]]:
    async def handler(request: Request) -> Response:
        _metadefs(request).delete_contents(context_of(request), _ns(request), part)
        return no_content()

    return handler


async def list_metadef_objects(request: Request) -> Response:
    ns = _ns(request)
    found = _metadefs(request).list_objects(context_of(request), ns)
    return respond({"objects": [metadefs.metadef_object(ns, o) for o in found],
                    "schema": "v2/schemas/metadefs/objects"})


async def create_metadef_object(request: Request) -> Response:
    ns = _ns(request)
    obj = _metadefs(request).create_object(context_of(request), ns, await _json_body(request))
    return respond(metadefs.metadef_object(ns, obj), 201)


async def show_metadef_object(request: Request) -> Response:
    ns = _ns(request)
    obj = _metadefs(request).get_object(context_of(request), ns, request.path_params["object_name"])
    return respond(metadefs.metadef_object(ns, obj))


async def update_metadef_object(request: Request) -> Response:
    ns = _ns(request)
    obj = _metadefs(request).update_object(context_of(request), ns, request.path_params["object_name"],
                                           await _json_body(request))
    return respond(metadefs.metadef_object(ns, obj))


async def delete_metadef_object(request: Request) -> Response:
    _metadefs(request).delete_object(context_of(request), _ns(request), request.path_params["object_name"])
    return no_content()


async def list_metadef_properties(request: Request) -> Response:
    return respond({"properties": _metadefs(request).list_properties(context_of(request), _ns(request))})


async def create_metadef_property(request: Request) -> Response:
    name, definition = _metadefs(request).create_property(context_of(request), _ns(request),
                                                          await _json_body(request))
    return respond(metadefs.metadef_property(name, definition), 201)


async def show_metadef_property(request: Request) -> Response:
    name = request.path_params["property_name"]
    definition = _metadefs(request).get_property(context_of(request), _ns(request), name)
    return respond(metadefs.metadef_property(name, definition))


async def update_metadef_property(request: Request) -> Response:
    name, definition = _metadefs(request).update_property(
        context_of(request), _ns(request), request.path_params["property_name"], await _json_body(request))
    return respond(metadefs.metadef_property(name, definition))


async def delete_metadef_property(request: Request) -> Response:
    _metadefs(request).delete_property(context_of(request), _ns(request), request.path_params["property_name"])
    return no_content()


async def list_metadef_tags(request: Request) -> Response:
    return respond({"tags": [metadefs.tag(t) for t in
                             _metadefs(request).list_tags(context_of(request), _ns(request))]})


async def create_metadef_tags(request: Request) -> Response:
    append = request.headers.get("x-openstack-append", "false").lower() == "true"
    tags = _metadefs(request).create_tags(context_of(request), _ns(request), await _json_body(request), append)
    return respond({"tags": [metadefs.tag(t) for t in tags]}, 201)


async def create_metadef_tag(request: Request) -> Response:
    tag = _metadefs(request).create_tag(context_of(request), _ns(request), request.path_params["tag_name"])
    return respond(metadefs.tag(tag), 201)


async def show_metadef_tag(request: Request) -> Response:
    tag = _metadefs(request).get_tag(context_of(request), _ns(request), request.path_params["tag_name"])
    return respond(metadefs.tag(tag))


async def update_metadef_tag(request: Request) -> Response:
    tag = _metadefs(request).update_tag(context_of(request), _ns(request), request.path_params["tag_name"],
                                        await _json_body(request))
    return respond(metadefs.tag(tag))


async def delete_metadef_tag(request: Request) -> Response:
    _metadefs(request).delete_tag(context_of(request), _ns(request), request.path_params["tag_name"])
    return no_content()


async def list_resource_types(request: Request) -> Response:
    found = _metadefs(request).list_resource_types(context_of(request))
    return respond({"resource_types": [metadefs.resource_type(rt) for rt in found]})


async def list_resource_type_associations(request: Request) -> Response:
    found = _metadefs(request).list_associations(context_of(request), _ns(request))
    return respond({"resource_type_associations": found})


async def create_resource_type_association(request: Request) -> Response:
    association = _metadefs(request).create_association(context_of(request), _ns(request),
                                                        await _json_body(request))
    return respond(association, 201)


async def delete_resource_type_association(request: Request) -> Response:
    _metadefs(request).delete_association(context_of(request), _ns(request), request.path_params["resource_type"])
    return no_content()


_NS = "/v2/metadefs/namespaces/{namespace_name}"

routes = [
    Route("/", root, methods=["GET", "HEAD"]),
    Route("/versions", versions, methods=["GET", "HEAD"]),
    Route("/v2/images", list_images, methods=["GET"]),
    Route("/v2/images", create_image, methods=["POST"]),
    Route("/v2/images/{image_id}", show_image, methods=["GET"]),
    Route("/v2/images/{image_id}", update_image, methods=["PATCH"]),
    Route("/v2/images/{image_id}", delete_image, methods=["DELETE"]),
    Route("/v2/images/{image_id}/file", upload_image_data, methods=["PUT"]),
    Route("/v2/images/{image_id}/file", download_image_data, methods=["GET"]),
    Route("/v2/images/{image_id}/actions/deactivate", deactivate_image, methods=["POST"]),
    Route("/v2/images/{image_id}/actions/reactivate", reactivate_image, methods=["POST"]),
    Route("/v2/images/{image_id}/tags/{tag}", add_image_tag, methods=["PUT"]),
    Route("/v2/images/{image_id}/tags/{tag}", remove_image_tag, methods=["DELETE"]),
    Route("/v2/images/{image_id}/members", list_image_members, methods=["GET"]),
    Route("/v2/images/{image_id}/members", add_image_member, methods=["POST"]),
    Route("/v2/images/{image_id}/members/{member_id}", show_image_member, methods=["GET"]),
    Route("/v2/images/{image_id}/members/{member_id}", update_image_member, methods=["PUT"]),
    Route("/v2/images/{image_id}/members/{member_id}", remove_image_member, methods=["DELETE"]),
    Route("/v2/schemas/image", _static(schemas.image_schema()), methods=["GET"]),
    Route("/v2/schemas/images", _static(schemas.images_schema()), methods=["GET"]),
    Route("/v2/schemas/member", _static(schemas.member_schema()), methods=["GET"]),
    Route("/v2/schemas/members", _static(schemas.members_schema()), methods=["GET"]),
    *(Route(f"/v2/schemas/metadefs/{name}", _static(make()), methods=["GET"])
      for name, make in schemas.METADEF_SCHEMAS.items()),
    Route("/v2/metadefs/namespaces", list_namespaces, methods=["GET"]),
    Route("/v2/metadefs/namespaces", create_namespace, methods=["POST"]),
    Route(_NS, show_namespace, methods=["GET"]),
    Route(_NS, update_namespace, methods=["PUT"]),
    Route(_NS, delete_namespace, methods=["DELETE"]),
    Route(_NS + "/objects", list_metadef_objects, methods=["GET"]),
    Route(_NS + "/objects", create_metadef_object, methods=["POST"]),
    Route(_NS + "/objects", _delete_all("objects"), methods=["DELETE"]),
    Route(_NS + "/objects/{object_name}", show_metadef_object, methods=["GET"]),
    Route(_NS + "/objects/{object_name}", update_metadef_object, methods=["PUT"]),
    Route(_NS + "/objects/{object_name}", delete_metadef_object, methods=["DELETE"]),
    Route(_NS + "/properties", list_metadef_properties, methods=["GET"]),
    Route(_NS + "/properties", create_metadef_property, methods=["POST"]),
    Route(_NS + "/properties", _delete_all("properties"), methods=["DELETE"]),
    Route(_NS + "/properties/{property_name}", show_metadef_property, methods=["GET"]),
    Route(_NS + "/properties/{property_name}", update_metadef_property, methods=["PUT"]),
    Route(_NS + "/properties/{property_name}", delete_metadef_property, methods=["DELETE"]),
    Route(_NS + "/tags", list_metadef_tags, methods=["GET"]),
    Route(_NS + "/tags", create_metadef_tags, methods=["POST"]),
    Route(_NS + "/tags", _delete_all("tags"), methods=["DELETE"]),
    Route(_NS + "/tags/{tag_name}", show_metadef_tag, methods=["GET"]),
    Route(_NS + "/tags/{tag_name}", create_metadef_tag, methods=["POST"]),
    Route(_NS + "/tags/{tag_name}", update_metadef_tag, methods=["PUT"]),
    Route(_NS + "/tags/{tag_name}", delete_metadef_tag, methods=["DELETE"]),
    Route("/v2/metadefs/resource_types", list_resource_types, methods=["GET"]),
    Route(_NS + "/resource_types", list_resource_type_associations, methods=["GET"]),
    Route(_NS + "/resource_types", create_resource_type_association, methods=["POST"]),
    Route(_NS + "/resource_types/{resource_type}", delete_resource_type_association, methods=["DELETE"]),
    Route("/v2/info/import", import_info, methods=["GET"]),
    Route("/v2/info/stores", stores_info, methods=["GET"]),
    Route("/v2/images/{image_id}/stage", stage_image_data, methods=["PUT"]),
    Route("/v2/images/{image_id}/import", import_image, methods=["POST"]),
    Route("/v2/images/{image_id}/tasks", image_tasks, methods=["GET"]),
    Route("/v2/tasks", list_tasks, methods=["GET"]),
    Route("/v2/tasks/{task_id}", show_task, methods=["GET"]),
]
