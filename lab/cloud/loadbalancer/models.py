"""Load balancing's stored state: Octavia's object graph, one table per kind, each row in one project.

A load balancer owns its listeners and pools; a pool owns its members and at most one health monitor; a
listener owns its L7 policies, which own their rules. Rows are deleted when the object is gone (the event
table keeps the history). `provisioning_status` is stored (the worker moves it); `operating_status` is not:
it is derived on every read from the members' servers (health.py), as Octavia's health manager would report.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lab.cloud.db import Base, new_id


class LoadBalancer(Base):
    __tablename__ = "lb_loadbalancers"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    project_id: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    description: Mapped[str] = mapped_column(String(255), default="")
    admin_state_up: Mapped[bool] = mapped_column(default=True)
    provisioning_status: Mapped[str] = mapped_column(String(16), default="PENDING_CREATE")
    vip_address: Mapped[str] = mapped_column(String(64), default="")
    vip_port_id: Mapped[str] = mapped_column(String(36), default="")
    vip_subnet_id: Mapped[str] = mapped_column(String(36), default="")
    vip_network_id: Mapped[str] = mapped_column(String(36), default="")
    provider: Mapped[str] = mapped_column(String(64), default="amphora")
    tags: Mapped[list[Any]] = mapped_column(default=list)
    # What the traffic tool counted (traffic.py): Octavia's stats of the load balancer.
    bytes_in: Mapped[int] = mapped_column(Integer, default=0)
    bytes_out: Mapped[int] = mapped_column(Integer, default=0)
    total_connections: Mapped[int] = mapped_column(Integer, default=0)
    request_errors: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime | None]


class Listener(Base):
    __tablename__ = "lb_listeners"
    __table_args__ = (UniqueConstraint("loadbalancer_id", "protocol_port", "protocol"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    project_id: Mapped[str] = mapped_column(String(64), index=True)
    loadbalancer_id: Mapped[str] = mapped_column(ForeignKey("lb_loadbalancers.id"), index=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    description: Mapped[str] = mapped_column(String(255), default="")
    admin_state_up: Mapped[bool] = mapped_column(default=True)
    provisioning_status: Mapped[str] = mapped_column(String(16), default="PENDING_CREATE")
    protocol: Mapped[str] = mapped_column(String(32))
    protocol_port: Mapped[int] = mapped_column(Integer)
    connection_limit: Mapped[int] = mapped_column(Integer, default=-1)
    default_pool_id: Mapped[str | None] = mapped_column(String(36))
    insert_headers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    timeouts: Mapped[dict[str, Any]] = mapped_column(default=dict)  # timeout_client_data, ... (ms)
    allowed_cidrs: Mapped[list[Any]] = mapped_column(default=list)
    tags: Mapped[list[Any]] = mapped_column(default=list)
    bytes_in: Mapped[int] = mapped_column(Integer, default=0)
    bytes_out: Mapped[int] = mapped_column(Integer, default=0)
    total_connections: Mapped[int] = mapped_column(Integer, default=0)
    request_errors: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime | None]


class Pool(Base):
    __tablename__ = "lb_pools"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    project_id: Mapped[str] = mapped_column(String(64), index=True)
    loadbalancer_id: Mapped[str] = mapped_column(ForeignKey("lb_loadbalancers.id"), index=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    description: Mapped[str] = mapped_column(String(255), default="")
    admin_state_up: Mapped[bool] = mapped_column(default=True)
    provisioning_status: Mapped[str] = mapped_column(String(16), default="PENDING_CREATE")
    protocol: Mapped[str] = mapped_column(String(32))
    lb_algorithm: Mapped[str] = mapped_column(String(32))
    session_persistence: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    tls_enabled: Mapped[bool] = mapped_column(default=False)
    tags: Mapped[list[Any]] = mapped_column(default=list)
    # Round robin's place (traffic.py), so successive requests go to successive members.
    next_member: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime | None]


class Member(Base):
    __tablename__ = "lb_members"
    __table_args__ = (UniqueConstraint("pool_id", "address", "protocol_port"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    project_id: Mapped[str] = mapped_column(String(64), index=True)
    pool_id: Mapped[str] = mapped_column(ForeignKey("lb_pools.id"), index=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    admin_state_up: Mapped[bool] = mapped_column(default=True)
    provisioning_status: Mapped[str] = mapped_column(String(16), default="PENDING_CREATE")
    address: Mapped[str] = mapped_column(String(64))
    protocol_port: Mapped[int] = mapped_column(Integer)
    weight: Mapped[int] = mapped_column(Integer, default=1)
    backup: Mapped[bool] = mapped_column(default=False)
    subnet_id: Mapped[str | None] = mapped_column(String(36))
    monitor_address: Mapped[str | None] = mapped_column(String(64))
    monitor_port: Mapped[int | None] = mapped_column(Integer)
    tags: Mapped[list[Any]] = mapped_column(default=list)
    # Requests the traffic tool sent to this member (traffic.py).
    served: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime | None]


class HealthMonitor(Base):
    __tablename__ = "lb_healthmonitors"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    project_id: Mapped[str] = mapped_column(String(64), index=True)
    pool_id: Mapped[str] = mapped_column(ForeignKey("lb_pools.id"), unique=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    admin_state_up: Mapped[bool] = mapped_column(default=True)
    provisioning_status: Mapped[str] = mapped_column(String(16), default="PENDING_CREATE")
    type: Mapped[str] = mapped_column(String(32))
    delay: Mapped[int] = mapped_column(Integer)
    timeout: Mapped[int] = mapped_column(Integer)
    max_retries: Mapped[int] = mapped_column(Integer)
    max_retries_down: Mapped[int] = mapped_column(Integer, default=3)
    http_method: Mapped[str | None] = mapped_column(String(16))
    url_path: Mapped[str | None] = mapped_column(String(255))
    expected_codes: Mapped[str | None] = mapped_column(String(64))
    http_version: Mapped[float | None] = mapped_column(default=None)
    domain_name: Mapped[str | None] = mapped_column(String(255))
    tags: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime | None]


class L7Policy(Base):
    __tablename__ = "lb_l7policies"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    project_id: Mapped[str] = mapped_column(String(64), index=True)
    listener_id: Mapped[str] = mapped_column(ForeignKey("lb_listeners.id"), index=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    description: Mapped[str] = mapped_column(String(255), default="")
    admin_state_up: Mapped[bool] = mapped_column(default=True)
    provisioning_status: Mapped[str] = mapped_column(String(16), default="PENDING_CREATE")
    action: Mapped[str] = mapped_column(String(32))
    position: Mapped[int] = mapped_column(Integer, default=1)
    redirect_pool_id: Mapped[str | None] = mapped_column(String(36))
    redirect_url: Mapped[str | None] = mapped_column(String(255))
    redirect_prefix: Mapped[str | None] = mapped_column(String(255))
    redirect_http_code: Mapped[int | None] = mapped_column(Integer)
    tags: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime | None]


class L7Rule(Base):
    __tablename__ = "lb_l7rules"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    project_id: Mapped[str] = mapped_column(String(64), index=True)
    l7policy_id: Mapped[str] = mapped_column(ForeignKey("lb_l7policies.id"), index=True)
    admin_state_up: Mapped[bool] = mapped_column(default=True)
    provisioning_status: Mapped[str] = mapped_column(String(16), default="PENDING_CREATE")
    type: Mapped[str] = mapped_column(String(32))
    compare_type: Mapped[str] = mapped_column(String(32))
    key: Mapped[str | None] = mapped_column(String(255))
    value: Mapped[str] = mapped_column(String(255))
    invert: Mapped[bool] = mapped_column(default=False)
    tags: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime | None]
