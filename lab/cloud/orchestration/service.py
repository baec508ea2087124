"""The orchestration service's behaviour: the stack API over the engine (engine.py), with Heat's checks and
wording, and the plugin hooks (a reset purges a student's stacks; a restart fails stacks nothing will finish).

A create or update is checked here first (template, environment, parameters, dependencies: Heat's 400s) and
only then recorded with its step job, so a bad template changes nothing. Every stack is its project's: another
project's stack answers 404, as if it did not exist.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from lab.cloud import worker
from lab.cloud.context import RequestContext
from lab.cloud.errors import BadRequest, Conflict, NotFound
from lab.cloud.orchestration import engine
from lab.cloud.orchestration import template as hot
from lab.cloud.orchestration.internal import ApiError, InternalAPI
from lab.cloud.orchestration.models import (
    SoftwareConfig,
    SoftwareDeployment,
    Stack,
    StackBackup,
    StackEvent,
    StackResource,
)
from lab.cloud.orchestration.quotas import stacks_in_use
from lab.cloud.orchestration.resources import SIGNALLED, TYPES, Res, WaitConditionHandle, served_types
from lab.cloud.orchestration.software import SoftwareService
from lab.cloud.orchestration.software_types import SoftwareDeploymentKind
from lab.cloud.plugin import Purge
from lab.cloud.quotas import Exceeded

if TYPE_CHECKING:
    from lab.cloud.app import Cloud

NAME = re.compile(r"^[a-zA-Z][a-zA-Z0-9_.-]{0,254}$")


class StackNotFound(NotFound):
    heat_type = "EntityNotFound"


class StackExists(Conflict):
    heat_type = "StackExists"


class LimitExceeded(BadRequest):
    heat_type = "RequestLimitExceeded"


class ActionInProgress(Conflict):
    heat_type = "ActionInProgress"


class NotSupported(BadRequest):
    heat_type = "NotSupported"


class ResourceActionNotSupported(BadRequest):
    heat_type = "ResourceActionNotSupported"


ACTIONS = ("suspend", "resume", "check", "cancel_update", "cancel_without_rollback")


@dataclass(frozen=True)
class StackRequest:
    """A create or update body, as heatclient sends it."""

    name: str
    template: dict[str, Any]
    environment: dict[str, Any]
    files: dict[str, Any]
    parameters: dict[str, Any]
    disable_rollback: bool
    timeout_mins: int | None
    tags: list[str]


def _dict(body: dict[str, Any], key: str) -> dict[str, Any]:
    value = body.get(key)
    if value is None or value == "":
        return {}
    if not isinstance(value, dict):
        raise BadRequest(f"The {key} must be a map.")
    return value


def parse_request(body: dict[str, Any], existing: Stack | None = None, patch: bool = False) -> StackRequest:
    """The fields of a create (or update: PUT replaces, PATCH keeps what is not sent)."""
    name = existing.name if existing else body.get("stack_name")
    if not isinstance(name, str) or not NAME.match(name):
        raise BadRequest(f'Invalid stack name {name} must contain only alphanumeric or "_-." characters, must start '
                         f"with alpha and must be 255 characters or less.")
    adopt = adopt_data(body) if existing is None else None
    if adopt is not None and body.get("template") is None:
        body = {**body, "template": adopt.get("template")}
    if body.get("template") is None and body.get("template_url"):
        raise BadRequest("template_url is not served by this cloud: send the template itself (the CLI's -t does).")
    if body.get("template") is None:
        if not (patch and existing is not None):
            raise BadRequest("No template specified")
        raw_template: Any = existing.template
    else:
        raw_template = body["template"]
    template = hot.parse(raw_template)  # checked; the stack keeps it as sent
    raw = raw_template if isinstance(raw_template, dict) else template
    environment = hot.parse_environment(body.get("environment"))
    files = {str(k): str(v) for k, v in _dict(body, "files").items()}
    parameters = {str(k): v for k, v in _dict(body, "parameters").items()}
    if patch and existing is not None:
        kept = {k: v for k, v in (existing.environment.get("parameters") or {}).items()
                if k not in (body.get("clear_parameters") or [])}
        parameters = {**kept, **parameters}
        environment = environment or dict(existing.environment)
        files = {**existing.files, **files}
    rollback = body.get("disable_rollback", existing.disable_rollback if existing else True)
    timeout = body.get("timeout_mins", existing.timeout_mins if existing else None)
    if timeout is not None:
        try:
            timeout = int(timeout)
        except (TypeError, ValueError):
            raise BadRequest(f"Invalid timeout value {timeout}") from None
    tags = body.get("tags", existing.tags if existing else [])
    if isinstance(tags, str):
        tags = [t for t in tags.split(",") if t]
    return StackRequest(name, raw, environment, files, parameters, bool(rollback) if not isinstance(rollback, str)
                        else rollback.lower() == "true", timeout, [str(t) for t in tags or []])


def adopt_data(body: dict[str, Any]) -> dict[str, Any] | None:
    """The `adopt_stack_data` of a create (heatclient sends the abandon file's text), parsed; None if absent."""
    raw = body.get("adopt_stack_data")
    if raw is None or raw == "":
        return None
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            try:
                raw = yaml.safe_load(raw)
            except yaml.YAMLError:
                raw = None
    if not isinstance(raw, dict):
        raise BadRequest("Invalid adopt data: it must be a map (the output of `openstack stack abandon`).")
    if not isinstance(raw.get("resources", {}), dict):
        raise BadRequest("Invalid adopt data: its resources must be a map.")
    return raw


class OrchestrationService:
    def __init__(self, cloud: Cloud):
        self.cloud = cloud

    # -- checks
    def _check(self, ctx: RequestContext, req: StackRequest, stack_id: str = "") -> tuple[dict[str, Any], Any]:
        """The parameters' values and the plan, or Heat's 400 (custom constraints are asked of the services)."""
        template = hot.parse(req.template)
        values = hot.resolve_parameters(template, req.environment, {**(req.environment.get("parameters") or {}),
                                                                    **req.parameters},
                                        self._custom(ctx))
        probe = Stack(id=stack_id or "", name=req.name, project_id=ctx.project_id or "", template=req.template,
                      environment=req.environment, files=req.files, parameters=values)
        plan = engine.plan_of(probe)
        for name, definition in plan.definitions.items():
            if definition["type"] not in served_types(self.cloud.services):
                raise hot.ValidationFailed(f"The Resource Type ({definition['type']}) could not be found.")
            TYPES[definition["type"]].validate(name, definition.get("properties") or {})
            for snippet in (definition.get("properties") or {}, plan.outputs):
                hot.evaluate(snippet, plan.scope)  # unknown parameters, files, functions (no resources yet)
            if definition["type"] == SoftwareDeploymentKind.name:
                self._check_deployed_server(plan, (definition.get("properties") or {}).get("server"))
        return values, plan

    @staticmethod
    def _check_deployed_server(plan: Any, server: Any) -> None:
        """Heat's SoftwareDeployment.validate: a server of the stack that takes deployments must say so."""
        target = server.get("get_resource") if isinstance(server, dict) and len(server) == 1 else None
        definition = plan.definitions.get(target) if isinstance(target, str) else None
        if definition is not None and definition["type"] == "OS::Nova::Server" and \
                (definition.get("properties") or {}).get("user_data_format") != "SOFTWARE_CONFIG":
            raise hot.ValidationFailed(f"Resource {target}'s property user_data_format should be set to "
                                       f"SOFTWARE_CONFIG since there are software deployments on it.")

    def _custom(self, ctx: RequestContext) -> Any:
        """custom_constraint: nova.flavor, glance.image, neutron.network, nova.keypair, checked as the caller."""
        api = InternalAPI(self.cloud, ctx)
        from lab.cloud.orchestration import resources as r

        def check(name: str, value: Any) -> str | None:
            try:
                if name == "nova.flavor":
                    r._flavor(api, str(value))
                elif name == "glance.image":
                    r._image(api, str(value))
                elif name == "neutron.network":
                    r._network(api, str(value))
                elif name == "nova.keypair":
                    api.get(f"{r.NOVA}/os-keypairs/{value}")
                else:
                    return None
            except (r.ResourceFailed, ApiError):
                labels = {"nova.flavor": "Flavor", "glance.image": "Image", "neutron.network": "Network",
                          "nova.keypair": "Keypair"}
                return f"Error validating value '{value}': The {labels[name]} ({value}) could not be found."
            return None

        return check

    # -- stacks
    def create_stack(self, ctx: RequestContext, body: dict[str, Any]) -> Stack:
        self.cloud.policy.enforce(ctx, "stacks:create")
        req = parse_request(body)
        assert ctx.project_id is not None
        values, _plan = self._check(ctx, req)
        now = self.cloud.clock.now()
        with self.cloud.db.write() as db:
            if self._by_name(db, ctx.project_id, req.name) is not None:
                raise StackExists(f"The Stack ({req.name}) already exists.")
            try:
                self.cloud.quotas.check(db, "orchestration", ctx.project_id, {"stacks": 1})
            except Exceeded as exc:
                limit = exc.overs[0][3]
                raise LimitExceeded(f"Request limit exceeded: You have reached the maximum stacks per tenant, "
                                    f"{limit}. Please delete some stacks.") from None
            adopt = adopt_data(body)
            action = "ADOPT" if adopt is not None else "CREATE"
            stack = Stack(name=req.name, project_id=ctx.project_id, user_id=ctx.user_id, user_name=ctx.user_name,
                          project_name=ctx.project_name or "", roles=list(ctx.roles), template=req.template,
                          environment=req.environment, files=req.files, parameters=values, tags=req.tags,
                          disable_rollback=req.disable_rollback, timeout_mins=req.timeout_mins, generation=1,
                          created_at=now, action=action, status="IN_PROGRESS", status_reason=f"Stack {action} started")
            db.add(stack)
            db.flush()
            if adopt is not None:
                engine.adopt_rows(db, self.cloud, stack, adopt.get("resources") or {})
            engine.add_event(db, self.cloud, stack, action, "IN_PROGRESS", f"Stack {action} started")
            engine.schedule(db, self.cloud, stack.id)
        self.cloud.worker.wake()
        return stack

    def preview(self, ctx: RequestContext, body: dict[str, Any]) -> tuple[Stack, list[dict[str, Any]]]:
        self.cloud.policy.enforce(ctx, "stacks:preview")
        req = parse_request(body)
        values, plan = self._check(ctx, req)
        stack = Stack(id="None", name=req.name, project_id=ctx.project_id or "", template=req.template,
                      parameters=values, tags=req.tags, disable_rollback=req.disable_rollback,
                      timeout_mins=req.timeout_mins, created_at=self.cloud.clock.now(), action="INIT",
                      status="COMPLETE", status_reason="", outputs=[], environment=req.environment)
        return stack, [{"resource_name": name, "resource_type": d["type"], "resource_action": "INIT",
                        "resource_status": "COMPLETE", "physical_resource_id": "", "required_by": sorted(
                            n for n, needs in plan.requires.items() if name in needs)}
                       for name, d in plan.definitions.items()]

    def validate(self, ctx: RequestContext, body: dict[str, Any]) -> dict[str, Any]:
        self.cloud.policy.enforce(ctx, "stacks:validate_template")
        if body.get("template") is None:
            raise BadRequest("No Template provided.")
        template = hot.parse(body["template"])
        environment = hot.parse_environment(body.get("environment"))
        req = StackRequest("validate", template, environment, {str(k): str(v) for k, v in
                                                               _dict(body, "files").items()},
                           _dict(body, "parameters"), True, None, [])
        values: dict[str, Any] = {}
        declared = template.get("parameters") or {}
        given = {**(environment.get("parameter_defaults") or {}), **(environment.get("parameters") or {}),
                 **req.parameters}
        missing = [n for n, spec in declared.items() if isinstance(spec, dict) and "default" not in spec
                   and n not in given]
        if not missing:  # Heat validates a template without its required values too (they are reported)
            values, _plan = self._check(ctx, req)
        groups = template.get("parameter_groups") or []
        out = {"Description": template.get("description", "No description"),
               "Parameters": hot.parameters_view(template, values), "Environment": {
                   "parameters": environment.get("parameters") or {}, "resource_registry": {"resources": {}},
                   "parameter_defaults": environment.get("parameter_defaults") or {}, "event_sinks": [],
                   "encrypted_param_names": []}}
        if groups:
            out["ParameterGroups"] = groups
        return out

    def list_stacks(self, ctx: RequestContext, filters: dict[str, Any], show_nested: bool = False,
                    show_deleted: bool = False) -> list[Stack]:
        self.cloud.policy.enforce(ctx, "stacks:index")
        with self.cloud.db.read() as db:
            query = select(Stack).order_by(Stack.created_at.desc(), Stack.id)
            if not ctx.all_projects:
                query = query.where(Stack.project_id == ctx.project_id)
            if not show_nested:
                query = query.where(Stack.parent_id.is_(None))
            if not show_deleted:
                query = query.where(Stack.deleted_at.is_(None))
            stacks = list(db.scalars(query))
        for key, column in (("name", "name"), ("id", "id"), ("status", "status"), ("action", "action")):
            wanted = filters.get(key)
            if wanted:
                wanted = wanted if isinstance(wanted, list) else [wanted]
                stacks = [s for s in stacks if getattr(s, column) in wanted
                          or (key == "status" and f"{s.action}_{s.status}" in wanted)]
        if filters.get("tags"):
            tags = set(str(filters["tags"]).split(","))
            stacks = [s for s in stacks if tags <= set(s.tags or [])]
        return stacks

    def _by_name(self, db: Session, project_id: str, name: str) -> Stack | None:
        return db.scalar(select(Stack).where(Stack.project_id == project_id, Stack.name == name,
                                             Stack.deleted_at.is_(None)))

    def lookup(self, ctx: RequestContext, identity: str) -> Stack:
        """A stack by name or id (the 302 of GET /stacks/{name})."""
        self.cloud.policy.enforce(ctx, "stacks:lookup")
        with self.cloud.db.read() as db:
            stack = db.get(Stack, identity)
            if stack is None or not self._visible(ctx, stack) or stack.deleted_at is not None:
                stack = self._by_name(db, ctx.project_id or "", identity)
        if stack is None or not self._visible(ctx, stack):
            raise StackNotFound(f"The Stack ({identity}) could not be found.")
        return stack

    @staticmethod
    def _visible(ctx: RequestContext, stack: Stack) -> bool:
        return stack.project_id == ctx.project_id or ctx.is_admin

    def get_stack(self, ctx: RequestContext, name: str, stack_id: str, rule: str = "stacks:show") -> Stack:
        with self.cloud.db.read() as db:
            stack = db.get(Stack, stack_id)
        if stack is None or stack.name != name or not self._visible(ctx, stack):
            raise StackNotFound(f"The Stack ({name}) could not be found.")
        self.cloud.policy.enforce(ctx, rule, stack.project_id)
        return stack

    def update_stack(self, ctx: RequestContext, name: str, stack_id: str, body: dict[str, Any],
                     patch: bool) -> Stack:
        stack = self.get_stack(ctx, name, stack_id, "stacks:update_patch" if patch else "stacks:update")
        if stack.deleted_at is not None or stack.action == "DELETE":
            raise StackNotFound(f"The Stack ({name}) could not be found.")
        if stack.status == "IN_PROGRESS":
            raise ActionInProgress(f"Stack {name} already has an action ({stack.action}) in progress.")
        if stack.action == "SUSPEND":
            raise NotSupported("Updating a stack when it is suspended is not supported.")
        req = parse_request(body, stack, patch)
        values, _plan = self._check(ctx, req, stack.id)
        with self.cloud.db.write() as db:
            stored = db.get(Stack, stack.id)
            assert stored is not None
            if stored.status == "IN_PROGRESS":
                raise ActionInProgress(f"Stack {name} already has an action ({stored.action}) in progress.")
            engine.backup(db, stored)
            stored.template, stored.environment, stored.files = req.template, req.environment, req.files
            stored.parameters, stored.tags = values, req.tags
            stored.disable_rollback, stored.timeout_mins = req.disable_rollback, req.timeout_mins
            stored.generation += 1
            engine.set_stack(db, self.cloud, stored, "UPDATE", "IN_PROGRESS", "Stack UPDATE started")
            engine.schedule(db, self.cloud, stored.id)
        self.cloud.worker.wake()
        return stack

    def delete_stack(self, ctx: RequestContext, name: str, stack_id: str) -> None:
        stack = self.get_stack(ctx, name, stack_id, "stacks:delete")
        if stack.deleted_at is not None:
            raise StackNotFound(f"The Stack ({name}) could not be found.")
        with self.cloud.db.write() as db:
            stored = db.get(Stack, stack.id)
            assert stored is not None
            if stored.action == "DELETE" and stored.status == "IN_PROGRESS":
                return
            engine.set_stack(db, self.cloud, stored, "DELETE", "IN_PROGRESS", "Stack DELETE started")
            engine.schedule(db, self.cloud, stored.id)
        self.cloud.worker.wake()

    # -- actions (POST /actions): Heat's checks, then a walk or a rollback run by the engine
    def action(self, ctx: RequestContext, name: str, stack_id: str, body: Any) -> None:
        if not isinstance(body, dict) or not body:
            raise BadRequest("No action specified")
        if len(body) > 1:
            raise BadRequest("Multiple actions specified")
        verb = next(iter(body))
        if verb not in ACTIONS:
            raise BadRequest(f"Invalid action {verb} specified")
        stack = self.get_stack(ctx, name, stack_id, f"actions:{verb}")
        if stack.deleted_at is not None:
            raise StackNotFound(f"The Stack ({name}) could not be found.")
        with self.cloud.db.write() as db:
            stored = db.get(Stack, stack.id)
            assert stored is not None
            state = f"{stored.action}_{stored.status}"
            if verb.startswith("cancel"):
                allowed = ("UPDATE",) if verb == "cancel_update" else ("UPDATE", "CREATE")
                if not (stored.status == "IN_PROGRESS" and stored.action in allowed):
                    raise NotSupported(f"Cancelling update when stack is {state} is not supported.")
                if verb == "cancel_update":
                    if not engine.start_rollback(db, self.cloud, stored, "Stack UPDATE cancelled"):
                        raise NotSupported(f"Cancelling update when stack is {state} is not supported.")
                else:
                    engine.set_stack(db, self.cloud, stored, stored.action, "FAILED", "Stack UPDATE cancelled")
                    for job in db.scalars(select(worker.Job).where(worker.Job.kind == engine.STEP,
                                                                   worker.Job.resource_id == stored.id)):
                        db.delete(job)
                    return
                engine.schedule(db, self.cloud, stored.id)
            else:
                action = verb.upper()
                if stored.status == "IN_PROGRESS":
                    raise ActionInProgress(f"Stack {name} already has an action ({stored.action}) in progress.")
                if (action == "SUSPEND" and state == "SUSPEND_COMPLETE") or (
                        action == "RESUME" and stored.action not in ("SUSPEND", "RESUME")) or (
                        action == "RESUME" and state == "RESUME_COMPLETE"):
                    return  # Heat: already suspended, or not suspended: nothing to do
                engine.mark_walk(db, self.cloud, stored, action)
        self.cloud.worker.wake()

    def abandon(self, ctx: RequestContext, name: str, stack_id: str) -> dict[str, Any]:
        """DELETE /abandon: the stack's data (for `stack adopt`); the stack goes, what it made stays."""
        stack = self.get_stack(ctx, name, stack_id, "stacks:abandon")
        if stack.deleted_at is not None:
            raise StackNotFound(f"The Stack ({name}) could not be found.")
        if stack.status == "IN_PROGRESS":
            raise ActionInProgress(f"Stack {name} already has an action ({stack.action}) in progress.")
        with self.cloud.db.write() as db:
            stored = db.get(Stack, stack.id)
            assert stored is not None
            data = {"name": stored.name, "id": stored.id, "action": stored.action, "status": stored.status,
                    "template": stored.template, "environment": stored.environment, "files": stored.files,
                    "resources": self._abandon_resources(db, stored), "project_id": stored.project_id,
                    "stack_user_project_id": stored.project_id, "tags": stored.tags or []}
            engine.set_stack(db, self.cloud, stored, "DELETE", "COMPLETE", "Stack ABANDON completed successfully")
        return data

    def _abandon_resources(self, db: Session, stack: Stack) -> dict[str, Any]:
        """Each resource as Heat's prepare_abandon renders it (a group's members under its "resources"); the
        rows go, with the group's nested stack, and nothing physical is touched."""
        out: dict[str, Any] = {}
        for row in list(db.scalars(select(StackResource).where(StackResource.stack_id == stack.id))):
            entry: dict[str, Any] = {"name": row.name, "resource_id": row.physical_id, "type": row.type,
                                     "action": row.action, "status": row.status, "metadata": {},
                                     "resource_data": {k: v for k, v in (row.data or {}).items()
                                                       if not k.startswith("_")}}
            if row.type == engine.GROUP and row.physical_id:
                child = db.get(Stack, row.physical_id)
                if child is not None and child.deleted_at is None:
                    entry["resources"] = self._abandon_resources(db, child)
                    engine.set_stack(db, self.cloud, child, "DELETE", "COMPLETE",
                                     "Stack ABANDON completed successfully")
            out[row.name] = entry
            db.delete(row)
        for kept in db.scalars(select(StackBackup).where(StackBackup.stack_id == stack.id)):
            db.delete(kept)
        return out

    def signal(self, ctx: RequestContext, stack: Stack, resource_name: str, details: Any) -> None:
        """POST /resources/{name}/signal: a WaitConditionHandle or a SoftwareDeployment takes signals here
        (Heat's 400 otherwise)."""
        row = self.resource(ctx, stack, resource_name, "resource:signal")
        if row.physical_id is None:
            raise StackNotFound(f"The Resource ({resource_name}) is not available.")
        if row.type not in SIGNALLED:
            raise ResourceActionNotSupported("signal is not supported for resource.")
        if row.action in ("SUSPEND", "DELETE"):
            raise NotSupported(f"Signal resource during {row.action} is not supported.")
        if row.type == SoftwareDeploymentKind.name:  # the agent's outputs, to the deployment (software.py)
            outcome = SoftwareService(self.cloud).signal(ctx, row.physical_id, details) \
                if (row.data or {}).get("deployed") else None
            with self.cloud.db.write() as db:
                stored, owner = db.get(StackResource, row.id), db.get(Stack, stack.id)
                assert stored is not None and owner is not None
                engine.add_event(db, self.cloud, owner, "SIGNAL", "COMPLETE",
                                 f"Signal: {outcome or 'deployment not in progress: signal ignored'}", stored)
                if owner.status == "IN_PROGRESS":
                    engine.schedule(db, self.cloud, owner.id)
            self.cloud.worker.wake()
            return
        with self.cloud.db.write() as db:
            stored = db.get(StackResource, row.id)
            owner = db.get(Stack, stack.id)
            assert stored is not None and owner is not None
            try:
                signals = WaitConditionHandle.signal(stored.data or {}, details)
            except ValueError as exc:
                raise BadRequest(str(exc)) from None
            stored.data = {**(stored.data or {}), "signals": signals}
            last = list(signals.values())[-1]
            engine.add_event(db, self.cloud, owner, "SIGNAL", "COMPLETE",
                             f"Signal: status:{last['status']} reason:{last['reason']}", stored)
            if owner.status == "IN_PROGRESS":
                engine.schedule(db, self.cloud, owner.id)  # the WaitCondition looks at once
        self.cloud.worker.wake()

    def mark_unhealthy(self, ctx: RequestContext, stack: Stack, resource_name: str, body: Any) -> None:
        """PATCH /resources/{name}: mark_unhealthy sets CHECK_FAILED (the next update replaces it)."""
        row = self.resource(ctx, stack, resource_name, "resource:mark_unhealthy")
        if not isinstance(body, dict) or "mark_unhealthy" not in body:
            raise BadRequest("Missing mandatory (mark_unhealthy) key from mark unhealthy request")
        mark = body["mark_unhealthy"]
        if isinstance(mark, str) and mark.lower() in ("true", "false"):
            mark = mark.lower() == "true"
        if not isinstance(mark, bool):
            raise BadRequest(f'Invalid value "{mark}" for mark_unhealthy')
        reason = str(body.get("resource_status_reason") or "")
        if stack.status == "IN_PROGRESS":
            raise ActionInProgress(f"Stack {stack.name} already has an action ({stack.action}) in progress.")
        with self.cloud.db.write() as db:
            stored = db.get(StackResource, row.id)
            owner = db.get(Stack, stack.id)
            assert stored is not None and owner is not None
            if mark:
                stored.action, stored.status, stored.status_reason = "CHECK", "FAILED", reason
            elif (stored.action, stored.status) == ("CHECK", "FAILED"):
                stored.action, stored.status, stored.status_reason = "CHECK", "COMPLETE", reason
            else:
                return
            stored.updated_at = self.cloud.clock.now()
            engine.add_event(db, self.cloud, owner, stored.action, stored.status, reason, stored)

    def resource_metadata(self, ctx: RequestContext, stack: Stack, resource_name: str) -> dict[str, Any]:
        """A WaitConditionHandle's metadata is its signals, by id (as Heat keeps them)."""
        row = self.resource(ctx, stack, resource_name, "resource:metadata")
        return dict((row.data or {}).get("signals") or {}) if row.type in SIGNALLED else {}

    # -- a stack's parts
    def resources(self, ctx: RequestContext, stack: Stack, nested_depth: int = 0) -> list[tuple[Stack,
                                                                                                StackResource]]:
        self.cloud.policy.enforce(ctx, "resource:index", stack.project_id)
        found: list[tuple[Stack, StackResource]] = []
        with self.cloud.db.read() as db:
            level = [stack]
            for depth in range(nested_depth + 1):
                children: list[Stack] = []
                for owner in level:
                    for row in db.scalars(select(StackResource).where(StackResource.stack_id == owner.id)
                                          .order_by(StackResource.created_at, StackResource.name)):
                        found.append((owner, row))
                        if row.type == engine.GROUP and row.physical_id and depth < nested_depth:
                            child = db.get(Stack, row.physical_id)
                            if child is not None:
                                children.append(child)
                level = children
        return found

    def resource(self, ctx: RequestContext, stack: Stack, resource_name: str, rule: str = "resource:show"
                 ) -> StackResource:
        self.cloud.policy.enforce(ctx, rule, stack.project_id)
        with self.cloud.db.read() as db:
            row = db.scalar(select(StackResource).where(StackResource.stack_id == stack.id,
                                                        StackResource.name == resource_name))
        if row is None:
            raise NotFound(f"The Resource ({resource_name}) could not be found in Stack {stack.name}.")
        return row

    def resource_attributes(self, ctx: RequestContext, stack: Stack, row: StackResource) -> dict[str, Any]:
        """The resource's attributes now (asked of its service as the stack's owner)."""
        if row.physical_id is None or row.type not in TYPES or row.type == engine.GROUP:
            return {}
        kind = TYPES[row.type]
        api = InternalAPI(self.cloud, engine.owner(stack))
        res = Res(row.name, row.physical_id, dict(row.data or {}), "", stack.project_id)
        values: dict[str, Any] = {}
        for name in kind.attributes:
            if name == "show":
                continue
            try:
                values[name] = kind.attribute(api, res, name)
            except ApiError:
                values[name] = None
        return values

    def events(self, ctx: RequestContext, stack: Stack, resource_name: str | None = None, nested_depth: int = 0,
               ) -> list[tuple[Stack, StackEvent]]:
        self.cloud.policy.enforce(ctx, "events:index", stack.project_id)
        with self.cloud.db.read() as db:
            if resource_name is not None and db.scalar(select(StackEvent.id).where(
                    StackEvent.stack_id == stack.id, StackEvent.resource_name == resource_name).limit(1)) is None:
                raise NotFound(f"The Resource ({resource_name}) could not be found in Stack {stack.name}.")
            stacks = {stack.id: stack}
            level = [stack.id]
            for _ in range(nested_depth):
                level = [c.id for c in db.scalars(select(Stack).where(Stack.parent_id.in_(level)))]
                stacks.update({sid: db.get(Stack, sid) for sid in level})  # type: ignore[misc]
            query = select(StackEvent).where(StackEvent.stack_id.in_(list(stacks))).order_by(StackEvent.seq)
            if resource_name is not None:
                query = query.where(StackEvent.resource_name == resource_name)
            return [(stacks[e.stack_id], e) for e in db.scalars(query)]

    def event(self, ctx: RequestContext, stack: Stack, resource_name: str, event_id: str) -> StackEvent:
        self.cloud.policy.enforce(ctx, "events:show", stack.project_id)
        with self.cloud.db.read() as db:
            event = db.get(StackEvent, event_id)
        if event is None or event.stack_id != stack.id or event.resource_name != resource_name:
            raise NotFound(f"The Event ({event_id}) could not be found.")
        return event

    # -- the plugin hooks (lab/cloud/plugin.py)
    def recover(self) -> None:
        """A stack IN_PROGRESS with no step job left fails (Heat's "Engine went down"); with one, it resumes."""
        with self.cloud.db.write() as db:
            pending = set(db.scalars(select(worker.Job.resource_id).where(worker.Job.kind == engine.STEP)))
            for stack in db.scalars(select(Stack).where(Stack.status == "IN_PROGRESS")):
                if stack.id not in pending:
                    engine.set_stack(db, self.cloud, stack, stack.action, "FAILED",
                                     f"Engine went down during stack {stack.action}")

    def purge_project(self, purge: Purge) -> None:
        """The project's stacks go (the servers, networks and volumes they made are purged by their services)."""
        db = purge.db
        for software in (SoftwareDeployment, SoftwareConfig):  # deployments first: they refer to their configs
            for made in db.scalars(select(software).where(software.project_id == purge.project_id)):
                db.delete(made)
        db.flush()
        stacks = list(db.scalars(select(Stack).where(Stack.project_id == purge.project_id)))
        ids = [s.id for s in stacks]
        if not ids:
            return
        for model in (StackEvent, StackResource, StackBackup):
            for row in db.scalars(select(model).where(model.stack_id.in_(ids))):
                db.delete(row)
        for job in db.scalars(select(worker.Job).where(worker.Job.kind == engine.STEP,
                                                       worker.Job.resource_id.in_(ids))):
            db.delete(job)
        db.flush()
        for stack in stacks:
            if stack.parent_id is None and stack.deleted_at is None:
                purge.removed["stacks"] += 1
            db.delete(stack)

    def holdings(self, db: Session, project_id: str, user_ids: list[str]) -> dict[str, int]:
        return {"stacks": stacks_in_use(db, project_id)}
