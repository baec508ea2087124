"""The `linux` network driver: Neutron's Linux bridge, DHCP and L3 agents on one host, with the kernel's own tools.

What it builds (names as Neutron's agents make them, so a student meets the same ones on a real cloud):
- a network is a Linux bridge `brq<network[:11]>`; a vxlan network also gets `vxlan-<vni>` on it (one host
  has no peers, but the device is there as on a compute node); a vlan network is a separate bridge (8021q is
  not available on the lab's kernels, so the VLAN id is only recorded); the external network's bridge gets its
  subnets' gateway addresses, so the host reaches floating IPs and guests reach the host;
- DHCP: a `qdhcp-<network>` namespace holding the network's DHCP port (`ns-<port[:11]>`, veth to
  `tap<port[:11]>` on the bridge) and one dnsmasq answering only the ports' MACs (a hosts file re-read on
  SIGHUP, so port changes need no restart);
- a router is a `qrouter-<router>` namespace with `qr-<port[:11]>` interfaces on the tenant bridges, a
  `qg-<port[:11]>` gateway on the external bridge, forwarding on, and one nftables table `stacklab` for SNAT
  and the floating IPs' DNAT/SNAT (replaced atomically at every ensure);
- security groups: iptables chains per port in the host namespace, matched by the guest's tap
  (`tap<port[:11]>`, as Nova names it) with `-m physdev` through br_netfilter; stateful by conntrack;
- metadata: each router with interfaces runs Neutron's namespace metadata proxy (lab/cloud/drivers/
  metadata_proxy.py) on port 9697 of its namespace, where its table redirects 169.254.169.254:80; the proxy
  adds the guest's address and the router id and reaches, over the Unix socket `<data_dir>/metadata_proxy`,
  the metadata agent (lab/cloud/drivers/linux_metadata.py): a thread of the lab's process that finds the
  guest's subnet from the router's interfaces and asks Nova's metadata API (`self.metadata`, set by the
  cloud) for the answer.

A process monitor thread (Neutron's ProcessMonitor) starts again, every 30 s, a dnsmasq or proxy that died.

With `linux_host_netns` set, the driver treats that namespace as "the host" (it makes it when missing) and
prefixes every namespace it makes with its name: a test, or a second lab on one machine, then owns everything it
makes and deleting the namespaces removes all of it. What the driver made is recorded under its data directory,
so a restarted lab finds it again (bridges, namespaces and dnsmasq keep running across a restart)."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import ipaddress
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from lab.cloud.drivers.base import (
    AgentState,
    DriverError,
    NetworkDriver,
    NetworkSpec,
    PortSecuritySpec,
    RouterPortSpec,
    RouterSpec,
)
from lab.cloud.drivers.linux_metadata import MetadataAgent

log = logging.getLogger(__name__)

TOOLS = ("ip", "dnsmasq", "nft", "iptables-restore", "sysctl")
SG_CHAIN = "stacklab-FORWARD"
METADATA_ADDRESS = "169.254.169.254"
METADATA_PROXY_PORT = 9697  # Neutron's
PROXY_SCRIPT = Path(__file__).with_name("metadata_proxy.py")
# Neutron's process monitor checks its dnsmasq and proxies every 60 s (check_child_processes_interval) and
# respawns the dead; the lab checks twice as often.
RESPAWN_SECONDS = 30.0

F = TypeVar("F", bound=Callable[..., Any])


def _serialized(method: F) -> F:
    """One change at a time: the worker's ensure/delete calls and the process monitor's respawns."""
    @functools.wraps(method)
    def run(self: LinuxNetworkDriver, *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            return method(self, *args, **kwargs)

    return run  # type: ignore[return-value]


def short(object_id: str) -> str:
    """Neutron's 11-character id prefix for device names (IFNAMSIZ leaves 15 with the 3-letter prefix)."""
    return object_id[:11]


def bridge_name(network_id: str) -> str:
    return "brq" + short(network_id)


def tap_name(port_id: str) -> str:
    return "tap" + short(port_id)


