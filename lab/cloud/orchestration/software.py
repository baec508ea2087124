"""Software configs and deployments (Heat's /software_configs and /software_deployments, as
heat/engine/service_software_config.py serves them).

A config is a script or document with its declared inputs and outputs, immutable once made. A deployment
applies one config to one server: IN_PROGRESS until the server's agent (os-collect-config with
heat-config, on a real cloud) signals its outputs, then COMPLETE, or FAILED when `deploy_status_code` is not 0
or an `error_output` output came. `GET /software_deployments/metadata/{server}` is what that agent polls: every
config deployed to the server, by config name. The lab runs no agent in its guests, so a deployment made by a
stack completes when it is signalled (`openstack stack resource signal`, or a PUT of its status), or at once
with `signal_transport: NO_SIGNAL`, as in Heat.

Everything is its project's: another project's config or deployment answers 404, as if it did not exist.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from lab.cloud.context import RequestContext
from lab.cloud.errors import BadRequest, NotFound
from lab.cloud.http import timestamp
from lab.cloud.orchestration.models import SoftwareConfig, SoftwareDeployment

if TYPE_CHECKING:
    from lab.cloud.app import Cloud

IN_PROGRESS, COMPLETE, FAILED = "IN_PROGRESS", "COMPLETE", "FAILED"
OUTPUTS = ("deploy_stdout", "deploy_stderr", "deploy_status_code")  # what every deployment reports


class InvalidRestrictedAction(BadRequest):
    heat_type = "InvalidRestrictedAction"


# --------------------------------------------------------------------------------------------- rendering
def config_body(sc: SoftwareConfig, detail: bool = True, include_project: bool = False) -> dict[str, Any]:
    """heat/engine/api.py format_software_config."""
    body: dict[str, Any] = {"id": sc.id, "name": sc.name, "group": sc.group,
                            "creation_time": timestamp(sc.created_at)}
    if detail:
        body.update(config=sc.config, inputs=sc.inputs or [], outputs=sc.outputs or [], options=sc.options or {})
    if include_project:
        body["project"] = sc.project_id
    return body


def deployment_body(sd: SoftwareDeployment) -> dict[str, Any]:
    """heat/engine/api.py format_software_deployment."""
    body = {"id": sd.id, "server_id": sd.server_id, "input_values": sd.input_values or {},
            "output_values": sd.output_values or {}, "action": sd.action, "status": sd.status,
            "status_reason": sd.status_reason, "config_id": sd.config_id,
            "creation_time": timestamp(sd.created_at)}
    if sd.updated_at:
        body["updated_time"] = timestamp(sd.updated_at)
    return body


# ------------------------------------------------------------------------------------------- parsing
def _text(body: dict[str, Any], key: str, default: str | None = None) -> str | None:
    value = body.get(key, default)
    if value is not None and not isinstance(value, str):
        raise BadRequest(f"The {key} must be a string.")
    return value


def _list_of_maps(body: dict[str, Any], key: str) -> list[dict[str, Any]]:
    value = body.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise BadRequest(f"The {key} must be a list of maps.")
    for item in value:
        if not isinstance(item.get("name"), str) or not item["name"]:
            raise BadRequest(f"Property error: {key}: Property name not assigned")
    return value


def _map(body: dict[str, Any], key: str) -> dict[str, Any] | None:
    value = body.get(key)
    if value is not None and not isinstance(value, dict):
        raise BadRequest(f"The {key} must be a map.")
    return value


class SoftwareService:
    """The software config API over the lab's database (policies are Heat's, policies.py)."""

    def __init__(self, cloud: Cloud):
        self.cloud = cloud

    # -- configs
    def _config(self, ctx: RequestContext, config_id: str) -> SoftwareConfig:
        with self.cloud.db.read() as db:
            sc = db.get(SoftwareConfig, config_id)
        if sc is None or (sc.project_id != ctx.project_id and not ctx.is_admin):
            raise NotFound(f"Software config with id {config_id} not found")
        return sc

    def list_configs(self, ctx: RequestContext, all_projects: bool = False) -> list[SoftwareConfig]:
        self.cloud.policy.enforce(ctx, "software_configs:global_index" if all_projects else
                                  "software_configs:index")
        with self.cloud.db.read() as db:
            query = select(SoftwareConfig).order_by(SoftwareConfig.created_at, SoftwareConfig.id)
            if not all_projects:
                query = query.where(SoftwareConfig.project_id == ctx.project_id)
            return list(db.scalars(query))

    def create_config(self, ctx: RequestContext, body: dict[str, Any]) -> SoftwareConfig:
        self.cloud.policy.enforce(ctx, "software_configs:create")
        name = _text(body, "name", "") or ""
        group = _text(body, "group", "Heat::Ungrouped") or "Heat::Ungrouped"
        config = body.get("config")
        if config is not None and not isinstance(config, (str, dict, list)):
            raise BadRequest("The config must be a string or a map.")
        sc = SoftwareConfig(project_id=ctx.project_id or "", name=name, group=group, config=config,
                            inputs=_list_of_maps(body, "inputs"), outputs=_list_of_maps(body, "outputs"),
                            options=_map(body, "options") or {}, created_at=self.cloud.clock.now())
        with self.cloud.db.write() as db:
            db.add(sc)
        return sc

    def show_config(self, ctx: RequestContext, config_id: str) -> SoftwareConfig:
        sc = self._config(ctx, config_id)
        self.cloud.policy.enforce(ctx, "software_configs:show", sc.project_id)
        return sc

    def delete_config(self, ctx: RequestContext, config_id: str) -> None:
        sc = self._config(ctx, config_id)
        self.cloud.policy.enforce(ctx, "software_configs:delete", sc.project_id)
        with self.cloud.db.write() as db:
            if db.scalar(select(SoftwareDeployment.id).where(SoftwareDeployment.config_id == sc.id).limit(1)):
                raise InvalidRestrictedAction(f"Software config with id {sc.id} can not be deleted as it is "
                                              f"referenced.")
            stored = db.get(SoftwareConfig, sc.id)
            if stored is not None:
                db.delete(stored)

    # -- deployments
    def _deployment(self, ctx: RequestContext, deployment_id: str) -> SoftwareDeployment:
        with self.cloud.db.read() as db:
            sd = db.get(SoftwareDeployment, deployment_id)
        if sd is None or (sd.project_id != ctx.project_id and not ctx.is_admin):
            raise NotFound(f"Deployment with id {deployment_id} not found")
        return sd

    def list_deployments(self, ctx: RequestContext, server_id: str | None) -> list[SoftwareDeployment]:
        self.cloud.policy.enforce(ctx, "software_deployments:index")
        with self.cloud.db.read() as db:
            query = select(SoftwareDeployment).where(SoftwareDeployment.project_id == ctx.project_id) \
                .order_by(SoftwareDeployment.created_at, SoftwareDeployment.id)
            if server_id:
                query = query.where(SoftwareDeployment.server_id == server_id)
            return list(db.scalars(query))

    def metadata(self, ctx: RequestContext, server_id: str) -> list[dict[str, Any]]:
        """Every config deployed to the server, sorted by config name (what the server's agent polls)."""
        self.cloud.policy.enforce(ctx, "software_deployments:metadata")
        with self.cloud.db.read() as db:
            pairs = [(sd, db.get(SoftwareConfig, sd.config_id)) for sd in db.scalars(
                select(SoftwareDeployment).where(SoftwareDeployment.project_id == ctx.project_id,
                                                 SoftwareDeployment.server_id == server_id))]
        configs = [sc for _sd, sc in pairs if sc is not None]
        return [config_body(sc) for sc in sorted(configs, key=lambda sc: sc.name)]

    def create_deployment(self, ctx: RequestContext, body: dict[str, Any]) -> SoftwareDeployment:
        self.cloud.policy.enforce(ctx, "software_deployments:create")
        server_id = _text(body, "server_id")
        if not server_id:
            raise BadRequest("server_id must be specified")
        config_id = _text(body, "config_id")
        if not config_id:
            raise BadRequest("config_id must be specified")
        self._config(ctx, config_id)
        deployment_id = _text(body, "deployment_id")
        now = self.cloud.clock.now()
        sd = SoftwareDeployment(project_id=ctx.project_id or "", server_id=server_id, config_id=config_id,
                                input_values=_map(body, "input_values") or {}, output_values={},
                                action=_text(body, "action", "INIT") or "INIT",
                                status=_text(body, "status", COMPLETE) or COMPLETE,
                                status_reason=_text(body, "status_reason", "") or "",
                                stack_user_project_id=_text(body, "stack_user_project_id"), created_at=now)
        if deployment_id:
            sd.id = deployment_id
        with self.cloud.db.write() as db:
            if deployment_id and db.get(SoftwareDeployment, deployment_id) is not None:
                raise BadRequest(f"Deployment with id {deployment_id} already exists.")
            db.add(sd)
        return sd

    def show_deployment(self, ctx: RequestContext, deployment_id: str) -> SoftwareDeployment:
        sd = self._deployment(ctx, deployment_id)
        self.cloud.policy.enforce(ctx, "software_deployments:show", sd.project_id)
        return sd

    def update_deployment(self, ctx: RequestContext, deployment_id: str, body: dict[str, Any]
                          ) -> SoftwareDeployment:
        """PUT: only what is sent (and not empty) changes, as Heat's update_software_deployment."""
        sd = self._deployment(ctx, deployment_id)
        self.cloud.policy.enforce(ctx, "software_deployments:update", sd.project_id)
        changes: dict[str, Any] = {}
        config_id = _text(body, "config_id")
        if config_id:
            self._config(ctx, config_id)
            changes["config_id"] = config_id
        for key in ("input_values", "output_values"):
            values = _map(body, key)
            if values:
                changes[key] = values
        for key in ("action", "status", "status_reason"):
            text = _text(body, key)
            if text:
                changes[key] = text
        return self._update(sd.id, changes)

    def _update(self, deployment_id: str, changes: dict[str, Any]) -> SoftwareDeployment:
        with self.cloud.db.write() as db:
            stored = db.get(SoftwareDeployment, deployment_id)
            if stored is None:
                raise NotFound(f"Deployment with id {deployment_id} not found")
            for key, value in changes.items():
                setattr(stored, key, value)
            stored.updated_at = self.cloud.clock.now()
            db.flush()
            db.expunge(stored)
        return stored

    def delete_deployment(self, ctx: RequestContext, deployment_id: str) -> None:
        sd = self._deployment(ctx, deployment_id)
        self.cloud.policy.enforce(ctx, "software_deployments:delete", sd.project_id)
        with self.cloud.db.write() as db:
            stored = db.get(SoftwareDeployment, sd.id)
            if stored is not None:
                db.delete(stored)

    def signal(self, ctx: RequestContext, deployment_id: str, details: Any) -> str | None:
        """Heat's signal_software_deployment: the agent's outputs; FAILED when deploy_status_code is not 0 or
        an error_output came. A deployment not IN_PROGRESS ignores it (None). Returns the event's reason."""
        sd = self._deployment(ctx, deployment_id)
        if sd.status != IN_PROGRESS:
            return None
        if details is None:
            details = {}
        if not isinstance(details, dict):
            raise BadRequest("Signal data error: the signal of a software deployment must be a map.")
        with self.cloud.db.read() as db:
            sc = db.get(SoftwareConfig, sd.config_id)
        values = dict(sd.output_values or {})
        reasons: dict[str, str] = {}
        code = details.get("deploy_status_code")
        failed = False
        event = "deployment succeeded"
        if code and str(code) != "0":
            failed = True
            reasons["deploy_status_code"] = f"Deployment exited with non-zero status code: {code}"
            event = f"deployment failed ({code})"
        for output in (sc.outputs if sc is not None else None) or []:
            key = output.get("name")
            if key in details:
                values[key] = details[key]
                if output.get("error_output"):
                    failed = True
                    reasons[key] = str(details[key])
                    event = "deployment failed"
        for key in OUTPUTS:
            values[key] = details.get(key)
        status, reason = (FAILED, ", ".join(f"{k} : {v}" for k, v in reasons.items())) if failed \
            else (COMPLETE, "Outputs received")
        self._update(sd.id, {"output_values": values, "status": status, "status_reason": reason})
        return event
