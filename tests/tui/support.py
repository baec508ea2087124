"""Helpers for the console's tests: waiting (bounded) for the app to show something, notifications, a client that
masks ids and times for snapshot tests, and the fixed resources the snapshot lab is seeded with."""

from __future__ import annotations

import dataclasses
import re
import threading
import time
from collections.abc import Callable
from typing import Any

from textual.pilot import Pilot

from lab.tui.client import CloudClient
from lab.tui.models import ServerUsage

PUBLIC_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4 student@laptop"


async def until(pilot: Pilot[Any], predicate: Callable[[], object], what: str, tries: int = 400,
                step: float = 0.05) -> None:
    """Let the app run until `predicate()` holds (at most `tries` steps); fail saying what never happened."""
    for _ in range(tries):
        try:
            if predicate():
                return
        except Exception:  # the widget may not be mounted yet
            pass
        await pilot.pause(step)
    raise AssertionError(f"the console never showed: {what}; screen {pilot.app.screen!r}; "
                         f"notifications: {notifications(pilot.app)}")


def notifications(app: Any) -> list[tuple[str, str]]:
    """(severity, message) of every notification the app raised so far."""
    return [(n.severity, n.message) for n in app._notifications]


def table_column(app: Any, table_id: str, column: str) -> list[str]:
    table = app.screen.query_one(f"#{table_id}")
    return [str(table.get_cell(row_key, column)) for row_key in table.rows]


# ---------------------------------------------------------------------------------------------- masking
UUID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b|\b[0-9a-f]{32}\b")
MAC = re.compile(r"(?<![0-9a-f:])[0-9a-f]{2}(?::[0-9a-f]{2}){5}(?![0-9a-f:])")
HOST_KEY = re.compile(r"SHA256:[0-9A-Za-z+/=]{20,}")  # the guest's host key, new for every server
SERIAL = re.compile(r"\(serial [0-9a-f-]+\)")  # a volume id cut short, in the guest's kernel log
TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?")
DATE = re.compile(r"\b20\d{2}-[01]\d-[0-3]\d\b")  # a day of the usage chart
MONTH = re.compile(r"\b20\d{2}-[01]\d\b(?!-)")  # a bill's month


MASKED_CPU = (2.0, 3.5, 2.5, 40.0, 88.0, 92.0, 90.0, 4.0)
MASKED_MEMORY = (110.0, 112.0, 111.0, 260.0, 400.0, 405.0, 402.0, 115.0)
MASKED_NETWORK = (61440.0, 64512.0, 62464.0, 860160.0, 1560576.0, 1634304.0, 1605632.0, 66560.0)


