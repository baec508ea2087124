"""The `logical` network driver: the network model as data only, nothing on the wire.

It keeps the last state it was given for each network, router and port, and a log of calls, so tests and
the lab console can see what a real driver (the later `linux` one: bridges, namespaces, dnsmasq, nftables)
would have been asked to make. Every method meets the NetworkDriver contract trivially.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from lab.cloud.drivers.base import NetworkDriver, NetworkSpec, PortSecuritySpec, RouterSpec


class LogicalNetworkDriver(NetworkDriver):
    name = "logical"

    def __init__(self, data_dir: Path, **options: Any):
        super().__init__(data_dir, **options)
        self._lock = threading.Lock()
        self.networks: dict[str, NetworkSpec] = {}
        self.routers: dict[str, RouterSpec] = {}
        self.ports: dict[str, PortSecuritySpec] = {}
        self.calls: list[tuple[str, str]] = []  # (method, object id), oldest first; for tests and the console

    def _record(self, method: str, object_id: str) -> None:
        self.calls.append((method, object_id))
        del self.calls[:-1000]  # bounded: a long-running lab must not grow without limit

    def ensure_network(self, spec: NetworkSpec) -> None:
        with self._lock:
            self.networks[spec.id] = spec
            self._record("ensure_network", spec.id)

    def delete_network(self, network_id: str) -> None:
        with self._lock:
            self.networks.pop(network_id, None)
            self._record("delete_network", network_id)

    def ensure_router(self, spec: RouterSpec) -> None:
        with self._lock:
            self.routers[spec.id] = spec
            self._record("ensure_router", spec.id)

    def delete_router(self, router_id: str) -> None:
        with self._lock:
            self.routers.pop(router_id, None)
            self._record("delete_router", router_id)

    def ensure_port_security(self, spec: PortSecuritySpec) -> None:
        with self._lock:
            self.ports[spec.port_id] = spec
            self._record("ensure_port_security", spec.port_id)

    def delete_port_security(self, port_id: str) -> None:
        with self._lock:
            self.ports.pop(port_id, None)
            self._record("delete_port_security", port_id)

    def list_networks(self) -> list[str]:
        return sorted(self.networks)

    def list_routers(self) -> list[str]:
        return sorted(self.routers)

    def list_ports(self) -> list[str]:
        return sorted(self.ports)
