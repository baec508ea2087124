"""The small typed records the console shows, made by `client.py` from openstacksdk resources.

Screens never see an openstacksdk object: each record holds the few fields a screen displays, already turned into
text where that is all a screen does with them, plus `raw` (the resource as the API returned it) for the `y` view.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Raw = dict[str, Any]


def _raw() -> Any:
    return field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class SessionInfo:
    """Who the console is logged in as, and which services the cloud's catalog lists (by service type)."""

    cloud: str
    auth_url: str
    user: str
    project: str
    project_id: str
    roles: tuple[str, ...]
    services: frozenset[str]

    @property
    def is_admin(self) -> bool:
        return "admin" in self.roles


@dataclass(frozen=True)
class Server:
    id: str
    name: str
    status: str
    flavor: str
    image: str
    addresses: str
    key_name: str
    project_id: str
    created: str
    volumes: tuple[str, ...] = ()
    security_groups: tuple[str, ...] = ()
    locked: bool = False
    server_groups: tuple[str, ...] = ()  # names (2.71)
    raw: Raw = _raw()


@dataclass(frozen=True)
class Flavor:
    id: str
    name: str
    vcpus: int
    ram: int
    disk: int
    raw: Raw = _raw()


@dataclass(frozen=True)
class Image:
    id: str
    name: str
    status: str
    size: str
    disk_format: str
    visibility: str
    raw: Raw = _raw()


@dataclass(frozen=True)
class Keypair:
    id: str
    name: str
    type: str
    fingerprint: str
    raw: Raw = _raw()


@dataclass(frozen=True)
class Network:
    id: str
    name: str
    status: str
    subnets: str
    external: bool
    shared: bool
    raw: Raw = _raw()


@dataclass(frozen=True)
class Subnet:
    id: str
    name: str
    network: str
    cidr: str
    gateway_ip: str
    dhcp: bool
    raw: Raw = _raw()


@dataclass(frozen=True)
class Router:
    id: str
    name: str
    status: str
    gateway: str
    raw: Raw = _raw()


@dataclass(frozen=True)
class Port:
    id: str
    name: str
    network: str
    fixed_ips: str
    device_owner: str
    status: str
    mac_address: str
    raw: Raw = _raw()


@dataclass(frozen=True)
class FloatingIP:
    id: str
    floating_ip_address: str
    fixed_ip_address: str
    status: str
    port_id: str
    raw: Raw = _raw()


@dataclass(frozen=True)
class SecurityGroupRule:
    id: str
    direction: str
    ethertype: str
    protocol: str
    port_range: str
    remote: str
    raw: Raw = _raw()


@dataclass(frozen=True)
class SecurityGroup:
    id: str
    name: str
    description: str
    rules: tuple[SecurityGroupRule, ...]
    raw: Raw = _raw()


@dataclass(frozen=True)
class Volume:
    id: str
    name: str
    status: str
    size: int
    attached_to: str
    project_id: str = ""
    raw: Raw = _raw()


@dataclass(frozen=True)
class Snapshot:
    id: str
    name: str
    volume: str
    status: str
    size: int
    raw: Raw = _raw()


@dataclass(frozen=True)
class Backup:
    """A volume backup; `volume` is its volume's name (or id, once the volume is gone)."""

    id: str
    name: str
    volume: str
    status: str
    size: int
    incremental: bool
    raw: Raw = _raw()


@dataclass(frozen=True)
class User:
    id: str
    name: str
    domain: str
    enabled: bool
    email: str
    raw: Raw = _raw()


@dataclass(frozen=True)
class Group:
    id: str
    name: str
    domain: str
    description: str
    members: str  # the members' names, comma-separated
    raw: Raw = _raw()


@dataclass(frozen=True)
class Project:
    id: str
    name: str
    domain: str
    enabled: bool
    parent: str
    description: str
    raw: Raw = _raw()


@dataclass(frozen=True)
class RoleAssignment:
    """One role assignment: `actor` is "user NAME" or "group NAME", `scope` "project NAME" or "domain NAME"."""

    id: str
    role: str
    actor: str
    scope: str
    inherited: bool
    raw: Raw = _raw()


@dataclass(frozen=True)
class Quota:
    """One quota: how much of `resource` the project uses out of `limit` (-1: unlimited)."""

    resource: str
    used: int
    limit: int


@dataclass(frozen=True)
class ClockReading:
    now: str
    offset: str


@dataclass(frozen=True)
class Overview:
    quotas: tuple[Quota, ...]
    counts: tuple[tuple[str, int], ...]
    clock: ClockReading | None = None
    balance: str | None = None


@dataclass(frozen=True)
class TopologyNode:
    """One node of the network topology tree (an external network, a router, a network, a server's port)."""

    label: str
    kind: str
    children: tuple[TopologyNode, ...] = ()


@dataclass(frozen=True)
class BillCategory:
    name: str
    amount: str


