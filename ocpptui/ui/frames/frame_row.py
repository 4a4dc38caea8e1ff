"""One frame as one line of the frame table: the column layout and the styled cells.

Pure text and component-class names; the FrameTable turns them into styled segments.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from ocpptui.core.frame import Direction, Frame
from ocpptui.ui.common.display_text import (
    clock_time,
    compact_json,
    fit,
    fit_ends,
    latency,
    printable,
)

TYPE_LABELS = {2: "CALL", 3: "RESULT", 4: "ERROR", 5: "RESERR", 6: "SEND"}
TYPE_CLASSES = {
    2: "frame-table--call",
    3: "frame-table--result",
    4: "frame-table--error",
    5: "frame-table--error",
    6: "frame-table--send",
}

#: (text, component class or None) — one styled piece of a row.
Cell = tuple[str, str | None]


@dataclass(frozen=True, slots=True)
class RowLayout:
    """Cell widths for a table width; the payload takes what is left."""

    width: int
    time: int
    identity: int
    action: int
    message_id: int
    latency: int

    @classmethod
    def for_width(cls, width: int, show_identity: bool) -> RowLayout:
        return cls(
            width=width,
            time=12 if width >= 90 else 8,
            identity=(12 if width >= 110 else 8) if show_identity else 0,
            action=22 if width >= 110 else 18,
            message_id=8 if width >= 100 else 0,
            latency=7,
        )

    def header(self) -> str:
        parts = [fit("time", self.time)]
        if self.identity:
            parts.append(fit("charger", self.identity))
        parts += [" ", fit("type", 6), fit("action", self.action)]
        if self.message_id:
            parts.append(fit("id", self.message_id))
        parts += ["latency".rjust(self.latency), "payload"]
        return fit(" ".join(parts), self.width)


def frame_cells(frame: Frame, layout: RowLayout) -> list[Cell]:
    """The pieces of `frame`'s row, left to right (the caller crops to the width)."""
    cells: list[Cell] = [
        # A saved log without timestamps has wall 0: no time rather than 1970.
        (
            fit(clock_time(frame.wall, layout.time >= 12) if frame.wall else "—", layout.time),
            "frame-table--time",
        ),
        (" ", None),
    ]
    if layout.identity:
        cells += [(fit_ends(printable(frame.identity), layout.identity), "frame-table--identity")]
        cells += [(" ", None)]
    direction = "frame-table--in" if frame.direction is Direction.IN else "frame-table--out"
    label = TYPE_LABELS.get(frame.message_type or 0, "BAD")
    label_class = TYPE_CLASSES.get(frame.message_type or 0, "frame-table--malformed")
    arrow = frame.direction.arrow
    if frame.leg == "csms":  # proxy mode: double arrows for the laptop ⇄ real CSMS leg
        arrow = "⇐" if frame.direction is Direction.IN else "⇒"
    cells += [
        (arrow, direction),
        (" ", None),
        (fit(label, 6), label_class),
        (" ", None),
        (fit(printable(frame.action or "—"), layout.action), "frame-table--action"),
        (" ", None),
    ]
    if layout.message_id:
        cells += [
            (fit(printable(frame.message_id or "—"), layout.message_id), "frame-table--muted"),
            (" ", None),
        ]
    cells += [
        (latency(frame.latency_ms).rjust(layout.latency)[-layout.latency :], "frame-table--muted"),
        (" ", None),
    ]
    # The caller crops the row to the table's width: text past it is never shown (a 1 kB
    # MeterValues payload measured in cells cost more than the rest of the row).
    return cells + payload_cells(frame, limit=layout.width)


def payload_cells(frame: Frame, limit: int = 2000) -> list[Cell]:
    """The compact payload column: what went wrong first, then the content (about
    `limit` characters of it)."""
    cells: list[Cell] = []
    if frame.flags:  # injected, invalid-sent, not-delivered-upstream, answered-locally ...
        cells.append(("[" + ", ".join(frame.flags) + "] ", "frame-table--muted"))
    if frame.problem is not None:
        cells.append((printable(frame.problem[:200]) + " · ", "frame-table--problem"))
    if frame.violations:
        count = len(frame.violations)
        first = printable(str(frame.violations[0])[:120])
        noun = "violation" if count == 1 else "violations"
        cells.append((f"{count} {noun}: {first} · ", "frame-table--violation"))
    if frame.error_code is not None:
        cells.append((printable(frame.error_code) + " ", "frame-table--error"))
        cells.append((error_details(frame.raw), None))
        return cells
    payload = None if frame.message_type is None else frame.payload  # parsed once: it costs
    if frame.message_type is None or (payload is None and frame.problem is not None):
        cells.append((printable(frame.raw[:limit]), None))
    else:
        cells.append((compact_json(payload, limit), None))
    return cells


def error_details(raw: str) -> str:
    """Description and details of a CALLERROR, read back from its raw text."""
    try:
        decoded = json.loads(raw)
    except ValueError:
        return printable(raw[:2000])
    if isinstance(decoded, list) and len(decoded) >= 4:
        description = decoded[3] if isinstance(decoded[3], str) else compact_json(decoded[3])
        details = decoded[4] if len(decoded) > 4 else None
        text = printable(description[:1000])
        if details not in (None, {}, ""):
            text += " " + compact_json(details, 1000)
        return text
    return printable(raw[:2000])
