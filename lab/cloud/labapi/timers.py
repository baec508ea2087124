"""What the lab does by its own clock, with nobody at the keyboard: start the drills the instructor scheduled
("during the night": the fault is there when the students come in) and grade the exams whose time is up.

The worker's periodic task only notices what is due; the work itself talks to this cloud's own API (a drill
boots a server, a grade reads the project), and what it asks for is partly the worker's to do (a boot is a
worker job), so it runs in a thread of its own. Each item is taken once at a time in this process; it is done
when its row says so (a run recorded, a grade kept), so a lab killed meanwhile does it again at its next start.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Hashable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lab.cloud.app import Cloud
    from lab.cloud.labapi.service import LabService

log = logging.getLogger(__name__)


class Background:
    """Items taken from the database when due, done in one background thread per batch, `workers` items at a
    time (a class's 40 drills or papers: each talks to this cloud, mostly waiting on it)."""

    def __init__(self, name: str, workers: int = 4):
        self.name, self.workers = name, workers
        self._lock = threading.Lock()
        self._taken: set[Hashable] = set()

    def run(self, items: Iterable[tuple[Hashable, Any]], work: Callable[[Any], None]) -> threading.Thread | None:
        """Do `work(item)` for each item not already being done; returns the thread (None when nothing new)."""
        with self._lock:
            fresh = [(key, item) for key, item in items if key not in self._taken]
            self._taken.update(key for key, _ in fresh)
        if not fresh:
            return None

        def one(entry: tuple[Hashable, Any]) -> None:
            key, item = entry
            try:
                work(item)
            except Exception:  # logged and tried again at the next turn: the row still says it is due
                log.exception("%s: %r failed", self.name, key)
            finally:
                with self._lock:
                    self._taken.discard(key)

        def batch() -> None:
            with ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix=f"stacklab-{self.name}") as pool:
                list(pool.map(one, fresh))

        thread = threading.Thread(target=batch, name=f"stacklab-{self.name}", daemon=True)
        thread.start()
        return thread


def due(cloud: Cloud) -> None:
    """The lab API's periodic task: the scheduled drills that are due, and the exams whose time is up."""
    labapi: LabService = cloud.services["labapi"]
    labapi.drills.start_due()
    labapi.exams.grade_expired()

