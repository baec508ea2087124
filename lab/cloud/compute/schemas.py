"""Compute's wire shapes at microversions 2.1-2.93: request validation (with Nova's 400 wording) and one render
function per resource, matching tempest's response schemas of each version key for key (a key too many fails
them as surely as one too few; tests/cloud/test_compute_schemas.py and test_compute_microversions.py check them
against tempest's schemas). What each version changes is said once, in microversions.py: the functions here
take the request's `version` and compare it with those constants.

Validation is lab/cloud/validation.py's style throughout: its checks and Nova's JSON-schema wording
(`validation.NOVA`, what students see from a real Nova; `invalid(...)` where Nova says something of its own),
for bodies and action arguments alike; routes.py validates nothing."""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import ipaddress
import json
import re
import secrets
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from lab.cloud import validation as V
from lab.cloud.compute import microversions as mv
from lab.cloud.compute.common import (
    PROGRESS_STATUSES,
    ServerView,
    hostname_of,
    reservation_of,
    server_extra,
    status_of,
)
from lab.cloud.compute.models import Flavor, KeyPair
from lab.cloud.errors import BadRequest, Forbidden
from lab.cloud.http import timestamp
from lab.cloud.microversion import Version
from lab.cloud.quotas import Exceeded, render_set

if TYPE_CHECKING:
    from lab.cloud.compute.hosts import Hypervisor, ServiceView, TenantUsage, Zone
    from lab.cloud.compute.instance_actions import InstanceAction
    from lab.cloud.compute.quotas import QuotaUsage
    from lab.cloud.compute.server_groups import GroupView
    from lab.cloud.contracts import Address, Interface, RequestedNetwork

VERSION_UPDATED = "2013-07-23T11:33:21Z"
MEDIA_TYPES = [{"base": "application/json", "type": "application/vnd.openstack.compute+json;version=2.1"}]
KEYPAIR_NAME = re.compile(r"^[a-zA-Z0-9 _-]+$")
KEYPAIR_NAME_292 = re.compile(r"^[a-zA-Z0-9 _.@-]+$")  # 2.92 allows @ and .
# Nova's server tag: 1-60 characters, no "/" or ","; at most 50 a server.
TAG = re.compile(r"^[^,/]{1,60}$")
MAX_TAGS = 50
W = V.NOVA
HOSTNAME = re.compile(r"^[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$")


# ---------------------------------------------------------------------------------------------- versions
def version(base: str) -> dict[str, Any]:
    """The v2.1 version entry, with the microversion range served (microversions.py)."""
    return {"id": "v2.1", "status": "CURRENT", "version": mv.RANGE.max_version, "min_version": mv.RANGE.min_version,
            "updated": VERSION_UPDATED,
            "links": [{"rel": "self", "href": f"{base}/compute/v2.1/"},
                      {"rel": "describedby", "type": "text/html", "href": "http://docs.openstack.org/"}],
            "media-types": MEDIA_TYPES}


def version_v20(base: str) -> dict[str, Any]:
    """The legacy v2.0 entry Nova still lists first (SUPPORTED, no microversions); this cloud answers its
    version document but serves the API at v2.1 only."""
    return {"id": "v2.0", "status": "SUPPORTED", "version": "", "min_version": "", "updated": "2011-01-21T11:33:21Z",
            "links": [{"rel": "self", "href": f"{base}/compute/v2/"},
                      {"rel": "describedby", "type": "text/html", "href": "http://docs.openstack.org/"}],
            "media-types": [{"base": "application/json", "type": "application/vnd.openstack.compute+json;version=2"}]}


def versions(base: str) -> dict[str, Any]:
    entries = [version_v20(base), version(base)]
    for entry in entries:
        entry.pop("media-types")
    return {"versions": entries}


# ---------------------------------------------------------------------------------------------- validation
def invalid(field: str, value: Any, reason: str) -> BadRequest:
    """Nova's JSON-schema error wording (validation.NOVA)."""
    return W.bad(field, value, reason)


def _unexpected(extra: set[str]) -> str:
    """jsonschema's wording for extra keys, as Nova's 400 carries it."""
    return W.unexpected_reason(extra)


def _string(body: dict[str, Any], key: str, *, required: bool = False, min_len: int = 0, max_len: int = 255,
            field: str | None = None) -> str | None:
    field = field or key
    if key not in body or body[key] is None:
        if required:
            raise W.refuse(field, None, "required", key=key)
        return None
    return V.string(min_len, max_len)(W, field, body[key])


def _name(body: dict[str, Any], key: str = "name") -> str:
    name = _string(body, key, required=True, min_len=1)
    assert name is not None
    if name.strip() != name or not name.strip():
        raise invalid(key, name, f"{name!r} does not match '^(?! )[^\\x00-\\x1f]*(?<! )$' (leading or trailing "
                      "whitespace)")
    if any(ord(c) < 32 for c in name):
        raise invalid(key, name, "Invalid characters in name")
    return name


def _int(value: Any, field: str, minimum: int | None = None, maximum: int | None = None) -> int:
    """Nova accepts integers and integer strings for many fields."""
    return V.integer(minimum, maximum, strings=True)(W, field, value)


def parse_metadata(value: Any, field: str = "metadata") -> dict[str, str]:
    if not isinstance(value, dict):
        raise invalid(field, value, f"{value!r} is not of type 'object'")
    for key, item in value.items():
        if not isinstance(key, str) or not 1 <= len(key) <= 255:
            raise invalid(field, value, f"Metadata key {key!r} must be 1 to 255 characters")
        if not isinstance(item, str):
            raise invalid(field, value, f"{item!r} is not of type 'string'")
        if len(item) > 255:
            raise invalid(field, value, f"{item!r} is too long")
    return dict(value)


def _access_ip(value: Any, field: str, version: int) -> str:
    if value is None or value == "":
        return ""
    try:
        address = ipaddress.ip_address(value)
    except (ValueError, TypeError):
        address = None
    if address is None or address.version != version:
        raise W.refuse(field, value, "format", types=f"ipv{version}")
    return str(address)


def _user_data(user_data: Any) -> str:
    """`user_data`: base64 text of at most 65535 characters (create; rebuild from 2.57)."""
    if not isinstance(user_data, str):
        raise invalid("user_data", user_data, "is not of type 'string'")
    try:
        base64.b64decode(user_data, validate=True)
    except (binascii.Error, ValueError):
        raise BadRequest("User data needs to be valid base 64.") from None
    if len(user_data) > 65535:
        raise invalid("user_data", "...", "is too long")
    return user_data


def _ref(value: Any) -> str:
    """imageRef and flavorRef may be ids or hrefs (the id is the last path segment)."""
    text = str(value).strip()
    return text.rstrip("/").rsplit("/", 1)[-1] if "/" in text else text


@dataclass
class ServerCreate:
    name: str
    flavor_ref: str
    image_ref: str | None
    key_name: str | None
    metadata: dict[str, str]
    user_data: str | None
    access_ip_v4: str
    access_ip_v6: str
    networks: list[RequestedNetwork] | None
    security_groups: list[str] | None
    availability_zone: str | None
    min_count: int
    max_count: int
    config_drive: bool
    group: str | None = None  # os:scheduler_hints' server group
    no_network: bool = False  # `"networks": "none"` (2.37): no port at all
    description: str | None = None  # 2.19
    tags: list[str] | None = None  # 2.52
    hostname: str | None = None  # 2.90
    block_devices: list[BlockDevice] = field(default_factory=list)  # block_device_mapping_v2 to volumes
    image_given: bool = False  # the request named an imageRef (kept even when the root is a volume)
    return_reservation_id: bool = False  # the 202 answers {"reservation_id": ...} instead of the server


@dataclass(frozen=True)
class BlockDevice:
    """One block_device_mapping_v2 entry with destination `volume` (Nova's BlockDeviceDict)."""

    source_type: str  # image | volume | snapshot | blank
    uuid: str | None
    volume_size: int | None
    boot_index: int | None
    delete_on_termination: bool
    device_name: str | None = None
    volume_type: str | None = None  # 2.67
    tag: str | None = None


_BDM_KEYS = {"source_type", "destination_type", "uuid", "volume_size", "boot_index", "delete_on_termination",
             "device_name", "disk_bus", "device_type", "guest_format", "no_device", "connection_info",
             "snapshot_id", "volume_id", "image_id"}
_BDM_UUID = re.compile(r"^[a-zA-Z0-9._-]{1,255}$")


