"""Small text files a technician writes by hand (playbooks, site sheets): read whole but never
past a cap, as UTF-8, with an error that names the file, and the line when it can."""

from __future__ import annotations

import codecs
from collections.abc import Callable
from pathlib import Path


def read_text_file(path: Path, max_bytes: int, kind: str, error: Callable[[str], Exception]) -> str:
    """The file's text, a UTF-8 byte-order mark dropped (Windows editors and spreadsheets
    write one). Raises `error(message)` when the file cannot be read, holds more than
    `max_bytes` (it is then "not a <kind>") or is not UTF-8."""
    try:
        with path.open("rb") as file:
            data = file.read(max_bytes + 1)
    except OSError as exc:
        raise error(f"{path}: cannot read: {exc.strerror or exc}") from None
    if len(data) > max_bytes:
        raise error(f"{path}: more than {max_bytes:,} bytes: not a {kind}")
    data = data.removeprefix(codecs.BOM_UTF8)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise error(
            f"{path}:{line}: not UTF-8 text (byte 0x{data[exc.start]:02x}); save it as UTF-8"
        ) from None
