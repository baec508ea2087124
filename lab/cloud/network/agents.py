"""Agents (Neutron's agent, dhcp_agent_scheduler and l3_agent_scheduler extensions): what the network driver
runs, reported as Neutron's agents would report themselves on one host. The logical driver stands in for
four of them, all alive on the lab's host: the DHCP agent (serving every network with a DHCP port), the L3
agent (every router), the metadata agent and the Linux bridge agent (every bound port). Under a driver with
processes of its own (linux) an agent is alive while they run (`NetworkDriver.agent_states`) and its heartbeat
is when the driver last found them so.

An admin may disable an agent (`network agent set --disable`) or delete its record. A disabled agent does
what Neutron's then does for new work, shown at once for all of it (the lab has no scheduler history): the
DHCP agent hosts no network and the L3 agent no router (`network agent list --network/--router` are empty),
and while the Linux bridge agent is disabled the ports it would wire stay DOWN. While the DHCP agent is
disabled the lab treats it as a dead one: servers' ports on DHCP subnets stay DOWN (dhcp_blocked) and the
Linux network driver serves no DHCP. A deleted agent comes back
at the next start, as an agent re-registers with its next report.

An admin may also schedule a network onto the DHCP agent by hand or take it off (`network agent add/remove
network --dhcp`, `POST/DELETE /agents/{id}/dhcp-networks`): the choice is kept per network and decides what
the hosting lists show; the logical driver's DHCP is not changed by it. Routers likewise (`network agent
add/remove router --l3`, `POST/DELETE /agents/{id}/l3-routers`): a router taken off the L3 agent is hosted by
none (`network agent list --router` is empty), as in Neutron; the logical driver's routing is not changed by it.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from lab.cloud.context import RequestContext
from lab.cloud.errors import BadRequest, Conflict, NotFound
from lab.cloud.network import schemas as S
from lab.cloud.network.access import authorize
from lab.cloud.network.common import (
    DEVICE_OWNER_DHCP,
    DEVICE_OWNER_FLOATINGIP,
    DEVICE_OWNER_ROUTER_GW,
    DEVICE_OWNER_ROUTER_INTF,
)
from lab.cloud.network.models import (
    Agent,
    DhcpScheduling,
    FloatingIP,
    L3Scheduling,
    Network,
    Port,
    Router,
    Subnet,
)

if TYPE_CHECKING:
    from lab.cloud.network.service import NetworkService

DHCP, L3, METADATA, LINUXBRIDGE = "DHCP agent", "L3 agent", "Metadata agent", "Linux bridge agent"
# agent_type -> (binary, topic, availability zone): as Neutron's agents register.
KINDS: dict[str, tuple[str, str, str | None]] = {
    DHCP: ("neutron-dhcp-agent", "dhcp_agent", "nova"),
    L3: ("neutron-l3-agent", "l3_agent", "nova"),
    METADATA: ("neutron-metadata-agent", "N/A", None),
    LINUXBRIDGE: ("neutron-linuxbridge-agent", "N/A", None),
}


def ensure_agents(svc: NetworkService, db: Session, host: str) -> None:
    """Register the driver's agents on `host` (idempotent): at every start, as the agents report in."""
    now = svc.now()
    have = set(db.scalars(select(Agent.agent_type).where(Agent.host == host)))
    for agent_type, (binary, topic, zone) in KINDS.items():
        if agent_type not in have:
            db.add(Agent(agent_type=agent_type, binary=binary, topic=topic, host=host, availability_zone=zone,
                         created_at=now, started_at=now))
    for agent in db.scalars(select(Agent).where(Agent.host == host)):
        agent.started_at = now


