"""The commissioning checklist, computed from real simulated and hand-driven chargers."""

from __future__ import annotations

import asyncio
import datetime as dt
import json

from ocpptui.core.configuration import change_configuration, read_configuration
from ocpptui.core.device_model import point_to_csms
from ocpptui.core.hub import Hub
from ocpptui.services.checklist import (
    Checklist,
    ChecklistTarget,
    CheckStatus,
    compute_checklist,
)
from ocpptui.services.profiles import apply_profile, parse_profile
from tests.helpers import RawCharger, connect_raw, wait_for

PROFILE_16 = parse_profile('[profile]\nname = "Site"\n[ocpp16]\nMeterValueSampleInterval = 30\n')
# Meter values every second: the test transaction then shows a few within a second or two.
PROFILE_FAST_METER = parse_profile(
    '[profile]\nname = "Fast"\n[ocpp16]\nMeterValueSampleInterval = 1\n'
)
PROFILE_201 = parse_profile(
    '[profile]\nname = "Site 2"\n[ocpp201]\n"SampledDataCtrlr.TxUpdatedInterval" = 30\n'
)


def checklist(hub: Hub, identity: str = "CP-1", **target) -> Checklist:
    return compute_checklist(
        hub.chargers[identity], hub.config, ChecklistTarget(**target), now=hub.clock.wall()
    )


def statuses(result: Checklist) -> dict[str, CheckStatus]:
    return {item.key: item.status for item in result.items}


def stamp(seconds_from_now: float = 0.0) -> str:
    moment = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=seconds_from_now)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


async def test_a_healthy_simulated_charger_passes_every_item(hub: Hub, start_sim) -> None:
    hub.config.heartbeat_interval = 1
    sim = await start_sim("CP-1", speedup=1.0, connectors=2)
    session = hub.session_for("CP-1")
    assert session is not None
    first = checklist(hub, target_firmware="1.4.2", profile=PROFILE_FAST_METER)
    assert first.item("boot").status is CheckStatus.PASS
    assert first.item("configuration").status is CheckStatus.PENDING
    assert "not read in this session" in first.item("configuration").detail

    assert (await apply_profile(session, PROFILE_FAST_METER)).ok
    await sim.start_local_transaction(1)
    await wait_for(lambda: len(session.state.transactions) == 1, timeout=5)
    transaction = next(iter(session.state.transactions.values()))
    await wait_for(lambda: (transaction.last_energy_wh or 0) > (transaction.meter_start_wh or 0), 5)
    await sim.stop_local_transaction(1)
    await wait_for(lambda: not transaction.active, timeout=5)
    await wait_for(
        lambda: checklist(hub).item("heartbeat").status is not CheckStatus.PENDING, timeout=5
    )
    await wait_for(
        lambda: all(c.status == "Available" for c in session.state.sorted_connectors), timeout=5
    )

    result = checklist(hub, target_firmware="1.4.2", profile=PROFILE_FAST_METER)
    assert statuses(result) == {
        "boot": CheckStatus.PASS,
        "clock": CheckStatus.PASS,
        "heartbeat": CheckStatus.PASS,
        "connectors": CheckStatus.PASS,
        "errors": CheckStatus.PASS,
        "configuration": CheckStatus.PASS,
        "firmware": CheckStatus.PASS,
        "transaction": CheckStatus.PASS,
        "csms_url": CheckStatus.SKIPPED,  # 1.6: vendor-specific
    }, [(i.key, i.detail) for i in result.items]
    assert result.passed
    assert "vendor" in result.item("csms_url").detail
    # Every item with evidence points at frames the charger window holds, oldest first.
    held = {frame.seq for frame in hub.chargers["CP-1"].frames}
    for item in result.items:
        assert set(item.evidence) <= held
        assert list(item.evidence) == sorted(item.evidence)
    assert result.item("firmware").evidence
    boot_seq = result.item("boot").evidence[0]
    assert hub.chargers["CP-1"].frames[0].seq <= boot_seq
    assert result.violations == []
    assert json.dumps(result.to_json())  # the report's JSON


