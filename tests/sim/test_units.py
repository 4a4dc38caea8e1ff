"""Pure parts of the simulator: options, URLs, the 1.6 key table, the device model, the meter."""

from __future__ import annotations

import itertools

import pytest

from ocpptui.sim import SimulatorOptions, identity_from_url
from ocpptui.sim.config_v16 import ConfigurationV16
from ocpptui.sim.device_model import build_device_model
from ocpptui.sim.meter import DEFAULT_SAMPLED, Meter


def test_identity_is_the_percent_decoded_last_path_segment() -> None:
    assert identity_from_url("ws://127.0.0.1:9000/CP-1") == "CP-1"
    assert identity_from_url("wss://csms.example/ocpp/RDAM%20123/") == "RDAM 123"
    for bad in ("http://host/CP-1", "ws://host/", "ws://host/a%3Ab"):
        with pytest.raises(ValueError):
            identity_from_url(bad)


def test_options_are_checked() -> None:
    with pytest.raises(ValueError, match="protocol"):
        SimulatorOptions(protocol="ocpp1.5")
    with pytest.raises(ValueError, match="model"):
        SimulatorOptions(model="M" * 21)
    with pytest.raises(ValueError, match="connectors"):
        SimulatorOptions(connectors=0)
    with pytest.raises(ValueError, match="speedup"):
        SimulatorOptions(speedup=0)
    assert SimulatorOptions(speedup=4).scaled(60) == 15


def test_v16_key_table_types_and_flags() -> None:
    config = ConfigurationV16(SimulatorOptions(connectors=3))
    table = {key.name: key for key in config.keys()}
    for readonly in (
        "NumberOfConnectors",
        "GetConfigurationMaxKeys",
        "SupportedFeatureProfiles",
        "LocalAuthListMaxLength",
        "SendLocalListMaxLength",
        "ChargeProfileMaxStackLevel",
        "SupportedFileTransferProtocols",
    ):
        assert table[readonly].readonly, readonly
    assert table["NumberOfConnectors"].value == "3"
    assert table["SupportedFileTransferProtocols"].value == "FTP,HTTP"
    assert len(table) <= int(table["GetConfigurationMaxKeys"].value)

    assert config.change("heartbeatinterval", "120") == "Accepted"  # keys are case-insensitive
    assert config.get_int("HeartbeatInterval") == 120
    assert config.change("HeartbeatInterval", "-5") == "Rejected"
    assert config.change("HeartbeatInterval", "1.5") == "Rejected"
    assert config.change("LocalPreAuthorize", "TRUE") == "Accepted"
    assert config.get("LocalPreAuthorize") == "true"
    assert config.change("LocalPreAuthorize", "yes") == "Rejected"
    assert (
        config.change("MeterValuesSampledData", "Energy.Active.Import.Register,SoC") == "Accepted"
    )
    assert config.change("MeterValuesSampledData", "Energy.Bogus") == "Rejected"
    too_many = ",".join(["Voltage"] * 9)  # MeterValuesSampledDataMaxLength is 8
    assert config.change("MeterValuesSampledData", too_many) == "Rejected"
    assert config.change("ConnectorPhaseRotation", "0.RST,1.RTS,2.NotApplicable") == "Accepted"
    assert config.change("ConnectorPhaseRotation", "1.XYZ") == "Rejected"
    assert config.change("NumberOfConnectors", "4") == "Rejected"
    assert config.change("NoSuchKey", "1") == "NotSupported"

    assert config.change("WebSocketPingInterval", "45") == "RebootRequired"
    assert config.get("WebSocketPingInterval") == "30"
    config.apply_pending()
    assert config.get("WebSocketPingInterval") == "45"


def test_v16_get_configuration_reports_unknown_keys() -> None:
    config = ConfigurationV16(SimulatorOptions())
    everything, unknown = config.get_configuration(None)
    assert len(everything) == len(config.keys()) and unknown == []
    some, unknown = config.get_configuration(["HeartbeatInterval", "Nope"])
    assert [entry["key"] for entry in some] == ["HeartbeatInterval"]
    assert unknown == ["Nope"]


