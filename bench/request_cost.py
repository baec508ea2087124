"""What one API call costs the cloud, counted rather than timed: SQL statements, Python function calls and CPU
milliseconds per request, for issue 23's operations, in process (the ASGI app driven on one event loop, no
HTTP, no worker thread; the worker's cost per job is counted after each batch).

Statement and call counts do not depend on what else the machine is doing, so two checkouts compare on a busy
shared machine where wall-clock figures do not:

    PYTHONPATH=. .venv/bin/python bench/request_cost.py [--requests 30]
    PYTHONPATH=../main .venv/bin/python bench/request_cost.py        # another checkout, the same way
    PYTHONPATH=. .venv/bin/python bench/request_cost.py --profile "server create"   # cProfile of one operation
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import cProfile
import pstats
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import event

from lab.cloud.app import Cloud, create_app
from lab.config import Settings

PASSWORD = "bench-admin"


class Lab:
    """A throw-away cloud and a synchronous client of its ASGI app, as the admin of the admin project."""

    def __init__(self, data_dir: Path):
        settings = Settings(data_dir=data_dir, admin_password=PASSWORD, boot_seconds=0.0, port=8780,
                            host="127.0.0.1", volume_capacity_gb=100_000)
        self.cloud = Cloud(settings)
        self.cloud.bootstrap()
        app = create_app(settings, cloud=self.cloud, start_worker=False)
        self.loop = asyncio.new_event_loop()
        self.http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1:8780")
        self.statements: collections.Counter[str] = collections.Counter()
        event.listen(self.cloud.db.engine, "before_cursor_execute", self._count)
        event.listen(self.cloud.db.engine, "begin", self._begin)
        self.auth = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
            "name": "admin", "password": PASSWORD, "domain": {"name": "Default"}}}},
            "scope": {"project": {"name": "admin", "domain": {"name": "Default"}}}}}
        r = self.call("POST", "/identity/v3/auth/tokens", 201, json=self.auth, auth=False)
        self.headers = {"X-Auth-Token": r.headers["x-subject-token"]}
        self.project = r.json()["token"]["project"]["id"]

    def _count(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        kind = statement.split(None, 1)[0]
        if kind != "BEGIN":  # counted as transactions (however a checkout sends its BEGIN)
            self.statements[kind] += 1

    def _begin(self, _conn: Any) -> None:
        self.statements["transactions"] += 1

    def call(self, method: str, path: str, status: int, auth: bool = True, **kw: Any) -> httpx.Response:
        r = self.loop.run_until_complete(self.http.request(method, path, headers=self.headers if auth else None,
                                                           **kw))
        assert r.status_code == status, f"{method} {path}: {r.status_code} {r.text}"
        return r

    def close(self) -> None:
        self.loop.run_until_complete(self.http.aclose())
        self.loop.close()
        self.cloud.close()


def operations(lab: Lab) -> list[tuple[str, Callable[[], object], int]]:
    """(name, one request, how many times as many as --requests) in an order where each finds what it needs."""
    pid = lab.project
    for path, body in ((f"/compute/v2.1/os-quota-sets/{pid}", {"quota_set": {"instances": -1, "cores": -1,
                                                                            "ram": -1}}),
                       (f"/volume/v3/{pid}/os-quota-sets/{pid}", {"quota_set": {"volumes": -1, "gigabytes": -1}}),
                       (f"/network/v2.0/quotas/{pid}", {"quota": {"network": -1, "subnet": -1, "port": -1}})):
        lab.call("PUT", path, 200, json=body)
    image = lab.call("GET", "/image/v2/images?name=cirros", 200).json()["images"][0]["id"]
    servers: list[str] = []
    volumes: list[str] = []
    networks: list[str] = []
    subnets = iter(range(10**6))

    def create_server() -> None:
        servers.append(lab.call("POST", "/compute/v2.1/servers", 202, json={"server": {
            "name": "s", "flavorRef": "1", "imageRef": image}}).json()["server"]["id"])

    def create_volume() -> None:
        volumes.append(lab.call("POST", f"/volume/v3/{pid}/volumes", 202,
                                json={"volume": {"size": 1}}).json()["volume"]["id"])

    def create_network() -> None:
        networks.append(lab.call("POST", "/network/v2.0/networks", 201,
                                 json={"network": {"name": "n"}}).json()["network"]["id"])

    def create_subnet() -> None:
        n = next(subnets)
        lab.call("POST", "/network/v2.0/subnets", 201, json={"subnet": {
            "network_id": networks.pop(), "ip_version": 4, "cidr": f"10.{n // 250}.{n % 250}.0/24"}})

    return [
        ("token issue", lambda: lab.call("POST", "/identity/v3/auth/tokens", 201, json=lab.auth, auth=False), 1),
        ("server create", create_server, 3),
        ("server show", lambda: lab.call("GET", f"/compute/v2.1/servers/{servers[0]}", 200), 1),
        ("servers/detail", lambda: lab.call("GET", "/compute/v2.1/servers/detail", 200), 1),
        ("volume create", create_volume, 1),
        ("volume attach", lambda: lab.call("POST", f"/compute/v2.1/servers/{servers.pop()}/os-volume_attachments",
                                           200, json={"volumeAttachment": {"volumeId": volumes.pop()}}), 1),
        ("server delete", lambda: lab.call("DELETE", f"/compute/v2.1/servers/{servers.pop()}", 204), 1),
        ("network create", create_network, 1),
        ("subnet create", create_subnet, 1),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=30, help="requests per operation (default 30)")
    parser.add_argument("--profile", metavar="OPERATION", help="print a cProfile of this operation's requests")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="stacklab-cost-") as tmp:
        lab = Lab(Path(tmp) / "lab")
        try:
            print(f"{'operation':16} {'CPU ms':>7} {'statements':>10} {'Python calls':>12}   statements by kind")
            for name, request, times in operations(lab):
                n = args.requests * times + (12 if times > 1 else 0)  # servers enough for attach and delete
                request()  # warm: caches, compiled statements
                lab.statements.clear()
                profile = cProfile.Profile() if name == args.profile else None
                started = time.process_time()
                if profile is not None:
                    profile.enable()
                for _ in range(n):
                    request()
                if profile is not None:
                    profile.disable()
                cpu = (time.process_time() - started) * 1000 / n
                kinds = {k: round(v / n, 1) for k, v in sorted(lab.statements.items())}
                statements = sum(v for k, v in lab.statements.items() if k != "transactions") / n
                counting = cProfile.Profile()  # calls are counted apart from the timed loop
                counting.enable()
                for _ in range(5):
                    request()
                counting.disable()
                calls = pstats.Stats(counting).total_calls / 5  # type: ignore[attr-defined]
                print(f"{name:16} {cpu:7.2f} {statements:10.1f} {calls:12.0f}   {kinds}")
                lab.statements.clear()
                started = time.process_time()
                ran = lab.cloud.worker.run_due()
                if ran:
                    per_job = sum(v for k, v in lab.statements.items() if k != "transactions") / ran
                    print(f"  worker, {ran} jobs {(time.process_time() - started) * 1000 / ran:6.2f} ms and "
                          f"{per_job:.1f} statements per job")
                if profile is not None:
                    pstats.Stats(profile).sort_stats("cumulative").print_stats("lab/cloud", 40)
        finally:
            lab.close()


if __name__ == "__main__":
    main()
