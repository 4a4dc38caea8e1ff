"""Help, the command palette, clicking a charger, and how hub events reach the screens."""

from __future__ import annotations

from textual import on
from textual.app import App
from textual.command import SimpleCommand
from textual.notifications import Notify

from ocpptui.app import messages
from ocpptui.app.app import OcppTuiApp, make_app
from ocpptui.app.bridge import HubBridge
from ocpptui.app.palette import OcppCommands
from ocpptui.core import events
from ocpptui.core.config import CsmsConfig
from ocpptui.core.hub import Hub
from ocpptui.paths import Paths
from ocpptui.settings.model import Settings
from ocpptui.ui.chargers.charger_list import ChargerList
from ocpptui.ui.chargers.charger_screen import ChargerScreen
from ocpptui.ui.chargers.main_screen import MainScreen
from ocpptui.ui.help.help_screen import HelpScreen
from tests.helpers import connect_raw
from tests.ui.helpers import SIZE, listening_port, open_raw_charger, until


async def test_help_lists_the_keys_of_every_screen(app: OcppTuiApp, hub: Hub) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f1")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen))
        text = str(app.screen.query_one("#help-text").render())
        for expected in ("Main screen", "Charger screen", "Frame inspector", "CallErrors"):
            assert expected in text
        assert "action:Heartbeat" in text
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, MainScreen))
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen))
        await pilot.press("escape")


async def test_palette_opens_a_charger_and_clicking_a_row_does_too(
    app: OcppTuiApp, hub: Hub
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await listening_port(pilot, hub)
        for identity in ("CP-1", "WB-22"):
            charger = await connect_raw(hub, identity)
            await charger.boot_16()
        table = app.screen.query_one(ChargerList)
        await until(pilot, lambda: table.row_count == 2)

        await pilot.press("ctrl+p", *"wb-22")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ChargerScreen))
        assert app.screen.identity == "WB-22"
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, MainScreen))

        # A click highlights a row; a click on the highlighted row opens it. The list has a
        # title line and a header line above its rows.
        await pilot.click(ChargerList, offset=(3, 3))
        assert isinstance(app.screen, MainScreen)
        assert table.highlighted_identity == "WB-22"
        await pilot.click(ChargerList, offset=(3, 3))
        await until(pilot, lambda: isinstance(app.screen, ChargerScreen))
        assert app.screen.identity == "WB-22"


async def test_copy_confirms_with_a_notification(app: OcppTuiApp, hub: Hub) -> None:
    seen: list[object] = []
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        await listening_port(pilot, hub)
        charger = await connect_raw(hub, "CP-1")
        await charger.boot_16()
        frames = app.screen.query_one("#all-frames")
        await until(pilot, lambda: frames.row_count == 2)
        await pilot.press("f", "c")  # the cursor starts on the newest frame
        assert app.clipboard == hub.frames[-1].raw
        notes = [m.notification for m in seen if isinstance(m, Notify)]
        assert any("Copied frame" in note.message for note in notes)


async def test_hub_events_reach_the_ui_as_the_core_made_them(hub: Hub) -> None:
    """One message type carries every hub event, unchanged (nothing copied field by field,
    nothing dropped: a wss:// server's scheme arrives with it)."""
    samples = [
        events.ServerStarted("h", 1, ("ocpp1.6",), scheme="wss"),
        events.ServerStopped("r"),
        events.ConnectionRefused("p", "/x", "r", advice="set the identity"),
        events.ChargerConnected("CP", "s", "ocpp1.6", "p", False),
        events.ChargerDisconnected("CP", "s", "r"),
        events.DecisionNeeded("CP", "V", "M", "p"),
        events.LogProblem("CP", "disk full"),
        events.LogResumed("CP", "written again"),
    ]
    received: list[messages.HubReported] = []

    class Target(App[None]):
        @on(messages.HubReported)
        def _received(self, message: messages.HubReported) -> None:
            received.append(message)

    bridge = HubBridge(hub)
    async with Target().run_test() as pilot:
        bridge.add_target(pilot.app, changes=False)
        bridge.start()
        for event in samples:
            hub.emit(event)
        bridge.flush()
        await pilot.pause()
        bridge.stop()
    assert [message.event for message in received] == samples
    assert all(message.event is event for message, event in zip(received, samples, strict=True))
    assert all(not message.bubble for message in received)


