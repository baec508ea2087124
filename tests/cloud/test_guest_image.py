"""The tiny guest build: the initramfs layout, vmlinux extraction, the build from .deb files (small stand-in
packages made with dpkg-deb here, so the test is offline and fast), the CLI, and the error when a package is
missing. The real packages are built and booted in tests/drivers/test_real_boot.py."""

from __future__ import annotations

import gzip
import lzma
import struct
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from lab.cli import main
from lab.cloud import guest_image as gi

ELF = b"\x7fELF" + b"\x02\x01\x01" + b"\0" * 9 + b"kernel text" * 100


def read_cpio(data: bytes) -> dict[str, tuple[int, bytes, tuple[int, int]]]:
    """{name: (mode, data, (rdevmajor, rdevminor))} from a newc archive."""
    entries = {}
    pos = 0
    while True:
        assert data[pos:pos + 6] == b"070701"
        fields = [int(data[pos + 6 + 8 * i: pos + 14 + 8 * i], 16) for i in range(13)]
        mode, size, rmaj, rmin, namesize = fields[1], fields[6], fields[9], fields[10], fields[11]
        name = data[pos + 110: pos + 110 + namesize - 1].decode()
        pos += 110 + namesize
        pos += -pos % 4
        body = data[pos:pos + size]
        pos += size
        pos += -pos % 4
        if name == "TRAILER!!!":
            return entries
        entries[name] = (mode, body, (rmaj, rmin))


def bzimage(payload: bytes) -> bytes:
    """A minimal bzImage: boot sector + setup header pointing at `payload`."""
    setup = bytearray(512 * 5)
    setup[0x1F1] = 4  # setup sectors
    setup[0x202:0x206] = b"HdrS"
    struct.pack_into("<II", setup, 0x248, 0, len(payload))
    return bytes(setup) + payload


def test_initramfs_layout() -> None:
    """The archive holds /init, busybox, /dev/console (5,1), the udhcpc script and the modules in order."""
    modules = {f"{m}.ko": m.encode() for m in ("virtio_net", "virtio_ring", "virtio_blk")}
    files = read_cpio(gzip.decompress(gi.make_initramfs(b"BUSYBOX", modules)))
    assert files["bin/busybox"][1] == b"BUSYBOX"
    assert files["dev/console"][0] & 0o170000 == 0o020000 and files["dev/console"][2] == (5, 1)
    assert files["init"][0] & 0o777 == 0o755
    init = files["init"][1].decode()
    assert init.startswith("#!/bin/busybox sh")
    assert "for m in virtio_ring virtio_blk virtio_net; do" in init
    assert f'echo "{gi.READY_MARKER} hostname=$(hostname) addresses=${{addresses:-none}}"' in init
    assert gi.DISK_ADDED_MARKER in init and gi.DISK_REMOVED_MARKER in init
    assert "udhcpc -i \"$dev\" -s /etc/udhcpc.script" in init
    assert set(modules) <= {name.rsplit("/", 1)[-1] for name in files}


@pytest.mark.parametrize("compress", [gzip.compress, lambda b: lzma.compress(b, format=lzma.FORMAT_XZ)])
def test_extract_vmlinux(compress: object) -> None:
    """The ELF kernel comes out of a gzip or xz bzImage; anything else gives None (boot the bzImage)."""
    assert gi.extract_vmlinux(bzimage(compress(ELF))) == ELF  # type: ignore[operator]
    assert gi.extract_vmlinux(bzimage(b"\x28\xb5\x2f\xfd zstd")) is None
    assert gi.extract_vmlinux(b"not a kernel" * 100) is None


def fake_deb(debs: Path, package: str, files: dict[str, bytes], links: dict[str, str] | None = None) -> None:
    """A real .deb (dpkg-deb --build) holding `files` and symlinks (`links`: path -> target)."""
    root = debs.parent / f"src-{package}"
    (root / "DEBIAN").mkdir(parents=True)
    (root / "DEBIAN" / "control").write_text(
        f"Package: {package}\nVersion: 1.0\nArchitecture: amd64\nMaintainer: t <t@example.org>\nDescription: t\n")
    for name, data in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    for name, target in (links or {}).items():
        (root / name).symlink_to(target)
    debs.mkdir(parents=True, exist_ok=True)
    subprocess.run(["dpkg-deb", "--root-owner-group", "-Zgzip", "--build", str(root),
                    str(debs / f"{package}_1.0_amd64.deb")], check=True, capture_output=True)


