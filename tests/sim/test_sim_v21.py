"""The simulator speaking OCPP 2.1, end to end against the real mini-CSMS (Hub) on 127.0.0.1.

The hub checks every frame against the 2.1 schemas, so each test ends by asserting that no
frame of the charger's log (its calls, its answers, and the hub's) broke one. The behaviour is
the 2.0.1 station's (tests/sim/test_*.py cover it in depth against a recording CSMS); these
tests show that each exchange also holds in 2.1, plus what 2.1 adds (Reset
ImmediateAndResume, TriggerMessage CustomTrigger, schedule periods without a limit).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ocpptui.core.frame import Direction, Frame
from ocpptui.core.hub import Hub
from ocpptui.protocol.versions import OcppVersion
from ocpptui.services.file_server import FileServer
from ocpptui.services.tls import TlsFiles, sign_csr
from ocpptui.sim import OCPP21, SimulatedCharger, Transaction
from tests.helpers import wait_for
from tests.sim.test_firmware import image, now
from tests.sim.test_sim_certificates import (  # noqa: F401 (ca is a fixture)
    CALL,
    ca,
    certificate_signed,
    frames,
    trigger_csr,
)

ID = "CS-21"
# 60x faster than real time: the hub's 60 s heartbeat interval passes in a second, and the
# 30 s TxUpdatedInterval in half a second.
SIM: dict[str, Any] = {"protocol": OCPP21, "speedup": 60.0, "meter_interval": 30}


def broken_frames(hub: Hub, identity: str = ID) -> list[Frame]:
    """Frames of the charger's log that break their 2.1 schema, or are not OCPP at all."""
    return [f for f in hub.chargers[identity].frames if f.violations or f.problem]


def calls_from(hub: Hub, action: str, identity: str = ID) -> list[dict[str, Any]]:
    """Payloads of the `action` calls the charger sent, over all its connections, in order."""
    return [f.payload for f in frames(hub, identity, action, Direction.IN, CALL)]


def ended_events(hub: Hub) -> list[dict[str, Any]]:
    return [e for e in calls_from(hub, "TransactionEvent") if e["eventType"] == "Ended"]


async def call(hub: Hub, action: str, payload: dict[str, Any]) -> dict[str, Any]:
    """Send a CSMS call through the hub; return the charger's (schema-valid) answer."""
    session = hub.session_for(ID)
    assert session is not None
    outcome = await session.call_raw(action, payload)
    assert outcome.ok, outcome
    assert outcome.violations == (), outcome.violations
    return outcome.payload or {}


async def start(start_sim: Any, **options: Any) -> SimulatedCharger:
    return await start_sim(ID, **{**SIM, **options})


# --- connection and boot -----------------------------------------------------------------------


async def test_boots_reports_statuses_and_heartbeats_over_ocpp21(hub: Hub, start_sim: Any) -> None:
    charger = await start(start_sim)

    attempt = hub.attempts[-1]
    assert (attempt.offered, attempt.chosen) == ((OCPP21,), OCPP21)
    session = hub.session_for(ID)
    assert session is not None and session.version is OcppVersion.V21
    state = session.state
    await wait_for(lambda: state.heartbeat_count >= 2 and len(state.connectors) == 2)
    assert (state.vendor, state.model, state.firmware) == ("ocpp-tui", "SimCharger-22", "1.4.2")
    assert state.boot_reason == "PowerUp"
    assert [(c.evse_id, c.status) for c in state.sorted_connectors] == [
        (1, "Available"),
        (2, "Available"),
    ]
    # The hub counts a heartbeat when it answers, the charger once it has read the answer.
    await charger.wait_until(lambda c: c.heartbeat_count >= 2, timeout=5)
    assert {f.protocol for f in hub.chargers[ID].frames} == {OCPP21}
    assert broken_frames(hub) == []


async def test_the_hub_does_check_21_frames(hub: Hub, start_sim: Any) -> None:
    # The counterpart of every "no broken frames" assertion here: a 2.0.1 quirk works in 2.1,
    # and the serial number it makes too long is flagged against the 2.1 schema.
    await start(start_sim, quirks={"long-serial"})
    (boot,) = frames(hub, ID, "BootNotification", Direction.IN, CALL)
    assert [v.path for v in boot.violations] == ["$.chargingStation.serialNumber"]


