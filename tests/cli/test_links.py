"""The local-link command line in real subprocesses, over pty cables."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from ocpptui.core.link_supervisor import serial_supervisor
from ocpptui.sim import SimulatedCharger, SimulatorOptions
from ocpptui.transports.framing import FrameCodec, Framing
from ocpptui.transports.serial_link import SerialSettings
from tests.helpers import FAST_SIM, ROOT, cli_process, run_cli, wait_for
from tests.transports.helpers import posix_only

pytestmark = [posix_only, pytest.mark.timeout(30)]

PLAYBOOK = """
[[step]]
do = "wait_for_charger"
identity = "CP-PB"
timeout = 10

[[step]]
do = "get_configuration"
keys = ["HeartbeatInterval"]

[[step]]
do = "set_configuration"
values = { MeterValueSampleInterval = "25" }

[[step]]
do = "trigger_message"
message = "Heartbeat"
wait = true
timeout = 5
"""


def charger_behind(cable, framing: Framing = Framing.NDJSON) -> SimulatedCharger:
    return SimulatedCharger(
        options=SimulatorOptions(**{**FAST_SIM, "identity": "SIM"}),
        link_factory=cable.link_factory(FrameCodec(framing)),
    )


async def read_until(process: asyncio.subprocess.Process, marker: str) -> str:
    assert process.stdout is not None
    seen = ""
    async with asyncio.timeout(15):
        while marker not in seen:
            line = await process.stdout.readline()
            if not line:
                raise AssertionError(f"ended before {marker!r}:\n{seen}")
            seen += line.decode()
    return seen


async def test_playbook_runs_over_a_serial_port(tmp_path: Path, new_cable) -> None:
    cable = new_cable()
    (tmp_path / "pb.toml").write_text(PLAYBOOK)
    out = tmp_path / "result.json"
    async with cli_process(
        "run", str(tmp_path / "pb.toml"), "--serial", cable.slave_path, "--framing", "length",
        "--baud", "115200", "--json-out", str(out),
        home=tmp_path / "home", stderr=asyncio.subprocess.STDOUT,
    ) as process:  # fmt: skip
        charger = charger_behind(cable, Framing.LENGTH)
        task = asyncio.create_task(charger.run())
        try:
            assert process.stdout is not None
            async with asyncio.timeout(25):
                output = (await process.stdout.read()).decode()
                code = await process.wait()
        finally:
            await charger.stop()
            await task
    assert code == 0, output
    assert f"CP-PB connected from {cable.slave_path} with ocpp1.6" in output
    assert "playbook passed" in output
    result = json.loads(out.read_text())
    assert result["charger"]["identity"] == "CP-PB"  # the playbook's identity names the link
    assert [step["ok"] for step in result["steps"]] == [True] * 4
    assert charger.configuration["MeterValueSampleInterval"] == "25"


async def test_headless_serve_over_serial_prints_frames_and_stops_on_sigterm(
    tmp_path: Path, new_cable
) -> None:
    cable = new_cable()
    async with cli_process(
        "serve", "--headless", "--serial", cable.slave_path, "--identity", "CP-HL",
        "--framing", "stx", "--log-dir", str(tmp_path / "logs"), home=tmp_path / "home",
        stderr=asyncio.subprocess.STDOUT,
    ) as process:  # fmt: skip
        charger = charger_behind(cable, Framing.STX)
        task = asyncio.create_task(charger.run())
        try:
            seen = await read_until(process, "CP-HL ← RESULT BootNotification")
            assert f"-- serial {cable.slave_path}: open" in seen
            assert "CP-HL → CALL   BootNotification" in seen
            process.send_signal(signal.SIGTERM)
            async with asyncio.timeout(10):
                code = await process.wait()
        finally:
            await charger.stop()
            await task
    assert code == 0
    logs = list((tmp_path / "logs").glob("*/frames.jsonl"))
    assert len(logs) == 1 and "BootNotification" in logs[0].read_text()


def test_serve_headless_with_a_missing_port_exits_1_with_the_reason(tmp_path: Path) -> None:
    result = run_cli(
        "serve", "--headless", "--serial", str(tmp_path / "ttyNONE"), home=tmp_path / "home",
        timeout=20,
    )  # fmt: skip
    assert result.returncode == 1
    assert "does not exist: is the cable plugged in?" in result.stderr


def test_serial_without_a_port_lists_ports_and_exits_2(tmp_path: Path) -> None:
    result = run_cli("serial", home=tmp_path / "home", timeout=20)
    assert result.returncode == 2
    assert "serial ports:" in result.stdout or "no serial ports found" in result.stdout


async def test_simulate_serial_pty_serves_the_simulator_to_a_laptop_session(
    tmp_path: Path, link_hub
) -> None:
    async with cli_process(
        "simulate", "--serial", "pty", "--framing", "length", "--identity", "SIM-CLI",
        home=tmp_path / "home", stderr=asyncio.subprocess.STDOUT,
    ) as process:  # fmt: skip
        try:
            seen = await read_until(process, "serial port for the laptop:")
            port = seen.strip().splitlines()[-1].rsplit(" ", 1)[-1]
            supervisor = serial_supervisor(
                link_hub, SerialSettings(port, framing=Framing.LENGTH), identity="CP-SIM"
            )
            session = await supervisor.start()
            await wait_for(lambda: session.state.booted, timeout=10)
            assert session.state.vendor == "ocpp-tui"
            await supervisor.stop()
        finally:
            process.send_signal(signal.SIGINT)
            async with asyncio.timeout(10):
                await process.wait()


def test_simulate_needs_a_url_or_a_link(tmp_path: Path) -> None:
    result = run_cli("simulate", home=tmp_path / "home", timeout=20)
    assert result.returncode == 2
    assert "give a ws:// URL, or --serial / --ble" in result.stderr


def test_help_still_imports_no_serial_ble_or_ui_library() -> None:
    code = (
        "import sys\n"
        "from ocpptui.cli.parser import build_parser\n"
        "build_parser()\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & "
        "{'serial', 'bleak', 'bumble', 'textual'}))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert result.stdout.strip() == "[]", result.stderr


@pytest.mark.parametrize(
    "module",
    [
        "ocpptui.cli.links",
        "ocpptui.cli.simulate",
        "ocpptui.core.link_supervisor",
        "ocpptui.transports.serial_link",
        "ocpptui.transports.ble_link",
        "ocpptui.transports.ble_peripheral",
        "ocpptui.transports.pty_port",
    ],
)
def test_local_link_modules_do_not_load_the_ui(module: str) -> None:
    code = (
        f"import sys, {module}\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'textual', 'rich'}))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert result.stdout.strip() == "[]", result.stderr