def parse_block_devices(value: Any, version: Version = mv.MIN) -> tuple[list[BlockDevice], str | None]:
    """block_device_mapping_v2 as Nova validates it: (the volume-backed disks, the image a local image entry
    names). OSC repeats `--image` as a local boot disk (image -> local, boot_index 0): that is a plain image
    boot. Swap and ephemeral disks (blank -> local) need flavor disks this cloud does not make: 400."""
    if value is None:
        return [], None
    if not isinstance(value, list):
        raise invalid("block_device_mapping_v2", value, f"{value!r} is not of type 'array'")
    allowed = _BDM_KEYS | ({"tag"} if _network_tags_allowed(version) else set()) \
        | ({"volume_type"} if version >= mv.BDM_VOLUME_TYPE else set())
    devices: list[BlockDevice] = []
    image: str | None = None
    for bdm in value:
        if not isinstance(bdm, dict):
            raise invalid("block_device_mapping_v2", bdm, f"{bdm!r} is not of type 'object'")
        extra = set(bdm) - allowed
        if extra:
            raise invalid("block_device_mapping_v2", bdm, _unexpected(extra))
        source, dest = bdm.get("source_type"), bdm.get("destination_type") or "local"
        if source not in ("volume", "image", "snapshot", "blank"):
            raise invalid("source_type", source, f"{source!r} is not one of ['volume', 'image', 'snapshot', "
                          "'blank']")
        if dest not in ("local", "volume"):
            raise invalid("destination_type", dest, f"{dest!r} is not one of ['local', 'volume']")
        raw_index = bdm.get("boot_index")
        boot_index = None if raw_index in (None, "", "none", "None") else _int(raw_index, "boot_index")
        if boot_index is not None and boot_index < 0:
            boot_index = None  # Nova: a negative boot index is "not bootable"
        uid = bdm.get("uuid")
        if uid is not None and (not isinstance(uid, str) or not _BDM_UUID.match(uid)):
            raise invalid("uuid", uid, f"{uid!r} does not match '^[a-zA-Z0-9._-]*$'")
        dot = parse_boolean(bdm.get("delete_on_termination", False), "delete_on_termination")
        size = bdm.get("volume_size")
        volume_size = None if size in (None, "") else _int(size, "volume_size", 0, 2147483647)
        if dest == "local":
            if source == "image" and boot_index == 0:
                image = uid
                continue
            raise BadRequest("Block Device Mapping is Invalid: swap and ephemeral disks (and images or volumes "
                             "as local disks) are not offered by this cloud's flavors; use a volume "
                             "(destination_type volume).")
        if source in ("image", "volume", "snapshot") and not uid:
            raise BadRequest("Block Device Mapping is Invalid: Missing device UUID.")
        if source == "image" and not volume_size:
            raise BadRequest("Images with destination_type 'volume' need to have a non-zero size specified")
        if source == "blank" and not volume_size:
            raise BadRequest("Blank volumes (source: 'blank', dest: 'volume') need to have non-zero size")
        if source == "blank" and boot_index == 0:
            raise BadRequest("Block Device Mapping is Invalid: Boot sequence for the instance and image/block "
                             "device mapping combination is not valid.")
        device = bdm.get("device_name")
        if device is not None and (not isinstance(device, str) or not re.fullmatch(r"(/dev/)?[a-z]+d[a-z]+",
                                                                                   device)):
            raise BadRequest(f"The supplied device path ({device}) is invalid.")
        devices.append(BlockDevice(source_type=source, uuid=uid, volume_size=volume_size, boot_index=boot_index,
                                   delete_on_termination=dot, device_name=device,
                                   volume_type=bdm.get("volume_type"), tag=bdm.get("tag")))
    if sum(1 for d in devices if d.boot_index == 0) > 1:
        raise BadRequest("Block Device Mapping is Invalid: Boot sequence for the instance and image/block device "
                         "mapping combination is not valid.")
    return devices, image


def parse_tags(value: Any, field: str = "tags") -> list[str]:
    """A server's tag list (2.26, at create from 2.52): strings of 1-60 characters without "/" or ","."""
    if not isinstance(value, list):
        raise invalid(field, value, f"{value!r} is not of type 'array'")
    if len(value) > MAX_TAGS:
        raise invalid(field, value, f"{value!r} is too long")
    for tag in value:
        parse_tag(tag, field)
    return list(dict.fromkeys(value))


def parse_boolean(value: Any, field: str) -> bool:
    """Nova's parameter_types.boolean: a JSON boolean or one of its spellings of true and false."""
    if isinstance(value, bool):
        return value
    spelled = str(value).strip().lower()
    if spelled not in ("true", "false", "1", "0", "yes", "no", "on", "off"):
        raise invalid(field, value, f"{value!r} is not of type 'boolean', 'string'")
    return spelled in ("true", "1", "yes", "on")


def parse_tag(tag: Any, field: str = "tag") -> str:
    if not isinstance(tag, str):
        raise invalid(field, tag, f"{tag!r} is not of type 'string'")
    if not TAG.match(tag):
        raise invalid(field, tag, f"{tag!r} does not match '^[^,/]*$' or is not 1 to 60 characters long")
    return tag


def _description(body: dict[str, Any]) -> str | None:
    """A server's `description` (2.19): a string of at most 255 printable characters, or null."""
    value = _string(body, "description", max_len=255)
    if value is not None and any(ord(c) < 32 for c in value):
        raise invalid("description", value, "Invalid characters in description")
    return value


def _hostname(body: dict[str, Any]) -> str:
    """`hostname` (2.90): one DNS label of at most 63 characters (Nova's RFC 1123 check)."""
    value = _string(body, "hostname", required=True, min_len=1, max_len=63)
    assert value is not None
    if not HOSTNAME.match(value):
        raise invalid("hostname", value, f"{value!r} does not match '^[a-zA-Z0-9]([a-zA-Z0-9-]{{0,61}}"
                      "[a-zA-Z0-9])?$'")
    return value


def _network_tags_allowed(version: Version) -> bool:
    """Device tags on networks and block devices: 2.32-2.36, then again from 2.42 (a bug dropped them in
    between)."""
    return mv.Version(2, 32) <= version < mv.AUTO_NETWORKS or version >= mv.Version(2, 42)


def parse_server_create(body: dict[str, Any], version: Version = mv.MIN) -> ServerCreate:
    """Validate a POST /servers body (what OSC and the SDK send, §5 of OPENSTACK_API.md) at `version`."""
    server = body.get("server")
    if not isinstance(server, dict):
        raise invalid("server", server, "'server' is a required property")
    name = _name(server)
    _refuse_newer(server, version, {"description": mv.DESCRIPTION, "tags": mv.CREATE_TAGS,
                                    "trusted_image_certificates": mv.TRUSTED_CERTS,
                                    "host": mv.Version(2, 74), "hypervisor_hostname": mv.Version(2, 74),
                                    "hostname": mv.HOSTNAME})
    if version >= mv.NO_PERSONALITY and "personality" in server:
        raise invalid("server", server, "Additional properties are not allowed ('personality' was unexpected)")
    if server.get("trusted_image_certificates"):
        raise BadRequest("Image certificate validation is not enabled.")
    if server.get("host") is not None or server.get("hypervisor_hostname") is not None:
        raise BadRequest("Requesting a host or hypervisor_hostname at create is not supported by this "
                         "one-host cloud.")
    if server.get("flavorRef") in (None, ""):
        raise invalid("flavorRef", server.get("flavorRef"), "'flavorRef' is a required property")
    if not isinstance(server["flavorRef"], str | int):
        raise invalid("flavorRef", server["flavorRef"], "is not of type 'string', 'integer'")
    image_ref = server.get("imageRef")
    if image_ref is not None and not isinstance(image_ref, str):
        raise invalid("imageRef", image_ref, f"{image_ref!r} is not of type 'string'")
    image_ref = _ref(image_ref) if image_ref else None
    image_given = image_ref is not None
    block_devices, bdm_image = parse_block_devices(server.get("block_device_mapping_v2"), version)
    image_ref = image_ref or bdm_image
    if image_ref is None and not any(b.boot_index == 0 for b in block_devices):
        raise BadRequest("Missing imageRef attribute" if not block_devices else
                         "Block Device Mapping is Invalid: Boot sequence for the instance and image/block device "
                         "mapping combination is not valid.")
    if image_ref is not None and any(b.boot_index == 0 for b in block_devices):
        image_ref = None  # Nova boots from the volume; the image is only the new volume's source
    key_name = _string(server, "key_name", min_len=1)
    metadata = parse_metadata(server.get("metadata") or {})
    user_data = server.get("user_data")
    if user_data is not None:
        _user_data(user_data)
    networks = server.get("networks")
    no_network = False
    if version >= mv.AUTO_NETWORKS and "networks" not in server:
        raise invalid("server", server, "'networks' is a required property")
    if isinstance(networks, str) and version >= mv.AUTO_NETWORKS:
        if networks not in ("auto", "none"):
            raise invalid("networks", networks, f"{networks!r} is not one of ['none', 'auto']")
        # "auto": the project's one network (the lab allocates no network of its own); "none": no port.
        no_network = networks == "none"
        networks = None
    elif networks is not None:
        if isinstance(networks, str):
            raise invalid("networks", networks, f"{networks!r} is not of type 'array' (\"auto\" and \"none\" "
                          "need microversion 2.37)")
        if not isinstance(networks, list):
            raise invalid("networks", networks, "is not of type 'array'")
        keys = {"uuid", "port", "fixed_ip"} | ({"tag"} if _network_tags_allowed(version) else set())
        for item in networks:
            if not isinstance(item, dict) or not set(item) <= keys:
                raise invalid("networks", networks, "Additional properties are not allowed")
            if item.get("uuid") is not None:
                try:
                    uuid.UUID(str(item["uuid"]))
                except ValueError:
                    raise BadRequest(f"Bad networks format: network uuid is not in proper format "
                                     f"({item['uuid']})") from None
            if item.get("fixed_ip") is not None:
                try:
                    ipaddress.ip_address(item["fixed_ip"])
                except ValueError:
                    raise invalid("fixed_ip", item["fixed_ip"], "is not a 'ip address'") from None
    groups = server.get("security_groups")
    security_groups = None
    if groups is not None:
        if not isinstance(groups, list) or not all(isinstance(g, dict) and isinstance(g.get("name"), str)
                                                    for g in groups):
            raise invalid("security_groups", groups, "each item must be an object with a 'name'")
        security_groups = list(dict.fromkeys(g["name"] for g in groups))
    az = server.get("availability_zone")
    min_count = _int(server.get("min_count", 1), "min_count", 1)
    max_count = _int(server.get("max_count", min_count), "max_count", 1)
    if min_count > max_count:
        raise BadRequest("min_count must be <= max_count")
    hints = body.get("os:scheduler_hints") or body.get("OS-SCH-HNT:scheduler_hints") or {}
    if not isinstance(hints, dict):
        raise invalid("os:scheduler_hints", hints, f"{hints!r} is not of type 'object'")
    group = hints.get("group")
    if group is not None:
        try:
            uuid.UUID(str(group))
        except ValueError:
            raise invalid("group", group, f"{group!r} is not a 'uuid'") from None
    return ServerCreate(
        no_network=no_network, description=_description(server) if "description" in server else None,
        tags=parse_tags(server["tags"]) if "tags" in server else None,
        hostname=_hostname(server) if "hostname" in server else None,
        group=str(group) if group is not None else None,
        name=name, flavor_ref=_ref(server["flavorRef"]), image_ref=image_ref, key_name=key_name,
        block_devices=block_devices, image_given=image_given,
        metadata=metadata, user_data=user_data,
        access_ip_v4=_access_ip(server.get("accessIPv4"), "accessIPv4", 4),
        access_ip_v6=_access_ip(server.get("accessIPv6"), "accessIPv6", 6),
        # Nova treats an empty list like an absent key (validate_networks: `None or len(...) == 0`): the
        # project's one network is used. `openstack server create` without --network sends `[]`.
        # checked above: each item an object of RequestedNetwork's keys
        networks=cast("list[RequestedNetwork] | None", networks or None), security_groups=security_groups,
        availability_zone=az if isinstance(az, str) and az else None,
        min_count=min_count, max_count=max_count,
        return_reservation_id=parse_boolean(server["return_reservation_id"], "return_reservation_id")
        if "return_reservation_id" in server else False,
        config_drive=str(server.get("config_drive", "")).lower() in ("true", "1", "yes"))


