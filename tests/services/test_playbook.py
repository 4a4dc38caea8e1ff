"""Playbooks: validation with line numbers, and an end-to-end run through the CLI."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from ocpptui.services.playbook import PlaybookError, load_playbook, parse_playbook
from ocpptui.sim import SimulatedCharger, SimulatorOptions
from tests.helpers import FAST_SIM, cli_process, listening_port, run_cli

PLAYBOOK = """
[server]
port = 9000

[[step]]
do = "wait_for_charger"
identity = "CP-PB"
timeout = 20

[[step]]
do = "get_configuration"
keys = ["HeartbeatInterval", "NumberOfConnectors"]

[[step]]
do = "set_configuration"
values = { MeterValueSampleInterval = "25" }

[[step]]
do = "set_configuration"
values = { NumberOfConnectors = "9" }
expect = ["Rejected"]

[[step]]
do = "apply_profile"
file = "site.toml"

[[step]]
do = "trigger_message"
message = "StatusNotification"
connector = 1
wait = true

[[step]]
do = "call"
action = "DataTransfer"
payload = { vendorId = "ocpp-tui" }
expect = { status = "Accepted" }

[[step]]
do = "wait_for_status"
connector = 1
status = "Available"
timeout = 10
"""

PROFILE = """
[profile]
name = "site"

[ocpp16]
HeartbeatInterval = 90
"""


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[step]]\ndo = "fly"\n', ":1: step 1 (line 1): unknown do = 'fly'"),
        (
            '[[step]]\ndo = "wait_for_charger"\n\n[[step]]\ndo = "call"\n',
            ":4: step 2 (line 4): call needs action",
        ),
        ('[[step]]\ndo = "sleep"\nseconds = 1\ncolour = "red"\n', "sleep does not take colour"),
        (
            '[[step]]\ndo = "wait_for_status"\nconnector = "one"\nstatus = "x"\n',
            "connector must be a whole number",
        ),
        ("[server]\nport = 9000\n", "no [[step]] entries"),
        ('[[step]\ndo = "x"', "Expected"),
    ],
)
def test_invalid_playbooks_name_line_and_reason(text: str, message: str) -> None:
    with pytest.raises(PlaybookError) as caught:
        parse_playbook(text, Path("pb.toml"))
    assert message in str(caught.value)


def test_a_playbook_saved_with_a_byte_order_mark_loads_like_a_site_sheet(tmp_path: Path) -> None:
    # Windows Notepad writes one; tomllib reads it as an invalid statement.
    path = tmp_path / "pb.toml"
    path.write_bytes(b'\xef\xbb\xbf[[step]]\ndo = "sleep"\nseconds = 1\n')
    assert [step.do for step in load_playbook(path).steps] == ["sleep"]


def test_valid_playbook_parses() -> None:
    playbook = parse_playbook(PLAYBOOK)
    assert playbook.port == 9000
    assert [s.do for s in playbook.steps][:3] == [
        "wait_for_charger",
        "get_configuration",
        "set_configuration",
    ]
    assert playbook.steps[1].line == 10


async def _run_cli(tmp_path: Path, playbook: str, identity: str) -> tuple[int, str, dict | None]:
    (tmp_path / "pb.toml").write_text(playbook)
    (tmp_path / "site.toml").write_text(PROFILE)
    out = tmp_path / "result.json"
    async with cli_process(
        "run", str(tmp_path / "pb.toml"), "--host", "127.0.0.1", "--port", "0",
        "--json-out", str(out), home=tmp_path / "home", stderr=asyncio.subprocess.STDOUT,
    ) as process:  # fmt: skip
        first, port = await listening_port(process)
        assert process.stdout is not None
        url = f"ws://127.0.0.1:{port}/{identity}"
        charger = SimulatedCharger(url, SimulatorOptions(**FAST_SIM))
        task = asyncio.create_task(charger.run())
        try:
            output = (await asyncio.wait_for(process.stdout.read(), 60)).decode()
            code = await process.wait()
        finally:
            await charger.stop()
            await task
    result = json.loads(out.read_text()) if out.exists() else None
    return code, first + output, result


async def test_playbook_runs_end_to_end_through_the_cli(tmp_path: Path) -> None:
    code, output, result = await _run_cli(tmp_path, PLAYBOOK, "CP-PB")
    assert code == 0, output
    assert "playbook passed" in output
    assert result["ok"] is True
    assert result["charger"]["identity"] == "CP-PB"
    assert result["charger"]["vendor"] == "ocpp-tui"
    assert result["charger"]["protocol"] == "ocpp1.6"
    steps = result["steps"]
    assert [s["do"] for s in steps] == [
        "wait_for_charger",
        "get_configuration",
        "set_configuration",
        "set_configuration",
        "apply_profile",
        "trigger_message",
        "call",
        "wait_for_status",
    ]
    assert all(s["ok"] for s in steps)
    assert steps[1]["response"]["configurationKey"]["NumberOfConnectors"] == "2"
    assert steps[3]["response"] == {"NumberOfConnectors": "Rejected"}
    assert steps[4]["response"]["HeartbeatInterval"]["after"] == "90"
    assert steps[6]["response"] == {"status": "Accepted"}
    assert Path(result["log"]).exists()


async def test_failing_step_gives_exit_1_and_skips_the_rest(tmp_path: Path) -> None:
    playbook = (
        '[[step]]\ndo = "wait_for_charger"\ntimeout = 20\n\n'
        '[[step]]\ndo = "set_configuration"\nvalues = { NumberOfConnectors = "9" }\n\n'
        '[[step]]\ndo = "sleep"\nseconds = 0\n'
    )
    code, output, result = await _run_cli(tmp_path, playbook, "CP-F")
    assert code == 1
    assert "expected Accepted, got NumberOfConnectors: Rejected" in output
    assert [s["ok"] for s in result["steps"]] == [True, False, False]
    assert result["steps"][2]["error"] == "skipped: an earlier step failed"
    assert [s["skipped"] for s in result["steps"]] == [False, False, True]
    assert "[3/3] sleep skipped (an earlier step failed)" in output
    assert "FAILED: skipped" not in output and "not run" not in output


def test_invalid_playbook_exits_2(tmp_path: Path) -> None:
    (tmp_path / "bad.toml").write_text('[[step]]\ndo = "dance"\n')
    result = run_cli("run", str(tmp_path / "bad.toml"), home=tmp_path / "home")
    assert result.returncode == 2
    assert "invalid playbook" in result.stdout and "unknown do = 'dance'" in result.stdout
