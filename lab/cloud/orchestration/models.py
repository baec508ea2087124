"""Orchestration's stored state: stacks, the resources each holds, and their events.

A stack row keeps its template, environment and files as sent (what `template show` answers), the parameters
as resolved, and the owner's user, project and roles (the engine acts as that owner, see engine.py). A nested
stack (the members of an OS::Heat::ResourceGroup) is a stack with a `parent_id`, hidden from `stack list`.
Deleted stacks keep their row (`deleted_at` set) so `stack show <id>` answers DELETE_COMPLETE, as Heat does.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lab.cloud.db import Base, new_id


class Stack(Base):
    __tablename__ = "heat_stacks"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(255), index=True)
    project_id: Mapped[str] = mapped_column(String(64), index=True)
    user_id: Mapped[str] = mapped_column(String(64))
    user_name: Mapped[str] = mapped_column(String(255), default="")
    project_name: Mapped[str] = mapped_column(String(255), default="")
    roles: Mapped[list[Any]] = mapped_column(default=list)  # the creator's roles, delegated to the engine
    parent_id: Mapped[str | None] = mapped_column(String(36), index=True)
    parent_resource: Mapped[str | None] = mapped_column(String(255))
    action: Mapped[str] = mapped_column(String(32), default="CREATE")
    status: Mapped[str] = mapped_column(String(32), default="IN_PROGRESS")
    status_reason: Mapped[str] = mapped_column(Text, default="")
    template: Mapped[dict[str, Any]] = mapped_column(default=dict)
    environment: Mapped[dict[str, Any]] = mapped_column(default=dict)
    files: Mapped[dict[str, Any]] = mapped_column(default=dict)
    parameters: Mapped[dict[str, Any]] = mapped_column(default=dict)  # resolved values, by name
    outputs: Mapped[list[Any]] = mapped_column(default=list)  # resolved when the stack completes
    tags: Mapped[list[Any]] = mapped_column(default=list)
    disable_rollback: Mapped[bool] = mapped_column(default=True)
    timeout_mins: Mapped[int | None] = mapped_column(Integer)
    generation: Mapped[int] = mapped_column(Integer, default=0)  # +1 at each create/update: what is settled
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime | None]
    deleted_at: Mapped[datetime | None]


class StackResource(Base):
    __tablename__ = "heat_resources"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    stack_id: Mapped[str] = mapped_column(ForeignKey("heat_stacks.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    type: Mapped[str] = mapped_column(String(255))
    physical_id: Mapped[str | None] = mapped_column(String(255))
    action: Mapped[str] = mapped_column(String(32), default="INIT")
    status: Mapped[str] = mapped_column(String(32), default="COMPLETE")
    status_reason: Mapped[str] = mapped_column(Text, default="")
    properties: Mapped[dict[str, Any]] = mapped_column(default=dict)  # as last applied (resolved)
    requires: Mapped[list[Any]] = mapped_column(default=list)  # the names it depends on, as last applied
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)  # what its type keeps (ids it made, secrets)
    generation: Mapped[int] = mapped_column(Integer, default=0)  # the stack generation it is settled for
    replaced_id: Mapped[str | None] = mapped_column(String(255))  # the physical resource a replacement retires
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime | None]


class StackEvent(Base):
    __tablename__ = "heat_events"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    seq: Mapped[int] = mapped_column(Integer, primary_key=False, index=True)  # the order they happened in
    stack_id: Mapped[str] = mapped_column(ForeignKey("heat_stacks.id", ondelete="CASCADE"), index=True)
    resource_name: Mapped[str] = mapped_column(String(255))
    physical_id: Mapped[str] = mapped_column(String(255), default="")
    resource_type: Mapped[str] = mapped_column(String(255), default="")
    action: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text, default="")
    time: Mapped[datetime]


class StackBackup(Base):
    """What a stack was before its update in progress (Heat's previous raw template): a cancelled update, or a
    failed one with rollback enabled, converges back to it. `rolling_back` marks the rollback under way."""

    __tablename__ = "heat_stack_backups"
    stack_id: Mapped[str] = mapped_column(ForeignKey("heat_stacks.id", ondelete="CASCADE"), primary_key=True)
    template: Mapped[dict[str, Any]] = mapped_column(default=dict)
    environment: Mapped[dict[str, Any]] = mapped_column(default=dict)
    files: Mapped[dict[str, Any]] = mapped_column(default=dict)
    parameters: Mapped[dict[str, Any]] = mapped_column(default=dict)
    rolling_back: Mapped[bool] = mapped_column(default=False)


class SoftwareConfig(Base):
    """A software config (POST /software_configs, or an OS::Heat::SoftwareConfig): immutable once made, as in
    Heat; `config` is the script or document a server's agent runs, `inputs`/`outputs` what it takes and gives."""

    __tablename__ = "heat_software_configs"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    project_id: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    group: Mapped[str] = mapped_column(String(255), default="Heat::Ungrouped")
    config: Mapped[Any] = mapped_column(JSON, nullable=True)  # a string, or a map (structured and component configs)
    inputs: Mapped[list[Any]] = mapped_column(default=list)
    outputs: Mapped[list[Any]] = mapped_column(default=list)
    options: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime]


class SoftwareDeployment(Base):
    """A config applied to a server: IN_PROGRESS until the server's agent signals its outputs (or a PUT sets
    the status), then COMPLETE or FAILED."""

    __tablename__ = "heat_software_deployments"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    project_id: Mapped[str] = mapped_column(String(64), index=True)
    server_id: Mapped[str] = mapped_column(String(255), index=True)
    config_id: Mapped[str] = mapped_column(ForeignKey("heat_software_configs.id"), index=True)
    input_values: Mapped[dict[str, Any]] = mapped_column(default=dict)
    output_values: Mapped[dict[str, Any]] = mapped_column(default=dict)
    action: Mapped[str] = mapped_column(String(32), default="INIT")
    status: Mapped[str] = mapped_column(String(32), default="COMPLETE")
    status_reason: Mapped[str] = mapped_column(Text, default="")
    stack_user_project_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime | None]
