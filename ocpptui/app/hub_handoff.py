"""Where hub events wait for the UI's next refresh tick: coalesced per charger, latest wins.

DESIGN (issue 18: the TUI costs no more than its refresh). The hub and Textual share one
event loop, so the answer to a charger's CALL runs on the same loop as the screen's repaint
and waits for whatever the UI is doing at that moment. What keeps answers on time is that the
UI's work is bounded by its refresh rate, never by the frame rate:

* the hub calls `HubHandoff.push` for every event, and a busy charger makes one per CALL
  (a MeterValues is a "meter" update). `push` does O(1) work and touches no widget: a
  `ChargerUpdated` only marks its charger changed (the kinds of change collect in a set, the
  last one is kept as the latest); the rare other events (connects, disconnects, refusals,
  server state, decisions, attempts) queue in order, none is dropped;
* the bridge takes everything once per refresh tick (`take`) and delivers it, so however
  fast chargers send, each view hears about a charger at most `refresh_hz` times a second,
  and the main screen gets one batch per tick for all of them.

The other way, the hub on a thread of its own with its own event loop (Textual keeping the
main one), was measured with the same load (`benchmarks/ui_load_bench.py --servers
...,hub-thread`, runner `benchmarks/hub_thread_tui.py`; figures in benchmarks/README.md,
"TUI under load"). Once the UI's per-tick work was bounded it gave no better charger p99
than the shared loop at 500 CALLs/s (the two threads still share one GIL: a repaint lets
the hub's thread in only every few milliseconds), used about the same CPU, and at 1,000
chargers the process failed: the UI reads the hub's dicts, deques and charger states, and
calls into sessions, from another thread than the one changing them. Making that safe means
a cross-thread call or a copy at every place the UI touches the core. So the hub stays on
the UI's loop and the UI's work per tick is bounded instead (this module, the main screen's
ROWS_PER_TICK, frame tables that sync at refresh_hz and not under another screen).
`push` and `take` still hold a lock, so the handoff itself is correct from any thread (the
measured variant uses it as it is).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field

from ocpptui.core import events


@dataclass(frozen=True, slots=True)
class HubChanges:
    """What the hub reported since the previous `take`."""

    #: Every event but charger updates, in the order the hub emitted them.
    events: tuple[events.HubEvent, ...] = ()
    #: Charger identity → every kind of update it reported (`ChargerUpdated.what`).
    changed: Mapping[str, frozenset[str]] = field(default_factory=dict)
    #: Charger identity → its last update.
    latest: Mapping[str, events.ChargerUpdated] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.events or self.changed)

    def identities(self) -> list[str]:
        """Chargers this batch says anything about (connects, disconnects, updates …), in the
        order they first appear (a new charger's row goes after those that came before)."""
        found: dict[str, None] = {}
        for event in self.events:
            identity = getattr(event, "identity", None)
            if isinstance(identity, str):
                found[identity] = None
        for identity in self.changed:
            found[identity] = None
        return list(found)


class HubHandoff:
    """Collects hub events between two ticks (`push` from the hub, `take` from the UI)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._events: list[events.HubEvent] = []
        self._kinds: dict[str, set[str]] = {}
        self._latest: dict[str, events.ChargerUpdated] = {}
        #: Events pushed since the start, for tests and benchmarks (coalescing is visible as
        #: `pushed` against what the views received).
        self.pushed = 0

    def push(self, event: events.HubEvent) -> None:
        """Called by the hub for every event: O(1), never touches the UI."""
        with self._lock:
            self.pushed += 1
            if type(event) is events.ChargerUpdated:
                identity = event.identity
                kinds = self._kinds.get(identity)
                if kinds is None:
                    self._kinds[identity] = {event.what}
                else:
                    kinds.add(event.what)
                self._latest[identity] = event
            else:
                self._events.append(event)

    def take(self) -> HubChanges:
        """Everything since the last call, and start collecting afresh."""
        with self._lock:
            if not self._events and not self._kinds:
                return HubChanges()
            taken_events, self._events = self._events, []
            kinds, self._kinds = self._kinds, {}
            latest, self._latest = self._latest, {}
        changed = {identity: frozenset(found) for identity, found in kinds.items()}
        return HubChanges(tuple(taken_events), changed, latest)
