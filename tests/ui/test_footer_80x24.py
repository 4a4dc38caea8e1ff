"""At 80x24 every screen's footer fits its width and still shows help and quit.

Walks the real app through the screens a technician uses, with a simulated charger connected,
and reads the footer each screen shows.
"""

from __future__ import annotations

from textual.pilot import Pilot
from textual.widgets._footer import FooterKey

from ocpptui.app.app import OcppTuiApp
from ocpptui.core.hub import Hub
from ocpptui.ui.chargers.charger_screen import ChargerScreen
from ocpptui.ui.chargers.connections_screen import ConnectionsScreen
from ocpptui.ui.chargers.main_screen import MainScreen
from ocpptui.ui.commissioning.commissioning_screen import CommissioningScreen
from ocpptui.ui.common.key_footer import KeyFooter
from ocpptui.ui.settings.settings_screen import SettingsScreen
from ocpptui.ui.transfers.diagnostics_screen import DiagnosticsScreen
from ocpptui.ui.transfers.firmware_screen import FirmwareScreen
from tests.ui.charger_tabs import wait_until
from tests.ui.helpers import listening_port

NARROW = (80, 24)


def _footer_keys(app: OcppTuiApp) -> list[FooterKey]:
    footer = app.screen.query_one(KeyFooter)
    return list(footer.query(FooterKey))


async def _check_footer(pilot: Pilot, app: OcppTuiApp, where: str) -> list[str]:
    # The footer recomposes when the focus moves; wait until its keys are laid out.
    await wait_until(
        pilot, lambda: (keys := _footer_keys(app)) and all(key.region.width for key in keys)
    )
    keys = _footer_keys(app)
    actions = [key.action for key in keys]
    assert any(action.endswith("help") for action in actions), f"{where}: no help key {actions}"
    assert any(action.endswith("quit") for action in actions), f"{where}: no quit key {actions}"
    for key in keys:
        # Every key sits wholly inside the screen: nothing cut at the right edge.
        assert key.region.right <= NARROW[0], f"{where}: {key.action} at {key.region}"
    return actions


async def _back_to(pilot: Pilot, app: OcppTuiApp, screen: type) -> None:
    await pilot.press("escape")
    await wait_until(pilot, lambda: isinstance(app.screen, screen))


async def test_every_screen_keeps_help_and_quit_at_80_columns(
    app: OcppTuiApp, hub: Hub, start_sim
) -> None:
    async with app.run_test(size=NARROW) as pilot:
        await listening_port(pilot, hub)
        await start_sim("CP-1")
        main = await _check_footer(pilot, app, "main")
        assert len(main) > 3  # the screen's own keys are there too, not only the pinned ones

        await app.open_charger("CP-1")
        await wait_until(pilot, lambda: isinstance(app.screen, ChargerScreen))
        await pilot.pause(0.1)
        for tab in "1234":
            await pilot.press(tab)
            await pilot.pause(0.1)
            await _check_footer(pilot, app, f"charger tab {tab}")
        await pilot.press("1")

        for key, screen in (
            ("u", FirmwareScreen),
            ("g", DiagnosticsScreen),
            ("k", CommissioningScreen),
        ):
            app.screen.query_one("#charger-frames").focus()
            await pilot.press(key)
            await wait_until(pilot, lambda screen=screen: isinstance(app.screen, screen))
            await pilot.pause(0.1)
            await _check_footer(pilot, app, screen.__name__)
            await _back_to(pilot, app, ChargerScreen)

        await _back_to(pilot, app, MainScreen)
        for key, screen in (("s", SettingsScreen), ("n", ConnectionsScreen)):
            await pilot.press(key)
            await wait_until(pilot, lambda screen=screen: isinstance(app.screen, screen))
            await pilot.pause(0.1)
            await _check_footer(pilot, app, screen.__name__)
            await _back_to(pilot, app, MainScreen)
