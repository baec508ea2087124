"""The in-process worker: asynchronous transitions (BUILD -> ACTIVE, creating -> available, deleting) are rows
of work in the database that one background thread takes.

A job is enqueued in the same transaction as the change that needs it, and deleted only after its handler
returns, so a process killed at any moment leaves the job behind and the next start finishes it: nothing stays
in a transitional state forever. Handlers must therefore be idempotent (a second run after a crash is normal),
and they call drivers outside database transactions. A handler that keeps failing is given up after
`MAX_ATTEMPTS` and its `on_failure` puts the resource in an error state.
"""

from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Integer, String, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from lab.cloud.db import Base
from lab.cloud.plugin import load

if TYPE_CHECKING:
    from lab.cloud.app import Cloud

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 3


class Job(Base):
    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(64))
    resource_id: Mapped[str] = mapped_column(String(64), index=True)
    run_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(default=0)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    last_error: Mapped[str | None] = mapped_column(String(2000))


@dataclass(frozen=True)
class JobSpec:
    """What a handler is given: a copy of the job row, safe to use outside any session."""

    id: int
    kind: str
    resource_id: str
    payload: dict[str, Any]
    attempts: int


@dataclass(frozen=True)
class Handler:
    run: Callable[[Cloud, JobSpec], None]
    on_failure: Callable[[Cloud, JobSpec, str], None] | None = None


Jobs = dict[str, Handler]


def job(registry: Jobs, kind: str, on_failure: Callable[[Cloud, JobSpec, str], None] | None = None
        ) -> Callable[[Callable[[Cloud, JobSpec], None]], Callable[[Cloud, JobSpec], None]]:
    """Add the decorated function to `registry` (a module's `JOBS`, listed in its service's plugin) as the
    handler of jobs of `kind`."""

    def register(fn: Callable[[Cloud, JobSpec], None]) -> Callable[[Cloud, JobSpec], None]:
        registry[kind] = Handler(fn, on_failure)
        return fn

    return register


def enqueue(session: Session, now: datetime, kind: str, resource_id: str, delay: float = 0.0,
            **payload: Any) -> None:
    """Add a job in the caller's transaction; it runs `delay` seconds after `now` (lab time)."""
    session.add(Job(kind=kind, resource_id=resource_id, run_at=now + timedelta(seconds=delay), payload=payload))


class Worker:
    """One thread that runs due jobs in order. `run_due()` is also callable directly (tests, shutdown)."""

    def __init__(self, cloud: Cloud, poll_seconds: float = 0.5):
        self.cloud = cloud
        self.poll_seconds = poll_seconds
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._run_lock = threading.Lock()
        self._periodic_done: dict[str, datetime] = {}  # lab time each periodic task last ran

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="stacklab-worker", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    @contextmanager
    def paused(self) -> Iterator[None]:
        """Hold the worker between two jobs for the block (a lab snapshot is taken or restored meanwhile)."""
        with self._run_lock:
            yield

    def wake(self) -> None:
        """Tell the thread that new work may be due (called after a transaction that enqueued a job)."""
        self._wake.set()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_due()
                self.run_periodic()
            except Exception:  # the worker must outlive any one bad job
                log.exception("worker loop failed")
            self._wake.wait(self._next_wait())
            self._wake.clear()

    def _next_wait(self) -> float:
        with self.cloud.db.read() as s:
            first = s.scalar(select(Job.run_at).order_by(Job.run_at).limit(1))
        if first is None:
            return self.poll_seconds * 4
        seconds = (first - self.cloud.clock.now()).total_seconds()
        return max(0.0, min(seconds, self.poll_seconds))

    def run_due(self, *, everything: bool = False) -> int:
        """Run every job that is due (or every job, with `everything`). Returns how many ran."""
        ran = 0
        with self._run_lock:
            while not self._stop.is_set() or everything:
                spec = self._next_job(everything)
                if spec is None:
                    return ran
                self._run(spec)
                ran += 1
        return ran

    def run_periodic(self, *, force: bool = False) -> int:
        """Run the plugins' periodic tasks that are due (each once, however far the clock jumped; `force`:
        all). A failing task is logged and tried again at its next turn. Returns how many ran."""
        ran = 0
        with self._run_lock:
            for task in self.cloud.periodic:
                now = self.cloud.clock.now()
                last = self._periodic_done.get(task.name)
                if not force and last is not None and (now - last).total_seconds() < task.every:
                    continue
                self._periodic_done[task.name] = now
                try:
                    load(task.run)(self.cloud)
                except Exception:
                    log.exception("periodic task %s failed", task.name)
                ran += 1
        return ran

    def _next_job(self, everything: bool) -> JobSpec | None:
        # Columns, not an ORM object: the worker asks this after every job, competing with the API for the GIL.
        query = select(Job.id, Job.kind, Job.resource_id, Job.payload, Job.attempts).order_by(
            Job.run_at, Job.id).limit(1)
        if not everything:
            query = query.where(Job.run_at <= self.cloud.clock.now())
        with self.cloud.db.read() as s:
            row = s.execute(query).first()
        if row is None:
            return None
        return JobSpec(row.id, row.kind, row.resource_id, dict(row.payload or {}), row.attempts)

    def _run(self, spec: JobSpec) -> None:
        entry = self.cloud.jobs.get(spec.kind)
        try:
            if entry is None:
                raise RuntimeError(f"no handler for job kind {spec.kind!r}")
            entry.run(self.cloud, spec)
        except Exception as exc:
            detail = f"{type(exc).__name__}: {exc}"
            log.warning("job %s %s on %s failed: %s", spec.id, spec.kind, spec.resource_id, detail)
            self._failed(spec, entry, detail, traceback.format_exc())
            return
        with self.cloud.db.write() as s:
            s.execute(delete(Job).where(Job.id == spec.id))  # one statement (a gone row deletes nothing)

    def _failed(self, spec: JobSpec, entry: Handler | None, detail: str, trace: str) -> None:
        attempts = spec.attempts + 1
        give_up = attempts >= MAX_ATTEMPTS or entry is None
        if give_up and entry is not None and entry.on_failure is not None:
            try:
                entry.on_failure(self.cloud, spec, detail)
            except Exception:
                log.exception("on_failure for job %s failed", spec.id)
        with self.cloud.db.write() as s:
            job = s.get(Job, spec.id)
            if job is None:
                return
            if give_up:
                s.delete(job)
            else:
                job.attempts = attempts
                job.last_error = trace[-2000:]
                job.run_at = self.cloud.clock.now() + timedelta(seconds=attempts)
