"""The standardized components and variables of OCPP 2.0.1 (Part 2, Appendix 3), as a table.

When a charging station refuses GetBaseReport, or accepts it and never sends the NotifyReport
parts, its configuration can still be read variable by variable with GetVariables, but only
for variables whose names are known in advance. This table holds the controller variables a
technician commissions (communication, sampled/aligned data, transactions, authorization,
device data limits, security, clock, local list, smart charging, reservations, ...) and the
station-, EVSE- and connector-level identity/availability variables.

`mutability` and `data_type` are what the specification prescribes (the station's report would
say; GetVariables does not), so a table filled by the fallback can still mark read-only
values. Write-only variables (SecurityCtrlr.BasicAuthPassword) are listed but never read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

Level = Literal["station", "evse", "connector"]
RO: Final = "ReadOnly"
RW: Final = "ReadWrite"
WO: Final = "WriteOnly"


@dataclass(frozen=True, slots=True)
class StandardVariable:
    component: str
    variable: str
    data_type: str
    mutability: str = RW
    variable_instance: str | None = None
    # station: one per station; evse: one per EVSE (evse.id); connector: per EVSE connector.
    level: Level = "station"

    @property
    def readable(self) -> bool:
        return self.mutability != WO

    @property
    def label(self) -> str:
        text = f"{self.component}.{self.variable}"
        return text + (f"[{self.variable_instance}]" if self.variable_instance else "")


def _vars(
    component: str, data_type: str, mutability: str, *names: str, level: Level = "station"
) -> list[StandardVariable]:
    return [StandardVariable(component, name, data_type, mutability, level=level) for name in names]


def _instances(
    component: str, variable: str, data_type: str, mutability: str, *instances: str
) -> list[StandardVariable]:
    return [
        StandardVariable(component, variable, data_type, mutability, variable_instance=instance)
        for instance in instances
    ]


_PER_MESSAGE = ("GetReport", "GetVariables", "SetVariables")

STANDARD_VARIABLES_201: Final[tuple[StandardVariable, ...]] = (
    # ChargingStation: identity and overall availability.
    *_vars("ChargingStation", "string", RO, "VendorName", "Model", "SerialNumber"),
    StandardVariable("ChargingStation", "AvailabilityState", "OptionList", RO),
    *_vars("ChargingStation", "boolean", RO, "Available", "Problem"),
    StandardVariable("ChargingStation", "SupplyPhases", "integer", RO),
    StandardVariable("ChargingStation", "AllowNewSessionsPendingFirmwareUpdate", "boolean"),
    # OCPPCommCtrlr
    StandardVariable("OCPPCommCtrlr", "ActiveNetworkProfile", "integer", RO),
    StandardVariable("OCPPCommCtrlr", "FileTransferProtocols", "MemberList", RO),
    StandardVariable("OCPPCommCtrlr", "HeartbeatInterval", "integer"),
    StandardVariable("OCPPCommCtrlr", "MessageTimeout", "integer", variable_instance="Default"),
    *_instances("OCPPCommCtrlr", "MessageAttemptInterval", "integer", RW, "TransactionEvent"),
    *_instances("OCPPCommCtrlr", "MessageAttempts", "integer", RW, "TransactionEvent"),
    StandardVariable("OCPPCommCtrlr", "NetworkConfigurationPriority", "SequenceList"),
    *_vars(
        "OCPPCommCtrlr",
        "integer",
        RW,
        "NetworkProfileConnectionAttempts",
        "OfflineThreshold",
        "ResetRetries",
        "RetryBackOffRandomRange",
        "RetryBackOffRepeatTimes",
        "RetryBackOffWaitMinimum",
        "WebSocketPingInterval",
    ),
    *_vars("OCPPCommCtrlr", "boolean", RW, "QueueAllMessages", "UnlockOnEVSideDisconnect"),
    StandardVariable("OCPPCommCtrlr", "PublicKeyWithSignedMeterValue", "OptionList"),
    # DeviceDataCtrlr: message size limits (ItemsPerMessage[GetVariables] sizes the fallback).
    *_instances("DeviceDataCtrlr", "ItemsPerMessage", "integer", RO, *_PER_MESSAGE),
    *_instances("DeviceDataCtrlr", "BytesPerMessage", "integer", RO, *_PER_MESSAGE),
    *_vars(
        "DeviceDataCtrlr",
        "integer",
        RO,
        "ConfigurationValueSize",
        "ReportingValueSize",
        "ValueSize",
    ),
    # SampledDataCtrlr / AlignedDataCtrlr: meter values.
    *_vars("SampledDataCtrlr", "boolean", RW, "Enabled", "SignReadings"),
    StandardVariable("SampledDataCtrlr", "Available", "boolean", RO),
    StandardVariable("SampledDataCtrlr", "RegisterValuesWithoutPhases", "boolean"),
    *_vars(
        "SampledDataCtrlr",
        "MemberList",
        RW,
        "TxEndedMeasurands",
        "TxStartedMeasurands",
        "TxUpdatedMeasurands",
    ),
    *_vars("SampledDataCtrlr", "integer", RW, "TxEndedInterval", "TxUpdatedInterval"),
    *_vars("AlignedDataCtrlr", "boolean", RW, "Enabled", "SendDuringIdle", "SignReadings"),
    StandardVariable("AlignedDataCtrlr", "Available", "boolean", RO),
    *_vars("AlignedDataCtrlr", "integer", RW, "Interval", "TxEndedInterval"),
    *_vars("AlignedDataCtrlr", "MemberList", RW, "Measurands", "TxEndedMeasurands"),
    # TxCtrlr
    *_vars("TxCtrlr", "integer", RW, "EVConnectionTimeOut", "MaxEnergyOnInvalidId"),
    *_vars(
        "TxCtrlr",
        "boolean",
        RW,
        "StopTxOnEVSideDisconnect",
        "StopTxOnInvalidId",
        "TxBeforeAcceptedEnabled",
    ),
    *_vars("TxCtrlr", "MemberList", RW, "TxStartPoint", "TxStopPoint"),
    # AuthCtrlr / AuthCacheCtrlr / LocalAuthListCtrlr
    *_vars(
        "AuthCtrlr",
        "boolean",
        RW,
        "Enabled",
        "AuthorizeRemoteStart",
        "DisableRemoteAuthorization",
        "LocalAuthorizeOffline",
        "LocalPreAuthorize",
        "OfflineTxForUnknownIdEnabled",
    ),
    StandardVariable("AuthCtrlr", "AdditionalInfoItemsPerMessage", "integer", RO),
    StandardVariable("AuthCtrlr", "MasterPassGroupId", "string"),
    *_vars("AuthCacheCtrlr", "boolean", RW, "Enabled", "DisablePostAuthorize"),
    StandardVariable("AuthCacheCtrlr", "Available", "boolean", RO),
    StandardVariable("AuthCacheCtrlr", "LifeTime", "integer"),
    StandardVariable("AuthCacheCtrlr", "Policy", "OptionList"),
    StandardVariable("AuthCacheCtrlr", "Storage", "integer", RO),
    *_vars("LocalAuthListCtrlr", "boolean", RW, "Enabled", "DisablePostAuthorize"),
    StandardVariable("LocalAuthListCtrlr", "Available", "boolean", RO),
    *_vars(
        "LocalAuthListCtrlr",
        "integer",
        RO,
        "Entries",
        "ItemsPerMessage",
        "BytesPerMessage",
        "Storage",
    ),
    # SecurityCtrlr (the password is write-only: never read).
    StandardVariable("SecurityCtrlr", "BasicAuthPassword", "string", WO),
    StandardVariable("SecurityCtrlr", "Identity", "string"),
    StandardVariable("SecurityCtrlr", "OrganizationName", "string"),
    StandardVariable("SecurityCtrlr", "SecurityProfile", "integer", RO),
    StandardVariable("SecurityCtrlr", "CertificateEntries", "integer", RO),
    StandardVariable("SecurityCtrlr", "AdditionalRootCertificateCheck", "boolean", RO),
    StandardVariable("SecurityCtrlr", "MaxCertificateChainSize", "integer", RO),
    *_vars("SecurityCtrlr", "integer", RW, "CertSigningWaitMinimum", "CertSigningRepeatTimes"),
    # ClockCtrlr
    StandardVariable("ClockCtrlr", "DateTime", "dateTime", RO),
    StandardVariable("ClockCtrlr", "TimeSource", "SequenceList"),
    StandardVariable("ClockCtrlr", "TimeZone", "string"),
    StandardVariable("ClockCtrlr", "TimeOffset", "string"),
    StandardVariable("ClockCtrlr", "NextTimeOffsetTransitionDateTime", "dateTime"),
    StandardVariable("ClockCtrlr", "TimeAdjustmentReportingThreshold", "integer"),
    StandardVariable("ClockCtrlr", "NtpSource", "OptionList"),
    # SmartChargingCtrlr
    *_vars(
        "SmartChargingCtrlr",
        "boolean",
        RW,
        "Enabled",
        "ExternalControlSignalsEnabled",
        "NotifyChargingLimitWithSchedules",
    ),
    *_vars(
        "SmartChargingCtrlr", "boolean", RO, "Available", "ACPhaseSwitchingSupported", "Phases3to1"
    ),
    StandardVariable(
        "SmartChargingCtrlr", "Entries", "integer", RO, variable_instance="ChargingProfiles"
    ),
    StandardVariable("SmartChargingCtrlr", "LimitChangeSignificance", "decimal"),
    *_vars("SmartChargingCtrlr", "integer", RO, "PeriodsPerSchedule", "ProfileStackLevel"),
    StandardVariable("SmartChargingCtrlr", "RateUnit", "MemberList", RO),
    # ReservationCtrlr
    StandardVariable("ReservationCtrlr", "Enabled", "boolean"),
    *_vars("ReservationCtrlr", "boolean", RO, "Available", "NonEvseSpecific"),
    # DisplayMessageCtrlr / MonitoringCtrlr / TariffCostCtrlr: whether they exist at all.
    StandardVariable("DisplayMessageCtrlr", "Enabled", "boolean"),
    StandardVariable("DisplayMessageCtrlr", "Available", "boolean", RO),
    StandardVariable("DisplayMessageCtrlr", "DisplayMessages", "integer", RO),
    StandardVariable("MonitoringCtrlr", "Enabled", "boolean"),
    StandardVariable("MonitoringCtrlr", "Available", "boolean", RO),
    StandardVariable("MonitoringCtrlr", "OfflineQueuingSeverity", "integer"),
    StandardVariable("TariffCostCtrlr", "Enabled", "boolean", variable_instance="Tariff"),
    StandardVariable("TariffCostCtrlr", "Enabled", "boolean", variable_instance="Cost"),
    StandardVariable("TariffCostCtrlr", "Currency", "string"),
    # EVSE and connector level: one set per EVSE the station has reported.
    StandardVariable("EVSE", "AvailabilityState", "OptionList", RO, level="evse"),
    StandardVariable("EVSE", "Available", "boolean", RO, level="evse"),
    StandardVariable("EVSE", "Power", "decimal", RO, level="evse"),
    StandardVariable("EVSE", "SupplyPhases", "integer", RO, level="evse"),
    StandardVariable("Connector", "AvailabilityState", "OptionList", RO, level="connector"),
    StandardVariable("Connector", "Available", "boolean", RO, level="connector"),
    StandardVariable("Connector", "ConnectorType", "string", RO, level="connector"),
    StandardVariable("Connector", "SupplyPhases", "integer", RO, level="connector"),
)


def standard_variable(
    component: str, variable: str, variable_instance: str | None = None
) -> StandardVariable | None:
    """The table's row for a component/variable (and instance), or None."""
    return _BY_NAME.get((component, variable, variable_instance))


_BY_NAME: Final = {
    (row.component, row.variable, row.variable_instance): row for row in STANDARD_VARIABLES_201
}
