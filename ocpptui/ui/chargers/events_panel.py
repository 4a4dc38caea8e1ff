"""Recent hub events: who connected, who left, and why a connection was refused."""

from __future__ import annotations

from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from ocpptui.core import events
from ocpptui.core.hub import Hub
from ocpptui.core.identity import path_word_warning
from ocpptui.ui.common.display_text import clock_time, shorten
from ocpptui.ui.common.quiet_update import update_static

#: How many of the hub's recent events the panel lists.
SHOWN_EVENTS = 50


def describe(event: events.HubEvent) -> tuple[str, str] | None:
    """One line for an event and its style (a theme variable); None for routine updates."""
    match event:
        case events.ServerStarted(host=host, port=port, subprotocols=subprotocols):
            offered = ", ".join(subprotocols)
            return f"listening on {host}:{port} ({offered})", "$text-success"
        case events.ServerStopped(reason=reason):
            return reason, "$text-warning"
        case events.ConnectionRefused(peer=peer, path=path, reason=reason, advice=advice):
            text = f"refused {peer} {shorten(path, 60)}: {shorten(reason, 300)}"
            if advice:  # the server's, from what this charger offered
                text += f" → {advice}"
            return text, "$text-error"
        case events.DecisionNeeded(identity=identity):
            name = shorten(identity, 48)
            return f"{name} is new: its boot is answered Pending until you decide", "$text-warning"
        case events.ChargerConnected(identity=identity, subprotocol=subprotocol, peer=peer):
            replaced = " (replaced its previous connection)" if event.replaced else ""
            name = shorten(identity, 48)
            text = f"{name} connected from {peer} with {subprotocol}{replaced}"
            warning = path_word_warning(identity)
            if warning is not None:
                return f"{text} ⚠ {warning}", "$text-warning"
            return text, "$text-success"
        case events.ChargerDisconnected(identity=identity, reason=reason):
            return f"{shorten(identity, 48)} disconnected: {shorten(reason, 200)}", "$text-warning"
        case events.ChargerUpdated(identity=identity, what="boot"):
            return f"{shorten(identity, 48)} sent BootNotification", "$text-primary"
        case events.LogProblem(identity=identity, message=message):
            return f"{shorten(identity, 48)} frame log: {shorten(message, 200)}", "$text-error"
        case events.LogResumed(identity=identity, message=message):
            return f"{shorten(identity, 48)} frame log: {shorten(message, 200)}", "$text-success"
    return None


class EventsPanel(VerticalScroll, can_focus=False):
    """The newest hub events first; long reasons wrap instead of being cut."""

    DEFAULT_CSS = """
    EventsPanel {
        height: auto;
        max-height: 5;
        scrollbar-size-vertical: 1;
        & > #events-text { width: 1fr; }
    }
    """

    def __init__(self, hub: Hub, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.hub = hub

    def compose(self):
        yield Static(id="events-text", markup=False)

    def on_mount(self) -> None:
        self.refresh_events()

    def refresh_events(self) -> None:
        lines: list[Content] = []
        for wall, event in list(self.hub.events)[-SHOWN_EVENTS * 4 :]:
            described = describe(event)
            if described is None:
                continue
            text, style = described
            lines.append(
                Content.assemble(
                    (clock_time(wall, milliseconds=False), "$text-muted"), " ", (text, style)
                )
            )
        lines = lines[-SHOWN_EVENTS:][::-1]
        if not lines:
            lines = [Content.styled("No connection attempts yet.", "$text-muted italic")]
        update_static(self.query_one("#events-text", Static), Content("\n").join(lines))
