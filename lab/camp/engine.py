"""The check engine: run a lab's checks as the student and report pass/fail, with a hint for the first failure.

Checks only talk to the cloud's public APIs through `env.conn` (openstacksdk), like Instruqt's check scripts
talk to the learner's host: the same labs run against StackLab or any other OpenStack cloud. On StackLab the
cloud runs them (`cloud_check`, /lab/v1/labs/{id}/check) with the student's own token and records the result
itself; a check reads what the cloud keeps (resources' own fields, instance actions, the event log), never a
claim the student wrote, and its failure message says what is wrong without giving the expected answer. A lab
that needs a service the cloud does not offer (billing, say) is skipped with that reason rather than failed.
Each check is timed; a whole lab takes well under a second on StackLab.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from lab.camp.labs import Lab

WAIT_SECONDS = 60.0  # longest any helper waits for a resource to settle (bounded loops everywhere)


class Skip(Exception):  # noqa: N818 - read as `raise Skip("no billing service")`
    """Raised by a check that cannot run on this cloud (a missing service); never counted as a failure."""


@dataclass
class LabEnv:
    """What checks and solutions are given: an openstacksdk connection as the student, plus helpers."""

    conn: Any
    _roles: list[str] | None = field(default=None, repr=False)

    # ------------------------------------------------------------------ who am I
    @property
    def project_id(self) -> str:
        return str(self.conn.current_project_id)

    @property
    def user_id(self) -> str:
        return str(self.conn.current_user_id)

    def _access(self) -> Any:
        return self.conn.session.auth.get_access(self.conn.session)

    @property
    def project_name(self) -> str:
        return str(self._access().project_name)

    @property
    def roles(self) -> list[str]:
        if self._roles is None:
            self._roles = list(self._access().role_names)
        return self._roles

    @property
    def user_name(self) -> str:
        return str(self._access().username)

    @property
    def tag(self) -> str:
        """A prefix for names that must be unique across the cloud (admin labs make projects and users)."""
        return self.project_name

    @property
    def is_admin(self) -> bool:
        return "admin" in self.roles

    def has_service(self, service_type: str) -> bool:
        """True when the catalog lists `service_type` (e.g. 'billing', 'network')."""
        catalog = self._access().service_catalog
        try:
            return bool(catalog.get_endpoints(service_type=service_type))
        except Exception:  # an odd catalog: treat as absent
            return False

    # ------------------------------------------------------------------ finding things
    def server(self, name: str) -> Any:
        """The project's server called `name` (full detail), or None."""
        for server in self.conn.compute.servers(name=f"^{name}$"):
            if server.name == name:
                return server
        return None

    def volume(self, name: str) -> Any:
        for volume in self.conn.block_storage.volumes(name=name):
            if volume.name == name:
                return volume
        return None

    def image(self, name: str) -> Any:
        """An image called `name` owned by this project (public images of the same name are ignored)."""
        for image in self.conn.image.images(name=name, owner=self.project_id):
            if image.name == name:
                return image
        return None

    def image_json(self, name: str) -> dict[str, Any] | None:
        """The project's image `name` as Glance's JSON (custom properties are top-level keys), or None."""
        image = self.image(name)
        return None if image is None else dict(self.conn.image.get(f"/images/{image.id}").json())

    def network(self, name: str) -> Any:
        return self.conn.network.find_network(name, project_id=self.project_id)

    def subnet(self, name: str) -> Any:
        return self.conn.network.find_subnet(name, project_id=self.project_id)

    def router(self, name: str) -> Any:
        return self.conn.network.find_router(name, project_id=self.project_id)

    def security_group(self, name: str) -> Any:
        return self.conn.network.find_security_group(name, project_id=self.project_id)

    def snapshot(self, name: str) -> Any:
        for snapshot in self.conn.block_storage.snapshots(name=name):
            if snapshot.name == name:
                return snapshot
        return None

    def external_network(self) -> Any:
        """The first external network (DevStack's and StackLab's `public`)."""
        return next(iter(self.conn.network.networks(is_router_external=True)), None)

    def ports_of(self, server: Any) -> list[Any]:
        return list(self.conn.network.ports(device_id=server.id))

    def console(self, server: Any) -> str:
        return str(self.conn.compute.get_server_console_output(server).get("output") or "")

    # ------------------------------------------------------------------ evidence the cloud keeps
    def server_actions(self, server: Any) -> list[str]:
        """The server's history as Nova keeps it (os-instance-actions, `openstack server event list`),
        oldest first: ['create', 'resize', 'stop', ...]."""
        actions = sorted(self.conn.compute.server_actions(server), key=lambda a: (a.start_time or "", a.request_id))
        return [str(a.action) for a in actions]

    def events(self, resource_type: str) -> list[dict[str, Any]]:
        """The project's event log for one kind of resource (StackLab's /lab/v1/events), oldest first: what
        happened to resources that are gone. Raises Skip on a cloud that keeps no such log."""
        from keystoneauth1 import exceptions

        try:
            response = self.conn.session.get(f"/events?resource_type={resource_type}", raise_exc=False,
                                             endpoint_filter={"service_type": "stacklab", "interface": "public"})
        except exceptions.EndpointNotFound:
            raise Skip("this cloud publishes no event log, so this check cannot see deleted resources") from None
        if response.status_code >= 300:
            raise AssertionError(f"the event log answered HTTP {response.status_code}")
        return list(response.json().get("events", []))

    def image_head(self, image: Any, size: int = 16) -> bytes:
        """The first `size` bytes of an image's data (what its real format is, whatever it is labelled)."""
        response = self.conn.image.get(f"/images/{image.id}/file", stream=True, raise_exc=False)
        try:
            if response.status_code >= 300:
                return b""
            return bytes(response.raw.read(size))
        finally:
            response.close()

    # ------------------------------------------------------------------ waiting (solutions use these)
    def wait(self, fetch: Callable[[], Any], done: Callable[[Any], bool], what: str,
             seconds: float = WAIT_SECONDS) -> Any:
        """Poll `fetch()` until `done(result)`; raise AssertionError naming `what` after `seconds`."""
        deadline = time.monotonic() + seconds
        delay = 0.05
        while True:
            value = fetch()
            if done(value):
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}")
            time.sleep(delay)
            delay = min(delay * 1.5, 1.0)

    def wait_server(self, server: Any, status: str = "ACTIVE") -> Any:
        return self.wait(lambda: self.conn.compute.get_server(server.id), lambda s: s.status in (status, "ERROR"),
                         f"server {server.name} to be {status}")

    def wait_volume(self, volume: Any, status: str = "available") -> Any:
        return self.wait(lambda: self.conn.block_storage.get_volume(volume.id),
                         lambda v: v.status in (status, "error"), f"volume {volume.name} to be {status}")

    def wait_snapshot(self, snapshot: Any, status: str = "available") -> Any:
        return self.wait(lambda: self.conn.block_storage.get_snapshot(snapshot.id),
                         lambda s: s.status in (status, "error"), f"snapshot {snapshot.name} to be {status}")

    def network_kwargs(self) -> dict[str, Any]:
        """`networks=[...]` naming the project's first own network with a subnet (`"auto"` when it has none:
        the SDK speaks compute 2.93, where `networks` is required): once a student has several networks (the
        Day 2 labs make some), Nova refuses to choose (409 "Multiple possible networks found"), so solutions
        name one."""
        for network in self.conn.network.networks(project_id=self.project_id):
            if network.subnet_ids and not network.is_router_external:
                return {"networks": [{"uuid": network.id}]}
        return {"networks": "auto"}

    def boot(self, name: str, **kwargs: Any) -> Any:
        """Boot `name` from the `cirros` image on the smallest flavor and the project's network (unless given)
        and wait until ACTIVE."""
        if "networks" not in kwargs:
            kwargs.update(self.network_kwargs())
        image = kwargs.pop("image_id", None) or self.conn.image.find_image("cirros").id
        flavor = kwargs.pop("flavor_id", None) or smallest_flavor(self.conn).id
        server = self.conn.compute.create_server(name=name, image_id=image, flavor_id=flavor, **kwargs)
        return self.wait_server(server)