def _refuse_newer(body: dict[str, Any], version: Version, since: dict[str, Version]) -> None:
    """Nova's 400 for a key its schema at this version does not know yet."""
    early = sorted(k for k, v in since.items() if k in body and version < v)
    if early:
        raise invalid("server", body, f"Additional properties are not allowed ({early[0]!r} was unexpected)")


def parse_server_update(body: dict[str, Any], version: Version = mv.MIN) -> dict[str, Any]:
    """PUT /servers/{id}: name, accessIPv4/6; `description` from 2.19, `hostname` from 2.90. Returns model
    attribute changes (`description` and `hostname` are kept in system_metadata by servers.py)."""
    server = body.get("server")
    if not isinstance(server, dict):
        raise invalid("server", server, "'server' is a required property")
    allowed = {"name", "accessIPv4", "accessIPv6", "OS-DCF:diskConfig"}
    allowed |= {"description"} if version >= mv.DESCRIPTION else set()
    allowed |= {"hostname"} if version >= mv.HOSTNAME else set()
    extra = set(server) - allowed
    if extra:
        raise invalid("server", server, _unexpected(extra))
    changes: dict[str, Any] = {}
    if "name" in server:
        changes["name"] = _name(server)
    if "accessIPv4" in server:
        changes["access_ip_v4"] = _access_ip(server["accessIPv4"], "accessIPv4", 4)
    if "accessIPv6" in server:
        changes["access_ip_v6"] = _access_ip(server["accessIPv6"], "accessIPv6", 6)
    if "description" in server:
        changes["description"] = _description(server)
    if "hostname" in server:
        changes["hostname"] = _hostname(server)
    return changes


@dataclass
class KeypairCreate:
    name: str
    public_key: str | None
    type: str = "ssh"  # 2.2
    user_id: str | None = None  # 2.10: an admin's key pair for another user


def parse_keypair_create(body: dict[str, Any], version: Version = mv.MIN) -> KeypairCreate:
    keypair = body.get("keypair")
    if not isinstance(keypair, dict):
        raise invalid("keypair", keypair, "'keypair' is a required property")
    allowed = {"name", "public_key"} | ({"type"} if version >= mv.KEYPAIR_TYPE else set())
    allowed |= {"user_id"} if version >= mv.KEYPAIR_USER_ID else set()
    extra = set(keypair) - allowed
    if extra:
        raise invalid("keypair", keypair, _unexpected(extra))
    name = _string(keypair, "name", required=True, min_len=1)
    assert name is not None
    pattern = KEYPAIR_NAME_292 if version >= mv.NO_KEYPAIR_GENERATION else KEYPAIR_NAME
    if not pattern.match(name) or name.strip() != name:
        raise BadRequest("Keypair data is invalid: Keypair name contains unsafe characters")
    public_key = _string(keypair, "public_key", max_len=65535, required=version >= mv.NO_KEYPAIR_GENERATION)
    key_type = keypair.get("type", "ssh")
    if key_type not in ("ssh", "x509"):
        raise invalid("type", key_type, f"{key_type!r} is not one of ['ssh', 'x509']")
    return KeypairCreate(name, public_key, key_type, _string(keypair, "user_id", min_len=1))


def parse_flavor_create(body: dict[str, Any], version: Version = mv.MIN) -> dict[str, Any]:
    flavor = body.get("flavor")
    if not isinstance(flavor, dict):
        raise invalid("flavor", flavor, "'flavor' is a required property")
    spec: dict[str, Any] = {"name": _name(flavor)}
    if "description" in flavor:
        if version < mv.FLAVOR_DESCRIPTION:
            raise invalid("flavor", flavor, "Additional properties are not allowed ('description' was unexpected)")
        spec["description"] = _string(flavor, "description", max_len=65535)
    flavorid = flavor.get("id")
    if flavorid is not None:
        flavorid = str(flavorid)
        if not re.fullmatch(r"[\w.\- ]{1,255}", flavorid) or flavorid.strip() != flavorid:
            raise invalid("id", flavorid, "does not match '^(?! )[a-zA-Z0-9. _-]+(?<! )$'")
        spec["id"] = None if flavorid == "auto" else flavorid
    for key in ("ram", "vcpus", "disk"):
        if key not in flavor:
            raise invalid(key, None, f"'{key}' is a required property")
    spec["ram"] = _int(flavor["ram"], "ram", 1)
    spec["vcpus"] = _int(flavor["vcpus"], "vcpus", 1)
    spec["disk"] = _int(flavor["disk"], "disk", 0)
    spec["ephemeral"] = _int(flavor.get("OS-FLV-EXT-DATA:ephemeral", 0), "OS-FLV-EXT-DATA:ephemeral", 0)
    swap = flavor.get("swap", 0)
    spec["swap"] = 0 if swap == "" else _int(swap, "swap", 0)
    rxtx = flavor.get("rxtx_factor", 1.0)
    if isinstance(rxtx, bool) or not isinstance(rxtx, int | float) or rxtx <= 0:
        raise invalid("rxtx_factor", rxtx, "must be a number greater than 0")
    spec["rxtx_factor"] = float(rxtx)
    public = flavor.get("os-flavor-access:is_public", True)
    # Nova's parameter_types.boolean: a JSON boolean or one of its spellings as a string.
    spelled = str(public).lower() if isinstance(public, str) else None
    if isinstance(public, bool):
        spec["is_public"] = public
    elif spelled in ("true", "1", "on", "yes"):
        spec["is_public"] = True
    elif spelled in ("false", "0", "off", "no"):
        spec["is_public"] = False
    else:
        raise invalid("os-flavor-access:is_public", public, f"{public!r} is not one of the boolean values")
    return spec


def parse_quota_update(body: dict[str, Any], known: set[str]) -> tuple[dict[str, int], bool]:
    quota_set = body.get("quota_set")
    if not isinstance(quota_set, dict):
        raise invalid("quota_set", quota_set, "'quota_set' is a required property")
    force = str(quota_set.get("force", "false")).lower() in ("true", "1")
    values = {}
    for key, value in quota_set.items():
        if key == "force":
            continue
        if key not in known:
            raise invalid("quota_set", quota_set, f"Additional properties are not allowed ('{key}' was unexpected)")
        values[key] = _int(value, key, -1)
    return values, force


def parse_console_length(args: Any) -> int | None:
    """os-getConsoleOutput's `length` (absent, null or -1: the whole log)."""
    value = args.get("length") if isinstance(args, dict) else None
    if value is None:
        return None
    length = _int(value, "length", -1)
    return None if length == -1 else length


