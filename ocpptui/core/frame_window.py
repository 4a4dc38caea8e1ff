"""A bounded, append-only window of frames that the UI reads without copying."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator

from ocpptui.core.frame import Frame


class FrameWindow:
    """The newest `maxlen` frames of a stream.

    Positions are absolute: the n-th frame ever appended has position n-1, whether or not
    it is still in the window, so a reader can remember where it was while old frames are
    trimmed. `total` grows by one per append; the UI polls it to know when to repaint.
    `bytes` is about what the held frames take in memory (`Frame.memory_bytes`).
    """

    def __init__(self, maxlen: int = 100_000) -> None:
        self._frames: deque[Frame] = deque(maxlen=maxlen)
        self.maxlen = maxlen
        self.total = 0
        self.bytes = 0

    def append(self, frame: Frame) -> None:
        frames = self._frames
        if len(frames) == self.maxlen:  # the deque drops its oldest frame
            self.bytes -= frames[0].memory_bytes
        frames.append(frame)
        self.bytes += frame.memory_bytes
        self.total += 1

    def trim_to(self, count: int) -> int:
        """Drop the oldest frames until at most `count` are held; returns how many went.
        Positions stay absolute (`total` is unchanged), so readers are not confused."""
        dropped = 0
        frames = self._frames
        while len(frames) > count:
            self.bytes -= frames.popleft().memory_bytes
            dropped += 1
        return dropped

    def trim_bytes(self, max_bytes: int) -> int:
        """Drop the oldest frames until they take at most `max_bytes`; returns how many went
        (the newest frame always stays)."""
        dropped = 0
        frames = self._frames
        while self.bytes > max_bytes and len(frames) > 1:
            self.bytes -= frames.popleft().memory_bytes
            dropped += 1
        return dropped

    def __len__(self) -> int:
        return len(self._frames)

    def __getitem__(self, index: int) -> Frame:
        return self._frames[index]

    def __iter__(self) -> Iterator[Frame]:
        return iter(self._frames)

    @property
    def first_position(self) -> int:
        """Absolute position of the oldest frame still held."""
        return self.total - len(self._frames)

    def at(self, position: int) -> Frame | None:
        index = position - self.first_position
        if 0 <= index < len(self._frames):
            return self._frames[index]
        return None

    def since(self, position: int) -> Iterator[tuple[int, Frame]]:
        """(position, frame) for every held frame at or after `position`."""
        start = max(position, self.first_position)
        offset = start - self.first_position
        for index in range(offset, len(self._frames)):
            yield self.first_position + index, self._frames[index]
