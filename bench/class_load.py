"""A class under load: N students (default 40) run a camp day's workload at once, for a bounded time, against a
live `stacklab up` this script starts on a free port with a throw-away data directory (no clouds.yaml written).

Each student logs in, then loops: list images and flavors, create a network with a subnet, boot a server and
poll it to ACTIVE (every 0.5 s, as `--wait` does, on one keep-alive connection), create a volume, a port and a
floating IP, list everything, then delete it all. Prints requests/s, p50/p95 latency, the server's peak RSS,
the server's CPU time per request (the cost, whatever share of a busy machine the server got) and every error
(a 5xx, a failed connection, or a 4xx on a step that must succeed): there must be none.

    .venv/bin/python bench/class_load.py [--students 40] [--seconds 60]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil

ADMIN_PASSWORD = "bench-admin"


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, seconds: float, error: str | None = None) -> None:
        with self.lock:
            self.latencies.append(seconds)
            if error:
                self.errors.append(error)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_lab(data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    env = dict(os.environ, STACKLAB_ADMIN_PASSWORD=ADMIN_PASSWORD, STACKLAB_BOOT_SECONDS="1",
               STACKLAB_NO_CLOUDS_YAML="1", STACKLAB_VOLUME_CAPACITY_GB="1000")
    log = open(data_dir.parent / "stacklab.log", "ab")  # noqa: SIM115 - lives as long as the process
    process = subprocess.Popen([sys.executable, "-m", "lab.cli", "up", "--host", "127.0.0.1", "--port", str(port),
                                "--data-dir", str(data_dir)], env=env, stdout=log, stderr=subprocess.STDOUT)
    for _ in range(300):
        if process.poll() is not None:
            raise SystemExit(f"stacklab up exited with {process.returncode}; see {log.name}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/identity", timeout=1).status_code in (200, 300):
                return process
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    process.kill()
    raise SystemExit("stacklab up did not answer within 30 s")


def login(http: httpx.Client, user: str, password: str, project: str) -> str:
    r = http.post("/identity/v3/auth/tokens", json={"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": user, "password": password, "domain": {"name": "Default"}}}},
        "scope": {"project": {"name": project, "domain": {"name": "Default"}}}}})
    r.raise_for_status()
    return r.headers["x-subject-token"]


def make_class(url: str, students: int) -> list[dict[str, Any]]:
    with httpx.Client(base_url=url, timeout=120) as http:
        admin = {"X-Auth-Token": login(http, "admin", ADMIN_PASSWORD, "admin")}
        r = http.post("/lab/v1/classes", headers=admin, json={"class": {
            "name": "load", "students": students, "prefix": "load", "balance": "1000",
            "quota": "instances=10,cores=20,ram=20480,volumes=10,gigabytes=50"}})
        r.raise_for_status()
        made = []
        for name in r.json()["class"]["planned_students"]:
            s = http.post("/lab/v1/classes/load/students", headers=admin, json={"student": {"name": name}})
            s.raise_for_status()
            made.append(s.json()["student"])
        return made


def student_loop(url: str, student: dict[str, Any], until: float, tally: Tally, number: int) -> None:
    with httpx.Client(base_url=url, timeout=120) as http:
        def call(method: str, path: str, ok: tuple[int, ...] = (200, 201, 202, 204), **kw: Any) -> Any:
            start = time.perf_counter()
            try:
                r = http.request(method, path, **kw)
            except httpx.HTTPError as exc:
                tally.record(time.perf_counter() - start, f"{method} {path}: {exc!r}")
                return None
            bad = r.status_code >= 500 or r.status_code not in ok
            tally.record(time.perf_counter() - start,
                         f"{method} {path} -> {r.status_code} {r.text[:200]}" if bad else None)
            return None if bad or not r.content else r.json()

        token = login(http, student["name"], student["password"], student["name"])
        http.headers["X-Auth-Token"] = token
        project = student["project_id"]
        images = call("GET", "/image/v2/images", params={"name": "cirros"})
        public = call("GET", "/network/v2.0/networks", params={"router:external": "True"})
        if not images or not public:
            return
        image, public_id = images["images"][0]["id"], public["networks"][0]["id"]
        round_number = 0
        while time.monotonic() < until:
            round_number += 1
            call("GET", "/compute/v2.1/flavors/detail")
            net = call("POST", "/network/v2.0/networks", json={"network": {"name": f"n{round_number}"}})
            if net is None:
                continue
            net_id = net["network"]["id"]
            call("POST", "/network/v2.0/subnets", json={"subnet": {
                "network_id": net_id, "cidr": f"10.{number % 250}.{round_number % 250}.0/24", "ip_version": 4}})
            server = call("POST", "/compute/v2.1/servers", json={"server": {
                "name": f"vm{round_number}", "flavorRef": "1", "imageRef": image, "networks": [{"uuid": net_id}]}})
            server_id = server["server"]["id"] if server else None
            while server_id and time.monotonic() < until + 60:
                shown = call("GET", f"/compute/v2.1/servers/{server_id}")
                if shown is None or shown["server"]["status"] != "BUILD":
                    break
                time.sleep(0.5)
            volume = call("POST", f"/volume/v3/{project}/volumes", json={"volume": {"size": 1}})
            port = call("POST", "/network/v2.0/ports", json={"port": {"network_id": net_id}})
            fip = call("POST", "/network/v2.0/floatingips", json={"floatingip": {"floating_network_id": public_id}})
            call("GET", "/compute/v2.1/servers/detail")
            call("GET", f"/volume/v3/{project}/volumes/detail")
            call("GET", "/network/v2.0/ports")
            call("GET", "/billing/v1/account")
            if fip:
                call("DELETE", f"/network/v2.0/floatingips/{fip['floatingip']['id']}")
            if port:
                call("DELETE", f"/network/v2.0/ports/{port['port']['id']}")
            if server_id:
                call("DELETE", f"/compute/v2.1/servers/{server_id}")
            if volume:
                volume_id = volume["volume"]["id"]
                for _ in range(120):
                    shown = call("GET", f"/volume/v3/{project}/volumes/{volume_id}")
                    if shown is None or shown["volume"]["status"] != "creating":
                        break
                    time.sleep(0.5)
                call("DELETE", f"/volume/v3/{project}/volumes/{volume_id}")
            # The network goes once the server's port is gone (deleted by the worker after the server).
            for _ in range(120):
                r = call("DELETE", f"/network/v2.0/networks/{net_id}", ok=(204, 409))
                if r is None:  # deleted (204), or an error already counted
                    break
                time.sleep(0.5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=40)
    parser.add_argument("--seconds", type=float, default=60.0, help="how long the workload runs")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="stacklab-load-") as tmp:
        port = free_port()
        process = start_lab(Path(tmp) / "lab", port)
        url = f"http://127.0.0.1:{port}"
        try:
            students = make_class(url, args.students)
            server = psutil.Process(process.pid)
            peak = server.memory_info().rss
            cpu_before = sum(server.cpu_times()[:2])
            tally = Tally()
            until = time.monotonic() + args.seconds
            threads = [threading.Thread(target=student_loop, args=(url, s, until, tally, n))
                       for n, s in enumerate(students)]
            started = time.monotonic()
            for t in threads:
                t.start()
            while any(t.is_alive() for t in threads):
                peak = max(peak, server.memory_info().rss)
                time.sleep(0.5)
            elapsed = time.monotonic() - started
            cpu = sum(server.cpu_times()[:2]) - cpu_before
        finally:
            process.terminate()
            process.wait(timeout=60)
    latencies = sorted(tally.latencies)
    p95 = latencies[int(0.95 * (len(latencies) - 1))] if latencies else 0.0
    print(f"students {args.students}, workload {args.seconds:.0f} s (ran {elapsed:.1f} s)")
    print(f"requests {len(latencies)}, {len(latencies) / elapsed:.1f} requests/s")
    print(f"latency p50 {statistics.median(latencies) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms")
    print(f"peak RSS of the server {peak / 2**20:.0f} MiB")
    # What a request costs the server, whatever share of a shared machine it was given.
    print(f"server CPU {cpu:.1f} s, {cpu * 1000 / max(1, len(latencies)):.1f} ms per request")
    print(f"errors {len(tally.errors)}")
    for error in tally.errors[:20]:
        print(f"  {error}")
    sys.exit(1 if tally.errors else 0)


if __name__ == "__main__":
    main()
