"""Metrics (Gnocchi v1) through the API: the collector's instance resources and measures on the lab clock
(busy and idle servers, a clock jump filled and bounded, `ended_at` on delete, retention), archive policies
and rules (admin only), metrics and measures pushed and read back aggregated, search, isolation between
projects, and bad input answered with Gnocchi's 400/404 body changing nothing; under the libvirt driver (its
test driver) the measures are the domain's own counters."""

from __future__ import annotations

import json
import struct
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select
from starlette.testclient import TestClient

from lab.cloud.app import Cloud
from lab.cloud.metric.collector import MAX_FILL, collect
from lab.cloud.metric.models import CollectorState, MeasureBlock
from lab.config import Settings
from tests.cloud.compute_support import API, create_server
from tests.cloud.test_tiny_guest_image import libvirt_settings, start
from tests.conftest import get_token

M = "/metric/v1"


def _blocks(cloud: Cloud) -> int:
    with cloud.db.read() as db:
        return int(db.scalar(select(func.count()).select_from(MeasureBlock)) or 0)


def test_collector_meters_servers_on_the_lab_clock(client: TestClient, cloud: Cloud, as_demo: dict[str, str],
                                                   as_admin: dict[str, str]) -> None:
    busy = create_server(client, cloud, as_demo, "busy", metadata={"load": "busy"})
    idle = create_server(client, cloud, as_demo, "idle")
    collect(cloud)
    listed = client.get(f"{M}/resource/instance", headers=as_demo).json()
    by_name = {r["display_name"]: r for r in listed}
    assert set(by_name) == {"busy", "idle"}
    assert by_name["busy"]["id"] == busy["id"] and by_name["busy"]["ended_at"] is None
    assert set(by_name["busy"]["metrics"]) == {"cpu_util", "memory.usage", "network.incoming.bytes",
                                               "network.outgoing.bytes"}

    cloud.clock.advance(timedelta(hours=1))
    collect(cloud)
    series = client.get(f"{M}/resource/instance/{busy['id']}/metric/cpu_util/measures", headers=as_demo).json()
    calm = client.get(f"{M}/resource/instance/{idle['id']}/metric/cpu_util/measures?aggregation=max",
                      headers=as_demo).json()
    assert len(series) >= 12 and all(g == 300.0 for _, g, _ in series)
    assert min(v for _, _, v in series) >= 85 and max(v for _, _, v in calm) <= 6
    rx = client.get(f"{M}/resource/instance/{busy['id']}/metric/network.incoming.bytes/measures",
                    headers=as_demo).json()
    assert [v for _, _, v in rx] == sorted(v for _, _, v in rx) and rx[-1][2] > rx[0][2]  # cumulative

    # A long jump is filled, bounded per metric; retention keeps the policy's 30 days only, in a few KB.
    cloud.clock.advance(timedelta(days=40))
    collect(cloud)
    month = client.get(f"{M}/resource/instance/{busy['id']}/metric/cpu_util/measures", headers=as_demo).json()
    assert len(series) < len(month) <= len(series) + MAX_FILL
    assert _blocks(cloud) <= 2 * 4 * 31  # a day per row per metric, older days pruned

    # Deleting the server ends its resource; another project sees none of it.
    assert client.delete(f"{API}/servers/{idle['id']}", headers=as_demo).status_code == 204
    cloud.worker.run_due()
    collect(cloud)
    shown = client.get(f"{M}/resource/instance/{idle['id']}", headers=as_demo).json()
    assert shown["ended_at"] is not None
    other = {"X-Auth-Token": _alt_token(client, as_admin)}
    assert client.get(f"{M}/resource/instance", headers=other).json() == []
    r = client.get(f"{M}/resource/instance/{busy['id']}", headers=other)
    assert r.status_code == 404 and r.json()["description"] == f"Resource {busy['id']} does not exist"
    metric_id = by_name["busy"]["metrics"]["cpu_util"]
    assert client.get(f"{M}/metric/{metric_id}/measures", headers=other).status_code == 404
    # The student reads, but may not delete, what the collector made (Gnocchi's admin_or_creator).
    assert client.delete(f"{M}/resource/instance/{busy['id']}", headers=as_demo).status_code == 403

    found = client.post(f"{M}/search/resource/instance?filter=display_name%3D'busy'", headers=as_demo).json()
    assert [r["id"] for r in found] == [busy["id"]]
    found = client.post(f"{M}/search/resource/instance", headers=as_demo,
                        json={"and": [{"=": {"ended_at": None}}, {"like": {"display_name": "b%"}}]}).json()
    assert [r["id"] for r in found] == [busy["id"]]


