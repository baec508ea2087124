"""Networking behaviour (Neutron v2.0 subset): the one entry point the routes, the compute service and
bootstrap call. The work is split by resource (networks.py, subnets.py, ports.py, routers.py, floatingips.py,
security_groups.py, ipam.py, quotas.py, servers.py); this class opens the transactions, checks the read
rules (`get_<resource>`, network/policies.py), and renders resources with schemas.py.

Every write runs in one BEGIN IMMEDIATE transaction (`cloud.db.write()`), so IP, MAC and segment allocation and
quota checks are decided by one writer at a time, with unique constraints behind them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, event, literal, or_, select, true
from sqlalchemy.orm import Session, SessionTransaction

from lab.cloud import contracts
from lab.cloud.context import RequestContext
from lab.cloud.db import Database, count
from lab.cloud.drivers.base import NetworkDriver, NicSpec
from lab.cloud.errors import CloudError, NotFound
from lab.cloud.network import (
    agents,
    availability,
    floatingips,
    networks,
    portforwardings,
    ports,
    qos,
    quotas,
    rbac,
    routers,
    servers,
    subnetpools,
    subnets,
    sync,
)
from lab.cloud.network import schemas as S
from lab.cloud.network import security_groups as sgs
from lab.cloud.network.access import allows, authorize, target_of
from lab.cloud.network.common import (
    get_floatingip,
    get_network,
    get_port,
    get_router,
    get_security_group,
    get_security_group_rule,
    get_subnet,
    network_visible,
    owned_by,
    port_visible,
    security_group_visible,
    subnet_visible,
    touch,
)
from lab.cloud.network.extensions import EXTENSIONS
from lab.cloud.network.models import (
    AddressScope,
    Agent,
    FloatingIP,
    IPAllocation,
    Network,
    Port,
    PortSecurityGroup,
    QosPolicy,
    RBACPolicy,
    Router,
    SecurityGroup,
    SecurityGroupRule,
    Subnet,
    SubnetPool,
)
from lab.cloud.network.query import ListQuery, apply, select_fields
from lab.cloud.plugin import Purge
from lab.cloud.worker import enqueue

if TYPE_CHECKING:
    from lab.cloud.app import Cloud

# The collections of the API: URL name -> (resource key, model).
COLLECTIONS: dict[str, tuple[str, Any]] = {
    "networks": ("network", Network), "subnets": ("subnet", Subnet), "ports": ("port", Port),
    "routers": ("router", Router), "floatingips": ("floatingip", FloatingIP),
    "security-groups": ("security_group", SecurityGroup),
    "security-group-rules": ("security_group_rule", SecurityGroupRule),
    "rbac-policies": ("rbac_policy", RBACPolicy), "subnetpools": ("subnetpool", SubnetPool),
    "address-scopes": ("address_scope", AddressScope), "agents": ("agent", Agent),
    "qos/policies": ("policy", QosPolicy),
}
# The resources with Neutron's standard attributes (standard-attr-tag); RBAC policies, address scopes and
# agents have none.
TAGGABLE = ("networks", "subnets", "ports", "routers", "floatingips", "security-groups", "subnetpools",
            "qos/policies")

SYNCS_QUEUED = "network.syncs_queued"  # Session.info: (kind, id) of the sync jobs this transaction queued


@event.listens_for(Session, "after_transaction_end")
def _forget_queued_syncs(session: Session, transaction: SessionTransaction) -> None:
    """At the end of the transaction (not of a flush's inner one): a rolled-back job is gone, a committed one
    may have run."""
    if transaction.parent is None or transaction.nested:
        session.info.pop(SYNCS_QUEUED, None)


class NetworkService:
    def __init__(self, cloud: Cloud):
        self.cloud = cloud

    @property
    def driver(self) -> NetworkDriver:
        return self.cloud.network_driver

    @property
    def host(self) -> str:
        """The one host the agents run on and ports are bound on: the compute host (asked once)."""
        cached: str | None = self.__dict__.get("_host")
        if cached is None:
            cached = str(self.cloud.compute_driver.host_info().hypervisor_hostname)
            self.__dict__["_host"] = cached
        return cached

    # ---------------------------------------------------------------------- student reset (lab/cloud/plugin.py)
    def purge_project(self, purge: Purge) -> None:
        """Neutron's own deletes, in dependency order, in the reset's transaction (each records its events and
        enqueues the driver sync jobs, which run after the commit): floating IPs, routers with their
        interfaces (and other projects' router interfaces on this project's networks), ports, networks and
        security groups."""
        db, project_id, removed = purge.db, purge.project_id, purge.removed
        system = RequestContext.system()

        def ids(model: Any, *where: Any) -> list[str]:
            return list(db.scalars(select(model.id).where(*where)))

        for fip_id in ids(FloatingIP, FloatingIP.project_id == project_id):
            floatingips.delete_floatingip(self, db, system, fip_id)
            removed["floating_ips"] += 1
        for router_id in ids(Router, Router.project_id == project_id):
            for port in routers.interface_ports(db, router_id):
                routers.remove_interface(self, db, system, router_id, {"port_id": port.id})
                removed["router_interfaces"] += 1
            routers.delete_router(self, db, system, router_id)
            removed["routers"] += 1
        own_networks = ids(Network, Network.project_id == project_id)
        for router_id, port_id in list(db.execute(select(Port.device_id, Port.id).where(
                Port.network_id.in_(own_networks), Port.device_owner == "network:router_interface"))):
            routers.remove_interface(self, db, system, router_id, {"port_id": port_id})
            removed["router_interfaces"] += 1
        service_owners = ("network:dhcp", "network:router_interface", "network:router_gateway", "network:floatingip")
        for port_id in ids(Port, Port.project_id == project_id, Port.device_owner.not_in(service_owners)):
            ports.delete_port(self, db, system, port_id)
            removed["ports"] += 1
        # Ports other projects put on this project's networks through an RBAC share go with the networks (a
        # server of theirs loses that NIC), and their ports leave this project's shared security groups.
        # A port of a project with no share on the network (an operator's, say) still makes Neutron refuse the
        # network's delete, and so the whole reset, as before.
        shared_with = select(RBACPolicy.target_project).where(RBACPolicy.object_type == "network",
                                                             RBACPolicy.object_id == Port.network_id)
        for port_id in ids(Port, Port.network_id.in_(own_networks), Port.device_owner.not_in(service_owners),
                           or_(Port.project_id.in_(shared_with), literal("*").in_(shared_with))):
            ports.delete_port(self, db, system, port_id)
            removed["ports"] += 1
        own_groups = select(SecurityGroup.id).where(SecurityGroup.project_id == project_id)
        db.execute(delete(PortSecurityGroup).where(PortSecurityGroup.security_group_id.in_(own_groups)))
        for network_id in own_networks:
            networks.delete_network(self, db, system, network_id)
            removed["networks"] += 1
        for group_id in ids(SecurityGroup, SecurityGroup.project_id == project_id):
            sgs.delete_group(self, db, system, group_id)
            removed["security_groups"] += 1
        for policy_id in ids(RBACPolicy, RBACPolicy.project_id == project_id):  # those on others' objects
            db.execute(delete(RBACPolicy).where(RBACPolicy.id == policy_id))
            removed["rbac_policies"] += 1
        for pool_id in ids(SubnetPool, SubnetPool.project_id == project_id):
            subnetpools.delete_pool(self, db, system, pool_id)
            removed["subnet_pools"] += 1
        for scope_id in ids(AddressScope, AddressScope.project_id == project_id):
            subnetpools.delete_scope(self, db, system, scope_id)
            removed["address_scopes"] += 1
        for qos_id in ids(QosPolicy, QosPolicy.project_id == project_id):
            qos.purge(db, qos_id)
            removed["qos_policies"] += 1
        db.flush()

    def holdings(self, db: Session, project_id: str, user_ids: list[str]) -> dict[str, int]:
        return {name: count(db, model, model.project_id == project_id) for name, model in (
            ("floating_ips", FloatingIP), ("routers", Router), ("ports", Port), ("networks", Network),
            ("security_groups", SecurityGroup), ("rbac_policies", RBACPolicy), ("subnet_pools", SubnetPool),
            ("address_scopes", AddressScope), ("qos_policies", QosPolicy))}

    def recover(self) -> None:
        """At every start the driver is brought in step with what the database says: one sync job per network,
        router and port (idempotent), and per object the driver made that has no row any more, run by the
        worker once it starts."""
        driver = self.driver
        made = {"network": driver.list_networks(), "router": driver.list_routers(), "port": driver.list_ports()}
        with self.db.write() as db:
            for kind, model in (("network", Network), ("router", Router), ("port", Port)):
                rows = set(db.scalars(select(model.id)))
                # What the driver still holds for a row deleted while it was down goes too (the job finds no
                # row and deletes): a real driver's bridges and namespaces must not outlive their resources.
                for object_id in sorted(rows | set(made[kind])):
                    self.sync(db, kind, object_id)

    @property
    def db(self) -> Database:
        return self.cloud.db

    def now(self) -> datetime:
        return self.cloud.clock.now()

    def sync(self, db: Session, kind: str, object_id: str) -> None:
        """Ask the worker to bring the driver in step with `object_id` once this transaction commits: one job
        per object per transaction (the job reads the object's state when it runs, so a second one queued in
        the same transaction, a subnet create's for its network and its DHCP port's for the same network,
        would only repeat it)."""
        queued: set[tuple[str, str]] = db.info.setdefault(SYNCS_QUEUED, set())
        if (kind, object_id) not in queued:
            queued.add((kind, object_id))
            enqueue(db, self.now(), sync.KINDS[kind], object_id)

    def _write(self, fn: Callable[[Session], Any]) -> Any:
        with self.db.write() as db:
            result = fn(db)
        self.cloud.worker.wake()
        return result

    # ---------------------------------------------------------------------------------------------- reading
    def _visible_query(self, ctx: RequestContext, collection: str) -> Any:
        _key, model = COLLECTIONS[collection]
        clause = {"networks": network_visible, "subnets": subnet_visible, "ports": port_visible,
                  "security-groups": security_group_visible, "subnetpools": subnetpools.pool_visible,
                  "address-scopes": subnetpools.scope_visible, "qos/policies": qos.policy_visible,
                  "agents": lambda _ctx: true()}.get(collection)  # get_agent (admin only) decides on agents
        where = clause(ctx) if clause else owned_by(model, ctx)
        order = (model.name, model.id) if collection == "address-scopes" else (
            (model.agent_type, model.host) if collection == "agents" else (model.created_at, model.id))
        return select(model).where(where).order_by(*order)

    def _render(self, db: Session, ctx: RequestContext, collection: str, rows: list[Any]) -> list[dict[str, Any]]:
        if collection == "networks":
            return networks.render(self, db, ctx, rows)
        if collection == "subnets":
            return subnets.render(db, rows)
        if collection == "ports":
            return ports.render(self, db, ctx, rows)
        if collection == "routers":
            return routers.render(db, rows)
        if collection == "floatingips":
            return floatingips.render(db, rows)
        if collection == "security-groups":
            return sgs.render(db, rows)
        if collection == "rbac-policies":
            return rbac.render(rows)
        if collection == "subnetpools":
            return subnetpools.render(rows)
        if collection == "address-scopes":
            return subnetpools.render_scopes(rows)
        if collection == "agents":
            return agents.render(self, db, rows)
        if collection == "qos/policies":
            return qos.render(db, ctx, rows)
        return sgs.render_rules(db, rows)

    def list_resources(self, ctx: RequestContext, collection: str,
                       query: ListQuery) -> tuple[list[dict[str, Any]], bool]:
        """The visible resources of a collection, filtered, sorted and paged; and whether more pages follow."""
        if collection == "agents" and not allows(self, ctx, "get_agent"):
            return [], False  # Neutron filters what get_agent denies: a member's list is empty, not a 403
        authorize(self, ctx, f"get_{COLLECTIONS[collection][0]}")  # may the caller list them at all
        if collection in ("security-groups", "security-group-rules") and ctx.project_id:
            sgs.ensure_default_safely(self, ctx.project_id)
        with self.db.read() as db:
            rows = list(db.scalars(self._visible_query(ctx, collection)))
            items = self._render(db, ctx, collection, rows)
        page, more = apply(items, query)
        return [select_fields(i, query.fields) for i in page], more

    def _get_row(self, db: Session, ctx: RequestContext, collection: str, object_id: str) -> Any:
        getter: Callable[[Session, RequestContext, str], Any] = {
            "networks": get_network, "subnets": get_subnet, "ports": get_port, "routers": get_router,
            "floatingips": get_floatingip, "security-groups": get_security_group,
            "security-group-rules": get_security_group_rule, "rbac-policies": rbac.get_policy,
            "subnetpools": subnetpools.get_pool, "address-scopes": subnetpools.get_scope,
            "agents": agents.get_agent, "qos/policies": qos.get_policy}[collection]
        return getter(db, ctx, object_id)

    def _readable_row(self, db: Session, ctx: RequestContext, collection: str, object_id: str) -> Any:
        """The row if the caller sees it and `get_<resource>` allows reading it. A row the rule denies is
        answered 404, as Neutron does ("pretend that it doesn't exist")."""
        row = self._get_row(db, ctx, collection, object_id)
        if not allows(self, ctx, f"get_{COLLECTIONS[collection][0]}", target_of(db, row, ctx)):
            raise NotFound("The resource could not be found.", neutron_type="HTTPNotFound")
        return row

    def show(self, ctx: RequestContext, collection: str, object_id: str, fields: list[str]) -> dict[str, Any]:
        with self.db.read() as db:
            return select_fields(self._shown(db, ctx, collection, object_id), fields)

    def _shown(self, db: Session, ctx: RequestContext, collection: str, object_id: str) -> dict[str, Any]:
        row = self._readable_row(db, ctx, collection, object_id)
        return self._render(db, ctx, collection, [row])[0]

    def _rendered(self, ctx: RequestContext, collection: str, object_id: str) -> dict[str, Any]:
        return self.show(ctx, collection, object_id, [])

    # ---------------------------------------------------------------------------------------------- writing
    def create(self, ctx: RequestContext, collection: str, body: dict[str, Any]) -> dict[str, Any]:
        return self.create_bulk(ctx, collection, [body])[0]

    def create_bulk(self, ctx: RequestContext, collection: str, bodies: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Create one resource per `{key: attrs}` body in ONE transaction: Neutron's bulk create
        (`{"networks": [...]}`) is all or nothing."""
        key, _model = COLLECTIONS[collection]
        parsed = [S.parse(key, body) for body in bodies]
        creator: Callable[[NetworkService, Session, RequestContext, dict[str, Any]], Any] = {
            "networks": networks.create_network, "subnets": subnets.create_subnet, "ports": ports.create_port,
            "routers": routers.create_router, "floatingips": floatingips.create_floatingip,
            "security-groups": sgs.create_group, "security-group-rules": sgs.create_rule,
            "rbac-policies": rbac.create_policy, "subnetpools": subnetpools.create_pool,
            "address-scopes": subnetpools.create_scope, "agents": agents.create_agent,
            "qos/policies": qos.create_policy}[collection]

        def create_and_render(db: Session) -> tuple[list[dict[str, Any]] | None, CloudError | None]:
            rows = [creator(self, db, ctx, attrs) for attrs in parsed]
            # The answer is read in the create's own transaction (the rows, and what the policy target and the
            # rendering ask, are at hand), as a show would read it right after the commit. A show that refuses
            # (the caller may not read what it made) is the answer, and the create still commits, as before.
            try:
                return [self._shown(db, ctx, collection, row.id) for row in rows], None
            except CloudError as refused:
                return None, refused

        items, refused = self._write(create_and_render)
        if refused is not None:
            raise refused
        assert items is not None
        return items

    def update(self, ctx: RequestContext, collection: str, object_id: str, body: dict[str, Any]) -> dict[str, Any]:
        key, _model = COLLECTIONS[collection]
        attrs = S.parse(key, body, update=True)  # a rule's only writable attribute is its description
        updater: Callable[[NetworkService, Session, RequestContext, str, dict[str, Any]], Any] = {
            "networks": networks.update_network, "subnets": subnets.update_subnet, "ports": ports.update_port,
            "routers": routers.update_router, "floatingips": floatingips.update_floatingip,
            "security-groups": sgs.update_group, "security-group-rules": sgs.update_rule,
            "rbac-policies": rbac.update_policy, "subnetpools": subnetpools.update_pool,
            "address-scopes": subnetpools.update_scope, "agents": agents.update_agent,
            "qos/policies": qos.update_policy}[collection]
        self._write(lambda db: updater(self, db, ctx, object_id, attrs))
        return self._rendered(ctx, collection, object_id)

    def delete(self, ctx: RequestContext, collection: str, object_id: str) -> None:
        deleter: Callable[[NetworkService, Session, RequestContext, str], None] = {
            "networks": networks.delete_network, "subnets": subnets.delete_subnet, "ports": ports.delete_port,
            "routers": routers.delete_router, "floatingips": floatingips.delete_floatingip,
            "security-groups": sgs.delete_group, "security-group-rules": sgs.delete_rule,
            "rbac-policies": rbac.delete_policy, "subnetpools": subnetpools.delete_pool,
            "address-scopes": subnetpools.delete_scope, "agents": agents.delete_agent,
            "qos/policies": qos.delete_policy}[collection]
        self._write(lambda db: deleter(self, db, ctx, object_id))

    # ---------------------------------------------------------------------------------------------- routers
    def add_router_interface(self, ctx: RequestContext, router_id: str, body: dict[str, Any]) -> dict[str, Any]:
        return self._write(lambda db: routers.add_interface(self, db, ctx, router_id, body))

    def remove_router_interface(self, ctx: RequestContext, router_id: str, body: dict[str, Any]) -> dict[str, Any]:
        return self._write(lambda db: routers.remove_interface(self, db, ctx, router_id, body))

    def change_extraroutes(self, ctx: RequestContext, router_id: str, body: dict[str, Any],
                           add: bool) -> dict[str, Any]:
        self._write(lambda db: routers.change_routes(self, db, ctx, router_id, body, add))
        return self._rendered(ctx, "routers", router_id)

    # ---------------------------------------------------------------------------------------------- port forwarding
    def list_port_forwardings(self, ctx: RequestContext, fip_id: str, query: ListQuery) -> list[dict[str, Any]]:
        with self.db.read() as db:
            items = [S.port_forwarding(r) for r in portforwardings.list_forwardings(self, db, ctx, fip_id)]
        return [select_fields(i, query.fields) for i in apply(items, query)[0]]

    def show_port_forwarding(self, ctx: RequestContext, fip_id: str, pf_id: str,
                             fields: list[str]) -> dict[str, Any]:
        with self.db.read() as db:
            return select_fields(S.port_forwarding(portforwardings.show_forwarding(self, db, ctx, fip_id, pf_id)),
                                 fields)

    def create_port_forwarding(self, ctx: RequestContext, fip_id: str, body: dict[str, Any]) -> dict[str, Any]:
        row = self._write(lambda db: portforwardings.create_forwarding(self, db, ctx, fip_id, body))
        return self.show_port_forwarding(ctx, fip_id, row.id, [])

    def update_port_forwarding(self, ctx: RequestContext, fip_id: str, pf_id: str,
                               body: dict[str, Any]) -> dict[str, Any]:
        self._write(lambda db: portforwardings.update_forwarding(self, db, ctx, fip_id, pf_id, body))
        return self.show_port_forwarding(ctx, fip_id, pf_id, [])

    def delete_port_forwarding(self, ctx: RequestContext, fip_id: str, pf_id: str) -> None:
        self._write(lambda db: portforwardings.delete_forwarding(self, db, ctx, fip_id, pf_id))

    # ---------------------------------------------------------------------------------------------- QoS rules
    def list_qos_rules(self, ctx: RequestContext, policy_id: str, collection: str,
                       query: ListQuery) -> list[dict[str, Any]]:
        """`GET /qos/policies/{id}/<type>_rules` (filtered, sorted, paged like any list)."""
        with self.db.read() as db:
            items = qos.list_rules(self, db, ctx, policy_id, collection)
        return [select_fields(i, query.fields) for i in apply(items, query)[0]]

    def show_qos_rule(self, ctx: RequestContext, policy_id: str, collection: str, rule_id: str,
                      fields: list[str]) -> dict[str, Any]:
        with self.db.read() as db:
            rule = qos.get_rule(db, ctx, policy_id, collection, rule_id)
            policy = qos.get_policy(db, ctx, policy_id)
            key = qos.rule_kind(collection)[1]
            if not allows(self, ctx, f"get_policy_{key}", qos.target(db, policy, ctx)):
                raise qos.policy_not_found(policy_id)
            return select_fields(qos.render_rule(rule), fields)

    def create_qos_rule(self, ctx: RequestContext, policy_id: str, collection: str,
                        body: dict[str, Any]) -> dict[str, Any]:
        rule = self._write(lambda db: qos.create_rule(self, db, ctx, policy_id, collection, body))
        return self.show_qos_rule(ctx, policy_id, collection, rule.id, [])

    def update_qos_rule(self, ctx: RequestContext, policy_id: str, collection: str, rule_id: str,
                        body: dict[str, Any]) -> dict[str, Any]:
        self._write(lambda db: qos.update_rule(self, db, ctx, policy_id, collection, rule_id, body))
        return self.show_qos_rule(ctx, policy_id, collection, rule_id, [])

    def delete_qos_rule(self, ctx: RequestContext, policy_id: str, collection: str, rule_id: str) -> None:
        self._write(lambda db: qos.delete_rule(self, db, ctx, policy_id, collection, rule_id))

    def qos_rule_types(self, ctx: RequestContext) -> list[dict[str, str]]:
        return qos.rule_types(self, ctx)

    def qos_rule_type(self, ctx: RequestContext, name: str) -> dict[str, Any]:
        return qos.rule_type(self, ctx, name)

    # ---------------------------------------------------------------------------------------------- tags
    def _taggable(self, db: Session, ctx: RequestContext, collection: str, object_id: str, write: bool) -> Any:
        if collection not in TAGGABLE:
            raise NotFound("The resource could not be found.", neutron_type="HTTPNotFound")
        if not write:
            return self._readable_row(db, ctx, collection, object_id)
        row = self._get_row(db, ctx, collection, object_id)
        authorize(self, ctx, f"update_{COLLECTIONS[collection][0]}", target_of(db, row))
        return row

    def get_tags(self, ctx: RequestContext, collection: str, object_id: str) -> list[str]:
        with self.db.read() as db:
            return list(self._taggable(db, ctx, collection, object_id, False).tags or [])

    def has_tag(self, ctx: RequestContext, collection: str, object_id: str, tag: str) -> None:
        if tag not in self.get_tags(ctx, collection, object_id):
            raise NotFound(f"Tag {tag} could not be found for {COLLECTIONS[collection][0]} {object_id}.",
                           neutron_type="TagNotFound")

    def set_tags(self, ctx: RequestContext, collection: str, object_id: str, body: dict[str, Any]) -> list[str]:
        """Replace the tags (`{"tags": [...]}`)."""
        tags = S.parse_tags(body)

        def change(db: Session) -> list[str]:
            row = self._taggable(db, ctx, collection, object_id, True)
            row.tags = list(tags)
            touch(row, self.now())
            return list(row.tags)
        return self._write(change)

    def add_tag(self, ctx: RequestContext, collection: str, object_id: str, tag: str) -> None:
        def change(db: Session) -> None:
            row = self._taggable(db, ctx, collection, object_id, True)
            if tag not in (row.tags or []):
                row.tags = [*(row.tags or []), tag]
                touch(row, self.now())
        self._write(change)

    def remove_tag(self, ctx: RequestContext, collection: str, object_id: str, tag: str | None) -> None:
        def change(db: Session) -> None:
            row = self._taggable(db, ctx, collection, object_id, True)
            if tag is not None and tag not in (row.tags or []):
                raise NotFound(f"Tag {tag} could not be found for {COLLECTIONS[collection][0]} {object_id}.",
                               neutron_type="TagNotFound")
            row.tags = [t for t in row.tags or [] if tag is not None and t != tag]
            touch(row, self.now())
        self._write(change)

    # ---------------------------------------------------------------------------------------------- quotas
    def _quota_project(self, ctx: RequestContext, project_id: str) -> str:
        """As Neutron's quota API: a project reads its own quotas; another's needs `get_quota`."""
        if project_id != ctx.project_id:
            authorize(self, ctx, "get_quota")
        return project_id

    def get_quota(self, ctx: RequestContext, project_id: str) -> dict[str, int]:
        with self.db.read() as db:
            return quotas.limits(self, db, self._quota_project(ctx, project_id))

    def quota_details(self, ctx: RequestContext, project_id: str) -> tuple[dict[str, int], dict[str, int]]:
        """The project's limits and usage."""
        with self.db.read() as db:
            project_id = self._quota_project(ctx, project_id)
            return quotas.limits(self, db, project_id), quotas.used(self, db, project_id)

    def quota_defaults(self, ctx: RequestContext, project_id: str) -> dict[str, int]:
        self._quota_project(ctx, project_id)
        return self.cloud.quotas.defaults(quotas.SERVICE)

    def list_quotas(self, ctx: RequestContext) -> dict[str, dict[str, int]]:
        """The limits of every project whose limits differ from the defaults."""
        authorize(self, ctx, "get_quota")
        with self.db.read() as db:
            return {p: quotas.limits(self, db, p) for p in quotas.projects_with_quotas(db)}

    def update_quota(self, ctx: RequestContext, project_id: str, body: dict[str, Any]) -> dict[str, int]:
        """Set some limits (`{"quota": {...}}`); the project's limits after."""
        authorize(self, ctx, "update_quota")
        values = S.parse_quota(body, self.cloud.quotas.defaults(quotas.SERVICE))
        return self._write(lambda db: quotas.update(self, db, project_id, values))

    def reset_quota(self, ctx: RequestContext, project_id: str) -> None:
        authorize(self, ctx, "delete_quota")
        self._write(lambda db: quotas.reset(self, db, project_id))

    # ---------------------------------------------------------------------------------------------- agents
    def agents_hosting(self, ctx: RequestContext, kind: str, object_id: str) -> list[dict[str, Any]]:
        """`GET /networks/{id}/dhcp-agents` (kind "network") or `/routers/{id}/l3-agents` (kind "router")."""
        with self.db.read() as db:
            rows = (agents.hosting_network if kind == "network" else agents.hosting_router)(self, db, ctx, object_id)
            return agents.render(self, db, rows)

    def schedule_network(self, ctx: RequestContext, agent_id: str, network_id: Any, hosted: bool) -> None:
        """`POST /agents/{id}/dhcp-networks` (hosted) or `DELETE /agents/{id}/dhcp-networks/{network_id}`."""
        self._write(lambda db: agents.schedule_network(self, db, ctx, agent_id, network_id, hosted))

    def schedule_router(self, ctx: RequestContext, agent_id: str, router_id: Any, hosted: bool) -> None:
        """`POST /agents/{id}/l3-routers` (hosted) or `DELETE /agents/{id}/l3-routers/{router_id}`."""
        self._write(lambda db: agents.schedule_router(self, db, ctx, agent_id, router_id, hosted))

    def availability_zones(self, ctx: RequestContext, filters: dict[str, str]) -> list[dict[str, str]]:
        """`GET /availability_zones` (`availability zone list --network`, openstacksdk's
        `network.availability_zones()`), filtered by name, resource or state."""
        authorize(self, ctx, "get_availability_zone", {"project_id": ctx.project_id})
        with self.db.read() as db:
            return agents.availability_zones(db, filters)

    def hosted_by_agent(self, ctx: RequestContext, agent_id: str, kind: str) -> list[dict[str, Any]]:
        """`GET /agents/{id}/dhcp-networks` (kind "networks") or `/agents/{id}/l3-routers` (kind "routers")."""
        with self.db.read() as db:
            rows = agents.hosted(self, db, ctx, agent_id, kind)
            return self._render(db, ctx, kind, rows)

    def ip_availabilities(self, ctx: RequestContext, query: ListQuery,
                          network_id: str | None = None) -> list[dict[str, Any]]:
        """Network IP availability: every network's (filtered), or one network's."""
        with self.db.read() as db:
            items = availability.availabilities(self, db, ctx, network_id)
        return [select_fields(i, query.fields) for i in apply(items, query)[0]]

    def service_providers(self, query: ListQuery) -> list[dict[str, Any]]:
        """The service providers (drivers of advanced services) this Neutron loads: none."""
        return apply([], query)[0]

    # ---------------------------------------------------------------------------------------------- extensions
    def extensions(self) -> list[dict[str, Any]]:
        return [S.extension(*e) for e in EXTENSIONS]

    def extension(self, alias: str) -> dict[str, Any]:
        for e in EXTENSIONS:
            if e[0] == alias:
                return S.extension(*e)
        raise NotFound(f"Extension with alias {alias} does not exist", neutron_type="HTTPNotFound")

    # ---------------------------------------------------------------------------------------------- compute
    def allocate_for_server(self, db: Session, ctx: RequestContext, server_id: str,
                            requested: list[contracts.RequestedNetwork] | None,
                            security_groups: list[str] | None, *, hostname: str = "") -> None:
        """Called by compute inside its server-create write transaction; see servers.py."""
        servers.allocate_for_server(self, db, ctx, server_id, requested, security_groups, hostname=hostname)
        self.cloud.worker.wake()

    def release_for_server(self, db: Session, server_id: str, port_id: str | None = None) -> None:
        servers.release_for_server(self, db, server_id, port_id)
        self.cloud.worker.wake()

    def server_interfaces(self, db: Session, server_id: str) -> list[contracts.Interface]:
        return servers.server_interfaces(db, server_id)

    def server_addresses(self, db: Session, server_ids: list[str]) -> dict[str, dict[str, list[contracts.Address]]]:
        return servers.server_addresses(db, list(server_ids))

    def server_nics(self, db: Session, server_id: str) -> list[NicSpec]:
        return servers.server_nics(self, db, server_id)

    def server_security_groups(self, db: Session, server_ids: list[str]) -> dict[str, list[str]]:
        return servers.server_security_groups(db, list(server_ids))

    def server_security_group_details(self, server_id: str) -> list[contracts.ServerSecurityGroup]:
        with self.db.read() as db:
            return servers.server_security_group_details(db, server_id)

    def add_server_security_group(self, db: Session, ctx: RequestContext, server_id: str, name_or_id: str) -> None:
        servers.add_server_security_group(self, db, ctx, server_id, name_or_id)
        self.cloud.worker.wake()

    def remove_server_security_group(self, db: Session, ctx: RequestContext, server_id: str,
                                     name_or_id: str) -> None:
        servers.remove_server_security_group(self, db, ctx, server_id, name_or_id)
        self.cloud.worker.wake()

    def add_server_fixed_ip(self, db: Session, ctx: RequestContext, server_id: str, network_id: str) -> None:
        servers.add_server_fixed_ip(self, db, ctx, server_id, network_id)
        self.cloud.worker.wake()

    def remove_server_fixed_ip(self, db: Session, ctx: RequestContext, server_id: str, address: str) -> None:
        servers.remove_server_fixed_ip(self, db, ctx, server_id, address)
        self.cloud.worker.wake()

    def floating_ip_pools(self, db: Session) -> list[str]:
        return list(db.scalars(select(Network.name).where(Network.external.is_(True)).order_by(Network.name)))

    # ---------------------------------------------------------------------------------------------- services' ports
    def create_service_port(self, db: Session, ctx: RequestContext, project_id: str, *, device_owner: str,
                            device_id: str, name: str, network_id: str | None, subnet_id: str | None,
                            ip_address: str | None) -> contracts.ServicePort:
        """The load balancer's VIP port: ports.add_port on a network `ctx` sees, in the project's port quota."""
        wanted: dict[str, Any] = {}
        if subnet_id is not None:
            subnet = get_subnet(db, ctx, subnet_id)
            network_id, wanted["subnet_id"] = subnet.network_id, subnet.id
        if ip_address is not None:
            wanted["ip_address"] = ip_address
        assert network_id is not None
        network = get_network(db, ctx, network_id)
        quotas.check(self, db, project_id, "port")
        port = ports.add_port(self, db, network, project_id, ctx=ctx, name=name, device_owner=device_owner,
                              device_id=device_id, fixed_ips=[wanted] if wanted else None)
        ips = ports.fixed_ips(db, [port.id])[port.id]
        self.cloud.worker.wake()
        return contracts.ServicePort(port.id, network.id, ips[0]["subnet_id"] if ips else "",
                                     ips[0]["ip_address"] if ips else "")

    def delete_service_port(self, db: Session, port_id: str) -> None:
        port = db.get(Port, port_id)
        if port is not None:
            ports.remove_port(self, db, port)
            self.cloud.worker.wake()

    def subnet_cidr(self, db: Session, ctx: RequestContext, subnet_id: str) -> tuple[str, str] | None:
        row = db.scalar(select(Subnet).where(Subnet.id == subnet_id, subnet_visible(ctx)))
        return None if row is None else (row.network_id, row.cidr)

    def device_at(self, db: Session, address: str, subnet_id: str | None) -> str | None:
        query = (select(Port.device_id).join(IPAllocation, IPAllocation.port_id == Port.id)
                 .where(IPAllocation.ip_address == address, Port.device_owner.startswith("compute:")))
        if subnet_id is not None:
            query = query.where(IPAllocation.subnet_id == subnet_id)
        return db.scalar(query.limit(1))

    # ---------------------------------------------------------------------------------------------- bootstrap
    def bootstrap(self) -> None:
        """DevStack's networks (idempotent): an external `public` network (flat, physnet `public`) with
        172.24.4.0/24 owned by admin and visible to all; for `demo`, `private` with 10.0.0.0/26 and `router1`
        joining it to `public`; and the default security groups of both projects."""
        from lab.cloud.identity.models import Project

        with self.db.read() as db:
            projects = dict(db.execute(select(Project.name, Project.id)
                                       .where(Project.name.in_(("admin", "demo")))).all())
        admin_id, demo_id = projects.get("admin"), projects.get("demo")
        if admin_id is None:
            return
        admin = RequestContext(user_id="system", user_name="system", project_id=admin_id, project_name="admin",
                               roles=("admin", "member", "reader"))
        public_id = self._ensure_network(admin, "public", {"router:external": True, "provider:network_type": "flat",
                                                           "provider:physical_network": "public"})
        public_subnet = self._ensure_subnet(admin, public_id, "public-subnet", {
            "cidr": "172.24.4.0/24", "gateway_ip": "172.24.4.1", "enable_dhcp": False,
            "allocation_pools": [{"start": "172.24.4.2", "end": "172.24.4.254"}]})
        assert public_subnet
        sgs.ensure_default_safely(self, admin_id)
        with self.db.write() as db:
            agents.ensure_agents(self, db, self.host)
        if demo_id is None:
            return
        demo = RequestContext(user_id="system", user_name="system", project_id=demo_id, project_name="demo",
                              roles=("admin", "member", "reader"))
        private_id = self._ensure_network(demo, "private", {"project_id": demo_id})
        private_subnet = self._ensure_subnet(demo, private_id, "private-subnet", {
            "cidr": "10.0.0.0/26", "project_id": demo_id})
        sgs.ensure_default_safely(self, demo_id)
        with self.db.read() as db:
            router = db.scalar(select(Router).where(Router.project_id == demo_id, Router.name == "router1"))
        if router is None:
            router_body = self.create(demo, "routers", {"router": {
                "name": "router1", "project_id": demo_id, "external_gateway_info": {"network_id": public_id}}})
            router_id = router_body["id"]
            self.add_router_interface(demo, router_id, {"subnet_id": private_subnet})

    def _ensure_network(self, ctx: RequestContext, name: str, extra: dict[str, Any]) -> str:
        with self.db.read() as db:
            found = db.scalar(select(Network.id).where(Network.project_id == ctx.project_id, Network.name == name))
        if found is not None:
            return found
        return str(self.create(ctx, "networks", {"network": {"name": name, **extra}})["id"])

    def _ensure_subnet(self, ctx: RequestContext, network_id: str, name: str, extra: dict[str, Any]) -> str:
        with self.db.read() as db:
            found = db.scalar(select(Subnet.id).where(Subnet.network_id == network_id, Subnet.name == name))
        if found is not None:
            return found
        return str(self.create(ctx, "subnets", {"subnet": {"name": name, "network_id": network_id,
                                                           "ip_version": 4, **extra}})["id"])


def _fulfils(service: NetworkService) -> contracts.Network:
    """Checked by mypy: the service is what the other services are promised (lab/cloud/contracts.py)."""
    return service
