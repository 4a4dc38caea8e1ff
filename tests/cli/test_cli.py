"""The command line: headless server in a real subprocess, --paths, --version, bad settings."""

from __future__ import annotations

import argparse
import ast
import asyncio
import importlib
import json
import re
import signal
import subprocess
import sys
from pathlib import Path

from websockets.asyncio.client import connect

from ocpptui.cli.parser import build_parser
from tests.helpers import ROOT, cli_process, listening_port, run_cli


def test_paths_and_version(tmp_path: Path) -> None:
    result = run_cli("--paths", home=tmp_path)
    assert result.returncode == 0
    lines = dict(line.split(None, 1) for line in result.stdout.splitlines())
    assert lines["settings"] == str(tmp_path / "config" / "settings.toml")
    assert lines["sessions"] == str(tmp_path / "data" / "sessions")
    assert {"config", "data", "log", "reports", "profiles"} <= set(lines)
    version = run_cli("--version", home=tmp_path)
    assert re.fullmatch(r"ocpp-tui \d+\.\d+\.\d+\n", version.stdout)


def _after_help(expression: str) -> str:
    """`ocpp-tui --help` in a fresh interpreter, then `print(expression)`: what it printed."""
    code = (
        "import sys\n"
        "from ocpptui import cli\n"
        "try:\n"
        "    cli.main(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        f"print({expression})"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    return result.stdout


def test_help_does_not_import_textual(tmp_path: Path) -> None:
    stdout = _after_help("'textual' in sys.modules")
    assert "serve" in stdout and stdout.strip().endswith("False")


#: The modules that run the commands: none is imported until its command runs.
COMMAND_MODULES = {
    "ocpptui.cli.serve",
    "ocpptui.cli.run",
    "ocpptui.cli.proxy",
    "ocpptui.cli.certs",
    "ocpptui.cli.demo",
    "ocpptui.cli.simulate",
    "ocpptui.cli.links",
    "ocpptui.cli.open_log",
    "ocpptui.cli.startup",
}


def test_help_imports_no_command_module_and_nothing_of_the_core() -> None:
    stdout = _after_help("sorted(m for m in sys.modules if m.startswith('ocpptui.'))")
    loaded = set(ast.literal_eval(stdout.splitlines()[-1]))
    assert loaded & COMMAND_MODULES == set()
    assert {m.split(".")[1] for m in loaded} <= {"cli", "transports"}  # framing: --framing


def test_every_command_is_run_by_a_module_of_its_own() -> None:
    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    runners = {name: sub.get_default("run") for name, sub in commands.choices.items()}
    runners[""] = parser.get_default("run")  # no command: the TUI
    modules = {f"ocpptui.cli.{runner.module}" for runner in runners.values()}
    assert modules == COMMAND_MODULES - {"ocpptui.cli.startup"}
    for module in modules:
        assert callable(importlib.import_module(module).run), module


def test_bad_settings_file_names_key_and_line(tmp_path: Path) -> None:
    settings = tmp_path / "bad.toml"
    settings.write_text('[server]\nport = 9000\n\n[csms]\nvalidation = "sloppy"\n')
    result = run_cli("--settings", str(settings), "serve", "--headless", home=tmp_path)
    assert result.returncode == 2
    assert f"{settings}:5: [csms] validation" in result.stderr


def test_default_settings_file_is_created_and_matches_the_defaults(tmp_path: Path) -> None:
    from ocpptui.core.config import CsmsConfig
    from ocpptui.settings.reader import load_settings, write_default_settings

    path = tmp_path / "config" / "settings.toml"
    assert write_default_settings(path)
    assert not write_default_settings(path)  # never overwrites the technician's file
    assert load_settings(path).csms == CsmsConfig()


async def test_headless_server_prints_frames_and_stops_on_sigterm(tmp_path: Path) -> None:
    log_dir = tmp_path / "logs"
    async with cli_process(
        "serve", "--headless", "--host", "127.0.0.1", "--port", "0", "--log-dir", str(log_dir),
        home=tmp_path / "home",
    ) as process:  # fmt: skip
        _, port = await listening_port(process)
        assert process.stdout is not None
        async with connect(f"ws://127.0.0.1:{port}/CP-7", subprotocols=["ocpp1.6"]) as ws:  # type: ignore[list-item]
            await ws.send(
                '[2,"b1","BootNotification",{"chargePointVendor":"V","chargePointModel":"M"}]'
            )
            answer = json.loads(await ws.recv())
            assert answer[2]["status"] == "Accepted"
        lines = [(await asyncio.wait_for(process.stdout.readline(), 5)).decode() for _ in range(3)]
        assert "CP-7 connected" in lines[0]
        assert "CP-7 →" in lines[1] and "BootNotification" in lines[1]
        assert "CP-7 ←" in lines[2] and "RESULT" in lines[2] and "ms" in lines[2]
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 10) == 0
    logs = list(log_dir.rglob("frames.jsonl"))
    assert len(logs) == 1
    assert len(logs[0].read_text().splitlines()) == 2


