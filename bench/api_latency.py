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
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
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


def wait_for(url: str, process: subprocess.Popen[bytes], timeout: float = 30.0) -> float:
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


def timings(fn: Callable[[], object], samples: int, warmup: int = 5) -> list[float]:
    """`samples` wall-clock durations of `fn()` in milliseconds, after `warmup` untimed calls."""
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(samples):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
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
    """A client of the cloud under test, as the admin of the admin project."""

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

    def get(self, path: str) -> httpx.Response:
        r = self.http.get(self.url + path, headers=self.headers)
        assert r.status_code == 200, f"GET {path}: {r.status_code} {r.text}"
        return r

    def create_server(self, name: str, flavor: str, image: str) -> str:
        r = self.http.post(f"{self.url}/compute/v2.1/servers", headers=self.headers,
                           json={"server": {"name": name, "flavorRef": flavor, "imageRef": image}})
        assert r.status_code == 202, r.text
        return str(r.json()["server"]["id"])

    def wait_active(self, server_id: str, timeout: float = 30.0) -> None:
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            status = self.get(f"/compute/v2.1/servers/{server_id}").json()["server"]["status"]
            if status == "ACTIVE":
                return
            if status == "ERROR":
                raise RuntimeError(f"server {server_id} went to ERROR")
            time.sleep(0.001)
        raise RuntimeError(f"server {server_id} not ACTIVE within {timeout} s")

    def server_count(self) -> int:
        return len(self.get("/compute/v2.1/servers?limit=1000").json()["servers"])


def bench_stacklab(report: Report, samples: int, big: int) -> float | None:
    """The cloud's figures; returns the p50 of server create (to 202), or None without compute."""
    port = free_port()
    data = Path(tempfile.mkdtemp(prefix="stacklab-bench-"))
    url = f"http://{HOST}:{port}"
    create_p50 = None
    try:
        with running(stacklab_command(port, data / "lab"), f"{url}/identity", env=stacklab_env()) as process:
            time.sleep(0.5)
            report.line("resident memory, idle", f"{rss_mb(process.pid):.0f} MB")
            cloud = Cloud(url)
            report.latency("token issue (password)", timings(cloud.issue_token, samples))
            missing = {"compute", "image"} - cloud.types
            if missing:
                report.line("compute figures", f"skipped: no {', '.join(sorted(missing))} in this build's catalog")
                return None
            r = cloud.http.put(f"{url}/compute/v2.1/os-quota-sets/{cloud.project_id}", headers=cloud.headers,
                               json={"quota_set": {"instances": -1, "cores": -1, "ram": -1}})
            if r.status_code != 200:
                print(f"  (could not lift the admin project's quotas: {r.status_code} {r.text[:200]})")
            report.latency("flavor list (detail)", timings(lambda: cloud.get("/compute/v2.1/flavors/detail"),
                                                          samples))
            flavor = cloud.get("/compute/v2.1/flavors").json()["flavors"][0]["id"]
            image = cloud.get("/image/v2/images?name=cirros").json()["images"][0]["id"]
            ids = [cloud.create_server(f"list-{n}", flavor, image) for n in range(10)]
            for server_id in ids:
                cloud.wait_active(server_id)
            report.latency("server list (detail), 10 servers",
                           timings(lambda: cloud.get("/compute/v2.1/servers/detail"), samples))
            report.latency("server show", timings(lambda: cloud.get(f"/compute/v2.1/servers/{ids[0]}"), samples))
            counter = iter(range(10**6))
            create_p50, _ = report.latency("server create (to 202)", timings(
                lambda: cloud.create_server(f"c-{next(counter)}", flavor, image), samples))
            report.latency("server create (to ACTIVE)", timings(
                lambda: cloud.wait_active(cloud.create_server(f"a-{next(counter)}", flavor, image)),
                max(20, samples // 4), warmup=2))
            have = cloud.server_count()
            for n in range(max(0, big - have)):
                cloud.create_server(f"big-{n}", flavor, image)
            deadline = time.perf_counter() + 120  # let the worker take every build job
            while time.perf_counter() < deadline and any(
                    s["status"] == "BUILD" for s in cloud.get("/compute/v2.1/servers/detail?status=BUILD")
                    .json()["servers"]):
                time.sleep(0.2)
            total = len(cloud.get(f"/compute/v2.1/servers/detail?limit={big}").json()["servers"])
            report.latency(f"server list (detail), {total} servers", timings(
                lambda: cloud.get(f"/compute/v2.1/servers/detail?limit={big}"), max(20, samples // 4), warmup=2))
            report.line(f"resident memory, {total} servers", f"{rss_mb(process.pid):.0f} MB")
    finally:
        shutil.rmtree(data, ignore_errors=True)
    return create_p50


def bench_moto(report: Report, samples: int) -> float | None:
    """moto's EC2 in server mode through boto3; returns the RunInstances p50."""
    try:
        import boto3
    except ImportError:
        report.line("moto", "skipped: install the bench extra (pip install -e '.[bench]')")
        return None
    moto_server = Path(sys.executable).with_name("moto_server")
    port = free_port()
    url = f"http://{HOST}:{port}"
    env = dict(os.environ, AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench")
    with running([str(moto_server), "-H", HOST, "-p", str(port)], url, env=env):
        ec2 = boto3.client("ec2", endpoint_url=url, region_name="us-east-1", aws_access_key_id="bench",
                           aws_secret_access_key="bench")
        image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]

        def run() -> str:
            return str(ec2.run_instances(ImageId=image, InstanceType="t2.micro", MinCount=1,
                                         MaxCount=1)["Instances"][0]["InstanceId"])

        made: list[str] = []
        run_p50, _ = report.latency("moto RunInstances", timings(lambda: made.append(run()), samples))
        report.latency(f"moto DescribeInstances ({len(made) + 5})", timings(ec2.describe_instances, samples))
        victims = iter(made)
        report.latency("moto TerminateInstances", timings(
            lambda: ec2.terminate_instances(InstanceIds=[next(victims)]), min(samples, len(made) - 5)))
    return run_p50


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=int, default=200, help="timed requests per figure (default 200)")
    parser.add_argument("--servers", type=int, default=1000, help="servers for the big list (default 1000)")
    parser.add_argument("--serve-hello", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_hello:
        serve_hello(args.serve_hello)
        return
    report = Report()
    print(f"StackLab API benchmark ({args.samples} samples per figure; each server a separate process)")
    bench_hello(report, args.samples)
    bench_startup(report)
    ours = bench_stacklab(report, args.samples, args.servers)
    theirs = bench_moto(report, args.samples)
    if ours is not None and theirs is not None:
        report.line("server create vs moto RunInstances", f"{ours / theirs:.2f}x moto's p50")


if __name__ == "__main__":
    main()
