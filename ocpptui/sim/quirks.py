"""Quirk switches: the ways real chargers break the specification, on demand.

Each quirk reproduces a behaviour seen in the field (lbbrhzn/ocpp, mobilityhouse/ocpp, evcc
issues) so the mini-CSMS can be tested against it: payloads that break their schema, answers
that never come, WebSocket handshakes a CSMS must refuse with a reason. `SimulatorOptions.quirks`
switches them on; `ocpp-tui simulate --quirk NAME` does the same from the command line.

Payload quirks work on the library's request dataclasses just before they are sent
(`misbehave`); the session then sends them with the library's schema validation skipped.
Transfer quirks (`installed-after-boot`, `status-before-answer`, `repeated-statuses`,
`fetches-twice`) change the order and number of the firmware and log status notifications
and file requests, as chargers in the field do (`sim.firmware`, `sim.diagnostics`,
`sim.session`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, Final

_V16: Final = "ocpp1.6"
_V201: Final = "ocpp2.0.1"
_V21: Final = "ocpp2.1"
# 2.1 keeps every 2.0.1 message a quirk bends (and the limits and enums each quirk breaks), so
# a 2.0.1 quirk shows the same way in 2.1.
_V2X: Final = frozenset({_V201, _V21})
_ALL: Final = frozenset({_V16, *_V2X})


@dataclasses.dataclass(frozen=True, slots=True)
class Quirk:
    name: str
    summary: str
    protocols: frozenset[str] = _ALL


_CATALOGUE: Final = (
    Quirk("long-serial", "BootNotification serial number longer than the schema's 25 characters"),
    Quirk("no-tz-timestamps", "timestamps without a time zone, e.g. 2026-11-25T10:00:00"),
    Quirk(
        "unknown-error-code",
        'StatusNotification errorCode "Error", which ChargePointErrorCode lacks',
        frozenset({_V16}),
    ),
    Quirk(
        "vendor-measurand",
        'MeterValues with a sample the schema refuses: 1.6 Frequency in "Hz" (the enum says '
        '"Hertz"), 2.x the 1.6 measurand "Temperature" that 2.0.1 dropped',
    ),
    Quirk("extra-property", "BootNotification with a property the schema does not define"),
    Quirk(
        "rejects-empty-getconfiguration",
        "GetConfiguration without keys is answered with a CallError (NotSupported)",
        frozenset({_V16}),
    ),
    Quirk(
        "rejects-key-lists",
        "GetConfiguration with more than one key is answered with a CallError (FormationViolation)",
        frozenset({_V16}),
    ),
    Quirk("ignores-getconfiguration", "GetConfiguration is never answered", frozenset({_V16})),
    Quirk(
        "rejects-getbasereport",
        "GetBaseReport is answered NotSupported for every report base",
        _V2X,
    ),
    Quirk(
        "no-notifyreport",
        "GetBaseReport is Accepted but no NotifyReport ever follows",
        _V2X,
    ),
    Quirk("drops-on-ping", "the charger drops the connection when the server sends a ping"),
    Quirk(
        "installed-after-boot",
        "Installed is reported after the reboot onto the new firmware (as 2.x chargers do), "
        "not before it",
        frozenset({_V16}),
    ),
    Quirk(
        "status-before-answer",
        "the first firmware/log status notification (Downloading, Uploading, ...) is sent "
        "before the answer to UpdateFirmware, GetDiagnostics or GetLog",
    ),
    Quirk(
        "repeated-statuses",
        "every firmware/log status is sent twice, and the last one again every "
        "status_repeat_interval, also after the transfer ended",
    ),
    Quirk(
        "fetches-twice",
        "the firmware image is downloaded twice (the second copy is the one installed) and a "
        "log is uploaded twice",
    ),
    Quirk("unsupported-subprotocol", "the handshake offers only the subprotocol ocpp1.5"),
    Quirk("no-subprotocol", "the handshake offers no subprotocol at all"),
)
QUIRKS: Final[Mapping[str, Quirk]] = {quirk.name: quirk for quirk in _CATALOGUE}

# CALLs the charger reads and then drops without any answer, by quirk.
_IGNORED_CALLS: Final = {"ignores-getconfiguration": "GetConfiguration"}
# An extra property as vendors add them (a diagnostic field the 1.6/2.x schemas lack).
EXTRA_PROPERTY: Final = ("mac_address", "02:00:5E:10:00:01")
# What a 1.6 firmware wrote when a fault had no better code (legal codes: ChargePointErrorCode).
UNKNOWN_ERROR_CODE: Final = "Error"
# Appended to the serial number: hardware revision and production batch, as some vendors do.
_LONG_SERIAL_SUFFIX: Final = "-PCBA-REV-C-2026W47-0042"
_TIMESTAMP_KEYS: Final = frozenset({"timestamp", "generated_at"})


def check_quirks(quirks: frozenset[str], protocol: str) -> None:
    """Raise ValueError for an unknown quirk or one the protocol cannot show."""
    for name in sorted(quirks):
        quirk = QUIRKS.get(name)
        if quirk is None:
            known = ", ".join(QUIRKS)
            raise ValueError(f"unknown quirk {name!r} (known: {known})")
        if protocol not in quirk.protocols:
            only = " and ".join(sorted(quirk.protocols, reverse=True))  # newest first
            raise ValueError(f"quirk {name!r} applies to {only} only, not {protocol}")
    if {"unsupported-subprotocol", "no-subprotocol"} <= quirks:
        raise ValueError("choose one of the quirks unsupported-subprotocol and no-subprotocol")


def offered_subprotocols(quirks: frozenset[str], protocol: str) -> tuple[str, ...]:
    """The Sec-WebSocket-Protocol offer of the handshake (empty: no header at all)."""
    if "no-subprotocol" in quirks:
        return ()
    if "unsupported-subprotocol" in quirks:
        return ("ocpp1.5",)
    return (protocol,)


def ignored_call(quirks: frozenset[str], action: str | None) -> bool:
    """True when a quirk makes the charger leave this incoming CALL unanswered."""
    return any(_IGNORED_CALLS[q] == action for q in quirks if q in _IGNORED_CALLS)


def long_serial(serial: str) -> str:
    return serial + _LONG_SERIAL_SUFFIX


def without_time_zone(text: str) -> str:
    """`2026-11-25T10:00:00.000Z` → `2026-11-25T10:00:00.000` (also drops +00:00)."""
    for suffix in ("Z", "+00:00"):
        if text.endswith(suffix):
            return text[: -len(suffix)]
    return text


def misbehave(payload: Any, quirks: frozenset[str], protocol: str) -> tuple[Any, bool]:
    """The request dataclass as the quirky charger sends it, and whether a quirk changed it.

    A changed payload usually breaks its schema on purpose, so the caller must send it with
    the library's validation skipped.
    """
    if not quirks:
        return payload, False
    action = type(payload).__name__
    original = payload
    if action == "BootNotification":
        if "long-serial" in quirks:
            payload = _with_long_serial(payload, protocol)
        if "extra-property" in quirks:
            payload = _with_extra_field(payload, *EXTRA_PROPERTY)
    if action == "StatusNotification" and "unknown-error-code" in quirks:
        payload = dataclasses.replace(payload, error_code=UNKNOWN_ERROR_CODE)
    if action == "MeterValues" and "vendor-measurand" in quirks:
        payload = dataclasses.replace(
            payload, meter_value=_with_vendor_sample(payload.meter_value, protocol)
        )
    if "no-tz-timestamps" in quirks:
        changes = {
            f.name: _strip_zones(getattr(payload, f.name), f.name)
            for f in dataclasses.fields(payload)
        }
        payload = dataclasses.replace(payload, **changes)
    return payload, payload != original or type(payload) is not type(original)


def _with_long_serial(payload: Any, protocol: str) -> Any:
    if protocol == _V16:
        return dataclasses.replace(
            payload,
            charge_point_serial_number=long_serial(payload.charge_point_serial_number or ""),
            charge_box_serial_number=long_serial(payload.charge_box_serial_number or ""),
        )
    station = dict(payload.charging_station)
    station["serial_number"] = long_serial(station.get("serial_number") or "")
    return dataclasses.replace(payload, charging_station=station)


def _with_extra_field(payload: Any, name: str, value: Any) -> Any:
    # The library names the action after the payload's class and serialises every dataclass
    # field (camelCased), so a subclass of the same name with one more field adds a property.
    base = type(payload)
    extended = dataclasses.make_dataclass(
        base.__name__,
        [(name, Any, dataclasses.field(default=value))],
        bases=(base,),
    )
    values = {f.name: getattr(payload, f.name) for f in dataclasses.fields(payload)}
    return extended(**values)


def _with_vendor_sample(meter_value: Any, protocol: str) -> Any:
    if not isinstance(meter_value, list):
        return meter_value
    if protocol == _V16:
        extra = {"value": "49.98", "context": "Sample.Periodic", "measurand": "Frequency"}
        extra["unit"] = "Hz"
    else:
        extra = {"value": 41.5, "measurand": "Temperature", "location": "Body"}
        extra["unit_of_measure"] = {"unit": "Celsius"}
    updated = []
    for entry in meter_value:
        if isinstance(entry, dict):
            samples = list(entry.get("sampled_value") or [])
            context = samples[0].get("context") if samples else None
            sample = {**extra, "context": context or extra.get("context")}
            entry = {**entry, "sampled_value": [*samples, sample]}
        updated.append(entry)
    return updated


def _strip_zones(value: Any, key: str | None = None) -> Any:
    if isinstance(value, str):
        return without_time_zone(value) if key in _TIMESTAMP_KEYS else value
    if isinstance(value, dict):
        return {k: _strip_zones(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_strip_zones(item) for item in value]
    return value
