"""Object storage throughput: upload and download one large object through a real `stacklab up` process
(uvicorn on 127.0.0.1), streamed by httpx on both sides, and the server's resident memory before and after,
which stays flat however large the object is (nothing holds a whole object in memory).

    .venv/bin/python bench/object_throughput.py [--mib 256]
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

PASSWORD = "bench-admin"
CHUNK = 1024 * 1024


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mib", type=int, default=256, help="object size in MiB")
    args = parser.parse_args()
    size = args.mib * CHUNK
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        env = dict(os.environ, STACKLAB_ADMIN_PASSWORD=PASSWORD, STACKLAB_NO_CLOUDS_YAML="1")
        proc = subprocess.Popen([sys.executable, "-m", "lab.cli", "up", "--host", "127.0.0.1", "--port", str(port),
                                 "--data-dir", str(Path(tmp) / "lab")], env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        url = f"http://127.0.0.1:{port}"
        try:
            for _ in range(300):
                try:
                    if httpx.get(f"{url}/identity", timeout=1).status_code in (200, 300):
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
            user = {"name": "admin", "password": PASSWORD, "domain": {"name": "Default"}}
            r = httpx.post(f"{url}/identity/v3/auth/tokens", json={"auth": {
                "identity": {"methods": ["password"], "password": {"user": user}},
                "scope": {"project": {"name": "admin", "domain": {"name": "Default"}}}}})
            token = r.headers["x-subject-token"]
            store = next(e for e in r.json()["token"]["catalog"] if e["type"] == "object-store")
            account = next(ep["url"] for ep in store["endpoints"] if ep["interface"] == "public")
            headers = {"X-Auth-Token": token}
            with httpx.Client(timeout=600) as client:
                client.put(f"{account}/bench", headers=headers).raise_for_status()
                before = rss_mib(proc.pid)
                block = os.urandom(CHUNK)

                def body() -> Iterator[bytes]:
                    for _ in range(args.mib):
                        yield block

                start = time.perf_counter()
                client.put(f"{account}/bench/big", headers=headers, content=body()).raise_for_status()
                up = time.perf_counter() - start
                start = time.perf_counter()
                received = 0
                with client.stream("GET", f"{account}/bench/big", headers=headers) as response:
                    for chunk in response.iter_bytes(CHUNK):
                        received += len(chunk)
                down = time.perf_counter() - start
                after = rss_mib(proc.pid)
            assert received == size, (received, size)
            print(f"object of {args.mib} MiB: upload {args.mib / up:.0f} MB/s, download {args.mib / down:.0f} MB/s; "
                  f"server RSS {before:.0f} MiB before, {after:.0f} MiB after")
        finally:
            proc.terminate()
            proc.wait(timeout=30)


if __name__ == "__main__":
    main()
