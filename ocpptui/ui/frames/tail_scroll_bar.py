"""A scrollbar that repaints only when its thumb moves on screen.

A frame table following 1,000 frames a second grows and scrolls at every refresh tick, and
Textual's scrollbar repaints at every change of its position or size, even when the thumb
(one cell high once there are a few thousand rows, and at the bottom) is drawn exactly as
before: a few milliseconds of Strips per tick for nothing (issue 18). This one works out
what `ScrollBarRender.render_bar` would draw (the thumb's ends, in eighths of a cell) and
repaints only when that changes; hover, grab and style changes repaint as usual.
"""

from __future__ import annotations

from math import ceil

from textual.geometry import Region
from textual.reactive import Reactive
from textual.scrollbar import ScrollBar


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

    def watch_window_virtual_size(self) -> None:
        self._geometry_changed()

    def watch_window_size(self) -> None:
        self._geometry_changed()

    def watch_position(self) -> None:
        self._geometry_changed()

    def on_resize(self) -> None:
        self._geometry_changed()
