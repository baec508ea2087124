"""Pools (ROUND_ROBIN, LEAST_CONNECTIONS, SOURCE_IP; session persistence) and their members (weights,
admin_state_up, backup, monitor address; the batch update that replaces a pool's members). A member's address
is checked against its subnet, as Octavia's network driver checks it. Each change takes the load balancer's
lock (common.lock) and is settled by the worker."""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lab.cloud.context import RequestContext
from lab.cloud.errors import BadRequest, Conflict
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
from lab.cloud.loadbalancer.listeners import check_pool_protocol
from lab.cloud.loadbalancer.models import HealthMonitor, L7Policy, Listener, LoadBalancer, Member, Pool

if TYPE_CHECKING:
    from lab.cloud.loadbalancer.service import LoadBalancerService


def _persistence(value: Any, protocol: str) -> dict[str, Any] | None:
    if value is None or value == {}:
        return None
    sp = S.attributes(value, "session_persistence", S.SESSION_PERSISTENCE)
    if sp["type"] == "APP_COOKIE" and not sp.get("cookie_name"):
        raise validation('Field "cookie_name" must be specified when using the "APP_COOKIE" session '
                         'persistence type.')
    if sp["type"] != "APP_COOKIE" and sp.get("cookie_name"):
        raise validation('Field "cookie_name" can only be specified with session persistence of type '
                         '"APP_COOKIE".')
    if protocol == "UDP" and sp["type"] != "SOURCE_IP":
        raise validation(f"Session persistence of type {sp['type']} is not supported for UDP/SCTP protocol pools.")
    if protocol != "UDP" and (sp.get("persistence_timeout") or sp.get("persistence_granularity")):
        raise validation("persistence_timeout and persistence_granularity is only for UDP and SCTP protocol pools.")
    return {k: v for k, v in sp.items() if v is not None}


def create_pool(svc: LoadBalancerService, ctx: RequestContext, attrs: dict[str, Any]) -> dict[str, Any]:
    """POST /pools: on a load balancer, or on a listener as its default pool."""
    if attrs.get("healthmonitor") or attrs.get("members"):
        raise validation("Single-call creation of a pool's members or health monitor is not supported by this "
                         "cloud: create them after the pool.")

    def make(db: Session) -> dict[str, Any]:
        listener = None
        if attrs.get("listener_id"):
            listener = db.get(Listener, attrs["listener_id"])
            if listener is None:  # another project's: the policy check below answers 403, as Octavia's
                raise invalid_subresource("Listener", attrs["listener_id"])
            lb_id = listener.loadbalancer_id
        elif attrs.get("loadbalancer_id"):
            lb_id = attrs["loadbalancer_id"]
        else:
            raise validation("Must provide at least one of: loadbalancer_id, listener_id")
        lb = db.get(LoadBalancer, lb_id)
        if lb is None:  # another project's: the policy check below answers 403, as Octavia's
            raise invalid_subresource("Load Balancer", lb_id)
        if listener is not None and listener.loadbalancer_id != lb.id:
            raise validation("Listener and Load Balancer do not belong to the same load balancer.")
        project_id = lb.project_id  # Octavia gives a pool its load balancer's project
        svc.cloud.policy.enforce(ctx, "os_load-balancer_api:pool:post", project_id)
        if listener is not None:
            check_pool_protocol(listener.protocol, attrs["protocol"])
        sp = _persistence(attrs.get("session_persistence"), attrs["protocol"])
        quotas.check(svc.cloud, db, project_id, "pool")
        if listener is not None and listener.default_pool_id:
            raise Conflict("This listener already has a default pool")
        lock(db, lb)
        pool = Pool(project_id=project_id, loadbalancer_id=lb.id, name=attrs.get("name") or "",
                    description=attrs.get("description") or "", admin_state_up=attrs.get("admin_state_up") is not False,
                    protocol=attrs["protocol"], lb_algorithm=attrs["lb_algorithm"], session_persistence=sp,
                    tls_enabled=bool(attrs.get("tls_enabled")), tags=attrs.get("tags") or [],
                    provisioning_status=PENDING_CREATE, created_at=svc.cloud.clock.now())
        db.add(pool)
        db.flush()
        if listener is not None:
            listener.default_pool_id = pool.id
            listener.provisioning_status = PENDING_UPDATE
        settle_later(svc.cloud, db, lb.id)
        return svc.rendered(db, [pool])[0]

    return svc.write(make)


