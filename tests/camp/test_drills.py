"""Troubleshooting drills as a class runs them, against the shared live cloud: the instructor starts a drill
for a fresh student, the cloud's check fails; the drill's documented repair, run with the real `openstack` CLI
as the student (or as the admin, for the drills only an admin can repair), makes it pass and is recorded; the
instructor's undo leaves nothing of the drill in the project. Plus what a student may not do."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from lab.camp.drills import load_drills
from tests.conftest import LiveCloud, user_env

pytestmark = pytest.mark.e2e

DRILLS = load_drills()


@pytest.fixture(scope="module")
def drill_class(live_cloud: LiveCloud) -> dict[str, dict[str, Any]]:
    """Four fresh students, one per group of drills that can run side by side (GROUPS)."""
    admin = live_cloud.sdk()
    lab = f"{live_cloud.url}/lab/v1"
    r = admin.session.post(f"{lab}/classes", json={"class": {"name": "drills", "students": 4, "prefix": "dr"}})
    assert r.status_code == 201, r.text
    made = {}
    for name in r.json()["class"]["planned_students"]:
        s = admin.session.post(f"{lab}/classes/drills/students", json={"student": {"name": name}})
        assert s.status_code == 201, s.text
        made[name] = s.json()["student"]
    return made


def connect(cloud: LiveCloud, student: dict[str, Any]) -> Any:
    import openstack

    return openstack.connect(auth_url=f"{cloud.url}/identity", username=student["name"],
                             password=student["password"], project_name=student["name"],
                             user_domain_name="Default", project_domain_name="Default", region_name="RegionOne",
                             interface="public", identity_api_version="3")


def call(conn: Any, cloud: LiveCloud, method: str, path: str, body: Any = None) -> Any:
    return conn.session.request(f"{cloud.url}/lab/v1{path}", method, json=body, raise_exc=False)


def openstack_cli(cloud: LiveCloud, commands: list[str], student: dict[str, Any] | None, cwd: Path) -> None:
    """The `openstack` CLI, as the student or (None) as the admin, given `commands` on its standard input (its
    interactive shell): one process, one login, for every repair. Files it writes (an image saved) go in `cwd`."""
    env = cloud.os_env("admin") if student is None else cloud.os_env(student["name"], student["name"],
                                                                     student["password"])
    cli = str(Path(sys.executable).with_name("openstack"))
    result = subprocess.run([cli], input="\n".join(commands) + "\n", env=env, capture_output=True, text=True,
                            timeout=300, cwd=cwd)
    # The shell prints a failed command's error on stderr and carries on (its own exit status is 1 at EOF).
    assert not result.stderr.strip(), \
        f"openstack {commands}: {result.stdout}\n{result.stderr}"


def leftovers(admin: Any, project_id: str) -> list[str]:
    """The names of every drill-made resource in the project."""
    found = [n.name for n in admin.network.networks(project_id=project_id)]
    found += [r.name for r in admin.network.routers(project_id=project_id)]
    found += [g.name for g in admin.network.security_groups(project_id=project_id)]
    found += [i.name for i in admin.image.images(owner=project_id)]
    found += [s.name for s in admin.compute.servers(all_projects=True, project_id=project_id)]
    found += [v.name for v in admin.block_storage.volumes(all_projects=True, project_id=project_id)]
    found += [f"drill-ip {ip.floating_ip_address}" for ip in admin.network.ips(project_id=project_id)]
    found += [lb.name for lb in admin.load_balancer.load_balancers(project_id=project_id)]
    return sorted(n for n in found if n and n.startswith("drill-"))


def stacklab_cli(cloud: LiveCloud, commands: list[str], student: dict[str, Any] | None, home: Path) -> None:
    """`stacklab ...` repairs (a voucher redeemed), as the student (their clouds.yaml entry) or the admin."""
    from click.testing import CliRunner

    from lab.cli import main
    from lab.clouds_yaml import student_entry

    env = user_env(home, STACKLAB_PORT=cloud.url.rsplit(":", 1)[1], STACKLAB_DATA_DIR=str(cloud.data_dir))
    if student is not None:
        clouds = Path(env["OS_CLIENT_CONFIG_FILE"])
        clouds.parent.mkdir(parents=True, exist_ok=True)
        clouds.write_text(yaml.safe_dump({"clouds": {student["name"]: student_entry(
            f"{cloud.url}/identity", student["name"], student["password"])}}))
        env["OS_CLOUD"] = student["name"]
    for command in commands:
        result = CliRunner().invoke(main, command.split()[1:], env=env)
        assert result.exit_code == 0, f"{command}: {result.output}"


# One at a time and last, in this order: the DHCP agent's drill boots a server before the compute service is
# disabled; a disabled user creates nothing.
LAST = ("net-dhcp-agent-down", "volume-backend-full", "compute-service-disabled", "identity-user-disabled")


def in_parallel(fn: Callable[[Any], Any], drills: list[Any]) -> list[Any]:
    """`fn(drill)` for every drill, a few at once as a class's would be (each drill's resources are named
    apart); the faults of the whole lab and those in LAST one by one, last, in LAST's order."""
    from concurrent.futures import ThreadPoolExecutor

    assert all(d.id in LAST for d in drills if d.scope == "lab"), "a drill of the whole lab runs alone"
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(fn, [d for d in drills if d.id not in LAST]))
    by_id = {d.id: d for d in drills}
    return results + [fn(by_id[i]) for i in LAST if i in by_id]


