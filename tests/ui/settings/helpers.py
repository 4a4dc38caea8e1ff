"""Helpers for the settings screen's tests."""

from __future__ import annotations

from pathlib import Path

from ocpptui.app.app import OcppTuiApp
from ocpptui.settings.reader import DEFAULT_SETTINGS_TOML


def settings_file(app: OcppTuiApp) -> Path:
    """The app's settings file, written with the commented defaults."""
    path = app.settings_path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(DEFAULT_SETTINGS_TOML, encoding="utf-8")
    return path
