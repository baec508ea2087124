"""A DataTable that is updated in place: rows keyed by resource id, only changed cells rewritten.

Replacing a table's rows every refresh makes it flicker and loses the cursor; `show()` instead removes the rows that
went away, updates the cells that changed and appends new rows, so a server going BUILD -> ACTIVE changes one cell.
The filter (`/`) hides rows whose text does not contain it (case-insensitive).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from textual.widgets import DataTable
from textual.widgets.data_table import RowKey

Row = tuple[str, ...]


class ResourceTable(DataTable[str]):
    """Rows of resources, keyed by id. `columns` are (key, label) pairs."""

    DEFAULT_CSS = """
    ResourceTable { height: 1fr; }
    """

    def __init__(self, columns: Sequence[tuple[str, str]], *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.column_keys = [key for key, _label in columns]
        self._labels = [label for _key, label in columns]
        self._rows: dict[str, Row] = {}  # every row last shown, filtered or not
        self._shown: dict[str, Row] = {}
        self.filter_text = ""
        self.loaded = False

    def on_mount(self) -> None:
        for key, label in zip(self.column_keys, self._labels, strict=True):
            self.add_column(label, key=key)

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        # DataTable caches each drawn row under a counter that `add_row` bumps but the column-width update (done
        # later, when the app is idle) does not. A row drawn in between (the cursor row is redrawn at once) kept
        # the header-only widths until the next change: "db-1  ACTIVE  m1.sma  private=1  00" in about one
        # snapshot of six. Dropping the drawn rows once the widths are known makes every row use them.
        super()._update_dimensions(new_rows)
        self._clear_caches()
        self.refresh()

    def show(self, rows: Sequence[tuple[str, Row]]) -> None:
        """Show these (id, cells) rows, in this order for new rows, changing as little as possible."""
        self.loaded = True
        self._rows = dict(rows)
        self._apply()

    def set_filter(self, text: str) -> None:
        self.filter_text = text.strip().lower()
        self._apply()

    def _apply(self) -> None:
        wanted = {key: row for key, row in self._rows.items()
                  if not self.filter_text or any(self.filter_text in cell.lower() for cell in row)}
        selected = self.selected_key
        for key in [k for k in self._shown if k not in wanted]:
            self.remove_row(key)
            del self._shown[key]
        for key, row in wanted.items():
            old = self._shown.get(key)
            if old is None:
                self.add_row(*row, key=key)
            elif old != row:
                for column, (before, after) in zip(self.column_keys, zip(old, row, strict=True), strict=True):
                    if before != after:
                        self.update_cell(key, column, after)
            self._shown[key] = row
        if selected in self._shown and self.selected_key != selected:
            self.move_cursor(row=self.get_row_index(selected))

    @property
    def selected_key(self) -> str | None:
        """The id of the row under the cursor (None for an empty table)."""
        if not self.row_count:
            return None
        try:
            row_key, _ = self.coordinate_to_cell_key(self.cursor_coordinate)
        except Exception:  # the cursor is past the last row for a moment after a removal
            return None
        return row_key.value
