"""Downloads over HTTP: intact, with progress, ranges, aborts, and nothing but the offer."""

from __future__ import annotations

import asyncio
import hashlib
import shutil
import socket
import ssl
import subprocess
from pathlib import Path

import aiohttp
import pytest

from ocpptui.services.file_server import (
    FileServer,
    RequestLogged,
    TransferAborted,
    TransferFinished,
    TransferProgress,
    TransferStarted,
)

from .helpers import Recorder, make_server, raw_get, raw_http

pytestmark = pytest.mark.timeout(10)


async def test_download_is_intact_and_reports_progress_then_finish(
    server: FileServer, events: Recorder, firmware: Path
) -> None:
    offer = await server.offer_file_async(firmware)
    assert offer.size == firmware.stat().st_size
    assert offer.sha256 == hashlib.sha256(firmware.read_bytes()).hexdigest()
    assert offer.http_url == (
        f"http://127.0.0.1:{server.ports.http}/{offer.token}/firmware-2.1.bin"
    )

    async with aiohttp.ClientSession() as session, session.get(offer.http_url) as response:
        assert response.status == 200
        assert response.headers["Accept-Ranges"] == "bytes"
        body = await response.read()
    assert hashlib.sha256(body).hexdigest() == offer.sha256

    finished = await events.wait_for(TransferFinished)
    transfer_events = [e for e in events if isinstance(e, TransferStarted | TransferProgress)]
    assert isinstance(transfer_events[0], TransferStarted)
    started = transfer_events[0].transfer
    assert (started.direction, started.protocol) == ("download", "http")
    assert started.client == "127.0.0.1"
    assert (started.total_bytes, started.offset, started.token) == (offer.size, 0, offer.token)
    progress = events.of(TransferProgress)
    assert progress and progress[-1].bytes_done == offer.size
    assert [p.bytes_done for p in progress] == sorted(p.bytes_done for p in progress)
    assert finished.bytes_done == offer.size and finished.transfer == started
    assert events.index(finished) > events.index(progress[-1])

    logged = await events.wait_for(RequestLogged)
    assert (logged.method, logged.status, logged.bytes) == ("GET", 200, offer.size)
    assert logged.path == f"/{offer.token}/firmware-2.1.bin"


async def test_progress_events_are_rate_limited(
    server: FileServer, events: Recorder, tmp_path: Path
) -> None:
    big = tmp_path / "big.bin"
    with big.open("wb") as file:
        file.truncate(64 << 20)  # sparse: instant to create, real bytes to send
    offer = server.offer_file(big)
    loop = asyncio.get_running_loop()
    began = loop.time()
    async with aiohttp.ClientSession() as session, session.get(offer.http_url) as response:
        received = 0
        async for chunk in response.content.iter_chunked(16 * 1024):
            received += len(chunk)  # small reads: many chunks, slow enough to need throttling
    elapsed = loop.time() - began
    assert received == 64 << 20
    await events.wait_for(TransferFinished)
    assert len(events.of(TransferProgress)) <= elapsed * 10 + 2


async def test_a_slow_charger_sees_progress_during_the_transfer(
    server: FileServer, events: Recorder, tmp_path: Path
) -> None:
    big = tmp_path / "big.bin"
    with big.open("wb") as file:
        file.truncate(24 << 20)  # well past what the kernel's socket buffers absorb
    offer = server.offer_file(big)
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)  # little buffering
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", server.ports.http))
    reader, writer = await asyncio.open_connection(sock=sock)
    writer.write(raw_get(f"/{offer.token}/{offer.file_name}"))
    received = 0
    while chunk := await reader.read(256 * 1024):  # about 25 MB/s: a second for the file
        received += len(chunk)
        await asyncio.sleep(0.01)
    writer.close()
    assert received > offer.size
    finished = await events.wait_for(TransferFinished)
    progress = events.of(TransferProgress)
    during = [p for p in progress if p.bytes_done < offer.size]
    assert len(during) >= 3, progress
    assert all(p.rate > 0 for p in during)
    assert finished.duration > 0.3


async def test_range_request_returns_exactly_the_slice(
    server: FileServer, events: Recorder, firmware: Path
) -> None:
    offer = server.offer_file(firmware)
    data = firmware.read_bytes()
    async with aiohttp.ClientSession() as session:
        headers = {"Range": "bytes=1000-1999"}
        async with session.get(offer.http_url, headers=headers) as response:
            assert response.status == 206
            assert response.headers["Content-Range"] == f"bytes 1000-1999/{offer.size}"
            assert await response.read() == data[1000:2000]
        # a resume: from an offset to the end
        headers = {"Range": f"bytes={offer.size - 5000}-"}
        async with session.get(offer.http_url, headers=headers) as response:
            assert response.status == 206
            assert await response.read() == data[-5000:]
    started = [e.transfer for e in events.of(TransferStarted)]
    assert [(t.offset, t.total_bytes) for t in started] == [(1000, 1000), (offer.size - 5000, 5000)]


