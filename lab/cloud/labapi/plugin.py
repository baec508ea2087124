"""The lab API (`/lab/v1`: the clock, classes, progress, resets, snapshots) as the cloud sees it: see
lab/cloud/plugin.py."""

from lab.cloud.labapi.policies import RULES
from lab.cloud.labapi.reset import JOBS
from lab.cloud.plugin import CatalogEntry, Periodic, Plugin, Screen, ServiceSpec

PLUGIN = Plugin(
    spec=ServiceSpec("labapi", "/lab/v1", "keystone", (CatalogEntry("stacklab", "stacklab", "/lab/v1"),)),
    service="lab.cloud.labapi.service:LabService",
    routes="lab.cloud.labapi.routes",
    policies=RULES,
    jobs=JOBS,
    # Scheduled drills and exams at time-up: checked every 10 s of lab time (and at once after a clock jump).
    periodic=(Periodic("labapi.due", 10.0, "lab.cloud.labapi.timers:due"),),
    screens=(Screen("labs", "Labs", "lab.tui.screens.labs:LabsScreen", frozenset({"stacklab"}), order=70),
             Screen("instructor", "Instructor", "lab.tui.screens.instructor:InstructorScreen",
                    frozenset({"compute"}), admin_only=True, order=80)),
)
