"""What real chargers break, reproduced by the simulator's quirks against the real mini-CSMS.

Payload quirks in both validation modes (lenient: answered, flagged with JSON path and rule,
the data kept; strict: the CallError the specification names, and the charger retries),
handshakes the server must refuse with a reason, and a charger that cannot stand pings.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

import pytest

from ocpptui.core.attempts import Outcome
from ocpptui.core.config import ValidationPolicy
from ocpptui.core.frame import Direction, Frame
from ocpptui.core.hub import Hub
from ocpptui.core.session import Session
from ocpptui.core.state import ConnectorState
from ocpptui.sim import SimulatorOptions
from ocpptui.sim.quirks import EXTRA_PROPERTY, QUIRKS, UNKNOWN_ERROR_CODE, long_serial
from tests.helpers import wait_for

V16, V201 = "ocpp1.6", "ocpp2.0.1"
SERIAL = SimulatorOptions().serial


def _connectors(session: Session) -> list[ConnectorState]:
    return [c for c in session.state.connectors.values() if c.connector_id > 0]


def _meter(session: Session, measurand: str) -> tuple[str | None, str | None] | None:
    for connector in _connectors(session):
        sample = connector.meter.get(measurand)
        if sample is not None:
            return sample.value, sample.unit
    return None


# quirk, protocol, action, violation path (regex), rule, strict CallError, what the state keeps
PAYLOAD_QUIRKS = [
    pytest.param(
        "long-serial",
        V16,
        "BootNotification",
        r"\$\.charge(Point|Box)SerialNumber",
        "maxLength",
        "PropertyConstraintViolation",
        lambda s: s.state.serial == long_serial(SERIAL),
        id="long-serial-1.6",
    ),
    pytest.param(
        "long-serial",
        V201,
        "BootNotification",
        r"\$\.chargingStation\.serialNumber",
        "maxLength",
        "PropertyConstraintViolation",
        lambda s: s.state.serial == long_serial(SERIAL),
        id="long-serial-2.0.1",
    ),
    pytest.param(
        "extra-property",
        V16,
        "BootNotification",
        r"\$",
        "additionalProperties",
        "FormationViolation",
        lambda s: s.state.boot_extra.get("macAddress") == EXTRA_PROPERTY[1],
        id="extra-property-1.6",
    ),
    pytest.param(
        "extra-property",
        V201,
        "BootNotification",
        r"\$",
        "additionalProperties",
        "FormatViolation",
        lambda s: s.state.vendor == "ocpp-tui" and s.state.serial == SERIAL,
        id="extra-property-2.0.1",
    ),
    pytest.param(
        "no-tz-timestamps",
        V16,
        "StatusNotification",
        r"\$\.timestamp",
        "format",
        "PropertyConstraintViolation",
        lambda s: any(c.status == "Available" for c in _connectors(s)),
        id="no-tz-timestamps-1.6",
    ),
    pytest.param(
        "no-tz-timestamps",
        V201,
        "StatusNotification",
        r"\$\.timestamp",
        "format",
        "PropertyConstraintViolation",
        lambda s: any(c.status == "Available" for c in _connectors(s)),
        id="no-tz-timestamps-2.0.1",
    ),
    pytest.param(
        "unknown-error-code",
        V16,
        "StatusNotification",
        r"\$\.errorCode",
        "enum",
        "PropertyConstraintViolation",
        lambda s: any(c.error_code == UNKNOWN_ERROR_CODE for c in _connectors(s)),
        id="unknown-error-code-1.6",
    ),
    pytest.param(
        "vendor-measurand",
        V16,
        "MeterValues",
        r"\$\.meterValue\[0\]\.sampledValue\[\d+\]\.unit",
        "enum",
        "PropertyConstraintViolation",
        lambda s: _meter(s, "Frequency") == ("49.98", "Hz"),
        id="vendor-measurand-1.6",
    ),
    pytest.param(
        "vendor-measurand",
        V201,
        "MeterValues",
        r"\$\.meterValue\[0\]\.sampledValue\[\d+\]\.measurand",
        "enum",
        "PropertyConstraintViolation",
        lambda s: _meter(s, "Temperature") == ("41.5", "Celsius"),
        id="vendor-measurand-2.0.1",
    ),
]


def _incoming(hub: Hub, identity: str, action: str) -> list[Frame]:
    return [
        f
        for f in hub.chargers[identity].frames
        if f.direction is Direction.IN and f.message_type == 2 and f.action == action
    ]


def _answer_to(hub: Hub, identity: str, request: Frame) -> Frame | None:
    for frame in hub.chargers[identity].frames:
        if frame.direction is Direction.OUT and frame.message_id == request.message_id:
            return frame
    return None


async def _trigger_if_needed(session: Session, action: str) -> None:
    if action != "MeterValues":
        return  # sent on its own at boot
    target: dict[str, Any] = (
        {"connectorId": 1} if session.version.value == "1.6" else {"evse": {"id": 1}}
    )
    outcome = await session.call_raw(
        "TriggerMessage", {"requestedMessage": "MeterValues", **target}, timeout=3
    )
    assert outcome.status == "Accepted"


@pytest.mark.parametrize(
    ("quirk", "protocol", "action", "path", "rule", "code", "kept"), PAYLOAD_QUIRKS
)
async def test_lenient_mode_answers_flags_and_keeps_the_data(
    hub: Hub, start_sim, quirk, protocol, action, path, rule, code, kept
) -> None:
    charger = await start_sim("CP-Q", protocol=protocol, quirks={quirk})
    session = hub.session_for("CP-Q")
    await _trigger_if_needed(session, action)

    def flagged() -> list[Frame]:
        return [f for f in _incoming(hub, "CP-Q", action) if f.violations]

    await wait_for(lambda: flagged() and _answer_to(hub, "CP-Q", flagged()[0]) is not None)
    frame = flagged()[0]
    assert any(re.fullmatch(path, v.path) and v.rule == rule for v in frame.violations), (
        frame.violations
    )
    answer = _answer_to(hub, "CP-Q", frame)
    assert answer is not None and answer.message_type == 3  # answered as if valid
    assert charger.booted and session.connected
    await wait_for(lambda: kept(session))


@pytest.mark.parametrize(
    ("quirk", "protocol", "action", "path", "rule", "code", "kept"), PAYLOAD_QUIRKS
)
async def test_strict_mode_answers_the_call_error_and_the_charger_retries(
    hub: Hub, start_sim, caplog, quirk, protocol, action, path, rule, code, kept
) -> None:
    caplog.set_level(logging.WARNING, logger="ocpptui.sim")
    hub.config.validation = ValidationPolicy.STRICT
    boot_quirk = action == "BootNotification"
    charger = await start_sim("CP-Q", protocol=protocol, quirks={quirk}, booted=not boot_quirk)
    await wait_for(lambda: hub.session_for("CP-Q") is not None)
    session = hub.session_for("CP-Q")
    await _trigger_if_needed(session, action)

    def refused() -> list[Frame]:
        answers = (_answer_to(hub, "CP-Q", f) for f in _incoming(hub, "CP-Q", action))
        return [a for a in answers if a is not None and a.message_type == 4]

    await wait_for(lambda: len(refused()) >= (2 if boot_quirk else 1))
    assert {a.error_code for a in refused()} == {code}
    # The description names the violation: its JSON path and the validator's message.
    assert re.match(path, refused()[0].error_description or "")
    assert session.invalid_calls_answered >= len(refused())
    # The charger saw the CallError (it logs it) and carries on as a real one does.
    await wait_for(
        lambda: any(f"{action} failed: {code}" in r.getMessage() for r in caplog.records)
    )
    if boot_quirk:
        # Not accepted: it keeps sending BootNotification and nothing else.
        assert not charger.booted and not session.state.booted
        assert charger.sent_actions["BootNotification"] >= 2
        assert set(charger.sent_actions) == {"BootNotification"}
    else:
        assert charger.booted and session.connected


@pytest.mark.parametrize(
    ("quirk", "offered", "reason", "advice"),
    [
        (
            "unsupported-subprotocol",
            ("ocpp1.5",),
            "offered only ocpp1.5",
            "choose OCPP 2.1 / 2.0.1 / 1.6J on the charger",
        ),
        ("no-subprotocol", (), "no subprotocol offered", "set the OCPP version"),
    ],
)
async def test_handshake_quirks_are_refused_attempts_with_the_reason(
    hub: Hub, start_sim, quirk, offered, reason, advice
) -> None:
    charger = await start_sim("CP-H", quirks={quirk}, booted=False)

    def refused() -> list:
        return [a for a in hub.attempts if a.identity == "CP-H" and a.outcome is Outcome.REFUSED]

    # Refused, and the charger keeps trying as a real one does.
    await wait_for(lambda: len(refused()) >= 2)
    attempt = refused()[0]
    assert attempt.offered == offered and attempt.chosen is None
    assert reason in attempt.reason and advice in attempt.advice
    assert charger.connect_count == 0 and not charger.connected
    assert hub.session_for("CP-H") is None


async def test_a_charger_that_drops_on_ping_stays_up_once_pings_are_off_for_it(
    hub: Hub, start_sim
) -> None:
    hub.config.ping_interval = 1
    await start_sim("CP-OK")
    charger = await start_sim("CP-PING", quirks={"drops-on-ping"})
    first = hub.session_for("CP-PING")
    await wait_for(lambda: not first.connected, timeout=5)
    assert first.close_reason
    # The technician switches pings off for this charger only (its next session keeps that).
    for session in hub.chargers["CP-PING"].sessions:
        session.ping_interval = 0
    await wait_for(lambda: charger.booted and hub.session_for("CP-PING") is not first, timeout=5)
    second = hub.session_for("CP-PING")
    for session in hub.chargers["CP-PING"].sessions:
        session.ping_interval = 0  # in case it reconnected before the switch
    connects = charger.connect_count
    await asyncio.sleep(2.5)  # two ping periods
    assert second.connected and charger.connect_count == connects == 2
    assert second.ping_rtt_ms is None
    steady = hub.session_for("CP-OK")
    assert steady.connected and steady.ping_rtt_ms is not None  # still pinged, still up


def test_quirk_options_are_checked() -> None:
    assert {"drops-on-ping", "no-notifyreport", "rejects-key-lists"} <= set(QUIRKS)
    options = SimulatorOptions(quirks=["long-serial", "long-serial"])
    assert options.quirks == frozenset({"long-serial"}) and options.has_quirk("long-serial")
    with pytest.raises(ValueError, match="unknown quirk"):
        SimulatorOptions(quirks={"sometimes-grumpy"})
    with pytest.raises(ValueError, match=r"ocpp2\.0\.1 only"):
        SimulatorOptions(protocol=V16, quirks={"rejects-getbasereport"})
    with pytest.raises(ValueError, match=r"ocpp1\.6 only"):
        SimulatorOptions(protocol=V201, quirks={"ignores-getconfiguration"})
    with pytest.raises(ValueError, match="file_transfer_protocols"):
        SimulatorOptions(file_transfer_protocols="HTTP,GOPHER")
    assert SimulatorOptions(file_transfer_protocols="ftp, https").file_transfer_protocols == (
        "FTP,HTTPS"
    )


def test_simulate_command_takes_quirks_and_names_the_known_ones(capsys) -> None:
    from ocpptui import cli

    url = "ws://127.0.0.1:9/CP-1"
    assert cli.main(["simulate", url, "--quirk", "long-serial", "--quirk", "nope"]) == 2
    error = capsys.readouterr().err
    assert "unknown quirk 'nope'" in error and "drops-on-ping" in error
    assert cli.main(["simulate", url, "--quirk", "no-notifyreport"]) == 2
    assert "ocpp2.0.1 only" in capsys.readouterr().err
    assert cli.main(["simulate", url, "--file-transfer-protocols", "SCP"]) == 2
    assert "file_transfer_protocols" in capsys.readouterr().err