def test_status_updates_coalesce_but_boots_do_not() -> None:
    def updated(identity: str, what: str) -> messages.HubReported:
        return messages.HubReported(events.ChargerUpdated(identity, what))

    meter = updated("CP-1", "meter")
    assert updated("CP-1", "heartbeat").can_replace(meter)
    assert not updated("CP-2", "heartbeat").can_replace(meter)
    boot = updated("CP-1", "boot")
    assert not updated("CP-1", "status").can_replace(boot)
    started = messages.HubReported(events.ServerStarted("h", 1, ("ocpp1.6",)))
    assert not updated("CP-1", "status").can_replace(started)
    assert not started.can_replace(messages.HubReported(events.ServerStarted("h", 1, ())))


async def test_the_bridge_delivers_to_its_targets_until_removed(hub: Hub) -> None:
    received: list[object] = []

    class Target(App[None]):
        @on(messages.HubMessage)
        def _received(self, message: messages.HubMessage) -> None:
            received.append(message)

    bridge = HubBridge(hub)
    target = Target()
    async with target.run_test() as pilot:
        remove = bridge.add_target(target)
        bridge.start()
        hub.emit(events.ChargerUpdated("CP-1", "boot"))
        bridge.flush()  # the app's refresh tick
        await pilot.pause()
        remove()
        hub.emit(events.ChargerUpdated("CP-1", "status"))
        bridge.flush()
        await pilot.pause()
        bridge.stop()
    assert [type(m.event) for m in received] == [events.ChargerUpdated]  # type: ignore[attr-defined]


async def test_palette_toggles_errors_only_on_the_charger_screen(app: OcppTuiApp, hub: Hub) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await open_raw_charger(pilot, app, hub)
        screen = app.screen
        await pilot.press("ctrl+p", *"errors")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await until(pilot, lambda: screen.frame_table.frame_filter.errors_only)
        assert screen.filter_bar.errors_only
        # Every entry is Textual's own SimpleCommand.
        palette = OcppCommands(screen)._commands()
        assert all(isinstance(command, SimpleCommand) for command in palette)
        names = [command.name for command in palette]
        assert "Show the Configuration tab" in names and "Filter: errors only (toggle)" in names


async def test_the_theme_comes_from_the_settings(tmp_path) -> None:
    settings = Settings()
    settings.ui.theme = "textual-light"
    hub = Hub(CsmsConfig(port=0), sessions_dir=tmp_path / "sessions")
    app = make_app(settings, Paths.under(tmp_path), hub, host="127.0.0.1", port=0)
    async with app.run_test(size=SIZE) as pilot:
        await listening_port(pilot, hub)
        assert app.theme == "textual-light"
        app.export_screenshot()
        await pilot.press("f1")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen))
        app.export_screenshot()


def test_an_unknown_theme_falls_back_to_the_default(tmp_path) -> None:
    settings = Settings()
    settings.ui.theme = "no-such-theme"
    hub = Hub(CsmsConfig(port=0), sessions_dir=tmp_path / "sessions")
    app = make_app(settings, Paths.under(tmp_path), hub)
    assert app.theme == "textual-dark"


async def test_the_server_state_takes_the_scheme_the_server_reported(
    app: OcppTuiApp, hub: Hub
) -> None:
    """The hub's ServerStarted says ws or wss: the welcome panel shows what it says."""
    async with app.run_test(size=SIZE) as pilot:
        await listening_port(pilot, hub)
        hub.emit(events.ServerStarted("127.0.0.1", 9443, ("ocpp2.0.1",), scheme="wss"))
        await until(pilot, lambda: app.server_state.port == 9443)
        assert app.server_state.scheme == "wss"
