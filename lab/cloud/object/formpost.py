"""Form POST (Swift's formpost middleware): an HTML form in a browser uploads files straight into a container,
with no token, because the form carries a signature made with the account's (or the container's) temp URL
key. The form POSTs `multipart/form-data` to `/v1/AUTH_<project>/<container>[/<prefix>]` with the fields

    redirect        where the browser goes afterwards (`?status=201&message=` appended), or empty
    max_file_size   bytes allowed per file          max_file_count   files allowed
    expires         epoch seconds (on the lab clock) after which the form is refused
    signature       HMAC(key, "<path>\\n<redirect>\\n<max_file_size>\\n<max_file_count>\\n<expires>"),
                    hex SHA1/SHA256/SHA512 or `<digest>:<base64>`, as tempurl's
    x_delete_at / x_delete_after    optional expiry of the uploaded files

and then its file fields, each stored as `<prefix><filename>`. As in Swift, only the fields before a file
apply to it, a file part is streamed into the store (never held in memory), an over-long one stops the upload
with 400 `FormPost: max_file_size exceeded`, a bad or expired signature answers 401 `FormPost: Invalid
Signature` / `Form Expired`, and the answer is the status as text, or a 303 to the redirect."""

from __future__ import annotations

import hmac
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import quote

from lab.cloud.object import mime, schemas, tempurl
from lab.cloud.object.access import Caller
from lab.cloud.object.objects import Upload, put_object
from lab.cloud.object.schemas import MetaChange, SwiftError, epoch

if TYPE_CHECKING:
    from lab.cloud.object.service import ObjectService

MAX_VALUE_LENGTH = 4096  # bytes kept of a non-file field, as Swift's formpost


class FormInvalid(Exception):
    """A field that is not what it must be: Swift's 400 `FormPost: <why>`."""


class FormUnauthorized(Exception):
    """A missing, wrong or expired signature: Swift's 401 `FormPost: <Why>`."""


class _TooBig(Exception):
    pass


@dataclass(frozen=True)
class FormAnswer:
    status: int
    headers: dict[str, str]
    body: bytes


def is_form(content_type: str) -> str | None:
    """The boundary of a `multipart/form-data` POST, else None (an ordinary metadata POST)."""
    kind, params = mime.parse_disposition(content_type)
    return params.get("boundary") if kind == "multipart/form-data" else None


def _status(code: int) -> str:
    return f"{code} {schemas.REASONS.get(code, ('Created' if code == 201 else 'Error', ''))[0]}"


async def _capped(chunks: AsyncIterator[bytes], cap: int) -> AsyncIterator[bytes]:
    size = 0
    async for chunk in chunks:
        size += len(chunk)
        if size > cap:
            raise _TooBig()
        yield chunk


def _int(attributes: dict[str, str], name: str, why: str) -> int:
    try:
        return int(attributes.get(name) or 0)
    except ValueError:
        raise FormInvalid(why) from None


