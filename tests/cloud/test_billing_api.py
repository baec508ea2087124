"""The billing API over HTTP: charges that follow the lab clock, bills that add up, CSV, prices, the OpenAPI
document, and every refusal with its Keystone-style body and nothing changed."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from starlette.routing import Route
from starlette.testclient import TestClient

from lab.cloud.app import Cloud
from lab.cloud.billing import routes as billing_routes
from lab.cloud.billing.metering import to_ms
from tests.cloud.billing_support import B, Lab, error, price


def test_catalog_lists_billing(client: TestClient, as_demo: dict[str, str]) -> None:
    """The billing API is in the catalog as type `billing`, name `stacklab-billing`, at /billing/v1."""
    catalog = client.get("/identity/v3/auth/catalog", headers=as_demo).json()["catalog"]
    entry = next(s for s in catalog if s["type"] == "billing")
    assert entry["name"] == "stacklab-billing"
    assert {e["url"] for e in entry["endpoints"]} == {"http://127.0.0.1:8780/billing/v1"}


def test_openapi_document_lists_exactly_the_routes(client: TestClient) -> None:
    """GET /billing/v1/openapi.json describes every billing route and no other."""
    r = client.get(f"{B}/openapi.json")
    assert r.status_code == 200
    doc = r.json()
    assert doc["openapi"].startswith("3.")
    served = {(m.lower(), route.path) for route in billing_routes.routes if isinstance(route, Route)
              for m in (route.methods or ()) if m != "HEAD"}
    documented = {(m, p) for p, ops in doc["paths"].items() for m in ops}
    assert served == documented
    assert client.get(B).json()["version"]["links"][1]["href"].endswith("/billing/v1/openapi.json")


def test_server_kept_three_hours_is_charged_exactly_three_hours(cloud: Cloud, client: TestClient) -> None:
    """Boot, advance the lab clock 3h, delete: the line is 3 hours of m1.tiny's price, and stays so. (The
    quantity is exact to the millisecond of lab time, so it also holds the real seconds the test took; money
    is rounded to the cent.)"""
    lab = Lab.of(cloud, client)
    server = lab.boot("three-hours")
    lab.advance("3h")
    lab.delete(server)
    (line,) = lab.lines(server)
    assert line["type"] == "server" and line["variant"] == "m1.tiny" and line["name"] == "three-hours"
    used = to_ms(lab.event_time(server, "delete")) - to_ms(lab.event_time(server, "create"))
    assert used >= 3 * 3_600_000
    assert line["quantity"] == f"{Decimal(used) / 3_600_000:.4f}" and line["quantity_unit"] == "hours"
    assert Decimal(line["total"]) == 3 * price("m1.tiny")
    assert line["unit_price"] == str(price("m1.tiny")) and line["unit"] == "hour"
    lab.advance("5h")
    assert lab.lines(server) == [dict(line, estimated=False)]


def test_server_deleted_in_build_is_charged_until_its_delete(cloud: Cloud, client: TestClient) -> None:
    """A server still in BUILD when deleted is charged from create to delete, nothing after."""
    lab = Lab.of(cloud, client)
    server = lab.boot("stuck", run=False)
    lab.advance("2h")  # runs the build: make a new one that stays in BUILD instead
    assert lab.client.get(f"/compute/v2.1/servers/{server}", headers=lab.demo).json()["server"]["status"] == "ACTIVE"
    building = lab.boot("building", run=False)
    lab.client.post("/lab/v1/clock/advance", json={"by": "2h"}, headers=lab.admin)
    assert lab.client.get(f"/compute/v2.1/servers/{building}",
                          headers=lab.demo).json()["server"]["status"] == "BUILD"
    r = lab.client.delete(f"/compute/v2.1/servers/{building}", headers=lab.demo)
    assert r.status_code == 204
    lab.advance("4h")
    (line,) = lab.lines(building)
    deleted_at = lab.event_time(building, "delete")
    assert line["end"] == deleted_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    used = to_ms(deleted_at) - to_ms(lab.event_time(building, "create"))
    assert line["quantity"] == f"{Decimal(used) / 3_600_000:.4f}"
    assert Decimal(line["total"]) == 2 * price("m1.tiny")


def test_server_deleted_in_error_is_charged_until_its_delete(cloud: Cloud, client: TestClient) -> None:
    """ERROR does not stop the meter (the guest holds resources), the delete does."""
    lab = Lab.of(cloud, client)
    server = lab.boot("broken")
    cloud.compute.set_error(server, "the host caught fire")
    lab.advance("1h")
    lab.delete(server)
    lab.advance("3h")
    (line,) = lab.lines(server)
    assert line["end"] == lab.event_time(server, "delete").strftime("%Y-%m-%dT%H:%M:%SZ")
    assert Decimal(line["total"]) == price("m1.tiny")


def test_stopped_server_pays_the_stopped_rate_and_resize_changes_the_line(cloud: Cloud, client: TestClient) -> None:
    """1h running m1.tiny, 8h stopped (x0.25), then resized to m1.small for 1h: three lines."""
    lab = Lab.of(cloud, client)
    server = lab.boot("busy")
    lab.advance("1h")
    lab.action(server, {"os-stop": None})
    lab.advance("8h")
    lab.action(server, {"os-start": None})
    lab.action(server, {"resize": {"flavorRef": "2"}})
    lab.action(server, {"confirmResize": None})
    lab.advance("1h")
    lab.delete(server)
    lines = {(li["type"], li["variant"]): li for li in lab.lines(server)}
    assert set(lines) == {("server", "m1.tiny"), ("server.stopped", "m1.tiny"), ("server", "m1.small")}
    assert Decimal(lines[("server.stopped", "m1.tiny")]["total"]) == 8 * price("m1.tiny") / 4
    assert Decimal(lines[("server", "m1.small")]["total"]) == price("m1.small")


def test_bill_adds_up_by_category_and_exports_csv(cloud: Cloud, client: TestClient) -> None:
    """Category totals and line totals both add to the bill total; the CSV has the same lines and total."""
    lab = Lab.of(cloud, client)
    lab.boot("a")
    lab.boot("b", flavor="3")
    r = client.post(f"/volume/v3/{lab.demo_id}/volumes", json={"volume": {"size": 10, "name": "data"}},
                    headers=lab.demo)
    assert r.status_code in (200, 202), r.text
    lab.advance("50h")
    bill = lab.bill()
    total = Decimal(bill["total"])
    assert sum(Decimal(li["total"]) for li in bill["line_items"]) == total
    assert sum(Decimal(c["total"]) for c in bill["categories"]) == total
    assert {c["category"] for c in bill["categories"]} >= {"instances", "volumes", "routers"}
    assert bill["status"] == "open" and Decimal(bill["forecast"]) >= total
    r = client.get(f"{B}/bills/{bill['month']}?format=csv", headers=lab.demo)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    items = [row for row in rows if row["type"] not in ("category total", "bill total")]
    assert len(items) == len(bill["line_items"])
    assert rows[-1]["type"] == "bill total" and Decimal(rows[-1]["total"]) == total


def test_rating_is_idempotent_across_reruns_and_restarts(cloud: Cloud, client: TestClient) -> None:
    """Rating again, or in a new process on the same data, adds no charge and changes no bill."""
    lab = Lab.of(cloud, client)
    lab.boot("steady")
    lab.advance("26h")
    before = [(c.resource_id, c.meter, c.period_start, c.milliseconds) for c in lab.charges()]
    bill = lab.bill()
    assert before and cloud.billing.rating.rate()[0] == cloud.billing.rating.rate()[1]
    again = Cloud(cloud.settings)
    again.bootstrap()
    again.billing.refresh()
    after = [(c.resource_id, c.meter, c.period_start, c.milliseconds) for c in lab.charges()]
    again.close()
    assert after == before
    assert len(set(after)) == len(after)
    rebill = lab.bill()
    assert [li["total"] for li in rebill["line_items"] if not li["estimated"]] == \
        [li["total"] for li in bill["line_items"] if not li["estimated"]]


def test_another_projects_bill_is_404_but_an_admin_sees_it(cloud: Cloud, client: TestClient) -> None:
    """A member naming the admin project gets 404 (as for an unknown one); the admin reads demo's bill."""
    lab = Lab.of(cloud, client)
    message = error(client.get(f"{B}/bills/current?project_id=admin", headers=lab.demo), 404)
    assert message == "Project admin could not be found."
    assert error(client.get(f"{B}/accounts/admin", headers=lab.demo), 404) == "Project admin could not be found."
    assert error(client.get(f"{B}/bills/current?project_id=nope", headers=lab.admin), 404) == \
        "Project nope could not be found."
    assert lab.bill(headers=lab.admin)["project_id"] != lab.demo_id
    r = client.get(f"{B}/bills/current?project_id=demo", headers=lab.admin)
    assert r.status_code == 200 and r.json()["bill"]["project_id"] == lab.demo_id


