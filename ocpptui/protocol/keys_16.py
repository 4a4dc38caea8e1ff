"""The well-known OCPP 1.6 configuration keys (spec §9 and the security whitepaper ed. 2).

One table the configuration editor, the profile checker and the fallback reader share:
type, unit, accessibility, allowed values and a one-line meaning for each key. Values on the
wire are always strings; `check_value` says whether a string suits the key.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from ocpptui.wording import plural


class KeyType(StrEnum):
    BOOLEAN = "boolean"
    INTEGER = "integer"
    STRING = "string"
    CSL = "comma-separated list"


class Access(StrEnum):
    READ_ONLY = "R"
    READ_WRITE = "RW"
    WRITE_ONLY = "W"
    EITHER = "R/RW"  # the spec lets the charger decide


MEASURANDS = (
    "Current.Export",
    "Current.Import",
    "Current.Offered",
    "Energy.Active.Export.Register",
    "Energy.Active.Import.Register",
    "Energy.Reactive.Export.Register",
    "Energy.Reactive.Import.Register",
    "Energy.Active.Export.Interval",
    "Energy.Active.Import.Interval",
    "Energy.Reactive.Export.Interval",
    "Energy.Reactive.Import.Interval",
    "Frequency",
    "Power.Active.Export",
    "Power.Active.Import",
    "Power.Factor",
    "Power.Offered",
    "Power.Reactive.Export",
    "Power.Reactive.Import",
    "RPM",
    "SoC",
    "Temperature",
    "Voltage",
)

FEATURE_PROFILES = (
    "Core",
    "FirmwareManagement",
    "LocalAuthListManagement",
    "Reservation",
    "SmartCharging",
    "RemoteTrigger",
)


@dataclass(frozen=True, slots=True)
class KeyInfo:
    name: str
    type: KeyType
    access: Access
    profile: str
    required: bool
    meaning: str
    unit: str | None = None
    allowed: tuple[str, ...] = ()  # for CSL: the allowed items; for strings: the allowed values
    minimum: int | None = None
    maximum: int | None = None

    @property
    def writable(self) -> bool:
        return self.access is not Access.READ_ONLY


def _key(name, type_, access, profile, required, meaning, **extra) -> KeyInfo:
    return KeyInfo(name, type_, access, profile, required, meaning, **extra)


B, N, S, L = KeyType.BOOLEAN, KeyType.INTEGER, KeyType.STRING, KeyType.CSL
R, RW, W, RRW = Access.READ_ONLY, Access.READ_WRITE, Access.WRITE_ONLY, Access.EITHER

_KEYS = (
    # --- Core profile (§9.1)
    _key("AllowOfflineTxForUnknownId", B, RW, "Core", False,
         "Start transactions for unknown ids while offline"),
    _key("AuthorizationCacheEnabled", B, RW, "Core", False, "Keep an authorization cache"),
    _key("AuthorizeRemoteTxRequests", B, RRW, "Core", True,
         "Authorize remote start requests like a local start"),
    _key("BlinkRepeat", N, RW, "Core", False, "Times to blink the lights when signalling",
         unit="times", minimum=0),
    _key("ClockAlignedDataInterval", N, RW, "Core", True,
         "Clock-aligned meter data interval (0 = none)", unit="s", minimum=0),
    _key("ConnectionTimeOut", N, RW, "Core", True,
         "Seconds from Preparing until an unstarted transaction is cancelled", unit="s",
         minimum=0),
    _key("ConnectorPhaseRotation", L, RW, "Core", True,
         "Phase rotation per connector, e.g. 0.RST,1.RST"),
    _key("ConnectorPhaseRotationMaxLength", N, R, "Core", False,
         "Maximum items in ConnectorPhaseRotation"),
    _key("GetConfigurationMaxKeys", N, R, "Core", True,
         "Maximum keys in one GetConfiguration request"),
    _key("HeartbeatInterval", N, RW, "Core", True, "Seconds between heartbeats", unit="s",
         minimum=0),
    _key("LightIntensity", N, RW, "Core", False, "Light intensity", unit="%", minimum=0,
         maximum=100),
    _key("LocalAuthorizeOffline", B, RW, "Core", True, "Authorize locally while offline"),
    _key("LocalPreAuthorize", B, RW, "Core", True,
         "Start at once on a locally known id, authorize afterwards"),
    _key("MaxEnergyOnInvalidId", N, RW, "Core", False,
         "Energy delivered after an id turned out invalid", unit="Wh", minimum=0),
    _key("MeterValuesAlignedData", L, RW, "Core", True,
         "Measurands in clock-aligned MeterValues", allowed=MEASURANDS),
    _key("MeterValuesAlignedDataMaxLength", N, R, "Core", False,
         "Maximum items in MeterValuesAlignedData"),
    _key("MeterValuesSampledData", L, RW, "Core", True,
         "Measurands in sampled MeterValues during a transaction", allowed=MEASURANDS),
    _key("MeterValuesSampledDataMaxLength", N, R, "Core", False,
         "Maximum items in MeterValuesSampledData"),
    _key("MeterValueSampleInterval", N, RW, "Core", True,
         "Seconds between sampled MeterValues in a transaction (0 = none)", unit="s",
         minimum=0),
    _key("MinimumStatusDuration", N, RW, "Core", False,
         "Seconds a status must hold before it is reported", unit="s", minimum=0),
    _key("NumberOfConnectors", N, R, "Core", True, "Number of physical connectors"),
    _key("ResetRetries", N, RW, "Core", True, "Reset attempts when a reset fails", unit="times",
         minimum=0),
    _key("StopTransactionOnEVSideDisconnect", B, RW, "Core", True,
         "Stop the transaction when the cable is unplugged at the car"),
    _key("StopTransactionOnInvalidId", B, RW, "Core", True,
         "Stop the transaction when its id turns out invalid"),
    _key("StopTxnAlignedData", L, RW, "Core", True,
         "Clock-aligned measurands in StopTransaction", allowed=MEASURANDS),
    _key("StopTxnAlignedDataMaxLength", N, R, "Core", False,
         "Maximum items in StopTxnAlignedData"),
    _key("StopTxnSampledData", L, RW, "Core", True,
         "Sampled measurands in StopTransaction", allowed=MEASURANDS),
    _key("StopTxnSampledDataMaxLength", N, R, "Core", False,
         "Maximum items in StopTxnSampledData"),
    _key("SupportedFeatureProfiles", L, R, "Core", True, "Feature profiles supported",
         allowed=FEATURE_PROFILES),
    _key("SupportedFeatureProfilesMaxLength", N, R, "Core", False,
         "Maximum items in SupportedFeatureProfiles"),
    _key("TransactionMessageAttempts", N, RW, "Core", True,
         "Attempts to deliver a transaction message", unit="times", minimum=0),
    _key("TransactionMessageRetryInterval", N, RW, "Core", True,
         "Seconds between transaction message attempts", unit="s", minimum=0),
    _key("UnlockConnectorOnEVSideDisconnect", B, RW, "Core", True,
         "Unlock the connector when the cable is unplugged at the car"),
    _key("WebSocketPingInterval", N, RW, "Core", False,
         "Seconds between WebSocket pings (0 = off)", unit="s", minimum=0),
    # --- Local auth list management (§9.2)
    _key("LocalAuthListEnabled", B, RW, "LocalAuthListManagement", True,
         "Use the local authorization list"),
    _key("LocalAuthListMaxLength", N, R, "LocalAuthListManagement", True,
         "Maximum ids in the local authorization list"),
    _key("SendLocalListMaxLength", N, R, "LocalAuthListManagement", True,
         "Maximum ids in one SendLocalList"),
    # --- Reservation (§9.3)
    _key("ReserveConnectorZeroSupported", B, R, "Reservation", False,
         "Reservations of connector 0 (any connector) are supported"),
    # --- Smart charging (§9.4)
    _key("ChargeProfileMaxStackLevel", N, R, "SmartCharging", True,
         "Highest stackLevel of a charging profile"),
    _key("ChargingScheduleAllowedChargingRateUnit", L, R, "SmartCharging", True,
         "Charging rate units schedules may use", allowed=("Current", "Power")),
    _key("ChargingScheduleMaxPeriods", N, R, "SmartCharging", True,
         "Maximum periods in a charging schedule"),
    _key("ConnectorSwitch3to1PhaseSupported", B, R, "SmartCharging", False,
         "Can switch from 3 to 1 phase during a transaction"),
    _key("MaxChargingProfilesInstalled", N, R, "SmartCharging", True,
         "Maximum charging profiles installed at a time"),
    # --- Security whitepaper edition 2
    _key("AdditionalRootCertificateCheck", B, R, "Security", False,
         "Checks a new CSMS root certificate against the old one"),
    _key("AuthorizationKey", S, W, "Security", False,
         "Basic-auth password (hex), write-only; security profiles 1 and 2"),
    _key("CertificateSignedMaxChainSize", N, R, "Security", False,
         "Maximum size of a certificate chain in CertificateSigned", unit="bytes"),
    _key("CertificateStoreMaxLength", N, R, "Security", False,
         "Maximum installed certificates"),
    _key("CpoName", S, RW, "Security", False, "CPO name, checked in the CSMS certificate"),
    _key("SecurityProfile", N, RW, "Security", False,
         "Security profile in use: 0 none, 1 basic auth, 2 TLS + basic auth, 3 mutual TLS",
         minimum=0, maximum=3),
    _key("SupportedFileTransferProtocols", L, R, "Security", False,
         "File transfer protocols for firmware and logs",
         allowed=("FTP", "FTPS", "HTTP", "HTTPS", "SFTP")),
)  # fmt: skip

KEYS_16: dict[str, KeyInfo] = {info.name: info for info in _KEYS}


def key_info(name: str) -> KeyInfo | None:
    return KEYS_16.get(name)


def check_value(info: KeyInfo, value: str) -> str | None:
    """Why `value` does not suit the key, or None when it does."""
    if info.type is KeyType.BOOLEAN:
        if value.lower() not in ("true", "false"):
            return "must be true or false"
    elif info.type is KeyType.INTEGER:
        try:
            number = int(value)
        except ValueError:
            return "must be a whole number"
        if info.minimum is not None and number < info.minimum:
            return f"must be at least {info.minimum}"
        if info.maximum is not None and number > info.maximum:
            return f"must be at most {info.maximum}"
    elif info.type is KeyType.CSL and info.allowed:
        items = [item.strip() for item in value.split(",") if item.strip()]
        unknown = [item for item in items if item not in info.allowed]
        # Phase-qualified measurands ("Current.Import.L1") are written by some chargers.
        unknown = [item for item in unknown if item.rsplit(".", 1)[0] not in info.allowed]
        if unknown:
            return f"unknown {plural(len(unknown), 'item')}: {', '.join(unknown)}"
    return None
