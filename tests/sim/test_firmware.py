"""Firmware updates against the real file server: download, statuses, reboot, new version."""

from __future__ import annotations

import asyncio
import os
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from ocpp.v16 import call as call16
from ocpp.v201 import call as call201

from ocpptui.protocol.timestamps import ocpp_timestamp
from ocpptui.services.file_server import (
    FileServer,
    RequestRefused,
    TransferFinished,
    TransferStarted,
)
from ocpptui.services.tls import ensure_certificates, server_context
from ocpptui.sim import SimulatedCharger
from ocpptui.sim.firmware import attempts_for, plain_v16_status, read_image
from tests.helpers import loopback_file_server
from tests.sim.csms_peer import CsmsServer
from tests.sim.helpers import FileEvents, StartCharger

pytestmark = pytest.mark.timeout(10)

V16_STEPS = ["Downloading", "Downloaded", "Installing", "Installed"]
V201_STEPS = ["Downloading", "Downloaded", "Installing", "InstallRebooting", "Installed"]
# Installation takes 0.1 s at the tests' speedup of 20.
FAST_INSTALL: dict[str, Any] = {"firmware_install_seconds": 2.0}


def now(offset_s: float = 0.0) -> str:
    return ocpp_timestamp(datetime.now(UTC) + timedelta(seconds=offset_s))


def image(path: Path, header: bytes | None = b"SIMFW version=2.3.0\n", size: int = 300_000) -> Path:
    path.write_bytes((header or b"") + os.urandom(size))
    return path


def sent(csms: CsmsServer, identity: str, action: str) -> list[dict[str, Any]]:
    """Payloads of `action` the charger sent, over all its connections, in order."""
    return [payload for peer in csms.peers_of(identity) for payload in peer.calls(action)]


def statuses(csms: CsmsServer, identity: str, action: str = "FirmwareStatusNotification"):
    return [payload["status"] for payload in sent(csms, identity, action)]


async def final_status(
    csms: CsmsServer, identity: str, final: str, action: str = "FirmwareStatusNotification"
) -> list[str]:
    return await csms.until(
        lambda: (found := statuses(csms, identity, action)) and found[-1] == final and found,
        5,
        f"{action} {final}",
    )


def refused_for(events: FileEvents, token: str) -> list[RequestRefused]:
    return [e for e in events if isinstance(e, RequestRefused) and token in e.path]


# --- 1.6 -------------------------------------------------------------------------------------


@pytest.mark.parametrize("scheme", ["http", "ftp"])
async def test_v16_update_downloads_installs_and_boots_the_new_version(
    csms: CsmsServer,
    start_charger: StartCharger,
    file_server: FileServer,
    tmp_path: Path,
    scheme: str,
) -> None:
    # Over HTTP the version comes from the image's header, over FTP from the file name.
    header = b"SIMFW version=2.3.0 model=SimCharger-22\n" if scheme == "http" else None
    offer = await file_server.offer_file_async(image(tmp_path / "sim22-fw-2.1.7.bin", header))
    expected_version = "2.3.0" if scheme == "http" else "2.1.7"
    url = offer.http_url if scheme == "http" else offer.ftp_url
    assert url is not None
    charger = await start_charger("CP-1", **FAST_INSTALL)
    peer = await csms.peer("CP-1")

    answer = await peer.call(call16.UpdateFirmware(location=url, retrieve_date=now()))
    assert answer is not None  # UpdateFirmware.conf is empty

    assert await final_status(csms, "CP-1", "Installed") == V16_STEPS
    second = await csms.peer("CP-1", nth=2)
    boot = (await second.wait_for("BootNotification"))[0]
    assert boot["firmwareVersion"] == expected_version
    await charger.wait_until(lambda c: c.booted and c.boot_count == 2)
    assert charger.firmware_version == expected_version
    download = charger.last_firmware_download
    assert download is not None
    assert (download.url, download.size, download.sha256) == (url, offer.size, offer.sha256)
    assert (download.version, download.attempts) == (expected_version, 1)
    assert charger.firmware_status == "Installed"
    assert not charger.firmware_update_running