def test_bad_month_is_400(cloud: Cloud, client: TestClient) -> None:
    """A month that is not YYYY-MM is a 400 saying the form."""
    lab = Lab.of(cloud, client)
    assert "use YYYY-MM" in error(client.get(f"{B}/bills/november", headers=lab.demo), 400)


def test_prices_are_readable_by_members_and_editable_by_admins(cloud: Cloud, client: TestClient) -> None:
    """GET /prices for anyone; PUT by a member is 403 and changes nothing; by the admin it applies from the
    hour in progress while rated hours keep their price; it survives a restart."""
    lab = Lab.of(cloud, client)
    shown = client.get(f"{B}/prices", headers=lab.demo).json()
    assert shown["currency"] == "USD" and shown["source"].startswith("file:")
    new = dict(shown["prices"], router={"price": "1.00", "unit": "hour"})
    r = client.put(f"{B}/prices", json={"prices": new}, headers=lab.demo)
    assert error(r, 403) == "Policy doesn't allow billing:update_prices to be performed."
    assert client.get(f"{B}/prices", headers=lab.demo).json() == shown
    bad = client.put(f"{B}/prices", json={"prices": dict(new, router={"price": "-1"})}, headers=lab.admin)
    assert "must not be negative" in error(bad, 400)
    router = next(li for li in lab.bill()["line_items"] if li["type"] == "router")["resource_id"]
    lab.advance("2h")
    r = client.put(f"{B}/prices", json={"prices": new}, headers=lab.admin)
    assert r.status_code == 200 and r.json()["source"] == "api:admin"
    lab.advance("3h")
    prices = {li["unit_price"] for li in lab.lines(router)}
    assert prices == {"0.010", "1.00"}
    again = Cloud(cloud.settings)
    again.bootstrap()
    assert again.billing.prices.document["router"]["price"] == "1.00"
    again.close()


