"""A frame log for vendor support (issue 16, point 11): `ocpp-tui open FILE --export-redacted
OUT` replaces idTags, passwords, private keys, ICCID/IMSI (and serials on request) by stable
pseudonyms, keeps every frame, and writes JSONL that ocpp-tui opens again."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from ocpptui import cli
from ocpptui.core.configuration import change_configuration
from ocpptui.core.hub import Hub
from ocpptui.core.log_file import LogFile, LogFormat
from tests.helpers import connect_raw

SERIAL = "SN-4711-0815"
ID_TAG = "04A1B2C3D4E5F6"
OTHER_TAG = "DEADBEEF0001"
ICCID = "8949226010123456789"
IMSI = "262011234567890"
AUTH_KEY = "00112233445566778899aabbccddeeff00112233"
PRIVATE_KEY = (
    "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIKsomethingsecretAoGCCqGSM49\n"
    "-----END EC PRIVATE KEY-----"
)
SECRETS = (ID_TAG, OTHER_TAG, ICCID, IMSI, AUTH_KEY, "MHcCAQEEIKsomethingsecret")


async def _session_log(hub: Hub) -> Path:
    """A real session on the loopback server with everything a vendor must not see."""
    charger = await connect_raw(hub, SERIAL)  # identity = serial number, as often
    await charger.call(
        "BootNotification",
        {
            "chargePointVendor": "VendorX",
            "chargePointModel": "M1",
            "chargePointSerialNumber": SERIAL,
            "chargeBoxSerialNumber": SERIAL,
            "meterSerialNumber": "MTR-998877",
            "iccid": ICCID,
            "imsi": IMSI,
            "firmwareVersion": "1.2.3",
        },
    )
    await charger.call("Authorize", {"idTag": ID_TAG})
    await charger.call(
        "StartTransaction",
        {"connectorId": 1, "idTag": ID_TAG, "meterStart": 0, "timestamp": "2024-05-01T10:00:00Z"},
    )
    await charger.call("Authorize", {"idTag": OTHER_TAG})
    # A vendor DataTransfer that echoes the tag and leaks a key, and a frame cut in the middle.
    await charger.call(
        "DataTransfer",
        {"vendorId": "VendorX", "data": json.dumps({"lastTag": ID_TAG, "key": PRIVATE_KEY})},
    )
    await charger.send_text(f'[2,"cut","Authorize",{{"idTag":"{OTHER_TAG}')
    await charger.recv_json()  # the CallError for the broken frame
    session = hub.session_for(SERIAL)
    assert session is not None

    async def accept_change() -> None:
        change = await charger.recv_json()
        await charger.send_text(json.dumps([3, change[1], {"status": "Accepted"}]))
        read = await charger.recv_json()
        await charger.send_text(json.dumps([3, read[1], {"configurationKey": []}]))

    responder = asyncio.create_task(accept_change())
    await change_configuration(session, "AuthorizationKey", AUTH_KEY)
    await responder
    await charger.connection.close()
    assert session.frame_log.path is not None
    return session.frame_log.path


def _export(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.main(["open", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


async def test_a_redacted_copy_keeps_every_frame_and_no_secret(
    hub: Hub, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = await _session_log(hub)
    original = source.read_text(encoding="utf-8")
    assert all(secret in original for secret in SECRETS)  # the frame log itself is exact

    out = tmp_path / "for-vendor.jsonl"
    code, printed, err = _export(capsys, str(source), "--export-redacted", str(out))
    assert code == 0, err
    assert f"written to {out}" in printed and "serial numbers kept" in printed

    text = out.read_text(encoding="utf-8")
    for secret in SECRETS:
        assert secret not in text, secret
    records = [json.loads(line) for line in text.splitlines()]
    originals = [json.loads(line) for line in original.splitlines()]
    assert len(records) == len(originals)
    assert [r["action"] for r in records] == [r["action"] for r in originals]
    # The same value, the same pseudonym throughout the file; different values differ.
    authorize = [
        json.loads(r["raw"]) for r in records if r["action"] == "Authorize" and r["type"] == 2
    ]
    start = next(
        json.loads(r["raw"])
        for r in records
        if r["action"] == "StartTransaction" and r["type"] == 2
    )
    assert authorize[0][3]["idTag"] == start[3]["idTag"] == "idtoken-1"
    assert authorize[1][3]["idTag"] == "idtoken-2"
    cut = next(r["raw"] for r in records if r["id"] == "cut" and r["dir"] == "in")
    assert cut.endswith('"idTag":"idtoken-2')  # the cut frame, by pattern
    boot = json.loads(next(r["raw"] for r in records if r["action"] == "BootNotification"))[3]
    assert (boot["iccid"], boot["imsi"]) == ("sim-1", "sim-2")
    assert boot["chargePointSerialNumber"] == SERIAL and boot["firmwareVersion"] == "1.2.3"
    change = json.loads(next(r["raw"] for r in records if r["action"] == "ChangeConfiguration"))
    assert change[3] == {"key": "AuthorizationKey", "value": "secret-1"}
    data = json.loads(
        json.loads(next(r["raw"] for r in records if r["action"] == "DataTransfer"))[3]["data"]
    )
    assert data["lastTag"] == "idtoken-1" and "private-key-1" in data["key"]
    # Frames without anything to hide are copied byte for byte.
    heartbeat_free = [r for r, o in zip(records, originals, strict=True) if r["raw"] == o["raw"]]
    assert any(r["action"] == "BootNotification" and r["type"] == 3 for r in heartbeat_free)

    # ocpp-tui opens the copy: same frames, same actions, its own format.
    log = LogFile(out)
    try:
        log.index()
        assert log.format is LogFormat.OCPP_TUI and len(log) == len(originals)
        assert [log.at(i).action for i in range(len(log))] == [r["action"] for r in originals]
    finally:
        log.close()

    # Serial numbers on request: the identity (the serial here) goes too.
    out2 = tmp_path / "no-serials.jsonl"
    code, printed, _ = _export(
        capsys, str(source), "--export-redacted", str(out2), "--redact-serials"
    )
    assert code == 0 and "serial numbers kept" not in printed
    text2 = out2.read_text(encoding="utf-8")
    assert SERIAL not in text2 and "MTR-998877" not in text2
    assert {json.loads(line)["identity"] for line in text2.splitlines()} == {"serial-1"}


def test_another_tools_log_becomes_redacted_jsonl(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "vendor-tool.log"
    source.write_text(
        "2024-05-01T10:00:00Z -> "
        + json.dumps(
            [
                2,
                "1",
                "BootNotification",
                {
                    "reason": "PowerUp",
                    "chargingStation": {
                        "model": "M",
                        "vendorName": "V",
                        "serialNumber": SERIAL,
                        "modem": {"iccid": ICCID, "imsi": IMSI},
                    },
                },
            ]
        )
        + '\n2024-05-01T10:00:01Z <- [3,"1",{"currentTime":"2024-05-01T10:00:01Z",'
        '"interval":60,"status":"Accepted"}]\n'
        "tool started\n"
        "2024-05-01T10:00:02Z -> "
        + json.dumps(
            [
                2,
                "2",
                "TransactionEvent",
                {
                    "eventType": "Started",
                    "timestamp": "2024-05-01T10:00:02Z",
                    "triggerReason": "Authorized",
                    "seqNo": 0,
                    "transactionInfo": {"transactionId": "T1"},
                    "idToken": {
                        "idToken": ID_TAG,
                        "type": "ISO14443",
                        "additionalInfo": [{"additionalIdToken": OTHER_TAG, "type": "x"}],
                    },
                },
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    out = tmp_path / "redacted.jsonl"
    code, printed, err = _export(
        capsys, str(source), "--export-redacted", str(out), "--redact-serials"
    )
    assert code == 0, err
    assert "3 frames written" in printed
    text = out.read_text(encoding="utf-8")
    for secret in (ID_TAG, OTHER_TAG, ICCID, IMSI, SERIAL):
        assert secret not in text
    log = LogFile(out)
    try:
        log.index()
        assert log.format is LogFormat.OCPP_TUI and len(log) == 3
        frames = [log.at(i) for i in range(3)]
        assert [f.action for f in frames] == [
            "BootNotification",
            "BootNotification",
            "TransactionEvent",
        ]
        # "->" marks what the tool sent; it sent BootNotification: it sat at the charger.
        assert [f.direction.value for f in frames] == ["in", "out", "in"]
        assert frames[2].payload["idToken"]["idToken"] == "idtoken-1"
        assert log.version_source == "from the log records"
    finally:
        log.close()


def test_the_log_itself_is_never_overwritten(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "frames.jsonl"
    source.write_text('{"raw": "[2,\\"1\\",\\"Heartbeat\\",{}]", "dir": "in"}\n')
    code, _, err = _export(capsys, str(source), "--export-redacted", str(source))
    assert code == 1 and "is the log itself" in err
    code, _, err = _export(capsys, str(source), "--redact-serials")
    assert code == 2 and "--export-redacted" in err
