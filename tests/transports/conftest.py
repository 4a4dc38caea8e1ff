"""Local-link fixtures: a hub without a server, pty cables, the simulator behind a cable."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from ocpptui.core.hub import Hub
from ocpptui.core.link_supervisor import LinkSupervisor, serial_supervisor
from ocpptui.protocol.versions import OcppVersion
from ocpptui.transports.framing import FrameCodec, Framing
from ocpptui.transports.serial_link import SerialSettings
from tests.helpers import FAST_SIM


@pytest.fixture
async def serial_setup(link_hub: Hub, new_cable) -> AsyncIterator:
    """`await serial_setup(framing, protocol)`: supervisor on the slave, simulator on the master.

    Returns (supervisor, charger, cable) with the charger booted.
    """
    from ocpptui.sim import SimulatedCharger, SimulatorOptions

    running: list[tuple[LinkSupervisor, Any, asyncio.Task[None]]] = []

    async def start(
        framing: Framing = Framing.NDJSON,
        protocol: str = "ocpp1.6",
        identity: str = "CP-SER",
        **sim_options: Any,
    ):
        cable = new_cable()
        supervisor = serial_supervisor(
            link_hub,
            SerialSettings(cable.slave_path, framing=framing),
            identity=identity,
            version=OcppVersion.from_subprotocol(protocol),
            retry_interval=0.1,
        )
        await supervisor.start()
        charger = SimulatedCharger(
            options=SimulatorOptions(
                **{**FAST_SIM, "protocol": protocol, "identity": "SIM-SER", **sim_options}
            ),
            link_factory=cable.link_factory(FrameCodec(framing)),
        )
        task = asyncio.create_task(charger.run())
        running.append((supervisor, charger, task))
        await charger.wait_until(lambda c: c.booted, timeout=8)
        return supervisor, charger, cable

    yield start
    for supervisor, charger, task in running:
        await charger.stop()
        await task
        await supervisor.stop()
