"""Property tests (hypothesis): random sequences of server creates, resizes, stops, starts, deletes, lab-clock
advances, extra rating passes and restarts of the whole cloud on the same data. Whatever the sequence:

- every bill adds up (line items to the total, categories to the total);
- no interval is charged twice (one ledger row per resource, meter, variant and hour; at most an hour of use
  per resource and hour across its meters);
- nothing is charged after a delete, and everything before it is;
- the ledger equals what one pass over the whole event log computes, so re-runs and restarts in the middle
  never change the result.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from starlette.testclient import TestClient

from lab.cloud.app import Cloud, create_app
from lab.cloud.billing import metering
from lab.cloud.billing.metering import floor_hour, month_of, to_ms
from lab.cloud.billing.models import Charge
from lab.cloud.billing.rating import aggregate
from lab.cloud.events import Event
from lab.config import Settings
from tests.cloud.billing_support import API, B
from tests.cloud.compute_support import image_id
from tests.conftest import ADMIN_PASSWORD, get_token

OPS = st.one_of(
    st.tuples(st.just("create"), st.sampled_from(["1", "2", "42"])),
    st.tuples(st.just("delete"), st.integers(0, 5)),
    st.tuples(st.just("stop"), st.integers(0, 5)),
    st.tuples(st.just("start"), st.integers(0, 5)),
    st.tuples(st.just("resize"), st.integers(0, 5)),
    st.tuples(st.just("advance"), st.integers(1, 26 * 60)),  # minutes, up to a day and a bit
    st.tuples(st.just("rate"), st.just(0)),
    st.tuples(st.just("restart"), st.just(0)),
)
_runs = itertools.count()


@dataclass
class Session:
    cloud: Cloud
    client: TestClient
    admin: dict[str, str]
    demo: dict[str, str]
    image_id: str


@contextmanager
def lab_session(settings_: Settings) -> Iterator[Session]:
    cloud = Cloud(settings_)
    cloud.bootstrap()
    app = create_app(settings_, cloud=cloud, start_worker=False)
    try:
        with TestClient(app, base_url="http://127.0.0.1:8780", raise_server_exceptions=True) as client:
            demo = {"X-Auth-Token": get_token(client, "demo", "demo", "demo")}
            yield Session(cloud, client, {"X-Auth-Token": get_token(client, "admin", ADMIN_PASSWORD, "admin")},
                          demo, image_id(client, cloud, demo))
    finally:
        cloud.close()


def _run(s: Session, op: str, arg: Any, servers: list[str]) -> None:
    live = [sid for sid in servers if sid]
    target = live[arg % len(live)] if live and isinstance(arg, int) and op not in ("advance",) else None
    if op == "create":
        r = s.client.post(f"{API}/servers", json={"server": {"name": f"p{len(servers)}", "flavorRef": arg,
                                                             "imageRef": s.image_id}}, headers=s.demo)
        assert r.status_code == 202, r.text
        servers.append(r.json()["server"]["id"])
    elif op == "delete" and target:
        assert s.client.delete(f"{API}/servers/{target}", headers=s.demo).status_code == 204
        servers[servers.index(target)] = ""
    elif op in ("stop", "start") and target:
        r = s.client.post(f"{API}/servers/{target}/action", json={f"os-{op}": None}, headers=s.demo)
        assert r.status_code in (202, 409), r.text
    elif op == "resize" and target:
        flavor = s.client.get(f"{API}/servers/{target}", headers=s.demo).json()["server"]["flavor"]["id"]
        r = s.client.post(f"{API}/servers/{target}/action",
                          json={"resize": {"flavorRef": "2" if flavor != "2" else "3"}}, headers=s.demo)
        assert r.status_code in (202, 400, 409), r.text
        s.cloud.worker.run_due()
        s.client.post(f"{API}/servers/{target}/action", json={"confirmResize": None}, headers=s.demo)
    elif op == "advance":  # as `stacklab clock advance`; tokens outlive it (token_ttl_seconds below)
        r = s.client.post("/lab/v1/clock/advance", json={"by": f"{arg}m"}, headers=s.admin)
        assert r.status_code == 200, r.text
    elif op == "rate":
        s.cloud.billing.refresh()
    s.cloud.worker.run_due()


def check_invariants(s: Session) -> None:
    cloud = s.cloud
    cloud.billing.refresh()
    with cloud.db.read() as db:
        charges = list(db.scalars(select(Charge)))
        events = list(db.scalars(select(Event).order_by(Event.time, Event.id)))
        mark = cloud.billing.rating.rated_until(db)
    assert mark is not None
    # No interval charged twice: one row per key, and at most an hour of use per resource and hour.
    keys = [(c.resource_id, c.meter, c.variant, c.period_start) for c in charges]
    assert len(keys) == len(set(keys))
    per_hour: dict[tuple[str, Any], int] = defaultdict(int)
    for c in charges:
        per_hour[(c.resource_id, c.period_start)] += c.milliseconds
    assert max(per_hour.values(), default=0) <= 3_600_000
    # The ledger is what one pass over the whole log computes: splitting, re-running and restarting change nothing.
    start = floor_hour(events[0].time)
    segments = metering.segments_from_events(events, cloud.billing.common.meters)
    once = aggregate(metering.hourly_usage(segments, start, mark), cloud.billing.prices, {})
    assert sorted((u.resource_id, u.meter, u.variant, u.period_start, u.milliseconds, u.price) for u in once) == \
        sorted((c.resource_id, c.meter, c.variant, c.period_start, c.milliseconds, c.price) for c in charges)
    # Every server is charged from its create to its delete (or the mark), and never after its delete.
    servers = {e.resource_id for e in events if e.resource_type == "server"}
    for sid in servers:
        created = next(e.time for e in events if e.resource_id == sid and e.action == "create")
        deleted = next((e.time for e in events if e.resource_id == sid and e.action == "delete"), None)
        end = min(deleted, mark) if deleted else mark
        rows = [c for c in charges if c.resource_id == sid]
        assert sum(c.milliseconds for c in rows) == max(0, to_ms(end) - to_ms(max(created, start)))
        if deleted is not None:
            assert all(c.end <= deleted for c in rows)
    # Every bill adds up.
    months = {month_of(c.period_start) for c in charges} | {month_of(cloud.clock.now())}
    for month in months:
        r = s.client.get(f"{B}/bills/{month}", headers=s.demo)
        assert r.status_code == 200, r.text
        bill = r.json()["bill"]
        total = Decimal(bill["total"])
        assert sum(Decimal(li["total"]) for li in bill["line_items"]) == total
        assert sum(Decimal(c["total"]) for c in bill["categories"]) == total


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(ops=st.lists(OPS, min_size=2, max_size=10))
def test_random_histories_bill_correctly(tmp_path: Path, ops: list[tuple[str, Any]]) -> None:
    """Any history of server operations, clock advances, re-runs and restarts bills consistently."""
    lab_settings = Settings(data_dir=tmp_path / f"lab{next(_runs)}", admin_password=ADMIN_PASSWORD,
                            boot_seconds=0.0, port=8780, host="127.0.0.1", token_ttl_seconds=10**8)
    servers: list[str] = []
    pending = list(ops) + [("advance", 90)]
    while pending:
        with lab_session(lab_settings) as s:
            while pending:
                op, arg = pending.pop(0)
                if op == "restart":
                    break  # leave the session: the cloud closes and the next one starts on the same data
                _run(s, op, arg, servers)
            if not pending:
                check_invariants(s)
