"""Settings written from the TUI keep the file's comments, and bad values are refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from ocpptui.settings.model import SettingsError
from ocpptui.settings.reader import DEFAULT_SETTINGS_TOML, load_settings
from ocpptui.settings.writer import FIELDS, save_settings


def field(name: str):
    return next(f for f in FIELDS if f.name == name)


def test_changes_keep_comments_and_report_what_needs_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_text(DEFAULT_SETTINGS_TOML + "\n# my own note\n", encoding="utf-8")

    saved = save_settings(
        path,
        {
            field("server.port"): 9100,
            field("csms.validation"): "strict",
            field("ui.theme"): "textual-light",
            field("server.host"): "0.0.0.0",  # unchanged: not rewritten
        },
    )

    text = path.read_text(encoding="utf-8")
    assert "port = 9100" in text and 'validation = "strict"' in text
    assert "# Subprotocols offered, in order of preference." in text
    assert text.endswith("# my own note\n")
    assert len(text.splitlines()) == len(DEFAULT_SETTINGS_TOML.splitlines()) + 2
    assert [f.name for f in saved.need_restart] == ["server.port"]
    assert [f.name for f in saved.applied_now] == ["csms.validation", "ui.theme"]
    assert load_settings(path).csms.port == 9100


def test_invalid_value_names_key_and_line_and_leaves_the_file(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_text(DEFAULT_SETTINGS_TOML, encoding="utf-8")
    with pytest.raises(SettingsError) as caught:
        save_settings(path, {field("server.port"): 70000})
    line = DEFAULT_SETTINGS_TOML.splitlines().index("port = 9000") + 1
    assert str(caught.value) == (f"{path}:{line}: [server] port: must be between 0 and 65535")
    with pytest.raises(SettingsError, match="offer at least one subprotocol"):
        save_settings(path, {field("server.subprotocols"): []})
    assert path.read_text(encoding="utf-8") == DEFAULT_SETTINGS_TOML


def test_missing_file_and_section_are_created(tmp_path: Path) -> None:
    path = tmp_path / "config" / "settings.toml"
    saved = save_settings(path, {field("logs.keep_days"): 14})
    assert load_settings(path).logs.keep_days == 14
    assert [f.name for f in saved.changed] == ["logs.keep_days"]

    bare = tmp_path / "bare.toml"
    bare.write_text("[server]\nport = 9000\n", encoding="utf-8")
    save_settings(bare, {field("logs.keep_days"): 3, field("files.https"): False})
    assert bare.read_text(encoding="utf-8") == (
        "[server]\nport = 9000\n\n[logs]\nkeep_days = 3\n\n[files]\nhttps = false\n"
    )
