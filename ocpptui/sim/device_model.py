"""The OCPP 2.0.1 device model of the simulated charger: components, variables, attributes.

Component and variable names follow the 2.0.1 Part 2 appendix (standardized components) plus
one vendor component, with the mutability and characteristics a real station reports. Names are
matched case-insensitively, as the specification requires. All dictionaries here use the
snake_case keys the `ocpp` library converts to and from the wire's camelCase.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from ocpptui.protocol.timestamps import parse_timestamp
from ocpptui.sim.meter import DEFAULT_SAMPLED, ENERGY, MEASURANDS_V201
from ocpptui.sim.options import SimulatorOptions

READ_ONLY = "ReadOnly"
READ_WRITE = "ReadWrite"
WRITE_ONLY = "WriteOnly"

REPORT_BASES: tuple[str, ...] = ("ConfigurationInventory", "FullInventory", "SummaryInventory")

VENDOR_COMPONENT = "SimChargerCtrlr"
# Network connection profile slots; slot 0 holds the profile the simulator was started with.
NETWORK_SLOTS = ("0", "1", "2", "3")
_AVAILABILITY_STATES = "Available,Occupied,Reserved,Unavailable,Faulted"
_TX_POINTS = "ParkingBayOccupancy,EVConnected,Authorized,DataSigned,PowerPathClosed,EnergyTransfer"
_TIME_SOURCES = "Heartbeat,NTP,GPS,RealTimeClock,MobileNetwork,RadioTimeTransmitter"


@dataclass(slots=True)
class VariableAttribute:
    type: str = "Actual"
    value: str | None = None
    mutability: str = READ_WRITE
    persistent: bool = True
    constant: bool = False

    def report_entry(self) -> dict[str, Any]:
        # A WriteOnly value (a password) is never reported.
        value = None if self.mutability == WRITE_ONLY else self.value
        return {
            "type": self.type,
            "value": value,
            "mutability": self.mutability,
            "persistent": self.persistent,
            "constant": self.constant,
        }


@dataclass(slots=True)
class Variable:
    """A variable of a component instance, with its attributes and characteristics."""

    component: str
    name: str
    data_type: str
    attributes: dict[str, VariableAttribute]
    component_instance: str | None = None
    evse_id: int | None = None
    connector_id: int | None = None
    instance: str | None = None
    unit: str | None = None
    min_limit: float | None = None
    max_limit: float | None = None
    values_list: tuple[str, ...] = ()
    supports_monitoring: bool = False
    # The value only takes effect after a reboot (SetVariables answers RebootRequired).
    reboot_required: bool = False
    # Part of a SummaryInventory report (availability and problem state).
    summary: bool = False
    # Computes the Actual value live (clock, availability, power) instead of a stored one.
    dynamic: Callable[[], str] | None = field(default=None, repr=False)
    # Extra check of a value that passed the type checks: returns a reasonCode to reject it.
    check: Callable[[str], str | None] | None = field(default=None, repr=False)

    def label(self) -> str:
        """`Component[evse.connector]/instance.Variable/instance`, for logs and state views."""
        text = self.component
        if self.evse_id is not None:
            text += f"[{self.evse_id}" + (
                f".{self.connector_id}]" if self.connector_id is not None else "]"
            )
        if self.component_instance:
            text += f"/{self.component_instance}"
        text += f".{self.name}"
        if self.instance:
            text += f"/{self.instance}"
        return text

    def component_dict(self) -> dict[str, Any]:
        component: dict[str, Any] = {"name": self.component}
        if self.component_instance is not None:
            component["instance"] = self.component_instance
        if self.evse_id is not None:
            evse: dict[str, Any] = {"id": self.evse_id}
            if self.connector_id is not None:
                evse["connector_id"] = self.connector_id
            component["evse"] = evse
        return component

    def variable_dict(self) -> dict[str, Any]:
        variable: dict[str, Any] = {"name": self.name}
        if self.instance is not None:
            variable["instance"] = self.instance
        return variable

    def value_of(self, attribute: VariableAttribute) -> str | None:
        if attribute.type == "Actual" and self.dynamic is not None:
            return self.dynamic()
        return attribute.value

    def report_entry(self) -> dict[str, Any]:
        attributes = []
        for attribute in self.attributes.values():
            entry = attribute.report_entry()
            if attribute.mutability != WRITE_ONLY:
                entry["value"] = self.value_of(attribute)
            attributes.append(entry)
        characteristics: dict[str, Any] = {
            "unit": self.unit,
            "data_type": self.data_type,
            "min_limit": self.min_limit,
            "max_limit": self.max_limit,
            "values_list": ",".join(self.values_list) if self.values_list else None,
            "supports_monitoring": self.supports_monitoring,
        }
        return {
            "component": self.component_dict(),
            "variable": self.variable_dict(),
            "variable_attribute": attributes,
            "variable_characteristics": characteristics,
        }

    def writable(self) -> bool:
        return any(a.mutability != READ_ONLY for a in self.attributes.values())


@dataclass(frozen=True, slots=True)
class GetResult:
    status: str
    value: str | None = None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class SetResult:
    status: str
    reason: str | None = None


def _same(left: str | None, right: str | None) -> bool:
    if left is None or right is None:
        return left is None and right is None
    return left.lower() == right.lower()


class DeviceModel:
    """Lookup, get/set with validation, and reports over a list of variables."""

    def __init__(self, variables: Iterable[Variable]) -> None:
        self._variables = list(variables)
        self._pending: list[tuple[Variable, VariableAttribute, str]] = []
        self._listeners: list[Callable[[Variable, str, str], None]] = []

    @property
    def variables(self) -> list[Variable]:
        return list(self._variables)

    def subscribe(self, listener: Callable[[Variable, str, str], None]) -> None:
        """Call `listener(variable, attribute_type, value)` whenever a set value takes effect."""
        self._listeners.append(listener)

    def find(
        self,
        component: str,
        variable: str,
        *,
        variable_instance: str | None = None,
        component_instance: str | None = None,
        evse_id: int | None = None,
        connector_id: int | None = None,
    ) -> Variable | None:
        for candidate in self._component_variables(
            component, component_instance, evse_id, connector_id
        ):
            if _same(candidate.name, variable) and _same(candidate.instance, variable_instance):
                return candidate
        return None

    def bind(
        self, provider: Callable[[], str], component: str, variable: str, **where: Any
    ) -> None:
        """Make a variable's Actual value computed live by `provider`."""
        self._require(component, variable, **where).dynamic = provider

    def actual(self, component: str, variable: str, **where: Any) -> str:
        found = self._require(component, variable, **where)
        if "Actual" not in found.attributes:
            raise KeyError(f"{component}.{variable} {where}")
        return found.value_of(found.attributes["Actual"]) or ""

    def set_actual(self, component: str, variable: str, value: str, **where: Any) -> None:
        """Set a value unconditionally (the station itself, e.g. from the boot interval)."""
        found = self._require(component, variable, **where)
        self._apply(found, found.attributes["Actual"], value)

    def _require(self, component: str, variable: str, **where: Any) -> Variable:
        # The station's own lookups name variables it defines: a miss is a bug, not a request
        # to answer, so it raises instead of returning a status.
        found = self.find(component, variable, **where)
        if found is None:
            raise KeyError(f"{component}.{variable} {where}")
        return found

    def as_dict(self) -> dict[str, str | None]:
        """Every readable Actual value by `Variable.label()`."""
        values: dict[str, str | None] = {}
        for variable in self._variables:
            attribute = variable.attributes.get("Actual")
            if attribute is not None and attribute.mutability != WRITE_ONLY:
                values[variable.label()] = variable.value_of(attribute)
        return values

    # --- GetVariables / SetVariables -------------------------------------------------------

    def get(
        self, component: dict[str, Any], variable: dict[str, Any], attribute_type: str | None
    ) -> GetResult:
        """The GetVariables result for one requested item (snake_case dicts from the wire)."""
        resolved = self._resolve_attribute(component, variable, attribute_type)
        if isinstance(resolved, str):
            return GetResult(resolved)
        found, attribute = resolved
        if attribute.mutability == WRITE_ONLY:
            return GetResult("Rejected", reason="WriteOnly")
        return GetResult("Accepted", value=found.value_of(attribute) or "")

    def set(
        self,
        component: dict[str, Any],
        variable: dict[str, Any],
        attribute_type: str | None,
        value: str,
    ) -> SetResult:
        """Validate and apply one SetVariables item; values needing a reboot wait for one."""
        resolved = self._resolve_attribute(component, variable, attribute_type)
        if isinstance(resolved, str):
            return SetResult(resolved)
        found, attribute = resolved
        if attribute.mutability == READ_ONLY or (
            attribute.type == "Actual" and found.dynamic is not None
        ):
            return SetResult("Rejected", reason="ReadOnly")
        normalised, reason = _validate(found, value)
        if normalised is not None and found.check is not None:
            reason = found.check(normalised)
            normalised = None if reason else normalised
        if normalised is None:
            return SetResult("Rejected", reason=reason)
        if found.reboot_required:
            self._pending = [p for p in self._pending if p[1] is not attribute]
            self._pending.append((found, attribute, normalised))
            return SetResult("RebootRequired")
        self._apply(found, attribute, normalised)
        return SetResult("Accepted")

    @property
    def pending(self) -> dict[str, str]:
        """Accepted values waiting for a reboot, by variable label and attribute type."""
        return {f"{v.label()}:{a.type}": value for v, a, value in self._pending}

    def apply_pending(self) -> None:
        pending, self._pending = self._pending, []
        for variable, attribute, value in pending:
            self._apply(variable, attribute, value)

    # --- reports ---------------------------------------------------------------------------

    def base_report(self, report_base: str) -> list[dict[str, Any]] | None:
        """reportData entries of a GetBaseReport, or None for an unsupported report base."""
        if report_base == "FullInventory":
            selected = self._variables
        elif report_base == "ConfigurationInventory":
            selected = [v for v in self._variables if v.writable()]
        elif report_base == "SummaryInventory":
            selected = [v for v in self._variables if v.summary]
        else:
            return None
        return [variable.report_entry() for variable in selected]

    def custom_report(
        self,
        component_variables: list[dict[str, Any]] | None,
        criteria: list[str] | None,
    ) -> list[dict[str, Any]]:
        """reportData entries of a GetReport: selected component/variables, then criteria."""
        selected = self._variables
        if component_variables:
            chosen: list[Variable] = []
            for item in component_variables:
                component = item.get("component", {})
                evse = component.get("evse") or {}
                matches = self._component_variables(
                    component.get("name", ""),
                    component.get("instance"),
                    evse.get("id"),
                    evse.get("connector_id"),
                )
                wanted = item.get("variable")
                for candidate in matches:
                    if wanted is None or (
                        _same(candidate.name, wanted.get("name"))
                        and _same(candidate.instance, wanted.get("instance"))
                    ):
                        if candidate not in chosen:
                            chosen.append(candidate)
            selected = chosen
        if criteria:
            selected = [v for v in selected if self._meets_criteria(v, criteria)]
        return [variable.report_entry() for variable in selected]

    # --- internals -------------------------------------------------------------------------

    def _component_variables(
        self,
        name: str,
        instance: str | None,
        evse_id: int | None,
        connector_id: int | None,
    ) -> list[Variable]:
        return [
            v
            for v in self._variables
            if _same(v.component, name)
            and _same(v.component_instance, instance)
            and v.evse_id == evse_id
            and v.connector_id == connector_id
        ]

    def _resolve_attribute(
        self, component: dict[str, Any], variable: dict[str, Any], attribute_type: str | None
    ) -> tuple[Variable, VariableAttribute] | str:
        """The requested variable and attribute (Actual when none is named), or the status that
        GetVariables and SetVariables both answer when there is no such thing."""
        found = self._resolve(component, variable)
        if isinstance(found, str):
            return found
        attribute = found.attributes.get(attribute_type or "Actual")
        if attribute is None:
            return "NotSupportedAttributeType"
        return found, attribute

    def _resolve(self, component: dict[str, Any], variable: dict[str, Any]) -> Variable | str:
        evse = component.get("evse") or {}
        candidates = self._component_variables(
            component.get("name", ""),
            component.get("instance"),
            evse.get("id"),
            evse.get("connector_id"),
        )
        if not candidates:
            return "UnknownComponent"
        for candidate in candidates:
            if _same(candidate.name, variable.get("name")) and _same(
                candidate.instance, variable.get("instance")
            ):
                return candidate
        return "UnknownVariable"

    def _meets_criteria(self, variable: Variable, criteria: list[str]) -> bool:
        # A component meets a criterion (Active, Available, Enabled, Problem) when it has the
        # variable of that name set to true.
        siblings = self._component_variables(
            variable.component, variable.component_instance, variable.evse_id, variable.connector_id
        )
        for criterion in criteria:
            for sibling in siblings:
                attribute = sibling.attributes.get("Actual")
                if _same(sibling.name, criterion) and attribute is not None:
                    if (sibling.value_of(attribute) or "").lower() == "true":
                        return True
        return False

    def _apply(self, variable: Variable, attribute: VariableAttribute, value: str) -> None:
        if attribute.value == value:
            return
        attribute.value = value
        for listener in self._listeners:
            listener(variable, attribute.type, value)


