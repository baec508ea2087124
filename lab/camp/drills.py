"""Troubleshooting drills: a fault injected into one student's project on purpose, found and repaired by the
student with the `openstack` CLI, and checked by the cloud.

A drill is data, like a lab: one folder under `drills/`:

    drills/net-router-gateway/
        drill.yaml    id, title, service (a catalog service type), summary, symptoms, hints (in order),
                      repair (the documented fix: `openstack` commands without the word `openstack`, or
                      whole `stacklab ...` commands, with {placeholders} from the state; hints may use them too),
                      repair_as (student | admin: who can do the repair),
                      scope (project | lab: a fault of the whole lab, started for one student at a time)
        drill.py      inject(env) -> state, check(env, state), undo(env, state)

`inject` runs as the lab's admin against the student's project (`DrillEnv.project_id`) and returns a state
(names and ids of what it made or broke, what it took away) that the cloud keeps; `check` runs as whoever asks
(the student, or the admin for an `admin` drill) and passes only when the fault is repaired in the project's
own resources, never because the injection was reverted: the instructor's `undo` removes what inject made, and
a drill that was undone is no longer checked. Like the labs, drills only talk to the public APIs, so
this module imports nothing from the cloud.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml

from lab.camp.engine import LabEnv
from lab.camp.modules import load_module

DRILL_ID = re.compile(r"^[a-z][a-z0-9-]{2,47}$")
REPAIR_AS = ("student", "admin")
SCOPES = ("project", "lab")


class DrillError(Exception):
    """A drill folder that is not well formed, or an id that names no drill."""


def drills_dir() -> Path:
    """`$STACKLAB_DRILLS_DIR`, else the `drills/` folder of the source tree this package runs from."""
    if os.environ.get("STACKLAB_DRILLS_DIR"):
        return Path(os.environ["STACKLAB_DRILLS_DIR"]).expanduser()
    return Path(__file__).resolve().parent.parent.parent / "drills"


@dataclass
class DrillEnv:
    """What a drill's functions are given: a connection (the admin's for inject and undo, the caller's for the
    check) and the student's project the drill is about."""

    conn: Any
    project_id: str
    project_name: str = ""
    # How the cloud connects as the student (a token it issues in their name): for what inject sets up as if
    # the student had made it the day before (their server, their volume), owned by their own user.
    as_student: Callable[[], Any] | None = None
    _student: LabEnv | None = None
    # What inject has made so far (ids by the names its undo reads): when inject fails half-way, the cloud
    # undoes with this, so a refused injection leaves nothing behind.
    made: dict[str, Any] = field(default_factory=dict)

    def student(self) -> LabEnv:
        """The student's own view of their project (made once per drill step)."""
        if self._student is None:
            if self.as_student is None:
                raise DrillError("this drill sets up resources as the student, and no student connection is given")
            self._student = LabEnv(self.as_student())
        return self._student

    def close(self) -> None:
        self.conn.close()
        if self._student is not None:
            self._student.conn.close()

    def name(self, stem: str) -> str:
        """A resource name for this drill ('drill-web'): the same in every student's project."""
        return f"drill-{stem}"

    def external_network(self) -> Any:
        return next(iter(self.conn.network.networks(is_router_external=True)), None)

    def network(self, name: str) -> Any:
        return next((n for n in self.conn.network.networks(name=name, project_id=self.project_id)), None)

    def subnet(self, name: str) -> Any:
        return next((s for s in self.conn.network.subnets(name=name, project_id=self.project_id)), None)

    def router(self, name: str) -> Any:
        return next((r for r in self.conn.network.routers(name=name, project_id=self.project_id)), None)

    def security_group(self, name: str) -> Any:
        return next((g for g in self.conn.network.security_groups(name=name, project_id=self.project_id)), None)

    def image(self, image_id: str) -> dict[str, Any] | None:
        """The image as Glance's JSON, or None when it is gone (or hidden from this caller)."""
        response = self.conn.image.get(f"/images/{image_id}", raise_exc=False)
        return dict(response.json()) if response.status_code == 200 else None

    def lets_in(self, group_ids: list[str], port: int) -> bool:
        """Whether one of the security groups lets tcp `port` in from anywhere (IPv4)."""
        rules = [r for g in group_ids for r in self.conn.network.security_group_rules(security_group_id=g)]
        return any(_opens(rule, port) for rule in rules)

    def network_with_subnet(self, stem: str, cidr: str, **subnet: Any) -> tuple[Any, Any]:
        """A network and subnet in the student's project (made as the admin, owned by the student)."""
        network = self.conn.network.create_network(name=self.name(stem), project_id=self.project_id)
        sub = self.conn.network.create_subnet(name=self.name(f"{stem}-subnet"), network_id=network.id,
                                              ip_version=4, cidr=cidr, project_id=self.project_id, **subnet)
        return network, sub

    def delete_network(self, network_id: str | None) -> None:
        """The network and everything on it (ports of routers detached first), ignoring what is gone."""
        if not network_id or self.conn.network.find_network(network_id) is None:
            return
        for port in list(self.conn.network.ports(network_id=network_id)):
            if port.device_owner == "network:router_interface":
                self.conn.network.remove_interface_from_router(port.device_id, port_id=port.id)
            elif port.device_owner in ("", None) or port.device_owner.startswith("network:dhcp"):
                self.conn.network.delete_port(port, ignore_missing=True)
        self.conn.network.delete_network(network_id, ignore_missing=True)

    def delete_server(self, server_id: str | None) -> None:
        """The server, waiting until it is gone (its ports go with it, so its network can go next)."""
        server = self.conn.compute.find_server(server_id, all_projects=True) if server_id else None
        if server is not None:
            self.conn.compute.delete_server(server, ignore_missing=True)
            self.conn.compute.wait_for_delete(server, interval=0.2, wait=120)

    def delete_floating_ips(self, port_ids: list[str], addresses: tuple[str, ...] = ()) -> None:
        """The project's floating IPs on those ports or with those addresses."""
        for ip in list(self.conn.network.ips(project_id=self.project_id)):
            if ip.port_id in port_ids or ip.floating_ip_address in addresses:
                self.conn.network.delete_ip(ip, ignore_missing=True)

    def delete_router(self, router_id: str | None) -> None:
        if not router_id or self.conn.network.find_router(router_id) is None:
            return
        for port in list(self.conn.network.ports(device_id=router_id, device_owner="network:router_interface")):
            self.conn.network.remove_interface_from_router(router_id, port_id=port.id)
        self.conn.network.delete_router(router_id, ignore_missing=True)


