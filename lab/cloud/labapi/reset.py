"""Resetting a student, atomically: every database change of the reset is made in ONE write transaction, and
the files and guests are removed only after it commits.

In that one transaction, through the services' own session-level code (so billing events, port releases and
network driver sync jobs are what an API delete makes): the project's servers are deleted (Nova keeps the
soft-deleted row, the ports go, floating IPs are disassociated), the user's key pairs, the project's volumes
with their attachments and snapshots (and its snapshots of other projects' volumes), its images, floating
IPs, routers (with their interfaces, and other projects' router interfaces on its networks), ports, networks
and security groups are deleted; the projects the student made in their own domain are purged the same way,
and the domain's projects, users, groups and grants go (but the student's admin role on it); the class's
quotas (and nothing else), the starting balance, and the student's original password and enabled user are
put back; and a `camp.reset_cleanup` job per project is enqueued naming what is left outside the database
(guests, volume and snapshot files, image files).

So a failure anywhere before the commit (a refused delete, a database error, a killed process) rolls back
everything: the student's state is exactly what it was, through the API and on disk (nothing outside the
database has been touched yet). After the commit the database never holds a mix, and the cleanup job removes
the files and guests; every step of it succeeds when the thing is already gone, and a process killed before
it finishes leaves the job in the database, so the worker finishes it at the next start (files of rows that
no longer exist are garbage: nothing in the API refers to them).

`--all` (a class, or every class) is a loop of such resets: atomic per student, not for the class as a whole
(a failure stops the loop; the students reset before it stay reset).
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from lab.cloud import worker
from lab.cloud.errors import CloudError
from lab.cloud.identity.models import Project, Role, User
from lab.cloud.plugin import Purge

if TYPE_CHECKING:
    from lab.cloud.app import Cloud
    from lab.cloud.labapi.models import LabClass, LabStudent

CLEANUP = "camp.reset_cleanup"
log = logging.getLogger(__name__)




@dataclass(frozen=True)
class ResetReport:
    project_id: str
    removed: dict[str, int]
    seconds: float = 0.0


def leftovers(cloud: Cloud, project_id: str, user_ids: list[str]) -> dict[str, int]:
    """What the project still holds, by kind (empty when the reset is complete)."""
    with cloud.db.read() as db:
        counts = {k: n for holdings in cloud.hooks("holdings") for k, n in holdings(db, project_id, user_ids).items()}
    return {k: n for k, n in counts.items() if n}


def reset_student(cloud: Cloud, student: LabStudent, cls: LabClass, domain_id: str | None = None) -> dict[str, int]:
    """Reset one student atomically (see the module docstring), with their own domain (`domain_id`) emptied
    in the same transaction. Returns what was removed, by kind. Any
    CloudError from a step (e.g. another project's port on the student's network) leaves everything as it
    was and is raised with a message saying the reset changed nothing."""
    try:
        with cloud.db.write() as db:
            purge = Purge(db, cloud.clock.now(), student.project_id, [student.user_id])
            for purge_project in cloud.hooks("purge_project"):
                purge_project(purge)
            if domain_id is not None:
                purge.removed.update(_empty_own_domain(cloud, db, purge.now, domain_id, student.user_id))
            password_restored = restore_starting_state(cloud, db, student, cls)
            worker.enqueue(db, purge.now, CLEANUP, student.project_id, **purge.leftovers)
    except CloudError as exc:
        raise type(exc)(f"Reset of {student.name} refused, nothing was changed: {exc.message}") from None
    if password_restored:
        cloud.identity.forget_tokens()  # cached sessions are checked afresh against the restored user
    cloud.worker.wake()
    cloud.worker.run_due()  # guests, volume, snapshot and image files go now (or at the next start)
    return {k: n for k, n in purge.removed.items() if n}


def _empty_own_domain(cloud: Cloud, db: Session, now: datetime, domain_id: str, user_id: str) -> Counter[str]:
    """In the reset's transaction: every project the student made in their own domain is purged as their own
    project is (servers, volumes, networks, ... by each service's `purge_project`, with a cleanup job of its
    own for its files and guests), then the domain's projects, users, groups and grants go, but the student's
    admin role on it."""
    removed: Counter[str] = Counter()
    project_ids = list(db.scalars(select(Project.id).where(Project.domain_id == domain_id, Project.id != domain_id)))
    user_ids = list(db.scalars(select(User.id).where(User.domain_id == domain_id)))
    for project_id in project_ids:
        purge = Purge(db, now, project_id, user_ids)
        for purge_project in cloud.hooks("purge_project"):
            purge_project(purge)
        worker.enqueue(db, now, CLEANUP, project_id, **purge.leftovers)
        removed.update(purge.removed)
    admin = db.scalar(select(Role.id).where(Role.name == "admin", Role.domain_id.is_(None)))
    assert admin is not None
    removed.update(cloud.identity.empty_domain(db, domain_id, user_id, admin))
    return removed


def restore_starting_state(cloud: Cloud, db: Session, student: LabStudent, cls: LabClass) -> bool:
    """In the reset's transaction: the class's quotas (and nothing else: other overrides go), the starting
    balance, and the student's original password and enabled user. True when the user had to be changed."""
    cloud.quotas.reset(db, student.project_id)
    cloud.quotas.set_by_name(db, student.project_id, cls.quota or {})
    if cls.balance is not None:
        cloud.billing.set_starting_balance_in(db, student.project_id, cls.balance)
    user = db.get(User, student.user_id)
    changed = user is not None and (user.password_hash != student.password_hash or not user.enabled)
    if user is not None and changed:
        user.password_hash = student.password_hash
        user.enabled = True
    db.flush()
    return changed


JOBS: worker.Jobs = {}  # the worker jobs of this module, listed in the plugin


@worker.job(JOBS, CLEANUP)
def _cleanup(cloud: Cloud, job: worker.JobSpec) -> None:
    """After a reset's commit: what is outside the database, by each service's `after_purge`. Every step
    succeeds when the thing is gone already, so a second run (after a crash) is harmless."""
    for plugin in cloud.plugins:
        hook = getattr(cloud.services[plugin.name], "after_purge", None)
        if hook is not None and plugin.name in job.payload:  # with what its purge_project left
            hook(job.payload[plugin.name])
