"""Fixtures for the services tests: the laptop's real file server on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from ocpptui.services.file_server import FileServer
from tests.helpers import loopback_file_server


@pytest.fixture
async def file_server(tmp_path: Path) -> AsyncIterator[FileServer]:
    """HTTP + FTP on 127.0.0.1; uploads land in `tmp_path/uploads`."""
    async with loopback_file_server(tmp_path / "uploads") as server:
        yield server
