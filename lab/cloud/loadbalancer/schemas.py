"""Load balancing's wire shapes: request validation as Octavia's WSME types do it (unknown attributes, types,
enums, ranges and mandatory fields are 400s with WSME's wording: lab/cloud/validation.py's checks and its
`WSME` wording), and the response renderers (Octavia's
`*Response` types: every attribute present, null when unset).
"""

from __future__ import annotations

import ipaddress
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from lab.cloud import validation as V
from lab.cloud.loadbalancer.common import Graph
from lab.cloud.loadbalancer.models import HealthMonitor, L7Policy, L7Rule, Listener, LoadBalancer, Member, Pool
from lab.cloud.quotas import render_set

LISTENER_PROTOCOLS = ("HTTP", "HTTPS", "TCP", "UDP", "TERMINATED_HTTPS")
POOL_PROTOCOLS = ("HTTP", "HTTPS", "TCP", "UDP", "PROXY", "PROXYV2")
LB_ALGORITHMS = ("ROUND_ROBIN", "LEAST_CONNECTIONS", "SOURCE_IP", "SOURCE_IP_PORT")
SP_TYPES = ("SOURCE_IP", "HTTP_COOKIE", "APP_COOKIE")
HM_TYPES = ("HTTP", "HTTPS", "PING", "TCP", "TLS-HELLO", "UDP-CONNECT")
HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "DELETE", "TRACE", "OPTIONS", "PATCH", "CONNECT")
L7_ACTIONS = ("REJECT", "REDIRECT_TO_URL", "REDIRECT_TO_POOL", "REDIRECT_PREFIX")
L7_RULE_TYPES = ("HOST_NAME", "PATH", "FILE_TYPE", "HEADER", "COOKIE", "SSL_CONN_HAS_CERT",
                 "SSL_VERIFY_RESULT", "SSL_DN_FIELD")
L7_COMPARE_TYPES = ("REGEX", "STARTS_WITH", "ENDS_WITH", "CONTAINS", "EQUAL_TO")
# Which pool protocols a listener of each protocol can send to (Octavia's VALID_LISTENER_POOL_PROTOCOL_MAP).
LISTENER_POOL_PROTOCOLS = {
    "TCP": ("HTTP", "HTTPS", "PROXY", "PROXYV2", "TCP"), "HTTP": ("HTTP", "PROXY", "PROXYV2"),
    "HTTPS": ("HTTPS", "PROXY", "PROXYV2", "TCP"), "TERMINATED_HTTPS": ("HTTP", "PROXY", "PROXYV2"),
    "UDP": ("UDP",),
}
MAX_TIMEOUT = 24 * 24 * 60 * 60 * 1000
TIMEOUTS = {"timeout_client_data": 50000, "timeout_member_connect": 5000, "timeout_member_data": 50000,
            "timeout_tcp_inspect": 0}


W = V.WSME
Spec = Mapping[str, V.Attr]


def _parsed(parse: Callable[[str], object], reason: str) -> V.Check[str]:
    """A string that `parse` accepts (a UUID, an IP address), kept as given; WSME's `reason` when not."""
    def check(w: V.Wording, name: str, value: Any) -> str:
        V.string(max_len=None)(w, name, value)
        try:
            parse(value)
        except ValueError:
            raise w.bad(name, value, reason) from None
        return str(value)
    return check


_uuid = _parsed(uuid.UUID, "Invalid UUID value")
_ip = _parsed(ipaddress.ip_address, "Value should be IPv4 or IPv6 format")


def _tags(w: V.Wording, name: str, value: Any) -> list[str]:
    if not (isinstance(value, list) and all(isinstance(t, str) and len(t) <= 255 for t in value)):
        raise w.bad(name, value, "Value should be a list of strings")
    return value


def _float(choices: tuple[Any, ...]) -> V.Check[Any]:
    def check(w: V.Wording, name: str, value: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, int | float) or (choices and float(value) not in choices):
            raise w.bad(name, value, "Value should be one of: " + ", ".join(str(c) for c in choices))
        return value
    return check


