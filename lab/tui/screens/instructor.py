"""Instructor mode (admin users only): the class grid (students × labs, pass/fail, from /lab/v1/classes and
/lab/v1/progress), the troubleshooting drills (start one for a student, who has repaired what, undo),
resetting a student (after a confirmation), saving and restoring named snapshots of the whole lab, the lab clock
and advancing it, and every project's servers and volumes. The camp's tabs are there only when the catalog has
the `stacklab` lab API; on any other OpenStack cloud the screen keeps the rest."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static, TabbedContent, TabPane

from lab.tui.client import CloudClient
from lab.tui.models import ClassGrid, ClockReading, LabSnapshot, Server, StudentRow, Volume
from lab.tui.screens.base import ListScreen, TableSpec
from lab.tui.screens.dialogs import Field, FormScreen
from lab.tui.widgets.resource_table import ResourceTable

CAMP_TABLES = frozenset({"class-grid", "lab-snapshots", "drill-runs"})


def _servers(c: CloudClient) -> list[tuple[Server, str]]:
    names = c.project_names()
    return [(s, names.get(s.project_id, s.project_id)) for s in c.list_servers(all_projects=True)]


def _volumes(c: CloudClient) -> list[tuple[Volume, str]]:
    names = c.project_names()
    return [(v, names.get(v.project_id, v.project_id)) for v in c.list_volumes(all_projects=True)]


class Owned:
    """A resource with its project's name (what the instructor tables list)."""

    def __init__(self, pair: tuple[Any, str]) -> None:
        self.item, self.project = pair
        self.id = self.item.id
        self.name = self.item.name
        self.raw = self.item.raw


MARKS = {"earned": "✓", "solved": "S", "reset": "R"}
LEGEND = "Labs by day (✓ earned  S solved  R reset  ✗ not yet  · not tried)"


def marks(grid: ClassGrid, student: StudentRow) -> str:
    """One mark per lab, a space between days: ✓ earned (the cloud's checks passed), S solved with `stacklab
    solve`, R reset before it was passed, ✗ checked but not all passed, · not tried."""
    out = []
    previous_day = ""
    for lab_id, cell in zip(grid.lab_ids, student.cells, strict=True):
        day = lab_id.split(".")[0]
        if previous_day and day != previous_day:
            out.append(" ")
        previous_day = day
        out.append(MARKS.get(cell, "✗" if cell else "·"))
    return "".join(out)


class GridRow:
    """A student of the grid, with the marks drawn (rows are keyed by student name)."""

    def __init__(self, grid: ClassGrid, student: StudentRow) -> None:
        self.student = student
        self.id = self.name = student.name
        self.marks = marks(grid, student)
        self.total = len(grid.lab_ids)
        self.raw = {**student.raw, "labs": dict(zip(grid.lab_ids, student.cells, strict=True))}


def _grid(c: CloudClient) -> list[GridRow]:
    grid = c.class_grid()
    return [GridRow(grid, s) for s in grid.students]