def _alt_token(client: TestClient, as_admin: dict[str, str]) -> str:
    """A member of a second project."""
    p = client.post("/identity/v3/projects", headers=as_admin, json={"project": {"name": "alt"}}).json()["project"]
    u = client.post("/identity/v3/users", headers=as_admin, json={"user": {"name": "alt", "password": "alt-pw",
                                                                           "default_project_id": p["id"]}}).json()
    roles = client.get("/identity/v3/roles?name=member", headers=as_admin).json()["roles"]
    client.put(f"/identity/v3/projects/{p['id']}/users/{u['user']['id']}/roles/{roles[0]['id']}", headers=as_admin)
    return get_token(client, "alt", "alt-pw", "alt")


def test_archive_policies_metrics_and_measures(client: TestClient, as_demo: dict[str, str],
                                               as_admin: dict[str, str]) -> None:
    names = [p["name"] for p in client.get(f"{M}/archive_policy/", headers=as_demo).json()]
    assert names == ["bool", "high", "low", "medium"]
    low = client.get(f"{M}/archive_policy/low", headers=as_demo).json()
    assert low["definition"] == [{"granularity": "0:05:00", "points": 8640, "timespan": "30 days, 0:00:00"}]

    body = {"name": "lab", "definition": [{"granularity": "1 min", "timespan": "1 hour"}, {"granularity": 3600,
                                                                                          "points": 24}],
            "aggregation_methods": ["mean", "max"]}
    r = client.post(f"{M}/archive_policy", headers=as_demo, json=body)
    assert r.status_code == 403 and "create archive policy" in r.json()["description"]
    r = client.post(f"{M}/archive_policy", headers=as_admin, json=body)
    assert r.status_code == 201, r.text
    assert r.json()["definition"][0] == {"granularity": "0:01:00", "points": 60, "timespan": "1:00:00"}
    assert client.post(f"{M}/archive_policy", headers=as_admin, json=body).status_code == 409
    bad = {**body, "name": "bad", "definition": [{"granularity": "soon", "points": 5}]}
    r = client.post(f"{M}/archive_policy", headers=as_admin, json=bad)
    assert r.status_code == 400 and client.get(f"{M}/archive_policy/bad", headers=as_admin).status_code == 404

    rule = {"name": "lab-rule", "metric_pattern": "lab.*", "archive_policy_name": "lab"}
    assert client.post(f"{M}/archive_policy_rule", headers=as_admin, json=rule).status_code == 201
    metric = client.post(f"{M}/metric", headers=as_demo, json={"name": "lab.temp", "unit": "C"}).json()
    assert metric["archive_policy_name"] == "lab"  # from the rule (a create names the policy, as Gnocchi's does)

    points = [{"timestamp": "2026-12-01T10:00:10", "value": 4}, {"timestamp": "2026-12-01T10:00:50", "value": 8},
              {"timestamp": "2026-12-01T10:01:30+00:00", "value": 1}]
    assert client.post(f"{M}/metric/{metric['id']}/measures", headers=as_demo, json=points).status_code == 202
    mean = client.get(f"{M}/metric/{metric['id']}/measures?granularity=60", headers=as_demo).json()
    assert mean == [["2026-12-01T10:00:00.000000+00:00", 60.0, 6.0], ["2026-12-01T10:01:00.000000+00:00", 60.0, 1.0]]
    hourly = client.get(f"{M}/metric/{metric['id']}/measures?aggregation=max&granularity=1h", headers=as_demo)
    assert hourly.json() == [["2026-12-01T10:00:00.000000+00:00", 3600.0, 8.0]]
    later = client.get(f"{M}/metric/{metric['id']}/measures?start=2026-12-01T10:01:00&granularity=60",
                       headers=as_demo).json()
    assert [v for _, _, v in later] == [1.0]

    r = client.get(f"{M}/metric/{metric['id']}/measures?aggregation=std2", headers=as_demo)
    # webob escapes Gnocchi's descriptions as HTML
    assert r.status_code == 404 and "Aggregation method &#x27;std2&#x27;" in r.json()["description"]
    r = client.post(f"{M}/metric/{metric['id']}/measures", headers=as_demo,
                    json=[{"timestamp": "2026-12-01T11:00:00", "value": 2}, {"timestamp": "noon", "value": 3}])
    assert r.status_code == 400 and r.json()["code"] == 400
    assert len(client.get(f"{M}/metric/{metric['id']}/measures?granularity=60", headers=as_demo).json()) == 2

    r = client.delete(f"{M}/archive_policy/lab", headers=as_admin)
    assert r.status_code == 400 and "still in use" in r.json()["description"]
    assert client.delete(f"{M}/metric/{metric['id']}", headers=as_demo).status_code == 204
    assert client.get(f"{M}/metric/{metric['id']}", headers=as_demo).status_code == 404


