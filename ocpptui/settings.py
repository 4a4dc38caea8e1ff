"""Settings: a commented TOML file in the user config folder, read into dataclasses.

A bad value is reported with the file, the key and its line, so a technician can fix it.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ocpptui.core.config import BootAnswer, CsmsConfig, UnknownChargerPolicy, ValidationPolicy
from ocpptui.protocol.versions import KNOWN_SUBPROTOCOLS

DEFAULT_SETTINGS_TOML = """\
# ocpp-tui settings. Every key is optional; delete a line to get the default back.

[server]
# Address the mini-CSMS listens on ("0.0.0.0" = every interface, "127.0.0.1" = this laptop only).
host = "0.0.0.0"
port = 9000
# Subprotocols offered, in order of preference.
subprotocols = ["ocpp2.1", "ocpp2.0.1", "ocpp1.6"]
# Frames larger than this close the connection (bytes).
max_frame_bytes = 1048576
# WebSocket ping interval in seconds; 0 turns pings off (some chargers drop on pings).
ping_interval = 30

[csms]
# How the mini-CSMS answers BootNotification: "Accepted", "Pending" or "Rejected".
boot_answer = "Accepted"
# Heartbeat interval given to chargers in an Accepted boot answer (seconds).
heartbeat_interval = 60
# Retry interval given with Pending / Rejected (seconds).
boot_retry_interval = 30
# Answer to Authorize and transaction id tags.
authorize_status = "Accepted"
# Answer to DataTransfer from the charger.
data_transfer_status = "Accepted"
# Seconds to wait for a charger's answer to our calls.
call_timeout = 30
# "lenient": answer schema-invalid calls as if valid and flag them; "strict": CallError.
validation = "lenient"
# Chargers seen for the first time: "accept", "ask" (boot answered Pending until you decide
# in the TUI) or "allow-list" (only the identities in allow_list may connect).
unknown_chargers = "accept"
allow_list = []

[files]
# The laptop's file server for firmware downloads and diagnostics uploads.
# Address put in the URLs given to chargers ("" = the laptop's first network address).
advertise_host = ""
bind_host = "0.0.0.0"
http_port = 8080
ftp_port = 2121
# FTP data ports (passive mode): open these in the laptop's firewall too.
ftp_passive_ports = "30000-30009"
max_upload_mb = 200
# SFTP (over SSH) for the few chargers that take nothing else; off unless turned on here.
# The host keys are made once in the data folder (ssh/), so chargers see the same ones.
sftp = false
sftp_port = 2222
# HTTPS beside HTTP, with the certificate `ocpp-tui certs` made (only when it exists).
https = true
https_port = 8443

[security]
# OCPP security profile: 0 none, 1 basic auth, 2 TLS (wss://) + basic auth,
# 3 mutual TLS (chargers present client certificates).
profile = 0
# Profiles 1 and 2: the password of chargers without their own entry below ("" = none).
# A 1.6 AuthorizationKey is written as its hex text; a 2.0.1 BasicAuthPassword as plain text.
default_password = ""
# Profiles 2 and 3: server certificate chain and key (PEM); "" = the ones `ocpp-tui certs` made.
cert = ""
key = ""
# Profile 3: CA that issued the chargers' certificates ("" = the local CA of `ocpp-tui certs`).
client_ca = ""
# Also accept a 1.6 AuthorizationKey sent as its hex text (a common charger mistake).
accept_hex_password = true
# Allow TLS 1.0/1.1 and CBC cipher suites for old chargers (weak: only when you must).
legacy_tls = false
# Answer a charger's SignCertificate by signing its CSR with the local CA of `ocpp-tui certs`
# and sending the chain in a CertificateSigned; false (or no local CA) answers Rejected.
sign_csr = true

[security.passwords]
# "CP-1" = "0123456789abcdef0123456789abcdef01234567"

[logs]
# Session folders (frame logs and the files chargers uploaded) older than this many days are
# deleted when ocpp-tui starts; 0 keeps them all. Reports are never deleted.
keep_days = 90

