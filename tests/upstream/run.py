"""Run the OpenStack client projects' own functional tests against a lab: openstacksdk's
(`openstack/tests/functional/<folder>`) and python-openstackclient's (`openstackclient/tests/functional/<folder>`),
as shipped in the installed packages.

They expect a DevStack: clouds.yaml entries `devstack` (a member of `demo`), `devstack-alt` (a member of another
project), `devstack-admin` and `devstack-system-admin`. `prepare()` makes the alt user and writes those entries
for a lab; `run()` runs one folder in a subprocess (the suites read clouds.yaml at import) and counts the results
from its JUnit report.

    python -m tests.upstream.run --url http://127.0.0.1:8780 --admin-password PW sdk:network osc:network

prints passed / failed / skipped per folder (the counts in course/reference/upstream-tests.md come from it).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

SITE = Path(__import__("openstack").__file__).resolve().parents[1]
SUITES = {"sdk": SITE / "openstack" / "tests" / "functional", "osc": SITE / "openstackclient" / "tests" / "functional"}
CIRROS = "cirros-0.6.2-x86_64-disk"  # DevStack's image (stackrc's CIRROS_VERSION)
LVM_TYPE = "lvmdriver-1"  # DevStack's default volume type
ALT = ("alt_demo", "alt-demo-pw")  # DevStack's second member, in a project of the same name


def clouds_yaml(url: str, admin_password: str) -> dict[str, Any]:
    """DevStack's four clouds.yaml entries, mapped onto the lab's users."""
    def entry(**auth: str) -> dict[str, Any]:
        return {"auth": {"auth_url": f"{url}/identity", "user_domain_name": "Default", **auth},
                "region_name": "RegionOne", "interface": "public", "identity_api_version": 3}

    project = {"project_domain_name": "Default"}
    return {"clouds": {
        "devstack": entry(username="demo", password="demo", project_name="demo", **project),
        "devstack-alt": entry(username=ALT[0], password=ALT[1], project_name=ALT[0], **project),
        "devstack-admin": entry(username="admin", password=admin_password, project_name="admin", **project),
        "devstack-system-admin": entry(username="admin", password=admin_password, system_scope="all"),
    }}


def prepare(url: str, admin_password: str, folder: Path) -> Path:
    """The alt member and its project (idempotent), and the clouds.yaml naming all four; its path."""
    import openstack

    path = folder / "clouds.yaml"
    path.write_text(yaml.safe_dump(clouds_yaml(url, admin_password)))
    path.chmod(0o600)  # it holds passwords
    admin = openstack.connect(auth_url=f"{url}/identity", username="admin", password=admin_password,
                              project_name="admin", user_domain_name="Default", project_domain_name="Default",
                              region_name="RegionOne", identity_api_version="3")
    try:
        project = admin.identity.find_project(ALT[0]) or admin.identity.create_project(name=ALT[0],
                                                                                          domain_id="default")
        user = admin.identity.find_user(ALT[0]) or admin.identity.create_user(
            name=ALT[0], password=ALT[1], default_project_id=project.id, domain_id="default")
        member = admin.identity.find_role("member")
        admin.identity.assign_project_role_to_user(project, user, member)
        devstack_image(admin)
        devstack_volume_type(admin, [admin.identity.find_project(name, ignore_missing=False).id
                                     for name in ("demo", ALT[0], "admin")])
    finally:
        admin.close()
    return path


def devstack_image(admin: Any) -> None:
    """DevStack uploads `cirros-<version>-x86_64-disk`; OSC's compute tests boot the first image named
    `cirros-*-disk` and fail without one. The lab's `cirros` (the same data, public) under that name too."""
    if admin.image.find_image(CIRROS) is not None:
        return
    source = admin.image.find_image("cirros", ignore_missing=False)
    data = admin.image.download_image(source).content
    admin.image.create_image(name=CIRROS, data=data, disk_format=source.disk_format,
                             container_format=source.container_format, visibility="public",
                             min_ram=source.min_ram or 0, wait=True,
                             **{k: v for k, v in (source.properties or {}).items()
                                if k.startswith(("hw_", "os_", "kernel", "ramdisk"))})


def devstack_volume_type(admin: Any, project_ids: list[str]) -> None:
    """DevStack's Cinder has `lvmdriver-1` as its default type (cinder.conf's default_volume_type); OSC's
    volume tests check `volume type list --default` names it. The lab's one default is `__DEFAULT__`, so the
    runner makes `lvmdriver-1` the default of each project the suites use (3.62's per-project defaults)."""
    vtype = admin.block_storage.find_type(LVM_TYPE) or admin.block_storage.create_type(name=LVM_TYPE)
    for project_id in project_ids:
        response = admin.block_storage.put(f"/default-types/{project_id}", microversion="3.62",
                                           json={"default_type": {"volume_type": vtype.id}})
        response.raise_for_status()


