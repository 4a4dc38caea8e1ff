"""Which URL scheme to give a charger for a firmware download or a log upload.

Chargers differ (HTTP only, FTP only, SFTP only, ...); the optional read-only key
`SupportedFileTransferProtocols` (1.6) / variable `OCPPCommCtrlr.FileTransferProtocols`
(2.0.1, 2.1) says which they take. The screens call, in this order:

    served = served_schemes(settings=app_settings.files)  # before the file server runs
    served = served_schemes(file_server)                   # or once it runs
    choice = scheme_choice(session, served)                 # from what the session already read
    choice = await fetch_scheme_choice(session, served)     # reads the one key first if unread
    choice.preferred        # "http": pre-select this
    choice.supported        # ["http", "ftp"]: the laptop's schemes the charger lists, best first
    choice.listed           # ["FTP", "HTTP"] as the charger says, or None when not reported
    scheme_choice(session, served, chosen="sftp").warning
                            # "the charger lists FTP, HTTP, not SFTP: ..." (None when fine)

Preference: HTTP (one port, no login), FTP (a data-port range), HTTPS (needs a certificate
the charger trusts), SFTP (host keys, slow handshakes on small CPUs). FTPS is never served
(see `file_server/ftp.py`), so a charger that lists only FTPS gets a warning, not a choice.

This module is the one home of the choice and its warning: the TUI's forms, the transfer jobs
(and so `ocpp-tui run` and the proxy) and the transfer diagnosis all use it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ocpptui.core.configuration import read_configuration
from ocpptui.core.device_model import get_variables
from ocpptui.core.device_model_variables import VariableRef
from ocpptui.core.session import CallFailed, Session
from ocpptui.services.file_server import FileServer
from ocpptui.settings.model import FileServerSettings

SCHEME_PREFERENCE = ("http", "ftp", "https", "sftp")
KEY_16 = "SupportedFileTransferProtocols"
COMPONENT_2X, VARIABLE_2X = "OCPPCommCtrlr", "FileTransferProtocols"


def key_name(session: Session | None) -> str:
    """The name of the charger's list in its own version, for messages."""
    if session is not None and session.version.is_2x:
        return f"{COMPONENT_2X}.{VARIABLE_2X}"
    return KEY_16


@dataclass(frozen=True, slots=True)
class SchemeChoice:
    """What the charger supports of what the laptop serves, and what to pre-select."""

    listed: list[str] | None
    """The charger's own list, upper case (`["FTP", "HTTP"]`); None when it reported none."""
    served: tuple[str, ...]
    """What the laptop's file server offers (`served_schemes`)."""
    supported: list[str] = field(default_factory=list)
    """Schemes both sides have, in preference order; when the list is unknown, all served."""
    preferred: str = "http"
    """The scheme to pre-select."""
    chosen: str | None = None
    warning: str | None = None
    """Why `chosen` (or `preferred` when nothing was chosen) may fail on this charger."""
    key: str = KEY_16
    """Where the list comes from: `SupportedFileTransferProtocols` or the 2.x variable."""


def parse_protocols(value: str | None) -> list[str] | None:
    """`"FTP,HTTP"`, `"ftp; http"`, `"FTP HTTPS"` → `["FTP", "HTTP"]`; None stays None."""
    if value is None:
        return None
    return list(dict.fromkeys(part.upper() for part in re.split(r"[,;\s]+", value) if part))


def listed_protocols(session: Session | None) -> list[str] | None:
    """The charger's list as the session last read it (configuration or device model)."""
    if session is None:
        return None
    state = session.state
    if session.version.is_2x:
        model = state.device_model
        return parse_protocols(model.value(COMPONENT_2X, VARIABLE_2X)) if model else None
    table = state.configuration
    return parse_protocols(table.value(KEY_16)) if table is not None else None