async def test_the_configuration_counts_only_when_read_after_its_change(
    hub: Hub, start_sim
) -> None:
    await start_sim("CP-1")
    session = hub.session_for("CP-1")
    assert session is not None
    await read_configuration(session)
    item = checklist(hub, profile=PROFILE_16).item("configuration")
    assert item.status is CheckStatus.FAIL
    assert "MeterValueSampleInterval is '60', wanted '30'" in item.detail

    # An accepted change the charger has not been asked about since does not count as read.
    await change_configuration(session, "MeterValueSampleInterval", "30", confirm=False)
    item = checklist(hub, profile=PROFILE_16).item("configuration")
    assert item.status is CheckStatus.PENDING
    assert "before its change" in item.detail and "read the configuration again" in item.detail
    assert len(item.evidence) == 2  # the read and the change

    await read_configuration(session, ["MeterValueSampleInterval"])
    item = checklist(hub, profile=PROFILE_16).item("configuration")
    assert item.status is CheckStatus.PASS, item.detail
    # A profile for the other version says so instead of passing vacuously.
    assert checklist(hub, profile=PROFILE_201).item("configuration").status is CheckStatus.FAIL


async def test_a_2x_charger_checked_against_a_profile_and_pointed_at_its_csms(
    hub: Hub, start_sim
) -> None:
    await start_sim("CP-2", protocol="ocpp2.0.1")
    session = hub.session_for("CP-2")
    assert session is not None
    assert checklist(hub, "CP-2").item("csms_url").status is CheckStatus.PENDING
    report = await apply_profile(session, PROFILE_201)
    assert report.ok
    await point_to_csms(session, "wss://csms.example.com/ocpp", security_profile=1)
    result = checklist(hub, "CP-2", profile=PROFILE_201, target_firmware="9.9")
    assert result.item("configuration").status is CheckStatus.PASS, result.item("configuration")
    csms = result.item("csms_url")
    assert csms.status is CheckStatus.PASS, csms.detail
    assert "wss://csms.example.com/ocpp" in csms.detail
    assert len(csms.evidence) == 4  # SetNetworkProfile and SetVariables, each with its answer
    firmware = result.item("firmware")
    assert firmware.status is CheckStatus.FAIL and "not 9.9" in firmware.detail


async def _raw_booted(hub: Hub, identity: str = "RAW-1") -> RawCharger:
    charger = await connect_raw(hub, identity)
    answer = await charger.boot_16()
    assert answer[2]["status"] == "Accepted"
    return charger


async def test_faulted_connectors_error_codes_a_skewed_clock_and_fast_heartbeats_fail(
    hub: Hub,
) -> None:
    hub.config.heartbeat_interval = 3
    charger = await _raw_booted(hub)
    ten_minutes_ago = stamp(-600)
    for connector, status, code in ((1, "Faulted", "GroundFailure"), (2, "Available", "NoError")):
        await charger.call(
            "StatusNotification",
            {
                "connectorId": connector,
                "status": status,
                "errorCode": code,
                "vendorErrorCode": "E-17" if code != "NoError" else None,
                "timestamp": ten_minutes_ago,
            },
        )
    for _ in range(3):  # every 0.2 s instead of every 3 s
        await charger.call("Heartbeat", {})
        await asyncio.sleep(0.2)
    result = checklist(hub, "RAW-1")
    found = {item.key: item for item in result.items}
    assert found["boot"].status is CheckStatus.PASS
    assert found["connectors"].status is CheckStatus.FAIL
    assert "connector 1: Faulted (GroundFailure)" in found["connectors"].detail
    assert found["errors"].status is CheckStatus.FAIL
    assert "connector 1: GroundFailure" in found["errors"].detail
    assert found["clock"].status is CheckStatus.FAIL
    assert "10.0 min behind" in found["clock"].detail
    assert found["heartbeat"].status is CheckStatus.FAIL
    assert "expected every 3 s" in found["heartbeat"].detail
    assert not result.passed
    # The vendorErrorCode null broke the schema: the vendor gets to hear about it.
    assert result.violations
    violation = result.violations[0]
    assert violation.action == "StatusNotification" and violation.path == "$.vendorErrorCode"
    assert violation.seq in found["connectors"].evidence  # connector 2's notification
    await charger.connection.close()


