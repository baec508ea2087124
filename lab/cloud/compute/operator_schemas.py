"""Request parsing and response bodies of compute's smaller APIs: host aggregates (os-aggregates, checked
against tempest's aggregates schemas, `uuid` from 2.41), the legacy extension list (/extensions) and the
floating IP pools proxy (os-floating-ip-pools, gone from 2.36), server diagnostics and the instance usage
audit log. Kept apart from schemas.py, which holds the servers' and flavors' bodies."""

from __future__ import annotations

from typing import Any

from lab.cloud.compute import microversions as mv
from lab.cloud.compute.diagnostics import STATE_NAMES, Diagnosis
from lab.cloud.compute.models import Aggregate
from lab.cloud.compute.schemas import invalid
from lab.cloud.errors import BadRequest
from lab.cloud.http import timestamp
from lab.cloud.microversion import Version

AGGREGATE_UUID = mv.Version(2, 41)


# ---------------------------------------------------------------------------------------------- aggregates
def _aggregate_name(body: dict[str, Any], key: str, required: bool) -> str | None:
    value = body.get(key)
    if value is None:
        if required:
            raise invalid("aggregate", body, f"'{key}' is a required property")
        return None
    if not isinstance(value, str):
        raise invalid(key, value, f"{value!r} is not of type 'string'")
    if not value.strip() or len(value) > 255:
        raise invalid(key, value, f"{value!r} is too short" if not value.strip() else f"{value!r} is too long")
    return value


def parse_aggregate(body: dict[str, Any], *, create: bool) -> tuple[str | None, str | None, bool]:
    """(name, availability_zone, whether the zone was given) of POST (create) or PUT /os-aggregates."""
    aggregate = body.get("aggregate")
    if not isinstance(aggregate, dict):
        raise invalid("aggregate", aggregate, "'aggregate' is a required property")
    extra = sorted(set(aggregate) - {"name", "availability_zone"})
    if extra:
        raise invalid("aggregate", aggregate, f"Additional properties are not allowed ({extra[0]!r} was "
                      "unexpected)")
    if not create and not aggregate:
        raise invalid("aggregate", aggregate, "{} does not have enough properties")
    name = _aggregate_name(aggregate, "name", create)
    zone = _aggregate_name(aggregate, "availability_zone", False)
    return name, zone, "availability_zone" in aggregate


AGGREGATE_ACTIONS = ("add_host", "remove_host", "set_metadata")


def parse_aggregate_action(body: dict[str, Any]) -> tuple[str, Any]:
    """(action, its argument: a host name, or the metadata changes) of POST /os-aggregates/{id}/action."""
    if len(body) != 1 or next(iter(body)) not in AGGREGATE_ACTIONS:
        raise BadRequest("There is no such action: " + ", ".join(sorted(body)) if body else "Malformed request body")
    action, args = next(iter(body.items()))
    if not isinstance(args, dict):
        raise invalid(action, args, f"{args!r} is not of type 'object'")
    if action == "set_metadata":
        metadata = args.get("metadata")
        if set(args) != {"metadata"} or not isinstance(metadata, dict):
            raise invalid("set_metadata", args, "'metadata' is a required property")
        for key, value in metadata.items():
            if not 1 <= len(key) <= 255:
                raise invalid("metadata", metadata, f"Metadata key {key!r} must be 1 to 255 characters")
            if value is not None and (not isinstance(value, str | int | float) or isinstance(value, bool)
                                      or len(str(value)) > 255):
                raise invalid("metadata", metadata, f"{value!r} is not of type 'string', 'null'")
        return action, {k: None if v is None else str(v) for k, v in metadata.items()}
    host = args.get("host")
    if set(args) != {"host"} or not isinstance(host, str) or not host:
        raise invalid(action, args, "'host' is a required property")
    return action, host


