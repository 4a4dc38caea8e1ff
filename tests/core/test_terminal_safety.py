"""Nothing a peer chooses reaches a terminal raw: headless output, logs, playbook progress,
--paths, open --stats and report.md show control characters as escapes (issue 16, point 1)."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import re
import signal
import sys
from pathlib import Path

from websockets.asyncio.client import connect

from ocpptui.core.config import CsmsConfig
from ocpptui.core.hub import Hub
from ocpptui.core.safe_logging import TerminalSafeFormatter
from ocpptui.headless import run_playbook_headless
from ocpptui.protocol.terminal_text import escape_controls
from tests.helpers import cli_process, listening_port, run_cli

#: What must never be written raw: ESC, BEL (ends OSC 52), 8-bit CSI, CR, RLO, isolates.
RAW_CONTROLS = re.compile("[\x1b\x07\x9b\r\u202e\u2066-\u2069]")
#: Before any authentication: clear the screen, write the clipboard (OSC 52), colour red.
HOSTILE_PATH = "/ocpp/\x1b[2J\x1b]52;c;cHduZWQ=\x07\x1b[31mPWNED/"


def test_escape_controls_shows_every_control_character() -> None:
    text = "a\x1b[2J\x00\x7f\x9b\r\u202e\u2067\ufeff\U000e0041\udc80\tb\nc"
    escaped = escape_controls(text)
    assert escaped == ("a\\x1b[2J\\x00\\x7f\\x9b\\r\\u202e\\u2067\\ufeff\\U000e0041\\udc80\tb\\nc")
    assert escape_controls("line\n\tnext", keep="\t\n") == "line\n\tnext"
    assert escape_controls("Grüße, 充电桩 ⚡") == "Grüße, 充电桩 ⚡"  # printable text stays


async def _raw_handshake(port: int, path: str, protocol_header: bytes) -> bytes:
    """An opening handshake as raw bytes: websockets' client would not send such a path."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        b"GET " + path.encode("ascii") + b" HTTP/1.1\r\n"
        b"Host: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
        b"Sec-WebSocket-Protocol: " + protocol_header + b"\r\n\r\n"
    )
    await writer.drain()
    answer = await asyncio.wait_for(reader.read(4096), 5)
    writer.close()
    return answer


async def test_headless_server_escapes_what_peers_send(tmp_path: Path) -> None:
    """A real `ocpp-tui serve --headless`: a hostile path (refused before authentication), a
    hostile subprotocol (an 8-bit CSI), then a charger whose frames carry ESC and bidi
    overrides. Nothing raw on stdout or stderr."""
    async with cli_process(
        "serve", "--headless", "--host", "127.0.0.1", "--port", "0",
        "--log-dir", str(tmp_path / "logs"), home=tmp_path / "home",
    ) as process:  # fmt: skip
        first, port = await listening_port(process)
        answer = await _raw_handshake(port, HOSTILE_PATH, b"ocpp1.6")
        assert answer.startswith(b"HTTP/1.1 404")
        answer = await _raw_handshake(port, "/ocpp/CP-9", b"\x9b2J\x9b31mocpp9")
        assert answer.startswith(b"HTTP/1.1 400")
        async with connect(f"ws://127.0.0.1:{port}/CP-1", subprotocols=["ocpp1.6"]) as ws:  # type: ignore[list-item]
            # JSON escapes are decoded into raw controls: an action and a vendor with ESC/RLO.
            await ws.send('[2,"a","\\u001b]0;owned\\u0007\\u001b[2J",{}]')
            await ws.recv()
            await ws.send(
                '[2,"b","BootNotification",{"chargePointVendor":"\\u202eV\\u001b[1A",'
                '"chargePointModel":"M\\r\\u001b[32mplaybook passed"}]'
            )
            await ws.recv()
        process.send_signal(signal.SIGTERM)
        out, err = await asyncio.wait_for(process.communicate(), 15)
    stdout, stderr = (first.encode() + out).decode(), err.decode()
    # The refusal is printed once, as the event line (issue 17: no second WARNING on stderr).
    assert "refused" in stdout and "refused" not in stderr
    assert "\\x9b2J" in stdout and "\\x1b]0;owned\\x07" in stdout and "\\u202eV" in stdout
    assert RAW_CONTROLS.search(stdout) is None, stdout
    assert RAW_CONTROLS.search(stderr) is None, stderr
    # The frame log keeps the exact frames (JSON escapes them already).
    (log_file,) = (tmp_path / "logs").rglob("frames.jsonl")
    raw = [json.loads(line)["raw"] for line in log_file.read_text().splitlines()]
    assert '[2,"a","\\u001b]0;owned\\u0007\\u001b[2J",{}]' in raw


