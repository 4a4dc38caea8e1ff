"""Which offer a request path points at: `/<token>` or `/<token>/<name>`, and nothing else.

Both protocols refuse, rather than normalise, anything that looks like a path trick:
dot segments, backslashes, encoded slashes, control characters, deeper paths. A charger
never needs them, and a refusal is easier to explain in the request log than a rewrite.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import unquote

_ABSOLUTE_FORM = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*")


class PathRefused(ValueError):
    """The path cannot name an offer; the message says why, for the request log."""


@dataclass(frozen=True, slots=True)
class Target:
    token: str
    name: str | None
    """The file name after the token, or None when the path ends at the token."""


def http_target(raw_path: str) -> Target:
    """Parse the raw (still percent-encoded) path of an HTTP request."""
    path = raw_path.split("?", 1)[0].split("#", 1)[0]
    # "GET http://host/x HTTP/1.1" (absolute form) is legal HTTP/1.1: keep only its path.
    path = _ABSOLUTE_FORM.sub("", path, count=1)
    if not path.startswith("/"):
        raise PathRefused("request target is not a path")
    if "\\" in path:
        raise PathRefused("backslash in path")
    segments = []
    for raw_segment in path[1:].split("/"):
        try:
            segment = unquote(raw_segment, errors="strict")
        except UnicodeDecodeError:
            raise PathRefused("undecodable percent escape") from None
        if "/" in segment or "\\" in segment:
            raise PathRefused("encoded slash in path")
        segments.append(_checked_segment(segment))
    if len(segments) == 2 and segments[1] == "":
        segments.pop()  # "/<token>/": the upload URL as handed out
    if not segments[0]:
        raise PathRefused("no token in path")
    if len(segments) > 2 or "" in segments:
        raise PathRefused("path deeper than /<token>/<name>")
    return Target(segments[0], segments[1] if len(segments) == 2 else None)


def ftp_target(current_directory: PurePosixPath, argument: str) -> Target:
    """Parse the argument of an FTP file command (RETR, STOR, APPE, SIZE)."""
    if "\\" in argument:
        raise PathRefused("backslash in path")
    joined = argument if argument.startswith("/") else f"{current_directory}/{argument}"
    segments = [_checked_segment(s) for s in joined.split("/") if s]
    if not segments:
        raise PathRefused("no token in path")
    if len(segments) > 2:
        raise PathRefused("path deeper than /<token>/<name>")
    return Target(segments[0], segments[1] if len(segments) == 2 else None)


def ftp_directory(current_directory: PurePosixPath, argument: str | PurePosixPath) -> PurePosixPath:
    """Resolve a CWD argument the way a shell would ('..' allowed): the new directory."""
    text = str(argument)
    if "\\" in text:
        raise PathRefused("backslash in path")
    joined = text if text.startswith("/") else f"{current_directory}/{text}"
    resolved = PurePosixPath("/")
    for segment in joined.split("/"):
        if segment in ("", "."):
            continue
        resolved = resolved.parent if segment == ".." else resolved / _checked_segment(segment)
    return resolved


def _checked_segment(segment: str) -> str:
    if segment in (".", ".."):
        raise PathRefused("dot segment in path")
    if any(unicodedata.category(ch) == "Cc" for ch in segment):
        raise PathRefused("control character in path")
    return segment


def token_of_path(path: str) -> str | None:
    """The first segment of an absolute request path, leniently (for the request log only)."""
    path = _ABSOLUTE_FORM.sub("", path.split("?", 1)[0], count=1)
    if not path.startswith("/"):
        return None
    first = unquote(path[1:].split("/", 1)[0], errors="replace")
    return first or None
