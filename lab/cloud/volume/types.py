"""Volume types: the default `__DEFAULT__` type every lab has, and the ones an admin adds (with extra specs,
QoS specs, and for a private type the projects that may use it: `volume type set --project`).

In Cinder a type is how a user picks a backend (`volume_backend_name` in its extra specs) and a class of
service; this lab has one backend, so types only label volumes, carry per-type quotas and can be listed.
"""

from __future__ import annotations

import builtins
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from lab.cloud.context import RequestContext
from lab.cloud.errors import BadRequest, Conflict, NotFound
from lab.cloud.volume.models import (
    DefaultType,
    QosAssociation,
    Volume,
    VolumeType,
    VolumeTypeAccess,
    VolumeTypeEncryption,
)
from lab.cloud.volume.qos import qos_of
from lab.cloud.volume.schemas import TypeCreate

if TYPE_CHECKING:
    from lab.cloud.app import Cloud
    from lab.cloud.policy import Policy

DEFAULT_TYPE = "__DEFAULT__"


def default_type(db: Session, project_id: str | None = None) -> VolumeType:
    """The project's default type (3.62, set by an admin) if it has one, else the cloud's `__DEFAULT__`."""
    if project_id is not None:
        own = db.get(DefaultType, project_id)
        if own is not None and (vtype := db.get(VolumeType, own.volume_type_id)) is not None:
            return vtype
    found = db.scalar(select(VolumeType).where(VolumeType.name == DEFAULT_TYPE))
    if found is None:  # bootstrap makes it; a missing one is a broken lab
        raise NotFound(f"Volume type with name {DEFAULT_TYPE} could not be found.")
    return found


def sees_private_types(policy: Policy, ctx: RequestContext) -> bool:
    """Cinder shows private types to `context.is_admin` callers: the `context_is_admin` rule."""
    return policy.allows(ctx, "context_is_admin")


def visible(db: Session, policy: Policy, ctx: RequestContext, vtype: VolumeType) -> bool:
    """Public types are everyone's; a private one is an admin's and that of the projects on its access list."""
    if vtype.is_public or sees_private_types(policy, ctx):
        return True
    return db.scalar(select(VolumeTypeAccess.id).where(VolumeTypeAccess.volume_type_id == vtype.id,
                                                       VolumeTypeAccess.project_id == ctx.project_id)) is not None


def find_type(db: Session, policy: Policy, ctx: RequestContext, name_or_id: str | None) -> VolumeType:
    """A type by id or name (None: the default). Raises Cinder's 404."""
    if name_or_id is None:
        return default_type(db, ctx.project_id)
    found = db.get(VolumeType, name_or_id) or db.scalar(select(VolumeType).where(VolumeType.name == name_or_id))
    if found is None or not visible(db, policy, ctx, found):
        raise NotFound(f"Volume type with name {name_or_id} could not be found.")
    return found


