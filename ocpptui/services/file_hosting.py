"""Build the laptop's file server from the settings (one place for the TUI and headless runs)."""

from __future__ import annotations

import logging
import ssl
from pathlib import Path

from ocpptui.paths import Paths
from ocpptui.services.file_server import FileServer
from ocpptui.services.file_server.limits import ConnectionLimits
from ocpptui.settings.model import FileServerSettings

log = logging.getLogger(__name__)


def sftp_host_key_folder(paths: Paths) -> Path:
    """Where the SFTP server's host keys live (made on its first start, then kept)."""
    return paths.data_dir / "ssh"


def https_context(tls_folder: Path) -> ssl.SSLContext | None:
    """A server context from the certificate `ocpp-tui certs` made, if there is one."""
    from ocpptui.services.tls import TlsFiles, server_context

    files = TlsFiles.in_folder(tls_folder)
    if not (files.server_cert.exists() and files.server_key.exists()):
        return None
    try:
        return server_context(files.server_cert, files.server_key)
    except (OSError, ssl.SSLError, ValueError):
        log.warning("the certificate in %s cannot be used for HTTPS", tls_folder, exc_info=True)
        return None


def file_server_bind_host(settings: FileServerSettings, server_host: str | None) -> str:
    """Where the file server listens: `[files] bind_host`, else where the mini-CSMS listens
    (`server_host`: `--host` / `[server] host`), else every interface."""
    return settings.bind_host or server_host or "0.0.0.0"


def create_file_server(
    settings: FileServerSettings,
    upload_dir: Path,
    *,
    server_host: str | None = None,
    host_key_folder: Path | None = None,
    tls_folder: Path | None = None,
) -> FileServer:
    """A FileServer configured as the technician set it up (not started).

    `server_host` is the address the mini-CSMS listens on (`Hub.listen_host`): the file
    server binds there too unless `[files] bind_host` names another address, so a server
    kept on this laptop (`--host 127.0.0.1`) does not open its file server to the site
    network. `host_key_folder` defaults to `sftp_host_key_folder(Paths.default())`;
    `tls_folder` (for HTTPS, when `[files] https` is on and a certificate exists) to the data
    dir's `tls`.
    """
    first, last = settings.ftp_passive_ports
    if settings.sftp and host_key_folder is None:
        host_key_folder = sftp_host_key_folder(Paths.default())
    context = None
    if settings.https:
        context = https_context(tls_folder or Paths.default().data_dir / "tls")
    return FileServer(
        advertise_host=settings.advertise_host or None,
        bind_host=file_server_bind_host(settings, server_host),
        http_port=settings.http_port,
        https_port=settings.https_port,
        ssl_context=context,
        ftp_port=settings.ftp_port,
        ftp_passive_ports=range(first, last + 1),
        upload_dir=upload_dir,
        max_upload_bytes=settings.max_upload_mb * 1024 * 1024,
        enable_sftp=settings.sftp,
        sftp_port=settings.sftp_port,
        sftp_host_key_folder=host_key_folder,
        limits=ConnectionLimits(
            max_connections=settings.max_connections,
            max_connections_per_ip=settings.max_connections_per_ip,
            request_timeout=settings.request_timeout,
            idle_timeout=settings.idle_timeout,
        ),
    )
