"""`ocpp-tui demo`: three simulated chargers against the TUI's own mini-CSMS on loopback."""

from __future__ import annotations

import argparse
import asyncio
import contextlib

from ocpptui.cli.startup import load, make_hub, run_tui
from ocpptui.sim import SimulatedCharger, SimulatorOptions

#: Heartbeat interval the demo's mini-CSMS hands out, so the frame log moves visibly.
DEMO_HEARTBEAT_INTERVAL = 10

#: The demo's three chargers; the frozen showcase (tests/ui/showcase.py) draws the same ones.
DEMO_CHARGERS = (
    SimulatorOptions(
        protocol="ocpp1.6",
        vendor="Alpitronic",
        model="HYC50",
        serial="DEMO-16-0001",
        firmware="1.4.2",
        connectors=2,
        auto_transaction=True,
        meter_interval=5,
    ),
    SimulatorOptions(
        protocol="ocpp1.6",
        vendor="Keba",
        model="KC-P30",
        serial="DEMO-16-0002",
        firmware="3.10.57",
        connectors=1,
    ),
    SimulatorOptions(
        protocol="ocpp2.0.1",
        vendor="ABB",
        model="Terra AC W22",
        serial="DEMO-201-0003",
        firmware="1.8.21",
        connectors=1,
    ),
)
DEMO_IDENTITIES = ("DEMO-CP-1", "DEMO-CP-2", "DEMO-CP-3")


def run(args: argparse.Namespace) -> int:
    paths, settings = load(args)
    settings.csms.heartbeat_interval = DEMO_HEARTBEAT_INTERVAL
    hub = make_hub(settings, paths, None)
    return run_tui(
        settings, paths, hub, host="127.0.0.1", port=args.port, after_start=[demo_chargers]
    )


async def demo_chargers(port: int, host: str = "127.0.0.1") -> None:
    """Run the demo chargers against ws://host:port/ until cancelled."""
    chargers = [
        SimulatedCharger(f"ws://{host}:{port}/ocpp/{identity}", options)
        for identity, options in zip(DEMO_IDENTITIES, DEMO_CHARGERS, strict=True)
    ]
    tasks = [asyncio.create_task(charger.run()) for charger in chargers]
    try:
        await asyncio.gather(*tasks)
    finally:
        for charger in chargers:
            with contextlib.suppress(Exception):
                await charger.stop()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
