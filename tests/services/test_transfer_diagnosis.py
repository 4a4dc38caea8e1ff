"""Transfers end to end over SFTP, and the diagnosis of transfers that go wrong.

Real hub, real file server (HTTP, FTP, SFTP on 127.0.0.1), the simulator or a hand-driven
charger, and real clients for the requests a misbehaving charger would make.
"""

from __future__ import annotations

import asyncio
import ftplib
import hashlib
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from ocpptui.core.hub import Hub
from ocpptui.services.diagnostics import DiagnosticsRequest
from ocpptui.services.file_server import FileServer, masked_url
from ocpptui.services.file_server import ftp as ftp_module
from ocpptui.services.firmware import FirmwareUpdate, Phase, WaitFor
from ocpptui.services.transfer_diagnosis import TransferWatch
from tests.helpers import RawCharger, connect_raw, loopback_file_server
from tests.services.file_server.helpers import firmware_file, free_ports

pytestmark = pytest.mark.timeout(20)

SIM = {"firmware_install_seconds": 0.5, "transfer_retry_interval": 1}


@pytest.fixture(scope="module")
def host_keys(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("ssh")


def make_server(tmp_path: Path, host_keys: Path, **overrides: Any) -> FileServer:
    options: dict[str, Any] = {
        "ftp_passive_ports": free_ports(3),
        "enable_sftp": True,
        "sftp_port": 0,
        "sftp_host_key_folder": host_keys,
    }
    return loopback_file_server(tmp_path / "uploads", **{**options, **overrides})


@pytest.fixture
async def file_server(tmp_path: Path, host_keys: Path) -> AsyncIterator[FileServer]:
    async with make_server(tmp_path, host_keys) as server:
        yield server


def timeline_text(job: FirmwareUpdate | DiagnosticsRequest) -> str:
    return "\n".join(entry.text for entry in job.timeline)


async def answer_calls(charger: RawCharger, action: str) -> list[Any]:
    """Answer the CSMS's calls (empty results) until `action` comes; returns that call."""
    while True:
        call = await charger.recv_json()
        await charger.send_text(json.dumps([3, call[1], {}]))
        if call[2] == action:
            return call


async def start_with_raw_charger(job: FirmwareUpdate, charger: RawCharger) -> list[Any]:
    """Start the job while the hand-driven charger accepts the UpdateFirmware it receives."""
    starting = asyncio.create_task(job.start())
    call = await answer_calls(charger, "UpdateFirmware")
    await starting
    return call


# --------------------------------------------------------------------------- SFTP end to end


async def test_firmware_upgrade_over_sftp(
    hub: Hub, start_sim, file_server: FileServer, tmp_path: Path
) -> None:
    charger = await start_sim("CP-SFTP", protocol="ocpp1.6", **SIM)
    path = firmware_file(tmp_path)
    job = FirmwareUpdate(hub, "CP-SFTP", file_server, path, scheme="sftp")
    await job.start()
    try:
        verdict = await job.wait(WaitFor.BOOTED, timeout=15)
    finally:
        job.close()
    assert verdict.ok, verdict
    assert (job.before_version, job.after_version, job.phase) == ("1.4.2", "2.0.0", Phase.BOOTED)
    assert charger.last_firmware_download.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert job.progress.bytes_done == path.stat().st_size
    # The URL sent carries the password; what the technician sees does not.
    assert job.offer is not None and job.url == job.offer.sftp_url
    assert job.offer.ftp_password in job.url
    assert job.offer.ftp_password not in timeline_text(job)
    assert masked_url(job.url) in timeline_text(job)
    methods = [request.method for request in job.requests]
    assert "LOGIN" in methods and "READ" in methods
    assert {(r.protocol, r.client) for r in job.requests} == {("sftp", "127.0.0.1")}
    read = next(r for r in job.requests if r.method == "READ")
    assert read.ok and read.bytes == path.stat().st_size
    assert not [finding for finding in job.diagnosis if finding.blocking]


async def test_diagnostics_upload_over_sftp(hub: Hub, start_sim, file_server: FileServer) -> None:
    charger = await start_sim("CP-D", protocol="ocpp2.0.1", **SIM)
    job = DiagnosticsRequest(hub, "CP-D", file_server, scheme="sftp")
    await job.start()
    verdict = await job.wait(timeout=15)
    job.close()
    assert verdict.ok, verdict
    assert job.location == job.upload.sftp_url  # the folder form: the charger names the file
    await charger.wait_until(lambda c: c.last_diagnostics_upload is not None, timeout=5)
    received = job.received
    assert received is not None
    assert received.sha256 == charger.last_diagnostics_upload.sha256
    assert received.sha256 == hashlib.sha256(received.path.read_bytes()).hexdigest()
    assert any(r.method == "WRITE" and r.ok for r in job.requests)


# ------------------------------------------------------------------ transfers that never start


async def test_downloading_without_a_request_is_diagnosed_while_it_lasts(
    hub: Hub, start_sim, tmp_path: Path, host_keys: Path
) -> None:
    # The URL names an address the charger cannot reach (nothing listens on 127.0.0.2);
    # the charger says Downloading and then waits ~10 s before its second attempt.
    server = make_server(tmp_path, host_keys, advertise_host="127.0.0.2")
    http_port = (await server.start()).http
    try:
        await start_sim("CP-FW", protocol="ocpp1.6", transfer_timeout=1, **SIM)
        job = FirmwareUpdate(
            hub, "CP-FW", server, firmware_file(tmp_path), retries=1, retry_interval=200,
            silence_seconds=0.5,
        )  # fmt: skip
        await job.start()
        verdict = await job.wait(WaitFor.BOOTED, timeout=3)
        job.close()
    finally:
        await server.stop()
    assert not verdict.ok and job.last_status == "Downloading"
    assert job.requests == []
    rules = [finding.rule for finding in job.diagnosis]
    assert rules[0] == "silent-transfer"
    noted = [e.text for e in job.timeline if e.text.startswith("diagnosis:")]
    assert len(noted) == 1 and "never contacted the file server" in noted[0]
    assert "127.0.0.2" in verdict.advice and f"TCP {http_port}" in verdict.advice


async def test_no_status_and_no_request_after_the_retrieve_window(
    hub: Hub, file_server: FileServer, tmp_path: Path
) -> None:
    charger = await connect_raw(hub, "CP-RAW")
    await charger.boot_16()
    job = FirmwareUpdate(
        hub, "CP-RAW", file_server, firmware_file(tmp_path), retries=0, grace_seconds=0.3
    )
    call = await start_with_raw_charger(job, charger)
    assert call[3]["retries"] == 0
    verdict = await job.wait(WaitFor.BOOTED, timeout=2.5)
    job.close()
    await charger.connection.close()
    assert not verdict.ok
    finding = job.diagnosis[0]
    assert finding.rule == "nothing-happened"
    assert "one attempt: retries=0 means no retry" in finding.summary
    assert "clock" in finding.advice and "send a new request" in finding.advice
    assert verdict.advice == finding.text
    assert any(e.text == f"diagnosis: {finding.text}" for e in job.timeline)


# ------------------------------------------------------------------ file vs folder locations


async def test_a_charger_that_adds_its_file_name_is_told_to_use_the_folder_form(
    hub: Hub, start_sim, file_server: FileServer
) -> None:
    # The simulator stores FTP uploads as <location>/<its file name>: given a file URL,
    # it asks for /<token>/<that name>/<its name>, which is no upload place.
    await start_sim("CP-D", protocol="ocpp1.6", **SIM)
    job = DiagnosticsRequest(
        hub, "CP-D", file_server, scheme="ftp", location_form="file", retries=0
    )
    await job.start()
    assert job.location is not None and job.location.endswith("/CP-D-DiagnosticsLog.log")
    verdict = await job.wait(timeout=15)
    job.close()
    assert not verdict.ok and "UploadFailed" in verdict.summary
    refused = [r for r in job.requests if r.refused]
    assert refused and refused[0].method == "STOR" and refused[0].path.count("/") == 3
    finding = job.diagnosis[0]
    assert finding.rule == "appended-name"
    folder = masked_url(job.upload.ftp_url)
    assert f"send the folder form {folder}" in verdict.advice
    assert job.upload.ftp_password not in verdict.advice

    # ... and the folder form works.
    retry = DiagnosticsRequest(hub, "CP-D", file_server, scheme="ftp", location_form="folder")
    await retry.start()
    assert (await retry.wait(timeout=15)).ok
    retry.close()


async def test_a_download_url_with_a_name_added_or_from_elsewhere_is_explained(
    hub: Hub, file_server: FileServer, tmp_path: Path
) -> None:
    charger = await connect_raw(hub, "CP-RAW")
    await charger.boot_16()
    path = firmware_file(tmp_path)
    job = FirmwareUpdate(hub, "CP-RAW", file_server, path, retries=0)
    await start_with_raw_charger(job, charger)
    assert job.url is not None and job.url.endswith("/charger-fw-2.0.0.bin")

    # A charger that takes every location for a folder appends the name it wants.
    await charger.call("FirmwareStatusNotification", {"status": "Downloading"})
    elsewhere = aiohttp.TCPConnector(local_addr=("127.0.0.2", 0))
    async with aiohttp.ClientSession(connector=elsewhere) as session:
        async with session.get(job.url + "/firmware.bin") as response:
            assert response.status == 404
    await charger.call("FirmwareStatusNotification", {"status": "DownloadFailed"})
    verdict = await job.wait(WaitFor.BOOTED, timeout=5)
    job.close()

    assert [(r.client, r.method, r.status) for r in job.requests] == [("127.0.0.2", "GET", 404)]
    rules = [finding.rule for finding in job.diagnosis]
    assert rules == ["appended-name", "unexpected-address"]
    folder = job.url.rsplit("/", 1)[0] + "/"
    assert verdict.advice.endswith(
        f"send the folder form {folder} with the image offered as 'firmware.bin'"
    )
    assert "127.0.0.2" in job.diagnosis[1].summary and not job.diagnosis[1].blocking

    # The folder form, with the image under the name the charger asks for, serves it.
    retry = FirmwareUpdate(
        hub, "CP-RAW", file_server, path, location_form="folder", file_name="firmware.bin"
    )
    await start_with_raw_charger(retry, charger)
    assert retry.offer is not None and retry.url == retry.offer.http_url.rsplit("/", 1)[0] + "/"
    async with aiohttp.ClientSession() as session:
        async with session.get(retry.url + "firmware.bin") as response:
            assert response.status == 200
            assert await response.read() == path.read_bytes()
    retry.close()
    await charger.connection.close()


# ---------------------------------------------------------------------- FTP logins and ports


async def test_ftp_wrong_password_and_blocked_data_ports(
    tmp_path: Path, host_keys: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ftp_module, "DATA_CONNECTION_WAIT", 0.3)
    async with make_server(tmp_path, host_keys, enable_sftp=False) as file_server:
        offer = file_server.offer_file(firmware_file(tmp_path))
        watch = TransferWatch(
            file_server, offer.token, "download", offer.ftp_url or "", "ftp", offer.file_name,
            charger_host="127.0.0.1", clock=time.monotonic, wall_clock=time.time,
        )  # fmt: skip
        file_server.subscribe(watch.observe)
        ftp_port = file_server.ports.ftp

        def charger(password: str) -> str:
            with ftplib.FTP(timeout=5) as ftp:
                ftp.connect("127.0.0.1", ftp_port)
                try:
                    ftp.login(offer.ftp_user, password)
                except ftplib.error_perm as error:
                    return str(error)
                ftp.cwd(offer.token)  # relative names from here: the login says which offer
                ftp.makepasv()  # ... and a firewall drops the data connection
                ftp.sendcmd(f"RETR {offer.file_name}")
                try:
                    return ftp.voidresp()
                except ftplib.error_temp as error:
                    return str(error)

        assert (await asyncio.to_thread(charger, "wrong")).startswith("530")
        assert [f.rule for f in watch.findings()] == ["wrong-login"]
        assert "right user, wrong password" in watch.findings()[0].summary

        assert (await asyncio.to_thread(charger, offer.ftp_password)).startswith("425")
        ports = sorted(file_server.ports.ftp_passive)
        contiguous = ports == list(range(ports[0], ports[-1] + 1))
        data_ports = f"{ports[0]}-{ports[-1]}" if contiguous else ", ".join(map(str, ports))
        finding = watch.findings()[0]
        assert finding.rule == "ftp-data-port"
        assert f"open TCP {data_ports} as well as {ftp_port}" in finding.advice
        # every command of the login counts as this offer's, relative paths included
        assert {"PASS", "CWD", "PASV", "RETR"} <= {r.method for r in watch.requests}


def test_masked_url_hides_only_the_password() -> None:
    assert (
        masked_url("ftp://u1:pa55@10.0.0.2:2121/t/f.bin") == "ftp://u1:****@10.0.0.2:2121/t/f.bin"
    )
    assert masked_url("sftp://u1:pa55@[fe80::1]:2222/t/") == "sftp://u1:****@[fe80::1]:2222/t/"
    assert masked_url("http://10.0.0.2:8080/t/f.bin") == "http://10.0.0.2:8080/t/f.bin"


# ------------------------------------------------------- 1.6 Installed without a reboot


async def _status(charger: RawCharger, status: str) -> None:
    answer = await charger.call("FirmwareStatusNotification", {"status": status})
    assert answer[0] == 3, answer


@pytest.mark.parametrize("fetches", [True, False])
async def test_a_16_installed_without_a_reboot_passes_only_after_its_own_download(
    hub: Hub, file_server: FileServer, tmp_path: Path, fetches: bool
) -> None:
    # Some 1.6 chargers install without rebooting: the Installed that follows this job's own
    # download is the evidence; one that follows no download of this job's image is not.
    charger = await connect_raw(hub, "CP-RAW")
    await charger.boot_16()
    path = firmware_file(tmp_path)
    job = FirmwareUpdate(hub, "CP-RAW", file_server, path, scheme="http")
    call = await start_with_raw_charger(job, charger)
    if fetches:
        async with aiohttp.ClientSession() as client, client.get(call[3]["location"]) as got:
            assert await got.read() == path.read_bytes()
        await _status(charger, "Downloading")
        await _status(charger, "Downloaded")
    await _status(charger, "Installed")
    verdict = await job.wait(WaitFor.INSTALLED, timeout=1.5)
    job.close()
    await charger.connection.close()
    assert verdict.ok is fetches, verdict
    if fetches:
        assert "did not reboot onto a new version within 1.5 s" in verdict.summary
    else:
        assert any("Installed: from an earlier job" in e.text for e in job.timeline)