def stand_in_packages(cache: Path, kernel_pkg: str) -> None:
    version = kernel_pkg.removeprefix("linux-image-")
    mods = f"lib/modules/{version}/kernel/drivers"
    fake_deb(cache / "debs", kernel_pkg, {f"boot/vmlinuz-{version}": bzimage(gzip.compress(ELF)),
                                          f"{mods}/virtio/virtio_ring.ko": b"ring",
                                          f"{mods}/block/virtio_blk.ko": b"blk",
                                          f"{mods}/net/wireguard.ko": b"not wanted"})
    fake_deb(cache / "debs", "busybox-static", {"bin/busybox": b"BUSYBOX"})
    lib = "usr/lib/x86_64-linux-gnu"
    for package, names in gi.SSH_PACKAGES.items():  # a soname is a symlink to the versioned file, as in Debian
        fake_deb(cache / "debs", package, {f"{lib}/{n}.0.0": n.encode() for n in names},
                 links={f"{lib}/{n}": f"{n}.0.0" for n in names})


def test_build_from_cached_packages(tmp_path: Path) -> None:
    """With the .debs in the cache the build is offline: vmlinux, an initramfs with only the virtio modules."""
    stand_in_packages(tmp_path, "linux-image-9.9.9-test-amd64")
    steps: list[str] = []
    guest = gi.build_tiny_guest(tmp_path, progress=steps.append, kernel_package="linux-image-9.9.9-test-amd64")
    assert guest.kernel == tmp_path / "9.9.9-test-amd64" / "vmlinux"
    assert guest.kernel.read_bytes() == ELF
    files = read_cpio(gzip.decompress(guest.initrd.read_bytes()))
    assert files["lib/modules/virtio_ring.ko"][1] == b"ring" and files["lib/modules/virtio_blk.ko"][1] == b"blk"
    assert not any("wireguard" in name for name in files)
    # dropbear where init starts it, the loader where the ELF header asks for it, libraries by soname
    assert files["usr/sbin/dropbear"][1] == b"dropbear" and files["usr/sbin/dropbear"][0] & 0o111
    assert files["lib64/ld-linux-x86-64.so.2"][1] == b"ld-linux-x86-64.so.2"
    assert files["lib/x86_64-linux-gnu/libtomcrypt.so.1"][1] == b"libtomcrypt.so.1"
    assert files["bin/busybox"][0] & 0o4000  # setuid: cirros may ping
    assert b"cirros:*:1000:1000" in files["etc/passwd"][1]
    assert guest.properties["stacklab_kernel"] == str(guest.kernel)
    assert guest.properties["stacklab_ready_marker"] == gi.READY_MARKER
    assert len(steps) == gi.BUILD_STEPS
    again: list[str] = []
    assert gi.build_tiny_guest(tmp_path, progress=again.append, kernel_package="linux-image-9.9.9-test-amd64") \
        == guest
    assert again[-1] == "already built"


def test_missing_package_says_what_is_missing(tmp_path: Path) -> None:
    """When apt cannot download a package the error names it and how to provide it; nothing is built."""
    with pytest.raises(gi.GuestBuildError) as failure:
        gi.build_tiny_guest(tmp_path, kernel_package="linux-image-stacklab-no-such-kernel")
    message = str(failure.value)
    assert "Missing: linux-image-stacklab-no-such-kernel" in message
    assert f"copy its .deb into {tmp_path / 'debs'}/" in message
    assert not (tmp_path / "stacklab-no-such-kernel").exists()


def test_cli_build_tiny(tmp_path: Path) -> None:
    """`stacklab image build-tiny` builds into the data directory and prints the files and properties."""
    kernel_pkg = "linux-image-9.9.9-test-amd64"  # stand-in packages keep the test offline
    stand_in_packages(gi.default_cache_dir(tmp_path), kernel_pkg)
    result = CliRunner().invoke(main, ["image", "build-tiny", "--data-dir", str(tmp_path),
                                       "--kernel-package", kernel_pkg])
    assert result.exit_code == 0, result.output
    version = kernel_pkg.removeprefix("linux-image-")
    assert f"kernel  {gi.default_cache_dir(tmp_path) / version / 'vmlinux'}" in result.output
    assert f"stacklab_ready_marker={gi.READY_MARKER}" in result.output
