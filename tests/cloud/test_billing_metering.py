"""Metering and money, below the API: segments replayed from events, hour cuts, the price list, rounding."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from lab.cloud.billing import metering
from lab.cloud.billing.prices import DEFAULT_PRICE_FILE, amount_for, load_price_file, parse_money, parse_price_list
from lab.cloud.billing.rating import Usage, line_items
from lab.cloud.errors import BadRequest
from lab.cloud.events import Event
from tests.cloud.billing_support import plugin_meters

METERS = plugin_meters()

T0 = datetime(2026, 11, 21, 10, 20, 0)
TINY = {"flavor_id": "1", "flavor_name": "m1.tiny", "vcpus": 1, "ram": 512, "disk": 1}
SMALL = {"flavor_id": "2", "flavor_name": "m1.small", "vcpus": 1, "ram": 2048, "disk": 20}


def ev(minutes: float, action: str, rtype: str = "server", rid: str = "s1", **attrs: Any) -> Event:
    return Event(time=T0 + timedelta(minutes=minutes), project_id="p1", user_id="u", resource_type=rtype,
                 resource_id=rid, action=action, attributes=attrs)


def test_server_life_becomes_running_stopped_and_resized_segments() -> None:
    """create -> power_off -> power_on -> resize -> delete gives one segment per state, none after delete."""
    events = [ev(0, "create", name="vm", **TINY), ev(1, "status", status="ACTIVE", **TINY),
              ev(30, "power_off", **TINY), ev(90, "power_on", **TINY), ev(100, "resize", **SMALL),
              ev(160, "delete", **SMALL), ev(200, "power_on", **SMALL)]
    segs = metering.segments_from_events(events, METERS)
    assert [(s.state.meter, s.state.variant, s.start - T0, s.end - T0 if s.end else None) for s in segs] == [
        ("server", "m1.tiny", timedelta(0), timedelta(minutes=30)),
        ("server.stopped", "m1.tiny", timedelta(minutes=30), timedelta(minutes=90)),
        ("server", "m1.tiny", timedelta(minutes=90), timedelta(minutes=100)),
        ("server", "m1.small", timedelta(minutes=100), timedelta(minutes=160))]
    assert all(s.name == "vm" for s in segs)


def test_server_deleted_in_build_or_error_is_metered_until_the_delete() -> None:
    """A server that never became ACTIVE (BUILD, or ERROR) is metered from create to delete, never after."""
    build = metering.segments_from_events([ev(0, "create", **TINY), ev(45, "delete", **TINY)], METERS)
    error = metering.segments_from_events([ev(0, "create", rid="s2", **TINY),
                                           ev(5, "status", rid="s2", status="ERROR", **TINY),
                                           ev(45, "delete", rid="s2", **TINY)], METERS)
    for segs in (build, error):
        assert [(s.start - T0, s.end - T0 if s.end else None) for s in segs] == [(timedelta(0),
                                                                                  timedelta(minutes=45))]


def test_volumes_snapshots_images_fips_routers_are_metered() -> None:
    """Sized resources carry their GB (images: bytes / GiB, none before upload); fips and routers count one."""
    events = [ev(0, "create", "volume", "v1", size=10, name="data"), ev(60, "resize", "volume", "v1", size=20),
              ev(120, "delete", "volume", "v1", size=20),
              ev(0, "create", "image", "i1", size=0, name="img"), ev(30, "upload", "image", "i1", size=3 * 1024**3),
              ev(0, "create", "floatingip", "f1", floating_ip_address="172.24.4.9"),
              ev(0, "create", "router", "r1", name="router1"), ev(10, "delete", "router", "r1"),
              ev(0, "create", "snapshot", "n1", size=10), ev(5, "create", "network", "x1")]
    segs = {(s.resource_id, s.state.variant): s for s in metering.segments_from_events(events, METERS)}
    assert set(segs) == {("v1", "10GB"), ("v1", "20GB"), ("i1", "3GB"), ("f1", ""), ("r1", ""), ("n1", "10GB")}
    assert segs[("i1", "3GB")].start == T0 + timedelta(minutes=30) and segs[("i1", "3GB")].end is None
    assert segs[("f1", "")].name == "172.24.4.9"
    assert segs[("v1", "20GB")].state.size == Decimal(20)


def test_hourly_usage_cuts_at_hour_boundaries_and_adds_up() -> None:
    """A 3-hour segment starting at :20 is four hour pieces whose milliseconds add to exactly 3 hours."""
    seg = metering.segments_from_events([ev(0, "create", **TINY), ev(180, "delete", **TINY)], METERS)
    hours = list(metering.hourly_usage(seg, datetime(2026, 11, 21), datetime(2026, 11, 22)))
    assert [h.period_start.hour for h in hours] == [10, 11, 12, 13]
    assert [h.milliseconds for h in hours] == [40 * 60_000, 3_600_000, 3_600_000, 20 * 60_000]
    assert sum(h.milliseconds for h in hours) == 3 * 3_600_000


def test_line_total_is_rounded_once_from_exact_usage() -> None:
    """Pieces are summed exactly and rounded half-up once: 3 h at 0.0125/h is 0.0375 -> 0.04, though each
    hour alone would round to 0.01."""
    usages = [Usage("p", "server", "s", "vm", "server", "m1.x", datetime(2026, 11, 1, h), datetime(2026, 11, 1, h),
                    datetime(2026, 11, 1, h + 1), 3_600_000, Decimal(1), Decimal("0.0125"), "hour", False)
              for h in range(3)]
    (line,) = line_items(usages, METERS)
    assert line.quantity == Decimal(3) and line.total == Decimal("0.04")


def test_per_gb_month_prices_use_a_30_day_month() -> None:
    """10 GB for 72 hours at 0.10 per GB-month (720 h) is exactly 0.10."""
    assert amount_for(72 * 3_600_000, Decimal(10), Decimal("0.10"), "GB-month") == Decimal("0.1")


def test_shipped_price_list_loads_and_prices_unlisted_flavors_by_size() -> None:
    """The default list prices m1.tiny from its table and an unlisted flavor per vCPU and GB of RAM; a stopped
    server pays the stopped factor."""
    prices, digest = load_price_file(DEFAULT_PRICE_FILE, METERS)
    assert len(digest) == 64
    assert prices.rate("server", "m1.tiny").price == Decimal("0.010")
    assert prices.rate("server", "custom", vcpus=2, ram_mb=4096).price == Decimal("0.040")
    assert prices.rate("server.stopped", "m1.tiny").price == Decimal("0.0025")
    assert prices.rate("volume", "10GB").unit == "GB-month"


@pytest.mark.parametrize("change,message", [
    ({"volume": {"price": "-1", "unit": "GB-month"}}, "must not be negative"),
    ({"router": {"price": "0.01", "unit": "GB-month"}}, "router.unit must be one of"),
    ({"volume": {"price": "abc"}}, "is not an amount"),
    ({"bandwidth": {"price": "1"}}, "unknown key(s) in the price list: bandwidth"),
    ({"server": {"stopped_factor": "2"}}, "share of the running price"),
])
def test_bad_price_lists_are_refused_with_the_reason(change: dict[str, Any], message: str) -> None:
    """Validation names what is wrong."""
    import yaml

    document = yaml.safe_load(DEFAULT_PRICE_FILE.read_text())
    document.update(change)
    with pytest.raises(BadRequest) as exc:
        parse_price_list(document, METERS)
    assert message in exc.value.message


def test_money_is_never_a_float() -> None:
    """Amounts parse from strings exactly; NaN, booleans and negatives are refused."""
    assert parse_money("0.10", "a") + parse_money("0.20", "a") == Decimal("0.30")
    for bad in ("nan", True, None, "-5", "Infinity"):
        with pytest.raises(BadRequest):
            parse_money(bad, "amount")


def test_price_file_errors_name_the_file(tmp_path: Path) -> None:
    """A broken price file fails at load with its path in the message."""
    path = tmp_path / "prices.yaml"
    path.write_text("server: [1, 2\n")
    with pytest.raises(ValueError, match=str(path)):
        load_price_file(path, METERS)


def test_backups_are_sized_and_a_transfer_moves_the_bill() -> None:
    """A backup is metered by its GB like a volume; a volume transferred at minute 60 is the giver's before and
    the receiver's after, at the same size."""
    backup = metering.segments_from_events([ev(0, "create", "backup", "b1", size=2), ev(60, "delete", "backup", "b1")],
                                           METERS)
    assert [(s.project_id, s.state.size, s.end - s.start) for s in backup] == [("p1", 2, timedelta(minutes=60))]
    moved = metering.segments_from_events([ev(0, "create", "volume", "v1", size=1),
                                           ev(60, "transfer", "volume", "v1", size=1, to_project_id="p2")], METERS)
    assert [(s.project_id, s.start, s.end) for s in moved] == [("p1", T0, T0 + timedelta(minutes=60)),
                                                              ("p2", T0 + timedelta(minutes=60), None)]
