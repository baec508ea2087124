"""Object storage's HTTP routes (Swift v1, mounted at /object): parse, one service call, render.

    GET  /object/info                                   capabilities (what openstacksdk and `swift` read)
    GET  /object/healthcheck                            OK (Swift's healthcheck middleware)
    GET  /object/crossdomain.xml                        the cross-domain policy (Swift's crossdomain middleware)
    GET|HEAD|POST            /object/v1/AUTH_<project>  the account (POST or DELETE ?bulk-delete: bulk delete;
                                                        PUT ?extract-archive=tar: bulk upload, bulk.py)
    (a POST of multipart/form-data to a container or object path is a browser form's upload: formpost.py)
    PUT|GET|HEAD|POST|DELETE /object/v1/AUTH_<project>/<container>
    PUT|GET|HEAD|POST|DELETE|COPY /object/v1/AUTH_<project>/<container>/<object, may hold '/'>

Every answer is Swift's: errors are plain text or swob's little HTML page (never JSON), each response has an
X-Trans-Id, and anything else under /object is Swift's 404 or 405. A token is optional here: without one a
request can still read a public container (`.r:*`)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any
from urllib.parse import unquote

import orjson
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from lab.cloud.errors import CloudError
from lab.cloud.http import cloud_of, service_of
from lab.cloud.object import formpost, schemas, slo, staticweb, tempurl, versions
from lab.cloud.object.access import Caller
from lab.cloud.object.containers import AccountView, ContainerSettings, ContainerView
from lab.cloud.object.objects import KEPT_HEADERS, ObjectView, Upload, check_conditions, pieces
from lab.cloud.object.schemas import SwiftError
from lab.cloud.object.service import ObjectService

Endpoint = Callable[[Request], Awaitable[Response]]
BOUNDARY = "stacklab-byteranges"


def _service(request: Request) -> ObjectService:
    return service_of(request, "object", ObjectService)


def _caller(request: Request) -> Caller:
    if "temp_url_sig" in request.query_params:  # as Swift's tempurl: the signature decides, token or not
        return _service(request).temp_url_caller(request.method, request.scope.get("root_path", ""),
                                                 _mount_path(request), request.query_params,
                                                 request.headers.get("referer"))
    token = request.headers.get("x-auth-token") or request.headers.get("x-storage-token")
    # A caller resolved already: the orchestration engine's in-process call as a stack's owner (see
    # lab/cloud/orchestration/internal.py; only the server sets this scope key, never a header).
    ctx = request.scope.get("stacklab.context")
    if ctx is None and token:
        ctx = cloud_of(request).identity.context_for_token(token, request_id=request.scope.get("request_id", ""))
    return Caller(ctx, request.headers.get("referer"))


def _mount_path(request: Request) -> str:
    """The request's path under the service's mount (`/v1/AUTH_x/c/o`)."""
    root = request.scope.get("root_path", "")
    path: str = request.scope["path"]
    return path[len(root):] if root and path.startswith(root) else path


def swift(endpoint: Endpoint) -> Endpoint:
    """Swift's errors and X-Trans-Id for one endpoint."""

    async def wrapped(request: Request) -> Response:
        try:
            if any("\x00" in str(v) for v in request.path_params.values()):
                raise SwiftError(412, "Invalid UTF8 or contains NULL")  # as Swift: no client names a hidden one
            response = await endpoint(request)
        except CloudError as exc:
            response = schemas.error_response(exc, head=request.method == "HEAD")
        response.headers["X-Trans-Id"] = f"tx{uuid.uuid4().hex[:21]}-{uuid.uuid4().hex[:10]}"
        return response

    return wrapped


def _headers(request: Request) -> dict[str, str]:
    return {k.lower(): v for k, v in request.headers.items()}


def _truthy(value: str | None) -> bool:
    return (value or "").lower() in ("1", "true", "yes", "on", "t", "y")


