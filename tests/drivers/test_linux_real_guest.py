"""A real TCG guest on the linux network driver: the libvirt driver's private libvirtd runs in the network
driver's host namespace, QEMU's tap joins the network's bridge, the tiny guest's udhcpc gets exactly the
address given to the port from the qdhcp namespace's dnsmasq, and the host pings it through a floating IP on a
qrouter namespace. Everything is in namespaces the test owns (removed even after a failure)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from lab.cloud import guest_image
from lab.cloud.drivers import load_driver
from lab.cloud.drivers.base import (
    DhcpHost,
    FloatingIPSpec,
    GuestSpec,
    ImageSpec,
    NetworkSpec,
    NicSpec,
    RouterPortSpec,
    RouterSpec,
    SubnetSpec,
)
from lab.config import Settings
from tests.drivers.linux_host import linux_host, namespaces
from tests.drivers.test_real_boot import BOOT_TIMEOUT, MISSING, qemu_processes, wait_for

pytestmark = pytest.mark.root

SERVER_ID = "5e0b5c8e-8f0e-4b7a-9a51-0000000000c1"
# Device names take an id's first 11 characters (as Neutron's do), so the ids differ there.
NET, PUB, ROUTER = "a1000000-0000-4000-8000-000000000000", "a2000000-0000-4000-8000-000000000000", "r-1"
PORT, MAC = "b0000000-0001-4000-8000-000000000000", "fa:16:3e:00:90:10"


def test_a_tcg_guest_gets_its_neutron_address_and_answers_on_its_floating_ip(
        request: pytest.FixtureRequest) -> None:
    if os.geteuid() != 0 or MISSING:
        pytest.skip(f"needs root and {', '.join(MISSING) or 'libvirtd'} (scripts/setup.sh)")
    tiny = guest_image.build_tiny_guest(request.config.cache.mkdir("stacklab-tiny-guest"))
    with linux_host() as host_ns:
        data_dir = Path(tempfile.mkdtemp(prefix="sl-"))  # short: libvirtd's unix socket path is limited
        settings = Settings(data_dir=data_dir, libvirt_uri="qemu:///system", network_driver="linux",
                            linux_host_netns=host_ns)
        network = load_driver("network", "linux", settings)
        network.start()
        compute = load_driver("compute", "libvirt", settings, private_libvirtd=True)
        try:
            compute.start()
            network.ensure_network(NetworkSpec(
                id=NET, mtu=1450, network_type="vxlan", physical_network=None, segmentation_id=90, external=False,
                subnets=(SubnetSpec("s1", "10.90.0.0/24", "10.90.0.1", True),),
                dhcp_hosts=(DhcpHost(MAC, "10.90.0.10", PORT),),
                dhcp_ports=(DhcpHost("fa:16:3e:00:90:02", "10.90.0.2", "d0000000-0001-4000-8000-000000000000"),)))
            network.ensure_network(NetworkSpec(
                id=PUB, mtu=1500, network_type="flat", physical_network="public", segmentation_id=None,
                external=True, subnets=(SubnetSpec("s2", "203.0.113.0/24", "203.0.113.1", False),)))
            network.ensure_router(RouterSpec(
                id=ROUTER,
                interfaces=(RouterPortSpec("c1000000-0000-4000-8000-000000000000", NET, "fa:16:3e:00:90:01",
                                           "10.90.0.1", "10.90.0.0/24", "10.90.0.1", 1450),),
                gateway=RouterPortSpec("c2000000-0000-4000-8000-000000000000", PUB, "fa:16:3e:00:71:05",
                                       "203.0.113.5", "203.0.113.0/24", "203.0.113.1"),
                floating_ips=(FloatingIPSpec("203.0.113.20", "10.90.0.10"),)))
            image = ImageSpec(id="tiny", name="tiny", path=None, properties=tiny.properties)
            started = time.monotonic()
            compute.spawn(GuestSpec(
                server_id=SERVER_ID, name="vm1", hostname="vm1", vcpus=1, ram_mb=tiny.min_ram_mb, disk_gb=0,
                image=image, nics=(NicSpec(port_id=PORT, mac_address=MAC, network_id=NET,
                                           bridge=network.bridge_for(NET), mtu=1450),)))
            assert wait_for(lambda: compute.is_ready(SERVER_ID), BOOT_TIMEOUT), compute.console_output(SERVER_ID)
            assert "addresses=10.90.0.10/24" in compute.console_output(SERVER_ID)
            pinged = wait_for(lambda: subprocess.run(
                ["ip", "netns", "exec", host_ns, "ping", "-c", "1", "-W", "1", "203.0.113.20"],
                capture_output=True, timeout=10).returncode == 0, 30)
            assert pinged, compute.console_output(SERVER_ID)
            elapsed = time.monotonic() - started
            rss = max(int(line.split()[1]) for pid in qemu_processes(SERVER_ID)
                      for line in Path(f"/proc/{pid}/status").read_text().splitlines() if line.startswith("VmRSS"))
            compute.destroy(SERVER_ID)
            network.teardown()  # everything the driver made goes, its host namespace too
            assert network.list_networks() == network.list_routers() == []
            assert {n for n in namespaces() if n.startswith(host_ns)} == set()
            print(f"spawn to ping through the floating IP: {elapsed:.1f} s under "
                  f"{compute.virt_type}; QEMU resident memory {rss // 1024} MiB")
        finally:
            try:
                compute.destroy(SERVER_ID)
            finally:
                compute.close()
                network.close()
                shutil.rmtree(data_dir, ignore_errors=True)
