"""A cloud killed with servers in BUILD finishes them on its next start; nothing is lost or half-made."""

from __future__ import annotations

from starlette.testclient import TestClient

from lab.cloud.app import Cloud, create_app
from lab.cloud.compute.models import Server
from lab.cloud.worker import Job
from lab.config import Settings
from tests.cloud.compute_support import API, FAKE_IMAGE_ID
from tests.conftest import get_token


def start(settings: Settings) -> tuple[Cloud, TestClient]:
    cloud = Cloud(settings)
    cloud.bootstrap()
    client = TestClient(create_app(settings, cloud=cloud, start_worker=False), base_url="http://127.0.0.1:8780")
    return cloud, client


def boot_image(cloud: Cloud, client: TestClient, headers: dict) -> str:
    if getattr(cloud, "image", None) is None:
        return FAKE_IMAGE_ID
    return str(client.get("/image/v2/images?name=cirros", headers=headers).json()["images"][0]["id"])


def test_build_servers_finish_after_a_crash(settings: Settings) -> None:
    cloud, client = start(settings)
    headers = {"X-Auth-Token": get_token(client, "demo", "demo", "demo")}
    image = boot_image(cloud, client, headers)
    ids = []
    for i in range(3):
        r = client.post(f"{API}/servers", headers=headers, json={"server": {
            "name": f"vm{i}", "flavorRef": "1", "imageRef": image}})
        assert r.status_code == 202
        ids.append(r.json()["server"]["id"])
    cloud.close()  # the "crash": the worker never ran

    cloud, client = start(settings)
    try:
        assert cloud.worker.run_due() >= 3
        headers = {"X-Auth-Token": get_token(client, "demo", "demo", "demo")}
        assert [client.get(f"{API}/servers/{i}", headers=headers).json()["server"]["status"] for i in ids] == [
            "ACTIVE"] * 3
        assert sorted(cloud.compute_driver.list_guests()) == sorted(ids)
    finally:
        cloud.close()


def test_servers_whose_job_vanished_get_a_new_one(settings: Settings) -> None:
    """Even with the job rows gone (a restored snapshot, a bug), start-up queues what BUILD servers need."""
    cloud, client = start(settings)
    headers = {"X-Auth-Token": get_token(client, "demo", "demo", "demo")}
    r = client.post(f"{API}/servers", headers=headers, json={"server": {
        "name": "lost", "flavorRef": "1", "imageRef": boot_image(cloud, client, headers)}})
    server_id = r.json()["server"]["id"]
    with cloud.db.write() as db:
        db.query(Job).delete()
    cloud.close()

    cloud, client = start(settings)
    try:
        cloud.worker.run_due()
        with cloud.db.read() as db:
            server = db.query(Server).filter(Server.id == server_id).one()
            assert (server.vm_state, server.task_state) == ("active", None)
    finally:
        cloud.close()


def test_unfinished_task_and_orphan_guest_are_resolved(settings: Settings) -> None:
    """A stop cut short (task_state left set) is finished; a guest whose server was deleted is destroyed."""
    cloud, client = start(settings)
    headers = {"X-Auth-Token": get_token(client, "demo", "demo", "demo")}
    image = boot_image(cloud, client, headers)
    ids = [client.post(f"{API}/servers", headers=headers, json={"server": {
        "name": n, "flavorRef": "1", "imageRef": image}}).json()["server"]["id"] for n in ("stopping", "gone")]
    cloud.worker.run_due()
    with cloud.db.write() as db:
        db.query(Server).filter(Server.id == ids[0]).update({"task_state": "powering-off"})
        db.query(Server).filter(Server.id == ids[1]).update({"deleted": True, "vm_state": "deleted"})
    cloud.close()

    cloud, client = start(settings)
    try:
        cloud.worker.run_due()
        with cloud.db.read() as db:
            stopped = db.query(Server).filter(Server.id == ids[0]).one()
            assert (stopped.vm_state, stopped.task_state, stopped.power_state) == ("stopped", None, 4)
        assert cloud.compute_driver.list_guests() == [ids[0]]
    finally:
        cloud.close()
