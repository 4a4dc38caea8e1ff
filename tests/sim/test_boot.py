"""Boot, status notifications and heartbeats, for both protocol versions."""

from __future__ import annotations

from ocpp.v16 import call
from ocpp.v201 import call as call201

from tests.sim.csms_peer import CsmsServer
from tests.sim.helpers import StartCharger


async def test_v16_boots_reports_connectors_and_heartbeats(
    csms: CsmsServer, start_charger: StartCharger
) -> None:
    csms.behaviour.heartbeat_interval = 1  # 50 ms at speedup 20
    charger = await start_charger(
        "CP-1", vendor="ACME", model="Wallbox-7", serial="SN-42", firmware="2.0.0", connectors=2
    )
    peer = await csms.peer("CP-1")
    await charger.wait_until(lambda c: c.heartbeat_count >= 3, timeout=5)

    (boot,) = peer.calls("BootNotification")
    assert boot["chargePointVendor"] == "ACME"
    assert boot["chargePointModel"] == "Wallbox-7"
    assert boot["chargePointSerialNumber"] == "SN-42"
    assert boot["firmwareVersion"] == "2.0.0"
    statuses = peer.calls("StatusNotification")
    assert [(s["connectorId"], s["status"], s["errorCode"]) for s in statuses[:3]] == [
        (0, "Available", "NoError"),
        (1, "Available", "NoError"),
        (2, "Available", "NoError"),
    ]
    # Nothing but the boot before the boot was answered, then statuses, then heartbeats.
    assert peer.record.actions()[:4] == ["BootNotification"] + ["StatusNotification"] * 3
    assert len(peer.calls("Heartbeat")) >= 3
    assert charger.boot_status == "Accepted" and charger.boot_count == 1
    assert charger.heartbeat_interval == 1  # taken from the boot answer
    assert charger.connector_status == {0: "Available", 1: "Available", 2: "Available"}
    assert charger.connect_count == 1


async def test_v201_boots_reports_evses_and_heartbeats(
    csms: CsmsServer, start_charger: StartCharger
) -> None:
    csms.behaviour.heartbeat_interval = 1
    charger = await start_charger("CS-1", protocol="ocpp2.0.1", connectors=2)
    peer = await csms.peer("CS-1")
    await charger.wait_until(lambda c: c.heartbeat_count >= 3, timeout=5)

    (boot,) = peer.calls("BootNotification")
    assert boot["reason"] == "PowerUp"
    assert boot["chargingStation"] == {
        "model": "SimCharger-22",
        "vendorName": "ocpp-tui",
        "serialNumber": "SIM-000001",
        "firmwareVersion": "1.4.2",
    }
    statuses = peer.calls("StatusNotification")[:2]
    assert [(s["evseId"], s["connectorId"], s["connectorStatus"]) for s in statuses] == [
        (1, 1, "Available"),
        (2, 1, "Available"),
    ]
    assert charger.device_model is not None
    assert charger.device_model.actual("OCPPCommCtrlr", "HeartbeatInterval") == "1"


async def test_pending_and_rejected_boots_are_retried_after_the_interval(
    csms: CsmsServer, start_charger: StartCharger
) -> None:
    csms.behaviour.boot_statuses = ["Rejected", "Pending"]
    csms.behaviour.retry_interval = 2  # 100 ms at speedup 20
    charger = await start_charger("CP-1")
    peer = await csms.peer("CP-1")
    await peer.wait_for("StatusNotification", count=3)

    # Only BootNotifications until one is accepted.
    assert peer.record.actions()[:4] == ["BootNotification"] * 3 + ["StatusNotification"]
    assert charger.boot_status == "Accepted"
    assert charger.sent_actions["BootNotification"] == 3


async def test_pending_charger_answers_the_csms_and_boots_when_triggered(
    csms: CsmsServer, start_charger: StartCharger
) -> None:
    csms.behaviour.boot_statuses = ["Pending"]
    csms.behaviour.retry_interval = 3_600  # far beyond the test: only a trigger ends Pending
    charger = await start_charger("CP-1", booted=False)
    peer = await csms.peer("CP-1")
    await charger.wait_until(lambda c: c.boot_status == "Pending", timeout=5)

    configuration = await peer.call(call.GetConfiguration(key=["NumberOfConnectors"]))
    assert configuration.configuration_key[0]["value"] == "2"
    # Pending: configuring is fine, charging is not.
    refused = await peer.call(call.RemoteStartTransaction(id_tag="TAG", connector_id=1))
    assert refused.status == "Rejected"
    assert not charger.booted and peer.record.actions() == ["BootNotification"]

    trigger = await peer.call(call.TriggerMessage(requested_message="BootNotification"))
    assert trigger.status == "Accepted"
    await charger.wait_until(lambda c: c.booted, timeout=5)
    await peer.wait_for("StatusNotification", count=3)
    assert peer.record.actions()[:2] == ["BootNotification", "BootNotification"]


async def test_v201_pending_boot_is_retried(csms: CsmsServer, start_charger: StartCharger) -> None:
    csms.behaviour.boot_statuses = ["Pending"]
    charger = await start_charger("CS-1", protocol="ocpp2.0.1")
    peer = await csms.peer("CS-1")
    assert len(peer.calls("BootNotification")) == 2
    # While Pending a triggered BootNotification is allowed; once Accepted it is refused.
    refused = await peer.call(call201.TriggerMessage(requested_message="BootNotification"))
    assert refused.status == "Rejected"
    assert charger.boot_count == 1
