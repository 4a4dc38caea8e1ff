"""Charge point identities: taken from the URL path, checked, and made safe for file names."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import unquote

MAX_IDENTITY_LENGTH = 48  # OCPP-J 2.0.1 §3.1.1 (identifierString, 48 characters)


class BadIdentity(ValueError):
    """The URL path does not carry a usable charge point identity."""


def identity_from_path(path: str) -> str:
    """The percent-decoded last segment of the URL path (`/ocpp/CP%201` → `CP 1`).

    The query string is ignored. Raises BadIdentity with a reason a technician can act on.
    """
    without_query = path.split("?", 1)[0]
    raw_segment = without_query.rstrip("/").rsplit("/", 1)[-1]
    if not raw_segment:
        raise BadIdentity("no charge point identity in the URL path (expected /<identity>)")
    try:
        identity = unquote(raw_segment, errors="strict")
    except UnicodeDecodeError:
        raise BadIdentity("identity is not valid UTF-8 after percent-decoding") from None
    if "/" in identity or "\\" in identity:
        raise BadIdentity("identity contains an encoded path separator")
    if ":" in identity:
        raise BadIdentity("identity contains ':' (not allowed: it is the basic-auth user name)")
    if any(unicodedata.category(ch).startswith("C") for ch in identity):
        raise BadIdentity("identity contains control characters")
    if identity in (".", ".."):
        raise BadIdentity("identity is a path reference")
    if len(identity) > MAX_IDENTITY_LENGTH:
        raise BadIdentity(f"identity is longer than {MAX_IDENTITY_LENGTH} characters")
    return identity


# Identities that are words of a CSMS URL, not a charger's name: a charger configured with
# `ws://host:port/ocpp` (or `/steve/websocket/CentralSystemService`) that does not append its
# own identity connects as "ocpp". Compared lower-case with `-`, `_` and `.` removed.
_PATH_WORDS = frozenset(
    {
        "ws", "wss", "cs", "csms", "cms", "cpms", "ocpp", "ocppj", "ocppws", "ocppjson",
        "websocket", "websockets", "socket", "centralsystem", "centralsystemservice",
        "chargepointservice", "steve", "api", "backend", "server", "json",
    }
)  # fmt: skip
_OCPP_VERSION_WORD = re.compile(r"ocpp(?:v)?(?:1[56]j?|20|201|21)(?:j|ws|json)?")


def path_word_warning(identity: str) -> str | None:
    """A warning when `identity` looks like a word of the CSMS URL rather than a charger's
    own identity (`ocpp`, `ocpp1.6`, `ws`, `CentralSystemService`, ...), else None."""
    folded = re.sub(r"[-_.]", "", identity.lower())
    if folded in _PATH_WORDS or _OCPP_VERSION_WORD.fullmatch(folded):
        return f"identity is {identity!r}: did the charger forget to append its own identity?"
    return None


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def file_safe(identity: str) -> str:
    """A file-name fragment for an identity (never empty, never a path)."""
    cleaned = _UNSAFE.sub("_", identity).strip("._") or "charger"
    return cleaned[:MAX_IDENTITY_LENGTH]
