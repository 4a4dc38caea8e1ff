"""A Select whose open list stays between the screen's top and its footer, choice in view.

Textual's Select opens its list under the field and, near the bottom of the screen, pushes
it up just enough to stay on screen: over the field itself and over the footer's keys (the
Theme row of the settings at 80x24 and 120x40). This one opens the list above the field when
there is no room for it below.
"""

from __future__ import annotations

from textual.widgets import Footer, Select
from textual.widgets._select import SelectOverlay

#: Most rows an open list takes, its border included.
MAX_LIST_ROWS = 12


class ChoiceSelect(Select):
    """`Select` that opens its list where it fits without covering the footer."""

    DEFAULT_CSS = """
    ChoiceSelect > SelectOverlay.-textual-compact {
        border: tall $primary !important;
        background: $panel;
    }
    """

    def _watch_expanded(self, expanded: bool) -> None:
        super()._watch_expanded(expanded)
        if expanded:
            self.scroll_visible(animate=False, immediate=True)  # its form may have scrolled
            self._place_list()
            self.call_after_refresh(self._placed)

    def _placed(self) -> None:
        """Once laid out (the field where it is now): place the list again, choice in view."""
        if self.expanded:
            self._place_list()
            self.call_after_refresh(self.query_one(SelectOverlay).scroll_to_highlight)

    def _place_list(self) -> None:
        overlay = self.query_one(SelectOverlay)
        screen = self.screen
        footer = sum(footer.outer_size.height for footer in screen.query(Footer))
        top, bottom = self.region.y, self.region.bottom
        below = screen.size.height - footer - bottom
        above = top
        wanted = min(overlay.option_count + 2, MAX_LIST_ROWS)
        if below >= wanted or below >= above:
            overlay.styles.offset = (0, 0)
            overlay.styles.max_height = max(3, min(wanted, below))
        else:
            rows = max(3, min(wanted, above))
            overlay.styles.max_height = rows
            overlay.styles.offset = (0, -(rows + self.region.height))
