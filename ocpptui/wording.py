"""Counts in words: "1 key", "2 keys" (never "1 keys" or "key(s)")."""

from __future__ import annotations


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """`count` and `noun`, the noun plural unless the count is one (`plural` when not +s)."""
    return f"{count:,} {noun if count == 1 else plural or noun + 's'}"