async def test_v16_signed_update_reports_with_signed_notifications(
    csms: CsmsServer, start_charger: StartCharger, file_server: FileServer, tmp_path: Path
) -> None:
    offer = await file_server.offer_file_async(image(tmp_path / "fw.bin"))
    charger = await start_charger("CP-1", **FAST_INSTALL)
    peer = await csms.peer("CP-1")

    answer = await peer.call(
        call16.SignedUpdateFirmware(
            request_id=42,
            firmware={
                "location": offer.http_url,
                "retrieveDateTime": now(),
                "signingCertificate": "-----BEGIN CERTIFICATE-----\nMIIB\n-----END ...",
                "signature": "c2lnbmF0dXJl",
            },
        )
    )
    assert answer.status == "Accepted"

    action = "SignedFirmwareStatusNotification"
    assert await final_status(csms, "CP-1", "Installed", action) == [
        "Downloading",
        "Downloaded",
        "SignatureVerified",
        "Installing",
        "InstallRebooting",
        "Installed",
    ]
    assert {p["requestId"] for p in sent(csms, "CP-1", action)} == {42}
    # Installed is reported by the new firmware, after its boot.
    second = await csms.peer("CP-1", nth=2)
    assert second.calls("BootNotification")[0]["firmwareVersion"] == "2.3.0"
    assert [p["status"] for p in second.calls(action)] == ["Installed"]
    assert charger.firmware_version == "2.3.0"
    event = (await second.wait_for("SecurityEventNotification"))[0]
    assert event["type"] == "FirmwareUpdated"


# --- 2.0.1 -----------------------------------------------------------------------------------


@pytest.mark.parametrize("scheme", ["http", "ftp"])
async def test_v201_update_reboots_and_reports_installed_from_the_new_firmware(
    csms: CsmsServer,
    start_charger: StartCharger,
    file_server: FileServer,
    tmp_path: Path,
    scheme: str,
) -> None:
    offer = await file_server.offer_file_async(image(tmp_path / "station-fw.bin"))
    url = offer.http_url if scheme == "http" else offer.ftp_url
    charger = await start_charger("CS-1", protocol="ocpp2.0.1", **FAST_INSTALL)
    peer = await csms.peer("CS-1")
    firmware = {"location": url, "retrieveDateTime": now()}
    if scheme == "http":
        firmware |= {"signature": "c2lnbmF0dXJl", "signingCertificate": "PEM"}

    answer = await peer.call(call201.UpdateFirmware(request_id=7, firmware=firmware, retries=0))
    assert answer.status == "Accepted"

    steps = V201_STEPS.copy()
    if scheme == "http":
        steps.insert(2, "SignatureVerified")
    assert await final_status(csms, "CS-1", "Installed") == steps
    assert {p["requestId"] for p in sent(csms, "CS-1", "FirmwareStatusNotification")} == {7}
    second = await csms.peer("CS-1", nth=2)
    boot = second.calls("BootNotification")[0]
    assert boot["reason"] == "FirmwareUpdate"
    assert boot["chargingStation"]["firmwareVersion"] == "2.3.0"
    # The first connection ends with InstallRebooting; Installed follows the accepted boot.
    assert [p["status"] for p in second.calls("FirmwareStatusNotification")] == ["Installed"]
    assert second.record.actions().index("BootNotification") < second.record.actions().index(
        "FirmwareStatusNotification"
    )
    download = charger.last_firmware_download
    assert download is not None and download.sha256 == offer.sha256
    assert charger.firmware_version == "2.3.0"
    assert (await second.wait_for("SecurityEventNotification"))[0]["type"] == "FirmwareUpdated"


