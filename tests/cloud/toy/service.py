"""The toy service's behaviour: create, list and delete toys, with a quota, a meter and a reset hook."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from lab.cloud import events
from lab.cloud.context import RequestContext
from lab.cloud.db import count, new_id
from lab.cloud.errors import Forbidden, NotFound
from lab.cloud.plugin import Purge
from lab.cloud.quotas import Exceeded
from tests.cloud.toy.models import Toy

if TYPE_CHECKING:
    from lab.cloud.app import Cloud


def toys_in_use(db: Session, project_id: str) -> int:
    return count(db, Toy, Toy.project_id == project_id)


class ToyService:
    def __init__(self, cloud: Cloud):
        self.cloud = cloud

    def create_toy(self, ctx: RequestContext, name: str) -> Toy:
        self.cloud.policy.enforce(ctx, "toy:create_toy")
        assert ctx.project_id is not None
        with self.cloud.db.write() as db:
            try:
                self.cloud.quotas.check(db, "toy", ctx.project_id, {"toys": 1})
            except Exceeded as exc:
                raise Forbidden(f"Quota exceeded: {exc}") from None
            toy = Toy(id=new_id(), project_id=ctx.project_id, name=name)
            db.add(toy)
            events.record(db, self.cloud.clock.now(), project_id=ctx.project_id, user_id=ctx.user_id,
                          resource_type="toy", resource_id=toy.id, action="create", name=name)
        return toy

    def list_toys(self, ctx: RequestContext) -> list[Toy]:
        self.cloud.policy.enforce(ctx, "toy:list_toys")
        with self.cloud.db.read() as db:
            return list(db.scalars(select(Toy).where(Toy.project_id == ctx.project_id)))

    def delete_toy(self, ctx: RequestContext, toy_id: str) -> None:
        with self.cloud.db.write() as db:
            toy = db.get(Toy, toy_id)
            if toy is None or toy.project_id != ctx.project_id:
                raise NotFound(f"Toy {toy_id} could not be found.")
            self.cloud.policy.enforce(ctx, "toy:delete_toy", toy.project_id)
            self._delete(db, toy)

    def _delete(self, db: Session, toy: Toy) -> None:
        events.record(db, self.cloud.clock.now(), project_id=toy.project_id, user_id="system",
                      resource_type="toy", resource_id=toy.id, action="delete")
        db.delete(toy)

    # the plugin hooks (lab/cloud/plugin.py)
    def purge_project(self, purge: Purge) -> None:
        for toy in purge.db.scalars(select(Toy).where(Toy.project_id == purge.project_id)):
            self._delete(purge.db, toy)
            purge.removed["toys"] += 1

    def holdings(self, db: Session, project_id: str, user_ids: list[str]) -> dict[str, int]:
        return {"toys": toys_in_use(db, project_id)}
