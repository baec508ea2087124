"""How fast the instructor's tools are: reset one student holding 10 servers, 5 volumes and 3 networks; reset a
class of 40 students (each with 2 servers, a volume and a network); save and restore a lab snapshot.

The cloud runs in this process (the ASGI app through Starlette's TestClient, the worker run explicitly), so the
figures are the cloud's own work plus one HTTP round trip, not a network's. Setting the resources up is not
timed. Aims: one student <= 1 s, a class of 40 <= 5 s.

    .venv/bin/python bench/camp_reset.py [--students 40]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

from starlette.testclient import TestClient

from lab.cloud.app import Cloud, create_app
from lab.cloud.labapi.reset import leftovers
from lab.config import Settings

ADMIN_PASSWORD = "bench-admin"


def token(client: TestClient, user: str, password: str, project: str) -> dict[str, str]:
    r = client.post("/identity/v3/auth/tokens", json={"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": user, "password": password, "domain": {"name": "Default"}}}},
        "scope": {"project": {"name": project, "domain": {"name": "Default"}}}}})
    r.raise_for_status()
    return {"X-Auth-Token": r.headers["x-subject-token"]}


def make_class(client: TestClient, admin: dict[str, str], name: str, students: int) -> list[dict[str, Any]]:
    r = client.post("/lab/v1/classes", headers=admin, json={"class": {
        "name": name, "students": students, "prefix": f"{name}-s", "quota": "instances=20,cores=40,ram=65536"}})
    r.raise_for_status()
    made = []
    for student in r.json()["class"]["planned_students"]:
        s = client.post(f"/lab/v1/classes/{name}/students", headers=admin, json={"student": {"name": student}})
        s.raise_for_status()
        made.append(s.json()["student"])
    return made


def fill(client: TestClient, cloud: Cloud, student: dict[str, Any], servers: int, volumes: int,
         networks: int) -> None:
    """Give a student's project `networks` networks (with subnets), `servers` servers spread over them and
    `volumes` 1 GB volumes, all settled (ACTIVE / available)."""
    h = token(client, student["name"], student["password"], student["name"])
    image = client.get("/image/v2/images?name=cirros", headers=h).json()["images"][0]["id"]
    net_ids = []
    for n in range(networks):
        net = client.post("/network/v2.0/networks", headers=h, json={"network": {"name": f"n{n}"}}).json()
        client.post("/network/v2.0/subnets", headers=h, json={"subnet": {
            "network_id": net["network"]["id"], "cidr": f"10.{n}.0.0/24", "ip_version": 4}})
        net_ids.append(net["network"]["id"])
    for s in range(servers):
        body: dict[str, Any] = {"name": f"vm{s}", "imageRef": image, "flavorRef": "42"}
        if net_ids:
            body["networks"] = [{"uuid": net_ids[s % len(net_ids)]}]
        client.post("/compute/v2.1/servers", headers=h, json={"server": body}).raise_for_status()
    for v in range(volumes):
        client.post(f"/volume/v3/{student['project_id']}/volumes", headers=h,
                    json={"volume": {"size": 1, "name": f"vol{v}"}}).raise_for_status()
    cloud.worker.run_due(everything=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp) / "lab", admin_password=ADMIN_PASSWORD, boot_seconds=0.0)
        cloud = Cloud(settings)
        app = create_app(settings, cloud=cloud, start_worker=False)
        with TestClient(app, base_url="http://127.0.0.1:8780") as client:
            admin = token(client, "admin", ADMIN_PASSWORD, "admin")
            figures: list[tuple[str, float, str]] = []

            (one,) = make_class(client, admin, "solo", 1)
            fill(client, cloud, one, servers=10, volumes=5, networks=3)
            started = time.perf_counter()
            r = client.post(f"/lab/v1/students/{one['name']}/reset", headers=admin)
            seconds = time.perf_counter() - started
            r.raise_for_status()
            assert leftovers(cloud, one["project_id"], [one["user_id"]]) == {}
            figures.append(("reset 1 student (10 servers, 5 volumes, 3 networks)", seconds, "aim <= 1 s"))

            students = make_class(client, admin, "big", args.students)
            for student in students:
                fill(client, cloud, student, servers=2, volumes=1, networks=1)
            started = time.perf_counter()
            r = client.post("/lab/v1/classes/big/reset", headers=admin)
            seconds = time.perf_counter() - started
            r.raise_for_status()
            assert all(leftovers(cloud, s["project_id"], [s["user_id"]]) == {} for s in students)
            figures.append((f"reset a class of {args.students} (2 servers, 1 volume, 1 network each)", seconds,
                            "aim <= 5 s"))

            for student in students[:10]:
                fill(client, cloud, student, servers=2, volumes=1, networks=1)
            started = time.perf_counter()
            client.post("/lab/v1/snapshots", headers=admin, json={"snapshot": {"name": "bench"}}).raise_for_status()
            figures.append(("snapshot save", time.perf_counter() - started, ""))
            for student in students[10:20]:
                fill(client, cloud, student, servers=2, volumes=1, networks=1)
            started = time.perf_counter()
            client.post("/lab/v1/snapshots/bench/restore", headers=admin).raise_for_status()
            figures.append(("snapshot restore", time.perf_counter() - started, ""))
        cloud.close()
    width = max(len(name) for name, _, _ in figures)
    for name, seconds, aim in figures:
        print(f"{name:<{width}}  {seconds:7.3f} s  {aim}")


if __name__ == "__main__":
    main()