# ------------------------------------------------------------------------------------------------ account
def _account_headers(view: AccountView) -> dict[str, str]:
    headers = {"X-Account-Container-Count": str(view.containers), "X-Account-Object-Count": str(view.objects),
               "X-Account-Bytes-Used": str(view.bytes), "X-Timestamp": schemas.x_timestamp(view.created_at),
               "X-Account-Storage-Policy-Policy-0-Container-Count": str(view.containers),
               "X-Account-Storage-Policy-Policy-0-Object-Count": str(view.objects),
               "X-Account-Storage-Policy-Policy-0-Bytes-Used": str(view.bytes), "Accept-Ranges": "bytes",
               **schemas.meta_headers("account", view.meta)}
    if view.quota_bytes is not None:
        headers["X-Account-Meta-Quota-Bytes"] = str(view.quota_bytes)
    return headers


# What Swift shows only to an account's swift_owner (its proxy's swift_owner_headers): the ACLs and the temp URL
# keys, so a reader, or someone the ACL lets read, cannot learn a key and sign their own (write) URLs.
OWNER_HEADERS = ("x-container-read", "x-container-write", "x-account-meta-temp-url-key",
                 "x-account-meta-temp-url-key-2", "x-container-meta-temp-url-key", "x-container-meta-temp-url-key-2")


def _owner_only(request: Request, account: str, headers: dict[str, str]) -> dict[str, str]:
    if _service(request).is_swift_owner(_caller(request), account):
        return headers
    return {k: v for k, v in headers.items() if k.lower() not in OWNER_HEADERS}


def _listing(request: Request, status_headers: dict[str, str], body: bytes, q: schemas.ListingQuery,
             empty: bool) -> Response:
    media = schemas.LISTING_TYPES[q.format]
    if request.method == "HEAD":
        return Response(status_code=204, headers=status_headers, media_type=media)
    if empty and q.format == "plain":
        return Response(status_code=204, headers=status_headers, media_type=media)
    return Response(body, status_code=200, headers=status_headers, media_type=media)


def _query(request: Request) -> schemas.ListingQuery:
    return schemas.listing_query(request.query_params, request.headers.get("accept", ""))


@swift
async def get_account(request: Request) -> Response:
    account = request.path_params["account"]
    if request.method == "HEAD":
        view = _service(request).account_info(_caller(request), account)
        return Response(status_code=204, headers=_owner_only(request, account, _account_headers(view)),
                        media_type="text/plain; charset=utf-8")
    q = _query(request)
    view, rows = _service(request).list_containers(_caller(request), account, q)
    headers = _owner_only(request, account, _account_headers(view))
    return _listing(request, headers, schemas.account_listing(account, rows, q), q, not rows)


@swift
async def post_account(request: Request) -> Response:
    account = request.path_params["account"]
    if "bulk-delete" in request.query_params:
        return await _bulk_delete(request, account)
    if (form := await _form_post(request)) is not None:
        return form  # no container in the path: Swift's 401 Invalid Signature
    headers = _headers(request)
    quota = headers.get("x-account-meta-quota-bytes")
    if "x-remove-account-meta-quota-bytes" in headers:
        quota = ""
    change = schemas.meta_change(((k, v) for k, v in request.headers.items()
                                  if "quota-bytes" not in k.lower()), "account")
    _service(request).update_account(_caller(request), account, change, quota)
    return Response(status_code=204, media_type="text/html; charset=UTF-8")


@swift
async def put_account(request: Request) -> Response:
    """Only a bulk extract-archive: Swift's proxy refuses account PUTs (allow_account_management is off)."""
    if "extract-archive" in request.query_params:
        return await _extract_archive(request, request.path_params["account"], "")
    raise SwiftError(405)


@swift
async def delete_account(request: Request) -> Response:
    """Only a bulk delete (as POST ?bulk-delete): account DELETEs are refused as account PUTs are."""
    if "bulk-delete" in request.query_params:
        return await _bulk_delete(request, request.path_params["account"])
    raise SwiftError(405)


