"""A class at once, against a live `stacklab up`: several threads in several projects create and delete servers,
volumes, ports and floating IPs at the same time. No request fails, no address, MAC or id is handed out twice,
and every project's quota usage equals what it really has afterwards."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from tests.conftest import ADMIN_PASSWORD, LiveCloud

pytestmark = pytest.mark.e2e

PROJECTS = 3
THREADS_PER_PROJECT = 3
ROUNDS = 8


@dataclass
class Student:
    project_id: str
    token: str
    network_id: str
    errors: list[str] = field(default_factory=list)
    made: Counter[str] = field(default_factory=Counter)


def _token(http: httpx.Client, user: str, password: str, project: str) -> tuple[str, str]:
    r = http.post("/identity/v3/auth/tokens", json={"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": user, "password": password, "domain": {"name": "Default"}}}},
        "scope": {"project": {"name": project, "domain": {"name": "Default"}}}}})
    assert r.status_code == 201, r.text
    return r.headers["x-subject-token"], r.json()["token"]["project"]["id"]


def _student(http: httpx.Client, admin: dict[str, str], name: str) -> Student:
    def ok(r: httpx.Response) -> Any:
        assert r.status_code < 300, r.text
        return r.json() if r.content else None

    project = ok(http.post("/identity/v3/projects", json={"project": {"name": name}}, headers=admin))["project"]
    user = ok(http.post("/identity/v3/users", json={"user": {"name": name, "password": "pw",
                                                             "default_project_id": project["id"]}},
                        headers=admin))["user"]
    role = ok(http.get("/identity/v3/roles", params={"name": "member"}, headers=admin))["roles"][0]["id"]
    ok(http.put(f"/identity/v3/projects/{project['id']}/users/{user['id']}/roles/{role}", headers=admin))
    # Room for what is in flight: a thread holds two rounds' resources while the older ones are being deleted.
    ok(http.put(f"/compute/v2.1/os-quota-sets/{project['id']}", json={"quota_set": {
        "instances": 50, "cores": 50, "ram": 512 * 50}}, headers=admin))
    ok(http.put(f"/volume/v3/{project['id']}/os-quota-sets/{project['id']}", json={"quota_set": {
        "volumes": 50, "gigabytes": 50}}, headers=admin))
    token, project_id = _token(http, name, "pw", name)
    me = {"X-Auth-Token": token}
    net = ok(http.post("/network/v2.0/networks", json={"network": {"name": "net"}}, headers=me))["network"]
    ok(http.post("/network/v2.0/subnets", json={"subnet": {"network_id": net["id"], "cidr": "10.20.0.0/24",
                                                           "ip_version": 4}}, headers=me))
    return Student(project_id, token, net["id"])


def _wait(check: Callable[[], bool], what: str, timeout: float = 120) -> None:
    """Poll until `check()` holds (bounded): asynchronous builds and deletes settle in the worker."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not settle within {timeout} s")
        time.sleep(0.3)


def _work(url: str, student: Student, image: str, public: str) -> None:
    """Rounds of create four things, then delete the previous round's four."""
    me = {"X-Auth-Token": student.token}
    with httpx.Client(base_url=url, headers=me, timeout=60) as http:
        def call(kind: str, method: str, path: str, **kw: Any) -> Any:
            r = http.request(method, path, **kw)
            if r.status_code >= 300:
                student.errors.append(f"{kind}: {method} {path} -> {r.status_code} {r.text[:200]}")
                return None
            student.made[f"{method} {kind}"] += 1
            return r.json() if r.content else None

        def volume_ready(volume_id: str) -> bool:
            r = http.get(f"/volume/v3/{student.project_id}/volumes/{volume_id}")
            return r.status_code == 200 and r.json()["volume"]["status"] != "creating"

        previous: dict[str, str] = {}
        for _ in range(ROUNDS):
            made: dict[str, str] = {}
            if body := call("server", "POST", "/compute/v2.1/servers", json={"server": {
                    "name": "vm", "flavorRef": "1", "imageRef": image, "networks": [{"uuid": student.network_id}]}}):
                made["server"] = body["server"]["id"]
            if body := call("volume", "POST", f"/volume/v3/{student.project_id}/volumes",
                            json={"volume": {"size": 1}}):
                made["volume"] = body["volume"]["id"]
            if body := call("port", "POST", "/network/v2.0/ports", json={"port": {"network_id": student.network_id}}):
                made["port"] = body["port"]["id"]
            if body := call("floatingip", "POST", "/network/v2.0/floatingips",
                            json={"floatingip": {"floating_network_id": public}}):
                made["floatingip"] = body["floatingip"]["id"]
            if "server" in previous:
                call("server", "DELETE", f"/compute/v2.1/servers/{previous['server']}")
            if "volume" in previous:
                _wait(lambda v=previous["volume"]: volume_ready(v), "a new volume")
                call("volume", "DELETE", f"/volume/v3/{student.project_id}/volumes/{previous['volume']}")
            if "port" in previous:
                call("port", "DELETE", f"/network/v2.0/ports/{previous['port']}")
            if "floatingip" in previous:
                call("floatingip", "DELETE", f"/network/v2.0/floatingips/{previous['floatingip']}")
            previous = made


