"""Reading the settings file: a commented TOML file in the user config folder, read into the
dataclasses of `model`.

A bad value is reported with the file, the key and its line, so a technician can fix it.
"""

from __future__ import annotations

import difflib
import math
import re
import tomllib
from collections.abc import Iterable
from dataclasses import fields as dataclass_fields
from pathlib import Path
from typing import Any

from ocpptui.core.config import BootAnswer, CsmsConfig, UnknownChargerPolicy, ValidationPolicy
from ocpptui.protocol.versions import KNOWN_SUBPROTOCOLS
from ocpptui.settings.model import (
    SECTION_DATACLASSES,
    FileServerSettings,
    LogSettings,
    SecuritySettings,
    Settings,
    SettingsError,
    UiSettings,
)

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
# WebSocket connections accepted together; past it a charger is refused with HTTP 503 and
# the reason. 0 = as many as the laptop's open-file limit (ulimit -n) leaves room for.
max_connections = 0
# Connections from one IP address (handshakes included); 0 = no cap per address.
max_connections_per_ip = 64

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
# Address put in the URLs given to chargers ("" = the address the file server listens on,
# or the laptop's first network address when it listens on every interface).
advertise_host = ""
# Address the HTTP/FTP/SFTP listeners bind ("" = the same as [server] host / --host, so
# `--host 127.0.0.1` keeps the file server on this laptop too; "0.0.0.0" = every interface).
bind_host = ""
http_port = 8080
ftp_port = 2121
# FTP data ports (passive mode): open these in the laptop's firewall too.
ftp_passive_ports = "30000-30009"
# Largest upload, per request and per offer together (MB).
max_upload_mb = 200
# Connections to the file server at once (HTTP, FTP and SFTP together), in all and from one
# address, so that one device on the network cannot lock the chargers out (0 = no cap).
max_connections = 64
max_connections_per_ip = 8
# Seconds a client has to send a whole request (HTTP headers, FTP login; an SSH login gets
# four times as long); also how long an idle HTTP connection is kept.
request_timeout = 15
# Seconds an FTP control connection may sit without a command (a running transfer is fine).
idle_timeout = 300
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
# The certificate's CN is always the identity the charger connected as, whatever its CSR asks.
sign_csr = true
# Organisation (O) in the certificates signed for chargers ("" = the local CA's).
certificate_organisation = ""
# After a wrong password from an address, its next answers wait 0.5, 1, 2 ... seconds, at
# most this long (slows password guessing; 0 = no wait).
auth_backoff_max = 8

[security.passwords]
# "CP-1" = "0123456789abcdef0123456789abcdef01234567"

