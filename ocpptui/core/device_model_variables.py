"""The OCPP 2.0.1 / 2.1 device model as read from a charger: components, variables and their
attributes (Actual, Target, MinSet, MaxSet), merged from NotifyReport parts and Get/SetVariables
answers. Plain data: the calls that fill it are in `core.device_model`."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

ATTRIBUTE_TYPES = ("Actual", "Target", "MinSet", "MaxSet")
REPORT_BASES = ("ConfigurationInventory", "FullInventory", "SummaryInventory")
#: Report bases that carry every configuration variable (SummaryInventory does not).
COMPLETE_BASES = frozenset({"ConfigurationInventory", "FullInventory"})


@dataclass(frozen=True, slots=True)
class VariableRef:
    """Which variable of which component (optionally of an EVSE/connector, and instances)."""

    component: str
    variable: str
    component_instance: str | None = None
    variable_instance: str | None = None
    evse_id: int | None = None
    connector_id: int | None = None

    @property
    def component_label(self) -> str:
        text = self.component
        if self.component_instance:
            text += f"[{self.component_instance}]"
        if self.evse_id is not None:
            text += f"@{self.evse_id}"
            if self.connector_id is not None:
                text += f"/{self.connector_id}"
        return text

    @property
    def label(self) -> str:
        text = f"{self.component_label}.{self.variable}"
        if self.variable_instance:
            text += f"[{self.variable_instance}]"
        return text

    def component_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"name": self.component}
        if self.component_instance:
            data["instance"] = self.component_instance
        if self.evse_id is not None:
            evse: dict[str, Any] = {"id": self.evse_id}
            if self.connector_id is not None:
                evse["connectorId"] = self.connector_id
            data["evse"] = evse
        return data

    def variable_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"name": self.variable}
        if self.variable_instance:
            data["instance"] = self.variable_instance
        return data

    @classmethod
    def from_json(cls, component: Any, variable: Any) -> VariableRef:
        component = component if isinstance(component, dict) else {}
        variable = variable if isinstance(variable, dict) else {}
        evse = component.get("evse") if isinstance(component.get("evse"), dict) else {}
        return cls(
            component=str(component.get("name", "?")),
            variable=str(variable.get("name", "?")),
            component_instance=component.get("instance"),
            variable_instance=variable.get("instance"),
            evse_id=evse.get("id"),
            connector_id=evse.get("connectorId"),
        )

    @classmethod
    def parse(cls, text: str) -> VariableRef:
        """Parse `Component[inst]@evse/connector.Variable[inst]` (brackets and @ optional)."""
        match = _REF.fullmatch(text.strip())
        if match is None:
            raise ValueError(
                f"{text!r} is not Component.Variable (optionally Component[instance]@evse/"
                "connector.Variable[instance])"
            )
        return cls(
            component=match["component"],
            variable=match["variable"],
            component_instance=match["cinst"],
            variable_instance=match["vinst"],
            evse_id=int(match["evse"]) if match["evse"] else None,
            connector_id=int(match["connector"]) if match["connector"] else None,
        )


_REF = re.compile(
    r"(?P<component>[A-Za-z0-9_*-]+)(?:\[(?P<cinst>[^\]]+)\])?"
    r"(?:@(?P<evse>\d+)(?:/(?P<connector>\d+))?)?"
    r"\.(?P<variable>[A-Za-z0-9_*-]+)(?:\[(?P<vinst>[^\]]+)\])?"
)


@dataclass(slots=True)
class AttributeState:
    value: str | None = None
    mutability: str = "ReadWrite"
    persistent: bool | None = None
    constant: bool | None = None
    last_status: str | None = None  # outcome of our last Get/SetVariables for this attribute
    last_detail: str | None = None

    @property
    def writable(self) -> bool:
        return self.mutability != "ReadOnly"


@dataclass(slots=True)
class VariableEntry:
    ref: VariableRef
    attributes: dict[str, AttributeState] = field(default_factory=dict)
    characteristics: dict[str, Any] = field(default_factory=dict)

    def attribute(self, attribute_type: str = "Actual") -> AttributeState:
        found = self.attributes.get(attribute_type)
        if found is None:
            found = self.attributes[attribute_type] = AttributeState()
        return found

    @property
    def data_type(self) -> str | None:
        return self.characteristics.get("dataType")

    @property
    def values_list(self) -> list[str]:
        raw = self.characteristics.get("valuesList")
        return [v.strip() for v in raw.split(",")] if isinstance(raw, str) else []


@dataclass(slots=True)
class DeviceModel:
    entries: dict[VariableRef, VariableEntry] = field(default_factory=dict)
    report_base: str | None = None
    parts: int = 0
    complete: bool = False
    method: str = ""
    steps: list[str] = field(default_factory=list)
    read_wall: float | None = None

    def entry(self, ref: VariableRef) -> VariableEntry:
        found = self.entries.get(ref)
        if found is None:
            found = self.entries[ref] = VariableEntry(ref)
        return found

    def merge_report(self, report_data: Any) -> list[VariableRef]:
        """Merge the `reportData` of one NotifyReport part; returns the variables it carried."""
        merged: list[VariableRef] = []
        for item in report_data if isinstance(report_data, list) else []:
            if not isinstance(item, dict):
                continue
            ref = VariableRef.from_json(item.get("component"), item.get("variable"))
            entry = self.entry(ref)
            for attribute in item.get("variableAttribute") or []:
                if not isinstance(attribute, dict):
                    continue
                state = entry.attribute(str(attribute.get("type", "Actual")))
                value = attribute.get("value")
                state.value = None if value is None else str(value)
                state.mutability = str(attribute.get("mutability", "ReadWrite"))
                state.persistent = attribute.get("persistent")
                state.constant = attribute.get("constant")
            characteristics = item.get("variableCharacteristics")
            if isinstance(characteristics, dict):
                entry.characteristics = dict(characteristics)
            merged.append(ref)
        return merged

    def find(self, component: str, variable: str) -> VariableEntry | None:
        """The first entry with these names (any instance / EVSE)."""
        for ref, entry in self.entries.items():
            if ref.component == component and ref.variable == variable:
                return entry
        return None

    def value(self, component: str, variable: str, attribute_type: str = "Actual") -> str | None:
        entry = self.find(component, variable)
        if entry is None or attribute_type not in entry.attributes:
            return None
        return entry.attributes[attribute_type].value

    def connector_count(self) -> int | None:
        """How many connectors the model describes (distinct Connector components at an
        EVSE and connector), or None when it names none."""
        connectors = {
            (ref.evse_id, ref.connector_id)
            for ref in self.entries
            if ref.component == "Connector" and ref.evse_id is not None and ref.connector_id
        }
        return len(connectors) or None

    def components(self) -> dict[str, list[VariableEntry]]:
        """Entries grouped by component label, both sorted."""
        tree: dict[str, list[VariableEntry]] = {}
        for ref in sorted(self.entries, key=lambda r: (r.component_label, r.label)):
            tree.setdefault(ref.component_label, []).append(self.entries[ref])
        return tree


@dataclass(slots=True)
class VariableResult:
    ref: VariableRef
    attribute_type: str
    status: str  # Accepted, Rejected, RebootRequired, UnknownComponent, UnknownVariable, ...
    value: str | None = None  # the value read (Get) or written (Set)
    detail: str | None = None
    confirmed_value: str | None = None

    @property
    def ok(self) -> bool:
        return self.status in ("Accepted", "RebootRequired")
