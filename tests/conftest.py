"""Shared fixtures: a real mini-CSMS on 127.0.0.1 and simulated chargers against it.

Helpers to import (a raw charger, waiting) are in tests/helpers.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from ocpptui.core.config import CsmsConfig
from ocpptui.core.hub import Hub
from tests.helpers import FAST_SIM, server_url, wait_for


@pytest.fixture(autouse=True)
def _private_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Never let a test touch the technician's real settings or logs."""
    monkeypatch.setenv("OCPP_TUI_HOME", str(tmp_path / "home"))


@pytest.fixture
async def hub(tmp_path: Path) -> AsyncIterator[Hub]:
    hub = Hub(CsmsConfig(port=0, call_timeout=5), sessions_dir=tmp_path / "sessions")
    await hub.start_server("127.0.0.1", 0)
    try:
        yield hub
    finally:
        await hub.stop()


@pytest.fixture
async def link_hub(tmp_path: Path) -> AsyncIterator[Hub]:
    """A hub with no WebSocket server: sessions come only from local links."""
    hub = Hub(CsmsConfig(call_timeout=5), sessions_dir=tmp_path / "sessions")
    try:
        yield hub
    finally:
        await hub.stop()


@pytest.fixture
async def start_sim(hub: Hub) -> AsyncIterator:
    """`await start_sim("CP-1", protocol="ocpp2.0.1", **options)`: a booted simulated charger."""
    from ocpptui.sim import SimulatedCharger, SimulatorOptions

    running: list[tuple[Any, asyncio.Task[None]]] = []

    async def start(identity: str = "CP-1", *, booted: bool = True, **options: Any):
        charger = SimulatedCharger(
            server_url(hub, identity), SimulatorOptions(**{**FAST_SIM, **options})
        )
        running.append((charger, asyncio.create_task(charger.run())))
        if booted:
            await charger.wait_until(lambda c: c.booted, timeout=5)
            await wait_for(
                lambda: (
                    hub.session_for(identity) is not None and hub.session_for(identity).state.booted
                )
            )
        return charger

    yield start
    for charger, task in running:
        await charger.stop()
        await task


@pytest.fixture
def cables() -> Iterator[list]:
    """`cables.append(PtyCable.create())`: every cable made in a test is pulled at its end."""
    made: list = []
    yield made
    for cable in made:
        cable.close()


@pytest.fixture
def new_cable(cables: list):
    from ocpptui.transports.pty_port import PtyCable

    def make():
        cable = PtyCable.create()
        cables.append(cable)
        return cable

    return make
