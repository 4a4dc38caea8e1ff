"""The app with a file server on loopback (ports chosen by the OS) and a simulated charger."""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from ocpptui.app.app import OcppTuiApp, make_app
from ocpptui.core.hub import Hub
from ocpptui.paths import Paths
from ocpptui.settings.model import Settings
from ocpptui.sim import SimulatedCharger, SimulatorOptions
from tests.helpers import FAST_SIM
from tests.ui.helpers import listening_port, until


def loopback_settings() -> Settings:
    """Settings whose file server binds 127.0.0.1 on free ports and advertises 127.0.0.1."""
    settings = Settings()
    files = settings.files
    files.bind_host = "127.0.0.1"
    files.advertise_host = "127.0.0.1"
    files.http_port = 0
    files.ftp_port = 0
    first = random.randrange(40_000, 60_000, 10)
    files.ftp_passive_ports = (first, first + 9)
    return settings


def transfer_app(tmp_path: Path, hub: Hub) -> OcppTuiApp:
    app = make_app(loopback_settings(), Paths.under(tmp_path), hub, host="127.0.0.1", port=0)
    app.animation_level = "none"
    return app


@contextlib.asynccontextmanager
async def simulated(
    pilot: Pilot, hub: Hub, identity: str, **options: Any
) -> AsyncIterator[SimulatedCharger]:
    """A booted simulated charger against the app's server, stopped afterwards."""
    port = await listening_port(pilot, hub)
    charger = SimulatedCharger(
        f"ws://127.0.0.1:{port}/ocpp/{identity}",
        SimulatorOptions(**{**FAST_SIM, **options}),
    )
    task = asyncio.create_task(charger.run())
    try:
        await charger.wait_until(lambda c: c.booted, timeout=5)
        await until(
            pilot,
            lambda: (
                hub.session_for(identity) is not None and hub.session_for(identity).state.booted
            ),
        )
        yield charger
    finally:
        with contextlib.suppress(Exception):
            await charger.stop()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
