"""Configuration profiles: the operator's required settings as a TOML file, diffed and applied.

```toml
[profile]
name = "Car park A"
vendor = "ABB"          # optional: only for chargers of this vendor (glob)
model = "Terra AC*"     # optional (glob)

[ocpp16]                # OCPP 1.6 keys
HeartbeatInterval = 300
MeterValuesSampledData = "Energy.Active.Import.Register,Power.Active.Import"

[ocpp201]               # OCPP 2.0.1 / 2.1 device model: "Component.Variable" keys
"OCPPCommCtrlr.HeartbeatInterval" = 300
"SampledDataCtrlr.TxUpdatedInterval" = 60
```

Values may be written as TOML strings, numbers or booleans; they are sent as the strings
OCPP wants (`true`, `300`).
"""

from __future__ import annotations

import fnmatch
import json
import re
import tomllib
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from ocpptui.core.config_reads import last_complete_read
from ocpptui.core.configuration import (
    ConfigurationTable,
    change_configuration,
    configuration_of,
    read_configuration,
)
from ocpptui.core.device_model import (
    DeviceModel,
    VariableRef,
    device_model_of,
    get_variables,
    set_variables,
)
from ocpptui.core.session import CallFailed, Session
from ocpptui.protocol.keys_16 import check_value, key_info
from ocpptui.protocol.timestamps import record_time


class ProfileError(ValueError):
    """A profile file problem, naming the file and (where it can) the line."""


@dataclass(slots=True)
class Profile:
    name: str
    values_16: dict[str, str] = field(default_factory=dict)
    values_201: dict[VariableRef, str] = field(default_factory=dict)
    vendor: str | None = None
    model: str | None = None
    description: str | None = None
    source: Path | None = None

    def matches(self, vendor: str | None, model: str | None) -> bool:
        """Whether the profile is meant for a charger of this vendor and model."""
        for pattern, actual in ((self.vendor, vendor), (self.model, model)):
            if pattern and not fnmatch.fnmatch((actual or "").lower(), pattern.lower()):
                return False
        return True


def _as_ocpp_string(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, str)):
        return str(value)
    if isinstance(value, list):
        return ",".join(_as_ocpp_string(v) for v in value)
    raise TypeError(f"unsupported value {value!r}")


def _line_of_key(text: str, key: str) -> int | None:
    pattern = re.compile(rf'^\s*"?{re.escape(key)}"?\s*=')
    for number, line in enumerate(text.splitlines(), start=1):
        if pattern.match(line):
            return number
    return None


def parse_profile(text: str, source: Path | None = None) -> Profile:
    where = str(source) if source else "profile"
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"{where}: {exc}") from None
    for section in data:
        if section not in ("profile", "ocpp16", "ocpp201"):
            raise ProfileError(
                f"{where}: unknown section [{section}] (use [profile], [ocpp16], [ocpp201])"
            )
    header = data.get("profile", {})
    profile = Profile(
        name=str(header.get("name") or (source.stem if source else "profile")),
        vendor=header.get("vendor"),
        model=header.get("model"),
        description=header.get("description"),
        source=source,
    )

    def fail(key: str, message: str) -> ProfileError:
        line = _line_of_key(text, key)
        return ProfileError(f"{where}{f':{line}' if line else ''}: {key}: {message}")

    for key, value in data.get("ocpp16", {}).items():
        try:
            profile.values_16[key] = _as_ocpp_string(value)
        except TypeError as exc:
            raise fail(key, str(exc)) from None
        info = key_info(key)
        if info is not None:
            problem = check_value(info, profile.values_16[key])
            if problem:
                raise fail(key, problem)
    for key, value in data.get("ocpp201", {}).items():
        try:
            ref = VariableRef.parse(key)
            profile.values_201[ref] = _as_ocpp_string(value)
        except (ValueError, TypeError) as exc:
            raise fail(key, str(exc)) from None
    if not profile.values_16 and not profile.values_201:
        raise ProfileError(f"{where}: no [ocpp16] or [ocpp201] values")
    return profile


def load_profile(path: Path) -> Profile:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ProfileError(f"{path}: cannot read: {exc.strerror or exc}") from None
    return parse_profile(text, path)


