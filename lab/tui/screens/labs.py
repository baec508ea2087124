"""Labs: the course's labs with the current user's status in each (from the cloud's /lab/v1/progress), and `c` to
run the selected lab's checks from the console. The checks run in a worker thread as this console's user (exactly
`stacklab check LAB`), the result is recorded in the cloud like the CLI's, and the panel below the table shows
pass/fail per check with the hint for the first failure. Shown only on clouds whose catalog has the `stacklab`
lab API."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Static

from lab.tui.models import LabCheckReport, LabStatus
from lab.tui.screens.base import ListScreen, TableSpec

MARKS = {"pass": ("PASS", "bold green"), "fail": ("FAIL", "bold red"), "skip": ("SKIP", "bold yellow")}


def _row(lab: LabStatus) -> tuple[str, ...]:
    status = {"earned": "✓ earned", "solved": "S solved", "reset": "R reset", "": "·"}.get(lab.status, lab.status)
    notes = ", ".join([*(["admin"] if lab.admin else []), *(f"needs {r}" for r in lab.requires)])
    return (lab.id, lab.name, str(lab.day), status, notes)


def report_text(report: LabCheckReport) -> Text:
    """The result of a check run: one line per check, then what failed and the hint for the first failure."""
    text = Text.assemble((f"Lab {report.lab_id}  {report.title}", "bold"),
                         f"   {report.passed}/{report.total} checks passed")
    if report.skipped_reason:
        text.append(f"\nskipped: {report.skipped_reason}", style="yellow")
    for check in report.checks:
        label, style = MARKS.get(check.status, (check.status.upper(), "bold"))
        text.append("\n")
        text.append(f" {label} ", style=style)
        text.append(f" {check.description or check.name}")
        if check.status == "fail" and check.message:
            text.append(f"\n        {check.message}", style="red")
    first = report.first_failure
    if first is not None and first.hint:
        text.append("\n\nHint: ", style="bold yellow")
        text.append(first.hint)
    elif report.total and report.passed == report.total:
        text.append("\n\nEvery check passed: lab done.", style="bold green")
    return text


class LabsScreen(ListScreen):
    NAV: ClassVar[str] = "labs"
    TABLES = (TableSpec("labs", "Labs", [("lab", "Lab"), ("name", "Title"), ("day", "Day"), ("status", "Status"),
                                         ("notes", "Notes")],
                        lambda c: c.list_labs(), _row),)
    MUTATING = frozenset({"check_lab"})  # a check records its result in the cloud
    BINDINGS: ClassVar[list[BindingType]] = [Binding("c", "check_lab", "Check lab")]
    DEFAULT_CSS = """
    LabsScreen #report-box { height: 40%; border: round $primary; margin: 0 1; padding: 0 1; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.running: str | None = None  # the lab whose checks are running
        self.report: LabCheckReport | None = None

    def compose_body(self) -> ComposeResult:
        yield from super().compose_body()
        with VerticalScroll(id="report-box"):
            yield Static(Text("Select a lab and press c to run its checks.", style="dim"), id="report")

    def open_item(self, item: LabStatus) -> None:
        """Enter runs the lab's checks (read-only: shows the lab's JSON, a check records its result)."""
        if self.stacklab.read_only:
            self.show_json(item)
        else:
            self.action_check_lab()

    def action_check_lab(self) -> None:
        lab = self.require_selected("lab")
        if lab is None:
            return
        if self.running:
            self.notify(f"Lab {self.running}'s checks are still running.", severity="warning")
            return
        self.running = lab.id
        self.query_one("#report", Static).update(Text(f"Running lab {lab.id}'s checks…", style="italic"))

        def show(report: LabCheckReport) -> None:
            self.report = report
            self.query_one("#report", Static).update(report_text(report))
            self.refresh_data()

        self.call(self._check, lab.id, then=show)

    def _check(self, lab_id: str) -> LabCheckReport:
        """In the worker thread: the checks can take seconds (they wait for servers), the UI carries on."""
        try:
            return self.client.check_lab(lab_id)
        finally:
            self.running = None
