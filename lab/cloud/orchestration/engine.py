"""The orchestration engine: a stack's resources made, changed and removed in dependency order by the worker.

Design. A stack create, update or delete only records what is wanted (the template, the action, IN_PROGRESS)
and enqueues one `orchestration.stack` job; each run of that job is one *step*: it moves every resource as far
as it can without waiting (calls the other services, polls those still building), records each change with
its event, and enqueues the next step when something is still in progress. Nothing waits inside the worker,
so a stack of servers never blocks the servers' own BUILD -> ACTIVE jobs that run on the same worker thread.

Resources are made as the stack's owner through the other services' own HTTP routes (internal.py): quotas,
billing, policy and isolation apply as if the student had typed the commands, and a student's reset purges
what a stack made with everything else of the project (each service purges its own).

Crash safety: the step job stays in the database until its run returns, so a killed process resumes the stack
at its next start; each call's result (a physical id) is recorded right after the call, so a resumed step
polls or finishes that resource instead of making it twice (a kill between a call and its record can leave
that one resource behind, as in Heat). A step that keeps raising is given up by the worker and the stack
FAILS with the error; a stack left IN_PROGRESS with no job (an older lab) fails at start with Heat's "Engine
went down" reason. Nothing stays IN_PROGRESS forever.

The plan of a step (`converge`, for CREATE and UPDATE alike): a resource whose dependencies are settled in
this generation is evaluated (its functions resolved against the settled ones); if it has no physical resource
it is created; if its type or a property that cannot change in place differs, a replacement is created and the
old one removed once the new one is complete; if only update-allowed properties differ it is updated in place;
otherwise it is settled as it is. When all are settled, the resources the template no longer has are removed
(dependents first), the outputs are resolved and the stack is COMPLETE. Delete and rollback (`teardown`)
remove the resources in reverse dependency order, a resource only once nothing left needs it.
"""

from __future__ import annotations

import logging
import secrets
import string
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lab.cloud import worker
from lab.cloud.context import RequestContext
from lab.cloud.orchestration import template as hot
from lab.cloud.orchestration.internal import ApiError, InternalAPI
from lab.cloud.orchestration.models import Stack, StackBackup, StackEvent, StackResource
from lab.cloud.orchestration.resources import TYPES, Res, ResourceFailed, WaitCondition
from lab.cloud.worker import Jobs, JobSpec

if TYPE_CHECKING:
    from lab.cloud.app import Cloud

log = logging.getLogger(__name__)
STEP = "orchestration.stack"
GROUP = "OS::Heat::ResourceGroup"
WAIT = "OS::Heat::WaitCondition"
HANDLE = "OS::Heat::WaitConditionHandle"
WALKS = ("SUSPEND", "RESUME", "CHECK")  # actions that visit each resource once, changing no definition
WALK_MARK = "_walk"  # in a resource's data while a walk has still to visit it (set when the action starts)
ADOPT_MARK = "_adopt"  # in a resource's data while an adopt has still to take it over
STEP_DELAY = 0.2  # lab seconds between two steps of a stack still in progress
MAX_ROUNDS = 50  # passes within one step while resources complete at once (networks, keys, values)
JOBS: Jobs = {}


# ------------------------------------------------------------------------------------------- bookkeeping
def add_event(db: Session, cloud: Cloud, stack: Stack, action: str, status: str, reason: str,
              resource: StackResource | None = None) -> None:
    seq = int(db.scalar(select(func.max(StackEvent.seq))) or 0) + 1
    db.add(StackEvent(seq=seq, stack_id=stack.id, time=cloud.clock.now(), action=action, status=status,
                      reason=reason, resource_name=resource.name if resource else stack.name,
                      physical_id=(resource.physical_id or "") if resource else stack.id,
                      resource_type=resource.type if resource else "OS::Heat::Stack"))


def set_stack(db: Session, cloud: Cloud, stack: Stack, action: str, status: str, reason: str) -> None:
    stack.action, stack.status, stack.status_reason = action, status, reason
    if action == "UPDATE" and status == "IN_PROGRESS":
        stack.updated_at = cloud.clock.now()
    if action == "DELETE" and status == "COMPLETE":
        stack.deleted_at = cloud.clock.now()
    add_event(db, cloud, stack, action, status, reason)


def schedule(db: Session, cloud: Cloud, stack_id: str, delay: float = 0.0, skip_job: int | None = None) -> None:
    """Enqueue a step of the stack unless one is pending already (other than the job now running)."""
    pending = db.scalar(select(worker.Job.id).where(worker.Job.kind == STEP, worker.Job.resource_id == stack_id,
                                                    worker.Job.id != (skip_job or -1)).limit(1))
    if pending is None:
        worker.enqueue(db, cloud.clock.now(), STEP, stack_id, delay)