def parse_action(body: dict[str, Any]) -> tuple[str, Any]:
    """A server or flavor action body: exactly one action and its arguments."""
    if len(body) != 1:
        raise BadRequest("Malformed request body")
    action, args = next(iter(body.items()))
    return str(action), args


def parse_reboot(args: Any) -> bool:
    """reboot's `type`: True for HARD."""
    kind = args.get("type") if isinstance(args, dict) else None
    if not isinstance(kind, str) or kind.upper() not in ("SOFT", "HARD"):
        raise invalid("type", kind, "'type' is a required property and must be SOFT or HARD")
    return kind.upper() == "HARD"


def parse_resize(args: Any) -> str:
    """resize's `flavorRef`, as a flavor id."""
    if not isinstance(args, dict) or args.get("flavorRef") in (None, ""):
        raise invalid("flavorRef", None, "'flavorRef' is a required property")
    return _ref(args["flavorRef"])


def parse_named(args: Any) -> str:
    """addSecurityGroup / removeSecurityGroup: the group's `name`."""
    if not isinstance(args, dict) or not isinstance(args.get("name"), str) or not args["name"]:
        raise invalid("name", args, "'name' is a required property")
    return str(args["name"])


def parse_add_fixed_ip(args: Any) -> str:
    """addFixedIp (nova/api/openstack/compute/schemas/multinic.py): `networkId`, a string or number of 1-36."""
    if not isinstance(args, dict):
        raise W.refuse("addFixedIp", args, "type", types=W.types(dict))
    if "networkId" not in args:
        raise W.refuse("addFixedIp", args, "required", key="networkId")
    if set(args) - {"networkId"}:
        raise W.unexpected("addFixedIp", args, set(args) - {"networkId"})
    value = args["networkId"]
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise W.refuse("networkId", value, "type", types=W.types(str, "number"))
    return V.string(1, 36)(W, "networkId", value) if isinstance(value, str) else str(value)


def parse_remove_fixed_ip(args: Any) -> str:
    """removeFixedIp: `address`, an IPv4 or IPv6 address."""
    if not isinstance(args, dict):
        raise W.refuse("removeFixedIp", args, "type", types=W.types(dict))
    if "address" not in args:
        raise W.refuse("removeFixedIp", args, "required", key="address")
    if set(args) - {"address"}:
        raise W.unexpected("removeFixedIp", args, set(args) - {"address"})
    return V.ip_address()(W, "address", args["address"])


@dataclass
class ServerRebuild:
    image_ref: str
    name: str | None = None
    metadata: dict[str, str] | None = None
    admin_pass: str | None = None
    access_ip_v4: str | None = None
    access_ip_v6: str | None = None
    # What the newer versions change, present only when asked: description (2.19), key_name (2.54, null
    # removes the key), user_data (2.57), hostname (2.90).
    changes: dict[str, Any] = field(default_factory=dict)


_REBUILD_KEYS = {"imageRef", "name", "metadata", "adminPass", "accessIPv4", "accessIPv6", "OS-DCF:diskConfig",
                 "preserve_ephemeral"}
_REBUILD_SINCE = {"description": mv.DESCRIPTION, "key_name": mv.REBUILD_KEY_NAME, "user_data": mv.NO_PERSONALITY,
                  "trusted_image_certificates": mv.TRUSTED_CERTS, "hostname": mv.HOSTNAME}


def parse_rebuild(args: Any, version: Version = mv.MIN) -> ServerRebuild:
    """rebuild's arguments at `version` (Nova's rebuild schemas)."""
    if not isinstance(args, dict):
        raise invalid("rebuild", args, f"{args!r} is not of type 'object'")
    known = _REBUILD_KEYS | {k for k, since in _REBUILD_SINCE.items() if version >= since}
    known |= {"personality"} if version < mv.NO_PERSONALITY else set()
    extra = sorted(set(args) - known)
    if extra:
        raise invalid("rebuild", args, f"Additional properties are not allowed ({extra[0]!r} was unexpected)")
    image_ref = args.get("imageRef")
    if not isinstance(image_ref, str) or not image_ref:
        raise invalid("imageRef", image_ref, "'imageRef' is a required property")
    admin_pass = _string(args, "adminPass", max_len=65535)
    if args.get("trusted_image_certificates"):
        raise BadRequest("Image certificate validation is not enabled.")
    changes: dict[str, Any] = {}
    if "description" in args:
        changes["description"] = _description(args)
    if "key_name" in args:
        changes["key_name"] = _string(args, "key_name", min_len=1)
    if "user_data" in args:
        changes["user_data"] = _user_data(args["user_data"]) if args["user_data"] is not None else None
    if "hostname" in args:
        changes["hostname"] = _hostname(args)
    return ServerRebuild(
        changes=changes,
        image_ref=_ref(image_ref), name=_name(args) if "name" in args else None,
        metadata=parse_metadata(args["metadata"]) if args.get("metadata") is not None else None,
        admin_pass=admin_pass,
        access_ip_v4=_access_ip(args["accessIPv4"], "accessIPv4", 4) if "accessIPv4" in args else None,
        access_ip_v6=_access_ip(args["accessIPv6"], "accessIPv6", 6) if "accessIPv6" in args else None)


def _args(args: Any, action: str) -> dict[str, Any]:
    """An action's arguments: an object, or null for none (Nova accepts both for lock, pause, ...)."""
    if args is None:
        return {}
    if not isinstance(args, dict):
        raise invalid(action, args, f"{args!r} is not of type 'object', 'null'")
    return args


def parse_lock(args: Any) -> str | None:
    """lock's optional `locked_reason` (2.73; accepted and kept at 2.1, where it is not shown)."""
    return _string(_args(args, "lock"), "locked_reason", max_len=255)


def parse_rescue(args: Any) -> tuple[str | None, str | None]:
    """rescue's optional (adminPass, rescue_image_ref)."""
    body = _args(args, "rescue")
    image = _string(body, "rescue_image_ref")
    return _string(body, "adminPass", max_len=65535), _ref(image) if image else None


def parse_create_image(args: Any) -> tuple[str, dict[str, str]]:
    """createImage's `name` (required) and `metadata`."""
    body = _args(args, "createImage")
    name = _string(body, "name", required=True, min_len=1)
    assert name is not None
    return name, parse_metadata(body.get("metadata") or {})


def parse_change_password(args: Any) -> str:
    body = _args(args, "changePassword")
    password = _string(body, "adminPass", required=True, max_len=65535)
    assert password is not None
    return password


def parse_reset_state(args: Any) -> str:
    """os-resetState's `state`: active or error."""
    state = _args(args, "os-resetState").get("state")
    if state not in ("active", "error"):
        raise invalid("state", state, f"{state!r} is not one of ['active', 'error']")
    return str(state)


def parse_migrate_live(args: Any) -> str | None:
    """os-migrateLive at 2.1: `host` (null: the scheduler chooses), `block_migration`, `disk_over_commit`."""
    body = _args(args, "os-migrateLive")
    for key in ("host", "block_migration", "disk_over_commit"):
        if key not in body:
            raise invalid("os-migrateLive", body, f"'{key}' is a required property")
    host = body["host"]
    if host is not None and not isinstance(host, str):
        raise invalid("host", host, f"{host!r} is not of type 'string', 'null'")
    return host


FLAVOR_ACTIONS = ("addTenantAccess", "removeTenantAccess")


def parse_flavor_action(body: dict[str, Any]) -> tuple[str, str]:
    """addTenantAccess / removeTenantAccess: (action, project id)."""
    action, args = parse_action(body)
    if action not in FLAVOR_ACTIONS:
        raise BadRequest(f"There is no such action: {action}")
    if not isinstance(args, dict) or not isinstance(args.get("tenant"), str) or not args["tenant"]:
        raise invalid("tenant", args, "'tenant' is a required property")
    return action, args["tenant"]


def parse_extra_specs(body: dict[str, Any]) -> dict[str, str]:
    specs = body.get("extra_specs")
    if not isinstance(specs, dict) or not all(isinstance(v, str | int | float) for v in specs.values()):
        raise invalid("extra_specs", specs, "'extra_specs' must be an object of strings")
    return {k: str(v) for k, v in specs.items()}


def parse_item(body: dict[str, Any], key: str) -> dict[str, Any]:
    """The PUT of one key (an extra spec, a metadata item): a body naming that key alone."""
    if len(body) > 1:
        raise BadRequest("Request body contains too many items")
    if key not in body:
        raise BadRequest("Request body and URI mismatch")
    return body


# ---------------------------------------------------------------------------------------------- rendering
def _links(base: str, collection: str, item_id: str) -> list[dict[str, str]]:
    return [{"rel": "self", "href": f"{base}/compute/v2.1/{collection}/{item_id}"},
            {"rel": "bookmark", "href": f"{base}/compute/{collection}/{item_id}"}]


def flavor_brief(flavor: Flavor, base: str, version: Version = mv.MIN) -> dict[str, Any]:
    body: dict[str, Any] = {"id": flavor.flavorid, "name": flavor.name,
                            "links": _links(base, "flavors", flavor.flavorid)}
    if version >= mv.FLAVOR_DESCRIPTION:
        body["description"] = flavor.description
    return body


