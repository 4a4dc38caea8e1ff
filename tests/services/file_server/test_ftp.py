"""FTP, as the many 1.6 chargers that speak nothing else use it (ftplib plays the charger)."""

from __future__ import annotations

import asyncio
import contextlib
import ftplib
import hashlib
import io
import os
import random
import socket
from pathlib import Path

import pytest

from ocpptui.services.file_server import (
    FileServer,
    RequestLogged,
    RequestRefused,
    TransferFinished,
    TransferProgress,
    TransferStarted,
    UploadReceived,
)
from ocpptui.services.file_server import ftp as ftp_module

from .helpers import MAX_UPLOAD, Recorder, free_ports, make_server

pytestmark = pytest.mark.timeout(10)


def login(server: FileServer, user: str, password: str) -> ftplib.FTP:
    assert server.ports.ftp is not None
    ftp = ftplib.FTP(timeout=5)
    try:
        ftp.connect("127.0.0.1", server.ports.ftp)
        ftp.login(user, password)
    except BaseException:
        ftp.close()
        raise
    return ftp


def retrieve(ftp: ftplib.FTP, command: str, rest: int | None = None) -> bytes:
    buffer = io.BytesIO()
    ftp.retrbinary(command, buffer.write, rest=rest)
    return buffer.getvalue()


async def test_download_by_url_path_is_intact(
    server: FileServer, events: Recorder, firmware: Path
) -> None:
    offer = server.offer_file(firmware)
    assert offer.ftp_url == (
        f"ftp://{offer.ftp_user}:{offer.ftp_password}@127.0.0.1:{server.ports.ftp}"
        f"/{offer.token}/{offer.file_name}"
    )

    def charger() -> tuple[bytes, bytes, int | None]:
        with login(server, offer.ftp_user, offer.ftp_password) as ftp:
            absolute = retrieve(ftp, f"RETR /{offer.token}/{offer.file_name}")
            ftp.cwd(offer.token)  # what curl does with the URL's path
            size = ftp.size(offer.file_name)
            relative = retrieve(ftp, f"RETR {offer.file_name}")
            return absolute, relative, size

    absolute, relative, size = await asyncio.to_thread(charger)
    assert hashlib.sha256(absolute).hexdigest() == offer.sha256
    assert relative == absolute and size == offer.size
    finished = await events.wait_for(TransferFinished)
    started = events.of(TransferStarted)[0].transfer
    assert (started.protocol, started.direction, started.total_bytes) == (
        "ftp",
        "download",
        offer.size,
    )
    assert finished.bytes_done == offer.size
    assert events.of(TransferProgress)[-1].bytes_done <= offer.size
    retr = await events.wait_for(RequestLogged, lambda e: e.method == "RETR")
    assert (retr.status, retr.bytes) == (226, offer.size)


async def test_download_resumes_with_rest(server: FileServer, firmware: Path) -> None:
    offer = server.offer_file(firmware)

    def charger() -> bytes:
        with login(server, offer.ftp_user, offer.ftp_password) as ftp:
            return retrieve(ftp, f"RETR /{offer.token}/{offer.file_name}", rest=1_000_000)

    assert await asyncio.to_thread(charger) == firmware.read_bytes()[1_000_000:]


async def test_passive_data_ports_come_from_the_configured_range(
    server: FileServer, firmware: Path
) -> None:
    offer = server.offer_file(firmware)

    def charger() -> tuple[int, int]:
        with login(server, offer.ftp_user, offer.ftp_password) as ftp:
            _, pasv_port = ftp.makepasv()
            ftp.af = 10  # ask for EPSV, as IPv6-minded clients do
            _, epsv_port = ftp.makepasv()
            return pasv_port, epsv_port

    pasv_port, epsv_port = await asyncio.to_thread(charger)
    assert pasv_port in server.ports.ftp_passive
    assert epsv_port in server.ports.ftp_passive


async def test_wrong_credentials_are_refused(
    server: FileServer, events: Recorder, firmware: Path
) -> None:
    offer = server.offer_file(firmware)
    other = server.offer_upload()

    def charger(user: str, password: str) -> str:
        with pytest.raises(ftplib.error_perm) as refused:
            login(server, user, password)
        return str(refused.value)

    for user, password in [
        (offer.ftp_user, "wrong"),
        ("nobody", offer.ftp_password),
        (offer.ftp_user, other.ftp_password),
        ("anonymous", "guest@"),
    ]:
        assert (await asyncio.to_thread(charger, user, password)).startswith("530")
    refusals = events.of(RequestRefused)
    assert [(r.protocol, r.method, r.status) for r in refusals] == [("ftp", "PASS", 530)] * 4
    assert all(r.path == "***" for r in refusals)  # passwords stay out of the log


