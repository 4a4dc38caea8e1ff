"""Which actions exist in each OCPP version, who sends them, and a template payload for each.

The schemas come from the `ocpp` package; which side initiates an action is not in them, so
it is listed here from the specifications (1.6 with the security whitepaper ed. 2, 2.0.1, 2.1).
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import ocpp

from ocpptui.protocol.timestamps import ocpp_timestamp
from ocpptui.protocol.versions import OcppVersion


class Direction(StrEnum):
    """Who initiates the action."""

    CHARGER = "charger"  # charging station → CSMS
    CSMS = "csms"  # CSMS → charging station
    BOTH = "both"


_CHARGER_16 = {
    "Authorize",
    "BootNotification",
    "DiagnosticsStatusNotification",
    "FirmwareStatusNotification",
    "Heartbeat",
    "MeterValues",
    "StartTransaction",
    "StatusNotification",
    "StopTransaction",
    # security whitepaper edition 2
    "LogStatusNotification",
    "SecurityEventNotification",
    "SignCertificate",
    "SignedFirmwareStatusNotification",
}

_CHARGER_201 = {
    "Authorize",
    "BootNotification",
    "ClearedChargingLimit",
    "FirmwareStatusNotification",
    "Get15118EVCertificate",
    "GetCertificateStatus",
    "Heartbeat",
    "LogStatusNotification",
    "MeterValues",
    "NotifyChargingLimit",
    "NotifyCustomerInformation",
    "NotifyDisplayMessages",
    "NotifyEVChargingNeeds",
    "NotifyEVChargingSchedule",
    "NotifyEvent",
    "NotifyMonitoringReport",
    "NotifyReport",
    "PublishFirmwareStatusNotification",
    "ReportChargingProfiles",
    "ReservationStatusUpdate",
    "SecurityEventNotification",
    "SignCertificate",
    "StatusNotification",
    "TransactionEvent",
}

_CHARGER_21 = _CHARGER_201 | {
    "BatterySwap",
    "ClosePeriodicEventStream",
    "GetCertificateChainStatus",
    "NotifyDERAlarm",
    "NotifyDERStartStop",
    "NotifyPeriodicEventStream",
    "NotifyPriorityCharging",
    "NotifySettlement",
    "OpenPeriodicEventStream",
    "PullDynamicScheduleUpdate",
    "ReportDERControl",
    "VatNumberValidation",
}

_CHARGER_INITIATED = {
    OcppVersion.V16: frozenset(_CHARGER_16),
    OcppVersion.V201: frozenset(_CHARGER_201),
    OcppVersion.V21: frozenset(_CHARGER_21),
}

#: 2.1 actions sent as SEND (message type 6): no response is due.
SEND_ONLY_ACTIONS = frozenset({"NotifyPeriodicEventStream"})


@dataclass(frozen=True, slots=True)
class ActionInfo:
    name: str
    version: OcppVersion
    direction: Direction
    request_schema: dict[str, Any]
    response_schema: dict[str, Any] | None

    @property
    def charger_initiated(self) -> bool:
        return self.direction in (Direction.CHARGER, Direction.BOTH)

    @property
    def csms_initiated(self) -> bool:
        return self.direction in (Direction.CSMS, Direction.BOTH)


def _schema_dir(version: OcppVersion) -> Path:
    return Path(ocpp.__file__).parent / ("v" + version.value.replace(".", "")) / "schemas"


def _load_schema(path: Path) -> dict[str, Any]:
    # 2.0.1 schema files start with a byte order mark.
    return json.loads(path.read_text(encoding="utf-8-sig"))


@functools.cache
def actions(version: OcppVersion) -> dict[str, ActionInfo]:
    """Every action of `version`, by name, read from the `ocpp` package's schema files."""
    folder = _schema_dir(version)
    request_suffix = "Request.json" if version.is_2x else ".json"
    found: dict[str, ActionInfo] = {}
    for path in sorted(folder.glob("*.json")):
        name = path.name
        if name.endswith("Response.json"):
            continue
        if version.is_2x and not name.endswith(request_suffix):
            # SEND-only messages have no Request/Response pair in their file name.
            action = name.removesuffix(".json")
        else:
            action = name.removesuffix(request_suffix)
        response_path = folder / f"{action}Response.json"
        if action == "DataTransfer":
            direction = Direction.BOTH
        elif action in _CHARGER_INITIATED[version]:
            direction = Direction.CHARGER
        else:
            direction = Direction.CSMS
        found[action] = ActionInfo(
            name=action,
            version=version,
            direction=direction,
            request_schema=_load_schema(path),
            response_schema=_load_schema(response_path) if response_path.exists() else None,
        )
    return found


def charger_initiated_actions(version: OcppVersion) -> list[str]:
    return sorted(a.name for a in actions(version).values() if a.charger_initiated)


def csms_initiated_actions(version: OcppVersion) -> list[str]:
    return sorted(a.name for a in actions(version).values() if a.csms_initiated)


def template_payload(version: OcppVersion, action: str) -> dict[str, Any]:
    """A payload with every required field filled with a plausible value (for the composer)."""
    info = actions(version)[action]
    schema = info.request_schema
    return _example(schema, schema, name=action)


def _resolve(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if not ref:
        return schema
    target: Any = root
    for part in ref.removeprefix("#/").split("/"):
        target = target[part]
    return _resolve(target, root)


def _example(schema: dict[str, Any], root: dict[str, Any], name: str = "") -> Any:
    schema = _resolve(schema, root)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = kind[0]
    if kind == "object" or "properties" in schema:
        properties = schema.get("properties", {})
        return {
            key: _example(properties[key], root, key)
            for key in schema.get("required", [])
            if key in properties
        }
    if kind == "array":
        item = _example(schema.get("items", {}), root, name)
        return [item] * max(1, schema.get("minItems", 1))
    if kind == "integer":
        # 2.1 schemas write integer minimums as floats ("minimum": 0.0).
        return int(max(schema.get("minimum", 1 if name.lower().endswith("id") else 0), 0))
    if kind == "number":
        return schema.get("minimum", 0.0)
    if kind == "boolean":
        return False
    if kind == "string":
        if schema.get("format") == "date-time" or "timestamp" in name.lower():
            return ocpp_timestamp(milliseconds=False)
        if schema.get("format") == "uri" or name.lower() in ("location", "url"):
            return "http://example.invalid/file"
        return ""[: schema.get("maxLength", 0)]
    return None
