"""Resetting a student: every resource their project holds is removed through the services (as an admin
would with the API: servers, volumes and their snapshots, images, floating IPs, routers, ports, networks,
security groups, key pairs), the worker is run until the deletes are done (so guest, volume and image files are
gone too), and the starting state is put back (the class's quotas, the original password).

A reset is idempotent: each step deletes what is there, so a reset interrupted by an error is finished by
running it again, and the final `leftovers()` check refuses to report success while anything is left.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from lab.cloud.context import RequestContext
from lab.cloud.errors import CloudError, NotFound
from lab.cloud.identity.models import User

if TYPE_CHECKING:
    from lab.cloud.app import Cloud
    from lab.cloud.labapi.models import LabClass, LabStudent

PASSES = 4  # delete, settle, delete again: bounded, and enough for attach/snapshot dependencies


class ResetIncomplete(CloudError):
    code = 500


@dataclass(frozen=True)
class ResetReport:
    project_id: str
    removed: dict[str, int]
    seconds: float = 0.0


def _ids(cloud: Cloud, model: Any, *where: Any) -> list[Any]:
    with cloud.db.read() as db:
        return list(db.scalars(select(model.id).where(*where)))


def leftovers(cloud: Cloud, project_id: str, user_ids: list[str]) -> dict[str, int]:
    """What the project still holds, by kind (empty when the reset is complete)."""
    counts: dict[str, int] = {}

    def count(kind: str, model: Any, *where: Any) -> None:
        with cloud.db.read() as db:
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


def _try(removed: Counter[str], kind: str, fn: Any, *args: Any, **kwargs: Any) -> None:
    """Delete one thing; a 404 means it went already (a dependency took it), other errors are retried by the
    next pass and reported by `leftovers` if they persist."""
    try:
        fn(*args, **kwargs)
        removed[kind] += 1
    except NotFound:
        pass
    except CloudError:
        pass


def reset_project(cloud: Cloud, project_id: str, user_ids: list[str]) -> dict[str, int]:
    """Remove everything `project_id` holds (and the key pairs of `user_ids`). Returns counts by kind.
    Raises ResetIncomplete listing what could not be removed."""
    system = RequestContext.system()
    removed: Counter[str] = Counter()
    for _ in range(PASSES):
        _remove_compute(cloud, system, project_id, user_ids, removed)
        cloud.worker.run_due()  # guests destroyed, volumes detached
        _remove_volumes(cloud, system, project_id, removed)
        _remove_images(cloud, system, project_id, removed)
        _remove_network(cloud, system, project_id, removed)
        cloud.worker.run_due()  # volume and snapshot files deleted
        if not leftovers(cloud, project_id, user_ids):
            return dict(removed)
    left = leftovers(cloud, project_id, user_ids)
    if left:
        raise ResetIncomplete(f"Reset of project {project_id} left {', '.join(f'{n} {k}' for k, n in left.items())}"
                              "; run the reset again, and report it if this persists.")
    return dict(removed)


def _remove_compute(cloud: Cloud, system: RequestContext, project_id: str, user_ids: list[str],
                    removed: Counter[str]) -> None:
    if cloud.compute is None:
        return
    from lab.cloud.compute.models import KeyPair, Server
    for server_id in _ids(cloud, Server, Server.project_id == project_id, Server.deleted.is_(False)):
        _try(removed, "servers", cloud.compute.delete_server, system, server_id)
    with cloud.db.read() as db:
        keypairs = list(db.execute(select(KeyPair.user_id, KeyPair.name).where(KeyPair.user_id.in_(user_ids))))
    for user_id, name in keypairs:
        owner = RequestContext(user_id=user_id, user_name=user_id, project_id=project_id, project_name=None,
                               roles=("member",))
        _try(removed, "keypairs", cloud.compute.delete_keypair, owner, name)


def _remove_volumes(cloud: Cloud, system: RequestContext, project_id: str, removed: Counter[str]) -> None:
    if cloud.volume is None:
        return
    from lab.cloud.volume.models import Snapshot, Volume, VolumeAttachment
    from lab.cloud.volume.volumes import DELETABLE
    with cloud.db.read() as db:
        volumes = list(db.execute(select(Volume.id, Volume.status).where(Volume.project_id == project_id)))
        attached = set(db.scalars(select(VolumeAttachment.volume_id).where(
            VolumeAttachment.volume_id.in_([v for v, _ in volumes]))))
    for volume_id, status in volumes:
        if volume_id in attached:
            # Attached to a server of another project (or a leftover row): detach as Cinder's admin would.
            _try(removed, "detached", _force_detach, cloud, volume_id)
        if status == "deleting":
            continue
        if status not in DELETABLE:
            # Stuck in a transitional state (attaching, creating after a crash): reset-state, as an admin does.
            _try(removed, "status_reset", cloud.volume.reset_status, system, volume_id, "error", "detached")
        _try(removed, "volumes", cloud.volume.delete_volume, system, volume_id, cascade=True)
    # Snapshots of another project's volume can belong to this project.
    for snapshot_id in _ids(cloud, Snapshot, Snapshot.project_id == project_id, Snapshot.status != "deleting"):
        _try(removed, "volume_snapshots", cloud.volume.delete_snapshot, system, snapshot_id)


def _force_detach(cloud: Cloud, volume_id: str) -> None:
    from lab.cloud.volume.models import VolumeAttachment
    with cloud.db.read() as db:
        servers = list(db.scalars(select(VolumeAttachment.server_id).where(VolumeAttachment.volume_id == volume_id)))
    for server_id in servers:
        cloud.volume.detach_all_for_server(server_id)


def _remove_images(cloud: Cloud, system: RequestContext, project_id: str, removed: Counter[str]) -> None:
    if cloud.image is None:
        return
    from lab.cloud.image.models import Image
    with cloud.db.write() as db:  # a protected image is unprotected first, as its owner would
        for img in db.scalars(select(Image).where(Image.owner == project_id, Image.protected.is_(True))):
            img.protected = False
    for image_id in _ids(cloud, Image, Image.owner == project_id):
        _try(removed, "images", cloud.image.delete_image, system, image_id)


def _remove_network(cloud: Cloud, system: RequestContext, project_id: str, removed: Counter[str]) -> None:
    network = cloud.network
    if network is None:
        return
    from lab.cloud.network.models import FloatingIP, Network, Port, Router, SecurityGroup
    from lab.cloud.network.routers import interface_ports
    for fip_id in _ids(cloud, FloatingIP, FloatingIP.project_id == project_id):
        _try(removed, "floating_ips", network.delete, system, "floatingips", fip_id)
    for router_id in _ids(cloud, Router, Router.project_id == project_id):
        with cloud.db.read() as db:
            ports = [p.id for p in interface_ports(db, router_id)]
        for port_id in ports:
            _try(removed, "router_interfaces", network.remove_router_interface, system, router_id,
                 {"port_id": port_id})
        _try(removed, "routers", network.delete, system, "routers", router_id)
    # Interfaces of other projects' routers on this project's networks go too (the network could not go else).
    with cloud.db.read() as db:
        own_networks = list(db.scalars(select(Network.id).where(Network.project_id == project_id)))
        foreign = list(db.execute(select(Port.device_id, Port.id).where(
            Port.network_id.in_(own_networks), Port.device_owner == "network:router_interface",
            Port.project_id != project_id)))
    for router_id, port_id in foreign:
        _try(removed, "router_interfaces", network.remove_router_interface, system, router_id, {"port_id": port_id})
    with cloud.db.read() as db:
        ports = list(db.scalars(select(Port.id).where(
            Port.project_id == project_id, Port.device_owner.not_in(("network:dhcp", "network:router_interface",
                                                                      "network:router_gateway")))))
    for port_id in ports:
        _try(removed, "ports", network.delete, system, "ports", port_id)
    for network_id in own_networks:
        _try(removed, "networks", network.delete, system, "networks", network_id)
    for group_id in _ids(cloud, SecurityGroup, SecurityGroup.project_id == project_id):
        _try(removed, "security_groups", network.delete, system, "security-groups", group_id)


def restore_starting_state(cloud: Cloud, student: LabStudent, cls: LabClass) -> None:
    """The class's quotas (and nothing else) and the student's original password and enabled user."""
    from lab.camp.classes import ClassManager
    system = RequestContext.system()
    if cloud.compute is not None:
        cloud.compute.delete_quotas(system, student.project_id)
    if cloud.volume is not None:
        cloud.volume.delete_quota_set(system, student.project_id)
    if cloud.network is not None:
        cloud.network.reset_quota(system, student.project_id)
    manager = ClassManager(cloud)
    manager.apply_quota(student.project_id, cls.quota)
    manager.apply_balance(student.project_id, cls.balance)
    changed = False
    with cloud.db.write() as db:
        user = db.get(User, student.user_id)
        if user is not None and (user.password_hash != student.password_hash or not user.enabled):
            user.password_hash = student.password_hash
            user.enabled = True
            changed = True
    if changed:
        cloud.identity.forget_tokens()
