"""Helpers for the billing tests: a lab driven over HTTP as the admin and the demo student would drive it, with
the lab clock moved through the lab admin API (and tokens renewed when lab time outlives them)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from starlette.testclient import TestClient

from lab.cloud.app import Cloud
from lab.cloud.billing.meters import MeterTable
from lab.cloud.billing.models import Charge
from lab.cloud.events import Event
from tests.cloud.compute_support import image_id
from tests.conftest import ADMIN_PASSWORD, get_token

API = "/compute/v2.1"
B = "/billing/v1"


@dataclass
class Lab:
    """The in-process cloud and its client, with admin and demo headers that follow the lab clock."""

    cloud: Cloud
    client: TestClient
    admin: dict[str, str]
    demo: dict[str, str]

    @classmethod
    def of(cls, cloud: Cloud, client: TestClient) -> Lab:
        lab = cls(cloud, client, {}, {})
        lab.login()
        return lab

    def login(self) -> None:
        self.admin = {"X-Auth-Token": get_token(self.client, "admin", ADMIN_PASSWORD, "admin")}
        self.demo = {"X-Auth-Token": get_token(self.client, "demo", "demo", "demo")}

    @property
    def demo_id(self) -> str:
        return str(self.client.get(f"{B}/account", headers=self.demo).json()["account"]["project_id"])

    def advance(self, by: str) -> None:
        """`stacklab clock advance` over the lab API, then run what became due, with fresh tokens."""
        r = self.client.post("/lab/v1/clock/advance", json={"by": by}, headers=self.admin)
        if r.status_code == 401:
            self.login()
            r = self.client.post("/lab/v1/clock/advance", json={"by": by}, headers=self.admin)
        assert r.status_code == 200, r.text
        self.login()
        self.cloud.worker.run_due()

    def boot(self, name: str = "vm", flavor: str = "1", run: bool = True) -> str:
        body = {"server": {"name": name, "flavorRef": flavor,
                           "imageRef": image_id(self.client, self.cloud, self.demo)}}
        r = self.client.post(f"{API}/servers", json=body, headers=self.demo)
        assert r.status_code == 202, r.text
        if run:
            self.cloud.worker.run_due()
        return str(r.json()["server"]["id"])

    def delete(self, server_id: str) -> None:
        r = self.client.delete(f"{API}/servers/{server_id}", headers=self.demo)
        assert r.status_code == 204, r.text
        self.cloud.worker.run_due()

    def action(self, server_id: str, body: dict[str, Any]) -> None:
        r = self.client.post(f"{API}/servers/{server_id}/action", json=body, headers=self.demo)
        assert r.status_code in (202, 204), r.text
        self.cloud.worker.run_due()

    def bill(self, month: str = "current", headers: dict[str, str] | None = None) -> dict[str, Any]:
        r = self.client.get(f"{B}/bills/{month}", headers=headers or self.demo)
        assert r.status_code == 200, r.text
        return r.json()["bill"]  # type: ignore[no-any-return]

    def lines(self, resource_id: str, month: str = "current") -> list[dict[str, Any]]:
        return [li for li in self.bill(month)["line_items"] if li["resource_id"] == resource_id]

    def balance(self, headers: dict[str, str] | None = None) -> Decimal:
        r = self.client.get(f"{B}/account", headers=headers or self.demo)
        assert r.status_code == 200, r.text
        return Decimal(r.json()["account"]["balance"])

    def charges(self) -> list[Charge]:
        with self.cloud.db.read() as db:
            return list(db.scalars(select(Charge).order_by(Charge.id)))

    def events(self, resource_id: str) -> list[Event]:
        with self.cloud.db.read() as db:
            return list(db.scalars(select(Event).where(Event.resource_id == resource_id)
                                   .order_by(Event.time, Event.id)))

    def event_time(self, resource_id: str, action: str) -> datetime:
        return next(e.time for e in self.events(resource_id) if e.action == action)


def plugin_meters() -> MeterTable:
    """The meters the lab's plugins declare (what `Cloud.meters` gathers), without building a cloud."""
    from lab.cloud.app import PLUGINS
    from lab.cloud.plugin import load_plugins

    return MeterTable(meter for plugin in load_plugins(PLUGINS) for meter in plugin.meters)


def price(flavor_name: str) -> Decimal:
    """A flavor's hourly price in the shipped price list."""
    from lab.cloud.billing.prices import DEFAULT_PRICE_FILE, load_price_file

    return load_price_file(DEFAULT_PRICE_FILE, plugin_meters())[0].rate("server", flavor_name).price


def error(r: Any, code: int) -> str:
    """The message of a Keystone-style error body, after checking its code."""
    assert r.status_code == code, r.text
    body = r.json()["error"]
    assert body["code"] == code
    return str(body["message"])
