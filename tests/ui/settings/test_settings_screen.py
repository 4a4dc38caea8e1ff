"""The settings screen: edits the file with its comments, applies what it can at once, and
refuses bad values naming the key and line."""

from __future__ import annotations

from textual.widgets import Checkbox, Input, Select, Static

from ocpptui.app.app import OcppTuiApp
from ocpptui.core.config import ValidationPolicy
from ocpptui.core.hub import Hub
from ocpptui.settings.reader import DEFAULT_SETTINGS_TOML, load_settings
from ocpptui.ui.settings.settings_screen import SettingsScreen
from tests.ui.helpers import SIZE, strip_text, until
from tests.ui.settings.helpers import settings_file


async def test_s_opens_settings_saves_and_applies_live_values(app: OcppTuiApp, hub: Hub) -> None:
    path = settings_file(app)
    app.listen = False
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("s")
        await until(pilot, lambda: isinstance(app.screen, SettingsScreen))
        screen = app.screen
        assert screen.query_one("#setting-server-port", Input).value == "9000"

        screen.query_one("#setting-server-port", Input).value = "9100"
        screen.query_one("#setting-csms-validation", Select).value = "strict"
        screen.query_one("#setting-csms-heartbeat-interval", Input).value = "120"
        screen.query_one("#setting-ui-theme", Select).value = "textual-light"
        screen.query_one("#setting-server-subprotocols-ocpp16", Checkbox).value = False
        await pilot.press("ctrl+s")
        outcome = str(screen.query_one("#settings-outcome", Static).render())

        assert "Saved to" in outcome and "After a restart of ocpp-tui: port, protocols" in outcome
        assert "Applied now: heartbeat interval, validation, theme" in outcome
        # Live: the running hub and the theme; the port waits for a restart.
        assert hub.config.validation is ValidationPolicy.STRICT
        assert hub.config.heartbeat_interval == 120
        assert app.theme == "textual-light"
        assert hub.config.port == 0
        saved = load_settings(path)
        assert saved.csms.port == 9100 and saved.csms.subprotocols == ("ocpp2.1", "ocpp2.0.1")
        assert "# Subprotocols offered, in order of preference." in path.read_text()

        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, SettingsScreen))


async def test_on_off_settings_show_their_whole_checkbox(app: OcppTuiApp) -> None:
    """A checkbox without a label (Sign CSRs, HTTPS, SFTP) is drawn whole, not as '▐X…'."""
    settings_file(app)
    app.listen = False
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("s")
        await until(pilot, lambda: isinstance(app.screen, SettingsScreen))
        await pilot.pause()
        for name in ("security-sign-csr", "files-https", "files-sftp"):
            box = app.screen.query_one(f"#setting-{name}", Checkbox)
            drawn = strip_text(box.render_line(0))
            assert drawn.startswith("▐X▌") and "…" not in drawn, (name, drawn)


async def test_a_bad_value_is_refused_with_key_and_line(app: OcppTuiApp) -> None:
    path = settings_file(app)
    app.listen = False
    async with app.run_test(size=SIZE) as pilot:
        app.action_settings()
        await until(pilot, lambda: isinstance(app.screen, SettingsScreen))
        screen = app.screen
        await until(pilot, lambda: screen.query("#setting-files-ftp-passive-ports"))
        screen.query_one("#setting-files-ftp-passive-ports", Input).value = "9-1"
        screen.action_save()
        await pilot.pause()
        outcome = str(screen.query_one("#settings-outcome", Static).render())
        line = DEFAULT_SETTINGS_TOML.splitlines().index('ftp_passive_ports = "30000-30009"') + 1
        assert outcome == (
            f"Not saved: {path}:{line}: [files] ftp_passive_ports: must be a range like 30000-30009"
        )
        assert path.read_text() == DEFAULT_SETTINGS_TOML


async def test_a_theme_picked_in_the_palette_is_kept(app: OcppTuiApp) -> None:
    path = settings_file(app)
    app.listen = False
    async with app.run_test(size=SIZE) as pilot:
        app.theme = "nord"
        await until(pilot, lambda: load_settings(path).ui.theme == "nord")
        assert "# Any Textual theme" in path.read_text()