def availability_zones(db: Session, filters: dict[str, str]) -> list[dict[str, str]]:
    """Neutron's availability_zone extension: a zone per resource kind its agents serve (DHCP agents:
    `network`, L3 agents: `router`), `available` while one of them is enabled."""
    zones: dict[tuple[str, str], bool] = {}
    for agent in db.scalars(select(Agent).where(Agent.availability_zone.is_not(None))):
        resource = {DHCP: "network", L3: "router"}.get(agent.agent_type)
        if resource is not None:
            key = (str(agent.availability_zone), resource)
            zones[key] = zones.get(key, False) or bool(agent.admin_state_up)
    found = [{"name": name, "resource": resource, "state": "available" if up else "unavailable"}
             for (name, resource), up in sorted(zones.items())]
    return [z for z in found if all(z.get(k) == v for k, v in filters.items() if k in z)]


def enabled(db: Session, agent_type: str) -> bool:
    """Whether the lab's agent of this type works: not every registered one is disabled by an admin."""
    states = list(db.scalars(select(Agent.admin_state_up).where(Agent.agent_type == agent_type)))
    return not states or any(states)


def dhcp_blocked(db: Session, network_ids: set[str]) -> set[str]:
    """The networks (of `network_ids`) whose servers' ports wait for the DHCP agent: while it is disabled, those
    with a DHCP-enabled subnet. Neutron keeps a new port DOWN until the DHCP agent has its address (a
    provisioning block); the lab stands a disabled agent in for a dead one, whose blocks never clear."""
    if not network_ids or enabled(db, DHCP):
        return set()
    return set(db.scalars(select(Subnet.network_id).where(Subnet.network_id.in_(network_ids),
                                                          Subnet.enable_dhcp.is_(True))))


def get_agent(db: Session, ctx: RequestContext, agent_id: str) -> Agent:
    row = db.get(Agent, agent_id)
    if row is None:
        raise NotFound(f"Agent {agent_id} could not be found.", neutron_type="AgentNotFound")
    return row


def create_agent(svc: NetworkService, db: Session, ctx: RequestContext, attrs: dict[str, Any]) -> Agent:
    """Agents register themselves; the API cannot make one."""
    raise NotFound("The resource could not be found.", neutron_type="HTTPNotFound")


def update_agent(svc: NetworkService, db: Session, ctx: RequestContext, agent_id: str,
                 attrs: dict[str, Any]) -> Agent:
    row = get_agent(db, ctx, agent_id)
    authorize(svc, ctx, "update_agent", {"project_id": None})
    for key in ("admin_state_up", "description"):
        if key in attrs:
            setattr(row, key, attrs[key])
    for kind, model in (("network", Network), ("router", Router)):  # the driver learns the agents' new state
        for object_id in db.scalars(select(model.id)):
            svc.sync(db, kind, object_id)
    return row


def delete_agent(svc: NetworkService, db: Session, ctx: RequestContext, agent_id: str) -> None:
    row = get_agent(db, ctx, agent_id)
    authorize(svc, ctx, "delete_agent", {"project_id": None})
    db.delete(row)


def _configurations(db: Session, agent: Agent) -> dict[str, Any]:
    """What each agent reports about its work, counted from the database."""
    def ports(*owners: str) -> int:
        return int(db.scalar(select(func.count()).select_from(Port).where(Port.device_owner.in_(owners))) or 0)

    if agent.agent_type == DHCP:
        networks = db.scalar(select(func.count(func.distinct(Port.network_id))).where(
            Port.device_owner == DEVICE_OWNER_DHCP)) or 0
        subnets = db.scalar(select(func.count()).select_from(Subnet).where(Subnet.enable_dhcp.is_(True))) or 0
        return {"dhcp_driver": "neutron.agent.linux.dhcp.Dnsmasq", "dhcp_lease_duration": 86400,
                "log_agent_heartbeats": False, "networks": networks, "ports": ports(DEVICE_OWNER_DHCP),
                "subnets": subnets}
    if agent.agent_type == L3:
        routers = db.scalar(select(func.count()).select_from(Router)) or 0
        floating = db.scalar(select(func.count()).select_from(FloatingIP).where(FloatingIP.port_id.is_not(None)))
        return {"agent_mode": "legacy", "ex_gw_ports": ports(DEVICE_OWNER_ROUTER_GW), "floating_ips": floating or 0,
                "interface_driver": "linuxbridge", "interfaces": ports(DEVICE_OWNER_ROUTER_INTF),
                "log_agent_heartbeats": False, "routers": routers}
    if agent.agent_type == METADATA:
        return {"log_agent_heartbeats": False, "metadata_proxy_socket": "/var/lib/neutron/metadata_proxy",
                "nova_metadata_host": "127.0.0.1", "nova_metadata_port": 8775}
    devices = db.scalar(select(func.count()).select_from(Port).where(
        Port.device_owner != "", Port.device_owner != DEVICE_OWNER_FLOATINGIP)) or 0
    return {"bridge_mappings": {}, "devices": devices, "extensions": [], "interface_mappings": {"public": "br-ex"},
            "l2_population": False, "tunnel_types": ["vxlan"], "tunneling_ip": "127.0.0.1"}


