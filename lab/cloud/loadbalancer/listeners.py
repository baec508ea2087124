"""Listeners: a protocol and port on a load balancer's VIP (HTTP, HTTPS passthrough, TCP, UDP; TERMINATED_HTTPS
needs a certificate store the lab has not), with an optional default pool. Each change takes the load balancer's
lock (common.lock) and is settled by the worker."""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lab.cloud.context import RequestContext
from lab.cloud.errors import Conflict
from lab.cloud.loadbalancer import quotas
from lab.cloud.loadbalancer import schemas as S
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
from lab.cloud.loadbalancer.models import L7Policy, L7Rule, Listener, LoadBalancer, Pool

if TYPE_CHECKING:
    from lab.cloud.loadbalancer.service import LoadBalancerService

L4 = {"UDP": "UDP"}  # every other listener protocol rides on TCP


def check_pool_protocol(listener_protocol: str, pool_protocol: str) -> None:
    if pool_protocol not in S.LISTENER_POOL_PROTOCOLS.get(listener_protocol, ()):
        raise validation(f"The pool protocol '{pool_protocol}' is invalid while the listener protocol is "
                         f"'{listener_protocol}'.")


def _default_pool(db: Session, lb: LoadBalancer, pool_id: str | None, protocol: str) -> str | None:
    if pool_id is None:
        return None
    pool = db.get(Pool, pool_id)
    if pool is None or pool.loadbalancer_id != lb.id:
        raise not_found(Pool, pool_id)
    check_pool_protocol(protocol, pool.protocol)
    return pool.id


def _same_family(lb: LoadBalancer, attrs: dict[str, Any]) -> None:
    """Octavia refuses an allowed CIDR of another IP version than the VIP's (haproxy could never match it)."""
    vip = ipaddress.ip_address(lb.vip_address) if lb.vip_address else None
    for cidr in attrs.get("allowed_cidrs") or []:
        network = ipaddress.ip_network(str(cidr), strict=False)
        if vip is not None and network.version != vip.version:
            raise validation(f"CIDR {cidr} IP version incompatible with VIP {lb.vip_address} IP version.")


def _options(attrs: dict[str, Any], protocol: str) -> dict[str, Any]:
    if protocol == "TERMINATED_HTTPS" or attrs.get("default_tls_container_ref") or attrs.get("sni_container_refs"):
        raise validation("Certificate container references are not supported by this cloud (it has no key "
                         "manager): use an HTTPS listener (TLS passthrough) instead.")
    if attrs.get("insert_headers") and protocol not in ("HTTP",):
        raise validation(f"The following headers are not supported by the {protocol} protocol: insert_headers")
    for cidr in attrs.get("allowed_cidrs") or []:
        try:
            ipaddress.ip_network(str(cidr), strict=False)
        except ValueError:
            raise S.W.refuse("allowed_cidrs", cidr, "format", types="IPv4 or IPv6 CIDR") from None
    return {key: attrs[key] for key in ("name", "description", "admin_state_up", "connection_limit",
                                        "insert_headers", "allowed_cidrs", "tags") if attrs.get(key) is not None}


def create(svc: LoadBalancerService, ctx: RequestContext, attrs: dict[str, Any]) -> dict[str, Any]:
    """POST /listeners."""

    def make(db: Session) -> dict[str, Any]:
        lb = db.get(LoadBalancer, attrs["loadbalancer_id"])
        if lb is None:  # another project's: the policy check below answers 403, as Octavia's
            raise invalid_subresource("Load Balancer", attrs["loadbalancer_id"])
        project_id = lb.project_id  # Octavia gives a listener its load balancer's project
        svc.cloud.policy.enforce(ctx, "os_load-balancer_api:listener:post", project_id)
        protocol, port = attrs["protocol"], attrs["protocol_port"]
        options = _options(attrs, protocol)
        _same_family(lb, attrs)
        quotas.check(svc.cloud, db, project_id, "listener")
        for other in db.scalars(select(Listener).where(Listener.loadbalancer_id == lb.id)):
            if other.protocol_port == port and L4.get(other.protocol, "TCP") == L4.get(protocol, "TCP"):
                raise Conflict(f"Another Listener on this Load Balancer is already using protocol_port {port}")
        default_pool_id = _default_pool(db, lb, attrs.get("default_pool_id"), protocol)
        lock(db, lb)
        listener = Listener(project_id=project_id, loadbalancer_id=lb.id, protocol=protocol, protocol_port=port,
                            default_pool_id=default_pool_id, provisioning_status=PENDING_CREATE,
                            timeouts={k: attrs[k] for k in S.TIMEOUTS if attrs.get(k) is not None},
                            created_at=svc.cloud.clock.now(), **options)
        db.add(listener)
        db.flush()
        settle_later(svc.cloud, db, lb.id)
        return svc.rendered(db, [listener])[0]

    return svc.write(make)


def update(svc: LoadBalancerService, ctx: RequestContext, listener_id: str, attrs: dict[str, Any]) -> dict[str, Any]:
    def change(db: Session) -> dict[str, Any]:
        listener = find(db, ctx, Listener, listener_id)
        svc.cloud.policy.enforce(ctx, "os_load-balancer_api:listener:put", listener.project_id)
        lb = db.get(LoadBalancer, listener.loadbalancer_id)
        assert lb is not None
        options = _options(attrs, listener.protocol)
        _same_family(lb, attrs)
        if "default_pool_id" in attrs:
            listener.default_pool_id = _default_pool(db, lb, attrs["default_pool_id"], listener.protocol)
        lock(db, lb)
        for key, value in options.items():
            setattr(listener, key, value)
        listener.timeouts = {**(listener.timeouts or {}),
                             **{k: attrs[k] for k in S.TIMEOUTS if attrs.get(k) is not None}}
        listener.provisioning_status = PENDING_UPDATE
        settle_later(svc.cloud, db, lb.id)
        return svc.rendered(db, [listener])[0]

    return svc.write(change)


def delete(svc: LoadBalancerService, ctx: RequestContext, listener_id: str) -> None:
    """DELETE /listeners/{id}: with its L7 policies and their rules (its default pool stays)."""

    def mark(db: Session) -> None:
        listener = find(db, ctx, Listener, listener_id)
        svc.cloud.policy.enforce(ctx, "os_load-balancer_api:listener:delete", listener.project_id)
        lb = db.get(LoadBalancer, listener.loadbalancer_id)
        assert lb is not None
        lock(db, lb)
        for policy in db.scalars(select(L7Policy).where(L7Policy.listener_id == listener.id)):
            policy.provisioning_status = PENDING_DELETE
            for rule in db.scalars(select(L7Rule).where(L7Rule.l7policy_id == policy.id)):
                rule.provisioning_status = PENDING_DELETE
        listener.provisioning_status = PENDING_DELETE
        settle_later(svc.cloud, db, lb.id)

    svc.write(mark)
