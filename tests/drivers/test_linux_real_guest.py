"""Real TCG guests on the linux network driver, through the API as a student makes them (issue 21's end-to-end
check): two `server create` on the demo's `private` network under the libvirt driver, whose private libvirtd runs
in the network driver's host namespace, so QEMU's taps join the network's bridge. The tiny guests get exactly
their ports' Neutron addresses from the qdhcp namespace's dnsmasq and their hostname and key from the metadata
service (through router1's namespace proxy); the host sshs in as `cirros` through a floating IP. One pair of
guests serves every check, because each TCG boot costs seconds of CPU. Everything is in namespaces the test owns
(removed even after a failure)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from lab.cloud import guest_image
from lab.cloud.app import Cloud, create_app
from lab.cloud.drivers.linux import LinuxNetworkDriver, alive, bridge_name, tap_name
from lab.config import Settings
from tests.cloud.network_helpers import N, create, public_network
from tests.conftest import ADMIN_PASSWORD, get_token
from tests.drivers.linux_host import linux_host, namespaces
from tests.drivers.test_real_boot import BOOT_TIMEOUT, MISSING, qemu_processes, wait_for

pytestmark = pytest.mark.root
V = "/compute/v2.1"


class Guests:
    """The host's view: ssh (as cirros, with the key pair's private key) and ping, from the host namespace."""

    def __init__(self, host_ns: str, key: Path):
        self.host_ns, self.key = host_ns, key
        self.opts = ["-i", str(key), "-F", "/dev/null", "-o", "StrictHostKeyChecking=no", "-o",
                     "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes", "-o", "ConnectTimeout=3",
                     "-o", "LogLevel=ERROR"]

    def host(self, *argv: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["ip", "netns", "exec", self.host_ns, *argv], capture_output=True, text=True,
                              timeout=timeout)

    def ssh(self, address: str, command: str, via: str | None = None) -> subprocess.CompletedProcess[str]:
        """`ssh cirros@address command`; with `via`, through that guest (its dropbear forwards the connection)."""
        jump = []
        if via is not None:
            jump = ["-o", "ProxyCommand=ssh " + " ".join(self.opts) + f" -W %h:%p cirros@{via}"]
        return self.host("ssh", *self.opts, *jump, f"cirros@{address}", command, timeout=40)

    def ping(self, address: str) -> bool:
        return self.host("ping", "-c", "1", "-W", "1", address).returncode == 0


def test_two_guests_ping_filter_ssh_metadata_snat_restart_and_clean_up(request: pytest.FixtureRequest) -> None:
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
        clouds = [Cloud(settings)]
        try:
            run_scenario(clouds, settings, host_ns, data_dir)
        finally:
            for cloud in reversed(clouds):
                cloud.close()
            shutil.rmtree(data_dir, ignore_errors=True)


def run_scenario(clouds: list[Cloud], settings: Settings, host_ns: str, data_dir: Path) -> None:
    cloud = clouds[0]
    cloud.network_driver.start()
    client = TestClient(create_app(settings, cloud=cloud, start_worker=False), base_url="http://127.0.0.1:8780")
    demo = {"X-Auth-Token": get_token(client, "demo", "demo", "demo")}

    # What a student types first: a key pair from their own public key, a group for ssh and http only.
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(data_dir / "id")], check=True)
    key = client.post(f"{V}/os-keypairs", json={"keypair": {"name": "mykey", "public_key": (
        data_dir / "id.pub").read_text()}}, headers=demo)
    assert key.status_code == 200, key.text
    web = create(client, demo, "security-groups", name="web")
    for port in (22, 80):
        create(client, demo, "security-group-rules", security_group_id=web["id"], direction="ingress",
               ethertype="IPv4", protocol="tcp", port_range_min=port, port_range_max=port)
    private = client.get(f"{N}/networks", params={"name": "private"}, headers=demo).json()["networks"][0]
    router = client.get(f"{N}/routers", params={"name": "router1"}, headers=demo).json()["routers"][0]
    cloud.worker.run_due()

    started = time.monotonic()
    servers = []
    for name in ("vm1", "vm2"):
        r = client.post(f"{V}/servers", headers=demo, json={"server": {
            "name": name, "flavorRef": "42", "imageRef": cirros_id(client, demo), "key_name": "mykey",
            "networks": [{"uuid": private["id"]}], "security_groups": [{"name": "web"}]}})
        assert r.status_code == 202, r.text
        servers.append(r.json()["server"]["id"])
    cloud.worker.run_due()
    ports = [client.get(f"{N}/ports", params={"device_id": s}, headers=demo).json()["ports"][0] for s in servers]
    ips = [p["fixed_ips"][0]["ip_address"] for p in ports]
    fip = create(client, demo, "floatingips", floating_network_id=public_network(client, demo)["id"],
                 port_id=ports[0]["id"])["floating_ip_address"]
    g = Guests(host_ns, data_dir / "id")

    # The host sshs into vm1 through its floating IP with the injected key; `hostname` is the server's name.
    def sshd_up() -> bool:
        cloud.worker.run_due()
        return g.ssh(fip, "hostname").stdout.strip() == "vm1"

    assert wait_for(sshd_up, BOOT_TIMEOUT), consoles(cloud, servers)
    elapsed = time.monotonic() - started
    assert wait_for(lambda: (cloud.worker.run_due(), all(
        status(client, demo, s) == "ACTIVE" for s in servers))[1], BOOT_TIMEOUT), consoles(cloud, servers)
    rss = [max(int(line.split()[1]) for pid in qemu_processes(s)
               for line in Path(f"/proc/{pid}/status").read_text().splitlines() if line.startswith("VmRSS"))
           for s in servers]
    print(f"server create (two at once) to ssh through the floating IP: {elapsed:.1f} s under "
          f"{cloud.compute_driver.virt_type}; QEMU resident memory {', '.join(f'{k // 1024} MiB' for k in rss)}")
    console = cloud.compute_driver.console_output(servers[0])
    assert f"addresses={ips[0]}/" in console  # DHCP gave exactly the Neutron address
    assert f"{guest_image.METADATA_MARKER} hostname=vm1 keys=1" in console  # key and name from metadata

    # Metadata in the OpenStack format too, read from inside the guest through the router's proxy; and the
    # group has no ICMP, so vm1 cannot ping vm2 (one ssh session for both: each costs a TCG key exchange).
    md = "http://169.254.169.254"
    out = g.ssh(fip, f"wget -q -O - {md}/openstack/latest/meta_data.json; echo; "
                     f"ping -c 1 -W 1 {ips[1]} >/dev/null && echo PING-PASSED || echo PING-BLOCKED").stdout
    meta = json.loads(out.splitlines()[0])
    assert (meta["uuid"], meta["hostname"]) == (servers[0], "vm1.novalocal")
    assert out.splitlines()[-1] == "PING-BLOCKED"
    assert g.host("curl", "-s", "-m", "5", f"http://{fip}/").stdout.strip() == "vm1"  # the tiny HTTP responder

    # Adding the rule lets the ping through, live.
    create(client, demo, "security-group-rules", security_group_id=web["id"], direction="ingress",
           ethertype="IPv4", protocol="icmp")
    cloud.worker.run_due()
    assert g.ssh(fip, f"ping -c 1 -W 2 {ips[1]}").returncode == 0

    # vm2 (no floating IP) is reached through vm1: it got its own name and the key from metadata too, pings
    # vm1, and reaches the host through router1's SNAT (the host has no route back to private's 10.0.0.0/26,
    # so only a translated source gets an answer).
    public_bridge = bridge_name(public_network(client, demo)["id"])
    gateway = g.host("ip", "-4", "-o", "addr", "show", "dev", public_bridge).stdout.split()[3].split("/")[0]
    checks = (f"hostname; ping -c 1 -W 2 {ips[0]} >/dev/null && echo PEER-OK; "
              f"ping -c 1 -W 2 {gateway} >/dev/null && echo HOST-OK")
    assert wait_for(lambda: g.ssh(ips[1], checks, via=fip).stdout.split() == ["vm2", "PEER-OK", "HOST-OK"],
                    60), consoles(cloud, servers)
    assert g.ping(fip)

    # A restart of the lab: the new process re-ensures everything and adopts what runs (dnsmasq and the
    # metadata proxy keep their pids, the guests keep running); connectivity and metadata stay.
    driver = cloud.network_driver
    assert isinstance(driver, LinuxNetworkDriver)
    dnsmasq, proxy = driver._dnsmasq_pid(private["id"]), driver.proxy_pid(router["id"])
    assert dnsmasq is not None and proxy is not None
    # The old lab process goes as a killed one does: its metadata agent with it, the libvirtd it started left
    # running for the next one to adopt (a clean `stacklab down` would power the guests off).
    driver.close()
    cloud.compute_driver.daemon = None  # type: ignore[attr-defined]
    cloud = Cloud(settings)
    clouds.append(cloud)
    cloud.network_driver.start()
    client = TestClient(create_app(settings, cloud=cloud, start_worker=False), base_url="http://127.0.0.1:8780")
    cloud.worker.run_due()
    driver = cloud.network_driver
    assert isinstance(driver, LinuxNetworkDriver)
    assert (driver._dnsmasq_pid(private["id"]), driver.proxy_pid(router["id"])) == (dnsmasq, proxy)
    assert g.ssh(fip, f"hostname; wget -q -O - {md}/latest/meta-data/local-ipv4").stdout.split() == ["vm1", ips[0]]

    # Deleting everything leaves no namespace, bridge, tap, dnsmasq, proxy or chain of it behind.
    demo = {"X-Auth-Token": get_token(client, "demo", "demo", "demo")}
    for server_id in servers:
        assert client.delete(f"{V}/servers/{server_id}", headers=demo).status_code == 204
    fip_id = client.get(f"{N}/floatingips", headers=demo).json()["floatingips"][0]["id"]
    assert client.delete(f"{N}/floatingips/{fip_id}", headers=demo).status_code == 204
    subnet_id = private["subnets"][0]
    r = client.put(f"{N}/routers/{router['id']}/remove_router_interface", json={"subnet_id": subnet_id},
                   headers=demo)
    assert r.status_code == 200, r.text
    assert client.delete(f"{N}/routers/{router['id']}", headers=demo).status_code == 204
    assert wait_for(lambda: (cloud.worker.run_due(), all(
        status(client, demo, s) == "gone" for s in servers))[1], 60)
    assert client.delete(f"{N}/networks/{private['id']}", headers=demo).status_code == 204
    cloud.worker.run_due()
    left = namespaces()
    assert f"{host_ns}-qdhcp-{private['id']}" not in left and f"{host_ns}-qrouter-{router['id']}" not in left
    links = g.host("ip", "-o", "link", "show").stdout
    assert bridge_name(private["id"]) not in links
    assert not any(tap_name(p["id"]) in links for p in ports)
    assert not alive(dnsmasq) and not alive(proxy)
    rules = g.host("iptables", "-S").stdout
    assert all(c not in rules for p in ports for c in driver._chains(p["id"]))
    assert not any(qemu_processes(s) for s in servers)
    driver.teardown()  # the rest (public's bridge, the host namespace) goes too
    assert {n for n in namespaces() if n.startswith(host_ns)} == set()


def cirros_id(client: TestClient, headers: dict[str, str]) -> str:
    images = client.get("/image/v2/images", params={"name": "cirros"}, headers=headers).json()["images"]
    return str(images[0]["id"])


def status(client: TestClient, headers: dict[str, str], server_id: str) -> str:
    r = client.get(f"{V}/servers/{server_id}", headers=headers)
    return "gone" if r.status_code == 404 else str(r.json()["server"]["status"])


def consoles(cloud: Cloud, servers: list[Any]) -> str:
    out = []
    for s in servers:
        try:
            out.append(cloud.compute_driver.console_output(s)[-3000:])
        except Exception as exc:  # a diagnostic only
            out.append(repr(exc))
    return "\n----\n".join(out)