# A prepaid project at zero has every running server stopped by the billing: the other drills' servers too.
OWN_PROJECT = ("billing-prepaid-zero",)


def group_of(drill: Any) -> str:
    if drill.id in OWN_PROJECT:
        return "own-project"
    return "lab" if drill.scope == "lab" else drill.repair_as


# The drills a student repairs, those an admin repairs in the project, the faults of the whole lab (one at a
# time), and those that stop everything else in a project: each group in a student of its own.
GROUPS = {"student": "dr01", "admin": "dr02", "lab": "dr03", "own-project": "dr04"}


@pytest.mark.parametrize("group", list(GROUPS))
def test_drills_break_are_repaired_and_undone(live_cloud: LiveCloud, drill_class: dict[str, dict[str, Any]],
                                             group: str, tmp_path: Path) -> None:
    """Every drill of one group at once in a fresh student's project (their resources are named apart)."""
    drills = [d for d in DRILLS if group_of(d) == group]
    [repair_as] = {d.repair_as for d in drills}
    admin = live_cloud.sdk()
    student = drill_class[GROUPS[group]]
    checker = admin if repair_as == "admin" else connect(live_cloud, student)
    check_body = {"check": {"student": student["name"]}} if repair_as == "admin" else None
    target = {"students": [student["name"]]}

    def start(drill: Any) -> list[str]:
        started = call(admin, live_cloud, "POST", f"/drills/{drill.id}/start", {"start": target})
        assert started.status_code == 201, started.text
        broken = call(checker, live_cloud, "POST", f"/drills/{drill.id}/check", check_body).json()["check"]
        assert broken["repaired"] is False and broken["message"], (drill.id, broken)
        assert broken["drill_run"]["status"] == "active"
        return list(drill.repair_commands(started.json()["drill_runs"][0]["state"]))

    try:
        repair_and_undo(live_cloud, drills, start, checker, check_body, student, repair_as, tmp_path)
    finally:  # whatever failed, the shared lab is left whole (one drill disables the lab's compute service)
        for drill in drills:
            call(admin, live_cloud, "POST", f"/drills/{drill.id}/undo", {"undo": target})


