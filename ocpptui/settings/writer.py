"""Changing the settings file from the TUI: which keys it edits, and writing them back with
the file's comments and layout intact (tomlkit), checked by `parse_settings` first."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.exceptions import TOMLKitError

from ocpptui.core.config import BootAnswer, CsmsConfig, UnknownChargerPolicy, ValidationPolicy
from ocpptui.protocol.versions import DEFAULT_SUBPROTOCOLS
from ocpptui.settings.model import Settings, SettingsError
from ocpptui.settings.reader import DEFAULT_SETTINGS_TOML, parse_settings, read_settings_text

SECURITY_PROFILES = (
    ("0: none (ws://)", 0),
    ("1: basic auth (ws://)", 1),
    ("2: TLS + basic auth (wss://)", 2),
    ("3: mutual TLS (wss://)", 3),
)


@dataclass(frozen=True, slots=True)
class SettingField:
    """One key the settings screen edits."""

    section: str
    key: str
    label: str
    #: The value as the TOML file holds it, read from parsed settings.
    read: Callable[[Settings], Any]
    #: "text", "integer", "number", "choice", "bool", "protocols" or "theme".
    kind: str
    hint: str
    #: True: the running app takes the new value at once; False: after a restart.
    live: bool = False
    choices: tuple[tuple[str, Any], ...] = ()

    @property
    def name(self) -> str:
        return f"{self.section}.{self.key}"


def _choices(values: list[str]) -> tuple[tuple[str, str], ...]:
    return tuple((value, value) for value in values)


#: (group title, fields) in the order the settings screen shows them.
FIELD_GROUPS: tuple[tuple[str, tuple[SettingField, ...]], ...] = (
    (
        "Mini-CSMS server",
        (
            SettingField(
                "server",
                "host",
                "Bind address",
                lambda s: s.csms.host,
                "text",
                "0.0.0.0: every interface",
            ),
            SettingField(
                "server", "port", "Port", lambda s: s.csms.port, "integer", "chargers dial this"
            ),
            SettingField(
                "server",
                "subprotocols",
                "Protocols offered",
                lambda s: list(s.csms.subprotocols),
                "protocols",
                "",
            ),
        ),
    ),
    (
        "Answers to chargers",
        (
            SettingField(
                "csms",
                "boot_answer",
                "Boot answer",
                lambda s: s.csms.boot_answer.value,
                "choice",
                "answer to BootNotification",
                live=True,
                choices=_choices([answer.value for answer in BootAnswer]),
            ),
            SettingField(
                "csms",
                "heartbeat_interval",
                "Heartbeat interval",
                lambda s: s.csms.heartbeat_interval,
                "integer",
                "seconds, in the boot answer",
                live=True,
            ),
            SettingField(
                "csms",
                "call_timeout",
                "Call timeout",
                lambda s: s.csms.call_timeout,
                "number",
                "seconds to wait for answers",
                live=True,
            ),
            SettingField(
                "csms",
                "validation",
                "Validation",
                lambda s: s.csms.validation.value,
                "choice",
                "strict: CallError if invalid",
                live=True,
                choices=_choices([policy.value for policy in ValidationPolicy]),
            ),
            SettingField(
                "csms",
                "unknown_chargers",
                "New chargers",
                lambda s: s.csms.unknown_policy.value,
                "choice",
                "accept, ask, or allow-list",
                live=True,
                choices=_choices([policy.value for policy in UnknownChargerPolicy]),
            ),
        ),
    ),
    (
        "Security",
        (
            SettingField(
                "security",
                "profile",
                "Security profile",
                lambda s: s.security.profile,
                "choice",
                "2, 3 need ocpp-tui certs",
                choices=SECURITY_PROFILES,
            ),
            SettingField(
                "security",
                "sign_csr",
                "Sign CSRs",
                lambda s: s.security.sign_csr,
                "bool",
                "SignCertificate: local CA signs",
            ),
        ),
    ),
    (
        "File server (firmware and logs)",
        (
            SettingField(
                "files",
                "advertise_host",
                "Address in URLs",
                lambda s: s.files.advertise_host,
                "text",
                "empty: first laptop address",
            ),
            SettingField(
                "files", "http_port", "HTTP port", lambda s: s.files.http_port, "integer", ""
            ),
            SettingField("files", "https", "HTTPS", lambda s: s.files.https, "bool", ""),
            SettingField(
                "files", "https_port", "HTTPS port", lambda s: s.files.https_port, "integer", ""
            ),
            SettingField(
                "files", "ftp_port", "FTP port", lambda s: s.files.ftp_port, "integer", ""
            ),
            SettingField(
                "files",
                "ftp_passive_ports",
                "FTP data ports",
                lambda s: "{}-{}".format(*s.files.ftp_passive_ports),
                "text",
                "open in the firewall too",
            ),
            SettingField("files", "sftp", "SFTP", lambda s: s.files.sftp, "bool", ""),
            SettingField(
                "files", "sftp_port", "SFTP port", lambda s: s.files.sftp_port, "integer", ""
            ),
        ),
    ),
    (
        "Logs",
        (
            SettingField(
                "logs",
                "keep_days",
                "Keep sessions (days)",
                lambda s: s.logs.keep_days,
                "integer",
                "older ones go; 0 keeps all",
            ),
        ),
    ),
    (
        "Look",
        (SettingField("ui", "theme", "Theme", lambda s: s.ui.theme, "theme", "", live=True),),
    ),
)

FIELDS: tuple[SettingField, ...] = tuple(field for _, group in FIELD_GROUPS for field in group)
PROTOCOLS: tuple[str, ...] = DEFAULT_SUBPROTOCOLS


def settings_text(path: Path) -> str:
    """The file's text; the commented defaults when there is no file yet (SettingsError when
    it cannot be read or is not UTF-8)."""
    try:
        return read_settings_text(path)
    except FileNotFoundError:
        return DEFAULT_SETTINGS_TOML


def updated_text(text: str, changes: Mapping[tuple[str, str], Any]) -> str:
    """`text` with each (section, key) set to its new value; comments and order are kept.

    Raises SettingsError when `text` is not TOML.
    """
    try:
        document = tomlkit.parse(text)
        for (section, key), value in changes.items():
            table = document.get(section)
            if table is None:
                table = tomlkit.table()
                document.add(section, table)
            table[key] = value
        return tomlkit.dumps(document)
    except (TOMLKitError, TypeError, ValueError) as exc:
        raise SettingsError(f"cannot edit the settings file: {exc}") from None


def changed_fields(old: Settings, new: Settings) -> list[SettingField]:
    return [field for field in FIELDS if field.read(old) != field.read(new)]


@dataclass(frozen=True, slots=True)
class SavedSettings:
    settings: Settings
    changed: list[SettingField]

    @property
    def applied_now(self) -> list[SettingField]:
        return [field for field in self.changed if field.live]

    @property
    def need_restart(self) -> list[SettingField]:
        return [field for field in self.changed if not field.live]


def save_settings(path: Path, values: Mapping[SettingField, Any]) -> SavedSettings:
    """Write the form's `values` into the settings file at `path`.

    Only keys whose value differs from the file's are written (a key the file does not have
    stays out while it keeps its default). The result is checked with `parse_settings` before
    anything is written: SettingsError names the key and its line then, and the file is left
    as it was. OSError when the file cannot be written.
    """
    text = settings_text(path)
    before = parse_settings(text, path)
    changes = {
        (field.section, field.key): value
        for field, value in values.items()
        if value != field.read(before)
    }
    if not changes:
        return SavedSettings(before, [])
    new_text = updated_text(text, changes)
    after = parse_settings(new_text, path)
    _write_atomically(path, new_text)
    return SavedSettings(after, changed_fields(before, after))


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".settings-", suffix=".toml", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


#: Live settings and the CsmsConfig attribute each one sets.
_LIVE_CSMS_ATTRIBUTES = {
    "csms.boot_answer": "boot_answer",
    "csms.heartbeat_interval": "heartbeat_interval",
    "csms.call_timeout": "call_timeout",
    "csms.validation": "validation",
    "csms.unknown_chargers": "unknown_policy",
}


def apply_live(saved: SavedSettings, config: CsmsConfig) -> list[str]:
    """Put the saved live [csms] values into the running hub's `config` (sessions read it per
    message); returns the names of the fields set."""
    applied: list[str] = []
    for field in saved.applied_now:
        attribute = _LIVE_CSMS_ATTRIBUTES.get(field.name)
        if attribute is not None:
            setattr(config, attribute, getattr(saved.settings.csms, attribute))
            applied.append(field.name)
    return applied
