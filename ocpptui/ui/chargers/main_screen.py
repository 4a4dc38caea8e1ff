"""The first screen: how to connect a charger, who is connected, what happened, all frames."""

from __future__ import annotations

from itertools import islice
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Static

from ocpptui.app import messages
from ocpptui.app.bridge import HubBridge
from ocpptui.core import events
from ocpptui.core.clock import Clock
from ocpptui.core.hub import Hub
from ocpptui.core.link_supervisor import LinkStatus
from ocpptui.ui.chargers.charger_list import ChargerList
from ocpptui.ui.chargers.charger_screen import status_line
from ocpptui.ui.chargers.events_panel import EventsPanel, describe
from ocpptui.ui.chargers.welcome_panel import ServerState, WelcomePanel
from ocpptui.ui.common.display_text import shorten
from ocpptui.ui.common.hub_listener import HubListener
from ocpptui.ui.common.key_footer import KeyFooter
from ocpptui.ui.common.quiet_update import screen_shown, update_static
from ocpptui.ui.frames.frame_table import FrameTable
from ocpptui.ui.links.link_status import link_status_content, link_title

#: Charger rows brought up to date per refresh tick at most (see `_refresh_rows`).
ROWS_PER_TICK = 40


class MainScreen(HubListener, Screen[None]):
    """Welcome panel, charger list, recent events and the all-chargers frame log."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "l",
            "focus_chargers",
            "Chargers",
            tooltip="Move to the charger list",
            id="main.chargers",
        ),
        Binding(
            "f",
            "focus_frames",
            "All frames",
            tooltip="Move to the frame log of all chargers",
            id="main.frames",
        ),
        Binding(
            "w",
            "app.connect_help",
            "Connect",
            tooltip="The URL for the charger as text and QR code, and what to check",
            id="main.connect",
        ),
        Binding(
            "n",
            "connections",
            "Connections",
            tooltip="Every connection attempt: path, identity, subprotocol, auth, TLS, why refused",
            id="main.connections",
        ),
        Binding(
            "o",
            "app.open_log",
            "Open log",
            tooltip="Open a saved frame log (ours or another tool's) in the frame viewer",
            id="main.open_log",
        ),
        Binding(
            "r",
            "app.run_playbook",
            "Playbook",
            tooltip="Run a playbook (TOML steps) against the connected chargers, live",
            id="main.playbook",
        ),
        Binding(
            "b",
            "app.site_board",
            "Site",
            tooltip="The site board: every charger of a site sheet, batch actions, site report",
            id="main.site",
        ),
        Binding(
            "s",
            "app.settings",
            "Settings",
            tooltip="Port, protocols, boot answer, validation, file server, theme ...",
            id="main.settings",
        ),
        Binding(
            "k",
            "pick_link",
            "Link",
            tooltip="Pick the serial port or Bluetooth device (ocpp-tui serial / ble)",
            id="main.pick_link",
        ),
    ]

    VERTICAL_BREAKPOINTS: ClassVar[list[tuple[int, str]]] = [(0, "-short"), (34, "-tall")]

    def __init__(self, hub: Hub, bridge: HubBridge, clock: Clock, refresh_hz: float) -> None:
        super().__init__()
        self.hub = hub
        self.bridge = bridge
        self.clock = clock
        self.refresh_hz = refresh_hz
        self._chargers_title = ""
        self._rows_due: dict[str, None] = {}  # chargers whose row is behind, oldest first

    def compose(self) -> ComposeResult:
        welcome = WelcomePanel(id="welcome")
        welcome.border_title = "ocpp-tui · mini-CSMS"
        yield welcome
        chargers = ChargerList(self.hub, self.clock, id="chargers")
        chargers.border_title = "Chargers"
        yield chargers
        events = EventsPanel(self.hub, id="events")
        events.border_title = "Events"
        yield events
        frames = FrameTable(
            self.hub.frames,
            refresh_hz=self.refresh_hz,
            show_identity=True,
            empty_hint="No frames yet: they appear here as soon as a charger connects.",
            id="all-frames",
        )
        frames.border_title = "All frames"
        yield frames
        yield Static(id="all-frames-status", markup=False)
        yield KeyFooter()

    @property
    def charger_list(self) -> ChargerList:
        return self.query_one("#chargers", ChargerList)

    @property
    def frame_table(self) -> FrameTable:
        return self.query_one("#all-frames", FrameTable)

    def on_mount(self) -> None:
        self.watch(self.app, "server_state", self._show_server_state)
        self.watch(self.app, "link_status", self._show_link_status)
        self.set_interval(1.0, self._tick, name="charger-ages")
        self.set_interval(1 / max(1.0, self.refresh_hz), self._refresh_rows, name="charger-rows")
        delay = getattr(self.app, "no_charger_hint_after", None)
        if delay is not None:
            self.set_timer(delay, self._no_charger_yet, name="no-charger-hint")
        self._update_titles()
        self.charger_list.focus()

    def _show_server_state(self, state: ServerState) -> None:
        self.query_one(WelcomePanel).show(state)
        if state.phase == "listening":
            title = f"ocpp-tui · mini-CSMS listening on {state.host}:{state.port}"
        else:
            title = "ocpp-tui · mini-CSMS"
        self.query_one(WelcomePanel).border_title = title

    def _tick(self) -> None:
        if screen_shown(self):
            self.charger_list.refresh_ages()

    def _no_charger_yet(self) -> None:
        """Still no charger after a while: say what to check (until one connects)."""
        if not self.hub.chargers:
            self.query_one(WelcomePanel).show_troubleshooting(True)

    def _update_titles(self) -> None:
        total = len(self.hub.chargers)
        online = sum(1 for charger in self.hub.chargers.values() if charger.connected)
        title = f"Chargers ({online} of {total} connected)" if total else "Chargers (none yet)"
        if title != self._chargers_title:  # setting a title repaints, even the same one
            self._chargers_title = title
            self.charger_list.border_title = title

    # ------------------------------------------------------------------ hub messages

    #: One HubBatch per refresh tick (hub_listener.HubListener): this screen shows every
    #: charger, and a message per charger event cost more than the whole protocol path.
    HUB_BATCHED = True

    @on(messages.HubBatch)
    def _hub_changed(self, batch: messages.HubBatch) -> None:
        """Everything since the last tick, applied once: rows, titles, events."""
        changes = batch.changes
        identities = changes.identities()
        for identity in identities:
            self._rows_due[identity] = None
        if identities:
            self._update_titles()
            self.query_one(WelcomePanel).show_troubleshooting(False)
        logged = any(describe(event) is not None for event in changes.events)
        if logged or any("boot" in kinds for kinds in changes.changed.values()):
            self.query_one(EventsPanel).refresh_events()
        for event in changes.events:  # what used to come as one message each
            if isinstance(event, events.ConnectionRefused):
                self._point_to_refusal(event.reason)
            elif isinstance(event, events.ChargerConnected):
                self._refusal_overtaken()
        self._refresh_rows()

    def _refresh_rows(self) -> None:
        """Bring at most ROWS_PER_TICK charger rows up to date, while this screen is shown.

        A thousand busy chargers change hundreds of rows per tick; each costs ~0.1 ms, and
        the answers to those chargers wait on the same loop. The rest wait for the next tick
        (the latest state is read then), and nothing is done under another screen.
        """
        due = self._rows_due
        if not due or not screen_shown(self):
            return
        chargers = self.charger_list
        for identity in list(islice(due, ROWS_PER_TICK)):
            del due[identity]
            chargers.refresh_charger(identity)

    def _point_to_refusal(self, reason: str) -> None:
        """Until a charger is connected, the welcome panel says why the last one was refused."""
        if not any(charger.connected for charger in self.hub.chargers.values()):
            # The attempt's advice knows what the charger offered (subprotocols, say).
            advice = next(
                (a.advice for a in reversed(self.hub.attempts) if a.reason == reason),
                None,
            )
            self.query_one(WelcomePanel).show_refusal(reason, advice)

    def _refusal_overtaken(self) -> None:
        self.query_one(WelcomePanel).show_refusal(None)

    @on(FrameTable.StatusChanged, "#all-frames")
    def _frames_status(self, status: FrameTable.StatusChanged) -> None:
        """Under the frames, only while they do not move: paused or scrolled up."""
        line = self.query_one("#all-frames-status", Static)
        live = status.following and not status.paused
        line.display = not live
        if not live:  # one line high: a new count needs no layout
            update_static(line, status_line(status, None), layout=False)

    # ------------------------------------------------------------------ user actions

    def action_focus_chargers(self) -> None:
        self.charger_list.focus()

    def action_focus_frames(self) -> None:
        self.frame_table.focus()

    def action_forget_charger(self) -> None:
        identity = self.charger_list.highlighted_identity
        if identity is not None:
            self.forget_charger(identity)

    def forget_charger(self, identity: str) -> None:
        """Take an offline charger off the list; say where its logs stay."""
        charger = self.hub.chargers.get(identity)
        if charger is None:
            return
        try:
            self.hub.forget(identity)
        except ValueError as exc:
            self.notify(str(exc), severity="warning", markup=False)
            return
        self.charger_list.remove_charger(identity)
        self._update_titles()
        session = charger.session
        log = session.frame_log.path if session is not None else None
        where = f"; its log stays in {log.parent}" if log is not None else ""
        self.notify(f"Removed {shorten(identity, 48)} from the list{where}", markup=False)

    async def action_connections(self) -> None:
        await self.app.open_connections()  # type: ignore[attr-defined]

    # ------------------------------------------------------------------ local link

    def _show_link_status(self, status: LinkStatus | None) -> None:
        """In local-link mode the welcome panel tells the link's state instead of URLs."""
        if status is None:
            return
        welcome = self.query_one(WelcomePanel)
        welcome.update(link_status_content(status, getattr(self.app, "link", None)))
        welcome.border_title = link_title(status)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "pick_link":  # only in local-link mode (ocpp-tui serial / ble)
            return getattr(self.app, "link_defaults", None) is not None
        return True

    def action_pick_link(self) -> None:
        self.app.open_link_picker()  # type: ignore[attr-defined]