async def test_v201_retrieve_date_in_the_future_is_honoured(
    csms: CsmsServer,
    start_charger: StartCharger,
    file_server: FileServer,
    file_events: FileEvents,
    tmp_path: Path,
) -> None:
    offer = await file_server.offer_file_async(image(tmp_path / "fw.bin"))
    await start_charger("CS-1", protocol="ocpp2.0.1", **FAST_INSTALL)
    peer = await csms.peer("CS-1")
    loop = asyncio.get_running_loop()

    # 20 charger seconds ahead: one real second at the tests' speedup of 20.
    firmware = {"location": offer.http_url, "retrieveDateTime": now(20)}
    answered_at = loop.time()
    await peer.call(call201.UpdateFirmware(request_id=3, firmware=firmware))
    await peer.wait_for("FirmwareStatusNotification", lambda p: p["status"] == "DownloadScheduled")
    assert not any(isinstance(e, TransferStarted) for e in file_events)

    await peer.wait_for("FirmwareStatusNotification", lambda p: p["status"] == "Downloading")
    # A lower bound only: the download may not start before the (scaled) retrieve time.
    assert loop.time() - answered_at >= 0.9
    assert await final_status(csms, "CS-1", "Installed") == ["DownloadScheduled", *V201_STEPS]


async def test_https_download_trusts_a_self_signed_laptop_only_when_told(
    csms: CsmsServer, start_charger: StartCharger, tmp_path: Path
) -> None:
    files = ensure_certificates(tmp_path / "tls", ["127.0.0.1"])
    server = loopback_file_server(
        None, enable_ftp=False, ssl_context=server_context(files.server_cert, files.server_key)
    )
    async with server:
        offer = await server.offer_file_async(image(tmp_path / "fw.bin"))
        assert offer.https_url is not None
        strict = await start_charger("CP-1")
        lenient = await start_charger("CP-2", transfer_tls_verify=False, **FAST_INSTALL)
        for identity in ("CP-1", "CP-2"):
            peer = await csms.peer(identity)
            await peer.call(
                call16.UpdateFirmware(location=offer.https_url, retrieve_date=now(), retries=0)
            )

        assert await final_status(csms, "CP-1", "DownloadFailed") == [
            "Downloading",
            "DownloadFailed",
        ]
        assert strict.last_firmware_download is None
        assert await final_status(csms, "CP-2", "Installed") == V16_STEPS
        download = lenient.last_firmware_download
        assert download is not None and download.sha256 == offer.sha256


# --- failures --------------------------------------------------------------------------------


@pytest.mark.parametrize("retries", [0, 2])
@pytest.mark.parametrize("protocol", ["ocpp1.6", "ocpp2.0.1"])
async def test_download_of_a_missing_file_fails_after_retries_plus_one_attempts(
    csms: CsmsServer,
    start_charger: StartCharger,
    file_server: FileServer,
    file_events: FileEvents,
    tmp_path: Path,
    protocol: str,
    retries: int,
) -> None:
    offer = await file_server.offer_file_async(image(tmp_path / "fw-3.0.bin"))
    missing = offer.http_url.replace("fw-3.0.bin", "fw-9.9.bin")  # 404 for this token
    charger = await start_charger("CP-1", protocol=protocol)
    peer = await csms.peer("CP-1")

    if protocol == "ocpp1.6":
        await peer.call(
            call16.UpdateFirmware(
                location=missing, retrieve_date=now(), retries=retries, retry_interval=1
            )
        )
    else:
        await peer.call(
            call201.UpdateFirmware(
                request_id=5,
                firmware={"location": missing, "retrieveDateTime": now()},
                retries=retries,
                retry_interval=1,
            )
        )

    assert await final_status(csms, "CP-1", "DownloadFailed") == ["Downloading", "DownloadFailed"]
    refused = refused_for(file_events, offer.token)
    assert len(refused) == retries + 1
    assert {(r.status, r.method) for r in refused} == {(404, "GET")}
    assert charger.last_firmware_download is None
    assert charger.firmware_version == "1.4.2"
    assert charger.connect_count == 1


