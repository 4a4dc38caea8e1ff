"""First run: when no charger comes, the main screen says what to check; w shows the URL as a
QR code with the same list; the list goes once a charger connects."""

from __future__ import annotations

from pathlib import Path

from textual.containers import VerticalScroll

from ocpptui.app.app import make_app
from ocpptui.core.config import CsmsConfig
from ocpptui.core.hub import Hub
from ocpptui.paths import Paths
from ocpptui.settings.model import Settings
from ocpptui.ui.chargers.connect_screen import ConnectScreen
from ocpptui.ui.chargers.welcome_panel import WelcomePanel
from ocpptui.ui.help.help_screen import HelpScreen
from tests.helpers import connect_raw
from tests.ui.helpers import SIZE, listening_port, until


async def test_no_charger_yet_lists_what_to_check_until_one_connects(tmp_path: Path) -> None:
    hub = Hub(CsmsConfig(port=0), sessions_dir=tmp_path / "sessions")
    app = make_app(
        Settings(), Paths.under(tmp_path), hub, host="127.0.0.1", port=0, no_charger_hint_after=0.2
    )
    app.animation_level = "none"
    async with app.run_test(size=SIZE) as pilot:
        port = await listening_port(pilot, hub)
        welcome = app.screen.query_one(WelcomePanel)
        assert "No charger has connected yet" not in str(welcome.render())
        await until(pilot, lambda: welcome.troubleshooting)
        shown = str(welcome.render())
        assert f"allow incoming TCP {port} on this laptop" in shown
        assert "ws:// here, not wss://" in shown and "2.1/2.0.1/1.6" in shown

        await pilot.press("w")
        await until(pilot, lambda: isinstance(app.screen, ConnectScreen))
        await pilot.pause()
        qr = str(app.screen.query_one("#connect-qr").render())
        assert len(qr.splitlines()) >= 13 and set(qr) <= set("█▀▄ \n")
        text = str(app.screen.query_one("#connect-text").render())
        assert f"ws://127.0.0.1:{port}/<identity>" in text and "firewall" in text
        await pilot.press("escape")

        await pilot.press("f1")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen))
        await pilot.pause()
        assert "A charger does not connect? Check" in str(
            app.screen.query_one("#help-text").render()
        )
        await pilot.press("f1")  # F1 closes help too
        await until(pilot, lambda: not isinstance(app.screen, HelpScreen))

        charger = await connect_raw(hub, "CP-1")
        await charger.boot_16()
        await until(pilot, lambda: not welcome.troubleshooting)
        await charger.connection.close()


async def test_the_connect_help_scrolls_to_its_last_line_at_80x24(tmp_path: Path) -> None:
    """At 80x24 the QR code and the list are taller than the box: the list scrolls, and its
    last line (the connections view) can be reached instead of being cut off."""
    hub = Hub(CsmsConfig(port=0), sessions_dir=tmp_path / "sessions")
    app = make_app(Settings(), Paths.under(tmp_path), hub, host="127.0.0.1", port=0)
    app.animation_level = "none"
    async with app.run_test(size=(80, 24)) as pilot:
        await listening_port(pilot, hub)
        await pilot.press("w")
        await until(pilot, lambda: isinstance(app.screen, ConnectScreen))
        await pilot.pause()
        box = app.screen.query_one("#connect-box")
        columns = app.screen.query_one("#connect-columns", VerticalScroll)
        # The scrolling part fits inside the box's border ...
        assert columns.region.bottom <= box.content_region.bottom
        # ... and scrolls down to the last line of text.
        await pilot.press("end")
        await pilot.pause()
        text = app.screen.query_one("#connect-text")
        assert columns.scroll_y == columns.max_scroll_y
        assert columns.scroll_y + columns.scrollable_content_region.height >= (
            text.virtual_region.bottom
        )


async def test_proxy_mode_says_where_frames_go_and_what_a_tls_upstream_sees(
    tmp_path: Path,
) -> None:
    """Profile 3 upstream: the charger's TLS ends at the laptop, and the screen says so."""
    from ocpptui.core.proxy import UpstreamConfig

    hub = Hub(CsmsConfig(port=0), sessions_dir=tmp_path / "sessions")
    upstream = UpstreamConfig("wss://127.0.0.1:1/ocpp", client_cert="laptop.pem")
    app = make_app(
        Settings(), Paths.under(tmp_path), hub, host="127.0.0.1", port=0, upstream=upstream
    )
    app.animation_level = "none"
    async with app.run_test(size=SIZE) as pilot:
        await listening_port(pilot, hub)
        welcome = app.screen.query_one(WelcomePanel)
        await until(pilot, lambda: "Proxy mode" in str(welcome.render()))
        shown = str(welcome.render())
        assert "wss://127.0.0.1:1/ocpp/<identity>" in shown
        assert "only this laptop's client certificate (laptop.pem), never the charger's" in shown
