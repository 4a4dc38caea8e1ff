"""A scrollbar that repaints only when its thumb moves on screen.

A frame table following 1,000 frames a second grows and scrolls at every refresh tick, and
Textual's scrollbar repaints at every change of its position or size, even when the thumb
(one cell high once there are a few thousand rows, and at the bottom) is drawn exactly as
before: a few milliseconds of Strips per tick for nothing (issue 18). This one works out
what `ScrollBarRender.render_bar` would draw (the thumb's ends, in eighths of a cell) and
repaints only when that changes; hover, grab and style changes repaint as usual.

It also draws itself a line at a time. Textual renders a widget's content whole, through
Rich, whenever any of it is dirty: ~1 ms for a 36-line bar (a Strip per line) at every tick
on a charger screen, where the thumb is tall and moves, for the few cells that changed.
"""

from __future__ import annotations

from math import ceil

from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from textual.geometry import Region
from textual.reactive import Reactive
from textual.scrollbar import ScrollBar, ScrollBarRender
from textual.strip import Strip

# What ScrollBarRender draws with when the style has no colour.
_BACK = Color.parse("#555555")
_THUMB = Color.parse("bright_magenta")


class TailScrollBar(ScrollBar):
    """`ScrollBar` with its geometry reactives repainting only when the drawing changes."""

    window_virtual_size: Reactive[int] = Reactive(100, repaint=False)
    window_size: Reactive[int] = Reactive(0, repaint=False)
    position: Reactive[float] = Reactive(0, repaint=False)

    _drawn: tuple[float, ...] | None = None

    def drawing(self) -> tuple[float, ...]:
        """What the bar shows: its length and the thumb's first and last eighth of a cell
        (the arithmetic of ScrollBarRender.render_bar)."""
        size = self.size.height if self.vertical else self.size.width
        virtual = ceil(self.window_virtual_size)
        window = ceil(self.window_size) if self.window_size < self.window_virtual_size else 0
        if not (window and size and virtual and size != virtual):
            return (size, -1.0, -1.0)
        thumb = max(1, window / (virtual / size))
        position = (size - thumb) * (self.position / (virtual - window))
        start = int(position * 8)
        return (size, start, start + ceil(thumb * 8))

    _check_pending = False

    def _geometry_changed(self) -> None:
        # The owner sets the size, then the position: look once both are set (in between,
        # the thumb would seem to have moved and back).
        if not self._check_pending:
            self._check_pending = True
            self.call_next(self._check_drawing)

    def _check_drawing(self) -> None:
        self._check_pending = False
        drawing = self.drawing()
        if drawing == self._drawn:
            return
        drawn, self._drawn = self._drawn, drawing
        if drawn is None or drawn[0] != drawing[0] or not self.vertical or drawing[1] < 0:
            self.refresh()
            return
        # Only the cells the thumb left or reached change (above it the bar scrolls up when
        # clicked, below it down): a small window's thumb moves at every tick, and the
        # whole bar styled again cost 1.5-3 ms of the repaint (issue 18).
        first = int(min(drawn[1], drawing[1]) // 8) if drawn[1] >= 0 else 0
        last = int(max(drawn[2], drawing[2]) // 8) if drawn[1] >= 0 else int(drawing[0])
        self.refresh(Region(0, first, self.size.width, last - first + 1))

    #: Each line's cell as Textual would draw it, for the drawing of the last repaint.
    _cells: list[Segment] | None = None

    def render_line(self, y: int) -> Strip:
        if not self.vertical or self.styles.content_align != ("left", "top"):
            return super().render_line(y)
        # Any refresh (thumb moved, hover, grab, theme) marks the content dirty, as for
        # Textual's own whole render, which would also clear the marks.
        if self._dirty_regions or self._cells is None:
            bar = self.render()
            if not isinstance(bar, ScrollBarRender):
                self._cells = None
                return super().render_line(y)
            self._dirty_regions.clear()
            self._cells = self._bar_cells(bar)
        width = self.size.width
        if not 0 <= y < len(self._cells):
            return Strip.blank(width, self.visual_style.rich_style)
        return Strip([self._cells[y]], width)

    def _bar_cells(self, bar: ScrollBarRender) -> list[Segment]:
        """The bar's cells, top to bottom: what `ScrollBarRender.__rich_console__` yields at
        this size, with the widget's style under each (Textual's `_Styled`)."""
        width, height = self.size
        style = bar.style if isinstance(bar.style, Style) else Style.parse(bar.style)
        drawn = bar.render_bar(
            size=height,
            virtual_size=bar.virtual_size,
            window_size=bar.window_size,
            position=bar.position,
            thickness=width,
            vertical=True,
            back_color=style.bgcolor or _BACK,
            bar_color=style.color or _THUMB,
        )
        base = self.visual_style.rich_style
        if not base:
            return [Segment(text, cell_style) for text, cell_style, _ in drawn.segments]
        return [Segment(text, base + cell_style) for text, cell_style, _ in drawn.segments]

    def watch_window_virtual_size(self) -> None:
        self._geometry_changed()

    def watch_window_size(self) -> None:
        self._geometry_changed()

    def watch_position(self) -> None:
        self._geometry_changed()

    def on_resize(self) -> None:
        self._geometry_changed()
