"""The mini-CSMS and its sessions, driven by raw WebSocket chargers on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from ocpptui.core.config import BootAnswer, ValidationPolicy
from ocpptui.core.events import ChargerConnected, ChargerDisconnected, ConnectionRefused
from ocpptui.core.hub import Hub
from ocpptui.core.session import CallTimeout, ConnectionLost, InvalidRequest, NotConnected
from ocpptui.protocol.catalog import charger_initiated_actions, template_payload
from ocpptui.protocol.validation import validate_payload
from ocpptui.protocol.versions import OcppVersion
from tests.helpers import connect_raw, server_url, wait_for


def read_log(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


async def test_boot_is_accepted_and_recorded(hub: Hub) -> None:
    charger = await connect_raw(hub)
    answer = await charger.boot_16()
    assert answer[0] == 3
    assert answer[2]["status"] == "Accepted"
    assert answer[2]["interval"] == hub.config.heartbeat_interval
    assert answer[2]["currentTime"].endswith("Z")

    state = hub.chargers["CP-1"].state
    assert state is not None
    assert (state.vendor, state.model, state.firmware, state.boot_status) == (
        "VendorX",
        "ModelY",
        "1.0",
        "Accepted",
    )
    await charger.connection.close()


async def test_identity_is_the_last_path_segment_percent_decoded(hub: Hub) -> None:
    port = hub.servers[0].port
    async with connect(f"ws://127.0.0.1:{port}/a/b/RDAM%20123", subprotocols=["ocpp1.6"]):  # type: ignore[list-item]
        await wait_for(lambda: "RDAM 123" in hub.chargers)
    async with connect(f"ws://127.0.0.1:{port}/CP-9", subprotocols=["ocpp1.6"]):  # type: ignore[list-item]
        await wait_for(lambda: "CP-9" in hub.chargers)
    assert set(hub.chargers) == {"RDAM 123", "CP-9"}


async def test_server_prefers_the_newest_protocol(hub: Hub) -> None:
    offered = ["ocpp1.6", "ocpp2.0.1"]
    async with connect(server_url(hub, "CP-2"), subprotocols=offered) as connection:  # type: ignore[arg-type]
        assert connection.subprotocol == "ocpp2.0.1"
        await wait_for(lambda: "CP-2" in hub.chargers)
        assert hub.chargers["CP-2"].session.version is OcppVersion.V201


async def test_connections_without_a_supported_subprotocol_are_refused_with_a_reason(
    hub: Hub,
) -> None:
    events: list = []
    hub.subscribe(events.append)
    with pytest.raises(InvalidStatus) as caught:
        async with connect(server_url(hub), subprotocols=["ocpp1.5"]):  # type: ignore[list-item]
            pass
    assert caught.value.response.status_code == 400
    with pytest.raises(InvalidStatus):
        async with connect(server_url(hub)):
            pass
    refused = [e for e in events if isinstance(e, ConnectionRefused)]
    assert "offered only ocpp1.5" in refused[0].reason
    assert "no subprotocol offered" in refused[1].reason
    assert not hub.chargers


@pytest.mark.parametrize("path", ["/", "/ocpp/a%3Ab", "/ocpp/a%2Fb", "/ocpp/a%00b", "/" + "x" * 49])
async def test_bad_identities_are_refused(hub: Hub, path: str) -> None:
    events: list = []
    hub.subscribe(events.append)
    port = hub.servers[0].port
    with pytest.raises(InvalidStatus) as caught:
        async with connect(f"ws://127.0.0.1:{port}{path}", subprotocols=["ocpp1.6"]):  # type: ignore[list-item]
            pass
    assert caught.value.response.status_code == 404
    assert isinstance(events[-1], ConnectionRefused) and "identity" in events[-1].reason


async def test_call_raw_round_trip_with_latency(hub: Hub) -> None:
    charger = await connect_raw(hub)
    await charger.boot_16()
    session = hub.session_for("CP-1")
    assert session is not None

    async def answer_as_charger() -> list:
        request = await charger.recv_json()
        await charger.send_text(json.dumps([3, request[1], {"status": "Accepted"}]))
        return request

    answering = asyncio.create_task(answer_as_charger())
    outcome = await session.call_raw(
        "ChangeConfiguration", {"key": "HeartbeatInterval", "value": "30"}
    )
    request = await answering
    assert request[2:] == ["ChangeConfiguration", {"key": "HeartbeatInterval", "value": "30"}]
    assert outcome.ok and outcome.status == "Accepted"
    assert outcome.latency_ms > 0
    assert outcome.response_frame.request_seq == outcome.request_frame.seq
    assert outcome.request_frame.response_seq == outcome.response_frame.seq


async def test_call_error_answer_is_returned_not_raised(hub: Hub) -> None:
    charger = await connect_raw(hub)
    await charger.boot_16()
    session = hub.session_for("CP-1")

    async def refuse() -> None:
        request = await charger.recv_json()
        await charger.send_text(json.dumps([4, request[1], "NotSupported", "no", {}]))

    task = asyncio.create_task(refuse())
    outcome = await session.call_raw("ClearCache", {})
    await task
    assert not outcome.ok
    assert outcome.status == "NotSupported"
    assert outcome.error_description == "no"


async def test_schema_invalid_request_is_refused_before_sending(hub: Hub) -> None:
    charger = await connect_raw(hub)
    await charger.boot_16()
    session = hub.session_for("CP-1")
    before = len(hub.chargers["CP-1"].frames)
    with pytest.raises(InvalidRequest) as caught:
        await session.call_raw("ChangeConfiguration", {"key": "HeartbeatInterval"})
    assert "'value' is a required property" in str(caught.value)
    assert caught.value.violations[0].path == "$"
    with pytest.raises(InvalidRequest, match="sent by chargers"):
        await session.call_raw(
            "BootNotification", {"chargePointVendor": "a", "chargePointModel": "b"}
        )
    with pytest.raises(InvalidRequest, match="no action"):
        await session.call_raw("NoSuchAction", {})
    assert len(hub.chargers["CP-1"].frames) == before  # nothing went out


async def test_send_anyway_marks_the_frame(hub: Hub) -> None:
    charger = await connect_raw(hub)
    await charger.boot_16()
    session = hub.session_for("CP-1")

    async def reject() -> None:
        request = await charger.recv_json()
        await charger.send_text(json.dumps([4, request[1], "ProtocolError", "missing value", {}]))

    task = asyncio.create_task(reject())
    outcome = await session.call_raw("ChangeConfiguration", {"key": "X"}, validate=False)
    await task
    assert "invalid-sent" in outcome.request_frame.flags
    assert outcome.status == "ProtocolError"


async def test_call_timeout_and_late_answer(hub: Hub) -> None:
    charger = await connect_raw(hub)
    await charger.boot_16()
    session = hub.session_for("CP-1")
    with pytest.raises(CallTimeout, match=r"within 0\.2 s"):
        await session.call_raw("ClearCache", {}, timeout=0.2)
    request = await charger.recv_json()
    await charger.send_text(json.dumps([3, request[1], {"status": "Accepted"}]))
    await wait_for(lambda: hub.chargers["CP-1"].frames[-1].message_type == 3)
    late = hub.chargers["CP-1"].frames[-1]
    assert late.request_seq is not None and late.latency_ms >= 200  # still paired in the log
    # the session still works after a timeout
    answer = await charger.call("Heartbeat", {})
    assert answer[0] == 3


async def test_disconnect_mid_call_resolves_with_connection_lost(hub: Hub) -> None:
    charger = await connect_raw(hub)
    await charger.boot_16()
    session = hub.session_for("CP-1")

    async def vanish() -> None:
        await charger.recv_json()
        await charger.connection.close()

    task = asyncio.create_task(vanish())
    with pytest.raises(ConnectionLost, match="connection lost"):
        await session.call_raw("ClearCache", {})
    await task
    assert not session.connected
    with pytest.raises(NotConnected):
        await session.call_raw("ClearCache", {})


async def test_calls_are_sent_one_at_a_time(hub: Hub) -> None:
    charger = await connect_raw(hub)
    await charger.boot_16()
    session = hub.session_for("CP-1")
    first = asyncio.create_task(session.call_raw("ClearCache", {}))
    second = asyncio.create_task(session.call_raw("ClearCache", {}))
    request_1 = await charger.recv_json()
    await wait_for(lambda: session.queued_calls == 1)
    with pytest.raises(TimeoutError):
        await charger.recv_json(timeout=0.2)  # the second CALL waits for the first answer
    await charger.send_text(json.dumps([3, request_1[1], {"status": "Accepted"}]))
    request_2 = await charger.recv_json()
    await charger.send_text(json.dumps([3, request_2[1], {"status": "Rejected"}]))
    assert (await first).status == "Accepted"
    assert (await second).status == "Rejected"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[2,"x1","Heartbeat",[]]', [4, "x1", "FormationViolation"]),
        ('[2,"x2","NoSuchThing",{}]', [4, "x2", "NotImplemented"]),
        ('[2,"x3","GetConfiguration",{}]', [4, "x3", "NotSupported"]),
        ('[2,"x4","Heartbeat"', [4, "x4", "FormationViolation"]),
        ('[9,"x5","Heartbeat",{}]', [4, "x5", "ProtocolError"]),
    ],
)
async def test_malformed_frames_get_the_right_call_error(
    hub: Hub, text: str, expected: list
) -> None:
    charger = await connect_raw(hub)
    await charger.send_text(text)
    answer = await charger.recv_json()
    assert answer[:3] == expected
    # the session stays up and keeps answering
    assert (await charger.call("Heartbeat", {}))[0] == 3
    frames = hub.chargers["CP-1"].frames
    assert any(f.raw == text for f in frames)


async def test_unanswerable_garbage_is_logged_and_the_session_stays_up(hub: Hub) -> None:
    charger = await connect_raw(hub)
    await charger.send_text("this is not json")  # 1.6: no id to answer to
    await charger.send_text('[3,"nobody-asked",{}]')  # answer to an unknown id
    assert (await charger.call("Heartbeat", {}))[0] == 3
    frames = list(hub.chargers["CP-1"].frames)
    assert frames[0].problem.startswith("not valid JSON")
    assert "unknown message id" in frames[1].problem


async def test_2x_answers_unreadable_frames_with_id_minus_one(hub: Hub) -> None:
    charger = await connect_raw(hub, subprotocol="ocpp2.0.1")
    await charger.send_text("{{{")
    assert (await charger.recv_json())[:3] == [4, "-1", "RpcFrameworkError"]


async def test_lenient_mode_answers_and_flags_schema_violations(hub: Hub) -> None:
    charger = await connect_raw(hub)
    answer = await charger.call(
        "BootNotification",
        {"chargePointVendor": "V" * 25, "chargePointModel": "M", "vendorExtra": True},
    )
    assert answer[0] == 3 and answer[2]["status"] == "Accepted"
    incoming = hub.chargers["CP-1"].frames[0]
    rules = {v.rule for v in incoming.violations}
    assert rules == {"maxLength", "additionalProperties"}
    assert hub.chargers["CP-1"].state.vendor == "V" * 25
    assert hub.chargers["CP-1"].state.invalid_calls == 1  # the charger list shows the count


async def test_strict_mode_answers_schema_violations_with_call_errors(hub: Hub) -> None:
    hub.config.validation = ValidationPolicy.STRICT
    charger = await connect_raw(hub)
    answer = await charger.call(
        "StatusNotification", {"connectorId": 1, "status": "Bogus", "errorCode": "NoError"}
    )
    assert answer[:3] == [4, answer[1], "PropertyConstraintViolation"]
    answer = await charger.call(
        "StatusNotification", {"connectorId": "1", "status": "Available", "errorCode": "NoError"}
    )
    assert answer[2] == "TypeConstraintViolation"
    answer = await charger.call("BootNotification", {"chargePointVendor": "V"})
    assert answer[2] == "ProtocolError"
    answer = await charger.call("Heartbeat", {"extra": 1})
    assert answer[2] == "FormationViolation"


@pytest.mark.parametrize("version", list(OcppVersion))
async def test_every_charger_initiated_action_is_answered_schema_valid(
    hub: Hub, version: OcppVersion
) -> None:
    charger = await connect_raw(hub, subprotocol=version.subprotocol)
    for action in charger_initiated_actions(version):
        if action == "NotifyPeriodicEventStream":
            continue  # a SEND: no answer is due
        answer = await charger.call(action, template_payload(version, action))
        assert answer[0] == 3, (action, answer)
        assert validate_payload(version, action, answer[2], is_request=False) == (), action


async def test_send_frames_are_logged_not_answered(hub: Hub) -> None:
    charger = await connect_raw(hub, subprotocol="ocpp2.1")
    await charger.send_text(
        json.dumps(
            [
                6,
                "s1",
                "NotifyPeriodicEventStream",
                template_payload(OcppVersion.V21, "NotifyPeriodicEventStream"),
            ]
        )
    )
    assert (await charger.call("Heartbeat", {}))[0] == 3  # the next answer is the heartbeat's
    assert hub.chargers["CP-1"].frames[0].message_type == 6


async def test_state_tracks_status_transactions_and_meter_values(hub: Hub) -> None:
    charger = await connect_raw(hub)
    await charger.boot_16()
    await charger.call(
        "StatusNotification", {"connectorId": 1, "status": "Charging", "errorCode": "NoError"}
    )
    started = await charger.call(
        "StartTransaction",
        {"connectorId": 1, "idTag": "TAG", "meterStart": 1000, "timestamp": "2026-01-01T00:00:00Z"},
    )
    transaction_id = started[2]["transactionId"]
    assert started[2]["idTagInfo"]["status"] == "Accepted"
    await charger.call(
        "MeterValues",
        {
            "connectorId": 1,
            "transactionId": transaction_id,
            "meterValue": [
                {
                    "timestamp": "2026-01-01T00:01:00Z",
                    "sampledValue": [
                        {
                            "value": "1500",
                            "measurand": "Energy.Active.Import.Register",
                            "unit": "Wh",
                        },
                        {"value": "7400", "measurand": "Power.Active.Import", "unit": "W"},
                    ],
                }
            ],
        },
    )
    state = hub.chargers["CP-1"].state
    transaction = state.transactions[str(transaction_id)]
    assert transaction.active and transaction.last_energy_wh == 1500
    assert state.connector(1).meter["Power.Active.Import"].value == "7400"
    await charger.call(
        "StopTransaction",
        {"transactionId": transaction_id, "meterStop": 2000, "timestamp": "2026-01-01T00:02:00Z"},
    )
    assert not transaction.active and transaction.meter_stop_wh == 2000
    assert state.connector(1).status == "Charging"


async def test_pending_boot_answer_per_charger(hub: Hub) -> None:
    hub.config.boot_answers["CP-P"] = BootAnswer.PENDING
    charger = await connect_raw(hub, "CP-P")
    answer = await charger.boot_16()
    assert answer[2]["status"] == "Pending"
    assert answer[2]["interval"] == hub.config.boot_retry_interval


async def test_log_file_holds_every_frame_in_order_with_pairing(hub: Hub) -> None:
    charger = await connect_raw(hub)
    await charger.boot_16()
    await charger.call("Heartbeat", {})
    await charger.send_text("garbage")
    await charger.call("Heartbeat", {})
    await charger.connection.close()
    charger_entry = hub.chargers["CP-1"]
    await wait_for(lambda: not charger_entry.connected)
    path = charger_entry.session.frame_log.path
    records = read_log(path)
    assert [r["dir"] for r in records] == ["in", "out", "in", "out", "in", "in", "out"]
    assert [r["seq"] for r in records] == sorted(r["seq"] for r in records)
    boot, boot_answer = records[0], records[1]
    assert boot["action"] == "BootNotification" and boot["type"] == 2
    assert boot_answer["request_seq"] == boot["seq"] and boot_answer["latency_ms"] >= 0
    assert boot_answer["action"] == "BootNotification"
    assert records[4]["problem"].startswith("not valid JSON")
    assert {"time", "mono", "identity", "session", "raw", "violations", "flags"} <= set(boot)


async def test_reconnect_replaces_the_session_and_keeps_the_old_log(hub: Hub) -> None:
    events: list = []
    hub.subscribe(events.append)
    first = await connect_raw(hub)
    await first.boot_16(vendor="Old")
    old_session = hub.session_for("CP-1")
    second = await connect_raw(hub)
    await second.boot_16(vendor="New")
    await wait_for(lambda: not old_session.connected)
    charger = hub.chargers["CP-1"]
    assert len(charger.sessions) == 2 and charger.session is not old_session
    assert "replaced" in old_session.close_reason
    assert charger.state.vendor == "New"
    assert old_session.state.vendor == "Old"
    assert old_session.frame_log.path != charger.session.frame_log.path
    assert read_log(old_session.frame_log.path)[0]["raw"].count("Old") == 1
    assert len(charger.frames) == 4  # both sessions' frames stay in the charger's window
    assert any(isinstance(e, ChargerConnected) and e.replaced for e in events)
    assert any(isinstance(e, ChargerDisconnected) for e in events)


async def test_several_chargers_at_once(hub: Hub) -> None:
    chargers = [
        await connect_raw(hub, f"CP-{n}", "ocpp1.6" if n % 2 else "ocpp2.0.1") for n in range(5)
    ]
    for charger in chargers:
        assert (await charger.call("Heartbeat", {}))[0] == 3
    assert sorted(hub.chargers) == [f"CP-{n}" for n in range(5)]
    assert len(hub.frames) == 10
    paths = {c.session.frame_log.path for c in hub.chargers.values()}
    assert len(paths) == 5


async def test_unwritable_log_folder_keeps_frames_in_memory(tmp_path: Path) -> None:
    blocker = tmp_path / "blocked"
    blocker.write_text("a file where the sessions folder should be")
    from ocpptui.core.config import CsmsConfig
    from ocpptui.core.events import LogProblem

    hub = Hub(CsmsConfig(port=0), sessions_dir=blocker)
    events: list = []
    hub.subscribe(events.append)
    await hub.start_server("127.0.0.1", 0)
    try:
        charger = await connect_raw(hub)
        assert (await charger.boot_16())[0] == 3
        assert len(hub.chargers["CP-1"].frames) == 2
        assert any(isinstance(e, LogProblem) for e in events)
    finally:
        await hub.stop()


async def test_2x_meter_values_follow_the_transaction_s_evse(hub: Hub) -> None:
    """E01: the EVSE is named in the first event only; later events' meter values count."""
    charger = await connect_raw(hub, "CP-2X", "ocpp2.0.1")
    await charger.call(
        "BootNotification",
        {"reason": "PowerUp", "chargingStation": {"model": "M", "vendorName": "V"}},
    )

    def event(kind: str, seq: int, wh: float, **extra) -> dict:
        return {
            "eventType": kind,
            "timestamp": "2026-11-25T10:00:00Z",
            "triggerReason": "MeterValuePeriodic" if kind == "Updated" else "Authorized",
            "seqNo": seq,
            "transactionInfo": {"transactionId": "TX-1"},
            "meterValue": [
                {
                    "timestamp": "2026-11-25T10:00:00Z",
                    "sampledValue": [{"value": wh, "measurand": "Energy.Active.Import.Register"}],
                }
            ],
            **extra,
        }

    await charger.call(
        "TransactionEvent", event("Started", 0, 1000, evse={"id": 1, "connectorId": 1})
    )
    await charger.call("TransactionEvent", event("Updated", 1, 1500))
    await charger.call("TransactionEvent", event("Ended", 2, 2250))
    session = hub.session_for("CP-2X")
    assert session is not None
    transaction = session.state.transactions["TX-1"]
    assert (transaction.evse_id, transaction.connector_id) == (1, 1)
    assert transaction.meter_start_wh == 1000 and transaction.meter_stop_wh == 2250
    await charger.connection.close()
