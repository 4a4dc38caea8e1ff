"""Helpers for the UI tests: the test terminal's size, waiting on the app, a raw charger
booted against the app, what a widget shows."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from textual.pilot import Pilot
from textual.strip import Strip
from textual.widget import Widget

from ocpptui.app.app import OcppTuiApp
from ocpptui.core.hub import Hub
from ocpptui.ui.chargers.charger_screen import ChargerScreen
from tests.helpers import RawCharger, connect_raw

SIZE = (120, 40)


async def until(pilot: Pilot, predicate: Callable[[], object], timeout: float = 5.0) -> None:
    """Let the app run until `predicate()` is true (fails the test after `timeout`)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        await pilot.pause(0.02)


async def listening_port(pilot: Pilot, hub: Hub) -> int:
    """Wait for the app's server worker to bind; returns the port."""
    await until(pilot, lambda: hub.servers)
    return hub.servers[0].port


async def booted_charger(pilot: Pilot, hub: Hub, identity: str = "CP-1", **boot: str) -> RawCharger:
    """A raw 1.6 charger connected to the app's server and booted (`boot`: its vendor and
    model), once the hub lists it."""
    await listening_port(pilot, hub)
    charger = await connect_raw(hub, identity)
    await charger.boot_16(**boot)
    await until(pilot, lambda: identity in hub.chargers)
    return charger


async def open_raw_charger(
    pilot: Pilot, app: OcppTuiApp, hub: Hub, identity: str = "CP-1", **boot: str
) -> RawCharger:
    """`booted_charger`, then its charger screen open."""
    charger = await booted_charger(pilot, hub, identity, **boot)
    await app.open_charger(identity)
    await until(pilot, lambda: isinstance(app.screen, ChargerScreen))
    return charger


def strip_text(strip: Strip) -> str:
    return "".join(segment.text for segment in strip)


def rendered_lines(widget: Widget) -> list[str]:
    """What a Line-API widget shows, line by line, as plain text."""
    height = widget.scrollable_content_region.height
    return [strip_text(widget.render_line(y)) for y in range(height)]
