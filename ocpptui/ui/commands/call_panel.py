"""What the Commands tab and the composer share: one charger, one call at a time, its outcome.

They differ in how a call is written (a schema form or hand-typed JSON) and in what they keep
of it; both send to the charger the panel was built for, in the OCPP version it spoke then,
show the outcome in a `CallOutcomeView`, and offer their send key only while it can work.
"""

from __future__ import annotations

from textual.containers import Horizontal

from ocpptui.app.bridge import HubBridge
from ocpptui.core import events
from ocpptui.core.hub import Charger
from ocpptui.protocol.versions import OcppVersion
from ocpptui.ui.commands.call_outcome import CallOutcomeView
from ocpptui.ui.common.hub_listener import ChargerEvent, ChargerListener


class CallPanel(ChargerListener, Horizontal):
    """A charger-screen tab that sends calls to `charger` and shows each outcome."""

    def __init__(self, charger: Charger, bridge: HubBridge, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.charger = charger
        self.bridge = bridge
        session = charger.session
        # Read once: the panel is built for the session it was opened on (1.6 if none yet).
        self.version = session.version if session is not None else OcppVersion.V16
        #: A call is out: the send key waits for its outcome.
        self.sending = False

    @property
    def outcome_view(self) -> CallOutcomeView:
        """Where the outcome of the last call shows."""
        raise NotImplementedError

    def charger_changed(self, event: ChargerEvent) -> None:
        # Only connecting and disconnecting change what the keys can do (send needs a link).
        if not isinstance(event, events.ChargerUpdated):
            self.refresh_bindings()

    def start_call(self, action: str) -> bool:
        """Show `action` as under way and return True; when the charger is not connected,
        say so in the outcome and return False (nothing is sent)."""
        session = self.charger.session
        if session is None or not session.connected:
            self.outcome_view.failed(action, f"{self.charger.identity} is not connected")
            return False
        self.sending = True
        self.outcome_view.pending(action)
        self.refresh_bindings()
        return True
