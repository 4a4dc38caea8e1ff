"""Keep garbage-collection pauses short while hundreds of thousands of frames are held.

Every frame held in memory is an object the cyclic garbage collector tracks, and a full
(generation-2) collection walks every tracked object: with the frame windows full, one such
pause took longer than the answers to chargers are allowed to (issue 18: 231 ms with ~20,000
frames and the TUI's objects; it grows with the window). Frames never form cycles (they are
freed by reference counting when a window drops them), so walking them again and again
finds nothing.

`install()` moves everything alive after start-up into the permanent generation
(`gc.freeze()`) and does the same after every full collection: an object that survived one
full collection is not walked again, so a full collection costs in proportion to what was
made since the previous one, not to everything held. Frozen objects are still freed by
reference counting; what freezing gives up is only the collection of cycles among objects
that were alive at a freeze and died later: a screen the technician closed (measured: a
charger screen opened on its Commands tab and closed leaves ~32,000 objects, ~5 MB). The
app reports each closed screen (`garbage_made`); every `THAW_AFTER` of them everything is
given back to the collector and collected at once (`gc.collect()`, then frozen again). That
one pause walks every frame held (~0.6 s at 1,000,000 frames), so it is paid at a moment the
technician chose (closing a screen), once per `THAW_AFTER` closes, never under load alone.
"""

from __future__ import annotations

import gc
import time
from dataclasses import dataclass, field


@dataclass
class PauseLog:
    """Collections seen since `install()`: count and the longest pause per generation."""

    collections: list[int] = field(default_factory=lambda: [0, 0, 0])
    longest_ms: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0])
    total_ms: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0])
    freezes: int = 0


class _Policy:
    def __init__(self) -> None:
        self.log = PauseLog()
        self._started = 0.0
        self.closed_screens = 0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
            return
        generation = info["generation"]
        pause = (time.perf_counter() - self._started) * 1000.0
        log = self.log
        log.collections[generation] += 1
        log.total_ms[generation] += pause
        if pause > log.longest_ms[generation]:
            log.longest_ms[generation] = pause
        if generation == 2:
            # Whatever survived a full collection is alive: do not walk it again.
            gc.freeze()
            log.freezes += 1


_policy: _Policy | None = None


def install() -> PauseLog:
    """Freeze what is alive now and after every full collection; returns the pause log.

    Idempotent: a second call only freezes again (after a bulk load, say).
    """
    global _policy
    if _policy is None:
        _policy = _Policy()
        gc.callbacks.append(_policy)
    gc.freeze()
    _policy.log.freezes += 1
    return _policy.log


#: Closed screens between two collections of everything (each may leave ~5 MB of cycles).
THAW_AFTER = 8


def garbage_made() -> bool:
    """A screen was closed; every THAW_AFTER of them, collect everything now (one pause) and
    freeze the survivors. True when that collection ran."""
    if _policy is None:
        return False
    _policy.closed_screens += 1
    if _policy.closed_screens < THAW_AFTER:
        return False
    _policy.closed_screens = 0
    gc.unfreeze()
    gc.collect()  # the callback freezes what survived
    return True


def uninstall() -> None:
    """Stop freezing and give every frozen object back (tests, benchmarks)."""
    global _policy
    if _policy is not None:
        gc.callbacks.remove(_policy)
        _policy = None
    gc.unfreeze()


def pause_log() -> PauseLog | None:
    return _policy.log if _policy is not None else None
