"""Neutron's wire shapes: request validation (one attribute table per resource, as Neutron's API definitions
are written, of lab/cloud/validation.py's checks) and one render function per resource.

Validation errors use Neutron's API-layer wording (validation.NEUTRON): `Invalid input for cidr. Reason: ...`,
`Unrecognized attribute(s) 'x'`, `Cannot update read-only attribute network_id`.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping
from typing import Any

from lab.cloud import validation as V
from lab.cloud.errors import BadRequest
from lab.cloud.http import timestamp
from lab.cloud.network import dhcpopts, dns
from lab.cloud.network.models import (
    AddressScope,
    Agent,
    FloatingIP,
    Network,
    NetworkSegment,
    Port,
    PortForwarding,
    QosPolicy,
    RBACPolicy,
    Router,
    SecurityGroup,
    SecurityGroupRule,
    Subnet,
    SubnetPool,
)
from lab.cloud.quotas import render_set

W = V.NEUTRON
UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$")
DSCP_MARKS = (0, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30, 32, 34, 36, 38, 40, 46, 48, 56)


# ------------------------------------------------------------------------------------------------ validators
# The shared checks (lab/cloud/validation.py) as Neutron's API definitions use them, and the few only Neutron has.
def string(max_len: int = 255) -> V.Check[str]:
    return V.string(0, max_len)


def integer(low: int, high: int) -> V.Check[int]:
    return V.integer(low, high, convert=True)


def list_of(inner: V.Check[Any], unique: bool = True) -> V.Check[list[Any]]:
    return V.list_of(inner, unique=unique)


boolean = V.boolean(strings=("true", "false", "1", "0"), ints=True)
ip_address = V.ip_address()
nullable, one_of, anything = V.nullable, V.one_of, V.anything


def cidr(w: V.Wording, attr: str, value: Any) -> str:
    """A subnet CIDR, stored as its network address (neutron-lib's validate_subnet: an IPv4 CIDR with host bits
    set, `10.99.99.0/16`, is accepted; a bare address, or an IPv6 CIDR not written in its normal form, is not)."""
    try:
        net = ipaddress.ip_network(value, strict=False)
        written = ipaddress.ip_interface(value)
    except (TypeError, ValueError):
        raise w.bad(attr, value, f"'{value}' is not a valid IP subnet") from None
    if "/" not in str(value) or (net.version == 6 and str(written) != str(value)):
        raise w.bad(attr, value, f"'{value}' isn't a recognized IP subnet cidr, '{net}' is recommended")
    return str(net)


def prefix(w: V.Wording, attr: str, value: Any) -> str:
    """An address or a CIDR, normalised to its network (security group remote prefixes, address pairs)."""
    try:
        return str(ipaddress.ip_network(value, strict=False))
    except (TypeError, ValueError):
        raise w.bad(attr, value, f"'{value}' is not a valid IP subnet") from None


def address_or_cidr(w: V.Wording, attr: str, value: Any) -> str:
    """An allowed address pair's ip_address: an address or a CIDR, kept as given (Neutron does not add /32)."""
    prefix(w, attr, value)
    return str(value)


def port_value(_w: V.Wording, _attr: str, value: Any) -> int | None:
    """A security group rule port (Neutron's convert_validate_port_value): null or 0..65535."""
    if value is None:
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = -1
    if isinstance(value, bool) or not 0 <= number <= 65535:
        raise BadRequest(f"Invalid value for port {value}", neutron_type="SecurityGroupInvalidPortValue")
    return number


def dict_with(required: dict[str, V.Check[Any]], optional: dict[str, V.Check[Any]] | None = None) \
        -> V.Check[dict[str, Any]]:
    """neutron-lib's validate_dict: exactly the `required` keys and any of the `optional` ones."""
    optional = optional or {}

    def check(w: V.Wording, attr: str, value: Any) -> dict[str, Any]:
        V.obj(w, attr, value)
        if any(k not in value for k in required) or set(value) - set(required) - set(optional):
            raise w.bad(attr, value, f"Validation of dictionary's keys failed. Expected keys: "
                                     f"{set(required)} Provided keys: {set(value)}")
        out = {k: v(w, attr, value[k]) for k, v in required.items()}
        out.update({k: v(w, attr, value[k]) for k, v in optional.items() if k in value})
        return out
    return check


