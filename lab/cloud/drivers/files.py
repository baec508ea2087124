"""The `file` volume driver: every volume is a real file under the driver's directory.

Files are sparse: a new 1 GiB volume takes a few KiB on disk until a guest writes to it. With `qemu-img` on the
PATH (Debian's qemu-utils) volumes and snapshots are qcow2 files; without it they are raw sparse files, which
every hypervisor reads too. A snapshot is a full but sparse copy of the volume file (only written data is
copied, via `qemu-img convert` or SEEK_DATA/SEEK_HOLE for raw), so volumes and snapshots never depend on each
other and any of them can be deleted in any order, as Cinder's LVM driver behaves.

The backend has a fixed capacity (`volume_capacity_gb`); the sum of the virtual sizes of every volume and
snapshot may not pass it (no over-commit), so a lab's disk never fills up behind the students' backs.

    <data_dir>/volumes/volume-<id>.qcow2|raw
    <data_dir>/snapshots/snapshot-<id>.qcow2|raw

Backups are not on the backend: `export_to_file` writes a volume's bytes where the backup service keeps them
(the lab's `backups/` directory) and `import_from_file` restores them into a volume.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import threading
from pathlib import Path
from typing import Any

from lab.cloud.drivers.base import (
    BackendStats,
    DiskSpec,
    DriverError,
    ImageSpec,
    InsufficientCapacity,
    VolumeDriver,
    VolumeInfo,
    VolumeNotFound,
)

GIB = 1024**3
_QCOW2_MAGIC = b"QFI\xfb"
_COPY_CHUNK = 4 * 1024 * 1024


def qemu_img() -> str | None:
    """The path of qemu-img when installed, else None."""
    return shutil.which("qemu-img")


def _run(*args: str) -> str:
    result = subprocess.run(list(args), capture_output=True, text=True, timeout=600, check=False)
    if result.returncode != 0:
        raise DriverError(f"{Path(args[0]).name} {args[1]} failed: {result.stderr.strip() or result.stdout.strip()}")
    return result.stdout


def file_format(path: Path) -> str:
    """'qcow2' when the file starts with the qcow2 magic, else 'raw'."""
    with path.open("rb") as f:
        return "qcow2" if f.read(4) == _QCOW2_MAGIC else "raw"


def virtual_size(path: Path) -> int:
    """The size in bytes a guest sees: the qcow2 header's size field (offset 24), else the file size."""
    with path.open("rb") as f:
        header = f.read(32)
    if header[:4] == _QCOW2_MAGIC and len(header) >= 32:
        return int(struct.unpack(">Q", header[24:32])[0])
    return path.stat().st_size


def allocated_bytes(path: Path) -> int:
    """Bytes the file really takes on disk (sparse files take less than their size)."""
    return path.stat().st_blocks * 512


def _suffix(name: str) -> str:
    """`PurePath(name).suffix`, without making a path."""
    dot = name.rfind(".")
    return name[dot:] if 0 < dot < len(name) - 1 else ""


def sparse_copy(source: Path, target: Path) -> None:
    """Copy a file keeping its holes: only the data regions are read and written (SEEK_DATA/SEEK_HOLE)."""
    size = source.stat().st_size
    with source.open("rb") as src, target.open("wb") as dst:
        fd = src.fileno()
        offset = 0
        while offset < size:
            try:
                data_start = os.lseek(fd, offset, os.SEEK_DATA)
            except OSError:  # ENXIO: no data after offset
                break
            hole = os.lseek(fd, data_start, os.SEEK_HOLE)
            src.seek(data_start)
            dst.seek(data_start)
            remaining = hole - data_start
            while remaining > 0:
                chunk = src.read(min(_COPY_CHUNK, remaining))
                if not chunk:
                    break
                dst.write(chunk)
                remaining -= len(chunk)
            offset = hole
        dst.truncate(size)


