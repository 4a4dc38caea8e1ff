"""Uploads cannot fill the disk: the size cap counts every request and part of an offer, a
withdrawn offer stops a running upload, and a full disk is answered on HTTP, FTP and SFTP."""

from __future__ import annotations

import asyncio
import contextlib
import ftplib
import io
import os
import time
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp
import asyncssh
import pytest

from ocpptui.services.file_server import (
    RequestRefused,
    TransferAborted,
    TransferStarted,
    UploadReceived,
)
from ocpptui.services.file_server import uploads as uploads_module
from ocpptui.services.transfer_diagnosis import TransferWatch
from tests.helpers import Disk, FullDiskFile

from .helpers import MAX_UPLOAD, Recorder, make_server

pytestmark = pytest.mark.timeout(20)


def ftp_store(port: int, user: str, password: str, path: str, data: bytes) -> str:
    """STOR as a charger does; the server's final reply."""
    with ftplib.FTP(timeout=5) as ftp:
        ftp.connect("127.0.0.1", port)
        ftp.login(user, password)
        try:
            return ftp.storbinary(f"STOR {path}", io.BytesIO(data))
        except ftplib.Error as refused:
            return str(refused)


async def test_the_cap_counts_every_part_and_request_of_an_offer(tmp_path: Path) -> None:
    async with make_server(tmp_path) as server:
        events = Recorder()
        server.subscribe(events.append)
        upload = server.offer_upload()
        part = os.urandom(400_000)
        form = aiohttp.FormData()
        for n in range(3):  # 1.2 MB in one request: each part alone is under the 1 MiB cap
            form.add_field("file", part, filename=f"part-{n}.bin")
        async with (  # chunked: no Content-Length to refuse it by before the body
            aiohttp.ClientSession() as client,
            client.post(upload.http_url, data=form, chunked=True) as response,
        ):
            assert response.status == 413
        assert (
            "the cap counts every file of this offer"
            in (await events.wait_for(RequestRefused)).reason
        )
        kept = sorted(p.name for p in upload.directory.iterdir())
        assert kept == ["part-0.bin", "part-1.bin"]  # within the cap; the third removed

        # Another request, another protocol: the offer has 248,576 bytes left.
        async with (
            aiohttp.ClientSession() as client,
            client.put(upload.http_url + "more.bin", data=part[:300_000]) as response,
        ):
            assert response.status == 413
        assert server.ports.ftp is not None
        reply = await asyncio.to_thread(
            ftp_store,
            server.ports.ftp,
            upload.ftp_user,
            upload.ftp_password,
            f"/{upload.token}/more.bin",
            part[:300_000],
        )
        assert reply.startswith("552")
        used = sum(p.stat().st_size for p in upload.directory.iterdir())
        assert used <= MAX_UPLOAD


async def test_a_withdrawn_offer_stops_an_upload_in_progress(tmp_path: Path) -> None:
    async with make_server(tmp_path) as server:
        events = Recorder()
        server.subscribe(events.append)
        upload = server.offer_upload()
        withdrawn = asyncio.Event()

        async def slow_body() -> AsyncIterator[bytes]:
            yield os.urandom(64 * 1024)
            await events.wait_for(TransferStarted)
            server.withdraw(upload.token)
            withdrawn.set()
            for _ in range(8):
                yield os.urandom(64 * 1024)
                await asyncio.sleep(0.01)

        with contextlib.suppress(aiohttp.ClientError):
            async with (
                aiohttp.ClientSession() as client,
                client.put(upload.http_url + "diag.tar", data=slow_body()) as response,
            ):
                assert response.status == 410
        assert withdrawn.is_set()
        aborted = await events.wait_for(TransferAborted)
        assert aborted.reason == "the upload offer was withdrawn; partial file removed"
        refused = await events.wait_for(RequestRefused)
        assert refused.status == 410
        assert list(upload.directory.iterdir()) == []
        assert not events.of(UploadReceived)


async def test_a_full_disk_is_answered_on_every_protocol(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    disk = Disk()
    real_open = uploads_module.open_upload_file
    monkeypatch.setattr(
        uploads_module, "open_upload_file", lambda path: FullDiskFile(real_open(path), disk)
    )
    data = os.urandom(300_000)
    server = make_server(tmp_path, enable_sftp=True, sftp_port=0)
    async with server:
        events = Recorder()
        server.subscribe(events.append)
        upload = server.offer_upload()
        assert upload.http_url is not None
        watch = TransferWatch(
            server, upload.token, "upload", upload.http_url, "http", None,
            location_form="folder",
            clock=time.monotonic, wall_clock=time.time,
        )  # fmt: skip
        server.subscribe(watch.observe)

        disk.room = 100_000
        async with (
            aiohttp.ClientSession() as client,
            client.put(upload.http_url + "http.log", data=data) as response,
        ):
            assert response.status == 507  # Insufficient Storage
        refused = await events.wait_for(RequestRefused, lambda e: e.protocol == "http")
        assert "disk is full (No space left on device)" in refused.reason

        disk.room = 100_000
        assert server.ports.ftp is not None
        reply = await asyncio.to_thread(
            ftp_store,
            server.ports.ftp,
            upload.ftp_user,
            upload.ftp_password,
            f"/{upload.token}/ftp.log",
            data,
        )
        assert reply.startswith("452") and "disk is full" in reply

        disk.room = 100_000
        assert upload.sftp_url is not None
        parts = urlsplit(upload.sftp_url)
        async with (
            asyncssh.connect(
                parts.hostname,
                parts.port,
                username=parts.username,
                password=parts.password,
                known_hosts=None,
            ) as connection,
            connection.start_sftp_client() as sftp,
        ):
            with pytest.raises(asyncssh.SFTPError, match="disk is full"):
                async with sftp.open(f"/{upload.token}/sftp.log", "wb") as remote:
                    await remote.write(data)

        aborted = [event.reason for event in events.of(TransferAborted)]
        assert len(aborted) == 3
        assert all(
            "disk is full" in reason and "partial file removed" in reason for reason in aborted
        )
        assert list(upload.directory.iterdir()) == []  # no partial file left on the full disk
        assert not events.of(UploadReceived)
        # What the transfer screens show: the cause and what to do.
        assert watch.findings()[0].rule == "laptop-disk-full"
        assert "free space on the laptop's disk" in watch.findings()[0].advice

        disk.room = None  # space is back: the same offer takes the upload
        async with (
            aiohttp.ClientSession() as client,
            client.put(upload.http_url + "http.log", data=data) as response,
        ):
            assert response.status == 200
