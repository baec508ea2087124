"""The lab clock: real time plus an offset an instructor can advance, stored in the database.

Every timestamp the cloud writes comes from `LabClock.now()`, so `stacklab clock advance 30d` moves billing
and event times together and a month of charges can be taught in a minute. Tokens are the exception: they
are credentials, not billable facts, and clients compare their `expires_at` with their own real clock, so
identity issues and expires them by `LabClock.real_now()` (advancing the lab clock never logs anyone out).
The offset only grows: the clock never goes backwards, so no interval is ever counted twice.
"""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from lab.cloud.db import Base, Database

_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


class LabState(Base):
    """Small key/value facts about the lab itself (the clock offset, the bootstrap marker)."""

    __tablename__ = "lab_state"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(255))


def parse_duration(text: str) -> timedelta:
    """'30d', '3h', '90m', '1w2d', '45s' -> timedelta. Raises ValueError with the accepted forms."""
    parts = re.findall(r"(\d+(?:\.\d+)?)\s*([smhdw])", text.strip().lower())
    if not parts or "".join(f"{n}{u}" for n, u in parts) != re.sub(r"\s+", "", text.strip().lower()):
        raise ValueError(f"cannot read duration {text!r}: use a number and a unit, e.g. 45s, 90m, 3h, 30d, 1w")
    total = timedelta()
    for number, unit in parts:
        total += timedelta(**{_UNITS[unit]: float(number)})
    return total


class LabClock:
    """Real UTC time plus a stored offset. Thread-safe; the offset is cached and written through."""

    KEY = "clock_offset_seconds"

    def __init__(self, db: Database):
        self._db = db
        self._lock = threading.Lock()
        self._offset = timedelta()

    def load(self) -> None:
        """Read the stored offset (call once the tables exist)."""
        with self._db.read() as s:
            row = s.get(LabState, self.KEY)
            self._offset = timedelta(seconds=float(row.value)) if row else timedelta()

    @property
    def offset(self) -> timedelta:
        return self._offset

    def now(self) -> datetime:
        """The lab's current time, as a naive UTC datetime (how the database stores times)."""
        return datetime.now(UTC).replace(tzinfo=None) + self._offset

    @staticmethod
    def real_now() -> datetime:
        """Real UTC time without the lab offset (naive, like `now()`): for token issue and expiry only."""
        return datetime.now(UTC).replace(tzinfo=None)

    def advance(self, delta: timedelta) -> datetime:
        """Move the clock forward by `delta` (never backwards) and return the new time."""
        if delta < timedelta():
            raise ValueError("the lab clock only moves forward")
        with self._lock, self._db.write() as s:
            row = s.get(LabState, self.KEY)
            current = timedelta(seconds=float(row.value)) if row else timedelta()
            new = current + delta
            if row:
                row.value = str(new.total_seconds())
            else:
                s.add(LabState(key=self.KEY, value=str(new.total_seconds())))
            self._offset = new
        return self.now()
