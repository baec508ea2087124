"""Where object data lives: one file per stored object version, `<data_dir>/objects/<b[:2]>/<b>`, named by a
fresh id `b` (the object's `blob`), so no object name, however many `/`, `..` or unicode it holds, ever becomes
a path on disk.

An upload is streamed to `objects/.part/<id>` while its MD5 (Swift's ETag) is computed on the way, and renamed
into place only when complete: a killed process never leaves a half object where a finished one is expected.
A file never changes once written (an overwrite is a new file), so a server-side copy is a hard link and a
version moved to an archive container keeps its file. Reads stream one chunk at a time.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import shutil
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from pathlib import Path

from lab.cloud.db import new_id

CHUNK = 64 * 1024
PARTS = ".part"


class TooLarge(Exception):
    """More bytes arrived than the cap allows (the route answers 413)."""


@dataclass(frozen=True)
class Stored:
    blob: str
    size: int
    etag: str  # md5 hex


class ObjectStore:
    """The object files of one lab."""

    def __init__(self, root: Path):
        self.root = root
        (root / PARTS).mkdir(parents=True, exist_ok=True)

    def path(self, blob: str) -> Path:
        return self.root / blob[:2] / blob

    async def receive(self, chunks: AsyncIterator[bytes], cap: int) -> Stored:
        """Stream `chunks` into a new file, one chunk in memory at a time. Raises TooLarge as soon as more than
        `cap` bytes arrive; on any error the partial file is removed."""
        blob = new_id()
        part = self.root / PARTS / blob
        md5 = hashlib.md5(usedforsecurity=False)
        size = 0
        pending: asyncio.Future[None] | None = None
        try:
            with open(part, "wb") as f:

                def consume(chunk: bytes) -> None:
                    md5.update(chunk)
                    f.write(chunk)

                # Hashing and writing run in a thread (both release the GIL) while the next chunk is received,
                # so an upload never stalls the event loop.
                try:
                    async for chunk in chunks:
                        if not chunk:
                            continue
                        size += len(chunk)
                        if size > cap:
                            raise TooLarge(size)
                        if pending is not None:
                            await pending
                        pending = asyncio.ensure_future(asyncio.to_thread(consume, chunk))
                finally:
                    if pending is not None:  # never close the file under a write still running
                        await asyncio.wait([pending])
                if pending is not None:
                    pending.result()
            final = self.path(blob)
            final.parent.mkdir(exist_ok=True)
            os.replace(part, final)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                part.unlink()
            raise
        return Stored(blob, size, md5.hexdigest())

    def write(self, data: bytes) -> Stored:
        """Store `data` at once (a small manifest or an archive entry); same facts as `receive`."""
        blob = new_id()
        part = self.root / PARTS / blob
        part.write_bytes(data)
        final = self.path(blob)
        final.parent.mkdir(exist_ok=True)
        os.replace(part, final)
        return Stored(blob, len(data), hashlib.md5(data, usedforsecurity=False).hexdigest())

    def duplicate(self, blob: str) -> str:
        """A second file with the same data (a server-side copy): a hard link, as files never change."""
        new = new_id()
        target = self.path(new)
        target.parent.mkdir(exist_ok=True)
        try:
            os.link(self.path(blob), target)
        except OSError:
            shutil.copyfile(self.path(blob), target)
        return new

    async def read(self, blob: str, start: int = 0, end: int | None = None) -> AsyncIterator[bytes]:
        """The bytes [start, end) of a file, one chunk at a time (the reads run in a thread)."""
        f = await asyncio.to_thread(open, self.path(blob), "rb")
        try:
            await asyncio.to_thread(f.seek, start)
            left = None if end is None else end - start
            while left is None or left > 0:
                chunk = await asyncio.to_thread(f.read, CHUNK if left is None else min(CHUNK, left))
                if not chunk:
                    return
                if left is not None:
                    left -= len(chunk)
                yield chunk
        finally:
            await asyncio.to_thread(f.close)

    def remove(self, blobs: Iterable[str]) -> None:
        """Delete files; succeeds for those already gone."""
        for blob in blobs:
            with contextlib.suppress(FileNotFoundError):
                self.path(blob).unlink()

    def sweep(self, known: set[str]) -> int:
        """At start: remove partial uploads and the files no object refers to (a process killed between a
        file's rename and its commit, or before a delete's file removal). Returns how many went."""
        removed = 0
        for path in self.root.glob("*/*"):
            if path.is_file() and (path.parent.name == PARTS or path.name not in known):
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
                    removed += 1
        return removed
