"""Helpers for the commissioning screen's tests."""

from __future__ import annotations

from ocpptui.app.app import OcppTuiApp
from ocpptui.core.hub import Hub
from ocpptui.ui.commissioning.commissioning_screen import CommissioningScreen
from tests.ui.helpers import booted_charger, open_raw_charger, until


async def open_commissioning(pilot, app: OcppTuiApp, hub: Hub, identity: str, *, key: bool = False):
    """A raw charger booted and its commissioning screen (`key`: via `k` on its screen)."""
    boot = {"vendor": "[/]<b>", "model": "[bold"}
    if key:
        charger = await open_raw_charger(pilot, app, hub, identity, **boot)
        await pilot.press("k")
    else:
        charger = await booted_charger(pilot, hub, identity, **boot)
        await app.open_commissioning(identity)
    await until(pilot, lambda: isinstance(app.screen, CommissioningScreen))
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, CommissioningScreen) and screen.checklist is not None
    return charger, screen