def physical_name(stack_name: str, resource: str) -> str:
    """Heat's name for what a resource makes: <stack>-<resource>-<12 random characters>."""
    tail = "".join(secrets.choice(string.ascii_lowercase + string.digits) for _ in range(12))
    return f"{stack_name}-{resource}-{tail}"


def owner(stack: Stack) -> RequestContext:
    """The stack's creator, as the engine acts (see internal.py)."""
    return RequestContext(user_id=stack.user_id, user_name=stack.user_name, project_id=stack.project_id,
                          project_name=stack.project_name, roles=tuple(stack.roles or ("member",)))


def as_res(row: StackResource, stack: Stack, now: datetime | None = None) -> Res:
    return Res(name=row.name, physical_id=row.physical_id, data=dict(row.data or {}),
               physical_name=str((row.data or {}).get("physical_name") or physical_name(stack.name, row.name)),
               project_id=stack.project_id, now=now, stack_path=f"{stack.name}/{stack.id}")


def adopt_rows(db: Session, cloud: Cloud, stack: Stack, resources: dict[str, Any]) -> None:
    """The resources of an abandoned stack's data, recorded for an ADOPT to take over (their physical ids and
    data kept; a ResourceGroup's members go to its nested stack when it is made)."""
    now = cloud.clock.now()
    for name, entry in resources.items():
        if not isinstance(entry, dict) or not entry.get("resource_id"):
            continue
        data = dict(entry.get("resource_data") or {})
        data[ADOPT_MARK] = True
        if entry.get("resources"):
            data["_adopt_nested"] = entry["resources"]
        db.add(StackResource(stack_id=stack.id, name=str(name), type=str(entry.get("type") or ""),
                             physical_id=str(entry["resource_id"]), action="INIT", status="COMPLETE",
                             data=data, created_at=now, requires=[], generation=0))


def backup(db: Session, stack: Stack) -> None:
    """Keep what the stack is now, before an update changes it (what a cancel or a rollback goes back to)."""
    kept = db.get(StackBackup, stack.id)
    if kept is None:
        kept = StackBackup(stack_id=stack.id)
        db.add(kept)
    kept.template, kept.environment, kept.files = stack.template, stack.environment, stack.files
    kept.parameters, kept.rolling_back = stack.parameters, False


def start_rollback(db: Session, cloud: Cloud, stack: Stack, reason: str) -> bool:
    """An update goes back to what the stack was (ROLLBACK_IN_PROGRESS); False when nothing was kept."""
    kept = db.get(StackBackup, stack.id)
    if kept is None:
        return False
    stack.template, stack.environment, stack.files = kept.template, kept.environment, kept.files
    stack.parameters, kept.rolling_back = kept.parameters, True
    stack.generation += 1
    set_stack(db, cloud, stack, "ROLLBACK", "IN_PROGRESS", reason)
    return True


# ------------------------------------------------------------------------------------------ the template
@dataclass
class Plan:
    """A stack's template as the engine reads it: the resource definitions in force and their dependencies."""

    version: str
    definitions: dict[str, dict[str, Any]]
    requires: dict[str, set[str]]
    scope: hot.Scope
    outputs: dict[str, Any]


def plan_of(stack: Stack) -> Plan:
    template = hot.parse(stack.template)
    environment = hot.parse_environment(stack.environment)
    version = template["heat_template_version"]
    definitions_all: dict[str, dict[str, Any]] = template.get("resources") or {}
    scope = hot.Scope(version=version, parameters=dict(stack.parameters or {}),
                      pseudo={"OS::stack_name": stack.name, "OS::stack_id": stack.id,
                              "OS::project_id": stack.project_id},
                      files=dict(stack.files or {}), resources=set(definitions_all))
    scope.conditions = hot.conditions_of(template, scope)
    definitions: dict[str, dict[str, Any]] = {}
    for name, definition in definitions_all.items():
        cond = definition.get("condition")
        if cond is not None and not hot.condition(cond, scope):
            continue
        definitions[name] = {**definition, "type": hot.resolve_type(environment, definition["type"])}
    scope.resources = set(definitions)
    requires = dependencies(definitions)
    return Plan(version, definitions, requires, scope, template.get("outputs") or {})


