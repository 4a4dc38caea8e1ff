"""Frames at positions 0 … len-1 that are fetched one at a time, as the frame table reads them.

A saved log (`LogFile`) and a filtered view of it (`FilteredFrames`) hold positions, not
frames: each frame is read when asked for. Given `len()` and `at()`, this base answers the
rest of what the frame table asks of a `FrameWindow` the same way for both.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator

from ocpptui.core.frame import Frame


class FrameSequence(ABC):
    """`total`, `first_position`, `[i]`, iteration and `since()` from `len()` and `at()`.

    Unlike a `FrameWindow`, nothing is ever trimmed: the first position is always 0, and
    `total` is the length (both grow while a thread indexes or filters the file).
    """

    @abstractmethod
    def __len__(self) -> int: ...

    @abstractmethod
    def at(self, position: int) -> Frame | None:
        """The frame at `position`, or None outside 0 … len-1."""

    @property
    def total(self) -> int:
        return len(self)

    @property
    def first_position(self) -> int:
        return 0

    def __getitem__(self, index: int) -> Frame:
        if index < 0:
            index += len(self)
        frame = self.at(index)
        if frame is None:
            raise IndexError(index)
        return frame

    def __iter__(self) -> Iterator[Frame]:
        for _, frame in self.since(0):
            yield frame

    def since(self, position: int) -> Iterator[tuple[int, Frame]]:
        """(position, frame) for every frame at or after `position`."""
        for index in range(max(0, position), len(self)):
            frame = self.at(index)
            if frame is not None:
                yield index, frame
