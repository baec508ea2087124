"""Generic volume groups (Cinder 3.11-3.20): group types with their group specs (admin), groups of volumes
of the group's volume types (create, update adding and removing volumes, delete with the volumes, reset-status,
a group made from another group or from a group snapshot) and group snapshots (a snapshot of every volume of a
group at once).

The file backend takes every group (the group specs are data, as the volume types' QoS specs are). Statuses are
Cinder's: a group is `creating` until the worker made it (and the volumes of a group made from a source), then
`available`; `deleting` until its volumes are gone. A volume of a group cannot be deleted on its own, nor a
snapshot of a group snapshot (Cinder's 400s). Groups count against the `groups` quota.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lab.cloud import events, worker
from lab.cloud.context import RequestContext
from lab.cloud.errors import BadRequest, NotFound, OverLimit
from lab.cloud.quotas import Exceeded
from lab.cloud.validation import NOVA
from lab.cloud.volume import quotas
from lab.cloud.volume.models import (
    GroupMember,
    GroupSnapshot,
    GroupSnapshotMember,
    GroupType,
    Snapshot,
    Volume,
    VolumeGroup,
    VolumeType,
)
from lab.cloud.volume.schemas import DEFAULT_AZ
from lab.cloud.volume.types import find_type
from lab.cloud.volume.volumes import check_capacity, find_volume, sees_every_project

if TYPE_CHECKING:
    from lab.cloud.app import Cloud

# Cinder's fields.GroupStatus and GroupSnapshotStatus values a reset may set.
GROUP_STATUSES = ("error", "available", "creating", "deleting", "deleted", "updating", "in-use",
                  "error_deleting")
GROUP_SNAPSHOT_STATUSES = ("error", "available", "creating", "deleting", "deleted", "updating",
                           "error_deleting")
W = NOVA


@dataclass(frozen=True)
class GroupView:
    """A group with its volumes' ids (3.25 `list_volume=true`)."""

    group: VolumeGroup
    volume_ids: list[str]


def _text(body: dict[str, Any], key: str, where: str, *, required: bool = False) -> str | None:
    value = body.get(key)
    if value is None:
        if required:
            raise W.refuse(where, body, "required", key=key)
        return None
    if not isinstance(value, str) or len(value) > 255:
        raise W.refuse(f"{where}/{key}", value, "type", types=W.types(str, "null"))
    return value


def _no_extra(body: dict[str, Any], allowed: set[str], where: str) -> None:
    extra = set(body) - allowed
    if extra:
        raise W.unexpected(where, body, extra)


def _ids(value: Any, where: str) -> list[str]:
    """Cinder's comma-separated list of volume ids (`add_volumes`, `remove_volumes`)."""
    if value is None or value == "":
        return []
    if not isinstance(value, str):
        raise W.refuse(where, value, "type", types=W.types(str, "null"))
    return [v.strip() for v in value.split(",") if v.strip()]


