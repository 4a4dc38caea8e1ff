"""The one place the UI subscribes to the hub: hub events become Textual messages.

Only low-rate events travel this way. Frames do not: the frame tables poll the core's
frame windows on their own timer.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.message_pump import MessagePump

from ocpptui import messages
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


class HubBridge:
    """Delivers hub events as messages to every registered screen or widget."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self._targets: list[MessagePump] = []
        self._unsubscribe: Callable[[], None] | None = None

    def start(self) -> None:
        if self._unsubscribe is None:
            self._unsubscribe = self.hub.subscribe(self._deliver)

    def stop(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self._targets.clear()

    def add_target(self, target: MessagePump) -> Callable[[], None]:
        """Send hub messages to `target` until the returned function is called."""
        self._targets.append(target)

        def remove() -> None:
            if target in self._targets:
                self._targets.remove(target)

        return remove

    def _deliver(self, event: events.HubEvent) -> None:
        for target in list(self._targets):
            message = message_for(event)
            if message is not None:
                target.post_message(message)
