"""Operating status, as Octavia's health manager derives it from haproxy's reports (heartbeat_udp.py), with the
members' servers standing in for haproxy's checks:

- a member with no (enabled) health monitor on its pool is NO_MONITOR: nothing checks it; with one, it is
  ONLINE while the compute port holding its address belongs to an ACTIVE server and ERROR otherwise (a stopped,
  paused or deleted server fails the check); a disabled member is OFFLINE;
- a pool is ONLINE, DEGRADED when some of its checked members are in ERROR, ERROR when all are; a pool that no
  listener sends to is OFFLINE (haproxy has no backend for it);
- a listener is ONLINE; the load balancer is ONLINE, DEGRADED when a pool is DEGRADED and ERROR when one is;
- anything disabled is OFFLINE, anything still being created is OFFLINE, and a health monitor is ONLINE.

Nothing is stored: each read asks the compute service once for the servers the members' addresses belong to.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from lab.cloud.loadbalancer.common import PENDING_CREATE, Graph

if TYPE_CHECKING:
    from lab.cloud.app import Cloud

ONLINE, OFFLINE, DEGRADED, ERROR, NO_MONITOR = "ONLINE", "OFFLINE", "DEGRADED", "ERROR", "NO_MONITOR"


def member_servers(cloud: Cloud, db: Session, g: Graph) -> dict[str, str | None]:
    """Member id -> the status of the server its (monitor) address belongs to; None when no server holds it."""
    devices = {m.id: cloud.network.device_at(db, m.monitor_address or m.address,
                                             None if m.monitor_address else m.subnet_id)
               for m in g.members.values()}
    statuses = cloud.compute.server_statuses(db, [d for d in devices.values() if d])
    return {member_id: statuses.get(device) if device else None for member_id, device in devices.items()}


def operating_statuses(cloud: Cloud, db: Session, g: Graph) -> dict[str, str]:
    """Object id -> operating status for every object of the graph."""
    servers = member_servers(cloud, db, g)
    ops: dict[str, str] = {}
    for lb in g.lbs.values():
        lb_status = ONLINE if lb.admin_state_up else OFFLINE
        for li in g.listeners_of(lb.id):
            ops[li.id] = ONLINE if li.admin_state_up and lb.admin_state_up else OFFLINE
        for pool in g.pools_of(lb.id):
            monitor = g.monitors.get(pool.id)
            checked = monitor is not None and monitor.admin_state_up and monitor.provisioning_status != PENDING_CREATE
            if monitor is not None:
                ops[monitor.id] = ONLINE if monitor.admin_state_up else OFFLINE
            serving = pool.admin_state_up and any(li.admin_state_up for li in g.pool_listeners(pool.id))
            up = down = 0
            for m in g.members_of(pool.id):
                if not m.admin_state_up:
                    ops[m.id] = OFFLINE
                elif not checked:
                    ops[m.id] = NO_MONITOR
                elif servers.get(m.id) == "ACTIVE":
                    ops[m.id], up = ONLINE, up + 1
                else:
                    ops[m.id], down = ERROR, down + 1
            if not serving:
                ops[pool.id] = OFFLINE
                continue
            ops[pool.id] = ERROR if down and not up else DEGRADED if down else ONLINE
            if ops[pool.id] == ERROR:
                lb_status = ERROR if lb_status != OFFLINE else lb_status
            elif ops[pool.id] == DEGRADED and lb_status == ONLINE:
                lb_status = DEGRADED
        ops[lb.id] = lb_status
    for rows in (g.lbs, g.listeners, g.pools, g.members):
        for row in rows.values():
            if row.provisioning_status == PENDING_CREATE:
                ops[row.id] = OFFLINE
    for policy in g.policies.values():
        ops[policy.id] = ONLINE if policy.admin_state_up else OFFLINE
    for rule in g.rules.values():
        ops[rule.id] = ONLINE if rule.admin_state_up else OFFLINE
    return ops
