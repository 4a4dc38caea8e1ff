"""Settings and playbooks: no silent surprises (issue 16, point 9). A typo or a value of the
wrong type is refused through the CLI with exit 2, the file, the line and the closest known
name; never a traceback, never a run on defaults, never a hang."""

from __future__ import annotations

from pathlib import Path

import pytest

from ocpptui import cli
from ocpptui.cli import run as run_command
from ocpptui.settings.reader import DEFAULT_SETTINGS_TOML, parse_settings


def _settings_error(tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | bytes):
    path = tmp_path / "settings.toml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    code = cli.main(["--settings", str(path), "serve", "--headless", "--port", "0"])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return code, captured.err.replace(str(path), "settings.toml")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        # Today's trap: the typo was ignored and the server ran unauthenticated.
        (
            "[security]\nprofil = 1\n",
            "settings.toml:2: [security] profil: unknown key; did you mean profile?",
        ),
        (
            "[server]\nhost = '127.0.0.1'\n\n[securty]\nprofile = 1\n",
            "settings.toml:4: unknown section [securty]; did you mean [security]?",
        ),
        (
            "port = 9100\n",
            "settings.toml:1: port is outside any section; did you mean [server] port?",
        ),
        (
            "[server]\nport = 9000.7\n",
            "settings.toml:2: [server] port: expected a whole number, got 9000.7",
        ),
        (
            "[csms]\ncall_timeout = true\n",
            "settings.toml:2: [csms] call_timeout: expected a number, got a boolean",
        ),
        (
            "[csms]\n\ncall_timeout = inf\n",
            "settings.toml:3: [csms] call_timeout: must be a finite number, got inf",
        ),
        (
            "[csms]\ncall_timeout = nan\n",
            "settings.toml:2: [csms] call_timeout: must be a finite number, got nan",
        ),
        (
            "[csms]\ncall_timeout = -1\n",
            "settings.toml:2: [csms] call_timeout: must be between 1 and 3600",
        ),
        (
            "server = 5\n",
            "settings.toml:1: server must be a section ([server] with keys under it), got 5",
        ),
        (
            "[csms]\nallow_list = ['CP-1', 2]\n",
            "settings.toml:2: [csms] allow_list: expected a list of strings, got 2",
        ),
        (
            b"[server]\nhost = '\xff\xfe'\n",
            "settings.toml:2: not UTF-8 text (byte 0xff); save the file as UTF-8",
        ),
        pytest.param(
            "x = " + "[" * 5000 + "]" * 5000 + "\n",
            "settings.toml: values are nested too deeply to be settings",
            id="deeply-nested",
        ),
    ],
)
def test_bad_settings_exit_2_with_the_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | bytes, message: str
) -> None:
    code, err = _settings_error(tmp_path, capsys, content)
    assert code == 2
    assert err == f"ocpp-tui: {message}\n"


def test_every_key_of_the_default_file_is_known() -> None:
    """The commented defaults parse strictly (a key the parser reads under another name, or
    forgets, would be refused here)."""
    parse_settings(DEFAULT_SETTINGS_TOML)
    uncommented = DEFAULT_SETTINGS_TOML.replace('# "CP-1" = ', '"CP-1" = ')
    assert parse_settings(uncommented).security.passwords["CP-1"]


def _run(tmp_path: Path, capsys, monkeypatch, content: str | bytes) -> tuple[int, str]:
    monkeypatch.setattr(run_command, "configure_logging", lambda paths, to_stderr: None)
    path = tmp_path / "pb.toml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    code = cli.main(["run", str(path), "--port", "0", "--host", "127.0.0.1"])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    return code, captured.out.replace(str(path), "pb.toml")


SLEEP = '[[step]]\ndo = "sleep"\nseconds = 1\n'
SECONDS = "must be a number of seconds from 0 to 86400"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("step = [1]\n", "pb.toml:1: step 1 is 1: each step is a [[step]] table"),
        ("server = 5\n" + SLEEP, "pb.toml:1: server must be a [server] table, got 5"),
        (
            "[server]\nprot = 9000\n" + SLEEP,
            "pb.toml:2: [server] prot: unknown key; did you mean port?",
        ),
        (
            "[server]\nport = 9000.7\n" + SLEEP,
            "pb.toml:2: [server] port must be a number 0..65535, got 9000.7",
        ),
        (
            '[[step]]\ndo = "sleep"\nseconds = inf\n',
            f"pb.toml:3: step 1 (line 1): seconds {SECONDS}, got inf",
        ),
        (
            '[[step]]\ndo = "sleep"\nseconds = nan\n',
            f"pb.toml:3: step 1 (line 1): seconds {SECONDS}, got nan",
        ),
        (
            '[[step]]\ndo = "sleep"\nseconds = -1\n',
            f"pb.toml:3: step 1 (line 1): seconds {SECONDS}, got -1",
        ),
        (
            SLEEP + '\n[[step]]\ndo = "wait_for_charger"\ntimeout = true\n',
            f"pb.toml:7: step 2 (line 5): timeout {SECONDS}, got True",
        ),
        (
            SLEEP + '\n[[step]]\ndo = "wait_for_charger"\ntimout = 5\n',
            "pb.toml:7: step 2 (line 5): wait_for_charger does not take timout; "
            "did you mean timeout?",
        ),
        ('[[steps]]\ndo = "sleep"\n', "pb.toml:1: unknown table 'steps'; did you mean [[step]]?"),
        (
            b'[[step]]\ndo = "sleep"\n# \xe9t\xe9\nseconds = 1\n',
            "pb.toml:3: not UTF-8 text (byte 0xe9); save it as UTF-8",
        ),
        pytest.param(
            "a = " + "{b = " * 3000 + "1" + "}" * 3000 + "\n",
            "pb.toml: values are nested too deeply",
            id="deeply-nested",
        ),
    ],
)
def test_bad_playbooks_exit_2_with_the_line(
    tmp_path: Path, capsys, monkeypatch, content: str | bytes, message: str
) -> None:
    code, out = _run(tmp_path, capsys, monkeypatch, content)
    assert code == 2
    assert out == f"ocpp-tui run: invalid playbook: {message}\n"