def parse_flavor_update(body: dict[str, Any]) -> str | None:
    """PUT /flavors/{id}: {"flavor": {"description": string or null}} and nothing else (Nova's schema)."""
    flavor = body.get("flavor")
    if not isinstance(flavor, dict):
        raise invalid("flavor", flavor, "'flavor' is a required property")
    if set(flavor) != {"description"}:
        extra = sorted(set(flavor) - {"description"})
        raise invalid("flavor", flavor, f"Additional properties are not allowed ({extra[0]!r} was unexpected)"
                      if extra else "'description' is a required property")
    value = flavor["description"]
    if value is not None and (not isinstance(value, str) or len(value) > 65535):
        raise invalid("description", value, f"{value!r} is not of type 'string', 'null'"
                      if not isinstance(value, str) else "is too long")
    if isinstance(value, str) and any(ord(c) < 32 and c not in "\n\t\r" for c in value):
        raise invalid("description", value, "Invalid characters in description")
    return value


def flavor_detail(flavor: Flavor, base: str, version: Version = mv.MIN, *, extra_specs: bool = True) -> dict[str, Any]:
    """A flavor; `extra_specs` (2.61) when the caller may read them (os-flavor-extra-specs:index)."""
    body: dict[str, Any] = {"id": flavor.flavorid, "name": flavor.name, "ram": flavor.memory_mb, "vcpus": flavor.vcpus,
            "disk": flavor.root_gb, "OS-FLV-EXT-DATA:ephemeral": flavor.ephemeral_gb,
            # Before 2.75 a flavor without swap shows "" (the legacy v2 quirk); from 2.75 it is 0.
            "swap": flavor.swap if version >= mv.API_CLEANUP else flavor.swap or "",
            "rxtx_factor": flavor.rxtx_factor,
            "OS-FLV-DISABLED:disabled": flavor.disabled, "os-flavor-access:is_public": flavor.is_public,
            "links": _links(base, "flavors", flavor.flavorid)}
    if version >= mv.FLAVOR_DESCRIPTION:
        body["description"] = flavor.description
    if version >= mv.FLAVOR_EXTRA_SPECS and extra_specs:
        body["extra_specs"] = dict(flavor.extra_specs or {})
    return body


def flavor_snapshot(flavor: Flavor) -> dict[str, Any]:
    """The copy of a flavor a server keeps (what it booted with, whatever happens to the flavor later)."""
    return {"id": flavor.flavorid, "name": flavor.name, "vcpus": flavor.vcpus, "ram": flavor.memory_mb,
            "disk": flavor.root_gb, "ephemeral": flavor.ephemeral_gb, "swap": flavor.swap,
            "extra_specs": dict(flavor.extra_specs or {})}


def _keypair_type(keypair: KeyPair, version: Version) -> dict[str, Any]:
    return {"type": keypair.type or "ssh"} if version >= mv.KEYPAIR_TYPE else {}


def keypair_created(keypair: KeyPair, private_key: str | None, version: Version = mv.MIN) -> dict[str, Any]:
    body = {"name": keypair.name, "public_key": keypair.public_key, "fingerprint": keypair.fingerprint,
            "user_id": keypair.user_id, **_keypair_type(keypair, version)}
    if private_key is not None:
        body["private_key"] = private_key
    return {"keypair": body}


def keypair_list_item(keypair: KeyPair, version: Version = mv.MIN) -> dict[str, Any]:
    return {"keypair": {"name": keypair.name, "public_key": keypair.public_key,
                        "fingerprint": keypair.fingerprint, **_keypair_type(keypair, version)}}


def keypair_detail(keypair: KeyPair, version: Version = mv.MIN) -> dict[str, Any]:
    return {"keypair": {"name": keypair.name, "public_key": keypair.public_key, "fingerprint": keypair.fingerprint,
                        "user_id": keypair.user_id, "deleted": False, "created_at": timestamp(keypair.created_at),
                        "updated_at": None, "deleted_at": None, "id": keypair.id, **_keypair_type(keypair, version)}}


def server_created(view: ServerView, base: str, admin_pass: str) -> dict[str, Any]:
    server = view.server
    return {"server": {"id": server.id, "links": _links(base, "servers", server.id), "OS-DCF:diskConfig": "MANUAL",
                       # Nova answers with the groups as the request named them (ids stay ids), "default"
                       # when it named none: instance.security_groups, not Neutron's names.
                       "security_groups": [{"name": n} for n in server.security_groups or ["default"]],
                       "adminPass": admin_pass}}


def new_password() -> str:
    """A generated admin password (Nova's utils.generate_password length)."""
    return secrets.token_urlsafe(9)


def server_brief(view: ServerView, base: str) -> dict[str, Any]:
    server = view.server
    return {"id": server.id, "name": server.name, "links": _links(base, "servers", server.id)}


@functools.lru_cache(maxsize=4096)
def host_id(project_id: str, host: str | None) -> str:
    """Nova's hostId: the same opaque value for a project's servers that share a host."""
    return hashlib.sha224((project_id + host).encode()).hexdigest() if host else ""


def _server_flavor(s: Any, base: str, version: Version) -> dict[str, Any]:
    """The server's flavor: an id with a link, or from 2.47 the flavor it was built with, embedded."""
    flavor = s.flavor or {}
    if version >= mv.EMBEDDED_FLAVOR:
        return {"vcpus": flavor.get("vcpus", 0), "ram": flavor.get("ram", 0), "disk": flavor.get("disk", 0),
                "ephemeral": flavor.get("ephemeral", 0), "swap": flavor.get("swap", 0),
                "original_name": flavor.get("name"), "extra_specs": dict(flavor.get("extra_specs") or {})}
    flavor_id = flavor.get("id")
    return {"id": flavor_id, "links": [{"rel": "bookmark", "href": f"{base}/compute/flavors/{flavor_id}"}]} \
        if flavor_id else {}


def server(view: ServerView, base: str, *, extended: bool, detail: bool = True, version: Version = mv.MIN,
           groups: list[str] | None = None) -> dict[str, Any]:
    """A server as GET /servers/{id} and /servers/detail show it at `version` (`detail=False`: the PUT and
    rebuild answer before 2.75, which carries no extension attributes; `extended`: with the host attributes,
    for those the os-extended-server-attributes rule allows; `groups`: its server groups, shown from 2.71 by
    show, update and rebuild, which pass them)."""
    s = view.server
    status = status_of(s.vm_state, s.task_state)
    body: dict[str, Any] = {
        "id": s.id, "name": s.name, "status": status, "tenant_id": s.project_id, "user_id": s.user_id,
        "metadata": dict(s.metadata_ or {}), "hostId": host_id(s.project_id, s.host),
        "image": {"id": s.image_id, "links": [{"rel": "bookmark", "href": f"{base}/compute/images/{s.image_id}"}]}
        if s.image_id else "",
        "flavor": _server_flavor(s, base, version),
        "created": timestamp(s.created_at), "updated": timestamp(s.updated_at),
        "addresses": {net: [{"version": a["version"], "addr": a["addr"]} | (
            {k: a[k] for k in ("OS-EXT-IPS:type", "OS-EXT-IPS-MAC:mac_addr") if k in a} if detail else {})
            for a in addrs] for net, addrs in view.addresses.items()},
        "accessIPv4": s.access_ip_v4 or "", "accessIPv6": s.access_ip_v6 or "",
        "links": _links(base, "servers", s.id), "OS-DCF:diskConfig": "MANUAL",
    }
    if status in PROGRESS_STATUSES:
        body["progress"] = s.progress
    if status in ("ERROR", "DELETED") and s.fault:
        body["fault"] = {"code": s.fault.get("code", 500), "created": s.fault.get("created"),
                         "message": s.fault.get("message", "")}
    # Nova's view builder adds these at every call, the short update answer included.
    if version >= mv.LOCKED:
        body["locked"] = bool(s.locked)
    if version >= mv.LOCKED_REASON:
        body["locked_reason"] = s.locked_reason
    if version >= mv.DESCRIPTION:
        body["description"] = server_extra(s, "description")
    if version >= mv.TAGS:
        body["tags"] = list(server_extra(s, "tags", []))
    if version >= mv.TRUSTED_CERTS:
        body["trusted_image_certificates"] = None
    if version >= mv.SERVER_GROUPS_SHOWN and groups is not None:
        body["server_groups"] = groups
    if not detail:
        return body
    body.update({
        "key_name": s.key_name, "config_drive": s.config_drive,
        "security_groups": [{"name": n} for n in view.security_groups],
        "OS-EXT-AZ:availability_zone": s.availability_zone,
        "OS-EXT-STS:vm_state": s.vm_state, "OS-EXT-STS:task_state": s.task_state,
        "OS-EXT-STS:power_state": s.power_state,
        "OS-SRV-USG:launched_at": _usage_time(s.launched_at), "OS-SRV-USG:terminated_at": _usage_time(s.terminated_at),
        "os-extended-volumes:volumes_attached": [
            {"id": v} | ({"delete_on_termination": v in view.deleted_with}
                         if version >= mv.EXTENDED_ATTRIBUTES else {}) for v in view.volumes],
    })
    if not view.security_groups:
        del body["security_groups"]  # Nova leaves the key out for a server with no ports
    if extended:
        body.update({"OS-EXT-SRV-ATTR:host": s.host, "OS-EXT-SRV-ATTR:instance_name": f"instance-{s.seq:08x}",
                     "OS-EXT-SRV-ATTR:hypervisor_hostname": s.host})
        if version >= mv.EXTENDED_ATTRIBUTES:
            body.update({"OS-EXT-SRV-ATTR:reservation_id": reservation_of(s),
                         "OS-EXT-SRV-ATTR:launch_index": int(server_extra(s, "launch_index", 0)),
                         "OS-EXT-SRV-ATTR:kernel_id": "", "OS-EXT-SRV-ATTR:ramdisk_id": "",
                         "OS-EXT-SRV-ATTR:root_device_name": "/dev/vda",
                         "OS-EXT-SRV-ATTR:user_data": s.user_data})
        if version >= mv.HOST_STATUS:
            body["host_status"] = "UP"  # the one host runs in the lab's own process: up while it answers
    if (extended and version >= mv.EXTENDED_ATTRIBUTES) or version >= mv.HOSTNAME:
        body["OS-EXT-SRV-ATTR:hostname"] = hostname_of(s)
    return body


