"""Firmware upgrades and diagnostics retrieval end to end: hub + real file server + simulator."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from ocpptui.core.hub import Hub
from ocpptui.services.diagnostics import DiagnosticsRequest
from ocpptui.services.file_server import FileServer
from ocpptui.services.firmware import FirmwareUpdate, Phase, WaitFor
from ocpptui.services.playbook import PlaybookRun, parse_playbook
from tests.helpers import loopback_file_server, wait_for
from tests.services.file_server.helpers import firmware_file

SIM = {"firmware_install_seconds": 0.5, "transfer_retry_interval": 1}


@pytest.mark.parametrize(("protocol", "scheme"), [("ocpp1.6", "http"), ("ocpp2.0.1", "ftp")])
async def test_upgrade_to_the_new_version(
    hub: Hub, start_sim, file_server: FileServer, tmp_path: Path, protocol: str, scheme: str
) -> None:
    charger = await start_sim("CP-FW", protocol=protocol, **SIM)
    path = firmware_file(tmp_path)
    job = FirmwareUpdate(hub, "CP-FW", file_server, path, scheme=scheme)
    await job.start()
    try:
        verdict = await job.wait(WaitFor.BOOTED, timeout=20)
    finally:
        job.close()
    assert verdict.ok, verdict
    assert verdict.summary == "firmware 1.4.2 → 2.0.0"
    assert (job.before_version, job.after_version, job.phase) == ("1.4.2", "2.0.0", Phase.BOOTED)
    statuses = [
        entry.status for entry in job.timeline if entry.source == "charger" and entry.status
    ]
    assert {"Downloading", "Downloaded", "Installing"} <= set(statuses)
    assert job.progress.bytes_done == path.stat().st_size == job.offer.size
    assert charger.last_firmware_download.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    sources = {entry.source for entry in job.timeline}
    assert {"ocpp-tui", "charger", "file server", "connection"} <= sources
    assert hub.session_for("CP-FW").state.firmware == "2.0.0"


async def test_wait_for_installed_only(
    hub: Hub, start_sim, file_server: FileServer, tmp_path: Path
) -> None:
    await start_sim("CP-FW", protocol="ocpp1.6", **SIM)
    job = FirmwareUpdate(hub, "CP-FW", file_server, firmware_file(tmp_path))
    await job.start()
    verdict = await job.wait(WaitFor.INSTALLED, timeout=20)
    job.close()
    assert verdict.ok and job.phase in (Phase.INSTALLED, Phase.BOOTED)


async def test_download_failure_says_what_failed(
    hub: Hub, start_sim, file_server: FileServer, tmp_path: Path
) -> None:
    await start_sim("CP-FW", protocol="ocpp1.6", firmware_failure="download", **SIM)
    job = FirmwareUpdate(hub, "CP-FW", file_server, firmware_file(tmp_path), retries=0)
    await job.start()
    verdict = await job.wait(WaitFor.BOOTED, timeout=20)
    job.close()
    assert not verdict.ok
    assert verdict.summary.startswith("DownloadFailed")
    assert "fetched the file" in verdict.advice  # the file server saw the charger download it


async def test_unreachable_file_server_is_diagnosed(hub: Hub, start_sim, tmp_path: Path) -> None:
    # The URL names an address the charger cannot reach (nothing listens on 127.0.0.2).
    server = loopback_file_server(None, advertise_host="127.0.0.2")
    await server.start()
    try:
        await start_sim("CP-FW", protocol="ocpp1.6", transfer_timeout=1, **SIM)
        job = FirmwareUpdate(hub, "CP-FW", server, firmware_file(tmp_path), retries=0)
        await job.start()
        verdict = await job.wait(WaitFor.BOOTED, timeout=20)
        job.close()
    finally:
        await server.stop()
    assert not verdict.ok
    assert "never contacted the file server" in verdict.advice
    assert "127.0.0.2" in verdict.advice


async def test_install_failure(
    hub: Hub, start_sim, file_server: FileServer, tmp_path: Path
) -> None:
    await start_sim("CP-FW", protocol="ocpp2.0.1", firmware_failure="install", **SIM)
    job = FirmwareUpdate(hub, "CP-FW", file_server, firmware_file(tmp_path))
    await job.start()
    verdict = await job.wait(WaitFor.BOOTED, timeout=20)
    job.close()
    assert not verdict.ok and verdict.summary.startswith("InstallationFailed")
    assert "meant for this model" in verdict.advice
    assert hub.session_for("CP-FW").state.firmware == "1.4.2"


@pytest.mark.parametrize(("protocol", "scheme"), [("ocpp1.6", "http"), ("ocpp2.0.1", "ftp")])
async def test_diagnostics_arrive_intact(
    hub: Hub, start_sim, file_server: FileServer, protocol: str, scheme: str
) -> None:
    charger = await start_sim("CP-D", protocol=protocol, **SIM)
    job = DiagnosticsRequest(hub, "CP-D", file_server, scheme=scheme)
    await job.start()
    verdict = await job.wait(timeout=20)
    job.close()
    assert verdict.ok, verdict
    received = job.received
    assert received is not None
    # the charger records its upload once the server has answered it
    await charger.wait_until(lambda c: c.last_diagnostics_upload is not None, timeout=5)
    upload = charger.last_diagnostics_upload
    assert (
        received.sha256 == upload.sha256 == hashlib.sha256(received.path.read_bytes()).hexdigest()
    )
    assert received.size == upload.size
    session = hub.session_for("CP-D")
    assert received.path.parent == session.frame_log.path.parent  # the session's folder
    assert job.action == ("GetLog" if protocol == "ocpp2.0.1" else "GetDiagnostics")


async def test_diagnostics_upload_failure(hub: Hub, start_sim, file_server: FileServer) -> None:
    await start_sim("CP-D", protocol="ocpp1.6", upload_failure="upload", **SIM)
    job = DiagnosticsRequest(hub, "CP-D", file_server, retries=0)
    await job.start()
    verdict = await job.wait(timeout=20)
    job.close()
    assert not verdict.ok and "UploadFailed" in verdict.summary


async def test_playbook_firmware_and_diagnostics_steps(
    hub: Hub, start_sim, file_server: FileServer, tmp_path: Path
) -> None:
    await start_sim("CP-PB", protocol="ocpp1.6", **SIM)
    firmware = firmware_file(tmp_path, "3.1.0")
    playbook = parse_playbook(
        f"""