async def test_heartbeats_that_stop_fail_and_a_rejected_boot_fails(hub: Hub) -> None:
    hub.config.heartbeat_interval = 1
    charger = await _raw_booted(hub)
    await charger.call("Heartbeat", {})
    later = compute_checklist(hub.chargers["RAW-1"], hub.config, now=hub.clock.wall() + 10).item(
        "heartbeat"
    )
    assert later.status is CheckStatus.FAIL and "no Heartbeat for" in later.detail
    await charger.connection.close()

    hub.config.boot_answer = hub.config.boot_answer.REJECTED
    rejected = await connect_raw(hub, "RAW-2")
    await rejected.boot_16()
    item = checklist(hub, "RAW-2").item("boot")
    assert item.status is CheckStatus.FAIL and item.detail == "answered Rejected"
    assert len(item.evidence) == 2
    await rejected.connection.close()


async def _raw_2x_booted(hub: Hub, identity: str) -> RawCharger:
    """A hand-driven 2.0.1 charger, booted, with EVSE 1 connector 1 Available."""
    charger = await connect_raw(hub, identity, subprotocol="ocpp2.0.1")
    await charger.call(
        "BootNotification",
        {"chargingStation": {"model": "M", "vendorName": "V"}, "reason": "PowerUp"},
    )
    await charger.call(
        "StatusNotification",
        {"timestamp": stamp(), "connectorStatus": "Available", "evseId": 1, "connectorId": 1},
    )
    return charger


async def test_a_2x_problem_event_is_an_active_error_until_cleared(hub: Hub) -> None:
    charger = await _raw_2x_booted(hub, "RAW-3")
    assert checklist(hub, "RAW-3").item("errors").status is CheckStatus.PASS

    def problem(value: str, event_id: int) -> dict:
        return {
            "generatedAt": stamp(),
            "seqNo": 0,
            "eventData": [
                {
                    "eventId": event_id,
                    "timestamp": stamp(),
                    "trigger": "Delta",
                    "actualValue": value,
                    "techCode": "RCD-TRIP",
                    "eventNotificationType": "HardWiredNotification",
                    "component": {"name": "RCD", "evse": {"id": 1}},
                    "variable": {"name": "Problem"},
                }
            ],
        }

    await charger.call("NotifyEvent", problem("true", 1))
    item = checklist(hub, "RAW-3").item("errors")
    assert item.status is CheckStatus.FAIL and "RCD@1: RCD-TRIP" in item.detail
    await charger.call("NotifyEvent", problem("false", 2))
    assert checklist(hub, "RAW-3").item("errors").status is CheckStatus.PASS
    assert checklist(hub, "RAW-3").item("clock").status is CheckStatus.PASS
    await charger.connection.close()


def test_nothing_connected_is_pending_not_failed() -> None:
    hub = Hub()
    result = compute_checklist(hub.charger("NEW"), hub.config, now=0.0)
    assert {item.status for item in result.items} <= {CheckStatus.PENDING, CheckStatus.SKIPPED}
    assert not result.passed


async def test_a_2x_charger_s_device_model_says_how_many_connectors_to_expect(hub: Hub) -> None:
    from ocpptui.core.device_model import read_device_model

    charger = await _raw_2x_booted(hub, "RAW-4")
    session = hub.session_for("RAW-4")
    assert session is not None
    reading = asyncio.create_task(read_device_model(session, timeout=5))
    request = await charger.recv_json()
    assert request[2] == "GetBaseReport"
    await charger.send_text(json.dumps([3, request[1], {"status": "Accepted"}]))

    def connector(evse: int) -> dict:
        return {
            "component": {"name": "Connector", "evse": {"id": evse, "connectorId": 1}},
            "variable": {"name": "Available"},
            "variableAttribute": [{"type": "Actual", "value": "true", "mutability": "ReadOnly"}],
            "variableCharacteristics": {"dataType": "boolean", "supportsMonitoring": False},
        }

    report = {
        "requestId": request[3]["requestId"],
        "generatedAt": stamp(),
        "seqNo": 0,
        "tbc": False,
        "reportData": [connector(1), connector(2)],
    }
    assert (await charger.call("NotifyReport", report))[0] == 3
    model = await reading
    assert model.connector_count() == 2

    item = checklist(hub, "RAW-4").item("connectors")
    assert item.status is CheckStatus.PENDING
    assert "1 of 2 connectors reported (device model)" in item.detail
    await charger.call(
        "StatusNotification",
        {"timestamp": stamp(), "connectorStatus": "Available", "evseId": 2, "connectorId": 1},
    )
    assert checklist(hub, "RAW-4").item("connectors").status is CheckStatus.PASS
    await charger.connection.close()
