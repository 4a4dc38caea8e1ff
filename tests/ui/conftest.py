"""The app as the CLI builds it, on a loopback port chosen by the OS (helpers: helpers.py)."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import pytest

from ocpptui.app.app import OcppTuiApp, make_app
from ocpptui.core.config import CsmsConfig
from ocpptui.core.hub import Hub
from ocpptui.paths import Paths
from ocpptui.settings.model import Settings
from tests.ui import charger_tabs


@pytest.fixture
def hub(tmp_path: Path) -> Hub:
    return Hub(CsmsConfig(port=0), sessions_dir=tmp_path / "sessions")


@pytest.fixture
def app(tmp_path: Path, hub: Hub) -> OcppTuiApp:
    built = make_app(Settings(), Paths.under(tmp_path), hub, host="127.0.0.1", port=0)
    built.animation_level = "none"
    return built


@pytest.fixture
def charger_tab(app: OcppTuiApp, hub: Hub, start_sim) -> partial:
    """`async with charger_tab("tab-config", KeysPanel, protocol=...) as (pilot, panel, seen,
    sim)`: the app with a simulated charger's screen open on that tab."""
    return partial(charger_tabs.charger_tab, app, hub, start_sim)
