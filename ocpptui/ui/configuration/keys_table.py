"""The 1.6 configuration keys as a table: key, value, read-only, and our last edit's outcome.

Rows come from the session's ConfigurationTable (what the charger reported), plus keys it
reported unknown and keys the technician added by name. The table is small (tens to a few
hundred rows) and is rebuilt whole when the data, the filter or the order changes.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual import on
from textual.binding import Binding, BindingType
from textual.widgets import DataTable

from ocpptui.core.configuration import ConfigurationTable
from ocpptui.protocol.secrets import mask_value
from ocpptui.ui.common.display_text import shorten
from ocpptui.ui.common.line_style import line_style
from ocpptui.ui.common.table_cursor import cursor_row_key

#: Column keys, in order, with their headers.
COLUMNS = (("mark", " "), ("key", "Key"), ("value", "Value"), ("ro", "R/O"), ("status", "Status"))
SORTABLE = ("key", "value", "ro", "status")

OK_STATUSES = frozenset({"Accepted"})
WARN_STATUSES = frozenset({"RebootRequired", "asking…", "sending…"})


@dataclass(frozen=True, slots=True)
class KeyRow:
    """One row: a key as the charger reported it (or did not), and our last edit's outcome."""

    key: str
    value: str | None
    readonly: bool | None  # None: the charger did not report the key
    status: str | None = None
    detail: str | None = None

    @property
    def sort_status(self) -> str:
        return self.status or ""


def key_rows(table: ConfigurationTable | None, added: Iterable[str] = ()) -> list[KeyRow]:
    """Reported keys, keys reported unknown, and keys added by name still being asked for."""
    rows: list[KeyRow] = []
    seen: set[str] = set()
    if table is not None:
        for key, entry in table.entries.items():
            # A password (AuthorizationKey) is shown, sorted and filtered as ****.
            value = mask_value(key, entry.value)
            rows.append(KeyRow(key, value, entry.readonly, entry.last_status, entry.last_detail))
            seen.add(key)
        for key in sorted(table.unknown_keys - seen):
            rows.append(KeyRow(key, None, None, "unknown to charger"))
            seen.add(key)
    for key in added:
        if key not in seen:
            rows.append(KeyRow(key, None, None, "asking…"))
            seen.add(key)
    return rows


def _value_order(value: str | None) -> tuple:
    """Numbers first and by size (5 before 50), then text; no value last."""
    if value is None:
        return (2, 0.0, "")
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if math.isfinite(number):  # "nan" and "inf" are text here: they would not sort
        return (0, number, "")
    return (1, 0.0, value.lower())


def _sort_key(row: KeyRow, column: str) -> tuple:
    if column == "value":
        return (*_value_order(row.value), row.key.lower())
    if column == "ro":
        rank = 2 if row.readonly is None else (1 if row.readonly else 0)
        return (rank, row.key.lower())
    if column == "status":
        return (row.sort_status == "", row.sort_status, row.key.lower())
    return (row.key.lower(),)


#: Columns besides Key and Value: mark 1, R/O 3, Status ≤ 20; cell padding and scrollbar.
_FIXED_WIDTH = 1 + 3 + 20 + 12
#: Value keeps this much whatever the keys need; a key is cut no shorter than KEY_MIN.
VALUE_MIN = 12
KEY_MIN = 16
VALUE_MAX = 80


def column_widths(table_width: int, rows: Iterable[KeyRow]) -> tuple[int, int]:
    """(Key, Value) widths: Key takes what the longest key needs before Value grows."""
    longest_key = max((len(row.key) for row in rows), default=len("Key"))
    available = table_width - _FIXED_WIDTH
    key_width = max(KEY_MIN, min(longest_key, available - VALUE_MIN))
    value_width = max(VALUE_MIN, min(VALUE_MAX, available - key_width))
    return key_width, value_width


