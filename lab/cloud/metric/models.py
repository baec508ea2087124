"""Metric storage: Gnocchi's archive policies and rules, resources (with their type's attributes as JSON),
metrics, and raw measures. Measures are kept raw and aggregated when read; the collector prunes those older
than the longest timespan of their metric's archive policy (see archive.py), which bounds the table."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lab.cloud.db import Base, new_id


class ArchivePolicy(Base):
    __tablename__ = "gnocchi_archive_policies"
    name: Mapped[str] = mapped_column(String(255), primary_key=True)
    back_window: Mapped[int] = mapped_column(Integer, default=0)
    definition: Mapped[list[Any]] = mapped_column(default=list)  # [{"granularity": seconds, "points": n}]
    aggregation_methods: Mapped[list[Any]] = mapped_column(default=list)


class ArchivePolicyRule(Base):
    __tablename__ = "gnocchi_archive_policy_rules"
    name: Mapped[str] = mapped_column(String(255), primary_key=True)
    metric_pattern: Mapped[str] = mapped_column(String(255))
    archive_policy_name: Mapped[str] = mapped_column(ForeignKey("gnocchi_archive_policies.name"))


class ResourceType(Base):
    """A resource type an operator created (the built-in ones are schemas.RESOURCE_TYPES, never stored)."""

    __tablename__ = "gnocchi_resource_types"
    name: Mapped[str] = mapped_column(String(255), primary_key=True)
    attributes: Mapped[dict[str, Any]] = mapped_column(default=dict)  # name -> Gnocchi's attribute definition


class MetricResource(Base):
    __tablename__ = "gnocchi_resources"
    __table_args__ = (Index("ix_gnocchi_resources_project", "project_id"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    original_resource_id: Mapped[str] = mapped_column(String(255))
    type: Mapped[str] = mapped_column(String(64))
    project_id: Mapped[str | None] = mapped_column(String(64))
    user_id: Mapped[str | None] = mapped_column(String(64))
    created_by_user_id: Mapped[str] = mapped_column(String(64))
    created_by_project_id: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    revision_start: Mapped[datetime]
    attributes: Mapped[dict[str, Any]] = mapped_column(default=dict)  # the resource type's own attributes


class Metric(Base):
    __tablename__ = "gnocchi_metrics"
    __table_args__ = (UniqueConstraint("resource_id", "name"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str | None] = mapped_column(String(255))
    unit: Mapped[str | None] = mapped_column(String(31))
    archive_policy_name: Mapped[str] = mapped_column(ForeignKey("gnocchi_archive_policies.name"))
    resource_id: Mapped[str | None] = mapped_column(
        ForeignKey("gnocchi_resources.id", ondelete="CASCADE"), index=True)
    created_by_user_id: Mapped[str] = mapped_column(String(64))
    created_by_project_id: Mapped[str] = mapped_column(String(64))


class Measure(Base):
    __tablename__ = "gnocchi_measures"
    __table_args__ = (Index("ix_gnocchi_measures_metric_time", "metric_id", "timestamp"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    metric_id: Mapped[str] = mapped_column(ForeignKey("gnocchi_metrics.id", ondelete="CASCADE"))
    timestamp: Mapped[datetime]
    value: Mapped[float] = mapped_column(Float)


class CollectorState(Base):
    """Per server, what the collector saw last: when, and the driver's cumulative counters then."""

    __tablename__ = "gnocchi_collector"
    server_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    sampled_at: Mapped[datetime]
    counters: Mapped[dict[str, Any]] = mapped_column(default=dict)


class MeasureBlock(Base):
    """A day of a collected metric: one float32 per `blocks.STEP` slot (NaN where there was no sample). The
    collector's measures are stored so (1.1 KB per metric-day, where a row per measure costs ~160 B), which
    keeps a class's month of monitoring within a few MB; measures pushed through the API are `Measure` rows."""

    __tablename__ = "gnocchi_measure_blocks"
    metric_id: Mapped[str] = mapped_column(ForeignKey("gnocchi_metrics.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[int] = mapped_column(Integer, primary_key=True)  # days since the epoch (UTC)
    values: Mapped[bytes] = mapped_column(LargeBinary)
