"""Reading the configuration of chargers that refuse or ignore the usual requests.

1.6: the GetConfiguration fallback chain (all keys → batches → single keys) and a clear,
bounded failure when the charger never answers. 2.0.1: the device model through GetVariables
when GetBaseReport is refused or its NotifyReport never comes.
"""

from __future__ import annotations

import time

import pytest

from ocpptui.core.configuration import (
    MAX_UNANSWERED,
    ConfigurationUnanswered,
    read_configuration,
)
from ocpptui.core.device_model import VariableRef, read_device_model
from ocpptui.core.hub import Hub
from ocpptui.protocol.keys_16 import KEYS_16
from ocpptui.protocol.standard_variables import standard_variable

# Live values that change between the charger's answer and the comparison.
_LIVE = {"ClockCtrlr.DateTime", "EVSE.Power"}


def _standard_keys(charger) -> dict[str, str]:
    return {k: v for k, v in charger.configuration.items() if k in KEYS_16}


@pytest.mark.parametrize(
    ("quirks", "method", "first_step"),
    [
        ({"rejects-empty-getconfiguration"}, "batches of 10 keys", "NotSupported"),
        (
            {"rejects-empty-getconfiguration", "rejects-key-lists"},
            "single keys",
            "NotSupported",
        ),
    ],
    ids=["batches", "single-keys"],
)
async def test_fallback_chain_reads_every_standard_key(
    hub: Hub, start_sim, quirks: set[str], method: str, first_step: str
) -> None:
    charger = await start_sim("CP-1", quirks=quirks, file_transfer_protocols="FTP")
    session = hub.session_for("CP-1")
    table = await read_configuration(session, timeout=3)
    assert table.method == method
    assert first_step in table.steps[0]
    expected = _standard_keys(charger)
    assert {k: table.value(k) for k in expected} == expected
    assert table.value("SupportedFileTransferProtocols") == "FTP"
    assert table.entries["NumberOfConnectors"].readonly
    # Vendor keys cannot be guessed: only an all-keys answer would list them.
    assert set(charger.configuration) - set(expected) - set(table.entries)


async def test_key_lists_refused_then_single_keys(hub: Hub, start_sim) -> None:
    charger = await start_sim("CP-1", quirks={"rejects-key-lists"})
    session = hub.session_for("CP-1")
    keys = ["HeartbeatInterval", "MeterValueSampleInterval", "NoSuchKey"]
    table = await read_configuration(session, keys, timeout=3)
    assert table.method == "3 keys by name, one at a time"
    assert "FormationViolation" in table.steps[0]
    assert table.value("HeartbeatInterval") == charger.configuration["HeartbeatInterval"]
    assert "NoSuchKey" in table.unknown_keys
    # Without keys, this charger answers everything at once.
    assert (await read_configuration(session, timeout=3)).method == "all keys"


async def test_a_charger_that_never_answers_fails_clearly_in_bounded_time(
    hub: Hub, start_sim
) -> None:
    charger = await start_sim("CP-1", quirks={"ignores-getconfiguration"})
    session = hub.session_for("CP-1")
    timeout = 0.3
    started = time.monotonic()
    with pytest.raises(ConfigurationUnanswered, match="never answered GetConfiguration"):
        await read_configuration(session, timeout=timeout)
    elapsed = time.monotonic() - started
    assert elapsed < MAX_UNANSWERED * timeout + 1.0
    requests = [f for f in hub.chargers["CP-1"].frames if f.action == "GetConfiguration"]
    assert len(requests) == MAX_UNANSWERED  # all keys, one batch, three single keys
    table = session.state.configuration
    assert table is not None and table.method == "no answer" and not table.entries
    assert "never answered" in table.steps[-1]
    assert charger.connected and session.connected  # everything else still works


async def test_device_model_by_get_variables_when_get_base_report_is_refused(
    hub: Hub, start_sim
) -> None:
    charger = await start_sim(
        "CP-2",
        protocol="ocpp2.0.1",
        quirks={"rejects-getbasereport"},
        file_transfer_protocols="FTP,HTTP,HTTPS",
    )
    session = hub.session_for("CP-2")
    steps: list[str] = []
    model = await read_device_model(session, timeout=2, call_timeout=3, progress=steps.append)
    assert model.method == "GetVariables fallback"
    assert model.steps[0] == "GetBaseReport FullInventory: NotSupported"
    assert steps == model.steps
    assert "ItemsPerMessage[GetVariables] = 20" in model.steps[1]
    assert model.value("OCPPCommCtrlr", "FileTransferProtocols") == "FTP,HTTP,HTTPS"
    _assert_standard_variables_read(charger, model)
    vendor = model.find("ChargingStation", "VendorName")
    assert vendor is not None and not vendor.attributes["Actual"].writable
    heartbeat = model.find("OCPPCommCtrlr", "HeartbeatInterval")
    assert heartbeat is not None and heartbeat.attributes["Actual"].writable
    assert heartbeat.data_type == "integer"
    assert model.find("SecurityCtrlr", "BasicAuthPassword") is None  # write-only: not read
    # Batched by the station's limit: no GetVariables request asked for more than 20 items.
    sizes = [
        len(f.payload["getVariableData"])
        for f in hub.chargers["CP-2"].frames
        if f.action == "GetVariables" and f.message_type == 2
    ]
    assert sizes[0] == 1 and max(sizes) == 20 and len(sizes) > 3


async def test_device_model_by_get_variables_when_notify_report_never_comes(
    hub: Hub, start_sim
) -> None:
    charger = await start_sim("CP-2", protocol="ocpp2.0.1", quirks={"no-notifyreport"})
    session = hub.session_for("CP-2")
    started = time.monotonic()
    model = await read_device_model(session, timeout=0.5, call_timeout=3)
    assert time.monotonic() - started < 3
    assert model.method == "GetVariables fallback"
    assert model.steps[0] == (
        "GetBaseReport FullInventory: Accepted, but no NotifyReport within 0.5 s"
    )
    _assert_standard_variables_read(charger, model)


async def test_device_model_by_report_when_the_station_cooperates(hub: Hub, start_sim) -> None:
    await start_sim("CP-2", protocol="ocpp2.0.1", report_chunk_size=25)
    session = hub.session_for("CP-2")
    model = await read_device_model(session, timeout=5)
    assert model.method == "GetBaseReport FullInventory" and model.complete
    assert model.find("SimChargerCtrlr", "LedBrightness") is not None  # vendor variables too


def _assert_standard_variables_read(charger, model) -> None:
    """Every readable standard variable the station has was read with its value."""
    compared = 0
    for variable in charger.device_model.variables:
        row = standard_variable(variable.component, variable.name, variable.instance)
        if row is None or not row.readable or row.label in _LIVE:
            continue
        ref = VariableRef(
            variable.component,
            variable.name,
            variable_instance=variable.instance,
            evse_id=variable.evse_id,
            connector_id=variable.connector_id,
        )
        entry = model.entries.get(ref)
        assert entry is not None, ref.label
        expected = variable.value_of(variable.attributes["Actual"])
        assert entry.attributes["Actual"].value == expected, ref.label
        compared += 1
    assert compared > 60
