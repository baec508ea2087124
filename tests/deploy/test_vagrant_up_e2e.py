"""A real `vagrant up` of the classroom VM under TCG (several minutes), on request only:
STACKLAB_TEST_VAGRANT_UP=1. Runs vagrant_up_in_namespace.sh inside `unshare --net --mount` so its libvirtd, bridge
and forwarded ports never touch the machine's own. Needs root, the `stacklab-debian12` box
(`stacklab vm build-box`) and Debian's libvirt-daemon-driver-qemu, qemu-system-x86, qemu-utils, dnsmasq-base,
libvirt-clients, iptables (libvirt applies firewall rules even for an isolated network)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.root]

HERE = Path(__file__).parent


@pytest.mark.skipif(os.environ.get("STACKLAB_TEST_VAGRANT_UP") != "1",
                    reason="a real `vagrant up` takes minutes under TCG: set STACKLAB_TEST_VAGRANT_UP=1 to run it")
def test_vagrant_up_deploys_stacklab_and_survives_reload() -> None:
    assert os.geteuid() == 0, "needs root (libvirtd, network namespace)"
    # Not pytest's tmp_path: a concurrent pytest run prunes old base temp dirs, and this one holds the VM's
    # machine folder (SSH key) for minutes.
    work = Path(tempfile.mkdtemp(prefix="stacklab-vagrant-e2e-"))
    try:
        result = subprocess.run(["unshare", "--net", "--mount", "--fork", str(HERE / "vagrant_up_in_namespace.sh"),
                                 str(work)], capture_output=True, text=True, timeout=3600)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    assert "API through the forwarded port: 300" in output
    assert "dashboard through the forwarded port: 200" in output
    assert "API after reload: 300" in output
    assert "changed: [" in output and "recap:" in output  # the Fabric deployment ran from the trigger
    print("\n".join(line for line in output.splitlines() if line.startswith("TIMING")))