def test_device_model_get_set_and_reports() -> None:
    model = build_device_model(SimulatorOptions(protocol="ocpp2.0.1", connectors=2), "CS-1")
    comm = {"name": "OCPPCommCtrlr"}
    assert model.get(comm, {"name": "HeartbeatInterval"}, None).value == "300"
    assert model.get(comm, {"name": "HeartbeatInterval"}, "Target").status == (
        "NotSupportedAttributeType"
    )
    assert model.get({"name": "Nope"}, {"name": "X"}, None).status == "UnknownComponent"
    assert model.get(comm, {"name": "Nope"}, None).status == "UnknownVariable"
    # An EVSE component is addressed with its evse id.
    assert model.get({"name": "EVSE"}, {"name": "Power"}, None).status == "UnknownComponent"
    evse = {"name": "EVSE", "evse": {"id": 2}}
    assert model.get(evse, {"name": "Power"}, "MaxSet").value == "22080.0"

    assert model.set(comm, {"name": "HeartbeatInterval"}, None, "0").reason == "ValueTooLow"
    assert model.set(comm, {"name": "HeartbeatInterval"}, None, "x").reason == "InvalidValue"
    assert model.set(comm, {"name": "HeartbeatInterval"}, None, "30").status == "Accepted"
    assert model.actual("OCPPCommCtrlr", "HeartbeatInterval") == "30"
    assert model.set({"name": "ChargingStation"}, {"name": "Model"}, None, "X").status == (
        "Rejected"
    )
    tx_start = {"name": "TxStartPoint"}
    assert model.set({"name": "TxCtrlr"}, tx_start, None, "EVConnected,Bogus").status == (
        "Rejected"
    )
    assert model.set({"name": "TxCtrlr"}, tx_start, None, "EVConnected,Authorized").status == (
        "Accepted"
    )

    full = model.base_report("FullInventory")
    configuration = model.base_report("ConfigurationInventory")
    summary = model.base_report("SummaryInventory")
    assert full is not None and configuration is not None and summary is not None
    assert len(summary) < len(configuration) < len(full) == len(model.variables)
    assert model.base_report("Nonsense") is None
    # A WriteOnly value is never reported.
    password = next(e for e in full if e["variable"]["name"] == "BasicAuthPassword")
    assert password["variable_attribute"][0]["value"] is None

    selected = model.custom_report(
        [{"component": {"name": "EVSE", "evse": {"id": 1}}, "variable": {"name": "Power"}}], None
    )
    assert [e["variable"]["name"] for e in selected] == ["Power"]
    assert model.custom_report(None, ["Problem"]) == []


def test_meter_energy_integrates_reported_power() -> None:
    now = [0.0]
    meter = Meter(register_wh=1_000, phases=3, max_current_a=32, speedup=1, clock=lambda: now[0])
    meter.start_charging()
    readings = []
    for _ in range(5):
        samples = meter.read(DEFAULT_SAMPLED.split(","))
        readings.append({(s.measurand, s.phase): s.value for s in samples})
        now[0] += 360.0  # a tenth of an hour between readings
    for earlier, later in itertools.pairwise(readings):
        expected = earlier[("Power.Active.Import", None)] * 0.1
        delta = (
            later[("Energy.Active.Import.Register", None)]
            - earlier[("Energy.Active.Import.Register", None)]
        )
        assert abs(delta - expected) <= 1.0
        # Power is the sum over phases of voltage times current, near what is offered.
        assert 20_000 < earlier[("Power.Active.Import", None)] < 22_500
        assert 29 < earlier[("Current.Import", "L2")] <= 32
        assert 225 < earlier[("Voltage", "L3-N")] < 235
    meter.stop_charging()
    idle = {s.measurand: s.value for s in meter.read(["Power.Active.Import"])}
    assert idle["Power.Active.Import"] == 0