class KeysTable(DataTable[Text]):
    """Keys with their values; enter edits, space marks for a re-read, a header click sorts."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "enter",
            "select_cursor",
            "Edit",
            tooltip="Edit the highlighted key (ChangeConfiguration), with its type and meaning",
            id="config.edit",
        ),
        Binding(
            "space",
            "toggle_mark",
            "Mark",
            tooltip="Mark or unmark the key for a re-read of the marked keys (R)",
            id="config.mark",
            show=False,
        ),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "config-table--ok",
        "config-table--warn",
        "config-table--error",
        "config-table--muted",
        "config-table--mark",
    }

    DEFAULT_CSS = """
    KeysTable {
        height: 1fr;
        & > .config-table--ok { color: $text-success; }
        & > .config-table--warn { color: $text-warning; }
        & > .config-table--error { color: $text-error; }
        & > .config-table--muted { color: $text-muted; }
        & > .config-table--mark { color: $text-accent; text-style: bold; }
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self._rows: list[KeyRow] = []
        self.filter_text = ""
        self.sort_column = "key"
        self.sort_reverse = False
        self.marked: set[str] = set()
        self._key_width = 34
        self._value_width = 40

    def on_mount(self) -> None:
        for key, label in COLUMNS:
            self.add_column(label, key=key)

    def on_resize(self) -> None:
        if self._fit_widths():
            self._rebuild()

    def _fit_widths(self) -> bool:
        """Size Key and Value from the rows and the table's width; True when they changed."""
        widths = column_widths(self.size.width, self._rows)
        if widths == (self._key_width, self._value_width):
            return False
        self._key_width, self._value_width = widths
        return True

    # ------------------------------------------------------------------ data

    @property
    def shown_rows(self) -> list[KeyRow]:
        """The rows the filter lets through, in the table's order."""
        needle = self.filter_text.lower().strip()
        rows = [
            row
            for row in self._rows
            if not needle or needle in row.key.lower() or needle in (row.value or "").lower()
        ]
        rows.sort(key=lambda row: _sort_key(row, self.sort_column), reverse=self.sort_reverse)
        return rows

    @property
    def all_rows(self) -> list[KeyRow]:
        return list(self._rows)

    def row_for(self, key: str) -> KeyRow | None:
        for row in self._rows:
            if row.key == key:
                return row
        return None

    def show(self, rows: list[KeyRow]) -> None:
        self._rows = rows
        self.marked &= {row.key for row in rows}
        if self.size.width:
            self._fit_widths()
        self._rebuild()

    def set_filter(self, text: str) -> None:
        self.filter_text = text
        self._rebuild()

    def sort_by(self, column: str) -> None:
        """Order by `column`; the same column again reverses the order."""
        if column not in SORTABLE:
            return
        if column == self.sort_column:
            self.sort_reverse = not self.sort_reverse
        else:
            self.sort_column, self.sort_reverse = column, False
        self._rebuild()

    @property
    def cursor_key(self) -> str | None:
        return cursor_row_key(self)

    def _rebuild(self) -> None:
        if not self.columns:
            return
        keep = self.cursor_key
        self.clear()
        for row in self.shown_rows:
            self.add_row(*self._cells(row), key=row.key)
        for column_key, label in COLUMNS:
            if column_key == self.sort_column:
                label = f"{label} {'▼' if self.sort_reverse else '▲'}"
            self.columns[column_key].label = Text(label)  # type: ignore[index]
        if keep is not None and keep in self.rows:
            self.move_cursor(row=self.get_row_index(keep), animate=False)

    def _style(self, name: str) -> Style:
        return line_style(self, f"config-table--{name}")

    def _status_style(self, status: str | None) -> Style:
        if status is None:
            return Style()
        if status in OK_STATUSES:
            return self._style("ok")
        if status in WARN_STATUSES:
            return self._style("warn")
        if status == "unknown to charger":
            return self._style("muted")
        return self._style("error")

    def _cells(self, row: KeyRow) -> list[Text]:
        mark = Text("•", self._style("mark")) if row.key in self.marked else Text(" ")
        if row.value is None:
            value = Text("—" if row.readonly is None else "(no value)", self._style("muted"))
        else:
            value = Text(shorten(row.value, self._value_width, placeholder='""'))
        if row.readonly is None:
            readonly = Text("?", self._style("muted"))
        else:
            readonly = Text("RO", self._style("muted")) if row.readonly else Text("")
        status = Text(shorten(row.status or "", 20, placeholder=""), self._status_style(row.status))
        return [mark, Text(shorten(row.key, self._key_width)), value, readonly, status]

    # ------------------------------------------------------------------ user input

    def action_toggle_mark(self) -> None:
        key = self.cursor_key
        if key is None:
            return
        self.marked.symmetric_difference_update({key})
        self.update_cell(key, "mark", self._cells(self.row_for(key) or KeyRow(key, None, None))[0])

    @on(DataTable.HeaderSelected)
    def _header_selected(self, event: DataTable.HeaderSelected) -> None:
        event.stop()
        self.sort_by(str(event.column_key.value))
