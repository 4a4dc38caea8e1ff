"""Out of file descriptors: a flood of connections against `ocpp-tui serve --headless` with
its open-file limit lowered (RLIMIT_NOFILE 64, in a subprocess). The connected charger is
served throughout, newcomers get a 503 with the reason, and stderr gets a line or two, not
one per refused connection (hundreds of thousands before)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import sys
import time
from pathlib import Path
from typing import BinaryIO

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from tests.helpers import RawCharger

pytestmark = [
    pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_NOFILE is POSIX"),
    pytest.mark.timeout(60),
]

OPEN_FILE_LIMIT = 64


def _lower_open_file_limit() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_NOFILE, (OPEN_FILE_LIMIT, OPEN_FILE_LIMIT))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def _serve(
    tmp_path: Path, settings: str
) -> tuple[asyncio.subprocess.Process, int, Path, Path]:
    """The server, its port, and the files its stdout (frames, events) and stderr (the log)
    go to."""
    port = _free_port()
    settings_file = tmp_path / "settings.toml"
    settings_file.write_text(settings)
    stdout, stderr = tmp_path / "stdout.txt", tmp_path / "stderr.txt"
    with stdout.open("wb") as out, stderr.open("wb") as err:  # the child keeps its own copies
        process = await _start(tmp_path, settings_file, port, out, err)
    deadline = time.monotonic() + 20
    while "listening on" not in stdout.read_text():
        if process.returncode is not None or time.monotonic() > deadline:
            process.kill()
            raise AssertionError(f"the server did not start: {stderr.read_text()}")
        await asyncio.sleep(0.05)
    return process, port, stdout, stderr


async def _start(
    tmp_path: Path, settings_file: Path, port: int, out: BinaryIO, err: BinaryIO
) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "ocpptui",
        "--settings",
        str(settings_file),
        "serve",
        "--headless",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-dir",
        str(tmp_path / "logs"),
        env={**os.environ, "OCPP_TUI_HOME": str(tmp_path / "home")},
        stdout=out,
        stderr=err,
        preexec_fn=_lower_open_file_limit,
    )


async def _charger(port: int, identity: str) -> RawCharger:
    return RawCharger(
        await connect(
            f"ws://127.0.0.1:{port}/{identity}",
            subprotocols=["ocpp1.6"],  # type: ignore[list-item]
            open_timeout=5,
        )
    )


async def _flood(port: int, count: int) -> list[socket.socket]:
    """Connections that never send a byte (each holds one of the server's descriptors)."""
    held = []
    for _ in range(count):
        sock = socket.socket()
        sock.setblocking(False)
        with contextlib.suppress(BlockingIOError):
            sock.connect(("127.0.0.1", port))
        held.append(sock)
    await asyncio.sleep(0.5)  # let the server accept what it can
    return held


async def test_out_of_descriptors_serves_the_connected_and_refuses_with_a_reason(
    tmp_path: Path,
) -> None:
    # A cap far above what 64 descriptors allow: the process runs out before the cap.
    process, port, stdout, stderr = await _serve(
        tmp_path, "[server]\nmax_connections = 1000\nmax_connections_per_ip = 0\n"
    )
    held: list[socket.socket] = []
    try:
        charger = await _charger(port, "CP-1")
        await charger.boot_16()
        held = await _flood(port, 200)

        assert (await charger.call("Heartbeat", {}))[0] == 3  # the connected one is served
        with pytest.raises(InvalidStatus) as caught:
            await _charger(port, "CP-NEW")
        assert caught.value.response.status_code == 503
        assert b"run out of file descriptors" in caught.value.response.body
        await asyncio.sleep(1.1)  # asyncio retries accept() every second: more reports
        assert (await charger.call("Heartbeat", {}))[0] == 3

        # Once the flood is gone, new chargers get in again.
        for sock in held:
            sock.close()
        held = []
        await asyncio.sleep(0.5)
        again = await _charger(port, "CP-2")
        assert (await again.call("Heartbeat", {}))[0] == 3
        await again.connection.close()
        await charger.connection.close()
    finally:
        for sock in held:
            sock.close()
        process.terminate()
        await asyncio.wait_for(process.wait(), 10)
    log, events = stderr.read_text(), stdout.read_text()
    assert "out of file descriptors" in log and "Traceback" not in log
    assert len(log.splitlines()) < 10, log[-3000:]
    assert "run out of file descriptors" in events  # a refusal, reported once in a while
    assert len(events.splitlines()) < 60, events[-3000:]


async def test_the_automatic_cap_refuses_before_descriptors_run_out(tmp_path: Path) -> None:
    # max_connections = 0: as many as the open-file limit leaves room for (8 of 64 here).
    process, port, stdout, stderr = await _serve(tmp_path, "[server]\nmax_connections_per_ip = 0\n")
    try:
        chargers = [await _charger(port, f"CP-{n}") for n in range(8)]
        with pytest.raises(InvalidStatus) as caught:
            await _charger(port, "CP-9")
        assert caught.value.response.status_code == 503
        assert b"at its cap of 8 connections" in caught.value.response.body
        held = await _flood(port, 100)
        for charger in chargers:
            assert (await charger.call("Heartbeat", {}))[0] == 3
        for sock in held:
            sock.close()
        for charger in chargers:
            await charger.connection.close()
    finally:
        process.terminate()
        await asyncio.wait_for(process.wait(), 10)
    # Refusals are listed and logged, but for a flood from one address only up to
    # REFUSALS_PER_WINDOW (a burst the accept loop takes in at once may still run out of
    # descriptors for a moment: reported once, as above).
    log, events = stderr.read_text(), stdout.read_text()
    assert len(log.splitlines()) < 40, log[-3000:]
    assert len(events.splitlines()) < 60, events[-3000:]
    assert "Traceback" not in log
