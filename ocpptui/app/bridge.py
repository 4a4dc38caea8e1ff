"""The one place the UI subscribes to the hub: hub events reach the UI as Textual messages
that carry them (`messages.HubReported`), unchanged.

Frames do not travel this way: the frame tables poll the core's frame windows on their own
timer. Events do, but not one message per event: they wait in a `HubHandoff` (see its
module for why) and are delivered once per refresh tick, coalesced per charger.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from textual.message_pump import MessagePump
from textual.timer import Timer

from ocpptui.app import messages
from ocpptui.app.hub_handoff import HubChanges, HubHandoff
from ocpptui.core.hub import Hub


@dataclass(frozen=True, slots=True)
class _Target:
    pump: MessagePump
    identity: str | None  # only messages about this charger
    batched: bool  # one HubBatch per tick instead of a message per event
    changes: bool  # charger updates wanted at all


class HubBridge:
    """Delivers hub events as messages to every registered screen or widget, once per tick.

    The hub's events wait in a `HubHandoff` (O(1) per event, coalesced per charger) until
    `flush()`, which the app runs on its refresh timer (`start(timer_owner, refresh_hz)`).
    """

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.handoff = HubHandoff()
        self._targets: list[_Target] = []
        self._unsubscribe: Callable[[], None] | None = None
        self._timer: Timer | None = None

    def start(self, timer_owner: MessagePump | None = None, refresh_hz: float = 10.0) -> None:
        """Listen to the hub; with `timer_owner`, flush on its timer `refresh_hz` times a
        second (without one, the caller runs `flush()`)."""
        if self._unsubscribe is None:
            self._unsubscribe = self.hub.subscribe(self.handoff.push)
        if timer_owner is not None and self._timer is None:
            self._timer = timer_owner.set_interval(
                1 / max(1.0, refresh_hz), self.flush, name="hub-bridge"
            )

    def stop(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self._targets.clear()

    def add_target(
        self,
        target: MessagePump,
        *,
        identity: str | None = None,
        batched: bool = False,
        changes: bool = True,
    ) -> Callable[[], None]:
        """Send hub messages to `target` until the returned function is called.

        `identity`: only what concerns that charger. `batched`: one `HubBatch` per tick with
        everything (for views of every charger). `changes=False`: no charger updates (for
        targets that only care about connections, refusals, server state).
        """
        entry = _Target(target, identity, batched, changes)
        self._targets.append(entry)

        def remove() -> None:
            if entry in self._targets:
                self._targets.remove(entry)

        return remove

    def flush(self) -> None:
        """Deliver what the hub reported since the last flush (runs on the refresh tick)."""
        changes = self.handoff.take()
        if not changes:
            return
        for target in list(self._targets):
            if target.batched:
                target.pump.post_message(messages.HubBatch(changes))
                continue
            for event in changes.events:
                if target.identity is not None and getattr(event, "identity", None) != (
                    target.identity
                ):
                    continue  # a view of one charger hears only about that charger
                target.pump.post_message(messages.HubReported(event))
            if not target.changes:
                continue
            if target.identity is not None:
                kinds = changes.changed.get(target.identity)
                if kinds is not None:
                    target.pump.post_message(_updated(target.identity, changes, kinds))
                continue
            for identity, kinds in changes.changed.items():
                target.pump.post_message(_updated(identity, changes, kinds))


def _updated(identity: str, changes: HubChanges, kinds: frozenset[str]) -> messages.HubReported:
    """A charger's updates of one tick: its latest `ChargerUpdated`, with every kind."""
    return messages.HubReported(changes.latest[identity], kinds)
