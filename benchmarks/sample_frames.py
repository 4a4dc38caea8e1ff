"""OCPP 1.6 frames the benchmarks send: what a charger in a transaction sends most."""

from __future__ import annotations

import json
from typing import Any

#: A boot every load generator and benchmark sends first.
BOOT_PAYLOAD: dict[str, Any] = {"chargePointVendor": "Bench", "chargePointModel": "B-1"}

STATUS_PAYLOAD: dict[str, Any] = {
    "connectorId": 1,
    "errorCode": "NoError",
    "status": "Charging",
    "timestamp": "2026-11-25T12:00:00.000Z",
}


def meter_values_payload(energy_wh: int = 12_345, transaction_id: int = 1234) -> dict[str, Any]:
    """A MeterValues payload with ten sampled values (energy, power, per-phase V and A, SoC,
    temperature), as an AC charger with a measuring meter sends every interval."""
    samples: list[dict[str, Any]] = [
        {
            "value": str(energy_wh),
            "context": "Sample.Periodic",
            "measurand": "Energy.Active.Import.Register",
            "location": "Outlet",
            "unit": "Wh",
        },
        {"value": "7360.0", "measurand": "Power.Active.Import", "unit": "W"},
    ]
    for phase in ("L1", "L2", "L3"):
        samples.append({"value": "230.1", "measurand": "Voltage", "phase": phase, "unit": "V"})
        current = {"value": "10.7", "measurand": "Current.Import", "phase": phase, "unit": "A"}
        samples.append(current)
    samples.append({"value": "63", "measurand": "SoC", "unit": "Percent"})
    samples.append({"value": "41.5", "measurand": "Temperature", "unit": "Celsius"})
    return {
        "connectorId": 1,
        "transactionId": transaction_id,
        "meterValue": [{"timestamp": "2026-11-25T12:00:00.000Z", "sampledValue": samples}],
    }


def call(message_id: str, action: str, payload: dict[str, Any]) -> str:
    return json.dumps([2, message_id, action, payload], separators=(",", ":"))


#: (name, action, payload) of the frames the frame-path benchmark measures.
FRAME_PATH_CASES: list[tuple[str, str, dict[str, Any]]] = [
    ("Heartbeat", "Heartbeat", {}),
    ("StatusNotification", "StatusNotification", STATUS_PAYLOAD),
    ("MeterValues (10 sampled values)", "MeterValues", meter_values_payload()),
]
