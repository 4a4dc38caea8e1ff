"""The settings as dataclasses, one per section of the settings file (`reader` fills them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ocpptui.core.config import CsmsConfig


class SettingsError(ValueError):
    """A settings file problem, naming the file, the key and the line."""


@dataclass(slots=True)
class UiSettings:
    theme: str = "textual-dark"
    refresh_hz: float = 10.0
    # Read into CsmsConfig (frames_in_memory_bytes, large_frame_chars): the hub bounds memory.
    frames_in_memory_mb: int = 512
    large_frame_kb: int = 64


@dataclass(slots=True)
class FileServerSettings:
    advertise_host: str = ""
    bind_host: str = ""  # "": where the mini-CSMS listens ([server] host / --host)
    http_port: int = 8080
    ftp_port: int = 2121
    ftp_passive_ports: tuple[int, int] = (30000, 30009)
    max_upload_mb: int = 200
    max_connections: int = 64  # HTTP, FTP and SFTP together; 0: no cap
    max_connections_per_ip: int = 8  # 0: no cap
    request_timeout: float = 15.0  # seconds for a whole request (headers, FTP/SSH login)
    idle_timeout: float = 300.0  # seconds an FTP control connection may be silent
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
    certificate_organisation: str = ""  # "": the local CA's organisation
    auth_backoff_max: float = 8.0  # seconds; 0: failed passwords are answered at once


@dataclass(slots=True)
class LogSettings:
    keep_days: int = 90  # 0: keep every session folder
    max_open_files: int = 0  # read into CsmsConfig.max_open_log_files; 0: from ulimit -n


@dataclass(slots=True)
class Settings:
    csms: CsmsConfig = field(default_factory=CsmsConfig)
    ui: UiSettings = field(default_factory=UiSettings)
    files: FileServerSettings = field(default_factory=FileServerSettings)
    security: SecuritySettings = field(default_factory=SecuritySettings)
    logs: LogSettings = field(default_factory=LogSettings)
    source: Path | None = None


#: Section → the dataclass that holds it: each field name is a key the section accepts (keys
#: that map onto other objects, such as [ui] frame_window, are known from the parser's reads).
SECTION_DATACLASSES: dict[str, type] = {
    "files": FileServerSettings,
    "security": SecuritySettings,
    "logs": LogSettings,
    "ui": UiSettings,
}
