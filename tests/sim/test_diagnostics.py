"""Diagnostics (1.6 GetDiagnostics) and logs (GetLog) uploaded to the real file server."""

from __future__ import annotations

import asyncio
import hashlib
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from ocpp.v16 import call as call16
from ocpp.v201 import call as call201

from ocpptui.services.file_server import (
    FileServer,
    RequestRefused,
    UploadReceived,
)
from ocpptui.sim.diagnostics import build_log, log_file_name
from ocpptui.sim.transfer_client import redact, upload_url
from tests.sim.csms_peer import CsmsServer
from tests.sim.helpers import FileEvents, StartCharger

pytestmark = pytest.mark.timeout(10)

START, STOP = "2026-11-24T08:00:00Z", "2026-11-24T20:00:00Z"
FILE_NAME = re.compile(r"^diagnostics-CP-1-\d{8}T\d{6}Z\.log$")


def received(events: FileEvents) -> list[UploadReceived]:
    return [e for e in events if isinstance(e, UploadReceived)]


async def one_upload(events: FileEvents) -> UploadReceived:
    found = await events.until(lambda: received(events), 5, "an upload")
    assert len(found) == 1
    return found[0]


def stored_sha256(upload: UploadReceived) -> str:
    return hashlib.sha256(upload.path.read_bytes()).hexdigest()


# --- 1.6 GetDiagnostics ----------------------------------------------------------------------


@pytest.mark.parametrize("style", ["http-folder", "http-file", "ftp-folder", "ftp-no-slash"])
async def test_v16_get_diagnostics_uploads_the_file_the_answer_names(
    csms: CsmsServer,
    start_charger: StartCharger,
    file_server: FileServer,
    file_events: FileEvents,
    style: str,
) -> None:
    upload = file_server.offer_upload(label="CP-1 diagnostics")
    assert upload.ftp_url is not None and upload.http_url.endswith("/")
    location = {
        "http-folder": upload.http_url,
        "http-file": upload.http_url + "site-7-diagnostics.txt",
        "ftp-folder": upload.ftp_url,
        "ftp-no-slash": upload.ftp_url.rstrip("/"),
    }[style]
    charger = await start_charger("CP-1")
    peer = await csms.peer("CP-1")

    answer = await peer.call(
        call16.GetDiagnostics(location=location, start_time=START, stop_time=STOP, retries=0)
    )
    assert FILE_NAME.match(answer.file_name), answer.file_name

    await peer.wait_for("DiagnosticsStatusNotification", lambda p: p["status"] == "Uploaded")
    assert [p["status"] for p in peer.calls("DiagnosticsStatusNotification")] == [
        "Uploading",
        "Uploaded",
    ]
    arrived = await one_upload(file_events)
    done = charger.last_diagnostics_upload
    assert done is not None
    assert (arrived.size, arrived.sha256) == (done.size, done.sha256)
    assert stored_sha256(arrived) == done.sha256
    assert done.file_name == answer.file_name
    stored_name = "site-7-diagnostics.txt" if style == "http-file" else answer.file_name
    assert arrived.path.name == stored_name
    assert arrived.protocol == style.split("-")[0]
    # The content is the charger's log of the requested window, byte for byte.
    expected = build_log(
        "CP-1",
        charger.options,
        charger.firmware_version,
        "Diagnostics",
        datetime(2026, 11, 24, 8, tzinfo=UTC),
        datetime(2026, 11, 24, 20, tzinfo=UTC),
    )
    assert arrived.path.read_bytes() == expected
    assert 2_000 < len(expected) < 20_000


async def test_v16_upload_to_a_withdrawn_folder_fails_after_retries(
    csms: CsmsServer,
    start_charger: StartCharger,
    file_server: FileServer,
    file_events: FileEvents,
) -> None:
    upload = file_server.offer_upload(label="gone")
    file_server.withdraw(upload.token)
    charger = await start_charger("CP-1")
    peer = await csms.peer("CP-1")

    await peer.call(call16.GetDiagnostics(location=upload.http_url, retries=2, retry_interval=1))

    await peer.wait_for("DiagnosticsStatusNotification", lambda p: p["status"] == "UploadFailed")
    assert [p["status"] for p in peer.calls("DiagnosticsStatusNotification")] == [
        "Uploading",
        "UploadFailed",
    ]
    refused = [e for e in file_events if isinstance(e, RequestRefused) and upload.token in e.path]
    assert [(r.method, r.status) for r in refused] == [("PUT", 404)] * 3
    assert charger.last_diagnostics_upload is None
    assert charger.log_status == "UploadFailed"


async def test_v16_injected_upload_failure(
    csms: CsmsServer,
    start_charger: StartCharger,
    file_server: FileServer,
    file_events: FileEvents,
) -> None:
    upload = file_server.offer_upload(label="CP-1")
    await start_charger("CP-1", upload_failure="upload")
    peer = await csms.peer("CP-1")

    await peer.call(call16.GetDiagnostics(location=upload.http_url, retries=1, retry_interval=1))

    await peer.wait_for("DiagnosticsStatusNotification", lambda p: p["status"] == "UploadFailed")
    assert received(file_events) == []