# --- transactions ------------------------------------------------------------------------------


async def test_local_and_remote_transactions_with_meter_values(hub: Hub, start_sim: Any) -> None:
    charger = await start(start_sim)

    local = await charger.start_local_transaction(1)
    await charger.wait_until(lambda c: local.meter_values_sent >= 2, timeout=5)
    await charger.stop_local_transaction(1)

    answer = await call(
        hub,
        "RequestStartTransaction",
        {"idToken": {"idToken": "REMOTE-1", "type": "Central"}, "remoteStartId": 7, "evseId": 2},
    )
    assert answer["status"] == "Accepted"
    await charger.wait_until(lambda c: 2 in c.transactions, timeout=5)
    remote = charger.transactions[2]
    await charger.wait_until(lambda c: remote.meter_values_sent >= 1, timeout=5)
    answer = await call(hub, "RequestStopTransaction", {"transactionId": remote.transaction_id})
    assert answer["status"] == "Accepted"
    # The charger closes a transaction before it reports that: wait for the hub to have it.
    await wait_for(lambda: len(ended_events(hub)) == 2)

    events = calls_from(hub, "TransactionEvent")
    started = [e for e in events if e["eventType"] == "Started"]
    assert [e["triggerReason"] for e in started] == ["Authorized", "RemoteStart"]
    assert started[1]["transactionInfo"]["remoteStartId"] == 7
    periodic = [e for e in events if e["triggerReason"] == "MeterValuePeriodic"]
    assert len(periodic) >= 3 and all(e["meterValue"] for e in periodic)
    assert [e["transactionInfo"]["stoppedReason"] for e in ended_events(hub)] == [
        "Local",
        "Remote",
    ]
    # The energy register each transaction's events carry rises from start to end.
    for transaction in charger.completed_transactions:
        registers = [
            float(sample["value"])
            for e in events
            if e["transactionInfo"]["transactionId"] == transaction.transaction_id
            for value in e.get("meterValue", [])
            for sample in value["sampledValue"]
            if sample.get("measurand") == "Energy.Active.Import.Register"
        ]
        assert registers == sorted(registers) and registers[-1] > registers[0]
        # The hub counts them too, though only the Started event names the EVSE.
        state = hub.session_for(charger.identity).state.transactions[transaction.transaction_id]
        assert (state.meter_start_wh, state.meter_stop_wh) == (registers[0], registers[-1])
    assert broken_frames(hub) == []


# --- device model ------------------------------------------------------------------------------


async def test_get_set_variables_and_base_report(hub: Hub, start_sim: Any) -> None:
    charger = await start(start_sim, report_chunk_size=40)
    heartbeat = {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"}}
    unknown = {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "NoSuchVariable"}}

    answer = await call(hub, "GetVariables", {"getVariableData": [heartbeat, unknown]})
    results = answer["getVariableResult"]
    assert [r["attributeStatus"] for r in results] == ["Accepted", "UnknownVariable"]
    assert results[0]["attributeValue"] == "60"  # the interval of the hub's boot answer

    read_only = {"component": {"name": "ChargingStation"}, "variable": {"name": "Model"}}
    answer = await call(
        hub,
        "SetVariables",
        {
            "setVariableData": [
                {**heartbeat, "attributeValue": "120"},
                {**read_only, "attributeValue": "Other"},
            ]
        },
    )
    assert [r["attributeStatus"] for r in answer["setVariableResult"]] == ["Accepted", "Rejected"]
    assert charger.heartbeat_interval == 120

    answer = await call(hub, "GetBaseReport", {"requestId": 5, "reportBase": "FullInventory"})
    assert answer["status"] == "Accepted"
    await wait_for(lambda: any(p["tbc"] is False for p in calls_from(hub, "NotifyReport")))
    parts = calls_from(hub, "NotifyReport")
    assert len(parts) > 1 and {p["requestId"] for p in parts} == {5}
    assert [p["seqNo"] for p in parts] == list(range(len(parts)))
    assert charger.device_model is not None
    assert sum(len(p["reportData"]) for p in parts) == len(charger.device_model.variables)
    assert broken_frames(hub) == []