class Groups:
    """`cloud.volume.groups`: group types, groups and group snapshots."""

    def __init__(self, cloud: Cloud):
        self.cloud = cloud

    # ------------------------------------------------------------------ group types
    def _type(self, db: Session, ctx: RequestContext, type_id: str) -> GroupType:
        found = db.get(GroupType, type_id) or db.scalar(select(GroupType).where(GroupType.name == type_id))
        if found is None or (not found.is_public and not sees_every_project(self.cloud.policy, ctx)):
            raise NotFound(f"Group type with id {type_id} could not be found.")
        return found

    def list_types(self, ctx: RequestContext, is_public: bool | None, sort: str | None) -> list[GroupType]:
        """GET /group_types: public ones (an admin: `is_public` None for all, or just the private ones)."""
        with self.cloud.db.read() as db:
            rows = list(db.scalars(select(GroupType)))
        if not sees_every_project(self.cloud.policy, ctx):
            is_public = True
        if is_public is not None:
            rows = [t for t in rows if t.is_public == is_public]
        key, _, direction = (sort or "created_at:asc").partition(":")
        if key not in ("id", "name", "description", "is_public", "created_at"):
            raise BadRequest(f"Invalid input received: Invalid sort key {key}.")
        rows.sort(key=lambda t: (str(getattr(t, key) or ""), t.id), reverse=direction == "desc")
        return rows

    def get_type(self, ctx: RequestContext, type_id: str) -> GroupType:
        with self.cloud.db.read() as db:
            if type_id == "default":
                raise NotFound("Default group type can not be found.")
            return self._type(db, ctx, type_id)

    def create_type(self, ctx: RequestContext, body: dict[str, Any]) -> GroupType:
        """POST /group_types (admin): name (unique), description, is_public, group_specs."""
        self.cloud.policy.enforce(ctx, "group:group_types:create")
        _no_extra(body, {"name", "description", "is_public", "group_specs"}, "group_type")
        name = _text(body, "name", "group_type", required=True)
        assert name is not None
        if not name.strip():
            raise BadRequest("Invalid input received: Group type name can not be empty.")
        specs = self._specs(body.get("group_specs", {}))
        is_public = body.get("is_public", True)
        if not isinstance(is_public, bool):
            is_public = str(is_public).lower() in ("true", "1", "yes", "on")
        with self.cloud.db.write() as db:
            if db.scalar(select(GroupType.id).where(GroupType.name == name)) is not None:
                raise BadRequest(f"Group Type {name} already exists.")  # Cinder's GroupTypeExists is a 409
            row = GroupType(name=name, description=_text(body, "description", "group_type"), is_public=is_public,
                            group_specs=specs, created_at=self.cloud.clock.now())
            db.add(row)
            db.flush()
            return row

    def update_type(self, ctx: RequestContext, type_id: str, body: dict[str, Any]) -> GroupType:
        self.cloud.policy.enforce(ctx, "group:group_types:update")
        _no_extra(body, {"name", "description", "is_public"}, "group_type")
        if not body:
            raise BadRequest("Specify group type name, description or a combination thereof.")
        with self.cloud.db.write() as db:
            row = self._type(db, ctx, type_id)
            if "name" in body:
                name = _text(body, "name", "group_type")
                if not name or not name.strip():
                    raise BadRequest("Invalid input received: Group type name can not be empty.")
                if db.scalar(select(GroupType.id).where(GroupType.name == name, GroupType.id != row.id)):
                    raise BadRequest(f"Group Type {name} already exists.")
                row.name = name
            if "description" in body:
                row.description = _text(body, "description", "group_type")
            if "is_public" in body:
                row.is_public = bool(body["is_public"]) if isinstance(body["is_public"], bool) else (
                    str(body["is_public"]).lower() in ("true", "1", "yes", "on"))
            return row

    def delete_type(self, ctx: RequestContext, type_id: str) -> None:
        """DELETE /group_types/{id} (admin): 400 while a group has the type."""
        self.cloud.policy.enforce(ctx, "group:group_types:delete")
        with self.cloud.db.write() as db:
            row = self._type(db, ctx, type_id)
            if db.scalar(select(VolumeGroup.id).where(VolumeGroup.group_type_id == row.id)) is not None:
                raise BadRequest(f"Group Type {row.id} deletion is not allowed with groups present with the "
                                 f"type.")
            db.delete(row)

    @staticmethod
    def _specs(specs: Any) -> dict[str, str]:
        if not isinstance(specs, dict):
            raise W.refuse("group_specs", specs, "type", types=W.types(dict))
        for key, value in specs.items():
            if not isinstance(value, str) or not 1 <= len(key) <= 255 or len(value) > 255:
                raise W.refuse(f"group_specs/{key}", value, "type", types=W.types(str))
        return dict(specs)

    def type_specs(self, ctx: RequestContext, type_id: str, key: str | None = None) -> dict[str, str]:
        """GET /group_types/{id}/group_specs[/{key}] (admin)."""
        self.cloud.policy.enforce(ctx, "group:group_types_specs:get_all" if key is None
                                  else "group:group_types_specs:get")
        with self.cloud.db.read() as db:
            specs = dict(self._type(db, ctx, type_id).group_specs or {})
        if key is None:
            return specs
        if key not in specs:
            raise NotFound(f"Group Type {type_id} has no specs with key {key}.")
        return {key: specs[key]}

    def set_type_specs(self, ctx: RequestContext, type_id: str, specs: Any, key: str | None = None) -> dict[str, str]:
        """POST /group_types/{id}/group_specs (merge; answers what was sent) and PUT .../{key} {key: value}."""
        self.cloud.policy.enforce(ctx, "group:group_types_specs:create" if key is None
                                  else "group:group_types_specs:update")
        if key is not None:
            if not isinstance(specs, dict) or key not in specs:
                raise BadRequest("Request body and URI mismatch")
            if len(specs) > 1:
                raise BadRequest("Request body contains too many items")
        values = self._specs(specs)
        with self.cloud.db.write() as db:
            row = self._type(db, ctx, type_id)
            row.group_specs = {**(row.group_specs or {}), **values}
        return values

    def delete_type_spec(self, ctx: RequestContext, type_id: str, key: str) -> None:
        self.cloud.policy.enforce(ctx, "group:group_types_specs:delete")
        with self.cloud.db.write() as db:
            row = self._type(db, ctx, type_id)
            specs = dict(row.group_specs or {})
            if key not in specs:
                raise NotFound(f"Group Type {type_id} has no specs with key {key}.")
            del specs[key]
            row.group_specs = specs

    # ------------------------------------------------------------------ groups
    def _group(self, db: Session, ctx: RequestContext, group_id: str, rule: str) -> VolumeGroup:
        found = db.get(VolumeGroup, group_id)
        if found is None or (found.project_id != ctx.project_id and not sees_every_project(self.cloud.policy, ctx)):
            raise NotFound(f"Group {group_id} could not be found.")
        self.cloud.policy.enforce(ctx, rule, found.project_id)
        return found

    def _members(self, db: Session, group_ids: builtins.list[str]) -> dict[str, builtins.list[str]]:
        found: dict[str, builtins.list[str]] = {g: [] for g in group_ids}
        if group_ids:
            for m in db.scalars(select(GroupMember).where(GroupMember.group_id.in_(group_ids))):
                found[m.group_id].append(m.volume_id)
        return found

    def group_of_volumes(self, db: Session, volume_ids: builtins.list[str]) -> dict[str, str]:
        """volume id -> its group's id (the `group_id` a volume shows from 3.13)."""
        if not volume_ids:
            return {}
        return {m.volume_id: m.group_id
                for m in db.scalars(select(GroupMember).where(GroupMember.volume_id.in_(volume_ids)))}

    def group_snapshot_of(self, snapshot_ids: builtins.list[str]) -> dict[str, str]:
        """snapshot id -> its group snapshot's id (the `group_snapshot_id` a snapshot shows from 3.14)."""
        if not snapshot_ids:
            return {}
        with self.cloud.db.read() as db:
            return {m.snapshot_id: m.group_snapshot_id for m in db.scalars(
                select(GroupSnapshotMember).where(GroupSnapshotMember.snapshot_id.in_(snapshot_ids)))}

    def list(self, ctx: RequestContext) -> builtins.list[GroupView]:
        self.cloud.policy.enforce(ctx, "group:get_all")
        with self.cloud.db.read() as db:
            query = select(VolumeGroup)
            if not (ctx.all_projects and sees_every_project(self.cloud.policy, ctx)):
                query = query.where(VolumeGroup.project_id == ctx.project_id)
            rows = list(db.scalars(query.order_by(VolumeGroup.created_at.desc(), VolumeGroup.id)))
            members = self._members(db, [g.id for g in rows])
        return [GroupView(g, members[g.id]) for g in rows]

    def get(self, ctx: RequestContext, group_id: str) -> GroupView:
        with self.cloud.db.read() as db:
            group = self._group(db, ctx, group_id, "group:get")
            return GroupView(group, self._members(db, [group.id])[group.id])

    def _check_quota(self, db: Session, project_id: str) -> None:
        try:
            self.cloud.quotas.check(db, quotas.SERVICE, project_id, {"groups": 1})
        except Exceeded as exc:
            limit = exc.overs[0][3]
            raise OverLimit(f"GroupLimitExceeded: Maximum number of groups allowed ({limit}) exceeded") from None

    def create(self, ctx: RequestContext, body: dict[str, Any]) -> VolumeGroup:
        """POST /groups: group_type and volume_types (names or ids) required; 400/404 as Cinder's."""
        self.cloud.policy.enforce(ctx, "group:create", ctx.project_id)
        _no_extra(body, {"name", "description", "group_type", "volume_types", "availability_zone"}, "group")
        type_ref = _text(body, "group_type", "group", required=True)
        names = body.get("volume_types")
        if not isinstance(names, list) or not names or not all(isinstance(n, str) and n for n in names):
            raise W.refuse("group", body, "required", key="volume_types")
        zone = _text(body, "availability_zone", "group")
        if zone is not None and zone != DEFAULT_AZ:
            raise BadRequest(f"Invalid input received: Availability zone '{zone}' is invalid.")
        now = self.cloud.clock.now()
        with self.cloud.db.write() as db:
            assert type_ref is not None
            gtype = self._type(db, ctx, type_ref)
            vtypes = [find_type(db, self.cloud.policy, ctx, n) for n in names]
            self._check_quota(db, ctx.project_id or "")
            group = VolumeGroup(project_id=ctx.project_id or "", user_id=ctx.user_id,
                                name=_text(body, "name", "group"), description=_text(body, "description", "group"),
                                status="creating", availability_zone=DEFAULT_AZ, group_type_id=gtype.id,
                                volume_type_ids=[t.id for t in vtypes], created_at=now, updated_at=None)
            db.add(group)
            db.flush()
            worker.enqueue(db, now, "group.create", group.id)
        self.cloud.worker.wake()
        return group

    def create_from_source(self, ctx: RequestContext, body: dict[str, Any]) -> VolumeGroup:
        """POST /groups/action {"create-from-src": {name, description, group_snapshot_id | source_group_id}}
        (3.14): a new group of the source's types with a new volume for each of the source's (a clone, or from
        its snapshot in the group snapshot)."""
        self.cloud.policy.enforce(ctx, "group:create", ctx.project_id)
        _no_extra(body, {"name", "description", "group_snapshot_id", "source_group_id"}, "create-from-src")
        snapshot_ref = _text(body, "group_snapshot_id", "create-from-src")
        source_ref = _text(body, "source_group_id", "create-from-src")
        if (snapshot_ref is None) == (source_ref is None):
            raise BadRequest("Invalid input received: Either 'group_snapshot_id' or 'source_group_id' must be "
                             "provided to create group from source.")
        total_gb = self.cloud.volume_driver.get_volume_stats().total_capacity_gb
        now = self.cloud.clock.now()
        with self.cloud.db.write() as db:
            sources: list[tuple[Volume, Snapshot | None]] = []
            if source_ref is not None:
                source = self._group(db, ctx, source_ref, "group:get")
                if source.status != "available":
                    raise BadRequest(f"Invalid group: Source group {source.id} status must be available.")
                gtype_id, vtype_ids = source.group_type_id, list(source.volume_type_ids or [])
                for vid in self._members(db, [source.id])[source.id]:
                    volume = db.get(Volume, vid)
                    if volume is not None:
                        sources.append((volume, None))
            else:
                assert snapshot_ref is not None
                gsnap = self._group_snapshot(db, ctx, snapshot_ref, "group:get_group_snapshot")
                if gsnap.status != "available":
                    raise BadRequest(f"Invalid group snapshot: Group snapshot {gsnap.id} status must be "
                                     f"available.")
                parent = db.get(VolumeGroup, gsnap.group_id)
                gtype_id = gsnap.group_type_id
                vtype_ids = list(parent.volume_type_ids or []) if parent is not None else []
                for m in db.scalars(select(GroupSnapshotMember).where(
                        GroupSnapshotMember.group_snapshot_id == gsnap.id)):
                    snap = db.get(Snapshot, m.snapshot_id)
                    volume = db.get(Volume, snap.volume_id) if snap is not None else None
                    if snap is not None and volume is not None:
                        sources.append((volume, snap))
            self._check_quota(db, ctx.project_id or "")
            group = VolumeGroup(project_id=ctx.project_id or "", user_id=ctx.user_id,
                                name=_text(body, "name", "create-from-src"),
                                description=_text(body, "description", "create-from-src"), status="creating",
                                availability_zone=DEFAULT_AZ, group_type_id=gtype_id, volume_type_ids=vtype_ids,
                                group_snapshot_id=snapshot_ref, source_group_id=source_ref, created_at=now,
                                updated_at=None)
            db.add(group)
            db.flush()
            for volume, snap in sources:
                vtype = db.get(VolumeType, volume.volume_type_id)
                assert vtype is not None
                quotas.check(self.cloud.quotas, db, group.project_id, vtype, volumes=1, gigabytes=volume.size,
                             volume_size=volume.size)
                check_capacity(db, total_gb, volume.size)
                new = Volume(project_id=group.project_id, user_id=ctx.user_id, name=volume.name,
                             description=volume.description, size=volume.size, status="creating",
                             availability_zone=DEFAULT_AZ, volume_type_id=volume.volume_type_id,
                             bootable=volume.bootable, snapshot_id=snap.id if snap else None,
                             source_volid=None if snap else volume.id, metadata_=dict(volume.metadata_ or {}),
                             image_metadata=dict(volume.image_metadata or {}), created_at=now, updated_at=None)
                db.add(new)
                db.flush()
                db.add(GroupMember(volume_id=new.id, group_id=group.id))
                events.record(db, now, project_id=new.project_id, user_id=ctx.user_id, resource_type="volume",
                              resource_id=new.id, action="create", size=new.size, volume_type=vtype.name,
                              name=new.name)
                worker.enqueue(db, now, "volume.create", new.id, snapshot_id=snap.id if snap else None,
                               source_volid=None if snap else volume.id, request_id=ctx.request_id)
            worker.enqueue(db, now, "group.create", group.id)
        self.cloud.worker.wake()
        return group

    def update(self, ctx: RequestContext, group_id: str, body: dict[str, Any]) -> None:
        """PUT /groups/{id}: name, description, add_volumes / remove_volumes (comma-separated ids)."""
        _no_extra(body, {"name", "description", "add_volumes", "remove_volumes"}, "group")
        add, remove = _ids(body.get("add_volumes"), "add_volumes"), _ids(body.get("remove_volumes"), "remove_volumes")
        if not any(body.get(k) for k in ("name", "description")) and not add and not remove:
            raise BadRequest("Invalid input received: Name, description, add_volumes, and remove_volumes can not "
                             "be all empty in the request body.")
        now = self.cloud.clock.now()
        with self.cloud.db.write() as db:
            group = self._group(db, ctx, group_id, "group:update")
            if group.status != "available":
                raise BadRequest(f"Invalid group: Group status must be available, but current status is: "
                                 f"{group.status}.")
            members = set(self._members(db, [group.id])[group.id])
            for vid in add:
                volume = find_volume(db, self.cloud.policy, ctx, vid)
                other = db.get(GroupMember, volume.id)
                if other is not None and other.group_id != group.id:
                    raise BadRequest(f"Invalid volume: Cannot add volume {vid} to group {group.id} because it is "
                                     f"already in group {other.group_id}.")
                if volume.status not in ("available", "in-use"):
                    raise BadRequest(f"Invalid volume: Cannot add volume {vid} to group {group.id} because volume "
                                     f"is in an invalid state: {volume.status}. Valid states are: ('available', "
                                     f"'in-use').")
                if volume.volume_type_id not in (group.volume_type_ids or []):
                    raise BadRequest(f"Invalid volume: Cannot add volume {vid} to group {group.id} because volume "
                                     f"type {volume.volume_type_id} is not supported by the group.")
                if other is None:
                    db.add(GroupMember(volume_id=volume.id, group_id=group.id))
            for vid in remove:
                if vid not in members:
                    raise BadRequest(f"Invalid volume: Cannot remove volume {vid} from group {group.id} because it "
                                     f"is not in the group.")
                member = db.get(GroupMember, vid)
                if member is not None:
                    db.delete(member)
            if "name" in body:
                group.name = _text(body, "name", "group")
            if "description" in body:
                group.description = _text(body, "description", "group")
            group.updated_at = now

    def delete(self, ctx: RequestContext, group_id: str, body: Any) -> None:
        """{"delete": {"delete-volumes": bool}}: 400 with volumes unless delete-volumes, with group snapshots, or
        unless available or error; the volumes go with the group."""
        args = body if isinstance(body, dict) else {}
        _no_extra(args, {"delete-volumes"}, "delete")
        flag = args.get("delete-volumes", False)
        delete_volumes = flag if isinstance(flag, bool) else str(flag).lower() in ("true", "1", "yes", "on")
        now = self.cloud.clock.now()
        with self.cloud.db.write() as db:
            group = self._group(db, ctx, group_id, "group:delete")
            members = self._members(db, [group.id])[group.id]
            if group.status not in ("available", "error"):
                raise BadRequest(f"Invalid group: Group status must be available or error, but current status "
                                 f"is: {group.status}")
            if members and not delete_volumes:
                raise BadRequest(f"Invalid group: Group {group.id} still contains volumes. The delete-volumes flag "
                                 f"is required to delete it.")
            if db.scalar(select(GroupSnapshot.id).where(GroupSnapshot.group_id == group.id)) is not None:
                raise BadRequest(f"Invalid group: Group {group.id} has existing snapshots.")
            volumes = [v for v in (db.get(Volume, vid) for vid in members) if v is not None]
            for volume in volumes:
                if db.scalar(select(func.count(Snapshot.id)).where(Snapshot.volume_id == volume.id)):
                    raise BadRequest(f"Invalid group: Volume in group {group.id} still has dependent snapshots.")
                if volume.attach_status == "attached":
                    raise BadRequest(f"Invalid group: Volume in group {group.id} is attached. Need to detach "
                                     f"first.")
            for volume in volumes:
                volume.status, volume.updated_at = "deleting", now
                events.record(db, now, project_id=volume.project_id, user_id=ctx.user_id, resource_type="volume",
                              resource_id=volume.id, action="delete", size=volume.size)
                worker.enqueue(db, now, "volume.delete", volume.id, snapshot_ids=[])
            group.status, group.updated_at = "deleting", now
            worker.enqueue(db, now, "group.delete", group.id)
        self.cloud.worker.wake()

    def reset_status(self, ctx: RequestContext, group_id: str, status: Any) -> None:
        """{"reset_status": {"status"}} (admin, 3.20)."""
        if status not in GROUP_STATUSES:
            raise W.refuse("status", status, "enum", choices=list(GROUP_STATUSES))
        with self.cloud.db.write() as db:
            group = self._group(db, ctx, group_id, "group:reset_status")
            group.status, group.updated_at = status, self.cloud.clock.now()

    # ------------------------------------------------------------------ group snapshots
    def _group_snapshot(self, db: Session, ctx: RequestContext, gsnap_id: str, rule: str) -> GroupSnapshot:
        found = db.get(GroupSnapshot, gsnap_id)
        if found is None or (found.project_id != ctx.project_id and not sees_every_project(self.cloud.policy, ctx)):
            raise NotFound(f"GroupSnapshot {gsnap_id} could not be found.")
        self.cloud.policy.enforce(ctx, rule, found.project_id)
        return found

    def list_snapshots(self, ctx: RequestContext) -> builtins.list[GroupSnapshot]:
        self.cloud.policy.enforce(ctx, "group:get_all_group_snapshots")
        with self.cloud.db.read() as db:
            query = select(GroupSnapshot)
            if not (ctx.all_projects and sees_every_project(self.cloud.policy, ctx)):
                query = query.where(GroupSnapshot.project_id == ctx.project_id)
            return list(db.scalars(query.order_by(GroupSnapshot.created_at.desc(), GroupSnapshot.id)))

    def get_snapshot(self, ctx: RequestContext, gsnap_id: str) -> GroupSnapshot:
        with self.cloud.db.read() as db:
            return self._group_snapshot(db, ctx, gsnap_id, "group:get_group_snapshot")

    def create_snapshot(self, ctx: RequestContext, body: dict[str, Any]) -> GroupSnapshot:
        """POST /group_snapshots {"group_snapshot": {group_id, name, description}}: a snapshot of each volume of
        the (available) group, counted as snapshots are."""
        _no_extra(body, {"group_id", "name", "description"}, "group_snapshot")
        group_ref = _text(body, "group_id", "group_snapshot", required=True)
        total_gb = self.cloud.volume_driver.get_volume_stats().total_capacity_gb
        now = self.cloud.clock.now()
        with self.cloud.db.write() as db:
            assert group_ref is not None
            group = self._group(db, ctx, group_ref, "group:create_group_snapshot")
            if group.status != "available":
                raise BadRequest(f"Invalid group: Group {group.id} status must be available, but current status "
                                 f"is: {group.status}.")
            volumes = [v for v in (db.get(Volume, vid) for vid in self._members(db, [group.id])[group.id])
                       if v is not None]
            for volume in volumes:
                if volume.status not in ("available", "in-use"):
                    raise BadRequest(f"Invalid volume: Volume {volume.id} status must be available or in-use, but "
                                     f"current status is: {volume.status}.")
            gsnap = GroupSnapshot(project_id=group.project_id, user_id=ctx.user_id, group_id=group.id,
                                  group_type_id=group.group_type_id, name=_text(body, "name", "group_snapshot"),
                                  description=_text(body, "description", "group_snapshot"), status="creating",
                                  created_at=now, updated_at=None)
            db.add(gsnap)
            db.flush()
            for volume in volumes:
                vtype = db.get(VolumeType, volume.volume_type_id)
                assert vtype is not None
                quotas.check(self.cloud.quotas, db, volume.project_id, vtype, snapshots=1, gigabytes=volume.size)
                check_capacity(db, total_gb, volume.size)
                snap = Snapshot(project_id=volume.project_id, user_id=ctx.user_id, volume_id=volume.id,
                                name=f"snapshot-{gsnap.id}", description=None, size=volume.size, status="creating",
                                progress="0%", metadata_={}, created_at=now, updated_at=None)
                db.add(snap)
                db.flush()
                db.add(GroupSnapshotMember(snapshot_id=snap.id, group_snapshot_id=gsnap.id))
                events.record(db, now, project_id=snap.project_id, user_id=ctx.user_id, resource_type="snapshot",
                              resource_id=snap.id, action="create", size=snap.size, volume_id=volume.id,
                              name=snap.name)
                worker.enqueue(db, now, "snapshot.create", snap.id, volume_id=volume.id)
            worker.enqueue(db, now, "group_snapshot.create", gsnap.id)
        self.cloud.worker.wake()
        return gsnap

    def delete_snapshot(self, ctx: RequestContext, gsnap_id: str) -> None:
        """DELETE /group_snapshots/{id}: available or error; its snapshots go with it."""
        now = self.cloud.clock.now()
        with self.cloud.db.write() as db:
            gsnap = self._group_snapshot(db, ctx, gsnap_id, "group:delete_group_snapshot")
            if gsnap.status not in ("available", "error"):
                raise BadRequest("Invalid group snapshot: Group snapshot status must be available or error")
            for m in db.scalars(select(GroupSnapshotMember).where(GroupSnapshotMember.group_snapshot_id == gsnap.id)):
                snap = db.get(Snapshot, m.snapshot_id)
                if snap is not None and snap.status != "deleting":
                    snap.status, snap.updated_at = "deleting", now
                    events.record(db, now, project_id=snap.project_id, user_id=ctx.user_id,
                                  resource_type="snapshot", resource_id=snap.id, action="delete", size=snap.size)
                    worker.enqueue(db, now, "snapshot.delete", snap.id)
            gsnap.status, gsnap.updated_at = "deleting", now
            worker.enqueue(db, now, "group_snapshot.delete", gsnap.id)
        self.cloud.worker.wake()

    def reset_snapshot_status(self, ctx: RequestContext, gsnap_id: str, status: Any) -> None:
        if status not in GROUP_SNAPSHOT_STATUSES:
            raise W.refuse("status", status, "enum", choices=list(GROUP_SNAPSHOT_STATUSES))
        with self.cloud.db.write() as db:
            gsnap = self._group_snapshot(db, ctx, gsnap_id, "group:reset_group_snapshot_status")
            gsnap.status, gsnap.updated_at = status, self.cloud.clock.now()

    # ------------------------------------------------------------------ the rest of the service
    def purge(self, db: Session, project_id: str) -> int:
        """A student reset: the project's groups, group snapshots and their memberships (the volumes and
        snapshots themselves are purged by the service)."""
        groups = list(db.scalars(select(VolumeGroup).where(VolumeGroup.project_id == project_id)))
        gsnaps = list(db.scalars(select(GroupSnapshot).where(GroupSnapshot.project_id == project_id)))
        group_ids, gsnap_ids = [g.id for g in groups], [g.id for g in gsnaps]
        if group_ids:
            for m in db.scalars(select(GroupMember).where(GroupMember.group_id.in_(group_ids))):
                db.delete(m)
        if gsnap_ids:
            for sm in db.scalars(select(GroupSnapshotMember).where(
                    GroupSnapshotMember.group_snapshot_id.in_(gsnap_ids))):
                db.delete(sm)
        for row in [*gsnaps, *groups]:
            db.delete(row)
        return len(groups)

    def is_member(self, db: Session, volume_id: str) -> bool:
        return db.get(GroupMember, volume_id) is not None

    def snapshot_in_group(self, db: Session, snapshot_id: str) -> bool:
        return db.get(GroupSnapshotMember, snapshot_id) is not None


