"""Configuration paths against the real simulator: 1.6 keys and the 2.0.1 device model."""

from __future__ import annotations

import pytest

from ocpptui.core.configuration import change_configuration, check_change, read_configuration
from ocpptui.core.device_model import (
    VariableRef,
    get_base_report,
    get_variables,
    point_to_csms,
    set_variables,
)
from ocpptui.core.hub import Hub


async def test_read_all_keys_16(hub: Hub, start_sim) -> None:
    await start_sim("CP-1")
    session = hub.session_for("CP-1")
    table = await read_configuration(session)
    assert table.method == "all keys"
    assert table.entries["HeartbeatInterval"].value is not None
    assert table.entries["NumberOfConnectors"].readonly
    assert table.entries["NumberOfConnectors"].info is not None  # from the key table
    assert not table.entries["HeartbeatInterval"].readonly


async def test_read_selected_keys_reports_unknown_ones(hub: Hub, start_sim) -> None:
    await start_sim("CP-1")
    session = hub.session_for("CP-1")
    table = await read_configuration(session, ["HeartbeatInterval", "NoSuchKey"])
    assert "HeartbeatInterval" in table.entries
    assert "NoSuchKey" in table.unknown_keys


async def test_change_configuration_accepted_and_read_back(hub: Hub, start_sim) -> None:
    charger = await start_sim("CP-1")
    session = hub.session_for("CP-1")
    result = await change_configuration(session, "MeterValueSampleInterval", "17")
    assert result.status == "Accepted"
    assert result.confirmed_value == "17" and result.confirmed
    assert charger.configuration["MeterValueSampleInterval"] == "17"


@pytest.mark.parametrize(
    ("key", "value", "status"),
    [
        ("NumberOfConnectors", "5", "Rejected"),  # read-only
        ("NoSuchKey", "1", "NotSupported"),
        ("HeartbeatInterval", "soon", "Rejected"),  # not a number
    ],
)
async def test_change_configuration_refusals(
    hub: Hub, start_sim, key: str, value: str, status: str
) -> None:
    await start_sim("CP-1")
    session = hub.session_for("CP-1")
    result = await change_configuration(session, key, value)
    assert result.status == status
    assert not result.ok


async def test_reboot_required_is_reported(hub: Hub, start_sim) -> None:
    await start_sim("CP-1")
    session = hub.session_for("CP-1")
    result = await change_configuration(session, "WebSocketPingInterval", "45")
    assert result.status == "RebootRequired"
    assert result.ok


async def test_local_checks_before_sending(hub: Hub, start_sim) -> None:
    await start_sim("CP-1")
    session = hub.session_for("CP-1")
    table = await read_configuration(session)
    assert "read-only" in check_change(table, "NumberOfConnectors", "3")
    assert "whole number" in check_change(table, "HeartbeatInterval", "x")
    assert check_change(table, "HeartbeatInterval", "30") is None


async def test_base_report_collects_every_part(hub: Hub, start_sim) -> None:
    charger = await start_sim("CP-2", protocol="ocpp2.0.1", report_chunk_size=4)
    session = hub.session_for("CP-2")
    model = await get_base_report(session, "FullInventory", timeout=10)
    assert model.complete and model.parts > 1
    heartbeat = model.find("OCPPCommCtrlr", "HeartbeatInterval")
    assert heartbeat is not None
    assert heartbeat.attributes["Actual"].value == str(charger.heartbeat_interval)
    vendor = model.find("ChargingStation", "VendorName")
    assert vendor is not None and not vendor.attributes["Actual"].writable
    assert len(model.components()) >= 5


async def test_get_and_set_variables_statuses(hub: Hub, start_sim) -> None:
    await start_sim("CP-2", protocol="ocpp2.0.1")
    session = hub.session_for("CP-2")
    await get_base_report(session, "FullInventory", timeout=10)
    read = await get_variables(
        session,
        [
            VariableRef("OCPPCommCtrlr", "HeartbeatInterval"),
            VariableRef("NoSuchCtrlr", "X"),
            VariableRef("OCPPCommCtrlr", "NoSuchVariable"),
        ],
    )
    assert [r.status for r in read] == ["Accepted", "UnknownComponent", "UnknownVariable"]
    results = await set_variables(
        session,
        [
            (VariableRef("OCPPCommCtrlr", "HeartbeatInterval"), "42", "Actual"),
            (VariableRef("ChargingStation", "VendorName"), "x", "Actual"),
        ],
    )
    by_label = {r.ref.label: r for r in results}
    assert by_label["OCPPCommCtrlr.HeartbeatInterval"].status == "Accepted"
    assert by_label["OCPPCommCtrlr.HeartbeatInterval"].confirmed_value == "42"
    assert by_label["ChargingStation.VendorName"].status == "Rejected"


async def test_point_charger_at_its_real_csms(hub: Hub, start_sim) -> None:
    await start_sim("CP-2", protocol="ocpp2.0.1")
    session = hub.session_for("CP-2")
    await get_base_report(session, "FullInventory", timeout=10)
    steps = await point_to_csms(session, "wss://csms.example.com/ocpp", slot=2, security_profile=2)
    assert steps[0] == "SetNetworkProfile slot 2: Accepted"
    assert steps[1].startswith("NetworkConfigurationPriority = 2")
    assert steps[1].endswith("Accepted")


def test_variable_reference_syntax() -> None:
    ref = VariableRef.parse("EVSE[main]@1/2.Power[max]")
    assert (ref.component, ref.component_instance, ref.evse_id, ref.connector_id) == (
        "EVSE",
        "main",
        1,
        2,
    )
    assert (ref.variable, ref.variable_instance) == ("Power", "max")
    assert VariableRef.parse(ref.label) == ref
    with pytest.raises(ValueError):
        VariableRef.parse("NoDot")
