"""Fixtures of the console's tests: clients on the shared live cloud, and a second, seeded lab whose contents are
fixed (for snapshot tests)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from lab.tui.client import CloudClient
from tests.conftest import LiveCloud, start_live_cloud
from tests.tui.support import MaskingClient, seed, seed_class, student_sdk


@pytest.fixture
def demo_client(live_cloud: LiveCloud) -> Iterator[CloudClient]:
    """A console client as the demo project's member on the shared live cloud."""
    client = CloudClient(live_cloud.sdk("demo", "demo"), "stacklab-demo")
    yield client
    client.close()


@pytest.fixture
def admin_client(live_cloud: LiveCloud) -> Iterator[CloudClient]:
    client = CloudClient(live_cloud.sdk("admin"), "stacklab")
    yield client
    client.close()


@pytest.fixture(scope="session")
def snapshot_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveCloud]:
    """A lab of its own for snapshot tests, seeded once with fixed names and never changed afterwards."""
    lab = start_live_cloud(tmp_path_factory.mktemp("snapshot-lab") / "lab", extra_env={"STACKLAB_BOOT_SECONDS": "0"})
    try:
        seed(lab.sdk("demo", "demo"))
        lab.students = seed_class(lab.url, lab.sdk("admin"))  # type: ignore[attr-defined]
        yield lab
    finally:
        lab.stop()


@pytest.fixture
def masked_demo(snapshot_lab: LiveCloud) -> Iterator[Any]:
    """The demo member's client on the snapshot lab, ids and times masked."""
    client = CloudClient(snapshot_lab.sdk("demo", "demo"), "stacklab-demo")
    yield MaskingClient(client)
    client.close()


@pytest.fixture
def masked_admin(snapshot_lab: LiveCloud) -> Iterator[Any]:
    client = CloudClient(snapshot_lab.sdk("admin"), "stacklab")
    yield MaskingClient(client)
    client.close()


@pytest.fixture
def masked_student(snapshot_lab: LiveCloud) -> Iterator[Any]:
    """The snapshot lab's student snap01 (a class member with fixed progress), ids and times masked."""
    client = CloudClient(student_sdk(snapshot_lab.url, snapshot_lab.students[0]), "snap01")  # type: ignore[attr-defined]
    yield MaskingClient(client)
    client.close()
