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

#: Characters that act on a terminal (or on how text reads) instead of being shown, as
#: (first, last) code points: C0 controls and DEL; C1 controls (8-bit CSI/OSC); the Arabic
#: letter mark, Mongolian vowel separator, zero-width and directional marks; line/paragraph
#: separators; bidi embeddings, overrides and isolates; invisible operators; byte order mark;
#: interlinear annotation marks; lone surrogates (undecodable bytes); Unicode tag characters.
#: All are outside what `str.isprintable()` accepts, which makes the common case cheap.
_CONTROL_RANGES = (
    (0x00, 0x1F),
    (0x7F, 0x9F),
    (0x061C, 0x061C),
    (0x180E, 0x180E),
    (0x200B, 0x200F),
    (0x2028, 0x202E),
    (0x2060, 0x2064),
    (0x2066, 0x206F),
    (0xFEFF, 0xFEFF),
    (0xFFF9, 0xFFFB),
    (0xD800, 0xDFFF),
    (0xE0000, 0xE007F),
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
    """A character class of the control ranges without the `keep` characters."""
    kept = sorted(ord(character) for character in keep)
    parts: list[str] = []
    for first, last in _CONTROL_RANGES:
        start = first
        for code in kept:
            if start <= code <= last:
                if start < code:
                    parts.append(_span(start, code - 1))
                start = code + 1
        if start <= last:
            parts.append(_span(start, last))
    return re.compile(f"[{''.join(parts)}]")


def _span(first: int, last: int) -> str:
    return f"\\U{first:08x}" if first == last else f"\\U{first:08x}-\\U{last:08x}"


def escape_controls(text: str, keep: str = "\t") -> str:
    """`text` with every control, format and bidi character written as an escape.

    `keep`: characters left as they are: "\\t" (the default) for one line of terminal
    output, "\\t\\n" for multi-line text (a report, a traceback), "" for a table cell.
    A carriage return is always escaped: it would let a peer draw over a line.
    """
    if text.isprintable():  # no control character at all (the common case, in C)
        return text
    pattern = _pattern(keep)
    if pattern.search(text) is None:
        return text
    return pattern.sub(lambda match: _escape(match.group()), text)
