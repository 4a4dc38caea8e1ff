"""Uploads over HTTP (PUT, POST multipart, POST raw): intact, safely named, capped."""

from __future__ import annotations

import asyncio
import hashlib
import io
import os
from collections.abc import AsyncIterator

import aiohttp
import pytest

from ocpptui.services.file_server import (
    FileServer,
    RequestLogged,
    RequestRefused,
    TransferAborted,
    TransferFinished,
    TransferStarted,
    UploadReceived,
)

from .helpers import MAX_UPLOAD, Recorder, raw_http

pytestmark = pytest.mark.timeout(10)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def stored(server: FileServer) -> list[str]:
    assert server.upload_dir is not None
    return sorted(p.name for p in server.upload_dir.iterdir())


async def test_put_with_the_chargers_file_name(server: FileServer, events: Recorder) -> None:
    upload = server.offer_upload(label="CP-1 diagnostics")
    assert upload.http_url == f"http://127.0.0.1:{server.ports.http}/{upload.token}/"
    data = os.urandom(300_000)
    async with (
        aiohttp.ClientSession() as session,
        session.put(upload.http_url + "diag-2026.tar.gz", data=data) as response,
    ):
        assert response.status == 200
    received = await events.wait_for(UploadReceived)
    assert received.path == upload.directory / "diag-2026.tar.gz"
    assert received.path.read_bytes() == data
    assert (received.size, received.sha256) == (len(data), sha256(data))
    assert (received.label, received.protocol, received.client_file_name) == (
        "CP-1 diagnostics",
        "http",
        "diag-2026.tar.gz",
    )
    started = events.of(TransferStarted)[0].transfer
    assert (started.direction, started.total_bytes) == ("upload", len(data))
    assert events.of(TransferFinished)[0].bytes_done == len(data)
    logged = await events.wait_for(RequestLogged)
    assert (logged.method, logged.status, logged.bytes) == ("PUT", 200, len(data))


async def test_put_to_the_url_as_given_gets_a_default_name(
    server: FileServer, events: Recorder
) -> None:
    upload = server.offer_upload()
    async with aiohttp.ClientSession() as session:
        for url in (upload.http_url, upload.http_url.rstrip("/")):
            async with session.put(url, data=b"log line\n") as response:
                assert response.status == 200
    names = stored(server)
    assert len(names) == 2 and all(n.startswith("upload-") and n.endswith(".bin") for n in names)
    assert all(r.client_file_name is None for r in events.of(UploadReceived))


async def test_post_multipart_keeps_each_file(server: FileServer, events: Recorder) -> None:
    upload = server.offer_upload()
    first, second = os.urandom(200_000), os.urandom(1000)
    form = aiohttp.FormData()
    form.add_field("chargeBoxId", "CP-1")  # a plain field: not stored
    form.add_field("file", first, filename="logs.zip", content_type="application/zip")
    form.add_field("more", second, filename="../../etc/passwd")
    async with (
        aiohttp.ClientSession() as session,
        session.post(upload.http_url, data=form) as response,
    ):
        assert response.status == 200
    received = {r.path.name: r for r in events.of(UploadReceived)}
    assert sorted(received) == ["logs.zip", "passwd"] == stored(server)
    assert received["logs.zip"].sha256 == sha256(first)
    assert received["passwd"].path.read_bytes() == second
    assert received["passwd"].path.parent == upload.directory


async def test_post_raw_body(server: FileServer, events: Recorder) -> None:
    upload = server.offer_upload()
    data = os.urandom(50_000)
    headers = {"Content-Type": "application/octet-stream"}
    async with (
        aiohttp.ClientSession() as session,
        session.post(upload.http_url + "raw.log", data=data, headers=headers) as response,
    ):
        assert response.status == 200
    received = await events.wait_for(UploadReceived)
    assert (received.path.name, received.sha256) == ("raw.log", sha256(data))


