"""Keep garbage-collection pauses short while hundreds of thousands of frames are held.

Every frame held in memory is an object the cyclic garbage collector tracks, and a full
(generation-2) collection walks every tracked object: with the frame windows full, one such
pause took longer than the answers to chargers are allowed to (issue 18: 231 ms in the TUI
with ~20,000 frames held; ~0.6 s with 1,000,000). Frames never form cycles (they are
freed by reference counting when a window drops them), so walking them again and again
finds nothing.

`install()` moves everything alive after start-up into the permanent generation
(`gc.freeze()`) and does the same after every collection of the middle and old generations:
an object that survived two collections is not walked again, so no collection costs in
proportion to what is held (benchmarks/gc_pause_bench.py). Frozen objects are still freed
by reference counting; what freezing gives up is the collection of cycles among objects
that were alive at a freeze and died later: a screen the technician closed (measured: a
charger screen opened on its Commands tab and closed leaves ~32,000 objects, ~5 MB). The
app reports each closed full screen (`garbage_made`); every `THAW_AFTER` of them everything
is given back to the collector and collected at once (`gc.collect()`, then frozen again).
That one pause walks every frame held (~0.6 s at 1,000,000 frames), so it is paid at a
moment the technician chose (closing a screen), once per `THAW_AFTER` closes. Cycles that
die elsewhere (modal screens, headless, which has no screens) are collected the same way
once per `THAW_EVERY` seconds by a small daemon thread: one long pause an hour at most.
"""

from __future__ import annotations

import gc
import threading
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
        self.last_full = time.monotonic()
        self.stopped = threading.Event()
        self.thread: threading.Thread | None = None

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
        if generation >= 1:
            # What survived two collections is long-lived (a frame in a window, a widget):
            # freeze it, so that no full collection walks it again. Freezing only after full
            # collections is not enough: the next one comes when the objects made since
            # reach a quarter of those held, and walking those took ~50 ms per 100,000.
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
        _policy.thread = threading.Thread(
            target=_maintain, args=(_policy,), name="gc-maintenance", daemon=True
        )
        _policy.thread.start()
    gc.freeze()
    _policy.log.freezes += 1
    return _policy.log


#: Closed screens between two collections of everything (each may leave ~5 MB of cycles).
THAW_AFTER = 8
#: Seconds between two collections of everything in any case.
THAW_EVERY = 3600.0


def _collect_everything() -> None:
    assert _policy is not None
    _policy.closed_screens = 0
    _policy.last_full = time.monotonic()
    gc.unfreeze()
    gc.collect()  # the callback freezes what survived


def _maintain(policy: _Policy) -> None:
    while not policy.stopped.wait(60.0):
        if _policy is policy and time.monotonic() - policy.last_full > THAW_EVERY:
            _collect_everything()


def garbage_made() -> bool:
    """A screen was closed; every THAW_AFTER of them, collect everything now (one pause) and
    freeze the survivors. True when that collection ran."""
    if _policy is None:
        return False
    _policy.closed_screens += 1
    if _policy.closed_screens < THAW_AFTER:
        return False
    _collect_everything()
    return True


def uninstall() -> None:
    """Stop freezing and give every frozen object back (tests, benchmarks)."""
    global _policy
    if _policy is not None:
        gc.callbacks.remove(_policy)
        _policy.stopped.set()
        if _policy.thread is not None:
            _policy.thread.join(timeout=5)
        _policy = None
    gc.unfreeze()


def pause_log() -> PauseLog | None:
    return _policy.log if _policy is not None else None
