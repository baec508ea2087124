"""The lab admin API at /lab/v1: the lab clock, admin-only, in the catalog as type `stacklab`."""

from __future__ import annotations

from datetime import datetime

from starlette.testclient import TestClient

from lab.cloud.app import Cloud

SECONDS_PER_DAY = 86400


def test_catalog_lists_the_lab_api(client: TestClient, as_admin: dict[str, str]) -> None:
    """The lab API is in the catalog under type and name `stacklab`, at /lab/v1."""
    catalog = client.get("/identity/v3/auth/catalog", headers=as_admin).json()["catalog"]
    entry = next(s for s in catalog if s["type"] == "stacklab")
    assert entry["name"] == "stacklab"
    assert {e["url"] for e in entry["endpoints"]} == {"http://127.0.0.1:8780/lab/v1"}


def test_clock_show_starts_with_no_offset(client: TestClient, as_admin: dict[str, str], cloud: Cloud) -> None:
    """A fresh lab's clock runs at real time: offset 0, `now` close to the cloud's own clock."""
    r = client.get("/lab/v1/clock", headers=as_admin)
    assert r.status_code == 200
    body = r.json()["clock"]
    assert body["offset"] == "0s" and body["offset_seconds"] == 0
    now = datetime.strptime(body["now"], "%Y-%m-%dT%H:%M:%S.%fZ")
    assert abs((cloud.clock.now() - now).total_seconds()) < 60


def test_clock_advance_moves_lab_time_forward(client: TestClient, as_admin: dict[str, str], cloud: Cloud) -> None:
    """POST /clock/advance {"by": "2h"} adds to the offset, persists it, and answers the new reading."""
    r = client.post("/lab/v1/clock/advance", json={"by": "2h"}, headers=as_admin)
    assert r.status_code == 200, r.text
    assert r.json()["clock"]["offset"] == "2h"
    assert r.json()["clock"]["offset_seconds"] == 2 * 3600
    cloud.clock.load()  # what a restarted process would read
    assert cloud.clock.offset.total_seconds() == 2 * 3600
    r = client.post("/lab/v1/clock/advance", json={"by": "1m30s"}, headers=as_admin)
    assert r.json()["clock"]["offset"] == "2h 1m 30s"


def test_clock_advance_past_token_lifetime_keeps_tokens(client: TestClient, as_admin: dict[str, str],
                                                        cloud: Cloud) -> None:
    """Tokens expire by real time, not lab time: after advancing 30d the admin's token still works."""
    r = client.post("/lab/v1/clock/advance", json={"by": "30d"}, headers=as_admin)
    assert r.status_code == 200 and r.json()["clock"]["offset"] == "30d"
    assert client.get("/lab/v1/clock", headers=as_admin).json()["clock"]["offset_seconds"] == 30 * SECONDS_PER_DAY


def test_clock_advance_bad_duration_is_400_and_changes_nothing(client: TestClient, as_admin: dict[str, str],
                                                               cloud: Cloud) -> None:
    """An unreadable duration is Keystone-style 400 naming the accepted forms; the offset stays 0."""
    r = client.post("/lab/v1/clock/advance", json={"by": "soon"}, headers=as_admin)
    assert r.status_code == 400
    error = r.json()["error"]
    assert error["code"] == 400 and error["title"] == "Bad Request"
    assert "cannot read duration 'soon'" in error["message"] and "30d" in error["message"]
    assert cloud.clock.offset.total_seconds() == 0


def test_clock_cannot_go_backwards_or_stand_still(client: TestClient, as_admin: dict[str, str],
                                                  cloud: Cloud) -> None:
    """Negative and zero durations are refused with 400; the clock only moves forward."""
    for by in ("-3d", "0s"):
        r = client.post("/lab/v1/clock/advance", json={"by": by}, headers=as_admin)
        assert r.status_code == 400, by
        assert r.json()["error"]["message"].startswith("Invalid input for field 'by'")
    assert "only moves forward" in r.json()["error"]["message"]
    assert cloud.clock.offset.total_seconds() == 0


def test_clock_advance_needs_a_duration(client: TestClient, as_admin: dict[str, str], cloud: Cloud) -> None:
    """A body without `by` (or with a number) is 400; malformed JSON too."""
    for body in ({}, {"by": 30}):
        r = client.post("/lab/v1/clock/advance", json=body, headers=as_admin)
        assert r.status_code == 400
        assert r.json()["error"]["message"] == "Invalid input for field 'by': a duration such as '30d' is required."
    r = client.post("/lab/v1/clock/advance", content=b"{nope", headers={**as_admin,
                                                                        "Content-Type": "application/json"})
    assert r.status_code == 400 and r.json()["error"]["message"].startswith("Malformed request body")
    assert cloud.clock.offset.total_seconds() == 0


def test_clock_is_admin_only(client: TestClient, as_demo: dict[str, str], cloud: Cloud) -> None:
    """A project member gets 403 for both reading and advancing the clock; nothing moves."""
    r = client.get("/lab/v1/clock", headers=as_demo)
    assert r.status_code == 403
    assert r.json() == {"error": {"code": 403, "title": "Forbidden",
                                  "message": "Policy doesn't allow lab:admin to be performed."}}
    r = client.post("/lab/v1/clock/advance", json={"by": "1d"}, headers=as_demo)
    assert r.status_code == 403
    assert r.json()["error"]["message"] == "Policy doesn't allow lab:clock_advance to be performed."
    assert cloud.clock.offset.total_seconds() == 0


def test_clock_needs_a_token(client: TestClient) -> None:
    """No token: Keystone's 401."""
    r = client.get("/lab/v1/clock")
    assert r.status_code == 401
    assert r.json()["error"]["message"] == "The request you have made requires authentication."


def test_unknown_lab_route_is_404_keystone_style(client: TestClient, as_admin: dict[str, str]) -> None:
    r = client.get("/lab/v1/nothing-here", headers=as_admin)
    assert r.status_code == 404
    assert r.json() == {"error": {"code": 404, "title": "Not Found", "message": "The resource could not be found."}}
