"""Paths as a technician gives them: typed, pasted from a file manager, dragged into a terminal.

Relative paths are relative to the folder ocpp-tui was started from, where the files at hand
usually are; file pickers open there too.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import unquote, urlparse


def launch_folder() -> Path:
    """The folder ocpp-tui was started from: where the technician keeps the files at hand."""
    try:
        return Path.cwd()
    except OSError:  # the folder was deleted under us
        return Path.home()


def typed_path(text: str) -> Path:
    """A path as typed or pasted: quotes, a `file://` URL and a terminal's `\\ ` taken off,
    `~` expanded; a relative path is relative to the launch folder."""
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        text = text[1:-1]
    if text.startswith("file://"):
        parsed = urlparse(text)
        text = unquote(parsed.path)
        if re.match(r"^/[A-Za-z]:", text):  # file:///C:/firmware.bin on Windows
            text = text[1:]
    if os.sep == "/" and "\\ " in text:  # dragged into a terminal: spaces escaped
        text = re.sub(r"\\(.)", r"\1", text)
    path = Path(text).expanduser()
    return path if path.is_absolute() else launch_folder() / path
