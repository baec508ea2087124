"""Parity with real OpenStack Zed: the scenarios recorded against the reference cloud (tests/parity/recordings,
`make parity-record`) run again against a live lab, and every request must answer with the same status, headers
and body shape (tests.parity.compare), except the differences kept on purpose in differences.yaml."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import ADMIN_PASSWORD, start_live_cloud
from tests.parity.compare import Difference, compare, compare_bodies, load_kept
from tests.parity.record import RECORDINGS, run_scenarios
from tests.parity.scenarios import SCENARIOS

pytestmark = pytest.mark.e2e
HERE = Path(__file__).resolve().parent
DIFFERENCES = HERE / "differences.yaml"
DOCS_PAGE = HERE.parents[1] / "course" / "reference" / "differences.md"


def lab_clouds_yaml(url: str, path: Path) -> Path:
    """A clouds.yaml naming the lab as `stacklab` (admin) and `stacklab-demo`, like the reference cloud's."""
    def entry(user: str, password: str) -> dict[str, Any]:
        return {"auth": {"auth_url": f"{url}/identity", "username": user, "password": password,
                         "project_name": user, "user_domain_name": "Default", "project_domain_name": "Default"},
                "region_name": "RegionOne", "interface": "public", "identity_api_version": 3}

    path.write_text(yaml.safe_dump({"clouds": {"stacklab": entry("admin", ADMIN_PASSWORD),
                                               "stacklab-demo": entry("demo", "demo")}}))
    return path


@pytest.fixture(scope="module")
def differences(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Difference]]:
    """Every difference between the recordings and a fresh lab's run of the same scenarios."""
    root = tmp_path_factory.mktemp("parity")
    lab = start_live_cloud(root / "lab")
    try:
        replayed = run_scenarios(lab_clouds_yaml(lab.url, root / "clouds.yaml"), "stacklab", "stacklab-demo",
                                 list(SCENARIOS))
    except Exception as error:
        raise RuntimeError(f"the replay failed: {error}\n{lab.why_down()}") from error
    finally:
        lab.stop()
    found: list[Difference] = []
    for name, exchanges in replayed.items():
        found.extend(compare(name, json.loads((RECORDINGS / f"{name}.json").read_text()), exchanges))
    yield found


def test_every_scenario_is_recorded() -> None:
    """One recording per scenario and none for a scenario that is gone."""
    assert sorted(p.stem for p in RECORDINGS.glob("*.json")) == sorted(SCENARIOS)
    for path in RECORDINGS.glob("*.json"):
        assert json.loads(path.read_text()), f"{path.name} recorded no request"


def test_lab_answers_like_the_reference(differences: list[Difference]) -> None:
    """Every request answers as OpenStack Zed did, but for the differences listed in differences.yaml."""
    kept = load_kept(DIFFERENCES)
    new = [d for d in differences if not any(k.matches(d) for k in kept)]
    assert not new, f"{len(new)} differences not in differences.yaml:\n" + "\n".join(map(str, new))


def test_every_kept_difference_still_happens(differences: list[Difference]) -> None:
    """A listed difference that the lab no longer shows is taken out of differences.yaml (and the docs)."""
    stale = [k for k in load_kept(DIFFERENCES) if not any(k.matches(d) for d in differences)]
    assert not stale, "no longer different (remove from differences.yaml):\n" + "\n".join(map(repr, stale))


def test_docs_page_shows_every_kept_difference() -> None:
    """course/reference/differences.md carries every entry of differences.yaml with its reason."""
    page = " ".join(DOCS_PAGE.read_text().split())
    for kept in load_kept(DIFFERENCES):
        assert " ".join(kept.reason.split()) in page, kept.reason


def test_shape_comparison_sees_keys_types_enumerations_and_messages() -> None:
    """The comparison reports a missing key, an extra key, a changed type, a changed status and a changed
    error message, and ignores ids, names and list lengths."""
    ref = {"server": {"id": "<uuid>", "name": "a", "status": "ACTIVE", "addresses": {"p": [{"addr": "<ipv4>"}]},
                      "locked": False, "metadata": {}}}
    same = {"server": {"id": "<uuid>", "name": "b", "status": "ACTIVE", "locked": True, "metadata": {},
                       "addresses": {"p": [{"addr": "<ipv4>"}, {"addr": "<ipv4>"}]}}}
    assert compare_bodies(ref, same, exact=False) == []
    other = {"server": {"id": "<uuid>", "name": "a", "status": "BUILD", "addresses": {"p": [{"addr": "<ipv4>"}]},
                        "locked": "no", "extra": 1}}
    assert sorted((kind, path) for kind, path, _ in compare_bodies(ref, other, exact=False)) == [
        ("extra", "server.extra"), ("missing", "server.metadata"), ("type", "server.locked"),
        ("value", "server.status")]
    assert [k for k, _, _ in compare_bodies({"itemNotFound": {"message": "Flavor x could not be found."}},
                                            {"itemNotFound": {"message": "Flavor x not found."}}, exact=True)] == [
        "value"]
