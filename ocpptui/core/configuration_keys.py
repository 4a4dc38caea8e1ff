"""The OCPP 1.6 configuration keys as a charger reported them, with the outcome of our last
change of each. Plain data: the calls that read and change them are in `core.configuration`."""

from __future__ import annotations

from dataclasses import dataclass, field

from ocpptui.protocol.keys_16 import KeyInfo, check_value, key_info


@dataclass(slots=True)
class ConfigEntry:
    """One configuration key as the charger reported it, plus the outcome of our last edit."""

    key: str
    value: str | None
    readonly: bool
    info: KeyInfo | None = None
    last_status: str | None = None  # Accepted / Rejected / RebootRequired / NotSupported / ...
    last_detail: str | None = None


@dataclass(slots=True)
class ConfigurationTable:
    """What the charger told us about its configuration (1.6)."""

    entries: dict[str, ConfigEntry] = field(default_factory=dict)
    unknown_keys: set[str] = field(default_factory=set)
    method: str = ""  # how the newest read went: "all keys", "2 keys by name", ...
    steps: list[str] = field(default_factory=list)  # what was tried, for the technician
    read_wall: float | None = None  # when the newest read (of any kind) ended

    def merge(self, outcome_payload: dict) -> list[str]:
        """Merge a GetConfiguration answer; returns the keys it reported."""
        seen: list[str] = []
        for item in outcome_payload.get("configurationKey") or []:
            if not isinstance(item, dict) or not isinstance(item.get("key"), str):
                continue
            key = item["key"]
            value = item.get("value")
            entry = self.entries.get(key)
            readonly = bool(item.get("readonly", False))
            if entry is None:
                self.entries[key] = ConfigEntry(
                    key, None if value is None else str(value), readonly, key_info(key)
                )
            else:
                entry.value = None if value is None else str(value)
                entry.readonly = readonly
            self.unknown_keys.discard(key)
            seen.append(key)
        for key in outcome_payload.get("unknownKey") or []:
            if isinstance(key, str) and key not in self.entries:
                self.unknown_keys.add(key)
        return seen

    def value(self, key: str) -> str | None:
        entry = self.entries.get(key)
        return entry.value if entry is not None else None

    @property
    def max_keys(self) -> int | None:
        try:
            return int(self.value("GetConfigurationMaxKeys") or "")
        except ValueError:
            return None


@dataclass(slots=True)
class ChangeResult:
    key: str
    value: str
    status: str  # Accepted, Rejected, RebootRequired, NotSupported, a CallError code, Timeout...
    detail: str | None = None
    confirmed_value: str | None = None  # the value read back after Accepted

    @property
    def ok(self) -> bool:
        return self.status in ("Accepted", "RebootRequired")

    @property
    def confirmed(self) -> bool | None:
        if self.status != "Accepted":
            return None
        return self.confirmed_value == self.value


def check_change(table: ConfigurationTable | None, key: str, value: str) -> str | None:
    """Why a change should not be sent (read-only, bad value), or None."""
    entry = table.entries.get(key) if table is not None else None
    if entry is not None and entry.readonly:
        return f"{key} is read-only on this charger"
    info = key_info(key)
    if info is not None:
        if not info.writable:
            return f"{key} is read-only (OCPP 1.6)"
        problem = check_value(info, value)
        if problem is not None:
            return f"{key} {problem}"
    return None
