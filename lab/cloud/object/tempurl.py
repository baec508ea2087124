"""Temporary URLs (Swift's tempurl middleware): an object URL that works without a token until it expires,
signed with a key the account (`X-Account-Meta-Temp-URL-Key`, `-Key-2`) or the container
(`X-Container-Meta-Temp-URL-Key`, `-Key-2`) holds:

    ?temp_url_sig=<HMAC of "METHOD\\nEXPIRES\\nPATH" with the key>&temp_url_expires=<epoch or ISO 8601 UTC>

as `swift tempurl` makes it. The digest is told by the signature: hex SHA1 (40), SHA256 (64), SHA512 (128), or
`<digest>:<base64>`. With `temp_url_prefix=<p>` the signature covers `prefix:/v1/AUTH_x/c/<p>` and any object
whose name starts with `p`. Expiry is on the lab clock, so a lab can fast-forward past it. A GET or PUT
signature also allows HEAD. The path signed may be the one under the service's mount (`/v1/AUTH_x/c/o`, as
the Swift docs show) or the whole path of the endpoint (`/object/v1/...`, as tempest signs it).

A valid URL makes the caller a `Caller` with `temp_url=(project, container)`: access.py lets it write objects
of that container only and read the account's (a large object's segments), for this one request, whose method
and path the signature covers."""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from lab.cloud.object.access import Caller
from lab.cloud.object.containers import find
from lab.cloud.object.models import SwiftAccount
from lab.cloud.object.schemas import SwiftError, epoch

if TYPE_CHECKING:
    from lab.cloud.object.service import ObjectService

METHODS = ("GET", "HEAD", "PUT", "POST", "DELETE")
DIGESTS = {40: "sha1", 64: "sha256", 128: "sha512"}
KEYS = ("temp-url-key", "temp-url-key-2")
OUTGOING_ALLOWED = "x-object-meta-public-"


def invalid() -> SwiftError:
    return SwiftError(401, "401 Unauthorized: Temp URL invalid\n")


def _expires(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        pass
    try:
        return int(datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp())
    except ValueError:
        raise invalid() from None


def digest_of(sig: str, invalid: Callable[[], SwiftError] = invalid) -> tuple[str, bytes]:
    """(hash name, raw signature bytes) of a signature in any of the forms Swift accepts (formpost.py's too)."""
    name, colon, value = sig.partition(":")
    try:
        if colon:
            if name not in DIGESTS.values():
                raise invalid()
            return name, base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
        if len(sig) not in DIGESTS:
            raise invalid()
        return DIGESTS[len(sig)], binascii.unhexlify(sig)
    except (binascii.Error, ValueError):
        raise invalid() from None


def caller_for(svc: ObjectService, method: str, mount: str, path: str, query: Mapping[str, str],
               referrer: str | None) -> Caller:
    """The caller a temp URL request acts as, or 401 Temp URL invalid (bad, expired or unsigned for this)."""
    sig, expires_raw = query.get("temp_url_sig", ""), query.get("temp_url_expires", "")
    if not sig or not expires_raw:
        raise invalid()
    expires = _expires(expires_raw)
    if expires < epoch(svc.cloud.clock.now()):
        raise invalid()
    parts = path.split("/", 4)  # "", "v1", account, container, object
    if len(parts) < 5 or not parts[4] or not parts[1] or not parts[3] or not parts[2].startswith("AUTH_"):
        raise invalid()
    account, container, name = parts[2], parts[3], parts[4]
    project_id = account[5:]
    prefix = query.get("temp_url_prefix")
    if prefix is not None and not name.startswith(prefix):
        raise invalid()
    keys = keys_of(svc, project_id, container)
    if not keys:
        raise invalid()
    digest, given = digest_of(sig)
    signed = f"/{parts[1]}/{account}/{container}/" + (prefix if prefix is not None else name)
    methods = (method, "GET", "PUT") if method == "HEAD" else (method,)
    for key in keys:
        for base in (signed, mount + signed):
            for m in methods:
                body = f"{m}\n{expires}\n" + \
                    (f"prefix:{base}" if prefix is not None else base)
                mac = hmac.new(key.encode(), body.encode(), digest).digest()
                if hmac.compare_digest(mac, given):
                    return Caller(None, referrer, temp_url=(project_id, container))
    raise invalid()


def keys_of(svc: ObjectService, project_id: str, container: str) -> list[str]:
    """The signing keys of the account and of the container (each may have two, for rotating them)."""
    with svc.cloud.db.read() as db:
        row = db.get(SwiftAccount, project_id)
        c = find(db, project_id, container)
        keys = [row.meta[k] for k in KEYS if row is not None and row.meta.get(k)]
        keys += [c.meta[k] for k in KEYS if c is not None and c.meta.get(k)]
    return keys


def outgoing_headers(headers: dict[str, str], name: str, query: Mapping[str, str], method: str) -> dict[str, str]:
    """What a temp URL GET answers: no private object metadata, and the file as a download (Swift's
    Content-Disposition: `filename=` names it, `inline` shows it in the browser)."""
    out = {k: v for k, v in headers.items()
           if not k.lower().startswith("x-object-meta-") or k.lower().startswith(OUTGOING_ALLOWED)}
    if method == "GET":
        filename = query.get("filename") or name.rsplit("/", 1)[-1]
        quoted = filename.replace('"', '\\"')
        out["Content-Disposition"] = (f'inline; filename="{quoted}"' if "filename" in query else "inline") \
            if "inline" in query else f'attachment; filename="{quoted}"'
    return out
