"""`stacklab vm build-box`: a Debian 12 Vagrant box for libvirt, built offline-capable from Debian's packages.

A classroom without internet still gets its VM: debootstrap (from a Debian mirror or a local one) fills a root
directory with everything StackLab's deployment needs (python3, python3-venv, sudo, openssh-server, systemd, a
kernel), `mkfs.ext4 -d` turns it into a whole-disk ext4 image (no partition table: loop devices cannot parse
partitions on these machines, so grub-install cannot work; extlinux boots a partitionless disk), `qemu-img
convert` makes the qcow2, and the box is a tar of metadata.json + box.img + a Vagrantfile, added with
`vagrant box add`. Needs root (chroot, loop mount) and Debian's debootstrap, extlinux, qemu-utils, e2fsprogs.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tarfile
import tempfile
import textwrap
from collections.abc import Callable
from pathlib import Path

BOX_NAME = "stacklab-debian12"
SUITE = "bookworm"
DISK_GB = 20
# What the deployment installs from Debian, so an offline VM has it: libpcre3 for the dashboard's SCSS compiler.
PACKAGES = ("linux-image-amd64", "systemd-sysv", "openssh-server", "sudo", "python3", "python3-venv", "netbase",
            "iproute2", "ca-certificates", "ifupdown", "isc-dhcp-client", "tar", "less", "jq", "curl",
            "libpcre3")
TOOLS = {"debootstrap": "debootstrap", "extlinux": "extlinux", "qemu-img": "qemu-utils", "mkfs.ext4": "e2fsprogs",
         "vagrant": "vagrant"}
VAGRANT_PUBLIC_KEY = Path("/usr/share/rubygems-integration/all/gems/vagrant-2.3.4/keys/vagrant.pub")


class BoxError(RuntimeError):
    """The box could not be built (missing tool, failing command)."""


def missing_tools() -> list[str]:
    """Debian packages to install before a build can work."""
    return sorted({pkg for tool, pkg in TOOLS.items() if shutil.which(tool) is None})


def _vagrant_public_key() -> str:
    candidates = [VAGRANT_PUBLIC_KEY,
                  *Path("/usr/share/rubygems-integration/all/gems").glob("vagrant-*/keys/vagrant.pub"),
                  *Path("/opt/vagrant/embedded/gems").glob("gems/vagrant-*/keys/vagrant.pub")]
    for path in candidates:
        if path.exists():
            return path.read_text().strip()
    raise BoxError("Vagrant's insecure public key (keys/vagrant.pub) not found: install Debian's vagrant")


def build_box(output: Path, mirror: str = "http://deb.debian.org/debian", add: bool = True, name: str = BOX_NAME,
              echo: Callable[[str], None] = print, work_dir: Path | None = None) -> Path:
    """Build the box file at `output` (and `vagrant box add` it as `name`); report progress through `echo`."""
    missing = missing_tools()
    if missing:
        raise BoxError(f"missing tools; install the Debian packages: apt-get install {' '.join(missing)}")
    work = Path(tempfile.mkdtemp(prefix="stacklab-box-", dir=work_dir))
    root, raw, mnt = work / "root", work / "disk.raw", work / "mnt"

    def step(number: int, title: str, *commands: list[str]) -> None:
        echo(f"[{number}/7] {title}")
        for command in commands:
            result = subprocess.run(command, capture_output=True, text=True, timeout=3600)
            if result.returncode != 0:
                raise BoxError(f"`{' '.join(command)}` failed ({result.returncode}):\n{result.stderr[-3000:]}")

    try:
        step(1, f"debootstrap {SUITE} from {mirror} (a few minutes)",
             ["debootstrap", "--variant=minbase", f"--include={','.join(PACKAGES)}", SUITE, str(root), mirror])
        echo("[2/7] configure: vagrant user, sshd, DHCP, fstab, boot loader config")
        _configure(root)
        step(3, f"ext4 image ({DISK_GB} GB, sparse)",
             ["truncate", "-s", f"{DISK_GB}G", str(raw)],
             ["mkfs.ext4", "-q", "-F", "-L", "root", "-d", str(root), str(raw)])
        mnt.mkdir()
        step(4, "extlinux boot loader (whole-disk ext4, no partition table)",
             ["mount", "-o", "loop", str(raw), str(mnt)])
        try:
            step(4, "extlinux --install", ["extlinux", "--install", str(mnt / "boot" / "extlinux")])
        finally:
            subprocess.run(["umount", str(mnt)], capture_output=True, timeout=120)
        step(5, "qemu-img convert to qcow2", ["qemu-img", "convert", "-O", "qcow2", str(raw), str(work / "box.img")])
        raw.unlink()
        echo("[6/7] box file: metadata.json, box.img, Vagrantfile")
        (work / "metadata.json").write_text(json.dumps({"provider": "libvirt", "format": "qcow2",
                                                        "virtual_size": DISK_GB}))
        (work / "Vagrantfile").write_text(textwrap.dedent("""\
            Vagrant.configure("2") do |config|
              config.vm.provider :libvirt do |lv|
                lv.disk_bus = "virtio"
              end
            end
            """))
        output.parent.mkdir(parents=True, exist_ok=True)
        with tarfile.open(output, "w:gz", compresslevel=1) as tar:
            for member in ("metadata.json", "Vagrantfile", "box.img"):
                tar.add(work / member, arcname=member)
        if add:
            step(7, f"vagrant box add --name {name}", ["vagrant", "box", "add", "--force", "--name", name, str(output)])
        else:
            echo("[7/7] not added to Vagrant (--no-add)")
        return output
    finally:
        # debootstrap mounts these inside the root while it runs; never recurse into a live /proc or /sys.
        for mount in (mnt, root / "proc", root / "sys", root / "dev" / "pts"):
            subprocess.run(["umount", "--lazy", str(mount)], capture_output=True, timeout=120)
        shutil.rmtree(work, ignore_errors=True)


def _configure(root: Path) -> None:
    """Make the root filesystem a Vagrant box: what Vagrant expects (user, key, sudo, sshd) and a boot setup."""
    def write(path: str, text: str, mode: int = 0o644) -> None:
        target = root / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
        target.chmod(mode)

    def chroot(*command: str) -> None:
        result = subprocess.run(["chroot", str(root), *command], capture_output=True, text=True, timeout=600)
        if result.returncode != 0:
            raise BoxError(f"chroot {' '.join(command)} failed: {result.stderr[-2000:]}")

    write("/etc/hostname", "stacklab\n")
    write("/etc/hosts", "127.0.0.1 localhost\n127.0.1.1 stacklab\n")
    write("/etc/fstab", "LABEL=root / ext4 errors=remount-ro 0 1\n")
    # net.ifnames=0 on the kernel command line: the NIC is eth0 whatever the PCI slot.
    write("/etc/network/interfaces", "auto lo\niface lo inet loopback\n\nallow-hotplug eth0\niface eth0 inet dhcp\n")
    chroot("useradd", "--create-home", "--shell", "/bin/bash", "vagrant")
    chroot("sh", "-c", "echo vagrant:vagrant | chpasswd")
    write("/etc/sudoers.d/vagrant", "vagrant ALL=(ALL) NOPASSWD: ALL\nDefaults:vagrant !requiretty\n", 0o440)
    write("/home/vagrant/.ssh/authorized_keys", _vagrant_public_key() + "\n", 0o600)
    chroot("chown", "-R", "vagrant:vagrant", "/home/vagrant/.ssh")
    (root / "home/vagrant/.ssh").chmod(0o700)
    write("/etc/ssh/sshd_config.d/vagrant.conf", "UseDNS no\nPasswordAuthentication yes\n")
    kernels = sorted((root / "boot").glob("vmlinuz-*"))
    initrds = sorted((root / "boot").glob("initrd.img-*"))
    if not kernels or not initrds:
        raise BoxError("debootstrap installed no kernel/initramfs under /boot")
    write("/boot/extlinux/extlinux.conf", textwrap.dedent(f"""\
        DEFAULT debian
        TIMEOUT 1
        LABEL debian
          KERNEL /boot/{kernels[-1].name}
          INITRD /boot/{initrds[-1].name}
          APPEND root=LABEL=root rw net.ifnames=0 console=tty0 console=ttyS0,115200
        """))
    # Each VM made from the box gets its own SSH host keys and machine id at first boot.
    for key in (root / "etc/ssh").glob("ssh_host_*"):
        key.unlink()
    write("/etc/systemd/system/ssh-hostkeys.service", textwrap.dedent("""\
        [Unit]
        Description=Generate SSH host keys on first boot
        Before=ssh.service
        ConditionPathExists=!/etc/ssh/ssh_host_ed25519_key

        [Service]
        Type=oneshot
        ExecStart=/usr/bin/ssh-keygen -A

        [Install]
        WantedBy=multi-user.target
        """))
    chroot("systemctl", "enable", "ssh-hostkeys.service")
    write("/etc/machine-id", "")
    chroot("apt-get", "clean")
