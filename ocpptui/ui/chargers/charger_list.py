"""The chargers the hub knows: one row each, with what a technician checks first."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey

from ocpptui.core.clock import Clock
from ocpptui.core.hub import Charger, Hub
from ocpptui.core.identity import path_word_warning
from ocpptui.ui.common.display_text import age, shorten
from ocpptui.ui.common.line_style import identity_cell, line_style
from ocpptui.ui.common.table_cursor import cursor_row_key

COLUMNS = (
    ("identity", "Charger"),
    ("protocol", "OCPP"),
    ("vendor", "Vendor / model"),
    ("firmware", "Firmware"),
    ("connection", "Connection"),
    ("connectors", "Connectors"),
    ("last", "Last"),
)


@dataclass(frozen=True, slots=True)
class _Limits:
    """Most cells per column at a table width (DataTable columns only ever grow)."""

    identity: int
    vendor: int
    firmware: int
    connection: int
    connectors: int

    @classmethod
    def for_width(cls, width: int) -> _Limits:
        if width >= 110:
            return cls(identity=24, vendor=30, firmware=16, connection=32, connectors=30)
        if width >= 90:
            return cls(identity=16, vendor=22, firmware=12, connection=20, connectors=22)
        return cls(identity=10, vendor=12, firmware=8, connection=13, connectors=13)


#: Why a connection ended, in words that fit a narrow list: (reason starts with, short, tiny).
_SHORT_REASONS = (
    ("connection dropped", "dropped", "dropped"),
    ("closed by charger", "charger closed", "CP closed"),
    ("closed by ocpp-tui", "closed here", "closed here"),
    ("session stopped", "stopped", "stopped"),
)


def offline_text(reason: str, width: int) -> str:
    """`○ offline: <reason>`, or as much of why as `width` has room for (not `○ offline: n…`).

    The charger screen and the Connections view give the whole reason.
    """
    found = next((words for start, *words in _SHORT_REASONS if reason.startswith(start)), None)
    short, tiny = found if found is not None else (reason, reason)
    for text in (f"○ offline: {reason}", f"○ offline: {short}", f"○ {short}", f"○ {tiny}"):
        if len(text) <= width:
            return text
    return shorten(f"○ {tiny}", width)


class ChargerList(DataTable[Text]):
    """A small DataTable (tens of rows) kept in step with the hub's chargers."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "enter",
            "select_cursor",
            "Open",
            tooltip="Open the highlighted charger: its state and live frame log",
            id="chargers.open",
        ),
        Binding(
            "delete,x",
            "screen.forget_charger",
            "Remove",
            show=False,
            tooltip="Take the highlighted offline charger off the list (its logs stay on disk)",
            id="chargers.remove",
        ),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "charger-list--online",
        "charger-list--offline",
        "charger-list--fault",
        "charger-list--muted",
    }

    DEFAULT_CSS = """
    ChargerList {
        height: auto;
        max-height: 12;
        & > .charger-list--online { color: $text-success; }
        & > .charger-list--offline { color: $text-warning; }
        & > .charger-list--fault { color: $text-error; text-style: bold; }
        & > .charger-list--muted { color: $text-muted; }
    }
    """

    class ChargerSelected(Message):
        """Enter or a click on a charger row."""

        def __init__(self, identity: str) -> None:
            super().__init__()
            self.identity = identity

    def __init__(self, hub: Hub, clock: Clock, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self._shown: dict[str, list[Text]] = {}  # the cells last written, per charger
        self._styles: dict[str, Style] = {}
        self.hub = hub
        self.clock = clock
        self._limits = _Limits.for_width(120)

    def on_mount(self) -> None:
        self._rebuild()

    def on_resize(self) -> None:
        limits = _Limits.for_width(self.size.width)
        if limits != self._limits:
            self._limits = limits
            self._rebuild()

    def _rebuild(self) -> None:
        """Columns and rows from scratch (the widths changed), keeping the highlighted row."""
        highlighted = self.highlighted_identity
        self.clear(columns=True)
        self._shown.clear()
        for key, label in COLUMNS:
            self.add_column(label, key=key)
        self.refresh_all()
        if highlighted is not None and highlighted in self.rows:
            self.move_cursor(row=self.get_row_index(highlighted), animate=False)

    @property
    def highlighted_identity(self) -> str | None:
        return cursor_row_key(self)

    def refresh_all(self) -> None:
        for identity in self.hub.chargers:
            self.refresh_charger(identity)

    def refresh_charger(self, identity: str) -> None:
        """Add or update the row of `identity`."""
        charger = self.hub.chargers.get(identity)
        if charger is None:
            return
        cells = self._cells(charger)
        shown = self._shown.get(identity)
        if identity in self.rows and shown is not None:
            # Only cells whose text changed: re-measuring a column on every meter value or
            # heartbeat saturated the event loop at a few hundred frames per second.
            for (key, _), cell, before in zip(COLUMNS, cells, shown, strict=True):
                if cell != before:
                    self.update_cell(
                        identity, key, cell, update_width=self._width_may_change(key, before, cell)
                    )
        elif identity not in self.rows:
            self.add_row(*cells, key=identity)
        self._shown[identity] = cells

    def _width_may_change(self, key: str, before: Text, cell: Text) -> bool:
        """Whether replacing `before` by `cell` can change its column's width.

        DataTable re-measures every cell of a column whenever an updated cell is narrower
        than the column (1,000 chargers: a third of the process at 2,000 CALLs/s), so a cell
        asks for it only when it is wider than the column, or when the cell it replaces was
        the one that made the column wide.
        """
        if cell.cell_len == before.cell_len:
            return False
        column = self.columns.get(ColumnKey(key))
        if column is None:
            return True
        if cell.cell_len > before.cell_len:
            return cell.cell_len > column.content_width  # wider than the column: it grows
        return before.cell_len >= column.content_width  # the widest cell got narrower

    def remove_charger(self, identity: str) -> None:
        """Drop the row of a charger the hub forgot."""
        if identity in self.rows:
            self.remove_row(identity)
        self._shown.pop(identity, None)

    def refresh_ages(self) -> None:
        """The last-message column, every second."""
        last = [key for key, _ in COLUMNS].index("last")
        for identity, charger in self.hub.chargers.items():
            shown = self._shown.get(identity)
            if identity not in self.rows or shown is None:
                continue
            cell = self._last_message(charger)
            if cell != shown[last]:  # each update re-renders the table
                shown[last] = cell
                self.update_cell(identity, "last", cell)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles.clear()
        if self.is_mounted:
            self.refresh_all()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value is not None:
            self.post_message(self.ChargerSelected(event.row_key.value))

    # ------------------------------------------------------------------ cells

    def _style(self, name: str) -> Style:
        # Cached until the theme or CSS changes: every row update asked the CSS again.
        style = self._styles.get(name)
        if style is None:
            style = self._styles[name] = line_style(self, name)
        return style

    def _cells(self, charger: Charger) -> list[Text]:
        session = charger.session
        state = charger.state
        limits = self._limits
        protocol = session.version.value if session is not None else "—"
        vendor = model = firmware = None
        if state is not None:
            vendor, model, firmware = state.vendor, state.model, state.firmware
        vendor_model = " ".join(part for part in (vendor, model) if part) or None
        return [
            identity_cell(
                self,
                charger.identity,
                path_word_warning(charger.identity) is not None,
                limits.identity,
            ),
            Text(protocol),
            Text(shorten(vendor_model, limits.vendor)),
            Text(shorten(firmware, limits.firmware)),
            self._connection(charger),
            self._connectors(charger),
            self._last_message(charger),
        ]

    def _connection(self, charger: Charger) -> Text:
        session = charger.session
        if session is None:
            return Text("—")
        if session.connected:
            text = Text("● online", style=self._style("charger-list--online"))
            if session.state.invalid_calls:
                # Schema-broken calls answered anyway (lenient) or refused (strict).
                text.append(
                    f" ⚠{session.state.invalid_calls}", style=self._style("charger-list--offline")
                )
            return text
        text = offline_text(session.close_reason or "closed", self._limits.connection)
        return Text(text, style=self._style("charger-list--offline"))

    def _connectors(self, charger: Charger) -> Text:
        state = charger.state
        text = Text()
        if state is None:
            return Text("—")
        for connector in state.sorted_connectors:
            if connector.connector_id == 0 and connector.evse_id is None:
                if not connector.has_error:
                    continue  # 1.6 connector 0 is the whole charger; noise unless faulted
            if text:
                text.append(" ")
            style = self._style("charger-list--fault") if connector.has_error else Style()
            text.append(f"{connector.label}:{shorten(connector.status, 16)}", style=style)
        if not text:
            return Text("—")
        text.truncate(self._limits.connectors, overflow="ellipsis")
        return text

    def _last_message(self, charger: Charger) -> Text:
        state = charger.state
        if state is None or state.last_message_wall is None:
            return Text("—")
        return Text(age(self.clock.wall() - state.last_message_wall))
