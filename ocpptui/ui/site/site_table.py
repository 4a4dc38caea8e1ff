"""The site board's table: one row per sheet charger, then the identities not on the sheet.

Rows are pushed as `SiteRow`s (what the board computed); only cells that changed are
repainted. Every cell is a `Text` (never markup): identities, locations and versions come
from the sheet and from chargers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets import DataTable

from ocpptui.protocol.terminal_text import escape_controls
from ocpptui.ui.common.display_text import shorten
from ocpptui.ui.common.line_style import line_style
from ocpptui.ui.common.table_cursor import cursor_row_key

#: Column key → heading; the order is the table's.
COLUMNS = (
    ("mark", " "),
    ("identity", "Identity"),
    ("location", "Location"),
    ("state", "Connection"),
    ("checklist", "Checklist"),
    ("firmware", "Firmware"),
    ("profile", "Profile"),
    ("batch", "Batch"),
)
#: Widest text of a column (the rest is cut with …): the batch column says the most.
WIDTHS = {"identity": 48, "location": 24, "firmware": 24, "profile": 32, "batch": 56}
#: Unexpected identities' row keys start with this (a sheet identity cannot contain `:`).
UNEXPECTED_PREFIX = "unexpected:"


@dataclass(frozen=True, slots=True)
class Cell:
    """A cell's text and the look it takes: ok, failed, running, muted or plain ("")."""

    text: str
    look: str = ""


@dataclass(frozen=True, slots=True)
class SiteRow:
    key: str
    cells: tuple[Cell, ...]  # in COLUMNS order


class SiteTable(DataTable):
    """Sheet chargers and unexpected identities; space selects rows for a batch."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "space",
            "toggle_row",
            "Select",
            tooltip="Select or unselect this charger for the next batch",
            id="site.select",
        ),
        Binding(
            "a",
            "toggle_all",
            "All",
            tooltip="Select every sheet charger, or none",
            id="site.select_all",
        ),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "site-table--ok",
        "site-table--failed",
        "site-table--running",
        "site-table--muted",
        "site-table--unexpected",
    }

    DEFAULT_CSS = """
    SiteTable {
        height: 1fr;
        & > .site-table--ok { color: $text-success; }
        & > .site-table--failed { color: $text-error; text-style: bold; }
        & > .site-table--running { color: $text-warning; }
        & > .site-table--muted { color: $text-muted; }
        & > .site-table--unexpected { color: $text-warning; text-style: bold; }
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.selected: set[str] = set()
        self._shown: dict[str, tuple[Cell, ...]] = {}

    def on_mount(self) -> None:
        for key, label in COLUMNS:
            self.add_column(label, key=key)

    def _text(self, cell: Cell, column: str) -> Text:
        text = shorten(escape_controls(cell.text), WIDTHS.get(column, 24), placeholder="")
        if not cell.look:
            return Text(text)
        return Text(text, style=line_style(self, f"site-table--{cell.look}"))

    def show_rows(self, rows: list[SiteRow]) -> None:
        """Add new rows, repaint the cells that changed (rows are never removed)."""
        for row in rows:
            cells = row.cells
            if row.key in self.selected:
                cells = (Cell("●", "running"), *cells[1:])
            before = self._shown.get(row.key)
            if before == cells:
                continue
            self._shown[row.key] = cells
            if before is None:
                self.add_row(
                    *(self._text(cell, key) for cell, (key, _) in zip(cells, COLUMNS, strict=True)),
                    key=row.key,
                )
                continue
            for cell, old, (column, _) in zip(cells, before, COLUMNS, strict=True):
                if cell != old:
                    self.update_cell(row.key, column, self._text(cell, column), update_width=True)

    @property
    def cursor_key(self) -> str | None:
        return cursor_row_key(self)

    def action_toggle_row(self) -> None:
        key = self.cursor_key
        if key is None or key.startswith(UNEXPECTED_PREFIX):
            return
        self.selected.symmetric_difference_update({key})
        self._repaint_mark(key)

    def action_toggle_all(self) -> None:
        keys = [key for key in self._shown if not key.startswith(UNEXPECTED_PREFIX)]
        everything = set(keys)
        self.selected = set() if self.selected >= everything else everything
        for key in keys:
            self._repaint_mark(key)

    def _repaint_mark(self, key: str) -> None:
        cells = self._shown.get(key)
        if cells is None:
            return
        mark = Cell("●", "running") if key in self.selected else Cell(" ")
        self._shown[key] = (mark, *cells[1:])
        self.update_cell(key, "mark", self._text(mark, "mark"))
