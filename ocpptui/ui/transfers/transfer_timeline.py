"""The timeline of a firmware or diagnostics run: who said what, when, one row each."""

from __future__ import annotations

from collections.abc import Sequence

from rich.style import Style
from rich.text import Text
from textual.widgets import DataTable

from ocpptui.services.diagnostics import FAILED_STATUSES as UPLOAD_FAILURES
from ocpptui.services.firmware import FAILED_STATUSES as FIRMWARE_FAILURES
from ocpptui.services.firmware import TimelineEntry
from ocpptui.ui.common.display_text import clock_time, shorten
from ocpptui.ui.common.line_style import theme_style

#: Statuses that end a run well.
GOOD_STATUSES = {"Installed", "Uploaded", "Accepted", "Downloaded", "SignatureVerified"}


def _entry_role(entry: TimelineEntry) -> tuple[str | None, bool]:
    """(theme text colour, bold) of a timeline entry; None: plain text."""
    if entry.status in FIRMWARE_FAILURES or entry.status in UPLOAD_FAILURES:
        return "error", True
    if entry.text.startswith("failed:") or " refused " in entry.text:
        return "error", True
    if entry.text.startswith("diagnosis:"):
        return "warning", True
    if entry.status in GOOD_STATUSES:
        return "success", False
    if entry.source == "connection":
        return "warning", False
    return None, False


class TransferTimeline(DataTable[Text]):
    """Time, source (ocpp-tui, charger, file server, connection) and text; follows the end."""

    DEFAULT_CSS = """
    TransferTimeline {
        height: 1fr;
        min-height: 3;
        scrollbar-size-vertical: 1;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=False, show_cursor=True)
        self._shown = 0

    def on_mount(self) -> None:
        self.add_column("Time", key="time", width=8)
        self.add_column("Source", key="source", width=11)
        self.add_column("What", key="what")

    def show(self, entries: Sequence[TimelineEntry]) -> None:
        """Append the entries not shown yet (the timeline only grows)."""
        if len(entries) < self._shown:
            self.clear()
            self._shown = 0
        if len(entries) == self._shown:
            return
        following = self.row_count == 0 or self.cursor_row >= self.row_count - 1
        for entry in entries[self._shown :]:
            role, bold = _entry_role(entry)
            style = theme_style(self, role, bold=bold) if role else Style()
            self.add_row(
                Text(clock_time(entry.wall, milliseconds=False), style="dim"),
                Text(entry.source, style="bold" if entry.source == "charger" else ""),
                Text(shorten(entry.text, 400), style=style),
            )
        self._shown = len(entries)
        if following:
            self.move_cursor(row=self.row_count - 1)

    def reset(self) -> None:
        self.clear()
        self._shown = 0