def list_profiles(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.toml")) if folder.is_dir() else []


# ------------------------------------------------------------------------------ diff


class DiffState(StrEnum):
    SAME = "same"
    DIFFERS = "differs"
    READ_ONLY = "read-only"  # differs but cannot be written: a conflict to resolve by hand
    MISSING = "missing"  # the charger did not report this key/variable
    INVALID = "invalid"


@dataclass(slots=True)
class DiffLine:
    key: str
    current: str | None
    desired: str
    state: DiffState
    note: str | None = None

    @property
    def to_send(self) -> bool:
        # Missing keys are sent too: vendor keys are often hidden from GetConfiguration.
        return self.state in (DiffState.DIFFERS, DiffState.MISSING)


def diff_16(profile: Profile, table: ConfigurationTable) -> list[DiffLine]:
    lines: list[DiffLine] = []
    for key, desired in profile.values_16.items():
        entry = table.entries.get(key)
        info = key_info(key)
        if info is not None and (problem := check_value(info, desired)):
            lines.append(
                DiffLine(key, entry.value if entry else None, desired, DiffState.INVALID, problem)
            )
        elif entry is None:
            note = "reported unknown by the charger" if key in table.unknown_keys else None
            lines.append(DiffLine(key, None, desired, DiffState.MISSING, note))
        elif entry.value == desired:
            lines.append(DiffLine(key, entry.value, desired, DiffState.SAME))
        elif entry.readonly or (info is not None and not info.writable):
            lines.append(DiffLine(key, entry.value, desired, DiffState.READ_ONLY, "read-only"))
        else:
            lines.append(DiffLine(key, entry.value, desired, DiffState.DIFFERS))
    return lines


def diff_201(profile: Profile, model: DeviceModel) -> list[DiffLine]:
    lines: list[DiffLine] = []
    for ref, desired in profile.values_201.items():
        entry = model.entries.get(ref)
        if entry is None or "Actual" not in entry.attributes:
            lines.append(DiffLine(ref.label, None, desired, DiffState.MISSING))
            continue
        attribute = entry.attributes["Actual"]
        if attribute.value == desired:
            lines.append(DiffLine(ref.label, attribute.value, desired, DiffState.SAME))
        elif not attribute.writable:
            lines.append(
                DiffLine(ref.label, attribute.value, desired, DiffState.READ_ONLY, "ReadOnly")
            )
        elif entry.values_list and desired not in entry.values_list:
            note = f"allowed: {', '.join(entry.values_list)}"
            lines.append(DiffLine(ref.label, attribute.value, desired, DiffState.INVALID, note))
        else:
            lines.append(DiffLine(ref.label, attribute.value, desired, DiffState.DIFFERS))
    return lines


def diff_profile(profile: Profile, session: Session) -> list[DiffLine]:
    """Current vs desired, from what was last read (read the configuration first)."""
    if session.version.is_2x:
        return diff_201(profile, device_model_of(session))
    return diff_16(profile, configuration_of(session))


# ------------------------------------------------------------------------------ apply


@dataclass(slots=True)
class ApplyLine:
    key: str
    desired: str
    before: str | None
    status: str  # unchanged, Accepted, RebootRequired, Rejected, NotSupported, skipped, ...
    after: str | None = None  # value read back after applying
    note: str | None = None

    @property
    def ok(self) -> bool:
        if self.status in ("unchanged",):
            return True
        if self.status == "RebootRequired":
            return True
        return self.status == "Accepted" and self.after == self.desired


@dataclass(slots=True)
class ApplyReport:
    profile: str
    lines: list[ApplyLine]

    @property
    def ok(self) -> bool:
        return all(line.ok for line in self.lines)

    @property
    def reboot_required(self) -> bool:
        return any(line.status == "RebootRequired" for line in self.lines)


async def apply_profile(session: Session, profile: Profile) -> ApplyReport:
    """Send only what differs, re-read to verify, and report per key."""
    if session.version.is_2x:
        return await _apply_201(session, profile)
    return await _apply_16(session, profile)


def _unsent(line: DiffLine) -> ApplyLine:
    """A profile line not sent: its value is already set, or it cannot be sent."""
    status = "unchanged" if line.state is DiffState.SAME else "skipped"
    return ApplyLine(line.key, line.desired, line.current, status, line.current, line.note)


async def _apply_16(session: Session, profile: Profile) -> ApplyReport:
    table = configuration_of(session)
    if last_complete_read(session.state.configuration_reads) is None:
        # Keys read by name (before a transfer, ...) are not the whole configuration.
        await read_configuration(session)
    lines: list[ApplyLine] = []
    for line in diff_16(profile, table):
        if not line.to_send:
            lines.append(_unsent(line))
            continue
        result = await change_configuration(session, line.key, line.desired, confirm=False)
        lines.append(
            ApplyLine(line.key, line.desired, line.current, result.status, note=result.detail)
        )
    # Verify with one fresh read of the keys we touched (not assumed from the answers).
    touched = [line.key for line in lines if line.status not in ("unchanged", "skipped")]
    if touched:
        try:
            await read_configuration(session, touched)
        except CallFailed as exc:
            for line in lines:
                if line.key in touched:
                    line.note = f"could not verify: {exc}"
        for line in lines:
            if line.key in touched:
                line.after = table.value(line.key)
    return ApplyReport(profile.name, lines)


async def _apply_201(session: Session, profile: Profile) -> ApplyReport:
    model = device_model_of(session)
    if not model.entries:
        # A profile needs only its own variables: read those rather than a full report.
        await get_variables(session, list(profile.values_201))
    lines: list[ApplyLine] = []
    changes: list[tuple[VariableRef, str, str]] = []
    refs_by_label = {ref.label: ref for ref in profile.values_201}
    for line in diff_201(profile, model):
        if not line.to_send:
            lines.append(_unsent(line))
            continue
        changes.append((refs_by_label[line.key], line.desired, "Actual"))
        lines.append(ApplyLine(line.key, line.desired, line.current, "pending"))
    if changes:
        results = {r.ref.label: r for r in await set_variables(session, changes, confirm=False)}
        reread = await get_variables(session, [ref for ref, _, _ in changes])
        after = {r.ref.label: r.value for r in reread if r.status == "Accepted"}
        for line in lines:
            if line.status == "pending":
                result = results.get(line.key)
                line.status = result.status if result else "no result"
                line.note = result.detail if result else None
                line.after = after.get(line.key)
    return ApplyReport(profile.name, lines)


# ------------------------------------------------------------------------------ save / export


def _toml_string(text: str) -> str:
    # A JSON string literal is a valid TOML basic string (same escapes).
    return json.dumps(text, ensure_ascii=False)


def profile_from_session(session: Session, name: str, *, writable_only: bool = True) -> str:
    """TOML text of the charger's current configuration, usable as a profile."""
    state = session.state
    out = [
        "[profile]",
        f"name = {_toml_string(name)}",
        f"vendor = {_toml_string(state.vendor or '')}",
        f"model = {_toml_string(state.model or '')}",
        "",
    ]
    if session.version.is_2x:
        out.append("[ocpp201]")
        model = device_model_of(session)
        for ref in sorted(model.entries, key=lambda r: r.label):
            attribute = model.entries[ref].attributes.get("Actual")
            if attribute is None or attribute.value is None:
                continue
            if writable_only and not attribute.writable:
                continue
            out.append(f"{_toml_string(ref.label)} = {_toml_string(attribute.value)}")
    else:
        out.append("[ocpp16]")
        table = configuration_of(session)
        for key in sorted(table.entries):
            entry = table.entries[key]
            if entry.value is None or (writable_only and entry.readonly):
                continue
            out.append(f"{_toml_string(key)} = {_toml_string(entry.value)}")
    return "\n".join(out) + "\n"


def export_configuration_json(session: Session) -> str:
    """Everything read from the charger (including read-only values), as JSON."""
    state = session.state
    data: dict[str, Any] = {
        "identity": state.identity,
        "protocol": session.version.subprotocol,
        "vendor": state.vendor,
        "model": state.model,
        "serial": state.serial,
        "firmware": state.firmware,
        # Values merge every read; say whether a complete one is among them, and when.
        "reads": [
            {
                "kind": read.kind.value,
                "how": read.how,
                "finished": record_time(read.finished_wall),
                "values": len(read.values),
            }
            for read in state.configuration_reads
        ],
    }
    if session.version.is_2x:
        model = device_model_of(session)
        data["variables"] = [
            {
                "component": ref.component_json(),
                "variable": ref.variable_json(),
                "attributes": {
                    kind: {"value": a.value, "mutability": a.mutability}
                    for kind, a in entry.attributes.items()
                },
                "characteristics": entry.characteristics,
            }
            for ref, entry in sorted(model.entries.items(), key=lambda item: item[0].label)
        ]
    else:
        table = configuration_of(session)
        data["configuration"] = [
            {"key": key, "value": entry.value, "readonly": entry.readonly}
            for key, entry in sorted(table.entries.items())
        ]
        data["unknown_keys"] = sorted(table.unknown_keys)
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
