"""Load balancers: create (the VIP port on the given subnet or network, made in the API call as Octavia makes
it, so a bad subnet or a full one fails at once), update, delete (refused with children unless `cascade`),
failover; and the worker job that settles every pending object of a load balancer.

The `loadbalancer.apply` job is idempotent: whatever is PENDING_CREATE or PENDING_UPDATE becomes ACTIVE,
whatever is PENDING_DELETE is removed (a load balancer with its VIP port and every object on it). A killed
process leaves the job in the table, and the next start runs it.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from lab.cloud import events
from lab.cloud.context import RequestContext
from lab.cloud.errors import CloudError, Conflict, NotFound
from lab.cloud.loadbalancer import quotas
from lab.cloud.loadbalancer.common import (
    ACTIVE,
    APPLY,
    DEVICE_OWNER,
    ERROR,
    PENDING_CREATE,
    PENDING_DELETE,
    PENDING_UPDATE,
    Graph,
    find,
    invalid_subresource,
    pending_state,
    settle_later,
    validation,
)
from lab.cloud.loadbalancer.models import LoadBalancer
from lab.cloud.worker import Jobs, JobSpec, job

if TYPE_CHECKING:
    from lab.cloud.app import Cloud
    from lab.cloud.loadbalancer.service import LoadBalancerService

# The providers this cloud offers (GET /providers): both names reach the same simulated driver.
PROVIDERS = {"amphora": "The Octavia Amphora driver.", "octavia": "Deprecated alias of the Octavia Amphora driver."}
JOBS: Jobs = {}


def owner_project(ctx: RequestContext, attrs: dict[str, Any]) -> str:
    """The project a new object belongs to: the caller's, or (an operator) the one named in the body."""
    wanted = attrs.get("project_id") or attrs.get("tenant_id")
    if wanted and wanted != ctx.project_id and ctx.is_admin:
        return str(wanted)
    if ctx.project_id is None:
        raise validation("Missing project ID in request where one is required.")
    return ctx.project_id


def create(svc: LoadBalancerService, ctx: RequestContext, attrs: dict[str, Any]) -> dict[str, Any]:
    """POST /loadbalancers."""
    cloud = svc.cloud
    project_id = owner_project(ctx, attrs)
    cloud.policy.enforce(ctx, "os_load-balancer_api:loadbalancer:post", project_id)
    cloud.billing.check_can_create(ctx, "loadbalancer")  # a prepaid project with no balance left: 402
    if attrs.get("vip_port_id"):
        raise validation("use of vip_port_id is disallowed by this deployment's configuration.")
    if not (attrs.get("vip_subnet_id") or attrs.get("vip_network_id")):
        raise BadVip()
    provider = attrs.get("provider") or "amphora"
    if provider not in PROVIDERS:
        raise validation(f"Provider '{provider}' is not enabled.")
    if attrs.get("flavor_id"):
        raise invalid_subresource("Flavor", attrs["flavor_id"])
    if attrs.get("listeners") or attrs.get("pools"):
        raise validation("Single-call creation of a load balancer tree is not supported by this cloud: create "
                         "the listeners and pools after the load balancer.")

    def make(db: Session) -> dict[str, Any]:
        quotas.check(cloud, db, project_id, "load_balancer")
        subnet_id, network_id = attrs.get("vip_subnet_id"), attrs.get("vip_network_id")
        if subnet_id is not None:
            found = cloud.network.subnet_cidr(db, ctx, subnet_id)
            if found is None:
                raise invalid_subresource("Subnet", subnet_id)
            if network_id is not None and found[0] != network_id:
                raise validation(f"Subnet {subnet_id} is not on network {network_id}.")
        now = cloud.clock.now()
        lb = LoadBalancer(project_id=project_id, name=attrs.get("name") or "",
                          description=attrs.get("description") or "",
                          admin_state_up=attrs.get("admin_state_up", True) is not False,
                          provider=provider, tags=attrs.get("tags") or [], created_at=now)
        db.add(lb)
        db.flush()
        try:
            port = cloud.network.create_service_port(
                db, ctx, project_id, device_owner=DEVICE_OWNER, device_id=f"lb-{lb.id}",
                name=f"octavia-lb-{lb.id}", network_id=network_id, subnet_id=subnet_id,
                ip_address=attrs.get("vip_address"))
        except NotFound:
            raise invalid_subresource("Network", str(network_id)) from None
        except Conflict as exc:
            raise Conflict(f"The VIP IP address is already in use: {exc.message}"
                           if attrs.get("vip_address") else exc.message) from None
        lb.vip_port_id, lb.vip_network_id = port.id, port.network_id
        lb.vip_subnet_id, lb.vip_address = port.subnet_id, port.ip_address
        events.record(db, now, project_id=project_id, user_id=ctx.user_id, resource_type="loadbalancer",
                      resource_id=lb.id, action="create", name=lb.name, vip_address=lb.vip_address)
        # Building an amphora takes a while on a real cloud: the lab's boot time stands in for it.
        settle_later(cloud, db, lb.id, delay=cloud.settings.boot_seconds)
        return svc.rendered(db, [lb])[0]

    return svc.write(make)


class BadVip(CloudError):
    code, title = 400, "Bad Request"

    def __init__(self) -> None:
        super().__init__("Validation failure: VIP must contain one of: vip_port_id, vip_network_id, vip_subnet_id.")