async def _extract_archive(request: Request, account: str, base: str) -> Response:
    headers = _headers(request)
    result = await _service(request).extract_archive(
        _caller(request), account, base.strip("/"), request.query_params["extract-archive"],
        request.stream(), schemas.meta_change(request.headers.items(), "object"),
        schemas.int_header(headers.get("x-delete-at"), "X-Delete-At"),
        schemas.int_header(headers.get("x-delete-after"), "X-Delete-After"))
    return _bulk_response(request, result.as_dict())


async def _bulk_delete(request: Request, account: str) -> Response:
    body = await request.body()
    if len(body) > schemas.MAX_DELETES * (schemas.MAX_CONTAINER_NAME_LENGTH + schemas.MAX_OBJECT_NAME_LENGTH) * 3:
        raise SwiftError(413)
    paths = [line for line in body.decode("utf-8", "replace").splitlines() if line.strip()]
    return _bulk_response(request, _service(request).bulk_delete(_caller(request), account, paths).body())


def _bulk_response(request: Request, result: dict[str, Any]) -> Response:
    accept = request.headers.get("accept", "")
    if "application/json" in accept:
        return Response(orjson.dumps(result), media_type="application/json")
    text = "".join(f"{k}: {v}\n" for k, v in result.items() if k != "Errors")
    text += "Errors:\n" + "".join(f"{name}, {status}\n" for name, status in result["Errors"])
    return Response(text.encode(), media_type="text/plain")


# ---------------------------------------------------------------------------------------------- container
def _container_headers(view: ContainerView) -> dict[str, str]:
    c = view.container
    headers = {"X-Container-Object-Count": str(view.objects), "X-Container-Bytes-Used": str(view.bytes),
               "X-Timestamp": schemas.x_timestamp(c.created_at), "Last-Modified": schemas.http_date(c.updated_at),
               "X-Storage-Policy": "Policy-0", "Accept-Ranges": "bytes",
               **schemas.meta_headers("container", c.meta)}
    if c.read_acl:
        headers["X-Container-Read"] = c.read_acl
    if c.write_acl:
        headers["X-Container-Write"] = c.write_acl
    if c.versions_location:
        headers["X-Versions-Location" if c.versions_mode == "stack" else "X-History-Location"] = \
            c.versions_location
    if versions.is_versioned(c):
        headers["X-Versions-Enabled"] = "True" if c.versions_mode == "enabled" else "False"
    return headers


@swift
async def put_container(request: Request) -> Response:
    p = request.path_params
    if "extract-archive" in request.query_params:
        return await _extract_archive(request, p["account"], p["container"])
    headers = _headers(request)
    created = _service(request).create_container(_caller(request), p["account"], p["container"],
                                                 schemas.meta_change(request.headers.items(), "container"),
                                                 ContainerSettings.from_headers(headers))
    return Response(status_code=201, media_type="text/html; charset=UTF-8") if created else schemas.accepted()


@swift
async def get_container(request: Request) -> Response:
    p = request.path_params
    if _web_mode(request):
        plan = staticweb.plan_container(_service(request), _caller(request), p["account"], p["container"],
                                        request.url.path)
        if plan is not None:
            return await _web_answer(request, plan, p["account"], p["container"])
    if request.method == "HEAD":
        view = _service(request).container_info(_caller(request), p["account"], p["container"])
        return Response(status_code=204, headers=_owner_only(request, p["account"], _container_headers(view)),
                        media_type="text/plain; charset=utf-8")
    q = _query(request)
    if "versions" in request.query_params:
        view, rows = _service(request).list_versions(_caller(request), p["account"], p["container"], q)
    else:
        view, rows = _service(request).list_objects(_caller(request), p["account"], p["container"], q)
    headers = _owner_only(request, p["account"], _container_headers(view))
    return _listing(request, headers, schemas.container_listing(p["container"], rows, q), q,
                    not rows)


