"""Modal dialogs: the raw JSON of a resource (`y`), yes/no confirmation, the key help (`?`) and small forms.

A form is described as data (`Field`s) and answers a dict of values, or None when cancelled, so each screen states
what it asks and never builds widgets by hand.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from rich.syntax import Syntax
from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, SelectionList, Static

DIALOG_CSS = """
{name} {{ align: center middle; }}
{name} > Vertical {{
    width: 90;
    max-width: 95%;
    height: auto;
    max-height: 90%;
    border: thick $primary;
    background: $surface;
    padding: 1 2;
}}
{name} .title {{ text-style: bold; margin-bottom: 1; }}
{name} .buttons {{ height: auto; margin-top: 1; align-horizontal: right; }}
{name} .buttons Button {{ margin-left: 2; }}
"""


class JsonScreen(ModalScreen[None]):
    """The resource as the API returned it, pretty-printed."""

    DEFAULT_CSS = DIALOG_CSS.format(name="JsonScreen") + """
    JsonScreen > Vertical { width: 110; height: 90%; }
    JsonScreen VerticalScroll { height: 1fr; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q,y", "dismiss", "Close")]

    def __init__(self, title: str, data: Any) -> None:
        super().__init__()
        self.title_text = title
        self.text = json.dumps(data, indent=2, sort_keys=True, default=str)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"{self.title_text}  (raw JSON; Esc closes)", classes="title")
            with VerticalScroll():
                yield Static(Syntax(self.text, "json", theme="ansi_dark", word_wrap=True), id="json")


class ConfirmScreen(ModalScreen[bool]):
    """A yes/no question; `y` or Enter on Yes confirms, `n` or Esc cancels."""

    DEFAULT_CSS = DIALOG_CSS.format(name="ConfirmScreen") + """
    ConfirmScreen > Vertical { width: 64; }
    ConfirmScreen Label { width: 100%; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("y", "answer(True)", "Yes"),
                                             Binding("n,escape", "answer(False)", "No")]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.question, classes="title")
            with Horizontal(classes="buttons"):
                yield Button("No", id="no")
                yield Button("Yes", id="yes", variant="error")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


GENERAL_KEYS = [
    ("↑ ↓ PgUp PgDn", "move in a table or list"),
    ("Enter", "open the selected row (drill down)"),
    ("Tab / Shift+Tab", "move between fields and tables"),
    ("mouse", "click a row, a tab, a button or a screen in the bar at the top"),
]


class HelpScreen(ModalScreen[None]):
    """Every key of the screen it was opened from, and the general ones."""

    DEFAULT_CSS = DIALOG_CSS.format(name="HelpScreen") + """
    HelpScreen > Vertical { width: 80; height: 90%; }
    HelpScreen VerticalScroll { height: 1fr; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q,question_mark", "dismiss", "Close")]

    def __init__(self, screen_title: str, keys: Sequence[tuple[str, str]]) -> None:
        super().__init__()
        self.screen_title = screen_title
        self.keys = keys

    def compose(self) -> ComposeResult:
        table = Table(show_header=True, header_style="bold", box=None, expand=True)
        table.add_column("key", style="bold cyan", no_wrap=True)
        table.add_column("what it does")
        for key, what in [*self.keys, *GENERAL_KEYS]:
            table.add_row(key, what)
        with Vertical():
            yield Label(f"Keys on {self.screen_title}  (Esc closes)", classes="title")
            with VerticalScroll():
                yield Static(table, id="keys")


@dataclass(frozen=True)
class Field:
    """One form field: `kind` is text, select (one of `options`) or multi (any of `options`)."""

    name: str
    label: str
    kind: str = "text"
    options: Sequence[tuple[str, str]] = ()  # (label, value)
    value: Any = None
    placeholder: str = ""
    required: bool = True
    selected: Sequence[str] = field(default_factory=tuple)


class FormScreen(ModalScreen[Any]):
    """A small form; dismisses with {field name: value} on submit, None on cancel (subclasses may answer
    something else, like the launch wizard's new server)."""

    DEFAULT_CSS = DIALOG_CSS.format(name="FormScreen") + """
    FormScreen Label.field { margin-top: 1; color: $text-muted; }
    FormScreen #fields { height: auto; }
    FormScreen Input, FormScreen Select, FormScreen SelectionList { background: $boost; }
    FormScreen .buttons { dock: bottom; }
    FormScreen #error { dock: bottom; margin-bottom: 3; }
    FormScreen SelectionList { height: auto; max-height: 8; }
    FormScreen #error { color: $error; height: auto; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]
    AUTO_FOCUS = "Input, Select, SelectionList"

    def __init__(self, title: str, fields: Sequence[Field], submit: str = "Create") -> None:
        super().__init__()
        self.form_title = title
        self.fields = list(fields)
        self.submit_label = submit

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.form_title, classes="title")
            with VerticalScroll(id="fields"):
                yield from self.compose_fields()
            yield Static("", id="error")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button(self.submit_label, id="submit", variant="primary")

    def compose_fields(self) -> ComposeResult:
        for f in self.fields:
            yield Label(f.label, classes="field")
            if f.kind == "select":
                yield Select([(label, value) for label, value in f.options], id=f"field-{f.name}",
                             allow_blank=not f.required or f.value is None, compact=True,
                             value=f.value if f.value is not None else Select.NULL)
            elif f.kind == "multi":
                yield SelectionList[str](*[(label, value, value in f.selected) for label, value in f.options],
                                         id=f"field-{f.name}", compact=True)
            else:
                yield Input(value=f.value or "", placeholder=f.placeholder, id=f"field-{f.name}", compact=True)

    def values(self) -> dict[str, Any] | str:
        """The form's values, or a message saying what is missing."""
        out: dict[str, Any] = {}
        for f in self.fields:
            widget = self.query_one(f"#field-{f.name}")
            if isinstance(widget, Select):
                value: Any = None if widget.value is Select.NULL else widget.value
            elif isinstance(widget, SelectionList):
                value = list(widget.selected)
            else:
                assert isinstance(widget, Input)
                value = widget.value.strip()
            if f.required and value in (None, "", []):
                return f"{f.label.rstrip(':')} is required."
            out[f.name] = value
        return out

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "cancel":
            self.dismiss(None)
        else:
            self.submit()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.submit()

    def submit(self) -> None:
        values = self.values()
        if isinstance(values, str):
            self.query_one("#error", Static).update(values)
            return
        self.dismiss(values)

    def action_cancel(self) -> None:
        self.dismiss(None)
