"""Issue 18, point 4: long-lived objects are frozen out of garbage collection, and the cycles
that die among them are still collected when a screen is closed."""

from __future__ import annotations

import gc
import threading
import weakref

from ocpptui.core import gc_pauses


class _Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the cyclic collector frees it


def test_survivors_are_frozen_and_closed_screens_give_dead_cycles_back() -> None:
    log = gc_pauses.install()
    try:
        node = _Node()
        alive = weakref.ref(node)
        gc.collect(1)  # a middle-generation collection: what survived it is frozen
        assert gc.get_freeze_count() > 0 and log.freezes >= 2
        del node
        gc.collect()  # a full collection no longer walks frozen objects ...
        assert alive() is not None
        for _ in range(gc_pauses.THAW_AFTER - 1):
            assert not gc_pauses.garbage_made()
        assert gc_pauses.garbage_made()  # ... until enough screens were closed
        assert alive() is None
        assert gc.get_freeze_count() > 0  # the survivors are frozen again
        assert log.collections[2] >= 2 and log.longest_ms[2] > 0
    finally:
        gc_pauses.uninstall()
    assert gc.get_freeze_count() == 0 and gc_pauses.pause_log() is None
    assert "gc-maintenance" not in {thread.name for thread in threading.enumerate()}