# --- TriggerMessage ----------------------------------------------------------------------------


async def test_trigger_message(hub: Hub, start_sim: Any) -> None:
    await start(start_sim)
    triggered = {
        "Heartbeat": {},
        "StatusNotification": {"evse": {"id": 2, "connectorId": 1}},
        "MeterValues": {"evse": {"id": 1}},
        "FirmwareStatusNotification": {},
        "LogStatusNotification": {},
    }
    for message, extra in triggered.items():
        before = len(calls_from(hub, message))
        answer = await call(hub, "TriggerMessage", {"requestedMessage": message, **extra})
        assert answer["status"] == "Accepted", message
        await wait_for(lambda m=message, n=before: len(calls_from(hub, m)) > n)
    assert calls_from(hub, "StatusNotification")[-1]["evseId"] == 2
    assert calls_from(hub, "FirmwareStatusNotification")[-1]["status"] == "Idle"

    answer = await call(hub, "TriggerMessage", {"requestedMessage": "BootNotification"})
    assert answer["status"] == "Rejected"  # already accepted
    answer = await call(hub, "TriggerMessage", {"requestedMessage": "TransactionEvent"})
    assert (answer["status"], answer["statusInfo"]["reasonCode"]) == ("Rejected", "NoTransaction")
    # New in 2.1: a vendor's own trigger, which this station does not have.
    answer = await call(
        hub, "TriggerMessage", {"requestedMessage": "CustomTrigger", "customTrigger": "Selftest"}
    )
    assert answer["status"] == "NotImplemented"
    assert broken_frames(hub) == []


# --- Reset -------------------------------------------------------------------------------------


async def reset_while_charging(
    hub: Hub, start_sim: Any, reset_type: str
) -> tuple[SimulatedCharger, Transaction]:
    """Start a charger and a transaction on EVSE 1, Reset it, return once it booted again."""
    charger = await start(start_sim)
    transaction = await charger.start_local_transaction(1)
    answer = await call(hub, "Reset", {"type": reset_type})
    assert answer["status"] == "Accepted"
    await charger.wait_until(lambda c: c.connect_count == 2 and c.booted, timeout=5)
    return charger, transaction


async def test_reset_reboots_and_boots_again(hub: Hub, start_sim: Any) -> None:
    _, transaction = await reset_while_charging(hub, start_sim, "Immediate")

    assert transaction.stop_reason == "ImmediateReset"
    boots = calls_from(hub, "BootNotification")
    assert [b["reason"] for b in boots] == ["PowerUp", "RemoteReset"]
    session = hub.session_for(ID)
    assert session is not None and session.version is OcppVersion.V21
    await wait_for(lambda: session.state.boot_count == 1 and len(session.state.connectors) == 2)
    assert broken_frames(hub) == []


async def test_reset_immediate_and_resume_keeps_the_transaction(hub: Hub, start_sim: Any) -> None:
    # New in 2.1: the transactions outlive the reboot.
    charger, transaction = await reset_while_charging(hub, start_sim, "ImmediateAndResume")
    await wait_for(
        lambda: any(e["triggerReason"] == "TxResumed" for e in calls_from(hub, "TransactionEvent"))
    )

    assert charger.transactions == {1: transaction}
    resumed = [e for e in calls_from(hub, "TransactionEvent") if e["triggerReason"] == "TxResumed"]
    assert [e["transactionInfo"]["transactionId"] for e in resumed] == [transaction.transaction_id]
    # The reboot reports the EVSE still in use, and the meter goes on.
    session = hub.session_for(ID)
    assert session is not None
    after_reboot = [
        (f.payload["evseId"], f.payload["connectorStatus"])
        for f in frames(hub, ID, "StatusNotification", Direction.IN, CALL)
        if f.session_id == session.session_id
    ]
    assert after_reboot == [(1, "Occupied"), (2, "Available")]
    sent = transaction.meter_values_sent
    await charger.wait_until(lambda c: transaction.meter_values_sent > sent, timeout=5)
    await charger.stop_local_transaction(1)
    assert broken_frames(hub) == []