def uuid_value(w: V.Wording, attr: str, value: Any) -> str:
    """neutron-lib's type:uuid."""
    if not isinstance(value, str) or not UUID_RE.match(value):
        raise w.bad(attr, value, f"'{value}' is not a valid UUID")
    return value


def dscp_mark(w: V.Wording, attr: str, value: Any) -> int:
    """A DSCP mark: converted to an integer, then one of the marks Neutron accepts (VALID_DSCP_MARKS)."""
    number = integer(0, 63)(w, attr, value)
    if number not in DSCP_MARKS:
        raise w.bad(attr, value, f"{number} is not in {list(DSCP_MARKS)}")
    return int(number)


def nullable_dict(w: V.Wording, attr: str, value: Any) -> Any:
    if value is not None:
        V.obj(w, attr, value)
    return value or None


Attr = V.Attr


VNIC_TYPES = ("normal", "direct", "macvtap", "baremetal", "direct-physical", "virtio-forwarder", "smart-nic",
              "vdpa", "remote-managed")
NAME = Attr(string())
DESCRIPTION = Attr(string())
PROJECT = Attr(string(255), put=False)
ROUTE = dict_with({"destination": cidr, "nexthop": ip_address})
FIXED_IP = dict_with({}, {"subnet_id": string(36), "ip_address": ip_address})
QOS_POLICY = Attr(nullable(uuid_value))
ADDRESS_PAIR = dict_with({"ip_address": address_or_cidr}, {"mac_address": string(32)})

