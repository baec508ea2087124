"""The shape of a `POST /v3/auth/tokens` body, checked before anything is looked up: Keystone validates it with
a JSON schema (keystone/auth/schema.py), so a list or an object where a name or id belongs is its 400
("Invalid input for field 'identity/password/user/name': ... is not of type 'string'"), never a query with it.
"""

from __future__ import annotations

from typing import Any

from lab.cloud.errors import BadRequest

# field -> its schema: "string", "boolean", or a nested mapping. Unknown fields are allowed, as in Keystone.
_DOMAIN = {"id": "string", "name": "string"}
_SCHEMA: dict[str, Any] = {
    "identity": {
        "methods": "strings",
        "password": {"user": {"id": "string", "name": "string", "password": "string", "domain": _DOMAIN}},
        "token": {"id": "string"},
        "application_credential": {"id": "string", "name": "string", "secret": "string",
                                   "user": {"id": "string", "name": "string", "domain": _DOMAIN}},
    },
    "scope": {
        "project": {"id": "string", "name": "string", "domain": _DOMAIN},
        "domain": _DOMAIN,
        "system": {"all": "boolean"},
    },
}


def check_auth(auth: dict[str, Any]) -> None:
    """Raise BadRequest naming the first field of `auth` whose type is not the one Keystone's schema says."""
    if isinstance(auth, dict) and isinstance(auth.get("scope"), str):
        # Keystone's schema types scope as object, string or null: keystoneauth's `unscoped=True` (Horizon's
        # first login step) sends "scope": "unscoped"; the service decides what a string means.
        auth = {k: v for k, v in auth.items() if k != "scope"}
    _check(auth, _SCHEMA, "")


def _check(value: Any, schema: Any, where: str) -> None:
    if value is None:
        return  # absent or null: the service's own checks say what is missing
    if isinstance(schema, dict):
        if not isinstance(value, dict):
            _refuse(where, value, "object")
        for key, sub in schema.items():
            if key in value:
                _check(value[key], sub, f"{where}/{key}" if where else key)
    elif schema == "strings":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            _refuse(where, value, "array of strings")
    elif schema == "string" and not isinstance(value, str):
        _refuse(where, value, "string")
    elif schema == "boolean" and not isinstance(value, bool):
        _refuse(where, value, "boolean")


def _refuse(where: str, value: Any, kind: str) -> None:
    shown = repr(value)
    shown = shown if len(shown) <= 64 else shown[:61] + "..."
    raise BadRequest(f"Invalid input for field '{where}': {shown} is not of type '{kind}'.")
