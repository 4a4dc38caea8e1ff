"""Pretty-printed JSON of a frame, coloured with theme variables only."""

from __future__ import annotations

import json
import re

from textual.content import Content
from textual.widgets import Static

from ocpptui.ui.common.display_text import printable

#: Beyond this many characters the text is shown without colours (regexes over megabytes).
HIGHLIGHT_LIMIT = 200_000

_NUMBER = re.compile(r"(?<![\w.\"])-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?")
_LITERAL = re.compile(r"\b(?:true|false|null)\b")
_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"')
_KEY = re.compile(r'"(?:[^"\\\n]|\\.)*"(?=\s*:)')


def pretty_json(raw: str) -> tuple[str, bool]:
    """(text, is_json): the indented JSON of `raw`, or `raw` itself when it is not JSON."""
    try:
        decoded = json.loads(raw)
    except ValueError:
        return printable(raw).replace("\\n", "\n"), False
    return json.dumps(decoded, indent=2, ensure_ascii=False), True


def highlighted(text: str) -> Content:
    content = Content(text)
    if len(text) > HIGHLIGHT_LIMIT:
        return content
    # Later spans win: numbers and literals first, then strings over them, then keys.
    content = content.highlight_regex(_NUMBER, style="$text-accent")
    content = content.highlight_regex(_LITERAL, style="$text-warning")
    content = content.highlight_regex(_STRING, style="$text-success")
    return content.highlight_regex(_KEY, style="$text-primary bold")


class JsonView(Static):
    """A frame's raw text as indented, coloured JSON (or as plain text if it is not JSON)."""

    DEFAULT_CSS = """
    JsonView {
        width: 1fr;
        height: auto;
        padding: 0 1;
    }
    """

    def __init__(self, raw: str = "", *, id: str | None = None) -> None:
        super().__init__(id=id, markup=False)
        self.raw = raw

    def on_mount(self) -> None:
        self.show(self.raw)

    def show(self, raw: str) -> None:
        self.raw = raw
        text, is_json = pretty_json(raw)
        self.update(highlighted(text) if is_json else Content(text))
