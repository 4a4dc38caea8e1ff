"""What an edited configuration value may be: a 1.6 key (type, unit, allowed values and meaning
from the well-known key table) or a 2.0.1/2.1 variable (data type, unit, limits and values
list from its characteristics), and the edit the technician asks for."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ocpptui.core.configuration import ConfigurationTable, check_change
from ocpptui.core.device_model import ATTRIBUTE_TYPES, VariableEntry
from ocpptui.protocol.keys_16 import Access, KeyType, key_info
from ocpptui.wording import plural

#: Why `value` (for the attribute type) should not be sent, or None.
ValueCheck = Callable[[str, str], str | None]


@dataclass(frozen=True, slots=True)
class Edit:
    """What the technician asked for: `name` (1.6 key or 2.x variable label) := `value`."""

    name: str
    value: str
    attribute_type: str = "Actual"


@dataclass(slots=True)
class ValueSpec:
    """What the editor knows about a value before it is edited."""

    name: str
    current: dict[str, str | None]  # by attribute type; 1.6 keys have only "Actual"
    kind: str = "string"
    unit: str | None = None
    allowed: tuple[str, ...] = ()
    choose_one: bool = False  # `allowed` is the full set of single values: offer a list
    meaning: str | None = None
    limits: str | None = None
    access: str | None = None
    read_only: str | None = None  # set when the charger will probably refuse (2.x ReadOnly)
    check: ValueCheck = field(default=lambda value, attribute_type: None)

    @property
    def attribute_types(self) -> list[str]:
        return list(self.current) or ["Actual"]


def limits_text(low: float | None, high: float | None) -> str | None:
    """`1 … 86400`, `≥ 0`, `≤ 100`, or None without limits."""
    if low is not None and high is not None:
        return f"{low:g} … {high:g}"
    if low is not None:
        return f"≥ {low:g}"
    if high is not None:
        return f"≤ {high:g}"
    return None


# ------------------------------------------------------------------------------ 1.6


def key_spec(key: str, table: ConfigurationTable | None) -> ValueSpec:
    """The editor's view of a 1.6 key: the well-known table's help plus what the charger said."""
    entry = table.entries.get(key) if table is not None else None
    info = entry.info if entry is not None and entry.info is not None else key_info(key)
    spec = ValueSpec(
        key,
        {"Actual": entry.value if entry is not None else None},
        check=lambda value, attribute_type: check_change(table, key, value),
    )
    if info is None:
        spec.kind = "vendor key"
        spec.meaning = "Not a key of the OCPP 1.6 specification: its meaning is the vendor's."
        if entry is None:
            spec.meaning += " The charger did not report it."
        return spec
    spec.kind = info.type.value
    spec.unit = info.unit
    spec.meaning = info.meaning
    spec.access = {
        Access.READ_ONLY: "read-only",
        Access.READ_WRITE: "read-write",
        Access.WRITE_ONLY: "write-only",
        Access.EITHER: "read-only or read-write (the charger decides)",
    }[info.access]
    spec.limits = limits_text(info.minimum, info.maximum)
    if info.type is KeyType.BOOLEAN:
        spec.allowed, spec.choose_one = ("true", "false"), True
    elif info.allowed:
        spec.allowed = info.allowed
        spec.choose_one = info.type is KeyType.STRING
    return spec


# ------------------------------------------------------------------------------ 2.x

_NUMERIC = ("integer", "decimal")


def _number(text: str, data_type: str) -> float | None:
    try:
        return float(int(text)) if data_type == "integer" else float(text)
    except ValueError:
        return None


def check_variable_value(entry: VariableEntry, value: str) -> str | None:
    """Why `value` does not suit the variable's characteristics, or None."""
    data_type = (entry.data_type or "string").strip()
    characteristics: dict[str, Any] = entry.characteristics
    low, high = characteristics.get("minLimit"), characteristics.get("maxLimit")
    if data_type in _NUMERIC:
        number = _number(value, data_type)
        if number is None:
            return "must be a whole number" if data_type == "integer" else "must be a number"
        if isinstance(low, (int, float)) and number < low:
            return f"must be at least {low:g}"
        if isinstance(high, (int, float)) and number > high:
            return f"must be at most {high:g}"
        return None
    if data_type == "boolean":
        return None if value in ("true", "false") else "must be true or false"
    allowed = entry.values_list
    if data_type == "OptionList" and allowed and value not in allowed:
        return f"must be one of {', '.join(allowed)}"
    if data_type in ("MemberList", "SequenceList") and allowed:
        items = [item.strip() for item in value.split(",") if item.strip()]
        unknown = [item for item in items if item not in allowed]
        if unknown:
            return (
                f"unknown {plural(len(unknown), 'item')} {', '.join(unknown)} "
                f"(allowed: {', '.join(allowed)})"
            )
    if data_type in ("string", "passwordString") and isinstance(high, (int, float)):
        if len(value) > high:
            return f"must be at most {high:g} characters"
    return None


def variable_spec(entry: VariableEntry, attribute_type: str = "Actual") -> ValueSpec:
    """The editor's view of a 2.x variable, opened on `attribute_type`."""
    present = [kind for kind in ATTRIBUTE_TYPES if kind in entry.attributes] or ["Actual"]
    if attribute_type in present:
        present.remove(attribute_type)
    present.insert(0, attribute_type)
    characteristics = entry.characteristics
    data_type = entry.data_type or "unknown type"
    spec = ValueSpec(
        entry.ref.label,
        {kind: entry.attributes[kind].value if kind in entry.attributes else None
         for kind in present},
        kind=data_type,
        unit=characteristics.get("unit"),
        allowed=tuple(entry.values_list),
        choose_one=data_type == "OptionList" and bool(entry.values_list),
        check=lambda value, kind: check_variable_value(entry, value),
    )  # fmt: skip
    if data_type == "boolean":
        spec.allowed, spec.choose_one = ("true", "false"), True
    low, high = characteristics.get("minLimit"), characteristics.get("maxLimit")
    numbers = [n if isinstance(n, (int, float)) else None for n in (low, high)]
    if data_type in _NUMERIC:
        spec.limits = limits_text(*numbers)
    elif isinstance(high, (int, float)) and data_type in ("string", "passwordString"):
        spec.limits = f"at most {high} characters"
    mutability = {kind: entry.attributes[kind].mutability for kind in entry.attributes}
    spec.access = ", ".join(f"{kind} {value}" for kind, value in mutability.items()) or None
    return spec


def read_only_warning(entry: VariableEntry, attribute_type: str) -> str | None:
    attribute = entry.attributes.get(attribute_type)
    if attribute is not None and not attribute.writable:
        return (
            f"The charger reports {attribute_type} as ReadOnly: it will most likely answer "
            "Rejected. Tick “send anyway” to ask it all the same."
        )
    return None
