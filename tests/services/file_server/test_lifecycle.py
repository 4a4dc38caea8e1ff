"""Start and stop: real ports, and nothing left running afterwards."""

from __future__ import annotations

import asyncio
import ftplib
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from ocpptui.services.file_server import FileServer, TransferAborted, TransferStarted

from .helpers import Recorder, make_server, raw_get

pytestmark = pytest.mark.timeout(10)


def refuses_connections(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


async def test_start_returns_the_bound_ports_and_urls_use_the_advertised_host(
    tmp_path: Path, firmware: Path
) -> None:
    server = make_server(tmp_path, advertise_host="192.0.2.2")
    with pytest.raises(RuntimeError):
        server.offer_file(firmware)  # URLs need the ports
    ports = await server.start()
    try:
        assert await server.start() == ports
        assert ports.http > 0 and ports.ftp is not None and ports.ftp > 0
        assert ports.https is None  # no TLS context given
        assert len(ports.ftp_passive) == 4
        offer = server.offer_file(firmware)
        assert offer.http_url.startswith(f"http://192.0.2.2:{ports.http}/{offer.token}/")
        assert offer.ftp_url is not None
        assert f"@192.0.2.2:{ports.ftp}/" in offer.ftp_url
        upload = server.offer_upload(tmp_path / "session", label="CP-7")
        assert upload.directory.is_dir()
        assert "ftp_password" not in repr(upload).split("ftp_user")[1]
    finally:
        await server.stop()


async def test_ftp_can_be_left_off(tmp_path: Path, firmware: Path) -> None:
    async with make_server(tmp_path, enable_ftp=False) as server:
        assert server.ports.ftp is None
        assert server.offer_file(firmware).ftp_url is None


async def test_a_busy_port_fails_start_cleanly(tmp_path: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as busy:
        port = busy.getsockname()[1]
        server = make_server(tmp_path, ftp_port=port)
        with pytest.raises(OSError):
            await server.start()
    assert not server.running
    assert [t for t in asyncio.all_tasks() if t is not asyncio.current_task()] == []


async def test_stop_closes_every_connection_and_leaves_nothing_running(
    tmp_path: Path, firmware: Path
) -> None:
    server = make_server(tmp_path)
    events = Recorder()
    server.subscribe(events.append)
    ports = await server.start()
    big = tmp_path / "big.bin"
    with big.open("wb") as file:
        file.truncate(256 << 20)
    offer = server.offer_file(big)
    small = server.offer_file(firmware)

    # a download stalled by a charger that stopped reading
    reader, writer = await asyncio.open_connection("127.0.0.1", ports.http)
    writer.write(raw_get(f"/{offer.token}/big.bin"))
    await events.wait_for(TransferStarted)
    # an idle keep-alive HTTP connection, and a logged-in FTP session
    idle_reader, idle_writer = await asyncio.open_connection("127.0.0.1", ports.http)
    assert ports.ftp is not None
    ftp = ftplib.FTP(timeout=5)
    await asyncio.to_thread(ftp.connect, "127.0.0.1", ports.ftp)
    await asyncio.to_thread(ftp.login, small.ftp_user, small.ftp_password)

    loop = asyncio.get_running_loop()
    began = loop.time()
    await server.stop()
    assert loop.time() - began < 3

    aborted = await events.wait_for(TransferAborted)
    assert aborted.reason == "server stopped"
    for port in (ports.http, ports.ftp, *ports.ftp_passive):
        assert refuses_connections(port), port
    assert await asyncio.wait_for(idle_reader.read(), 2) == b""
    with pytest.raises((EOFError, OSError)):
        await asyncio.to_thread(ftp.voidcmd, "NOOP")
    ftp.close()
    for stream in (writer, idle_writer):
        stream.close()
    await asyncio.sleep(0)
    assert [t for t in asyncio.all_tasks() if t is not asyncio.current_task()] == []
    # only the event loop's own executor threads (asyncio.to_thread) may remain
    others = [t for t in threading.enumerate() if t is not threading.main_thread()]
    assert [t.name for t in others if not t.name.startswith("asyncio_")] == []
    assert server.offers == [] and not server.running
    del reader


async def test_failing_subscriber_does_not_disturb_the_others(
    server: FileServer, firmware: Path
) -> None:
    seen: list[object] = []

    def broken(_: object) -> None:
        raise RuntimeError("subscriber bug")

    server.subscribe(broken)
    unsubscribe = server.subscribe(seen.append)
    offer = server.offer_file(firmware)
    reader, writer = await asyncio.open_connection("127.0.0.1", server.ports.http)
    writer.write(raw_get(f"/{offer.token}/{offer.file_name}"))
    assert len(await asyncio.wait_for(reader.read(), 5)) > offer.size
    writer.close()
    assert seen
    unsubscribe()
    unsubscribe()  # twice is harmless
    assert server.recent_requests


def test_the_file_server_imports_no_ui() -> None:
    code = (
        "import sys, ocpptui.services.file_server\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich')))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "[]", result.stdout + result.stderr
