"""The linux network driver end to end, as root: a lab with `network_driver=linux` builds real bridges,
namespaces, dnsmasq and NAT from what the networking API is asked, and packets flow as on Neutron.

The guests here are network namespaces plugged exactly where the libvirt driver plugs a guest's tap
(`tap<port[:11]>` on the network's bridge, the port's MAC), getting their address by DHCP (busybox udhcpc) and
running sshd: a true edge standing in for a TCG guest, whose boot would cost far more CPU than the plumbing
test. "The host" is a namespace the driver owns (`linux_host_netns`), so nothing touches the machine's own
interfaces; every namespace, and with them every bridge, veth, rule and dnsmasq, is removed afterwards."""

from __future__ import annotations

import base64
import json
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from lab.cli import main
from lab.cloud.app import Cloud, create_app
from lab.cloud.drivers.base import DriverError
from lab.cloud.drivers.linux import LinuxNetworkDriver, alive, bridge_name, tap_name
from lab.config import Settings
from tests.cloud.compute_support import create_server
from tests.cloud.network_helpers import N, create, network_with_subnet, public_network
from tests.conftest import ADMIN_PASSWORD
from tests.drivers.linux_host import linux_host, namespaces

UDHCPC_SCRIPT = """#!/bin/sh
# udhcpc's event script for a stand-in guest: configure only the guest's own interface, record the lease.
[ "$1" = bound ] || exit 0
ip addr add "$ip/$mask" dev "$interface"
[ -z "$mtu" ] || ip link set "$interface" mtu "$mtu"
[ -z "$router" ] || ip route replace default via "${router%% *}"
echo "$ip $mask ${router%% *} $mtu" > "$(dirname "$0")/lease-$interface-$(ip netns identify)"
"""


@pytest.fixture
def host_ns() -> Iterator[str]:
    with linux_host() as name:
        yield name


@pytest.fixture
def settings(tmp_path: Path, host_ns: str) -> Settings:
    return Settings(data_dir=tmp_path / "lab", admin_password=ADMIN_PASSWORD, boot_seconds=0.0, port=8780,
                    host="127.0.0.1", network_driver="linux", linux_host_netns=host_ns)


@pytest.fixture
def cloud(settings: Settings) -> Iterator[Cloud]:
    cloud = Cloud(settings)
    cloud.network_driver.start()  # the worker is not started in tests; the driver must be
    cloud.bootstrap()
    yield cloud
    cloud.close()


def sh(*argv: str, ns: str | None = None, check: bool = True, timeout: float = 20) -> subprocess.CompletedProcess:
    cmd = ["ip", "netns", "exec", ns, *argv] if ns else list(argv)
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    assert not check or done.returncode == 0, f"{cmd}: {done.stderr}{done.stdout}"
    return done


def ping(ns: str, address: str) -> bool:
    """One echo with a short deadline: a negative check costs its timeout."""
    return sh("ping", "-c", "1", "-W", "1", address, ns=ns, check=False).returncode == 0


def plug_guest(host_ns: str, name: str, port: dict[str, Any], tmp_path: Path) -> tuple[str, str]:
    """A namespace guest on the port's network, as libvirt plugs one; (its namespace, the address DHCP gave)."""
    ns = f"{host_ns}-guest-{name}"
    sh("ip", "netns", "add", ns)
    sh("ip", "-n", ns, "link", "set", "lo", "up")
    tap = tap_name(port["id"])
    sh("ip", "-n", host_ns, "link", "add", tap, "type", "veth", "peer", "name", "eth0", "netns", ns)
    sh("ip", "-n", host_ns, "link", "set", tap, "master", bridge_name(port["network_id"]), "up")
    sh("ip", "-n", ns, "link", "set", "eth0", "address", port["mac_address"], "up")
    script = tmp_path / "udhcpc.sh"
    script.write_text(UDHCPC_SCRIPT)
    script.chmod(0o700)
    sh("busybox", "udhcpc", "-i", "eth0", "-f", "-q", "-n", "-t", "6", "-T", "1", "-s", str(script), ns=ns,
       timeout=30)
    lease = (tmp_path / f"lease-eth0-{ns}").read_text().split()
    return ns, lease[0]


