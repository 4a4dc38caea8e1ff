"""The app as the CLI builds it, on a loopback port chosen by the OS (helpers: helpers.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ocpptui.app.app import OcppTuiApp, make_app
from ocpptui.core.config import CsmsConfig
from ocpptui.core.hub import Hub
from ocpptui.paths import Paths
from ocpptui.settings.model import Settings


@pytest.fixture
def hub(tmp_path: Path) -> Hub:
    return Hub(CsmsConfig(port=0), sessions_dir=tmp_path / "sessions")


@pytest.fixture
def app(tmp_path: Path, hub: Hub) -> OcppTuiApp:
    built = make_app(Settings(), Paths.under(tmp_path), hub, host="127.0.0.1", port=0)
    built.animation_level = "none"
    return built
