"""The console's one door to the cloud: a narrow class over an openstacksdk connection.

Every method is blocking (screens call them from Textual workers, never on the UI thread), returns the small records
of `models.py`, and raises only these errors, each with a message meant for a person:

    CloudError            the cloud answered with an error (quota exceeded, not found, policy, bad input ...)
     └── ConnectionLost   nothing answered (the cloud is down or unreachable); the console shows a banner

Only openstacksdk and keystoneauth are used, so the console works against any OpenStack cloud. The two StackLab
extras (the lab clock at /lab/v1, the billing service at /billing/v1) are reached through the catalog like any
other service and are simply absent elsewhere.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Callable, Iterable
from typing import Any, ParamSpec, TypeVar

from lab.tui import models as m

P = ParamSpec("P")
T = TypeVar("T")

__all__ = ["CloudClient", "CloudError", "ConnectionLost"]


class CloudError(Exception):
    """The cloud refused or failed a call; str() is the cloud's own message and its HTTP status."""


class ConnectionLost(CloudError):
    """Nothing answered at the cloud's address."""


def _message(exc: Exception) -> str:
    """A readable one-line message from an openstacksdk or keystoneauth error."""
    from openstack import exceptions as sdk

    if isinstance(exc, sdk.HttpException):
        detail = exc.details or exc.message or str(exc)
        detail = str(detail).strip().rstrip(".")
        return f"{detail} (HTTP {exc.status_code})" if exc.status_code else detail
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]


