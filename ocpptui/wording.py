"""Counts in words: "1 key", "2 keys" (never "1 keys" or "key(s)")."""

from __future__ import annotations


def plural(count: int, noun: str, plural_form: str | None = None) -> str:
    """`noun` as `count` of it needs it: key, keys (`plural_form` when not noun + s)."""
    return noun if count == 1 else plural_form or noun + "s"


def counted(count: int, noun: str, plural_form: str | None = None) -> str:
    """`count` and its noun: "1 key", "2 keys", "1,024 frames"."""
    return f"{count:,} {plural(count, noun, plural_form)}"