class FileVolumeDriver(VolumeDriver):
    """Volumes as sparse files (qcow2 through qemu-img when present, else raw)."""

    name = "file"
    capabilities = {"thin_provisioning": True, "online_extend": False}

    def __init__(self, data_dir: Path, *, settings: Any = None, capacity_gb: int | None = None,
                 volume_format: str | None = None, **options: Any):
        super().__init__(data_dir, **options)
        if capacity_gb is None:
            capacity_gb = int(getattr(settings, "volume_capacity_gb", 100))
        wanted = volume_format or str(getattr(settings, "volume_format", "auto"))
        if wanted not in ("auto", "raw", "qcow2"):
            raise ValueError(f"volume_format must be auto, raw or qcow2, not {wanted!r}")
        self.qemu_img = qemu_img()
        if wanted == "qcow2" and self.qemu_img is None:
            raise ValueError("volume_format qcow2 needs qemu-img (Debian package qemu-utils)")
        self.format = "qcow2" if wanted == "qcow2" or (wanted == "auto" and self.qemu_img) else "raw"
        self.capacity_gb = capacity_gb
        self.volumes_dir = data_dir / "volumes"
        self.snapshots_dir = data_dir / "snapshots"
        self.volumes_dir.mkdir(parents=True, exist_ok=True)
        self.snapshots_dir.mkdir(parents=True, exist_ok=True)
        # Capacity is checked and the file made under one lock, so two creates cannot both take the last GiB.
        self._lock = threading.Lock()
        # path -> ((inode, size, mtime), virtual size): a file's qcow2 header is read again only once it changed
        # (under the lock; a walk of a class's hundreds of files read every one on each create).
        self._virtual: dict[str, tuple[tuple[int, int, int], int]] = {}

    # ------------------------------------------------------------------ paths
    def _find(self, directory: Path, prefix: str, resource_id: str) -> Path | None:
        for ext in ("qcow2", "raw"):
            path = directory / f"{prefix}-{resource_id}.{ext}"
            if path.exists():
                return path
        return None

    def _volume_path(self, volume_id: str) -> Path:
        path = self._find(self.volumes_dir, "volume", volume_id)
        if path is None:
            raise VolumeNotFound(f"volume {volume_id} has no file on backend {self.name}")
        return path

    def _snapshot_path(self, snapshot_id: str) -> Path:
        path = self._find(self.snapshots_dir, "snapshot", snapshot_id)
        if path is None:
            raise VolumeNotFound(f"snapshot {snapshot_id} has no file on backend {self.name}")
        return path

    def _new_path(self, directory: Path, prefix: str, resource_id: str) -> Path:
        return directory / f"{prefix}-{resource_id}.{self.format}"

    @staticmethod
    def _info(resource_id: str, path: Path) -> VolumeInfo:
        return VolumeInfo(id=resource_id, path=path, format=file_format(path),
                          size_gb=-(-virtual_size(path) // GIB), allocated_bytes=allocated_bytes(path))

    def _sizes(self) -> list[tuple[int, int]]:
        """(virtual size, bytes on disk) of every volume and snapshot file, from one stat each (call under the
        lock). A file removed since it was listed (by another process sharing the directory, or by hand) counts
        0: a capacity walk counts what is there."""
        sizes: list[tuple[int, int]] = []
        known, self._virtual = self._virtual, {}
        for directory in (self.volumes_dir, self.snapshots_dir):
            with os.scandir(directory) as entries:
                for entry in entries:
                    if _suffix(entry.name) not in (".raw", ".qcow2"):
                        continue
                    try:
                        st = entry.stat()
                        key = (st.st_ino, st.st_size, st.st_mtime_ns)
                        cached = known.get(entry.path)
                        size = cached[1] if cached is not None and cached[0] == key else virtual_size(Path(entry.path))
                    except FileNotFoundError:
                        continue
                    self._virtual[entry.path] = (key, size)
                    sizes.append((size, st.st_blocks * 512))
        return sizes

    def _provisioned_bytes(self) -> int:
        return sum(size for size, _ in self._sizes())

    def _reserve(self, size_gb: int) -> None:
        free = self.capacity_gb * GIB - self._provisioned_bytes()
        if size_gb * GIB > free:
            raise InsufficientCapacity(
                f"No valid backend was found. Insufficient free space on backend {self.name}: "
                f"requested {size_gb} GiB, free {max(free, 0) // GIB} GiB of {self.capacity_gb} GiB.")

    # ------------------------------------------------------------------ making files
    def _blank(self, path: Path, size_gb: int) -> None:
        if self.format == "qcow2":
            assert self.qemu_img is not None
            _run(self.qemu_img, "create", "-q", "-f", "qcow2", str(path), f"{size_gb}G")
        else:
            with path.open("wb") as f:
                f.truncate(size_gb * GIB)

    def _copy(self, source: Path, target: Path, source_format: str | None = None) -> None:
        """Copy `source` into `target` in this backend's format, converting when qemu-img is there."""
        fmt = source_format or file_format(source)
        if self.qemu_img is not None:
            _run(self.qemu_img, "convert", "-q", "-f", fmt, "-O", self.format, str(source), str(target))
        else:  # raw only: the bytes as they are, holes kept
            sparse_copy(source, target)

    def _grow(self, path: Path, size_gb: int) -> None:
        if virtual_size(path) >= size_gb * GIB:
            return
        if file_format(path) == "qcow2":
            assert self.qemu_img is not None
            _run(self.qemu_img, "resize", "-q", "-f", "qcow2", str(path), f"{size_gb}G")
        else:
            os.truncate(path, size_gb * GIB)

    def _make(self, volume_id: str, size_gb: int, fill: Any) -> VolumeInfo:
        """Create a volume file with `fill(path)`, grow it to size; on any failure leave no file behind."""
        with self._lock:
            existing = self._find(self.volumes_dir, "volume", volume_id)
            if existing is not None:
                return self._info(volume_id, existing)
            self._reserve(size_gb)
            path = self._new_path(self.volumes_dir, "volume", volume_id)
            partial = path.with_name(path.name + ".part")
            try:
                fill(partial)
                if virtual_size(partial) > size_gb * GIB:
                    raise DriverError(f"the source is {-(-virtual_size(partial) // GIB)} GiB and does not fit "
                                      f"in a volume of {size_gb} GiB")
                self._grow(partial, size_gb)
                partial.rename(path)  # a crash never leaves a half-made file under the real name
            finally:
                partial.unlink(missing_ok=True)
            return self._info(volume_id, path)

    # ------------------------------------------------------------------ the contract
    def create_volume(self, volume_id: str, size_gb: int) -> VolumeInfo:
        return self._make(volume_id, size_gb, lambda p: self._blank(p, size_gb))

    def create_volume_from_snapshot(self, volume_id: str, snapshot_id: str, size_gb: int) -> VolumeInfo:
        source = self._snapshot_path(snapshot_id)
        return self._make(volume_id, size_gb, lambda p: self._copy(source, p))

    def create_cloned_volume(self, volume_id: str, source_volume_id: str, size_gb: int) -> VolumeInfo:
        source = self._volume_path(source_volume_id)
        return self._make(volume_id, size_gb, lambda p: self._copy(source, p))

    def copy_image_to_volume(self, volume_id: str, image: ImageSpec, size_gb: int) -> VolumeInfo:
        if image.path is None or not Path(image.path).exists():
            raise DriverError(f"image {image.id} has no data to copy")
        source = Path(image.path)
        # Without qemu-img a qcow2 image cannot be converted: its bytes are copied as they are.
        fmt = image.disk_format if image.disk_format in ("raw", "qcow2") else file_format(source)
        return self._make(volume_id, size_gb, lambda p: self._copy(source, p, fmt))

    def extend_volume(self, volume_id: str, new_size_gb: int) -> VolumeInfo:
        with self._lock:
            path = self._volume_path(volume_id)
            current = virtual_size(path)
            if new_size_gb * GIB > current:
                self._reserve(-(-(new_size_gb * GIB - current) // GIB))
                self._grow(path, new_size_gb)
                self._virtual.pop(str(path), None)  # grown in place: within one mtime tick its key may not change
            return self._info(volume_id, path)

    def delete_volume(self, volume_id: str) -> None:
        with self._lock:
            for path in self.volumes_dir.glob(f"volume-{volume_id}.*"):
                path.unlink(missing_ok=True)

    def create_snapshot(self, snapshot_id: str, volume_id: str) -> VolumeInfo:
        with self._lock:
            existing = self._find(self.snapshots_dir, "snapshot", snapshot_id)
            if existing is not None:
                return self._info(snapshot_id, existing)
            source = self._volume_path(volume_id)
            self._reserve(-(-virtual_size(source) // GIB))
            path = self._new_path(self.snapshots_dir, "snapshot", snapshot_id)
            partial = path.with_name(path.name + ".part")
            try:
                self._copy(source, partial)
                partial.rename(path)
            finally:
                partial.unlink(missing_ok=True)
            return self._info(snapshot_id, path)

    def delete_snapshot(self, snapshot_id: str) -> None:
        with self._lock:
            for path in self.snapshots_dir.glob(f"snapshot-{snapshot_id}.*"):
                path.unlink(missing_ok=True)

    def volume_info(self, volume_id: str) -> VolumeInfo:
        return self._info(volume_id, self._volume_path(volume_id))

    def export_to_file(self, resource_id: str, target: Path, *, snapshot: bool = False) -> None:
        with self._lock:
            source = self._snapshot_path(resource_id) if snapshot else self._volume_path(resource_id)
            partial = target.with_name(target.name + ".part")
            try:
                self._copy(source, partial)
                partial.rename(target)
            finally:
                partial.unlink(missing_ok=True)

    def import_from_file(self, volume_id: str, source: Path) -> VolumeInfo:
        with self._lock:
            current = self._volume_path(volume_id)
            size_gb = -(-virtual_size(current) // GIB)
            if virtual_size(source) > size_gb * GIB:
                raise DriverError(f"the backup is {-(-virtual_size(source) // GIB)} GiB and does not fit in "
                                  f"volume {volume_id} of {size_gb} GiB")
            path = self._new_path(self.volumes_dir, "volume", volume_id)
            partial = path.with_name(path.name + ".part")
            try:
                self._copy(source, partial)
                self._grow(partial, size_gb)
                partial.rename(path)  # the volume's old bytes go in one step
            finally:
                partial.unlink(missing_ok=True)
            if current != path:  # the volume was kept in the other format
                current.unlink(missing_ok=True)
            return self._info(volume_id, path)

    def snapshot_info(self, snapshot_id: str) -> VolumeInfo:
        """The facts about one snapshot file (tests and the course use it). Raises VolumeNotFound."""
        return self._info(snapshot_id, self._snapshot_path(snapshot_id))

    def initialize_connection(self, volume_id: str, device: str) -> DiskSpec:
        path = self._volume_path(volume_id)
        return DiskSpec(volume_id=volume_id, path=path, device=device.removeprefix("/dev/"),
                        format=file_format(path))

    def get_volume_stats(self) -> BackendStats:
        # Under the lock: the walk reads every file, and a delete in another thread must not pull one away
        # between the listing and the read (a FileNotFoundError under a class's load).
        with self._lock:
            sizes = self._sizes()
            provisioned = -(-sum(size for size, _ in sizes) // GIB)
            allocated = sum(on_disk for _, on_disk in sizes)
        return BackendStats(backend_name=self.name, total_capacity_gb=self.capacity_gb,
                            provisioned_capacity_gb=provisioned,
                            free_capacity_gb=max(self.capacity_gb - provisioned, 0),
                            allocated_bytes=allocated)

    def total_capacity_gb(self) -> int:
        return self.capacity_gb

    def list_volumes(self) -> list[str]:
        return sorted(p.stem.removeprefix("volume-") for p in self.volumes_dir.iterdir()
                      if p.suffix in (".raw", ".qcow2"))

    def describe(self) -> dict[str, Any]:
        """A summary for `stacklab` commands and the course: format, capacity, where the files are."""
        return {"format": self.format, "capacity_gb": self.capacity_gb, "directory": str(self.data_dir),
                "qemu_img": self.qemu_img}
