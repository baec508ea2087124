"""Volume types: the default `__DEFAULT__` type every lab has, and the ones an admin adds (with extra specs).

In Cinder a type is how a user picks a backend (`volume_backend_name` in its extra specs) and a class of
service; this lab has one backend, so types only label volumes, carry per-type quotas and can be listed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from lab.cloud.context import RequestContext
from lab.cloud.errors import BadRequest, Conflict, NotFound
from lab.cloud.volume.models import Volume, VolumeType
from lab.cloud.volume.schemas import TYPE_PUBLIC_KEY, boolean_value, optional_string

if TYPE_CHECKING:
    from lab.cloud.app import Cloud

DEFAULT_TYPE = "__DEFAULT__"


def default_type(db: Session) -> VolumeType:
    found = db.scalar(select(VolumeType).where(VolumeType.name == DEFAULT_TYPE))
    if found is None:  # bootstrap makes it; a missing one is a broken lab
        raise NotFound(f"Volume type with name {DEFAULT_TYPE} could not be found.")
    return found


def find_type(db: Session, ctx: RequestContext, name_or_id: str | None) -> VolumeType:
    """A type by id or name (None: the default). Raises Cinder's 404."""
    if name_or_id is None:
        return default_type(db)
    found = db.get(VolumeType, name_or_id) or db.scalar(select(VolumeType).where(VolumeType.name == name_or_id))
    if found is None or (not found.is_public and not ctx.is_admin):
        raise NotFound(f"Volume type with name {name_or_id} could not be found.")
    return found


class TypesMixin:
    """Volume type behaviour; mixed into VolumeService."""

    cloud: Cloud

    def ensure_default_type(self) -> None:
        with self.cloud.db.write() as db:
            if db.scalar(select(VolumeType).where(VolumeType.name == DEFAULT_TYPE)) is None:
                db.add(VolumeType(name=DEFAULT_TYPE, description="Default Volume Type", is_public=True,
                                  extra_specs={}, created_at=self.cloud.clock.now()))

    def list_volume_types(self, ctx: RequestContext, is_public: bool | None = None) -> list[VolumeType]:
        """GET /types: public types; an admin also sees private ones (or only those, with is_public=false)."""
        with self.cloud.db.read() as db:
            query = select(VolumeType).order_by(VolumeType.name)
            if not ctx.is_admin:
                query = query.where(VolumeType.is_public.is_(True))
            elif is_public is not None:
                query = query.where(VolumeType.is_public.is_(is_public))
            return list(db.scalars(query))

    def get_volume_type(self, ctx: RequestContext, type_id: str) -> VolumeType:
        """GET /types/{id} (also `default`). Raises 404."""
        with self.cloud.db.read() as db:
            if type_id == "default":
                return default_type(db)
            found = db.get(VolumeType, type_id)
            if found is None or (not found.is_public and not ctx.is_admin):
                raise NotFound(f"Volume type {type_id} could not be found.")
            return found

    def create_volume_type(self, ctx: RequestContext, body: dict[str, Any]) -> VolumeType:
        """POST /types (admin): {"volume_type": {name, description, os-volume-type-access:is_public, extra_specs}}."""
        self.cloud.policy.enforce(ctx, "volume:manage_types")
        name = optional_string(body, "name", "volume_type")
        if not name or not name.strip():
            raise BadRequest("Invalid input for field/attribute name. Value: None. None is not of type 'string'")
        public = body.get(TYPE_PUBLIC_KEY, body.get("is_public"))
        specs = body.get("extra_specs") or {}
        if not isinstance(specs, dict):
            raise BadRequest("Invalid input for field/attribute extra_specs. Value: "
                             f"{specs}. {specs!r} is not of type 'object'")
        with self.cloud.db.write() as db:
            if db.scalar(select(VolumeType.id).where(VolumeType.name == name)) is not None:
                raise Conflict(f"Volume Type {name} already exists.")
            vtype = VolumeType(name=name, description=optional_string(body, "description", "volume_type"),
                               is_public=True if public is None else boolean_value(public, "is_public"),
                               extra_specs={str(k): str(v) for k, v in specs.items()},
                               created_at=self.cloud.clock.now())
            db.add(vtype)
        return vtype

    def delete_volume_type(self, ctx: RequestContext, type_id: str) -> None:
        """DELETE /types/{id} (admin). Refused for the default type and for a type volumes use."""
        self.cloud.policy.enforce(ctx, "volume:manage_types")
        with self.cloud.db.write() as db:
            vtype = db.get(VolumeType, type_id)
            if vtype is None:
                raise NotFound(f"Volume type {type_id} could not be found.")
            if vtype.name == DEFAULT_TYPE:
                raise BadRequest("Default volume type can not be deleted")
            if db.scalar(select(Volume.id).where(Volume.volume_type_id == type_id).limit(1)) is not None:
                raise BadRequest("Target volume type is still in use.")
            db.delete(vtype)

    def set_extra_specs(self, ctx: RequestContext, type_id: str, specs: dict[str, Any]) -> dict[str, str]:
        """POST /types/{id}/extra_specs (admin): add or replace keys."""
        self.cloud.policy.enforce(ctx, "volume:manage_types")
        with self.cloud.db.write() as db:
            vtype = db.get(VolumeType, type_id)
            if vtype is None:
                raise NotFound(f"Volume type {type_id} could not be found.")
            vtype.extra_specs = {**(vtype.extra_specs or {}), **{str(k): str(v) for k, v in specs.items()}}
            return dict(vtype.extra_specs)

    def delete_extra_spec(self, ctx: RequestContext, type_id: str, key: str) -> None:
        """DELETE /types/{id}/extra_specs/{key} (admin)."""
        self.cloud.policy.enforce(ctx, "volume:manage_types")
        with self.cloud.db.write() as db:
            vtype = db.get(VolumeType, type_id)
            if vtype is None:
                raise NotFound(f"Volume type {type_id} could not be found.")
            specs = dict(vtype.extra_specs or {})
            if key not in specs:
                raise NotFound(f"Volume Type {type_id} has no extra specs with key {key}.")
            specs.pop(key)
            vtype.extra_specs = specs


def type_names(db: Session, ids: set[str]) -> dict[str, str]:
    """Type id -> name, for rendering a page of volumes in one query."""
    if not ids:
        return {}
    return {t.id: t.name for t in db.scalars(select(VolumeType).where(or_(VolumeType.id.in_(ids))))}