def test_usage_shows_days_and_what_runs_now(cloud: Cloud, client: TestClient) -> None:
    """GET /usage: cost per day by category and the running resources with their cost per hour."""
    lab = Lab.of(cloud, client)
    lab.boot("now")
    lab.advance("2h")
    usage = client.get(f"{B}/usage", headers=lab.demo).json()["usage"]
    assert usage["days"] and all(Decimal(d["total"]) >= 0 for d in usage["days"])
    running = {r["type"]: r for r in usage["running"]}
    assert Decimal(running["server"]["cost_per_hour"]) == price("m1.tiny")


def test_unauthenticated_calls_are_401(client: TestClient) -> None:
    """No token: Keystone's 401 body."""
    assert error(client.get(f"{B}/account"), 401) == "The request you have made requires authentication."


def test_floating_ips_images_and_snapshots_have_their_lines(cloud: Cloud, client: TestClient) -> None:
    """A floating IP, an uploaded image (by its size in GB) and a volume snapshot each get a bill line in their
    category; the floating IP's is 10 hours of its price."""
    lab = Lab.of(cloud, client)
    public = client.get("/network/v2.0/networks?name=public", headers=lab.demo).json()["networks"][0]["id"]
    r = client.post("/network/v2.0/floatingips", json={"floatingip": {"floating_network_id": public}},
                    headers=lab.demo)
    assert r.status_code == 201, r.text
    fip = r.json()["floatingip"]
    r = client.post("/image/v2/images", json={"name": "mine", "disk_format": "raw", "container_format": "bare"},
                    headers=lab.demo)
    assert r.status_code == 201, r.text
    image = r.json()["id"]
    r = client.put(f"/image/v2/images/{image}/file", content=b"x" * 4096,
                   headers={**lab.demo, "Content-Type": "application/octet-stream"})
    assert r.status_code == 204, r.text
    r = client.post(f"/volume/v3/{lab.demo_id}/volumes", json={"volume": {"size": 2}}, headers=lab.demo)
    volume = r.json()["volume"]["id"]
    cloud.worker.run_due()
    r = client.post(f"/volume/v3/{lab.demo_id}/snapshots", json={"snapshot": {"volume_id": volume}},
                    headers=lab.demo)
    assert r.status_code == 202, r.text
    cloud.worker.run_due()
    lab.advance("10h")
    lines = {li["category"]: li for li in lab.bill()["line_items"]}
    assert lines["public_ips"]["name"] == fip["floating_ip_address"]
    assert Decimal(lines["public_ips"]["total"]) == 10 * Decimal("0.005")
    assert lines["images"]["resource_id"] == image and lines["images"]["unit"] == "GB-month"
    assert Decimal(lines["images"]["quantity"]) >= 0
    assert lines["snapshots"]["variant"] == "2GB"


