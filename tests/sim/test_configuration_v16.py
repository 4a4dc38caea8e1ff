"""OCPP 1.6 GetConfiguration / ChangeConfiguration over the wire."""

from __future__ import annotations

import pytest
from ocpp.exceptions import OCPPError
from ocpp.v16 import call

from tests.sim.csms_peer import CsmsServer
from tests.sim.helpers import StartCharger


async def test_get_configuration_all_some_and_unknown_keys(
    csms: CsmsServer, start_charger: StartCharger
) -> None:
    charger = await start_charger("CP-1", connectors=3)
    peer = await csms.peer("CP-1")

    everything = await peer.call(call.GetConfiguration())
    table = {entry["key"]: entry for entry in everything.configuration_key}
    assert table["NumberOfConnectors"] == {
        "key": "NumberOfConnectors",
        "readonly": True,
        "value": "3",
    }
    assert table["HeartbeatInterval"]["readonly"] is False
    assert table["SupportedFileTransferProtocols"]["value"] == "FTP,HTTP"
    assert "SimChargerMaxCurrent" in table  # a vendor key
    assert everything.unknown_key is None
    empty_list = await peer.call(call.GetConfiguration(key=[]))
    assert len(empty_list.configuration_key) == len(table)

    some = await peer.call(call.GetConfiguration(key=["MeterValueSampleInterval", "Bogus"]))
    assert [entry["key"] for entry in some.configuration_key] == ["MeterValueSampleInterval"]
    assert some.unknown_key == ["Bogus"]
    assert table.keys() == charger.configuration.keys()

    # More keys than GetConfigurationMaxKeys: the charger refuses the request.
    max_keys = int(table["GetConfigurationMaxKeys"]["value"])
    with pytest.raises(OCPPError) as refused:
        await peer.call(
            call.GetConfiguration(key=[f"K{i}" for i in range(max_keys + 1)]), suppress=False
        )
    assert refused.value.code == "OccurenceConstraintViolation"


async def test_change_configuration_answers(csms: CsmsServer, start_charger: StartCharger) -> None:
    charger = await start_charger("CP-1")
    peer = await csms.peer("CP-1")

    async def change(key: str, value: str) -> str:
        return (await peer.call(call.ChangeConfiguration(key=key, value=value))).status

    assert await change("MeterValueSampleInterval", "15") == "Accepted"
    assert await change("NumberOfConnectors", "5") == "Rejected"  # read-only
    assert await change("NoSuchKey", "1") == "NotSupported"
    assert await change("HeartbeatInterval", "soon") == "Rejected"  # not an integer
    assert await change("AuthorizeRemoteTxRequests", "maybe") == "Rejected"  # not a boolean
    assert await change("MeterValuesSampledData", "Energy.Bogus") == "Rejected"  # not allowed
    assert await change("WebSocketPingInterval", "60") == "RebootRequired"

    read = await peer.call(
        call.GetConfiguration(key=["MeterValueSampleInterval", "WebSocketPingInterval"])
    )
    values = {entry["key"]: entry["value"] for entry in read.configuration_key}
    # Accepted values apply at once; RebootRequired ones only after a reboot.
    assert values == {"MeterValueSampleInterval": "15", "WebSocketPingInterval": "30"}
    assert charger.config is not None
    assert charger.config.pending == {"WebSocketPingInterval": "60"}


async def test_heartbeat_interval_change_takes_effect_live(
    csms: CsmsServer, start_charger: StartCharger
) -> None:
    csms.behaviour.heartbeat_interval = 3_600  # no heartbeat during the test at first
    charger = await start_charger("CP-1")
    peer = await csms.peer("CP-1")
    await peer.wait_for("StatusNotification", count=3)
    assert charger.heartbeat_count == 0

    answer = await peer.call(call.ChangeConfiguration(key="HeartbeatInterval", value="1"))
    assert answer.status == "Accepted"
    await charger.wait_until(lambda c: c.heartbeat_count >= 3, timeout=3)
    assert charger.connect_count == 1  # without a reconnect