def test_user_resources_with_metrics(client: TestClient, as_demo: dict[str, str]) -> None:
    r = client.post(f"{M}/resource/generic", headers=as_demo, json={
        "id": "my-sensor", "metrics": {"temperature": {"archive_policy_name": "low"}}})
    assert r.status_code == 201, r.text
    made = r.json()
    assert made["original_resource_id"] == "my-sensor" and made["id"] != "my-sensor"
    again = client.post(f"{M}/resource/generic", headers=as_demo, json={"id": "my-sensor"})
    assert again.status_code == 409 and again.json()["description"] == "Resource my-sensor already exists"
    r = client.post(f"{M}/resource/instance", headers=as_demo, json={"id": "x", "display_name": "x"})
    assert r.status_code == 400 and "flavor_id" in r.json()["description"]
    point = [{"timestamp": "2026-12-01T10:00:00", "value": 21.5}]
    path = f"{M}/resource/generic/{made['id']}/metric/temperature/measures"
    assert client.post(path, headers=as_demo, json=point).status_code == 202
    assert client.get(path, headers=as_demo).json() == [["2026-12-01T10:00:00.000000+00:00", 300.0, 21.5]]
    assert client.delete(f"{M}/resource/generic/{made['id']}", headers=as_demo).status_code == 204
    assert client.get(path, headers=as_demo).status_code == 404


