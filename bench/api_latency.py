"""StackLab's API latency, start-up time and memory, as ratios to baselines measured in the same run.

Baselines: an ASGI hello-world served by the same uvicorn configuration as `stacklab up` (the floor no API
can beat), and moto in server mode (the emulator people pick for a local AWS), driven through boto3 with
EC2 RunInstances / DescribeInstances / TerminateInstances. Every server is a separate process on 127.0.0.1, so
the client never shares an interpreter with the server it measures. All loops are bounded.

    make bench                                  # or: .venv/bin/python bench/api_latency.py [--samples 200]

Needs the `bench` extra (moto[server], boto3, psutil). Parts that need a service this build lacks (compute,
image) are reported as skipped, not failed.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

ADMIN_PASSWORD = "bench-admin"
HOST = "127.0.0.1"


# ----------------------------------------------------------------------------------------------- helpers
def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def wait_for(url: str, process: subprocess.Popen[bytes], timeout: float = 120.0) -> float:
    """Seconds until `url` answers (any HTTP status); raises if the process dies or the time runs out."""
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args!r} exited with {process.returncode}")
        try:
            httpx.get(url, timeout=1)
            return time.perf_counter() - start
        except httpx.TransportError:
            time.sleep(0.005)
    process.kill()
    raise RuntimeError(f"{url} did not answer within {timeout} s")


@contextmanager
def running(command: list[str], url: str, env: dict[str, str] | None = None) -> Iterator[subprocess.Popen[bytes]]:
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(url, process)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


class Pace:
    """Two checkouts measured side by side (`--baseline`): each runs the figures in its own thread, both start
    every figure together and take turns request by request, so a busy shared machine loads both alike."""

    def __init__(self) -> None:
        self.barrier = threading.Barrier(2, timeout=900)
        self.turn = threading.Lock()

    def together(self) -> None:
        # A broken barrier: the other side stopped (an error, or a skipped part), so this one goes on alone.
        with contextlib.suppress(threading.BrokenBarrierError):
            self.barrier.wait()

    def done(self) -> None:
        self.barrier.abort()


PACE: Pace | None = None


@contextmanager
def turn() -> Iterator[None]:
    if PACE is None:
        yield
    else:
        with PACE.turn:
            yield


def timings(fn: Callable[[], object], samples: int, warmup: int = 5) -> list[float]:
    """`samples` wall-clock durations of `fn()` in milliseconds, after `warmup` untimed calls."""
    if PACE is not None:
        PACE.together()
    for _ in range(warmup):
        with turn():
            fn()
    out = []
    for _ in range(samples):
        with turn():
            start = time.perf_counter()
            fn()
            out.append((time.perf_counter() - start) * 1000)
        time.sleep(0)  # let the other side have its turn
    return out


def p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def rss_mb(pid: int) -> float:
    import psutil

    return float(psutil.Process(pid).memory_info().rss) / 2**20


class Report:
    """Collects rows and prints them with ratios to the hello-world floor."""

    def __init__(self) -> None:
        self.floor: tuple[float, float] | None = None
        self.rows: list[tuple[str, str]] = []
        self.table: dict[str, dict[str, float]] = {}  # label -> operation -> p50 ms (or req/s)

    def record(self, label: str, operation: str, value: float) -> None:
        self.table.setdefault(label, {})[operation] = value

    def latency(self, name: str, values: list[float]) -> tuple[float, float]:
        p50, p99 = p(values, 0.5), p(values, 0.99)
        text = f"p50 {p50:8.2f} ms   p99 {p99:8.2f} ms"
        if self.floor is not None:
            text += f"   = {p50 / self.floor[0]:6.1f}x / {p99 / self.floor[1]:6.1f}x the floor"
        self.line(name, text)
        return p50, p99

    def line(self, name: str, text: str) -> None:
        self.rows.append((name, text))
        print(f"  {name:<34} {text}", flush=True)


# ----------------------------------------------------------------------------------------------- servers
def serve_hello(port: int) -> None:
    """The floor: the smallest JSON ASGI app, under the uvicorn options `stacklab up` uses."""
    import uvicorn

    body = b'{"hello":"world"}'

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": body})

    uvicorn.Server(uvicorn.Config(app, host=HOST, port=port, log_level="warning", access_log=False,
                                  lifespan="on")).run()


def stacklab_command(port: int, data_dir: Path) -> list[str]:
    return [sys.executable, "-m", "lab.cli", "up", "--no-clouds-yaml", "--host", HOST, "--port", str(port),
            "--data-dir", str(data_dir), "--admin-password", ADMIN_PASSWORD]


def stacklab_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STACKLAB_")}
    env["STACKLAB_BOOT_SECONDS"] = "0"  # measure the machinery, not a simulated boot delay
    env["STACKLAB_VOLUME_CAPACITY_GB"] = "100000"  # room for every volume the figures create
    return env


# ----------------------------------------------------------------------------------------------- benches
def bench_hello(report: Report, samples: int) -> None:
    port = free_port()
    url = f"http://{HOST}:{port}/"
    with running([sys.executable, __file__, "--serve-hello", str(port)], url), httpx.Client() as client:
        report.floor = report.latency("hello-world GET (the floor)", timings(lambda: client.get(url), samples))


def bench_startup(report: Report, rounds: int = 3) -> None:
    firsts: list[float] = []
    agains: list[float] = []
    for _ in range(rounds):
        data = Path(tempfile.mkdtemp(prefix="stacklab-bench-"))
        try:
            for out in (firsts, agains):  # a fresh lab, then the same lab started again
                port = free_port()
                process = subprocess.Popen(stacklab_command(port, data / "lab"), env=stacklab_env(),
                                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                try:
                    out.append(wait_for(f"http://{HOST}:{port}/identity", process))
                finally:
                    process.terminate()
                    process.wait(timeout=15)
        finally:
            shutil.rmtree(data, ignore_errors=True)
    report.line("stacklab up to first answer", f"fresh lab {statistics.median(firsts):.2f} s, "
                                                f"existing lab {statistics.median(agains):.2f} s "
                                                f"(median of {rounds})")


class Cloud:
    """A client of an OpenStack-shaped cloud (StackLab, or the in-memory stub), as the admin of the admin
    project."""

    def __init__(self, url: str):
        self.url = url
        self.http = httpx.Client(timeout=60)
        self.auth_body = {"auth": {
            "identity": {"methods": ["password"], "password": {"user": {
                "name": "admin", "password": ADMIN_PASSWORD, "domain": {"name": "Default"}}}},
            "scope": {"project": {"name": "admin", "domain": {"name": "Default"}}}}}
        r = self.issue_token()
        self.token = r.headers["x-subject-token"]
        self.project_id = r.json()["token"]["project"]["id"]
        self.types = {entry["type"] for entry in r.json()["token"]["catalog"]}
        self.headers = {"X-Auth-Token": self.token}

    def issue_token(self) -> httpx.Response:
        r = self.http.post(f"{self.url}/identity/v3/auth/tokens", json=self.auth_body)
        assert r.status_code == 201, r.text
        return r

    def get(self, path: str, http: httpx.Client | None = None) -> httpx.Response:
        r = (http or self.http).get(self.url + path, headers=self.headers)
        assert r.status_code == 200, f"GET {path}: {r.status_code} {r.text}"
        return r

    def post(self, path: str, body: dict[str, Any], status: int) -> dict[str, Any]:
        r = self.http.post(self.url + path, headers=self.headers, json=body)
        assert r.status_code == status, f"POST {path}: {r.status_code} {r.text}"
        return r.json() if r.content else {}

    def lift_quotas(self) -> None:
        """Unlimited instances, volumes, networks for the admin project (the figures measure the machinery)."""
        pid = self.project_id
        for path, body in ((f"/compute/v2.1/os-quota-sets/{pid}",
                            {"quota_set": {"instances": -1, "cores": -1, "ram": -1}}),
                           (f"/volume/v3/{pid}/os-quota-sets/{pid}",
                            {"quota_set": {"volumes": -1, "gigabytes": -1}}),
                           (f"/network/v2.0/quotas/{pid}",
                            {"quota": {"network": -1, "subnet": -1, "port": -1}})):
            r = self.http.put(self.url + path, headers=self.headers, json=body)
            if r.status_code != 200:
                print(f"  (could not lift a quota: PUT {path}: {r.status_code} {r.text[:200]})")

    def create_server(self, name: str, flavor: str, image: str) -> str:
        body = {"server": {"name": name, "flavorRef": flavor, "imageRef": image}}
        return str(self.post("/compute/v2.1/servers", body, 202)["server"]["id"])

    def wait_active(self, server_id: str, timeout: float = 60.0) -> None:
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            status = self.get(f"/compute/v2.1/servers/{server_id}").json()["server"]["status"]
            if status == "ACTIVE":
                return
            if status == "ERROR":
                raise RuntimeError(f"server {server_id} went to ERROR")
            time.sleep(0.001)
        raise RuntimeError(f"server {server_id} not ACTIVE within {timeout} s")

    def wait_idle(self, timeout: float = 300.0) -> None:
        """Until no server is building and no volume is being created (the worker has taken every job)."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            building = self.get("/compute/v2.1/servers?status=BUILD").json()["servers"]
            creating = self.get(f"/volume/v3/{self.project_id}/volumes?status=creating").json()["volumes"]
            if not building and not creating:
                return
            time.sleep(0.2)
        raise RuntimeError("the worker did not finish its jobs in time")

    def create_volume(self) -> str:
        return str(self.post(f"/volume/v3/{self.project_id}/volumes", {"volume": {"size": 1}}, 202)["volume"]["id"])

    def attach(self, server_id: str, volume_id: str) -> None:
        self.post(f"/compute/v2.1/servers/{server_id}/os-volume_attachments",
                  {"volumeAttachment": {"volumeId": volume_id}}, 200)

    def create_network(self, name: str) -> str:
        return str(self.post("/network/v2.0/networks", {"network": {"name": name}}, 201)["network"]["id"])

    def create_subnet(self, network_id: str, n: int) -> None:
        self.post("/network/v2.0/subnets", {"subnet": {
            "network_id": network_id, "ip_version": 4, "cidr": f"10.{n // 250 % 250}.{n % 250}.0/24"}}, 201)

    def delete_server(self, server_id: str) -> None:
        r = self.http.delete(f"{self.url}/compute/v2.1/servers/{server_id}", headers=self.headers)
        assert r.status_code == 204, r.text

    def list_all(self, http: httpx.Client | None = None) -> int:
        """Every server, page after page as a client follows `servers_links` (default page size)."""
        path: str | None = "/compute/v2.1/servers/detail"
        total = 0
        while path:
            body = self.get(path, http).json()
            total += len(body["servers"])
            nexts = [link["href"] for link in body.get("servers_links", []) if link["rel"] == "next"]
            path = nexts[0].removeprefix(self.url) if nexts else None
        return total


