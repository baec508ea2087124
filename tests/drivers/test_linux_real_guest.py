"""A real TCG guest on the linux network driver, through the API as a student makes one: `server create` on the
demo network under the libvirt driver, whose private libvirtd runs in the network driver's host namespace, so
QEMU's tap joins the network's bridge; the tiny guest's udhcpc gets exactly the port's Neutron address from the
qdhcp namespace's dnsmasq, and the host pings it through a floating IP on the router's qrouter namespace.
Everything is in namespaces the test owns (removed even after a failure)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from lab.cloud import guest_image
from lab.cloud.app import Cloud, create_app
from lab.config import Settings
from tests.cloud.compute_support import create_server
from tests.cloud.network_helpers import N, create, public_network
from tests.conftest import ADMIN_PASSWORD, get_token
from tests.drivers.linux_host import linux_host, namespaces
from tests.drivers.test_real_boot import BOOT_TIMEOUT, MISSING, qemu_processes, wait_for

pytestmark = pytest.mark.root


def test_server_create_to_ping_through_a_floating_ip_under_tcg(request: pytest.FixtureRequest) -> None:
    """What a student does: `server create` on the demo network, a floating IP, then ping it from the host."""
    if os.geteuid() != 0 or MISSING:
        pytest.skip(f"needs root and {', '.join(MISSING) or 'libvirtd'} (scripts/setup.sh)")
    tiny = guest_image.build_tiny_guest(request.config.cache.mkdir("stacklab-tiny-guest"))
    with linux_host() as host_ns:
        data_dir = Path(tempfile.mkdtemp(prefix="sl-"))
        cache = guest_image.default_cache_dir(data_dir)
        cache.mkdir(parents=True)
        (cache / tiny.kernel.parent.name).symlink_to(tiny.kernel.parent)  # the built guest becomes cirros
        settings = Settings(data_dir=data_dir, admin_password=ADMIN_PASSWORD, boot_seconds=0.0, port=8780,
                            compute_driver="libvirt", libvirt_uri="qemu:///system", network_driver="linux",
                            linux_host_netns=host_ns)
        cloud = Cloud(settings)
        try:
            cloud.network_driver.start()
            client = TestClient(create_app(settings, cloud=cloud, start_worker=False),
                                base_url="http://127.0.0.1:8780")
            demo = {"X-Auth-Token": get_token(client, "demo", "demo", "demo")}
            private = client.get(f"{N}/networks", params={"name": "private"}, headers=demo).json()["networks"][0]
            group = client.get(f"{N}/security-groups", params={"name": "default"}, headers=demo).json()
            create(client, demo, "security-group-rules", security_group_id=group["security_groups"][0]["id"],
                   direction="ingress", ethertype="IPv4", protocol="icmp")
            cloud.worker.run_due()
            started = time.monotonic()
            server = create_server(client, cloud, demo, name="vm1", flavor="42",
                                   networks=[{"uuid": private["id"]}])
            port = client.get(f"{N}/ports", params={"device_id": server["id"]}, headers=demo).json()["ports"][0]
            fip = create(client, demo, "floatingips", floating_network_id=public_network(client, demo)["id"],
                         port_id=port["id"])

            def active() -> bool:
                cloud.worker.run_due()
                return bool(client.get(f"/compute/v2.1/servers/{server['id']}", headers=demo)
                            .json()["server"]["status"] == "ACTIVE")

            assert wait_for(active, BOOT_TIMEOUT)
            pinged = wait_for(lambda: subprocess.run(
                ["ip", "netns", "exec", host_ns, "ping", "-c", "1", "-W", "1", fip["floating_ip_address"]],
                capture_output=True, timeout=10).returncode == 0, 30)
            console = cloud.compute_driver.console_output(server["id"])
            assert pinged, console
            assert f"addresses={port['fixed_ips'][0]['ip_address']}/" in console
            elapsed = time.monotonic() - started
            rss = max(int(line.split()[1]) for pid in qemu_processes(server["id"])
                      for line in Path(f"/proc/{pid}/status").read_text().splitlines() if line.startswith("VmRSS"))
            print(f"server create to ping through the floating IP: {elapsed:.1f} s under "
                  f"{cloud.compute_driver.virt_type}; QEMU resident memory {rss // 1024} MiB")
            cloud.network_driver.teardown()  # everything the driver made goes, its host namespace too
            assert {n for n in namespaces() if n.startswith(host_ns)} == set()
        finally:
            cloud.close()
            shutil.rmtree(data_dir, ignore_errors=True)
