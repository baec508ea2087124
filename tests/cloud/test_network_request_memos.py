"""What a networking request remembers inside one transaction (issue 23): the RBAC answers a create's policy
target and its rendering both ask, and the driver sync jobs it queues. Remembering must never serve an answer
the transaction's own writes made stale, nor drop a job another transaction needs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import delete, event, func, select
from starlette.testclient import TestClient

from lab.cloud.app import Cloud
from lab.cloud.network import ipam
from lab.cloud.network.common import external_for, is_granted, shared_with
from lab.cloud.network.models import Network, Port, RBACPolicy
from lab.cloud.worker import Job
from tests.cloud.network_helpers import N, create


@contextmanager
def counted(cloud: Cloud) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    event.listen(cloud.db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(cloud.db.engine, "before_cursor_execute", record)


def rbac_selects(statements: list[str]) -> int:
    return sum(1 for s in statements if s.startswith("SELECT") and "rbac_policies" in s)


def grant(network_id: str, action: str, target: str) -> RBACPolicy:
    now = datetime(2026, 1, 1)
    return RBACPolicy(project_id="owner", object_type="network", object_id=network_id, action=action,
                      target_project=target, created_at=now, updated_at=now)


def test_an_rbac_answer_is_asked_once_per_transaction(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    net = create(client, as_demo, "networks", name="memo")
    with cloud.db.read() as db:
        row = db.get(Network, net["id"])
        assert row is not None
        with counted(cloud) as statements:
            for _ in range(3):
                assert not shared_with(db, row, "other")
                assert not external_for(db, row, "other")
                assert not external_for(db, row, row.project_id)  # the owner's question is another one
        assert rbac_selects(statements) == 3
    with cloud.db.read() as db, counted(cloud) as statements:  # a new transaction asks again
        row = db.get(Network, net["id"])
        assert row is not None and not shared_with(db, row, "other")
        assert rbac_selects(statements) == 1


def test_a_grant_made_in_the_transaction_is_seen_at_once(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    """Added (not yet flushed), then deleted by a statement, in the same transaction that asked before."""
    net = create(client, as_demo, "networks", name="memo")
    with cloud.db.write() as db:
        row = db.get(Network, net["id"])
        assert row is not None
        assert not is_granted(db, "network", row.id, "access_as_shared", "other")
        assert not external_for(db, row, row.project_id)
        db.add(grant(row.id, "access_as_shared", "other"))
        assert is_granted(db, "network", row.id, "access_as_shared", "other")
        assert shared_with(db, row, "other")
        db.add(grant(row.id, "access_as_external", "*"))
        assert external_for(db, row, row.project_id)
        assert external_for(db, row, "someone")
        db.execute(delete(RBACPolicy).where(RBACPolicy.object_id == row.id))
        assert not is_granted(db, "network", row.id, "access_as_shared", "other")
        assert not external_for(db, row, row.project_id)
        assert not external_for(db, row, "someone")
        db.rollback()


def test_a_policy_made_through_the_api_shares_the_network_at_once(client: TestClient, cloud: Cloud,
                                                                  as_admin: dict, as_demo: dict) -> None:
    """The answers of one request are not carried into the next: an RBAC grant, then the network as the
    project it was shared with reads it."""
    net = create(client, as_admin, "networks", name="later-shared")
    demo_project = client.get("/identity/v3/auth/tokens", headers={**as_demo, "X-Subject-Token":
                                                                   as_demo["X-Auth-Token"]}).json()
    project_id = demo_project["token"]["project"]["id"]
    assert client.get(f"{N}/networks/{net['id']}", headers=as_demo).status_code == 404
    r = client.post(f"{N}/rbac-policies", headers=as_admin, json={"rbac_policy": {
        "object_type": "network", "object_id": net["id"], "action": "access_as_shared",
        "target_tenant": project_id}})
    assert r.status_code == 201, r.text
    r = client.get(f"{N}/networks/{net['id']}", headers=as_demo)
    assert r.status_code == 200 and r.json()["network"]["shared"] is True
    assert client.get(f"{N}/networks/{net['id']}", headers=as_admin).json()["network"]["shared"] is False


def sync_jobs(cloud: Cloud, kind: str, object_id: str) -> int:
    with cloud.db.read() as db:
        return int(db.scalar(select(func.count()).select_from(Job).where(
            Job.kind == f"network.sync_{kind}", Job.resource_id == object_id)) or 0)


def test_one_sync_job_per_object_per_transaction(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    net = create(client, as_demo, "networks", name="synced")
    assert sync_jobs(cloud, "network", net["id"]) == 1
    cloud.worker.run_due()
    assert sync_jobs(cloud, "network", net["id"]) == 0
    # A subnet create changes the network and makes its DHCP port (which syncs the network too): one job each.
    sub = create(client, as_demo, "subnets", network_id=net["id"], cidr="10.9.0.0/24", ip_version=4)
    assert sync_jobs(cloud, "network", net["id"]) == 1
    ports = client.get(f"{N}/ports", params={"network_id": net["id"]}, headers=as_demo).json()["ports"]
    assert [p["device_owner"] for p in ports] == ["network:dhcp"]
    assert sync_jobs(cloud, "port", ports[0]["id"]) == 1
    # The next transaction queues its own, even before the worker ran the first.
    create(client, as_demo, "subnets", network_id=net["id"], cidr="10.9.1.0/24", ip_version=4)
    assert sync_jobs(cloud, "network", net["id"]) == 2
    cloud.worker.run_due()
    assert sync_jobs(cloud, "network", net["id"]) == 0
    # The driver got the network with both subnets and the DHCP port's two addresses.
    spec = cloud.network_driver.networks[net["id"]]  # type: ignore[attr-defined]
    assert [s.cidr for s in spec.subnets] == ["10.9.0.0/24", "10.9.1.0/24"]
    assert sorted(h.ip_address for h in spec.dhcp_ports) == ["10.9.0.2", "10.9.1.2"]
    assert sub["network_id"] == net["id"]


def test_a_rolled_back_sync_is_queued_again(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    net = create(client, as_demo, "networks", name="rolled-back")
    cloud.worker.run_due()
    svc: Any = cloud.network
    with cloud.db.write() as db:
        savepoint = db.begin_nested()
        svc.sync(db, "network", net["id"])
        savepoint.rollback()
        svc.sync(db, "network", net["id"])
        svc.sync(db, "network", net["id"])
    assert sync_jobs(cloud, "network", net["id"]) == 1
    with pytest.raises(RuntimeError), cloud.db.write() as db:
        svc.sync(db, "network", net["id"])
        raise RuntimeError("rolled back")
    assert sync_jobs(cloud, "network", net["id"]) == 1


def test_an_answer_outlives_a_flush_of_other_tables_only(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    """A flush of an unrelated row keeps the RBAC answer; a flush of a grant, or a port's delete (which
    cascades to its addresses), forgets what depends on them."""
    net = create(client, as_demo, "networks", name="memo")
    sub = create(client, as_demo, "subnets", network_id=net["id"], cidr="10.8.0.0/24", ip_version=4)
    with cloud.db.write() as db:
        row = db.get(Network, net["id"])
        assert row is not None
        with counted(cloud) as statements:
            assert not shared_with(db, row, "other")
            row.description = "changed"
            db.flush()  # writes the network, not a grant
            assert not shared_with(db, row, "other")
        assert rbac_selects(statements) == 1
        db.add(grant(row.id, "access_as_shared", "other"))
        db.flush()
        assert shared_with(db, row, "other")
        (dhcp_address,) = ipam.used_addresses(db, sub["id"])
        with counted(cloud) as statements:
            assert ipam.used_addresses(db, sub["id"]) == {dhcp_address}
        assert statements == []
        port = db.scalar(select(Port).where(Port.network_id == row.id))
        assert port is not None
        port.name = "renamed"
        db.flush()  # a port written, not deleted: its addresses stay
        with counted(cloud) as statements:
            assert ipam.used_addresses(db, sub["id"]) == {dhcp_address}
        assert statements == []
        db.delete(port)  # its addresses go by the foreign key
        assert ipam.used_addresses(db, sub["id"]) == set()
        db.rollback()
    with cloud.db.write() as db:
        assert ipam.used_addresses(db, sub["id"]) == {dhcp_address}
        db.execute(delete(Port).where(Port.network_id == net["id"]))  # the same by a statement
        assert ipam.used_addresses(db, sub["id"]) == set()
        db.rollback()