PLAYBOOK = """
[[step]]
do = "wait_for_charger"
timeout = 5

[[step]]
do = "trigger_message"
message = "Heartbeat"
timeout = 5
"""


async def test_playbook_progress_cannot_be_drawn_over(tmp_path: Path) -> None:
    """A charger answers a step with text that would move the cursor up, clear the line and
    print a green "playbook passed": the failure and the verdict stay readable."""
    playbook = tmp_path / "play.toml"
    playbook.write_text(PLAYBOOK)
    hub = Hub(CsmsConfig(port=0, call_timeout=5), sessions_dir=tmp_path / "sessions")
    started: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    output = io.StringIO()
    run = asyncio.create_task(
        run_playbook_headless(
            hub, playbook, host="127.0.0.1", port=0, out=output, on_started=started.set_result
        )
    )
    port = await asyncio.wait_for(started, 5)
    async with connect(f"ws://127.0.0.1:{port}/CP-P", subprotocols=["ocpp1.6"]) as ws:  # type: ignore[list-item]
        await ws.send('[2,"b","BootNotification",{"chargePointVendor":"V","chargePointModel":"M"}]')
        await ws.recv()
        trigger = json.loads(await asyncio.wait_for(ws.recv(), 5))
        assert trigger[2] == "TriggerMessage"
        evil = "\r\x1b[1A\x1b[2K\x1b[32mplaybook passed\x1b[0m\u202e"
        await ws.send(json.dumps([3, trigger[1], {"status": evil}]))
        assert await asyncio.wait_for(run, 10) == 1
    text = output.getvalue()
    assert RAW_CONTROLS.search(text) is None, text
    assert "FAILED: TriggerMessage answered \\r\\x1b[1A\\x1b[2K" in text
    assert text.splitlines()[-1] == "playbook failed"


def test_log_records_with_peer_text_are_escaped() -> None:
    formatter = TerminalSafeFormatter("%(levelname)s %(message)s")
    record = logging.LogRecord(
        "ocpptui.core", logging.WARNING, __file__, 1, "refused %s", ("/\x1b[2J\nFAKE",), None
    )
    assert formatter.format(record) == "WARNING refused /\\x1b[2J\\nFAKE"
    try:
        raise ValueError("\x1b]52;c;eA==\x07")
    except ValueError:
        record.exc_info = sys.exc_info()
    record.exc_text = None
    text = formatter.format(record)
    assert "Traceback" in text and "\n" in text  # tracebacks keep their lines
    assert RAW_CONTROLS.search(text) is None


def test_paths_and_log_statistics_are_escaped(tmp_path: Path) -> None:
    home = tmp_path / "home\x1b[31m"
    result = run_cli("--paths", home=home)
    assert result.returncode == 0
    assert "home\\x1b[31m" in result.stdout and "\x1b" not in result.stdout
    log = tmp_path / "other-tool.log"
    log.write_text(
        '[2,"1","\\u001b[2JEvil\\u202e",{}]\n[3,"1",{}]\n',
        encoding="utf-8",
    )
    stats = run_cli("open", str(log), "--stats", home=tmp_path / "h2")
    assert stats.returncode == 0, stats.stderr
    assert "\\x1b[2JEvil\\u202e" in stats.stdout
    assert RAW_CONTROLS.search(stats.stdout) is None


async def test_report_markdown_escapes_the_chargers_text(hub: Hub, tmp_path: Path) -> None:
    from ocpptui.services.checklist import ChecklistTarget
    from ocpptui.services.report import SiteNotes, commissioning_report, write_report
    from tests.helpers import connect_raw

    charger = await connect_raw(hub, "CP-M")
    await charger.boot_16(vendor="\x1b]52;c;cHduZWQ=\x07V", model="\u202eledom\x9b2J")
    report = commissioning_report(
        hub.chargers["CP-M"], hub.config, ChecklistTarget(), SiteNotes(), now=hub.clock.wall()
    )
    files = write_report(report, tmp_path / "reports")
    markdown = files.markdown.read_text(encoding="utf-8")
    assert RAW_CONTROLS.search(markdown) is None
    assert "\\\\x1b\\]52;c;cHduZWQ=\\\\x07V" in markdown  # shown as the escape, Markdown-quoted
    assert "\\\\u202eledom\\\\x9b2J" in markdown
    # The JSON keeps the exact text (JSON escapes it).
    assert json.loads(files.json.read_text())["charger"]["model"] == "\u202eledom\x9b2J"
