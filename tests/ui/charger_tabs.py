"""Helpers for the charger screen's tabs: a simulated charger opened on a given tab."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from textual.message import Message
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Input

from ocpptui.app.app import OcppTuiApp
from ocpptui.core.hub import Hub
from ocpptui.ui.chargers.charger_screen import TABS, ChargerScreen
from tests.ui.helpers import SIZE, listening_port, until

#: Seconds a test waits for the charger's answers (generous: CI machines can be busy).
WAIT = 10.0

W = TypeVar("W", bound=Widget)
M = TypeVar("M", bound=Message)


async def open_tab(
    pilot: Pilot,
    app: OcppTuiApp,
    hub: Hub,
    start_sim: Callable[..., Any],
    tab: str,
    panel_type: type[W],
    *,
    identity: str = "CP-1",
    **sim_options: Any,
) -> tuple[Any, W]:
    """Start a booted simulator, open its charger screen on `tab` (by its digit key)."""
    await listening_port(pilot, hub)
    sim = await start_sim(identity, **sim_options)
    await app.open_charger(identity)
    await wait_until(pilot, lambda: isinstance(app.screen, ChargerScreen))
    number = [pane for pane, _ in TABS].index(tab) + 1
    await pilot.press(str(number))
    await wait_until(pilot, lambda: bool(app.screen.query(panel_type)))
    panel = app.screen.query_one(panel_type)
    await wait_until(
        pilot,
        lambda: app.screen.focused is not None and panel in app.screen.focused.ancestors_with_self,
    )
    return sim, panel


@asynccontextmanager
async def charger_tab(
    app: OcppTuiApp,
    hub: Hub,
    start_sim: Callable[..., Any],
    tab: str,
    panel_type: type[W],
    **sim_options: Any,
) -> AsyncIterator[tuple[Pilot, W, list[Message], Any]]:
    """The app running at SIZE, every message it handles put in `seen`, a booted simulator's
    charger screen open on `tab`: yields (pilot, panel, seen, sim). The `charger_tab`
    fixture has the app, hub and start_sim filled in."""
    seen: list[Message] = []
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        sim, panel = await open_tab(pilot, app, hub, start_sim, tab, panel_type, **sim_options)
        yield pilot, panel, seen, sim


async def type_into(pilot: Pilot, field: Input, text: str) -> None:
    """Replace `field`'s text and submit it with enter."""
    field.focus()
    field.value = text
    await pilot.press("enter")


async def wait_until(pilot: Pilot, predicate: Callable[[], object], timeout: float = WAIT) -> None:
    """`until` with a timeout fit for a round trip to the simulator."""
    await until(pilot, predicate, timeout)


def of_type(seen: list[Message], kind: type[M]) -> list[M]:
    """Messages of `kind` in the order first seen (a bubbling message is seen once per hop)."""
    unique = {id(message): message for message in seen if isinstance(message, kind)}
    return list(unique.values())


def sent_actions(hub: Hub, identity: str = "CP-1") -> list[str]:
    """Actions of the CALLs ocpp-tui sent to the charger, oldest first."""
    return [
        frame.action or ""
        for frame in hub.chargers[identity].frames
        if frame.message_type == 2 and frame.direction.value == "out"
    ]