SPECS: dict[str, dict[str, Attr]] = {
    "network": {
        "name": NAME, "description": DESCRIPTION, "admin_state_up": Attr(boolean), "shared": Attr(boolean),
        "router:external": Attr(boolean), "mtu": Attr(integer(68, 9000)),
        "port_security_enabled": Attr(boolean), "project_id": PROJECT, "tenant_id": PROJECT,
        "provider:network_type": Attr(string(16), put=False),
        "provider:physical_network": Attr(nullable(string(64)), put=False),
        "provider:segmentation_id": Attr(nullable(integer(0, 2**24 - 1)), put=False),
        "availability_zone_hints": Attr(list_of(string()), put=False), "is_default": Attr(boolean),
        "tags": Attr(list_of(string(255)), put=False), "qos_policy_id": QOS_POLICY,
        "dns_domain": Attr(dns.dns_domain),
    },
    "subnet": {
        "name": NAME, "description": DESCRIPTION, "network_id": Attr(string(36), put=False),
        "ip_version": Attr(one_of(4, 6), put=False), "cidr": Attr(cidr, put=False),
        "gateway_ip": Attr(nullable(ip_address)),
        "allocation_pools": Attr(list_of(dict_with({"start": ip_address, "end": ip_address}))),
        "dns_nameservers": Attr(list_of(ip_address)), "host_routes": Attr(list_of(ROUTE)),
        "enable_dhcp": Attr(boolean), "project_id": PROJECT, "tenant_id": PROJECT,
        "ipv6_ra_mode": Attr(nullable(one_of("slaac", "dhcpv6-stateful", "dhcpv6-stateless")), put=False),
        "ipv6_address_mode": Attr(nullable(one_of("slaac", "dhcpv6-stateful", "dhcpv6-stateless")), put=False),
        "subnetpool_id": Attr(nullable(string(36)), put=False), "prefixlen": Attr(integer(0, 128), put=False),
        "service_types": Attr(list_of(string())), "use_default_subnetpool": Attr(boolean, put=False),
        "segment_id": Attr(nullable(string(36))), "tags": Attr(list_of(string(255)), put=False),
    },
    "port": {
        "name": NAME, "description": DESCRIPTION, "network_id": Attr(string(36), put=False),
        "admin_state_up": Attr(boolean), "mac_address": Attr(string(32)),
        "fixed_ips": Attr(list_of(FIXED_IP)), "device_id": Attr(string(255)), "device_owner": Attr(string(255)),
        "security_groups": Attr(nullable(list_of(string(36)))), "port_security_enabled": Attr(boolean),
        "allowed_address_pairs": Attr(nullable(list_of(ADDRESS_PAIR))), "project_id": PROJECT,
        "tenant_id": PROJECT, "binding:host_id": Attr(nullable(string())),
        "binding:vnic_type": Attr(one_of(*VNIC_TYPES)),
        "binding:profile": Attr(nullable_dict), "extra_dhcp_opts": Attr(dhcpopts.check),
        "tags": Attr(list_of(string(255)), put=False),
        "qos_policy_id": QOS_POLICY, "dns_name": Attr(dns.dns_name), "dns_domain": Attr(dns.dns_domain),
    },
    "rbac_policy": {
        "object_type": Attr(one_of("network", "security_group", "qos_policy"), put=False),
        "object_id": Attr(string(36), put=False),
        "action": Attr(one_of("access_as_shared", "access_as_external"), put=False),
        "target_tenant": Attr(string(255)), "project_id": PROJECT, "tenant_id": PROJECT,
    },
    "subnetpool": {
        "name": NAME, "description": DESCRIPTION, "prefixes": Attr(list_of(prefix)),
        "default_prefixlen": Attr(integer(0, 128)), "min_prefixlen": Attr(integer(0, 128)),
        "max_prefixlen": Attr(integer(0, 128)), "is_default": Attr(boolean), "shared": Attr(boolean, put=False),
        "address_scope_id": Attr(nullable(string(36))), "default_quota": Attr(nullable(integer(-1, 2**31))),
        "project_id": PROJECT, "tenant_id": PROJECT, "tags": Attr(list_of(string(255)), put=False),
    },
    "address_scope": {
        "name": NAME, "ip_version": Attr(one_of(4, 6), put=False), "shared": Attr(boolean),
        "project_id": PROJECT, "tenant_id": PROJECT,
    },
    "policy": {  # a QoS policy (the qos and qos-default extensions)
        "name": NAME, "description": DESCRIPTION, "shared": Attr(boolean), "is_default": Attr(boolean),
        "project_id": PROJECT, "tenant_id": PROJECT, "tags": Attr(list_of(string(255)), put=False),
    },
    "bandwidth_limit_rule": {
        "max_kbps": Attr(integer(0, 2**31 - 1)), "max_burst_kbps": Attr(integer(0, 2**31 - 1)),
        "direction": Attr(one_of("egress", "ingress")),
    },
    "dscp_marking_rule": {"dscp_mark": Attr(dscp_mark)},
    "minimum_bandwidth_rule": {"min_kbps": Attr(integer(0, 2**31 - 1)), "direction": Attr(one_of("egress"))},
    "port_forwarding": {  # floating-ip-port-forwarding (and its -description)
        "internal_port_id": Attr(uuid_value), "internal_ip_address": Attr(ip_address),
        "internal_port": Attr(integer(1, 65535)), "external_port": Attr(integer(1, 65535)),
        "protocol": Attr(one_of("tcp", "udp", "udplite", "dccp")), "description": DESCRIPTION,
    },
    "agent": {"admin_state_up": Attr(boolean), "description": Attr(nullable(string()))},
    "router": {
        "name": NAME, "description": DESCRIPTION, "admin_state_up": Attr(boolean),
        "external_gateway_info": Attr(nullable_dict), "routes": Attr(nullable(list_of(ROUTE))),
        "project_id": PROJECT, "tenant_id": PROJECT, "distributed": Attr(boolean), "ha": Attr(boolean),
        "availability_zone_hints": Attr(list_of(string()), put=False), "tags": Attr(list_of(string(255)),
                                                                                    put=False),
    },
    "floatingip": {
        "floating_network_id": Attr(string(36), put=False),
        "floating_ip_address": Attr(nullable(ip_address), put=False),
        "subnet_id": Attr(nullable(string(36)), put=False),
        "port_id": Attr(nullable(string(36))), "fixed_ip_address": Attr(nullable(ip_address)),
        "description": DESCRIPTION, "project_id": PROJECT, "tenant_id": PROJECT,
        "dns_name": Attr(dns.fip_dns_name, put=False), "dns_domain": Attr(dns.dns_domain, put=False),
        "tags": Attr(list_of(string(255)), put=False),
    },
    "security_group": {
        "name": NAME, "description": DESCRIPTION, "project_id": PROJECT, "tenant_id": PROJECT,
        "stateful": Attr(boolean), "tags": Attr(list_of(string(255)), put=False),
    },
    "security_group_rule": {
        "security_group_id": Attr(string(36), put=False),
        "direction": Attr(one_of("ingress", "egress"), put=False),
        "ethertype": Attr(one_of("IPv4", "IPv6"), put=False),
        "protocol": Attr(nullable(anything), put=False),
        "port_range_min": Attr(port_value, put=False),
        "port_range_max": Attr(port_value, put=False),
        "remote_ip_prefix": Attr(nullable(prefix), put=False),
        "remote_group_id": Attr(nullable(string(36)), put=False),
        "remote_address_group_id": Attr(nullable(string(36)), put=False),
        "description": DESCRIPTION, "project_id": PROJECT, "tenant_id": PROJECT,
    },
}