def smallest_flavor(conn: Any) -> Any:
    """The flavor with the least RAM (then vCPUs, disk): what a lab boots on."""
    return min(conn.compute.flavors(), key=lambda f: (f.ram, f.vcpus, f.disk, f.name))


@dataclass(frozen=True)
class CheckResult:
    name: str
    description: str
    status: str  # pass | fail | skip
    message: str = ""
    hint: str = ""
    seconds: float = 0.0


@dataclass(frozen=True)
class LabReport:
    lab_id: str
    title: str
    results: tuple[CheckResult, ...]
    skipped_reason: str = ""

    @property
    def passed(self) -> int:
        return sum(1 for r in self.results if r.status == "pass")

    @property
    def total(self) -> int:
        return sum(1 for r in self.results if r.status != "skip")

    @property
    def completed(self) -> bool:
        return self.total > 0 and self.passed == self.total

    @property
    def first_failure(self) -> CheckResult | None:
        return next((r for r in self.results if r.status == "fail"), None)


def unmet_requirements(lab: Lab, env: LabEnv) -> str:
    """Why this lab cannot run on this cloud as this user ('' when it can)."""
    missing = [service for service in lab.requires if not env.has_service(service)]
    if missing:
        return (f"this cloud has no {', '.join(missing)} service in its catalog, so lab {lab.id}'s checks are "
                "skipped")
    return ""