async def test_a_login_sees_only_its_own_offer(
    server: FileServer, events: Recorder, firmware: Path, tmp_path: Path
) -> None:
    offer = server.offer_file(firmware)
    (tmp_path / "secret.txt").write_text("do not serve")
    other = server.offer_file(tmp_path / "secret.txt")

    def charger() -> list[str]:
        replies = []
        with login(server, offer.ftp_user, offer.ftp_password) as ftp:
            for command in [
                f"RETR /{other.token}/{other.file_name}",  # someone else's token
                f"RETR /{offer.token}/../{other.token}/{other.file_name}",
                f"RETR /{offer.token}/secret.txt",
                f"RETR /{offer.token}/..\\secret.txt",
                f"RETR {tmp_path}/secret.txt",
                "RETR /etc/passwd",
            ]:
                try:
                    retrieve(ftp, command)
                    replies.append("served!")
                except ftplib.error_perm as error:
                    replies.append(str(error)[:3])
            for command in ("LIST", "NLST", "MLSD"):
                try:
                    ftp.retrlines(command, lambda _: None)
                    replies.append("listed!")
                except ftplib.error_perm as error:
                    replies.append(str(error)[:3])
            for command in (f"CWD /{other.token}", "CWD /tmp", "DELE x", "MKD x", "RNFR x"):
                try:
                    ftp.sendcmd(command)
                    replies.append("done!")
                except ftplib.error_perm as error:
                    replies.append(str(error)[:3])
        return replies

    replies = await asyncio.to_thread(charger)
    assert replies == ["550"] * len(replies)
    assert len(events.of(RequestRefused)) == len(replies)


async def test_upload_with_stor(server: FileServer, events: Recorder) -> None:
    upload = server.offer_upload(label="CP-1 logs")
    data = os.urandom(700_000)

    def charger() -> None:
        with login(server, upload.ftp_user, upload.ftp_password) as ftp:
            ftp.cwd(upload.token)
            ftp.storbinary("STOR diagnostics.zip", io.BytesIO(data))

    await asyncio.to_thread(charger)
    received = await events.wait_for(UploadReceived)
    assert received.path == upload.directory / "diagnostics.zip"
    assert received.path.read_bytes() == data
    assert (received.protocol, received.label, received.size) == ("ftp", "CP-1 logs", len(data))
    assert received.sha256 == hashlib.sha256(data).hexdigest()
    stor = await events.wait_for(RequestLogged, lambda e: e.method == "STOR")
    assert (stor.status, stor.bytes) == (226, len(data))


async def test_interrupted_upload_resumes_with_appe_and_with_rest(
    server: FileServer, events: Recorder
) -> None:
    upload = server.offer_upload()
    data = os.urandom(450_000)  # two files, within the offer's 1 MiB cap together

    def charger() -> tuple[int | None, int | None]:
        with login(server, upload.ftp_user, upload.ftp_password) as ftp:
            ftp.cwd(upload.token)
            # as if the link had dropped after part of each file:
            ftp.storbinary("STOR a.log", io.BytesIO(data[:250_000]))
            ftp.storbinary("STOR b.log", io.BytesIO(data[:100_000]))
        with login(server, upload.ftp_user, upload.ftp_password) as ftp:  # the charger retries
            ftp.cwd(upload.token)
            size_a = ftp.size("a.log")
            ftp.storbinary("APPE a.log", io.BytesIO(data[size_a:]))
            size_b = ftp.size("b.log")
            ftp.storbinary("STOR b.log", io.BytesIO(data[80_000:]), rest=80_000)
            return size_a, size_b

    assert await asyncio.to_thread(charger) == (250_000, 100_000)
    for name in ("a.log", "b.log"):
        assert (upload.directory / name).read_bytes() == data, name
    assert sorted(p.name for p in upload.directory.iterdir()) == ["a.log", "b.log"]
    complete = [r for r in events.of(UploadReceived) if r.size == len(data)]
    assert [r.sha256 for r in complete] == [hashlib.sha256(data).hexdigest()] * 2
    resumed = [e.transfer.offset for e in events.of(TransferStarted)]
    assert resumed == [0, 0, 250_000, 80_000]


async def test_a_new_stor_does_not_overwrite_an_earlier_upload(
    server: FileServer, events: Recorder
) -> None:
    upload = server.offer_upload()

    def charger() -> None:
        with login(server, upload.ftp_user, upload.ftp_password) as ftp:
            for content in (b"first", b"second"):
                ftp.storbinary(f"STOR /{upload.token}/log.txt", io.BytesIO(content))

    await asyncio.to_thread(charger)
    assert (upload.directory / "log.txt").read_bytes() == b"first"
    assert (upload.directory / "log-1.txt").read_bytes() == b"second"


async def test_oversized_upload_gets_552_and_leaves_no_file(
    server: FileServer, events: Recorder
) -> None:
    upload = server.offer_upload()

    def charger() -> str:
        with login(server, upload.ftp_user, upload.ftp_password) as ftp:
            ftp.cwd(upload.token)
            try:
                ftp.storbinary("STOR huge.bin", io.BytesIO(b"h" * (MAX_UPLOAD * 16)))
            except ftplib.error_perm as error:  # read after the whole file was sent
                return str(error)
            return "accepted!"

    assert (await asyncio.to_thread(charger)).startswith("552")
    refused = await events.wait_for(RequestRefused, lambda r: r.status == 552)
    assert refused.method == "STOR"
    assert list(upload.directory.iterdir()) == []
    assert not events.of(UploadReceived)


