"""The compute APIs other services call (issue 26 #1): os-server-external-events and os-assisted-volume-snapshots,
for a user with Keystone's `service` role (or an admin), with Nova's per-event codes and 400s."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from lab.cloud.app import Cloud
from lab.cloud.compute.models import Flavor, Server
from lab.cloud.context import RequestContext
from tests.api_schemas import assert_schema
from tests.cloud.compute_support import API, create_server
from tests.cloud.identity_helpers import create, grant
from tests.cloud.volume_support import create_volume
from tests.conftest import get_token

EVENTS = f"{API}/os-server-external-events"
SNAPSHOTS = f"{API}/os-assisted-volume-snapshots"
MISSING = "00000000-0000-4000-8000-000000000000"


@pytest.fixture
def as_service(client: TestClient, as_admin: dict[str, str]) -> dict[str, str]:
    """A user with only the `service` role (on the service project), as Neutron's and Cinder's users are."""
    project = create(client, as_admin, "project", name="service")
    user = create(client, as_admin, "user", name="neutron", password="neutron-pw", default_project_id=project["id"])
    grant(client, as_admin, project["id"], user["id"], "service")
    return {"X-Auth-Token": get_token(client, "neutron", "neutron-pw", "service")}


def at(headers: dict[str, str], version: str) -> dict[str, str]:
    return {**headers, "OpenStack-API-Version": f"compute {version}"}


def test_external_events_per_server(client: TestClient, cloud: Cloud, as_demo: dict[str, str],
                                    as_service: dict[str, str]) -> None:
    """200 for an event of a server with a host; 207 with 404 (unknown server), 422 (no host yet) and 400
    (volume-extended without its tag) beside an accepted one; 404 when none is accepted."""
    server = create_server(client, cloud, as_demo)
    r = client.post(EVENTS, headers=as_service, json={"events": [
        {"name": "network-changed", "server_uuid": server["id"]}]})
    assert r.status_code == 200
    assert_schema("compute.v2_1.server_external_events", "create", r)
    assert r.json() == {"events": [{"name": "network-changed", "server_uuid": server["id"], "status": "completed",
                                    "code": 200}]}
    building = create_server(client, cloud, as_demo, name="building", run=False)
    with cloud.db.write() as db:  # not scheduled yet: no host
        row = db.scalar(select(Server).where(Server.id == building["id"]))
        assert row is not None
        row.host = None
    r = client.post(EVENTS, headers=at(as_service, "2.51"), json={"events": [
        {"name": "network-vif-plugged", "server_uuid": server["id"], "status": "failed", "tag": "port-1"},
        {"name": "network-vif-plugged", "server_uuid": MISSING},
        {"name": "network-vif-plugged", "server_uuid": building["id"]},
        {"name": "volume-extended", "server_uuid": server["id"]}]})
    assert r.status_code == 207
    assert [(e["code"], e["status"]) for e in r.json()["events"]] == [
        (200, "failed"), (404, "failed"), (422, "failed"), (400, "failed")]
    assert r.json()["events"][0]["tag"] == "port-1"
    r = client.post(EVENTS, headers=as_service, json={"events": [
        {"name": "network-vif-deleted", "server_uuid": MISSING}]})
    assert r.status_code == 404
    assert r.json() == {"itemNotFound": {"code": 404, "message": "No instances found for any event"}}


def test_external_events_validation_and_policy(client: TestClient, cloud: Cloud, as_demo: dict[str, str],
                                               as_admin: dict[str, str], as_service: dict[str, str]) -> None:
    """The event names each microversion knows (volume-extended from 2.51, power-update from 2.76); a member
    may not send events (403), an admin may."""
    server = create_server(client, cloud, as_demo)
    one = {"name": "volume-extended", "server_uuid": server["id"], "tag": "vol"}
    r = client.post(EVENTS, headers=at(as_service, "2.50"), json={"events": [one]})
    assert r.status_code == 400
    assert "'volume-extended' is not one of" in r.json()["badRequest"]["message"]
    assert client.post(EVENTS, headers=at(as_service, "2.51"), json={"events": [one]}).status_code == 200
    power = {"name": "power-update", "server_uuid": server["id"], "tag": "POWER_OFF"}
    assert client.post(EVENTS, headers=at(as_service, "2.75"), json={"events": [power]}).status_code == 400
    assert client.post(EVENTS, headers=at(as_service, "2.76"), json={"events": [power]}).status_code == 200
    for bad in ({"events": []}, {"events": [{"name": "network-changed"}]},
                {"events": [{"name": "network-changed", "server_uuid": "not-a-uuid"}]},
                {"events": [{"name": "network-changed", "server_uuid": server["id"], "status": "done"}]},
                {"events": [{"name": "network-changed", "server_uuid": server["id"], "extra": 1}]}, {}):
        r = client.post(EVENTS, headers=as_service, json=bad)
        assert r.status_code == 400, bad
        assert r.json()["badRequest"]["message"].startswith("Invalid input for field/attribute"), bad
    body = {"events": [{"name": "network-changed", "server_uuid": server["id"]}]}
    r = client.post(EVENTS, headers=as_demo, json=body)
    assert r.status_code == 403
    assert client.post(EVENTS, headers=as_admin, json=body).status_code == 200


def test_assisted_volume_snapshots(client: TestClient, cloud: Cloud, as_demo: dict[str, str],
                                   as_service: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Create answers create_info's id and the volume; the compute host reports `creating` (90%) and, on
    delete, `deleting` to the volume service through its contract; a volume attached to no server is 400, and a
    refused report (an unknown snapshot) does not fail the request."""
    reports: list[tuple[str, str, str]] = []

    def report(ctx: RequestContext, snapshot_id: str, status: str, progress: str) -> None:
        reports.append((snapshot_id, status, progress))

    server = create_server(client, cloud, as_demo)
    volume = create_volume(client, cloud, as_demo)
    loose = create_volume(client, cloud, as_demo)
    r = client.post(f"{API}/servers/{server['id']}/os-volume_attachments", headers=as_demo,
                    json={"volumeAttachment": {"volumeId": volume["id"]}})
    assert r.status_code == 200, r.text
    create_info: dict[str, Any] = {"snapshot_id": "snap-1", "type": "qcow2", "new_file": "new_file", "id": "given"}
    body = {"snapshot": {"volume_id": volume["id"], "create_info": create_info}}
    r = client.post(SNAPSHOTS, headers=as_service, json=body)  # the lab's volume service: os-update_snapshot_status
    assert r.status_code == 200, r.text
    monkeypatch.setattr(cloud.volume, "update_snapshot_status", report)
    r = client.post(SNAPSHOTS, headers=as_service, json=body)
    assert r.status_code == 200
    assert r.json() == {"snapshot": {"id": "given", "volumeId": volume["id"]}}
    delete_info = json.dumps({"volume_id": volume["id"]})
    r = client.delete(f"{SNAPSHOTS}/snap-1", params={"delete_info": delete_info}, headers=as_service)
    assert r.status_code == 204
    assert reports == [("snap-1", "creating", "90%"), ("snap-1", "deleting", "90%")]
    del create_info["id"]
    assert client.post(SNAPSHOTS, headers=as_service, json=body).json()["snapshot"]["id"] is None
    r = client.post(SNAPSHOTS, headers=as_service, json={"snapshot": {"volume_id": loose["id"],
                                                                      "create_info": create_info}})
    assert r.status_code == 400
    assert r.json()["badRequest"]["message"] == f"No volume Block Device Mapping with id {loose['id']}."
    for info in ({**create_info, "type": "raw"}, {"snapshot_id": "s", "type": "qcow2"}):
        r = client.post(SNAPSHOTS, headers=as_service, json={"snapshot": {"volume_id": volume["id"],
                                                                          "create_info": info}})
        assert r.status_code == 400 and "Invalid input" in r.json()["badRequest"]["message"]
    assert client.delete(f"{SNAPSHOTS}/snap-1", headers=as_service).status_code == 400
    r = client.delete(f"{SNAPSHOTS}/snap-1", params={"delete_info": "{"}, headers=as_service)
    assert r.status_code == 400
    with cloud.db.write() as db:
        busy = db.scalar(select(Server).where(Server.id == server["id"]))
        assert busy is not None
        busy.task_state = "rebooting"
    r = client.post(SNAPSHOTS, headers=as_service, json=body)
    assert r.status_code == 400
    assert r.json()["badRequest"]["message"] == (
        f"Instance {server['id']} in task_state rebooting. Cannot volume_snapshot_create while the instance is in "
        "this state.")
    assert client.post(SNAPSHOTS, headers=as_demo, json=body).status_code == 403
    assert len(reports) == 3