def test_a_shelved_offloaded_server_is_not_charged_and_its_snapshot_is_image_storage(cloud: Cloud,
                                                                                      client: TestClient) -> None:
    """Shelve (offloaded at once, Nova's shelved_offload_time 0): the flavor's charge stops while the server is
    SHELVED_OFFLOADED and starts again at the unshelve; the `-shelved` snapshot and a `server image create`
    snapshot are billed as image storage (GB-month, by their size), not as servers."""
    lab = Lab.of(cloud, client)
    server = lab.boot("saver")
    lab.advance("2h")
    lab.action(server, {"shelve": None})
    for _ in range(3):
        cloud.worker.run_due()
    status = client.get(f"/compute/v2.1/servers/{server}", headers=lab.demo).json()["server"]["status"]
    assert status == "SHELVED_OFFLOADED"
    assert any(e.action == "shelve_offload" for e in lab.events(server))
    before = sum(Decimal(li["total"]) for li in lab.lines(server))
    assert before >= 2 * price("m1.tiny")
    lab.advance("10h")
    assert sum(Decimal(li["total"]) for li in lab.lines(server)) == before  # nothing charged while offloaded
    shelved = client.get("/image/v2/images?name=saver-shelved", headers=lab.demo).json()["images"]
    assert [i["image_type"] for i in shelved] == ["snapshot"]
    (image_line,) = lab.lines(shelved[0]["id"])
    assert (image_line["category"], image_line["unit"]) == ("images", "GB-month")
    lab.action(server, {"unshelve": None})
    for _ in range(3):
        cloud.worker.run_due()
    lab.advance("1h")
    assert sum(Decimal(li["total"]) for li in lab.lines(server)) >= before + price("m1.tiny")

    r = client.post(f"/compute/v2.1/servers/{server}/action", json={"createImage": {"name": "kept"}},
                    headers={**lab.demo, "OpenStack-API-Version": "compute 2.45"})
    assert r.status_code == 202, r.text
    for _ in range(3):
        cloud.worker.run_due()
    lab.advance("1h")
    (snap_line,) = lab.lines(r.json()["image_id"])
    assert (snap_line["category"], snap_line["unit"], snap_line["type"]) == ("images", "GB-month", "image")