def _usage_time(dt: Any) -> str | None:
    """OS-SRV-USG times have microseconds and no zone, as Nova prints them."""
    return None if dt is None else dt.strftime("%Y-%m-%dT%H:%M:%S.%f")


# Nova's compute-side event name for each action (what `server event show` lists under events).
EVENT_NAMES = {"create": "compute__do_build_and_run_instance", "delete": "compute_terminate_instance",
               "stop": "compute_stop_instance", "start": "compute_start_instance",
               "reboot": "compute_reboot_instance", "resize": "compute_finish_resize",
               "revertResize": "compute_finish_revert_resize", "pause": "compute_pause_instance",
               "unpause": "compute_unpause_instance", "suspend": "compute_suspend_instance",
               "resume": "compute_resume_instance", "shelve": "compute_shelve_instance",
               "shelveOffload": "compute_shelve_offload_instance", "unshelve": "compute_unshelve_instance",
               "rebuild": "compute_rebuild_instance", "rescue": "compute_rescue_instance",
               "unrescue": "compute_unrescue_instance", "createImage": "compute_snapshot_instance",
               "changePassword": "compute_set_admin_password", "migrate": "conductor_migrate_server",
               "live-migration": "conductor_live_migrate_instance"}
# Actions Nova does in the API alone: no compute event.
API_ONLY_ACTIONS = ("lock", "unlock")


def instance_action(action: InstanceAction, events: bool = False, version: Version = mv.MIN, *,
                    host: str | None = None, admin: bool = False) -> dict[str, Any]:
    """An os-instance-actions entry; with `events`, the one compute event it had: `updated_at` from 2.58,
    the event's `hostId` (and `host` for admins) from 2.62, its `details` (admins) from 2.84."""
    body: dict[str, Any] = {"action": action.action, "instance_uuid": action.instance_uuid,
                            "request_id": action.request_id, "user_id": action.user_id,
                            "project_id": action.project_id, "start_time": _usage_time(action.start_time),
                            "message": action.message}
    if version >= mv.Version(2, 58):
        body["updated_at"] = _usage_time(action.finish_time or action.start_time)
    if events:
        body["events"] = [] if action.action in API_ONLY_ACTIONS else [{
            "event": EVENT_NAMES.get(action.action, f"compute_{action.action}"),
            "start_time": _usage_time(action.start_time),
            "finish_time": _usage_time(action.finish_time or action.start_time), "result": action.result,
            "traceback": action.fault}]
        for event in body["events"]:
            if version >= mv.Version(2, 62):
                event["hostId"] = host_id(action.project_id or "", host)
                if admin:
                    event["host"] = host
            if version >= mv.Version(2, 84) and admin:
                event["details"] = action.fault
    return body


def flavor_access(flavor_id: str, projects: list[str]) -> dict[str, Any]:
    return {"flavor_access": [{"flavor_id": flavor_id, "tenant_id": p} for p in projects]}


def _address(a: Address) -> dict[str, Any]:
    return {"version": a["version"], "addr": a["addr"]}


def server_addresses(addresses: dict[str, list[Address]], network: str | None = None) -> dict[str, Any]:
    """GET /servers/{id}/ips (every network) or /ips/{network} (that one: the caller checked it is there)."""
    if network is not None:
        return {network: [_address(a) for a in addresses[network]]}
    return {"addresses": {net: [_address(a) for a in addrs] for net, addrs in addresses.items()}}


# ---------------------------------------------------------------------------------------------- interfaces
def interface(found: Interface, version: Version = mv.MIN) -> dict[str, Any]:
    """An os-interface entry (the network contract's): with its device `tag` from 2.70 (none kept here)."""
    return {**found, "tag": None} if version >= mv.DEVICE_TAGS_SHOWN else dict(found)


def parse_interface_attach(body: dict[str, Any]) -> tuple[str | None, str | None, str | None]:
    """(port_id, net_id, fixed ip) of an os-interface POST: a port or a network (Nova's 400 for both)."""
    item = body.get("interfaceAttachment")
    if not isinstance(item, dict):
        raise invalid("interfaceAttachment", item, "'interfaceAttachment' is a required property")
    port_id, net_id = _string(item, "port_id"), _string(item, "net_id")
    if port_id and net_id:
        raise BadRequest("Must not input both network_id and port_id")
    if not port_id and not net_id:
        raise BadRequest("Must input network_id or port_id")  # Nova picks a network then; one host, one rule
    fixed = item.get("fixed_ips") or []
    if not isinstance(fixed, list) or not all(isinstance(f, dict) for f in fixed):
        raise invalid("fixed_ips", fixed, "is not of type 'array'")
    if fixed and port_id:
        raise BadRequest("Must not input both port_id and fixed_ips")
    ip = fixed[0].get("ip_address") if fixed else None
    if ip is not None:
        try:
            ipaddress.ip_address(ip)
        except ValueError:
            raise invalid("ip_address", ip, "is not a 'ip address'") from None
    return port_id, net_id, ip


# ---------------------------------------------------------------------------------------------- server groups
def parse_server_group(body: dict[str, Any], version: Version = mv.MIN) -> tuple[str, str]:
    """(name, policy) of a server group create: `policies`, a list of exactly one policy, before 2.64;
    `policy` (and `rules`, of which the lab keeps none) from 2.64. The soft policies need 2.15."""
    from lab.cloud.compute.server_groups import POLICIES

    group = body.get("server_group")
    if not isinstance(group, dict):
        raise invalid("server_group", group, "'server_group' is a required property")
    name = _name(group)
    known = POLICIES if version >= mv.SOFT_AFFINITY else tuple(p for p in POLICIES if not p.startswith("soft"))
    if version >= mv.GROUP_POLICY:
        extra = sorted(set(group) - {"name", "policy", "rules"})
        if extra:
            raise invalid("server_group", group, f"Additional properties are not allowed ({extra[0]!r} was "
                          "unexpected)")
        policy = group.get("policy")
        if policy not in known:
            raise invalid("server_group/policy", policy, f"{policy!r} is not one of {list(known)}")
        rules = group.get("rules") or {}
        if not isinstance(rules, dict) or (rules and policy != "anti-affinity"):
            raise BadRequest("Only anti-affinity policy supports rules.")
        if rules:
            raise BadRequest("Server group rules (max_server_per_host) are not supported by this cloud.")
        return name, str(policy)
    policies = group.get("policies")
    if not isinstance(policies, list) or len(policies) != 1:
        raise invalid("server_group/policies", policies, "'policies' must be a list of exactly one policy")
    if policies[0] not in known:
        raise invalid("server_group/policies", policies, f"{policies[0]!r} is not one of {list(known)}")
    return name, str(policies[0])


def server_group(view: GroupView, version: Version = mv.MIN) -> dict[str, Any]:
    g = view.group
    body: dict[str, Any] = {"id": g.id, "name": g.name, "members": view.members}
    if version >= mv.GROUP_POLICY:
        body.update({"policy": g.policy, "rules": {}})
    else:
        body.update({"policies": [g.policy], "metadata": {}})
    if version >= mv.SERVER_GROUP_OWNER:
        body.update({"user_id": g.user_id, "project_id": g.project_id})
    return body


# ---------------------------------------------------------------------------------------------- quotas, limits
# Every Nova quota body is rendered here (the quota sets by lab/cloud/quotas.py's render_set, which renders every
# service's): os-quota-sets (show, detail, defaults, update), /limits and the 403 of a create over quota.
NETWORK_QUOTAS = ("fixed_ips", "floating_ips", "security_groups", "security_group_rules", "networks")
INJECTED_FILE_QUOTAS = ("injected_files", "injected_file_content_bytes", "injected_file_path_bytes")


def quota_keys_gone(version: Version) -> set[str]:
    """The quotas a version no longer shows or takes: the network ones from 2.36, the injected files from 2.57."""
    gone = set(NETWORK_QUOTAS) if version >= mv.NETWORK_QUOTAS_GONE else set()
    return gone | (set(INJECTED_FILE_QUOTAS) if version >= mv.NO_PERSONALITY else set())