def parse(resource: str, body: dict[str, Any], *, update: bool = False) -> dict[str, Any]:
    """Validate `body[resource]` against the resource's attribute table; return the converted values of the
    attributes given. Raises BadRequest (Neutron's API-layer wording)."""
    data = body.get(resource)
    if not isinstance(data, dict):
        raise BadRequest("Resource body required" if resource not in body else
                         "Body contains invalid data", neutron_type="HTTPBadRequest")
    return V.parse_object(W, SPECS[resource], data, resource, update=update)


def require(attrs: dict[str, Any], *names: str) -> None:
    """Neutron's 400 for the first of `names` that `attrs` lacks (or holds as null)."""
    for name in names:
        if attrs.get(name) is None:
            raise W.refuse(name, None, "required", key=name)


def parse_quota(body: dict[str, Any], known: Iterable[str]) -> tuple[dict[str, int], bool]:
    """The limits of a quota update (`{"quota": {"network": 20, ...}}`; -1 is unlimited) and whether to check
    them against the usage: Neutron's quota-check-limit extension takes `check_limit` and `force` out of the body
    first (any value, read as true or not), and checks when `check_limit` is true and `force` is not. Raises
    Neutron's 400 for a missing body, an unknown resource or a value that is not an integer >= -1."""
    wanted = body.get("quota")
    if not isinstance(wanted, dict):
        raise BadRequest("Resource body required", neutron_type="HTTPBadRequest")
    wanted = dict(wanted)
    force, check_limit = wanted.pop("force", None), wanted.pop("check_limit", None)
    names = set(known)
    for name, value in wanted.items():
        if name not in names:
            raise W.bad("quota", wanted, f"Unrecognized attribute(s) '{name}'")
        if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).lstrip("-").isdigit() \
                or int(value) < -1:
            raise W.bad(name, value, f"'{value}' is not a valid quota value (an integer >= -1)")
    return {name: int(value) for name, value in wanted.items()}, bool(check_limit) and not bool(force)


def parse_interface(body: dict[str, Any]) -> tuple[str | None, str | None]:
    """The `subnet_id` and `port_id` of add/remove_router_interface (None when absent or empty). An id that is
    not a string or a number is a 400 (a number is looked up, and not found, as Neutron does)."""
    ids: list[str | None] = []
    for key in ("subnet_id", "port_id"):
        value = body.get(key)
        if isinstance(value, bool) or not isinstance(value, str | int | None):
            raise W.refuse(key, value, "type", types=W.types(str))
        ids.append(str(value) if value else None)
    return ids[0], ids[1]