def alive(pid: int) -> bool:
    """The process runs (a zombie waiting for its parent, init here, to reap it does not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _pid_of(pidfile: Path) -> int | None:
    """The live process whose pid `pidfile` holds and whose command line names that file (not a reused pid)."""
    try:
        pid = int(pidfile.read_text().strip())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (OSError, ValueError):
        return None
    return pid if str(pidfile).encode() in cmdline and alive(pid) else None


def _terminate(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    for _ in range(50):  # bounded: dnsmasq and the proxy exit within milliseconds
        if not alive(pid):
            return
        time.sleep(0.02)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def missing_tools() -> list[str]:
    return [t for t in TOOLS if shutil.which(t) is None]


class LinuxNetworkDriver(NetworkDriver):
    name = "linux"
    capabilities = {"real_dataplane": True, "dhcp": True, "nat": True, "security_groups": True, "metadata": True}

    def __init__(self, data_dir: Path, settings: Any = None, **options: Any):
        super().__init__(data_dir, **options)
        self.host_ns: str = str(getattr(settings, "linux_host_netns", "") or "")
        self.prefix = f"{self.host_ns}-" if self.host_ns else ""
        # Checked when the lab is built, so `stacklab up` says why at once instead of failing in the worker.
        if os.geteuid() != 0:
            raise DriverError("the linux network driver needs root (bridges, namespaces, nftables)")
        if missing := missing_tools():
            raise DriverError(f"the linux network driver needs {', '.join(missing)} (scripts/setup.sh installs "
                              "them)")
        for sub in ("networks", "routers", "ports", "dhcp", "metadata"):
            (data_dir / sub).mkdir(parents=True, exist_ok=True)
        self._agent: MetadataAgent | None = None
        self._lock = threading.RLock()
        self._stopping = threading.Event()
        self._monitor: threading.Thread | None = None

    # ------------------------------------------------------------------------------------------ plumbing
    def _run(self, *argv: str, ns: str | None = None, check: bool = True, stdin: str | None = None) -> str:
        """Run one command in namespace `ns` (None: the driver's host namespace); its stdout."""
        where = ns if ns is not None else self.host_ns
        cmd = ["ip", "netns", "exec", where, *argv] if where else list(argv)
        done = subprocess.run(cmd, input=stdin, capture_output=True, text=True, timeout=30)
        if check and done.returncode != 0:
            raise DriverError(f"{' '.join(argv)}: {done.stderr.strip() or done.stdout.strip()}")
        return done.stdout

    def _ip(self, *args: str, ns: str | None = None, check: bool = True) -> str:
        return self._run("ip", *args, ns=ns, check=check)

    def _links(self, ns: str | None = None) -> dict[str, dict[str, Any]]:
        out = self._ip("-j", "link", "show", ns=ns, check=False)
        return {link["ifname"]: link for link in json.loads(out or "[]")}

    def _namespaces(self) -> set[str]:
        out = subprocess.run(["ip", "-j", "netns", "list"], capture_output=True, text=True, timeout=30).stdout
        return {n["name"] for n in json.loads(out or "[]")}

    def _ensure_ns(self, name: str) -> None:
        if name not in self._namespaces():
            subprocess.run(["ip", "netns", "add", name], check=True, capture_output=True, timeout=30)
        self._ip("link", "set", "lo", "up", ns=name)

    def _delete_ns(self, name: str) -> None:
        if name in self._namespaces():
            subprocess.run(["ip", "netns", "delete", name], capture_output=True, timeout=30)

    def ns_name(self, kind: str, object_id: str) -> str:
        return f"{self.prefix}{kind}-{object_id}"

    def _ensure_bridge(self, network_id: str, mtu: int = 1500) -> str:
        br = bridge_name(network_id)
        if br not in self._links():
            self._ip("link", "add", "name", br, "type", "bridge")
        self._ip("link", "set", br, "mtu", str(mtu), "up")
        return br

    def _plug(self, port_id: str, bridge: str, ns: str, inner: str, mac: str, cidrs: list[str],
              mtu: int) -> None:
        """A veth from `bridge` (host side `tap<port>`) into `ns` as `inner`, with the port's MAC and addresses;
        addresses not in `cidrs` are removed (converges)."""
        tap = tap_name(port_id)
        if inner not in self._links(ns):
            self._ip("link", "delete", tap, check=False)  # a half-made pair from a crash
            self._ip("link", "add", tap, "mtu", str(mtu), "type", "veth", "peer", "name", inner, "mtu", str(mtu))
            self._ip("link", "set", inner, "netns", ns)
        self._ip("link", "set", tap, "master", bridge, "up")
        self._ip("link", "set", inner, "address", mac, "mtu", str(mtu), "up", ns=ns)
        self._set_addresses(inner, cidrs, ns)

    def _set_addresses(self, dev: str, cidrs: list[str], ns: str | None = None) -> None:
        have = set()
        for entry in json.loads(self._ip("-j", "-4", "addr", "show", "dev", dev, ns=ns) or "[]"):
            for a in entry.get("addr_info", []):
                have.add(f"{a['local']}/{a['prefixlen']}")
        for cidr in have - set(cidrs):
            self._ip("addr", "del", cidr, "dev", dev, ns=ns)
        for cidr in sorted(set(cidrs) - have):
            self._ip("addr", "add", cidr, "dev", dev, ns=ns)

    def _state(self, kind: str, object_id: str) -> Path:
        return self.data_dir / kind / f"{object_id}.json"

    def _save(self, kind: str, object_id: str, data: dict[str, Any]) -> None:
        path = self._state(kind, object_id)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, sort_keys=True))
        tmp.replace(path)

    def _load(self, kind: str, object_id: str) -> dict[str, Any] | None:
        path = self._state(kind, object_id)
        return json.loads(path.read_text()) if path.exists() else None

    def _ids(self, kind: str) -> list[str]:
        return sorted(p.stem for p in (self.data_dir / kind).glob("*.json"))

    # -------------------------------------------------------------------------------------------- lifecycle
    def start(self) -> None:
        if self.host_ns:
            self._ensure_ns(self.host_ns)
        # br_netfilter: bridged IPv4 passes iptables, so security groups filter guest-to-guest traffic too.
        self._run("sysctl", "-q", "-w", "net.bridge.bridge-nf-call-iptables=1", check=False)
        if self._agent is None:
            self._agent = MetadataAgent(self)
        if self._monitor is None:
            self._stopping.clear()
            self._monitor = threading.Thread(target=self._watch, name="linux-network-monitor", daemon=True)
            self._monitor.start()

    def close(self) -> None:
        if self._monitor is not None:
            self._stopping.set()
            self._monitor.join(timeout=10)
            self._monitor = None
        if self._agent is not None:
            self._agent.stop()
            self._agent = None

    def _watch(self) -> None:
        while not self._stopping.wait(RESPAWN_SECONDS):
            try:
                self.respawn()
            except Exception:  # noqa: BLE001 - the monitor must outlive one bad pass; the log says why
                log.exception("the linux network driver's process monitor failed")

    @_serialized
    def respawn(self) -> list[str]:
        """Neutron's process monitor: start again each dnsmasq and metadata proxy that should run but died (not
        a resource deleted meanwhile: it is looked up again under the lock). Returns what it restarted."""
        restarted = []
        namespaces = self._namespaces()
        for network_id in self.list_networks():
            conf = self.data_dir / "dhcp" / network_id
            ns = self.ns_name("qdhcp", network_id)
            if (conf / "argv.json").exists() and ns in namespaces and self._dnsmasq_pid(network_id) is None:
                self._run(*json.loads((conf / "argv.json").read_text()), ns=ns)
                restarted.append(f"dnsmasq of network {network_id}")
        for router_id in self.list_routers():
            ns = self.ns_name("qrouter", router_id)
            if (self._load("routers", router_id) or {}).get("interfaces") and ns in namespaces \
                    and self.proxy_pid(router_id) is None:
                self._ensure_proxy(router_id, ns)
                restarted.append(f"metadata proxy of router {router_id}")
        for what in restarted:
            log.warning("respawned the %s", what)
        return restarted

    @property
    def metadata_socket(self) -> Path:
        return self.data_dir / "metadata_proxy"

    # --------------------------------------------------------------------------------------------- networks
    def bridge_for(self, network_id: str) -> str | None:
        return bridge_name(network_id)

    @_serialized
    def ensure_network(self, spec: NetworkSpec) -> None:
        br = self._ensure_bridge(spec.id, spec.mtu)
        if not spec.admin_state_up:
            self._ip("link", "set", br, "down")
        if spec.network_type == "vxlan" and spec.segmentation_id:
            vx = f"vxlan-{spec.segmentation_id}"
            if vx not in self._links():
                self._ip("link", "add", vx, "type", "vxlan", "id", str(spec.segmentation_id), "dstport", "4789",
                         "local", "127.0.0.1", "nolearning")
            self._ip("link", "set", vx, "master", br, "mtu", str(spec.mtu), "up")
        if spec.external:  # the host's leg on the public network: the subnets' gateway addresses
            self._set_addresses(br, [f"{s.gateway_ip}/{ipaddress.ip_network(s.cidr).prefixlen}"
                                     for s in spec.subnets if s.gateway_ip and ":" not in s.cidr])
        self._ensure_dhcp(spec, br)
        self._save("networks", spec.id, {"bridge": br, "segmentation_id": spec.segmentation_id,
                                         "network_type": spec.network_type,
                                         "subnets": {s.id: s.cidr for s in spec.subnets}})

    @_serialized
    def delete_network(self, network_id: str) -> None:
        state = self._load("networks", network_id) or {}
        self._stop_dnsmasq(network_id)
        self._delete_ns(self.ns_name("qdhcp", network_id))
        self._ip("link", "delete", bridge_name(network_id), check=False)
        if state.get("network_type") == "vxlan" and state.get("segmentation_id"):
            self._ip("link", "delete", f"vxlan-{state['segmentation_id']}", check=False)
        shutil.rmtree(self.data_dir / "dhcp" / network_id, ignore_errors=True)
        self._state("networks", network_id).unlink(missing_ok=True)

    def list_networks(self) -> list[str]:
        return self._ids("networks")

    # ------------------------------------------------------------------------------------------------- dhcp
    def _ensure_dhcp(self, spec: NetworkSpec, bridge: str) -> None:
        subnets = [s for s in spec.subnets if s.enable_dhcp and ":" not in s.cidr]
        ns = self.ns_name("qdhcp", spec.id)
        port_ips = {h.ip_address: h for h in spec.dhcp_ports}
        served = [(s, next((ip for ip in port_ips if ipaddress.ip_address(ip) in ipaddress.ip_network(s.cidr)),
                           None)) for s in subnets]
        served = [(s, ip) for s, ip in served if ip]
        if not served:
            self._stop_dnsmasq(spec.id)
            self._delete_ns(ns)
            return
        self._ensure_ns(ns)
        port = spec.dhcp_ports[0]
        inner = "ns-" + short(port.port_id)
        self._plug(port.port_id, bridge, ns, inner, port.mac_address,
                   [f"{ip}/{ipaddress.ip_network(s.cidr).prefixlen}" for s, ip in served], spec.mtu)
        conf = self.data_dir / "dhcp" / spec.id
        conf.mkdir(exist_ok=True)
        (conf / "host").write_text("".join(f"{h.mac_address},{h.ip_address}\n" for h in spec.dhcp_hosts))
        opts = []
        for i, (s, _ip) in enumerate(served):
            tag = f"tag:subnet{i}"
            opts.append(f"{tag},option:router,{s.gateway_ip}" if s.gateway_ip else f"{tag},option:router")
            if s.dns_nameservers:
                opts.append(f"{tag},option:dns-server,{','.join(s.dns_nameservers)}")
            if s.host_routes:
                routes = ",".join(f"{d},{n}" for d, n in s.host_routes)
                opts.append(f"{tag},option:classless-static-route,{routes}")
            opts.append(f"{tag},option:mtu,{spec.mtu}")
        (conf / "opts").write_text("".join(line + "\n" for line in opts))
        argv = ["dnsmasq", "--no-hosts", "--no-resolv", "--port=0", "--bind-interfaces", f"--interface={inner}",
                "--except-interface=lo", "--user=root", "--group=root", "--leasefile-ro",
                f"--pid-file={conf / 'pid'}", f"--dhcp-hostsfile={conf / 'host'}",
                f"--dhcp-optsfile={conf / 'opts'}", "--dhcp-authoritative", f"--log-facility={conf / 'log'}"]
        for i, (s, _ip) in enumerate(served):
            net = ipaddress.ip_network(s.cidr)
            argv.append(f"--dhcp-range=set:subnet{i},{net.network_address},static,{net.netmask},86400s")
        digest = hashlib.sha256("\0".join(argv).encode()).hexdigest()
        pid = self._dnsmasq_pid(spec.id)
        if pid and (conf / "argv").exists() and (conf / "argv").read_text() == digest:
            os.kill(pid, signal.SIGHUP)  # re-reads the hosts and options files: no restart, no lost leases
            return
        self._stop_dnsmasq(spec.id)
        self._run(*argv, ns=ns)  # dnsmasq forks into the background and writes its pid file
        (conf / "argv").write_text(digest)
        (conf / "argv.json").write_text(json.dumps(argv))  # for the process monitor

    def _dnsmasq_pid(self, network_id: str) -> int | None:
        return _pid_of(self.data_dir / "dhcp" / network_id / "pid")

    def _stop_dnsmasq(self, network_id: str) -> None:
        pid = self._dnsmasq_pid(network_id)
        if pid is not None:
            _terminate(pid)

    # ---------------------------------------------------------------------------------------------- routers
    @_serialized
    def ensure_router(self, spec: RouterSpec) -> None:
        ns = self.ns_name("qrouter", spec.id)
        self._ensure_ns(ns)
        self._run("sysctl", "-q", "-w", "net.ipv4.ip_forward=1", ns=ns)
        wanted: dict[str, tuple[RouterPortSpec, list[str]]] = {}
        for p in spec.interfaces:
            name = "qr-" + short(p.port_id)
            wanted.setdefault(name, (p, []))[1].append(self._cidr(p))
        gw = spec.gateway
        if gw is not None:
            name = "qg-" + short(gw.port_id)
            fips = [f"{f.floating_ip_address}/32" for f in spec.floating_ips if f.fixed_ip_address]
            wanted[name] = (gw, [self._cidr(gw), *fips])
        for name in self._links(ns):  # interfaces of removed ports: their veth pair goes with them
            if name[:3] in ("qr-", "qg-") and name not in wanted:
                self._ip("link", "delete", name, ns=ns)
        for name, (p, cidrs) in wanted.items():
            self._plug(p.port_id, self._ensure_bridge(p.network_id, p.mtu), ns, name, p.mac_address, cidrs, p.mtu)
            if not spec.admin_state_up:
                self._ip("link", "set", name, "down", ns=ns)
        self._ensure_routes(ns, spec)
        self._ensure_nat(ns, spec)
        if spec.interfaces:
            self._ensure_proxy(spec.id, ns)
        else:
            self._stop_proxy(spec.id)
        self._save("routers", spec.id, {"namespace": ns, "interfaces": [
            {"network_id": p.network_id, "cidr": p.cidr} for p in spec.interfaces]})

    @staticmethod
    def _cidr(p: RouterPortSpec) -> str:
        return f"{p.ip_address}/{ipaddress.ip_network(p.cidr).prefixlen}"

    def _ensure_routes(self, ns: str, spec: RouterSpec) -> None:
        wanted = {(d, n) for d, n in spec.routes if ":" not in d}
        if spec.gateway is not None and spec.gateway.gateway_ip:
            wanted.add(("default", spec.gateway.gateway_ip))
        have = {(r["dst"], r.get("gateway", "")) for r in json.loads(
            self._ip("-j", "-4", "route", "show", "proto", "static", ns=ns) or "[]")}
        for dst, via in have - wanted:
            self._ip("route", "del", dst, "via", via, ns=ns, check=False)
        for dst, via in sorted(wanted - have):
            self._ip("route", "replace", dst, "via", via, "proto", "static", ns=ns)

    def nat_ruleset(self, spec: RouterSpec) -> str:
        """The router's whole nftables table: floating IPs one-to-one, then SNAT to the gateway address."""
        pre, post = [], []
        if spec.gateway is not None:
            qg = "qg-" + short(spec.gateway.port_id)
            for f in spec.floating_ips:
                if f.fixed_ip_address:
                    pre.append(f"ip daddr {f.floating_ip_address} dnat to {f.fixed_ip_address}")
                    post.append(f'oifname "{qg}" ip saddr {f.fixed_ip_address} snat to {f.floating_ip_address}')
            if spec.enable_snat:
                inside = sorted({p.cidr for p in spec.interfaces if ":" not in p.cidr})
                if inside:
                    post.append(f'oifname "{qg}" ip saddr {{ {", ".join(inside)} }} '
                                f"snat to {spec.gateway.ip_address}")
        if spec.interfaces:  # Neutron's metadata redirect: what guests send to 169.254.169.254 goes to the proxy
            pre.insert(0, f'iifname "qr-*" ip daddr {METADATA_ADDRESS} tcp dport 80 '
                          f"redirect to :{METADATA_PROXY_PORT}")
        lines = ["table ip stacklab", "delete table ip stacklab", "table ip stacklab {",
                 "  chain prerouting {", "    type nat hook prerouting priority dstnat; policy accept;",
                 *(f"    {r}" for r in pre), "  }",
                 "  chain postrouting {", "    type nat hook postrouting priority srcnat; policy accept;",
                 *(f"    {r}" for r in post), "  }", "}"]
        return "\n".join(lines) + "\n"

    def _ensure_nat(self, ns: str, spec: RouterSpec) -> None:
        self._run("nft", "-f", "-", ns=ns, stdin=self.nat_ruleset(spec))  # one transaction: never half a table

    @_serialized
    def delete_router(self, router_id: str) -> None:
        self._stop_proxy(router_id)
        self._delete_ns(self.ns_name("qrouter", router_id))  # its veths, addresses, routes and nft go with it
        self._state("routers", router_id).unlink(missing_ok=True)

    def list_routers(self) -> list[str]:
        return self._ids("routers")

    # ------------------------------------------------------------------------------------------- metadata
    def _proxy_pidfile(self, router_id: str) -> Path:
        return self.data_dir / "metadata" / f"{router_id}.pid"

    def proxy_pid(self, router_id: str) -> int | None:
        return _pid_of(self._proxy_pidfile(router_id))

    def _ensure_proxy(self, router_id: str, ns: str) -> None:
        """The router's metadata proxy runs (started once; it outlives a lab restart, like dnsmasq)."""
        if self.proxy_pid(router_id) is not None:
            return
        pidfile = self._proxy_pidfile(router_id)
        pidfile.unlink(missing_ok=True)
        logfile = self.data_dir / "metadata" / f"{router_id}.log"
        with logfile.open("ab") as out:
            subprocess.Popen(["ip", "netns", "exec", ns, sys.executable, "-I", "-S", str(PROXY_SCRIPT),
                              "--router-id", router_id, "--socket", str(self.metadata_socket),
                              "--port", str(METADATA_PROXY_PORT), "--pid-file", str(pidfile)],
                             stdin=subprocess.DEVNULL, stdout=out, stderr=out, start_new_session=True)
        for _ in range(100):  # bounded: the proxy writes its pid file within a fraction of a second
            if self.proxy_pid(router_id) is not None:
                return
            time.sleep(0.02)
        raise DriverError(f"the metadata proxy of router {router_id} did not start (see {logfile})")

    def _stop_proxy(self, router_id: str) -> None:
        pid = self.proxy_pid(router_id)
        if pid is not None:
            _terminate(pid)
        self._proxy_pidfile(router_id).unlink(missing_ok=True)

    def subnet_of(self, router_id: str, address: str) -> str | None:
        """The subnet behind one of the router's interfaces that holds `address` (how Neutron's metadata
        agent tells apart two projects' guests with the same address)."""
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return None
        for iface in (self._load("routers", router_id) or {}).get("interfaces", []):
            if ip not in ipaddress.ip_network(iface["cidr"]):
                continue
            subnets = (self._load("networks", iface["network_id"]) or {}).get("subnets", {})
            for subnet_id, cidr in subnets.items():
                if cidr == iface["cidr"]:
                    return str(subnet_id)
        return None

    # ------------------------------------------------------------------------------------- security groups
    @staticmethod
    def _chains(port_id: str) -> tuple[str, str, str]:
        s = short(port_id)
        return f"sl-i{s}", f"sl-o{s}", f"sl-s{s}"

    def port_rules(self, spec: PortSecuritySpec) -> list[str]:
        """The port's iptables-restore lines: `i` filters what reaches the guest, `o` checks what leaves it
        is from its own (ip, mac) or an allowed pair, then `s` applies the egress rules. Allowed traffic
        RETURNs, so a packet between two guests passes both guests' chains."""
        ichain, ochain, schain = self._chains(spec.port_id)
        est = "-m conntrack --ctstate RELATED,ESTABLISHED -j RETURN"
        inv = "-m conntrack --ctstate INVALID -j DROP"
        lines = [f"-A {ichain} {est}", f"-A {ichain} {inv}",
                 f"-A {ichain} -p udp --sport 67 --dport 68 -j RETURN"]
        lines += [f"-A {ichain} {m} -j RETURN" for m in self._matches(spec, "ingress")]
        lines.append(f"-A {ichain} -j DROP")
        lines += [f"-A {ochain} -p udp --sport 68 --dport 67 -j RETURN", f"-A {ochain} {est}",
                  f"-A {ochain} {inv}"]
        pairs = [(ip, spec.mac_address) for ip in spec.ip_addresses] + list(spec.allowed_address_pairs)
        lines += [f"-A {ochain} -s {ip} -m mac --mac-source {mac} -g {schain}"  # goto: s RETURNs for o
                  for ip, mac in pairs if ":" not in ip]
        lines.append(f"-A {ochain} -j DROP")
        lines += [f"-A {schain} {m} -j RETURN" for m in self._matches(spec, "egress")]
        lines.append(f"-A {schain} -j DROP")
        return lines

    @staticmethod
    def _matches(spec: PortSecuritySpec, direction: str) -> list[str]:
        out = []
        for r in spec.rules:
            if r.direction != direction or r.ethertype != "IPv4":
                continue
            proto = {"1": "icmp", "6": "tcp", "17": "udp"}.get(r.protocol or "", r.protocol)
            ports = ""
            if proto in ("tcp", "udp") and r.port_range_min is not None:
                ports = f" --dport {r.port_range_min}:{r.port_range_max or r.port_range_min}"
            elif proto == "icmp" and r.port_range_min is not None:
                code = f"/{r.port_range_max}" if r.port_range_max is not None else ""
                ports = f" --icmp-type {r.port_range_min}{code}"
            side = "-s" if direction == "ingress" else "-d"
            for cidr in r.remote_cidrs or ("0.0.0.0/0",):
                out.append(f"{side} {cidr}" + (f" -p {proto}{ports}" if proto and proto != "any" else ""))
        return out

    @_serialized
    def ensure_port_security(self, spec: PortSecuritySpec) -> None:
        self._save("ports", spec.port_id, {"enabled": spec.enabled})
        self._apply_filter(spec if spec.enabled else None, spec.port_id)

    @_serialized
    def delete_port_security(self, port_id: str) -> None:
        if self._load("ports", port_id) is None:
            return
        self._state("ports", port_id).unlink(missing_ok=True)
        self._apply_filter(None, port_id)

    def list_ports(self) -> list[str]:
        return self._ids("ports")

    def _apply_filter(self, spec: PortSecuritySpec | None, port_id: str) -> None:
        """One iptables-restore transaction: the port's chains (or their removal) and the dispatch chain
        rebuilt from every filtered port the driver holds."""
        filtered = [p for p in self._ids("ports") if (self._load("ports", p) or {}).get("enabled")]
        lines = ["*filter", f":{SG_CHAIN} - [0:0]"]
        mine = self._chains(port_id)
        existing = self._run("iptables", "-S", check=False)
        present = [c for c in mine if f"-N {c}\n" in existing + "\n"]
        lines += [f":{c} - [0:0]" for c in mine if spec is not None or c in present]  # declared = flushed
        for p in filtered:
            ichain, ochain, _ = self._chains(p)
            lines.append(f"-A {SG_CHAIN} -m physdev --physdev-out {tap_name(p)} --physdev-is-bridged -j {ichain}")
            lines.append(f"-A {SG_CHAIN} -m physdev --physdev-in {tap_name(p)} --physdev-is-bridged -j {ochain}")
        # Bridged traffic a port chain let through (or between unfiltered ports) is accepted here, so a host
        # FORWARD policy of DROP (Docker's) does not cut the lab's bridges.
        lines.append(f"-A {SG_CHAIN} -m physdev --physdev-is-bridged -i brq+ -j ACCEPT")
        if spec is not None:
            lines += self.port_rules(spec)
        else:
            lines += [f"-X {c}" for c in present]
        lines.append("COMMIT")
        self._run("iptables-restore", "--noflush", stdin="\n".join(lines) + "\n")
        if "-A FORWARD -j " + SG_CHAIN not in existing:
            self._run("iptables", "-I", "FORWARD", "1", "-j", SG_CHAIN)

    # --------------------------------------------------------------------------------------------- agents
    def agent_states(self) -> dict[str, AgentState]:
        """Neutron's four agents as what they stand for on this host: the DHCP agent is alive while every
        network's dnsmasq runs, the L3 agent while every router's namespace exists, the metadata agent while
        its socket's thread and every router's proxy run, the Linux bridge agent while every network's bridge
        exists. The last time each was seen alive (its heartbeat) is kept under the data directory."""
        now = time.time()
        links = self._links()
        namespaces = self._namespaces()
        problems: dict[str, list[str]] = {"DHCP agent": [], "L3 agent": [], "Metadata agent": [],
                                          "Linux bridge agent": []}
        for network_id in self.list_networks():
            if bridge_name(network_id) not in links:
                problems["Linux bridge agent"].append(f"bridge {bridge_name(network_id)} is missing")
            if (self.data_dir / "dhcp" / network_id / "argv").exists() and self._dnsmasq_pid(network_id) is None:
                problems["DHCP agent"].append(f"dnsmasq of network {network_id} is not running")
        agent = self._agent
        if agent is None or not agent.thread.is_alive():
            problems["Metadata agent"].append("the metadata agent is not serving its socket")
        for router_id in self.list_routers():
            if self.ns_name("qrouter", router_id) not in namespaces:
                problems["L3 agent"].append(f"namespace {self.ns_name('qrouter', router_id)} is missing")
            if (self._load("routers", router_id) or {}).get("interfaces") and self.proxy_pid(router_id) is None:
                problems["Metadata agent"].append(f"the metadata proxy of router {router_id} is not running")
        seen_file = self.data_dir / "agents.json"
        try:
            seen: dict[str, float] = json.loads(seen_file.read_text())
        except (OSError, ValueError):
            seen = {}
        states = {}
        for agent_type, wrong in problems.items():
            if not wrong:
                seen[agent_type] = now
            states[agent_type] = AgentState(alive=not wrong, last_seen=seen.get(agent_type, now),
                                            detail="; ".join(wrong))
        tmp = seen_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(seen, sort_keys=True))
        tmp.replace(seen_file)
        return states

    # ------------------------------------------------------------------------------------------ describing
    def describe(self, object_id: str) -> str:
        """What the driver built for a network, router or port id (a unique prefix will do): the commands a
        student would type to see it, each with its output. Raises DriverError for an unknown id."""
        found = [(kind, i) for kind in ("networks", "routers", "ports") for i in self._ids(kind)
                 if i.startswith(object_id)]
        if len(found) != 1:
            raise DriverError(f"no single network, router or port {object_id!r} built by the linux driver "
                              f"({len(found)} match)")
        kind, oid = found[0]
        host = f"ip netns exec {self.host_ns} " if self.host_ns else ""
        shown: list[tuple[str, list[str], str | None]] = []
        if kind == "networks":
            br, ns = bridge_name(oid), self.ns_name("qdhcp", oid)
            shown += [(f"network {oid}: bridge {br}", ["ip", "-d", "link", "show", "master", br], None),
                      (f"DHCP namespace {ns}", ["ip", "addr"], ns)]
            pid = self._dnsmasq_pid(oid)
            hosts = self.data_dir / "dhcp" / oid / "host"
            extra = f"dnsmasq pid {pid or 'not running'}; hosts file {hosts}:\n" + (
                hosts.read_text() if hosts.exists() else "")
        elif kind == "routers":
            ns = self.ns_name("qrouter", oid)
            shown += [(f"router {oid}: namespace {ns}", ["ip", "addr"], ns), ("routes", ["ip", "route"], ns),
                      ("NAT", ["nft", "list", "table", "ip", "stacklab"], ns)]
            pid = self.proxy_pid(oid)
            extra = (f"metadata proxy pid {pid or 'not running'} on port {METADATA_PROXY_PORT} (169.254.169.254:80 "
                     f"is redirected there), to the metadata agent at {self.metadata_socket}\n")
        else:
            tap = tap_name(oid)
            shown += [(f"port {oid}: tap {tap}", ["ip", "link", "show", tap], None)]
            shown += [(f"chain {c}", ["iptables", "-S", c], None) for c in self._chains(oid)]
            extra = ""
        out = []
        for title, argv, where in shown:
            prefix = f"ip netns exec {where} " if where else host
            result = self._run(*argv, ns=where, check=False) or "(nothing)\n"
            out.append(f"# {title}\n$ {prefix}{' '.join(argv)}\n{result}")
        return "\n".join(out) + (f"\n{extra}" if extra else "")

    # -------------------------------------------------------------------------------------------- cleanup
    @_serialized
    def teardown(self) -> None:
        """Remove everything the driver made, whatever the database says (for a lab being thrown away)."""
        for network_id in self.list_networks():
            self.delete_network(network_id)
        for router_id in self.list_routers():
            self.delete_router(router_id)
        for port_id in self._ids("ports"):
            self.delete_port_security(port_id)
        if self.host_ns:
            self._delete_ns(self.host_ns)
