"""The compute APIs other services call, not users: os-server-external-events (Neutron's network-vif-plugged,
Cinder's volume-extended, ...) and os-assisted-volume-snapshots (Cinder asking the hypervisor to snapshot a volume
it cannot snapshot itself). Both are Nova's, with its rules (the `service` role, or an admin) and its answers.

An external event is accepted for a live server that has a host (Nova's 200 for that event), refused for an
unknown server (404) or one not on a host yet (422), and for a volume-extended or power-update without its `tag`
(400); the whole request is 200 when every event was accepted, 207 when some were not, and 404 when none was. On
this cloud nothing waits on an event (the fake driver plugs a port at once), so an accepted event only reaches the
server's history in the log.

An assisted snapshot needs the volume attached to a server (Nova's 400 otherwise) that has a host and no task
in progress; the compute host then tells the volume service how the snapshot goes, as Nova's compute does
(os-update_snapshot_status: `creating` at 90% after a create, `deleting` after a delete), and as Nova's compute
does, a volume service that refuses the update (an unknown snapshot) is logged and does not fail the request.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from lab.cloud import validation as V
from lab.cloud.compute import schemas
from lab.cloud.compute.common import ComputePart
from lab.cloud.compute.models import BlockDeviceMapping, Server
from lab.cloud.context import RequestContext
from lab.cloud.errors import BadRequest, CloudError, NotFound
from lab.cloud.microversion import Version

log = logging.getLogger(__name__)

# The events each microversion accepts (nova/api/openstack/compute/schemas/server_external_events.py).
EVENT_NAMES: tuple[tuple[Version, str], ...] = (
    (Version(2, 0), "network-changed"), (Version(2, 0), "network-vif-plugged"),
    (Version(2, 0), "network-vif-unplugged"), (Version(2, 0), "network-vif-deleted"),
    (Version(2, 51), "volume-extended"), (Version(2, 76), "power-update"),
    (Version(2, 82), "accelerator-request-bound"), (Version(2, 93), "volume-reimaged"),
)
EVENT_STATUSES = ("failed", "completed", "in-progress")
TAG_REQUIRED = ("volume-extended", "power-update")  # Nova's _is_event_tag_present_when_required


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _nonempty(body: dict[str, Any], key: str) -> str:
    """A string of at least one character (`'type': 'string', 'minLength': 1`)."""
    return V.string(1, None)(schemas.W, key, body[key])


@dataclass(frozen=True)
class Event:
    server_uuid: str
    name: str
    status: str
    tag: str | None


def parse_events(body: Any, version: Version) -> list[Event]:
    """POST /os-server-external-events: {"events": [{"server_uuid", "name", "status"?, "tag"?}, ...]}."""
    w = schemas.W
    if not isinstance(body, dict) or "events" not in body:
        raise w.refuse("events", body, "required", key="events")
    extra = set(body) - {"events"}
    if extra:
        raise w.unexpected("events", body, extra)
    events = body["events"]
    if not isinstance(events, list):
        raise w.refuse("events", events, "type", types=w.types(list))
    if not events:
        raise w.refuse("events", events, "too_short")
    names = [name for since, name in EVENT_NAMES if version >= since]
    parsed = []
    for item in events:
        if not isinstance(item, dict):
            raise w.refuse("events", item, "type", types=w.types(dict))
        for key in ("server_uuid", "name"):
            if key not in item:
                raise w.refuse("events", item, "required", key=key)
        extra = set(item) - {"server_uuid", "name", "status", "tag"}
        if extra:
            raise w.unexpected("events", item, extra)
        server_uuid = item["server_uuid"]
        if not isinstance(server_uuid, str) or not _is_uuid(server_uuid):
            raise w.refuse("server_uuid", server_uuid, "format", types="uuid")
        if item["name"] not in names:
            raise w.refuse("name", item["name"], "enum", choices=names)
        status = item.get("status", "completed")
        if status not in EVENT_STATUSES:
            raise w.refuse("status", status, "enum", choices=list(EVENT_STATUSES))
        tag = item.get("tag")
        if "tag" in item and (not isinstance(tag, str) or len(tag) > 255):
            raise w.refuse("tag", tag, "type" if not isinstance(tag, str) else "too_long",
                           types=w.types(str), limit=255)
        parsed.append(Event(server_uuid, item["name"], status, tag))
    return parsed


@dataclass(frozen=True)
class SnapshotCreate:
    volume_id: str
    snapshot_id: str
    new_file: str
    id: str | None  # create_info's `id`: any string, answered back as the snapshot's id


def parse_snapshot_create(body: Any) -> SnapshotCreate:
    """POST /os-assisted-volume-snapshots (nova/api/openstack/compute/schemas/assisted_volume_snapshots.py)."""
    w = schemas.W
    snapshot = body.get("snapshot") if isinstance(body, dict) else None
    if not isinstance(body, dict) or "snapshot" not in body:
        raise w.refuse("snapshot", body, "required", key="snapshot")
    if set(body) - {"snapshot"}:
        raise w.unexpected("", body, set(body) - {"snapshot"})
    if not isinstance(snapshot, dict):
        raise w.refuse("snapshot", snapshot, "type", types=w.types(dict))
    for key in ("volume_id", "create_info"):
        if key not in snapshot:
            raise w.refuse("snapshot", snapshot, "required", key=key)
    if set(snapshot) - {"volume_id", "create_info"}:
        raise w.unexpected("snapshot", snapshot, set(snapshot) - {"volume_id", "create_info"})
    volume_id = _nonempty(snapshot, "volume_id")
    info = snapshot["create_info"]
    if not isinstance(info, dict):
        raise w.refuse("create_info", info, "type", types=w.types(dict))
    for key in ("snapshot_id", "type", "new_file"):
        if key not in info:
            raise w.refuse("create_info", info, "required", key=key)
    if set(info) - {"snapshot_id", "type", "new_file", "id"}:
        raise w.unexpected("create_info", info, set(info) - {"snapshot_id", "type", "new_file", "id"})
    if info["type"] != "qcow2":
        raise w.refuse("type", info["type"], "enum", choices=["qcow2"])
    given_id = _nonempty(info, "id") if "id" in info else None
    return SnapshotCreate(volume_id, _nonempty(info, "snapshot_id"),
                          _nonempty(info, "new_file"), given_id)


def parse_delete_info(value: str | None) -> dict[str, Any]:
    """DELETE's `delete_info` query parameter: JSON with the `volume_id` (Nova's 400s carry Python's words)."""
    if value is None:
        raise BadRequest("'delete_info'")
    try:
        info = json.loads(value)
    except ValueError as error:
        raise BadRequest(str(error)) from None
    if not isinstance(info, dict) or "volume_id" not in info:
        raise BadRequest("'volume_id'")
    return info