JOBS: worker.Jobs = {}  # the worker jobs of this module, listed in the plugin


def _set(cloud: Cloud, model: type[Any], row_id: str, expected: str, status: str) -> None:
    with cloud.db.write() as db:
        row = db.get(model, row_id)
        if row is not None and row.status == expected:
            row.status, row.updated_at = status, cloud.clock.now()


@worker.job(JOBS, "group.create", on_failure=lambda cloud, job, detail: _set(
    cloud, VolumeGroup, job.resource_id, "creating", "error"))
def _create_job(cloud: Cloud, job: worker.JobSpec) -> None:
    _set(cloud, VolumeGroup, job.resource_id, "creating", "available")


@worker.job(JOBS, "group.delete", on_failure=lambda cloud, job, detail: _set(
    cloud, VolumeGroup, job.resource_id, "deleting", "error_deleting"))
def _delete_job(cloud: Cloud, job: worker.JobSpec) -> None:
    """After the volume deletes queued before it: the group and its memberships go."""
    with cloud.db.write() as db:
        group = db.get(VolumeGroup, job.resource_id)
        if group is None or group.status != "deleting":
            return
        for m in db.scalars(select(GroupMember).where(GroupMember.group_id == group.id)):
            db.delete(m)
        db.delete(group)


@worker.job(JOBS, "group_snapshot.create", on_failure=lambda cloud, job, detail: _set(
    cloud, GroupSnapshot, job.resource_id, "creating", "error"))
def _snapshot_create_job(cloud: Cloud, job: worker.JobSpec) -> None:
    """After the snapshot creates queued before it: available, or error when one of them failed."""
    with cloud.db.read() as db:
        statuses = [s.status for s in db.scalars(select(Snapshot).join(
            GroupSnapshotMember, GroupSnapshotMember.snapshot_id == Snapshot.id).where(
            GroupSnapshotMember.group_snapshot_id == job.resource_id))]
    _set(cloud, GroupSnapshot, job.resource_id, "creating",
         "error" if any(s == "error" for s in statuses) else "available")


@worker.job(JOBS, "group_snapshot.delete", on_failure=lambda cloud, job, detail: _set(
    cloud, GroupSnapshot, job.resource_id, "deleting", "error_deleting"))
def _snapshot_delete_job(cloud: Cloud, job: worker.JobSpec) -> None:
    with cloud.db.write() as db:
        gsnap = db.get(GroupSnapshot, job.resource_id)
        if gsnap is None or gsnap.status != "deleting":
            return
        for m in db.scalars(select(GroupSnapshotMember).where(GroupSnapshotMember.group_snapshot_id == gsnap.id)):
            db.delete(m)
        db.delete(gsnap)
