"""How values from a charger become short, safe display text, and how times and ages read.

A charger controls its vendor name, its payloads and the bytes of a malformed frame. None
of it is ever markup, and control characters (an ESC would reach the terminal) are shown
as escapes instead.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from rich.cells import cell_len, set_cell_size

from ocpptui.protocol.terminal_text import escape_controls


def printable(text: str) -> str:
    """`text` on one line with control and bidi characters written as escapes (`\\n`,
    `\\x1b`, `\\u202e`)."""
    return escape_controls(text, keep="")


def shorten(text: str | None, limit: int, placeholder: str = "—") -> str:
    """Printable `text` cut to `limit` cells with an ellipsis; `placeholder` when empty."""
    if text is None or text == "":
        return placeholder
    clean = printable(text[: limit * 4])
    if cell_len(clean) <= limit:
        return clean
    return set_cell_size(clean, limit - 1) + "…"


def fit(text: str, width: int) -> str:
    """Exactly `width` cells: cut with an ellipsis or padded with spaces."""
    if width <= 0:
        return ""
    if cell_len(text) <= width:
        return set_cell_size(text, width)
    return set_cell_size(text, width - 1) + "…"


def fit_ends(text: str, width: int) -> str:
    """`fit`, but a cut keeps both ends: names such as charger identities differ at the end
    (DEMO-CP-1, DEMO-CP-2 become DEMO…P-1, DEMO…P-2, not DEMO-CP… twice)."""
    if width <= 0:
        return ""
    if cell_len(text) <= width:
        return set_cell_size(text, width)
    tail_cells = (width - 1) // 2
    tail = ""
    for char in reversed(text):
        if cell_len(char + tail) > tail_cells:
            break
        tail = char + tail
    head = set_cell_size(text, width - 1 - cell_len(tail))
    return head + "…" + tail


def short_path(path: str | os.PathLike[str], width: int) -> str:
    """A path for a line `width` cells wide: the home folder as `~`, and a cut in the middle
    (the start says where, the end names the session and the file)."""
    text = str(path)
    home = str(Path.home())
    if home not in ("", os.sep) and (text == home or text.startswith(home + os.sep)):
        text = "~" + text[len(home) :]
    text = printable(text)
    if width <= 0 or cell_len(text) <= width:
        return text
    head_cells = max(1, (width - 1) // 3)
    tail = ""
    for char in reversed(text):
        if cell_len(char + tail) > width - 1 - head_cells:
            break
        tail = char + tail
    return set_cell_size(text, width - 1 - cell_len(tail)) + "…" + tail


def compact_json(value: Any, limit: int = 2000) -> str:
    """One-line JSON of a payload, cut to about `limit` characters."""
    try:
        text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return printable(text[:limit])


def clock_time(wall: float, milliseconds: bool = True) -> str:
    """Local time of day, `12:03:04.123` (or without the milliseconds)."""
    local = time.localtime(wall)
    text = time.strftime("%H:%M:%S", local)
    if milliseconds:
        text += f".{int(wall * 1000) % 1000:03d}"
    return text


def age(seconds: float | None) -> str:
    """A short age: `4s`, `2m05s`, `3h12m`, `2d3h`; `—` for never."""
    if seconds is None:
        return "—"
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours}h{minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"{days}d{hours}h"


def latency(milliseconds: float | None) -> str:
    """Round-trip time of a CALL: `0.8ms`, `12ms`, `1.4s`; empty when unknown."""
    if milliseconds is None:
        return ""
    if milliseconds < 10:
        return f"{milliseconds:.1f}ms"
    if milliseconds < 10_000:
        return f"{milliseconds:.0f}ms"
    return f"{milliseconds / 1000:.1f}s"


def energy(watt_hours: float | None) -> str:
    if watt_hours is None:
        return "—"
    if abs(watt_hours) < 1000:
        return f"{watt_hours:.0f} Wh"
    return f"{watt_hours / 1000:.2f} kWh"