def dependencies(definitions: dict[str, dict[str, Any]]) -> dict[str, set[str]]:
    """What each resource needs first: its references, its depends_on, and Heat's implicit ones (a server or
    port on a network of the stack waits for that network's subnets; a floating IP for the router interfaces)."""
    requires: dict[str, set[str]] = {}
    subnets_of: dict[str, set[str]] = {}
    for name, d in definitions.items():
        if d["type"] == "OS::Neutron::Subnet":
            for net in hot.references((d.get("properties") or {}).get("network")):
                subnets_of.setdefault(net, set()).add(name)
    interfaces = {n for n, d in definitions.items() if d["type"] == "OS::Neutron::RouterInterface"}
    for name, d in definitions.items():
        found = hot.references(d.get("properties") or {})
        depends = d.get("depends_on") or []
        found |= {depends} if isinstance(depends, str) else {str(x) for x in depends}
        if d["type"] in ("OS::Nova::Server", "OS::Neutron::Port"):
            for net in list(found):
                found |= subnets_of.get(net, set())
        if d["type"] in ("OS::Neutron::FloatingIP", "OS::Neutron::FloatingIPAssociation"):
            found |= interfaces
        unknown = sorted(found - set(definitions))
        if unknown:
            raise hot.ValidationFailed(f'The specified reference "{unknown[0]}" (in {name}) is incorrect.')
        requires[name] = found - {name}
    order(requires)
    return requires


def order(requires: dict[str, set[str]]) -> list[str]:
    """The names in an order where each comes after what it requires; Heat's error for a cycle."""
    done: list[str] = []
    left = dict(requires)
    while left:
        ready = sorted(n for n, needs in left.items() if not (needs - set(done)))
        if not ready:
            raise hot.ValidationFailed(f"Circular Dependency Found: {', '.join(sorted(left))}")
        done += ready
        for n in ready:
            del left[n]
    return done


