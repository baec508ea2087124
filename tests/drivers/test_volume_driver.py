"""The volume driver contract, run over the `file` driver in each format it can use here (raw always, qcow2 when
qemu-img is installed; scripts/setup.sh installs it). The bytes are checked on disk: written data survives
snapshots, clones and extends, and deletes free the space."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from lab.cloud.drivers.base import DriverError, ImageSpec, InsufficientCapacity, VolumeInfo, VolumeNotFound
from lab.cloud.drivers.files import GIB, FileVolumeDriver, file_format, virtual_size

FORMATS = ["raw", "qcow2"] if shutil.which("qemu-img") else ["raw"]
PATTERN = b"StackLab volume data\n" * 100


@pytest.fixture(params=FORMATS)
def driver(request: pytest.FixtureRequest, tmp_path: Path) -> FileVolumeDriver:
    return FileVolumeDriver(tmp_path / "volume-file", capacity_gb=10, volume_format=request.param)


def write(info: VolumeInfo, offset: int, data: bytes) -> None:
    """Write into a volume as a guest would (qemu-io for qcow2, plain file I/O for raw); see `expected`."""
    if info.format == "qcow2":  # qemu-io writes a byte pattern (0x5a) of the data's length
        subprocess.run(["qemu-io", "-f", "qcow2", "-c", f"write -P 0x5a {offset} {len(data)}", str(info.path)],
                       check=True, capture_output=True)
    else:
        with info.path.open("r+b") as f:
            f.seek(offset)
            f.write(data)


def read(info: VolumeInfo, offset: int, length: int) -> bytes:
    """Read from a volume as a guest would see it."""
    if info.format == "qcow2":
        raw = info.path.with_suffix(".raw-copy")
        subprocess.run(["qemu-img", "convert", "-f", "qcow2", "-O", "raw", str(info.path), str(raw)], check=True)
        try:
            with raw.open("rb") as f:
                f.seek(offset)
                return f.read(length)
        finally:
            raw.unlink()
    with info.path.open("rb") as f:
        f.seek(offset)
        return f.read(length)


def expected(info: VolumeInfo, data: bytes) -> bytes:
    return b"\x5a" * len(data) if info.format == "qcow2" else data


def test_create_volume_is_a_sparse_file_of_the_size(driver: FileVolumeDriver) -> None:
    """A new 2 GiB volume is a real file the guest sees as 2 GiB, taking almost nothing on disk."""
    info = driver.create_volume("v1", 2)
    assert info.path.exists() and info.path.parent == driver.volumes_dir
    assert info.format == driver.format == file_format(info.path)
    assert virtual_size(info.path) == 2 * GIB and info.size_gb == 2
    assert info.allocated_bytes < 10 * 1024 * 1024
    assert driver.list_volumes() == ["v1"]


def test_create_is_idempotent(driver: FileVolumeDriver) -> None:
    first = driver.create_volume("v1", 1)
    write(first, 0, PATTERN)
    again = driver.create_volume("v1", 1)
    assert again.path == first.path and read(again, 0, len(PATTERN)) == expected(first, PATTERN)


def test_snapshot_and_volume_from_snapshot_keep_the_data(driver: FileVolumeDriver) -> None:
    """Data written before a snapshot is in the snapshot and in a bigger volume made from it; later writes are not."""
    vol = driver.create_volume("v1", 1)
    write(vol, 4096, PATTERN)
    snap = driver.create_snapshot("s1", "v1")
    assert snap.path.parent == driver.snapshots_dir and snap.size_gb == 1
    write(vol, 1024 * 1024, PATTERN)
    copy = driver.create_volume_from_snapshot("v2", "s1", 2)
    assert copy.size_gb == 2
    assert read(copy, 4096, len(PATTERN)) == expected(vol, PATTERN)
    assert read(copy, 1024 * 1024, len(PATTERN)) == b"\0" * len(PATTERN)
    driver.delete_snapshot("s1")
    assert not snap.path.exists()
    assert read(copy, 4096, len(PATTERN)) == expected(vol, PATTERN)  # independent of the snapshot


def test_clone_copies_the_source(driver: FileVolumeDriver) -> None:
    src = driver.create_volume("v1", 1)
    write(src, 0, PATTERN)
    clone = driver.create_cloned_volume("v2", "v1", 1)
    assert clone.path != src.path and read(clone, 0, len(PATTERN)) == expected(src, PATTERN)


def test_extend_grows_and_keeps_data(driver: FileVolumeDriver) -> None:
    vol = driver.create_volume("v1", 1)
    write(vol, 0, PATTERN)
    grown = driver.extend_volume("v1", 3)
    assert grown.size_gb == 3 and virtual_size(grown.path) == 3 * GIB
    assert read(grown, 0, len(PATTERN)) == expected(vol, PATTERN)


def test_delete_frees_the_bytes_and_is_idempotent(driver: FileVolumeDriver) -> None:
    vol = driver.create_volume("v1", 1)
    write(vol, 0, b"x" * 1024 * 1024)
    assert driver.get_volume_stats().allocated_bytes > 0
    driver.delete_volume("v1")
    driver.delete_volume("v1")
    assert not vol.path.exists() and driver.list_volumes() == []
    assert driver.get_volume_stats().allocated_bytes == 0


def test_capacity_is_reported_and_enforced(driver: FileVolumeDriver) -> None:
    """Stats add up what the backend holds; a volume that does not fit is refused and leaves no file."""
    driver.create_volume("v1", 4)
    driver.create_snapshot("s1", "v1")
    stats = driver.get_volume_stats()
    assert (stats.total_capacity_gb, stats.provisioned_capacity_gb, stats.free_capacity_gb) == (10, 8, 2)
    with pytest.raises(InsufficientCapacity, match="requested 3 GiB, free 2 GiB of 10 GiB"):
        driver.create_volume("v2", 3)
    assert driver.list_volumes() == ["v1"]
    assert not list(driver.volumes_dir.glob("*v2*"))
    driver.delete_snapshot("s1")
    with pytest.raises(InsufficientCapacity):
        driver.extend_volume("v1", 11)
    assert driver.volume_info("v1").size_gb == 4


def test_copy_image_to_volume(driver: FileVolumeDriver, tmp_path: Path) -> None:
    """A raw image's bytes are at the start of the volume, which has the volume's size."""
    image_file = tmp_path / "image.raw"
    image_file.write_bytes(PATTERN)
    info = driver.copy_image_to_volume("v1", ImageSpec("img", "cirros", image_file, "raw"), 1)
    assert info.size_gb == 1
    assert read(info, 0, len(PATTERN)) == PATTERN


def test_image_larger_than_the_volume_is_refused(driver: FileVolumeDriver, tmp_path: Path) -> None:
    image_file = tmp_path / "big.raw"
    with image_file.open("wb") as f:
        f.truncate(2 * GIB)
    with pytest.raises(DriverError, match="does not fit in a volume of 1 GiB"):
        driver.copy_image_to_volume("v1", ImageSpec("img", "big", image_file, "raw"), 1)
    assert driver.list_volumes() == [] and not list(driver.volumes_dir.iterdir())


def test_unknown_volume_raises_volume_not_found(driver: FileVolumeDriver) -> None:
    with pytest.raises(VolumeNotFound):
        driver.volume_info("nope")
    with pytest.raises(VolumeNotFound):
        driver.create_snapshot("s1", "nope")
    with pytest.raises(VolumeNotFound):
        driver.initialize_connection("nope", "/dev/vdb")


def test_initialize_connection_names_the_file(driver: FileVolumeDriver) -> None:
    info = driver.create_volume("v1", 1)
    disk = driver.initialize_connection("v1", "/dev/vdb")
    assert (disk.volume_id, disk.path, disk.device, disk.format) == ("v1", info.path, "vdb", driver.format)


def test_capacity_walk_races_no_delete(driver: FileVolumeDriver) -> None:
    """Stats and creates in some threads while others delete volumes: no FileNotFoundError, nothing lost."""
    import threading

    errors: list[BaseException] = []
    stop = threading.Event()

    def churn(worker: int) -> None:
        try:
            for n in range(40):
                volume_id = f"churn-{worker}-{n}"
                driver.create_volume(volume_id, 1)
                driver.delete_volume(volume_id)
        except BaseException as exc:  # every failure is reported below
            errors.append(exc)

    def watch() -> None:
        try:
            while not stop.is_set():
                driver.get_volume_stats()
        except BaseException as exc:
            errors.append(exc)

    watchers = [threading.Thread(target=watch) for _ in range(2)]
    workers = [threading.Thread(target=churn, args=(w,)) for w in range(4)]
    for t in watchers + workers:
        t.start()
    for t in workers:
        t.join()
    stop.set()
    for t in watchers:
        t.join()
    assert errors == []
    assert driver.list_volumes() == []
    assert driver.get_volume_stats().provisioned_capacity_gb == 0


def test_capacity_walk_sees_every_change_to_the_files(driver: FileVolumeDriver) -> None:
    """The walk remembers each file's virtual size until the file changes: a grow in place (extend), a file
    resized or added by hand and one removed by hand all count at the next walk, as a walk reading every file
    would count them."""
    driver.create_volume("v1", 2)
    assert driver.get_volume_stats().provisioned_capacity_gb == 2
    driver.extend_volume("v1", 3)
    assert driver.get_volume_stats().provisioned_capacity_gb == 3
    by_hand = driver.volumes_dir / "volume-by-hand.raw"
    by_hand.write_bytes(b"")
    os.truncate(by_hand, 4 * GIB)
    assert driver.get_volume_stats().provisioned_capacity_gb == 7
    os.truncate(by_hand, 5 * GIB)  # the same file grown: its size (part of what is remembered) changed
    assert driver.get_volume_stats().provisioned_capacity_gb == 8
    (driver.snapshots_dir / "snapshot-x.qcow2.part").write_bytes(b"")  # neither .raw nor .qcow2: not counted
    by_hand.unlink()
    stats = driver.get_volume_stats()
    assert (stats.provisioned_capacity_gb, stats.free_capacity_gb, driver.total_capacity_gb()) == (3, 7, 10)
    with pytest.raises(InsufficientCapacity, match="requested 8 GiB, free 7 GiB of 10 GiB"):
        driver.create_volume("v2", 8)