def _validate(variable: Variable, value: str) -> tuple[str | None, str | None]:
    """(normalised value, None) or (None, reasonCode) for a SetVariables value."""
    data_type = variable.data_type
    if data_type in ("integer", "decimal"):
        try:
            number = int(value) if data_type == "integer" else float(value)
        except ValueError:
            return None, "InvalidValue"
        if variable.min_limit is not None and number < variable.min_limit:
            return None, "ValueTooLow"
        if variable.max_limit is not None and number > variable.max_limit:
            return None, "ValueTooHigh"
        return str(number), None
    if data_type == "boolean":
        lowered = value.strip().lower()
        return (lowered, None) if lowered in ("true", "false") else (None, "InvalidValue")
    if data_type == "dateTime":
        if parse_timestamp(value) is None:
            return None, "InvalidValue"
        return value, None
    if variable.max_limit is not None and len(value) > variable.max_limit:
        return None, "TooLargeElement"
    if data_type == "OptionList":
        return (value, None) if value in variable.values_list else (None, "InvalidValue")
    if data_type in ("MemberList", "SequenceList"):
        items = [item.strip() for item in value.split(",") if item.strip()]
        if any(item not in variable.values_list for item in items):
            return None, "InvalidValue"
        if data_type == "SequenceList" and (not items or len(set(items)) != len(items)):
            return None, "InvalidValue"
        return ",".join(items), None
    return value, None