def test_resource_types_an_operator_makes(client: TestClient, as_demo: dict[str, str],
                                          as_admin: dict[str, str]) -> None:
    """Gnocchi's resource types: created and patched by the operator (JSON patch), used, deleted once unused;
    bodies only as JSON (415), answers only as JSON (406)."""
    body = {"name": "sensor", "attributes": {"room": {"type": "string", "max_length": 8},
                                             "floor": {"type": "number", "min": 0, "required": False}}}
    assert client.post(f"{M}/resource_type", headers=as_demo, json=body).status_code == 403
    r = client.post(f"{M}/resource_type", headers=as_admin, json=body)
    assert r.status_code == 201 and r.headers["location"].endswith("/metric/v1/resource_type/sensor")
    assert r.json()["attributes"]["room"] == {"type": "string", "required": True, "min_length": 0, "max_length": 8}
    assert client.post(f"{M}/resource_type", headers=as_admin, json=body).status_code == 409
    made = client.post(f"{M}/resource/sensor", headers=as_demo, json={"id": "s1", "room": "lab-1", "floor": 2})
    assert made.status_code == 201 and made.json()["room"] == "lab-1", made.text
    too_long = client.post(f"{M}/resource/sensor", headers=as_demo, json={"id": "s2", "room": "a-long-room"})
    assert too_long.status_code == 400 and "room" in too_long.json()["description"]

    patch = [{"op": "add", "path": "/attributes/wing", "value": {"type": "string", "required": True,
                                                                   "options": {"fill": "east"}}},
             {"op": "remove", "path": "/attributes/floor"}]
    plain = client.patch(f"{M}/resource_type/sensor", headers=as_admin, json=patch)
    assert plain.status_code == 415  # a JSON patch says so in its content type
    r = client.patch(f"{M}/resource_type/sensor", headers={**as_admin, "content-type": "application/json-patch+json"},
                     content=json.dumps(patch))
    assert r.status_code == 200 and sorted(r.json()["attributes"]) == ["room", "wing"], r.text
    s1 = client.get(f"{M}/resource/sensor/s1", headers=as_demo).json()
    assert s1["wing"] == "east" and "floor" not in s1

    assert client.get(f"{M}/resource", headers=as_demo).json()["sensor"].endswith("/metric/v1/resource/sensor")
    assert client.get(f"{M}/resource/sensor", headers={**as_demo, "accept": "text/plain"}).status_code == 406
    r = client.delete(f"{M}/resource_type/sensor", headers=as_admin)
    assert r.status_code == 400 and "still in use" in r.json()["description"]
    assert client.delete(f"{M}/resource/sensor/s1", headers=as_demo).status_code == 204
    assert client.delete(f"{M}/resource_type/sensor", headers=as_admin).status_code == 204
    assert client.get(f"{M}/resource_type/sensor", headers=as_demo).status_code == 404
    r = client.delete(f"{M}/resource_type/instance", headers=as_admin)
    assert r.status_code == 400 and "built in" in r.json()["description"]


def f32(value: float) -> float:
    """A value as the measure blocks keep it (a float32 per slot; rounding is monotonic, so bounds hold)."""
    return float(struct.unpack("f", struct.pack("f", value))[0])


def test_the_libvirt_driver_reports_domain_stats_to_the_collector(settings: Settings, tmp_path: Path) -> None:
    """Under libvirt (its test driver, whose counters grow with real time) the collector samples the domain:
    `network.incoming.bytes` is the interface's rx counter read between two of our own reads, `cpu_util` the
    share of the domain's cpu_time over the lab interval, and the memory the driver cannot read (no balloon
    on the test driver) gives no `memory.usage` point rather than a false 0 MB."""
    cloud, client = start(libvirt_settings(settings, tmp_path))
    try:
        headers = {"X-Auth-Token": get_token(client, "demo", "demo", "demo")}
        server = create_server(client, cloud, headers, "domain")
        assert server["status"] == "ACTIVE" and cloud.compute_driver.name == "libvirt"
        collect(cloud)  # the instance resource and a first sample
        before = cloud.compute_driver.guest_stats(server["id"])
        cloud.clock.advance(timedelta(minutes=5))
        collect(cloud)
        after = cloud.compute_driver.guest_stats(server["id"])

        def measures(name: str) -> list[float]:
            r = client.get(f"{M}/resource/instance/{server['id']}/metric/{name}/measures", headers=headers)
            assert r.status_code == 200, r.text
            return [v for _t, _g, v in r.json()]

        rx = measures("network.incoming.bytes")
        assert before.net_rx_bytes > 0 and f32(before.net_rx_bytes) <= rx[-1] <= f32(after.net_rx_bytes)
        with cloud.db.read() as db:
            state = db.get(CollectorState, server["id"])
            assert state is not None
            assert before.cpu_time_ns <= state.counters["cpu_ns"] <= after.cpu_time_ns
        assert all(0.0 <= v <= 100.0 for v in measures("cpu_util")) and len(measures("cpu_util")) == 2
        assert after.memory_used_mb == 0 and measures("memory.usage") == []
    finally:
        cloud.close()
