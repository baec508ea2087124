"""OpenStack's own API tests (tempest) against a live StackLab.

Tempest lives in its own virtual environment (`.venv-tempest`, made by scripts/tempest-venv.sh when missing).
One live cloud is started, tempest is configured for it with dynamic credentials (tempest creates a project and
users per test class through the Keystone admin API and deletes them afterwards), and one bounded `tempest run`
covers the chosen tests of every service present in the catalog. The results are parsed from stestr's subunit
stream, written to `tempest-results.txt` at the repository root, and asserted per service: every chosen test
passes, except the ones listed in `expected_failures` with the reason (reported, never hidden).

Each service's suite (its regexes, its tempest.conf options, its known failures) is declared by its plugin
(`tempest=` in lab/cloud/<service>/plugin.py, the data in lab/cloud/<service>/tempest.py); SUITES loops over them.
A service that is not in the catalog is skipped with that reason.
"""

from __future__ import annotations

import csv
import io
import os
import re
import subprocess
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from lab.cloud.app import PLUGINS
from lab.cloud.plugin import AdminCredentials, load, load_plugins
from tests.conftest import ADMIN_PASSWORD, LiveCloud, start_live_cloud

pytestmark = pytest.mark.tempest

ROOT = Path(__file__).resolve().parents[2]
TEMPEST = ROOT / ".venv-tempest" / "bin" / "tempest"
RESULTS = ROOT / "tempest-results.txt"
RUN_TIMEOUT = 1200  # seconds for the whole `tempest run`; each test is also bounded by OS_TEST_TIMEOUT
TEST_TIMEOUT = 180
# A developer's narrower run (e.g. STACKLAB_TEMPEST_REGEX='tempest\.api\.volume\.admin\.test_groups'): only the
# tests it matches run, and a service none of whose tests it matches is skipped with that reason. Unset in CI.
ONLY = os.environ.get("STACKLAB_TEMPEST_REGEX", "")

Conf = dict[str, dict[str, str]]


@dataclass(frozen=True)
class Suite:
    """The tempest tests run for one service.

    regexes: stestr regexes (matched against test ids) of the tests that must pass;
    conf: tempest.conf options the service needs, made from the live cloud (e.g. an image id for compute);
    expected_failures: test id (or id prefix) -> why it fails; reported in the summary, not asserted."""

    service: str  # the tempest.api.<service> package (or a plugin's dotted package) whose tests are counted
    catalog_type: str
    service_available: str  # the [service_available] option (nova, glance, neutron, cinder), "" if none
    regexes: tuple[str, ...]
    conf: Callable[[LiveCloud, dict[str, str]], Conf] | None = None
    expected_failures: dict[str, str] = field(default_factory=dict)


def _admin_get(lab: LiveCloud, path: str) -> dict[str, Any]:
    """GET a path of the live cloud as the admin (for values tempest.conf needs, e.g. an image id)."""
    r = httpx.post(f"{lab.url}/identity/v3/auth/tokens", timeout=30, json={"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": "admin", "password": ADMIN_PASSWORD, "domain": {"name": "Default"}}}},
        "scope": {"project": {"name": "admin", "domain": {"name": "Default"}}}}})
    r.raise_for_status()
    got = httpx.get(f"{lab.url}{path}", headers={"X-Auth-Token": r.headers["x-subject-token"]}, timeout=30)
    got.raise_for_status()
    return got.json()  # type: ignore[no-any-return]


def _admin_credentials(lab: LiveCloud) -> AdminCredentials:
    return AdminCredentials(f"{lab.url}/identity/v3", "admin", ADMIN_PASSWORD, "admin", "Default")


def _suites() -> tuple[Suite, ...]:
    """Every plugin's tempest suite (lab/cloud/<service>/tempest.py), in plugin order."""
    suites = []
    for plugin in load_plugins(PLUGINS):
        t = plugin.tempest
        if t is None:
            continue
        make = load(t.conf) if t.conf else None
        conf = (lambda lab, _available, make=make, creds=t.credentials: make(
            lambda path: _admin_get(lab, path), *([_admin_credentials(lab)] if creds else []))) if make else None
        suites.append(Suite(t.package, t.catalog_type, t.service_available, t.regexes, conf,
                            dict(t.expected_failures)))
    return tuple(suites)


