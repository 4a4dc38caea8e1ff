"""The main screen: how to connect, who connected, why a connection was refused."""

from __future__ import annotations

import socket

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from ocpptui.app.app import OcppTuiApp, make_app
from ocpptui.core.config import CsmsConfig
from ocpptui.core.hub import Hub
from ocpptui.paths import Paths
from ocpptui.settings.model import Settings
from ocpptui.ui.chargers.charger_list import ChargerList
from ocpptui.ui.chargers.charger_screen import ChargerScreen
from ocpptui.ui.chargers.events_panel import EventsPanel
from ocpptui.ui.chargers.welcome_panel import WelcomePanel
from ocpptui.ui.common.error_screen import ErrorScreen
from tests.helpers import connect_raw
from tests.ui.helpers import SIZE, booted_charger, listening_port, rendered_lines, until


def _cells(table: ChargerList, identity: str) -> list[str]:
    return [cell.plain for cell in table.get_row(identity)]


async def test_welcome_panel_shows_the_url_with_the_bound_port(app: OcppTuiApp, hub: Hub) -> None:
    async with app.run_test(size=SIZE) as pilot:
        port = await listening_port(pilot, hub)
        welcome = app.screen.query_one(WelcomePanel)
        await until(pilot, lambda: welcome.urls)
        assert welcome.urls == [f"ws://127.0.0.1:{port}/<identity>"]
        shown = str(welcome.render())
        assert f"ws://127.0.0.1:{port}/<identity>" in shown
        assert "ocpp1.6" in shown and "ocpp2.0.1" in shown


async def test_a_charger_that_connects_appears_with_vendor_model_and_protocol(
    app: OcppTuiApp, hub: Hub
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await listening_port(pilot, hub)
        charger = await connect_raw(hub, "CP-1")
        await charger.boot_16(vendor="Alfen", model="Eve Single")
        table = app.screen.query_one(ChargerList)
        await until(pilot, lambda: "CP-1" in table.rows and "Alfen" in _cells(table, "CP-1")[2])
        cells = _cells(table, "CP-1")
        assert cells[0] == "CP-1"
        assert cells[1] == "1.6"
        assert cells[2] == "Alfen Eve Single"
        assert cells[3] == "1.0"
        assert "online" in cells[4]

        await charger.connection.close()
        await until(pilot, lambda: "offline" in _cells(table, "CP-1")[4])

        # Enter on the highlighted row opens the charger.
        table.focus()
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ChargerScreen))
        assert app.screen.identity == "CP-1"
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, ChargerScreen))


async def test_a_refused_connection_shows_its_reason_in_the_events_panel(
    app: OcppTuiApp, hub: Hub
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        port = await listening_port(pilot, hub)
        with pytest.raises(InvalidStatus):
            async with connect(f"ws://127.0.0.1:{port}/CP-9"):
                pass
        panel = app.screen.query_one(EventsPanel)
        text = panel.query_one("#events-text")

        await until(pilot, lambda: "no subprotocol offered" in str(text.render()))
        shown = str(text.render())
        assert "refused" in shown and "/CP-9" in shown
        assert "set the OCPP version on the charger" in shown


async def test_a_port_in_use_is_explained_not_a_traceback(tmp_path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        hub = Hub(CsmsConfig(port=0), sessions_dir=tmp_path / "sessions")
        app = make_app(Settings(), Paths.under(tmp_path), hub, host="127.0.0.1", port=port)
        app.animation_level = "none"
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: isinstance(app.screen, ErrorScreen))
            message = str(app.screen.query_one("#error-message").render())
            assert f"Port {port} on 127.0.0.1 is already in use" in message
            assert f"ocpp-tui serve --port {port + 1}" in message
            await pilot.press("escape")
            await until(pilot, lambda: not isinstance(app.screen, ErrorScreen))
            welcome = str(app.screen.query_one(WelcomePanel).render())
            assert f"Not listening on 127.0.0.1:{port}" in welcome
        assert app.return_code in (None, 0)


async def test_all_frames_log_on_the_main_screen_names_the_charger(
    app: OcppTuiApp, hub: Hub
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await listening_port(pilot, hub)
        charger = await connect_raw(hub, "CP-7")
        await charger.boot_16()
        table = app.screen.query_one("#all-frames")
        await until(pilot, lambda: table.row_count == 2)
        lines = rendered_lines(table)
        assert "charger" in lines[0] and "action" in lines[0]
        assert "CP-7" in lines[1] and "BootNotification" in lines[1] and "CALL" in lines[1]
        assert "RESULT" in lines[2] and "currentTime" in lines[2]


async def test_quitting_stops_the_server(app: OcppTuiApp, hub: Hub) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await booted_charger(pilot, hub)
        await pilot.press("ctrl+q")
    assert hub.servers == []
    assert not hub.chargers["CP-1"].connected


async def test_without_listening_the_app_shows_a_server_started_elsewhere(
    tmp_path, hub: Hub
) -> None:
    server = await hub.start_server("127.0.0.1", 0)
    app = make_app(Settings(), Paths.under(tmp_path), hub, listen=False)
    async with app.run_test(size=SIZE) as pilot:
        welcome = app.screen.query_one(WelcomePanel)
        await until(pilot, lambda: welcome.urls)
        assert welcome.urls == [f"ws://127.0.0.1:{server.port}/<identity>"]
        charger = await connect_raw(hub, "CP-3")
        await charger.boot_16()
        table = app.screen.query_one(ChargerList)
        await until(pilot, lambda: "CP-3" in table.rows)
    assert hub.servers == []  # quitting stops the hub it was given


async def test_without_a_server_the_welcome_panel_says_so(tmp_path, hub: Hub) -> None:
    app = make_app(Settings(), Paths.under(tmp_path), hub, listen=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        shown = str(app.screen.query_one(WelcomePanel).render())
        assert "No WebSocket server" in shown
        assert hub.servers == []