def render(svc: NetworkService, db: Session, rows: list[Agent]) -> list[dict[str, Any]]:
    """Agents as Neutron reports them. With a driver that runs real processes (linux) an agent of the lab's
    host is alive while they work, and its heartbeat is when the driver last saw them so; otherwise an agent of
    the lab's own host has just reported (alive)."""
    host, now = svc.host, svc.now()
    states = svc.driver.agent_states()
    out = []
    for r in rows:
        alive, heartbeat = r.host == host, now if r.host == host else r.started_at
        state = states.get(r.agent_type) if states is not None and r.host == host else None
        if state is not None:
            alive = state.alive
            heartbeat = now - timedelta(seconds=max(0.0, time.time() - state.last_seen))
        out.append(S.agent(r, _configurations(db, r), heartbeat=heartbeat, alive=alive))
    return out


def hosting_network(svc: NetworkService, db: Session, ctx: RequestContext, network_id: str) -> list[Agent]:
    """The DHCP agents serving a network: the enabled DHCP agent, if the network has a DHCP port."""
    authorize(svc, ctx, "get_dhcp-agents", {"project_id": None})
    if db.get(Network, network_id) is None:
        raise NotFound(f"Network {network_id} could not be found.", neutron_type="NetworkNotFound")
    if not _hosts(db, network_id):
        return []
    return list(db.scalars(select(Agent).where(Agent.agent_type == DHCP, Agent.admin_state_up.is_(True))))


def _hosts(db: Session, network_id: str) -> bool:
    """Whether the DHCP agent hosts the network: as an admin scheduled it, else while it has a DHCP port."""
    chosen = db.get(DhcpScheduling, network_id)
    if chosen is not None:
        return chosen.hosted
    return db.scalar(select(Port.id).where(Port.network_id == network_id,
                                           Port.device_owner == DEVICE_OWNER_DHCP)) is not None


def schedule_network(svc: NetworkService, db: Session, ctx: RequestContext, agent_id: str, network_id: Any,
                     hosted: bool) -> None:
    """Add a network to a DHCP agent (`hosted`) or remove it. Raises AgentNotFound, NetworkNotFound (404),
    InvalidDHCPAgent (400) for another kind of agent or a disabled one, NetworkHostedByDHCPAgent or
    NetworkNotHostedByDhcpAgent (409)."""
    agent = get_agent(db, ctx, agent_id)
    authorize(svc, ctx, "create_dhcp-network" if hosted else "delete_dhcp-network", {"project_id": None})
    if not isinstance(network_id, str) or not network_id:
        raise BadRequest("Failed to parse request. Required attribute 'network_id' not specified",
                         neutron_type="HTTPBadRequest")
    if agent.agent_type != DHCP or (hosted and not agent.admin_state_up):
        raise BadRequest(f"Agent {agent.id} is not a valid DHCP Agent or has been disabled",
                         neutron_type="InvalidDHCPAgent")
    if db.get(Network, network_id) is None:
        raise NotFound(f"Network {network_id} could not be found.", neutron_type="NetworkNotFound")
    if _hosts(db, network_id) == hosted:
        raise Conflict(f"The network {network_id} has been already hosted by the DHCP Agent {agent.id}."
                       if hosted else f"The network {network_id} is not hosted by the DHCP agent {agent.id}.",
                       neutron_type="NetworkHostedByDHCPAgent" if hosted else "NetworkNotHostedByDhcpAgent")
    row = db.get(DhcpScheduling, network_id) or DhcpScheduling(network_id=network_id)
    row.hosted = hosted
    db.add(row)
    db.flush()