def parse_tags(body: dict[str, Any]) -> list[str]:
    """The tags of `PUT .../tags` (`{"tags": [...]}`): strings of 1 to 255 characters, duplicates dropped."""
    tags = body.get("tags")
    if not isinstance(tags, list) or not all(isinstance(t, str) and 0 < len(t) <= 255 for t in tags):
        raise W.bad("tags", tags, f"'{tags}' is not a valid list of tags")
    return list(dict.fromkeys(tags))


# ------------------------------------------------------------------------------------------------ renderers
def _standard(row: Any) -> dict[str, Any]:
    """The standard attributes every Neutron resource carries."""
    return {"description": row.description, "tags": list(row.tags or []),
            "created_at": timestamp(row.created_at), "updated_at": timestamp(row.updated_at),
            "revision_number": row.revision_number, "project_id": row.project_id, "tenant_id": row.project_id}


def network(row: Network, segment: NetworkSegment | None, subnet_ids: list[str], *,
            provider: tuple[str, ...] = (), shared: bool | None = None, external: bool | None = None,
            scopes: tuple[str | None, str | None] = (None, None),
            extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """A network; `provider` names the `provider:*` attributes the caller may read (`get_network:provider:*`);
    `shared` and `external` as they read for the caller (RBAC); `scopes` its IPv4 and IPv6 address scopes;
    `extra` the attributes of the extensions kept beside it (qos_policy_id, dns_domain)."""
    body = {"id": row.id, "name": row.name, "status": row.status, "admin_state_up": row.admin_state_up,
            "shared": row.shared if shared is None else shared,
            "router:external": row.external if external is None else external, "mtu": row.mtu,
            "port_security_enabled": row.port_security_enabled, "subnets": subnet_ids,
            "availability_zone_hints": [], "availability_zones": [], "ipv4_address_scope": scopes[0],
            "ipv6_address_scope": scopes[1], "l2_adjacency": True, "is_default": False, **(extra or {}),
            **_standard(row)}
    values = {"provider:network_type": segment.network_type if segment else None,
              "provider:physical_network": (segment.physical_network or None) if segment else None,
              "provider:segmentation_id": (segment.segmentation_id
                                           if segment and segment.network_type != "flat" else None)}
    body.update((key, values[key]) for key in provider)
    return body


def subnet(row: Subnet, subnetpool_id: str | None = None) -> dict[str, Any]:
    return {"id": row.id, "name": row.name, "network_id": row.network_id, "ip_version": row.ip_version,
            "cidr": row.cidr, "gateway_ip": row.gateway_ip, "allocation_pools": list(row.allocation_pools or []),
            "dns_nameservers": list(row.dns_nameservers or []), "host_routes": list(row.host_routes or []),
            "enable_dhcp": row.enable_dhcp, "ipv6_ra_mode": row.ipv6_ra_mode,
            "ipv6_address_mode": row.ipv6_address_mode, "subnetpool_id": subnetpool_id, "service_types": [],
            "segment_id": None, **_standard(row)}


def port_status(row: Port) -> str:
    """ACTIVE when bound to a device and administratively up; a floating IP's port is N/A, as in Neutron."""
    if row.device_owner == "network:floatingip":
        return "N/A"
    return "ACTIVE" if row.admin_state_up and (row.device_id or row.device_owner) else "DOWN"


def port(row: Port, fixed_ips: list[dict[str, str]], security_groups: list[str], *,
         binding: dict[str, Any] | None = None, wired: bool = True,
         extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """A port; `binding`: the `binding:*` attributes the caller may read (ports.binding_of); `wired`: whether
    the L2 agent that would wire it is up (a port it does not wire stays DOWN); `extra`: the attributes of the
    extensions kept beside it (QoS, DNS)."""
    status = port_status(row)
    if not wired and status == "ACTIVE":
        status = "DOWN"
    return {"id": row.id, "name": row.name, "network_id": row.network_id, "mac_address": row.mac_address,
            "admin_state_up": row.admin_state_up, "status": status, "device_id": row.device_id,
            "device_owner": row.device_owner, "fixed_ips": fixed_ips, "security_groups": security_groups,
            "allowed_address_pairs": list(row.allowed_address_pairs or []),
            "port_security_enabled": row.port_security_enabled, "binding:vnic_type": "normal",
            **(binding or {}), **(extra or {}), **_standard(row)}


def router(row: Router, gateway: dict[str, Any] | None) -> dict[str, Any]:
    return {"id": row.id, "name": row.name, "status": row.status, "admin_state_up": row.admin_state_up,
            "external_gateway_info": gateway, "routes": list(row.routes or []), "distributed": False,
            "ha": False, "availability_zone_hints": [], "availability_zones": [], "flavor_id": None,
            **_standard(row)}


def gateway_info(network_id: str, enable_snat: bool, fixed_ips: list[dict[str, str]]) -> dict[str, Any]:
    return {"network_id": network_id, "enable_snat": enable_snat, "external_fixed_ips": fixed_ips}


def floatingip(row: FloatingIP, port_row: Port | None = None,
               forwardings: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """A floating IP; `port_row`: its associated port, summarised in `port_details` (fip-port-details);
    `forwardings`: its port forwardings (expose-port-forwarding-in-fip)."""
    details = None if port_row is None else {
        "name": port_row.name, "network_id": port_row.network_id, "mac_address": port_row.mac_address,
        "admin_state_up": port_row.admin_state_up, "status": port_status(port_row),
        "device_id": port_row.device_id, "device_owner": port_row.device_owner}
    return {"id": row.id, "floating_ip_address": row.floating_ip_address,
            "floating_network_id": row.floating_network_id, "router_id": row.router_id, "port_id": row.port_id,
            "fixed_ip_address": row.fixed_ip_address, "status": "ACTIVE" if row.port_id else "DOWN",
            "port_details": details, "port_forwardings": forwardings or [], "qos_policy_id": None,
            "dns_name": "", "dns_domain": "", **_standard(row)}  # no external DNS service keeps them (dns.py)


def port_forwarding(row: PortForwarding) -> dict[str, Any]:
    return {"id": row.id, "internal_port_id": row.internal_port_id, "internal_ip_address": row.internal_ip_address,
            "internal_port": row.internal_port, "external_port": row.external_port, "protocol": row.protocol,
            "description": row.description}


def security_group_rule(row: SecurityGroupRule, *, is_default: bool | None = None) -> dict[str, Any]:
    """A rule; `is_default`: whether its group is its project's `default` group."""
    return {"id": row.id, "security_group_id": row.security_group_id, "direction": row.direction,
            "ethertype": row.ethertype, "protocol": row.protocol, "port_range_min": row.port_range_min,
            "port_range_max": row.port_range_max, "remote_ip_prefix": row.remote_ip_prefix,
            "remote_group_id": row.remote_group_id, "remote_address_group_id": None,
            "normalized_cidr": row.remote_ip_prefix, "belongs_to_default_sg": is_default,
            "description": row.description, "created_at": timestamp(row.created_at),
            "updated_at": timestamp(row.updated_at), "revision_number": row.revision_number,
            "project_id": row.project_id, "tenant_id": row.project_id}


def security_group(row: SecurityGroup, rules: list[SecurityGroupRule], *, is_default: bool,
                   shared: bool = False) -> dict[str, Any]:
    """A group; `shared`: whether it is shared with the caller's project (RBAC)."""
    rendered = [security_group_rule(r, is_default=is_default) for r in rules]
    return {"id": row.id, "name": row.name, "stateful": row.stateful, "shared": shared,
            "security_group_rules": rendered, **_standard(row)}


def rbac_policy(row: RBACPolicy) -> dict[str, Any]:
    return {"id": row.id, "object_type": row.object_type, "object_id": row.object_id, "action": row.action,
            "target_tenant": row.target_project, "project_id": row.project_id, "tenant_id": row.project_id}


def subnetpool(row: SubnetPool) -> dict[str, Any]:
    return {"id": row.id, "name": row.name, "ip_version": row.ip_version, "prefixes": list(row.prefixes or []),
            "default_prefixlen": row.default_prefixlen, "min_prefixlen": row.min_prefixlen,
            "max_prefixlen": row.max_prefixlen, "is_default": row.is_default, "shared": row.shared,
            "address_scope_id": row.address_scope_id, "default_quota": row.default_quota, **_standard(row)}


def address_scope(row: AddressScope) -> dict[str, Any]:
    return {"id": row.id, "name": row.name, "ip_version": row.ip_version, "shared": row.shared,
            "project_id": row.project_id, "tenant_id": row.project_id}


def qos_policy(row: QosPolicy, rules: list[dict[str, Any]], *, shared: bool) -> dict[str, Any]:
    """A QoS policy; `shared` as it reads for the caller (RBAC)."""
    return {"id": row.id, "name": row.name, "shared": shared, "is_default": row.is_default, "rules": rules,
            **_standard(row)}


def _agent_time(value: Any) -> str:
    return str(value.strftime("%Y-%m-%d %H:%M:%S"))


def agent(row: Agent, configurations: dict[str, Any], *, heartbeat: Any, alive: bool) -> dict[str, Any]:
    """An agent as Neutron reports it (its times without a zone, as Neutron writes them)."""
    return {"id": row.id, "agent_type": row.agent_type, "binary": row.binary, "topic": row.topic,
            "host": row.host, "admin_state_up": row.admin_state_up, "alive": alive,
            "availability_zone": row.availability_zone, "description": row.description or None,
            "configurations": configurations, "created_at": _agent_time(row.created_at),
            "started_at": _agent_time(row.started_at), "heartbeat_timestamp": _agent_time(heartbeat),
            "resources_synced": None}


def version(base: str) -> dict[str, Any]:
    return {"id": "v2.0", "status": "CURRENT", "links": [{"rel": "self", "href": f"{base}/network/v2.0/"}]}


def extension(alias: str, name: str, description: str) -> dict[str, Any]:
    return {"alias": alias, "name": name, "description": description, "updated": "2013-01-01T10:00:00-00:00",
            "links": []}


def router_interface(router: Router, port: Port, subnet_ids: list[str]) -> dict[str, Any]:
    """The answer of add/remove_router_interface (Zed's has `tenant_id` and no `project_id`)."""
    return {"id": router.id, "subnet_id": subnet_ids[0] if subnet_ids else None, "subnet_ids": subnet_ids,
            "port_id": port.id, "network_id": port.network_id, "tenant_id": router.project_id}


def resources(base: str, collections: Mapping[str, str]) -> list[dict[str, Any]]:
    """`GET /v2.0`: one entry per collection (URL name -> resource key)."""
    return [{"name": key, "collection": name.rsplit("/", 1)[-1],
             "links": [{"rel": "self", "href": f"{base}/network/v2.0/{name}"}]} for name, key in collections.items()]


def next_links(collection: str, href: str) -> dict[str, list[dict[str, str]]]:
    """A page's `<collection>_links` when more pages follow."""
    return {f"{collection.replace('-', '_')}_links": [{"rel": "next", "href": href}]}


def quota(limits: Mapping[str, int]) -> dict[str, Any]:
    """A project's quota set: resource -> limit (-1 unlimited), in Neutron's order."""
    return render_set(limits)


def quota_details(limits: Mapping[str, int], used: Mapping[str, int]) -> dict[str, Any]:
    """`/quotas/{id}/details`: limit, used and reserved (always 0: the lab reserves nothing) per resource."""
    return render_set(limits, used=used, used_key="used")


def quota_list(limits_by_project: Mapping[str, Mapping[str, int]]) -> list[dict[str, Any]]:
    """`GET /v2.0/quotas`: the quota sets of the projects whose limits differ from the defaults."""
    return [render_set(limits, tail={"project_id": project_id, "tenant_id": project_id})
            for project_id, limits in limits_by_project.items()]
