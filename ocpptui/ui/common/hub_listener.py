"""Screens and widgets that hear the hub while they are mounted, and those about one charger.

The bridge delivers the hub's messages only to registered targets; a target must leave when
it is unmounted or the bridge keeps posting to a dead node. These mixins do both ends once.
They derive from MessagePump, not Widget: Textual collects `@on` handlers only on its own
classes, and a DOMNode here would cut the widget's CSS inheritance chain (`_css_bases`
follows the first DOMNode base). List them before the Textual base:
`class ChargerScreen(ChargerListener, Screen[None])`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual import events as textual_events
from textual import on
from textual.message_pump import MessagePump

from ocpptui.app import messages
from ocpptui.app.bridge import HubBridge
from ocpptui.core import events
from ocpptui.core.hub import Charger

#: What the hub says about one charger: it connected, disconnected or reported something.
ChargerEvent = events.ChargerConnected | events.ChargerDisconnected | events.ChargerUpdated


class HubListener(MessagePump):
    """Receives the hub's messages (through `bridge`) from mount to unmount."""

    bridge: HubBridge
    _remove_target: Callable[[], None] | None = None
    #: One `HubBatch` per refresh tick instead of a message per event (views of every charger).
    HUB_BATCHED = False

    @on(textual_events.Mount)
    def _listen_to_hub(self) -> None:
        self._remove_target = self.bridge.add_target(self, **self._hub_target_options())

    def _hub_target_options(self) -> dict[str, Any]:
        return {"batched": self.HUB_BATCHED}

    @on(textual_events.Unmount)
    def _stop_listening_to_hub(self) -> None:
        if self._remove_target is not None:
            self._remove_target()
            self._remove_target = None


class ChargerListener(HubListener):
    """A view of one `charger`: `charger_changed` runs for each hub message about it."""

    charger: Charger

    @property
    def identity(self) -> str:
        return self.charger.identity

    def _hub_target_options(self) -> dict[str, Any]:
        return {"identity": self.identity}

    @on(messages.HubReported)
    def _hub_charger_message(self, message: messages.HubReported) -> None:
        event = message.event
        if isinstance(event, ChargerEvent) and event.identity == self.identity:
            self.charger_changed(event)

    def charger_changed(self, event: ChargerEvent) -> None:
        """This view's charger connected, disconnected or reported something new."""
        raise NotImplementedError
