"""Remote and local transactions with realistic, consistent meter values."""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import Any

import pytest
from ocpp.v16 import call
from ocpp.v201 import call as call201

from tests.sim.csms_peer import CsmsServer
from tests.sim.helpers import StartCharger

SPEEDUP = 20.0


def seconds(timestamp: str) -> float:
    return datetime.fromisoformat(timestamp.replace("Z", "+00:00")).timestamp()


def by_measurand(sampled: list[dict[str, Any]]) -> dict[tuple[str, str | None], float]:
    return {(v["measurand"], v.get("phase")): float(v["value"]) for v in sampled}


def assert_energy_follows_power(meter_values: list[dict[str, Any]]) -> None:
    """Energy rises by the reported power times the (simulated) time between readings."""
    readings = [(seconds(mv["timestamp"]), by_measurand(mv["sampledValue"])) for mv in meter_values]
    energy = [r[("Energy.Active.Import.Register", None)] for _, r in readings]
    assert energy == sorted(energy) and energy[-1] > energy[0]
    expected = sum(
        earlier[("Power.Active.Import", None)] * (t2 - t1) * SPEEDUP / 3600
        for (t1, earlier), (t2, _) in itertools.pairwise(readings)
    )
    assert energy[-1] - energy[0] == pytest.approx(expected, rel=0.25, abs=2)


async def test_v16_remote_start_meter_values_and_remote_stop(
    csms: CsmsServer, start_charger: StartCharger
) -> None:
    charger = await start_charger("CP-1", meter_interval=1)  # a reading every 50 ms
    peer = await csms.peer("CP-1")
    await peer.wait_for("StatusNotification", count=3)

    started = await peer.call(call.RemoteStartTransaction(id_tag="TAG-1", connector_id=1))
    assert started.status == "Accepted"
    (start,) = await peer.wait_for("StartTransaction")
    assert start["connectorId"] == 1 and start["idTag"] == "TAG-1"
    assert peer.calls("Authorize") == [{"idTag": "TAG-1"}]  # AuthorizeRemoteTxRequests=true
    meter_values = await peer.wait_for("MeterValues", count=5)
    transaction = charger.transactions[1]
    assert transaction.transaction_id == 1001  # the id the CSMS gave
    assert {mv["transactionId"] for mv in meter_values} == {1001}
    statuses = [s["status"] for s in peer.calls("StatusNotification") if s["connectorId"] == 1]
    assert statuses[-2:] == ["Preparing", "Charging"]

    sampled = meter_values[0]["meterValue"][0]["sampledValue"]
    energy = next(v for v in sampled if v["measurand"] == "Energy.Active.Import.Register")
    assert energy["unit"] == "Wh" and energy["context"] == "Sample.Periodic"
    assert int(energy["value"]) >= start["meterStart"]
    assert {(v["measurand"], v.get("phase"), v.get("unit")) for v in sampled} >= {
        ("Power.Active.Import", None, "W"),
        ("Current.Import", "L1", "A"),
        ("Current.Import", "L3", "A"),
        ("Voltage", "L2-N", "V"),
    }
    assert_energy_follows_power([mv["meterValue"][0] for mv in meter_values])

    # The connector is busy and connector 3 does not exist; id 999 is no transaction.
    busy = await peer.call(call.RemoteStartTransaction(id_tag="TAG-2", connector_id=1))
    unknown = await peer.call(call.RemoteStartTransaction(id_tag="TAG-2", connector_id=3))
    assert busy.status == unknown.status == "Rejected"
    not_running = await peer.call(call.RemoteStopTransaction(transaction_id=999))
    assert not_running.status == "Rejected"

    stopped = await peer.call(call.RemoteStopTransaction(transaction_id=1001))
    assert stopped.status == "Accepted"
    (stop,) = await peer.wait_for("StopTransaction")
    assert stop["transactionId"] == 1001 and stop["reason"] == "Remote"
    assert stop["meterStop"] > start["meterStart"]
    await peer.wait_for("StatusNotification", lambda s: s["status"] == "Available", count=4)
    statuses = [s["status"] for s in peer.calls("StatusNotification") if s["connectorId"] == 1]
    assert statuses[-2:] == ["Finishing", "Available"]
    assert charger.transactions == {}
    (done,) = charger.completed_transactions
    assert done.meter_stop_wh == stop["meterStop"] and done.stop_reason == "Remote"


async def test_v16_rejected_tag_starts_nothing_and_invalid_start_is_stopped(
    csms: CsmsServer, start_charger: StartCharger
) -> None:
    csms.behaviour.invalid_tags = {"STOLEN"}
    charger = await start_charger("CP-1")
    peer = await csms.peer("CP-1")

    with pytest.raises(RuntimeError, match="not started"):
        await charger.start_local_transaction(1, "STOLEN")
    assert peer.calls("StartTransaction") == []
    assert charger.connector_status[1] == "Available"

    # With AuthorizeRemoteTxRequests off the tag is first checked at StartTransaction; the
    # CSMS refuses it there and the charger stops at once (StopTransactionOnInvalidId).
    assert charger.config is not None
    charger.config.set("AuthorizeRemoteTxRequests", "false")
    answer = await peer.call(call.RemoteStartTransaction(id_tag="STOLEN", connector_id=2))
    assert answer.status == "Accepted"
    (stop,) = await peer.wait_for("StopTransaction")
    assert stop["reason"] == "DeAuthorized"