async def test_v16_get_log_of_the_security_extension(
    csms: CsmsServer,
    start_charger: StartCharger,
    file_server: FileServer,
    file_events: FileEvents,
) -> None:
    upload = file_server.offer_upload(label="CP-1 security log")
    charger = await start_charger("CP-1")
    peer = await csms.peer("CP-1")

    answer = await peer.call(
        call16.GetLog(
            log={"remoteLocation": upload.ftp_url, "oldestTimestamp": START},
            log_type="SecurityLog",
            request_id=11,
        )
    )
    assert answer.status == "Accepted"
    assert answer.filename.startswith("securitylog-CP-1-")

    await peer.wait_for("LogStatusNotification", lambda p: p["status"] == "Uploaded")
    assert peer.calls("LogStatusNotification") == [
        {"status": "Uploading", "requestId": 11},
        {"status": "Uploaded", "requestId": 11},
    ]
    arrived = await one_upload(file_events)
    assert charger.last_diagnostics_upload is not None
    assert arrived.sha256 == charger.last_diagnostics_upload.sha256
    assert arrived.path.name == answer.filename
    assert b" security " in arrived.path.read_bytes()


# --- 2.0.1 GetLog ----------------------------------------------------------------------------


@pytest.mark.parametrize("scheme", ["http", "ftp"])
async def test_v201_get_log_uploads_and_reports_with_the_request_id(
    csms: CsmsServer,
    start_charger: StartCharger,
    file_server: FileServer,
    file_events: FileEvents,
    scheme: str,
) -> None:
    upload = file_server.offer_upload(label="CS-1 logs")
    location = upload.http_url if scheme == "http" else upload.ftp_url
    charger = await start_charger("CS-1", protocol="ocpp2.0.1")
    peer = await csms.peer("CS-1")

    answer = await peer.call(
        call201.GetLog(
            log={"remoteLocation": location, "oldestTimestamp": START, "latestTimestamp": STOP},
            log_type="DiagnosticsLog",
            request_id=21,
            retries=0,
        )
    )
    assert answer.status == "Accepted"
    assert answer.filename == charger._log_request.file_name  # type: ignore[union-attr]

    await peer.wait_for("LogStatusNotification", lambda p: p["status"] == "Uploaded")
    assert peer.calls("LogStatusNotification") == [
        {"status": "Uploading", "requestId": 21},
        {"status": "Uploaded", "requestId": 21},
    ]
    arrived = await one_upload(file_events)
    done = charger.last_diagnostics_upload
    assert done is not None and done.log_type == "DiagnosticsLog"
    assert stored_sha256(arrived) == done.sha256
    assert arrived.path.name == answer.filename


@pytest.mark.parametrize(
    ("failure", "status"), [("upload", "UploadFailure"), ("permission", "PermissionDenied")]
)
async def test_v201_injected_upload_failures(
    csms: CsmsServer,
    start_charger: StartCharger,
    file_server: FileServer,
    failure: str,
    status: str,
) -> None:
    upload = file_server.offer_upload(label="CS-1")
    await start_charger("CS-1", protocol="ocpp2.0.1", upload_failure=failure)
    peer = await csms.peer("CS-1")

    log = {"remoteLocation": upload.http_url}
    await peer.call(
        call201.GetLog(
            log=log, log_type="DiagnosticsLog", request_id=4, retries=1, retry_interval=1
        )
    )

    await peer.wait_for("LogStatusNotification", lambda p: p["status"] == status)
    assert peer.calls("LogStatusNotification") == [
        {"status": "Uploading", "requestId": 4},
        {"status": status, "requestId": 4},
    ]


async def test_v201_unsupported_scheme_is_reported_without_retrying(
    csms: CsmsServer, start_charger: StartCharger
) -> None:
    await start_charger("CS-1", protocol="ocpp2.0.1")
    peer = await csms.peer("CS-1")

    log = {"remoteLocation": "tftp://127.0.0.1/logs/"}
    await peer.call(call201.GetLog(log=log, log_type="DiagnosticsLog", request_id=8, retries=9))

    await peer.wait_for("LogStatusNotification", lambda p: p["status"] == "NotSupportedOperation")
    assert peer.calls("LogStatusNotification") == [  # one attempt of the ten allowed
        {"status": "Uploading", "requestId": 8},
        {"status": "NotSupportedOperation", "requestId": 8},
    ]


# --- a hanging server: triggers while uploading, AcceptedCanceled, stop ----------------------