def quota_set(quotas: QuotaUsage, version: Version = mv.MIN) -> dict[str, Any]:
    """GET (and defaults): `{"quota_set": {"id": ..., <resource>: limit}}`; the PUT answer has no `id`."""
    head = {} if quotas.project_id is None else {"id": quotas.project_id}
    return {"quota_set": render_set(quotas.limits, head=head, hide=quota_keys_gone(version))}


def quota_set_detail(quotas: QuotaUsage, version: Version = mv.MIN) -> dict[str, Any]:
    return {"quota_set": render_set(quotas.limits, used=quotas.used or {}, head={"id": quotas.project_id},
                                    hide=quota_keys_gone(version))}


_NETWORK_LIMITS = ("maxSecurityGroupRules", "maxSecurityGroups", "maxTotalFloatingIps", "totalFloatingIpsUsed",
                   "totalSecurityGroupsUsed")


def absolute_limits(quotas: QuotaUsage, version: Version = mv.MIN) -> dict[str, Any]:
    """GET /limits: without the network limits from 2.36, maxImageMeta from 2.39, the personality limits
    from 2.57."""
    body = _absolute_limits(quotas)
    absolute = body["limits"]["absolute"]
    gone = set(_NETWORK_LIMITS) if version >= mv.NETWORK_QUOTAS_GONE else set()
    gone |= {"maxImageMeta"} if version >= mv.IMAGE_META_LIMIT_GONE else set()
    gone |= {"maxPersonality", "maxPersonalitySize"} if version >= mv.NO_PERSONALITY else set()
    body["limits"]["absolute"] = {k: v for k, v in absolute.items() if k not in gone}
    return body


def _absolute_limits(quotas: QuotaUsage) -> dict[str, Any]:
    q, used = quotas.limits, quotas.used or {}
    return {"limits": {"rate": [], "absolute": {
        "maxImageMeta": q["metadata_items"], "maxPersonality": q["injected_files"],
        "maxPersonalitySize": q["injected_file_content_bytes"], "maxSecurityGroupRules": q["security_group_rules"],
        "maxSecurityGroups": q["security_groups"], "maxServerGroupMembers": q["server_group_members"],
        "maxServerGroups": q["server_groups"], "maxServerMeta": q["metadata_items"],
        "maxTotalCores": q["cores"], "maxTotalFloatingIps": q["floating_ips"],
        "maxTotalInstances": q["instances"], "maxTotalKeypairs": q["key_pairs"], "maxTotalRAMSize": q["ram"],
        "totalCoresUsed": used["cores"], "totalFloatingIpsUsed": 0, "totalInstancesUsed": used["instances"],
        "totalRAMUsed": used["ram"], "totalSecurityGroupsUsed": 0,
        "totalServerGroupsUsed": used.get("server_groups", 0),
    }}}


def over_quota(exc: Exceeded) -> Forbidden:
    """Nova's 403 for a create (or resize) that would pass a limit."""
    names = ", ".join(r for r, *_ in exc.overs)
    return Forbidden(
        f"Quota exceeded for {names}: Requested {', '.join(str(n) for _, n, _, _ in exc.overs)}, "
        f"but already used {', '.join(str(u) for _, _, u, _ in exc.overs)} of "
        f"{', '.join(str(lim) for _, _, _, lim in exc.overs)} {names}")


# ---------------------------------------------------------------------------------------------- host views
def availability_zones(zones: list[Zone]) -> dict[str, Any]:
    def hosts(zone: Zone) -> dict[str, Any] | None:
        if zone.host is None:
            return None
        return {zone.host: {binary: {"available": True, "active": enabled,
                                     "updated_at": _usage_time(zone.updated_at)} for binary, enabled in zone.services}}
    return {"availabilityZoneInfo": [{"zoneName": z.name, "zoneState": {"available": True}, "hosts": hosts(z)}
                                     for z in zones]}


def _hypervisor_status(h: Hypervisor) -> str:
    return "disabled" if h.disabled else "enabled"


def _hypervisor_id(h: Hypervisor, version: Version) -> int | str:
    from lab.cloud.compute.hosts import hypervisor_uuid

    return hypervisor_uuid(h.info.hypervisor_hostname) if version >= mv.SERVICE_UUIDS else h.id


def hypervisor_brief(h: Hypervisor, version: Version = mv.MIN, *, with_servers: bool = False) -> dict[str, Any]:
    body: dict[str, Any] = {"id": _hypervisor_id(h, version), "hypervisor_hostname": h.info.hypervisor_hostname,
                            "state": "up", "status": _hypervisor_status(h)}
    if with_servers and h.servers:  # Nova leaves `servers` out when there are none
        body["servers"] = [{"uuid": sid, "name": name} for sid, name in h.servers]
    return body


def hypervisor_uptime(h: Hypervisor, uptime: str, version: Version = mv.MIN) -> dict[str, Any]:
    return {"hypervisor": {**hypervisor_brief(h, version), "uptime": uptime}}


def hypervisor_servers(h: Hypervisor) -> dict[str, Any]:
    """os-hypervisors/{name}/servers (before 2.53)."""
    return hypervisor_brief(h, with_servers=True)


def compute_service(s: ServiceView, version: Version = mv.MIN) -> dict[str, Any]:
    """An os-services entry: an integer id, a UUID from 2.53; `forced_down` from 2.11 (a forced-down
    service is shown down)."""
    body: dict[str, Any] = {"id": s.uuid if version >= mv.SERVICE_UUIDS else s.id, "binary": s.binary,
                            "host": s.host, "zone": s.zone, "status": "disabled" if s.disabled else "enabled",
                            "state": "down" if s.forced_down else "up",
                            "updated_at": _usage_time(s.updated_at), "disabled_reason": s.disabled_reason}
    if version >= mv.FORCED_DOWN:
        body["forced_down"] = s.forced_down
    return body


def parse_force_down(body: dict[str, Any]) -> tuple[str, str, bool]:
    """PUT /os-services/force-down (2.11-2.52): host, binary, forced_down."""
    host = _string(body, "host", required=True, min_len=1)
    binary = _string(body, "binary", required=True, min_len=1)
    forced = body.get("forced_down")
    if not isinstance(forced, bool):
        raise invalid("forced_down", forced, f"{forced!r} is not of type 'boolean'")
    assert host is not None and binary is not None
    return host, binary, forced


def parse_service_put(body: dict[str, Any]) -> tuple[str | None, str | None, bool | None]:
    """PUT /os-services/{uuid} (2.53): (status, disabled_reason, forced_down), Nova's schema."""
    extra = sorted(set(body) - {"status", "disabled_reason", "forced_down"})
    if extra:
        raise invalid("service", body, f"Additional properties are not allowed ({extra[0]!r} was unexpected)")
    status = body.get("status")
    if status is not None and status not in ("enabled", "disabled"):
        raise invalid("status", status, f"{status!r} is not one of ['enabled', 'disabled']")
    reason = _string(body, "disabled_reason", min_len=1)
    if reason is not None and status != "disabled":
        raise BadRequest("Specifying 'disabled_reason' with status 'enabled' is invalid.")
    forced = body.get("forced_down")
    if forced is not None and not isinstance(forced, bool):
        raise invalid("forced_down", forced, f"{forced!r} is not of type 'boolean'")
    if status is None and forced is None:
        raise BadRequest("'status' and/or 'forced_down' must be specified.")
    return status, reason, forced


def service_changed(s: ServiceView, with_reason: bool) -> dict[str, Any]:
    """The answer of PUT /os-services/enable|disable (and, with the reason, disable-log-reason)."""
    body: dict[str, Any] = {"host": s.host, "binary": s.binary, "status": "disabled" if s.disabled else "enabled"}
    if with_reason:
        body["disabled_reason"] = s.disabled_reason or ""
    return {"service": body}


def parse_service_update(body: dict[str, Any], with_reason: bool) -> tuple[str, str, str | None]:
    """(host, binary, disabled_reason) of a 2.1 os-services update."""
    host = _string(body, "host", required=True, min_len=1)
    binary = _string(body, "binary", required=True, min_len=1)
    reason = _string(body, "disabled_reason", required=with_reason, min_len=1) if with_reason else None
    assert host is not None and binary is not None
    return host, binary, reason


def quota_class_gone(version: Version) -> set[str]:
    """Quota class keys a version no longer shows or takes: the network ones from 2.50, injected files from 2.57."""
    gone = set(NETWORK_QUOTAS) if version >= mv.Version(2, 50) else set()
    return gone | (set(INJECTED_FILE_QUOTAS) if version >= mv.NO_PERSONALITY else set())


def quota_class_set(class_name: str, values: dict[str, int], with_id: bool = True,
                    version: Version = mv.MIN) -> dict[str, Any]:
    return {"quota_class_set": render_set(values, head={"id": class_name} if with_id else {},
                                          hide=quota_class_gone(version))}