[ui]
# Any Textual theme: "textual-dark", "textual-light", "nord", "gruvbox", ...
theme = "textual-dark"
# Frame table repaints per second (the frame log itself never drops a frame).
refresh_hz = 10
# Frames kept in memory per charger (all are on disk).
frame_window = 100000
# Frames kept in memory by all chargers together; the chargers with the most give up their
# oldest first (all are on disk).
frames_in_memory = 1000000
"""


class SettingsError(ValueError):
    """A settings file problem, naming the file, the key and the line."""


@dataclass(slots=True)
class UiSettings:
    theme: str = "textual-dark"
    refresh_hz: float = 10.0


@dataclass(slots=True)
class FileServerSettings:
    advertise_host: str = ""
    bind_host: str = "0.0.0.0"
    http_port: int = 8080
    ftp_port: int = 2121
    ftp_passive_ports: tuple[int, int] = (30000, 30009)
    max_upload_mb: int = 200
    sftp: bool = False
    sftp_port: int = 2222
    https: bool = True
    https_port: int = 8443


@dataclass(slots=True)
class SecuritySettings:
    profile: int = 0
    default_password: str = ""
    passwords: dict[str, str] = field(default_factory=dict)
    cert: str = ""
    key: str = ""
    client_ca: str = ""
    accept_hex_password: bool = True
    legacy_tls: bool = False
    sign_csr: bool = True


@dataclass(slots=True)
class LogSettings:
    keep_days: int = 90  # 0: keep every session folder


@dataclass(slots=True)
class Settings:
    csms: CsmsConfig = field(default_factory=CsmsConfig)
    ui: UiSettings = field(default_factory=UiSettings)
    files: FileServerSettings = field(default_factory=FileServerSettings)
    security: SecuritySettings = field(default_factory=SecuritySettings)
    logs: LogSettings = field(default_factory=LogSettings)
    source: Path | None = None


def _line_of(text: str, section: str, key: str) -> int | None:
    """1-based line of `key` inside `[section]` (tomllib does not report positions)."""
    current = ""
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        header = re.match(r"^\[([^\]]+)\]", stripped)
        if header:
            current = header.group(1).strip()
            continue
        if current == section and re.match(rf"^{re.escape(key)}\s*=", stripped):
            return number
    return None


class _Reader:
    def __init__(self, data: dict[str, Any], text: str, path: Path | None) -> None:
        self.data = data
        self.text = text
        self.path = path

    def fail(self, section: str, key: str, message: str) -> SettingsError:
        where = str(self.path) if self.path else "settings"
        line = _line_of(self.text, section, key)
        position = f"{where}:{line}" if line else where
        return SettingsError(f"{position}: [{section}] {key}: {message}")

    def section(self, name: str) -> dict[str, Any]:
        value = self.data.get(name, {})
        if not isinstance(value, dict):
            raise SettingsError(f"{self.path or 'settings'}: [{name}] must be a table")
        return value

    def get(self, section: str, key: str, kind: type | tuple[type, ...], default: Any) -> Any:
        table = self.section(section)
        if key not in table:
            return default
        value = table[key]
        if isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,)):
            raise self.fail(section, key, f"expected {_kind_name(kind)}, got a boolean")
        if not isinstance(value, kind):
            raise self.fail(section, key, f"expected {_kind_name(kind)}, got {value!r}")
        return value

    def number(self, section: str, key: str, default: float, minimum: float, maximum: float) -> Any:
        value = self.get(section, key, (int, float), default)
        if not minimum <= value <= maximum:
            raise self.fail(section, key, f"must be between {minimum:g} and {maximum:g}")
        return value

    def choice(self, section: str, key: str, options: list[str], default: str) -> str:
        value = self.get(section, key, str, default)
        if value not in options:
            raise self.fail(section, key, f"must be one of {', '.join(options)}; got {value!r}")
        return value


def _kind_name(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    names = {
        int: "a number",
        float: "a number",
        str: "a string",
        list: "a list",
        bool: "true/false",
    }
    return " or ".join(dict.fromkeys(names.get(k, k.__name__) for k in kinds))


def parse_settings(text: str, path: Path | None = None) -> Settings:
    """Read settings from TOML text; raises SettingsError naming the key and line."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{path or 'settings'}: {exc}") from None
    reader = _Reader(data, text, path)
    known = {"server", "csms", "files", "security", "logs", "ui"}
    for name in data:
        if name not in known:
            known_list = ", ".join(sorted(known))
            raise SettingsError(
                f"{path or 'settings'}: unknown section [{name}] (known: {known_list})"
            )

    subprotocols = reader.get("server", "subprotocols", list, list(CsmsConfig().subprotocols))
    for entry in subprotocols:
        if entry not in KNOWN_SUBPROTOCOLS:
            known = ", ".join(KNOWN_SUBPROTOCOLS)
            raise reader.fail("server", "subprotocols", f"{entry!r} is not one of {known}")
    if not subprotocols:
        raise reader.fail("server", "subprotocols", "offer at least one subprotocol")
    ping = reader.number("server", "ping_interval", 30, 0, 3600)

    csms = CsmsConfig(
        host=reader.get("server", "host", str, "0.0.0.0"),
        port=int(reader.number("server", "port", 9000, 0, 65535)),
        subprotocols=tuple(subprotocols),
        max_frame_bytes=int(reader.number("server", "max_frame_bytes", 1 << 20, 1024, 1 << 30)),
        ping_interval=float(ping) or None,
        boot_answer=BootAnswer(
            reader.choice("csms", "boot_answer", [b.value for b in BootAnswer], "Accepted")
        ),
        heartbeat_interval=int(reader.number("csms", "heartbeat_interval", 60, 1, 86400)),
        boot_retry_interval=int(reader.number("csms", "boot_retry_interval", 30, 1, 86400)),
        authorize_status=reader.choice(
            "csms",
            "authorize_status",
            ["Accepted", "Blocked", "Expired", "Invalid", "ConcurrentTx"],
            "Accepted",
        ),
        data_transfer_status=reader.choice(
            "csms",
            "data_transfer_status",
            ["Accepted", "Rejected", "UnknownMessageId", "UnknownVendorId"],
            "Accepted",
        ),
        call_timeout=float(reader.number("csms", "call_timeout", 30, 1, 3600)),
        validation=ValidationPolicy(
            reader.choice("csms", "validation", [v.value for v in ValidationPolicy], "lenient")
        ),
        window_size=int(reader.number("ui", "frame_window", 100_000, 1000, 10_000_000)),
        frames_in_memory=int(
            reader.number("ui", "frames_in_memory", 1_000_000, 10_000, 100_000_000)
        ),
        unknown_policy=UnknownChargerPolicy(
            reader.choice(
                "csms", "unknown_chargers", [p.value for p in UnknownChargerPolicy], "accept"
            )
        ),
        allow_list=set(map(str, reader.get("csms", "allow_list", list, []))),
    )
    passive_text = reader.get("files", "ftp_passive_ports", str, "30000-30009")
    match = re.fullmatch(r"\s*(\d+)\s*-\s*(\d+)\s*", passive_text)
    if not match or not 1024 <= int(match[1]) <= int(match[2]) <= 65535:
        raise reader.fail("files", "ftp_passive_ports", "must be a range like 30000-30009")
    files = FileServerSettings(
        advertise_host=reader.get("files", "advertise_host", str, ""),
        bind_host=reader.get("files", "bind_host", str, "0.0.0.0"),
        http_port=int(reader.number("files", "http_port", 8080, 0, 65535)),
        ftp_port=int(reader.number("files", "ftp_port", 2121, 0, 65535)),
        ftp_passive_ports=(int(match[1]), int(match[2])),
        max_upload_mb=int(reader.number("files", "max_upload_mb", 200, 1, 100_000)),
        sftp=reader.get("files", "sftp", bool, False),
        sftp_port=int(reader.number("files", "sftp_port", 2222, 0, 65535)),
        https=reader.get("files", "https", bool, True),
        https_port=int(reader.number("files", "https_port", 8443, 0, 65535)),
    )
    passwords = reader.get("security", "passwords", dict, {})
    for identity, password in passwords.items():
        if not isinstance(password, str):
            raise reader.fail("security.passwords", identity, "must be a string")
    security = SecuritySettings(
        profile=int(reader.number("security", "profile", 0, 0, 3)),
        default_password=reader.get("security", "default_password", str, ""),
        passwords=dict(passwords),
        cert=reader.get("security", "cert", str, ""),
        key=reader.get("security", "key", str, ""),
        client_ca=reader.get("security", "client_ca", str, ""),
        accept_hex_password=reader.get("security", "accept_hex_password", bool, True),
        legacy_tls=reader.get("security", "legacy_tls", bool, False),
        sign_csr=reader.get("security", "sign_csr", bool, True),
    )
    logs = LogSettings(keep_days=int(reader.number("logs", "keep_days", 90, 0, 36500)))
    ui = UiSettings(
        theme=reader.get("ui", "theme", str, "textual-dark"),
        refresh_hz=float(reader.number("ui", "refresh_hz", 10, 1, 60)),
    )
    return Settings(csms=csms, ui=ui, files=files, security=security, logs=logs, source=path)


def load_settings(path: Path) -> Settings:
    """Read the settings file; a missing file gives the defaults."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Settings()
    except OSError as exc:
        raise SettingsError(f"{path}: cannot read: {exc.strerror or exc}") from None
    return parse_settings(text, path)


def write_default_settings(path: Path) -> bool:
    """Create the commented default file if there is none; True when it was written."""
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(DEFAULT_SETTINGS_TOML, encoding="utf-8")
    return True