def update(svc: LoadBalancerService, ctx: RequestContext, lb_id: str, attrs: dict[str, Any]) -> dict[str, Any]:
    """PUT /loadbalancers/{id}: name, description, admin_state_up, tags (PENDING_UPDATE until the worker)."""

    def change(db: Session) -> dict[str, Any]:
        lb = find(db, ctx, LoadBalancer, lb_id)
        svc.cloud.policy.enforce(ctx, "os_load-balancer_api:loadbalancer:put", lb.project_id)
        if lb.provisioning_status != ACTIVE:
            raise pending_state(lb)
        for key in ("name", "description", "admin_state_up", "tags"):
            if key in attrs and attrs[key] is not None:
                setattr(lb, key, attrs[key])
        lb.provisioning_status = PENDING_UPDATE
        lb.updated_at = svc.cloud.clock.now()
        settle_later(svc.cloud, db, lb.id)
        return svc.rendered(db, [lb])[0]

    return svc.write(change)


def delete(svc: LoadBalancerService, ctx: RequestContext, lb_id: str, cascade: bool) -> None:
    """DELETE /loadbalancers/{id}[?cascade=true]: PENDING_DELETE (with everything on it, when cascading)."""

    def mark(db: Session) -> None:
        lb = find(db, ctx, LoadBalancer, lb_id)
        svc.cloud.policy.enforce(ctx, "os_load-balancer_api:loadbalancer:delete", lb.project_id)
        g = Graph.load(db, [lb.id])
        if (g.listeners or g.pools) and not cascade:
            raise validation(f"Cannot delete Load Balancer {lb.id} - it has children")
        if lb.provisioning_status not in (ACTIVE, ERROR):
            raise pending_state(lb)
        for rows in (g.listeners, g.pools, g.members, g.monitors, g.policies, g.rules):
            for row in rows.values():
                row.provisioning_status = PENDING_DELETE
        lb.provisioning_status = PENDING_DELETE
        lb.updated_at = svc.cloud.clock.now()
        settle_later(svc.cloud, db, lb.id)

    svc.write(mark)


def failover(svc: LoadBalancerService, ctx: RequestContext, lb_id: str) -> None:
    """PUT /loadbalancers/{id}/failover (operators): a new amphora; here, a PENDING_UPDATE round trip."""

    def mark(db: Session) -> None:
        lb = find(db, ctx, LoadBalancer, lb_id)
        svc.cloud.policy.enforce(ctx, "os_load-balancer_api:loadbalancer:put_failover", lb.project_id)
        if lb.provisioning_status not in (ACTIVE, ERROR):
            raise pending_state(lb)
        lb.provisioning_status = PENDING_UPDATE
        settle_later(svc.cloud, db, lb.id)

    svc.write(mark)


def remove(cloud: Cloud, db: Session, lb: LoadBalancer, now: datetime) -> None:
    """Delete a load balancer, everything on it and its VIP port, recording its delete event."""
    g = Graph.load(db, [lb.id])
    for rows in (g.rules, g.policies, g.monitors, g.members, g.listeners, g.pools):
        for row in rows.values():
            db.delete(row)
        db.flush()
    if lb.vip_port_id:
        cloud.network.delete_service_port(db, lb.vip_port_id)
    events.record(db, now, project_id=lb.project_id, user_id="system", resource_type="loadbalancer",
                  resource_id=lb.id, action="delete")
    db.delete(lb)
    db.flush()


@job(JOBS, APPLY, on_failure=lambda cloud, spec, _detail: _to_error(cloud, spec))
def apply(cloud: Cloud, spec: JobSpec) -> None:
    """Settle a load balancer: pending objects become ACTIVE, those pending deletion are removed."""
    now = cloud.clock.now()
    with cloud.db.write() as db:
        lb = db.get(LoadBalancer, spec.resource_id)
        if lb is None:
            return
        if lb.provisioning_status == PENDING_DELETE:
            remove(cloud, db, lb, now)
        else:
            g = Graph.load(db, [lb.id])
            # Children before parents: a pool's members and monitor, a policy's rules go before it does.
            for pool in g.pools.values():
                if pool.provisioning_status == PENDING_DELETE:
                    for li in g.listeners.values():
                        if li.default_pool_id == pool.id:
                            li.default_pool_id = None
            for rows in (g.rules, g.policies, g.monitors, g.members, g.listeners, g.pools):
                for row in list(rows.values()):
                    _settle(db, row, now)
                db.flush()
            _settle(db, lb, now)
    cloud.worker.wake()


def _settle(db: Session, row: Any, now: datetime) -> None:
    if row.provisioning_status == PENDING_DELETE:
        db.delete(row)
    elif row.provisioning_status in (PENDING_CREATE, PENDING_UPDATE):
        row.updated_at = now  # Octavia's database layer stamps every status change, the first ACTIVE too
        row.provisioning_status = ACTIVE


def _to_error(cloud: Cloud, spec: JobSpec) -> None:
    """A job that keeps failing leaves the load balancer in ERROR (it can then be deleted), as Octavia's
    controller worker reverts a failed flow."""
    with cloud.db.write() as db:
        lb = db.get(LoadBalancer, spec.resource_id)
        if lb is not None:
            lb.provisioning_status = ERROR

