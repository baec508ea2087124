"""Neutron's response shapes as JSON schemas, in the form of tempest's `tempest.lib.api_schema` modules
(`{"status_code": [...], "response_body": {...}}`).

tempest.lib ships response schemas for compute and volume only, none for networking (its network clients
check status codes alone). These are written from what tempest's network clients and tests assert (the
status codes of tempest/lib/services/network/*: 201 create, 200 show/list/update and router interfaces,
204 delete and tag checks; the attributes tempest/api/network/* reads) and from neutron-lib's API
definitions of the attributes of each resource and of the extensions the lab advertises. Every attribute
listed is required and no other is allowed, so a renderer that drops, renames or adds a field fails.
"""

from __future__ import annotations

from typing import Any

import httpx
import jsonschema

UUID = {"type": "string", "pattern": "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"}
NULLABLE_UUID = {"oneOf": [UUID, {"type": "null"}]}
STRING = {"type": "string"}
NULLABLE_STRING = {"type": ["string", "null"]}
STRINGS = {"type": "array", "items": STRING}
BOOLEAN = {"type": "boolean"}
TIME = {"type": "string", "format": "date-time"}
IP = {"type": "string", "anyOf": [{"format": "ipv4"}, {"format": "ipv6"}]}
NULLABLE_IP = {"oneOf": [IP, {"type": "null"}]}
CIDR = {"type": "string", "pattern": r"^[0-9a-fA-F.:]+/[0-9]{1,3}$"}
MAC = {"type": "string", "pattern": "^([0-9a-f]{2}:){5}[0-9a-f]{2}$"}
STATUS = {"type": "string", "enum": ["ACTIVE", "DOWN", "BUILD", "ERROR"]}
ROUTE = {"type": "object", "properties": {"destination": CIDR, "nexthop": IP},
         "required": ["destination", "nexthop"], "additionalProperties": False}
FIXED_IP = {"type": "object", "properties": {"subnet_id": UUID, "ip_address": IP},
            "required": ["subnet_id", "ip_address"], "additionalProperties": False}


def _object(properties: dict[str, Any], optional: tuple[str, ...] = ()) -> dict[str, Any]:
    return {"type": "object", "properties": properties,
            "required": [k for k in properties if k not in optional], "additionalProperties": False}


# The standard attributes (standard-attr-description, -tag, -timestamp, project-id).
STANDARD = {"description": STRING, "tags": STRINGS, "created_at": TIME, "updated_at": TIME,
            "revision_number": {"type": "integer", "minimum": 0}, "project_id": STRING, "tenant_id": STRING}
PROVIDER = ("provider:network_type", "provider:physical_network", "provider:segmentation_id")

network = _object({
    "id": UUID, "name": STRING, "status": STATUS, "admin_state_up": BOOLEAN, "shared": BOOLEAN,
    "router:external": BOOLEAN, "mtu": {"type": "integer", "minimum": 68}, "port_security_enabled": BOOLEAN,
    "subnets": {"type": "array", "items": UUID}, "availability_zone_hints": STRINGS, "availability_zones": STRINGS,
    "ipv4_address_scope": NULLABLE_UUID, "ipv6_address_scope": NULLABLE_UUID, "l2_adjacency": BOOLEAN,
    "is_default": BOOLEAN, "qos_policy_id": NULLABLE_UUID, "dns_domain": STRING, **STANDARD,
    # provider (admins only: get_network:provider:*)
    "provider:network_type": {"type": ["string", "null"], "enum": ["flat", "vlan", "vxlan", "local", None]},
    "provider:physical_network": NULLABLE_STRING,
    "provider:segmentation_id": {"type": ["integer", "null"]},
}, optional=PROVIDER)

