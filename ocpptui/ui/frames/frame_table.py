"""The live frame log: a Line-API table over a core FrameWindow, repainted on its own clock.

Frames are never pushed into this widget. A timer (`refresh_hz`, 10 Hz by default) looks at
`window.total`; when it moved, the table takes in the new frames (testing them against the
filter once each, keeping the absolute positions that match), resizes its virtual height and
repaints once. Only visible lines are rendered, and each frame's rendered line is kept in an
LRU by sequence number, so 500 frames/s cost a repaint per tick and not a render per frame.
"""

from __future__ import annotations

import asyncio
from bisect import bisect_left
from collections.abc import Callable, Iterator
from itertools import islice
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.scrollbar import ScrollBar
from textual.strip import Strip

from ocpptui.core.frame import Frame
from ocpptui.core.frame_filter import FrameFilter, is_flagged
from ocpptui.core.frame_window import FrameWindow
from ocpptui.ui.common.display_text import fit
from ocpptui.ui.common.keyed_styles_cache import KeyedStylesCache
from ocpptui.ui.common.line_style import line_style
from ocpptui.ui.common.quiet_update import screen_shown
from ocpptui.ui.frames.frame_row import RowLayout, frame_cells
from ocpptui.ui.frames.tail_scroll_bar import TailScrollBar

#: Compacting the filtered position list once this many leading entries are stale.
_COMPACT_AFTER = 4096
#: Up to this many frames at the end of a FrameWindow are read by index, more by iterating.
_INDEXED_TAIL = 1024
#: Rows kept rendered besides those on screen. Few: every cached row holds a dozen Strips of
#: the garbage collector's (each with its five caches), and at 1,000 frames/s a cache of
#: 1,024 rows made its middle-generation collections walk ~20,000 objects (7-17 ms pauses).
_SPARE_ROWS = 32
#: Rows rendered and styled per turn of the event loop ahead of a repaint (~0.15 ms each).
_PREPAINT_ROWS = 6
#: ... and rounds of frames that arrived while the rows before them were rendered.
_PREPAINT_ROUNDS = 3


class _TableMessage(Message):
    """A message from a frame table: the table is its `control` (for `@on(..., "#id")`)."""

    def __init__(self, table: FrameTable) -> None:
        super().__init__()
        self.table = table

    @property
    def control(self) -> FrameTable:
        return self.table

    def same_kind_from_same_table(self, message: Message) -> bool:
        """`message` is of this kind and from this table (a newer one makes it stale)."""
        return isinstance(message, type(self)) and message.table is self.table


