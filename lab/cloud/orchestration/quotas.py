"""Heat's one quota, `max_stacks_per_tenant`, in the lab's quota engine as `stacks` (top-level stacks that
are not deleted; a ResourceGroup's nested stacks are not counted, as in Heat)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from lab.cloud.db import count
from lab.cloud.orchestration.models import Stack
from lab.cloud.quotas import Resource

DEFAULT_STACKS = 100  # Heat's max_stacks_per_tenant


def stacks_in_use(db: Session, project_id: str) -> int:
    return count(db, Stack, Stack.project_id == project_id, Stack.parent_id.is_(None), Stack.deleted_at.is_(None))


RESOURCES = (Resource("orchestration", "stacks", DEFAULT_STACKS, stacks_in_use,
                      "Stacks per project (Heat's max_stacks_per_tenant)"),)
