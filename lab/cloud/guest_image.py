"""The tiny guest: a bootable instance image StackLab builds itself, offline, from two Debian packages.

`build_tiny_guest(cache_dir)` fetches the Debian kernel package and `busybox-static` with `apt-get download`
(nothing is installed, no root needed when the apt lists are present), unpacks only the files it needs, and
writes two files: the kernel (the uncompressed `vmlinux` when it can be extracted, which QEMU boots through the
PVH entry and saves seconds of decompression under TCG; the `bzImage` otherwise) and a ~1 MB initramfs (cpio
newc, gzip) holding a static busybox, the virtio modules and an `/init` script. That script loads the modules in
dependency order, sets the hostname from the kernel command line, configures each NIC with DHCP, prints one
marker line the compute driver waits for, reports disks as they come and go, then gives a shell on the console.

Like CirrOS, the guest has a user `cirros` and reads the cloud's metadata service (169.254.169.254, EC2 paths, as
CirrOS does): its hostname and the SSH key of the server's key pair, for dropbear (Debian's `dropbear-bin` with
the six shared libraries it links, taken from their packages the same way) and a busybox `httpd` on port 80 that
answers the hostname (for load-balancer labs). Busybox is setuid root so that `cirros` may `ping` (busybox drops
root for every other applet; CirrOS gives `cirros` sudo instead).

The result is a direct-kernel-boot image: `TinyGuest.properties` are the image properties the libvirt driver
reads (kernel and initrd paths, command line, readiness marker).
"""

from __future__ import annotations

import contextlib
import gzip
import io
import lzma
import shutil
import stat
import struct
import subprocess
import tarfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# The line the guest prints once it is up; the libvirt driver turns the server ACTIVE when it sees it.
READY_MARKER = "STACKLAB-GUEST-UP"
DISK_ADDED_MARKER = "STACKLAB-DISK-ADDED"
DISK_REMOVED_MARKER = "STACKLAB-DISK-REMOVED"
# Debian builds these as modules; each needs the ones before it (PLATFORM.md, measured).
VIRTIO_MODULES = ("virtio_ring", "virtio", "virtio_pci_legacy_dev", "virtio_pci_modern_dev", "virtio_pci",
                  "virtio_blk", "failover", "net_failover", "virtio_net")
KERNEL_META_PACKAGE = "linux-image-amd64"
BUSYBOX_PACKAGE = "busybox-static"
# 64 MiB does not boot this kernel with an initramfs; 128 does (PLATFORM.md).
MIN_RAM_MB = 128
COMMAND_LINE = "console=ttyS0 quiet panic=-1"
# The line the guest prints once it has read the metadata service (hostname and how many keys it took).
METADATA_MARKER = "STACKLAB-METADATA"
METADATA_ADDRESS = "169.254.169.254"
# The SSH server and what it links, by package: the files wanted from each (by file name; symlinks followed).
SSH_PACKAGES: dict[str, tuple[str, ...]] = {
    "dropbear-bin": ("dropbear", "dropbearkey"),
    "libc6": ("libc.so.6", "ld-linux-x86-64.so.2"),
    "libcrypt1": ("libcrypt.so.1",),
    "libtomcrypt1": ("libtomcrypt.so.1",),
    "libtommath1": ("libtommath.so.1",),
    "libgmp10": ("libgmp.so.10",),
    "zlib1g": ("libz.so.1",),
}
# Where each wanted file goes in the initramfs (the loader where the ELF header asks for it).
SSH_LAYOUT = {"dropbear": "usr/sbin/dropbear", "dropbearkey": "usr/bin/dropbearkey",
              "ld-linux-x86-64.so.2": "lib64/ld-linux-x86-64.so.2"}
LIB_DIR = "lib/x86_64-linux-gnu"
# Bump when the initramfs changes: an older build in a cache is rebuilt, not reused.
BUILD_ID = "3"

Progress = Callable[[str], None]
BUILD_STEPS = 16  # how many times build_tiny_guest reports progress on a full build