def update_pool(svc: LoadBalancerService, ctx: RequestContext, pool_id: str, attrs: dict[str, Any]) -> dict[str, Any]:
    def change(db: Session) -> dict[str, Any]:
        pool = find(db, ctx, Pool, pool_id)
        svc.cloud.policy.enforce(ctx, "os_load-balancer_api:pool:put", pool.project_id)
        lb = db.get(LoadBalancer, pool.loadbalancer_id)
        assert lb is not None
        if "session_persistence" in attrs:
            pool.session_persistence = _persistence(attrs["session_persistence"], pool.protocol)
        lock(db, lb)
        for key in ("name", "description", "admin_state_up", "lb_algorithm", "tags", "tls_enabled"):
            if attrs.get(key) is not None:
                setattr(pool, key, attrs[key])
        pool.provisioning_status = PENDING_UPDATE
        settle_later(svc.cloud, db, lb.id)
        return svc.rendered(db, [pool])[0]

    return svc.write(change)


def delete_pool(svc: LoadBalancerService, ctx: RequestContext, pool_id: str) -> None:
    """DELETE /pools/{id}: with its members and health monitor; refused while an L7 policy redirects to it."""

    def mark(db: Session) -> None:
        pool = find(db, ctx, Pool, pool_id)
        svc.cloud.policy.enforce(ctx, "os_load-balancer_api:pool:delete", pool.project_id)
        policy = db.scalar(select(L7Policy).where(L7Policy.redirect_pool_id == pool.id))
        if policy is not None:
            raise Conflict(f"Pool {pool.id} is in use by L7 policy {policy.id}")
        lb = db.get(LoadBalancer, pool.loadbalancer_id)
        assert lb is not None
        lock(db, lb)
        for member in db.scalars(select(Member).where(Member.pool_id == pool.id)):
            member.provisioning_status = PENDING_DELETE
        for monitor in db.scalars(select(HealthMonitor).where(HealthMonitor.pool_id == pool.id)):
            monitor.provisioning_status = PENDING_DELETE
        pool.provisioning_status = PENDING_DELETE
        settle_later(svc.cloud, db, lb.id)

    svc.write(mark)


# ---------------------------------------------------------------------------------------------- members
def _pool_for_change(svc: LoadBalancerService, db: Session, ctx: RequestContext, pool_id: str,
                     rule: str) -> tuple[Pool, LoadBalancer]:
    pool = find(db, ctx, Pool, pool_id)
    svc.cloud.policy.enforce(ctx, f"os_load-balancer_api:member:{rule}", pool.project_id)
    lb = db.get(LoadBalancer, pool.loadbalancer_id)
    assert lb is not None
    return pool, lb


def _check_address(svc: LoadBalancerService, db: Session, ctx: RequestContext, lb: LoadBalancer,
                   attrs: dict[str, Any]) -> None:
    """A member's subnet must exist (Octavia's 400) and hold its address; without a subnet, the VIP's is meant."""
    subnet_id = attrs.get("subnet_id")
    address = ipaddress.ip_address(attrs["address"])
    if address.is_multicast or address.is_unspecified or address.is_loopback:
        raise validation(f"The IP Address {address} is invalid.")
    if subnet_id is None:
        return
    found = svc.cloud.network.subnet_cidr(db, ctx, subnet_id)
    if found is None:
        raise invalid_subresource("Subnet", subnet_id)
    if address not in ipaddress.ip_network(found[1], strict=False):
        raise validation(f"The member address {address} is not on subnet {subnet_id} ({found[1]}).")


def _new_member(svc: LoadBalancerService, db: Session, pool: Pool, attrs: dict[str, Any]) -> Member:
    if db.scalar(select(Member.id).where(Member.pool_id == pool.id, Member.address == attrs["address"],
                                         Member.protocol_port == attrs["protocol_port"])):
        raise Conflict(f"Another member on this pool is already using ip {attrs['address']} on protocol_port "
                       f"{attrs['protocol_port']}")
    member = Member(project_id=pool.project_id, pool_id=pool.id, name=attrs.get("name") or "",
                    admin_state_up=attrs.get("admin_state_up") is not False, address=attrs["address"],
                    protocol_port=attrs["protocol_port"],
                    weight=1 if attrs.get("weight") is None else attrs["weight"], backup=bool(attrs.get("backup")),
                    subnet_id=attrs.get("subnet_id"),
                    monitor_address=attrs.get("monitor_address"), monitor_port=attrs.get("monitor_port"),
                    tags=attrs.get("tags") or [], provisioning_status=PENDING_CREATE, created_at=svc.cloud.clock.now())
    db.add(member)
    db.flush()
    return member