def repair_and_undo(live_cloud: LiveCloud, drills: list[Any], start: Callable[[Any], list[str]], checker: Any,
                    check_body: Any, student: dict[str, Any], repair_as: str, tmp_path: Path) -> None:
    admin, target = live_cloud.sdk(), {"students": [student["name"]]}
    free_before = lab_whole(admin)
    repairs = [command for commands in in_parallel(start, drills) for command in commands]

    who = None if repair_as == "admin" else student
    # `stacklab` repairs first (a voucher is redeemed before the server it pays for is started).
    stacklab_cli(live_cloud, [c for c in repairs if c.startswith("stacklab ")], who, tmp_path / "home")
    openstack_cli(live_cloud, [c for c in repairs if not c.startswith("stacklab ")], who, tmp_path)
    for drill in drills:
        fixed = call(checker, live_cloud, "POST", f"/drills/{drill.id}/check", check_body).json()["check"]
        assert fixed["repaired"] is True, (drill.id, fixed)
        assert fixed["drill_run"]["status"] == "repaired" and fixed["drill_run"]["checks"] == 2

    runs = call(admin, live_cloud, "GET", "/drill-runs").json()["drill_runs"]
    assert {r["drill_id"] for r in runs if r["project_name"] == student["name"] and r["status"] == "repaired"} \
        >= {d.id for d in drills}

    def undo(drill: Any) -> None:
        undone = call(admin, live_cloud, "POST", f"/drills/{drill.id}/undo", {"undo": target})
        assert undone.status_code == 200, undone.text
        assert undone.json()["drill_runs"][0]["status"] == "undone"
        # An undone drill is no longer checked: nothing to repair.
        assert call(checker, live_cloud, "POST", f"/drills/{drill.id}/check", check_body).status_code == 404

    in_parallel(undo, drills)
    assert leftovers(admin, student["project_id"]) == []
    # The lab's own services and capacity as they were (volumes deleted by the undos free their space soon).
    wait_for(lambda: lab_whole(admin) == free_before or None, "the volume backend's space to come back")


def lab_whole(admin: Any) -> int:
    """What the faults of the whole lab break is whole (nova-compute and the DHCP agent enabled); the volume
    backend's free capacity (GB), to compare before and after."""
    assert all(s.status == "enabled" for s in admin.compute.services() if s.binary == "nova-compute")
    assert all(a.is_admin_state_up for a in admin.network.agents(agent_type="DHCP agent"))
    return int(next(iter(admin.block_storage.backend_pools())).capabilities["free_capacity_gb"])


def test_what_a_student_may_not_do(live_cloud: LiveCloud, drill_class: dict[str, dict[str, Any]],
                                   unique: Callable[[str], str]) -> None:
    """A student cannot start or undo a drill, nor check or read another student's; hints come one at a time
    and are counted; bad input is a 400/404/409 that changes nothing."""
    admin = live_cloud.sdk()
    me, other = (connect(live_cloud, drill_class[n]) for n in ("dr01", "dr02"))
    target = {"start": {"students": ["dr01"]}}
    assert call(me, live_cloud, "POST", "/drills/net-no-dns/start", target).status_code == 403
    assert call(admin, live_cloud, "POST", "/drills/net-no-dns/start", target).status_code == 201
    try:
        assert call(admin, live_cloud, "POST", "/drills/net-no-dns/start", target).status_code == 409
        assert call(me, live_cloud, "POST", "/drills/net-no-dns/undo", {"undo": {"students": ["dr01"]}}
                    ).status_code == 403
        assert call(other, live_cloud, "POST", "/drills/net-no-dns/check").status_code == 404
        assert call(other, live_cloud, "POST", "/drills/net-no-dns/check", {"check": {"student": "dr01"}}
                    ).status_code == 403
        assert call(other, live_cloud, "GET", "/drill-runs").json()["drill_runs"] == [] or all(
            r["project_name"] == "dr02" for r in call(other, live_cloud, "GET", "/drill-runs").json()["drill_runs"])
        mine = call(me, live_cloud, "GET", "/drill-runs").json()["drill_runs"]
        assert {r["project_name"] for r in mine} == {"dr01"} and all("state" not in r for r in mine)
        first = call(me, live_cloud, "POST", "/drills/net-no-dns/hint").json()["hint"]
        second = call(me, live_cloud, "POST", "/drills/net-no-dns/hint").json()["hint"]
        assert len(first["hints"]) == 1 and len(second["hints"]) == 2 and second["drill_run"]["hints_given"] == 2
    finally:
        call(admin, live_cloud, "POST", "/drills/net-no-dns/undo", {"undo": {"students": ["dr01"]}})
    assert call(admin, live_cloud, "POST", "/drills/no-such-drill/start", target).status_code == 404
    assert call(admin, live_cloud, "POST", "/drills/BAD!/start", target).status_code in (400, 404)
    assert call(admin, live_cloud, "POST", "/drills/net-no-dns/start", {"start": {}}).status_code == 400
    # A fault of the whole lab is started for one student at a time.
    assert call(admin, live_cloud, "POST", "/drills/compute-service-disabled/start",
                {"start": {"students": ["dr01", "dr02"]}}).status_code == 400
    assert call(admin, live_cloud, "POST", "/drills/net-no-dns/start",
                {"start": {"students": [unique("ghost")]}}).status_code == 404
    assert leftovers(admin, drill_class["dr01"]["project_id"]) == []