async def _form_post(request: Request) -> Response | None:
    """A browser form's upload (formpost.py), when the POST is multipart/form-data; else None."""
    boundary = formpost.is_form(request.headers.get("content-type", ""))
    if boundary is None:
        return None
    answer = await formpost.handle(_service(request), request.scope.get("root_path", ""), _mount_path(request),
                                   boundary, request.stream())
    return Response(answer.body, status_code=answer.status, headers=answer.headers)


@swift
async def post_container(request: Request) -> Response:
    if (form := await _form_post(request)) is not None:
        return form
    p = request.path_params
    _service(request).update_container(_caller(request), p["account"], p["container"],
                                       schemas.meta_change(request.headers.items(), "container"),
                                       ContainerSettings.from_headers(_headers(request)))
    return Response(status_code=204, media_type="text/html; charset=UTF-8")


@swift
async def delete_container(request: Request) -> Response:
    p = request.path_params
    _service(request).delete_container(_caller(request), p["account"], p["container"])
    return Response(status_code=204, media_type="text/html; charset=UTF-8")


# ------------------------------------------------------------------------------------------------- object
def _object_path(request: Request) -> tuple[str, str, str]:
    p = request.path_params
    return p["account"], p["container"], p["object"]


def _upload(request: Request, *, post: bool = False) -> Upload:
    headers = _headers(request)
    length = headers.get("content-length")
    content_length = None
    if length is not None:
        if not length.isdigit():
            raise SwiftError(400, "Invalid Content-Length")
        content_length = int(length)
        if content_length > schemas.MAX_FILE_SIZE:
            raise SwiftError(413, "Your request is too large.")
    elif not post and "x-copy-from" not in headers and request.method != "COPY" and \
            "chunked" not in headers.get("transfer-encoding", "").lower():
        raise SwiftError(411)
    if_none_match = headers.get("if-none-match")
    if if_none_match is not None and if_none_match.strip() != "*" and not post:
        raise SwiftError(400, "If-None-Match only supports *")
    kept = {k: headers[k] for k in KEPT_HEADERS if k in headers}
    if post and "x-remove-delete-at" in headers:
        kept["x-remove-delete-at"] = "1"
    copy_from = headers.get("x-copy-from")
    return Upload(content_length=content_length, content_type=headers.get("content-type") or None,
                  etag=headers.get("etag"), meta=schemas.meta_change(request.headers.items(), "object"),
                  headers=kept, delete_at=schemas.int_header(headers.get("x-delete-at"), "X-Delete-At"),
                  delete_after=schemas.int_header(headers.get("x-delete-after"), "X-Delete-After"),
                  copy_from=unquote(copy_from) if copy_from else None,
                  fresh_metadata=_truthy(headers.get("x-fresh-metadata")),
                  detect_content_type=_truthy(headers.get("x-detect-content-type")), if_none_match=if_none_match)


async def _bounded_body(request: Request, cap: int) -> bytes:
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > cap:
            raise SwiftError(413, f"Manifest File > {cap} bytes")
    return bytes(body)


def _stored_headers(obj: Any) -> dict[str, str]:
    headers = {"Etag": obj.etag, "Last-Modified": schemas.http_date(obj.last_modified),
               "Content-Type": "text/html; charset=UTF-8"}
    if obj.headers.get(versions.HEADER):
        headers["X-Object-Version-Id"] = obj.headers[versions.HEADER]
    return headers