subnet = _object({
    "id": UUID, "name": STRING, "network_id": UUID, "ip_version": {"type": "integer", "enum": [4, 6]},
    "cidr": CIDR, "gateway_ip": NULLABLE_IP,
    "allocation_pools": {"type": "array", "items": _object({"start": IP, "end": IP})},
    "dns_nameservers": {"type": "array", "items": IP}, "host_routes": {"type": "array", "items": ROUTE},
    "enable_dhcp": BOOLEAN,
    "ipv6_ra_mode": {"enum": ["slaac", "dhcpv6-stateful", "dhcpv6-stateless", None]},
    "ipv6_address_mode": {"enum": ["slaac", "dhcpv6-stateful", "dhcpv6-stateless", None]},
    "subnetpool_id": NULLABLE_UUID, "service_types": STRINGS, "segment_id": NULLABLE_UUID, **STANDARD,
})

port = _object({
    "id": UUID, "name": STRING, "network_id": UUID, "mac_address": MAC, "admin_state_up": BOOLEAN,
    "status": {"type": "string", "enum": ["ACTIVE", "DOWN", "BUILD", "ERROR", "N/A"]},
    "device_id": STRING, "device_owner": STRING, "fixed_ips": {"type": "array", "items": FIXED_IP},
    "security_groups": {"type": "array", "items": UUID},
    "allowed_address_pairs": {"type": "array", "items": _object({"ip_address": STRING, "mac_address": MAC})},
    "extra_dhcp_opts": {"type": "array"}, "port_security_enabled": BOOLEAN,
    "binding:vnic_type": {"type": "string", "enum": ["normal", "direct", "macvtap", "baremetal",
                                                      "direct-physical", "virtio-forwarder", "smart-nic", "vdpa",
                                                      "remote-managed"]},
    # binding (admins only: get_port:binding:*)
    "binding:host_id": STRING,
    "binding:vif_type": {"enum": ["unbound", "binding_failed", "bridge", "ovs", "other"]},
    "binding:vif_details": {"type": "object"}, "binding:profile": {"type": "object"},
    "qos_policy_id": NULLABLE_UUID, "qos_network_policy_id": NULLABLE_UUID,  # qos, qos-port-network-policy
    "dns_name": STRING, "dns_domain": STRING,  # dns-integration, dns-domain-ports
    "dns_assignment": {"type": "array", "items": _object({"ip_address": IP, "hostname": STRING, "fqdn": STRING})},
    **STANDARD,
}, optional=("binding:host_id", "binding:vif_type", "binding:vif_details", "binding:profile"))

gateway = {"oneOf": [{"type": "null"}, _object({
    "network_id": UUID, "enable_snat": BOOLEAN, "external_fixed_ips": {"type": "array", "items": FIXED_IP}})]}
router = _object({
    "id": UUID, "name": STRING, "status": STATUS, "admin_state_up": BOOLEAN, "external_gateway_info": gateway,
    "routes": {"type": "array", "items": ROUTE}, "distributed": BOOLEAN, "ha": BOOLEAN,
    "availability_zone_hints": STRINGS, "availability_zones": STRINGS, "flavor_id": NULLABLE_UUID, **STANDARD,
})
# Zed answers a router interface with `tenant_id` and no `project_id` (recorded: tests/parity/recordings).
router_interface = _object({
    "id": UUID, "subnet_id": UUID, "subnet_ids": {"type": "array", "items": UUID, "minItems": 1},
    "port_id": UUID, "network_id": UUID, "tenant_id": STRING,
})

# floating-ip-port-forwarding (+ -description); a floating IP shows a summary of each (expose-...-in-fip)
PORT_NUMBER = {"type": "integer", "minimum": 1, "maximum": 65535}
PROTOCOL = {"enum": ["tcp", "udp", "udplite", "dccp"]}
port_forwarding = _object({"id": UUID, "internal_port_id": UUID, "internal_ip_address": IP,
                           "internal_port": PORT_NUMBER, "external_port": PORT_NUMBER, "protocol": PROTOCOL,
                           "description": STRING})