def start_sshd(ns: str, hostname: str, tmp_path: Path) -> Path:
    """sshd in the guest namespace (its own UTS namespace, so `hostname` answers the server's name), accepting
    only a key made for the test; the client's private key is returned."""
    d = tmp_path / f"ssh-{hostname}"
    d.mkdir()
    sh("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(d / "host_key"))
    sh("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(d / "id"))
    (d / "authorized_keys").write_text((d / "id.pub").read_text())
    (d / "sshd_config").write_text(
        f"HostKey {d / 'host_key'}\nAuthorizedKeysFile {d / 'authorized_keys'}\nPidFile {d / 'pid'}\n"
        "PermitRootLogin prohibit-password\nPasswordAuthentication no\nUsePAM no\nStrictModes no\n"
        "ListenAddress 0.0.0.0\nPort 22\n")
    Path("/run/sshd").mkdir(exist_ok=True)
    subprocess.Popen(["ip", "netns", "exec", ns, "unshare", "--uts", "sh", "-c",
                      f"hostname {hostname} && exec /usr/sbin/sshd -D -e -f {d / 'sshd_config'}"],
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    return d / "id"


def ssh(host_ns: str, key: Path, address: str, command: str) -> str:
    done = sh("ssh", "-i", str(key), "-F", "/dev/null", "-o", "StrictHostKeyChecking=no", "-o",
              "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes", "-o", "ConnectTimeout=5",
              "-o", "ConnectionAttempts=10", f"root@{address}", command, ns=host_ns, check=False, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def wait_until(predicate: Any, timeout: float = 5) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_guests_ping_filter_float_and_survive_a_restart(cloud: Cloud, client: TestClient, as_demo: dict,
                                                        as_admin: dict, settings: Settings, host_ns: str,
                                                        tmp_path: Path) -> None:
    run = cloud.worker.run_due
    net, sub = network_with_subnet(client, as_demo, "10.81.0.0/24", name="real")
    closed = create(client, as_demo, "security-groups", name="closed")  # egress only, as a new group has
    a = create(client, as_demo, "ports", network_id=net["id"], security_groups=[closed["id"]])
    b = create(client, as_demo, "ports", network_id=net["id"], security_groups=[closed["id"]])
    router = create(client, as_demo, "routers", name="edge",
                    external_gateway_info={"network_id": public_network(client, as_demo)["id"]})
    r = client.put(f"{N}/routers/{router['id']}/add_router_interface", json={"subnet_id": sub["id"]},
                   headers=as_demo)
    assert r.status_code == 200, r.text
    run()

    # DHCP hands each guest exactly the address Neutron allocated, with the subnet's gateway.
    ns_a, ip_a = plug_guest(host_ns, "a", a, tmp_path)
    ns_b, ip_b = plug_guest(host_ns, "b", b, tmp_path)
    assert (ip_a, ip_b) == (a["fixed_ips"][0]["ip_address"], b["fixed_ips"][0]["ip_address"])
    assert f"{host_ns}-qdhcp-{net['id']}" in namespaces() and f"{host_ns}-qrouter-{router['id']}" in namespaces()
    qr = sh("ip", "-o", "link", "show", "qr-" + r.json()["port_id"][:11],
            ns=f"{host_ns}-qrouter-{router['id']}").stdout
    assert f"mtu {net['mtu']} " in qr  # the router's leg takes the network's MTU (1450 on vxlan), as Neutron's

    # Metadata: guest a is a server's port; from inside it, 169.254.169.254 answers that server's documents
    # (through the router's proxy and the lab's agent), in both formats, whatever address a guest claims.
    keypair = client.post("/compute/v2.1/os-keypairs", json={"keypair": {"name": "k1"}}, headers=as_demo).json()
    server = create_server(client, cloud, as_demo, name="meta-vm", key_name="k1", networks=[{"port": a["id"]}],
                           user_data=base64.b64encode(b"#!/bin/sh\necho hi\n").decode())
    md = "http://169.254.169.254"
    doc = json.loads(sh("busybox", "wget", "-q", "-O", "-", "--header", f"X-Forwarded-For: {ip_b}",
                        f"{md}/openstack/latest/meta_data.json", ns=ns_a).stdout)
    assert (doc["uuid"], doc["name"], doc["hostname"]) == (server["id"], "meta-vm", "meta-vm.novalocal")
    assert doc["public_keys"] == {"k1": keypair["keypair"]["public_key"]}
    ec2 = f"{md}/latest/meta-data"
    assert sh("busybox", "wget", "-q", "-O", "-", f"{ec2}/public-keys/0/openssh-key", ns=ns_a).stdout.strip() \
        == keypair["keypair"]["public_key"].strip()
    assert sh("busybox", "wget", "-q", "-O", "-", f"{ec2}/local-ipv4", ns=ns_a).stdout == ip_a
    assert sh("busybox", "wget", "-q", "-O", "-", f"{md}/latest/user-data", ns=ns_a).stdout == "#!/bin/sh\necho hi\n"
    missing = sh("busybox", "wget", "-q", "-O", "-", f"{md}/openstack/latest/nothing", ns=ns_a, check=False)
    assert missing.returncode != 0  # Nova's 404
    # b is no server's port: nothing to read
    assert sh("busybox", "wget", "-q", "-O", "-", f"{ec2}/hostname", ns=ns_b, check=False).returncode

    # The agents are the driver's processes: all alive; a killed dnsmasq makes the DHCP agent dead (its
    # heartbeat stays when it was last seen) and a killed proxy the metadata agent, until the driver's process
    # monitor (run here at once instead of after its 30 s) starts them again.
    def agents() -> dict[str, dict[str, Any]]:
        listed = client.get(f"{N}/agents", headers=as_admin).json()["agents"]
        return {a["agent_type"]: a for a in listed}

    assert {t: a["alive"] for t, a in agents().items()} == {
        "DHCP agent": True, "L3 agent": True, "Metadata agent": True, "Linux bridge agent": True}
    driver = cloud.network_driver
    assert isinstance(driver, LinuxNetworkDriver)
    killed = driver._dnsmasq_pid(net["id"])
    assert killed is not None
    seen = driver.agent_states()["DHCP agent"].last_seen
    sh("kill", "-9", str(killed))
    assert wait_until(lambda: not alive(killed))
    dead = agents()
    assert not dead["DHCP agent"]["alive"] and dead["L3 agent"]["alive"] and dead["Metadata agent"]["alive"]
    assert driver.agent_states()["DHCP agent"].last_seen == seen  # the heartbeat stands still
    proxy = driver.proxy_pid(router["id"])
    assert proxy is not None
    sh("kill", "-9", str(proxy))
    assert wait_until(lambda: not alive(proxy)) and not agents()["Metadata agent"]["alive"]
    assert sorted(driver.respawn()) == [f"dnsmasq of network {net['id']}", f"metadata proxy of router {router['id']}"]
    assert all(a["alive"] for a in agents().values())
    assert driver._dnsmasq_pid(net["id"]) not in (None, killed) and driver.proxy_pid(router["id"]) not in (None, proxy)
    assert driver.respawn() == []  # nothing else died

    # A group without ICMP blocks the ping; adding the rule lets it through, live.
    assert not ping(ns_a, ip_b)
    create(client, as_demo, "security-group-rules", security_group_id=closed["id"], direction="ingress",
           ethertype="IPv4", protocol="icmp")
    run()
    assert ping(ns_a, ip_b) and ping(ns_b, ip_a)

    # The guest without a floating IP reaches the host through the router's SNAT (the host has no route back
    # to 10.81.0.0/24, so only a translated source gets an answer).
    assert ping(ns_b, "172.24.4.1")

    # A floating IP: the host pings it and sshs into the guest behind it.
    create(client, as_demo, "security-group-rules", security_group_id=closed["id"], direction="ingress",
           ethertype="IPv4", protocol="tcp", port_range_min=22, port_range_max=22)
    fip = create(client, as_demo, "floatingips", floating_network_id=public_network(client, as_demo)["id"],
                 port_id=a["id"])
    run()
    address = fip["floating_ip_address"]
    assert ping(host_ns, address)
    key = start_sshd(ns_a, "guest-a", tmp_path)
    assert ssh(host_ns, key, address, "hostname") == "guest-a"

    # `stacklab net show` prints what is behind the router and the port, as a student would look it up.
    env = {"STACKLAB_LINUX_HOST_NETNS": host_ns}
    shown = CliRunner().invoke(main, ["net", "show", router["id"], "--data-dir", str(settings.data_dir),
                                      "--network-driver", "linux"], env=env)
    assert shown.exit_code == 0, shown.output
    assert f"dnat to {ip_a}" in shown.output and f"qrouter-{router['id']}" in shown.output
    assert "redirect to :9697" in shown.output and "metadata proxy pid " in shown.output
    shown = CliRunner().invoke(main, ["net", "show", a["id"][:8], "--data-dir", str(settings.data_dir),
                                      "--network-driver", "linux"], env=env)
    assert shown.exit_code == 0 and "--dport 22 -j RETURN" in shown.output, shown.output

    # A restart: a new lab process re-ensures everything; dnsmasq is only told to re-read (same pid).
    driver = cloud.network_driver
    assert isinstance(driver, LinuxNetworkDriver)
    dnsmasq = driver._dnsmasq_pid(net["id"])
    driver.close()  # the old lab stops (its metadata agent with it): a second lab may not take its socket
    restarted = Cloud(settings)
    try:
        restarted.network_driver.start()
        create_app(settings, cloud=restarted, start_worker=False)
        restarted.worker.run_due()
        assert ping(host_ns, address) and ping(ns_a, ip_b)
        assert restarted.network_driver._dnsmasq_pid(net["id"]) == dnsmasq  # type: ignore[attr-defined]
        # the new lab's metadata agent answers the proxy that kept running; a third lab may not take over
        assert sh("busybox", "wget", "-q", "-O", "-", f"{ec2}/hostname", ns=ns_a).stdout == "meta-vm.novalocal"
        with pytest.raises(DriverError, match="another lab"):
            LinuxNetworkDriver(settings.data_dir / "network-linux", settings).start()
    finally:
        restarted.close()

    # Deleting everything leaves no namespace, bridge, dnsmasq or rule of these resources behind.
    for path in (f"floatingips/{fip['id']}", f"ports/{a['id']}", f"ports/{b['id']}"):
        assert client.delete(f"{N}/{path}", headers=as_demo).status_code == 204
    r = client.put(f"{N}/routers/{router['id']}/remove_router_interface", json={"subnet_id": sub["id"]},
                   headers=as_demo)
    assert r.status_code == 200, r.text
    assert client.delete(f"{N}/routers/{router['id']}", headers=as_demo).status_code == 204
    assert client.delete(f"{N}/networks/{net['id']}", headers=as_demo).status_code == 204
    run()
    left = namespaces()
    assert f"{host_ns}-qdhcp-{net['id']}" not in left and f"{host_ns}-qrouter-{router['id']}" not in left
    links = sh("ip", "-o", "link", "show", ns=host_ns).stdout
    assert bridge_name(net["id"]) not in links
    assert dnsmasq is not None and not alive(dnsmasq)
    rules = sh("iptables", "-S", ns=host_ns).stdout
    assert all(c not in rules for port in (a, b) for c in driver._chains(port["id"]))