@swift
async def put_object(request: Request) -> Response:
    account, container, name = _object_path(request)
    if not name:
        return await put_container(request)
    if "extract-archive" in request.query_params:
        return await _extract_archive(request, account, f"{container}/{name}")
    upload = _upload(request)
    source = _copy_source(request, account, upload.copy_from)
    if request.query_params.get("multipart-manifest") == "put":
        body = await _bounded_body(request, slo.MAX_MANIFEST_SIZE)
        obj = await _service(request).put_manifest(_caller(request), account, container, name, upload, body)
        return Response(status_code=201, headers=_stored_headers(obj) | {"Etag": f'"{obj.etag}"'})
    obj = await _service(request).put_object(_caller(request), account, container, name, upload,
                                             None if upload.copy_from else request.stream())
    headers = _stored_headers(obj)
    if upload.copy_from and source is not None:
        headers["X-Copied-From"] = upload.copy_from.lstrip("/")
        headers["X-Copied-From-Last-Modified"] = schemas.http_date(source.obj.last_modified)
        headers.update(schemas.meta_headers("object", obj.meta))  # a copy answers with what the copy holds
    return Response(status_code=201, headers=headers)


def _copy_source(request: Request, account: str, copy_from: str | None) -> ObjectView | None:
    """The object a copy reads (for its X-Copied-From-Last-Modified); None for a plain upload."""
    if not copy_from:
        return None
    src_container, _, src_name = copy_from.lstrip("/").partition("/")
    if not src_container or not src_name:
        raise SwiftError(412, "X-Copy-From header must be of the form <container name>/<object name>")
    return _service(request).get_object(_caller(request), account, src_container, src_name, True)


@swift
async def copy_object(request: Request) -> Response:
    account, container, name = _object_path(request)
    destination = unquote(request.headers.get("destination", "")).lstrip("/")
    dest_container, _, dest_name = destination.partition("/")
    if not dest_container or not dest_name:
        raise SwiftError(412, "Destination header must be of the form <container name>/<object name>")
    upload = Upload(content_length=None, content_type=request.headers.get("content-type"), etag=None,
                    meta=schemas.meta_change(request.headers.items(), "object"), headers={},
                    copy_from=f"{container}/{name}",
                    fresh_metadata=_truthy(request.headers.get("x-fresh-metadata")))
    source = _copy_source(request, account, upload.copy_from)
    assert source is not None
    obj = await _service(request).put_object(_caller(request), account, dest_container, dest_name, upload, None)
    return Response(status_code=201, headers={**_stored_headers(obj), **schemas.meta_headers("object", obj.meta),
                                              "X-Copied-From": f"{container}/{name}",
                                              "X-Copied-From-Last-Modified": schemas.http_date(
                                                  source.obj.last_modified)})


def _object_headers(view: ObjectView) -> dict[str, str]:
    obj = view.obj
    headers = {"Content-Type": obj.content_type, "Etag": view.etag,
               "Last-Modified": schemas.http_date(obj.last_modified),
               "X-Timestamp": schemas.x_timestamp(obj.last_modified), "Accept-Ranges": "bytes",
               **schemas.meta_headers("object", obj.meta)}
    for key, value in obj.headers.items():
        headers["-".join(p.capitalize() for p in key.split("-"))] = value
    if obj.delete_at is not None:
        headers["X-Delete-At"] = str(obj.delete_at)
    return headers


async def _stream(service: ObjectService, parts: list[tuple[str, int, int]]) -> AsyncIterator[bytes]:
    for blob, start, end in parts:
        async for chunk in service.store.read(blob, start, end):
            yield chunk


async def _multipart(service: ObjectService, view: ObjectView, ranges: list[tuple[int, int]],
                     content_type: str) -> AsyncIterator[bytes]:
    for start, end in ranges:
        yield _part_head(start, end, view.size, content_type)
        async for chunk in _stream(service, pieces(view, start, end)):
            yield chunk
        yield b"\r\n"
    yield f"--{BOUNDARY}--".encode()


def _part_head(start: int, end: int, size: int, content_type: str) -> bytes:
    return (f"--{BOUNDARY}\r\nContent-Type: {content_type}\r\nContent-Range: bytes {start}-{end - 1}/{size}"
            "\r\n\r\n").encode()