class GuestBuildError(Exception):
    """The tiny guest could not be built; the message says what is missing and how to get it."""


@dataclass(frozen=True)
class TinyGuest:
    kernel: Path
    initrd: Path
    kernel_version: str
    min_ram_mb: int = MIN_RAM_MB
    properties: dict[str, str] = field(default_factory=dict)


INIT_SCRIPT = r"""#!/bin/busybox sh
# StackLab tiny guest: everything happens here, there is no other init.
/bin/busybox --install -s
export PATH=/sbin:/bin:/usr/sbin:/usr/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /dev/pts /run /tmp && mount -t devpts devpts /dev/pts
for m in @MODULES@; do
  [ -f /lib/modules/$m.ko ] && insmod /lib/modules/$m.ko 2>/dev/null
done
name=stacklab-guest
for word in $(cat /proc/cmdline); do
  case "$word" in stacklab.hostname=*) name="${word#stacklab.hostname=}" ;; esac
done
hostname "$name"
ip link set lo up
for dev in /sys/class/net/*; do
  dev="${dev##*/}"
  [ "$dev" = lo ] && continue
  ip link set "$dev" up
  udhcpc -i "$dev" -s /etc/udhcpc.script -q -n -t 5 -T 1 >/dev/null 2>&1
done
addresses=$(ip -o -4 addr show scope global | awk '{print $4}' | tr '\n' ',')
addresses="${addresses%,}"
echo "@MARKER@ hostname=$(hostname) addresses=${addresses:-none}"
# The SSH server (its host key made at boot: ed25519 takes milliseconds even under TCG), then the metadata
# service for the hostname and cirros's key, as CirrOS reads it (EC2 paths); bounded, in the background
# (`timeout`, not wget -T, which crashes this busybox).
if [ -x /usr/sbin/dropbear ]; then
  mkdir -p /etc/dropbear
  dropbearkey -t ed25519 -f /etc/dropbear/dropbear_ed25519_host_key >/dev/null 2>&1
  dropbear -r /etc/dropbear/dropbear_ed25519_host_key -s -p 22 -P /run/dropbear.pid
fi
(
  md=http://@METADATA_ADDRESS@/latest/meta-data
  for i in $(seq 1 30); do
    if timeout 5 wget -q -O /run/md-hostname "$md/hostname" 2>/dev/null; then
      h=$(cat /run/md-hostname)
      [ -n "$h" ] && hostname "${h%%.*}"
      mkdir -p /home/cirros/.ssh
      timeout 5 wget -q -O /home/cirros/.ssh/authorized_keys "$md/public-keys/0/openssh-key" 2>/dev/null
      chown -R 1000:1000 /home/cirros && chmod 700 /home/cirros/.ssh
      chmod 600 /home/cirros/.ssh/authorized_keys 2>/dev/null
      echo "@METADATA@ hostname=$(hostname) keys=$(grep -c ssh- /home/cirros/.ssh/authorized_keys 2>/dev/null)"
      break
    fi
    sleep 1
  done
  mkdir -p /var/www && hostname > /var/www/index.html && httpd -p 80 -h /var/www
) &
# Report disks as they are attached and detached; the driver puts the volume id in the disk's serial.
(
  known=" "
  while true; do
    now=" "
    for b in /sys/block/vd*; do
      [ -e "$b" ] || continue
      d="${b##*/}"
      now="$now$d "
      case "$known" in *" $d "*) ;; *) echo "@ADDED@ $d serial=$(cat $b/serial 2>/dev/null)" ;; esac
    done
    for d in $known; do
      case "$now" in *" $d "*) ;; *) echo "@REMOVED@ $d" ;; esac
    done
    known="$now"
    sleep 1
  done
) &
while true; do
  setsid cttyhack sh -l
done
"""