def test_the_commands_as_instructor_and_student(live_cloud: LiveCloud, drill_class: dict[str, dict[str, Any]],
                                               tmp_path: Path) -> None:
    """`stacklab drill start/status/hint/check/undo` as they are typed: the instructor names the lab by its data
    directory, the student by their clouds.yaml entry."""
    from click.testing import CliRunner

    from lab.cli import main
    from lab.clouds_yaml import student_entry

    student = drill_class["dr01"]
    env = user_env(tmp_path, STACKLAB_PORT=live_cloud.url.rsplit(":", 1)[1], STACKLAB_DATA_DIR=str(live_cloud.data_dir))
    clouds = Path(env["OS_CLIENT_CONFIG_FILE"])
    clouds.parent.mkdir(parents=True)
    clouds.write_text(yaml.safe_dump({"clouds": {"dr01": student_entry(f"{live_cloud.url}/identity", "dr01",
                                                                       student["password"])}}))

    def run(*args: str) -> Any:
        return CliRunner().invoke(main, list(args), env=env)

    started = run("drill", "start", "sg-missing-http", "--student", "dr01")
    assert started.exit_code == 0 and "started sg-missing-http for dr01" in started.output, started.output
    try:
        hint = run("drill", "hint", "sg-missing-http", "--cloud", "dr01")
        assert hint.exit_code == 0 and hint.output.startswith("1. ") and "2 more" in hint.output, hint.output
        failed = run("drill", "check", "sg-missing-http", "--cloud", "dr01")
        assert failed.exit_code == 1 and "Not repaired yet: drill-web still lets no HTTP" in failed.output
        mine = run("drill", "status", "--mine", "--cloud", "dr01")
        assert "sg-missing-http" in mine.output and "active" in mine.output and "hints 1" in mine.output
        assert run("drill", "start", "sg-missing-http", "--cloud", "dr01", "--student", "dr01").exit_code != 0
    finally:
        undone = run("drill", "undo", "sg-missing-http", "--student", "dr01")
    assert undone.exit_code == 0 and "undid sg-missing-http for dr01" in undone.output, undone.output
    status = run("drill", "status")
    assert status.exit_code == 0 and "undone" in status.output
    assert run("drill", "start", "sg-missing-http").exit_code == 2  # names no one: a usage error
    night = run("drill", "start", "sg-missing-http", "--student", "dr01", "--in", "8h")
    assert night.exit_code == 0 and "scheduled sg-missing-http for dr01 at " in night.output, night.output
    assert "scheduled" in run("drill", "status").output and "due " in run("drill", "status").output
    off = run("drill", "undo", "sg-missing-http", "--student", "dr01")
    assert off.exit_code == 0 and "called off sg-missing-http for dr01" in off.output, off.output
    # Several students: the lab injects in the background (the request returns at once), the command follows.
    many = run("drill", "start", "net-no-dns", "--student", "dr03", "--student", "dr04")
    try:
        assert many.exit_code == 0, many.output
        assert "starting net-no-dns for 2 students" in many.output and "2/2 done" in many.output
        assert "started net-no-dns for dr03 (run " in many.output and "started net-no-dns for dr04" in many.output
    finally:
        both = run("drill", "undo", "net-no-dns", "--student", "dr03", "--student", "dr04")
    assert both.exit_code == 0 and "undid net-no-dns for dr04" in both.output, both.output