def _web_mode(request: Request) -> bool:
    """Does staticweb answer? A browser's GET or HEAD (no token), or one asking with X-Web-Mode: true."""
    if request.method not in ("GET", "HEAD") or "temp_url_sig" in request.query_params:
        return False
    web_mode = request.headers.get("x-web-mode")
    if request.headers.get("x-auth-token") or request.headers.get("x-storage-token"):
        return _truthy(web_mode)
    return web_mode is None or _truthy(web_mode)


async def _web_answer(request: Request, plan: staticweb.Plan, account: str, container: str) -> Response:
    if plan.kind == "object":
        return await _serve_object(request, account, container, plan.name, plan.status)
    if plan.kind == "listing":
        return Response(plan.html.encode() if request.method == "GET" else b"", status_code=200,
                        media_type="text/html; charset=UTF-8")
    if plan.kind == "redirect":  # a folder's URL without its slash
        location = str(request.url.replace(path=request.url.path + "/", query=""))
        return Response(status_code=301, headers={"Location": location}, media_type="text/html; charset=UTF-8")
    raise SwiftError(plan.status)


@swift
async def get_object(request: Request) -> Response:
    account, container, name = _object_path(request)
    if not name:
        return await get_container(request)
    if _web_mode(request):
        plan = staticweb.plan_object(_service(request), _caller(request), account, container, name,
                                     request.url.path)
        if plan is not None:
            return await _web_answer(request, plan, account, container)
    return await _serve_object(request, account, container, name)


async def _serve_object(request: Request, account: str, container: str, name: str,
                        status: int = 200) -> Response:
    """The object's GET or HEAD; `status` in place of 200 for a static site's error page."""
    service = _service(request)
    caller = _caller(request)
    view = service.get_object(caller, account, container, name,
                              request.query_params.get("multipart-manifest") == "get",
                              request.query_params.get("version-id"))
    headers = _object_headers(view)
    if caller.temp_url is not None:
        headers = tempurl.outgoing_headers(headers, name, request.query_params, request.method)
    if slo.is_slo(view.obj) and not view.manifest:  # ?multipart-manifest=get: the manifest itself
        headers["Content-Type"] = "application/json; charset=utf-8"
        headers["Etag"] = view.etag
    condition = check_conditions(view, _headers(request))
    if condition == 304:
        return Response(status_code=304, headers={k: v for k, v in headers.items() if k != "Content-Type"})
    if condition == 412:
        raise SwiftError(412, headers={"Etag": view.etag})
    ranges = schemas.parse_range(request.headers.get("range"), view.size) if status == 200 else None
    body_size = view.size
    if ranges == []:
        raise SwiftError(416, headers={"Content-Range": f"bytes */{view.size}"})
    if ranges and len(ranges) > 1:
        content_type = headers["Content-Type"]
        headers["Content-Type"] = f"multipart/byteranges;boundary={BOUNDARY}"
        body_size = sum(len(_part_head(s, e, view.size, content_type)) + (e - s) + 2 for s, e in ranges)
        body_size += len(f"--{BOUNDARY}--")
        headers["Content-Length"] = str(body_size)
        if request.method == "HEAD":
            return Response(status_code=206, headers=headers)
        return StreamingResponse(_multipart(service, view, ranges, content_type), status_code=206,
                                 headers=headers)
    start, end = ranges[0] if ranges else (0, view.size)
    if ranges:
        status = 206
        headers["Content-Range"] = f"bytes {start}-{end - 1}/{view.size}"
    headers["Content-Length"] = str(end - start)
    if request.method == "HEAD":
        return Response(status_code=status, headers=headers)
    return StreamingResponse(_stream(service, pieces(view, start, end)), status_code=status, headers=headers)


