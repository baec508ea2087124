"""Resetting a student, atomically: every database change of the reset is made in ONE write transaction, and
the files and guests are removed only after it commits.

In that one transaction, through the services' own session-level code (so billing events, port releases and
network driver sync jobs are what an API delete makes): the project's servers are deleted (Nova keeps the
soft-deleted row, the ports go, floating IPs are disassociated), the user's key pairs, the project's volumes
with their attachments and snapshots (and its snapshots of other projects' volumes), its images, floating
IPs, routers (with their interfaces, and other projects' router interfaces on its networks), ports, networks
and security groups are deleted; the class's quotas (and nothing else), the starting balance, and the
student's original password and enabled user are put back; and one `camp.reset_cleanup` job is enqueued
naming what is left outside the database (guests, volume and snapshot files, image files).

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
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from lab.cloud import events, worker
from lab.cloud.context import RequestContext
from lab.cloud.drivers.base import DriverError
from lab.cloud.errors import CloudError
from lab.cloud.identity.models import User

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


@dataclass
class Cleanup:
    """What the reset leaves outside the database, for the job that removes it after the commit."""

    guests: list[str] = field(default_factory=list)  # servers whose guests the compute.delete jobs destroy
    detach: list[list[str]] = field(default_factory=list)  # [server_id, volume_id]: other projects' guests
    volumes: list[str] = field(default_factory=list)
    snapshots: list[str] = field(default_factory=list)
    images: list[str] = field(default_factory=list)


def leftovers(cloud: Cloud, project_id: str, user_ids: list[str]) -> dict[str, int]:
    """What the project still holds, by kind (empty when the reset is complete)."""
    counts: dict[str, int] = {}

    with cloud.db.read() as db:
        def count(kind: str, model: Any, *where: Any) -> None:
            n = int(db.scalar(select(func.count()).select_from(model).where(*where)) or 0)
            if n:
                counts[kind] = n

        if cloud.compute is not None:
            from lab.cloud.compute.models import KeyPair, Server
            count("servers", Server, Server.project_id == project_id, Server.deleted.is_(False))
            count("keypairs", KeyPair, KeyPair.user_id.in_(user_ids))
        if cloud.volume is not None:
            from lab.cloud.volume.models import Snapshot, Volume
            count("volumes", Volume, Volume.project_id == project_id)
            count("volume_snapshots", Snapshot, Snapshot.project_id == project_id)
        if cloud.image is not None:
            from lab.cloud.image.models import Image
            count("images", Image, Image.owner == project_id)
        if cloud.network is not None:
            from lab.cloud.network.models import FloatingIP, Network, Port, Router, SecurityGroup
            count("floating_ips", FloatingIP, FloatingIP.project_id == project_id)
            count("routers", Router, Router.project_id == project_id)
            count("ports", Port, Port.project_id == project_id)
            count("networks", Network, Network.project_id == project_id)
            count("security_groups", SecurityGroup, SecurityGroup.project_id == project_id)
    return counts


def reset_student(cloud: Cloud, student: LabStudent, cls: LabClass) -> dict[str, int]:
    """Reset one student atomically (see the module docstring). Returns what was removed, by kind. Any
    CloudError from a step (e.g. another project's port on the student's network) leaves everything as it
    was and is raised with a message saying the reset changed nothing."""
    removed: Counter[str] = Counter()
    plan = Cleanup()
    project_id, user_ids = student.project_id, [student.user_id]
    try:
        with cloud.db.write() as db:
            now = cloud.clock.now()
            _remove_compute(cloud, db, now, project_id, user_ids, removed, plan)
            _remove_volumes(cloud, db, now, project_id, removed, plan)
            _remove_images(cloud, db, now, project_id, removed, plan)
            _remove_network(cloud, db, project_id, removed)
            password_restored = restore_starting_state(cloud, db, student, cls)
            worker.enqueue(db, now, CLEANUP, project_id, guests=plan.guests, detach=plan.detach,
                           volumes=plan.volumes, snapshots=plan.snapshots, images=plan.images)
    except CloudError as exc:
        raise type(exc)(f"Reset of {student.name} refused, nothing was changed: {exc.message}") from None
    if password_restored:
        cloud.identity.forget_tokens()  # cached sessions are checked afresh against the restored user
    cloud.worker.wake()
    cloud.worker.run_due()  # guests, volume, snapshot and image files go now (or at the next start)
    return {k: n for k, n in removed.items() if n}


def _remove_compute(cloud: Cloud, db: Session, now: Any, project_id: str, user_ids: list[str],
                    removed: Counter[str], plan: Cleanup) -> None:
    compute = cloud.compute
    if compute is None:
        return
    from lab.cloud.compute.models import KeyPair, Server
    system = RequestContext.system()
    for server in db.scalars(select(Server).where(Server.project_id == project_id, Server.deleted.is_(False))):
        compute._mark_deleted(db, server, now, system.user_id)  # ports released, event, compute.delete job
        plan.guests.append(server.id)
        removed["servers"] += 1
    removed["keypairs"] += db.execute(delete(KeyPair).where(KeyPair.user_id.in_(user_ids))).rowcount or 0  # type: ignore[attr-defined]
    db.flush()


def _remove_volumes(cloud: Cloud, db: Session, now: Any, project_id: str, removed: Counter[str],
                    plan: Cleanup) -> None:
    if cloud.volume is None:
        return
    from lab.cloud.compute.models import Server
    from lab.cloud.volume.models import Snapshot, Volume, VolumeAttachment
    volumes = list(db.scalars(select(Volume).where(Volume.project_id == project_id)))
    volume_ids = [v.id for v in volumes]
    snapshots = list(db.scalars(select(Snapshot).where(or_(Snapshot.project_id == project_id,
                                                           Snapshot.volume_id.in_(volume_ids)))))
    for att in db.scalars(select(VolumeAttachment).where(VolumeAttachment.volume_id.in_(volume_ids))):
        server = db.get(Server, att.server_id)
        if server is not None and not server.deleted:  # another project's live guest: detach it after the commit
            plan.detach.append([att.server_id, att.volume_id])
        db.delete(att)
    for snap in snapshots:
        if snap.status != "deleting":  # a pending delete has recorded its event already
            events.record(db, now, project_id=snap.project_id, user_id="system", resource_type="snapshot",
                          resource_id=snap.id, action="delete", size=snap.size)
        plan.snapshots.append(snap.id)
        db.delete(snap)
        removed["volume_snapshots"] += 1
    db.flush()
    for volume in volumes:
        if volume.status != "deleting":
            events.record(db, now, project_id=volume.project_id, user_id="system", resource_type="volume",
                          resource_id=volume.id, action="delete", size=volume.size)
        plan.volumes.append(volume.id)
        db.delete(volume)
        removed["volumes"] += 1
    db.flush()


def _remove_images(cloud: Cloud, db: Session, now: Any, project_id: str, removed: Counter[str],
                   plan: Cleanup) -> None:
    if cloud.image is None:
        return
    from lab.cloud.image.models import Image, ImageMember
    images = list(db.scalars(select(Image).where(Image.owner == project_id)))  # protected ones too
    if images:
        db.execute(delete(ImageMember).where(ImageMember.image_id.in_([i.id for i in images])))
    for img in images:
        events.record(db, now, project_id=img.owner, user_id="system", resource_type="image",
                      resource_id=img.id, action="delete", size=img.size or 0)
        plan.images.append(img.id)
        db.delete(img)
        removed["images"] += 1
    db.flush()


def _remove_network(cloud: Cloud, db: Session, project_id: str, removed: Counter[str]) -> None:
    """Neutron's own deletes, in dependency order, in the caller's transaction (each records its events and
    enqueues the driver sync jobs, which run after the commit)."""
    svc = cloud.network
    if svc is None:
        return
    from lab.cloud.network import floatingips, networks, ports, routers
    from lab.cloud.network import security_groups as sgs
    from lab.cloud.network.models import FloatingIP, Network, Port, Router, SecurityGroup
    system = RequestContext.system()

    def ids(model: Any, *where: Any) -> list[str]:
        return list(db.scalars(select(model.id).where(*where)))

    for fip_id in ids(FloatingIP, FloatingIP.project_id == project_id):
        floatingips.delete_floatingip(svc, db, system, fip_id)
        removed["floating_ips"] += 1
    for router_id in ids(Router, Router.project_id == project_id):
        for port in routers.interface_ports(db, router_id):
            routers.remove_interface(svc, db, system, router_id, {"port_id": port.id})
            removed["router_interfaces"] += 1
        routers.delete_router(svc, db, system, router_id)
        removed["routers"] += 1
    # Other projects' router interfaces on this project's networks go too (the networks could not go else).
    own_networks = ids(Network, Network.project_id == project_id)
    for router_id, port_id in list(db.execute(select(Port.device_id, Port.id).where(
            Port.network_id.in_(own_networks), Port.device_owner == "network:router_interface"))):
        routers.remove_interface(svc, db, system, router_id, {"port_id": port_id})
        removed["router_interfaces"] += 1
    for port_id in ids(Port, Port.project_id == project_id, Port.device_owner.not_in(
            ("network:dhcp", "network:router_interface", "network:router_gateway", "network:floatingip"))):
        ports.delete_port(svc, db, system, port_id)
        removed["ports"] += 1
    for network_id in own_networks:
        networks.delete_network(svc, db, system, network_id)
        removed["networks"] += 1
    for group_id in ids(SecurityGroup, SecurityGroup.project_id == project_id):
        sgs.delete_group(svc, db, system, group_id)
        removed["security_groups"] += 1
    db.flush()


def restore_starting_state(cloud: Cloud, db: Session, student: LabStudent, cls: LabClass) -> bool:
    """In the reset's transaction: the class's quotas (and nothing else: other overrides go), the starting
    balance, and the student's original password and enabled user. True when the user had to be changed."""
    from lab.cloud.labapi.classes import COMPUTE_QUOTAS, NETWORK_QUOTAS, VOLUME_QUOTAS
    project_id, quota = student.project_id, cls.quota or {}
    if cloud.compute is not None:
        from lab.cloud.compute.models import QuotaLimit
        db.execute(delete(QuotaLimit).where(QuotaLimit.project_id == project_id))
        db.add_all(QuotaLimit(project_id=project_id, resource=k, hard_limit=int(v))
                   for k, v in quota.items() if k in COMPUTE_QUOTAS)
    if cloud.volume is not None:
        from lab.cloud.volume.models import VolumeQuota
        db.execute(delete(VolumeQuota).where(VolumeQuota.project_id == project_id))
        db.add_all(VolumeQuota(project_id=project_id, resource=k, hard_limit=int(v))
                   for k, v in quota.items() if k in VOLUME_QUOTAS)
    if cloud.network is not None:
        from lab.cloud.network import quotas as network_quotas
        network_quotas.reset(db, project_id)
        network_quotas.update(db, project_id, {k: v for k, v in quota.items() if k in NETWORK_QUOTAS})
    billing = cloud.services.get("billing")
    if cls.balance is not None and billing is not None and hasattr(billing, "set_starting_balance_in"):
        billing.set_starting_balance_in(db, project_id, cls.balance)
    user = db.get(User, student.user_id)
    changed = user is not None and (user.password_hash != student.password_hash or not user.enabled)
    if user is not None and changed:
        user.password_hash = student.password_hash
        user.enabled = True
    db.flush()
    return changed


@worker.handler(CLEANUP)
def _cleanup(cloud: Cloud, job: worker.JobSpec) -> None:
    """After a reset's commit: what is outside the database. Every call succeeds when the thing is gone
    already, so a second run (after a crash) is harmless. The guests themselves are destroyed by the
    compute.delete jobs the reset enqueued (they run before this one); destroying again here is a no-op."""
    driver = cloud.compute_driver
    if driver is not None:
        for server_id, volume_id in job.payload.get("detach") or []:
            try:  # another project's guest: its disk goes away with the volume file either way
                driver.detach_disk(server_id, volume_id)
            except DriverError:
                log.exception("detaching volume %s from server %s after a reset failed", volume_id, server_id)
        for server_id in job.payload.get("guests") or []:
            driver.destroy(server_id)
    if cloud.volume is not None:
        for snapshot_id in job.payload.get("snapshots") or []:
            cloud.volume.driver.delete_snapshot(snapshot_id)
        for volume_id in job.payload.get("volumes") or []:
            cloud.volume.driver.delete_volume(volume_id)
    if cloud.image is not None:
        for image_id in job.payload.get("images") or []:
            cloud.image.store.remove(image_id)
