"""Keystone's groups: CRUD and membership (`openstack group create/add user/contains user/remove user`).

A group's role assignments (roles.py) are held by each of its members: a token carries the roles granted to
its user's groups, and removing a user from a group (or deleting the group) revokes the tokens that carried
them, as Keystone does. A domain's admin manages the groups of its domain (the rules' `target.group.domain_id`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from lab.cloud.context import RequestContext
from lab.cloud.errors import Conflict, NotFound
from lab.cloud.identity import schemas
from lab.cloud.identity.base import DEFAULT_DOMAIN, IdentityCore
from lab.cloud.identity.models import Domain, Group, GroupMembership, User


class Groups:
    """Keystone's groups and their members (`identity.groups`)."""

    def __init__(self, core: IdentityCore):
        self.core = core
        self.cloud = core.cloud

    def list_groups(self, ctx: RequestContext, filters: dict[str, Any]) -> list[Group]:
        """GET /v3/groups: filters name, domain_id; a domain-scoped token lists its domain's groups."""
        domain_id = filters.get("domain_id") or ctx.domain_scope_id
        self.cloud.policy.enforce(ctx, "identity:list_groups", **_present({"target.domain_id": domain_id}))
        query = select(Group).order_by(Group.name)
        if filters.get("name") is not None:
            query = query.where(Group.name == filters["name"])
        if domain_id is not None:
            query = query.where(Group.domain_id == domain_id)
        with self.cloud.db.read() as db:
            return list(db.scalars(query))

    def get_group(self, ctx: RequestContext, group_id: str) -> Group:
        with self.cloud.db.read() as db:
            group = self.core.find(db, Group, group_id)
        self.cloud.policy.enforce(ctx, "identity:get_group", **{"target.group.domain_id": group.domain_id})
        return group

    def create_group(self, ctx: RequestContext, req: schemas.GroupCreate) -> Group:
        domain_id = req.domain_id or ctx.domain_scope_id or ctx.project_domain_id or DEFAULT_DOMAIN
        self.cloud.policy.enforce(ctx, "identity:create_group", **{"target.group.domain_id": domain_id})
        with self.cloud.db.write() as db:
            self.core.find(db, Domain, domain_id)
            self._check_group_name(db, req.name, domain_id)
            group = Group(name=req.name, domain_id=domain_id, description=req.description or "",
                          extra=req.extras())
            db.add(group)
            db.flush()
        return group

    def update_group(self, ctx: RequestContext, group_id: str, req: schemas.GroupUpdate) -> Group:
        with self.cloud.db.write() as db:
            group = self.core.find(db, Group, group_id)
            self.cloud.policy.enforce(ctx, "identity:update_group", **{"target.group.domain_id": group.domain_id})
            if req.name is not None and req.name != group.name:
                self._check_group_name(db, req.name, group.domain_id)
                group.name = req.name
            if "description" in req.given:
                group.description = req.description or ""
            if req.extras():
                group.extra = {**(group.extra or {}), **req.extras()}
        return group

    def delete_group(self, ctx: RequestContext, group_id: str) -> None:
        """Delete a group with its memberships and role assignments; its members' tokens are revoked."""
        with self.cloud.db.write() as db:
            group = self.core.find(db, Group, group_id)
            self.cloud.policy.enforce(ctx, "identity:delete_group", **{"target.group.domain_id": group.domain_id})
            for user_id in list(db.scalars(select(GroupMembership.user_id)
                                           .where(GroupMembership.group_id == group_id))):
                self.core.revoke_user_tokens(db, user_id)
            db.delete(group)  # memberships and assignments cascade
        self.core.forget_tokens()

    # ---------------------------------------------------------------- membership
    def list_group_users(self, ctx: RequestContext, group_id: str) -> list[User]:
        """GET /v3/groups/{id}/users."""
        with self.cloud.db.read() as db:
            group = self.core.find(db, Group, group_id)
            self.cloud.policy.enforce(ctx, "identity:list_users_in_group",
                                      **{"target.group.domain_id": group.domain_id})
            return list(db.scalars(select(User).join(GroupMembership, GroupMembership.user_id == User.id)
                                   .where(GroupMembership.group_id == group_id).order_by(User.name)))

    def list_user_groups(self, ctx: RequestContext, user_id: str) -> list[Group]:
        """GET /v3/users/{id}/groups: the groups a user is a member of (operators, or the user itself)."""
        with self.cloud.db.read() as db:
            user = self.core.find(db, User, user_id)
            self.cloud.policy.enforce(ctx, "identity:list_groups_for_user",
                                      **{"target.user.id": user_id, "target.user.domain_id": user.domain_id})
            return list(db.scalars(select(Group).join(GroupMembership, GroupMembership.group_id == Group.id)
                                   .where(GroupMembership.user_id == user_id).order_by(Group.name)))

    def add_user(self, ctx: RequestContext, group_id: str, user_id: str) -> None:
        """PUT /v3/groups/{group}/users/{user} (idempotent): the user gains the group's roles at once."""
        with self.cloud.db.write() as db:
            group, user = self._parts(db, group_id, user_id)
            self.cloud.policy.enforce(ctx, "identity:add_user_to_group", **{
                "target.group.domain_id": group.domain_id, "target.user.domain_id": user.domain_id})
            if db.get(GroupMembership, (user_id, group_id)) is None:
                db.add(GroupMembership(user_id=user_id, group_id=group_id))
        self.core.forget_tokens()

    def check_user(self, ctx: RequestContext, group_id: str, user_id: str) -> None:
        """HEAD/GET /v3/groups/{group}/users/{user}: returns when the user is a member, else Keystone's 404."""
        with self.cloud.db.read() as db:
            group, user = self._parts(db, group_id, user_id)
            self.cloud.policy.enforce(ctx, "identity:check_user_in_group", **{
                "target.group.domain_id": group.domain_id, "target.user.domain_id": user.domain_id})
            if db.get(GroupMembership, (user_id, group_id)) is None:
                raise NotFound(f"User '{user_id}' not found in group {group_id}")

    def remove_user(self, ctx: RequestContext, group_id: str, user_id: str) -> None:
        """DELETE /v3/groups/{group}/users/{user}: the user's tokens are revoked (they carried the group's
        roles)."""
        with self.cloud.db.write() as db:
            group, user = self._parts(db, group_id, user_id)
            self.cloud.policy.enforce(ctx, "identity:remove_user_from_group", **{
                "target.group.domain_id": group.domain_id, "target.user.domain_id": user.domain_id})
            membership = db.get(GroupMembership, (user_id, group_id))
            if membership is None:
                raise NotFound(f"User '{user_id}' not found in group {group_id}")
            db.delete(membership)
            self.core.revoke_user_tokens(db, user_id)
        self.core.forget_tokens()

    def _parts(self, db: Session, group_id: str, user_id: str) -> tuple[Group, User]:
        return self.core.find(db, Group, group_id), self.core.find(db, User, user_id)

    @staticmethod
    def _check_group_name(db: Session, name: str, domain_id: str) -> None:
        if db.scalar(select(Group.id).where(Group.domain_id == domain_id, Group.name == name)) is not None:
            raise Conflict(f"Conflict occurred attempting to store group - Duplicate entry found with name "
                           f"{name} at domain ID {domain_id}.")

    # ---------------------------------------------------------------- a student reset
    @staticmethod
    def purge_user_memberships(db: Session, user_ids: list[str]) -> int:
        """Remove the users from every group (a student reset): returns how many memberships went."""
        result = db.execute(delete(GroupMembership).where(GroupMembership.user_id.in_(user_ids)))
        return int(getattr(result, "rowcount", 0) or 0)


def _present(target: dict[str, Any]) -> dict[str, Any]:
    """The target attributes that are set (oslo.policy matches a None target with a missing credential)."""
    return {key: value for key, value in target.items() if value is not None}
