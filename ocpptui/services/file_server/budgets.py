"""How much an upload offer may still receive (its size cap), and whether it still may."""

from __future__ import annotations

from pathlib import Path


class UploadTooLarge(Exception):
    """The upload went past the size cap."""


class UploadWithdrawn(Exception):
    """The upload offer was withdrawn while the upload ran."""

    def __init__(self) -> None:
        super().__init__("the upload offer was withdrawn")


class UploadBudget:
    """What one upload offer may still receive.

    The cap counts every file stored under the offer together: all requests, all parts of
    a multipart form, all protocols (a charger cannot get past it by splitting its upload).
    A withdrawn offer takes no more bytes, so an upload in progress stops at its next chunk.
    """

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.used = 0
        self.withdrawn = False
        self._sizes: dict[Path, int] = {}

    @property
    def remaining(self) -> int:
        return max(self.max_bytes - self.used, 0)

    def grow(self, path: Path, size: int) -> None:
        """`path` now holds `size` bytes; raises (counting nothing) when that is too many,
        or when the offer was withdrawn."""
        if self.withdrawn:
            raise UploadWithdrawn
        earlier = self._sizes.get(path, 0)
        if self.used - earlier + size > self.max_bytes:
            raise UploadTooLarge(
                f"upload exceeds {self.max_bytes} bytes (the cap counts every file of this "
                "offer together)"
            )
        self.used += size - earlier
        self._sizes[path] = size

    def forget(self, path: Path) -> None:
        """`path` was removed: its bytes no longer count."""
        self.used -= self._sizes.pop(path, 0)
