"""The command line on a first day (issue 17): refusals printed once, no guessed options."""

from __future__ import annotations

import argparse
import asyncio
import signal
from pathlib import Path

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from ocpptui import cli
from ocpptui.cli.parser import build_parser
from tests.helpers import cli_process, listening_port


async def test_a_refused_connection_is_printed_once_with_what_to_do(tmp_path: Path) -> None:
    async with cli_process(
        "serve", "--headless", "--host", "127.0.0.1", "--port", "0", home=tmp_path / "home"
    ) as process:
        first, port = await listening_port(process)
        assert process.stdout is not None
        with pytest.raises(InvalidStatus):
            async with connect(f"ws://127.0.0.1:{port}/CP-7"):  # no subprotocol offered
                pass
        refused = (await asyncio.wait_for(process.stdout.readline(), 5)).decode()
        process.send_signal(signal.SIGTERM)
        out, err = await asyncio.wait_for(process.communicate(), 10)
    assert refused.startswith("-- refused ") and "/CP-7" in refused
    assert "no subprotocol offered" in refused
    assert "what to do: set the OCPP version" in refused
    everything = first + refused + out.decode() + err.decode()
    assert everything.count("no subprotocol offered") == 1, everything
    assert "WARNING" not in err.decode()


def _all_parsers(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    found = [parser]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                found += _all_parsers(sub)
    return found


def test_no_parser_takes_abbreviations() -> None:
    parsers = _all_parsers(build_parser())
    assert len(parsers) > 8
    assert all(parser.allow_abbrev is False for parser in parsers)


def test_an_abbreviated_option_is_refused_not_guessed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    playbook = tmp_path / "site.toml"
    playbook.write_text('[[step]]\ncall = "Heartbeat"\n')
    with pytest.raises(SystemExit) as exited:
        cli.main(["run", str(playbook), "--install", "Ann"])  # --installer exists
    assert exited.value.code == 2
    assert "unrecognized arguments: --install Ann" in capsys.readouterr().err


def test_a_server_option_without_a_command_says_which_command(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(["--port", "9001"])
    assert exited.value.code == 2
    assert "use `ocpp-tui serve --port 9001`" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main(["--settings", "x.toml", "--port=9001", "--headless"])
    assert (
        "use `ocpp-tui --settings x.toml serve --port=9001 --headless`" in capsys.readouterr().err
    )