# ------------------------------------------------------------------------------------------------ a step
class Engine:
    """One step of one stack (see the module docstring)."""

    def __init__(self, cloud: Cloud, stack_id: str, job_id: int | None = None):
        self.cloud = cloud
        self.stack_id = stack_id
        self.job_id = job_id
        self._shown: dict[tuple[str, str], Any] = {}
        self._made: dict[str, StackResource] = {}  # rows made by this step (for a failure's record)

    def load(self) -> tuple[Stack | None, dict[str, StackResource]]:
        with self.cloud.db.read() as db:
            stack = db.get(Stack, self.stack_id)
            rows = {r.name: r for r in db.scalars(select(StackResource).where(StackResource.stack_id == self.stack_id))}
        return stack, rows

    def step(self) -> None:
        stack, _ = self.load()
        if stack is None or stack.status != "IN_PROGRESS" or stack.deleted_at is not None:
            return
        self.api = InternalAPI(self.cloud, owner(stack))
        if stack.action in ("CREATE", "UPDATE", "ADOPT") or (stack.action == "ROLLBACK" and self.rolling_back()):
            finished = self.converge(stack)
        elif stack.action in WALKS:
            finished = self.walk(stack)
        else:
            finished = self.teardown(stack)
        if not finished:
            with self.cloud.db.write() as db:
                if db.get(Stack, self.stack_id) is not None:
                    schedule(db, self.cloud, self.stack_id, STEP_DELAY, self.job_id)

    def rolling_back(self) -> bool:
        """Whether this ROLLBACK converges back to the kept template (an update's) rather than tearing down."""
        with self.cloud.db.read() as db:
            kept = db.get(StackBackup, self.stack_id)
            return kept is not None and kept.rolling_back

    def now(self) -> datetime:
        return self.cloud.clock.now()

    # -- writing
    def save(self, row: StackResource, action: str, status: str, reason: str = "state changed",
             event: bool = True, **changes: Any) -> None:
        with self.cloud.db.write() as db:
            stored = db.get(StackResource, row.id)
            stack = db.get(Stack, self.stack_id)
            if stored is None or stack is None:
                return
            for key, value in changes.items():
                setattr(stored, key, value)
            stored.action, stored.status, stored.status_reason = action, status, reason
            stored.updated_at = self.cloud.clock.now()
            if event:
                add_event(db, self.cloud, stack, action, status, reason, stored)
            for key in ("action", "status", "status_reason", "updated_at", *changes):
                setattr(row, key, getattr(stored, key))

    def finish(self, action: str, status: str, reason: str, **changes: Any) -> None:
        with self.cloud.db.write() as db:
            stack = db.get(Stack, self.stack_id)
            if stack is None:
                return
            for key, value in changes.items():
                setattr(stack, key, value)
            set_stack(db, self.cloud, stack, action, status, reason)

    # -- converge: CREATE and UPDATE
    def converge(self, stack: Stack) -> bool:
        try:
            plan = plan_of(stack)
        except hot.ValidationFailed as exc:
            self.fail(stack, f"StackValidationFailed: {exc.message}", {})
            return True
        action, gen = stack.action, stack.generation
        _, rows = self.load()
        self.bind(stack, plan, rows)
        for _round in range(MAX_ROUNDS):
            progressed = False
            for name in order(plan.requires):
                row = rows.get(name)
                if row is not None and row.generation == gen and row.status == "COMPLETE":
                    continue
                if row is not None and row.generation == gen and row.status == "FAILED":
                    self.fail(stack, f"Resource {action} failed: {row.status_reason}", rows)
                    return True
                try:
                    if row is not None and row.generation == gen and row.status == "IN_PROGRESS":
                        progressed |= self.poll(stack, row)
                    elif all(self.settled(rows.get(dep), gen) for dep in plan.requires[name]):
                        rows[name] = self.apply(stack, plan, name, row, action, gen)
                        progressed = True
                except (ApiError, ResourceFailed, hot.ValidationFailed) as exc:
                    failed = rows.get(name) or self._made.get(name)
                    reason = _reason(exc, name)
                    if failed is not None:
                        self.save(failed, failed.action if failed.action != "INIT" else action, "FAILED", reason,
                                  generation=gen)
                    self.fail(stack, f"Resource {action} failed: {reason}", rows)
                    return True
            if all(self.settled(rows.get(n), gen) for n in plan.definitions):
                return self.complete(stack, plan, rows, action)
            if not progressed:
                return False
        return False

    @staticmethod
    def settled(row: StackResource | None, gen: int) -> bool:
        return row is not None and row.generation == gen and row.status == "COMPLETE"

    def apply(self, stack: Stack, plan: Plan, name: str, row: StackResource | None, action: str,
              gen: int) -> StackResource:
        definition = plan.definitions[name]
        requires = sorted(plan.requires[name])
        if row is None:
            with self.cloud.db.write() as db:
                row = StackResource(stack_id=stack.id, name=name, type=definition["type"], action="INIT",
                                    status="COMPLETE", data={"physical_name": physical_name(stack.name, name)},
                                    created_at=self.cloud.clock.now(), requires=requires, generation=0)
                db.add(row)
            self._made[name] = row
        kind = TYPES.get(definition["type"])
        if kind is None:
            raise hot.ValidationFailed(f"The Resource Type ({definition['type']}) could not be found.")
        props = kind.validate(name, hot.evaluate(definition.get("properties") or {}, plan.scope))
        if (row.data or {}).get(ADOPT_MARK):
            return self.adopt(stack, row, kind.name, props, requires, gen)
        replace = row.physical_id is not None and (
            row.type != kind.name or row.status == "FAILED"
            or any(props.get(k) != (row.properties or {}).get(k) and not p.update for k, p in kind.props.items()))
        if row.physical_id is None or replace:
            old = {"physical_id": row.physical_id, "type": row.type,
                   "data": {k: v for k, v in (row.data or {}).items() if k != "_replaced"}} if replace else None
            if replace and row.type in TYPES:
                TYPES[row.type].prepare_for_replace(self.api, as_res(row, stack), row.properties or {})
            self.save(row, "CREATE", "IN_PROGRESS", type=kind.name, properties=props, requires=requires,
                      generation=gen)
            res = as_res(row, stack, self.now())
            physical = self.create(stack, row, kind.name, res, props)
            if kind.name == HANDLE:
                res.data["endpoint"] = f"{self.cloud.settings.endpoint}/heat-api/v1/{stack.project_id}/stacks/" \
                                       f"{stack.name}/{stack.id}/resources/{row.name}/signal"
            data = {**res.data, **({"_replaced": old} if old else {})}
            self.save(row, "CREATE", "IN_PROGRESS", event=False, physical_id=physical, data=data)
            self.poll(stack, row)
            return row
        if props == (row.properties or {}):
            self.save(row, row.action, row.status, row.status_reason, event=False, requires=requires,
                      generation=gen)
            return row
        self.save(row, "UPDATE", "IN_PROGRESS", generation=gen, requires=requires)
        res = as_res(row, stack, self.now())
        if kind.name == GROUP:
            self.group_update(stack, row, props)
        else:
            kind.update(self.api, res, row.properties or {}, props)
        self.save(row, "UPDATE", "IN_PROGRESS", event=False, properties=props, data=res.data)
        self.poll(stack, row)
        return row

    def adopt(self, stack: Stack, row: StackResource, type_name: str, props: dict[str, Any], requires: list[str],
              gen: int) -> StackResource:
        """Take over the abandoned physical resource as it is (Heat's ADOPT): nothing is called."""
        data = {k: v for k, v in (row.data or {}).items() if k != ADOPT_MARK}
        if type_name == GROUP:
            nested = data.pop("_adopt_nested", None) or {}
            with self.cloud.db.write() as db:
                child = db.get(Stack, row.physical_id)
                if child is None or child.deleted_at is not None:  # made again, adopting its members
                    row.physical_id = self.group_create(stack, row, props, as_res(row, stack), nested)
        self.save(row, "ADOPT", "IN_PROGRESS", type=type_name, properties=props, requires=requires, generation=gen,
                  data=data, physical_id=row.physical_id)
        if type_name == GROUP:
            return row
        self.save(row, "ADOPT", "COMPLETE")
        return row

    def wait_ready(self, stack: Stack, row: StackResource) -> bool:
        """An OS::Heat::WaitCondition: its handle's signals against its count and deadline."""
        handle_ref = (row.properties or {}).get("handle")
        with self.cloud.db.read() as db:
            handles = list(db.scalars(select(StackResource).where(StackResource.stack_id == stack.id,
                                                                  StackResource.type == HANDLE)))
        handle = next((h for h in handles if h.physical_id == handle_ref or h.name == handle_ref), None)
        if handle is None:
            raise ResourceFailed("EntityNotFound", f"The Resource ({handle_ref}) could not be found.")
        signals = (handle.data or {}).get("signals") or {}
        if not WaitCondition.verdict(row.data or {}, signals, self.now()):
            return False
        row.data = {**(row.data or {}), "signals": signals}
        return True

    def create(self, stack: Stack, row: StackResource, type_name: str, res: Res, props: dict[str, Any]) -> str:
        if type_name == GROUP:
            return self.group_create(stack, row, props, res)
        return TYPES[type_name].create(self.api, res, props)

    def poll(self, stack: Stack, row: StackResource) -> bool:
        """Check a resource in progress; True when it completed now."""
        res = as_res(row, stack, self.now())
        if row.type == GROUP:
            done = self.group_ready(row)
        elif row.type == WAIT:
            done = self.wait_ready(stack, row)
        else:
            done = TYPES[row.type].ready(self.api, res)
            if res.physical_id != row.physical_id or res.data != (row.data or {}):
                # What a type learnt while waiting (an Octavia child's create taken at last: its id).
                self.save(row, row.action, row.status, row.status_reason, event=False, physical_id=res.physical_id,
                          data=res.data)
        if not done:
            return False
        old = (row.data or {}).get("_replaced")
        if old and old.get("physical_id"):
            self.remove_physical(stack, old["type"], Res(row.name, old["physical_id"], old.get("data") or {},
                                                         res.physical_name, stack.project_id))
        data = {k: v for k, v in (row.data or {}).items() if k != "_replaced"}
        self.save(row, row.action, "COMPLETE", data=data)
        return True

    def remove_physical(self, stack: Stack, type_name: str, res: Res) -> None:
        try:
            if type_name == GROUP:
                self.group_delete(res.physical_id)
            else:
                TYPES[type_name].delete(self.api, res)
        except ApiError as exc:
            log.warning("stack %s: could not remove the replaced %s %s: %s", stack.id, type_name, res.physical_id,
                        exc)

    def complete(self, stack: Stack, plan: Plan, rows: dict[str, StackResource], action: str) -> bool:
        leftover = {name: row for name, row in rows.items() if name not in plan.definitions}
        if leftover and not self.remove(stack, leftover):
            return False
        outputs = []
        for key, spec in plan.outputs.items():
            spec = spec if isinstance(spec, dict) else {"value": spec}
            entry: dict[str, Any] = {"output_key": key, "description": spec.get("description", "No description given")}
            try:
                cond = spec.get("condition")
                if cond is not None and not hot.condition(cond, plan.scope):
                    entry["output_value"] = None
                else:
                    entry["output_value"] = hot.evaluate(spec.get("value"), plan.scope)
            except (ApiError, ResourceFailed, hot.ValidationFailed, hot.NotReady) as exc:
                entry["output_value"], entry["output_error"] = None, str(exc)
            outputs.append(entry)
        self.finish(action, "COMPLETE", f"Stack {action} completed successfully", outputs=outputs)
        self.end_rollback()
        return True

    # -- walks: SUSPEND (dependents first), RESUME and CHECK (dependencies first)
    def walk(self, stack: Stack) -> bool:
        action = stack.action
        _, rows = self.load()
        try:
            names = [n for n in order(plan_of(stack).requires) if n in rows]
        except hot.ValidationFailed:
            names = []
        names += sorted(n for n in rows if n not in names)
        if action == "SUSPEND":
            names.reverse()
        for _round in range(MAX_ROUNDS):
            progressed = False
            for name in names:
                row = rows[name]
                if WALK_MARK not in (row.data or {}):
                    continue
                if action == "SUSPEND":
                    first = [r for r in rows.values() if name in (r.requires or [])]
                else:
                    first = [rows[d] for d in row.requires or [] if d in rows]
                if any(WALK_MARK in (r.data or {}) for r in first):
                    continue
                try:
                    done = self.visit(stack, row, action)
                except (ApiError, ResourceFailed) as exc:
                    reason = _reason(exc, name)
                    self.save(row, action, "FAILED", reason, data=_unmarked(row))
                    if action != "CHECK":  # a check goes on with the others; a suspend or resume stops
                        self.unmark(rows)
                        self.finish(action, "FAILED", f"Resource {action} failed: {reason}")
                        return True
                    progressed = True
                    continue
                if done:
                    self.save(row, action, "COMPLETE", data=_unmarked(row))
                    progressed = True
            if not any(WALK_MARK in (r.data or {}) for r in rows.values()):
                failed = [r for r in rows.values() if r.action == action and r.status == "FAILED"]
                if failed:
                    self.finish(action, "FAILED", f"Resource {action} failed: {failed[0].status_reason}")
                else:
                    self.finish(action, "COMPLETE", f"Stack {action} completed successfully")
                return True
            if not progressed:
                return False
        return False

    def visit(self, stack: Stack, row: StackResource, action: str) -> bool:
        """Start (or poll) the action on one resource; True when it is done."""
        res = as_res(row, stack, self.now())
        started = row.action == action and row.status == "IN_PROGRESS"
        if row.type == GROUP:
            if not started:
                self.save(row, action, "IN_PROGRESS")
                with self.cloud.db.write() as db:
                    child = db.get(Stack, row.physical_id) if row.physical_id else None
                    if child is not None:
                        mark_walk(db, self.cloud, child, action)
                return False
            with self.cloud.db.read() as db:
                child = db.get(Stack, row.physical_id) if row.physical_id else None
            if child is None or child.status == "COMPLETE":
                return True
            if child.status == "FAILED":
                raise ResourceFailed("ResourceFailure", child.status_reason)
            return False
        kind = TYPES[row.type]
        if started:
            return kind.action_done(self.api, res, action)
        self.save(row, action, "IN_PROGRESS")
        if row.physical_id is None:
            return True
        if action == "CHECK":
            kind.check(self.api, res)
            return True
        (kind.suspend if action == "SUSPEND" else kind.resume)(self.api, res)
        return kind.action_done(self.api, res, action)

    def unmark(self, rows: dict[str, StackResource]) -> None:
        for row in rows.values():
            if WALK_MARK in (row.data or {}):
                with self.cloud.db.write() as db:
                    stored = db.get(StackResource, row.id)
                    if stored is not None:
                        stored.data = _unmarked(stored)

    def fail(self, stack: Stack, reason: str, rows: dict[str, StackResource]) -> None:
        for row in rows.values():
            if row.status == "IN_PROGRESS":
                self.save(row, row.action, "FAILED", f"{row.action} aborted")
        if stack.action == "CREATE" and not stack.disable_rollback:
            self.finish(stack.action, "FAILED", reason)
            self.finish("ROLLBACK", "IN_PROGRESS", reason)
            with self.cloud.db.write() as db:
                schedule(db, self.cloud, stack.id, STEP_DELAY, self.job_id)
            return
        if stack.action == "UPDATE" and not stack.disable_rollback:
            self.finish(stack.action, "FAILED", reason)
            with self.cloud.db.write() as db:
                stored = db.get(Stack, stack.id)
                if stored is not None and start_rollback(db, self.cloud, stored, reason):
                    schedule(db, self.cloud, stack.id, STEP_DELAY, self.job_id)
            return
        self.finish(stack.action, "FAILED", reason)
        self.end_rollback()

    def end_rollback(self) -> None:
        with self.cloud.db.write() as db:
            kept = db.get(StackBackup, self.stack_id)
            if kept is not None and kept.rolling_back:
                kept.rolling_back = False

    # -- functions' view of the resources
    def bind(self, stack: Stack, plan: Plan, rows: dict[str, StackResource]) -> None:
        def ref(name: str) -> Any:
            row = rows.get(name)
            if row is None or row.physical_id is None:
                raise hot.NotReady(name)
            if row.type == GROUP:
                return row.physical_id
            return TYPES[row.type].reference(as_res(row, stack))

        def attr(name: str, attribute: str, path: list[Any]) -> Any:
            row = rows.get(name)
            if row is None or row.physical_id is None:
                raise hot.NotReady(name)
            key = (name, attribute)
            if key not in self._shown:
                if row.type == GROUP:
                    self._shown[key] = self.group_attribute(row, attribute, path)
                    path = []
                else:
                    self._shown[key] = TYPES[row.type].attribute(self.api, as_res(row, stack), attribute)
            return hot._path(self._shown[key], path)

        plan.scope.ref, plan.scope.attr = ref, attr

    # -- teardown: DELETE and ROLLBACK
    def teardown(self, stack: Stack) -> bool:
        _, rows = self.load()
        if not self.remove(stack, rows):
            return False
        if stack.action == "DELETE":
            self.finish("DELETE", "COMPLETE", "Stack DELETE completed successfully")
        else:
            self.finish("ROLLBACK", "COMPLETE", "Stack ROLLBACK completed successfully")
        return True

    def remove(self, stack: Stack, rows: dict[str, StackResource]) -> bool:
        """Remove `rows` (dependents first); True when all are gone. A failure fails the stack."""
        left = dict(rows)
        for _round in range(MAX_ROUNDS):
            progressed = False
            for name in sorted(left):
                row = left[name]
                try:
                    if row.action == "DELETE" and row.status == "IN_PROGRESS":
                        if self.gone(stack, row):
                            self.drop(row)
                            progressed = True
                        continue
                    if any(name in (other.requires or []) for o, other in left.items() if o != name):
                        continue  # something left still needs it: it goes after
                    progressed = True
                    if row.physical_id is None:
                        self.drop(row, event=False)
                        continue
                    self.save(row, "DELETE", "IN_PROGRESS")
                    self.remove_physical_strict(stack, row)
                    if self.gone(stack, row):
                        self.drop(row)
                except (ApiError, ResourceFailed) as exc:
                    reason = _reason(exc, name)
                    self.save(row, "DELETE", "FAILED", reason)
                    self.finish(stack.action if stack.action == "ROLLBACK" else "DELETE", "FAILED",
                                f"Resource DELETE failed: {reason}")
                    return False
            left = {n: r for n, r in left.items() if r.status != "GONE"}
            if not left:
                return True
            if not progressed:
                return False
        return False

    def remove_physical_strict(self, stack: Stack, row: StackResource) -> None:
        res = as_res(row, stack)
        if row.type == GROUP:
            self.group_delete(row.physical_id)
        else:
            TYPES[row.type].delete(self.api, res)

    def gone(self, stack: Stack, row: StackResource) -> bool:
        if row.type == GROUP:
            return self.group_gone(row)
        return TYPES[row.type].gone(self.api, as_res(row, stack))

    def drop(self, row: StackResource, event: bool = True) -> None:
        with self.cloud.db.write() as db:
            stored = db.get(StackResource, row.id)
            parent = db.get(Stack, self.stack_id)
            if stored is not None:
                if event and parent is not None:
                    stored.action, stored.status, stored.status_reason = "DELETE", "COMPLETE", "state changed"
                    add_event(db, self.cloud, parent, "DELETE", "COMPLETE", "state changed", stored)
                db.delete(stored)
        row.status = "GONE"

    # -- OS::Heat::ResourceGroup: a nested stack of `count` copies of `resource_def`
    @staticmethod
    def group_template(props: dict[str, Any]) -> dict[str, Any]:
        definition = dict(props["resource_def"])
        index_var = str(props.get("index_var") or "%index%")
        members = {str(i): hot._substitute(definition, {index_var: str(i)}) for i in range(max(0, props["count"]))}
        return {"heat_template_version": "2015-04-30", "resources": members}

    def group_create(self, stack: Stack, row: StackResource, props: dict[str, Any], res: Res,
                     adopted: dict[str, Any] | None = None) -> str:
        if not isinstance(props["resource_def"].get("type"), str):
            raise ResourceFailed("StackValidationFailed", "resource_def: type is required")
        with self.cloud.db.write() as db:
            now = self.cloud.clock.now()
            child = Stack(name=physical_name(stack.name, row.name), project_id=stack.project_id,
                          user_id=stack.user_id, user_name=stack.user_name, project_name=stack.project_name,
                          roles=list(stack.roles or []), parent_id=stack.id, parent_resource=row.name,
                          template=self.group_template(props), environment={}, files={}, parameters={},
                          disable_rollback=True, generation=1, created_at=now, action="ADOPT" if adopted else "CREATE",
                          status="IN_PROGRESS", status_reason="Stack CREATE started")
            db.add(child)
            db.flush()
            if adopted:
                adopt_rows(db, self.cloud, child, adopted)
            add_event(db, self.cloud, child, child.action, "IN_PROGRESS", f"Stack {child.action} started")
            schedule(db, self.cloud, child.id)
        res.data["nested_name"] = child.name
        return child.id

    def group_update(self, stack: Stack, row: StackResource, props: dict[str, Any]) -> None:
        with self.cloud.db.write() as db:
            child = db.get(Stack, row.physical_id)
            if child is None:
                raise ResourceFailed("NotFound", f"The nested stack of {row.name} is gone.")
            child.template = self.group_template(props)
            child.generation += 1
            set_stack(db, self.cloud, child, "UPDATE", "IN_PROGRESS", "Stack UPDATE started")
            schedule(db, self.cloud, child.id)

    def group_ready(self, row: StackResource) -> bool:
        with self.cloud.db.read() as db:
            child = db.get(Stack, row.physical_id)
        if child is None:
            raise ResourceFailed("NotFound", f"The nested stack of {row.name} is gone.")
        if child.status == "FAILED":
            raise ResourceFailed("ResourceFailure", child.status_reason)
        return child.status == "COMPLETE"

    def group_delete(self, child_id: str | None) -> None:
        with self.cloud.db.write() as db:
            child = db.get(Stack, child_id) if child_id else None
            if child is not None and child.deleted_at is None:
                set_stack(db, self.cloud, child, "DELETE", "IN_PROGRESS", "Stack DELETE started")
                schedule(db, self.cloud, child.id)

    def group_gone(self, row: StackResource) -> bool:
        with self.cloud.db.read() as db:
            child = db.get(Stack, row.physical_id)
        if child is None or child.deleted_at is not None:
            return True
        if child.action == "DELETE" and child.status == "FAILED":
            raise ResourceFailed("ResourceFailure", child.status_reason)
        return False

    def group_attribute(self, row: StackResource, attribute: str, path: list[Any]) -> Any:
        """refs, refs_map, resource.N[.attr], attributes (path: [attr]), or an attribute of every member."""
        with self.cloud.db.read() as db:
            child = db.get(Stack, row.physical_id)
            members = {r.name: r for r in db.scalars(select(StackResource).where(
                StackResource.stack_id == row.physical_id))}
        if child is None:
            return None
        names = sorted(members, key=lambda n: int(n) if n.isdigit() else 0)
        sub = Engine(self.cloud, child.id)
        sub.api = self.api

        def member_attr(name: str, attr: str) -> Any:
            member = members[name]
            res = as_res(member, child)
            return TYPES[member.type].attribute(self.api, res, attr) if member.type != GROUP else None

        def member_ref(name: str) -> Any:
            member = members[name]
            return TYPES[member.type].reference(as_res(member, child)) if member.type != GROUP else member.physical_id

        if attribute == "refs":
            return hot._path([member_ref(n) for n in names], path)
        if attribute == "refs_map":
            return hot._path({n: member_ref(n) for n in names}, path)
        if attribute == "removed_rsrc_list":
            return []
        if attribute.startswith("resource."):
            parts = attribute.split(".", 2)
            if parts[1] not in members:
                return None
            value = member_attr(parts[1], parts[2]) if len(parts) == 3 else member_ref(parts[1])
            return hot._path(value, path)
        if attribute == "attributes":
            if not path:
                return None
            return {n: member_attr(n, str(path[0])) for n in names}
        return hot._path([member_attr(n, attribute) for n in names], path)