def create_member(svc: LoadBalancerService, ctx: RequestContext, pool_id: str, attrs: dict[str, Any]) -> dict[str, Any]:
    """POST /pools/{pool_id}/members."""

    def make(db: Session) -> dict[str, Any]:
        pool, lb = _pool_for_change(svc, db, ctx, pool_id, "post")
        _check_address(svc, db, ctx, lb, attrs)
        quotas.check(svc.cloud, db, pool.project_id, "member")
        lock(db, lb)
        member = _new_member(svc, db, pool, attrs)
        pool.provisioning_status = PENDING_UPDATE
        settle_later(svc.cloud, db, lb.id)
        return svc.rendered(db, [member])[0]

    return svc.write(make)


def update_member(svc: LoadBalancerService, ctx: RequestContext, pool_id: str, member_id: str,
                  attrs: dict[str, Any]) -> dict[str, Any]:
    def change(db: Session) -> dict[str, Any]:
        pool, lb = _pool_for_change(svc, db, ctx, pool_id, "put")
        member = find(db, ctx, Member, member_id)
        if member.pool_id != pool.id:
            raise not_found(Member, member_id)
        lock(db, lb)
        for key in ("name", "admin_state_up", "weight", "backup", "monitor_address", "monitor_port", "tags"):
            if key in attrs and (attrs[key] is not None or key in ("monitor_address", "monitor_port")):
                setattr(member, key, attrs[key])
        member.provisioning_status = PENDING_UPDATE
        settle_later(svc.cloud, db, lb.id)
        return svc.rendered(db, [member])[0]

    return svc.write(change)


def delete_member(svc: LoadBalancerService, ctx: RequestContext, pool_id: str, member_id: str) -> None:
    def mark(db: Session) -> None:
        pool, lb = _pool_for_change(svc, db, ctx, pool_id, "delete")
        member = find(db, ctx, Member, member_id)
        if member.pool_id != pool.id:
            raise not_found(Member, member_id)
        lock(db, lb)
        member.provisioning_status = PENDING_DELETE
        pool.provisioning_status = PENDING_UPDATE
        settle_later(svc.cloud, db, lb.id)

    svc.write(mark)


def batch_update_members(svc: LoadBalancerService, ctx: RequestContext, pool_id: str,
                         members: list[dict[str, Any]], additive_only: bool) -> None:
    """PUT /pools/{pool_id}/members: the pool's members become the list (matched by address and port: new ones
    created, listed ones updated, the others deleted unless `additive_only`), in one change."""

    def replace(db: Session) -> None:
        pool, lb = _pool_for_change(svc, db, ctx, pool_id, "put")
        current = {(m.address, m.protocol_port): m for m in db.scalars(select(Member).where(Member.pool_id == pool.id))}
        wanted: dict[tuple[str, int], dict[str, Any]] = {}
        for attrs in members:
            if (attrs["address"], attrs["protocol_port"]) in wanted:
                raise BadRequest("Invalid input for field/attribute members. Duplicate members in the request.")
            _check_address(svc, db, ctx, lb, attrs)
            wanted[(attrs["address"], attrs["protocol_port"])] = attrs
        new = [key for key in wanted if key not in current]
        quotas.check(svc.cloud, db, pool.project_id, "member", len(new))
        lock(db, lb)
        for key, member in current.items():
            if key in wanted:
                attrs = wanted[key]
                for name in ("name", "admin_state_up", "weight", "backup", "monitor_address", "monitor_port", "tags"):
                    if attrs.get(name) is not None:
                        setattr(member, name, attrs[name])
                member.provisioning_status = PENDING_UPDATE
            elif not additive_only:
                member.provisioning_status = PENDING_DELETE
        for key in new:
            _new_member(svc, db, pool, wanted[key])
        pool.provisioning_status = PENDING_UPDATE
        settle_later(svc.cloud, db, lb.id)

    svc.write(replace)
