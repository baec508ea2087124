"""Bulk extract-archive (Swift's bulk middleware, `bulk_upload` in /info): a PUT of a tar (or .tar.gz,
.tar.bz2) with `?extract-archive=<format>` stores every regular file of it as an object, as if each had been
PUT on its own (same access checks, quotas, events).

    PUT /v1/AUTH_x?extract-archive=tar          <container>/<object> inside the tar; containers created
    PUT /v1/AUTH_x/c?extract-archive=tar.gz     into container c
    PUT /v1/AUTH_x/c/pre?extract-archive=tar    into c, each name under pre/

Files at the top of an account-level archive (no container in their path) are skipped, as Swift skips them.
The archive is first spooled to a file of the store (never held in memory), then read as a stream. The answer
is 200 with Swift's summary (`Number Files Created`, `Response Status`, `Response Body`, `Errors`), in text or
JSON (Accept); a file refused (quota, name, permission) is listed in Errors and the others are still stored."""

from __future__ import annotations

import asyncio
import contextlib
import tarfile
import zlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any, Literal
from urllib.parse import quote

from lab.cloud.object import schemas
from lab.cloud.object.access import Caller, project_of
from lab.cloud.object.containers import ContainerSettings, create_container, find
from lab.cloud.object.objects import Upload, put_object
from lab.cloud.object.schemas import MetaChange, SwiftError
from lab.cloud.object.store import CHUNK, TooLarge

if TYPE_CHECKING:
    from lab.cloud.object.service import ObjectService

Mode = Literal["r|", "r|gz", "r|bz2"]
MODES: dict[str, Mode] = {"tar": "r|", "tar.gz": "r|gz", "tar.bz2": "r|bz2"}
MAX_CONTAINERS = 10000  # Swift's max_containers_per_extraction
MAX_FAILED = 1000  # Swift's max_failed_extractions


@dataclass
class ExtractResult:
    created: int = 0
    status: str = "201 Created"
    body: str = ""
    errors: list[tuple[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"Number Files Created": self.created, "Response Body": self.body, "Response Status": self.status,
                "Errors": [list(e) for e in self.errors]}


def _status(code: int) -> str:
    return f"{code} {schemas.REASONS.get(code, ('Error', ''))[0]}"


def _ensure_container(svc: ObjectService, caller: Caller, account: str, name: str) -> None:
    with svc.cloud.db.read() as db:
        if find(db, project_of(account), name) is not None:
            return
    with contextlib.suppress(SwiftError):  # refused (a write ACL's user, a quota): the objects' PUTs will say
        create_container(svc, caller, account, name, MetaChange({}, frozenset()), ContainerSettings())


async def _read(member: IO[bytes]) -> AsyncIterator[bytes]:
    while chunk := await asyncio.to_thread(member.read, CHUNK):
        yield chunk


async def extract(svc: ObjectService, caller: Caller, account: str, base: str, fmt: str,
                  body: AsyncIterator[bytes], meta: MetaChange, delete_at: int | None,
                  delete_after: int | None) -> ExtractResult:
    """Store the files of the archive `body` under `base` ("", "container" or "container/prefix")."""
    if fmt not in MODES:
        raise SwiftError(400, "Unsupported archive format")
    try:
        spooled = await svc.store.receive(body, schemas.MAX_FILE_SIZE)
    except TooLarge:
        raise SwiftError(413, "Your request is too large.") from None
    try:
        return await _extract(svc, caller, account, base, MODES[fmt], spooled.blob, meta, delete_at, delete_after)
    finally:
        svc.store.remove([spooled.blob])


async def _extract(svc: ObjectService, caller: Caller, account: str, base: str, mode: Mode, blob: str,
                   meta: MetaChange, delete_at: int | None, delete_after: int | None) -> ExtractResult:
    result = ExtractResult()
    made: set[str] = set()
    try:
        with open(svc.store.path(blob), "rb") as f, tarfile.open(fileobj=f, mode=mode) as tar:
            for member in tar:
                if not member.isfile():
                    continue
                path = member.name.removeprefix("./").lstrip("/")
                if base:
                    path = f"{base}/{path}"
                if "/" not in path:
                    continue  # a file at the top of an account-level archive
                container, _, name = path.partition("/")
                try:
                    path.encode("utf-8")
                except UnicodeEncodeError:
                    result.errors.append((quote(path, errors="surrogateescape"), _status(412)))
                    continue
                if container not in made:
                    if len(made) >= MAX_CONTAINERS:
                        raise SwiftError(400, f"More than {MAX_CONTAINERS} containers to create from tar.")
                    _ensure_container(svc, caller, account, container)
                    made.add(container)
                upload = Upload(content_length=member.size, content_type=None, etag=None, meta=meta, headers={},
                                delete_at=delete_at, delete_after=delete_after)
                extracted = tar.extractfile(member)
                assert extracted is not None  # a regular file
                try:
                    await put_object(svc, caller, account, container, name, upload, _read(extracted))
                    result.created += 1
                except SwiftError as exc:
                    if exc.code == 401:
                        raise
                    result.errors.append((quote(f"/{account}/{path}"), _status(exc.code)))
                    if len(result.errors) >= MAX_FAILED:
                        break
    except (tarfile.TarError, zlib.error, EOFError, OSError) as exc:
        result.status, result.body = _status(400), f"Invalid Tar File: {exc}"
        return result
    except SwiftError as exc:
        if exc.code == 401:
            raise
        result.status, result.body = _status(exc.code), exc.body
        return result
    if result.errors:
        result.status = _status(400)
    elif not result.created:
        result.status, result.body = _status(400), "Invalid Tar File: No Valid Files"
    return result