def parse_quota_class_update(body: dict[str, Any], known: set[str]) -> dict[str, int]:
    quota_class = body.get("quota_class_set")
    if not isinstance(quota_class, dict):
        raise invalid("quota_class_set", quota_class, "'quota_class_set' is a required property")
    values = {}
    for key, value in quota_class.items():
        if key not in known:
            raise invalid("quota_class_set", quota_class,
                          f"Additional properties are not allowed ('{key}' was unexpected)")
        values[key] = _int(value, key, -1)
    return values


def hypervisor(h: Hypervisor, version: Version = mv.MIN, *, with_servers: bool = False,
               uptime: str | None = None) -> dict[str, Any]:
    """A hypervisor as os-hypervisors/detail and /{id} show it: cpu_info a JSON string before 2.28 and an
    object from it; UUID ids from 2.53; from 2.88 without the usage counters (placement has them) and with
    `uptime` in show."""
    from lab.cloud.compute.hosts import service_uuid

    info = h.info
    service_id: int | str = service_uuid(info.hypervisor_hostname, "nova-compute") \
        if version >= mv.SERVICE_UUIDS else h.service_id
    body: dict[str, Any] = {
        **hypervisor_brief(h, version, with_servers=with_servers),
        "hypervisor_type": info.hypervisor_type, "hypervisor_version": info.hypervisor_version,
        "host_ip": info.host_ip,
        "service": {"host": info.hypervisor_hostname, "id": service_id, "disabled_reason": h.disabled_reason},
    }
    if version >= mv.Version(2, 88):
        if uptime is not None:
            body["uptime"] = uptime
        return body
    body.update({
        "cpu_info": dict(info.cpu_info) if version >= mv.Version(2, 28) else json.dumps(info.cpu_info),
        "vcpus": info.vcpus, "vcpus_used": h.vcpus_used,
        "memory_mb": info.memory_mb, "memory_mb_used": h.memory_mb_used,
        "free_ram_mb": info.memory_mb - h.memory_mb_used,
        "local_gb": info.local_gb, "local_gb_used": h.local_gb_used,
        "free_disk_gb": info.local_gb - h.local_gb_used, "disk_available_least": info.local_gb - h.local_gb_used,
        "current_workload": h.current_workload, "running_vms": h.running_vms,
    })
    return body


_STATISTICS = ("vcpus", "vcpus_used", "memory_mb", "memory_mb_used", "free_ram_mb", "local_gb", "local_gb_used",
               "free_disk_gb", "disk_available_least", "current_workload", "running_vms")


def hypervisor_statistics(hypervisors: list[Hypervisor]) -> dict[str, Any]:
    bodies = [hypervisor(h) for h in hypervisors]
    return {"hypervisor_statistics": {"count": len(bodies),
                                      **{k: sum(int(b[k]) for b in bodies) for k in _STATISTICS}}}


def tenant_usage(usage: TenantUsage, *, servers: bool = True) -> dict[str, Any]:
    """A project's os-simple-tenant-usage entry (`servers`: with its `server_usages`)."""
    items = []
    totals = {"total_vcpus_usage": 0.0, "total_memory_mb_usage": 0.0, "total_local_gb_usage": 0.0,
              "total_hours": 0.0}
    for u in usage.servers:
        s, f, hours = u.server, u.server.flavor, u.hours
        items.append({
            "instance_id": s.id, "name": s.name, "hours": hours, "vcpus": f.get("vcpus", 0),
            "memory_mb": f.get("ram", 0), "local_gb": f.get("disk", 0), "flavor": f.get("name"),
            "tenant_id": s.project_id, "state": s.vm_state,
            "started_at": _usage_time(s.launched_at or s.created_at), "ended_at": _usage_time(s.terminated_at),
            "uptime": u.uptime,
        })
        totals["total_hours"] += hours
        totals["total_vcpus_usage"] += hours * f.get("vcpus", 0)
        totals["total_memory_mb_usage"] += hours * f.get("ram", 0)
        totals["total_local_gb_usage"] += hours * f.get("disk", 0)
    body: dict[str, Any] = {"tenant_id": usage.project_id, "start": _usage_time(usage.start),
                            "stop": _usage_time(usage.stop), "server_usages": items, **totals}
    if not servers:
        del body["server_usages"]
    return body


def console_output(output: str) -> dict[str, Any]:
    return {"output": output}


REMOTE_CONSOLE_TYPES = {"vnc": ("novnc", "xvpvnc"), "spice": ("spice-html5",), "rdp": ("rdp-html5",),
                        "serial": ("serial",), "mks": ("webmks",)}


def parse_remote_console(body: dict[str, Any], version: Version) -> tuple[str, str]:
    """(protocol, type) of a remote-consoles POST (2.6; mks from 2.8), Nova's schema."""
    console = body.get("remote_console")
    if not isinstance(console, dict):
        raise invalid("remote_console", console, "'remote_console' is a required property")
    protocols = [p for p in REMOTE_CONSOLE_TYPES if p != "mks" or version >= mv.Version(2, 8)]
    protocol, kind = console.get("protocol"), console.get("type")
    if protocol not in protocols:
        raise invalid("remote_console/protocol", protocol, f"{protocol!r} is not one of {protocols}")
    kinds = [k for p in protocols for k in REMOTE_CONSOLE_TYPES[p]]
    if kind not in kinds:
        raise invalid("remote_console/type", kind, f"{kind!r} is not one of {kinds}")
    return str(protocol), str(kind)


def parse_console_type(args: Any, action: str) -> str:
    kind = args.get("type") if isinstance(args, dict) else None
    if not isinstance(kind, str) or not kind:
        raise invalid("type", kind, "'type' is a required property")
    return kind


def console_page_html(server: Any, text: str, terminal: bool = False, vnc: bool = False) -> str:
    """The console page (an error page without a server). With `vnc` (a novnc token of a guest with a VNC
    display, noVNC vendored) noVNC's screen on the VNC websocket; with `terminal` (xterm.js vendored) a
    terminal on the serial websocket, the text kept for browsers without scripts; else the text, refreshed
    every 3 s."""
    import html

    if server is None:
        return (f"<!doctype html><html><head><title>Console</title></head><body><h1>Console</h1>"
                f"<p>{html.escape(text)}</p></body></html>")
    lines = "\n".join(text.splitlines()[-200:])
    title = f"<title>Console of {html.escape(server.name)}</title>"
    heading = f"<h1>{html.escape(server.name)} <small>({html.escape(server.id)})</small></h1>"
    style = "<style>body{background:#111;color:#ddd;font-family:monospace}pre{white-space:pre-wrap}</style>"
    if vnc:
        return _novnc_page(title, heading, style, html.escape(lines))
    if not terminal:
        return (f"<!doctype html><html><head><meta charset='utf-8'><meta http-equiv='refresh' content='3'>{title}"
                f"{style}</head><body>{heading}<p>(a plain-text console: xterm.js is not installed here; "
                "scripts/setup.sh installs it)</p>"
                f"<pre id='console'>{html.escape(lines)}</pre></body></html>")
    # Relative URLs: the page is /compute/console, so these are /compute/console/static/... and .../ws.
    script = """
const term = new Terminal({cursorBlink: true, scrollback: 5000});
term.open(document.getElementById('terminal'));
const url = new URL('console/ws' + location.search, location.href);
url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
const socket = new WebSocket(url);
socket.onmessage = (event) => term.write(event.data);
socket.onclose = (event) => term.write('\\r\\n[console closed' + (event.reason ? ': ' + event.reason : '') + ']\\r\\n');
term.onData((data) => { if (socket.readyState === WebSocket.OPEN) socket.send(data); });
term.focus();
"""
    return ("<!doctype html><html><head><meta charset='utf-8'>"
            f"{title}<link rel='stylesheet' href='console/static/xterm.css'>{style}"
            "<script src='console/static/xterm.js'></script></head><body>"
            f"{heading}<div id='terminal'></div>"
            f"<noscript><pre id='console'>{html.escape(lines)}</pre></noscript>"
            f"<script>{script}</script></body></html>")


def _novnc_page(title: str, heading: str, style: str, escaped_lines: str) -> str:
    """noVNC's RFB client, imported as an ES module from the vendored files, on the VNC websocket."""
    # Relative URLs: the page is /compute/console, so these are /compute/console/static/novnc/... and .../vnc.
    script = """
import RFB from './console/static/novnc/core/rfb.js';
const status = document.getElementById('status');
const url = new URL('console/vnc' + location.search, location.href);
url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
const rfb = new RFB(document.getElementById('screen'), url.href);
rfb.scaleViewport = true;
rfb.addEventListener('connect', () => { status.textContent = 'connected (VNC)'; rfb.focus(); });
rfb.addEventListener('disconnect', (event) => {
  status.textContent = event.detail.clean ? 'console closed' : 'console connection lost'; });
document.getElementById('cad').onclick = () => rfb.sendCtrlAltDel();
"""
    return ("<!doctype html><html><head><meta charset='utf-8'>"
            f"{title}{style}<style>#screen{{width:100%;height:80vh}}</style></head><body>"
            f"{heading}<p><span id='status'>connecting...</span> <button id='cad'>Send Ctrl-Alt-Del</button></p>"
            "<div id='screen'></div>"
            f"<noscript><pre id='console'>{escaped_lines}</pre></noscript>"
            f"<script type='module'>{script}</script></body></html>")