class FrameTable(ScrollView, can_focus=True):
    """Every frame of a FrameWindow, newest at the bottom, optionally filtered."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor_up", "Up", show=False, id="frames.up"),
        Binding("down", "cursor_down", "Down", show=False, id="frames.down"),
        Binding("pageup", "page_up", "Page up", show=False, id="frames.page_up"),
        Binding("pagedown", "page_down", "Page down", show=False, id="frames.page_down"),
        Binding("home", "first", "First", show=False, id="frames.first"),
        Binding(
            "end",
            "follow",
            "Follow",
            tooltip="Jump to the newest frame and follow new frames as they arrive",
            id="frames.follow",
        ),
        Binding(
            "enter",
            "inspect",
            "Inspect",
            tooltip="Open the selected frame: pretty JSON, metadata, its request/response",
            id="frames.inspect",
        ),
        Binding(
            "c",
            "copy_frame",
            "Copy",
            tooltip="Copy the selected frame's raw JSON to the clipboard",
            id="frames.copy",
        ),
        Binding(
            "p",
            "toggle_pause",
            "Pause",
            tooltip="Pause or resume repainting (frames are still recorded)",
            id="frames.pause",
        ),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "frame-table--header",
        "frame-table--time",
        "frame-table--identity",
        "frame-table--in",
        "frame-table--out",
        "frame-table--call",
        "frame-table--result",
        "frame-table--error",
        "frame-table--send",
        "frame-table--malformed",
        "frame-table--action",
        "frame-table--muted",
        "frame-table--problem",
        "frame-table--violation",
        "frame-table--flagged-row",
        "frame-table--cursor",
        "frame-table--hint",
    }

    DEFAULT_CSS = """
    FrameTable {
        background: $surface;
        overflow-x: hidden;
        overflow-y: scroll;
        scrollbar-size-vertical: 1;
        & > .frame-table--header { color: $text-muted; text-style: bold; background: $panel; }
        & > .frame-table--time { color: $text-muted; }
        & > .frame-table--identity { color: $text-secondary; }
        & > .frame-table--in { color: $text-primary; text-style: bold; }
        & > .frame-table--out { color: $text-secondary; text-style: bold; }
        & > .frame-table--call { color: $text-accent; }
        & > .frame-table--result { color: $text-success; }
        & > .frame-table--error { color: $text-error; text-style: bold; }
        & > .frame-table--send { color: $text-secondary; }
        & > .frame-table--malformed { color: $text-error; text-style: bold reverse; }
        & > .frame-table--action { text-style: bold; }
        & > .frame-table--muted { color: $text-muted; }
        & > .frame-table--problem { color: $text-error; }
        & > .frame-table--violation { color: $text-warning; }
        & > .frame-table--flagged-row { background: $error 15%; }
        & > .frame-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
        }
        & > .frame-table--hint { color: $text-muted; text-style: italic; }
        &:focus > .frame-table--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
    }
    """

    class FrameHighlighted(_TableMessage):
        """The cursor moved to another frame (or off every frame); a newer one replaces it."""

        def __init__(self, table: FrameTable, frame: Frame | None) -> None:
            super().__init__(table)
            self.frame = frame

        def can_replace(self, message: Message) -> bool:
            return self.same_kind_from_same_table(message)

    class FrameSelected(_TableMessage):
        """Enter or a double click on a frame: show it in the inspector."""

        def __init__(self, table: FrameTable, frame: Frame) -> None:
            super().__init__(table)
            self.frame = frame

    class StatusChanged(_TableMessage):
        """Counts and follow/pause state, for a status line under the table; a newer one
        replaces it."""

        def __init__(
            self,
            table: FrameTable,
            *,
            shown: int,
            held: int,
            pending: int,
            following: bool,
            paused: bool,
            filtered: bool,
        ) -> None:
            super().__init__(table)
            self.shown = shown
            self.held = held
            self.pending = pending
            self.following = following
            self.paused = paused
            self.filtered = filtered

        def can_replace(self, message: Message) -> bool:
            return self.same_kind_from_same_table(message)

    #: Absolute window position of the selected frame (None: no selection).
    cursor: reactive[int | None] = reactive(None, repaint=False, init=False)
    #: The view tracks the newest frame (and so does the cursor, if there is one).
    following: reactive[bool] = reactive(True, repaint=False, init=False, bindings=True)
    #: Repainting stopped by the user; frames keep being recorded.
    paused: reactive[bool] = reactive(False, repaint=False, init=False, bindings=True)
    frame_filter: reactive[FrameFilter] = reactive(FrameFilter, repaint=False, init=False)

    def __init__(
        self,
        window: FrameWindow,
        *,
        refresh_hz: float = 10.0,
        show_identity: bool = False,
        empty_hint: str = "No frames yet.",
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.window = window
        self.refresh_hz = refresh_hz
        self.show_identity = show_identity
        self.empty_hint = empty_hint
        self._strips: LRUCache[int, Strip] = LRUCache(_SPARE_ROWS)
        # Rows styled (borders, colour filter) kept by frame seq as well: a row that only
        # scrolled is not styled again at the next repaint.
        self._styles_cache = KeyedStylesCache(self._line_key, _SPARE_ROWS)
        self._prepaint_queue: list[Frame] | None = None
        self._prepaint_rounds = 0
        self._layout = RowLayout.for_width(80, show_identity)
        # What the rows show, as of the last sync.
        self._synced_total = 0
        self._synced_first = 0
        # Filtered view: matching absolute positions; entries before _start are trimmed.
        self._positions: list[int] = []
        self._start = 0
        self._scanned = 0
        self._matched_ever = 0
        self._matched_at_release = 0
        self._last_status: tuple[int, ...] | None = None
        self._cursor_was_empty = True  # Inspect and Copy start greyed out
        self._styles: dict[str, Style] = {}
        self._base_style = Style()
        #: Called with each StatusChanged as it is made (the message is still posted).
        self.status_listener: Callable[[FrameTable.StatusChanged], None] | None = None

    # ------------------------------------------------------------------ rows

    @property
    def filtered(self) -> bool:
        return self.frame_filter.active

    @property
    def row_count(self) -> int:
        if self.filtered:
            return len(self._positions) - self._start
        return self._synced_total - self._synced_first

    def position_at(self, row: int) -> int:
        if self.filtered:
            return self._positions[self._start + row]
        return self._synced_first + row

    def row_of(self, position: int) -> int | None:
        if self.filtered:
            index = bisect_left(self._positions, position, self._start)
            if index < len(self._positions) and self._positions[index] == position:
                return index - self._start
            return None
        row = position - self._synced_first
        return row if 0 <= row < self.row_count else None

    def frame_at_row(self, row: int) -> Frame | None:
        if not 0 <= row < self.row_count:
            return None
        return self.window.at(self.position_at(row))

    @property
    def cursor_row(self) -> int | None:
        return None if self.cursor is None else self.row_of(self.cursor)

    @property
    def cursor_frame(self) -> Frame | None:
        """The selected frame, while it is still in memory and shown."""
        if self.cursor is None or self.cursor_row is None:
            return None
        return self.window.at(self.cursor)

    @property
    def visible_rows(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)  # minus the header

    @property
    def pending(self) -> int:
        """Frames that arrived since the view stopped moving (paused or scrolled up)."""
        if self.paused:
            return self.window.total - self._synced_total
        if not self.following:
            return self._matched_ever - self._matched_at_release
        return 0

    def rows(self) -> list[Frame]:
        """The frames currently shown, oldest first (for tests and exports)."""
        found = (self.frame_at_row(row) for row in range(self.row_count))
        return [frame for frame in found if frame is not None]

    # ------------------------------------------------------------------ syncing

    def on_mount(self) -> None:
        self.anchor()
        self.set_interval(1 / max(1.0, self.refresh_hz), self._tick, name="frame-table-sync")
        self.sync()

    def _tick(self) -> None:
        """The refresh tick: render the rows the coming repaint will show a few at a time,
        each few in a turn of the event loop of its own, then `sync` and repaint.

        Chargers are answered on this loop: a repaint of 30-50 new rows in one go (1,000
        frames/s) held their answers for ~7 ms ten times a second (issue 18). Rendered
        ahead, the rows are in the caches when the screen repaints them.
        """
        if self._prepaint_queue is not None:
            return  # still at the previous tick's rows
        frames = self._frames_to_prepaint()
        if not frames:
            self.sync()
            return
        self._prepaint_queue = frames
        self._prepaint_rounds = 0
        asyncio.get_running_loop().call_soon(self._prepaint_step)

    def _frames_to_prepaint(self) -> list[Frame]:
        """The rows `sync` is about to scroll into view, not rendered yet (the newest,
        under the cursor, is drawn differently: left to the repaint)."""
        window = self.window
        total = window.total
        if (
            self.paused
            or not self.following
            or self.filtered
            or total == self._synced_total
            or (self.is_attached and not screen_shown(self.screen))
        ):
            return []
        first = max(window.first_position, total - self.visible_rows, self._synced_total - 1)
        found = (window.at(position) for position in range(first, total - 1))
        is_styled = self._styles_cache.is_styled
        return [frame for frame in found if frame is not None and not is_styled(frame.seq)]

    def _prepaint_step(self) -> None:
        queue = self._prepaint_queue
        done = True
        try:
            if queue and self.is_attached:
                for frame in queue[:_PREPAINT_ROWS]:
                    if not self._styles_cache.prestyle(frame.seq, self._row_strip(frame)):
                        queue.clear()  # nothing painted yet to style like: the repaint will
                        break
                del queue[:_PREPAINT_ROWS]
                if not queue and self._prepaint_rounds < _PREPAINT_ROUNDS:
                    # Frames that came meanwhile: the repaint would render them in one go.
                    self._prepaint_rounds += 1
                    queue.extend(self._frames_to_prepaint())
                if queue:
                    asyncio.get_running_loop().call_soon(self._prepaint_step)
                    done = False
        finally:
            if done:
                self._prepaint_queue = None
                if self.is_attached:
                    self.sync()

    def sync(self, force: bool = False) -> None:
        """Take in frames that arrived since the last call and repaint once."""
        if not force and self.is_attached and not screen_shown(self.screen):
            return  # under another screen: one catch-up when shown again
        window = self.window
        total = window.total
        if self.paused or (total == self._synced_total and not force):
            self._post_status()
            return
        first = window.first_position
        if self.filtered:
            frame_filter = self.frame_filter
            for position, frame in _held_since(window, self._scanned):
                if frame_filter.matches(frame):
                    self._positions.append(position)
                    self._matched_ever += 1
            self._scanned = total
            start = bisect_left(self._positions, first, self._start)
            trimmed = start - self._start
            self._start = start
            if start > _COMPACT_AFTER and start * 2 > len(self._positions):
                del self._positions[:start]
                self._start = 0
        else:
            trimmed = max(0, first - self._synced_first)
            self._matched_ever += total - self._synced_total
        self._synced_total = total
        self._synced_first = first
        self._update_virtual_size()
        if self.following:
            # Textual lets go of the anchor on any user scroll, even one that moves nothing
            # (the wheel at the bottom); take it again.
            self.anchor()
            self._cursor_to_newest()
        elif trimmed:
            # Keep the rows under a scrolled-up reader where they are on screen.
            self.scroll_to(y=max(0, self.scroll_y - trimmed), animate=False, immediate=True)
        self.refresh()
        self._post_status()

    def _cursor_to_newest(self) -> None:
        """While following, the cursor sits on the newest row, so Enter and `c` act at once."""
        if self.row_count:
            self.cursor = self.position_at(self.row_count - 1)

    def _update_virtual_size(self) -> None:
        size = Size(self._layout.width, self.row_count + 1)
        if size == self.virtual_size:
            return
        if not self.is_mounted or not self.size or size.width != self.virtual_size.width:
            self.virtual_size = size
            return
        # `virtual_size` is a layout reactive: setting it lays the whole screen out again
        # and re-renders every widget on it, ten times a second while frames arrive. The
        # table's box does not depend on its row count (its height is set by the screen and
        # the scrollbar is always there), so only the scrollbar and the scroll position
        # follow new rows; `sync` scrolls to the end itself. A new width still lays out.
        self.set_reactive(FrameTable.virtual_size, size)
        # The thumb repaints only when it moves on screen (TailScrollBar).
        self.vertical_scrollbar.window_virtual_size = size.height
        self.scroll_y = self.validate_scroll_y(self.scroll_y)

    @property
    def vertical_scrollbar(self) -> ScrollBar:
        if self._vertical_scrollbar is None:
            bar = TailScrollBar(
                vertical=True, name="vertical", thickness=self.scrollbar_size_vertical
            )
            bar.display = False
            self._vertical_scrollbar = bar
            self.app._start_widget(self, bar)
        return self._vertical_scrollbar

    def _rescan(self) -> None:
        """Build the filtered positions from scratch (the filter changed)."""
        window = self.window
        frame_filter = self.frame_filter
        self._positions = (
            [position for position, frame in _held_since(window, 0) if frame_filter.matches(frame)]
            if frame_filter.active
            else []
        )
        self._start = 0
        self._scanned = window.total
        self._synced_total = window.total
        self._synced_first = window.first_position
        self._matched_ever = self.row_count
        self._matched_at_release = self._matched_ever
        self._update_virtual_size()

    def watch_frame_filter(self) -> None:
        selected = self.cursor
        self._rescan()
        if selected is not None and self.row_of(selected) is None:
            self.cursor = None
        self.following = True
        self.anchor()
        self._cursor_to_newest()
        self.refresh()
        self._post_status()

    def watch_paused(self, paused: bool) -> None:
        if not paused:
            self.sync(force=True)
        self._post_status()

    def watch_following(self, following: bool) -> None:
        if following:
            self.anchor()
            self._cursor_to_newest()
        else:
            self._matched_at_release = self._matched_ever
            if self.is_anchored:
                self.release_anchor()
        self._post_status()

    def watch_cursor(self) -> None:
        self.refresh()
        frame = self.cursor_frame
        if (frame is None) != self._cursor_was_empty:
            # Only when Inspect/Copy change availability: the footer rebuilds its keys.
            self._cursor_was_empty = frame is None
            self.refresh_bindings()
        self.post_message(self.FrameHighlighted(self, frame))

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if new_value < old_value and new_value < self.max_scroll_y:
            self.following = False  # the reader scrolled up (wheel, scrollbar, page keys)
        elif new_value > old_value and new_value >= self.max_scroll_y and not self.following:
            self.following = True  # ... and back down to the newest frame

    def _post_status(self) -> None:
        status = (
            self.row_count,
            len(self.window),
            self.pending,
            self.following,
            self.paused,
            self.filtered,
        )
        if status == self._last_status:
            return
        self._last_status = status
        message = self.StatusChanged(
            self,
            shown=status[0],
            held=status[1],
            pending=status[2],
            following=self.following,
            paused=self.paused,
            filtered=self.filtered,
        )
        if self.status_listener is not None:
            # At once, in this tick's repaint: the message reaches the screen several hops
            # later, often after the repaint, and costs a second one per tick.
            self.status_listener(message)
        self.post_message(message)

    # ------------------------------------------------------------------ actions

    def move_cursor(self, row: int) -> None:
        """Select the frame at `row`, scrolling it into view; the last row follows."""
        rows = self.row_count
        if rows == 0:
            return
        row = max(0, min(rows - 1, row))
        self.cursor = self.position_at(row)
        if row == rows - 1:
            self.following = True
            return
        self.following = False
        top = round(self.scroll_y)
        if row < top:
            self.scroll_to(y=row, animate=False, immediate=True)
        elif row >= top + self.visible_rows:
            self.scroll_to(y=row - self.visible_rows + 1, animate=False, immediate=True)

    def select_frame(self, frame: Frame) -> bool:
        """Put the cursor on `frame` if the view shows it; False when it does not."""
        index = index_of_seq(self.window, frame.seq)
        if index is None:
            return False
        row = self.row_of(self.window.first_position + index)
        if row is None:
            return False
        self.move_cursor(row)
        return True

    def _current_row(self, default: int) -> int:
        row = self.cursor_row
        return default if row is None else row

    def action_cursor_up(self) -> None:
        self.move_cursor(self._current_row(self.row_count) - 1)

    def action_cursor_down(self) -> None:
        self.move_cursor(self._current_row(self.row_count - 2) + 1)

    def action_page_up(self) -> None:
        self.move_cursor(self._current_row(self.row_count - 1) - self.visible_rows)

    def action_page_down(self) -> None:
        self.move_cursor(self._current_row(self.row_count - 1) + self.visible_rows)

    def action_first(self) -> None:
        self.move_cursor(0)

    def action_follow(self) -> None:
        if self.paused:
            self.paused = False
        self._cursor_to_newest()
        self.following = True
        self.anchor()

    def action_inspect(self) -> None:
        frame = self.cursor_frame
        if frame is not None:
            self.post_message(self.FrameSelected(self, frame))

    def action_copy_frame(self) -> None:
        frame = self.cursor_frame
        if frame is None:
            return
        self.app.copy_to_clipboard(frame.raw)
        self.notify(
            f"Copied frame #{frame.seq} ({len(frame.raw.encode())} bytes) to the clipboard",
            title="Copied",
            markup=False,
        )

    def action_toggle_pause(self) -> None:
        self.paused = not self.paused

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("inspect", "copy_frame"):
            return True if self.cursor_frame is not None else None
        if action == "follow":
            return not self.following or self.paused  # hidden while it would change nothing
        return True

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y < 1:  # the border or the header line
            return
        row = round(self.scroll_y) + offset.y - 1
        if row >= self.row_count:
            return
        if event.chain >= 2 and self.row_of(self.cursor or -1) == row:
            self.action_inspect()
            return
        self.move_cursor(row)

    # ------------------------------------------------------------------ rendering

    def on_resize(self) -> None:
        width = self.scrollable_content_region.width
        rows = self.size.height + _SPARE_ROWS
        if width != self._layout.width or rows < self._strips.maxsize:
            self._layout = RowLayout.for_width(width, self.show_identity)
            self._strips.clear()
            self._styles_cache.forget()
        self._strips.maxsize = rows
        self._styles_cache.keep(rows)
        self._update_virtual_size()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles.clear()
        self._strips.clear()
        self._styles_cache.forget()

    def _style(self, name: str) -> Style:
        style = self._styles.get(name)
        if style is None:
            style = self._styles[name] = line_style(self, name)
        return style

    def render_lines(self, crop: Region) -> list[Strip]:
        self._base_style = self.rich_style
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        width = self._layout.width
        base = self._base_style
        if y == 0:
            return self._render_header(base).adjust_cell_length(width, base)
        position = self._line_position(y)
        if position is None:
            if y == 1 and not self.row_count:
                hint = self.empty_hint
                if self.filtered and len(self.window):
                    hint = "No frame matches the filter."
                return self._hint_strip(hint, base, width)
            return Strip.blank(width, base)
        frame = self.window.at(position)
        if frame is None:
            return self._hint_strip("(frame left the in-memory window; it is on disk)", base, width)
        if position == self.cursor:
            # The cursor's colours win over the cells' (as in a DataTable): a blue arrow or a
            # green RESULT vanished on the cursor's blue in the light theme.
            cursor = self._style("frame-table--cursor")
            row_style = base + cursor
            return self._render_frame(frame, row_style, cursor).adjust_cell_length(width, row_style)
        return self._row_strip(frame)

    def _row_strip(self, frame: Frame) -> Strip:
        """A frame's row (not under the cursor), rendered once per seq."""
        strip = self._strips.get(frame.seq)
        if strip is None:
            base = self._base_style
            row_style = base
            if is_flagged(frame):
                row_style = base + self._style("frame-table--flagged-row")
            width = self._layout.width
            # Not `crop_extend`: it keeps a strip that already has the width in the strip's own
            # cache, a reference cycle that only the garbage collector frees (each repaint's
            # rows made its young collections ~1 ms longer).
            strip = self._render_frame(frame, row_style).adjust_cell_length(width, row_style)
            self._strips[frame.seq] = strip
        return strip

    def _line_position(self, y: int) -> int | None:
        """The window position of the frame on line `y`; None for the header and below the rows."""
        row = round(self.scroll_y) + y - 1
        if y == 0 or row >= self.row_count:
            return None
        return self.position_at(row)

    def _line_key(self, y: int) -> int | None:
        """The seq of the frame `render_line(y)` shows from `_row_strip`, else None (the
        header, hints, the cursor's row): the key of its styled line (KeyedStylesCache)."""
        position = self._line_position(y)
        if position is None or position == self.cursor:
            return None
        frame = self.window.at(position)
        return None if frame is None else frame.seq

    def _hint_strip(self, text: str, base: Style, width: int) -> Strip:
        style = base + self._style("frame-table--hint")
        return Strip([Segment(fit(" " + text, width), style)], width)

    def _render_header(self, base: Style) -> Strip:
        style = base + self._style("frame-table--header")
        return Strip([Segment(self._layout.header(), style)], self._layout.width)

    def _render_frame(self, frame: Frame, row_style: Style, over: Style | None = None) -> Strip:
        segments = [
            Segment(text, row_style + self._style(name) if name else row_style)
            for text, name in frame_cells(frame, self._layout)
        ]
        if over is not None:
            segments = [Segment(text, style + over) for text, style, _ in segments]
        return Strip(segments).crop(0, self._layout.width)


def _held_since(window: FrameWindow, position: int) -> Iterator[tuple[int, Frame]]:
    """`window.since(position)`, reading a long stretch of a FrameWindow through its iterator.

    `since` indexes the window's deque, and indexing the middle of a deque walks it block by
    block: a filter over 100,000 frames spent ~240 ms there against ~15 ms iterating.
    """
    if isinstance(window, FrameWindow):
        first = window.first_position
        offset = max(position, first) - first
        if len(window) - offset > _INDEXED_TAIL:
            return enumerate(islice(window, offset, None), first + offset)
    return window.since(position)


def index_of_seq(window: FrameWindow, seq: int) -> int | None:
    """Index in `window` of the frame numbered `seq` (frames are in seq order), if held."""
    low, high = 0, len(window)
    while low < high:
        middle = (low + high) // 2
        if window[middle].seq < seq:
            low = middle + 1
        else:
            high = middle
    if low < len(window) and window[low].seq == seq:
        return low
    return None


def find_frame(window: FrameWindow, seq: int) -> Frame | None:
    """The frame numbered `seq`, while it is still in memory."""
    index = index_of_seq(window, seq)
    return None if index is None else window[index]
