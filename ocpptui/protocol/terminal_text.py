"""Text a peer chose, made safe for a terminal: control characters shown as escapes.

A charger (or anything that reaches the laptop's ports) chooses URL paths, identities,
actions, payloads, vendor names and error texts. Written raw to a terminal, an ESC starts a
control sequence (clear the screen, set the title, OSC 52 writes the clipboard), a carriage
return draws over the line, and a bidi override (U+202E) shows text in another order than
it has. `escape_controls` is the one function that turns every such character into a
visible escape (`\\x1b`, `\\u202e`); every text boundary that reaches a terminal (headless
output, log records, report.md, the TUI's cells) goes through it.
"""

from __future__ import annotations

import re
from functools import lru_cache

#: Characters that act on a terminal (or on how text reads) instead of being shown:
#: C0 controls and DEL; C1 controls (8-bit CSI/OSC); the Arabic letter mark, Mongolian vowel
#: separator, zero-width and directional marks; line/paragraph separators; bidi embeddings,
#: overrides and isolates; invisible operators; byte order mark; interlinear annotation
#: marks; lone surrogates (undecodable bytes); Unicode tag characters.
_CONTROL_RANGES = (
    "\x00-\x1f\x7f-\x9f"
    "\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f"
    "\ufeff\ufff9-\ufffb\ud800-\udfff"
    "\U000e0000-\U000e007f"
)

_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _escape(character: str) -> str:
    named = _NAMED.get(character)
    if named is not None:
        return named
    code = ord(character)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


@lru_cache(maxsize=8)
def _pattern(keep: str) -> re.Pattern[str]:
    kept = "".join(re.escape(character) for character in keep)
    # A class of the control ranges minus the kept characters (set difference by lookahead).
    if kept:
        return re.compile(f"(?![{kept}])[{_CONTROL_RANGES}]")
    return re.compile(f"[{_CONTROL_RANGES}]")


def escape_controls(text: str, keep: str = "\t") -> str:
    """`text` with every control, format and bidi character written as an escape.

    `keep`: characters left as they are: "\\t" (the default) for one line of terminal
    output, "\\t\\n" for multi-line text (a report, a traceback), "" for a table cell.
    A carriage return is always escaped: it would let a peer draw over a line.
    """
    pattern = _pattern(keep)
    if pattern.search(text) is None:
        return text
    return pattern.sub(lambda match: _escape(match.group()), text)


def has_controls(text: str) -> bool:
    """Whether `escape_controls(text, keep="")` would change `text`."""
    return _pattern("").search(text) is not None
