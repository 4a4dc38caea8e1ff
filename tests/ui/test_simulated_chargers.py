"""The real simulator against the app: what a technician sees for a 1.6 and a 2.0.1 charger."""

from __future__ import annotations

import asyncio
import contextlib

from ocpptui.app.app import OcppTuiApp
from ocpptui.core.hub import Hub
from ocpptui.sim import SimulatedCharger, SimulatorOptions
from ocpptui.ui.chargers.charger_list import ChargerList
from ocpptui.ui.chargers.charger_screen import ChargerScreen
from tests.ui.helpers import SIZE, listening_port, until


async def test_simulated_chargers_show_connectors_and_a_transaction(
    app: OcppTuiApp, hub: Hub
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        port = await listening_port(pilot, hub)
        chargers = [
            SimulatedCharger(
                f"ws://127.0.0.1:{port}/ocpp/SIM-16",
                SimulatorOptions(
                    protocol="ocpp1.6",
                    vendor="Alpitronic",
                    model="HYC50",
                    connectors=2,
                    auto_transaction=True,
                    meter_interval=1,
                ),
            ),
            SimulatedCharger(
                f"ws://127.0.0.1:{port}/ocpp/SIM-201",
                SimulatorOptions(protocol="ocpp2.0.1", vendor="ABB", model="Terra", connectors=1),
            ),
        ]
        tasks = [asyncio.create_task(charger.run()) for charger in chargers]
        try:
            for charger in chargers:
                await charger.wait_until(lambda c: c.booted, timeout=5)
            table = app.screen.query_one(ChargerList)

            def cells(identity: str) -> list[str]:
                return [cell.plain for cell in table.get_row(identity)]

            await until(pilot, lambda: "SIM-201" in table.rows and "1/1:" in cells("SIM-201")[5])
            await until(pilot, lambda: "1:Charging" in cells("SIM-16")[5])
            assert cells("SIM-16")[1:3] == ["1.6", "Alpitronic HYC50"]
            assert cells("SIM-201")[1:3] == ["2.0.1", "ABB Terra"]

            await app.open_charger("SIM-16")
            await until(pilot, lambda: isinstance(app.screen, ChargerScreen))
            summary = app.screen.query_one("#summary")
            await until(pilot, lambda: "tag DEMO-TAG" in str(summary.render()))
            shown = str(summary.render())
            assert "Alpitronic" in shown and "1:Charging" in shown
            assert "frames.jsonl" in shown
        finally:
            for charger in chargers:
                with contextlib.suppress(Exception):
                    await charger.stop()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
