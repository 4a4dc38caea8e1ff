"""Build the laptop's file server from the settings (one place for the TUI and headless runs)."""

from __future__ import annotations

from pathlib import Path

from ocpptui.paths import Paths
from ocpptui.services.file_server import FileServer
from ocpptui.settings import FileServerSettings


def sftp_host_key_folder(paths: Paths) -> Path:
    """Where the SFTP server's host keys live (made on its first start, then kept)."""
    return paths.data_dir / "ssh"


def create_file_server(
    settings: FileServerSettings, upload_dir: Path, *, host_key_folder: Path | None = None
) -> FileServer:
    """A FileServer configured as the technician set it up (not started).

    `host_key_folder` defaults to `sftp_host_key_folder(Paths.default())`.
    """
    first, last = settings.ftp_passive_ports
    if settings.sftp and host_key_folder is None:
        host_key_folder = sftp_host_key_folder(Paths.default())
    return FileServer(
        advertise_host=settings.advertise_host or None,
        bind_host=settings.bind_host,
        http_port=settings.http_port,
        ftp_port=settings.ftp_port,
        ftp_passive_ports=range(first, last + 1),
        upload_dir=upload_dir,
        max_upload_bytes=settings.max_upload_mb * 1024 * 1024,
        enable_sftp=settings.sftp,
        sftp_port=settings.sftp_port,
        sftp_host_key_folder=host_key_folder,
    )