@dataclass
class Result:
    """What one folder's run counted, with the failed tests' ids and first message line."""

    suite: str
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    failures: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.suite}: {self.passed} passed, {self.failed} failed, {self.skipped} skipped"


def run(suite: str, config: Path, tests: list[str] | None = None, timeout: int = 1800) -> Result:
    """Run `suite` ("sdk:network", "osc:identity", ...) or only `tests` (ids below that folder, such as
    "v2/test_network.py::TestNetwork::test_list") with `config` as clouds.yaml."""
    project, folder = suite.split(":")
    root = SUITES[project] / folder
    with tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch) / "report.xml"
        # OSC's tests run `openstack` with every OS_* variable removed: it finds clouds.yaml in the home folder.
        home_config = Path(scratch) / ".config" / "openstack" / "clouds.yaml"
        home_config.parent.mkdir(parents=True)
        home_config.write_bytes(config.read_bytes())
        home_config.chmod(0o600)
        # openstacksdk's image tests upload a file of the repository they run from (DevStack runs them there).
        (Path(scratch) / "CONTRIBUTING.rst").write_text("Uploaded as image data by openstacksdk's image tests.\n" * 64)
        env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
        env.update(OS_CLIENT_CONFIG_FILE=str(config), OS_CLOUD="devstack", HOME=scratch,
                   XDG_CONFIG_HOME=str(Path(scratch) / ".config"),
                   # as the projects' tox.ini sets it for their functional runs (the unit tests' default is 5 s)
                   OS_TEST_TIMEOUT="600", OPENSTACKSDK_FUNC_TEST_TIMEOUT="120",
                   PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}")
        targets = [str(root / t) for t in tests] if tests else [str(root)]
        subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
                        f"--rootdir={scratch}", f"--junitxml={report}", "-o", "addopts=", *targets],
                       env=env, cwd=scratch, capture_output=True, timeout=timeout)
        return _count(suite, report)


def run_by_file(suite: str, config: Path, budget: int) -> Result:
    """Run `suite` one test file at a time within `budget` seconds in all, so a run cut by the budget keeps the
    counts of the files that finished; the files left (or cut) are named in `failures` as not run."""
    import time

    project, folder = suite.split(":")
    root = SUITES[project] / folder
    total = Result(suite)
    deadline = time.monotonic() + budget
    for path in sorted(root.rglob("test_*.py")):
        test = str(path.relative_to(root))
        left = int(deadline - time.monotonic())
        if left <= 0:
            total.failures[f"{test} (not run)"] = "the run's budget was spent"
            continue
        try:
            one = run(suite, config, [test], timeout=left)
        except subprocess.TimeoutExpired:
            total.failures[f"{test} (cut)"] = "the run's budget was spent while it ran"
            continue
        total.passed, total.failed, total.skipped = (total.passed + one.passed, total.failed + one.failed,
                                                     total.skipped + one.skipped)
        total.failures.update(one.failures)
    return total


def _count(suite: str, report: Path) -> Result:
    result = Result(suite)
    if not report.exists():
        result.failures["(collection)"] = "pytest wrote no report"
        return result
    for case in ET.parse(report).getroot().iter("testcase"):
        test = f"{case.get('classname')}::{case.get('name')}"
        outcome = next((child for child in case if child.tag in ("failure", "error", "skipped")), None)
        if outcome is None:
            result.passed += 1
        elif outcome.tag == "skipped":
            result.skipped += 1
        else:
            result.failed += 1
            text = outcome.text or outcome.get("message") or ""
            lines = [line for line in text.splitlines() if "Exception" in line or "Error" in line]
            last = lines[-1] if lines else next(iter(text.strip().splitlines()[-1:]), "")
            result.failures[test] = last.strip()[:300]
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", required=True, help="the lab's base URL, e.g. http://127.0.0.1:8780")
    parser.add_argument("--admin-password", required=True)
    parser.add_argument("--failures", action="store_true", help="also list each failed test")
    parser.add_argument("--by-file", type=int, metavar="SECONDS",
                        help="run each folder one file at a time within this budget (a cut run keeps its counts)")
    parser.add_argument("suites", nargs="+", help="sdk:<folder> or osc:<folder>, e.g. sdk:network osc:identity")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        config = prepare(args.url, args.admin_password, Path(folder))
        for suite in args.suites:
            result = run_by_file(suite, config, args.by_file) if args.by_file else run(suite, config)
            print(result, flush=True)
            if args.failures:
                for test, message in result.failures.items():
                    print(f"  {test}: {message}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