async def test_range_past_the_end_is_416(server: FileServer, firmware: Path) -> None:
    offer = server.offer_file(firmware)
    async with aiohttp.ClientSession() as session:
        headers = {"Range": f"bytes={offer.size}-{offer.size + 10}"}
        async with session.get(offer.http_url, headers=headers) as response:
            assert response.status == 416
            assert response.headers["Content-Range"] == f"bytes */{offer.size}"


async def test_head_reports_size_without_a_transfer(
    server: FileServer, events: Recorder, firmware: Path
) -> None:
    offer = server.offer_file(firmware)
    async with aiohttp.ClientSession() as session, session.head(offer.http_url) as response:
        assert response.status == 200
        assert int(response.headers["Content-Length"]) == offer.size
    await events.wait_for(RequestLogged)
    assert not events.of(TransferStarted)


async def test_a_compressed_sibling_is_never_served_instead(
    server: FileServer, firmware: Path
) -> None:
    # aiohttp alone would answer "Accept-Encoding: gzip" with firmware-2.1.bin.gz
    firmware.with_name(firmware.name + ".gz").write_bytes(b"another file entirely")
    offer = server.offer_file(firmware)
    async with aiohttp.ClientSession(auto_decompress=False) as session:
        headers = {"Accept-Encoding": "gzip, br"}
        async with session.get(offer.http_url, headers=headers) as response:
            assert "Content-Encoding" not in response.headers
            assert hashlib.sha256(await response.read()).hexdigest() == offer.sha256


async def test_offered_name_is_url_safe(server: FileServer, tmp_path: Path) -> None:
    odd = tmp_path / "FW v2 (final) é.bin"
    odd.write_bytes(b"x" * 10)
    offer = server.offer_file(odd)
    assert offer.file_name == "FW_v2_final_e.bin"
    async with aiohttp.ClientSession() as session, session.get(offer.http_url) as response:
        assert await response.read() == b"x" * 10


async def test_client_leaving_mid_download_is_reported_aborted(
    server: FileServer, events: Recorder, tmp_path: Path
) -> None:
    big = tmp_path / "big.bin"
    with big.open("wb") as file:
        file.truncate(256 << 20)  # far more than the socket buffers hold
    offer = server.offer_file(big)
    reader, writer = await asyncio.open_connection("127.0.0.1", server.ports.http)
    writer.write(raw_get(f"/{offer.token}/big.bin"))
    await reader.readexactly(1 << 20)
    writer.transport.abort()  # the charger loses power

    aborted = await events.wait_for(TransferAborted)
    assert 0 < aborted.bytes_done < offer.size
    assert "client went away" in aborted.reason
    assert not events.of(TransferFinished)
    logged = await events.wait_for(RequestLogged)
    assert logged.bytes == aborted.bytes_done


async def test_withdrawn_offer_is_refused(server: FileServer, firmware: Path) -> None:
    offer = server.offer_file(firmware)
    assert server.withdraw(offer.token)
    assert not server.withdraw(offer.token)
    status, _ = await raw_http(server.ports.http, raw_get(f"/{offer.token}/{offer.file_name}"))
    assert status == 404
    assert server.offers == []


async def test_offering_a_folder_or_missing_file_fails(server: FileServer, tmp_path: Path) -> None:
    with pytest.raises(IsADirectoryError):
        server.offer_file(tmp_path)
    with pytest.raises(FileNotFoundError):
        await server.offer_file_async(tmp_path / "missing.bin")


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    """A throw-away self-signed key and certificate, made with the openssl command."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl command not available to make a test certificate")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes"),
            *("-subj", "/CN=127.0.0.1", "-days", "1", "-keyout", str(key), "-out", str(cert)),
        ],
        check=True,
        capture_output=True,
    )
    return key, cert


async def test_https_when_given_a_tls_context(
    tmp_path: Path, firmware: Path, certificate: tuple[Path, Path]
) -> None:
    key, cert = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    async with make_server(tmp_path, ssl_context=context) as server:
        offer = server.offer_file(firmware)
        assert offer.https_url == (
            f"https://127.0.0.1:{server.ports.https}/{offer.token}/{offer.file_name}"
        )
        client_context = ssl.create_default_context(cafile=str(cert))
        client_context.check_hostname = False
        async with (
            aiohttp.ClientSession() as session,
            session.get(offer.https_url, ssl=client_context) as response,
        ):
            assert hashlib.sha256(await response.read()).hexdigest() == offer.sha256
        # the plain port keeps working beside it
        async with aiohttp.ClientSession() as session, session.get(offer.http_url) as response:
            assert response.status == 200
