"""TriggerMessage: answered first, then the requested message is actually sent."""

from __future__ import annotations

from typing import Any

import pytest
from ocpp.v16 import call
from ocpp.v201 import call as call201

from tests.sim.csms_peer import CALL, CALL_RESULT, CsmsPeer16, CsmsPeer201, CsmsServer
from tests.sim.helpers import StartCharger


async def trigger_and_check_order(
    peer: CsmsPeer16 | CsmsPeer201, payload: Any, action: str, unique_id: str
) -> list[Any]:
    """Send a TriggerMessage; return the triggered calls, which must follow the answer."""
    answer = await peer.call(payload, unique_id=unique_id)
    assert answer.status == "Accepted", (action, answer)
    record = peer.record
    sent_at = record.index_of("out", CALL, unique_id)
    answered_at = record.index_of("in", CALL_RESULT, unique_id)
    await record.until(
        lambda: record.incoming_calls_between(answered_at, None, action), 5, f"triggered {action}"
    )
    assert record.incoming_calls_between(sent_at, answered_at, action) == []
    return [frame[3] for frame in record.incoming_calls_between(answered_at, None, action)]


@pytest.mark.parametrize(
    "message",
    [
        "BootNotification",
        "DiagnosticsStatusNotification",
        "FirmwareStatusNotification",
        "Heartbeat",
        "MeterValues",
        "StatusNotification",
    ],
)
async def test_v16_trigger_message_sends_the_message_after_answering(
    csms: CsmsServer, start_charger: StartCharger, message: str
) -> None:
    charger = await start_charger("CP-1", connectors=2)
    peer = await csms.peer("CP-1")
    await peer.wait_for("StatusNotification", count=3)

    sent = await trigger_and_check_order(
        peer, call.TriggerMessage(requested_message=message), message, f"trigger-{message}"
    )
    if message in ("DiagnosticsStatusNotification", "FirmwareStatusNotification"):
        assert sent[0] == {"status": "Idle"}
    if message == "MeterValues":
        await peer.wait_for("MeterValues", count=2)  # one per connector
        contexts = {v["context"] for v in sent[0]["meterValue"][0]["sampledValue"]}
        assert contexts == {"Trigger"}
    if message == "StatusNotification":
        await peer.wait_for("StatusNotification", count=6)  # the charger and each connector
    if message == "BootNotification":
        await charger.wait_until(lambda c: c.boot_count == 2, timeout=3)


async def test_v16_trigger_for_one_connector_and_for_unknown_ones(
    csms: CsmsServer, start_charger: StartCharger
) -> None:
    await start_charger("CP-1", connectors=2)
    peer = await csms.peer("CP-1")
    await peer.wait_for("StatusNotification", count=3)

    sent = await trigger_and_check_order(
        peer,
        call.TriggerMessage(requested_message="StatusNotification", connector_id=2),
        "StatusNotification",
        "status-2",
    )
    assert [s["connectorId"] for s in sent] == [2]
    unknown = await peer.call(call.TriggerMessage(requested_message="MeterValues", connector_id=3))
    assert unknown.status == "Rejected"


@pytest.mark.parametrize(
    "message",
    [
        "Heartbeat",
        "StatusNotification",
        "MeterValues",
        "FirmwareStatusNotification",
        "LogStatusNotification",
    ],
)
async def test_v201_trigger_message_sends_the_message_after_answering(
    csms: CsmsServer, start_charger: StartCharger, message: str
) -> None:
    await start_charger("CS-1", protocol="ocpp2.0.1", connectors=2)
    peer = await csms.peer("CS-1")
    await peer.wait_for("StatusNotification", count=2)

    sent = await trigger_and_check_order(
        peer,
        call201.TriggerMessage(requested_message=message, evse={"id": 2}),
        message,
        f"trigger-{message}",
    )
    if message == "StatusNotification":
        assert sent[0]["evseId"] == 2
    if message == "MeterValues":
        assert sent[0]["evseId"] == 2
        assert sent[0]["meterValue"][0]["sampledValue"][0]["context"] == "Trigger"
    if message in ("FirmwareStatusNotification", "LogStatusNotification"):
        assert sent[0]["status"] == "Idle"


async def test_v201_trigger_answers_for_what_cannot_be_sent(
    csms: CsmsServer, start_charger: StartCharger
) -> None:
    charger = await start_charger("CS-1", protocol="ocpp2.0.1")
    peer = await csms.peer("CS-1")

    async def status_of(**request: Any) -> str:
        return (await peer.call(call201.TriggerMessage(**request))).status

    assert await status_of(requested_message="BootNotification") == "Rejected"  # F06.FR.17
    assert await status_of(requested_message="TransactionEvent") == "Rejected"  # none runs
    assert await status_of(requested_message="Heartbeat", evse={"id": 9}) == "Rejected"
    assert await status_of(requested_message="SignV2GCertificate") == "NotImplemented"

    await charger.start_local_transaction(1, "CARD-1")
    sent = await trigger_and_check_order(
        peer,
        call201.TriggerMessage(requested_message="TransactionEvent", evse={"id": 1}),
        "TransactionEvent",
        "trigger-tx",
    )
    assert sent[0]["eventType"] == "Updated"
    assert sent[0]["triggerReason"] == "Trigger"
    assert sent[0]["transactionInfo"]["transactionId"] == charger.transactions[1].transaction_id