UDHCPC_SCRIPT = r"""#!/bin/sh
# udhcpc hook: apply the lease to the interface (our own script, so nothing on a host is touched).
case "$1" in
  deconfig) ip addr flush dev "$interface"; ip link set "$interface" up ;;
  bound|renew)
    ip addr flush dev "$interface"
    ip addr add "$ip/${mask:-24}" dev "$interface"
    for r in $router; do ip route add default via "$r" dev "$interface"; break; done
    : > /etc/resolv.conf
    for d in $dns; do echo "nameserver $d" >> /etc/resolv.conf; done ;;
esac
"""


def build_tiny_guest(cache_dir: Path, *, progress: Progress | None = None, kernel_package: str | None = None,
                     force: bool = False) -> TinyGuest:
    """Build (or reuse) the tiny guest under `cache_dir`; return its files and image properties.

    Raises GuestBuildError naming the missing tool or package when apt-get download or unpacking fails.
    """
    say = progress or (lambda _msg: None)
    debs = cache_dir / "debs"
    debs.mkdir(parents=True, exist_ok=True)
    say("resolving the Debian kernel package")
    kernel_pkg = kernel_package or _resolve_kernel_package()
    version = kernel_pkg.removeprefix("linux-image-")
    out = cache_dir / version
    kernel_out, initrd_out = out / "vmlinux", out / "initrd.img"
    stamp = out / "build-id"
    if not force and initrd_out.exists() and (kernel_out.exists() or (out / "vmlinuz").exists()) \
            and stamp.exists() and stamp.read_text() == BUILD_ID:
        say("already built")
        return _result(kernel_out if kernel_out.exists() else out / "vmlinuz", initrd_out, version)

    kernel_deb = _download(debs, kernel_pkg, say)
    busybox_deb = _download(debs, BUSYBOX_PACKAGE, say)
    ssh_debs = {package: _download(debs, package, say) for package in SSH_PACKAGES}

    say(f"unpacking {kernel_deb.name}")
    wanted = {f"boot/vmlinuz-{version}": "vmlinuz"}
    wanted.update({f"{m}.ko": f"{m}.ko" for m in VIRTIO_MODULES})
    kernel_files = _extract(kernel_deb, wanted, by_basename_suffix=True)
    if "vmlinuz" not in kernel_files:
        raise GuestBuildError(f"{kernel_deb.name} has no boot/vmlinuz-{version}")
    say(f"unpacking {busybox_deb.name}")
    busybox = _extract(busybox_deb, {"bin/busybox": "busybox"}).get("busybox")
    if busybox is None:
        raise GuestBuildError(f"{busybox_deb.name} has no bin/busybox")
    say("unpacking dropbear and its libraries")
    ssh_files: dict[str, bytes] = {}
    for package, names in SSH_PACKAGES.items():
        found = _extract_named(ssh_debs[package], names)
        if missing := [n for n in names if n not in found]:
            raise GuestBuildError(f"{ssh_debs[package].name} has no {', '.join(missing)}")
        ssh_files.update({SSH_LAYOUT.get(n, f"{LIB_DIR}/{n}"): data for n, data in found.items()})

    say("writing the initramfs")
    out.mkdir(parents=True, exist_ok=True)
    modules = {name: data for name, data in kernel_files.items() if name.endswith(".ko")}
    tmp = initrd_out.with_suffix(".tmp")
    tmp.write_bytes(make_initramfs(busybox, modules, ssh_files))
    tmp.replace(initrd_out)

    say("extracting vmlinux from the bzImage")
    vmlinux = extract_vmlinux(kernel_files["vmlinuz"])
    if vmlinux is not None:
        kernel_out.write_bytes(vmlinux)
        kernel = kernel_out
    else:  # an unknown compression: boot the bzImage, only slower
        kernel = out / "vmlinuz"
        kernel.write_bytes(kernel_files["vmlinuz"])
    stamp.write_text(BUILD_ID)
    say("done")
    return _result(kernel, initrd_out, version)