@swift
async def post_object(request: Request) -> Response:
    account, container, name = _object_path(request)
    if not name:
        return await post_container(request)
    if (form := await _form_post(request)) is not None:
        return form
    _service(request).update_object(_caller(request), account, container, name, _upload(request, post=True))
    return schemas.accepted()


@swift
async def delete_object(request: Request) -> Response:
    account, container, name = _object_path(request)
    if not name:
        return await delete_container(request)
    if request.query_params.get("multipart-manifest") == "delete":
        result = _service(request).delete_manifest(_caller(request), account, container, name)
        return _bulk_response(request, result.body())
    vid = _service(request).delete_object(_caller(request), account, container, name,
                                          request.query_params.get("version-id"))
    return Response(status_code=204, media_type="text/html; charset=UTF-8",
                    headers={"X-Object-Version-Id": vid} if vid else {})


@swift
async def healthcheck(request: Request) -> Response:
    """Swift's healthcheck middleware: the proxy answers."""
    return Response(b"OK", media_type="text/plain")


CROSSDOMAIN = ('<?xml version="1.0"?>\n<!DOCTYPE cross-domain-policy SYSTEM '
               '"http://www.adobe.com/xml/dtds/cross-domain-policy.dtd" >\n<cross-domain-policy>\n'
               '<allow-access-from domain="*" secure="false" />\n</cross-domain-policy>')


@swift
async def crossdomain(request: Request) -> Response:
    """Swift's crossdomain middleware: the policy a Flash or Silverlight client reads before calling the API
    from a web page (Swift's default: any domain)."""
    return Response(CROSSDOMAIN.encode(), media_type="application/xml; charset=utf-8")


@swift
async def info(request: Request) -> Response:
    return Response(orjson.dumps(schemas.info(tempurl=True)), media_type="application/json; charset=utf-8")


@swift
async def not_found(request: Request) -> Response:
    """Anything else under /object: Swift's 405 for a method its paths do not take, else 404."""
    if request.url.path.startswith("/object/v1/"):
        raise SwiftError(405)
    raise SwiftError(404)


ACCOUNT = "/v1/{account}"
CONTAINER = ACCOUNT + "/{container}"
OBJECT = CONTAINER + "/{object:path}"
OTHER_METHODS = ["GET", "HEAD", "PUT", "POST", "DELETE", "COPY", "PATCH", "OPTIONS"]

routes = [
    Route("/info", info, methods=["GET", "HEAD"]),
    Route("/healthcheck", healthcheck, methods=["GET", "HEAD"]),
    Route("/crossdomain.xml", crossdomain, methods=["GET", "HEAD"]),
    Route(ACCOUNT, get_account, methods=["GET", "HEAD"]),
    Route(ACCOUNT, post_account, methods=["POST"]),
    Route(ACCOUNT, put_account, methods=["PUT"]),
    Route(ACCOUNT, delete_account, methods=["DELETE"]),
    # openstacksdk asks for the account with a trailing slash (Swift's path splitting ignores it).
    Route(ACCOUNT + "/", get_account, methods=["GET", "HEAD"]),
    Route(ACCOUNT + "/", post_account, methods=["POST"]),
    Route(ACCOUNT + "/", put_account, methods=["PUT"]),
    Route(ACCOUNT + "/", delete_account, methods=["DELETE"]),
    Route(CONTAINER, put_container, methods=["PUT"]),
    Route(CONTAINER, get_container, methods=["GET", "HEAD"]),
    Route(CONTAINER, post_container, methods=["POST"]),
    Route(CONTAINER, delete_container, methods=["DELETE"]),
    Route(OBJECT, put_object, methods=["PUT"]),
    Route(OBJECT, get_object, methods=["GET", "HEAD"]),
    Route(OBJECT, post_object, methods=["POST"]),
    Route(OBJECT, delete_object, methods=["DELETE"]),
    Route(OBJECT, copy_object, methods=["COPY"]),
    Route("/{path:path}", not_found, methods=OTHER_METHODS),
]
