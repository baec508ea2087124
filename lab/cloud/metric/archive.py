"""Archive policies as Gnocchi defines them, and the aggregation of raw measures into their series.

A policy's definition is a list of (granularity, points): measures are grouped in buckets of `granularity`
seconds and each bucket is reduced by an aggregation method; at most `points` buckets are kept (the timespan).
Gnocchi computes the buckets as measures arrive; the lab keeps the raw measures (pruned past the longest
timespan) and computes the buckets when they are read, which answers the same series."""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from lab.cloud.errors import BadRequest

# gnocchi/archive_policy.py: DEFAULT_AGGREGATION_METHODS and the defaults created at install.
DEFAULT_METHODS = ("mean", "min", "max", "sum", "std", "count")
BASIC_METHODS = ("mean", "sum", "last", "max", "min", "std", "median", "first", "count")
RATE_METHODS = tuple(f"rate:{m}" for m in BASIC_METHODS)
VALID_METHODS = BASIC_METHODS + RATE_METHODS
DAY = 86400


@dataclass(frozen=True)
class Default:
    name: str
    back_window: int
    definition: tuple[tuple[int, int], ...]  # (granularity seconds, points)
    methods: tuple[str, ...] = DEFAULT_METHODS


DEFAULTS = (
    Default("bool", 3600, ((1, 365 * DAY),), ("last",)),
    Default("low", 0, ((300, 30 * DAY // 300),)),
    Default("medium", 0, ((60, 7 * DAY // 60), (3600, 365 * DAY // 3600))),
    Default("high", 0, ((1, 3600), (60, 7 * DAY // 60), (3600, 365 * DAY // 3600))),
)
# The rule Gnocchi's installer adds, so a metric created without a policy (and every collected one) gets one.
DEFAULT_RULE = ("default", "*", "low")

_UNITS = {"s": 1, "sec": 1, "second": 1, "seconds": 1, "m": 60, "min": 60, "minute": 60, "minutes": 60,
          "h": 3600, "hour": 3600, "hours": 3600, "d": DAY, "day": DAY, "days": DAY, "w": 7 * DAY,
          "week": 7 * DAY, "weeks": 7 * DAY, "y": 365 * DAY, "year": 365 * DAY}
_SPAN = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-z]+)\s*$")
_CLOCK = re.compile(r"^(?:(\d+) days?, )?(\d+):(\d\d):(\d\d(?:\.\d+)?)$")


def to_seconds(value: Any, what: str = "timespan") -> float:
    """A timespan as Gnocchi reads one: seconds, `5min`, `1 hour`, or `0:05:00` / `30 days, 0:00:00`."""
    if isinstance(value, bool):
        raise BadRequest(f"Invalid input: Invalid {what}: {value}")
    if isinstance(value, int | float):
        seconds = float(value)
    else:
        text = str(value).strip()
        try:
            seconds = float(text)
        except ValueError:
            seconds = math.nan
            if (m := _SPAN.match(text.lower())) and m.group(2) in _UNITS:
                seconds = float(m.group(1)) * _UNITS[m.group(2)]
            elif m := _CLOCK.match(text):
                seconds = int(m.group(1) or 0) * DAY + int(m.group(2)) * 3600 + int(m.group(3)) * 60 \
                    + float(m.group(4))
    if math.isnan(seconds) or seconds <= 0:
        raise BadRequest(f"Invalid input: Invalid {what}: {value}")
    return seconds


def render_span(seconds: float) -> str:
    """Python's str(timedelta), as Gnocchi renders granularities and timespans ("0:05:00", "30 days, 0:00:00")."""
    return str(timedelta(seconds=seconds))


def parse_definition(items: Any) -> list[dict[str, int]]:
    """A create body's `definition`: each item gives two of granularity, points, timespan."""
    if not isinstance(items, list):
        raise BadRequest("Invalid input: expected a list for dictionary value @ data['definition']")
    if not items:
        raise BadRequest("Invalid input: length of value must be at least 1 for dictionary value @ "
                         "data['definition']")
    out = []
    for item in items:
        if not isinstance(item, dict):
            raise BadRequest("Invalid input: expected a dictionary for dictionary value @ data['definition']")
        extra = set(item) - {"granularity", "points", "timespan"}
        if extra:
            raise BadRequest(f"Invalid input: extra keys not allowed @ data['definition'][0]['{sorted(extra)[0]}']")
        given = {k for k in ("granularity", "points", "timespan") if item.get(k) is not None}
        if len(given) < 2:
            raise BadRequest("Invalid input: At least two of granularity/points/timespan must be provided")
        points = item.get("points")
        if points is not None:
            if isinstance(points, str) and points.isdigit():
                points = int(points)  # the CLI's `-d points:60` sends a string, which Gnocchi coerces
            if not isinstance(points, int) or isinstance(points, bool) or points <= 0:
                raise BadRequest(f"Invalid input: Invalid points: {points}")
        span = to_seconds(item["timespan"]) if item.get("timespan") is not None else None
        if item.get("granularity") is not None:
            granularity = to_seconds(item["granularity"], "granularity")
        else:
            assert span is not None and points is not None
            granularity = span / points
        if points is None:
            assert span is not None
            points = int(span // granularity)
        if granularity != int(granularity) or granularity < 1:
            raise BadRequest(f"Invalid input: Invalid granularity: {item.get('granularity')}")
        if span is not None and span != granularity * points:
            raise BadRequest("Invalid input: timespan ≠ granularity × points")
        out.append({"granularity": int(granularity), "points": int(points)})
    grans = [d["granularity"] for d in out]
    if len(set(grans)) != len(grans):
        raise BadRequest("Invalid input: More than one archive policy uses granularity "
                         f"`{float(next(g for g in grans if grans.count(g) > 1))}'")
    return sorted(out, key=lambda d: d["granularity"])


def parse_methods(value: Any) -> list[str]:
    """`aggregation_methods` of a create: names, `*` for all basic ones, `+m`/`-m` relative to the defaults."""
    if value is None:
        return list(DEFAULT_METHODS)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise BadRequest("Invalid input: expected a list for dictionary value @ data['aggregation_methods']")
    methods: set[str] = set()
    relative = bool(value) and all(v[:1] in "+-" for v in value)
    if relative:
        methods = set(DEFAULT_METHODS)
    for v in value:
        name = v.lstrip("+-")
        names = set(BASIC_METHODS) if name == "*" else {name}
        if not names <= set(VALID_METHODS):
            raise BadRequest(f"Invalid input: not a valid value for dictionary value @ data['aggregation_methods']"
                             f" ({name})")
        if v.startswith("-"):
            methods -= names
        else:
            methods |= names
    return sorted(methods)


def epoch(dt: datetime) -> float:
    return dt.replace(tzinfo=UTC).timestamp()


def from_epoch(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC).replace(tzinfo=None)


def _std(values: Sequence[float]) -> float:
    return statistics.stdev(values) if len(values) > 1 else math.nan


REDUCERS: dict[str, Callable[[Sequence[float]], float]] = {
    "mean": statistics.fmean, "sum": math.fsum, "last": lambda v: v[-1], "first": lambda v: v[0],
    "max": max, "min": min, "std": _std, "median": statistics.median, "count": lambda v: float(len(v)),
}


def aggregate(points: Iterable[tuple[datetime, float]], granularity: int, method: str, keep: int,
              start: datetime | None = None, stop: datetime | None = None) -> list[tuple[datetime, float]]:
    """The series of `method` over buckets of `granularity` seconds: the last `keep` buckets, within
    [start, stop), with empty (NaN) buckets left out as Gnocchi leaves them. `rate:m` is the difference of
    consecutive buckets' `m` (the first bucket has none)."""
    rate = method.startswith("rate:")
    reduce = REDUCERS[method[5:] if rate else method]
    buckets: dict[float, list[float]] = {}
    for ts, value in points:
        key = math.floor(epoch(ts) / granularity) * granularity
        buckets.setdefault(key, []).append(value)
    keys = sorted(buckets)[-keep:]
    series = [(k, reduce(buckets[k])) for k in keys]
    if rate:
        series = [(k, v - series[i][1]) for i, (k, v) in enumerate(series[1:])]
    lo = epoch(start) if start else -math.inf
    hi = epoch(stop) if stop else math.inf
    return [(from_epoch(k), v) for k, v in series if lo <= k < hi and not math.isnan(v)]
