"""What one peer can hold of the file server: connections per address (HTTP, FTP, SFTP
together), and how long it may take to send a request or log in."""

from __future__ import annotations

import asyncio
import contextlib
import ftplib
from pathlib import Path

import aiohttp
import pytest

from ocpptui.services.file_server import RequestRefused
from ocpptui.services.file_server.limits import ConnectionLimits

from .helpers import Recorder, make_server

pytestmark = pytest.mark.timeout(20)


async def closed_by_server(reader: asyncio.StreamReader, within: float = 5.0) -> bool:
    """True when the server closes the connection (EOF or reset) within `within` seconds."""
    try:
        async with asyncio.timeout(within):
            while await reader.read(1024):
                pass
    except TimeoutError:
        return False
    except ConnectionResetError:
        pass
    return True


async def test_a_client_sending_its_headers_slowly_is_dropped(tmp_path: Path) -> None:
    limits = ConnectionLimits(request_timeout=0.5)
    async with make_server(tmp_path, limits=limits) as server:
        offer = server.offer_file(_file(tmp_path))
        reader, writer = await asyncio.open_connection("127.0.0.1", server.ports.http)

        async def trickle() -> None:
            # Faster than the timeout, byte by byte: data arriving does not extend it.
            with contextlib.suppress(ConnectionError):
                for byte in b"GET /" + offer.token.encode() + b"/fw.bin HTTP/1.1\r\nHost: x":
                    writer.write(bytes([byte]))
                    await writer.drain()
                    await asyncio.sleep(0.05)

        sender = asyncio.create_task(trickle())
        try:
            assert await closed_by_server(reader)
        finally:
            sender.cancel()
            writer.close()
        # A client that asks properly is served as before.
        async with (
            aiohttp.ClientSession() as client,
            client.get(offer.http_url) as response,
        ):
            assert response.status == 200 and await response.read() == b"firmware"


async def test_one_address_cannot_lock_the_charger_out(tmp_path: Path) -> None:
    # 127.0.0.2 plays a device on the site network holding idle connections.
    limits = ConnectionLimits(max_connections_per_ip=2)
    async with make_server(tmp_path, limits=limits) as server:
        events = Recorder()
        server.subscribe(events.append)
        offer = server.offer_file(_file(tmp_path))
        assert server.ports.ftp is not None
        idle = [
            await asyncio.open_connection(
                "127.0.0.1", server.ports.ftp, local_addr=("127.0.0.2", 0)
            )
            for _ in range(2)
        ]
        for reader, _ in idle:
            assert (await reader.readline()).startswith(b"220")

        def intruder() -> str:
            try:
                ftplib.FTP(timeout=5, source_address=("127.0.0.2", 0)).connect(
                    "127.0.0.1", server.ports.ftp
                )
            except ftplib.error_temp as refused:
                return str(refused)
            return "connected"

        assert (await asyncio.to_thread(intruder)).startswith(
            "421 2 connections from 127.0.0.2 already"
        )
        refused = await events.wait_for(RequestRefused, lambda e: e.method == "CONNECT")
        assert (refused.protocol, refused.client) == ("ftp", "127.0.0.2")
        assert "[files] max_connections_per_ip" in refused.reason
        # The cap counts HTTP too: the same device gets a 503 there.
        reader, writer = await asyncio.open_connection(
            "127.0.0.1", server.ports.http, local_addr=("127.0.0.2", 0)
        )
        writer.write(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        assert (await reader.readline()).startswith(b"HTTP/1.1 503")
        writer.close()

        # The charger, at its own address, logs in and downloads.
        def charger() -> bytes:
            with ftplib.FTP(timeout=5) as ftp:
                ftp.connect("127.0.0.1", server.ports.ftp)
                ftp.login(offer.ftp_user, offer.ftp_password)
                chunks: list[bytes] = []
                ftp.retrbinary(f"RETR /{offer.token}/{offer.file_name}", chunks.append)
                return b"".join(chunks)

        assert await asyncio.to_thread(charger) == b"firmware"
        for _, held in idle:
            held.close()


async def test_an_ftp_connection_that_never_logs_in_is_closed(tmp_path: Path) -> None:
    async with make_server(tmp_path, limits=ConnectionLimits(request_timeout=0.3)) as server:
        events = Recorder()
        server.subscribe(events.append)
        assert server.ports.ftp is not None
        reader, writer = await asyncio.open_connection("127.0.0.1", server.ports.ftp)
        assert (await reader.readline()).startswith(b"220")
        writer.write(b"USER somebody\r\n")  # ... and never a password
        assert (await reader.readline()).startswith(b"331")
        assert (await reader.readline()).startswith(b"421 no login within 0.3 s")
        assert await closed_by_server(reader)
        writer.close()
        refused = await events.wait_for(RequestRefused, lambda e: e.method == "CONNECT")
        assert refused.status == 421


def _file(folder: Path) -> Path:
    path = folder / "fw.bin"
    path.write_bytes(b"firmware")
    return path