[logs]
# Session folders (frame logs and the files chargers uploaded) older than this many days are
# deleted when ocpp-tui starts; 0 keeps them all. Reports are never deleted.
keep_days = 90
# Frame log files held open at once; the least recently written are closed and opened
# again at their next frame (0 = a quarter of the laptop's open-file limit, ulimit -n).
max_open_files = 0

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
# ... and the memory they may take together (MB): a charger sending huge frames reaches
# this long before the frame count.
frames_in_memory_mb = 512
# Frames larger than this (kB of text) are kept on disk only once written, and read back
# from the log file when shown.
large_frame_kb = 64
"""


#: A settings file is a page of text: anything much bigger is not one (and is refused
#: before it is parsed).
MAX_SETTINGS_BYTES = 1 << 20

_HEADER = re.compile(r"^\[\[?\s*([^\]]+?)\s*\]")


def _key_pattern(key: str) -> str:
    quoted = re.escape(key)
    return rf"(?:{quoted}|\"{quoted}\"|'{quoted}')"


def _line_of(text: str, section: str, key: str) -> int | None:
    """1-based line of `key` inside `[section]` (tomllib does not report positions): a
    `key = ...` line, a `[section.key]` sub-table, or a dotted `section.key = ...`."""
    current = ""
    in_section = re.compile(rf"^{_key_pattern(key)}\s*[=.]")
    dotted = re.compile(rf"^{re.escape(section)}\s*\.\s*{_key_pattern(key)}\s*[=.]")
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        header = _HEADER.match(stripped)
        if header:
            current = header.group(1).strip()
            if current == f"{section}.{key}" or current.startswith(f"{section}.{key}."):
                return number
            continue
        if current == section and in_section.match(stripped):
            return number
        if current == "" and dotted.match(stripped):
            return number
    return None


def _section_line(text: str, name: str) -> int | None:
    """1-based line where section `name` starts: its header, or a top-level `name = ...`."""
    top_level = re.compile(rf"^{_key_pattern(name)}\s*[=.]")
    current = ""
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        header = _HEADER.match(stripped)
        if header:
            current = header.group(1).strip()
            if current == name or current.startswith(name + "."):
                return number
            continue
        if current == "" and top_level.match(stripped):
            return number
    return None


def closest_name(word: str, candidates: Iterable[str]) -> str | None:
    """The known name `word` was probably meant to be (case first, then spelling), or None."""
    options = sorted(candidates)
    lowered = {option.lower(): option for option in options}
    if word.lower() in lowered:  # TOML keys are case-sensitive: `Port` is not `port`
        return lowered[word.lower()]
    found = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    return found[0] if found else None


class _Reader:
    """Reads typed values out of the parsed TOML and remembers every key it was asked for:
    after a parse, those (and the sections' dataclass fields) are the known keys."""

    def __init__(self, data: dict[str, Any], text: str, path: Path | None) -> None:
        self.data = data
        self.text = text
        self.path = path
        self.known: dict[str, set[str]] = {}

    @property
    def where(self) -> str:
        return str(self.path) if self.path else "settings"

    def fail(self, section: str, key: str, message: str) -> SettingsError:
        line = _line_of(self.text, section, key)
        position = f"{self.where}:{line}" if line else self.where
        return SettingsError(f"{position}: [{section}] {key}: {message}")

    def section(self, name: str) -> dict[str, Any]:
        self.known.setdefault(name, set())
        value = self.data.get(name, {})
        if not isinstance(value, dict):
            line = _section_line(self.text, name)
            position = f"{self.where}:{line}" if line else self.where
            raise SettingsError(
                f"{position}: {name} must be a section ([{name}] with keys under it), got {value!r}"
            )
        return value

    def get(self, section: str, key: str, kind: type | tuple[type, ...], default: Any) -> Any:
        table = self.section(section)
        self.known[section].add(key)
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
        if not math.isfinite(value):
            raise self.fail(section, key, f"must be a finite number, got {value!r}")
        if not minimum <= value <= maximum:
            raise self.fail(section, key, f"must be between {minimum:g} and {maximum:g}")
        return value

    def integer(self, section: str, key: str, default: int, minimum: int, maximum: int) -> int:
        """A whole number (`port = 9000.7` is an error, not port 9000)."""
        value = self.number(section, key, default, minimum, maximum)
        if isinstance(value, float):
            raise self.fail(section, key, f"expected a whole number, got {value!r}")
        return value

    def choice(self, section: str, key: str, options: list[str], default: str) -> str:
        value = self.get(section, key, str, default)
        if value not in options:
            raise self.fail(section, key, f"must be one of {', '.join(options)}; got {value!r}")
        return value

    def strings(self, section: str, key: str, default: list[str]) -> list[str]:
        values = self.get(section, key, list, default)
        for value in values:
            if not isinstance(value, str):
                raise self.fail(section, key, f"expected a list of strings, got {value!r}")
        return values

    def check_unknown(self) -> None:
        """Every section and key of the file must be one the parser read (or a field of the
        section's dataclass): a typo is an error naming its line and the closest known key."""
        known = {section: set(keys) for section, keys in self.known.items()}
        for section, holder in SECTION_DATACLASSES.items():
            # A key added to the section's dataclass is accepted even before it is parsed.
            known.setdefault(section, set()).update(f.name for f in dataclass_fields(holder))
        for section, table in self.data.items():
            if section not in known:
                self._unknown_section(section, known)
            for key in table:
                if key not in known[section]:
                    guess = closest_name(key, known[section])
                    listed = ", ".join(sorted(known[section]))
                    hint = f"did you mean {guess}?" if guess else f"known keys: {listed}"
                    raise self.fail(section, key, f"unknown key; {hint}")

    def _unknown_section(self, name: str, known: dict[str, set[str]]) -> None:
        line = _section_line(self.text, name)
        position = f"{self.where}:{line}" if line else self.where
        owners = sorted(section for section, keys in known.items() if name in keys)
        if owners and not isinstance(self.data[name], dict):
            raise SettingsError(
                f"{position}: {name} is outside any section; did you mean [{owners[0]}] {name}?"
            )
        guess = closest_name(name, known)
        hint = f"did you mean [{guess}]?" if guess else "known: " + ", ".join(sorted(known))
        raise SettingsError(f"{position}: unknown section [{name}]; {hint}")


def _kind_name(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    names = {
        int: "a number",
        float: "a number",
        str: "a string",
        list: "a list",
        bool: "true/false",
        dict: "a table",
    }
    return " or ".join(dict.fromkeys(names.get(k, k.__name__) for k in kinds))


def parse_settings(text: str, path: Path | None = None) -> Settings:
    """Read settings from TOML text; raises SettingsError naming the key and line.

    Strict: a key or section the parser does not know is an error (with the closest known
    key), as is a value of the wrong type (`port = 9000.7`, `call_timeout = true`, `nan`).
    """
    where = str(path) if path else "settings"
    if len(text) > MAX_SETTINGS_BYTES:
        raise SettingsError(f"{where}: {len(text):,} characters is too big for a settings file")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{where}: {exc}") from None
    except RecursionError:
        raise SettingsError(f"{where}: values are nested too deeply to be settings") from None
    reader = _Reader(data, text, path)

    frames_in_memory_mb = reader.integer("ui", "frames_in_memory_mb", 512, 16, 1_000_000)
    large_frame_kb = reader.integer("ui", "large_frame_kb", 64, 1, 1_000_000)
    max_open_files = reader.integer("logs", "max_open_files", 0, 0, 1_000_000)
    subprotocols = reader.strings("server", "subprotocols", list(CsmsConfig().subprotocols))
    for entry in subprotocols:
        if entry not in KNOWN_SUBPROTOCOLS:
            known = ", ".join(KNOWN_SUBPROTOCOLS)
            raise reader.fail("server", "subprotocols", f"{entry!r} is not one of {known}")
    if not subprotocols:
        raise reader.fail("server", "subprotocols", "offer at least one subprotocol")
    ping = reader.number("server", "ping_interval", 30, 0, 3600)

    csms = CsmsConfig(
        host=reader.get("server", "host", str, "0.0.0.0"),
        port=reader.integer("server", "port", 9000, 0, 65535),
        subprotocols=tuple(subprotocols),
        max_frame_bytes=reader.integer("server", "max_frame_bytes", 1 << 20, 1024, 1 << 30),
        ping_interval=float(ping) or None,
        max_connections=reader.integer("server", "max_connections", 0, 0, 1_000_000),
        max_connections_per_ip=reader.integer("server", "max_connections_per_ip", 64, 0, 1_000_000),
        boot_answer=BootAnswer(
            reader.choice("csms", "boot_answer", [b.value for b in BootAnswer], "Accepted")
        ),
        heartbeat_interval=reader.integer("csms", "heartbeat_interval", 60, 1, 86400),
        boot_retry_interval=reader.integer("csms", "boot_retry_interval", 30, 1, 86400),
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
        window_size=reader.integer("ui", "frame_window", 100_000, 1000, 10_000_000),
        frames_in_memory=reader.integer("ui", "frames_in_memory", 1_000_000, 10_000, 100_000_000),
        frames_in_memory_bytes=frames_in_memory_mb * 1024 * 1024,
        large_frame_chars=large_frame_kb * 1024,
        max_open_log_files=max_open_files,
        unknown_policy=UnknownChargerPolicy(
            reader.choice(
                "csms", "unknown_chargers", [p.value for p in UnknownChargerPolicy], "accept"
            )
        ),
        allow_list=set(reader.strings("csms", "allow_list", [])),
    )
    passive_text = reader.get("files", "ftp_passive_ports", str, "30000-30009")
    match = re.fullmatch(r"\s*(\d+)\s*-\s*(\d+)\s*", passive_text)
    if not match or not 1024 <= int(match[1]) <= int(match[2]) <= 65535:
        raise reader.fail("files", "ftp_passive_ports", "must be a range like 30000-30009")
    files = FileServerSettings(
        advertise_host=reader.get("files", "advertise_host", str, ""),
        bind_host=reader.get("files", "bind_host", str, ""),
        http_port=reader.integer("files", "http_port", 8080, 0, 65535),
        ftp_port=reader.integer("files", "ftp_port", 2121, 0, 65535),
        ftp_passive_ports=(int(match[1]), int(match[2])),
        max_upload_mb=reader.integer("files", "max_upload_mb", 200, 1, 100_000),
        max_connections=reader.integer("files", "max_connections", 64, 0, 100_000),
        max_connections_per_ip=reader.integer("files", "max_connections_per_ip", 8, 0, 100_000),
        request_timeout=float(reader.number("files", "request_timeout", 15, 1, 3600)),
        idle_timeout=float(reader.number("files", "idle_timeout", 300, 10, 86400)),
        sftp=reader.get("files", "sftp", bool, False),
        sftp_port=reader.integer("files", "sftp_port", 2222, 0, 65535),
        https=reader.get("files", "https", bool, True),
        https_port=reader.integer("files", "https_port", 8443, 0, 65535),
    )
    passwords = reader.get("security", "passwords", dict, {})
    for identity, password in passwords.items():
        if not isinstance(password, str):
            raise reader.fail("security.passwords", identity, "must be a string")
    security = SecuritySettings(
        profile=reader.integer("security", "profile", 0, 0, 3),
        default_password=reader.get("security", "default_password", str, ""),
        passwords=dict(passwords),
        cert=reader.get("security", "cert", str, ""),
        key=reader.get("security", "key", str, ""),
        client_ca=reader.get("security", "client_ca", str, ""),
        accept_hex_password=reader.get("security", "accept_hex_password", bool, True),
        legacy_tls=reader.get("security", "legacy_tls", bool, False),
        sign_csr=reader.get("security", "sign_csr", bool, True),
        certificate_organisation=reader.get("security", "certificate_organisation", str, ""),
        auth_backoff_max=float(reader.number("security", "auth_backoff_max", 8, 0, 60)),
    )
    logs = LogSettings(
        keep_days=reader.integer("logs", "keep_days", 90, 0, 36500),
        max_open_files=max_open_files,
    )
    ui = UiSettings(
        theme=reader.get("ui", "theme", str, "textual-dark"),
        refresh_hz=float(reader.number("ui", "refresh_hz", 10, 1, 60)),
        frames_in_memory_mb=frames_in_memory_mb,
        large_frame_kb=large_frame_kb,
    )
    reader.check_unknown()
    return Settings(csms=csms, ui=ui, files=files, security=security, logs=logs, source=path)


def read_settings_text(path: Path) -> str:
    """The settings file's text; SettingsError when it cannot be read or is not UTF-8.

    FileNotFoundError passes through (a missing file means the defaults).
    """
    try:
        with path.open("rb") as file:
            data = file.read(MAX_SETTINGS_BYTES + 1)
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise SettingsError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if len(data) > MAX_SETTINGS_BYTES:
        raise SettingsError(f"{path}: more than {MAX_SETTINGS_BYTES:,} bytes: not a settings file")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise SettingsError(
            f"{path}:{line}: not UTF-8 text (byte 0x{data[exc.start]:02x}); save the file as UTF-8"
        ) from None


def load_settings(path: Path) -> Settings:
    """Read the settings file; a missing file gives the defaults."""
    try:
        text = read_settings_text(path)
    except FileNotFoundError:
        return Settings()
    return parse_settings(text, path)


def write_default_settings(path: Path) -> bool:
    """Create the commented default file if there is none; True when it was written."""
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(DEFAULT_SETTINGS_TOML, encoding="utf-8")
    return True
