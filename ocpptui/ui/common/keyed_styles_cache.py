"""Styled lines kept by what they show, not by where: a line that only moved is not styled again.

Textual styles every line a widget renders (its borders, padding, tint, the app's colour
filter) in a `StylesCache` that remembers lines by their y, and forgets them all at each
refresh. A frame table that scrolls by a few rows per tick so styled every visible row again
at every tick, although each row's content was already cached by frame number: about half
the cost of a repaint (issue 18). This cache asks the widget for a key of the content at a
line (a frame's seq, say; None for lines that change, such as the cursor's) and keeps the
styled line under that key, with everything else it depends on (the widget's size and
backgrounds). It can also style a line ahead of the repaint (`prestyle`), with the arguments
of the last repaint, so the work can be spread over several turns of the event loop.

Relies on `StylesCache.render` / `render_line` of Textual 8 (the widget's `_styles_cache`).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import Any

from textual._styles_cache import StylesCache
from textual.cache import LRUCache
from textual.filter import LineFilter
from textual.strip import Strip

#: content line -> a key for what that line shows, or None (not kept).
LineKey = Callable[[int], Hashable | None]


class KeyedStylesCache(StylesCache):
    """A `StylesCache` that also keeps styled content lines under the widget's keys."""

    def __init__(self, line_key: LineKey, size: int = 1024) -> None:
        super().__init__()
        self._line_key = line_key
        self._styled: LRUCache[Hashable, Strip] = LRUCache(size)
        #: What the styled lines depend on besides their content (set at each render).
        self._context: Hashable | None = None
        #: The arguments of the last `render_line` call site, for `prestyle`.
        self._last: tuple[Any, ...] | None = None
        self._filters: Sequence[LineFilter] = ()
        self._content_lines = range(0)
        self._gutter_top = 0

    def keep(self, lines: int) -> None:
        """Keep at most `lines` styled lines (the widget's height and a few)."""
        if lines < len(self._styled):
            self._styled.clear()
        self._styled.maxsize = lines

    def forget(self) -> None:
        """Drop every styled line (the widget's styles or content rendering changed)."""
        self._styled.clear()
        self._last = None

    def render(
        self,
        styles: Any,
        size: Any,
        base_background: Any,
        background: Any,
        render_content_line: Any,
        filters: Sequence[LineFilter],
        border_title: Any,
        border_subtitle: Any,
        content_size: Any = None,
        padding: Any = None,
        crop: Any = None,
        opacity: float = 1.0,
        ansi_theme: Any = None,
        native_ansi: bool = False,
        **options: Any,
    ) -> list[Strip]:
        self._context = (size, content_size, base_background, background, opacity, native_ansi)
        self._filters = filters
        gutter = styles.gutter
        # Top and bottom lines can be borders or outlines: never kept by key.
        self._content_lines = range(max(1, gutter.top), size.height - max(1, gutter.bottom))
        self._gutter_top = gutter.top
        return super().render(
            styles,
            size,
            base_background,
            background,
            render_content_line,
            filters,
            border_title,
            border_subtitle,
            content_size=content_size,
            padding=padding,
            crop=crop,
            opacity=opacity,
            ansi_theme=ansi_theme,
            native_ansi=native_ansi,
            **options,
        )

    def render_line(self, styles: Any, y: int, *arguments: Any) -> Strip:
        if y not in self._content_lines:
            return super().render_line(styles, y, *arguments)
        content_key = self._line_key(y - self._gutter_top)
        if content_key is None:
            return super().render_line(styles, y, *arguments)
        key = (content_key, self._context)
        strip = self._styled.get(key)
        if strip is None:
            strip = super().render_line(styles, y, *arguments)
            self._styled[key] = strip
            self._last = (styles, y, arguments)
        return strip

    def is_styled(self, content_key: Hashable) -> bool:
        return (content_key, self._context) in self._styled

    def prestyle(self, content_key: Hashable, content: Strip) -> bool:
        """Style `content` (a content line's strip) as the next repaint would, and keep it
        under `content_key`. False when no repaint has happened yet to copy."""
        if self._last is None:
            return False
        key = (content_key, self._context)
        if key in self._styled:
            return True
        styles, y, arguments = self._last
        # arguments: size, content_size, padding, base_background, background,
        # render_content_line, then the rest (titles, opacity, theme ...).
        styled = super().render_line(styles, y, *arguments[:5], lambda _y: content, *arguments[6:])
        filtered, background = styled, arguments[4]
        for line_filter in self._filters:  # as `render` will: the results stay on the strips
            filtered = filtered.apply_filter(line_filter, background)
        self._styled[key] = styled
        return True