SUITES = _suites()


# ---------------------------------------------------------------------------------------------- the run
@dataclass
class Outcome:
    """Tempest's verdict on each test id that ran."""

    status: dict[str, str]  # test id (without the [tags] suffix) -> success | fail | skip
    output: str

    def for_service(self, service: str) -> dict[str, str]:
        prefix = f"{service}." if "." in service else f"tempest.api.{service}."  # a plugin's package, or tempest's
        return {test: status for test, status in self.status.items() if test.startswith(prefix)}


def _admin_catalog_types(lab: LiveCloud) -> set[str]:
    r = httpx.post(f"{lab.url}/identity/v3/auth/tokens", timeout=30, json={"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": "admin", "password": ADMIN_PASSWORD, "domain": {"name": "Default"}}}},
        "scope": {"project": {"name": "admin", "domain": {"name": "Default"}}}}})
    r.raise_for_status()
    return {entry["type"] for entry in r.json()["token"]["catalog"]}


def _tempest_conf(lab: LiveCloud, workspace: Path, suites: list[Suite]) -> str:
    conf: Conf = {
        "DEFAULT": {"log_file": str(workspace / "tempest.log"), "debug": "false"},
        "identity": {"uri_v3": f"{lab.url}/identity/v3", "auth_version": "v3", "region": "RegionOne",
                     "v3_endpoint_type": "public", "disable_ssl_certificate_validation": "true",
                     "admin_role": "admin", "default_domain_id": "default"},
        "auth": {"use_dynamic_credentials": "true", "admin_username": "admin", "admin_password": ADMIN_PASSWORD,
                 "admin_project_name": "admin", "admin_domain_name": "Default",
                 "default_credentials_domain_name": "Default", "create_isolated_networks": "false",
                 "tempest_roles": "member"},
        "identity-feature-enabled": {"api_v2": "false", "api_v3": "true", "trust": "false",
                                     "access_rules": "false", "security_compliance": "false",
                                     "project_tags": "true", "application_credentials": "false",
                                     "api_extensions": ""},
        "service_available": {"nova": "false", "glance": "false", "neutron": "false", "cinder": "false",
                              "swift": "false", "placement": "false", "heat": "false", "horizon": "false"},
        "validation": {"run_validation": "false"},
        "enforce_scope": {"keystone": "false", "nova": "false", "glance": "false", "neutron": "false",
                          "cinder": "false"},
    }
    for suite in suites:
        if suite.service_available:
            conf["service_available"][suite.service_available] = "true"
        if suite.conf is not None:
            for section, options in suite.conf(lab, conf["service_available"]).items():
                conf.setdefault(section, {}).update(options)
    return "".join(f"[{section}]\n" + "".join(f"{k} = {v}\n" for k, v in options.items()) + "\n"
                   for section, options in conf.items())


def _parse_subunit_csv(text: str) -> dict[str, str]:
    """subunit2csv rows (test, status, start, stop) -> {test id: status}, tags like [id-...] dropped."""
    statuses: dict[str, str] = {}
    for row in csv.DictReader(io.StringIO(text)):
        test = re.sub(r"\[.*\]$", "", row["test"])
        if test.startswith("setUpClass (") or test.startswith("tearDownClass ("):
            # A class-level fixture failing is reported under its class: count it as that class failing.
            test = test.split("(", 1)[1].rstrip(")")
        status = {"success": "success", "xfail": "success", "skip": "skip"}.get(row["status"], "fail")
        if status == "fail" or test not in statuses:
            statuses[test] = status
    return statuses