def _var(
    component: str,
    name: str,
    data_type: str,
    value: object = None,
    *,
    mutability: str = READ_WRITE,
    instance: str | None = None,
    evse_id: int | None = None,
    connector_id: int | None = None,
    unit: str | None = None,
    min_limit: float | None = None,
    max_limit: float | None = None,
    values: str | Iterable[str] = (),
    monitoring: bool = False,
    reboot_required: bool = False,
    summary: bool = False,
    extra: Iterable[VariableAttribute] = (),
    live: bool = False,
) -> Variable:
    if isinstance(value, bool):
        text: str | None = "true" if value else "false"
    else:
        text = None if value is None else str(value)
    # Read-only values that never change at run time are "constant"; live ones (clock, power,
    # counters, availability) are not.
    constant = mutability == READ_ONLY and not (summary or live)
    attributes = {"Actual": VariableAttribute("Actual", text, mutability, constant=constant)}
    for attribute in extra:
        attributes[attribute.type] = attribute
    values_list = tuple(values.split(",")) if isinstance(values, str) else tuple(values)
    return Variable(
        component=component,
        name=name,
        data_type=data_type,
        attributes=attributes,
        evse_id=evse_id,
        connector_id=connector_id,
        instance=instance,
        unit=unit,
        min_limit=min_limit,
        max_limit=max_limit,
        values_list=values_list,
        supports_monitoring=monitoring,
        reboot_required=reboot_required,
        summary=summary,
    )


