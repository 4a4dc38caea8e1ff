"""Playbooks are checked for OCPP before the server starts (issue 17): unknown trigger
messages and actions, unknown keys, payloads against the playbook's protocol."""

from __future__ import annotations

from pathlib import Path

import pytest

from ocpptui.protocol.versions import OcppVersion
from ocpptui.services.playbook import PlaybookError, parse_playbook
from ocpptui.services.playbook_check import trigger_messages
from tests.helpers import run_cli

WAIT = '[[step]]\ndo = "wait_for_charger"\ntimeout = 60\n\n'


def _error(text: str) -> str:
    with pytest.raises(PlaybookError) as raised:
        parse_playbook(text, Path("site.toml"))
    return str(raised.value)


def test_a_misspelt_trigger_message_names_its_line_and_the_right_spelling() -> None:
    error = _error(WAIT + '[[step]]\ndo = "trigger_message"\nmessage = "StatusNotifcation"\n')
    assert error.startswith("site.toml:7: step 2: trigger_message: unknown message")
    assert "'StatusNotifcation'" in error and "did you mean StatusNotification?" in error


def test_trigger_messages_follow_the_protocol_named() -> None:
    assert "DiagnosticsStatusNotification" in trigger_messages(OcppVersion.V16)
    assert "TransactionEvent" in trigger_messages(OcppVersion.V201)
    step = '[[step]]\ndo = "trigger_message"\nmessage = "TransactionEvent"\n'
    parse_playbook(step)  # some version has it
    error = _error('protocol = "ocpp1.6"\n\n' + step)
    assert "site.toml:5:" in error and "in OCPP 1.6" in error
    assert parse_playbook('protocol = "ocpp2.0.1"\n\n' + step).protocol is OcppVersion.V201


def test_call_needs_an_action_a_csms_sends() -> None:
    error = _error(WAIT + '[[step]]\ndo = "call"\naction = "ChangeAvailabilty"\n')
    assert "site.toml:7: step 2: call: unknown action 'ChangeAvailabilty'" in error
    assert "did you mean ChangeAvailability?" in error
    error = _error('[[step]]\ndo = "call"\naction = "BootNotification"\n')
    assert "BootNotification is sent by the charger, not to it" in error


def test_a_payload_is_checked_against_the_protocols_schema() -> None:
    step = (
        '[[step]]\ndo = "call"\naction = "ChangeAvailability"\n'
        'payload = { connectorId = 1, type = "Sometimes" }\n'
    )
    parse_playbook(step)  # no protocol named: payloads are the charger's business
    error = _error('protocol = "ocpp1.6"\n' + step)
    assert error.startswith("site.toml:5: step 1: call: payload breaks the OCPP 1.6 schema")
    assert "$.type" in error and "Sometimes" in error
    good = step.replace("Sometimes", "Inoperative")
    assert parse_playbook('protocol = "ocpp1.6"\n' + good).protocol is OcppVersion.V16


def test_unknown_keys_and_protocols_are_refused() -> None:
    assert "site.toml:2: [server] prot: unknown key; did you mean port?" in _error(
        "[server]\nprot = 9000\n\n" + WAIT
    )
    assert "unknown OCPP version 'ocpp1.5'" in _error('protocol = "ocpp1.5"\n' + WAIT)
    assert "does not take timout" in _error('[[step]]\ndo = "wait_for_charger"\ntimout = 5\n')


def test_run_exits_2_at_once_without_waiting_for_a_charger(tmp_path: Path) -> None:
    path = tmp_path / "site.toml"
    path.write_text(WAIT + '[[step]]\ndo = "trigger_message"\nmessage = "StatusNotifcation"\n')
    result = run_cli(
        "run", str(path), "--host", "127.0.0.1", "--port", "0", home=tmp_path / "home", timeout=20
    )
    assert result.returncode == 2
    assert f"{path}:7: step 2: trigger_message: unknown message" in result.stdout
    assert "listening" not in result.stdout  # no server was started