@pytest.fixture
async def silent_server() -> AsyncIterator[str]:
    """An HTTP address that accepts connections and never answers: uploads hang there."""
    connections: list[asyncio.StreamWriter] = []

    async def swallow(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(writer)
        while await reader.read(65536):
            pass

    server = await asyncio.start_server(swallow, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/logs/"
    finally:
        server.close()
        for writer in connections:
            writer.close()
        await server.wait_closed()


async def test_v16_trigger_reports_uploading_while_an_upload_runs(
    csms: CsmsServer, start_charger: StartCharger, silent_server: str
) -> None:
    charger = await start_charger("CP-1")
    peer = await csms.peer("CP-1")
    trigger = call16.TriggerMessage(requested_message="DiagnosticsStatusNotification")

    await peer.call(call16.GetDiagnostics(location=silent_server))
    await peer.wait_for("DiagnosticsStatusNotification", lambda p: p["status"] == "Uploading")
    await peer.call(trigger)
    statuses = await peer.wait_for("DiagnosticsStatusNotification", count=2)
    assert statuses[-1] == {"status": "Uploading"}
    assert charger.log_upload_running
    # A LogStatusNotification (ExtendedTriggerMessage) is Idle: no GetLog runs.
    await peer.call(call16.ExtendedTriggerMessage(requested_message="LogStatusNotification"))
    assert (await peer.wait_for("LogStatusNotification"))[0] == {"status": "Idle"}
    # stop() (fixture teardown) cancels the hanging upload.


async def test_v201_new_get_log_cancels_the_running_one(
    csms: CsmsServer,
    start_charger: StartCharger,
    file_server: FileServer,
    file_events: FileEvents,
    silent_server: str,
) -> None:
    charger = await start_charger("CS-1", protocol="ocpp2.0.1")
    peer = await csms.peer("CS-1")
    trigger = call201.TriggerMessage(requested_message="LogStatusNotification")

    first: dict[str, Any] = {"remoteLocation": silent_server}
    await peer.call(call201.GetLog(log=first, log_type="DiagnosticsLog", request_id=1))
    await peer.wait_for("LogStatusNotification", lambda p: p["status"] == "Uploading")
    await peer.call(trigger)
    assert (await peer.wait_for("LogStatusNotification", count=2))[-1] == {
        "status": "Uploading",
        "requestId": 1,
    }

    upload = file_server.offer_upload(label="CS-1")
    second = {"remoteLocation": upload.http_url}
    answer = await peer.call(call201.GetLog(log=second, log_type="SecurityLog", request_id=2))
    assert answer.status == "AcceptedCanceled"
    await peer.wait_for(
        "LogStatusNotification", lambda p: p == {"status": "Uploaded", "requestId": 2}
    )
    assert (await one_upload(file_events)).path.name.startswith("securitylog-CS-1-")
    await charger.wait_until(lambda c: not c.log_upload_running)
    count = len(peer.calls("LogStatusNotification"))
    await peer.call(trigger)
    assert (await peer.wait_for("LogStatusNotification", count=count + 1))[-1] == {"status": "Idle"}


# --- units -----------------------------------------------------------------------------------


def test_upload_url_rules() -> None:
    name = "diagnostics-CP 1-20261125T101500Z.log"
    quoted = "diagnostics-CP%201-20261125T101500Z.log"
    # http(s): a folder (trailing slash) gets the name appended; a file URL is used as is.
    assert upload_url("http://h:8080/tok/", name) == f"http://h:8080/tok/{quoted}"
    assert upload_url("https://h/up/x.log", name) == "https://h/up/x.log"
    assert upload_url("http://h:8080", name) == f"http://h:8080/{quoted}"
    # ftp: always a folder, credentials kept.
    assert upload_url("ftp://u:p@h:21/tok/", name) == f"ftp://u:p@h:21/tok/{quoted}"
    assert upload_url("ftp://u:p@h/folder", name) == f"ftp://u:p@h/folder/{quoted}"
    assert upload_url("ftp://h", name) == f"ftp://h/{quoted}"
    assert redact("ftp://user:secret@h/x") == "ftp://user:***@h/x"
    assert redact("http://h/x") == "http://h/x"


def test_log_file_names_are_safe() -> None:
    moment = datetime(2026, 11, 25, 10, 15, tzinfo=UTC)
    assert log_file_name("CP-1", "Diagnostics", moment) == "diagnostics-CP-1-20261125T101500Z.log"
    assert log_file_name("../a b/é", "SecurityLog", moment) == (
        "securitylog-a_b-20261125T101500Z.log"
    )


def test_build_log_is_deterministic_and_covers_the_window() -> None:
    from ocpptui.sim import SimulatorOptions

    options = SimulatorOptions()
    start = datetime(2026, 11, 24, 8, tzinfo=UTC)
    stop = datetime(2026, 11, 24, 20, tzinfo=UTC)
    first = build_log("CP-1", options, "1.4.2", "Diagnostics", start, stop)
    assert first == build_log("CP-1", options, "1.4.2", "Diagnostics", start, stop)
    assert first != build_log("CP-2", options, "1.4.2", "Diagnostics", start, stop)
    stamps = re.findall(rb"^(\d{4}-\d\d-\d\dT[\d:.]+Z) ", first, re.MULTILINE)
    assert len(stamps) > 50
    assert stamps == sorted(stamps)
    assert stamps[0] >= b"2026-11-24T08:00:00" and stamps[-1] <= b"2026-11-24T20:00:00.000Z"
    empty = build_log("CP-1", options, "1.4.2", "Diagnostics", stop, start)
    assert b"no entries" in empty
