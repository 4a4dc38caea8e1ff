"""SFTP, for the chargers that take nothing else (asyncssh's client plays the charger)."""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit

import asyncssh
import pytest

from ocpptui.services.file_server import (
    FileServer,
    RequestLogged,
    RequestRefused,
    TransferAborted,
    TransferFinished,
    TransferProgress,
    TransferStarted,
    UploadReceived,
)

from .helpers import MAX_UPLOAD, Recorder, make_server

pytestmark = pytest.mark.timeout(10)


@pytest.fixture(scope="session")
def host_keys(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One host key folder for the whole run (an RSA key takes a moment to make)."""
    return tmp_path_factory.mktemp("ssh")


@pytest.fixture
async def sftp_server(tmp_path: Path, host_keys: Path) -> AsyncIterator[FileServer]:
    async with make_server(
        tmp_path, enable_sftp=True, sftp_port=0, sftp_host_key_folder=host_keys
    ) as server:
        yield server


@pytest.fixture
def sftp_events(sftp_server: FileServer) -> Recorder:
    recorder = Recorder()
    sftp_server.subscribe(recorder.append)
    return recorder


def connect(url: str, password: str | None = None) -> asyncssh.connection._ConnectionContextManager:
    parts = urlsplit(url)
    return asyncssh.connect(
        parts.hostname,
        parts.port,
        username=parts.username,
        password=password if password is not None else parts.password,
        known_hosts=None,
        client_keys=None,
        agent_path=None,
        config=None,
    )


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


async def test_download_is_intact_with_progress(
    sftp_server: FileServer, sftp_events: Recorder, firmware: Path, tmp_path: Path
) -> None:
    offer = sftp_server.offer_file(firmware)
    port = sftp_server.ports.sftp
    assert offer.sftp_url == (
        f"sftp://{offer.ftp_user}:{offer.ftp_password}@127.0.0.1:{port}/{offer.token}/"
        "firmware-2.1.bin"
    )
    async with connect(offer.sftp_url) as connection, connection.start_sftp_client() as sftp:
        assert await sftp.realpath(".") == f"/{offer.token}"  # the login's home
        await sftp.get(urlsplit(offer.sftp_url).path, tmp_path / "got.bin")
        assert await sftp.listdir(f"/{offer.token}") == [".", "..", "firmware-2.1.bin"]
    assert sha256((tmp_path / "got.bin").read_bytes()) == offer.sha256
    finished = await sftp_events.wait_for(TransferFinished)
    assert (finished.transfer.protocol, finished.bytes_done) == ("sftp", offer.size)
    assert sftp_events.of(TransferProgress)[-1].bytes_done == offer.size
    read = await sftp_events.wait_for(RequestLogged, lambda e: e.method == "READ")
    assert (read.path, read.status, read.bytes, read.token) == (
        f"/{offer.token}/firmware-2.1.bin",
        0,
        offer.size,
        offer.token,
    )
    login = sftp_events.of(RequestLogged)[0]
    assert (login.method, login.client, login.token) == ("LOGIN", "127.0.0.1", offer.token)


async def test_upload_with_a_resume(sftp_server: FileServer, sftp_events: Recorder) -> None:
    upload = sftp_server.offer_upload(label="CP-1 logs")
    assert upload.sftp_url is not None and upload.sftp_url.endswith(f"/{upload.token}/")
    data = os.urandom(400_000)
    folder = urlsplit(upload.sftp_url).path
    async with connect(upload.sftp_url) as connection, connection.start_sftp_client() as sftp:
        async with sftp.open(folder + "diag.tar.gz", "wb") as remote:
            await remote.write(data[:150_000], 0)
        # the link dropped here, as far as the charger knows: it resumes at the size it sees
        size = (await sftp.stat(folder + "diag.tar.gz")).size
        async with sftp.open(folder + "diag.tar.gz", "ab") as remote:
            await remote.write(data[size:], size)
        assert await sftp.listdir(folder) == [".", "..", "diag.tar.gz"]
    assert size == 150_000
    assert (upload.directory / "diag.tar.gz").read_bytes() == data
    complete = [r for r in sftp_events.of(UploadReceived) if r.size == len(data)]
    assert len(complete) == 1
    received = complete[0]
    assert (received.protocol, received.label, received.client_file_name) == (
        "sftp",
        "CP-1 logs",
        "diag.tar.gz",
    )
    assert received.sha256 == sha256(data)
    assert [e.transfer.offset for e in sftp_events.of(TransferStarted)] == [0, 150_000]


async def test_a_new_upload_never_overwrites_and_names_are_made_safe(
    sftp_server: FileServer,
) -> None:
    upload = sftp_server.offer_upload()
    folder = urlsplit(upload.sftp_url).path
    async with connect(upload.sftp_url) as connection, connection.start_sftp_client() as sftp:
        for content in (b"first", b"second"):
            async with sftp.open(folder + "log.txt", "wb") as remote:
                await remote.write(content)
        async with sftp.open(folder + "CON.txt", "wb") as remote:  # a Windows device name
            await remote.write(b"x")
    assert (upload.directory / "log.txt").read_bytes() == b"first"
    assert (upload.directory / "log-1.txt").read_bytes() == b"second"
    assert (upload.directory / "_CON.txt").exists()


async def test_an_upload_over_the_cap_is_refused_and_removed(
    sftp_server: FileServer, sftp_events: Recorder
) -> None:
    upload = sftp_server.offer_upload()
    folder = urlsplit(upload.sftp_url).path
    async with connect(upload.sftp_url) as connection, connection.start_sftp_client() as sftp:
        remote = await sftp.open(folder + "huge.bin", "wb")
        with pytest.raises(asyncssh.SFTPFailure, match="exceeds"):
            await remote.write(os.urandom(MAX_UPLOAD + 1000), 0)
        await remote.close()
    assert list(upload.directory.iterdir()) == []
    assert not sftp_events.of(UploadReceived)
    assert sftp_events.of(TransferAborted)
    refused = await sftp_events.wait_for(RequestRefused, lambda e: e.method == "WRITE")
    assert "exceeds" in refused.reason


async def test_nothing_outside_the_offer_is_reachable(
    sftp_server: FileServer, sftp_events: Recorder, firmware: Path, tmp_path: Path
) -> None:
    offer = sftp_server.offer_file(firmware)
    other = sftp_server.offer_upload()
    tricks = [
        "/etc/passwd",
        f"/{offer.token}/../{other.token}/x",
        f"/{other.token}/x",
        f"/{offer.token}/other.bin",
        f"/{offer.token}/firmware-2.1.bin/x",
        "../../etc/passwd",
    ]
    async with connect(offer.sftp_url) as connection, connection.start_sftp_client() as sftp:
        for path in tricks:
            with pytest.raises(asyncssh.SFTPError):
                await sftp.get(path, tmp_path / "x")
        with pytest.raises(asyncssh.SFTPPermissionDenied):
            await sftp.listdir("/")
        with pytest.raises(asyncssh.SFTPPermissionDenied):  # a download is read-only
            await sftp.open(f"/{offer.token}/firmware-2.1.bin", "wb")
        for change in (
            sftp.remove(f"/{offer.token}/firmware-2.1.bin"),
            sftp.mkdir(f"/{offer.token}/d"),
            sftp.rename(f"/{offer.token}/firmware-2.1.bin", f"/{offer.token}/x"),
            sftp.symlink("/etc/passwd", f"/{offer.token}/link"),
        ):
            with pytest.raises(asyncssh.SFTPError):
                await change
        with pytest.raises(asyncssh.ChannelOpenError):  # no shell, no commands
            await connection.run("cat /etc/passwd")
    assert not (tmp_path / "x").exists()
    refused = sftp_events.of(RequestRefused)
    assert len(refused) >= len(tricks) + 6
    assert {e.method for e in refused} >= {"OPEN", "OPENDIR", "REMOVE", "MKDIR", "RENAME"}
    assert firmware.exists() and not list(sftp_server.upload_dir.glob("**/*"))


async def test_an_upload_offer_cannot_be_read(sftp_server: FileServer) -> None:
    upload = sftp_server.offer_upload()
    folder = urlsplit(upload.sftp_url).path
    async with connect(upload.sftp_url) as connection, connection.start_sftp_client() as sftp:
        async with sftp.open(folder + "a.log", "wb") as remote:
            await remote.write(b"secret log")
        with pytest.raises(asyncssh.SFTPPermissionDenied):
            await sftp.open(folder + "a.log", "rb")
        with pytest.raises(asyncssh.SFTPFailure, match="file name required"):
            await sftp.open(folder, "wb")


async def test_wrong_password_and_withdrawn_offers_are_refused(
    sftp_server: FileServer, sftp_events: Recorder, firmware: Path
) -> None:
    offer = sftp_server.offer_file(firmware)
    with pytest.raises(asyncssh.PermissionDenied):
        async with connect(offer.sftp_url, password="not-the-password"):
            pass
    refused = await sftp_events.wait_for(RequestRefused, lambda e: e.method == "LOGIN")
    assert (refused.token, refused.reason) == (offer.token, "wrong SFTP user or password")
    sftp_server.withdraw(offer.token)
    with pytest.raises(asyncssh.PermissionDenied):
        async with connect(offer.sftp_url):
            pass


async def test_host_keys_are_made_once_and_kept(tmp_path: Path) -> None:
    folder = tmp_path / "ssh"
    fingerprints = []
    for _ in range(2):
        server = make_server(tmp_path, enable_sftp=True, sftp_port=0, sftp_host_key_folder=folder)
        await server.start()
        fingerprints.append(server.sftp_host_key_fingerprints)
        await server.stop()
    assert fingerprints[0] == fingerprints[1] and len(fingerprints[0]) == 2
    keys = sorted(p.name for p in folder.iterdir())
    assert keys == [
        "ssh_host_ed25519_key",
        "ssh_host_ed25519_key.pub",
        "ssh_host_rsa_key",
        "ssh_host_rsa_key.pub",
    ]
    if os.name == "posix":
        assert stat.S_IMODE((folder / "ssh_host_rsa_key").stat().st_mode) == 0o600


async def test_sftp_is_off_unless_asked_for(server: FileServer, firmware: Path) -> None:
    offer = server.offer_file(firmware)
    assert server.ports.sftp is None and offer.sftp_url is None
    assert server.offer_upload().sftp_url is None


async def test_stop_ends_running_sftp_transfers(
    tmp_path: Path, host_keys: Path, firmware: Path
) -> None:
    server = make_server(tmp_path, enable_sftp=True, sftp_port=0, sftp_host_key_folder=host_keys)
    await server.start()
    events = Recorder()
    server.subscribe(events.append)
    offer = server.offer_file(firmware)
    connection = await connect(offer.sftp_url)
    sftp = await connection.start_sftp_client()
    remote = await sftp.open(urlsplit(offer.sftp_url).path, "rb")
    assert len(await remote.read(100_000, 0)) == 100_000
    await server.stop()
    aborted = await events.wait_for(TransferAborted)
    assert aborted.reason == f"server stopped after 100000 of {offer.size} bytes"
    with pytest.raises((asyncssh.Error, OSError)):
        await remote.read(100_000, 100_000)
    connection.close()