async def test_ftp_download_with_wrong_credentials_fails_after_each_attempt(
    csms: CsmsServer,
    start_charger: StartCharger,
    file_server: FileServer,
    file_events: FileEvents,
    tmp_path: Path,
) -> None:
    offer = await file_server.offer_file_async(image(tmp_path / "fw-3.0.bin"))
    assert offer.ftp_url is not None
    wrong = offer.ftp_url.replace(f":{offer.ftp_password}@", ":not-the-password@")
    await start_charger("CP-1")
    peer = await csms.peer("CP-1")

    await peer.call(
        call16.UpdateFirmware(location=wrong, retrieve_date=now(), retries=1, retry_interval=1)
    )

    assert await final_status(csms, "CP-1", "DownloadFailed") == ["Downloading", "DownloadFailed"]
    logins = [e for e in file_events if isinstance(e, RequestRefused) and e.status == 530]
    assert len(logins) == 2


async def test_unreachable_server_and_unsupported_scheme_fail_the_download(
    csms: CsmsServer, start_charger: StartCharger
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    await start_charger("CP-1", protocol="ocpp2.0.1", transfer_timeout=2.0)
    peer = await csms.peer("CP-1")

    unreachable = {"location": f"http://127.0.0.1:{closed_port}/fw.bin", "retrieveDateTime": now()}
    await peer.call(call201.UpdateFirmware(request_id=1, firmware=unreachable, retry_interval=1))
    await final_status(csms, "CP-1", "DownloadFailed")

    # A TFTP URL is not even tried (and not retried): DownloadFailed at once.
    tftp = {"location": "tftp://127.0.0.1/fw.bin", "retrieveDateTime": now()}
    answer = await peer.call(call201.UpdateFirmware(request_id=2, firmware=tftp, retries=5))
    assert answer.status == "Accepted"  # the first update is over with its DownloadFailed
    await peer.wait_for(
        "FirmwareStatusNotification",
        lambda p: p == {"status": "DownloadFailed", "requestId": 2},
    )


async def test_injected_download_failure_downloads_each_time_then_fails(
    csms: CsmsServer,
    start_charger: StartCharger,
    file_server: FileServer,
    file_events: FileEvents,
    tmp_path: Path,
) -> None:
    offer = await file_server.offer_file_async(image(tmp_path / "fw-3.0.bin"))
    await start_charger("CP-1", firmware_failure="download")
    peer = await csms.peer("CP-1")

    await peer.call(
        call16.UpdateFirmware(
            location=offer.http_url, retrieve_date=now(), retries=2, retry_interval=1
        )
    )

    assert await final_status(csms, "CP-1", "DownloadFailed") == ["Downloading", "DownloadFailed"]
    await file_events.until(
        lambda: len([e for e in file_events if isinstance(e, TransferFinished)]) == 3,
        5,
        "three complete downloads",
    )


@pytest.mark.parametrize(
    ("protocol", "steps"),
    [
        ("ocpp1.6", ["Downloading", "Downloaded", "Installing", "InstallationFailed"]),
        (
            "ocpp2.0.1",
            ["Downloading", "Downloaded", "Installing", "InstallationFailed"],
        ),
    ],
)
async def test_injected_install_failure_keeps_the_old_version_without_reboot(
    csms: CsmsServer,
    start_charger: StartCharger,
    file_server: FileServer,
    tmp_path: Path,
    protocol: str,
    steps: list[str],
) -> None:
    offer = await file_server.offer_file_async(image(tmp_path / "fw-3.0.bin"))
    charger = await start_charger(
        "CP-1", protocol=protocol, firmware_failure="install", **FAST_INSTALL
    )
    peer = await csms.peer("CP-1")

    if protocol == "ocpp1.6":
        await peer.call(call16.UpdateFirmware(location=offer.http_url, retrieve_date=now()))
    else:
        firmware = {"location": offer.http_url, "retrieveDateTime": now()}
        await peer.call(call201.UpdateFirmware(request_id=9, firmware=firmware))

    assert await final_status(csms, "CP-1", "InstallationFailed") == steps
    # A reboot would have closed the link within reboot_delay (0.05 s); give it ample time.
    await asyncio.sleep(0.5)
    assert charger.connect_count == 1 and charger.booted
    assert charger.firmware_version == "1.4.2"
    assert len(csms.peers_of("CP-1")) == 1


@pytest.mark.parametrize(
    ("protocol", "final"),
    [("ocpp1.6", "InstallationFailed"), ("ocpp2.0.1", "InstallVerificationFailed")],
)
async def test_an_image_without_a_version_is_refused(
    csms: CsmsServer,
    start_charger: StartCharger,
    file_server: FileServer,
    tmp_path: Path,
    protocol: str,
    final: str,
) -> None:
    offer = await file_server.offer_file_async(image(tmp_path / "firmware.bin", header=None))
    charger = await start_charger("CP-1", protocol=protocol, **FAST_INSTALL)
    peer = await csms.peer("CP-1")

    if protocol == "ocpp1.6":
        await peer.call(call16.UpdateFirmware(location=offer.http_url, retrieve_date=now()))
    else:
        firmware = {"location": offer.http_url, "retrieveDateTime": now()}
        await peer.call(call201.UpdateFirmware(request_id=9, firmware=firmware))

    found = await final_status(csms, "CP-1", final)
    assert found[:2] == ["Downloading", "Downloaded"]
    download = charger.last_firmware_download
    assert download is not None and download.version is None
    assert charger.firmware_version == "1.4.2"


async def test_v201_second_update_is_rejected_and_triggers_report_the_status(
    csms: CsmsServer, start_charger: StartCharger, file_server: FileServer, tmp_path: Path
) -> None:
    offer = await file_server.offer_file_async(image(tmp_path / "fw.bin"))
    # Installing lasts 100 charger seconds: 5 real seconds, ample time to ask meanwhile.
    charger = await start_charger("CS-1", protocol="ocpp2.0.1", firmware_install_seconds=100)
    peer = await csms.peer("CS-1")
    firmware = {"location": offer.http_url, "retrieveDateTime": now()}

    trigger = call201.TriggerMessage(requested_message="FirmwareStatusNotification")
    await peer.call(trigger)
    assert (await peer.wait_for("FirmwareStatusNotification"))[0] == {"status": "Idle"}

    assert (await peer.call(call201.UpdateFirmware(request_id=1, firmware=firmware))).status == (
        "Accepted"
    )
    await charger.wait_until(lambda c: c.firmware_status == "Installing")
    second = await peer.call(call201.UpdateFirmware(request_id=2, firmware=firmware))
    assert second.status == "Rejected"

    count = len(peer.calls("FirmwareStatusNotification"))
    assert (await peer.call(trigger)).status == "Accepted"
    triggered = (await peer.wait_for("FirmwareStatusNotification", count=count + 1))[-1]
    assert triggered == {"status": "Installing", "requestId": 1}


async def test_triggers_after_a_failed_and_a_finished_update(
    csms: CsmsServer, start_charger: StartCharger, file_server: FileServer, tmp_path: Path
) -> None:
    """2.0.1 L01.FR.26: the last status (even a failure) until Installed; then Idle."""
    offer = await file_server.offer_file_async(image(tmp_path / "fw.bin"))
    charger = await start_charger("CS-1", protocol="ocpp2.0.1", **FAST_INSTALL)
    peer = await csms.peer("CS-1")
    trigger = call201.TriggerMessage(requested_message="FirmwareStatusNotification")

    missing = {"location": offer.http_url + ".missing", "retrieveDateTime": now()}
    await peer.call(call201.UpdateFirmware(request_id=1, firmware=missing, retries=0))
    await final_status(csms, "CS-1", "DownloadFailed")
    await charger.wait_until(lambda c: not c.firmware_update_running)
    await peer.call(trigger)
    assert (await peer.wait_for("FirmwareStatusNotification", count=3))[-1] == {
        "status": "DownloadFailed",
        "requestId": 1,
    }

    firmware = {"location": offer.http_url, "retrieveDateTime": now()}
    await peer.call(call201.UpdateFirmware(request_id=2, firmware=firmware))
    await final_status(csms, "CS-1", "Installed")
    second = await csms.peer("CS-1", nth=2)
    await second.call(trigger)
    assert (await second.wait_for("FirmwareStatusNotification", count=2))[-1] == {"status": "Idle"}


async def test_v16_trigger_reports_the_running_update_then_idle(
    csms: CsmsServer, start_charger: StartCharger, file_server: FileServer, tmp_path: Path
) -> None:
    offer = await file_server.offer_file_async(image(tmp_path / "fw-2.0.bin", header=None))
    charger = await start_charger("CP-1", firmware_install_seconds=100)
    peer = await csms.peer("CP-1")
    trigger = call16.TriggerMessage(requested_message="FirmwareStatusNotification")

    await peer.call(call16.UpdateFirmware(location=offer.http_url, retrieve_date=now()))
    await charger.wait_until(lambda c: c.firmware_status == "Installing")
    count = len(peer.calls("FirmwareStatusNotification"))
    await peer.call(trigger)
    triggered = await peer.wait_for("FirmwareStatusNotification", count=count + 1)
    assert triggered[-1] == {"status": "Installing"}
    # ExtendedTriggerMessage (security extension) answers with the signed notification.
    extended = call16.ExtendedTriggerMessage(requested_message="FirmwareStatusNotification")
    assert (await peer.call(extended)).status == "Accepted"
    signed = await peer.wait_for("SignedFirmwareStatusNotification")
    assert signed[0]["status"] == "Installing"


async def test_v201_injected_invalid_signature(
    csms: CsmsServer, start_charger: StartCharger, file_server: FileServer, tmp_path: Path
) -> None:
    offer = await file_server.offer_file_async(image(tmp_path / "fw.bin"))
    charger = await start_charger("CS-1", protocol="ocpp2.0.1", firmware_failure="signature")
    peer = await csms.peer("CS-1")
    firmware = {
        "location": offer.http_url,
        "retrieveDateTime": now(),
        "signature": "YmFk",
        "signingCertificate": "PEM",
    }

    await peer.call(call201.UpdateFirmware(request_id=4, firmware=firmware))

    steps = await final_status(csms, "CS-1", "InvalidSignature")
    assert steps == ["Downloading", "Downloaded", "InvalidSignature"]
    event = (await peer.wait_for("SecurityEventNotification"))[0]
    assert event["type"] == "InvalidFirmwareSignature"
    assert charger.firmware_version == "1.4.2" and charger.connect_count == 1


# --- units -----------------------------------------------------------------------------------


def test_image_version_rule() -> None:
    assert read_image(b"SIMFW version=3.1.4\nbinary", "x-9.9.bin").version == "3.1.4"
    header = read_image(b"SIMFW version=3.1.4-rc1 model=Other\r\n", "fw.bin")
    assert (header.version, header.model, header.source) == ("3.1.4-rc1", "Other", "header")
    assert read_image(b"\x7fELF...", "charger_fw_v2.10.3-build7.bin").version == "2.10.3"
    assert read_image(b"\x7fELF...", "fw-2024.05.01-1.2.bin").version == "1.2"  # the last one
    assert read_image(b"SIMFW nothing=here\n", "firmware.bin").version is None
    assert read_image(b"", "firmware-final.bin").version is None


def test_retries_and_plain_statuses() -> None:
    assert attempts_for(0, 5) == 1  # 1.6 errata: retries=0 means one attempt
    assert attempts_for(3, 5) == 4
    assert attempts_for(None, 1) == 2
    assert attempts_for(-2, 1) == 1
    assert plain_v16_status("InstallRebooting") == "Installing"
    assert plain_v16_status("Downloaded") == "Downloaded"


async def test_offline_reboot_applies_the_version_at_the_next_boot() -> None:
    charger = SimulatedCharger("ws://127.0.0.1:9/ocpp/CP-9")
    charger.reboot_into_firmware("9.9.9")
    assert charger.firmware_version == "9.9.9"
    assert charger.boot_reason == "FirmwareUpdate"