def aggregate(a: Aggregate, version: Version = mv.MIN, *, created: bool = False) -> dict[str, Any]:
    """An aggregate as Nova shows it: the create answer has no hosts or metadata; `uuid` from 2.41."""
    body: dict[str, Any] = {"id": a.id, "name": a.name, "availability_zone": a.availability_zone,
                            "created_at": timestamp(a.created_at), "updated_at": timestamp(a.updated_at),
                            "deleted": False, "deleted_at": None}
    if not created:
        body.update({"hosts": list(a.hosts or []), "metadata": dict(a.metadata_ or {})})
    if version >= AGGREGATE_UUID:
        body["uuid"] = a.uuid
    return body


# ---------------------------------------------------------------------------------------------- extensions
# Nova's v2.1 extension list is fixed (the extension mechanism is gone; the list stays for old clients such as
# `openstack extension list --compute`): Nova names extensions whose APIs it no longer serves (os-consoles),
# and so does the lab; the others here are what the lab serves, with Nova's aliases and names.
EXTENSIONS: tuple[tuple[str, str, str], ...] = (
    ("os-admin-actions", "AdminActions", "Enable admin-only server actions (resetState, injectNetworkInfo)."),
    ("os-aggregates", "Aggregates", "Admin-only aggregate administration."),
    ("os-availability-zone", "AvailabilityZone", "1. Add availability_zone to the Create Server API."),
    ("os-block-device-mapping", "BlockDeviceMapping", "Block device mapping boot support."),
    ("os-console-output", "ConsoleOutput", "Console log output support."),
    ("os-consoles", "Consoles", "Interactive Console support."),
    ("os-extended-availability-zone", "ExtendedAvailabilityZone", "Extended Availability Zone support."),
    ("os-extended-server-attributes", "ExtendedServerAttributes", "Extended Server Attributes support."),
    ("os-extended-status", "ExtendedStatus", "Extended Status support."),
    ("os-extended-volumes", "ExtendedVolumes", "Extended Volumes support."),
    ("flavors", "Flavors", "Flavors Extension."),
    ("os-flavor-access", "FlavorAccess", "Flavor access support."),
    ("os-flavor-extra-specs", "FlavorExtraSpecs", "Flavors extra specs support."),
    ("os-flavor-manage", "FlavorManage", "Flavor create/delete API support."),
    ("os-hosts", "Hosts", "Admin-only host administration."),
    # Nova lists it whatever the version (`openstack extension list --compute` checks it); its /images proxy
    # is not served by the lab (removed from Nova at 2.36).
    ("image-size", "ImageSize", "Adds image size to image listings."),
    ("os-hypervisors", "Hypervisors", "Admin-only hypervisor administration."),
    ("os-instance-actions", "InstanceActions", "View a log of actions and events taken on an instance."),
    ("os-keypairs", "Keypairs", "Keypair Support."),
    ("os-lock-server", "LockServer", "Enable lock/unlock server actions."),
    ("os-migrations", "Migrations", "Provide data on migrations."),
    ("os-pause-server", "PauseServer", "Enable pause/unpause server actions."),
    ("os-quota-class-sets", "QuotaClasses", "Quota classes management support."),
    ("os-quota-sets", "Quotas", "Quotas management support."),
    ("os-remote-consoles", "Consoles", "Interactive Console support."),
    ("os-rescue", "Rescue", "Instance rescue mode."),
    ("os-server-groups", "ServerGroups", "Server group support."),
    ("os-server-tags", "ServerTags", "Server tags support."),
    ("os-services", "Services", "Services support."),
    ("os-shelve", "Shelve", "Instance shelve mode."),
    ("os-simple-tenant-usage", "SimpleTenantUsage", "Simple tenant usage extension."),
    ("os-suspend-server", "SuspendServer", "Enable suspend/resume server actions."),
    ("os-volumes", "Volumes", "Volumes support."),
    ("servers", "Servers", "Servers."),
)


def extension(alias: str, name: str, description: str) -> dict[str, Any]:
    return {"alias": alias, "name": name, "description": description, "links": [],
            "namespace": "http://docs.openstack.org/compute/ext/fake_xml", "updated": "2014-12-03T00:00:00Z"}


def extensions() -> list[dict[str, Any]]:
    return [extension(*e) for e in EXTENSIONS]


# ---------------------------------------------------------------------------------------------- os-hosts
HOST_SWITCH = ["enable", "disable", "Enable", "Disable", "ENABLE", "DISABLE"]