[[step]]
do = "wait_for_charger"
identity = "CP-PB"

[[step]]
do = "update_firmware"
file = "{firmware}"
wait = "Booted"
timeout = 30

[[step]]
do = "get_diagnostics"
timeout = 30
"""
    )

    async def factory() -> FileServer:
        return file_server

    run = PlaybookRun(playbook, hub, file_server_factory=factory)
    ok = await run.run()
    assert ok, [r.to_json() for r in run.results]
    firmware_step, diagnostics_step = run.results[1], run.results[2]
    assert firmware_step.response["after"] == "3.1.0"
    assert firmware_step.response["verdict"] == "firmware 1.4.2 → 3.1.0"
    assert Path(diagnostics_step.response["file"]).exists()


async def test_the_offer_outlives_the_wait_until_the_charger_is_done(
    hub: Hub, start_sim, file_server: FileServer, tmp_path: Path
) -> None:
    import datetime as dt

    charger = await start_sim("CP-LATE", protocol="ocpp1.6", **SIM)
    # The charger fetches 10 protocol seconds from now (0.5 s at the tests' speedup): the
    # caller stops waiting before that, the file stays offered, the charger gets it.
    later = hub.clock.now() + dt.timedelta(seconds=10)
    job = FirmwareUpdate(hub, "CP-LATE", file_server, firmware_file(tmp_path), retrieve_date=later)
    await job.start()
    verdict = await job.wait(WaitFor.INSTALLED, timeout=0.1)
    assert not verdict.ok and job.offered
    job.release()
    await charger.wait_until(lambda c: c.firmware_version == "2.0.0", timeout=10)
    assert charger.last_firmware_download.sha256 == job.offer.sha256
    assert not job.offered
    assert job.offer_withdrawn == "the charger reported Downloaded after the transfer"
    assert any(e.text == f"offer withdrawn: {job.offer_withdrawn}" for e in job.timeline)

    # A charger that never comes: withdrawn once nobody asked for the file for a while.
    never = FirmwareUpdate(hub, "CP-LATE", file_server, firmware_file(tmp_path, "3.0.0"),
                           retrieve_date=hub.clock.now() + dt.timedelta(hours=2),
                           offer_idle_seconds=0.2)  # fmt: skip
    await wait_for(lambda: hub.session_for("CP-LATE").state.booted, timeout=10)
    await never.start()
    never.release()
    await wait_for(lambda: not never.offered, timeout=5)
    assert never.offer_withdrawn == "no request for it in 0.2 s"
    never.close()
