"""A screen whose frame log has a filter bar: the filter's keys and what they do.

The charger screen (live frames) and the saved-log viewer filter the same way: `/` types a
filter, `e` shows errors only, `x` clears it, and escape in the filter bar goes back to the
log. What a filter change then does differs (the live table filters in place, the saved log
runs a worker), so each screen still handles `FilterBar.FilterChanged` itself.
"""

from __future__ import annotations

from textual import on
from textual.binding import Binding
from textual.screen import Screen

from ocpptui.ui.frames.filter_bar import FilterBar
from ocpptui.ui.frames.frame_table import FrameTable


def frame_filter_bindings(*, filter_id: str, errors_id: str, clear_id: str) -> list[Binding]:
    """The filter's three keys, with the ids each screen has always given them (keymaps
    name bindings by id, so they stay per screen)."""
    return [
        Binding(
            "slash",
            "focus_filter",
            "Filter",
            tooltip="Type a filter: text, action:Name, dir:in, type:error, is:error",
            id=filter_id,
        ),
        Binding(
            "e",
            "toggle_errors",
            "Errors",
            tooltip="Show only CallErrors, malformed frames and schema violations",
            id=errors_id,
        ),
        Binding("x", "clear_filter", "Clear", tooltip="Show every frame again", id=clear_id),
    ]


class FrameFilterScreen(Screen[None]):
    """Has a `FilterBar` (#filter-bar) over the frame table that `frame_table` returns."""

    @property
    def frame_table(self) -> FrameTable:
        raise NotImplementedError

    @property
    def filter_bar(self) -> FilterBar:
        return self.query_one("#filter-bar", FilterBar)

    def leave_filter_bar(self) -> bool:
        """Escape in the filter bar: back to the frame log. False when the focus is elsewhere."""
        focused = self.focused
        if focused is not None and self.filter_bar in focused.ancestors_with_self:
            self.frame_table.focus()
            return True
        return False

    @on(FilterBar.QuerySubmitted)
    def _query_submitted(self) -> None:
        self.frame_table.focus()  # enter in the filter box: on to the results

    def action_focus_filter(self) -> None:
        self.filter_bar.query_input.focus()

    def action_toggle_errors(self) -> None:
        self.filter_bar.errors_only = not self.filter_bar.errors_only

    def action_clear_filter(self) -> None:
        self.filter_bar.clear()
        self.frame_table.focus()