def hosting_router(svc: NetworkService, db: Session, ctx: RequestContext, router_id: str) -> list[Agent]:
    """The L3 agents hosting a router: the enabled L3 agent."""
    authorize(svc, ctx, "get_l3-agents", {"project_id": None})
    if db.get(Router, router_id) is None:
        raise NotFound(f"Router {router_id} could not be found", neutron_type="RouterNotFound")
    chosen = db.get(L3Scheduling, router_id)
    if chosen is not None and not chosen.hosted:
        return []
    return list(db.scalars(select(Agent).where(Agent.agent_type == L3, Agent.admin_state_up.is_(True))))


def schedule_router(svc: NetworkService, db: Session, ctx: RequestContext, agent_id: str, router_id: Any,
                    hosted: bool) -> None:
    """Add a router to an L3 agent (`hosted`) or remove it (Neutron's add_router_to_l3_agent and
    remove_router_from_l3_agent). Raises AgentNotFound, RouterNotFound, InvalidL3Agent (404: another kind of
    agent, or a disabled one for an add), RouterNotHostedByL3Agent (409). Adding a router the agent already
    hosts is a no-op, as in Neutron."""
    agent = get_agent(db, ctx, agent_id)
    authorize(svc, ctx, "create_l3-router" if hosted else "delete_l3-router", {"project_id": None})
    if not isinstance(router_id, str) or not router_id:
        raise BadRequest("Failed to parse request. Required attribute 'router_id' not specified",
                         neutron_type="HTTPBadRequest")
    if db.get(Router, router_id) is None:
        raise NotFound(f"Router {router_id} could not be found", neutron_type="RouterNotFound")
    if agent.agent_type != L3 or (hosted and not agent.admin_state_up):
        raise NotFound(f"Agent {agent.id} is not a L3 Agent or has been disabled", neutron_type="InvalidL3Agent")
    row = db.get(L3Scheduling, router_id)
    now_hosted = row is None or row.hosted
    if not hosted and not now_hosted:
        raise Conflict(f"The router {router_id} is not hosted by L3 agent {agent.id}.",
                       neutron_type="RouterNotHostedByL3Agent")
    row = row or L3Scheduling(router_id=router_id)
    row.hosted = hosted
    db.add(row)
    db.flush()


def hosted(svc: NetworkService, db: Session, ctx: RequestContext, agent_id: str, kind: str) -> list[Any]:
    """`GET /agents/{id}/dhcp-networks` or `/l3-routers`: what the agent hosts (nothing while disabled)."""
    agent = get_agent(db, ctx, agent_id)
    authorize(svc, ctx, "get_dhcp-networks" if kind == "networks" else "get_l3-routers", {"project_id": None})
    if not agent.admin_state_up:
        return []
    if kind == "networks" and agent.agent_type == DHCP:
        with_port = select(Port.network_id).where(Port.device_owner == DEVICE_OWNER_DHCP)
        added = select(DhcpScheduling.network_id).where(DhcpScheduling.hosted.is_(True))
        removed = select(DhcpScheduling.network_id).where(DhcpScheduling.hosted.is_(False))
        return list(db.scalars(select(Network).where(or_(Network.id.in_(with_port), Network.id.in_(added)),
                                                     Network.id.not_in(removed)).order_by(Network.created_at)))
    if kind == "routers" and agent.agent_type == L3:
        removed = select(L3Scheduling.router_id).where(L3Scheduling.hosted.is_(False))
        return list(db.scalars(select(Router).where(Router.id.not_in(removed)).order_by(Router.created_at)))
    return []