class InstructorScreen(ListScreen):
    NAV: ClassVar[str] = "instructor"
    TABLES = (
        TableSpec("class-grid", "Class", [("name", "Student"), ("class", "Class"), ("done", "Earned"),
                                          ("labs", LEGEND)],
                  _grid, lambda g: (g.name, g.student.class_name, f"{g.student.done}/{g.total}", g.marks)),
        TableSpec("drill-runs", "Drills", [("student", "Student"), ("name", "Drill"), ("status", "Status"),
                                           ("hints", "Hints"), ("checks", "Checks"), ("repaired", "Repaired at")],
                  lambda c: c.list_drill_runs(),
                  lambda r: (r.student, r.name, r.status, str(r.hints), str(r.checks), r.repaired_at)),
        TableSpec("lab-snapshots", "Snapshots", [("name", "Name"), ("created", "Saved at"),
                                                 ("lab_time", "Lab time"), ("size", "Size")],
                  lambda c: c.list_lab_snapshots(),
                  lambda s: (s.name, s.created_at, s.lab_time, s.size)),
        TableSpec("all-servers", "All servers", [("project", "Project"), ("name", "Name"), ("status", "Status"),
                                                 ("flavor", "Flavor"), ("addresses", "Addresses"), ("id", "ID")],
                  lambda c: [Owned(p) for p in _servers(c)],
                  lambda o: (o.project, o.name, o.item.status, o.item.flavor, o.item.addresses, o.id)),
        TableSpec("all-volumes", "All volumes", [("project", "Project"), ("name", "Name"), ("status", "Status"),
                                                 ("size", "Size (GB)"), ("attached", "Attached to"), ("id", "ID")],
                  lambda c: [Owned(p) for p in _volumes(c)],
                  lambda o: (o.project, o.name, o.item.status, str(o.item.size), o.item.attached_to, o.id)),
    )
    MUTATING = frozenset({"advance_clock", "reset_student", "save_snapshot", "restore_snapshot", "start_drill",
                          "undo_drill"})
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "advance_clock", "Advance clock"),
        Binding("x", "reset_student", "Reset student"),
        Binding("p", "save_snapshot", "Snapshot"),
        Binding("o", "restore_snapshot", "Restore"),
        Binding("b", "start_drill", "Break (drill)"),
        Binding("u", "undo_drill", "Undo drill"),
    ]
    DEFAULT_CSS = """
    InstructorScreen #clock { padding: 0 2; height: auto; }
    """

    @property
    def camp(self) -> bool:
        return "stacklab" in self.stacklab.services

    def compose_body(self) -> ComposeResult:
        yield Static("lab clock: loading…", id="clock")
        with TabbedContent(id="tabs"):
            for spec in self.TABLES:
                if spec.id in CAMP_TABLES and not self.camp:
                    continue
                with TabPane(spec.title, id=f"tab-{spec.id}"):
                    yield ResourceTable(spec.columns, id=spec.id)

    def refresh_data(self) -> None:
        super().refresh_data()
        if self.camp:
            self.call(self.client.get_clock, then=self.show_clock)

    def show_clock(self, reading: ClockReading) -> None:
        self.query_one("#clock", Static).update(Text.assemble(
            ("lab clock  ", "bold"), f"{reading.now} UTC, ahead of real time by {reading.offset}"))

    def _on_tab(self, spec_id: str, what: str) -> bool:
        spec = self.current_spec
        if spec is None or spec.id != spec_id:
            self.notify(f"Go to the {what} tab first.", severity="warning")
            return False
        return True

    # ------------------------------------------------------------------------------------------ actions
    def action_advance_clock(self) -> None:
        if not self.camp:
            self.notify("This cloud has no lab clock (it is not a StackLab).", severity="warning")
            return
        form = FormScreen("Advance the lab clock", [Field("by", "By (e.g. 30m, 3h, 30d, 1w2d):", value="1h")],
                          submit="Advance")

        def advance(v: dict[str, Any] | None) -> None:
            if v:
                self.call(self.client.advance_clock, v["by"], then=self.show_clock,
                          done=f"Lab clock advanced by {v['by']}")

        self.app.push_screen(form, advance)

    def action_reset_student(self) -> None:
        if not self.camp or not self._on_tab("class-grid", "Class"):
            return
        row = self.require_selected("student")
        if row is None:
            return
        name = row.name

        def reset() -> None:
            def said(removed: dict[str, int]) -> None:
                gone = ", ".join(f"{n} {kind}" for kind, n in sorted(removed.items()) if n) or "nothing to remove"
                self.notify(f"{name} reset: {gone}.")
                self.refresh_data()

            self.call(self.client.reset_student, name, then=said)

        self.confirm_then(f"Reset {name}? Everything in their project is deleted and it is put back to the "
                          "class's starting state.", reset)

    def action_save_snapshot(self) -> None:
        if not self.camp:
            return
        form = FormScreen("Save a snapshot of the whole lab", [Field("name", "Name (e.g. day1-start):")],
                          submit="Save")

        def save(v: dict[str, Any] | None) -> None:
            if v and v["name"]:
                def saved(s: LabSnapshot) -> None:
                    self.refresh_data()

                self.call(self.client.save_lab_snapshot, v["name"], then=saved, done=f"Snapshot {v['name']} saved")

        self.app.push_screen(form, save)

    def action_restore_snapshot(self) -> None:
        if not self.camp or not self._on_tab("lab-snapshots", "Snapshots"):
            return
        snap = self.require_selected("snapshot")
        if snap is None:
            return
        name = snap.name

        def restore() -> None:
            self.call(self.client.restore_lab_snapshot, name, then=lambda _s: self.refresh_data(),
                      done=f"Lab restored to snapshot {name}")

        self.confirm_then(f"Restore the whole lab to snapshot {name}? Everything since it was saved is lost.",
                          restore)

    def action_start_drill(self) -> None:
        """On the Class tab: start a drill (`stacklab drill list` names them) for the selected student."""
        if not self.camp or not self._on_tab("class-grid", "Class"):
            return
        row = self.require_selected("student")
        if row is None:
            return
        name = row.name
        form = FormScreen(f"Start a drill for {name}", [
            Field("drill", "Drill (e.g. net-router-gateway):"),
            Field("later", "Later by the lab clock (e.g. 8h: during the night; empty: now):", required=False)],
                          submit="Start")

        def start(v: dict[str, Any] | None) -> None:
            if v and v["drill"]:
                later = (v.get("later") or "").strip() or None
                self.call(self.client.start_drill, v["drill"], name, later, then=lambda _r: self.refresh_data(),
                          done=f"Drill {v['drill']} {'scheduled in ' + later if later else 'started'} for {name}")

        self.app.push_screen(form, start)

    def action_undo_drill(self) -> None:
        """On the Drills tab: undo the selected run (what the drill made in the project is removed)."""
        if not self.camp or not self._on_tab("drill-runs", "Drills"):
            return
        run = self.require_selected("drill")
        if run is None:
            return
        drill_id, student = run.name, run.student

        def undo() -> None:
            self.call(self.client.undo_drill, drill_id, student, then=lambda _r: self.refresh_data(),
                      done=f"Drill {drill_id} undone for {student}")

        self.confirm_then(f"Undo {drill_id} for {student}? What it made in their project is removed.", undo)
