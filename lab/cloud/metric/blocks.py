"""The collector's compact measure store: a day of a metric per row, a float32 per 5-minute slot (see
models.MeasureBlock). Reading yields the same (timestamp, value) points a row per measure would (timestamps on
the slot's start, which is where Gnocchi's 5-minute buckets fall anyway)."""

from __future__ import annotations

import math
from array import array
from collections.abc import Iterable, Iterator
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from lab.cloud.metric.archive import DAY, epoch, from_epoch
from lab.cloud.metric.models import MeasureBlock

STEP = 300
SLOTS = DAY // STEP


def write(db: Session, metric_id: str, points: Iterable[tuple[datetime, float]]) -> None:
    by_day: dict[int, list[tuple[int, float]]] = {}
    for t, v in points:
        seconds = int(epoch(t))
        by_day.setdefault(seconds // DAY, []).append(((seconds % DAY) // STEP, v))
    for day, slots in by_day.items():
        block = db.get(MeasureBlock, (metric_id, day))
        values = array("f")
        if block is not None:
            values.frombytes(block.values)
        else:
            values.extend([math.nan] * SLOTS)
        for slot, v in slots:
            values[slot] = v
        if block is None:
            db.add(MeasureBlock(metric_id=metric_id, day=day, values=values.tobytes()))
        else:
            block.values = values.tobytes()


def read(db: Session, metric_id: str) -> Iterator[tuple[datetime, float]]:
    for day, raw in db.execute(select(MeasureBlock.day, MeasureBlock.values)
                               .where(MeasureBlock.metric_id == metric_id).order_by(MeasureBlock.day)):
        values = array("f")
        values.frombytes(raw)
        for slot, v in enumerate(values):
            if not math.isnan(v):
                yield from_epoch(day * DAY + slot * STEP), float(v)


def prune(db: Session, metric_id: str, keep_seconds: float) -> None:
    """Drop the days wholly older than `keep_seconds` before the metric's newest day."""
    newest = db.scalar(select(func.max(MeasureBlock.day)).where(MeasureBlock.metric_id == metric_id))
    if newest is not None:
        db.execute(delete(MeasureBlock).where(MeasureBlock.metric_id == metric_id,
                                              MeasureBlock.day < newest - math.ceil(keep_seconds / DAY)))


def forget(db: Session, metric_ids: list[str]) -> None:
    db.execute(delete(MeasureBlock).where(MeasureBlock.metric_id.in_(metric_ids)))