async def test_headless_jsonl_output(tmp_path: Path) -> None:
    import io

    from ocpptui.core.config import CsmsConfig
    from ocpptui.core.hub import Hub
    from ocpptui.headless import serve_headless

    out, err = io.StringIO(), io.StringIO()
    stop = asyncio.Event()
    started: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    hub = Hub(CsmsConfig(port=0), sessions_dir=tmp_path)
    runner = asyncio.create_task(
        serve_headless(
            hub,
            host="127.0.0.1",
            port=0,
            jsonl=True,
            out=out,
            err=err,
            stop=stop,
            on_started=started.set_result,
        )
    )
    port = await asyncio.wait_for(started, 5)
    async with connect(f"ws://127.0.0.1:{port}/CP-1", subprotocols=["ocpp2.0.1"]) as ws:  # type: ignore[list-item]
        await ws.send('[2,"h","Heartbeat",{}]')
        await ws.recv()
    stop.set()
    assert await runner == 0
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [r["dir"] for r in records] == ["in", "out"]
    assert records[1]["request_seq"] == records[0]["seq"]
    assert "CP-1 connected" in err.getvalue()
    # The printed lines are the frame log's own lines, byte for byte.
    (log_file,) = tmp_path.rglob("*.jsonl")
    assert log_file.read_text() == out.getvalue()


async def test_headless_reports_a_busy_port(tmp_path: Path) -> None:
    import io
    import socket

    from ocpptui.core.config import CsmsConfig
    from ocpptui.core.hub import Hub
    from ocpptui.headless import serve_headless

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        err = io.StringIO()
        code = await serve_headless(
            Hub(CsmsConfig()), host="127.0.0.1", port=port, out=io.StringIO(), err=err
        )
    assert code == 1
    assert f"cannot listen on 127.0.0.1:{port}" in err.getvalue()


def test_proxy_needs_a_websocket_upstream(tmp_path: Path) -> None:
    result = run_cli("proxy", "http://csms.example/ocpp", "--headless", home=tmp_path)
    assert result.returncode == 2
    assert "must start with ws:// or wss://" in result.stderr


async def test_headless_proxy_says_what_a_tls_upstream_sees(tmp_path: Path) -> None:
    import io

    from ocpptui.core.config import CsmsConfig
    from ocpptui.core.hub import Hub
    from ocpptui.core.proxy import UpstreamConfig
    from ocpptui.headless import serve_headless

    out = io.StringIO()
    stop = asyncio.Event()
    started: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    runner = asyncio.create_task(
        serve_headless(
            Hub(CsmsConfig(port=0), sessions_dir=tmp_path),
            host="127.0.0.1",
            port=0,
            out=out,
            err=io.StringIO(),
            stop=stop,
            on_started=started.set_result,
            upstream=UpstreamConfig("wss://127.0.0.1:1/ocpp"),
        )
    )
    await asyncio.wait_for(started, 5)
    stop.set()
    assert await runner == 0
    text = out.getvalue()
    assert "-- proxy: every frame is forwarded to wss://127.0.0.1:1/ocpp" in text
    assert "no client certificate goes upstream" in text