async def test_chunked_body_and_name_collisions(server: FileServer, events: Recorder) -> None:
    upload = server.offer_upload()

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(5):
            yield b"y" * 10_000

    async with aiohttp.ClientSession() as session:
        for _ in range(3):
            async with session.put(upload.http_url + "diag.tar.gz", data=chunks()) as response:
                assert response.status == 200
    assert stored(server) == ["diag-1.tar.gz", "diag-2.tar.gz", "diag.tar.gz"]
    assert all(r.size == 50_000 for r in events.of(UploadReceived))


async def test_hostile_names_are_made_harmless(server: FileServer, events: Recorder) -> None:
    upload = server.offer_upload()
    names = {
        "..%5C..%5Cwindows%5Cwin.ini": "",  # encoded backslashes: refused
        "%01%1bevil%0a.txt": "",  # control characters in a URL
        "CON": "_CON",
        "a%3Ab%2Ac.log": "a_b_c.log",
        "x" * 300 + ".log": "x" * 116 + ".log",
        ".hidden": "hidden",
    }
    async with aiohttp.ClientSession() as session:
        for raw in names:
            url = aiohttp.client.URL(upload.http_url + raw, encoded=True)
            async with session.put(url, data=b"1") as response:
                assert response.status in (200, 404), raw
    # encoded backslashes and control characters are refused as path tricks
    assert stored(server) == sorted(v for v in names.values() if v)
    assert [r.reason for r in events.of(RequestRefused)] == [
        "encoded slash in path",
        "control character in path",
    ]


async def test_oversized_upload_is_refused_with_413_and_leaves_no_file(
    server: FileServer, events: Recorder
) -> None:
    upload = server.offer_upload()
    async with aiohttp.ClientSession() as session:
        data = io.BytesIO(b"z" * (MAX_UPLOAD + 1))
        async with session.put(upload.http_url + "huge.bin", data=data) as response:
            assert response.status == 413
    assert stored(server) == []
    refused = await events.wait_for(RequestRefused)
    assert refused.status == 413


async def test_oversized_streamed_upload_is_cut_off_and_removed(
    server: FileServer, events: Recorder
) -> None:
    upload = server.offer_upload()

    async def endless() -> AsyncIterator[bytes]:
        for _ in range(4 * MAX_UPLOAD // 65536):
            yield b"z" * 65536

    async with (
        aiohttp.ClientSession() as session,
        session.put(upload.http_url + "huge.bin", data=endless()) as response,
    ):
        assert response.status == 413  # the rest of the body is swallowed, not reset
    aborted = await events.wait_for(TransferAborted)
    assert "exceeds" in aborted.reason and aborted.bytes_done <= MAX_UPLOAD
    await events.wait_for(RequestRefused, lambda r: r.status == 413)
    assert stored(server) == []
    assert not events.of(UploadReceived)


async def test_expect_continue_is_refused_before_the_body(
    server: FileServer, events: Recorder
) -> None:
    # curl sends "Expect: 100-continue" and waits: a refusal spares the whole body
    upload = server.offer_upload()
    request = (
        f"PUT /{upload.token}/big.bin HTTP/1.1\r\nHost: x\r\n"
        f"Content-Length: {MAX_UPLOAD * 10}\r\nExpect: 100-continue\r\n\r\n"
    ).encode()
    status, _ = await raw_http(server.ports.http, request)
    assert status == 413
    assert stored(server) == []
    request = (
        f"PUT /{upload.token}/ok.bin HTTP/1.1\r\nHost: x\r\n"
        "Content-Length: 2\r\nExpect: 100-continue\r\n\r\n"
    ).encode()
    status, _ = await raw_http(server.ports.http, request)
    assert status == 100


async def test_client_leaving_mid_upload_is_aborted_and_removed(
    server: FileServer, events: Recorder
) -> None:
    upload = server.offer_upload()
    _, writer = await asyncio.open_connection("127.0.0.1", server.ports.http)
    head = f"PUT /{upload.token}/part.bin HTTP/1.1\r\nHost: x\r\nContent-Length: 500000\r\n\r\n"
    writer.write(head.encode() + b"p" * 100_000)
    await writer.drain()
    await events.wait_for(TransferStarted)
    writer.transport.abort()
    aborted = await events.wait_for(TransferAborted)
    assert aborted.bytes_done <= 100_000
    await events.wait_for(RequestLogged)
    assert stored(server) == []
