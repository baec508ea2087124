"""Metering: usage intervals per resource, replayed from the event table (nothing polls a service).

Every service records an event, in the same transaction as the change, for each create, delete, resize, power
change (for a server: stop, suspend and shelve stop the running charge, a shelve offload ends the flavor's
charge until an unshelve) and upload. What is metered, and how, is what the plugins declare (`Meter`, see
meters.py): a resource type and a measure (`presence`, `size` in GB, `bytes`, or `server` by flavor and power
state). Replaying one resource's events in order gives its `Segment`s: spans of time during which it used one
meter (a running server of flavor m1.tiny, a stopped one, a 10 GB volume, a floating IP, ...). A segment still
open has `end=None`. A delete closes the last segment and nothing after it is ever metered: a server deleted in
BUILD or ERROR is metered from its create to its delete, as a server in any other state.

`hourly_usage` cuts segments into clock hours (the rating period, CloudKitty's default of 3600 s), in whole
milliseconds so the pieces of an interval always add up to the interval.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from lab.cloud.billing.meters import STOPPED, MeterTable
from lab.cloud.events import Event
from lab.cloud.plugin import Meter

GIB = Decimal(1024**3)
_EPOCH = datetime(1970, 1, 1)
# Server events that stop the running charge (the stopped rate applies: the disk is still kept) and those that
# start it again; `shelve_offload` ends every charge of the flavor until an unshelve.
SERVER_OFF = ("power_off", "suspend", "shelve")
SERVER_ON = ("power_on", "reboot", "resume", "unshelve", "unrescue")


@dataclass(frozen=True)
class State:
    """What a resource is using at a moment: a meter, its variant (flavor name or size) and size."""

    meter: str
    variant: str
    size: Decimal = Decimal(1)
    vcpus: int = 0
    ram_mb: int = 0


@dataclass(frozen=True)
class Segment:
    project_id: str
    resource_type: str
    resource_id: str
    name: str
    state: State
    start: datetime
    end: datetime | None  # None: still in use


@dataclass(frozen=True)
class HourUsage:
    """One segment's share of one clock hour."""

    segment: Segment
    period_start: datetime
    start: datetime
    end: datetime
    milliseconds: int


def floor_hour(t: datetime) -> datetime:
    return t.replace(minute=0, second=0, microsecond=0)


def to_ms(t: datetime) -> int:
    """Milliseconds since the epoch, truncated: durations are differences of these, so they always add up."""
    delta = t - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000


def month_of(t: datetime) -> str:
    return f"{t.year:04d}-{t.month:02d}"


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """'2026-11' -> (2026-11-01 00:00, 2026-12-01 00:00). Raises ValueError for anything else."""
    start = datetime.strptime(month, "%Y-%m")
    end = start.replace(year=start.year + 1, month=1) if start.month == 12 else start.replace(month=start.month + 1)
    return start, end


def utc_naive(t: datetime) -> datetime:
    return t.astimezone(UTC).replace(tzinfo=None) if t.tzinfo else t


def _server_state(kind: str, attrs: dict[str, Any], running: bool) -> State:
    return State(kind if running else kind + STOPPED, str(attrs.get("flavor_name") or attrs.get("flavor_id")),
                 vcpus=int(attrs.get("vcpus") or 0), ram_mb=int(attrs.get("ram") or 0))


def _sized(meter: str, size: Decimal) -> State | None:
    if size <= 0:
        return None  # an image with no data yet stores nothing
    return State(meter, f"{size.normalize():f}GB", size=size)


class _Replay:
    """One resource's events, in order, turned into segments."""

    def __init__(self, first: Event, meter: Meter):
        self.measure = meter.measure
        self.resource_type = first.resource_type
        self.resource_id = first.resource_id
        self.project_id = first.project_id
        self.name = ""
        self.current: State | None = None
        self.since: datetime | None = None
        self.running = True
        self.offloaded = False
        self.size = Decimal(0)
        self.deleted = False
        self.segments: list[Segment] = []

    def _switch(self, state: State | None, at: datetime) -> None:
        if state == self.current:
            return
        if self.current is not None and self.since is not None and self.project_id and at > self.since:
            self.segments.append(Segment(self.project_id, self.resource_type, self.resource_id, self.name,
                                         self.current, self.since, at))
        self.current, self.since = state, at

    def apply(self, event: Event) -> None:
        if self.deleted:
            return  # never meter anything after a delete
        attrs = event.attributes or {}
        self.project_id = self.project_id or event.project_id
        name = attrs.get("name") or attrs.get("floating_ip_address")
        if name:
            self.name = str(name)
        if event.action == "delete":
            self._switch(None, event.time)
            self.deleted = True
            return
        if event.action == "transfer" and attrs.get("to_project_id"):  # a volume transfer: billed to the receiver
            current = self.current
            self._switch(None, event.time)
            self.project_id = str(attrs["to_project_id"])
            self._switch(current, event.time)
            return
        kind = self.resource_type
        state: State | None
        if self.measure == "server":
            if attrs.get("error"):
                return  # a failed action changed nothing (compute records it for the server's history)
            if event.action in SERVER_OFF:
                self.running = False
            elif event.action in SERVER_ON:
                self.running, self.offloaded = True, False
            elif event.action == "shelve_offload":
                self.offloaded = True
            elif event.action == "rebuild":
                self.running = not attrs.get("stopped")
            if self.offloaded:
                state = None  # a shelved-offloaded server holds nothing on the host: no flavor charge
            elif attrs.get("flavor_name") or attrs.get("flavor_id"):
                state = _server_state(kind, attrs, self.running)
            else:
                state = self.current
        elif self.measure == "size":  # GB, as volumes and snapshots record it
            if "size" in attrs:
                self.size = Decimal(str(attrs["size"]))
            state = _sized(kind, self.size)
        elif self.measure == "bytes":  # bytes, as images record it, billed per GB
            if "size" in attrs:
                self.size = Decimal(int(attrs["size"] or 0)) / GIB
            state = _sized(kind, self.size)
        else:  # presence (floating IPs, routers): there or not
            state = State(kind, "")
        self._switch(state, event.time)

    def finish(self) -> list[Segment]:
        if self.current is not None and self.since is not None and self.project_id:
            self.segments.append(Segment(self.project_id, self.resource_type, self.resource_id, self.name,
                                         self.current, self.since, None))
        return self.segments


def segments_from_events(events: Iterable[Event], meters: MeterTable) -> list[Segment]:
    """Every metered resource's segments, from its events (given in time order, ties by id); events of a
    resource type no meter declares are skipped."""
    replays: dict[str, _Replay] = {}
    for event in events:
        meter = meters.get(event.resource_type)
        if meter is None:
            continue
        replay = replays.get(event.resource_id)
        if replay is None:
            replay = replays[event.resource_id] = _Replay(event, meter)
        replay.apply(event)
    return [segment for replay in replays.values() for segment in replay.finish()]


def hourly_usage(segments: Iterable[Segment], start: datetime, end: datetime) -> Iterator[HourUsage]:
    """The segments' use of every clock hour inside [start, end), cut at hour boundaries."""
    for segment in segments:
        lo = max(segment.start, start)
        hi = min(segment.end or end, end)
        while lo < hi:
            hour = floor_hour(lo)
            cut = min(hi, hour + timedelta(hours=1))
            milliseconds = to_ms(cut) - to_ms(lo)
            if milliseconds > 0:
                yield HourUsage(segment, hour, lo, cut, milliseconds)
            lo = cut