def translated(fn: Callable[P, T]) -> Callable[P, T]:
    """Turn every error a call can raise into CloudError / ConnectionLost."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        import requests
        from keystoneauth1 import exceptions as ksa

        try:
            return fn(*args, **kwargs)
        except CloudError:
            raise
        except (ksa.ConnectionError, requests.ConnectionError) as exc:
            raise ConnectionLost(f"the cloud does not answer ({type(exc).__name__})") from None
        except ksa.HttpError as exc:
            raise CloudError(_keystone_message(exc)) from None
        except Exception as exc:  # anything else (SDK, config, unexpected data) still reaches the user as text
            raise CloudError(_message(exc)) from None

    return wrapper


def _keystone_message(exc: Any) -> str:
    response = getattr(exc, "response", None)
    try:
        body = response.json() if response is not None else {}
        if isinstance(body, dict) and body:
            inner = next(iter(body.values()))
            if isinstance(inner, dict) and "message" in inner:
                return f"{inner['message']} (HTTP {exc.http_status})"
    except ValueError:
        pass
    return f"{exc.message or exc} (HTTP {exc.http_status})"


def _raw(resource: Any) -> dict[str, Any]:
    """The resource under the API's own key names (not openstacksdk's renamings), headers and openstacksdk's
    computed extras (`location`) left out."""
    if hasattr(resource, "to_dict"):
        data = resource.to_dict(headers=False, computed=False, original_names=True)
    else:
        data = dict(resource)
    return {k: v for k, v in data.items() if k != "location"}


def _size(n: int | None) -> str:
    if not n:
        return "-"
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024:
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n = n / 1024  # type: ignore[assignment]
    return f"{n:.1f} TiB"


def _addresses(addresses: dict[str, Any] | None) -> str:
    parts = []
    for net, items in sorted((addresses or {}).items()):
        ips = ", ".join(i["addr"] for i in items)
        parts.append(f"{net}={ips}")
    return "; ".join(parts)


def network_per_period(incoming: tuple[float, ...], outgoing: tuple[float, ...]) -> tuple[float, ...]:
    """Bytes moved in each period, in + out, from the two cumulative counters (n values give n - 1 periods; a
    counter that went back, a guest restarted, counts from zero as Ceilometer's rate does)."""
    def deltas(series: tuple[float, ...]) -> list[float]:
        return [b - a if b >= a else b for a, b in zip(series, series[1:], strict=False)]

    ins, outs = deltas(incoming), deltas(outgoing)
    size = min(len(ins), len(outs))
    return tuple(i + o for i, o in zip(ins[len(ins) - size:], outs[len(outs) - size:], strict=True))


class CloudClient:
    """An openstacksdk connection, seen through what the console needs. Thread-safe for concurrent calls."""

    def __init__(self, conn: Any, cloud_name: str = ""):
        self.conn = conn
        self.cloud_name = cloud_name or getattr(conn.config, "name", "") or "cloud"
        self._lock = threading.Lock()
        self._flavors: dict[str, str] = {}
        self._images: dict[str, str] = {}
        self._groups: dict[str, str] = {}
        self._projects: dict[str, str] = {}

    @classmethod
    def from_cloud(cls, name: str) -> CloudClient:
        """A client for the clouds.yaml entry `name` (no request is made until the first call).
        Raises CloudError when there is no such entry."""
        import openstack
        from openstack import exceptions as sdk

        try:
            return cls(openstack.connect(cloud=name), name)
        except sdk.ConfigException as exc:
            raise CloudError(f"cannot use cloud {name!r}: {_message(exc)}") from None

    def close(self) -> None:
        self.conn.close()

    # ------------------------------------------------------------------------------------------ session
    @translated
    def session_info(self) -> m.SessionInfo:
        """Log in (if not yet) and say who we are and which services the catalog has."""
        session = self.conn.session
        access = session.auth.get_access(session)
        services = frozenset(entry["type"] for entry in access.service_catalog.catalog)
        return m.SessionInfo(cloud=self.cloud_name, auth_url=str(self.conn.config.auth.get("auth_url", "")),
                             user=access.username or "", project=access.project_name or "",
                             project_id=access.project_id or "", roles=tuple(sorted(access.role_names)),
                             services=services)

    def _adapter(self, service_type: str) -> Any:
        from keystoneauth1.adapter import Adapter

        return Adapter(self.conn.session, service_type=service_type, interface="public",
                       region_name=self.conn.config.get_region_name())

    def _extra(self, service_type: str, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        response = self._adapter(service_type).request(path, method, json=body, raise_exc=True)
        return response.json()

    # ------------------------------------------------------------------------------------------ lookups
    def _names(self, cache: dict[str, str], ids: Iterable[str], load: Callable[[], Iterable[Any]]) -> None:
        """Fill `cache` (id -> name) once, and again when an id it has not seen turns up."""
        if any(i and i not in cache for i in ids):
            names = {r.id: r.name for r in load()}
            with self._lock:
                cache.update(names)

    # ------------------------------------------------------------------------------------------ servers
    def _server(self, s: Any) -> m.Server:
        flavor = s.flavor or {}
        flavor_name = flavor.get("original_name") or self._flavors.get(flavor.get("id") or "", flavor.get("id", ""))
        image = s.image or {}
        image_name = self._images.get(image.get("id") or "", image.get("id") or "(volume)")
        return m.Server(
            id=s.id, name=s.name or "", status=s.status or "", flavor=flavor_name or "", image=image_name,
            addresses=_addresses(s.addresses), key_name=s.key_name or "", project_id=s.project_id or "",
            created=s.created_at or "",
            volumes=tuple(v["id"] for v in (s.attached_volumes or [])),
            security_groups=tuple(sorted({g["name"] for g in (s.security_groups or [])})),
            locked=bool(s.is_locked),
            server_groups=tuple(self._groups.get(g, g) for g in (s.server_groups or [])),
            raw=_raw(s))

    def _with_names(self, servers: list[Any]) -> list[m.Server]:
        self._names(self._flavors, [(s.flavor or {}).get("id", "") for s in servers
                                    if not (s.flavor or {}).get("original_name")],
                    lambda: self.conn.compute.flavors(details=False))
        self._names(self._images, [(s.image or {}).get("id", "") for s in servers], self.conn.image.images)
        self._names(self._groups, [g for s in servers for g in (s.server_groups or [])],
                    self.conn.compute.server_groups)
        return [self._server(s) for s in servers]

    @translated
    def list_servers(self, all_projects: bool = False) -> list[m.Server]:
        servers = list(self.conn.compute.servers(details=True, all_projects=all_projects))
        return sorted(self._with_names(servers), key=lambda s: (s.name, s.id))

    @translated
    def get_server(self, server_id: str) -> m.Server:
        return self._with_names([self.conn.compute.get_server(server_id)])[0]

    @translated
    def console_log(self, server_id: str) -> str:
        output = self.conn.compute.get_server_console_output(server_id)
        return str(output.get("output") or "")

    @translated
    def create_server(self, name: str, flavor_id: str, image_id: str, network_id: str | None,
                      key_name: str | None, security_groups: list[str]) -> m.Server:
        attrs: dict[str, Any] = {"name": name, "flavor_id": flavor_id, "image_id": image_id}
        # From compute microversion 2.37 (the SDK asks up to 2.93) `networks` is required: "auto" is the
        # project's one network, as the console meant by "no network chosen".
        attrs["networks"] = [{"uuid": network_id}] if network_id else "auto"
        if key_name:
            attrs["key_name"] = key_name
        if security_groups:
            attrs["security_groups"] = [{"name": g} for g in security_groups]
        return self._with_names([self.conn.compute.create_server(**attrs)])[0]

    @translated
    def server_action(self, server_id: str, action: str) -> None:
        """`start`, `stop`, `reboot` (soft), `lock`, `unlock`, `pause`, `unpause`, `suspend`, `resume`, `shelve`,
        `unshelve`, or `rebuild` (with the image it has)."""
        compute = self.conn.compute
        simple = {"start": compute.start_server, "stop": compute.stop_server, "lock": compute.lock_server,
                  "unlock": compute.unlock_server, "pause": compute.pause_server,
                  "unpause": compute.unpause_server, "suspend": compute.suspend_server,
                  "resume": compute.resume_server, "shelve": compute.shelve_server,
                  "unshelve": compute.unshelve_server}
        if action in simple:
            simple[action](server_id)
        elif action == "reboot":
            compute.reboot_server(server_id, "SOFT")
        elif action == "rebuild":
            server = compute.get_server(server_id)
            image = (server.image or {}).get("id")
            if not image:
                raise CloudError("This server boots from a volume: rebuild it with `openstack server rebuild "
                                 "--image IMAGE --reimage-boot-volume`.")
            compute.rebuild_server(server_id, image=image)
        else:
            raise CloudError(f"unknown server action {action!r}")

    @translated
    def create_server_image(self, server_id: str, name: str) -> str:
        """createImage (`openstack server image create`): the new snapshot image's id."""
        image = self.conn.compute.create_server_image(server_id, name, wait=False)
        return str(image.id)

    @translated
    def console_url(self, server_id: str) -> str:
        """A browser console's URL (`openstack console url show`): an xterm.js terminal on the lab's own port."""
        return str(self.conn.compute.create_console(server_id, console_type="novnc")["url"])

    @translated
    def server_events(self, server_id: str) -> list[dict[str, Any]]:
        """The server's history (`openstack server event list`), newest first."""
        return [{"action": a.action, "request_id": a.request_id, "user_id": a.user_id,
                 "start_time": a.start_time, "message": a.message}
                for a in self.conn.compute.server_actions(server_id)]

    @translated
    def delete_server(self, server_id: str) -> None:
        self.conn.compute.delete_server(server_id)

    @translated
    def list_flavors(self) -> list[m.Flavor]:
        flavors = [m.Flavor(f.id, f.name, f.vcpus or 0, f.ram or 0, f.disk or 0, _raw(f))
                   for f in self.conn.compute.flavors(details=True)]
        return sorted(flavors, key=lambda f: (f.vcpus, f.ram, f.disk, f.name))

    # ------------------------------------------------------------------------------------------ images, keys
    @translated
    def list_images(self) -> list[m.Image]:
        images = [m.Image(i.id, i.name or "", i.status or "", _size(i.size), i.disk_format or "",
                          i.visibility or "", _raw(i)) for i in self.conn.image.images()]
        return sorted(images, key=lambda i: (i.name, i.id))

    # ------------------------------------------------------------------------------------ object storage
    @translated
    def list_containers(self) -> list[m.Container]:
        out = []
        for c in self.conn.object_store.containers():
            full = self.conn.object_store.get_container_metadata(c.name)  # the ACL is only in a HEAD
            out.append(m.Container(c.name, c.name, c.count or 0, _size(c.bytes) if c.bytes else "0 B",
                                   ".r:*" in (full.read_ACL or ""),
                                   {"name": c.name, "count": c.count, "bytes": c.bytes,
                                    "read_acl": full.read_ACL or "", "write_acl": full.write_ACL or ""}))
        return out

    @translated
    def create_container(self, name: str) -> None:
        self.conn.object_store.create_container(name=name)

    @translated
    def delete_container(self, name: str) -> None:
        self.conn.object_store.delete_container(name, ignore_missing=False)

    @translated
    def set_container_public(self, name: str, public: bool) -> None:
        """Public: anyone may read its objects and list it (`.r:*,.rlistings`); private: the project only."""
        self.conn.object_store.set_container_metadata(name, read_ACL=".r:*,.rlistings" if public else "")

    @translated
    def list_objects(self, container: str) -> list[m.StoredObject]:
        return [m.StoredObject(o.name, o.name, _size(o.content_length) if o.content_length else "0 B",
                               o.content_type or "", (o.last_modified_at or "")[:19].replace("T", " "),
                               {"name": o.name, "bytes": o.content_length, "hash": o.etag,
                                "content_type": o.content_type, "last_modified": o.last_modified_at})
                for o in self.conn.object_store.objects(container)]

    @translated
    def upload_object(self, container: str, path: str, name: str | None = None) -> str:
        """Upload a local file (streamed, never read whole); the object's name (the file's, by default)."""
        name = name or os.path.basename(path)
        with open(path, "rb") as f:
            self.conn.object_store.upload_object(container, name, data=f)
        return name

    @translated
    def download_object(self, container: str, name: str, path: str) -> int:
        """Save an object to a local file; the bytes written."""
        written = 0
        with open(path, "wb") as f:
            for chunk in self.conn.object_store.stream_object(name, container=container):
                f.write(chunk)
                written += len(chunk)
        return written

    @translated
    def delete_object(self, container: str, name: str) -> None:
        self.conn.object_store.delete_object(name, container=container, ignore_missing=False)

    @translated
    def list_keypairs(self) -> list[m.Keypair]:
        keys = [m.Keypair(k.name, k.name, k.type or "ssh", k.fingerprint or "", _raw(k))
                for k in self.conn.compute.keypairs()]
        return sorted(keys, key=lambda k: k.name)

    @translated
    def create_keypair(self, name: str, public_key: str | None = None) -> tuple[m.Keypair, str | None]:
        """Import `public_key`, or let the cloud make a key pair: then its private key is returned (once)."""
        attrs: dict[str, Any] = {"name": name}
        if public_key:
            attrs["public_key"] = public_key
        k = self.conn.compute.create_keypair(**attrs)
        return m.Keypair(k.name, k.name, k.type or "ssh", k.fingerprint or "", _raw(k)), k.private_key

    @translated
    def delete_keypair(self, name: str) -> None:
        self.conn.compute.delete_keypair(name)

    # ------------------------------------------------------------------------------------------ networks
    def _network_names(self) -> dict[str, str]:
        return {n.id: n.name for n in self.conn.network.networks()}

    @translated
    def list_networks(self) -> list[m.Network]:
        cidrs = {s.id: s.cidr for s in self.conn.network.subnets()}
        nets = [m.Network(n.id, n.name or "", n.status or "", ", ".join(cidrs.get(s, s) for s in n.subnet_ids),
                          bool(n.is_router_external), bool(n.is_shared), _raw(n))
                for n in self.conn.network.networks()]
        return sorted(nets, key=lambda n: (n.name, n.id))

    @translated
    def create_network(self, name: str, cidr: str | None) -> m.Network:
        """A network, and when `cidr` is given an IPv4 subnet `<name>-subnet` on it."""
        net = self.conn.network.create_network(name=name)
        if cidr:
            try:
                self.conn.network.create_subnet(network_id=net.id, name=f"{name}-subnet", cidr=cidr,
                                                ip_version=4)
            except Exception:
                self.conn.network.delete_network(net.id)  # no half-made network left behind
                raise
        return m.Network(net.id, net.name, net.status or "", cidr or "", False, False, _raw(net))

    @translated
    def delete_network(self, network_id: str) -> None:
        self.conn.network.delete_network(network_id)

    @translated
    def list_subnets(self) -> list[m.Subnet]:
        names = self._network_names()
        subnets = [m.Subnet(s.id, s.name or "", names.get(s.network_id, s.network_id), s.cidr or "",
                            s.gateway_ip or "", bool(s.is_dhcp_enabled), _raw(s)) for s in self.conn.network.subnets()]
        return sorted(subnets, key=lambda s: (s.network, s.name, s.id))

    @translated
    def list_routers(self) -> list[m.Router]:
        names = self._network_names()
        routers = []
        for r in self.conn.network.routers():
            gw = r.external_gateway_info or {}
            ips = ", ".join(ip["ip_address"] for ip in gw.get("external_fixed_ips", []))
            gateway = f"{names.get(gw['network_id'], gw['network_id'])} {ips}".strip() if gw else ""
            routers.append(m.Router(r.id, r.name or "", r.status or "", gateway, _raw(r)))
        return sorted(routers, key=lambda r: (r.name, r.id))

    @translated
    def list_ports(self) -> list[m.Port]:
        names = self._network_names()
        ports = [m.Port(p.id, p.name or "", names.get(p.network_id, p.network_id),
                        ", ".join(ip["ip_address"] for ip in p.fixed_ips or []), p.device_owner or "",
                        p.status or "", p.mac_address or "", _raw(p)) for p in self.conn.network.ports()]
        return sorted(ports, key=lambda p: (p.network, p.fixed_ips, p.id))

    @translated
    def list_floating_ips(self) -> list[m.FloatingIP]:
        ips = [m.FloatingIP(f.id, f.floating_ip_address or "", f.fixed_ip_address or "", f.status or "",
                            f.port_id or "", _raw(f)) for f in self.conn.network.ips()]
        return sorted(ips, key=lambda f: f.floating_ip_address)

    @translated
    def list_security_groups(self) -> list[m.SecurityGroup]:
        groups = []
        for g in self.conn.network.security_groups():
            rules = []
            for r in g.security_group_rules or []:
                lo, hi = r.get("port_range_min"), r.get("port_range_max")
                ports = "any" if lo is None else (str(lo) if lo == hi else f"{lo}-{hi}")
                remote = r.get("remote_ip_prefix") or (f"group {r['remote_group_id']}" if r.get("remote_group_id")
                                                      else "any")
                rules.append(m.SecurityGroupRule(r["id"], r.get("direction", ""), r.get("ethertype", ""),
                                                 r.get("protocol") or "any", ports, remote, dict(r)))
            rules.sort(key=lambda r: (r.direction, r.ethertype, r.protocol, r.port_range, r.remote))
            groups.append(m.SecurityGroup(g.id, g.name or "", g.description or "", tuple(rules), _raw(g)))
        return sorted(groups, key=lambda g: (g.name, g.id))

    @translated
    # ------------------------------------------------------------------------------------------ stacks
    @translated
    def list_stacks(self) -> list[m.Stack]:
        out = [m.Stack(st.id, st.name or "", st.status or "", st.status_reason or "", st.created_at or "",
                       _raw(st)) for st in self.conn.orchestration.stacks()]
        return sorted(out, key=lambda st: (st.name, st.id))

    @translated
    def list_stack_resources(self) -> list[m.StackResource]:
        """Every stack's resources, nested ones included (`openstack stack resource list -n 5`)."""
        out = []
        for st in self.conn.orchestration.stacks():
            for r in self.conn.orchestration.resources(st, nested_depth=5):
                out.append(m.StackResource(r.physical_resource_id or "", st.name or "", r.name or "",
                                           r.resource_type or "", r.status or "", r.status_reason or "", _raw(r)))
        return sorted(out, key=lambda r: (r.stack, r.name))

    @translated
    def list_stack_events(self) -> list[m.StackEvent]:
        """Every stack's events, newest first: where a failed stack says why."""
        out = [m.StackEvent(e.id, st.name or "", e.event_time or "", e.resource_name or "",
                            e.resource_status or "", e.resource_status_reason or "", _raw(e))
               for st in self.conn.orchestration.stacks() for e in self.conn.orchestration.stack_events(st)]
        return sorted(out, key=lambda e: (e.time, e.id), reverse=True)

    @translated
    def create_stack(self, name: str, template_file: str) -> m.Stack:
        """`openstack stack create -t FILE NAME`: the file (and any `get_file` it names) read here, as the CLI
        reads them; the stack is created by the cloud's worker, so it comes back IN_PROGRESS."""
        st = self.conn.create_stack(name, template_file=template_file, rollback=False, wait=False)
        return m.Stack(st["id"], name, st.get("stack_status", ""), st.get("stack_status_reason", "") or "",
                       st.get("creation_time", "") or "", dict(st))

    @translated
    def delete_stack(self, stack_id: str) -> None:
        self.conn.orchestration.delete_stack(stack_id)

    # ------------------------------------------------------------------------------------ load balancers
    # ------------------------------------------------------------------------------------------ telemetry
    @translated
    def list_metric_resources(self, samples: int = 48) -> list[m.MetricResource]:
        """The project's Gnocchi `instance` resources, each with its last `samples` cpu_util measures (5 min)."""
        adapter = self._adapter("metric")
        out = []
        for r in adapter.get("/v1/resource/instance").json():
            cpu: tuple[float, ...] = ()
            if "cpu_util" in (r.get("metrics") or {}):
                got = adapter.get(f"/v1/metric/{r['metrics']['cpu_util']}/measures",
                                  params={"granularity": 300}, raise_exc=False)
                if got.status_code == 200:
                    cpu = tuple(float(v) for _t, _g, v in got.json()[-samples:] if v is not None)
            out.append(m.MetricResource(r["id"], r["type"], r.get("display_name") or r["original_resource_id"],
                                        r.get("started_at") or "", r.get("ended_at") or "", cpu, r))
        return sorted(out, key=lambda r: (bool(r.ended), r.name, r.id))

    @translated
    def server_usage(self, server_id: str, samples: int = 24) -> m.ServerUsage:
        """The server's last `samples` periods of CPU, memory and network (the Servers screen's sparklines): its
        Gnocchi `instance` resource's metrics, read at the `low` policy's 5-minute granularity."""
        adapter = self._adapter("metric")
        found = adapter.get(f"/v1/resource/instance/{server_id}", raise_exc=False)
        if found.status_code == 404:
            return m.ServerUsage(server_id, metered=False)
        found.raise_for_status()
        metrics = found.json().get("metrics") or {}

        def values(name: str, count: int) -> tuple[float, ...]:
            if name not in metrics:
                return ()
            got = adapter.get(f"/v1/metric/{metrics[name]}/measures", params={"granularity": 300},
                              raise_exc=False)
            if got.status_code != 200:
                return ()
            return tuple(float(v) for _t, _g, v in got.json()[-count:] if v is not None)

        return m.ServerUsage(server_id, values("cpu_util", samples), values("memory.usage", samples),
                             network_per_period(values("network.incoming.bytes", samples + 1),
                                                values("network.outgoing.bytes", samples + 1)))

    @translated
    def list_alarms(self) -> list[m.Alarm]:
        alarms = self._adapter("alarming").get("/v2/alarms").json()
        out = [m.Alarm(a["alarm_id"], a["name"], a["type"], a["state"], a["severity"], bool(a["enabled"]),
                       a.get("state_reason") or "", a) for a in alarms]
        return sorted(out, key=lambda a: (a.name, a.id))

    @translated
    def alarm_history(self, alarm_id: str) -> list[dict[str, Any]]:
        return list(self._adapter("alarming").get(f"/v2/alarms/{alarm_id}/history").json())

    @translated
    def set_alarm_state(self, alarm_id: str, state: str) -> None:
        self._adapter("alarming").put(f"/v2/alarms/{alarm_id}/state", json=state)

    @translated
    def delete_alarm(self, alarm_id: str) -> None:
        self._adapter("alarming").delete(f"/v2/alarms/{alarm_id}")

    @translated
    def list_load_balancers(self) -> list[m.LoadBalancer]:
        out = [m.LoadBalancer(lb.id, lb.name or "", lb.vip_address or "", lb.provisioning_status or "",
                              lb.operating_status or "", lb.provider or "", lb.project_id or "", _raw(lb))
               for lb in self.conn.load_balancer.load_balancers()]
        return sorted(out, key=lambda lb: (lb.name, lb.id))

    def _lb_trees(self) -> list[tuple[Any, dict[str, Any]]]:
        """Each load balancer with its status tree (GET .../status: openstacksdk has no call for it)."""
        lbs = sorted(self.conn.load_balancer.load_balancers(), key=lambda lb: (lb.name or "", lb.id))
        adapter = self._adapter("load-balancer")
        return [(lb, adapter.get(f"/v2/lbaas/loadbalancers/{lb.id}/status").json()["statuses"]["loadbalancer"])
                for lb in lbs]

    @translated
    def list_lb_members(self) -> list[m.LbMember]:
        """Every member of every load balancer, with the health the status tree reports."""
        out = []
        for lb, tree in self._lb_trees():
            pools = {p["id"]: p for li in tree.get("listeners", []) for p in li.get("pools", [])}
            for pool in self.conn.load_balancer.pools(loadbalancer_id=lb.id):
                health = {x["id"]: x["operating_status"] for x in pools.get(pool.id, {}).get("members", [])}
                for mem in self.conn.load_balancer.members(pool.id):
                    out.append(m.LbMember(mem.id, mem.name or "", lb.name or lb.id, pool.name or pool.id,
                                          f"{mem.address}:{mem.protocol_port}", mem.weight or 0,
                                          health.get(mem.id, mem.operating_status or ""), _raw(mem)))
        return out

    @translated
    def lb_status_trees(self) -> list[m.TopologyNode]:
        """`openstack loadbalancer status show` for every load balancer, as tree nodes."""
        def node(kind: str, obj: dict[str, Any], children: tuple[m.TopologyNode, ...] = ()) -> m.TopologyNode:
            label = f"{kind} {obj.get('name') or obj.get('id', '')}"
            if obj.get("address"):
                label += f" {obj['address']}:{obj.get('protocol_port', '')}"
            status = " / ".join(x for x in (obj.get("provisioning_status"), obj.get("operating_status")) if x)
            return m.TopologyNode(f"{label}  [{status}]", kind, children)

        def pool(p: dict[str, Any]) -> m.TopologyNode:
            monitor = (node("monitor", p["health_monitor"]),) if p.get("health_monitor") else ()
            return node("pool", p, (*monitor, *(node("member", x) for x in p.get("members", []))))

        return [node("loadbalancer", tree, tuple(node("listener", li, tuple(pool(p) for p in li.get("pools", [])))
                                                 for li in tree.get("listeners", [])))
                for _lb, tree in self._lb_trees()]

    def topology(self) -> list[m.TopologyNode]:
        """How networks, routers and servers connect: external networks hold their routers, routers the networks
        they join, networks the servers with a port on them; networks no router joins come last."""
        net = self.conn.network
        networks = {n.id: n for n in net.networks()}
        cidrs: dict[str, list[str]] = {}
        for s in net.subnets():
            cidrs.setdefault(s.network_id, []).append(s.cidr)
        servers = {s.id: s.name for s in self.conn.compute.servers(details=False)}
        fips = {f.port_id: f.floating_ip_address for f in net.ips() if f.port_id}
        ports = list(net.ports())

        def label(n: Any) -> str:
            if n.id in cidrs:
                return f"{n.name}  {', '.join(sorted(cidrs[n.id]))}"
            # another project's subnet (the public network's, seen by a member) is listed by id only
            return f"{n.name}  {'subnet not visible' if n.subnet_ids else 'no subnet'}"

        def network_node(n: Any) -> m.TopologyNode:
            guests = []
            for p in ports:
                if p.network_id == n.id and p.device_id in servers:
                    ips = ", ".join(ip["ip_address"] for ip in p.fixed_ips or [])
                    fip = f"  floating {fips[p.id]}" if p.id in fips else ""
                    guests.append(m.TopologyNode(f"{servers[p.device_id]}  {ips}{fip}", "server"))
            return m.TopologyNode(label(n), "network", tuple(sorted(guests, key=lambda g: g.label)))

        routers = sorted(net.routers(), key=lambda r: r.name or "")
        joined: dict[str, list[str]] = {}
        for p in ports:
            if p.device_owner == "network:router_interface":
                joined.setdefault(p.device_id, []).append(p.network_id)
        roots: list[m.TopologyNode] = []
        placed: set[str] = set()
        for ext in sorted((n for n in networks.values() if n.is_router_external), key=lambda n: n.name or ""):
            children = []
            for r in routers:
                if (r.external_gateway_info or {}).get("network_id") != ext.id:
                    continue
                inner = [network_node(networks[i]) for i in sorted(set(joined.get(r.id, [])),
                                                                  key=lambda i: networks[i].name or "")
                         if i in networks]
                placed.update(joined.get(r.id, []))
                children.append(m.TopologyNode(f"router {r.name}", "router", tuple(inner)))
            placed.add(ext.id)
            roots.append(m.TopologyNode(f"{label(ext)}  (external)", "external", tuple(children)))
        for r in routers:  # routers without an external gateway
            if not (r.external_gateway_info or {}).get("network_id"):
                inner = [network_node(networks[i]) for i in sorted(set(joined.get(r.id, []))) if i in networks]
                placed.update(joined.get(r.id, []))
                roots.append(m.TopologyNode(f"router {r.name}  (no gateway)", "router", tuple(inner)))
        for n in sorted(networks.values(), key=lambda n: n.name or ""):
            if n.id not in placed:
                roots.append(network_node(n))
        return roots

    # ------------------------------------------------------------------------------------------ volumes
    @translated
    def list_volumes(self, all_projects: bool = False) -> list[m.Volume]:
        vols = list(self.conn.block_storage.volumes(details=True, all_projects=all_projects))
        servers = {a["server_id"] for v in vols for a in v.attachments or []}
        names = {s.id: s.name for s in self.conn.compute.servers(details=False)} if servers else {}
        out = []
        for v in vols:
            where = ", ".join(f"{names.get(a['server_id'], a['server_id'])} on {a.get('device', '?')}"
                              for a in v.attachments or [])
            out.append(m.Volume(v.id, v.name or "", v.status or "", v.size or 0, where, v.project_id or "",
                                _raw(v)))
        return sorted(out, key=lambda v: (v.name, v.id))

    @translated
    def create_volume(self, name: str, size: int) -> m.Volume:
        v = self.conn.block_storage.create_volume(name=name, size=size)
        return m.Volume(v.id, v.name or "", v.status or "", v.size or size, "", v.project_id or "", _raw(v))

    @translated
    def delete_volume(self, volume_id: str) -> None:
        self.conn.block_storage.delete_volume(volume_id)

    @translated
    def attach_volume(self, volume_id: str, server_id: str) -> None:
        self.conn.compute.create_volume_attachment(server_id, volume_id=volume_id)

    @translated
    def detach_volume(self, volume_id: str) -> None:
        """Detach a volume from every server it is attached to."""
        volume = self.conn.block_storage.get_volume(volume_id)
        if not volume.attachments:
            raise CloudError(f"volume {volume.name or volume_id} is not attached")
        for a in volume.attachments:
            self.conn.compute.delete_volume_attachment(a["server_id"], volume_id)

    @translated
    def create_snapshot(self, volume_id: str, name: str) -> m.Snapshot:
        s = self.conn.block_storage.create_snapshot(volume_id=volume_id, name=name)
        return m.Snapshot(s.id, s.name or "", volume_id, s.status or "", s.size or 0, _raw(s))

    @translated
    def list_snapshots(self) -> list[m.Snapshot]:
        names = {v.id: v.name for v in self.conn.block_storage.volumes(details=False)}
        snaps = [m.Snapshot(s.id, s.name or "", names.get(s.volume_id, s.volume_id), s.status or "", s.size or 0,
                            _raw(s)) for s in self.conn.block_storage.snapshots(details=True)]
        return sorted(snaps, key=lambda s: (s.name, s.id))

    @translated
    def delete_snapshot(self, snapshot_id: str) -> None:
        self.conn.block_storage.delete_snapshot(snapshot_id)

    @translated
    def list_backups(self) -> list[m.Backup]:
        names = {v.id: v.name for v in self.conn.block_storage.volumes(details=False)}
        backups = [m.Backup(b.id, b.name or "", names.get(b.volume_id) or b.volume_id or "", b.status or "",
                            b.size or 0, bool(b.is_incremental), _raw(b))
                   for b in self.conn.block_storage.backups(details=True)]
        return sorted(backups, key=lambda b: (b.name, b.id))

    @translated
    def create_backup(self, volume_id: str, name: str, incremental: bool = False) -> m.Backup:
        """`volume backup create` (--force: an in-use volume is backed up too, as Cinder allows)."""
        b = self.conn.block_storage.create_backup(volume_id=volume_id, name=name, is_incremental=incremental,
                                                  force=True)
        return m.Backup(b.id, b.name or "", volume_id, b.status or "", b.size or 0, incremental, _raw(b))

    @translated
    def restore_backup(self, backup_id: str, name: str) -> None:
        """Restore into a new volume called `name` (`volume backup restore BACKUP NAME`)."""
        self.conn.block_storage.restore_backup(backup_id, name=name)

    @translated
    def delete_backup(self, backup_id: str) -> None:
        self.conn.block_storage.delete_backup(backup_id)

    # ------------------------------------------------------------------------------------------ identity
    def _domains(self) -> dict[str, str]:
        return {d.id: d.name for d in self.conn.identity.domains()}

    @translated
    def list_users(self) -> list[m.User]:
        domains = self._domains()
        users = [m.User(u.id, u.name or "", domains.get(u.domain_id, u.domain_id or ""), bool(u.is_enabled),
                        u.email or "", _raw(u)) for u in self.conn.identity.users()]
        return sorted(users, key=lambda u: (u.domain, u.name))

    @translated
    def list_groups(self) -> list[m.Group]:
        domains = self._domains()
        identity = self.conn.identity
        groups = []
        for g in identity.groups():
            members = identity.get(f"/groups/{g.id}/users").json().get("users", [])
            groups.append(m.Group(g.id, g.name or "", domains.get(g.domain_id, g.domain_id or ""),
                                  g.description or "", ", ".join(sorted(u["name"] for u in members)), _raw(g)))
        return sorted(groups, key=lambda g: (g.domain, g.name))

    @translated
    def list_projects(self) -> list[m.Project]:
        domains = self._domains()
        found = list(self.conn.identity.projects())
        names = {p.id: p.name for p in found}
        projects = [m.Project(p.id, p.name or "", domains.get(p.domain_id, p.domain_id or ""), bool(p.is_enabled),
                              names.get(p.parent_id or "", "") if p.parent_id != p.domain_id else "",
                              p.description or "", _raw(p)) for p in found if not p.is_domain]
        return sorted(projects, key=lambda p: (p.domain, p.name))

    @translated
    def add_user_to_group(self, user_id: str, group_id: str) -> None:
        """`openstack group add user`."""
        self.conn.identity.add_user_to_group(user_id, group_id)

    @translated
    def list_role_assignments(self) -> list[m.RoleAssignment]:
        """Every role assignment, with names (`role assignment list --names`)."""
        found = self.conn.identity.get("/role_assignments?include_names=true").json()["role_assignments"]
        out = []
        for a in found:
            kind = "user" if "user" in a else "group"
            where = "project" if "project" in a.get("scope", {}) else (
                "domain" if "domain" in a.get("scope", {}) else "system")
            target = a["scope"].get(where, {}) if where != "system" else {"name": "all"}
            actor, role = a[kind], a["role"]
            key = f"{role['id']}:{kind}:{actor['id']}:{where}:{target.get('id', 'all')}"
            out.append(m.RoleAssignment(key, role.get("name", role["id"]),
                                        f"{kind} {actor.get('name', actor['id'])}",
                                        f"{where} {target.get('name', target.get('id', ''))}",
                                        "OS-INHERIT:inherited_to" in a["scope"], a))
        return sorted(out, key=lambda r: (r.scope, r.actor, r.role))

    # ------------------------------------------------------------------------------------------ overview
    @translated
    def overview(self, services: frozenset[str], is_admin: bool) -> m.Overview:
        """Quota use and counts of the project's resources, from the services the catalog has."""
        quotas: list[m.Quota] = []
        counts: list[tuple[str, int]] = []
        if "compute" in services:
            a = self.conn.compute.get_limits().absolute
            quotas += [m.Quota("instances", a.instances_used or 0, a.instances),
                       m.Quota("cores", a.total_cores_used or 0, a.total_cores),
                       m.Quota("ram (MiB)", a.total_ram_used or 0, a.total_ram)]
            counts.append(("servers", a.instances_used or 0))
            counts.append(("key pairs", sum(1 for _ in self.conn.compute.keypairs())))
        if "image" in services:
            counts.append(("images", sum(1 for _ in self.conn.image.images())))
        if "network" in services:
            q = self.conn.network.get_quota(self.conn.current_project_id, details=True)
            for name, label in (("networks", "networks"), ("ports", "ports"), ("routers", "routers"),
                                ("floating_ips", "floating IPs"), ("security_groups", "security groups")):
                detail = getattr(q, name) or {}
                quotas.append(m.Quota(label, int(detail.get("used", 0)), int(detail.get("limit", -1))))
                if name in ("networks", "routers", "floating_ips"):
                    counts.append((label, int(detail.get("used", 0))))
        if "block-storage" in services or "volumev3" in services:
            v = self.conn.block_storage.get_limits().absolute
            quotas += [m.Quota("volumes", v.total_volumes_used or 0, v.max_total_volumes),
                       m.Quota("volume GB", v.total_gigabytes_used or 0, v.max_total_volume_gigabytes)]
            counts += [("volumes", v.total_volumes_used or 0), ("snapshots", v.total_snapshots_used or 0)]
        clock = self.get_clock() if is_admin and "stacklab" in services else None
        balance = None
        if "billing" in services:
            b = self.billing()
            balance = f"{b.balance} {b.currency}".strip()
        return m.Overview(tuple(quotas), tuple(counts), clock, balance)

    # ------------------------------------------------------------------------------------------ the lab API
    @translated
    def get_clock(self) -> m.ClockReading:
        reading = self._extra("stacklab", "GET", "/clock")["clock"]
        return m.ClockReading(str(reading["now"]).replace("T", " ")[:19], str(reading["offset"]))

    @translated
    def advance_clock(self, by: str) -> m.ClockReading:
        reading = self._extra("stacklab", "POST", "/clock/advance", {"by": by})["clock"]
        return m.ClockReading(str(reading["now"]).replace("T", " ")[:19], str(reading["offset"]))

    def _lab_api(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        return self._extra("stacklab", method, path, body)

    # ------------------------------------------------------------------------------------------ the camp
    @translated
    def list_labs(self) -> list[m.LabStatus]:
        """The course's labs (the `labs/` folder this console runs beside) with the user's status in each, from
        the cloud's /lab/v1/progress (the grade the cloud recorded when it ran the checks)."""
        from lab.camp.labs import load_labs

        progress = {row["lab_id"]: row for row in self._lab_api("GET", "/progress")["progress"]}
        labs = []
        for lab in load_labs():
            row = progress.get(lab.id)
            status = "" if row is None else str(row["grade"])
            labs.append(m.LabStatus(lab.id, lab.title, lab.day, status, lab.admin, tuple(lab.requires),
                                    {"id": lab.id, "title": lab.title, "day": lab.day, "summary": lab.summary,
                                     "requires": list(lab.requires), "admin": lab.admin, "progress": row}))
        return labs

    @translated
    def check_lab(self, lab_id: str) -> m.LabCheckReport:
        """Have the cloud run the lab's checks as this user and record the result (what `stacklab check LAB`
        does); on a cloud without StackLab's endpoint they run here and nothing is recorded."""
        from lab.camp.engine import CloudCheckError, LabEnv, cloud_check, report_from, run_lab
        from lab.camp.labs import LabError, find_lab

        try:
            lab = find_lab(lab_id)
        except LabError as exc:
            raise CloudError(str(exc)) from None
        try:
            body = cloud_check(self.conn, lab.id)
        except CloudCheckError as exc:
            raise CloudError(str(exc)) from None
        report = report_from(body) if body is not None else run_lab(lab, LabEnv(self.conn))
        recorded = body is not None and body.get("progress") is not None
        return m.LabCheckReport(report.lab_id, report.title,
                                tuple(m.CheckOutcome(r.name, r.description, r.status, r.message, r.hint)
                                      for r in report.results),
                                report.passed, report.total, report.skipped_reason, recorded)

    @translated
    def class_grid(self) -> m.ClassGrid:
        """Every class's students × labs (admin): each cell a grade, `earned`, `solved`, `reset`, `n/m`
        checks passed or '' (what `stacklab class progress` prints); `done` counts the earned ones."""
        from lab.camp.labs import LabError, load_labs

        classes = sorted(c["name"] for c in self._lab_api("GET", "/classes")["classes"])
        students = [s for name in classes
                    for s in self._lab_api("GET", f"/classes/{name}")["class"]["student_list"]]
        rows = self._lab_api("GET", "/progress")["progress"]
        try:
            lab_ids = [lab.id for lab in load_labs()]
        except LabError:
            lab_ids = sorted({r["lab_id"] for r in rows})
        cell = {(r["project_id"], r["lab_id"]): r["grade"] for r in rows}
        grid = []
        for s in sorted(students, key=lambda s: (s["class"], s["name"])):
            cells = tuple(cell.get((s["project_id"], lab), "") for lab in lab_ids)
            grid.append(m.StudentRow(s["name"], s["name"], s["class"], s["project_id"], cells,
                                     sum(1 for c in cells if c == "earned"),
                                     {k: v for k, v in s.items() if k != "password"}))
        return m.ClassGrid(tuple(lab_ids), tuple(grid))

    @translated
    def list_drill_runs(self) -> list[m.DrillRunRow]:
        """Every student's drill runs (admin): who has repaired what."""
        return [m.DrillRunRow(str(r["id"]) if r["id"] is not None else f"scheduled-{r['schedule_id']}",
                              r["drill_id"], r["project_name"], r["status"], r["hints_given"], r["checks"],
                              (r["repaired_at"] or (f"due {r['due_at']}" if r.get("due_at") else ""))
                              .replace("T", " ")[:20], r)
                for r in self._lab_api("GET", "/drill-runs")["drill_runs"]]

    @translated
    def start_drill(self, drill_id: str, student: str, later: str | None = None) -> None:
        """Start it now, or `later` (a duration: "8h") by the lab clock."""
        when = {"in": later} if later else {}
        self._lab_api("POST", f"/drills/{drill_id}/start", {"start": {"students": [student], **when}})

    @translated
    def undo_drill(self, drill_id: str, student: str) -> None:
        self._lab_api("POST", f"/drills/{drill_id}/undo", {"undo": {"students": [student]}})

    @translated
    def reset_student(self, name: str) -> dict[str, int]:
        """Put a student's project back to the class's starting state; what was removed, by kind."""
        return dict(self._lab_api("POST", f"/students/{name}/reset")["reset"]["removed"])

    @translated
    def list_lab_snapshots(self) -> list[m.LabSnapshot]:
        return [self._snapshot(s) for s in self._lab_api("GET", "/snapshots")["snapshots"]]

    @translated
    def save_lab_snapshot(self, name: str) -> m.LabSnapshot:
        return self._snapshot(self._lab_api("POST", "/snapshots", {"snapshot": {"name": name}})["snapshot"])

    @translated
    def restore_lab_snapshot(self, name: str) -> m.LabSnapshot:
        return self._snapshot(self._lab_api("POST", f"/snapshots/{name}/restore")["snapshot"])

    @staticmethod
    def _snapshot(s: dict[str, Any]) -> m.LabSnapshot:
        return m.LabSnapshot(s["name"], s["name"], str(s.get("created_at") or ""), str(s.get("lab_time") or ""),
                             _size(s.get("size_bytes")), s)

    @translated
    def project_names(self) -> dict[str, str]:
        """Project id -> name (admin only; others see ids)."""
        if not self._projects:
            names = {p.id: p.name for p in self.conn.identity.projects()}
            with self._lock:
                self._projects.update(names)
        return dict(self._projects)

    # ------------------------------------------------------------------------------------------ billing
    @translated
    def billing(self) -> m.Billing:
        """Balance, this month's bill and its usage by day from the billing service (/billing/v1)."""
        from lab.tui.billing_shapes import parse_billing

        balance = self._extra("billing", "GET", "/balance")
        bill = self._extra("billing", "GET", "/bills/current")
        usage = self._extra("billing", "GET", "/usage")
        return parse_billing(balance, bill, usage)
