"""The app as the CLI builds it, on a loopback port chosen by the OS, plus waiting helpers."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.strip import Strip
from textual.widget import Widget

from ocpptui.app import OcppTuiApp, make_app
from ocpptui.core.config import CsmsConfig
from ocpptui.core.hub import Hub
from ocpptui.paths import Paths
from ocpptui.settings import Settings

SIZE = (120, 40)


@pytest.fixture
def hub(tmp_path: Path) -> Hub:
    return Hub(CsmsConfig(port=0), sessions_dir=tmp_path / "sessions")


@pytest.fixture
def app(tmp_path: Path, hub: Hub) -> OcppTuiApp:
    built = make_app(Settings(), Paths.under(tmp_path), hub, host="127.0.0.1", port=0)
    built.animation_level = "none"
    return built


async def until(pilot: Pilot, predicate: Callable[[], object], timeout: float = 5.0) -> None:
    """Let the app run until `predicate()` is true (fails the test after `timeout`)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        await pilot.pause(0.02)


async def listening_port(pilot: Pilot, hub: Hub) -> int:
    """Wait for the app's server worker to bind; returns the port."""
    await until(pilot, lambda: hub.servers)
    return hub.servers[0].port


def strip_text(strip: Strip) -> str:
    return "".join(segment.text for segment in strip)


def rendered_lines(widget: Widget) -> list[str]:
    """What a Line-API widget shows, line by line, as plain text."""
    height = widget.scrollable_content_region.height
    return [strip_text(widget.render_line(y)) for y in range(height)]
