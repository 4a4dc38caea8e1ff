"""The one place the UI subscribes to the hub: hub events become Textual messages.

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
from ocpptui.app.hub_handoff import HubHandoff
from ocpptui.core import events
from ocpptui.core.hub import Hub


def message_for(event: events.HubEvent) -> messages.HubMessage | None:
    """The Textual message for a hub event (a new instance per call)."""
    match event:
        case events.ServerStarted(host=host, port=port, subprotocols=subprotocols):
            return messages.ServerStarted(host, port, tuple(subprotocols))
        case events.ServerStopped(reason=reason):
            return messages.ServerStopped(reason)
        case events.ConnectionRefused(peer=peer, path=path, reason=reason):
            return messages.ConnectionRefused(peer, path, reason)
        case events.ChargerConnected(
            identity=identity, subprotocol=subprotocol, peer=peer, replaced=replaced
        ):
            return messages.ChargerConnected(identity, subprotocol, peer, replaced)
        case events.DecisionNeeded(identity=identity, vendor=vendor, model=model, peer=peer):
            return messages.DecisionNeeded(identity, vendor, model, peer)
        case events.ChargerDisconnected(identity=identity, reason=reason):
            return messages.ChargerDisconnected(identity, reason)
        case events.ChargerUpdated(identity=identity, what=what):
            return messages.ChargerChanged(identity, what)
        case events.LogProblem(identity=identity, message=message):
            return messages.FrameLogFailed(identity, message)
        case events.LogResumed(identity=identity, message=message):
            return messages.FrameLogResumed(identity, message)
        case events.AttemptRecorded(attempt=attempt):
            return messages.AttemptRecorded(attempt)
    return None


@dataclass(frozen=True, slots=True)
class _Target:
    pump: MessagePump
    identity: str | None  # only messages about this charger
    batched: bool  # one HubBatch per tick instead of a message per event
    changes: bool  # ChargerChanged messages wanted at all


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
        everything (for views of every charger). `changes=False`: no ChargerChanged messages
        (for targets that only care about connections, refusals, server state).
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
                message = message_for(event)
                if message is not None:
                    target.pump.post_message(message)
            if not target.changes:
                continue
            if target.identity is not None:
                kinds = changes.changed.get(target.identity)
                if kinds is not None:
                    latest = changes.latest[target.identity]
                    target.pump.post_message(
                        messages.ChargerChanged(target.identity, latest, kinds)
                    )
                continue
            for identity, kinds in changes.changed.items():
                target.pump.post_message(
                    messages.ChargerChanged(identity, changes.latest[identity], kinds)
                )