def build_device_model(options: SimulatorOptions, identity: str) -> DeviceModel:
    """The factory device model of a station with `options.connectors` EVSEs."""
    ro = READ_ONLY
    meter_interval = options.meter_interval if options.meter_interval is not None else 60
    max_power = round(options.max_current_a * options.nominal_voltage_v * options.phases, 1)

    def measurands(component: str, name: str, default: str = ENERGY) -> Variable:
        """A list of measurands a component reports (any of the 2.0.1 measurands)."""
        return _var(component, name, "MemberList", default, values=MEASURANDS_V201, max_limit=1_000)

    variables = [
        # ChargingStation: identity and overall availability.
        _var(
            "ChargingStation",
            "AvailabilityState",
            "OptionList",
            "Available",
            mutability=ro,
            values=_AVAILABILITY_STATES,
            summary=True,
            monitoring=True,
        ),
        _var("ChargingStation", "Available", "boolean", True, mutability=ro, summary=True),
        _var("ChargingStation", "Problem", "boolean", False, mutability=ro, summary=True),
        _var("ChargingStation", "Model", "string", options.model, mutability=ro, max_limit=20),
        _var(
            "ChargingStation", "VendorName", "string", options.vendor, mutability=ro, max_limit=50
        ),
        _var(
            "ChargingStation", "SerialNumber", "string", options.serial, mutability=ro, max_limit=25
        ),
        _var("ChargingStation", "SupplyPhases", "integer", options.phases, mutability=ro),
        # OCPPCommCtrlr
        _var("OCPPCommCtrlr", "ActiveNetworkProfile", "integer", 0, mutability=ro, live=True),
        _var(
            "OCPPCommCtrlr",
            "FileTransferProtocols",
            "MemberList",
            options.file_transfer_protocols,
            mutability=ro,
            values="FTP,FTPS,HTTP,HTTPS,SFTP",
        ),
        _var(
            "OCPPCommCtrlr",
            "HeartbeatInterval",
            "integer",
            options.heartbeat_interval,
            unit="s",
            min_limit=1,
            max_limit=86_400,
        ),
        _var(
            "OCPPCommCtrlr",
            "MessageTimeout",
            "integer",
            int(options.response_timeout),
            instance="Default",
            unit="s",
            min_limit=1,
            max_limit=600,
        ),
        _var(
            "OCPPCommCtrlr",
            "MessageAttempts",
            "integer",
            3,
            instance="TransactionEvent",
            min_limit=0,
            max_limit=10,
        ),
        _var(
            "OCPPCommCtrlr",
            "MessageAttemptInterval",
            "integer",
            60,
            instance="TransactionEvent",
            unit="s",
            min_limit=0,
            max_limit=3_600,
        ),
        _var(
            "OCPPCommCtrlr",
            "NetworkConfigurationPriority",
            "SequenceList",
            "0",
            values=NETWORK_SLOTS,
        ),
        _var(
            "OCPPCommCtrlr",
            "NetworkProfileConnectionAttempts",
            "integer",
            3,
            min_limit=1,
            max_limit=10,
        ),
        _var(
            "OCPPCommCtrlr",
            "OfflineThreshold",
            "integer",
            60,
            unit="s",
            min_limit=0,
            max_limit=86_400,
        ),
        _var("OCPPCommCtrlr", "QueueAllMessages", "boolean", False),
        _var("OCPPCommCtrlr", "ResetRetries", "integer", 2, min_limit=0, max_limit=10),
        _var("OCPPCommCtrlr", "UnlockOnEVSideDisconnect", "boolean", True),
        # A property of the websocket: applied when the station reconnects after a reboot.
        _var(
            "OCPPCommCtrlr",
            "WebSocketPingInterval",
            "integer",
            30,
            unit="s",
            min_limit=0,
            max_limit=3_600,
            reboot_required=True,
        ),
        # DeviceDataCtrlr: what the CSMS may put in one message.
        *[
            _var("DeviceDataCtrlr", name, "integer", limit, mutability=ro, instance=instance)
            for name, limit in (("ItemsPerMessage", 20), ("BytesPerMessage", 8_192))
            for instance in ("GetReport", "GetVariables", "SetVariables")
        ],
        _var("DeviceDataCtrlr", "ConfigurationValueSize", "integer", 1_000, mutability=ro),
        _var("DeviceDataCtrlr", "ReportingValueSize", "integer", 2_500, mutability=ro),
        # SampledDataCtrlr: what a transaction reports and how often.
        _var("SampledDataCtrlr", "Enabled", "boolean", True),
        _var("SampledDataCtrlr", "SignReadings", "boolean", False),
        measurands("SampledDataCtrlr", "TxEndedMeasurands"),
        _var(
            "SampledDataCtrlr",
            "TxEndedInterval",
            "integer",
            0,
            unit="s",
            min_limit=0,
            max_limit=3_600,
        ),
        measurands("SampledDataCtrlr", "TxStartedMeasurands"),
        measurands("SampledDataCtrlr", "TxUpdatedMeasurands", DEFAULT_SAMPLED),
        _var(
            "SampledDataCtrlr",
            "TxUpdatedInterval",
            "integer",
            meter_interval,
            unit="s",
            min_limit=0,
            max_limit=3_600,
        ),
        # AlignedDataCtrlr: clock-aligned values (configured, not sent by the simulator).
        _var("AlignedDataCtrlr", "Enabled", "boolean", False),
        _var("AlignedDataCtrlr", "Interval", "integer", 0, unit="s", min_limit=0, max_limit=86_400),
        measurands("AlignedDataCtrlr", "Measurands"),
        # TxCtrlr
        _var(
            "TxCtrlr", "EVConnectionTimeOut", "integer", 60, unit="s", min_limit=0, max_limit=3_600
        ),
        _var("TxCtrlr", "MaxEnergyOnInvalidId", "integer", 0, unit="Wh", min_limit=0),
        _var("TxCtrlr", "StopTxOnEVSideDisconnect", "boolean", True),
        _var("TxCtrlr", "StopTxOnInvalidId", "boolean", True),
        _var("TxCtrlr", "TxBeforeAcceptedEnabled", "boolean", False),
        _var("TxCtrlr", "TxStartPoint", "MemberList", "PowerPathClosed", values=_TX_POINTS),
        _var("TxCtrlr", "TxStopPoint", "MemberList", "EVConnected,Authorized", values=_TX_POINTS),
        # AuthCtrlr / AuthCacheCtrlr / LocalAuthListCtrlr
        _var("AuthCtrlr", "Enabled", "boolean", True),
        _var("AuthCtrlr", "AuthorizeRemoteStart", "boolean", True),
        _var("AuthCtrlr", "DisableRemoteAuthorization", "boolean", False),
        _var("AuthCtrlr", "LocalAuthorizeOffline", "boolean", True),
        _var("AuthCtrlr", "LocalPreAuthorize", "boolean", False),
        _var("AuthCtrlr", "OfflineTxForUnknownIdEnabled", "boolean", False),
        _var("AuthCacheCtrlr", "Enabled", "boolean", True),
        _var("AuthCacheCtrlr", "LifeTime", "integer", 86_400, unit="s", min_limit=0),
        _var("LocalAuthListCtrlr", "Enabled", "boolean", True),
        _var("LocalAuthListCtrlr", "Entries", "integer", 0, mutability=ro, live=True),
        _var("LocalAuthListCtrlr", "ItemsPerMessage", "integer", 100, mutability=ro),
        _var("LocalAuthListCtrlr", "BytesPerMessage", "integer", 8_192, mutability=ro),
        # ReservationCtrlr / SmartChargingCtrlr
        _var("ReservationCtrlr", "Enabled", "boolean", True),
        _var("ReservationCtrlr", "NonEvseSpecific", "boolean", False, mutability=ro),
        _var("SmartChargingCtrlr", "Enabled", "boolean", True),
        _var(
            "SmartChargingCtrlr",
            "Entries",
            "integer",
            0,
            mutability=ro,
            instance="ChargingProfiles",
            live=True,
        ),
        _var(
            "SmartChargingCtrlr",
            "LimitChangeSignificance",
            "decimal",
            10.0,
            unit="Percent",
            min_limit=0,
            max_limit=100,
        ),
        _var("SmartChargingCtrlr", "PeriodsPerSchedule", "integer", 24, mutability=ro),
        _var("SmartChargingCtrlr", "ProfileStackLevel", "integer", 8, mutability=ro),
        _var("SmartChargingCtrlr", "RateUnit", "MemberList", "A,W", mutability=ro, values="A,W"),
        # SecurityCtrlr
        _var(
            "SecurityCtrlr",
            "BasicAuthPassword",
            "string",
            None,
            mutability=WRITE_ONLY,
            max_limit=40,
            reboot_required=True,
        ),
        _var("SecurityCtrlr", "CertificateEntries", "integer", 0, mutability=ro, live=True),
        _var("SecurityCtrlr", "Identity", "string", identity, mutability=ro, max_limit=48),
        _var("SecurityCtrlr", "OrganizationName", "string", options.vendor, max_limit=50),
        _var("SecurityCtrlr", "SecurityProfile", "integer", 1, mutability=ro),
        # ClockCtrlr
        _var("ClockCtrlr", "DateTime", "dateTime", None, mutability=ro, live=True),
        _var("ClockCtrlr", "TimeSource", "SequenceList", "Heartbeat", values=_TIME_SOURCES),
        _var("ClockCtrlr", "TimeZone", "string", "UTC", max_limit=64),
        # The vendor's own component, with Target/MinSet/MaxSet attributes as vendors use them.
        _var(
            VENDOR_COMPONENT,
            "LedBrightness",
            "integer",
            80,
            unit="Percent",
            min_limit=0,
            max_limit=100,
            extra=[
                VariableAttribute("Target", "80"),
                VariableAttribute("MinSet", "0", READ_ONLY, constant=True),
                VariableAttribute("MaxSet", "100", READ_ONLY, constant=True),
            ],
        ),
        _var(VENDOR_COMPONENT, "DisplayLanguage", "OptionList", "en", values="en,de,fr,nl,es"),
        _var(
            VENDOR_COMPONENT,
            "MaxCurrent",
            "integer",
            int(options.max_current_a),
            unit="A",
            min_limit=6,
            max_limit=int(options.max_current_a),
        ),
        _var(VENDOR_COMPONENT, "BootCount", "integer", 0, mutability=ro, live=True),
    ]
    for evse_id in range(1, options.connectors + 1):
        variables += [
            _var(
                "EVSE",
                "AvailabilityState",
                "OptionList",
                "Available",
                mutability=ro,
                evse_id=evse_id,
                values=_AVAILABILITY_STATES,
                summary=True,
                monitoring=True,
            ),
            _var(
                "EVSE", "Available", "boolean", True, mutability=ro, evse_id=evse_id, summary=True
            ),
            _var(
                "EVSE",
                "Power",
                "decimal",
                0.0,
                mutability=ro,
                evse_id=evse_id,
                unit="W",
                min_limit=0,
                max_limit=max_power,
                monitoring=True,
                live=True,
                extra=[VariableAttribute("MaxSet", str(max_power), READ_ONLY)],
            ),
            _var("EVSE", "SupplyPhases", "integer", options.phases, mutability=ro, evse_id=evse_id),
            _var(
                "Connector",
                "AvailabilityState",
                "OptionList",
                "Available",
                mutability=ro,
                evse_id=evse_id,
                connector_id=1,
                values=_AVAILABILITY_STATES,
                summary=True,
            ),
            _var(
                "Connector",
                "Available",
                "boolean",
                True,
                mutability=ro,
                evse_id=evse_id,
                connector_id=1,
                summary=True,
            ),
            _var(
                "Connector",
                "ConnectorType",
                "string",
                "cType2",
                mutability=ro,
                evse_id=evse_id,
                connector_id=1,
            ),
            _var(
                "Connector",
                "SupplyPhases",
                "integer",
                options.phases,
                mutability=ro,
                evse_id=evse_id,
                connector_id=1,
            ),
        ]
    return DeviceModel(variables)
