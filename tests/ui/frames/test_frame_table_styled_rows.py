"""The frame table keeps styled rows by frame (KeyedStylesCache) and styles some ahead of the
repaint, and its scrollbar repaints only the cells its thumb left or reached: what both show
must stay exactly what a fresh render draws, through following, a cursor that moves, flagged
rows, a resize, a theme change and focus."""

from __future__ import annotations

import json

from textual._styles_cache import StylesCache
from textual.app import App, ComposeResult
from textual.geometry import Offset
from textual.strip import Strip
from textual.visual import Visual
from textual.widget import Widget

from ocpptui.core.frame import Direction, Frame
from ocpptui.core.frame_window import FrameWindow
from ocpptui.ui.frames.frame_table import FrameTable
from tests.ui.helpers import until


def _frame(seq: int) -> Frame:
    error = seq % 7 == 0
    message_type = 4 if error else 2
    raw = (
        json.dumps([4, f"id{seq}", "InternalError", "boom", {}])
        if error
        else json.dumps([2, f"id{seq}", "MeterValues", {"n": seq}])
    )
    return Frame(
        seq=seq,
        wall=1_700_000_000 + seq,
        mono=float(seq),
        identity=f"CP-{seq % 3}",
        session_id="s",
        direction=Direction.IN if seq % 2 else Direction.OUT,
        raw=raw,
        message_type=message_type,
        message_id=f"id{seq}",
        action=None if error else "MeterValues",
    )


class BorderedTableApp(App[None]):
    # A border and padding: the styled lines' gutter is not zero, as on the charger screen.
    CSS = "FrameTable { border: round $accent; padding: 0 1; height: 1fr; }"

    def __init__(self, window: FrameWindow) -> None:
        super().__init__()
        self.window = window

    def compose(self) -> ComposeResult:
        yield FrameTable(self.window, refresh_hz=50, show_identity=True)


def _cells(strips: list[Strip]) -> list[list[tuple[str, object]]]:
    return [[(segment.text, segment.style) for segment in strip] for strip in strips]


def _bar_as_drawn_and_by_textual(table: FrameTable) -> tuple[list, list]:
    """The scrollbar's lines as it draws them (a line at a time), and as Textual's whole
    render of its Rich renderable would."""
    bar = table.vertical_scrollbar
    width, height = bar.size
    drawn = [bar.render_line(y) for y in range(height)]
    textual = Visual.to_strips(bar, bar._render(), width, height, bar.visual_style)
    return _cells(drawn), _cells(textual)


def _as_shown_and_fresh(widget: Widget) -> tuple[list, list]:
    """The lines the widget's styles cache gives the compositor, and the lines a new one would."""
    region = widget.size.region
    shown = widget._styles_cache.render_widget(widget, region)
    fresh = StylesCache().render_widget(widget, region)
    return _cells(shown), _cells(fresh)


async def test_kept_and_prestyled_rows_draw_what_a_fresh_render_draws() -> None:
    window = FrameWindow(maxlen=500)
    app = BorderedTableApp(window)
    seq = 0

    def add(count: int) -> None:
        nonlocal seq
        for _ in range(count):
            seq += 1
            window.append(_frame(seq))

    async with app.run_test(size=(100, 24)) as pilot:
        table = app.query_one(FrameTable)
        checked = 0

        async def check() -> None:
            nonlocal checked
            await until(pilot, lambda: table.row_count == len(window))
            await pilot.pause(0.05)  # a tick or two: rows styled ahead, then the repaint
            for widget in (table, table.vertical_scrollbar):
                shown, fresh = _as_shown_and_fresh(widget)
                assert shown == fresh, widget
            drawn, textual = _bar_as_drawn_and_by_textual(table)
            assert drawn == textual
            checked += 1

        # Following: each batch scrolls rows up, some styled ahead of the repaint.
        for batch in (5, 30, 3, 12, 40, 1):
            add(batch)
            await check()
        assert table.following

        # The cursor moves over rows that were kept, and off them again.
        table.focus()
        for key in ("up", "up", "up", "pageup", "down"):
            await pilot.press(key)
            await check()

        await pilot.press("end")
        add(25)
        await check()

        # Size, theme and focus change how every row is styled.
        await pilot.resize_terminal(80, 20)
        await check()
        app.theme = "textual-light"
        add(4)
        await check()
        table.blur()
        await check()

        # The bar under the mouse and grabbed has colours of its own.
        bar = table.vertical_scrollbar
        bar.mouse_over = True
        await check()
        bar.grabbed = Offset(0, 3)
        add(6)
        await check()
        bar.grabbed = None
        bar.mouse_over = False
        await check()
        assert checked == 18
