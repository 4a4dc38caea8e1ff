"""The OCPP 1.6 configuration key table of the simulated charger.

Keys, read-only flags and value types follow OCPP 1.6 edition 2 chapter 9 (Core, Local Auth
List Management, Reservation, Smart Charging and Firmware Management profiles) plus two vendor
keys. Values are validated the way a careful charger does, so a CSMS or a technician sees the
same Rejected / NotSupported / RebootRequired answers as in the field.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Literal

from ocpptui.sim.meter import DEFAULT_SAMPLED, MEASURANDS_V16
from ocpptui.sim.options import SimulatorOptions

ValueKind = Literal["int", "bool", "csl", "str", "phase_rotation"]
ChangeStatus = Literal["Accepted", "Rejected", "RebootRequired", "NotSupported"]

VENDOR_MAX_CURRENT = "SimChargerMaxCurrent"
VENDOR_LED_BRIGHTNESS = "SimChargerLedBrightness"

_PHASE_ROTATIONS = ("RST", "RTS", "SRT", "STR", "TRS", "TSR", "NotApplicable", "Unknown")
_INTEGER = re.compile(r"^-?\d+$")


@dataclass(frozen=True, slots=True)
class ConfigKey:
    """One configuration key with its type rules."""

    name: str
    value: str
    readonly: bool = False
    kind: ValueKind = "str"
    minimum: int | None = None
    maximum: int | None = None
    allowed: tuple[str, ...] = ()
    # For a CSL: the key whose value limits how many items the list may hold.
    max_items_key: str | None = None
    reboot_required: bool = False
    max_length: int = 500

    def as_entry(self) -> dict[str, object]:
        """The GetConfiguration.conf configurationKey entry (snake_case, as the library wants)."""
        return {"key": self.name, "readonly": self.readonly, "value": self.value}


def _int(
    name: str,
    value: int,
    *,
    readonly: bool = False,
    minimum: int | None = 0,
    maximum: int | None = None,
    reboot_required: bool = False,
) -> ConfigKey:
    return ConfigKey(
        name,
        str(value),
        readonly,
        "int",
        minimum=minimum,
        maximum=maximum,
        reboot_required=reboot_required,
    )


def _bool(name: str, value: bool, *, readonly: bool = False) -> ConfigKey:
    return ConfigKey(name, "true" if value else "false", readonly, "bool")


def _csl(
    name: str,
    value: str,
    allowed: Iterable[str],
    *,
    readonly: bool = False,
    max_items_key: str | None = None,
) -> ConfigKey:
    return ConfigKey(
        name, value, readonly, "csl", allowed=tuple(allowed), max_items_key=max_items_key
    )


def default_keys(options: SimulatorOptions) -> list[ConfigKey]:
    """The factory configuration of a charger with `options.connectors` connectors."""
    connectors = options.connectors
    meter_interval = options.meter_interval if options.meter_interval is not None else 60
    rotation = ",".join(f"{c}.RST" for c in range(connectors + 1))
    profiles = "Core,FirmwareManagement,LocalAuthListManagement,Reservation,SmartCharging," + (
        "RemoteTrigger"
    )
    measurands = MEASURANDS_V16
    return [
        # 9.1 Core profile
        _bool("AllowOfflineTxForUnknownId", False),
        _bool("AuthorizationCacheEnabled", True),
        _bool("AuthorizeRemoteTxRequests", True),
        _int("BlinkRepeat", 3, maximum=100),
        _int("ClockAlignedDataInterval", 0, maximum=86_400),
        _int("ConnectionTimeOut", 60, minimum=1, maximum=3_600),
        ConfigKey("ConnectorPhaseRotation", rotation, kind="phase_rotation"),
        _int("ConnectorPhaseRotationMaxLength", connectors + 1, readonly=True),
        _int("GetConfigurationMaxKeys", 50, readonly=True),
        _int("HeartbeatInterval", options.heartbeat_interval, minimum=1, maximum=86_400),
        _int("LightIntensity", 80, maximum=100),
        _bool("LocalAuthorizeOffline", True),
        _bool("LocalPreAuthorize", False),
        _int("MaxEnergyOnInvalidId", 0),
        _csl(
            "MeterValuesAlignedData",
            "Energy.Active.Import.Register",
            measurands,
            max_items_key="MeterValuesAlignedDataMaxLength",
        ),
        _int("MeterValuesAlignedDataMaxLength", 8, readonly=True),
        _csl(
            "MeterValuesSampledData",
            DEFAULT_SAMPLED,
            measurands,
            max_items_key="MeterValuesSampledDataMaxLength",
        ),
        _int("MeterValuesSampledDataMaxLength", 8, readonly=True),
        _int("MeterValueSampleInterval", meter_interval, maximum=86_400),
        _int("MinimumStatusDuration", 0, maximum=3_600),
        _int("NumberOfConnectors", connectors, readonly=True),
        _int("ResetRetries", 3, maximum=10),
        _bool("StopTransactionOnEVSideDisconnect", True),
        _bool("StopTransactionOnInvalidId", True),
        _csl("StopTxnAlignedData", "", measurands, max_items_key="StopTxnAlignedDataMaxLength"),
        _int("StopTxnAlignedDataMaxLength", 8, readonly=True),
        _csl(
            "StopTxnSampledData",
            "Energy.Active.Import.Register",
            measurands,
            max_items_key="StopTxnSampledDataMaxLength",
        ),
        _int("StopTxnSampledDataMaxLength", 8, readonly=True),
        _csl("SupportedFeatureProfiles", profiles, (), readonly=True),
        _int("SupportedFeatureProfilesMaxLength", 6, readonly=True),
        _int("TransactionMessageAttempts", 3, maximum=10),
        _int("TransactionMessageRetryInterval", 60, maximum=3_600),
        _bool("UnlockConnectorOnEVSideDisconnect", True),
        # The websocket ping interval is a property of the connection: applied at reconnect.
        _int("WebSocketPingInterval", 30, maximum=3_600, reboot_required=True),
        # 9.2 Local Auth List Management profile
        _bool("LocalAuthListEnabled", True),
        _int("LocalAuthListMaxLength", 1_000, readonly=True),
        _int("SendLocalListMaxLength", 100, readonly=True),
        # 9.3 Reservation profile
        _bool("ReserveConnectorZeroSupported", False, readonly=True),
        # 9.4 Smart Charging profile
        _int("ChargeProfileMaxStackLevel", 8, readonly=True),
        _csl("ChargingScheduleAllowedChargingRateUnit", "Current,Power", (), readonly=True),
        _int("ChargingScheduleMaxPeriods", 24, readonly=True),
        _bool("ConnectorSwitch3to1PhaseSupported", False, readonly=True),
        _int("MaxChargingProfilesInstalled", 16, readonly=True),
        # Security whitepaper / firmware management: what the file server must offer.
        _csl("SupportedFileTransferProtocols", options.file_transfer_protocols, (), readonly=True),
        # Vendor keys, as real chargers add them (prefixed with the product name).
        _int(
            VENDOR_MAX_CURRENT,
            int(options.max_current_a),
            minimum=6,
            maximum=int(options.max_current_a),
        ),
        _int(VENDOR_LED_BRIGHTNESS, 80, maximum=100),
    ]


class ConfigurationV16:
    """The live configuration of one simulated 1.6 charger.

    Keys are matched case-insensitively (keys are CiString50). Values the charger only applies
    after a reboot are kept aside and applied by `apply_pending()` when it "reboots".
    """

    def __init__(self, options: SimulatorOptions) -> None:
        self._keys: dict[str, ConfigKey] = {k.name.lower(): k for k in default_keys(options)}
        self._pending: dict[str, str] = {}
        self._listeners: list[Callable[[str, str], None]] = []

    def subscribe(self, listener: Callable[[str, str], None]) -> None:
        """Call `listener(key, value)` whenever a value takes effect."""
        self._listeners.append(listener)

    def keys(self) -> list[ConfigKey]:
        return list(self._keys.values())

    def as_dict(self) -> dict[str, str]:
        return {key.name: key.value for key in self._keys.values()}

    def lookup(self, name: str) -> ConfigKey | None:
        return self._keys.get(name.lower())

    def get(self, name: str) -> str:
        key = self.lookup(name)
        if key is None:
            raise KeyError(name)
        return key.value

    def get_int(self, name: str) -> int:
        return int(self.get(name))

    def get_bool(self, name: str) -> bool:
        return self.get(name).lower() == "true"

    def get_list(self, name: str) -> list[str]:
        return [item.strip() for item in self.get(name).split(",") if item.strip()]

    @property
    def pending(self) -> dict[str, str]:
        """Accepted values waiting for a reboot."""
        return dict(self._pending)

    def get_configuration(
        self, requested: Iterable[str] | None
    ) -> tuple[list[dict[str, object]], list[str]]:
        """(configurationKey entries, unknownKey names) for a GetConfiguration request."""
        names = list(requested or [])
        if not names:
            return [key.as_entry() for key in self._keys.values()], []
        known: list[dict[str, object]] = []
        unknown: list[str] = []
        for name in names:
            key = self.lookup(name)
            if key is None:
                unknown.append(name)
            else:
                known.append(key.as_entry())
        return known, unknown

    def change(self, name: str, value: str) -> ChangeStatus:
        """Validate and apply a ChangeConfiguration request; return its status."""
        key = self.lookup(name)
        if key is None:
            return "NotSupported"
        if key.readonly:
            return "Rejected"
        normalised = self._validate(key, value)
        if normalised is None:
            return "Rejected"
        if key.reboot_required:
            self._pending[key.name] = normalised
            return "RebootRequired"
        self.set(key.name, normalised)
        return "Accepted"

    def set(self, name: str, value: str) -> None:
        """Set a value unconditionally (the charger itself, e.g. from the boot interval)."""
        key = self._keys[name.lower()]
        if key.value == value:
            return
        self._keys[name.lower()] = replace(key, value=value)
        for listener in self._listeners:
            listener(key.name, value)

    def apply_pending(self) -> None:
        """Apply values that were accepted with RebootRequired (called on reboot)."""
        pending, self._pending = self._pending, {}
        for name, value in pending.items():
            self.set(name, value)

    def _validate(self, key: ConfigKey, value: str) -> str | None:
        """The value as stored, or None when the charger must reject it."""
        if len(value) > key.max_length:
            return None
        if key.kind == "int":
            if not _INTEGER.match(value.strip()):
                return None
            number = int(value)
            if key.minimum is not None and number < key.minimum:
                return None
            if key.maximum is not None and number > key.maximum:
                return None
            return str(number)
        if key.kind == "bool":
            lowered = value.strip().lower()
            return lowered if lowered in ("true", "false") else None
        if key.kind == "csl":
            items = [item.strip() for item in value.split(",") if item.strip()]
            if key.allowed and any(item not in key.allowed for item in items):
                return None
            if key.max_items_key is not None and len(items) > self.get_int(key.max_items_key):
                return None
            return ",".join(items)
        if key.kind == "phase_rotation":
            return self._validate_phase_rotation(value)
        return value

    def _validate_phase_rotation(self, value: str) -> str | None:
        # Format per 1.6 §9.1.7: "<connectorId>.<rotation>" items, e.g. "0.RST,1.RST,2.RTS".
        connectors = self.get_int("NumberOfConnectors")
        items = [item.strip() for item in value.split(",") if item.strip()]
        if not items or len(items) > self.get_int("ConnectorPhaseRotationMaxLength"):
            return None
        for item in items:
            connector, _, rotation = item.partition(".")
            if not connector.isdigit() or int(connector) > connectors:
                return None
            if rotation not in _PHASE_ROTATIONS:
                return None
        return ",".join(items)
