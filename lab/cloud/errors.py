"""The cloud's errors: a small tree of exceptions that carry their HTTP status, and the one place that turns
them into each OpenStack service's own error body.

    CloudError (500)
     ├── BadRequest (400)
     ├── Unauthorized (401)
     ├── PaymentRequired (402)      billing: a prepaid account with no balance left
     ├── Forbidden (403)            also Nova's "Quota exceeded"
     ├── NotFound (404)
     ├── MethodNotAllowed (405)
     ├── NotAcceptable (406)        an unsupported microversion
     ├── Conflict (409)             also Neutron's OverQuota and InUse errors
     ├── OverLimit (413)            Cinder's quota error
     ├── UnsupportedMediaType (415)
     └── Unimplemented (501)        Nova's "The requested functionality is not supported." (a driver cannot)

Services raise these with an OpenStack-style message; `neutron_type` names the Neutron error type
(`NetworkNotFound`, `IpAddressGenerationFailure`, ...) where Neutron has one.
"""

from __future__ import annotations

import functools
import html
import importlib
from collections.abc import Callable
from typing import Any


class CloudError(Exception):
    code = 500
    title = "Internal Server Error"

    def __init__(self, message: str = "", *, neutron_type: str | None = None, headers: dict[str, str] | None = None):
        super().__init__(message or self.title)
        self.message = message or self.title
        self.neutron_type = neutron_type
        self.headers = headers or {}


class BadRequest(CloudError):
    code, title = 400, "Bad Request"


class Unauthorized(CloudError):
    code, title = 401, "Unauthorized"


class PaymentRequired(CloudError):
    code, title = 402, "Payment Required"


class Forbidden(CloudError):
    code, title = 403, "Forbidden"


class NotFound(CloudError):
    code, title = 404, "Not Found"


class MethodNotAllowed(CloudError):
    code, title = 405, "Method Not Allowed"


class NotAcceptable(CloudError):
    code, title = 406, "Not Acceptable"


class Conflict(CloudError):
    code, title = 409, "Conflict"


class OverLimit(CloudError):
    code, title = 413, "Request Entity Too Large"


class UnsupportedMediaType(CloudError):
    code, title = 415, "Unsupported Media Type"


class Unimplemented(CloudError):
    code, title = 501, "Not Implemented"


# Nova and Cinder name the top-level key of an error body after the fault (nova/api/openstack/wsgi.py).
_NOVA_KEYS = {
    400: "badRequest", 401: "unauthorized", 402: "paymentRequired", 403: "forbidden", 404: "itemNotFound",
    405: "badMethod", 406: "notAcceptable", 409: "conflictingRequest", 413: "overLimit",
    415: "badMediaType", 500: "computeFault", 501: "notImplemented",
}

_NEUTRON_DEFAULT_TYPES = {
    400: "HTTPBadRequest", 401: "HTTPUnauthorized", 403: "HTTPForbidden", 404: "HTTPNotFound",
    405: "HTTPMethodNotAllowed", 409: "HTTPConflict", 413: "OverQuota", 500: "HTTPInternalServerError",
}


_HEAT_TYPES = {400: "HTTPBadRequest", 401: "HTTPUnauthorized", 403: "Forbidden", 404: "EntityNotFound",
               405: "HTTPMethodNotAllowed", 409: "HTTPConflict", 500: "HTTPInternalServerError"}
_HEAT_EXPLANATIONS = {
    400: "The server could not comply with the request since it is either malformed or otherwise incorrect.",
    401: "This server could not verify that you are authorized to access the document you requested.",
    403: "Access was denied to this resource.", 404: "The resource could not be found.",
    405: "The method specified is not allowed for this resource.",
    409: "There was a conflict when trying to complete your request.",
    500: "The server has either erred or is incapable of performing the requested operation."}


def error_body(style: str, error: CloudError) -> dict[str, Any]:
    """The JSON error body for `error` in the given service's style.

    `style` is "keystone" (also used by billing), "nova" (also Cinder's), "neutron", "glance", "octavia",
    "heat", "gnocchi" or "aodh"; or "module:function", a service's own renderer of its errors (a service
    whose OpenStack original answers in a shape none of these has brings it in its own package).
    """
    if ":" in style:
        return _own_style(style)(error)
    if style == "gnocchi":  # webob's JSON error, which gnocchiclient reads `description` of: webob escapes it as
        # HTML (quotes, and characters beyond ASCII as references: Gnocchi's own tests look for "&#8800;")
        described = html.escape(error.message).encode("ascii", "xmlcharrefreplace").decode()
        return {"code": error.code, "description": described, "title": error.title}
    if style == "aodh":  # WSME's fault, wrapped by Aodh's ParsableErrorMiddleware; aodhclient reads faultstring
        return {"error_message": {"faultcode": "Client" if error.code < 500 else "Server",
                                  "faultstring": error.message, "debuginfo": None}}
    if style == "heat":  # heat/api/middleware/fault.py; `heat_type` names Heat's exception where one is set
        return {"code": error.code, "title": error.title, "explanation": _HEAT_EXPLANATIONS.get(error.code, ""),
                "error": {"message": error.message, "traceback": None,
                          "type": getattr(error, "heat_type", None) or _HEAT_TYPES.get(error.code, "HTTPError")}}
    if style == "nova":
        body: dict[str, Any] = {"code": error.code, "message": error.message}
        if error.code == 413:
            body["retryAfter"] = "0"
        return {_NOVA_KEYS.get(error.code, "computeFault"): body}
    if style == "neutron":
        return {"NeutronError": {"type": error.neutron_type or _NEUTRON_DEFAULT_TYPES.get(error.code, "HTTPError"),
                                 "message": error.message, "detail": ""}}
    if style == "glance":
        # Glance's errors are webob's, which answers a JSON client with the status line as `code`. (webob also
        # wraps the message in its HTML template, "...<br /><br />\n\n\n"; left out: the CLI prints it verbatim.)
        return {"message": error.message, "code": f"{error.code} {error.title}", "title": error.title}
    if style == "octavia":
        # Octavia's API is WSME's: a client fault or a server fault, the message, and no debug information.
        return {"faultcode": "Client" if error.code < 500 else "Server", "faultstring": error.message,
                "debuginfo": None}
    return {"error": {"code": error.code, "title": error.title, "message": error.message}}


@functools.cache
def _own_style(style: str) -> Callable[[CloudError], dict[str, Any]]:
    module, _, name = style.partition(":")
    found: Callable[[CloudError], dict[str, Any]] = getattr(importlib.import_module(module), name)
    return found