async def test_download_offer_is_read_only_and_upload_offer_has_no_files(
    server: FileServer, firmware: Path
) -> None:
    offer = server.offer_file(firmware)
    upload = server.offer_upload()

    def charger() -> list[str]:
        replies = []
        with login(server, offer.ftp_user, offer.ftp_password) as ftp:
            try:
                ftp.storbinary(f"STOR /{offer.token}/{offer.file_name}", io.BytesIO(b"evil"))
            except ftplib.error_perm as error:
                replies.append(str(error)[:3])
        with login(server, upload.ftp_user, upload.ftp_password) as ftp:
            try:
                retrieve(ftp, f"RETR /{upload.token}/anything")
            except ftplib.error_perm as error:
                replies.append(str(error)[:3])
        return replies

    assert await asyncio.to_thread(charger) == ["550", "550"]
    assert hashlib.sha256(firmware.read_bytes()).hexdigest() == offer.sha256


async def test_withdrawn_offer_can_no_longer_log_in(server: FileServer, firmware: Path) -> None:
    offer = server.offer_file(firmware)
    server.withdraw(offer.token)

    def charger() -> None:
        with pytest.raises(ftplib.error_perm, match="530"):
            login(server, offer.ftp_user, offer.ftp_password)

    await asyncio.to_thread(charger)


async def test_a_data_connection_that_never_comes_is_diagnosed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # What a charger behind a firewall that blocks the passive ports looks like
    monkeypatch.setattr(ftp_module, "DATA_CONNECTION_WAIT", 0.3)
    async with make_server(tmp_path) as server:
        events = Recorder()
        server.subscribe(events.append)
        upload = server.offer_upload()

        def charger() -> str:
            with login(server, upload.ftp_user, upload.ftp_password) as ftp:
                ftp.makepasv()  # ... and never connects to it
                ftp.sendcmd(f"STOR /{upload.token}/never.log")  # 150
                try:
                    return ftp.voidresp()
                except ftplib.error_temp as error:
                    return str(error)

        assert (await asyncio.to_thread(charger)).startswith("425")
        refused = await events.wait_for(RequestRefused)
        assert (refused.method, refused.status) == ("STOR", 425)
        assert "passive ports" in refused.reason
        assert list(upload.directory.iterdir()) == []


async def test_a_passive_data_connection_from_another_address_is_refused(
    tmp_path: Path,
) -> None:
    # The charger is 127.0.0.1; an intruder on the site network (a socket bound to
    # 127.0.0.2) races it to the announced passive port.
    async with make_server(tmp_path) as server:
        events = Recorder()
        server.subscribe(events.append)
        upload = server.offer_upload()
        ftp = await asyncio.to_thread(login, server, upload.ftp_user, upload.ftp_password)
        try:
            host, port = await asyncio.to_thread(ftp.makepasv)
            reader, writer = await asyncio.open_connection(host, port, local_addr=("127.0.0.2", 0))
            writer.write(b"NOT THE CHARGER'S LOG")
            await writer.drain()
            refused = await events.wait_for(RequestRefused, lambda e: e.method == "DATA")
            assert refused.client == "127.0.0.2" and refused.status == 425
            assert "control connection is from 127.0.0.1" in refused.reason
            assert refused.token == upload.token
            with contextlib.suppress(ConnectionResetError):  # closed on it
                assert await asyncio.wait_for(reader.read(), 5) == b""
            writer.close()

            def charger() -> str:
                with socket.create_connection((host, port), timeout=5) as data:
                    ftp.sendcmd(f"STOR /{upload.token}/charger.log")  # 150
                    data.sendall(b"the charger's own log")
                return ftp.voidresp()

            assert (await asyncio.to_thread(charger)).startswith("226")
        finally:
            await asyncio.to_thread(ftp.close)
        received = await events.wait_for(UploadReceived)
        assert received.path.read_bytes() == b"the charger's own log"


async def test_passive_ports_are_drawn_at_random(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # aioftp hands out the lowest free port, so the next one is known in advance.
    monkeypatch.setattr(ftp_module, "_random", random.Random(16))
    passive = sorted(free_ports(8))
    async with make_server(tmp_path, ftp_passive_ports=passive) as server:
        upload = server.offer_upload()
        logins = [
            await asyncio.to_thread(login, server, upload.ftp_user, upload.ftp_password)
            for _ in range(4)
        ]
        try:
            ports = [(await asyncio.to_thread(ftp.makepasv))[1] for ftp in logins]
        finally:
            for ftp in logins:
                await asyncio.to_thread(ftp.close)
    assert set(ports) <= set(passive) and len(set(ports)) == 4
    assert ports != passive[:4]