def wait_for(fetch: Callable[[], Any], what: str, seconds: float = 120) -> Any:
    """Poll until `fetch()` gives something (the lab's periodic task works in the background)."""
    import time

    deadline = time.monotonic() + seconds
    while (found := fetch()) is None:
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.3)
    return found


def test_a_drill_scheduled_for_the_night(live_cloud: LiveCloud, drill_class: dict[str, dict[str, Any]]) -> None:
    """`start` with `in` schedules the fault by the lab clock: nothing happens and the student sees nothing
    until the clock passes it, then the cloud injects it by itself; a scheduled start can be called off."""
    admin, me = live_cloud.sdk(), connect(live_cloud, drill_class["dr01"])
    for bad in ({"in": "0m"}, {"in": "soon"}, {"at": "2000-01-01T00:00:00Z"}, {"at": "tomorrow"},
                {"in": "2m", "at": "2100-01-01T00:00:00Z"}, {"in": "2m", "background": True}, {"background": 1}):
        r = call(admin, live_cloud, "POST", "/drills/net-no-dns/start", {"start": {"students": ["dr01"], **bad}})
        assert r.status_code == 400, (bad, r.text)
    r = call(admin, live_cloud, "POST", "/drills/net-no-dns/start", {"start": {"students": ["dr01"], "in": "2m"}})
    assert r.status_code == 202, r.text
    [scheduled] = r.json()["drill_runs"]
    assert scheduled["status"] == "scheduled" and scheduled["due_at"] and scheduled["id"] is None
    assert call(admin, live_cloud, "POST", "/drills/net-no-dns/start", {"start": {"students": ["dr01"]}}
                ).status_code == 409  # already scheduled
    called_off = call(admin, live_cloud, "POST", "/drills/net-admin-down/start",
                      {"start": {"students": ["dr01"], "in": "1m"}})
    assert called_off.status_code == 202
    undone = call(admin, live_cloud, "POST", "/drills/net-admin-down/undo", {"undo": {"students": ["dr01"]}})
    assert undone.json()["drill_runs"][0]["status"] == "cancelled"

    def mine(drill_id: str) -> list[dict[str, Any]]:
        return [r for r in call(me, live_cloud, "GET", "/drill-runs").json()["drill_runs"]
                if r["drill_id"] == drill_id and r["status"] == "active"]

    assert mine("net-no-dns") == []  # a surprise: the student sees nothing scheduled
    assert call(me, live_cloud, "POST", "/drills/net-no-dns/check").status_code == 404
    everyone = call(admin, live_cloud, "GET", "/drill-runs").json()["drill_runs"]
    assert any(r["drill_id"] == "net-no-dns" and r["status"] == "scheduled" for r in everyone)

    assert call(admin, live_cloud, "POST", "/clock/advance", {"by": "3m"}).status_code == 200
    [run] = wait_for(lambda: mine("net-no-dns") or None, "the scheduled drill to be injected")
    assert run["started_by"] == "admin"
    try:
        broken = call(me, live_cloud, "POST", "/drills/net-no-dns/check").json()["check"]
        assert broken["repaired"] is False and broken["message"]
        assert mine("net-admin-down") == []  # the one called off never started
    finally:
        assert call(admin, live_cloud, "POST", "/drills/net-no-dns/undo", {"undo": {"students": ["dr01"]}}
                    ).status_code == 200
    assert leftovers(admin, drill_class["dr01"]["project_id"]) == []