def test_resizes_are_migrations(client: TestClient, cloud: Cloud, as_demo: dict[str, str],
                                as_admin: dict[str, str]) -> None:
    """A resize records a migration (os-migrations, admin only): pre-migrating, finished at VERIFY_RESIZE, then
    confirmed; a revert is reverted; the fields of 2.23, 2.59 and 2.80 (tempest's schemas), the filters, paging
    by uuid, and a deleted server's migrations gone with it (issue 26 #1, test_migrations)."""
    listing = f"{API}/os-migrations"
    server = create_server(client, cloud, as_demo)
    other = create_server(client, cloud, as_demo, name="vm2")
    for target in (server, other):
        r = client.post(f"{API}/servers/{target['id']}/action", headers=as_demo, json={"resize": {"flavorRef": "2"}})
        assert r.status_code == 202, r.text
    pending = [m["status"] for m in client.get(listing, headers=as_admin).json()["migrations"]]
    assert pending == ["pre-migrating", "pre-migrating"]
    cloud.worker.run_due()
    client.post(f"{API}/servers/{server['id']}/action", headers=as_demo, json={"confirmResize": None})
    client.post(f"{API}/servers/{other['id']}/action", headers=as_demo, json={"revertResize": None})
    cloud.worker.run_due()
    r = client.get(listing, headers=as_admin)
    assert_schema("compute.v2_1.migrations", "list_migrations", r)
    by_server = {m["instance_uuid"]: m for m in r.json()["migrations"]}
    assert (by_server[server["id"]]["status"], by_server[other["id"]]["status"]) == ("confirmed", "reverted")
    first = by_server[server["id"]]
    with cloud.db.read() as db:
        seqs = dict(db.execute(select(Flavor.flavorid, Flavor.seq)).all())
    assert (first["old_instance_type_id"], first["new_instance_type_id"]) == (seqs["1"], seqs["2"])
    assert first["source_compute"] == first["dest_compute"] == cloud.compute.hosts.host
    assert "migration_type" not in first
    for version, module in (("2.23", "v2_23"), ("2.59", "v2_59"), ("2.80", "v2_80")):
        r = client.get(listing, headers=at(as_admin, version))
        assert_schema(f"compute.{module}.migrations", "list_migrations", r)
    newest_first = client.get(listing, headers=at(as_admin, "2.80")).json()["migrations"]
    assert [m["instance_uuid"] for m in newest_first] == [other["id"], server["id"]]
    assert newest_first[0]["migration_type"] == "resize" and newest_first[0]["project_id"] == server["tenant_id"]
    r = client.get(listing, params={"limit": 1, "marker": newest_first[0]["uuid"]}, headers=at(as_admin, "2.59"))
    assert [m["instance_uuid"] for m in r.json()["migrations"]] == [server["id"]]
    r = client.get(listing, params={"status": "reverted"}, headers=as_admin)
    assert [m["instance_uuid"] for m in r.json()["migrations"]] == [other["id"]]
    r = client.get(listing, params={"instance_uuid": server["id"]}, headers=as_admin)
    assert [m["status"] for m in r.json()["migrations"]] == ["confirmed"]
    assert client.get(listing, params={"marker": MISSING}, headers=at(as_admin, "2.59")).status_code == 404
    assert client.get(listing, headers=as_demo).status_code == 403
    assert client.delete(f"{API}/servers/{other['id']}", headers=as_demo).status_code == 204
    r = client.get(listing, headers=as_admin)
    assert [m["instance_uuid"] for m in r.json()["migrations"]] == [server["id"]]
