"""Compute and its driver agree after a start: a server whose guest vanished goes to ERROR with a fault, a guest
whose server does not exist is destroyed, and a build waits for the guest to be really up (bounded).

Runs over the fake driver and libvirt's test driver (`test:///<file>.xml`, a fresh hypervisor per connection,
so for libvirt the start-up reconciliation `recover()` is run again on the same cloud rather than on a new one).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from lab.cloud.app import Cloud, create_app
from lab.cloud.compute.models import Server
from lab.cloud.worker import Job
from lab.config import Settings
from tests.cloud.compute_support import API, create_server
from tests.conftest import get_token


def start(settings: Settings) -> tuple[Cloud, TestClient]:
    cloud = Cloud(settings)
    cloud.bootstrap()
    return cloud, TestClient(create_app(settings, cloud=cloud, start_worker=False), base_url="http://127.0.0.1:8780")


@pytest.fixture(params=["fake", "libvirt"])
def lab(request: pytest.FixtureRequest, settings: Settings, tmp_path: Path) -> Iterator[tuple[Cloud, TestClient]]:
    if request.param == "libvirt":
        node = tmp_path / "node.xml"
        node.write_text("<node>\n</node>\n")
        settings = dataclasses.replace(settings, compute_driver="libvirt", libvirt_uri=f"test://{node}")
    cloud, client = start(settings)
    try:
        yield cloud, client
    finally:
        cloud.close()


def demo(client: TestClient) -> dict[str, str]:
    return {"X-Auth-Token": get_token(client, "demo", "demo", "demo")}


def test_vanished_guest_errors_and_orphan_guest_is_destroyed(lab: tuple[Cloud, TestClient]) -> None:
    cloud, client = lab
    headers = demo(client)
    kept, vanished, orphan = (create_server(client, cloud, headers, name=n)["id"] for n in ("kept", "vanished",
                                                                                          "orphan"))
    driver = cloud.compute_driver
    assert sorted(driver.list_guests()) == sorted([kept, vanished, orphan])
    driver.destroy(vanished)  # the domain is removed behind the cloud's back
    with cloud.db.write() as db:  # the server was deleted but its delete job is lost (a restored database)
        db.query(Server).filter(Server.id == orphan).update({"deleted": True, "vm_state": "deleted"})
        db.query(Job).delete()

    cloud.compute.recover()  # what every start runs
    cloud.worker.run_due()

    shown = client.get(f"{API}/servers/{vanished}", headers=headers).json()["server"]
    assert shown["status"] == "ERROR"
    assert shown["fault"]["code"] == 500
    assert shown["fault"]["message"] == (f"The guest of instance {vanished} vanished from the hypervisor "
                                         f"({driver.name}) while the cloud was stopped.")
    assert client.get(f"{API}/servers/{kept}", headers=headers).json()["server"]["status"] == "ACTIVE"
    assert driver.list_guests() == [kept]  # the orphan's guest is gone, nothing was made for the vanished one

    cloud.compute.recover()  # idempotent: nothing more changes
    cloud.worker.run_due()
    assert client.get(f"{API}/servers/{kept}", headers=headers).json()["server"]["status"] == "ACTIVE"
    assert driver.list_guests() == [kept]

    r = client.post(f"{API}/servers/{vanished}/action", headers=headers, json={"reboot": {"type": "HARD"}})
    assert r.status_code == 202, r.text  # a hard reboot makes the guest anew
    assert client.get(f"{API}/servers/{vanished}", headers=headers).json()["server"]["status"] == "ACTIVE"
    assert sorted(driver.list_guests()) == sorted([kept, vanished])


def test_fake_guests_survive_a_restart_and_a_wiped_guest_is_found(settings: Settings) -> None:
    """With the fake driver the check runs over a real restart: intact guests stay ACTIVE, a stopped server
    stays SHUTOFF, a guest whose file was removed is an ERROR."""
    cloud, client = start(settings)
    headers = demo(client)
    ids = [create_server(client, cloud, headers, name=n)["id"] for n in ("a", "b", "stopped")]
    assert client.post(f"{API}/servers/{ids[2]}/action", headers=headers, json={"os-stop": None}).status_code == 202
    cloud.close()
    (settings.data_dir / "compute-fake" / "guests" / f"{ids[1]}.json").unlink()

    cloud, client = start(settings)
    try:
        headers = demo(client)
        status = [client.get(f"{API}/servers/{i}", headers=headers).json()["server"]["status"] for i in ids]
        assert status == ["ACTIVE", "ERROR", "SHUTOFF"]
    finally:
        cloud.close()


def test_build_waits_for_the_guest_and_times_out_with_a_fault(settings: Settings) -> None:
    """A guest that runs but never finishes booting keeps its server in BUILD until `boot_timeout`, then ERROR."""
    cloud, client = start(dataclasses.replace(settings, boot_timeout=3.0))
    try:
        headers = demo(client)
        server = create_server(client, cloud, headers, name="hangs", run=False,
                               metadata={"stacklab:fake_fail": "boot"})
        cloud.worker.run_due()  # spawned, not ready: polled again one (lab) second later
        assert client.get(f"{API}/servers/{server['id']}", headers=headers).json()["server"]["status"] == "BUILD"
        cloud.worker.run_due(everything=True)  # the remaining polls, without waiting
        shown = client.get(f"{API}/servers/{server['id']}", headers=headers).json()["server"]
        assert shown["status"] == "ERROR"
        assert shown["fault"]["message"] == ("The guest did not finish booting within 3 s (no ready marker on its "
                                             "console); see `openstack console log show`.")
        with cloud.db.read() as db:
            assert db.query(Job).count() == 0  # the polling stopped
        ok = create_server(client, cloud, headers, name="fine")
        assert ok["status"] == "ACTIVE"
    finally:
        cloud.close()
