"""Log records that are safe to read in a terminal, whatever text a peer put into them.

The core logs URL paths, identities, payload excerpts and error texts that a charger (or
anything reaching the laptop's ports) chose; `less app.log` or the headless stderr would
otherwise run the control sequences in them. The formatter escapes them (see
`ocpptui.protocol.terminal_text`); a message stays on one line, so a peer cannot forge
another record, while tracebacks keep their line breaks.
"""

from __future__ import annotations

import logging
from typing import TextIO

from ocpptui.protocol.terminal_text import escape_controls


class TerminalSafeFormatter(logging.Formatter):
    """A `logging.Formatter` whose output never carries a raw control character."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        return escape_controls(super().formatMessage(record))

    def formatException(self, ei) -> str:
        return escape_controls(super().formatException(ei), keep="\t\n")

    def formatStack(self, stack_info: str) -> str:
        return escape_controls(super().formatStack(stack_info), keep="\t\n")


def safe_stream_handler(fmt: str, stream: TextIO | None = None) -> logging.Handler:
    """A stream handler (stderr by default) with the terminal-safe formatter."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(TerminalSafeFormatter(fmt))
    return handler


def log_to_stream(level: int, fmt: str, stream: TextIO | None = None) -> None:
    """`logging.basicConfig(level, format)`, with the terminal-safe formatter (does nothing
    when the root logger has handlers already, as basicConfig)."""
    root = logging.getLogger()
    if root.handlers:
        return
    root.addHandler(safe_stream_handler(fmt, stream))
    root.setLevel(level)