def _run_tempest(lab: LiveCloud, workspace: Path, suites: list[Suite]) -> Outcome:
    # Idempotent (a stamp file): returns at once when tempest is installed, installs it on a fresh machine.
    subprocess.run([str(ROOT / "scripts" / "tempest-venv.sh")], check=True, timeout=1800)
    bin_dir = TEMPEST.parent
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_") and k != "VIRTUAL_ENV"}
    env.update(PATH=f"{bin_dir}{os.pathsep}{env.get('PATH', '')}", OS_TEST_TIMEOUT=str(TEST_TIMEOUT),
               PYTHONWARNINGS="ignore")
    # Its own workspace registry, so nothing is left in ~/.tempest and reruns never clash on the name.
    subprocess.run([str(TEMPEST), "init", "--workspace-path", str(workspace.parent / "workspace.yaml"),
                    str(workspace)], check=True, env=env, timeout=120, capture_output=True)
    (workspace / "etc" / "tempest.conf").write_text(_tempest_conf(lab, workspace, suites))
    regex = ONLY or "|".join(f"(^{r})" for suite in suites for r in suite.regexes)
    run = subprocess.run([str(TEMPEST), "run", "--concurrency", "2", "--regex", regex], cwd=workspace, env=env,
                         timeout=RUN_TIMEOUT, capture_output=True, text=True)
    last = subprocess.run([str(bin_dir / "stestr"), "last", "--subunit"], cwd=workspace, env=env, timeout=120,
                          capture_output=True, check=True)
    # subunit2csv exits 1 when the stream holds a failure; its output is what matters.
    to_csv = subprocess.run([str(bin_dir / "subunit2csv")], input=last.stdout, env=env, timeout=120,
                            capture_output=True)
    return Outcome(_parse_subunit_csv(to_csv.stdout.decode()), run.stdout[-20000:] + run.stderr[-5000:])


def _summary(outcome: Outcome, present: list[Suite], absent: list[Suite]) -> str:
    lines = ["Tempest results (tests/tempest/test_tempest.py)", ""]
    for suite in present:
        results = outcome.for_service(suite.service)
        counts = {s: sum(1 for v in results.values() if v == s) for s in ("success", "fail", "skip")}
        lines.append(f"{suite.service}: {counts['success']} passed, {counts['fail']} failed, "
                     f"{counts['skip']} skipped")
        for test, status in sorted(results.items()):
            if status == "fail":
                reason = _expected_reason(suite, test)
                lines.append(f"  FAILED {test}" + (f"  (expected: {reason})" if reason else ""))
    for suite in absent:
        lines.append(f"{suite.service}: not run, no '{suite.catalog_type}' service in the catalog")
    return "\n".join(lines) + "\n"


def _expected_reason(suite: Suite, test: str) -> str | None:
    for prefix, reason in suite.expected_failures.items():  # a key ending in "$" is one exact test id
        if test == prefix[:-1] if prefix.endswith("$") else test.startswith(prefix):
            return reason
    return None


@dataclass
class TempestRun:
    outcome: Outcome
    present: list[Suite]
    absent: list[Suite]


@pytest.fixture(scope="module")
def tempest_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TempestRun]:
    """One live cloud and one tempest run for every suite whose service is in the catalog."""
    base = tmp_path_factory.mktemp("tempest")
    lab = start_live_cloud(base / "lab")
    try:
        types = _admin_catalog_types(lab)
        present = [s for s in SUITES if s.catalog_type in types]
        absent = [s for s in SUITES if s.catalog_type not in types]
        outcome = _run_tempest(lab, base / "workspace", present)
        RESULTS.write_text(_summary(outcome, present, absent))
        yield TempestRun(outcome, present, absent)
    finally:
        lab.stop()


@pytest.mark.parametrize("suite", SUITES, ids=[s.service for s in SUITES])
def test_tempest_service(tempest_run: TempestRun, suite: Suite) -> None:
    """Every chosen tempest test of the service passes, except its listed expected failures."""
    if suite in tempest_run.absent:
        pytest.skip(f"no '{suite.catalog_type}' service in the catalog of this cloud")
    results = tempest_run.outcome.for_service(suite.service)
    if ONLY and not results:
        pytest.skip(f"STACKLAB_TEMPEST_REGEX={ONLY!r} selects none of {suite.service}'s tests")
    assert results, f"no {suite.service} test ran:\n{tempest_run.outcome.output}"
    failed = sorted(t for t, s in results.items() if s == "fail" and _expected_reason(suite, t) is None)
    assert not failed, "tempest failures (see tempest-results.txt):\n" + textwrap.indent("\n".join(failed), "  ")
    now_passing = sorted(t for t, s in results.items() if s == "success" and _expected_reason(suite, t))
    assert not now_passing, f"listed as expected failures but passing now (remove them): {now_passing}"
