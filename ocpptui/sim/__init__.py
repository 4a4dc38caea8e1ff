"""The built-in charger simulator: a charge point (OCPP 1.6J / 2.0.1 / 2.1) that talks to a CSMS.

It powers `ocpp-tui demo` and `ocpp-tui simulate`, and the project's tests. It never imports
the UI. Firmware updates really download the image over HTTP(S)/FTP (`sim.firmware`) and
diagnostics/logs are really uploaded (`sim.diagnostics`, `sim.transfer_client`).

    charger = SimulatedCharger("ws://127.0.0.1:9000/CP-1", SimulatorOptions(protocol="ocpp1.6"))
    task = asyncio.create_task(charger.run())
    await charger.wait_until(lambda c: c.booted, timeout=5)
    await charger.stop()
"""

from __future__ import annotations

from ocpptui.sim.charger import SimulatedCharger
from ocpptui.sim.diagnostics import DiagnosticsUpload
from ocpptui.sim.firmware import FirmwareDownload
from ocpptui.sim.link import (
    Link,
    LinkClosed,
    LinkFactory,
    WebSocketLink,
    identity_from_url,
    websocket_link_factory,
)
from ocpptui.sim.options import OCPP16, OCPP21, OCPP201, SUPPORTED_PROTOCOLS, SimulatorOptions
from ocpptui.sim.state import Transaction

__all__ = [
    "OCPP16",
    "OCPP21",
    "OCPP201",
    "SUPPORTED_PROTOCOLS",
    "DiagnosticsUpload",
    "FirmwareDownload",
    "Link",
    "LinkClosed",
    "LinkFactory",
    "SimulatedCharger",
    "SimulatorOptions",
    "Transaction",
    "WebSocketLink",
    "identity_from_url",
    "simulate",
    "websocket_link_factory",
]


async def simulate(url: str, options: SimulatorOptions | None = None) -> None:
    """Run one simulated charger against `url` until cancelled (the caller handles Ctrl-C)."""
    charger = SimulatedCharger(url, options)
    try:
        await charger.run()
    finally:
        await charger.stop()