def tiny_guest_properties(kernel: Path, initrd: Path) -> dict[str, str]:
    """The image properties the libvirt driver reads to boot a direct-kernel image. `os_command_line` and
    `os_shutdown_timeout` are Nova's own property names; the guest does not handle ACPI power-off."""
    return {
        "stacklab_kernel": str(kernel),
        "stacklab_initrd": str(initrd),
        "os_command_line": COMMAND_LINE,
        "stacklab_ready_marker": READY_MARKER,
        "os_shutdown_timeout": "0",
        "os_type": "linux",
        "hw_disk_bus": "virtio",
        "hw_vif_model": "virtio",
    }


def _result(kernel: Path, initrd: Path, version: str) -> TinyGuest:
    return TinyGuest(kernel=kernel, initrd=initrd, kernel_version=version,
                     properties=tiny_guest_properties(kernel, initrd))


def _run(args: list[str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=600)
    except FileNotFoundError as exc:
        raise GuestBuildError(f"{args[0]} is not installed (it comes with Debian's apt and dpkg)") from exc


def _resolve_kernel_package() -> str:
    """The concrete kernel package the `linux-image-amd64` metapackage points to, e.g. linux-image-6.1.0-56-amd64."""
    result = _run(["apt-cache", "depends", "--no-recommends", "--no-suggests", KERNEL_META_PACKAGE])
    for line in result.stdout.splitlines():
        name = line.strip().removeprefix("Depends:").strip()
        if line.strip().startswith("Depends:") and name.startswith("linux-image-"):
            return name
    raise GuestBuildError(
        f"apt does not know {KERNEL_META_PACKAGE} ({result.stderr.strip() or 'no candidate'}): the apt package "
        f"lists are missing; run `apt-get update` as root once, then build again")


def _download(debs: Path, package: str, say: Progress) -> Path:
    """`package`'s .deb in `debs`, downloaded with `apt-get download` unless a copy is there already."""
    found = sorted(debs.glob(f"{package}_*.deb"))
    if found:
        say(f"using cached {found[-1].name}")
        return found[-1]
    say(f"downloading {package} (apt-get download)")
    result = _run(["apt-get", "download", "-q", package], cwd=debs)
    found = sorted(debs.glob(f"{package}_*.deb"))
    if result.returncode != 0 or not found:
        raise GuestBuildError(
            f"could not download the Debian package {package!r}: {result.stderr.strip() or result.stdout.strip()}\n"
            f"Missing: {package}. Either run `apt-get update` (as root) so apt can fetch it, or copy its .deb "
            f"into {debs}/ and build again.")
    return found[-1]


@contextlib.contextmanager
def _deb_members(deb: Path) -> Iterator[Iterator[tuple[str, tarfile.TarInfo, tarfile.TarFile]]]:
    """The members of `deb`'s file system (path without the leading ./, the member, its archive), streamed
    from dpkg-deb; a broken package is a GuestBuildError."""
    proc = subprocess.Popen(["dpkg-deb", "--fsys-tarfile", str(deb)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    assert proc.stdout is not None
    try:
        with tarfile.open(fileobj=proc.stdout, mode="r|") as tar:
            yield ((member.name.removeprefix("./"), member, tar) for member in tar)
    except tarfile.TarError as exc:
        raise GuestBuildError(f"{deb.name} is not a readable Debian package: {exc}") from exc
    finally:
        proc.stdout.close()
        proc.wait(timeout=60)


def _extract(deb: Path, wanted: dict[str, str], by_basename_suffix: bool = False) -> dict[str, bytes]:
    """The contents of the members of `deb` named in `wanted` (path without the leading ./ -> result key).

    With `by_basename_suffix`, keys ending in `.ko` match a member by its file name, wherever it lives.
    """
    found: dict[str, bytes] = {}
    with _deb_members(deb) as members:
        for name, member, tar in members:
            key = wanted.get(name)
            if key is None and by_basename_suffix and name.endswith(".ko"):
                key = wanted.get(name.rsplit("/", 1)[-1])
            if key is None or not member.isfile():
                continue
            handle = tar.extractfile(member)
            if handle is not None:
                found[key] = handle.read()
    return found


def _extract_named(deb: Path, names: tuple[str, ...]) -> dict[str, bytes]:
    """The files of `deb` whose file name is one of `names`, wherever they live, following a symlink (a shared
    library's soname usually points at its versioned file) within the package."""
    data: dict[str, bytes] = {}
    links: dict[str, str] = {}
    with _deb_members(deb) as members:
        for name, member, tar in members:
            if member.issym():
                links[name] = str(Path(name).parent / member.linkname) if not member.linkname.startswith(
                    "/") else member.linkname.lstrip("/")
            elif member.isfile() and (handle := tar.extractfile(member)) is not None:
                data[name] = handle.read()
    found: dict[str, bytes] = {}
    for path in sorted({*data, *links}):
        base = path.rsplit("/", 1)[-1]
        if base not in names or base in found:
            continue
        target = path
        for _ in range(8):  # a bounded chain of symlinks
            if target not in links:
                break
            target = links[target]
        if target in data:
            found[base] = data[target]
    return found


def make_initramfs(busybox: bytes, modules: dict[str, bytes], files: dict[str, bytes] | None = None) -> bytes:
    """A gzip-compressed cpio (newc) archive: busybox, the modules under /lib/modules, /init and its helpers,
    and `files` (path in the guest -> content: dropbear and its libraries), executable."""
    order = [m for m in VIRTIO_MODULES if f"{m}.ko" in modules]
    init = (INIT_SCRIPT.replace("@MODULES@", " ".join(order)).replace("@MARKER@", READY_MARKER)
            .replace("@ADDED@", DISK_ADDED_MARKER).replace("@REMOVED@", DISK_REMOVED_MARKER)
            .replace("@METADATA@", METADATA_MARKER).replace("@METADATA_ADDRESS@", METADATA_ADDRESS))
    cpio = _Cpio()
    for d in ("bin", "sbin", "usr", "usr/bin", "usr/sbin", "dev", "proc", "sys", "etc", "lib", "lib/modules",
              "lib64", LIB_DIR, "tmp", "run", "root", "mnt", "var", "home"):
        cpio.add(d, stat.S_IFDIR | 0o755)
    cpio.add("home/cirros", stat.S_IFDIR | 0o755)
    # The kernel opens /dev/console before devtmpfs is mounted: without it /init's output goes nowhere.
    cpio.add("dev/console", stat.S_IFCHR | 0o600, rdev=(5, 1))
    # setuid: busybox keeps root only for the applets that need it (ping), so `cirros` can ping.
    cpio.add("bin/busybox", stat.S_IFREG | stat.S_ISUID | 0o755, busybox)
    cpio.add("init", stat.S_IFREG | 0o755, init.encode())
    cpio.add("etc/udhcpc.script", stat.S_IFREG | 0o755, UDHCPC_SCRIPT.encode())
    # "*": no password login, but not locked ("!"), which dropbear would refuse even with a key.
    cpio.add("etc/passwd", stat.S_IFREG | 0o644,
             b"root:*:0:0:root:/root:/bin/sh\ncirros:*:1000:1000:cirros:/home/cirros:/bin/sh\n")
    cpio.add("etc/group", stat.S_IFREG | 0o644, b"root:x:0:\ncirros:x:1000:\n")
    cpio.add("etc/shells", stat.S_IFREG | 0o644, b"/bin/sh\n")
    for name, data in sorted(modules.items()):
        cpio.add(f"lib/modules/{name}", stat.S_IFREG | 0o644, data)
    for path, data in sorted((files or {}).items()):
        cpio.add(path, stat.S_IFREG | 0o755, data)
    return gzip.compress(cpio.finish(), compresslevel=9, mtime=0)


class _Cpio:
    """A minimal writer of the "newc" cpio format the kernel unpacks (written here so no root is needed for the
    device node)."""

    def __init__(self) -> None:
        self.buf = io.BytesIO()
        self.ino = 1

    def add(self, name: str, mode: int, data: bytes = b"", rdev: tuple[int, int] = (0, 0)) -> None:
        encoded = name.encode() + b"\0"
        fields = (self.ino, mode, 0, 0, 1, 0, len(data), 0, 0, rdev[0], rdev[1], len(encoded), 0)
        self.ino += 1
        self.buf.write(b"070701" + b"".join(b"%08X" % f for f in fields))
        self.buf.write(encoded)
        self._pad()
        self.buf.write(data)
        self._pad()

    def _pad(self) -> None:
        self.buf.write(b"\0" * (-self.buf.tell() % 4))

    def finish(self) -> bytes:
        self.add("TRAILER!!!", 0)
        return self.buf.getvalue()


def extract_vmlinux(bzimage: bytes) -> bytes | None:
    """The uncompressed ELF kernel inside a bzImage (as the kernel's scripts/extract-vmlinux does), or None when
    its compression is one Python cannot undo here (then boot the bzImage)."""
    if len(bzimage) < 0x250 or bzimage[0x202:0x206] != b"HdrS":
        return None
    setup_sects = bzimage[0x1F1] or 4
    payload_offset, payload_length = struct.unpack_from("<II", bzimage, 0x248)
    start = (setup_sects + 1) * 512 + payload_offset
    payload = bzimage[start:start + payload_length]
    data: bytes | None = None
    try:
        if payload.startswith(b"\x1f\x8b"):
            data = gzip.decompress(payload)
        elif payload.startswith(b"\xfd7zXZ\x00"):
            data = lzma.decompress(payload, format=lzma.FORMAT_XZ)
        elif payload.startswith(b"\x5d\x00"):
            data = lzma.decompress(payload, format=lzma.FORMAT_ALONE)
    except (OSError, lzma.LZMAError, EOFError):
        data = _decompress_prefix(payload)
    if data is None or not data.startswith(b"\x7fELF"):
        return None
    return data


def _decompress_prefix(payload: bytes) -> bytes | None:
    """Some bzImages append the uncompressed size after the stream; decompress what is a valid stream."""
    try:
        if payload.startswith(b"\x1f\x8b"):
            d = zlib.decompressobj(16 + 15)
            return bytes(d.decompress(payload))
        if payload.startswith(b"\xfd7zXZ\x00"):
            return lzma.LZMADecompressor(format=lzma.FORMAT_XZ).decompress(payload)
    except (lzma.LZMAError, OSError):
        return None
    return None


def find_built(cache_dir: Path) -> TinyGuest | None:
    """The guest `build_tiny_guest` left under `cache_dir` (the newest kernel version when several), without
    running apt or touching the network; None when nothing is built there."""
    if not cache_dir.is_dir():
        return None
    built = []
    for out in cache_dir.iterdir():
        initrd = out / "initrd.img"
        kernel = next((k for k in (out / "vmlinux", out / "vmlinuz") if k.is_file()), None)
        if out.is_dir() and initrd.is_file() and kernel is not None:
            built.append((initrd.stat().st_mtime, out.name, kernel, initrd))
    if not built:
        return None
    _mtime, version, kernel, initrd = max(built)
    return _result(kernel, initrd, version)


def default_cache_dir(data_dir: Path) -> Path:
    """Where `stacklab image build-tiny` keeps the packages and the built guest."""
    return data_dir / "images" / "tiny"


def describe(guest: TinyGuest) -> dict[str, Any]:
    """A summary for the CLI: files, sizes and the properties to register the image with."""
    return {"kernel": str(guest.kernel), "kernel_bytes": guest.kernel.stat().st_size,
            "initrd": str(guest.initrd), "initrd_bytes": guest.initrd.stat().st_size,
            "kernel_version": guest.kernel_version, "min_ram_mb": guest.min_ram_mb}


def remove_cache(cache_dir: Path) -> None:
    """Delete the cache (packages and built files)."""
    shutil.rmtree(cache_dir, ignore_errors=True)
