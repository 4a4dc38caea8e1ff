"""Helpers shared by the tests: a raw WebSocket charger, waiting, fast simulator options,
a loopback file server, a full disk, the CLI in a subprocess."""

from __future__ import annotations

import asyncio
import errno
import json
import os
import re
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, BinaryIO

from websockets.asyncio.client import ClientConnection, connect

from ocpptui.core.hub import Hub
from ocpptui.services.file_server import FileServer

#: The repository: the README, the benchmarks, `python -m ocpptui` run from here.
ROOT = Path(__file__).resolve().parents[1]


class RawCharger:
    """A hand-driven charger: sends exact frames and reads exactly what comes back."""

    def __init__(self, connection: ClientConnection) -> None:
        self.connection = connection
        self._counter = 0

    async def send_text(self, text: str) -> None:
        await self.connection.send(text)

    async def recv_json(self, timeout: float = 5) -> Any:
        return json.loads(await asyncio.wait_for(self.connection.recv(), timeout))

    async def call(self, action: str, payload: dict[str, Any], timeout: float = 5) -> list[Any]:
        """Send a CALL and return the answer frame (as a list)."""
        self._counter += 1
        message_id = f"m{self._counter}"
        await self.send_text(json.dumps([2, message_id, action, payload]))
        answer = await self.recv_json(timeout)
        assert answer[1] == message_id, answer
        return answer

    async def boot_16(self, vendor: str = "VendorX", model: str = "ModelY") -> list[Any]:
        return await self.call(
            "BootNotification",
            {"chargePointVendor": vendor, "chargePointModel": model, "firmwareVersion": "1.0"},
        )


def server_url(hub: Hub, identity: str = "CP-1", prefix: str = "/ocpp") -> str:
    return f"ws://127.0.0.1:{hub.servers[0].port}{prefix}/{identity}"


async def connect_raw(hub: Hub, identity: str = "CP-1", subprotocol: str = "ocpp1.6") -> RawCharger:
    connection = await connect(server_url(hub, identity), subprotocols=[subprotocol])  # type: ignore[list-item]
    return RawCharger(connection)


async def wait_for(predicate, timeout: float = 5.0, interval: float = 0.01) -> None:
    """Poll `predicate` until it is true (fails the test after `timeout`)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(interval)


# Simulated chargers against the real hub: protocol intervals run 20x faster.
FAST_SIM: dict[str, Any] = {
    "speedup": 20.0,
    "boot_retry_floor": 0.05,
    "reconnect_backoff": (0.05, 0.2),
    "reboot_delay": 0.05,
    "response_timeout": 3.0,
}


def loopback_file_server(upload_dir: Path | None, **overrides: Any) -> FileServer:
    """The laptop's real file server on 127.0.0.1, every port picked by the system and no FTP
    passive range (not started: `async with` it, or start and stop it)."""
    options: dict[str, Any] = {
        "advertise_host": "127.0.0.1",
        "bind_host": "127.0.0.1",
        "http_port": 0,
        "https_port": 0,
        "ftp_port": 0,
        "ftp_passive_ports": None,
        "upload_dir": upload_dir,
    }
    options.update(overrides)
    return FileServer(**options)


class Disk:
    """Room left on the fake disk: None is plenty; a number of bytes fills it."""

    def __init__(self) -> None:
        self.room: int | None = None


class FullDiskFile:
    """A file on `disk` (the one fake: a test cannot fill the real disk): past its room, a
    write puts what fits and fails with ENOSPC, as write(2) on a full file system does."""

    def __init__(self, file: BinaryIO, disk: Disk) -> None:
        self._file = file
        self._disk = disk

    def write(self, data: bytes) -> int:
        room = self._disk.room
        if room is None or len(data) <= room:
            if room is not None:
                self._disk.room = room - len(data)
            return self._file.write(data)
        self._file.write(data[:room])
        self._file.flush()
        self._disk.room = 0
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._file, name)


def _cli_env(home: Path) -> dict[str, str]:
    return {**os.environ, "OCPP_TUI_HOME": str(home)}


def run_cli(*args: str, home: Path, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    """`python -m ocpptui ARGS` in a subprocess, its files under `home`."""
    return subprocess.run(
        [sys.executable, "-m", "ocpptui", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=_cli_env(home),
        cwd=ROOT,
    )


@asynccontextmanager
async def cli_process(
    *args: str, home: Path, stderr: int = asyncio.subprocess.PIPE
) -> AsyncIterator[asyncio.subprocess.Process]:
    """`python -m ocpptui ARGS` running, stdout piped, its files under `home`; killed on the
    way out if the test has not ended it (`stderr`: PIPE, STDOUT or DEVNULL)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "ocpptui",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=stderr,
        env=_cli_env(home),
        cwd=ROOT,
    )
    try:
        yield process
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def listening_port(process: asyncio.subprocess.Process) -> tuple[str, int]:
    """A server's first line on stdout ("listening on 127.0.0.1:PORT ...") and its port."""
    assert process.stdout is not None
    first = (await asyncio.wait_for(process.stdout.readline(), 20)).decode()
    found = re.search(r"listening on 127\.0\.0\.1:(\d+)", first)
    assert found is not None, first
    return first, int(found.group(1))