class _Form:
    """One form's upload: its fields so far and the path it was posted to."""

    def __init__(self, svc: ObjectService, mount: str, path: str):
        self.svc, self.mount, self.path = svc, mount, path
        parts = path.split("/", 4)  # "", "v1", account, container[, prefix]
        self.valid_path = len(parts) >= 4 and parts[1] == "v1" and parts[2].startswith("AUTH_") and bool(parts[3])
        self.account = parts[2] if len(parts) > 2 else ""
        self.container = parts[3] if len(parts) > 3 else ""
        self.prefix = parts[4] if len(parts) > 4 else ""
        self.keys = tempurl.keys_of(svc, self.account[5:], self.container) if self.valid_path else []

    def check_signature(self, attributes: dict[str, str]) -> None:
        if not self.keys:
            raise FormUnauthorized("invalid signature")
        if _int(attributes, "expires", "expired not an integer") < epoch(self.svc.cloud.clock.now()):
            raise FormUnauthorized("form expired")
        try:
            digest, given = tempurl.digest_of(attributes.get("signature", ""), lambda: SwiftError(401))
        except SwiftError:
            raise FormUnauthorized("invalid signature") from None
        fields = "\n".join([attributes.get("redirect", ""), attributes.get("max_file_size") or "0",
                            attributes.get("max_file_count") or "0", attributes.get("expires") or "0"])
        for key in self.keys:
            for signed in (self.path, self.mount + self.path):  # as tempurl: either path of the endpoint
                mac = hmac.new(key.encode(), f"{signed}\n{fields}".encode(), digest).digest()
                if hmac.compare_digest(mac, given):
                    return
        raise FormUnauthorized("invalid signature")

    async def store(self, attributes: dict[str, str], part: mime.Part, filename: str) -> int:
        """PUT one file part as `<prefix><filename>`; the status of that PUT."""
        cap = _int(attributes, "max_file_size", "max_file_size not an integer")
        self.check_signature(attributes)
        delete_at = delete_after = None
        if "x_delete_at" in attributes:
            delete_at = _int(attributes, "x_delete_at", "x_delete_at not an integer: Unix timestamp required.")
        if "x_delete_after" in attributes:
            delete_after = _int(attributes, "x_delete_after",
                                "x_delete_after not an integer: Number of seconds required.")
        content_type = part.headers.get("content-type") or None
        headers = {"content-encoding": part.headers["content-encoding"]} \
            if part.headers.get("content-encoding") else {}
        upload = Upload(content_length=None, content_type=content_type, etag=None,
                        meta=MetaChange({}, frozenset()), headers=headers, delete_at=delete_at,
                        delete_after=delete_after)
        caller = Caller(None, None, temp_url=(self.account[5:], self.container))  # the signature's grant
        try:
            await put_object(self.svc, caller, self.account, self.container, self.prefix + filename, upload,
                             _capped(part.chunks(), cap))
        except SwiftError as exc:
            return exc.code
        except _TooBig:
            raise FormInvalid("max_file_size exceeded") from None
        return 201


async def handle(svc: ObjectService, mount: str, path: str, boundary: str,
                 body: AsyncIterator[bytes]) -> FormAnswer:
    """The answer to a form POST to `path` (under the service's mount)."""
    try:
        return await _translate(_Form(svc, mount, path), boundary, body)
    except mime.MimeInvalid:
        return FormAnswer(400, {"Content-Type": "text/plain"}, b"FormPost: invalid starting boundary")
    except FormInvalid as exc:
        return FormAnswer(400, {"Content-Type": "text/plain"}, f"FormPost: {exc}".encode())
    except FormUnauthorized as exc:
        return FormAnswer(401, {"Content-Type": "text/plain"}, f"FormPost: {str(exc).title()}".encode())


async def _translate(form: _Form, boundary: str, body: AsyncIterator[bytes]) -> FormAnswer:
    attributes: dict[str, str] = {}
    status, message, files = 0, "", 0
    async for part in mime.parts(body, boundary):
        kind, params = mime.parse_disposition(part.headers.get("content-disposition", ""))
        if kind == "form-data" and params.get("filename"):
            files += 1
            if files > _int(attributes, "max_file_count", "max_file_count not an integer"):
                status, message = 400, "max file count exceeded"
                break
            status = await form.store(attributes, part, params["filename"])
            if status // 100 != 2:
                break
        elif kind == "form-data" and params.get("name"):
            value = await part.read(MAX_VALUE_LENGTH)
            attributes[params["name"].lower()] = value.decode("utf-8", "replace")
    if not status:
        status, message = 400, "no files to process"
    redirect = attributes.get("redirect")
    if not redirect:
        text = _status(status) + (f"\r\nFormPost: {message.title()}" if message else "")
        return FormAnswer(status, {"Content-Type": "text/plain"}, text.encode())
    location = redirect + ("&" if "?" in redirect else "?") + f"status={status}&message={quote(message)}"
    page = f'<html><body><p><a href="{location}">Click to continue...</a></p></body></html>'
    return FormAnswer(303, {"Location": location, "Content-Type": "text/html; charset=UTF-8"}, page.encode())
