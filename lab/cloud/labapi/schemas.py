"""Wire shapes of the lab admin API: the clock reading, rendered once here."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from lab.cloud.http import timestamp_micro
from lab.cloud.labapi.service import ClockReading


def human_offset(offset: timedelta) -> str:
    """'30d 2h 5m 3s' ('0s' for none): how a person would say the offset."""
    seconds = int(offset.total_seconds())
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count}{unit}")
    return " ".join(parts) or "0s"


def clock(reading: ClockReading) -> dict[str, Any]:
    """{"clock": {"now", "offset", "offset_seconds"}}."""
    return {"clock": {"now": timestamp_micro(reading.now), "offset": human_offset(reading.offset),
                      "offset_seconds": reading.offset.total_seconds()}}
