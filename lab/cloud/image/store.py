"""Where image data lives: one file per image under `<data_dir>/images/<image id>`.

An upload is streamed to `<id>.part` while its md5 (Glance's `checksum`) and sha512 (`os_hash_value`) are
computed on the way, and renamed into place only when complete, so a killed process never leaves a
half-written file where a finished image is expected. The store also reads a qcow2 header for the image's
virtual size, and makes the tiny but valid qcow2 disk the default `cirros` image is bootstrapped with.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import shutil
import struct
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from lab.cloud.errors import OverLimit

QCOW2_MAGIC = b"QFI\xfb"
HASH_ALGO = "sha512"


@dataclass(frozen=True)
class StoredData:
    """Facts about data just stored: what Glance records on the image."""

    size: int
    checksum: str  # md5 hex
    os_hash_value: str  # sha512 hex
    virtual_size: int | None


class ImageStore:
    """The image files of one lab."""

    def __init__(self, root: Path):
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)

    def path(self, image_id: str) -> Path:
        return self.root / image_id

    def has_data(self, image_id: str) -> bool:
        return self.path(image_id).is_file()

    async def receive(self, image_id: str, chunks: AsyncIterator[bytes], disk_format: str | None,
                      size_cap: int) -> StoredData:
        """Stream `chunks` into the image's file, never holding more than one chunk in memory.

        Raises OverLimit (413) as soon as more than `size_cap` bytes arrive; on any error the partial file is
        removed and nothing replaces an existing file."""
        part = self.root / f"{image_id}.part"
        md5, sha = hashlib.md5(usedforsecurity=False), hashlib.sha512()
        size = 0
        head = b""
        pending: asyncio.Future[None] | None = None
        try:
            with open(part, "wb") as f:

                def consume(chunk: bytes) -> None:
                    md5.update(chunk)
                    sha.update(chunk)
                    f.write(chunk)

                # Hashing and writing run in a thread (hashlib and file writes release the GIL), one chunk at
                # a time while the next is received, so an upload never stalls the cloud's event loop.
                try:
                    async for chunk in chunks:
                        if not chunk:
                            continue
                        size += len(chunk)
                        if size > size_cap:
                            raise OverLimit(f"Denying attempt to upload image larger than {size_cap} bytes.")
                        if len(head) < 512:
                            head += chunk[:512 - len(head)]
                        if pending is not None:
                            await pending
                        pending = asyncio.ensure_future(asyncio.to_thread(consume, chunk))
                finally:
                    if pending is not None:  # never close the file under a write still running
                        await asyncio.wait([pending])
                if pending is not None:
                    pending.result()
            os.replace(part, self.path(image_id))
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                part.unlink()
            raise
        return StoredData(size, md5.hexdigest(), sha.hexdigest(), virtual_size(head, size, disk_format))

    def write(self, image_id: str, data: bytes, disk_format: str | None) -> StoredData:
        """Store `data` at once (bootstrap); same facts as `receive`."""
        part = self.root / f"{image_id}.part"
        part.write_bytes(data)
        os.replace(part, self.path(image_id))
        return StoredData(len(data), hashlib.md5(data, usedforsecurity=False).hexdigest(),
                          hashlib.sha512(data).hexdigest(), virtual_size(data[:512], len(data), disk_format))

    def adopt(self, image_id: str, source: Path, disk_format: str | None = None) -> StoredData:
        """Move a file made elsewhere (a volume's bytes, by the volume service) into the store as the image's
        data, hashing it on the way; the same facts as `receive`."""
        md5, sha = hashlib.md5(usedforsecurity=False), hashlib.sha512()
        size = 0
        with source.open("rb") as f:
            head = f.read(512)
            f.seek(0)
            while chunk := f.read(4 * 1024 * 1024):
                md5.update(chunk)
                sha.update(chunk)
                size += len(chunk)
        fmt = disk_format or ("qcow2" if head[:4] == QCOW2_MAGIC else "raw")
        shutil.move(source, self.path(image_id))  # a rename when both are under the data directory
        return StoredData(size, md5.hexdigest(), sha.hexdigest(), virtual_size(head, size, fmt))

    def remove(self, image_id: str) -> None:
        """Delete the image's file (and any partial upload); succeeds if there is none."""
        for path in (self.path(image_id), self.root / f"{image_id}.part"):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()

    def remove_partials(self) -> list[str]:
        """Delete every partial upload left by a killed process; return their image ids."""
        ids = []
        for part in self.root.glob("*.part"):
            ids.append(part.stem)
            with contextlib.suppress(FileNotFoundError):
                part.unlink()
        return ids


def virtual_size(head: bytes, size: int, disk_format: str | None) -> int | None:
    """The disk size a guest sees: from the qcow2 header, the file size for raw, else unknown (None)."""
    if disk_format == "qcow2":
        if len(head) >= 32 and head[:4] == QCOW2_MAGIC:
            return int(struct.unpack(">Q", head[24:32])[0])
        return None
    if disk_format == "raw":
        return size
    return None


def tiny_qcow2(virtual_bytes: int = 112 * 1024 * 1024) -> bytes:
    """A valid, empty qcow2 (version 2) disk of `virtual_bytes`, laid out as `qemu-img create` does with 64 KiB
    clusters: header, refcount table, one refcount block, the L1 table; no data clusters. `qemu-img check`
    finds no errors in it. 256 KiB on disk."""
    cluster_bits = 16
    cluster = 1 << cluster_bits
    l2_coverage = cluster * (cluster // 8)
    l1_size = max(1, -(-virtual_bytes // l2_coverage))
    assert l1_size * 8 <= cluster, "one cluster of L1 table is enough for the sizes used here"
    refcount_table, refcount_block, l1_table = cluster, 2 * cluster, 3 * cluster
    header = struct.pack(">4sIQIIQIIQQIIQ", QCOW2_MAGIC, 2, 0, 0, cluster_bits, virtual_bytes, 0, l1_size,
                         l1_table, refcount_table, 1, 0, 0)
    data = bytearray(4 * cluster)
    data[:len(header)] = header
    struct.pack_into(">Q", data, refcount_table, refcount_block)
    for index in range(4):  # every cluster of the file is used once (16-bit refcounts)
        struct.pack_into(">H", data, refcount_block + 2 * index, 1)
    return bytes(data)
