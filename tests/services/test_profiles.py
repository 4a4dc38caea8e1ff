"""Profiles: parse errors, diff against a simulated charger, apply with verification."""

from __future__ import annotations

from pathlib import Path

import pytest

from ocpptui.core.configuration import read_configuration
from ocpptui.core.device_model import get_base_report
from ocpptui.core.hub import Hub
from ocpptui.services.profiles import (
    DiffState,
    ProfileError,
    apply_profile,
    diff_profile,
    export_configuration_json,
    parse_profile,
    profile_from_session,
)

PROFILE_16 = """
[profile]
name = "Car park A"
vendor = "ocpp-*"

[ocpp16]
HeartbeatInterval = 120
MeterValueSampleInterval = "30"
NumberOfConnectors = 4
LocalPreAuthorize = false
"""

PROFILE_201 = """
[profile]
name = "Car park A (2.0.1)"

[ocpp201]
"OCPPCommCtrlr.HeartbeatInterval" = 120
"ChargingStation.VendorName" = "Other"
"""


def test_profile_values_become_ocpp_strings() -> None:
    profile = parse_profile(PROFILE_16)
    assert profile.values_16 == {
        "HeartbeatInterval": "120",
        "MeterValueSampleInterval": "30",
        "NumberOfConnectors": "4",
        "LocalPreAuthorize": "false",
    }
    assert profile.matches("ocpp-tui", "anything")
    assert not profile.matches("ABB", "Terra")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[ocpp16]\nHeartbeatInterval = "soon"\n', ":2: HeartbeatInterval: must be a whole number"),
        ('[ocpp201]\n"NoDot" = 1\n', ":2: NoDot: 'NoDot' is not Component.Variable"),
        ("[weird]\na = 1\n", "unknown section [weird]"),
        ('[profile]\nname = "x"\n', "no [ocpp16] or [ocpp201] values"),
        ("[ocpp16\n", "Expected ']'"),
    ],
)
def test_profile_errors_name_the_line(text: str, message: str) -> None:
    with pytest.raises(ProfileError) as caught:
        parse_profile(text, Path("site.toml"))
    assert message in str(caught.value)
    assert str(caught.value).startswith("site.toml")


async def test_diff_and_apply_16(hub: Hub, start_sim) -> None:
    charger = await start_sim("CP-1")
    session = hub.session_for("CP-1")
    await read_configuration(session)
    profile = parse_profile(PROFILE_16)
    states = {line.key: line.state for line in diff_profile(profile, session)}
    assert states["HeartbeatInterval"] is DiffState.DIFFERS
    assert states["NumberOfConnectors"] is DiffState.READ_ONLY
    assert states["LocalPreAuthorize"] is DiffState.SAME  # the simulator's default is false

    report = await apply_profile(session, profile)
    lines = {line.key: line for line in report.lines}
    assert lines["HeartbeatInterval"].status == "Accepted"
    assert lines["HeartbeatInterval"].after == "120"  # verified by a fresh read
    assert lines["NumberOfConnectors"].status == "skipped"
    assert lines["LocalPreAuthorize"].status == "unchanged"  # only differences are sent
    assert charger.configuration["HeartbeatInterval"] == "120"
    assert charger.configuration["MeterValueSampleInterval"] == "30"
    assert not report.ok  # the read-only conflict keeps the profile from passing


async def test_apply_201_sends_only_differences(hub: Hub, start_sim) -> None:
    charger = await start_sim("CP-2", protocol="ocpp2.0.1")
    session = hub.session_for("CP-2")
    await get_base_report(session, "FullInventory", timeout=10)
    report = await apply_profile(session, parse_profile(PROFILE_201))
    lines = {line.key: line for line in report.lines}
    assert lines["OCPPCommCtrlr.HeartbeatInterval"].status == "Accepted"
    assert lines["OCPPCommCtrlr.HeartbeatInterval"].after == "120"
    assert lines["ChargingStation.VendorName"].status == "skipped"  # read-only conflict
    assert charger.heartbeat_interval == 120


async def test_save_current_configuration_as_profile_round_trips(hub: Hub, start_sim) -> None:
    await start_sim("CP-1")
    session = hub.session_for("CP-1")
    await read_configuration(session)
    text = profile_from_session(session, "Saved from CP-1")
    profile = parse_profile(text)
    assert profile.name == "Saved from CP-1"
    assert "NumberOfConnectors" not in profile.values_16  # read-only keys are not desired values
    assert all(line.state is DiffState.SAME for line in diff_profile(profile, session))
    exported = export_configuration_json(session)
    assert '"readonly": true' in exported and '"NumberOfConnectors"' in exported
