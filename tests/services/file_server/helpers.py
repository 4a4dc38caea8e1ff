"""Helpers for the file server tests: a server on free loopback ports, its events, raw HTTP."""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from ocpptui.services.file_server import FileServer, FileServerEvent
from tests.helpers import loopback_file_server

MAX_UPLOAD = 1 << 20


E = TypeVar("E")


def free_ports(count: int) -> list[int]:
    """Ports free right now, for the FTP passive range (the system picks them)."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def firmware_file(folder: Path, version: str = "2.0.0", size: int = 300_000) -> Path:
    """A firmware image the simulator installs as `version` (its first line says so)."""
    path = folder / f"charger-fw-{version}.bin"
    path.write_bytes(f"SIMFW version={version}\n".encode() + os.urandom(size))
    return path


def make_server(tmp_path: Path, **overrides: Any) -> FileServer:
    """A loopback file server with a passive FTP range and a 1 MiB upload limit."""
    options: dict[str, Any] = {"ftp_passive_ports": free_ports(4), "max_upload_bytes": MAX_UPLOAD}
    return loopback_file_server(tmp_path / "uploads", **{**options, **overrides})


class Recorder(list[FileServerEvent]):
    """Every event the server emitted, in order."""

    def of(self, kind: type[E]) -> list[E]:
        return [event for event in self if isinstance(event, kind)]

    async def wait_for(
        self, kind: type[E], predicate: Callable[[E], bool] = lambda _: True, timeout: float = 5
    ) -> E:
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            for event in self.of(kind):
                if predicate(event):
                    return event
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"no {kind.__name__} in {self!r}")
            await asyncio.sleep(0.01)


async def raw_http(port: int, request: bytes, read_body: bool = False) -> tuple[int, bytes]:
    """Send bytes exactly as written (no client-side URL clean-up); return status and reply."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(request)
        await writer.drain()
        if read_body:
            reply = await asyncio.wait_for(reader.read(), 5)
        else:
            reply = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
        return int(reply.split(b" ", 2)[1]), reply
    finally:
        writer.close()


def raw_get(target: str) -> bytes:
    return f"GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode()
