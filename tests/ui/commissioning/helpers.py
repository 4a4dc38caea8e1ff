"""Helpers for the commissioning screen's tests."""

from __future__ import annotations

from ocpptui.app.app import OcppTuiApp
from ocpptui.core.hub import Hub
from ocpptui.ui.chargers.charger_screen import ChargerScreen
from ocpptui.ui.commissioning.commissioning_screen import CommissioningScreen
from tests.helpers import connect_raw
from tests.ui.helpers import listening_port, until


async def open_commissioning(pilot, app: OcppTuiApp, hub: Hub, identity: str, *, key: bool = False):
    """A raw charger booted and its commissioning screen (`key`: via `k` on its screen)."""
    await listening_port(pilot, hub)
    charger = await connect_raw(hub, identity)
    await charger.boot_16(vendor="[/]<b>", model="[bold")
    await until(pilot, lambda: identity in hub.chargers)
    if key:
        await app.open_charger(identity)
        await until(pilot, lambda: isinstance(app.screen, ChargerScreen))
        await pilot.press("k")
    else:
        await app.open_commissioning(identity)
    await until(pilot, lambda: isinstance(app.screen, CommissioningScreen))
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, CommissioningScreen) and screen.checklist is not None
    return charger, screen