# --- availability, connectors, smart charging --------------------------------------------------


async def test_availability_unlock_and_charging_profiles(hub: Hub, start_sim: Any) -> None:
    charger = await start(start_sim)

    answer = await call(
        hub, "ChangeAvailability", {"operationalStatus": "Inoperative", "evse": {"id": 2}}
    )
    assert answer["status"] == "Accepted"
    await charger.wait_until(lambda c: c.connector_status[2] == "Unavailable", timeout=5)
    answer = await call(hub, "ChangeAvailability", {"operationalStatus": "Operative"})
    assert answer["status"] == "Accepted"
    await charger.wait_until(lambda c: c.connector_status[2] == "Available", timeout=5)

    answer = await call(hub, "UnlockConnector", {"evseId": 1, "connectorId": 1})
    assert answer["status"] == "Unlocked"

    # 2.1 lets a period leave out its limit (here one that only gives a setpoint).
    periods = [{"startPeriod": 0, "limit": 16.0}, {"startPeriod": 600, "setpoint": 5000.0}]
    profile = {
        "id": 1,
        "stackLevel": 0,
        "chargingProfilePurpose": "TxDefaultProfile",
        "chargingProfileKind": "Relative",
        "chargingSchedule": [{"id": 1, "chargingRateUnit": "A", "chargingSchedulePeriod": periods}],
    }
    answer = await call(hub, "SetChargingProfile", {"evseId": 1, "chargingProfile": profile})
    assert answer["status"] == "Accepted"
    answer = await call(
        hub, "GetCompositeSchedule", {"duration": 3600, "evseId": 1, "chargingRateUnit": "A"}
    )
    assert answer["status"] == "Accepted"
    assert answer["schedule"]["chargingSchedulePeriod"] == [
        {"startPeriod": 0, "limit": 16.0},
        {"startPeriod": 600},
    ]
    assert broken_frames(hub) == []


# --- firmware and certificates -----------------------------------------------------------------


def statuses(hub: Hub) -> list[str]:
    return [p["status"] for p in calls_from(hub, "FirmwareStatusNotification")]


async def test_update_firmware_reboots_into_the_new_version(
    file_server: FileServer, hub: Hub, start_sim: Any, tmp_path: Path
) -> None:
    # file_server comes first: it rides on the sim tests' recording CSMS, whose teardown wants
    # the hub and the charger gone already.
    offer = await file_server.offer_file_async(image(tmp_path / "station-fw.bin"))
    charger = await start(start_sim, firmware_install_seconds=6.0)

    answer = await call(
        hub,
        "UpdateFirmware",
        {"requestId": 3, "firmware": {"location": offer.http_url, "retrieveDateTime": now()}},
    )
    assert answer["status"] == "Accepted"
    # Installed is sent after the reboot, once the new firmware's boot is accepted.
    await wait_for(lambda: statuses(hub)[-1:] == ["Installed"], timeout=10)

    assert charger.firmware_version == "2.3.0"
    assert statuses(hub) == [
        "Downloading",
        "Downloaded",
        "Installing",
        "InstallRebooting",
        "Installed",
    ]
    assert {p["requestId"] for p in calls_from(hub, "FirmwareStatusNotification")} == {3}
    boot = calls_from(hub, "BootNotification")[-1]
    assert (boot["reason"], boot["chargingStation"]["firmwareVersion"]) == (
        "FirmwareUpdate",
        "2.3.0",
    )
    assert broken_frames(hub) == []


async def test_csr_and_certificate_signed(hub: Hub, start_sim: Any, ca: TlsFiles) -> None:  # noqa: F811
    charger = await start(start_sim)
    chain = sign_csr(ca, await trigger_csr(hub, charger), identity="CP-1")

    assert await certificate_signed(hub, charger, chain) == {"status": "Accepted"}
    assert charger.station_certificate is not None
    (request,) = calls_from(hub, "SignCertificate")
    assert request["certificateType"] == "ChargingStationCertificate"
    assert broken_frames(hub) == []