def _opens(rule: Any, port: int) -> bool:
    if rule.direction != "ingress" or rule.ether_type != "IPv4" or rule.protocol not in ("tcp", "6", None):
        return False
    if rule.remote_group_id or rule.remote_ip_prefix not in (None, "0.0.0.0/0"):
        return False
    low, high = rule.port_range_min, rule.port_range_max
    return low is None or bool(low <= port <= (high or low))


class _Keep(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


@dataclass(frozen=True)
class Drill:
    id: str
    title: str
    service: str
    summary: str
    symptoms: str
    path: Path
    hints: tuple[str, ...] = ()
    repair: tuple[str, ...] = ()
    repair_as: str = "student"
    scope: str = "project"
    extra: dict[str, Any] = field(default_factory=dict)

    def _module(self) -> ModuleType:
        return load_module(self.path / "drill.py", f"stacklab_drills.{self.id.replace('-', '_')}", DrillError,
                           ("inject", "check", "undo"))

    def inject(self, env: DrillEnv) -> dict[str, Any]:
        return dict(self._module().inject(env) or {})

    def check(self, env: DrillEnv, state: dict[str, Any]) -> None:
        """Raises AssertionError (what is still wrong, never the answer) until the fault is repaired."""
        self._module().check(env, state)

    def undo(self, env: DrillEnv, state: dict[str, Any]) -> None:
        self._module().undo(env, state)

    def hints_for(self, state: dict[str, Any], count: int | None = None) -> list[str]:
        """The first `count` hints (all by default) with the run's {placeholders} filled in (a voucher's code
        the drill made, say); a placeholder the state lacks is left as written."""
        return [hint.format_map(_Keep(state)) for hint in self.hints[:count]]

    def repair_commands(self, state: dict[str, Any]) -> list[str]:
        """The documented repair with the state's names filled in (what the tests run, as the student)."""
        return [command.format(**state) for command in self.repair]


def load_drill(path: Path) -> Drill:
    meta_file = path / "drill.yaml"
    meta = yaml.safe_load(meta_file.read_text()) or {}
    missing = [k for k in ("id", "title", "service", "summary", "symptoms", "hints", "repair") if k not in meta]
    if missing:
        raise DrillError(f"{meta_file}: missing {', '.join(missing)}")
    drill_id = str(meta["id"])
    if not DRILL_ID.match(drill_id) or drill_id != path.name:
        raise DrillError(f"{meta_file}: id {drill_id!r} must be lower-case words joined by '-' and name its folder")
    repair_as = str(meta.get("repair_as", "student"))
    if repair_as not in REPAIR_AS:
        raise DrillError(f"{meta_file}: repair_as must be one of {', '.join(REPAIR_AS)}")
    scope = str(meta.get("scope", "project"))
    if scope not in SCOPES:
        raise DrillError(f"{meta_file}: scope must be one of {', '.join(SCOPES)}")
    if not (path / "drill.py").exists():
        raise DrillError(f"{path}: drill.py is missing")
    return Drill(id=drill_id, title=str(meta["title"]), service=str(meta["service"]),
                 summary=str(meta["summary"]).strip(), symptoms=str(meta["symptoms"]).strip(), path=path,
                 hints=tuple(str(h).strip() for h in meta["hints"]), repair=tuple(str(c) for c in meta["repair"]),
                 repair_as=repair_as, scope=scope)


def load_drills(directory: Path | None = None) -> list[Drill]:
    base = directory or drills_dir()
    if not base.is_dir():
        raise DrillError(f"no drills folder at {base} (set STACKLAB_DRILLS_DIR)")
    return [load_drill(p) for p in sorted(base.iterdir()) if (p / "drill.yaml").exists()]


def find_drill(drill_id: str, directory: Path | None = None) -> Drill:
    drills = load_drills(directory)
    for drill in drills:
        if drill.id == drill_id:
            return drill
    raise DrillError(f"unknown drill {drill_id!r}; the drills are {', '.join(d.id for d in drills)} "
                     "(see `stacklab drill list`)")