async def test_v16_local_and_automatic_transactions(
    csms: CsmsServer, start_charger: StartCharger
) -> None:
    auto = await start_charger("CP-AUTO", auto_transaction=True, auto_id_tag="AUTO-1")
    await auto.wait_until(lambda c: 1 in c.transactions, timeout=5)
    assert auto.transactions[1].id_tag == "AUTO-1"

    charger = await start_charger("CP-1")
    peer = await csms.peer("CP-1")
    transaction = await charger.start_local_transaction(connector_id=2, id_tag="CARD-7")
    assert transaction.transaction_id is not None and charger.connector_status[2] == "Charging"
    with pytest.raises(RuntimeError, match="busy"):
        await charger.start_local_transaction(connector_id=2)
    with pytest.raises(ValueError):
        await charger.start_local_transaction(connector_id=7)
    await charger.stop_local_transaction(2)
    (stop,) = await peer.wait_for("StopTransaction")
    assert stop["reason"] == "Local" and stop["idTag"] == "CARD-7"


async def test_v201_request_start_transaction_events_and_request_stop(
    csms: CsmsServer, start_charger: StartCharger
) -> None:
    charger = await start_charger("CS-1", protocol="ocpp2.0.1", meter_interval=1)
    peer = await csms.peer("CS-1")
    await peer.wait_for("StatusNotification", count=2)

    answer = await peer.call(
        call201.RequestStartTransaction(
            id_token={"id_token": "TOKEN-9", "type": "Central"}, remote_start_id=77, evse_id=2
        )
    )
    assert answer.status == "Accepted"
    events = await peer.wait_for("TransactionEvent", count=5)
    started, updates = events[0], events[1:]
    assert started["eventType"] == "Started"
    assert started["triggerReason"] == "RemoteStart"
    assert started["transactionInfo"]["remoteStartId"] == 77
    assert started["idToken"] == {"idToken": "TOKEN-9", "type": "Central"}
    assert started["evse"] == {"id": 2, "connectorId": 1}
    assert started["meterValue"][0]["sampledValue"][0]["context"] == "Transaction.Begin"
    transaction_id = started["transactionInfo"]["transactionId"]
    assert charger.transactions[2].transaction_id == transaction_id
    occupied = [s for s in peer.calls("StatusNotification") if s["evseId"] == 2]
    assert occupied[-1]["connectorStatus"] == "Occupied"

    assert [e["seqNo"] for e in events] == list(range(len(events)))
    assert {e["eventType"] for e in updates} == {"Updated"}
    assert {e["triggerReason"] for e in updates} == {"MeterValuePeriodic"}
    assert {e["transactionInfo"]["transactionId"] for e in updates} == {transaction_id}
    energy_unit = updates[0]["meterValue"][0]["sampledValue"][0]["unitOfMeasure"]["unit"]
    assert energy_unit == "Wh"
    assert_energy_follows_power([e["meterValue"][0] for e in updates])

    refused = await peer.call(call201.RequestStopTransaction(transaction_id="no-such-tx"))
    assert refused.status == "Rejected"
    answer = await peer.call(call201.RequestStopTransaction(transaction_id=transaction_id))
    assert answer.status == "Accepted"
    (ended,) = await peer.wait_for("TransactionEvent", lambda e: e["eventType"] == "Ended")
    assert ended["triggerReason"] == "RemoteStop"
    assert ended["transactionInfo"]["stoppedReason"] == "Remote"
    assert ended["meterValue"][0]["sampledValue"][0]["context"] == "Transaction.End"
    assert ended["seqNo"] > events[-1]["seqNo"]
    await peer.wait_for(
        "StatusNotification",
        lambda s: s["evseId"] == 2 and s["connectorStatus"] == "Available",
        count=2,
    )
    assert charger.transactions == {}


async def test_v201_meter_interval_change_takes_effect_live(
    csms: CsmsServer, start_charger: StartCharger
) -> None:
    charger = await start_charger("CS-1", protocol="ocpp2.0.1", meter_interval=600)
    peer = await csms.peer("CS-1")
    await charger.start_local_transaction(1, "CARD-1")
    assert len(peer.calls("TransactionEvent")) == 1  # Started, no update for 30 s

    answer = await peer.call(
        call201.SetVariables(
            set_variable_data=[
                {
                    "component": {"name": "SampledDataCtrlr"},
                    "variable": {"name": "TxUpdatedInterval"},
                    "attribute_value": "1",
                }
            ]
        )
    )
    assert answer.set_variable_result[0]["attribute_status"] == "Accepted"
    updates = await peer.wait_for(
        "TransactionEvent", lambda e: e["eventType"] == "Updated", count=2
    )
    assert updates[0]["triggerReason"] == "MeterValuePeriodic"


async def test_v16_vendor_max_current_limits_the_meter_live(
    csms: CsmsServer, start_charger: StartCharger
) -> None:
    charger = await start_charger("CP-1", meter_interval=1)
    peer = await csms.peer("CP-1")
    await charger.start_local_transaction(1, "CARD-1")
    full = await peer.wait_for("MeterValues")
    assert by_measurand(full[0]["meterValue"][0]["sampledValue"])[("Current.Import", "L1")] > 29

    answer = await peer.call(call.ChangeConfiguration(key="SimChargerMaxCurrent", value="16"))
    assert answer.status == "Accepted"
    count = len(peer.calls("MeterValues"))
    later = await peer.wait_for("MeterValues", count=count + 2)
    limited = by_measurand(later[-1]["meterValue"][0]["sampledValue"])
    assert 14 < limited[("Current.Import", "L1")] <= 16
    assert limited[("Power.Active.Import", None)] < 11_500
    assert charger.connect_count == 1
