"""Lab admin behaviour: `LabService` reads and advances the lab clock, and is a facade over the training camp's
parts: `grading` (grading.py: checks and solutions run as the caller, the progress they record) and `camp`
(camp.py: progress, classes, resets and snapshots) and `drills` (drills.py: troubleshooting drills),
`exams` (exams.py: the mock exam).
Routes call the parts.

No web framework here: routes hand in a RequestContext and plain values, and get plain values back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from lab.cloud.clock import parse_duration
from lab.cloud.context import RequestContext
from lab.cloud.labapi.camp import Camp
from lab.cloud.labapi.drills import Drills
from lab.cloud.labapi.exams import Exams
from lab.cloud.labapi.grading import Grading
from lab.cloud.validation import KEYSTONE

if TYPE_CHECKING:
    from lab.cloud.app import Cloud


@dataclass(frozen=True)
class ClockReading:
    """The lab clock at one moment: lab time, and how far it runs ahead of real time."""

    now: datetime
    offset: timedelta


class LabService:
    def __init__(self, cloud: Cloud):
        self.cloud = cloud
        self.grading = Grading(cloud)
        self.camp = Camp(cloud, self.grading)
        self.drills = Drills(cloud)
        self.exams = Exams(cloud, self.camp)

    def bootstrap(self) -> None:
        """Put back lab folders a killed snapshot restore left half swapped, and remove its staging copies;
        empty the plain passwords an older database kept."""
        self.camp.snapshots.recover()
        self.camp.snapshots.clean_debris()
        self.camp.classes.forget_plain_passwords()

    def get_clock(self, ctx: RequestContext) -> ClockReading:
        """The lab's current time and offset. Raises Forbidden unless the caller is an admin."""
        self.cloud.policy.enforce(ctx, "lab:admin")
        return ClockReading(self.cloud.clock.now(), self.cloud.clock.offset)

    def advance_clock(self, ctx: RequestContext, by: object) -> ClockReading:
        """Move the lab clock forward by a duration such as '30d' or '1w2d'.

        Raises Forbidden unless admin, BadRequest for a missing, unreadable or zero duration (the clock never
        goes backwards, so no interval is counted twice)."""
        self.cloud.policy.enforce(ctx, "lab:clock_advance")
        if not isinstance(by, str) or not by.strip():
            raise KEYSTONE.bad("by", None, "a duration such as '30d' is required.")
        try:
            delta = parse_duration(by)
        except ValueError as exc:
            raise KEYSTONE.bad("by", None, str(exc)) from None
        if delta <= timedelta():
            raise KEYSTONE.bad("by", None, "the lab clock only moves forward; give a positive "
                             "duration.")
        self.cloud.clock.advance(delta)
        # Work scheduled for a later lab time (a slow boot, a retry) may be due now.
        self.cloud.worker.wake()
        return ClockReading(self.cloud.clock.now(), self.cloud.clock.offset)
