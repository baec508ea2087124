"""A private "host" for the linux network driver in tests: a uniquely named network namespace the driver
treats as the host, and a cleanup that removes every namespace with its prefix and every dnsmasq the driver
started in them, even when the test failed. Tests never touch the real host's interfaces."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress

import pytest


def namespaces() -> set[str]:
    out = subprocess.run(["ip", "-j", "netns", "list"], capture_output=True, text=True, timeout=30).stdout
    return {n["name"] for n in json.loads(out or "[]")}


def pids_in(ns: str) -> list[int]:
    out = subprocess.run(["ip", "netns", "pids", ns], capture_output=True, text=True, timeout=30).stdout
    return [int(p) for p in out.split()]


def cleanup(prefix: str) -> None:
    """Kill every process in the namespaces named `prefix*`, then delete them (bounded: one pass each)."""
    mine = sorted(n for n in namespaces() if n == prefix or n.startswith(prefix + "-"))
    for ns in mine:
        for pid in pids_in(ns):
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    for ns in mine:
        subprocess.run(["ip", "netns", "delete", ns], capture_output=True, timeout=30)


def require_root() -> None:
    if os.geteuid() != 0 or any(shutil.which(t) is None for t in ("ip", "dnsmasq", "nft", "iptables-restore")):
        pytest.skip("the linux network driver needs root, iproute2, dnsmasq, nftables and iptables "
                    "(scripts/setup.sh installs them)")


@contextmanager
def linux_host() -> Iterator[str]:
    """A unique host-namespace name (`slt<hex>`); everything named after it is gone afterwards."""
    require_root()
    name = "slt" + uuid.uuid4().hex[:8]
    try:
        yield name
    finally:
        cleanup(name)
    assert not {n for n in namespaces() if n.startswith(name)}, "a namespace of the test was left behind"
