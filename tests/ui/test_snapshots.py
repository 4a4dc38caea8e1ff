"""SVG snapshots of the screens that matter most, drawn from the frozen showcase (the same
one scripts/screenshots.py draws the README's screenshots from).

Everything that varies in a live demo is fixed by the showcase: time, addresses, message and
session ids, folders (each test's own, under a home folder of its own shown as `~`). Plain
`def` tests: snap_compare runs the app itself. After a deliberate change,
`pytest tests/ui/test_snapshots.py --snapshot-update` (in its own commit).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.pilot import Pilot

from tests.ui.showcase import SCREENS, build_showcase

SIZE = (120, 40)


@pytest.fixture(autouse=True)
def _utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The screens show local times: draw them in UTC everywhere."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The showcase's home folder: its paths show as `~/...`, the same on every run."""
    folder = tmp_path / "home"
    folder.mkdir()
    monkeypatch.setenv("HOME", str(folder))
    return folder


def _snapshot(snap_compare, home: Path, name: str) -> bool:
    show = build_showcase(home)

    async def run_before(pilot: Pilot) -> None:
        await SCREENS[name](show, pilot)

    return snap_compare(show.app, terminal_size=SIZE, run_before=run_before)


def test_main_screen(snap_compare, home: Path) -> None:
    assert _snapshot(snap_compare, home, "main")


def test_main_screen_light_theme(snap_compare, home: Path) -> None:
    assert _snapshot(snap_compare, home, "main-light")


def test_charger_frames(snap_compare, home: Path) -> None:
    assert _snapshot(snap_compare, home, "charger-frames")


def test_charger_frames_light_theme(snap_compare, home: Path) -> None:
    """The selected frame (the newest, focused) reads on the light theme's cursor."""
    assert _snapshot(snap_compare, home, "charger-frames-light")


def test_configuration_16_light_theme(snap_compare, home: Path) -> None:
    """The selected configuration key, with coloured statuses, on the light theme."""
    show = build_showcase(home)

    async def run_before(pilot: Pilot) -> None:
        show.app.theme = "textual-light"
        await SCREENS["configuration-16"](show, pilot)

    assert snap_compare(show.app, terminal_size=SIZE, run_before=run_before)


def test_configuration_16(snap_compare, home: Path) -> None:
    assert _snapshot(snap_compare, home, "configuration-16")


def test_commissioning(snap_compare, home: Path) -> None:
    assert _snapshot(snap_compare, home, "commissioning")


def test_settings(snap_compare, home: Path) -> None:
    assert _snapshot(snap_compare, home, "settings")