async def read_protocols(session: Session, *, timeout: float = 10.0) -> list[str] | None:
    """Ask the charger for just its list (GetConfiguration of one key / one GetVariables).

    None when the charger does not report it; raises CallFailed only when the connection
    is gone.
    """
    try:
        if session.version.is_2x:
            await get_variables(session, [VariableRef(COMPONENT_2X, VARIABLE_2X)])
        else:
            await read_configuration(session, [KEY_16], timeout=timeout)
    except CallFailed:
        if not session.connected:
            raise
    return listed_protocols(session)


def served_schemes(
    file_server: FileServer | None = None,
    *,
    settings: FileServerSettings | None = None,
    tls_folder: Path | None = None,
) -> tuple[str, ...]:
    """The schemes the laptop serves: from the running server, else from the settings (HTTPS
    when it is on and `ocpp-tui certs` made a usable certificate in `tls_folder`, by default
    the data folder's `tls`)."""
    if file_server is not None and file_server.running:
        ports = file_server.ports
        available = {
            "http": True,
            "ftp": ports.ftp is not None,
            "https": ports.https is not None,
            "sftp": ports.sftp is not None,
        }
    else:
        files = settings or FileServerSettings()
        available = {"http": True, "ftp": True, "https": False, "sftp": files.sftp}
        if files.https:
            from ocpptui.paths import Paths
            from ocpptui.services.file_hosting import https_context

            folder = tls_folder or Paths.default().data_dir / "tls"
            available["https"] = https_context(folder) is not None
    return tuple(scheme for scheme in SCHEME_PREFERENCE if available[scheme])


def supported_schemes(listed: list[str] | None, served: tuple[str, ...]) -> list[str]:
    """The served schemes the charger lists, best first (all served ones when unknown)."""
    ordered = [scheme for scheme in SCHEME_PREFERENCE if scheme in served]
    if listed is None:
        return ordered
    return [scheme for scheme in ordered if scheme.upper() in listed]


def scheme_warning(
    scheme: str,
    listed: list[str] | None,
    served: tuple[str, ...] = SCHEME_PREFERENCE,
    *,
    key: str = KEY_16,
) -> str | None:
    """Why `scheme` may not work with this charger, or None."""
    if scheme not in served:
        return f"the laptop does not serve {scheme.upper()} (turn it on in the settings)"
    if listed is None:
        return (
            f"the charger has not said which protocols it takes ({key} not read or not "
            "reported): if the transfer never starts, try another one"
        )
    if scheme.upper() in listed:
        return None
    shown = ", ".join(listed) or "nothing"
    better = supported_schemes(listed, served)
    if better:
        advice = f"use {better[0].upper()}"
    else:
        advice = "the laptop serves none of them (FTPS is not offered)"
    return (
        f"the charger lists {shown} in {key}, not {scheme.upper()}: it will probably "
        f"refuse it; {advice}"
    )


def scheme_choice(
    session: Session | None, served: tuple[str, ...], chosen: str | None = None
) -> SchemeChoice:
    """The choice from what the session has already read (no request to the charger)."""
    return choice_from_list(listed_protocols(session), served, chosen, key_name(session))


async def fetch_scheme_choice(
    session: Session, served: tuple[str, ...], chosen: str | None = None
) -> SchemeChoice:
    """The choice, reading the charger's list first when the session has not read it."""
    listed = listed_protocols(session)
    if listed is None:
        listed = await read_protocols(session)
    return choice_from_list(listed, served, chosen, key_name(session))


def choice_from_list(
    listed: list[str] | None, served: tuple[str, ...], chosen: str | None = None, key: str = KEY_16
) -> SchemeChoice:
    """The choice from the charger's list as given (the forms keep it while they are open)."""
    supported = supported_schemes(listed, served)
    preferred = supported[0] if supported else (served[0] if served else "http")
    scheme = chosen or preferred
    warning = scheme_warning(scheme, listed, served, key=key)
    return SchemeChoice(listed, served, supported, preferred, chosen, warning, key)
