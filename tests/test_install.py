"""`pipx install ocpp-tui` on a fresh machine: build the wheel, install it into a new venv
(dependencies from the package index, as pipx does), run the installed command.

About 40 s with a warm pip cache; it is the one test that proves the wheel is complete.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run(*args: str | Path, timeout: float, **options) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [str(arg) for arg in args], capture_output=True, text=True, timeout=timeout, **options
    )
    assert result.returncode == 0, f"{args}: {result.stdout}\n{result.stderr}"
    return result


def _package_files() -> set[str]:
    """Every file of the package in the source tree, as the wheel names it."""
    return {
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / "ocpptui").rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_wheel_installs_into_a_fresh_venv_and_runs(tmp_path: Path) -> None:
    wheel_dir = tmp_path / "wheel"
    _run(
        sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", ROOT, "-w", wheel_dir, timeout=300
    )
    (wheel,) = wheel_dir.glob("ocpp_tui-*.whl")

    names = set(zipfile.ZipFile(wheel).namelist())
    expected = _package_files()
    assert "ocpptui/app/app.tcss" in expected
    assert not [name for name in names if "showcase" in name]  # a test fixture, not shipped
    assert not expected - names, f"missing from the wheel: {sorted(expected - names)}"
    data_files = {name for name in expected if not name.endswith(".py")}
    assert data_files <= names  # the stylesheet and any other data the package reads

    venv = tmp_path / "venv"
    _run(sys.executable, "-m", "venv", venv, timeout=120)
    _run(venv / "bin" / "pip", "install", "-q", wheel, timeout=480)

    home = tmp_path / "home"
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    env["OCPP_TUI_HOME"] = str(home)
    command = venv / "bin" / "ocpp-tui"
    outside = {"env": env, "cwd": tmp_path}  # not the source tree: only the wheel's files
    version = _run(command, "--version", timeout=60, **outside)
    assert re.fullmatch(r"ocpp-tui \d+\.\d+\.\d+\n", version.stdout)
    paths = _run(command, "--paths", timeout=60, **outside)
    assert f"settings  {home / 'config' / 'settings.toml'}" in paths.stdout
    help_text = _run(command, "--help", timeout=60, **outside)
    assert "demo" in help_text.stdout and "serve" in help_text.stdout

    # The installed package is the wheel's, and the app finds its stylesheet and starts.
    probe = (
        "import asyncio, ocpptui\n"
        "from pathlib import Path\n"
        "from ocpptui.app.app import make_app\n"
        "from ocpptui.core.hub import Hub\n"
        "from ocpptui.paths import Paths\n"
        "from ocpptui.settings.model import Settings\n"
        "print(ocpptui.__file__)\n"
        "async def main():\n"
        "    paths = Paths.default()\n"
        "    app = make_app(Settings(), paths, Hub(), listen=False)\n"
        "    async with app.run_test() as pilot:\n"
        "        await pilot.pause()\n"
        "        print('screen', type(app.screen).__name__)\n"
        "asyncio.run(main())\n"
    )
    started = _run(venv / "bin" / "python", "-c", probe, timeout=120, **outside)
    module_file, screen = started.stdout.splitlines()[:2]
    assert Path(module_file).is_relative_to(venv)
    assert screen == "screen MainScreen"