def _list(w: V.Wording, name: str, value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise w.refuse(name, value, "type", types=w.types(list))
    return value


def _present(inner: V.Check[Any]) -> V.Check[Any]:
    """A mandatory attribute: null is as missing (WSME's "Mandatory field missing.")."""
    def check(w: V.Wording, name: str, value: Any) -> Any:
        if value is None:
            raise w.refuse(name, None, "required")
        return inner(w, name, value)
    return check


def F(kind: str, mandatory: bool = False, choices: tuple[Any, ...] = (), minimum: int | None = None,
      maximum: int | None = None, max_length: int = 255) -> V.Attr:
    """One attribute of a request type, as Octavia's WSME types declare it: its kind ("str", "int", "bool",
    "uuid", "ip", "enum", "tags", "dict", "float", "list", "object", "any"), whether it is mandatory, and its
    bounds; any attribute may be null unless mandatory."""
    check: V.Check[Any] = {
        "str": V.string(max_len=max_length), "int": V.integer(minimum, maximum, strings=True),
        "bool": V.boolean(), "uuid": _uuid, "ip": _ip, "enum": V.one_of(*choices), "tags": _tags,
        "float": _float(choices), "list": _list, "dict": V.obj, "object": V.obj, "any": V.anything}[kind]
    return V.Attr(_present(check) if mandatory else V.nullable(check), required=mandatory)


def parse(body: Any, key: str, spec: Spec) -> dict[str, Any]:
    """`body[key]` checked against `spec`: the attributes given (explicit nulls included)."""
    if not isinstance(body, dict) or key not in body:
        raise W.refuse(key, None, "required")
    return attributes(body[key], key, spec)


def attributes(obj: Any, key: str, spec: Spec) -> dict[str, Any]:
    return V.parse_object(W, spec, obj, key, table_order=True)


def _port(mandatory: bool = False) -> V.Attr:
    return F("int", mandatory, minimum=1, maximum=65535)


LB_CREATE = {
    "name": F("str"), "description": F("str"), "admin_state_up": F("bool"), "vip_address": F("ip"),
    "vip_port_id": F("uuid"), "vip_subnet_id": F("uuid"), "vip_network_id": F("uuid"), "vip_qos_policy_id": F("uuid"),
    "project_id": F("str", max_length=36), "tenant_id": F("str", max_length=36), "provider": F("str", max_length=64),
    "tags": F("tags"), "flavor_id": F("uuid"), "availability_zone": F("str"), "listeners": F("list"),
    "pools": F("list"), "vip_sg_ids": F("list"), "additional_vips": F("list"),
}
LB_UPDATE = {"name": F("str"), "description": F("str"), "admin_state_up": F("bool"), "tags": F("tags"),
             "vip_qos_policy_id": F("uuid")}
_TIMEOUT_FIELDS = {name: F("int", minimum=0, maximum=MAX_TIMEOUT) for name in TIMEOUTS}
LISTENER_UPDATE = {
    "name": F("str"), "description": F("str"), "admin_state_up": F("bool"),
    "connection_limit": F("int", minimum=-1), "default_pool_id": F("uuid"), "insert_headers": F("dict"),
    "tags": F("tags"), "allowed_cidrs": F("list"), "default_tls_container_ref": F("str"),
    "sni_container_refs": F("list"), **_TIMEOUT_FIELDS,
}
LISTENER_CREATE = {
    **LISTENER_UPDATE, "protocol": F("enum", True, LISTENER_PROTOCOLS), "protocol_port": _port(True),
    "loadbalancer_id": F("uuid", True), "project_id": F("str", max_length=36), "tenant_id": F("str", max_length=36),
}
POOL_UPDATE = {"name": F("str"), "description": F("str"), "admin_state_up": F("bool"),
               "lb_algorithm": F("enum", choices=LB_ALGORITHMS), "session_persistence": F("any"),
               "tags": F("tags"), "tls_enabled": F("bool")}
POOL_CREATE = {
    **POOL_UPDATE, "protocol": F("enum", True, POOL_PROTOCOLS), "lb_algorithm": F("enum", True, LB_ALGORITHMS),
    "listener_id": F("uuid"), "loadbalancer_id": F("uuid"), "project_id": F("str", max_length=36),
    "tenant_id": F("str", max_length=36), "healthmonitor": F("object"), "members": F("list"),
}
SESSION_PERSISTENCE = {"type": F("enum", True, SP_TYPES), "cookie_name": F("str"),
                       "persistence_timeout": F("int"), "persistence_granularity": F("ip")}
MEMBER_UPDATE = {"name": F("str"), "admin_state_up": F("bool"), "weight": F("int", minimum=0, maximum=256),
                 "backup": F("bool"), "monitor_port": _port(), "monitor_address": F("ip"), "tags": F("tags")}
MEMBER_CREATE = {**MEMBER_UPDATE, "address": F("ip", True), "protocol_port": _port(True),
                 "subnet_id": F("uuid"), "project_id": F("str", max_length=36), "tenant_id": F("str", max_length=36),
                 "request_sriov": F("bool")}
HM_UPDATE = {
    "name": F("str"), "delay": F("int", minimum=0), "timeout": F("int", minimum=0),
    "max_retries": F("int", minimum=1, maximum=10), "max_retries_down": F("int", minimum=1, maximum=10),
    "http_method": F("enum", choices=HTTP_METHODS), "url_path": F("str"), "expected_codes": F("str"),
    "admin_state_up": F("bool"), "tags": F("tags"), "http_version": F("float", choices=(1.0, 1.1)),
    "domain_name": F("str"),
}
HM_CREATE = {**HM_UPDATE, "type": F("enum", True, HM_TYPES), "delay": F("int", True, minimum=0),
             "timeout": F("int", True, minimum=0), "max_retries": F("int", True, minimum=1, maximum=10),
             "pool_id": F("uuid", True), "project_id": F("str", max_length=36),
             "tenant_id": F("str", max_length=36)}
L7POLICY_UPDATE = {
    "name": F("str"), "description": F("str"), "admin_state_up": F("bool"), "action": F("enum", choices=L7_ACTIONS),
    "redirect_pool_id": F("uuid"), "redirect_url": F("str"), "redirect_prefix": F("str"),
    "redirect_http_code": F("enum", choices=(301, 302, 303, 307, 308)), "position": F("int", minimum=1),
    "tags": F("tags"),
}
L7POLICY_CREATE = {**L7POLICY_UPDATE, "action": F("enum", True, L7_ACTIONS), "listener_id": F("uuid", True),
                   "project_id": F("str", max_length=36), "tenant_id": F("str", max_length=36), "rules": F("list")}
L7RULE_UPDATE = {"type": F("enum", choices=L7_RULE_TYPES), "compare_type": F("enum", choices=L7_COMPARE_TYPES),
                 "key": F("str"), "value": F("str"), "invert": F("bool"), "admin_state_up": F("bool"),
                 "tags": F("tags")}
L7RULE_CREATE = {**L7RULE_UPDATE, "type": F("enum", True, L7_RULE_TYPES),
                 "compare_type": F("enum", True, L7_COMPARE_TYPES), "value": F("str", True),
                 "project_id": F("str", max_length=36), "tenant_id": F("str", max_length=36)}
QUOTA_NAMES = ("loadbalancer", "load_balancer", "listener", "member", "pool", "healthmonitor", "health_monitor",
               "l7policy", "l7rule")
QUOTA_UPDATE = {name: F("int", minimum=-1, maximum=2000000000) for name in QUOTA_NAMES}


# ---------------------------------------------------------------------------------------------- rendering
def ts(dt: datetime | None) -> str | None:
    """Octavia's timestamps: ISO 8601 without a zone (WSME's datetime)."""
    return None if dt is None else dt.strftime("%Y-%m-%dT%H:%M:%S")


def _ids(rows: list[Any]) -> list[dict[str, str]]:
    return [{"id": r.id} for r in rows]


def _common(row: Any, ops: Mapping[str, str]) -> dict[str, Any]:
    return {"id": row.id, "project_id": row.project_id, "tenant_id": row.project_id,
            "provisioning_status": row.provisioning_status, "operating_status": ops.get(row.id, "OFFLINE"),
            "admin_state_up": row.admin_state_up, "created_at": ts(row.created_at), "updated_at": ts(row.updated_at),
            "tags": list(row.tags or [])}


def loadbalancer(lb: LoadBalancer, g: Graph, ops: Mapping[str, str]) -> dict[str, Any]:
    return {**_common(lb, ops), "name": lb.name, "description": lb.description, "vip_address": lb.vip_address,
            "vip_port_id": lb.vip_port_id, "vip_subnet_id": lb.vip_subnet_id or None,
            "vip_network_id": lb.vip_network_id, "vip_qos_policy_id": None, "vip_sg_ids": [],
            "vip_vnic_type": "normal", "additional_vips": [], "provider": lb.provider, "flavor_id": None,
            "availability_zone": None, "listeners": _ids(g.listeners_of(lb.id)), "pools": _ids(g.pools_of(lb.id))}


def listener(li: Listener, g: Graph, ops: Mapping[str, str]) -> dict[str, Any]:
    timeouts = {**TIMEOUTS, **(li.timeouts or {})}
    return {**_common(li, ops), "name": li.name, "description": li.description, "protocol": li.protocol,
            "protocol_port": li.protocol_port, "connection_limit": li.connection_limit,
            "default_tls_container_ref": None, "sni_container_refs": [], "default_pool_id": li.default_pool_id,
            "l7policies": _ids(g.policies_of(li.id)), "insert_headers": dict(li.insert_headers or {}),
            "loadbalancers": [{"id": li.loadbalancer_id}], **timeouts, "client_ca_tls_container_ref": None,
            "client_authentication": "NONE", "client_crl_container_ref": None,
            "allowed_cidrs": list(li.allowed_cidrs) if li.allowed_cidrs else None, "tls_ciphers": None,
            "tls_versions": None, "alpn_protocols": None, "hsts_max_age": None, "hsts_include_subdomains": False,
            "hsts_preload": False}


def pool(p: Pool, g: Graph, ops: Mapping[str, str]) -> dict[str, Any]:
    monitor = g.monitors.get(p.id)
    return {**_common(p, ops), "name": p.name, "description": p.description, "protocol": p.protocol,
            "lb_algorithm": p.lb_algorithm, "session_persistence": _persistence(p.session_persistence),
            "loadbalancers": [{"id": p.loadbalancer_id}], "listeners": _ids(g.pool_listeners(p.id)),
            "healthmonitor_id": monitor.id if monitor else None, "members": _ids(g.members_of(p.id)),
            "tls_container_ref": None, "ca_tls_container_ref": None, "crl_container_ref": None,
            "tls_enabled": p.tls_enabled, "tls_ciphers": None, "tls_versions": None, "alpn_protocols": None}


def _persistence(sp: dict[str, Any] | None) -> dict[str, Any] | None:
    if not sp:
        return None
    return {"type": sp["type"], "cookie_name": sp.get("cookie_name"),
            "persistence_timeout": sp.get("persistence_timeout"),
            "persistence_granularity": sp.get("persistence_granularity")}


def member(m: Member, ops: Mapping[str, str]) -> dict[str, Any]:
    return {**_common(m, ops), "name": m.name, "address": m.address, "protocol_port": m.protocol_port,
            "weight": m.weight, "backup": m.backup, "subnet_id": m.subnet_id, "monitor_address": m.monitor_address,
            "monitor_port": m.monitor_port, "vnic_type": "normal"}


def healthmonitor(hm: HealthMonitor, ops: Mapping[str, str]) -> dict[str, Any]:
    http = hm.type in ("HTTP", "HTTPS")
    return {**_common(hm, ops), "name": hm.name, "type": hm.type, "delay": hm.delay, "timeout": hm.timeout,
            "max_retries": hm.max_retries, "max_retries_down": hm.max_retries_down,
            "http_method": hm.http_method if http else None, "url_path": hm.url_path if http else None,
            "expected_codes": hm.expected_codes if http else None, "http_version": hm.http_version,
            "domain_name": hm.domain_name, "pools": [{"id": hm.pool_id}]}


def l7policy(p: L7Policy, g: Graph, ops: Mapping[str, str]) -> dict[str, Any]:
    return {**_common(p, ops), "name": p.name, "description": p.description, "listener_id": p.listener_id,
            "action": p.action, "position": p.position, "redirect_pool_id": p.redirect_pool_id,
            "redirect_url": p.redirect_url, "redirect_prefix": p.redirect_prefix,
            "redirect_http_code": p.redirect_http_code, "rules": _ids(g.rules_of(p.id))}


def l7rule(r: L7Rule, ops: Mapping[str, str]) -> dict[str, Any]:
    return {**_common(r, ops), "type": r.type, "compare_type": r.compare_type, "key": r.key, "value": r.value,
            "invert": r.invert}


def status_tree(lb: LoadBalancer, g: Graph, ops: Mapping[str, str]) -> dict[str, Any]:
    """GET /loadbalancers/{id}/status: the load balancer, its listeners, their pools, members and monitors."""

    def st(row: Any, **extra: Any) -> dict[str, Any]:
        return {"id": row.id, "name": getattr(row, "name", "") or "", "provisioning_status": row.provisioning_status,
                "operating_status": ops.get(row.id, "OFFLINE"), **extra}

    def pool_status(p: Pool) -> dict[str, Any]:
        out = st(p, members=[st(m, address=m.address, protocol_port=m.protocol_port) for m in g.members_of(p.id)])
        monitor = g.monitors.get(p.id)
        if monitor is not None:
            out["health_monitor"] = st(monitor, type=monitor.type)
        return out

    listeners = []
    for li in g.listeners_of(lb.id):
        pools = [p for p in g.pools_of(lb.id) if li in g.pool_listeners(p.id)]
        listeners.append(st(li, pools=[pool_status(p) for p in pools]))
    return {"statuses": {"loadbalancer": st(lb, listeners=listeners)}}


def stats(row: LoadBalancer | Listener, active: int = 0) -> dict[str, Any]:
    return {"stats": {"bytes_in": row.bytes_in, "bytes_out": row.bytes_out, "active_connections": active,
                      "total_connections": row.total_connections, "request_errors": row.request_errors}}


QUOTA_ORDER = ("load_balancer", "listener", "member", "pool", "health_monitor", "l7policy", "l7rule")
QUOTA_ALIASES = {"loadbalancer": "load_balancer", "healthmonitor": "health_monitor"}  # older spellings


def quota(limits: Mapping[str, int], project_id: str | None = None) -> dict[str, Any]:
    """Octavia answers both spellings of two names (`load_balancer` and the older `loadbalancer`)."""
    return render_set({name: limits[name] for name in QUOTA_ORDER}, aliases=QUOTA_ALIASES,
                      tail={} if project_id is None else {"project_id": project_id})
