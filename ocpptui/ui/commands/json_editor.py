"""A TextArea for OCPP payloads with JSON colours that need no tree-sitter.

Textual colours a TextArea through tree-sitter, a native extension whose newer releases crash
Textual 8.2 outright; a payload editor needs keys, strings, numbers and literals told apart,
and per-line regexes do that for documents of a few hundred lines.
"""

from __future__ import annotations

import re

from textual import events
from textual.widgets import TextArea

#: Documents longer than this are shown without colours (typing stays fast).
HIGHLIGHT_MAX_LINES = 2_000
HIGHLIGHT_MAX_LINE_LENGTH = 2_000

# (pattern, TextArea theme style): later entries are painted over earlier ones.
_PATTERNS = (
    (re.compile(r"(?<![\w.\"])-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?"), "number"),
    (re.compile(r"\b(?:true|false)\b"), "boolean"),
    (re.compile(r"\bnull\b"), "json.null"),
    (re.compile(r'"(?:[^"\\]|\\.)*"'), "string"),
    (re.compile(r'"(?:[^"\\]|\\.)*"(?=\s*:)'), "json.label"),
)


def _byte_offsets(line: str) -> list[int]:
    """Byte offset (UTF-8) of every character index of `line`, plus its end."""
    offsets = [0]
    for character in line:
        offsets.append(offsets[-1] + len(character.encode("utf-8", "surrogatepass")))
    return offsets


def json_highlights(line: str) -> list[tuple[int, int, str]]:
    """(start byte, end byte, style name) spans of one line of JSON."""
    if len(line) > HIGHLIGHT_MAX_LINE_LENGTH:
        return []
    offsets = None if line.isascii() else _byte_offsets(line)
    spans: list[tuple[int, int, str]] = []
    for pattern, name in _PATTERNS:
        for match in pattern.finditer(line):
            start, end = match.span()
            if offsets is not None:
                start, end = offsets[start], offsets[end]
            spans.append((start, end, name))
    return spans


class JsonEditor(TextArea):
    """A code-editor TextArea (line numbers, indent on tab) that colours JSON by itself."""

    DEFAULT_CSS = """
    JsonEditor {
        height: 1fr;
        min-height: 3;
    }
    """

    def __init__(
        self,
        text: str = "",
        *,
        read_only: bool = False,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(
            text,
            theme="css",
            soft_wrap=False,
            tab_behavior="indent",
            show_line_numbers=True,
            read_only=read_only,
            id=id,
            classes=classes,
        )

    async def _on_key(self, event: events.Key) -> None:
        # TextArea (tab indents) turns escape into "focus next"; here escape leaves the
        # editor the way it leaves any other field (the screen's escape binding).
        if event.key == "escape":
            event.prevent_default()
            return
        await super()._on_key(event)

    def _build_highlight_map(self) -> None:
        # Replaces the tree-sitter query of TextArea (textual 8.2); called after every edit.
        self._line_cache.clear()
        highlights = self._highlights
        highlights.clear()
        lines = self.document.lines
        if len(lines) > HIGHLIGHT_MAX_LINES:
            return
        for index, line in enumerate(lines):
            spans = json_highlights(line)
            if spans:
                highlights[index].extend(spans)
