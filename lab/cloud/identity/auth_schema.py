"""The shape of a `POST /v3/auth/tokens` body, checked before anything is looked up: Keystone validates it with
a JSON schema (keystone/auth/schema.py), so a list or an object where a name or id belongs is its 400
("Invalid input for field 'identity/password/user/name': ... is not of type 'string'"), never a query with it.
"""

from __future__ import annotations

from typing import Any

from lab.cloud import validation as V

# Keystone's wording for the token body: jsonschema's phrase, the value cut short, a full stop.
W = V.Wording("Invalid input for field '{field}': {reason}.",
              {**V.JSON_SCHEMA_REASONS, "type": "{short} is not of type {types}"})


def _strings(w: V.Wording, f: str, value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise w.refuse(f, value, "type", types=w.types("array of strings"))
    return value


# field -> its check, or a nested mapping (an object). Unknown fields are allowed, as in Keystone.
_STRING, _BOOLEAN = V.string(max_len=None), V.boolean()
_DOMAIN = {"id": _STRING, "name": _STRING}
_SCHEMA: dict[str, Any] = {
    "identity": {
        "methods": _strings,
        "password": {"user": {"id": _STRING, "name": _STRING, "password": _STRING, "domain": _DOMAIN}},
        "token": {"id": _STRING},
        "application_credential": {"id": _STRING, "name": _STRING, "secret": _STRING,
                                   "user": {"id": _STRING, "name": _STRING, "domain": _DOMAIN}},
    },
    "scope": {
        "project": {"id": _STRING, "name": _STRING, "domain": _DOMAIN},
        "domain": _DOMAIN,
        "system": {"all": _BOOLEAN},
        "OS-TRUST:trust": {"id": _STRING},
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
        V.obj(W, where, value)
        for key, sub in schema.items():
            if key in value:
                _check(value[key], sub, f"{where}/{key}" if where else key)
    else:
        schema(W, where, value)
