"""Build the laptop's file server from the settings (one place for the TUI and headless runs)."""

from __future__ import annotations

from pathlib import Path

from ocpptui.services.file_server import FileServer
from ocpptui.settings import FileServerSettings


def create_file_server(settings: FileServerSettings, upload_dir: Path) -> FileServer:
    """A FileServer configured as the technician set it up (not started)."""
    first, last = settings.ftp_passive_ports
    return FileServer(
        advertise_host=settings.advertise_host or None,
        bind_host=settings.bind_host,
        http_port=settings.http_port,
        ftp_port=settings.ftp_port,
        ftp_passive_ports=range(first, last + 1),
        upload_dir=upload_dir,
        max_upload_bytes=settings.max_upload_mb * 1024 * 1024,
    )