def run_lab(lab: Lab, env: LabEnv) -> LabReport:
    """Run every check of `lab` in order. Never raises for a failing check: each becomes a CheckResult."""
    checks = lab.checks()
    reason = unmet_requirements(lab, env)
    if reason:
        return LabReport(lab.id, lab.title, tuple(CheckResult(c.name, c.description, "skip", reason)
                                                  for c in checks), reason)
    if lab.admin and not env.is_admin:
        denied = tuple(CheckResult(c.name, c.description, "fail", "this lab is done as a cloud admin",
                                   "Run it with admin credentials: --cloud stacklab (the lab's admin entry).")
                       for c in checks)
        return LabReport(lab.id, lab.title, denied)
    results: list[CheckResult] = []
    for check in checks:
        started = time.perf_counter()
        status, message = "pass", ""
        try:
            check.fn(env)
        except AssertionError as exc:
            status, message = "fail", str(exc) or "the check failed"
        except Skip as exc:
            status, message = "skip", str(exc)
        except Exception as exc:  # an API error is a failed check, with what the cloud said
            status, message = "fail", f"{type(exc).__name__}: {exc}"
        results.append(CheckResult(check.name, check.description, status, message,
                                   check.hint if status == "fail" else "", time.perf_counter() - started))
    return LabReport(lab.id, lab.title, tuple(results))


def apply_solution(lab: Lab, env: LabEnv) -> None:
    """Run the lab's reference solution as the student (to catch up). Raises whatever the solution raises."""
    reason = unmet_requirements(lab, env)
    if reason:
        raise Skip(reason)
    lab.solution()(env)


# ---------------------------------------------------------------------------------------------- on the cloud
STACKLAB = {"service_type": "stacklab", "interface": "public"}


class CloudCheckError(Exception):
    """The cloud refused to run a check or a solution (the message is the cloud's)."""


def cloud_check(conn: Any, lab_id: str, solve: bool = False) -> dict[str, Any] | None:
    """Ask the cloud to run the lab's checks (or, with `solve`, its reference solution then the checks) as
    this connection's user, and record the result: the cloud's `check` body. None when the cloud has no
    StackLab endpoint (a real OpenStack cloud): then `run_lab` runs the checks here and nothing is recorded.
    Raises CloudCheckError with the cloud's message when it refuses."""
    from keystoneauth1 import exceptions

    try:
        response = conn.session.post(f"/labs/{lab_id}/{'solve' if solve else 'check'}", raise_exc=False,
                                     endpoint_filter=STACKLAB, timeout=900)
    except exceptions.EndpointNotFound:
        return None
    if response.status_code >= 300:
        try:
            message = response.json()["error"]["message"]
        except (ValueError, KeyError, TypeError):
            message = response.text[:300]
        raise CloudCheckError(f"{message} (HTTP {response.status_code})")
    return dict(response.json()["check"])


def report_from(body: dict[str, Any]) -> LabReport:
    """The LabReport of a cloud's `check` body (so the CLI prints cloud and local runs alike)."""
    return LabReport(str(body["lab_id"]), str(body.get("title", "")), tuple(
        CheckResult(c["name"], c["description"], c["status"], c.get("message", ""), c.get("hint", ""),
                    float(c.get("seconds", 0.0))) for c in body.get("checks", [])), str(body.get("skipped_reason", "")))


def my_progress(conn: Any) -> dict[str, dict[str, Any]]:
    """{lab_id: progress row} for the student's own project ({} on a cloud without StackLab's endpoint)."""
    from keystoneauth1 import exceptions

    try:
        response = conn.session.get("/progress", raise_exc=False,
                                    endpoint_filter={"service_type": "stacklab", "interface": "public"})
    except exceptions.EndpointNotFound:
        return {}
    if response.status_code >= 300:
        return {}
    return {row["lab_id"]: row for row in response.json().get("progress", [])}