floatingip = _object({
    "id": UUID, "floating_ip_address": IP, "floating_network_id": UUID, "router_id": NULLABLE_UUID,
    "port_id": NULLABLE_UUID, "fixed_ip_address": NULLABLE_IP, "status": STATUS,
    "port_details": {"type": ["object", "null"]},
    "port_forwardings": {"type": "array", "items": _object({
        "protocol": PROTOCOL, "internal_ip_address": IP, "internal_port": PORT_NUMBER,
        "external_port": PORT_NUMBER})},
    "qos_policy_id": NULLABLE_UUID, "dns_name": STRING, "dns_domain": STRING, **STANDARD,
})

security_group_rule = _object({
    "id": UUID, "security_group_id": UUID, "direction": {"enum": ["ingress", "egress"]},
    "ethertype": {"enum": ["IPv4", "IPv6"]}, "protocol": NULLABLE_STRING,
    "port_range_min": {"type": ["integer", "null"]}, "port_range_max": {"type": ["integer", "null"]},
    "remote_ip_prefix": {"oneOf": [CIDR, {"type": "null"}]}, "remote_group_id": NULLABLE_UUID,
    "remote_address_group_id": NULLABLE_UUID, "normalized_cidr": {"oneOf": [CIDR, {"type": "null"}]},
    "belongs_to_default_sg": BOOLEAN, "description": STRING, "created_at": TIME, "updated_at": TIME,
    "revision_number": {"type": "integer", "minimum": 0}, "project_id": STRING, "tenant_id": STRING,
})
security_group = _object({
    "id": UUID, "name": STRING, "stateful": BOOLEAN, "shared": BOOLEAN,
    "security_group_rules": {"type": "array", "items": security_group_rule}, **STANDARD,
})

