"""OCPP 2.0.1 GetBaseReport / GetReport / GetVariables / SetVariables over the wire."""

from __future__ import annotations

from typing import Any

import pytest
from ocpp.exceptions import OCPPError
from ocpp.v201 import call

from tests.sim.csms_peer import CsmsServer
from tests.sim.helpers import StartCharger


def item(component: str, variable: str, **extra: Any) -> dict[str, Any]:
    """A GetVariableData/SetVariableData entry (snake_case, as the library takes it)."""
    data: dict[str, Any] = {"component": {"name": component}, "variable": {"name": variable}}
    if "evse" in extra:
        data["component"]["evse"] = extra.pop("evse")
    if "instance" in extra:
        data["variable"]["instance"] = extra.pop("instance")
    data.update(extra)
    return data


async def test_full_inventory_arrives_as_a_multi_part_notify_report(
    csms: CsmsServer, start_charger: StartCharger
) -> None:
    charger = await start_charger("CS-1", protocol="ocpp2.0.1", report_chunk_size=7)
    peer = await csms.peer("CS-1")

    answer = await peer.call(call.GetBaseReport(request_id=42, report_base="FullInventory"))
    assert answer.status == "Accepted"
    parts = await peer.wait_for("NotifyReport", lambda p: not p.get("tbc", False))
    parts = peer.calls("NotifyReport")
    assert charger.device_model is not None
    total = len(charger.device_model.variables)
    assert len(parts) == -(-total // 7) > 1
    assert [p["seqNo"] for p in parts] == list(range(len(parts)))
    assert [p["tbc"] for p in parts] == [True] * (len(parts) - 1) + [False]
    assert {p["requestId"] for p in parts} == {42}
    assert len({p["generatedAt"] for p in parts}) == 1
    entries = [entry for p in parts for entry in p["reportData"]]
    assert len(entries) == total
    heartbeat = next(e for e in entries if e["variable"]["name"] == "HeartbeatInterval")
    assert heartbeat["component"] == {"name": "OCPPCommCtrlr"}
    assert heartbeat["variableAttribute"][0]["mutability"] == "ReadWrite"
    assert heartbeat["variableCharacteristics"]["dataType"] == "integer"
    assert heartbeat["variableCharacteristics"]["unit"] == "s"
    power = next(
        e for e in entries if e["variable"]["name"] == "Power" and e["component"]["name"] == "EVSE"
    )
    assert {a["type"] for a in power["variableAttribute"]} == {"Actual", "MaxSet"}
    assert power["component"]["evse"] == {"id": 1}


async def test_configuration_and_summary_inventories(
    csms: CsmsServer, start_charger: StartCharger
) -> None:
    await start_charger("CS-1", protocol="ocpp2.0.1", report_chunk_size=500)
    peer = await csms.peer("CS-1")

    answer = await peer.call(call.GetBaseReport(request_id=1, report_base="ConfigurationInventory"))
    assert answer.status == "Accepted"
    (configuration,) = await peer.wait_for("NotifyReport", lambda p: p["requestId"] == 1)
    for entry in configuration["reportData"]:
        assert any(a.get("mutability") != "ReadOnly" for a in entry["variableAttribute"]), entry

    answer = await peer.call(call.GetBaseReport(request_id=2, report_base="SummaryInventory"))
    (summary,) = await peer.wait_for("NotifyReport", lambda p: p["requestId"] == 2)
    names = {e["variable"]["name"] for e in summary["reportData"]}
    assert names <= {"AvailabilityState", "Available", "Problem"}
    assert len(summary["reportData"]) < len(configuration["reportData"])

    # A report base outside the enumeration never reaches the handler: schema CallError.
    with pytest.raises(OCPPError):
        await peer.call(
            call.GetBaseReport(request_id=3, report_base="Bogus"),
            suppress=False,
            skip_schema_validation=True,
        )

    custom = await peer.call(
        call.GetReport(
            request_id=4,
            component_variable=[{"component": {"name": "ClockCtrlr"}}],
        )
    )
    assert custom.status == "Accepted"
    (clock,) = await peer.wait_for("NotifyReport", lambda p: p["requestId"] == 4)
    assert {e["variable"]["name"] for e in clock["reportData"]} == {
        "DateTime",
        "TimeSource",
        "TimeZone",
    }
    nothing = await peer.call(call.GetReport(request_id=5, component_criteria=["Problem"]))
    assert nothing.status == "EmptyResultSet"


async def test_get_variables_every_result_status(
    csms: CsmsServer, start_charger: StartCharger
) -> None:
    await start_charger("CS-1", protocol="ocpp2.0.1")
    peer = await csms.peer("CS-1")

    answer = await peer.call(
        call.GetVariables(
            get_variable_data=[
                item("OCPPCommCtrlr", "HeartbeatInterval"),
                item("NoSuchCtrlr", "HeartbeatInterval"),
                item("OCPPCommCtrlr", "NoSuchVariable"),
                item("OCPPCommCtrlr", "HeartbeatInterval", attribute_type="Target"),
                item("SecurityCtrlr", "BasicAuthPassword"),
                item("DeviceDataCtrlr", "ItemsPerMessage", instance="GetVariables"),
                item("EVSE", "AvailabilityState", evse={"id": 2}),
                item("SimChargerCtrlr", "LedBrightness", attribute_type="MaxSet"),
            ]
        )
    )
    results = answer.get_variable_result
    assert [r["attribute_status"] for r in results] == [
        "Accepted",
        "UnknownComponent",
        "UnknownVariable",
        "NotSupportedAttributeType",
        "Rejected",  # WriteOnly
        "Accepted",
        "Accepted",
        "Accepted",
    ]
    assert results[0]["attribute_value"] == "60"  # from the CSMS's boot answer
    assert "attribute_value" not in results[1]
    assert results[4]["attribute_status_info"]["reason_code"] == "WriteOnly"
    assert results[5]["attribute_value"] == "20"
    assert results[5]["variable"] == {"name": "ItemsPerMessage", "instance": "GetVariables"}
    assert results[6]["attribute_value"] == "Available"
    assert results[7]["attribute_value"] == "100"

    too_many = [item("OCPPCommCtrlr", "HeartbeatInterval")] * 21
    with pytest.raises(OCPPError) as refused:
        await peer.call(call.GetVariables(get_variable_data=too_many), suppress=False)
    assert refused.value.code == "OccurrenceConstraintViolation"


async def test_set_variables_every_result_status_and_live_effect(
    csms: CsmsServer, start_charger: StartCharger
) -> None:
    csms.behaviour.heartbeat_interval = 3_600
    charger = await start_charger("CS-1", protocol="ocpp2.0.1")
    peer = await csms.peer("CS-1")

    def setting(component: str, variable: str, value: str, **extra: Any) -> dict[str, Any]:
        return item(component, variable, attribute_value=value, **extra)

    answer = await peer.call(
        call.SetVariables(
            set_variable_data=[
                setting("OCPPCommCtrlr", "HeartbeatInterval", "1"),
                setting("ChargingStation", "Model", "Other"),  # read-only
                setting("OCPPCommCtrlr", "HeartbeatInterval", "0", attribute_type="Target"),
                setting("SampledDataCtrlr", "TxUpdatedInterval", "99999"),  # above maxLimit
                setting("SimChargerCtrlr", "DisplayLanguage", "tlh"),  # not in valuesList
                setting("AuthCtrlr", "Enabled", "perhaps"),  # not a boolean
                setting("OCPPCommCtrlr", "WebSocketPingInterval", "60"),
                setting("NoSuchCtrlr", "Enabled", "true"),
                setting("AuthCtrlr", "NoSuchVariable", "true"),
                setting("SimChargerCtrlr", "LedBrightness", "40", attribute_type="Target"),
                setting("SecurityCtrlr", "BasicAuthPassword", "s3cret-pass-word"),
            ]
        )
    )
    results = answer.set_variable_result
    assert [r["attribute_status"] for r in results] == [
        "Accepted",
        "Rejected",
        "NotSupportedAttributeType",
        "Rejected",
        "Rejected",
        "Rejected",
        "RebootRequired",
        "UnknownComponent",
        "UnknownVariable",
        "Accepted",
        "RebootRequired",
    ]
    reasons = [r.get("attribute_status_info", {}).get("reason_code") for r in results]
    assert reasons[1:6] == ["ReadOnly", None, "ValueTooHigh", "InvalidValue", "InvalidValue"]

    # HeartbeatInterval applies at once, without a reconnect.
    await charger.wait_until(lambda c: c.heartbeat_count >= 3, timeout=3)
    assert charger.connect_count == 1
    read_back = await peer.call(
        call.GetVariables(
            get_variable_data=[
                item("OCPPCommCtrlr", "WebSocketPingInterval"),
                item("SimChargerCtrlr", "LedBrightness", attribute_type="Target"),
            ]
        )
    )
    assert [r["attribute_value"] for r in read_back.get_variable_result] == ["30", "40"]