def parse_host_update(body: dict[str, Any]) -> tuple[bool | None, bool | None]:
    """PUT /os-hosts/{host}: Nova's hosts.update schema (`status`, `maintenance_mode`, each enable/disable in
    three spellings; nothing else; tempest sends the one it leaves out as null, which is a 400). Returns
    (enabled, in maintenance), None for a key not given."""
    extra = sorted(set(body) - {"status", "maintenance_mode"})
    if extra:
        raise invalid("host", body, f"Additional properties are not allowed ({extra[0]!r} was unexpected)")
    values: list[bool | None] = []
    for key in ("status", "maintenance_mode"):
        if key not in body:
            values.append(None)
            continue
        value = body[key]
        if not isinstance(value, str):
            raise invalid(key, value, f"{value!r} is not of type 'string'")
        if value not in HOST_SWITCH:
            raise invalid(key, value, f"{value!r} is not one of {HOST_SWITCH}")
        values.append(value.lower() == "enable")
    return values[0], values[1]


# ---------------------------------------------------------------------------------------------- server diagnostics
STANDARD_DIAGNOSTICS = mv.Version(2, 48)


def server_diagnostics(d: Diagnosis, version: Version) -> dict[str, Any]:
    """GET /servers/{id}/diagnostics. From 2.48 Nova's standard shape (tempest's v2_48 schema: the `driver` is
    one of Nova's virt drivers, this lab's being libvirt-like); before it, the libvirt driver's own dict
    (cpuN_time, <disk>_read..., <nic>_rx..., memory in KiB)."""
    g = d.guest
    if version < STANDARD_DIAGNOSTICS:
        body: dict[str, Any] = {f"cpu{i}_time": t for i, t in enumerate(g.vcpu_times_ns)}
        for disk in g.disks:
            for suffix, value in (("read_req", disk.read_requests), ("read", disk.read_bytes),
                                  ("write_req", disk.write_requests), ("write", disk.write_bytes),
                                  ("errors", disk.errors)):
                if value is not None:
                    body[f"{disk.device}_{suffix}"] = value
        for nic in g.nics:
            for suffix, value in (("rx", nic.rx_bytes), ("rx_packets", nic.rx_packets),
                                  ("rx_errors", nic.rx_errors), ("rx_drop", nic.rx_drop), ("tx", nic.tx_bytes),
                                  ("tx_packets", nic.tx_packets), ("tx_errors", nic.tx_errors),
                                  ("tx_drop", nic.tx_drop)):
                if value is not None and nic.device:
                    body[f"{nic.device}_{suffix}"] = value
        body["memory"] = body["memory-actual"] = g.memory_max_mb * 1024
        if g.memory_used_mb:
            body["memory-rss"] = g.memory_used_mb * 1024
        return body
    return {
        "state": STATE_NAMES.get(g.power_state, "pending"), "driver": "libvirt", "hypervisor": d.hypervisor,
        "hypervisor_os": "linux", "uptime": d.uptime, "config_drive": d.config_drive,
        "num_cpus": len(g.vcpu_times_ns), "num_nics": len(g.nics), "num_disks": len(g.disks),
        "memory_details": {"maximum": g.memory_max_mb, "used": g.memory_used_mb},
        "cpu_details": [{"id": i, "time": t, "utilisation": None} for i, t in enumerate(g.vcpu_times_ns)],
        "nic_details": [{"mac_address": n.mac_address, "rx_octets": n.rx_bytes, "rx_errors": n.rx_errors,
                         "rx_drop": n.rx_drop, "rx_packets": n.rx_packets, "rx_rate": None,
                         "tx_octets": n.tx_bytes, "tx_errors": n.tx_errors, "tx_drop": n.tx_drop,
                         "tx_packets": n.tx_packets, "tx_rate": None} for n in g.nics],
        "disk_details": [{"read_bytes": k.read_bytes, "read_requests": k.read_requests,
                          "write_bytes": k.write_bytes, "write_requests": k.write_requests,
                          "errors_count": k.errors} for k in g.disks],
    }