@dataclass(frozen=True)
class Billing:
    """The billing screen's data: balance, this month's bill by category and its line items."""

    currency: str
    balance: str
    month: str
    total: str
    categories: tuple[BillCategory, ...]
    line_items: tuple[tuple[str, str, str, str], ...]  # (category, name, quantity, total)
    days: tuple[DayTotal, ...] = ()  # this month's usage by day (the usage chart)
    raw: Raw = _raw()


@dataclass(frozen=True)
class DayTotal:
    """One day of this month's usage (the billing service's /usage), for the usage chart."""

    date: str
    total: str


@dataclass(frozen=True)
class LabStatus:
    """A lab of the course and where the current user stands in it (from /lab/v1/progress)."""

    id: str
    name: str
    day: int
    status: str  # the grade: "earned", "solved", "reset", "n/m" checks passed, or "" when never checked
    admin: bool = False
    requires: tuple[str, ...] = ()
    raw: Raw = _raw()


@dataclass(frozen=True)
class CheckOutcome:
    """One check of a lab run from the console."""

    name: str
    description: str
    status: str  # pass | fail | skip
    message: str = ""
    hint: str = ""


@dataclass(frozen=True)
class LabCheckReport:
    lab_id: str
    title: str
    checks: tuple[CheckOutcome, ...]
    passed: int
    total: int
    skipped_reason: str = ""
    recorded: bool = False

    @property
    def first_failure(self) -> CheckOutcome | None:
        return next((c for c in self.checks if c.status == "fail"), None)


@dataclass(frozen=True)
class StudentRow:
    """One row of the instructor's class grid: a student and a grade per lab (see LabStatus.status); `done`
    counts the earned ones."""

    id: str  # the student's name (unique across classes)
    name: str
    class_name: str
    project_id: str
    cells: tuple[str, ...]
    done: int
    raw: Raw = _raw()


@dataclass(frozen=True)
class ClassGrid:
    lab_ids: tuple[str, ...]
    students: tuple[StudentRow, ...]


@dataclass(frozen=True)
class DrillRunRow:
    """A troubleshooting drill started for a student: active, repaired (the cloud saw the fix) or undone."""

    id: str  # the run's id
    name: str  # the drill's id
    student: str
    status: str
    hints: int
    checks: int
    repaired_at: str
    raw: Raw = _raw()


@dataclass(frozen=True)
class LabSnapshot:
    id: str  # the snapshot's name
    name: str
    created_at: str
    lab_time: str
    size: str
    raw: Raw = _raw()


@dataclass(frozen=True)
class LoadBalancer:
    id: str
    name: str
    vip_address: str
    provisioning_status: str
    operating_status: str
    provider: str
    project_id: str = ""
    raw: Raw = _raw()


@dataclass(frozen=True)
class Container:
    """An object-storage container: `public` when its read ACL lets anyone read it (`.r:*`)."""

    id: str  # the name: unique in the account
    name: str
    objects: int
    size: str
    public: bool
    raw: Raw = _raw()


@dataclass(frozen=True)
class LbMember:
    """A pool member with the load balancer and pool it belongs to, and its health (operating status)."""

    id: str
    name: str
    loadbalancer: str
    pool: str
    address: str
    weight: int
    operating_status: str
    raw: Raw = _raw()


@dataclass(frozen=True)
class Stack:
    id: str
    name: str
    status: str
    reason: str
    created: str
    raw: Raw = _raw()


@dataclass(frozen=True)
class StackResource:
    id: str  # the resource's physical id ("" while none)
    stack: str
    name: str
    type: str
    status: str
    reason: str
    raw: Raw = _raw()


@dataclass(frozen=True)
class StackEvent:
    id: str
    stack: str
    time: str
    resource: str
    status: str
    reason: str
    raw: Raw = _raw()


@dataclass(frozen=True)
class StoredObject:
    id: str  # the name: unique in the container
    name: str
    size: str
    content_type: str
    last_modified: str
    raw: Raw = _raw()


@dataclass(frozen=True)
class MetricResource:
    """A Gnocchi resource with the CPU measures of its `cpu_util` metric (oldest first; none for a resource
    without that metric)."""

    id: str
    type: str
    name: str
    started: str
    ended: str
    cpu: tuple[float, ...] = ()
    raw: Raw = _raw()


@dataclass(frozen=True)
class ServerUsage:
    """A server's recent measures from the metric service, oldest first, one per 5-minute period: `cpu_util` (%),
    `memory.usage` (MB) and the network's bytes per period (in + out, from the cumulative counters).
    `metered` is False when the collector has no resource for the server (yet, or on a cloud without one)."""

    server_id: str
    cpu: tuple[float, ...] = ()
    memory: tuple[float, ...] = ()
    network: tuple[float, ...] = ()
    metered: bool = True


@dataclass(frozen=True)
class Alarm:
    id: str
    name: str
    type: str
    state: str
    severity: str
    enabled: bool
    reason: str
    raw: Raw = _raw()