def test_a_class_creating_and_deleting_at_once(live_cloud: LiveCloud, unique: Callable[[str], str]) -> None:
    """0 errors, 0 duplicates, and quota usage equal to the real counts in every project."""
    with httpx.Client(base_url=live_cloud.url, timeout=60) as http:
        admin_token, _ = _token(http, "admin", ADMIN_PASSWORD, "admin")
        admin = {"X-Auth-Token": admin_token}
        students = [_student(http, admin, unique("conc")) for _ in range(PROJECTS)]
        me = {"X-Auth-Token": students[0].token}
        image = http.get("/image/v2/images", params={"name": "cirros"}, headers=me).json()["images"][0]["id"]
        public = http.get("/network/v2.0/networks", params={"router:external": "True"},
                          headers=me).json()["networks"][0]["id"]

        threads = [threading.Thread(target=_work, args=(live_cloud.url, s, image, public))
                   for s in students for _ in range(THREADS_PER_PROJECT)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert [e for s in students for e in s.errors] == []
        for s in students:
            assert s.made["POST server"] == THREADS_PER_PROJECT * ROUNDS
            assert s.made["DELETE floatingip"] == THREADS_PER_PROJECT * (ROUNDS - 1)

        # Settle the asynchronous work, then compare what each project has with what its quotas say it uses.
        all_ports: list[dict[str, Any]] = []
        all_fips: list[dict[str, Any]] = []
        for s in students:
            mine = {"X-Auth-Token": s.token}

            def settled(headers: dict[str, str] = mine, project: str = s.project_id) -> bool:
                servers = http.get("/compute/v2.1/servers/detail", headers=headers).json()["servers"]
                volumes = http.get(f"/volume/v3/{project}/volumes/detail", headers=headers).json()["volumes"]
                return (all(v["status"] == "ACTIVE" for v in servers) and len(servers) == THREADS_PER_PROJECT
                        and all(v["status"] == "available" for v in volumes) and len(volumes) == THREADS_PER_PROJECT)

            _wait(settled, f"project {s.project_id}")
            servers = http.get("/compute/v2.1/servers/detail", headers=mine).json()["servers"]
            volumes = http.get(f"/volume/v3/{s.project_id}/volumes/detail", headers=mine).json()["volumes"]
            ports = http.get("/network/v2.0/ports", headers=mine).json()["ports"]
            fips = http.get("/network/v2.0/floatingips", headers=mine).json()["floatingips"]
            all_ports += ports
            all_fips += fips
            compute = http.get(f"/compute/v2.1/os-quota-sets/{s.project_id}/detail",
                               headers=admin).json()["quota_set"]
            assert compute["instances"]["in_use"] == len(servers) == THREADS_PER_PROJECT
            assert compute["cores"]["in_use"] == sum(1 for _ in servers)  # flavor 1: one vCPU each
            volume = http.get(f"/volume/v3/{s.project_id}/os-quota-sets/{s.project_id}", params={"usage": "True"},
                              headers=admin).json()["quota_set"]
            assert volume["volumes"]["in_use"] == len(volumes) == THREADS_PER_PROJECT
            assert volume["gigabytes"]["in_use"] == sum(v["size"] for v in volumes)
            network = http.get(f"/network/v2.0/quotas/{s.project_id}/details", headers=admin).json()["quota"]
            assert network["port"]["used"] == len(ports)
            assert network["floatingip"]["used"] == len(fips) == THREADS_PER_PROJECT
            # Each live server keeps its port; each thread's last standalone port is there too.
            assert len(ports) >= 2 * THREADS_PER_PROJECT

        def duplicates(values: list[Any]) -> list[Any]:
            return [v for v, n in Counter(values).items() if n > 1]

        assert duplicates([p["id"] for p in all_ports]) == []
        assert duplicates([p["mac_address"] for p in all_ports]) == []
        assert duplicates([(p["network_id"], ip["ip_address"]) for p in all_ports for ip in p["fixed_ips"]]) == []
        assert duplicates([f["floating_ip_address"] for f in all_fips]) == []
