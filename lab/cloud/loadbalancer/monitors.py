"""Health monitors (HTTP, HTTPS, TCP, PING, UDP-CONNECT; one per pool) and L7 policies with their rules
(REJECT, REDIRECT_TO_URL, REDIRECT_PREFIX, REDIRECT_TO_POOL on HTTP listeners). Each change takes the load
balancer's lock (common.lock) and is settled by the worker."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lab.cloud.context import RequestContext
from lab.cloud.errors import Conflict
from lab.cloud.loadbalancer import quotas
from lab.cloud.loadbalancer.common import (
    PENDING_CREATE,
    PENDING_DELETE,
    PENDING_UPDATE,
    find,
    invalid_subresource,
    lock,
    not_found,
    settle_later,
    validation,
)
from lab.cloud.loadbalancer.listeners import check_pool_protocol
from lab.cloud.loadbalancer.models import HealthMonitor, L7Policy, L7Rule, Listener, LoadBalancer, Pool

if TYPE_CHECKING:
    from lab.cloud.loadbalancer.service import LoadBalancerService

HTTP_TYPES = ("HTTP", "HTTPS")
# Which monitor types a pool of each protocol can have (UDP pools: UDP-CONNECT, and since Ussuri HTTP and TCP).
POOL_MONITORS = {"UDP": ("UDP-CONNECT", "HTTP", "TCP", "PING")}
MAX_RULES = 50
# Octavia bounds the timeout by the delay only for UDP pools (_validate_healthmonitor_request_for_udp).
_UDP_DELAY = ("The request delay value {delay} should be larger than the request timeout value {timeout} for UDP "
              "health monitor type.")


def _http_fields(kind: str, attrs: dict[str, Any]) -> dict[str, Any]:
    if kind not in HTTP_TYPES:
        for key in ("http_method", "url_path", "expected_codes"):
            if attrs.get(key) is not None:
                raise validation(f"{key} is not a valid option for health monitors of type {kind}")
        return {}
    if attrs.get("url_path") is not None and not str(attrs["url_path"]).startswith("/"):
        raise validation(f"Not a valid URLPath: {attrs['url_path']}")
    if attrs.get("domain_name") and attrs.get("http_version") != 1.1:
        raise validation("'http_version' must be specified when 'domain_name' is provided.")
    return {key: attrs[key] for key in ("http_method", "url_path", "expected_codes", "http_version", "domain_name")
            if attrs.get(key) is not None}


def create_monitor(svc: LoadBalancerService, ctx: RequestContext, attrs: dict[str, Any]) -> dict[str, Any]:
    """POST /healthmonitors: the pool's one monitor (from now on its members' servers are checked)."""

    def make(db: Session) -> dict[str, Any]:
        pool = db.get(Pool, attrs["pool_id"])
        if pool is None:  # another project's: the policy check below answers 403, as Octavia's
            raise invalid_subresource("Pool", attrs["pool_id"])
        svc.cloud.policy.enforce(ctx, "os_load-balancer_api:healthmonitor:post", pool.project_id)
        kind = attrs["type"]
        if kind not in POOL_MONITORS.get(pool.protocol, (*HTTP_TYPES, "PING", "TCP", "TLS-HELLO")):
            raise validation(f"The associated pool protocol is {pool.protocol}, so only a "
                             f"{', '.join(POOL_MONITORS.get(pool.protocol, ()))} health monitor is supported.")
        if pool.protocol == "UDP" and attrs["timeout"] >= attrs["delay"]:
            raise validation(_UDP_DELAY.format(delay=attrs["delay"], timeout=attrs["timeout"]))
        http = _http_fields(kind, attrs)
        if kind in HTTP_TYPES:
            http = {"http_method": "GET", "url_path": "/", "expected_codes": "200", **http}
        quotas.check(svc.cloud, db, pool.project_id, "health_monitor")
        if db.scalar(select(HealthMonitor.id).where(HealthMonitor.pool_id == pool.id)):
            raise Conflict("This pool already has a health monitor")
        lb = db.get(LoadBalancer, pool.loadbalancer_id)
        assert lb is not None
        lock(db, lb)
        monitor = HealthMonitor(project_id=pool.project_id, pool_id=pool.id, name=attrs.get("name") or "",
                                admin_state_up=attrs.get("admin_state_up") is not False, type=kind,
                                delay=attrs["delay"], timeout=attrs["timeout"], max_retries=attrs["max_retries"],
                                max_retries_down=attrs.get("max_retries_down") or 3, tags=attrs.get("tags") or [],
                                provisioning_status=PENDING_CREATE, created_at=svc.cloud.clock.now(), **http)
        db.add(monitor)
        pool.provisioning_status = PENDING_UPDATE
        db.flush()
        settle_later(svc.cloud, db, lb.id)
        return svc.rendered(db, [monitor])[0]

    return svc.write(make)


def _monitor_lb(svc: LoadBalancerService, db: Session, ctx: RequestContext, monitor_id: str,
                rule: str) -> tuple[HealthMonitor, LoadBalancer]:
    monitor = find(db, ctx, HealthMonitor, monitor_id)
    svc.cloud.policy.enforce(ctx, f"os_load-balancer_api:healthmonitor:{rule}", monitor.project_id)
    pool = db.get(Pool, monitor.pool_id)
    lb = db.get(LoadBalancer, pool.loadbalancer_id) if pool else None
    assert lb is not None
    return monitor, lb


def update_monitor(svc: LoadBalancerService, ctx: RequestContext, monitor_id: str,
                   attrs: dict[str, Any]) -> dict[str, Any]:
    def change(db: Session) -> dict[str, Any]:
        monitor, lb = _monitor_lb(svc, db, ctx, monitor_id, "put")
        http = _http_fields(monitor.type, attrs)
        delay, timeout = attrs.get("delay") or monitor.delay, attrs.get("timeout") or monitor.timeout
        pool = db.get(Pool, monitor.pool_id)
        if pool is not None and pool.protocol == "UDP" and timeout >= delay:
            raise validation(_UDP_DELAY.format(delay=delay, timeout=timeout))
        lock(db, lb)
        for key in ("name", "admin_state_up", "delay", "timeout", "max_retries", "max_retries_down", "tags"):
            if attrs.get(key) is not None:
                setattr(monitor, key, attrs[key])
        for key, value in http.items():
            setattr(monitor, key, value)
        monitor.provisioning_status = PENDING_UPDATE
        settle_later(svc.cloud, db, lb.id)
        return svc.rendered(db, [monitor])[0]

    return svc.write(change)


def delete_monitor(svc: LoadBalancerService, ctx: RequestContext, monitor_id: str) -> None:
    def mark(db: Session) -> None:
        monitor, lb = _monitor_lb(svc, db, ctx, monitor_id, "delete")
        lock(db, lb)
        monitor.provisioning_status = PENDING_DELETE
        settle_later(svc.cloud, db, lb.id)

    svc.write(mark)


# ---------------------------------------------------------------------------------------------- L7
def _policy_fields(db: Session, listener: Listener, attrs: dict[str, Any], action: str) -> dict[str, Any]:
    out: dict[str, Any] = {"redirect_pool_id": None, "redirect_url": None, "redirect_prefix": None,
                           "redirect_http_code": None}
    if listener.protocol not in ("HTTP", "TERMINATED_HTTPS"):
        raise validation(f"L7 policies are not supported on {listener.protocol} listeners.")
    if action == "REDIRECT_TO_POOL":
        pool_id = attrs.get("redirect_pool_id")
        if not pool_id:
            raise validation("Invalid L7 Policy arguments: redirect_pool_id must not be None for action "
                             "REDIRECT_TO_POOL")
        pool = db.get(Pool, pool_id)
        if pool is None or pool.loadbalancer_id != listener.loadbalancer_id:
            raise invalid_subresource("Pool", pool_id)
        check_pool_protocol(listener.protocol, pool.protocol)
        out["redirect_pool_id"] = pool.id
    elif action == "REDIRECT_TO_URL":
        url = attrs.get("redirect_url")
        if not url or not re.match(r"^https?://[^\s/]+", url):
            raise validation(f"Invalid L7 Policy arguments: Not a valid URL: {url}")
        out["redirect_url"], out["redirect_http_code"] = url, attrs.get("redirect_http_code") or 302
    elif action == "REDIRECT_PREFIX":
        prefix = attrs.get("redirect_prefix")
        if not prefix or not re.match(r"^https?://[^\s/]+", prefix):
            raise validation(f"Invalid L7 Policy arguments: Not a valid URL: {prefix}")
        out["redirect_prefix"], out["redirect_http_code"] = prefix, attrs.get("redirect_http_code") or 302
    return out


def _listener_lb(db: Session, listener: Listener) -> LoadBalancer:
    lb = db.get(LoadBalancer, listener.loadbalancer_id)
    assert lb is not None
    return lb


def create_policy(svc: LoadBalancerService, ctx: RequestContext, attrs: dict[str, Any]) -> dict[str, Any]:
    """POST /l7policies."""

    def make(db: Session) -> dict[str, Any]:
        listener = db.get(Listener, attrs["listener_id"])
        if listener is None:  # another project's: the policy check below answers 403, as Octavia's
            raise invalid_subresource("Listener", attrs["listener_id"])
        svc.cloud.policy.enforce(ctx, "os_load-balancer_api:l7policy:post", listener.project_id)
        fields = _policy_fields(db, listener, attrs, attrs["action"])
        quotas.check(svc.cloud, db, listener.project_id, "l7policy")
        lb = _listener_lb(db, listener)
        lock(db, lb)
        others = list(db.scalars(select(L7Policy).where(L7Policy.listener_id == listener.id)
                                 .order_by(L7Policy.position)))
        position = min(attrs.get("position") or len(others) + 1, len(others) + 1)
        for other in others:  # Octavia keeps positions 1..n: the new one pushes the later ones down
            if other.position >= position:
                other.position += 1
        policy = L7Policy(project_id=listener.project_id, listener_id=listener.id, name=attrs.get("name") or "",
                          description=attrs.get("description") or "",
                          admin_state_up=attrs.get("admin_state_up") is not False, action=attrs["action"],
                          position=position, tags=attrs.get("tags") or [], provisioning_status=PENDING_CREATE,
                          created_at=svc.cloud.clock.now(), **fields)
        db.add(policy)
        listener.provisioning_status = PENDING_UPDATE
        db.flush()
        settle_later(svc.cloud, db, lb.id)
        return svc.rendered(db, [policy])[0]

    return svc.write(make)


def update_policy(svc: LoadBalancerService, ctx: RequestContext, policy_id: str,
                  attrs: dict[str, Any]) -> dict[str, Any]:
    def change(db: Session) -> dict[str, Any]:
        policy = find(db, ctx, L7Policy, policy_id)
        svc.cloud.policy.enforce(ctx, "os_load-balancer_api:l7policy:put", policy.project_id)
        listener = db.get(Listener, policy.listener_id)
        assert listener is not None
        action = attrs.get("action") or policy.action
        current = {"redirect_pool_id": policy.redirect_pool_id, "redirect_url": policy.redirect_url,
                   "redirect_prefix": policy.redirect_prefix, "redirect_http_code": policy.redirect_http_code}
        fields = _policy_fields(db, listener, {**current, **attrs}, action)
        lb = _listener_lb(db, listener)
        lock(db, lb)
        for key in ("name", "description", "admin_state_up", "tags"):
            if attrs.get(key) is not None:
                setattr(policy, key, attrs[key])
        if attrs.get("position") is not None:  # Octavia's ordered list: positions stay 1..n
            order = [p for p in db.scalars(select(L7Policy).where(L7Policy.listener_id == listener.id)
                                           .order_by(L7Policy.position, L7Policy.created_at)) if p.id != policy.id]
            order.insert(min(attrs["position"], len(order) + 1) - 1, policy)
            for n, row in enumerate(order, 1):
                row.position = n
        policy.action = action
        for key, value in fields.items():
            setattr(policy, key, value)
        policy.provisioning_status = PENDING_UPDATE
        settle_later(svc.cloud, db, lb.id)
        return svc.rendered(db, [policy])[0]

    return svc.write(change)


def delete_policy(svc: LoadBalancerService, ctx: RequestContext, policy_id: str) -> None:
    def mark(db: Session) -> None:
        policy = find(db, ctx, L7Policy, policy_id)
        svc.cloud.policy.enforce(ctx, "os_load-balancer_api:l7policy:delete", policy.project_id)
        listener = db.get(Listener, policy.listener_id)
        assert listener is not None
        lock(db, _listener_lb(db, listener))
        for rule in db.scalars(select(L7Rule).where(L7Rule.l7policy_id == policy.id)):
            rule.provisioning_status = PENDING_DELETE
        policy.provisioning_status = PENDING_DELETE
        settle_later(svc.cloud, db, listener.loadbalancer_id)

    svc.write(mark)


def _rule_fields(attrs: dict[str, Any]) -> None:
    kind, compare = attrs.get("type"), attrs.get("compare_type")
    if kind in ("HEADER", "COOKIE") and not attrs.get("key"):
        raise validation(f"L7Rule: key must be specified for rules of type {kind}")
    if kind == "FILE_TYPE" and compare not in ("REGEX", "EQUAL_TO"):
        raise validation("L7Rule: FILE_TYPE rules must use the REGEX or EQUAL_TO compare type")
    if compare == "REGEX":
        try:
            re.compile(str(attrs.get("value")))
        except re.error as exc:
            raise validation(f"L7Rule: Unable to parse regular expression: {exc}") from None
    if kind == "PATH" and compare != "REGEX" and not str(attrs.get("value", "")).startswith("/"):
        raise validation("L7Rule: PATH rules must start with a /")


def create_rule(svc: LoadBalancerService, ctx: RequestContext, policy_id: str, attrs: dict[str, Any]) -> dict[str, Any]:
    """POST /l7policies/{id}/rules."""

    def make(db: Session) -> dict[str, Any]:
        policy = find(db, ctx, L7Policy, policy_id)
        svc.cloud.policy.enforce(ctx, "os_load-balancer_api:l7rule:post", policy.project_id)
        _rule_fields(attrs)
        quotas.check(svc.cloud, db, policy.project_id, "l7rule")
        if len(list(db.scalars(select(L7Rule.id).where(L7Rule.l7policy_id == policy.id)))) >= MAX_RULES:
            raise Conflict(f"Too many rules on L7 policy {policy.id}")
        listener = db.get(Listener, policy.listener_id)
        assert listener is not None
        lb = _listener_lb(db, listener)
        lock(db, lb)
        rule = L7Rule(project_id=policy.project_id, l7policy_id=policy.id, type=attrs["type"],
                      compare_type=attrs["compare_type"], key=attrs.get("key"), value=attrs["value"],
                      invert=bool(attrs.get("invert")), admin_state_up=attrs.get("admin_state_up") is not False,
                      tags=attrs.get("tags") or [], provisioning_status=PENDING_CREATE,
                      created_at=svc.cloud.clock.now())
        db.add(rule)
        policy.provisioning_status = PENDING_UPDATE
        db.flush()
        settle_later(svc.cloud, db, lb.id)
        return svc.rendered(db, [rule])[0]

    return svc.write(make)


def _rule_lb(svc: LoadBalancerService, db: Session, ctx: RequestContext, policy_id: str, rule_id: str,
             verb: str) -> tuple[L7Rule, LoadBalancer]:
    policy = find(db, ctx, L7Policy, policy_id)
    rule = find(db, ctx, L7Rule, rule_id)
    if rule.l7policy_id != policy.id:
        raise not_found(L7Rule, rule_id)
    svc.cloud.policy.enforce(ctx, f"os_load-balancer_api:l7rule:{verb}", rule.project_id)
    listener = db.get(Listener, policy.listener_id)
    assert listener is not None
    return rule, _listener_lb(db, listener)


def update_rule(svc: LoadBalancerService, ctx: RequestContext, policy_id: str, rule_id: str,
                attrs: dict[str, Any]) -> dict[str, Any]:
    def change(db: Session) -> dict[str, Any]:
        rule, lb = _rule_lb(svc, db, ctx, policy_id, rule_id, "put")
        merged = {"type": rule.type, "compare_type": rule.compare_type, "key": rule.key, "value": rule.value,
                  **{k: v for k, v in attrs.items() if v is not None}}
        _rule_fields(merged)
        lock(db, lb)
        for key in ("type", "compare_type", "key", "value", "invert", "admin_state_up", "tags"):
            if attrs.get(key) is not None:
                setattr(rule, key, attrs[key])
        rule.provisioning_status = PENDING_UPDATE
        settle_later(svc.cloud, db, lb.id)
        return svc.rendered(db, [rule])[0]

    return svc.write(change)


def delete_rule(svc: LoadBalancerService, ctx: RequestContext, policy_id: str, rule_id: str) -> None:
    def mark(db: Session) -> None:
        rule, lb = _rule_lb(svc, db, ctx, policy_id, rule_id, "delete")
        lock(db, lb)
        rule.provisioning_status = PENDING_DELETE
        settle_later(svc.cloud, db, lb.id)

    svc.write(mark)
