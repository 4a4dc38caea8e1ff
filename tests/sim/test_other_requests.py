"""Availability, unlocking, data transfer, local lists, reservations, charging profiles."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from ocpp.v16 import call
from ocpp.v201 import call as call201

from tests.sim.csms_peer import CsmsServer
from tests.sim.helpers import StartCharger


def in_seconds(seconds: float) -> str:
    return (datetime.now(UTC) + timedelta(seconds=seconds)).isoformat().replace("+00:00", "Z")


async def test_v16_change_availability_and_unlock(
    csms: CsmsServer, start_charger: StartCharger
) -> None:
    charger = await start_charger("CP-1")
    peer = await csms.peer("CP-1")
    await peer.wait_for("StatusNotification", count=3)

    answer = await peer.call(call.ChangeAvailability(connector_id=2, type="Inoperative"))
    assert answer.status == "Accepted"
    await peer.wait_for("StatusNotification", lambda s: s["status"] == "Unavailable")
    assert charger.connector_status[2] == "Unavailable"
    refused = await peer.call(call.RemoteStartTransaction(id_tag="T", connector_id=2))
    assert refused.status == "Rejected"
    unknown = await peer.call(call.ChangeAvailability(connector_id=5, type="Operative"))
    assert unknown.status == "Rejected"

    # With a transaction running the change waits for it to end.
    await charger.start_local_transaction(1, "CARD-1")
    answer = await peer.call(call.ChangeAvailability(connector_id=0, type="Inoperative"))
    assert answer.status == "Scheduled"
    assert charger.connector_status[0] == "Unavailable"
    unlocked = await peer.call(call.UnlockConnector(connector_id=1))
    assert unlocked.status == "Unlocked"
    (stop,) = await peer.wait_for("StopTransaction")
    assert stop["reason"] == "UnlockCommand"
    await charger.wait_until(lambda c: c.connector_status[1] == "Unavailable", timeout=3)
    assert (await peer.call(call.UnlockConnector(connector_id=9))).status == "NotSupported"

    answer = await peer.call(call.ChangeAvailability(connector_id=0, type="Operative"))
    assert answer.status == "Accepted"
    await charger.wait_until(
        lambda c: c.connector_status == {0: "Available", 1: "Available", 2: "Available"},
        timeout=3,
    )


async def test_v16_small_requests(csms: CsmsServer, start_charger: StartCharger) -> None:
    charger = await start_charger("CP-1")
    peer = await csms.peer("CP-1")

    assert (await peer.call(call.ClearCache())).status == "Accepted"
    ours = await peer.call(call.DataTransfer(vendor_id="ocpp-tui", message_id="Ping", data="x"))
    assert (ours.status, ours.data) == ("Accepted", "x")
    theirs = await peer.call(call.DataTransfer(vendor_id="com.example"))
    assert theirs.status == "UnknownVendorId"

    assert (await peer.call(call.GetLocalListVersion())).list_version == 0
    full = await peer.call(
        call.SendLocalList(
            list_version=3,
            update_type="Full",
            local_authorization_list=[
                {"id_tag": "A", "id_tag_info": {"status": "Accepted"}},
                {"id_tag": "B", "id_tag_info": {"status": "Blocked"}},
            ],
        )
    )
    assert full.status == "Accepted"
    stale = await peer.call(
        call.SendLocalList(list_version=2, update_type="Differential", local_authorization_list=[])
    )
    assert stale.status == "VersionMismatch"
    removal = await peer.call(
        call.SendLocalList(
            list_version=4, update_type="Differential", local_authorization_list=[{"id_tag": "B"}]
        )
    )
    assert removal.status == "Accepted"
    assert (await peer.call(call.GetLocalListVersion())).list_version == 4
    assert set(charger.local_auth_list.entries) == {"A"}


async def test_v16_reservations(csms: CsmsServer, start_charger: StartCharger) -> None:
    charger = await start_charger("CP-1")
    peer = await csms.peer("CP-1")
    await peer.wait_for("StatusNotification", count=3)

    reserve = call.ReserveNow(
        connector_id=1, expiry_date=in_seconds(600), id_tag="MINE", reservation_id=11
    )
    assert (await peer.call(reserve)).status == "Accepted"
    await peer.wait_for("StatusNotification", lambda s: s["status"] == "Reserved")
    other = call.ReserveNow(
        connector_id=1, expiry_date=in_seconds(600), id_tag="THEIRS", reservation_id=12
    )
    assert (await peer.call(other)).status == "Occupied"
    zero = call.ReserveNow(
        connector_id=0, expiry_date=in_seconds(600), id_tag="X", reservation_id=13
    )
    assert (await peer.call(zero)).status == "Rejected"
    # Only the holder of the reservation may start on the reserved connector.
    assert (
        await peer.call(call.RemoteStartTransaction(id_tag="THEIRS", connector_id=1))
    ).status == "Rejected"
    assert (await peer.call(call.CancelReservation(reservation_id=11))).status == "Accepted"
    assert (await peer.call(call.CancelReservation(reservation_id=11))).status == "Rejected"
    await charger.wait_until(lambda c: c.connector_status[1] == "Available", timeout=3)

    # A reservation expires on its own; then the connector is Available again.
    short = call.ReserveNow(
        connector_id=2, expiry_date=in_seconds(0.8), id_tag="SOON", reservation_id=14
    )
    assert (await peer.call(short)).status == "Accepted"
    await charger.wait_until(lambda c: c.connector_status[2] == "Reserved", timeout=3)
    await charger.wait_until(lambda c: c.connector_status[2] == "Available", timeout=3)

    # Starting with the reserved tag uses the reservation.
    reserve = call.ReserveNow(
        connector_id=1, expiry_date=in_seconds(600), id_tag="MINE", reservation_id=15
    )
    assert (await peer.call(reserve)).status == "Accepted"
    with pytest.raises(RuntimeError, match="reserved"):
        await charger.start_local_transaction(1, "SOMEONE-ELSE")
    await charger.start_local_transaction(1, "MINE")
    (start,) = await peer.wait_for("StartTransaction")
    assert start["reservationId"] == 15


async def test_v16_charging_profiles(csms: CsmsServer, start_charger: StartCharger) -> None:
    charger = await start_charger("CP-1")
    peer = await csms.peer("CP-1")

    profile = {
        "charging_profile_id": 5,
        "stack_level": 1,
        "charging_profile_purpose": "TxDefaultProfile",
        "charging_profile_kind": "Relative",
        "charging_schedule": {
            "charging_rate_unit": "A",
            "charging_schedule_period": [{"start_period": 0, "limit": 16.0}],
        },
    }
    answer = await peer.call(call.SetChargingProfile(connector_id=1, cs_charging_profiles=profile))
    assert answer.status == "Accepted"
    too_high = dict(profile, charging_profile_id=6, stack_level=99)
    answer = await peer.call(call.SetChargingProfile(connector_id=1, cs_charging_profiles=too_high))
    assert answer.status == "Rejected"
    tx_profile = dict(profile, charging_profile_id=7, charging_profile_purpose="TxProfile")
    answer = await peer.call(
        call.SetChargingProfile(connector_id=1, cs_charging_profiles=tx_profile)
    )
    assert answer.status == "Rejected"  # no transaction on connector 1

    schedule = await peer.call(call.GetCompositeSchedule(connector_id=1, duration=3600))
    assert schedule.status == "Accepted"
    assert schedule.charging_schedule["charging_schedule_period"] == [
        {"start_period": 0, "limit": 16.0}
    ]
    watts = await peer.call(
        call.GetCompositeSchedule(connector_id=2, duration=60, charging_rate_unit="W")
    )
    assert watts.charging_schedule["charging_schedule_period"][0]["limit"] == 22080.0
    assert len(charger.charging_profiles.profiles) == 1

    cleared = await peer.call(call.ClearChargingProfile(id=5))
    assert cleared.status == "Accepted"
    assert (await peer.call(call.ClearChargingProfile(id=5))).status == "Unknown"


async def test_v201_other_requests(csms: CsmsServer, start_charger: StartCharger) -> None:
    charger = await start_charger("CS-1", protocol="ocpp2.0.1")
    peer = await csms.peer("CS-1")
    await peer.wait_for("StatusNotification", count=2)

    answer = await peer.call(
        call201.ChangeAvailability(operational_status="Inoperative", evse={"id": 2})
    )
    assert answer.status == "Accepted"
    await charger.wait_until(lambda c: c.connector_status[2] == "Unavailable", timeout=3)
    answer = await peer.call(
        call201.ChangeAvailability(operational_status="Operative", evse={"id": 7})
    )
    assert answer.status == "Rejected"

    await charger.start_local_transaction(1, "CARD-1")
    unlock = await peer.call(call201.UnlockConnector(evse_id=1, connector_id=1))
    assert unlock.status == "OngoingAuthorizedTransaction"
    unknown = await peer.call(call201.UnlockConnector(evse_id=5, connector_id=1))
    assert unknown.status == "UnknownConnector"
    ongoing = await peer.call(
        call201.GetTransactionStatus(transaction_id=charger.transactions[1].transaction_id)
    )
    assert ongoing.ongoing_indicator is True and ongoing.messages_in_queue is False

    assert (await peer.call(call201.ClearCache())).status == "Accepted"
    data = await peer.call(call201.DataTransfer(vendor_id="ocpp-tui", data={"k": 1}))
    assert (data.status, data.data) == ("Accepted", {"k": 1})
    assert (await peer.call(call201.DataTransfer(vendor_id="x"))).status == "UnknownVendorId"

    sent = await peer.call(
        call201.SendLocalList(
            version_number=2,
            update_type="Full",
            local_authorization_list=[
                {
                    "id_token": {"id_token": "A", "type": "ISO14443"},
                    "id_token_info": {"status": "Accepted"},
                }
            ],
        )
    )
    assert sent.status == "Accepted"
    assert (await peer.call(call201.GetLocalListVersion())).version_number == 2

    reserve = call201.ReserveNow(
        id=3, expiry_date_time=in_seconds(600), id_token={"id_token": "R", "type": "ISO14443"}
    )
    assert (await peer.call(reserve)).status == "Rejected"  # no EVSE given: not supported
    reserve = call201.ReserveNow(
        id=3,
        expiry_date_time=in_seconds(600),
        id_token={"id_token": "R", "type": "ISO14443"},
        evse_id=2,
    )
    assert (await peer.call(reserve)).status == "Unavailable"  # EVSE 2 is inoperative

    profile = {
        "id": 9,
        "stack_level": 0,
        "charging_profile_purpose": "TxDefaultProfile",
        "charging_profile_kind": "Absolute",
        "charging_schedule": [
            {
                "id": 1,
                "charging_rate_unit": "W",
                "start_schedule": in_seconds(0),
                "charging_schedule_period": [{"start_period": 0, "limit": 11000.0}],
            }
        ],
    }
    answer = await peer.call(call201.SetChargingProfile(evse_id=0, charging_profile=profile))
    assert answer.status == "Accepted"
    schedule = await peer.call(
        call201.GetCompositeSchedule(duration=600, evse_id=1, charging_rate_unit="W")
    )
    assert schedule.status == "Accepted"
    assert schedule.schedule["charging_schedule_period"][0]["limit"] == 11000.0
    cleared = await peer.call(call201.ClearChargingProfile(charging_profile_id=9))
    assert cleared.status == "Accepted"


async def test_v201_network_profiles_and_priority(
    csms: CsmsServer, start_charger: StartCharger
) -> None:
    charger = await start_charger("CS-1", protocol="ocpp2.0.1")
    peer = await csms.peer("CS-1")
    connection = {
        "ocpp_version": "OCPP20",
        "ocpp_transport": "JSON",
        "ocpp_csms_url": "wss://csms.example.com/ocpp",
        "message_timeout": 30,
        "security_profile": 2,
        "ocpp_interface": "Wired0",
    }
    answer = await peer.call(
        call201.SetNetworkProfile(configuration_slot=2, connection_data=connection)
    )
    assert answer.status == "Accepted"
    weaker = dict(connection, security_profile=0)
    answer = await peer.call(
        call201.SetNetworkProfile(configuration_slot=1, connection_data=weaker)
    )
    assert answer.status == "Rejected"

    def priority(value: str) -> dict[str, Any]:
        return {
            "component": {"name": "OCPPCommCtrlr"},
            "variable": {"name": "NetworkConfigurationPriority"},
            "attribute_value": value,
        }

    answer = await peer.call(call201.SetVariables(set_variable_data=[priority("2,0")]))
    assert answer.set_variable_result[0]["attribute_status"] == "Accepted"
    answer = await peer.call(call201.SetVariables(set_variable_data=[priority("3,0")]))
    assert answer.set_variable_result[0]["attribute_status"] == "Rejected"  # slot 3 is empty
    assert charger.configuration["OCPPCommCtrlr.NetworkConfigurationPriority"] == "2,0"
    assert charger.network_profiles[2]["ocpp_csms_url"] == "wss://csms.example.com/ocpp"
