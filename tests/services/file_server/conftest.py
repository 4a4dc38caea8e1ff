"""A real file server on 127.0.0.1 (ports picked by the system), its events, a firmware file."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from ocpptui.services.file_server import FileServer
from tests.services.file_server.helpers import Recorder, make_server


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[FileServer]:
    async with make_server(tmp_path) as file_server:
        yield file_server


@pytest.fixture
def events(server: FileServer) -> Recorder:
    recorder = Recorder()
    server.subscribe(recorder.append)
    return recorder


@pytest.fixture
def firmware(tmp_path: Path) -> Path:
    """A 3 MB file of random bytes (large enough to need several progress steps)."""
    path = tmp_path / "firmware-2.1.bin"
    path.write_bytes(os.urandom(3_000_000))
    return path
