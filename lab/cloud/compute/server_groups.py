"""Server groups (os-server-groups) and the scheduler filter that honours them on this one host.

A group's policy is Nova's: `affinity` (all members on one host: always true here), `anti-affinity` (no two
members on one host: the second member of a group cannot be placed, and goes to ERROR with Nova's `No valid host`
fault, which is the lesson), and the soft ones (`soft-affinity`, `soft-anti-affinity`: a preference, never a
refusal). A server joins a group at create (`os:scheduler_hints: {"group": id}`, `openstack server create
--hint group=ID`); members are the group's live servers, so a deleted server leaves its group. Quotas:
`server_groups` per project, `server_group_members` per group.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from lab.cloud.compute.common import ComputePart
from lab.cloud.compute.models import Server, ServerGroup, ServerGroupMember
from lab.cloud.compute.quotas import Quotas, count_groups
from lab.cloud.context import RequestContext
from lab.cloud.errors import BadRequest, Forbidden, NotFound

if TYPE_CHECKING:
    from lab.cloud.app import Cloud

POLICIES = ("affinity", "anti-affinity", "soft-affinity", "soft-anti-affinity")
NO_VALID_HOST = "No valid host was found. There are not enough hosts available."


@dataclass(frozen=True)
class GroupView:
    group: ServerGroup
    members: list[str]


def _members(db: Session, group_id: str) -> list[str]:
    return list(db.scalars(select(ServerGroupMember.server_id).join(Server, Server.id == ServerGroupMember.server_id)
                           .where(ServerGroupMember.group_id == group_id, Server.deleted.is_(False))
                           .order_by(Server.seq)))


class ServerGroups(ComputePart):
    def __init__(self, cloud: Cloud, quotas: Quotas):
        super().__init__(cloud)
        self.quotas = quotas

    def _get(self, db: Session, ctx: RequestContext, group_id: str) -> ServerGroup:
        group = db.get(ServerGroup, group_id)
        if group is None or not self.visible(ctx, group.project_id):
            raise NotFound(f"Instance group {group_id} could not be found.")
        return group

    def create_server_group(self, ctx: RequestContext, name: str, policy: str) -> GroupView:
        self.cloud.policy.enforce(ctx, "os_compute_api:os-server-groups:create", ctx.project_id)
        if ctx.project_id is None:
            raise Forbidden("Policy doesn't allow os_compute_api:os-server-groups:create to be performed.")
        with self.cloud.db.write() as db:
            limit = self.quotas.limits(db, ctx.project_id)["server_groups"]
            if 0 <= limit <= count_groups(db, ctx.project_id):
                raise Forbidden("Quota exceeded, too many server groups.")
            group = ServerGroup(name=name, project_id=ctx.project_id, user_id=ctx.user_id, policy=policy,
                                created_at=self.cloud.clock.now())
            db.add(group)
            db.flush()
            return GroupView(group, [])

    def list_server_groups(self, ctx: RequestContext, all_projects: bool = False) -> list[GroupView]:
        self.cloud.policy.enforce(ctx, "os_compute_api:os-server-groups:index")
        if all_projects:
            self.cloud.policy.enforce(ctx, "os_compute_api:os-server-groups:index:all_projects")
        with self.cloud.db.read() as db:
            query = select(ServerGroup).order_by(ServerGroup.created_at, ServerGroup.id)
            if not (all_projects and self.is_admin(ctx)):
                query = query.where(ServerGroup.project_id == ctx.project_id)
            return [GroupView(g, _members(db, g.id)) for g in db.scalars(query)]

    def get_server_group(self, ctx: RequestContext, group_id: str) -> GroupView:
        with self.cloud.db.read() as db:
            group = self._get(db, ctx, group_id)
            self.cloud.policy.enforce(ctx, "os_compute_api:os-server-groups:show", group.project_id)
            return GroupView(group, _members(db, group.id))

    def delete_server_group(self, ctx: RequestContext, group_id: str) -> None:
        """The group goes; its servers stay (they simply belong to no group any more), as in Nova."""
        with self.cloud.db.write() as db:
            group = self._get(db, ctx, group_id)
            self.cloud.policy.enforce(ctx, "os_compute_api:os-server-groups:delete", group.project_id)
            db.execute(delete(ServerGroupMember).where(ServerGroupMember.group_id == group.id))
            db.delete(group)

    # ------------------------------------------------------------------ what servers.py and the scheduler ask
    def add_members(self, db: Session, ctx: RequestContext, group_id: str, server_ids: list[str]) -> None:
        """In the server create's transaction: the new servers join the group (Nova's 400 for an unknown group,
        403 past the server_group_members quota)."""
        group = db.get(ServerGroup, group_id)
        if group is None or not self.visible(ctx, group.project_id):
            raise BadRequest(f"Invalid server group {group_id}: could not be found.")
        limit = self.quotas.limits(db, group.project_id)["server_group_members"]
        if 0 <= limit < len(_members(db, group.id)) + len(server_ids):
            raise Forbidden("Quota exceeded, too many servers in group")
        for server_id in server_ids:
            db.add(ServerGroupMember(group_id=group.id, server_id=server_id))

    def groups_of(self, server_id: str) -> list[str]:
        """The ids of the groups a server is in (a server show's `server_groups`, 2.71: at most one)."""
        with self.cloud.db.read() as db:
            return list(db.scalars(select(ServerGroupMember.group_id).where(ServerGroupMember.server_id == server_id)))

    def scheduling_refusal(self, server_id: str) -> str | None:
        """Anti-affinity on one host: a member cannot go where an earlier live member already is."""
        with self.cloud.db.read() as db:
            row = db.execute(select(ServerGroup.policy, ServerGroup.id, Server.seq, Server.host)
                             .join(ServerGroupMember, ServerGroupMember.group_id == ServerGroup.id)
                             .join(Server, Server.id == ServerGroupMember.server_id)
                             .where(ServerGroupMember.server_id == server_id)).first()
            if row is None or row.policy != "anti-affinity":
                return None
            taken = db.scalar(select(func.count()).select_from(ServerGroupMember)
                              .join(Server, Server.id == ServerGroupMember.server_id)
                              .where(ServerGroupMember.group_id == row.id, Server.deleted.is_(False),
                                     Server.seq < row.seq, Server.host == row.host))
        return NO_VALID_HOST if taken else None

    def purge_project(self, db: Session, project_id: str) -> int:
        groups = list(db.scalars(select(ServerGroup.id).where(ServerGroup.project_id == project_id)))
        if groups:
            db.execute(delete(ServerGroupMember).where(ServerGroupMember.group_id.in_(groups)))
            db.execute(delete(ServerGroup).where(ServerGroup.id.in_(groups)))
        return len(groups)
