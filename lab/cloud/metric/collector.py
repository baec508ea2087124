"""The collector: Ceilometer's compute agent and notification agent in one periodic worker task, on the lab
clock.

It reads the servers through the compute contract (lab/cloud/contracts.py `Compute.metered_servers`), as
Ceilometer asks Nova. Every `POLL_SECONDS` of lab time it (1) keeps one `instance` resource per server,
created with its metrics when the server appears and `ended_at` set when it is deleted, as Ceilometer does
from Nova's notifications;
(2) samples each ACTIVE server once per `STEP` (the `low` policy's granularity): the libvirt driver's counters
(`cpu_time`, interface bytes) become `cpu_util` and cumulative byte meters; the fake driver has no real load,
so it is given a deterministic one: idle by default, busy with the server metadata `load=busy`, or a number
(`load=40` ≈ 40 % CPU); (3) prunes measures past their archive policy's timespan (counted back from each
metric's newest measure).

A clock jump (`stacklab clock advance 30d`) is filled with measures, at most `MAX_FILL` per metric per run
(the step widens: 30 days become hourly points), so a month costs a few thousand rows per server, not 8640 × n.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from lab.cloud import contracts
from lab.cloud.drivers.base import DriverError
from lab.cloud.metric import blocks
from lab.cloud.metric.archive import epoch
from lab.cloud.metric.models import ArchivePolicy, CollectorState, Metric, MetricResource

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from lab.cloud.app import Cloud

log = logging.getLogger(__name__)
POLL_SECONDS = 5.0  # (the plugin's Periodic): new servers get their resource this soon; samples come every STEP
STEP = blocks.STEP  # seconds between two samples of a server (the `low` policy's granularity)
MAX_FILL = 720  # samples per metric per run when the clock jumped
SERVICE_USER, SERVICE_PROJECT = "ceilometer", "service"  # the creator Gnocchi records for collected resources
# Ceilometer's meter names and units; the archive policy comes from the rules (`default`: low).
METERS = (("cpu_util", "%"), ("memory.usage", "MB"), ("network.incoming.bytes", "B"),
          ("network.outgoing.bytes", "B"))


def collect(cloud: Cloud) -> None:
    """One round (the plugin's periodic task; tests call it directly)."""
    now = cloud.clock.now()
    compute = cloud.compute  # the servers, read through the compute contract (lab/cloud/contracts.py)
    with cloud.db.read() as db:
        stale = resources_stale(db, compute)
    if stale:  # a write transaction only when a server came or went (SQLite has one writer at a time)
        with cloud.db.write() as db:
            sync_resources(db, compute, now)
    with cloud.db.read() as db:
        # Only servers whose last sample is a STEP old: most rounds (every POLL_SECONDS) sample none.
        recent = set(db.scalars(select(CollectorState.server_id).where(
            CollectorState.sampled_at > now - timedelta(seconds=STEP))))
        active = [(s.id, s.ram_mb, s.vcpus, s.metadata)
                  for s in compute.metered_servers(db, active_only=True, skip=recent)]
    for server_id, ram, vcpus, metadata in active:
        try:
            sample(cloud, now, server_id, ram, vcpus, metadata)
        except DriverError as exc:  # a guest the driver lost: nothing to read this round
            log.info("collector: %s: %s", server_id, exc)
    if active:
        with cloud.db.write() as db:
            prune(db, [server_id for server_id, *_ in active])


def resources_stale(db: Session, compute: contracts.Compute) -> bool:
    """Whether a server has no resource yet, or a deleted server's resource has not ended."""
    live = compute.existing_server_ids(db)
    open_ = set(db.scalars(select(MetricResource.id).where(MetricResource.type == "instance",
                                                          MetricResource.ended_at.is_(None))))
    if live - open_ and live - set(db.scalars(select(MetricResource.id).where(MetricResource.id.in_(live - open_)))):
        return True
    return bool(open_ - live)


def sync_resources(db: Session, compute: contracts.Compute, now: datetime) -> None:
    """One `instance` resource per server (with its metrics); `ended_at` once the server is deleted."""
    known = {r.id: r for r in db.scalars(select(MetricResource).where(MetricResource.type == "instance",
                                                                        MetricResource.ended_at.is_(None)))}
    have = set(db.scalars(select(MetricResource.id).where(MetricResource.type == "instance")))
    servers = compute.metered_servers(db, skip=have)
    for s in servers:
        db.add(MetricResource(
            id=s.id, original_resource_id=s.id, type="instance", project_id=s.project_id, user_id=s.user_id,
            created_by_user_id=SERVICE_USER, created_by_project_id=SERVICE_PROJECT, started_at=s.created_at,
            revision_start=now, attributes={
                "display_name": s.name, "flavor_id": s.flavor_id, "flavor_name": s.flavor_name,
                "image_ref": s.image_id, "host": s.host or "stacklab", "server_group": None}))
        db.flush()
        for name, unit in METERS:
            db.add(Metric(name=name, unit=unit, resource_id=s.id, archive_policy_name="low",
                          created_by_user_id=SERVICE_USER, created_by_project_id=SERVICE_PROJECT))
    live = compute.existing_server_ids(db) if known else set()
    gone = [rid for rid in known if rid not in live]
    ended = compute.deleted_at(db, gone) if gone else {}
    for rid in gone:
        known[rid].ended_at = ended.get(rid) or now
        known[rid].revision_start = now


def _noise(server_id: str, moment: float) -> float:
    """A deterministic number in [0, 1) for a server at a moment (the same lab reruns the same curve)."""
    digest = hashlib.sha256(f"{server_id}:{int(moment)}".encode()).digest()
    return int.from_bytes(digest[:4], "big") / 2**32


def fake_load(server_id: str, metadata: dict[str, Any], moment: float) -> float:
    """The fake driver's CPU %: metadata `load` = idle (1-6 %), busy (85-99 %) or a number (± 5 %)."""
    load = str(metadata.get("load", "idle")).strip().lower()
    noise = _noise(server_id, moment)
    if load == "busy":
        return round(85 + 14 * noise, 2)
    try:
        level = float(load.rstrip("%"))
    except ValueError:
        return round(1 + 5 * noise, 2)
    return round(min(100.0, max(0.0, level + 10 * noise - 5)), 2)


def sample(cloud: Cloud, now: datetime, server_id: str, ram_mb: int, vcpus: int, metadata: dict[str, Any]) -> None:
    with cloud.db.read() as db:
        metrics = {m.name: m.id for m in db.scalars(select(Metric).where(Metric.resource_id == server_id))}
        state = db.get(CollectorState, server_id)
        last = state.sampled_at if state else None
        counters = dict(state.counters) if state else {}
    if not metrics:
        return
    if last is not None and (now - last).total_seconds() < STEP:
        return
    span = (now - last).total_seconds() if last else 0.0
    step = max(float(STEP), span / MAX_FILL)
    moments = [last + timedelta(seconds=step * i) for i in range(1, int(span // step) + 1)] if last else [now]
    if not moments:
        return
    fake = cloud.compute_driver.name == "fake"
    stats = None if fake else cloud.compute_driver.guest_stats(server_id)
    rows: dict[str, list[tuple[datetime, float]]] = {mid: [] for mid in metrics.values()}
    rx, tx = float(counters.get("rx", 0)), float(counters.get("tx", 0))
    prev = last
    for t in moments:
        seconds = (t - prev).total_seconds() if prev else float(STEP)
        if stats is None:
            cpu = fake_load(server_id, metadata, epoch(t))
            memory = round(ram_mb * (0.2 + 0.006 * cpu), 1)
            rx += seconds * (200 + 50 * cpu)  # bytes: a little traffic, more when busy
            tx += seconds * (100 + 30 * cpu)
        else:
            wall = (now - last).total_seconds() if last else 0.0
            used = stats.cpu_time_ns - float(counters.get("cpu_ns", stats.cpu_time_ns))
            cpu = round(min(100.0, max(0.0, used / (wall * 1e9 * vcpus) * 100)), 2) if wall > 0 else 0.0
            memory = float(stats.memory_used_mb)
            rx, tx = float(stats.net_rx_bytes), float(stats.net_tx_bytes)
        for name, value in (("cpu_util", cpu), ("memory.usage", memory), ("network.incoming.bytes", rx),
                            ("network.outgoing.bytes", tx)):
            if name == "memory.usage" and stats is not None and not memory:
                continue  # the driver could not read it (GuestStats leaves it 0): no sample, as Ceilometer skips
            rows[metrics[name]].append((t, value))
        prev = t
    kept = {"rx": rx, "tx": tx, **({"cpu_ns": stats.cpu_time_ns} if stats is not None else {})}
    with cloud.db.write() as db:
        if db.get(MetricResource, server_id) is None:
            return  # purged meanwhile
        for mid, points in rows.items():
            blocks.write(db, mid, points)
        state = db.get(CollectorState, server_id)
        if state is None:
            db.add(CollectorState(server_id=server_id, sampled_at=moments[-1], counters=kept))
        else:
            state.sampled_at, state.counters = moments[-1], kept


def prune(db: Session, server_ids: list[str]) -> None:
    """Drop the servers' measures older than their archive policy's longest timespan before the metric's newest
    measure (Gnocchi keeps the last `points` of each series, counted back from its newest point)."""
    spans = {p.name: max((d["granularity"] * d["points"] for d in p.definition), default=0)
             for p in db.scalars(select(ArchivePolicy))}
    for metric_id, policy in db.execute(select(Metric.id, Metric.archive_policy_name)
                                        .where(Metric.resource_id.in_(server_ids))):
        blocks.prune(db, metric_id, spans.get(policy, 0))
