"""File names: the name a URL carries for an offered file, and safe names for uploads."""

from __future__ import annotations

import os
import re
import unicodedata
from pathlib import Path

MAX_NAME_BYTES = 120
"""Well under every file system's 255-byte limit, leaving room for a collision suffix."""

_URL_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
# Characters Windows refuses in names; the technician's laptop may run Windows.
_WINDOWS_FORBIDDEN = re.compile(r'[<>:"|?*]')
_WINDOWS_DEVICES = frozenset(
    ["CON", "PRN", "AUX", "NUL"]
    + [f"COM{n}" for n in range(1, 10)]
    + [f"LPT{n}" for n in range(1, 10)]
)


def url_file_name(name: str) -> str:
    """The name a charger sees in an offer's URL: plain ASCII, no quoting needed.

    Charger URL parsers are often minimal, so a space or a non-ASCII letter in a firmware
    file's name becomes `_` rather than a percent escape the charger might not decode.
    """
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    stem, dot, suffix = ascii_name.rpartition(".")
    if not dot:
        stem, suffix = suffix, ""
    stem = _URL_UNSAFE.sub("_", stem).strip("._-") or "file"
    suffix = _URL_UNSAFE.sub("_", suffix).strip("._-")
    return _cap_length(f"{stem}.{suffix}" if suffix else stem)


def safe_upload_name(raw: str | None, fallback: str) -> str:
    """A harmless file name for what a charger calls its upload.

    Path components (either slash), control characters, characters Windows refuses,
    leading dots, Windows device names and excess length are removed; an empty result
    becomes `fallback`.
    """
    name = (raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = unicodedata.normalize("NFC", name)
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = _WINDOWS_FORBIDDEN.sub("_", name).strip().lstrip(".").rstrip(". ")
    if name.split(".", 1)[0].upper() in _WINDOWS_DEVICES:
        name = "_" + name
    return _cap_length(name) if name else fallback


def create_unique_file(directory: Path, name: str) -> Path:
    """Create an empty new file named `name` in `directory`, or `stem-1.ext`, `stem-2.ext`, ...

    Creation is exclusive, so an earlier upload is never overwritten.
    """
    stem, dot, suffix = name.partition(".") if not name.startswith(".") else (name, "", "")
    for attempt in range(10_000):
        candidate = name if attempt == 0 else f"{stem}-{attempt}{dot}{suffix}"
        path = directory / candidate
        try:
            os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
        except FileExistsError:
            continue
        return path
    raise FileExistsError(f"no free name for {name!r} in {directory}")


def _cap_length(name: str) -> str:
    """Shorten `name` to MAX_NAME_BYTES of UTF-8, keeping its extension."""
    if len(name.encode()) <= MAX_NAME_BYTES:
        return name
    stem, dot, suffix = name.rpartition(".")
    if not dot or len(suffix) > 16:
        stem, suffix = name, ""
    room = MAX_NAME_BYTES - len(suffix.encode()) - (1 if suffix else 0)
    short = stem.encode()[:room].decode(errors="ignore")
    return f"{short}.{suffix}" if suffix else short
