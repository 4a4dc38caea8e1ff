"""Fixtures for the simulator tests: a recording CSMS peer and simulated chargers against it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from ocpptui.services.file_server import FileServer
from ocpptui.sim import SimulatedCharger, SimulatorOptions
from tests.helpers import loopback_file_server
from tests.sim.csms_peer import CsmsServer
from tests.sim.helpers import FAST, FileEvents, StartCharger


@pytest.fixture
async def csms() -> AsyncIterator[CsmsServer]:
    """A recording CSMS; at teardown (after the chargers stopped) no task may be left."""
    async with CsmsServer() as server:
        yield server
    await asyncio.sleep(0)
    leftovers = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    assert leftovers == [], f"tasks left behind: {leftovers}"


@pytest.fixture
async def start_charger(csms: CsmsServer) -> AsyncIterator[StartCharger]:
    """`await start_charger("CP-1", protocol=..., **options)`: a running charger, stopped after."""
    running: list[tuple[SimulatedCharger, asyncio.Task[None]]] = []

    async def start(identity: str = "CP-1", *, booted: bool = True, **options: Any):
        charger = SimulatedCharger(csms.url(identity), SimulatorOptions(**{**FAST, **options}))
        running.append((charger, asyncio.create_task(charger.run())))
        if booted:
            await charger.wait_until(lambda c: c.booted, timeout=5)
        return charger

    yield start
    for charger, task in running:
        await charger.stop()
        await task


@pytest.fixture
async def file_server(csms: CsmsServer, tmp_path: Path) -> AsyncIterator[FileServer]:
    """The laptop's real HTTP + FTP file server on 127.0.0.1 (stopped before the CSMS)."""
    async with loopback_file_server(tmp_path / "uploads") as server:
        yield server


@pytest.fixture
def file_events(file_server: FileServer) -> FileEvents:
    events = FileEvents()
    file_server.subscribe(events.append)
    return events