class ExternalEvents(ComputePart):
    """`compute.external_events`: os-server-external-events."""

    def create(self, ctx: RequestContext, events: list[Event]) -> tuple[list[dict[str, Any]], int]:
        """Each event with its `status` and `code` as Nova answers them, and the request's code (200 or 207);
        Nova's 404 when no event was accepted."""
        self.cloud.policy.enforce(ctx, "os_compute_api:os-server-external-events:create")
        uuids = sorted({e.server_uuid for e in events})
        with self.cloud.db.read() as db:
            hosts = dict(db.execute(select(Server.id, Server.host).where(Server.id.in_(uuids),
                                                                         Server.deleted.is_(False))).all())
        answered, code, accepted = [], 200, 0
        for event in events:
            item: dict[str, Any] = {"server_uuid": event.server_uuid, "name": event.name}
            if event.tag is not None:
                item["tag"] = event.tag
            if event.server_uuid not in hosts:
                item.update(status="failed", code=404)
            elif event.name in TAG_REQUIRED and event.tag is None:
                item.update(status="failed", code=400)
            elif hosts[event.server_uuid]:
                item.update(status=event.status, code=200)
                accepted += 1
                log.info("Creating event %s:%s for instance %s on %s", event.name, event.tag, event.server_uuid,
                         hosts[event.server_uuid])
            else:
                item.update(status="failed", code=422)
            if item["code"] != 200:
                code = 207
            answered.append(item)
        if not accepted:
            raise NotFound("No instances found for any event")
        return answered, code


class AssistedSnapshots(ComputePart):
    """`compute.assisted_snapshots`: os-assisted-volume-snapshots."""

    def _server_of_volume(self, volume_id: str, method: str) -> Server:
        """The live server the volume is attached to (Nova's block device mapping), in a state to snapshot it:
        a host and no task (Nova answers its InstanceInvalidState and InstanceNotReady with 400 here)."""
        with self.cloud.db.read() as db:
            server = db.scalar(select(Server).join(BlockDeviceMapping, BlockDeviceMapping.server_id == Server.id)
                               .where(BlockDeviceMapping.volume_id == volume_id, Server.deleted.is_(False)))
        if server is None:
            raise BadRequest(f"No volume Block Device Mapping with id {volume_id}.")
        if not server.host:
            raise BadRequest(f"Instance {server.id} is not ready")
        if server.task_state is not None:
            raise BadRequest(f"Instance {server.id} in task_state {server.task_state}. Cannot {method} while the "
                             "instance is in this state.")
        return server

    def _report(self, ctx: RequestContext, snapshot_id: str, status: str) -> None:
        """Nova's compute telling the volume service (90%: its part is done); a refusal is only logged."""
        try:
            self.cloud.volume.update_snapshot_status(ctx, snapshot_id, status, "90%")
        except CloudError as error:
            log.warning("Failed to send updated snapshot status to volume service: %s", error.message)

    def create(self, ctx: RequestContext, asked: SnapshotCreate) -> dict[str, Any]:
        self.cloud.policy.enforce(ctx, "os_compute_api:os-assisted-volume-snapshots:create")
        self._server_of_volume(asked.volume_id, "volume_snapshot_create")
        self._report(ctx, asked.snapshot_id, "creating")
        return {"id": asked.id, "volumeId": asked.volume_id}

    def delete(self, ctx: RequestContext, snapshot_id: str, delete_info: str | None) -> None:
        self.cloud.policy.enforce(ctx, "os_compute_api:os-assisted-volume-snapshots:delete")
        info = parse_delete_info(delete_info)
        self._server_of_volume(str(info["volume_id"]), "volume_snapshot_delete")
        self._report(ctx, snapshot_id, "deleting")