class VolumeTypes:
    """`cloud.volume.types`: the volume type operations."""

    def __init__(self, cloud: Cloud):
        self.cloud = cloud

    def ensure_default_type(self) -> None:
        with self.cloud.db.write() as db:
            if db.scalar(select(VolumeType).where(VolumeType.name == DEFAULT_TYPE)) is None:
                db.add(VolumeType(name=DEFAULT_TYPE, description="Default Volume Type", is_public=True,
                                  extra_specs={}, created_at=self.cloud.clock.now()))

    def list(self, ctx: RequestContext, is_public: bool | None = None) -> list[VolumeType]:
        """GET /types: public types; an admin also sees private ones (or only those, with is_public=false)."""
        self.cloud.policy.enforce(ctx, "volume_extension:type_get_all")
        with self.cloud.db.read() as db:
            query = select(VolumeType).order_by(VolumeType.name)
            if not sees_private_types(self.cloud.policy, ctx):
                shared = select(VolumeTypeAccess.volume_type_id).where(VolumeTypeAccess.project_id == ctx.project_id)
                query = query.where(or_(VolumeType.is_public.is_(True), VolumeType.id.in_(shared)))
                if is_public is not None:
                    query = query.where(VolumeType.is_public.is_(is_public))
            elif is_public is not None:
                query = query.where(VolumeType.is_public.is_(is_public))
            return list(db.scalars(query))

    def get(self, ctx: RequestContext, type_id: str, rule: str = "volume_extension:type_get") -> VolumeType:
        """GET /types/{id} (also `default`). Raises 404."""
        self.cloud.policy.enforce(ctx, rule)
        with self.cloud.db.read() as db:
            if type_id == "default":
                return default_type(db, ctx.project_id)
            found = db.get(VolumeType, type_id)
            if found is None or not visible(db, self.cloud.policy, ctx, found):
                raise NotFound(f"Volume type {type_id} could not be found.")
            return found

    # ---------------------------------------------------------------- per-project defaults (3.62, admin)
    def set_default(self, ctx: RequestContext, project_id: str, type_name_or_id: str) -> DefaultType:
        """PUT /default-types/{project_id}: the project's default becomes that type (404 for an unknown one)."""
        self.cloud.policy.enforce(ctx, "volume_extension:default_set_or_update")
        with self.cloud.db.write() as db:
            vtype = find_type(db, self.cloud.policy, ctx, type_name_or_id)
            row = db.get(DefaultType, project_id)
            if row is None:
                row = DefaultType(project_id=project_id, volume_type_id=vtype.id)
                db.add(row)
            row.volume_type_id = vtype.id
            db.flush()
            return DefaultType(project_id=row.project_id, volume_type_id=row.volume_type_id)

    def get_defaults(self, ctx: RequestContext, project_id: str | None = None) -> builtins.list[DefaultType]:
        """GET /default-types[/{project_id}]: every project's default (or the one's; 404 when it has none)."""
        self.cloud.policy.enforce(ctx, "volume_extension:default_get" if project_id else
                                  "volume_extension:default_get_all")
        with self.cloud.db.read() as db:
            query = select(DefaultType).order_by(DefaultType.project_id)
            if project_id is not None:
                query = query.where(DefaultType.project_id == project_id)
            rows = [DefaultType(project_id=r.project_id, volume_type_id=r.volume_type_id) for r in db.scalars(query)]
        if project_id is not None and not rows:
            raise NotFound(f"Default type for project {project_id} not found.")
        return rows

    def unset_default(self, ctx: RequestContext, project_id: str) -> None:
        """DELETE /default-types/{project_id}: back to the cloud's default (a project without one: 204 too)."""
        self.cloud.policy.enforce(ctx, "volume_extension:default_unset")
        with self.cloud.db.write() as db:
            row = db.get(DefaultType, project_id)
            if row is not None:
                db.delete(row)

    def get_extra_specs(self, ctx: RequestContext, type_id: str) -> dict[str, str]:
        """GET /types/{id}/extra_specs."""
        return dict(self.get(ctx, type_id, "volume_extension:types_extra_specs:index").extra_specs or {})

    def create(self, ctx: RequestContext, req: TypeCreate) -> VolumeType:
        """POST /types (admin)."""
        self.cloud.policy.enforce(ctx, "volume_extension:type_create")
        with self.cloud.db.write() as db:
            if db.scalar(select(VolumeType.id).where(VolumeType.name == req.name)) is not None:
                raise Conflict(f"Volume Type {req.name} already exists.")
            vtype = VolumeType(name=req.name, description=req.description, is_public=req.is_public,
                               extra_specs=dict(req.extra_specs), created_at=self.cloud.clock.now())
            db.add(vtype)
        return vtype

    def delete(self, ctx: RequestContext, type_id: str) -> None:
        """DELETE /types/{id} (admin). Refused for the default type and for a type volumes use."""
        self.cloud.policy.enforce(ctx, "volume_extension:type_delete")
        with self.cloud.db.write() as db:
            vtype = db.get(VolumeType, type_id)
            if vtype is None:
                raise NotFound(f"Volume type {type_id} could not be found.")
            if vtype.name == DEFAULT_TYPE:
                raise BadRequest("Default volume type can not be deleted")
            if db.scalar(select(Volume.id).where(Volume.volume_type_id == type_id).limit(1)) is not None:
                raise BadRequest("Target volume type is still in use.")
            if db.scalar(select(DefaultType.project_id).where(DefaultType.volume_type_id == type_id)) is not None:
                raise BadRequest(f"The volume type {type_id} is a default volume type and cannot be deleted.")
            db.execute(delete(VolumeTypeAccess).where(VolumeTypeAccess.volume_type_id == type_id))
            db.execute(delete(QosAssociation).where(QosAssociation.volume_type_id == type_id))
            db.execute(delete(VolumeTypeEncryption).where(VolumeTypeEncryption.volume_type_id == type_id))
            db.delete(vtype)

    def set_extra_specs(self, ctx: RequestContext, type_id: str, specs: dict[str, Any]) -> dict[str, str]:
        """POST /types/{id}/extra_specs (admin): add or replace keys; answers the keys given (Cinder returns
        the request's body)."""
        self.cloud.policy.enforce(ctx, "volume_extension:types_extra_specs:create")
        with self.cloud.db.write() as db:
            vtype = db.get(VolumeType, type_id)
            if vtype is None:
                raise NotFound(f"Volume type {type_id} could not be found.")
            given = {str(k): str(v) for k, v in specs.items()}
            vtype.extra_specs = {**(vtype.extra_specs or {}), **given}
            return given

    def get_extra_spec(self, ctx: RequestContext, type_id: str, key: str) -> dict[str, str]:
        """GET /types/{id}/extra_specs/{key}: {key: value}; 404 for a key the type does not have."""
        specs = self.get(ctx, type_id, "volume_extension:types_extra_specs:show").extra_specs or {}
        if key not in specs:
            raise NotFound(f"Volume Type {type_id} has no extra specs with key {key}.")
        return {key: str(specs[key])}

    def set_extra_spec(self, ctx: RequestContext, type_id: str, key: str, body: Any) -> dict[str, str]:
        """PUT /types/{id}/extra_specs/{key} {key: value} (admin): set one key; 400 when the body names another
        key or more than one (Cinder's "Request body and URI mismatch")."""
        self.cloud.policy.enforce(ctx, "volume_extension:types_extra_specs:update")
        if not isinstance(body, dict) or not body:
            raise BadRequest("Malformed request body")
        if key not in body:
            raise BadRequest("Request body and URI mismatch")
        if len(body) > 1:
            raise BadRequest("Request body contains too many items")
        value = body[key]
        if not isinstance(value, str) or len(value) > 255:
            raise BadRequest(f"Invalid input for field/attribute {key}. Value: {value}. "
                             f"{value!r} is not of type 'string' or is longer than 255 characters")
        self.set_extra_specs(ctx, type_id, {key: value})
        return {key: value}

    def delete_extra_spec(self, ctx: RequestContext, type_id: str, key: str) -> None:
        """DELETE /types/{id}/extra_specs/{key} (admin)."""
        self.cloud.policy.enforce(ctx, "volume_extension:types_extra_specs:delete")
        with self.cloud.db.write() as db:
            vtype = db.get(VolumeType, type_id)
            if vtype is None:
                raise NotFound(f"Volume type {type_id} could not be found.")
            specs = dict(vtype.extra_specs or {})
            if key not in specs:
                raise NotFound(f"Volume Type {type_id} has no extra specs with key {key}.")
            specs.pop(key)
            vtype.extra_specs = specs


    # ------------------------------------------------------------------ update, access lists
    def update(self, ctx: RequestContext, type_id: str, changes: dict[str, Any]) -> VolumeType:
        """PUT /types/{id} (admin): name, description, is_public; 409 for a name taken."""
        self.cloud.policy.enforce(ctx, "volume_extension:type_update")
        with self.cloud.db.write() as db:
            vtype = self._admin_find(db, type_id)
            if "name" in changes and changes["name"] != vtype.name:
                if vtype.name == DEFAULT_TYPE:
                    raise BadRequest("The name of the default volume type cannot be changed.")
                if db.scalar(select(VolumeType.id).where(VolumeType.name == changes["name"])) is not None:
                    raise Conflict(f"Volume Type {changes['name']} already exists.")
            for key, value in changes.items():
                setattr(vtype, key, value)
            return vtype

    def access_list(self, ctx: RequestContext, type_id: str) -> builtins.list[str]:
        """GET /types/{id}/os-volume-type-access: the projects of a private type (400 for a public one)."""
        self.cloud.policy.enforce(ctx, "volume_extension:volume_type_access:get_all_for_type")
        with self.cloud.db.read() as db:
            vtype = self._admin_find(db, type_id)
            if vtype.is_public:
                raise BadRequest("Access list not available for public volume types.")
            return list(db.scalars(select(VolumeTypeAccess.project_id)
                                   .where(VolumeTypeAccess.volume_type_id == vtype.id)
                                   .order_by(VolumeTypeAccess.project_id)))

    def change_access(self, ctx: RequestContext, type_id: str, action: str, project_id: str) -> None:
        """addProjectAccess / removeProjectAccess (admin) on a private type; 409 for a project already on the
        list, 404 for one not on it."""
        self.cloud.policy.enforce(ctx, f"volume_extension:volume_type_access:{action}")
        with self.cloud.db.write() as db:
            vtype = self._admin_find(db, type_id)
            if vtype.is_public:
                raise BadRequest("Invalid volume type: Type access modification is not applicable to public "
                                 "volume type.")
            row = db.scalar(select(VolumeTypeAccess).where(VolumeTypeAccess.volume_type_id == vtype.id,
                                                           VolumeTypeAccess.project_id == project_id))
            if action == "addProjectAccess":
                if row is not None:
                    raise Conflict(f"Volume type access for {vtype.id} / {project_id} combination already exists.")
                db.add(VolumeTypeAccess(volume_type_id=vtype.id, project_id=project_id))
            else:
                if row is None:
                    raise NotFound(f"Volume type access not found for {vtype.id} / {project_id} combination.")
                db.delete(row)

    @staticmethod
    def _admin_find(db: Session, type_id: str) -> VolumeType:
        vtype = db.get(VolumeType, type_id)
        if vtype is None:
            raise NotFound(f"Volume type {type_id} could not be found.")
        return vtype

    def qos_ids(self, type_ids: set[str]) -> dict[str, str]:
        """The QoS specs id of each type that has one (its `qos_specs_id`)."""
        with self.cloud.db.read() as db:
            return qos_of(db, type_ids)


def type_names(db: Session, ids: set[str]) -> dict[str, str]:
    """Type id -> name, for rendering a page of volumes in one query."""
    if not ids:
        return {}
    return {t.id: t.name for t in db.scalars(select(VolumeType).where(or_(VolumeType.id.in_(ids))))}