def throughput(make: Callable[[], Callable[[], object]], clients: int, seconds: float) -> float:
    """Requests per second that `clients` threads get through in `seconds`, each calling the request function
    `make()` built for it (its own keep-alive connection)."""
    done = [0] * clients
    stop = 0.0  # set when the measurement starts

    def loop(n: int) -> None:
        fn = make()
        while time.perf_counter() < stop:
            fn()
            done[n] += 1

    if PACE is not None:
        PACE.together()
    with turn():  # the whole measurement is one turn: the other side waits meanwhile
        stop = time.perf_counter() + seconds
        threads = [threading.Thread(target=loop, args=(n,)) for n in range(clients)]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return sum(done) / (time.perf_counter() - started)


def bench_openstack(report: Report, label: str, cloud: Cloud, samples: int, big: int,
                    process: subprocess.Popen[bytes] | None) -> None:
    """The issue-23 operations against an OpenStack-shaped cloud, each into `report.table` under `label`."""
    report.record(label, "token issue", report.latency(f"{label}: token issue (password)",
                                                        timings(cloud.issue_token, samples))[0])
    cloud.lift_quotas()
    report.latency(f"{label}: flavor list (detail)", timings(lambda: cloud.get("/compute/v2.1/flavors/detail"),
                                                             samples))
    flavor = cloud.get("/compute/v2.1/flavors").json()["flavors"][0]["id"]
    image = cloud.get("/image/v2/images?name=cirros").json()["images"][0]["id"]
    ids = [cloud.create_server(f"list-{n}", flavor, image) for n in range(10)]
    for server_id in ids:
        cloud.wait_active(server_id)
    report.latency(f"{label}: server list (detail), 10 servers",
                   timings(lambda: cloud.get("/compute/v2.1/servers/detail"), samples))
    def detail() -> Callable[[], object]:
        http = httpx.Client(timeout=60)
        return lambda: cloud.get("/compute/v2.1/servers/detail", http)

    rates = [throughput(detail, clients, 3.0) for clients in (1, 4)]
    report.line(f"{label}: servers/detail at 10, 1/4 clients", f"{rates[0]:.0f} / {rates[1]:.0f} req/s")
    report.record(label, "GET servers/detail at 10 servers, 1 client (req/s)", rates[0])
    report.record(label, "GET servers/detail at 10 servers, 4 clients (req/s)", rates[1])
    report.record(label, "server show", report.latency(
        f"{label}: server show", timings(lambda: cloud.get(f"/compute/v2.1/servers/{ids[0]}"), samples))[0])
    counter = iter(range(10**6))
    made: list[str] = []
    report.record(label, "server create (to 202)", report.latency(f"{label}: server create (to 202)", timings(
        lambda: made.append(cloud.create_server(f"c-{next(counter)}", flavor, image)), samples))[0])
    report.latency(f"{label}: server create (to ACTIVE)", timings(
        lambda: cloud.wait_active(cloud.create_server(f"a-{next(counter)}", flavor, image)),
        max(20, samples // 4), warmup=2))
    volumes: list[str] = []
    report.record(label, "volume create", report.latency(f"{label}: volume create (to 202)", timings(
        lambda: volumes.append(cloud.create_volume()), samples))[0])
    cloud.wait_idle()
    pairs = iter(zip(made, volumes, strict=False))
    half = (len(made) - 5) // 2
    report.record(label, "volume attach", report.latency(f"{label}: volume attach", timings(
        lambda: cloud.attach(*next(pairs)), half))[0])
    victims = iter(made[::-1])
    report.record(label, "server delete", report.latency(f"{label}: server delete", timings(
        lambda: cloud.delete_server(next(victims)), half))[0])
    networks: list[str] = []
    report.record(label, "network create", report.latency(f"{label}: network create", timings(
        lambda: networks.append(cloud.create_network(f"n-{next(counter)}")), samples))[0])
    nets = iter(enumerate(networks))
    report.record(label, "subnet create", report.latency(f"{label}: subnet create", timings(
        lambda: cloud.create_subnet(*next(nets)[::-1]), samples))[0])
    for network_id in networks:  # else a server create no longer knows which network to take
        r = cloud.http.delete(f"{cloud.url}/network/v2.0/networks/{network_id}", headers=cloud.headers)
        assert r.status_code == 204, r.text
    cloud.wait_idle()
    for size in (100, big):
        have = cloud.list_all()
        for n in range(max(0, size - have)):
            cloud.create_server(f"big-{n}", flavor, image)
        cloud.wait_idle()
        total = cloud.list_all()
        report.record(label, f"list of {size:,} servers (all pages)", report.latency(
            f"{label}: list of {total} servers (all pages)", timings(cloud.list_all, max(20, samples // 4),
                                                                     warmup=2))[0])
    if process is not None:
        report.line(f"{label}: resident memory, {total} servers", f"{rss_mb(process.pid):.0f} MB")


def bench_stacklab(report: Report, samples: int, big: int, label: str = "StackLab",
                   tree: Path | None = None) -> None:
    """The cloud's figures, from this checkout or (`tree`) another one, e.g. main's, for a same-run compare."""
    port = free_port()
    data = Path(tempfile.mkdtemp(prefix="stacklab-bench-"))
    url = f"http://{HOST}:{port}"
    env = stacklab_env()
    if tree is not None:
        env["PYTHONPATH"] = str(tree)
    try:
        with running(stacklab_command(port, data / "lab"), f"{url}/identity", env=env) as process:
            time.sleep(0.5)
            report.line(f"{label}: resident memory, idle", f"{rss_mb(process.pid):.0f} MB")
            cloud = Cloud(url)
            missing = {"compute", "image", "volumev3", "network"} - cloud.types
            if missing:
                report.line(f"{label}", f"skipped: no {', '.join(sorted(missing))} in this build's catalog")
                return
            bench_openstack(report, label, cloud, samples, big, process)
    finally:
        shutil.rmtree(data, ignore_errors=True)


def side_by_side(report: Report, samples: int, big: int, baseline: Path) -> None:
    """This checkout and `baseline`, both up at once, taking turns request by request (see `Pace`)."""
    global PACE
    PACE = Pace()
    failures: list[BaseException] = []

    def side(label: str, tree: Path | None) -> None:
        try:
            bench_stacklab(report, samples, big, label, tree)
        except BaseException as exc:  # reported after both sides stopped
            failures.append(exc)
        finally:
            assert PACE is not None
            PACE.done()

    threads = [threading.Thread(target=side, args=("baseline", baseline)),
               threading.Thread(target=side, args=("StackLab", None))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    PACE = None
    if failures:
        raise failures[0]


def bench_stub(report: Report, samples: int, big: int) -> None:
    port = free_port()
    url = f"http://{HOST}:{port}"
    with running([sys.executable, __file__, "--serve-stub", str(port)], f"{url}/identity"):
        bench_openstack(report, "stub", Cloud(url), samples, big, None)


def bench_moto(report: Report, samples: int, big: int) -> None:
    """moto's EC2 in server mode through boto3: the same operations, as EC2 spells them."""
    try:
        import boto3
    except ImportError:
        report.line("moto", "skipped: install the bench extra (pip install -e '.[bench]')")
        return
    moto_server = Path(sys.executable).with_name("moto_server")
    port = free_port()
    url = f"http://{HOST}:{port}"
    env = dict(os.environ, AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench")
    label = "moto"

    def client(service: str = "ec2") -> Any:
        return boto3.client(service, endpoint_url=url, region_name="us-east-1", aws_access_key_id="bench",
                            aws_secret_access_key="bench")

    with running([str(moto_server), "-H", HOST, "-p", str(port)], url, env=env):
        ec2, sts = client(), client("sts")
        report.record(label, "token issue", report.latency(f"{label}: STS GetSessionToken", timings(
            sts.get_session_token, samples))[0])
        image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]

        def run() -> str:
            return str(ec2.run_instances(ImageId=image, InstanceType="t2.micro", MinCount=1,
                                         MaxCount=1)["Instances"][0]["InstanceId"])

        ids = [run() for _ in range(10)]
        report.latency(f"{label}: DescribeInstances (10)", timings(ec2.describe_instances, samples))
        lock = threading.Lock()  # boto3 builds clients thread-unsafely

        def describe() -> Callable[[], object]:
            with lock:
                own = client()
            return own.describe_instances

        rates = [throughput(describe, n, 3.0) for n in (1, 4)]
        report.line(f"{label}: DescribeInstances at 10, 1/4 clients", f"{rates[0]:.0f} / {rates[1]:.0f} req/s")
        report.record(label, "GET servers/detail at 10 servers, 1 client (req/s)", rates[0])
        report.record(label, "GET servers/detail at 10 servers, 4 clients (req/s)", rates[1])
        report.record(label, "server show", report.latency(f"{label}: DescribeInstances (one id)", timings(
            lambda: ec2.describe_instances(InstanceIds=[ids[0]]), samples))[0])
        made: list[str] = []
        report.record(label, "server create (to 202)", report.latency(f"{label}: RunInstances", timings(
            lambda: made.append(run()), samples))[0])
        volumes: list[str] = []
        report.record(label, "volume create", report.latency(f"{label}: CreateVolume", timings(
            lambda: volumes.append(ec2.create_volume(Size=1, AvailabilityZone="us-east-1a")["VolumeId"]),
            samples))[0])
        pairs = iter(zip(made, volumes, strict=False))
        half = (len(made) - 5) // 2
        report.record(label, "volume attach", report.latency(f"{label}: AttachVolume", timings(
            lambda: ec2.attach_volume(Device="/dev/sdf", **dict(zip(("InstanceId", "VolumeId"), next(pairs),
                                                                    strict=True))), half))[0])
        victims = iter(made[::-1])
        report.record(label, "server delete", report.latency(f"{label}: TerminateInstances", timings(
            lambda: ec2.terminate_instances(InstanceIds=[next(victims)]), half))[0])
        vpcs: list[str] = []
        report.record(label, "network create", report.latency(f"{label}: CreateVpc", timings(
            lambda: vpcs.append(ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]), samples))[0])
        each = iter(vpcs)
        report.record(label, "subnet create", report.latency(f"{label}: CreateSubnet", timings(
            lambda: ec2.create_subnet(VpcId=next(each), CidrBlock="10.0.1.0/24"), samples))[0])

        def list_all() -> int:
            return sum(len(reservation["Instances"]) for page in ec2.get_paginator("describe_instances").paginate()
                       for reservation in page["Reservations"])

        for size in (100, big):
            have = list_all()
            if size > have:
                ec2.run_instances(ImageId=image, InstanceType="t2.micro", MinCount=size - have, MaxCount=size - have)
            report.record(label, f"list of {size:,} servers (all pages)", report.latency(
                f"{label}: DescribeInstances, all pages ({list_all()})", timings(list_all, max(5, samples // 20),
                                                                                 warmup=1))[0])


# ----------------------------------------------------------------------------------------------- the table
OPERATIONS = ("token issue", "server create (to 202)", "server show", "volume create", "volume attach",
              "network create", "subnet create", "server delete", "list of 100 servers (all pages)",
              "list of 1,000 servers (all pages)", "GET servers/detail at 10 servers, 1 client (req/s)",
              "GET servers/detail at 10 servers, 4 clients (req/s)")


def print_table(runs: list[Report], labels: list[str]) -> None:
    """Issue 23's table: each cell the median over the runs (and the range when there were several); the
    hello-relative column is each run's own ratio to that run's floor."""
    def cell(values: list[float], unit: str) -> str:
        if not values:
            return "—"
        mid = statistics.median(values)
        if len(values) == 1 or unit == "×":
            return f"{mid:.1f}{unit}" if unit == "×" else f"{mid:,.1f}{unit}"
        return f"{mid:,.1f}{unit} ({min(values):,.1f}–{max(values):,.1f})"

    head = ["operation"] + [part for label in labels for part in (label, f"{label} ÷ hello")]
    print("\n| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for op in OPERATIONS:
        rate = op.endswith("(req/s)")
        row = [op]
        for label in labels:
            values = [r.table[label][op] for r in runs if op in r.table.get(label, {})]
            row.append(cell(values, "" if rate else " ms"))
            ratios = [r.table[label][op] / r.floor[0] for r in runs
                      if op in r.table.get(label, {}) and r.floor is not None and not rate]
            row.append(cell(ratios, "×") if ratios else "")
        print("| " + " | ".join(row) + " |")


# ----------------------------------------------------------------------------------------------- the stub
def serve_stub(port: int) -> None:
    """An in-memory OpenStack-shaped cloud on the same Starlette and uvicorn: the same paths and bodies this
    benchmark drives, dicts instead of a database, no policy, no events. What any real API adds is above it."""
    import uuid

    import orjson
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    servers: dict[str, dict[str, Any]] = {}
    volumes: dict[str, dict[str, Any]] = {}
    project = uuid.uuid4().hex

    def js(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
        return Response(orjson.dumps(data), status, headers, media_type="application/json")

    async def body(request: Request) -> dict[str, Any]:
        return orjson.loads(await request.body())

    async def root(request: Request) -> Response:
        return js({"version": {"id": "v3"}}, 300)

    async def tokens(request: Request) -> Response:
        auth = (await body(request))["auth"]["identity"]["password"]["user"]
        if auth["password"] != ADMIN_PASSWORD:
            return js({"error": {"code": 401}}, 401)
        return js({"token": {"project": {"id": project, "name": "admin"}, "roles": [{"name": "admin"}],
                             "catalog": [{"type": t} for t in ("compute", "image", "volumev3", "network")]}},
                  201, {"X-Subject-Token": uuid.uuid4().hex})

    async def ok(request: Request) -> Response:
        return js({})

    async def flavors(request: Request) -> Response:
        return js({"flavors": [{"id": "1", "name": "m1.tiny", "vcpus": 1, "ram": 512, "disk": 1}]})

    async def images(request: Request) -> Response:
        return js({"images": [{"id": "cirros", "name": "cirros", "status": "active"}]})

    async def create_server(request: Request) -> Response:
        server = (await body(request))["server"]
        sid = str(uuid.uuid4())
        servers[sid] = {"id": sid, "name": server["name"], "status": "ACTIVE", "tenant_id": project,
                        "flavor": {"id": server["flavorRef"]}, "image": {"id": server["imageRef"]},
                        "addresses": {}, "metadata": {}}
        return js({"server": {"id": sid, "links": [], "adminPass": "x"}}, 202)

    async def list_servers(request: Request) -> Response:
        status = request.query_params.get("status")
        return js({"servers": [s for s in servers.values() if status is None or s["status"] == status]})

    async def server(request: Request) -> Response:
        sid = request.path_params["sid"]
        if request.method == "DELETE":
            servers.pop(sid, None)
            return Response(status_code=204)
        return js({"server": servers[sid]})

    async def create_volume(request: Request) -> Response:
        vid = str(uuid.uuid4())
        volumes[vid] = {"id": vid, "size": (await body(request))["volume"]["size"], "status": "available"}
        return js({"volume": volumes[vid]}, 202)

    async def list_volumes(request: Request) -> Response:
        status = request.query_params.get("status")
        return js({"volumes": [v for v in volumes.values() if status is None or v["status"] == status]})

    async def attach(request: Request) -> Response:
        vid = (await body(request))["volumeAttachment"]["volumeId"]
        volumes[vid]["status"] = "in-use"
        return js({"volumeAttachment": {"volumeId": vid, "serverId": request.path_params["sid"],
                                        "device": "/dev/vdb"}})

    async def create_network(request: Request) -> Response:
        return js({"network": {"id": str(uuid.uuid4()), **(await body(request))["network"]}}, 201)

    async def create_subnet(request: Request) -> Response:
        return js({"subnet": {"id": str(uuid.uuid4()), **(await body(request))["subnet"]}}, 201)

    app = Starlette(routes=[
        Route("/identity", root), Route("/identity/v3/auth/tokens", tokens, methods=["POST"]),
        Route("/compute/v2.1/os-quota-sets/{p}", ok, methods=["PUT"]),
        Route("/volume/v3/{p}/os-quota-sets/{q}", ok, methods=["PUT"]),
        Route("/network/v2.0/quotas/{p}", ok, methods=["PUT"]),
        Route("/compute/v2.1/flavors", flavors), Route("/compute/v2.1/flavors/detail", flavors),
        Route("/image/v2/images", images),
        Route("/compute/v2.1/servers", create_server, methods=["POST"]),
        Route("/compute/v2.1/servers", list_servers), Route("/compute/v2.1/servers/detail", list_servers),
        Route("/compute/v2.1/servers/{sid}", server, methods=["GET", "DELETE"]),
        Route("/compute/v2.1/servers/{sid}/os-volume_attachments", attach, methods=["POST"]),
        Route("/volume/v3/{p}/volumes", create_volume, methods=["POST"]),
        Route("/volume/v3/{p}/volumes", list_volumes),
        Route("/network/v2.0/networks", create_network, methods=["POST"]),
        Route("/network/v2.0/subnets", create_subnet, methods=["POST"]),
        Route("/network/v2.0/networks/{nid}", lambda request: Response(status_code=204), methods=["DELETE"]),
    ])
    uvicorn.Server(uvicorn.Config(app, host=HOST, port=port, log_level="warning", access_log=False)).run()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=int, default=200, help="timed requests per figure (default 200)")
    parser.add_argument("--servers", type=int, default=1000, help="servers for the big list (default 1000)")
    parser.add_argument("--repeats", type=int, default=1, help="run everything this many times; the table "
                                                               "shows medians and ranges (default 1)")
    parser.add_argument("--only", default="hello,startup,stacklab,moto,stub",
                        help="comma-separated parts to run (default: all of hello,startup,stacklab,moto,stub)")
    parser.add_argument("--baseline", type=Path, metavar="TREE",
                        help="also measure the StackLab of another checkout (e.g. a worktree of main), up at "
                             "the same time as this one, the two taking turns request by request")
    parser.add_argument("--serve-hello", type=int, metavar="PORT", help=argparse.SUPPRESS)
    parser.add_argument("--serve-stub", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_hello:
        serve_hello(args.serve_hello)
        return
    if args.serve_stub:
        serve_stub(args.serve_stub)
        return
    parts = set(args.only.split(","))
    labels = (["baseline"] if args.baseline else []) + ["StackLab"] * ("stacklab" in parts) \
        + ["moto"] * ("moto" in parts) + ["stub"] * ("stub" in parts)
    runs: list[Report] = []
    print(f"StackLab API benchmark ({args.samples} samples per figure; each server a separate process)")
    for repeat in range(args.repeats):
        print(f"run {repeat + 1} of {args.repeats}")
        report = Report()
        runs.append(report)
        bench_hello(report, args.samples)
        if "startup" in parts:
            bench_startup(report)
        if args.baseline:
            side_by_side(report, args.samples, args.servers, args.baseline.resolve())
        elif "stacklab" in parts:
            bench_stacklab(report, args.samples, args.servers)
        if "moto" in parts:
            bench_moto(report, args.samples, args.servers)
        if "stub" in parts:
            bench_stub(report, args.samples, args.servers)
    print_table(runs, labels)


if __name__ == "__main__":
    main()