AGENT_TIME = {"type": "string", "pattern": r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$"}
agent = _object({
    "id": UUID, "agent_type": {"enum": ["DHCP agent", "L3 agent", "Metadata agent", "Linux bridge agent"]},
    "binary": STRING, "topic": STRING, "host": STRING, "admin_state_up": BOOLEAN, "alive": BOOLEAN,
    "availability_zone": NULLABLE_STRING, "description": NULLABLE_STRING, "configurations": {"type": "object"},
    "created_at": AGENT_TIME, "started_at": AGENT_TIME, "heartbeat_timestamp": AGENT_TIME,
    "resources_synced": {"type": ["boolean", "null"]},
})
rbac_policy = _object({
    "id": UUID, "object_type": {"enum": ["network", "security_group", "qos_policy"]}, "object_id": UUID,
    "action": {"enum": ["access_as_shared", "access_as_external"]}, "target_tenant": STRING,
    "project_id": STRING, "tenant_id": STRING,
})
subnetpool = _object({
    "id": UUID, "name": STRING, "ip_version": {"enum": [4, 6]}, "prefixes": {"type": "array", "items": CIDR},
    "default_prefixlen": {"type": "integer"}, "min_prefixlen": {"type": "integer"},
    "max_prefixlen": {"type": "integer"}, "is_default": BOOLEAN, "shared": BOOLEAN,
    "address_scope_id": NULLABLE_UUID, "default_quota": {"type": ["integer", "null"]}, **STANDARD,
})
address_scope = _object({"id": UUID, "name": STRING, "ip_version": {"enum": [4, 6]}, "shared": BOOLEAN,
                         "project_id": STRING, "tenant_id": STRING})
COUNT = {"type": "integer", "minimum": 0}
ip_availability = _object({
    "network_id": UUID, "network_name": STRING, "project_id": STRING, "tenant_id": STRING, "total_ips": COUNT,
    "used_ips": COUNT, "subnet_ip_availability": {"type": "array", "items": _object({
        "subnet_id": UUID, "subnet_name": STRING, "cidr": CIDR, "ip_version": {"enum": [4, 6]},
        "total_ips": COUNT, "used_ips": COUNT})},
})

QUOTA_NAMES = ("network", "subnet", "port", "router", "floatingip", "security_group", "security_group_rule",
               "rbac_policy", "subnetpool")
LIMIT = {"type": "integer", "minimum": -1}
quota = _object({name: LIMIT for name in QUOTA_NAMES})
quota_details = _object({name: _object({"limit": LIMIT, "used": {"type": "integer", "minimum": 0},
                                        "reserved": {"type": "integer", "minimum": 0}}) for name in QUOTA_NAMES})
quota_of_project = _object({**{name: LIMIT for name in QUOTA_NAMES}, "project_id": STRING, "tenant_id": STRING})

extension = _object({"alias": STRING, "name": STRING, "description": STRING, "updated": STRING,
                     "links": {"type": "array"}})
LINKS = {"type": "array", "items": _object({"rel": STRING, "href": STRING})}
# QoS (neutron-lib's api/definitions/qos.py, qos_bw_limit_direction.py, qos_rule_type_details.py): a rule
# as its own resource has its attributes only; inside a policy's `rules` it also names its type and policy.
KBPS = {"type": "integer", "minimum": 0}
DIRECTION = {"enum": ["egress", "ingress"]}
bandwidth_limit_rule = _object({"id": UUID, "max_kbps": KBPS, "max_burst_kbps": KBPS, "direction": DIRECTION})
dscp_marking_rule = _object({"id": UUID, "dscp_mark": {"type": "integer", "minimum": 0, "maximum": 56}})
minimum_bandwidth_rule = _object({"id": UUID, "min_kbps": KBPS, "direction": {"enum": ["egress"]}})
qos_policy_rule = {"oneOf": [
    _object({**bandwidth_limit_rule["properties"], "qos_policy_id": UUID, "type": {"const": "bandwidth_limit"}}),
    _object({**dscp_marking_rule["properties"], "qos_policy_id": UUID, "type": {"const": "dscp_marking"}}),
    _object({**minimum_bandwidth_rule["properties"], "qos_policy_id": UUID,
             "type": {"const": "minimum_bandwidth"}})]}
qos_policy = _object({"id": UUID, "name": STRING, "shared": BOOLEAN, "is_default": BOOLEAN,
                      "rules": {"type": "array", "items": qos_policy_rule}, **STANDARD})
rule_type = _object({"type": {"enum": ["bandwidth_limit", "dscp_marking"]}})
rule_type_details = _object({"type": STRING, "drivers": {"type": "array", "items": _object({
    "name": STRING, "supported_parameters": {"type": "array", "items": _object({
        "parameter_name": STRING, "parameter_type": {"enum": ["range", "choices"]},
        "parameter_values": {"type": ["object", "array"]}})}})}})

version = _object({"id": STRING, "status": {"enum": ["CURRENT", "SUPPORTED", "DEPRECATED"]}, "links": LINKS})


def one(key: str, body: dict[str, Any], status: tuple[int, ...] = (200,)) -> dict[str, Any]:
    return {"status_code": list(status), "response_body": _object({key: body})}


def many(key: str, body: dict[str, Any]) -> dict[str, Any]:
    links = f"{key}_links"
    return {"status_code": [200], "response_body": _object(
        {key: {"type": "array", "items": body}, links: LINKS}, optional=(links,))}


NO_BODY = {"status_code": [204]}
SCHEMAS: dict[str, dict[str, Any]] = {
    "list_versions": {"status_code": [200], "response_body": _object({"versions": {"type": "array",
                                                                                   "items": version}})},
    "list_extensions": many("extensions", extension), "show_extension": one("extension", extension),
    **{f"{verb}_{name}": one(name, body, (201,) if verb == "create" else (200,))
       for name, body in (("network", network), ("subnet", subnet), ("port", port), ("router", router),
                          ("floatingip", floatingip), ("security_group", security_group),
                          ("security_group_rule", security_group_rule))
       for verb in ("create", "show", "update")},
    **{f"list_{name}s": many(f"{name}s", body)
       for name, body in (("network", network), ("subnet", subnet), ("port", port), ("router", router),
                          ("floatingip", floatingip), ("security_group", security_group),
                          ("security_group_rule", security_group_rule))},
    **{f"{verb}_{name}": one(name, body, (201,) if verb == "create" else (200,))
       for name, body in (("rbac_policy", rbac_policy), ("subnetpool", subnetpool),
                          ("address_scope", address_scope))
       for verb in ("create", "show", "update")},
    "list_rbac_policies": many("rbac_policies", rbac_policy), "list_subnetpools": many("subnetpools", subnetpool),
    "list_address_scopes": many("address_scopes", address_scope),
    "list_agents": many("agents", agent), "show_agent": one("agent", agent), "update_agent": one("agent", agent),
    "list_dhcp_agents_hosting_network": {"status_code": [200], "response_body": _object(
        {"agents": {"type": "array", "items": agent}})},
    "list_network_ip_availabilities": many("network_ip_availabilities", ip_availability),
    "show_network_ip_availability": one("network_ip_availability", ip_availability),
    "bulk_create_networks": {"status_code": [201], "response_body": _object(
        {"networks": {"type": "array", "items": network}})},
    "add_router_interface": {"status_code": [200], "response_body": router_interface},
    "remove_router_interface": {"status_code": [200], "response_body": router_interface},
    "delete": NO_BODY, "check_tag": NO_BODY,
    "create_tag": {"status_code": [201]},
    "list_tags": {"status_code": [200], "response_body": _object({"tags": STRINGS})},
    "show_quotas": one("quota", quota), "update_quotas": one("quota", quota),
    "show_default_quotas": one("quota", quota), "show_quota_details": one("quota", quota_details),
    "list_quotas": {"status_code": [200], "response_body": _object(
        {"quotas": {"type": "array", "items": quota_of_project}})},
    "reset_quotas": NO_BODY,
    # tempest.lib's qos_client and qos_limit_bandwidth_rules_client (and the DSCP rule alike)
    **{f"{verb}_qos_policy": one("policy", qos_policy, (201,) if verb == "create" else (200,))
       for verb in ("create", "show", "update")},
    "list_qos_policies": many("policies", qos_policy),
    **{f"{verb}_{name}": one(name, body, (201,) if verb == "create" else (200,))
       for name, body in (("bandwidth_limit_rule", bandwidth_limit_rule), ("dscp_marking_rule", dscp_marking_rule),
                          ("minimum_bandwidth_rule", minimum_bandwidth_rule))
       for verb in ("create", "show", "update")},
    "list_bandwidth_limit_rules": many("bandwidth_limit_rules", bandwidth_limit_rule),
    "list_rule_types": {"status_code": [200], "response_body": _object(
        {"rule_types": {"type": "array", "items": rule_type}})},
    "show_rule_type": one("rule_type", rule_type_details),
    # tempest.lib's floating_ips_port_forwarding_client
    **{f"{verb}_port_forwarding": one("port_forwarding", port_forwarding, (201,) if verb == "create" else (200,))
       for verb in ("create", "show", "update")},
    "list_port_forwardings": many("port_forwardings", port_forwarding),
}


def assert_network_schema(name: str, response: httpx.Response) -> None:
    """`response` is what Neutron answers for tempest's network client call `name` (see SCHEMAS)."""
    wanted = SCHEMAS[name]
    assert response.status_code in wanted["status_code"], (name, response.status_code, response.text[:500])
    if "response_body" in wanted:
        jsonschema.validate(response.json(), wanted["response_body"], cls=jsonschema.Draft4Validator,
                            format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)
    else:
        assert response.content == b"", (name, response.text[:200])
