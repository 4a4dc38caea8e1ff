"""The simulator's transfer quirks: the orders and repeats real chargers use for their statuses."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from ocpp.v16 import call as call16
from ocpp.v201 import call as call201

from ocpptui.services.file_server import FileServer, TransferFinished, UploadReceived
from tests.sim.csms_peer import CALL, CALL_RESULT, CsmsServer
from tests.sim.helpers import FileEvents, StartCharger
from tests.sim.test_firmware import FAST_INSTALL, image, now, statuses

pytestmark = pytest.mark.timeout(10)


def frame_index(peer: Any, predicate) -> int:
    frames = peer.record.frames
    return next(i for i, (direction, frame) in enumerate(frames) if predicate(direction, frame))


def request_and_answer(peer: Any, action: str) -> tuple[int, int]:
    """Indexes of the CSMS's `action` request and of the charger's answer to it."""
    request = frame_index(peer, lambda d, f: d == "out" and f[0] == CALL and f[2] == action)
    unique_id = peer.record.frames[request][1][1]
    return request, peer.record.index_of("in", CALL_RESULT, unique_id)


@pytest.mark.parametrize("protocol", ["ocpp1.6", "ocpp2.0.1"])
@pytest.mark.parametrize("kind", ["firmware", "log"])
async def test_status_before_answer_sends_the_first_status_before_the_answer(
    csms: CsmsServer,
    start_charger: StartCharger,
    file_server: FileServer,
    tmp_path: Path,
    protocol: str,
    kind: str,
) -> None:
    await start_charger("CP-1", protocol=protocol, quirks={"status-before-answer"}, **FAST_INSTALL)
    peer = await csms.peer("CP-1")
    v16 = protocol == "ocpp1.6"
    if kind == "firmware":
        url = (await file_server.offer_file_async(image(tmp_path / "fw-2.3.0.bin"))).http_url
        if v16:
            request = call16.UpdateFirmware(location=url, retrieve_date=now())
        else:
            firmware = {"location": url, "retrieve_date_time": now()}
            request = call201.UpdateFirmware(request_id=7, firmware=firmware)
        action, status_action, first = "UpdateFirmware", "FirmwareStatusNotification", "Downloading"
    else:
        url = file_server.offer_upload(tmp_path / "up").http_url
        if v16:
            request = call16.GetDiagnostics(location=url)
            action, status_action = "GetDiagnostics", "DiagnosticsStatusNotification"
        else:
            log = {"remote_location": url}
            request = call201.GetLog(log=log, log_type="DiagnosticsLog", request_id=7)
            action, status_action = "GetLog", "LogStatusNotification"
        first = "Uploading"
    await peer.call(request)
    await peer.wait_for(status_action, lambda p: p["status"] == first)
    sent, answered = request_and_answer(peer, action)
    status = frame_index(peer, lambda d, f: d == "in" and f[0] == CALL and f[2] == status_action)
    assert sent < status < answered


async def test_v16_installed_after_boot_comes_after_the_next_requests_answer(
    csms: CsmsServer, start_charger: StartCharger, file_server: FileServer, tmp_path: Path
) -> None:
    charger = await start_charger(
        "CP-1", quirks={"installed-after-boot"}, post_boot_status_delay=0.3, **FAST_INSTALL
    )
    peer = await csms.peer("CP-1")
    first = await file_server.offer_file_async(image(tmp_path / "fw-2.3.0.bin"))
    await peer.call(call16.UpdateFirmware(location=first.http_url, retrieve_date=now()))
    second_peer = await csms.peer("CP-1", nth=2)
    boot = (await second_peer.wait_for("BootNotification"))[0]
    assert boot["firmwareVersion"] == "2.3.0"
    assert statuses(csms, "CP-1") == ["Downloading", "Downloaded", "Installing"]
    await charger.wait_until(lambda c: c.booted and c.boot_count == 2)

    # The new image is running: a second update is taken, and the late Installed follows it.
    assert not charger.firmware_update_running
    missing = "http://127.0.0.1:9/none/fw-2.4.0.bin"
    await second_peer.call(call16.UpdateFirmware(location=missing, retrieve_date=now()))
    await second_peer.wait_for("FirmwareStatusNotification", lambda p: p["status"] == "Installed")
    _, answered = request_and_answer(second_peer, "UpdateFirmware")
    installed = frame_index(
        second_peer,
        lambda d, f: d == "in" and f[0] == CALL and f[3].get("status") == "Installed",
    )
    assert installed > answered
    await second_peer.wait_for("FirmwareStatusNotification", lambda p: p["status"] == "Downloading")
    assert charger.firmware_status in ("Downloading", "DownloadFailed")  # the second request's


@pytest.mark.parametrize("protocol", ["ocpp1.6", "ocpp2.0.1"])
async def test_repeated_statuses_come_twice_and_again_after_the_end(
    csms: CsmsServer,
    start_charger: StartCharger,
    file_server: FileServer,
    tmp_path: Path,
    protocol: str,
) -> None:
    await start_charger(
        "CP-1", protocol=protocol, quirks={"repeated-statuses"}, status_repeat_interval=1
    )
    peer = await csms.peer("CP-1")
    url = file_server.offer_upload(tmp_path / "up").http_url
    if protocol == "ocpp1.6":
        await peer.call(call16.GetDiagnostics(location=url))
        action = "DiagnosticsStatusNotification"
    else:
        log = {"remote_location": url}
        await peer.call(call201.GetLog(log=log, log_type="DiagnosticsLog", request_id=3))
        action = "LogStatusNotification"
    # Each status twice in a row, then the last again after the end (a repeat may also come
    # between the two statuses: it repeats Uploading).
    found = await peer.wait_for(action, lambda p: p["status"] == "Uploaded", count=3)
    sent = [p["status"] for p in peer.calls(action)]
    first = sent.index("Uploaded")
    assert sent[:2] == ["Uploading"] * 2 and set(sent[:first]) == {"Uploading"}
    assert sent[first : first + 2] == ["Uploaded"] * 2
    if protocol != "ocpp1.6":
        assert {p["requestId"] for p in found} == {3}


@pytest.mark.parametrize("protocol", ["ocpp1.6", "ocpp2.0.1"])
async def test_fetches_twice_downloads_the_image_and_uploads_the_log_twice(
    csms: CsmsServer,
    start_charger: StartCharger,
    file_server: FileServer,
    file_events: FileEvents,
    tmp_path: Path,
    protocol: str,
) -> None:
    charger = await start_charger(
        "CP-1", protocol=protocol, quirks={"fetches-twice"}, **FAST_INSTALL
    )
    peer = await csms.peer("CP-1")
    offer = await file_server.offer_file_async(image(tmp_path / "fw-2.3.0.bin"))
    upload = file_server.offer_upload(tmp_path / "up")
    if protocol == "ocpp1.6":
        await peer.call(call16.GetDiagnostics(location=upload.http_url))
        await peer.call(call16.UpdateFirmware(location=offer.http_url, retrieve_date=now()))
    else:
        log = {"remote_location": upload.http_url}
        await peer.call(call201.GetLog(log=log, log_type="DiagnosticsLog", request_id=3))
        firmware = {"location": offer.http_url, "retrieve_date_time": now()}
        await peer.call(call201.UpdateFirmware(request_id=4, firmware=firmware))
    await charger.wait_until(lambda c: c.firmware_version == "2.3.0", timeout=5)

    def downloads() -> list[TransferFinished]:
        return [
            e
            for e in file_events
            if isinstance(e, TransferFinished) and e.transfer.token == offer.token
        ]

    await file_events.until(lambda: len(downloads()) == 2, 5, "two downloads")
    uploads = [e for e in file_events if isinstance(e, UploadReceived)]
    assert len(uploads) == 2 and uploads[0].sha256 == uploads[1].sha256
    assert charger.last_firmware_download.sha256 == offer.sha256