def _unmarked(row: StackResource) -> dict[str, Any]:
    return {k: v for k, v in (row.data or {}).items() if k != WALK_MARK}


def mark_walk(db: Session, cloud: Cloud, stack: Stack, action: str) -> None:
    """Start a SUSPEND, RESUME or CHECK of the stack: every resource is marked to be visited, a step queued."""
    for row in db.scalars(select(StackResource).where(StackResource.stack_id == stack.id)):
        row.data = {**(row.data or {}), WALK_MARK: action}
    set_stack(db, cloud, stack, action, "IN_PROGRESS", f"Stack {action} started")
    schedule(db, cloud, stack.id)


def _reason(exc: Exception, resource: str) -> str:
    """Heat's resource failure reason: '<Kind>: resources.<name>: <message>'."""
    if isinstance(exc, ApiError):
        return f"{exc.kind}: resources.{resource}: {exc}"
    if isinstance(exc, ResourceFailed):
        return f"{exc.kind}: resources.{resource}: {exc}"
    if isinstance(exc, hot.ValidationFailed):
        return f"StackValidationFailed: resources.{resource}: {exc.message}"
    return f"{type(exc).__name__}: resources.{resource}: {exc}"


# -------------------------------------------------------------------------------------------------- jobs
def _gave_up(cloud: Cloud, job: JobSpec, detail: str) -> None:
    """The worker gave up on a step that kept raising: the stack fails with the error (never IN_PROGRESS)."""
    with cloud.db.write() as db:
        stack = db.get(Stack, job.resource_id)
        if stack is not None and stack.status == "IN_PROGRESS":
            set_stack(db, cloud, stack, stack.action, "FAILED", f"Engine error: {detail}")


@worker.job(JOBS, STEP, on_failure=_gave_up)
def run_step(cloud: Cloud, job: JobSpec) -> None:
    Engine(cloud, job.resource_id, job.id).step()