class MaskingClient:
    """A real CloudClient whose answers have ids, MAC addresses and times replaced by stable placeholders (the
    n-th id seen becomes 00000000-0000-0000-0000-00000000000n), so snapshots are the same on every run. Ids in
    arguments are translated back, so drilling down still reaches the real resource."""

    def __init__(self, client: CloudClient) -> None:
        self._client = client
        self._lock = threading.Lock()
        self._masks: dict[str, str] = {}
        self._reals: dict[str, str] = {}

    def _mask_id(self, match: re.Match[str]) -> str:
        real = match.group(0)
        with self._lock:
            if real not in self._masks:
                n = len(self._masks) + 1
                fake = f"00000000-0000-0000-0000-{n:012d}" if "-" in real else f"{n:032d}"
                self._masks[real] = fake
                self._reals[fake] = real
            return self._masks[real]

    def mask(self, value: Any) -> Any:
        if isinstance(value, str):
            value = UUID.sub(self._mask_id, value)
            value = MAC.sub("fa:16:3e:00:00:00", value)
            value = HOST_KEY.sub("SHA256:" + "x" * 43, value)
            value = SERIAL.sub("(serial 00000000-0000-0000-0)", value)
            value = TIME.sub("2026-01-01T00:00:00Z", value)
            value = DATE.sub("2026-01-01", value)
            return MONTH.sub("2026-01", value)
        if isinstance(value, ServerUsage):
            # Measures depend on when the collector ran and on the server's id (its simulated load's noise): a
            # fixed curve, so a snapshot shows how the sparklines look, not the moment it was taken.
            return ServerUsage(self.mask(value.server_id), MASKED_CPU, MASKED_MEMORY, MASKED_NETWORK)
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            return dataclasses.replace(value, **{f.name: self.mask(getattr(value, f.name))
                                                 for f in dataclasses.fields(value) if f.init})
        if isinstance(value, dict):
            return {self.mask(k): self.mask(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return type(value)(self.mask(v) for v in value)
        if isinstance(value, frozenset):
            return value
        return value

    def unmask(self, value: Any) -> Any:
        if isinstance(value, str):
            return self._reals.get(value, value)
        return value

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._client, name)
        if not callable(attr):
            return attr

        def call(*args: Any, **kwargs: Any) -> Any:
            args = tuple(self.unmask(a) for a in args)
            return self.mask(attr(*args, **kwargs))

        return call


# ---------------------------------------------------------------------------------------------- seeding
def wait_for(fetch: Callable[[], Any], done: Callable[[Any], bool], what: str, tries: int = 200) -> Any:
    """Poll `fetch()` until `done(result)` (bounded)."""
    for _ in range(tries):
        result = fetch()
        if done(result):
            return result
        time.sleep(0.1)
    raise AssertionError(f"never happened: {what}")


def seed(conn: Any) -> None:
    """The snapshot lab's demo project: two servers (one with a key, a floating IP and a volume), a second
    network, a security group with two rules, a spare volume and a snapshot. Always made in the same order, so
    addresses come out the same."""
    private = conn.network.find_network("private")
    public = conn.network.find_network("public")
    image = conn.image.find_image("cirros")
    conn.compute.create_keypair(name="laptop", public_key=PUBLIC_KEY)
    net = conn.network.create_network(name="lab-net")
    conn.network.create_subnet(network_id=net.id, name="lab-net-subnet", cidr="192.168.50.0/24", ip_version=4)
    web = conn.network.create_security_group(name="web", description="HTTP and SSH from anywhere")
    for port in (22, 80):
        conn.network.create_security_group_rule(security_group_id=web.id, direction="ingress", ethertype="IPv4",
                                                protocol="tcp", port_range_min=port, port_range_max=port,
                                                remote_ip_prefix="0.0.0.0/0")
    servers = {}
    for name, flavor in (("db-1", "m1.small"), ("web-1", "m1.tiny")):
        attrs: dict[str, Any] = {"name": name, "flavor_id": conn.compute.find_flavor(flavor).id,
                                 "image_id": image.id, "networks": [{"uuid": private.id}]}
        if name == "web-1":
            attrs.update(key_name="laptop", security_groups=[{"name": "default"}, {"name": "web"}])
        servers[name] = conn.compute.create_server(**attrs)
        wait_for(lambda s=servers[name]: conn.compute.get_server(s.id), lambda s: s.status == "ACTIVE",
                 f"{name} ACTIVE")
    port = next(conn.network.ports(device_id=servers["web-1"].id))
    conn.network.create_ip(floating_network_id=public.id, port_id=port.id)
    data = conn.block_storage.create_volume(name="data", size=1)
    scratch = conn.block_storage.create_volume(name="scratch", size=2)
    for v in (data, scratch):
        wait_for(lambda v=v: conn.block_storage.get_volume(v.id), lambda v: v.status == "available", "volume")
    conn.block_storage.create_snapshot(volume_id=scratch.id, name="scratch-snap")
    conn.compute.create_volume_attachment(servers["web-1"].id, volume_id=data.id)
    wait_for(lambda: conn.block_storage.get_volume(data.id), lambda v: v.status == "in-use", "data attached")
    wait_for(lambda: list(conn.block_storage.snapshots()), lambda s: all(x.status == "available" for x in s),
             "snapshot available")


CLASS = "snap-class"


def seed_class(url: str, admin: Any) -> list[dict[str, Any]]:
    """The snapshot lab's class `snap-class` of two students (snap01, snap02) made through /lab/v1, with fixed
    progress: snap01 has done lab 1.1 and ran lab 1.4's checks from the console once (0/4); snap02 nothing."""
    lab = f"{url}/lab/v1"
    r = admin.session.post(f"{lab}/classes", json={"class": {"name": CLASS, "students": 2, "prefix": "snap",
                                                              "balance": "25"}})
    assert r.status_code == 201, r.text
    students = []
    for name in r.json()["class"]["planned_students"]:
        s = admin.session.post(f"{lab}/classes/{CLASS}/students", json={"student": {"name": name}})
        assert s.status_code == 201, s.text
        students.append(s.json()["student"])
    # Lab 1.1 graded by hand by the instructor (a student cannot write a result), 1.4 checked by the cloud.
    done = admin.session.post(f"{lab}/progress", json={"progress": {
        "lab_id": "1.1", "passed": 3, "total": 3, "project_id": students[0]["project_id"]}})
    assert done.status_code == 201, done.text
    first = CloudClient(student_sdk(url, students[0]), "snap01")
    try:
        assert first.check_lab("1.4").passed == 0
    finally:
        first.close()
    return students


def student_sdk(url: str, student: dict[str, Any]) -> Any:
    """An openstacksdk connection as a student of a class (their own project is named like them)."""
    import openstack

    return openstack.connect(auth_url=f"{url}/identity", username=student["name"], password=student["password"],
                             project_name=student["name"], user_domain_name="Default",
                             project_domain_name="Default", region_name="RegionOne", interface="public",
                             identity_api_version="3")
