"""Object storage quotas, in the one quota engine (lab/cloud/quotas.py): the bytes an account stores (Swift's
account quota, X-Account-Meta-Quota-Bytes, which only the reseller admin sets), and counts of containers and
objects. A container may carry its own quota too (X-Container-Meta-Quota-Bytes/-Count, set by its owner),
checked beside these. Usage is counted from the rows inside the upload's write transaction."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lab.cloud.object.models import SwiftContainer, SwiftObject
from lab.cloud.quotas import Resource

SERVICE = "object"
GIB = 1024**3


def _containers(db: Session, project_id: str) -> int:
    return int(db.scalar(select(func.count()).select_from(SwiftContainer)
                         .where(SwiftContainer.project_id == project_id)) or 0)


def usage(db: Session, project_id: str) -> tuple[int, int]:
    """(objects, bytes) stored by the project."""
    row = db.execute(select(func.count(SwiftObject.id), func.coalesce(func.sum(SwiftObject.size), 0))
                     .join(SwiftContainer, SwiftObject.container_id == SwiftContainer.id)
                     .where(SwiftContainer.project_id == project_id)).one()
    return int(row[0]), int(row[1])


RESOURCES = (
    Resource(SERVICE, "containers", 1000, _containers, "Containers in the account."),
    Resource(SERVICE, "objects", -1, lambda db, p: usage(db, p)[0], "Objects in the account."),
    Resource(SERVICE, "bytes", 10 * GIB, lambda db, p: usage(db, p)[1],
             "Bytes stored in the account (Swift's X-Account-Meta-Quota-Bytes)."),
)
