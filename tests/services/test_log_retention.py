"""[logs] keep_days: old session folders go at start-up; current ones and other files stay."""

from __future__ import annotations

import os
import time
from pathlib import Path

from ocpptui.cli.startup import make_hub
from ocpptui.paths import Paths
from ocpptui.services.log_retention import prune_sessions
from ocpptui.settings.reader import parse_settings

DAY = 86_400


def _session(sessions: Path, name: str, age_days: float) -> Path:
    folder = sessions / name
    (folder / "uploads").mkdir(parents=True)
    files = [folder / "frames.jsonl", folder / "uploads" / "diag.zip"]
    for file in files:
        file.write_text("x")
    moment = time.time() - age_days * DAY
    for path in [*files, folder / "uploads", folder]:
        os.utime(path, (moment, moment))
    return folder


def test_old_sessions_deleted_recent_and_foreign_kept(tmp_path: Path) -> None:
    sessions = tmp_path / "sessions"
    old = _session(sessions, "20240101-100000_CP-1_a1b2c3", 40)
    recent = _session(sessions, "20260101-100000_CP-2_d4e5f6", 5)
    current = _session(sessions, "20240101-100000_CP-3_0a0b0c", 40)
    # An old folder still written to (another ocpp-tui running) counts as new.
    written = _session(sessions, "20240101-100000_CP-4_112233", 40)
    (written / "frames.jsonl").write_text("fresh")
    foreign = sessions / "my notes"
    foreign.mkdir()
    os.utime(foreign, (time.time() - 400 * DAY,) * 2)

    result = prune_sessions(sessions, 30, keep={current.name})

    assert result.deleted == [old] and not result.failed
    assert not old.exists()
    assert recent.exists() and current.exists() and written.exists() and foreign.exists()


def test_zero_keeps_everything(tmp_path: Path) -> None:
    old = _session(tmp_path / "sessions", "20200101-100000_CP-1_a1b2c3", 4000)
    assert prune_sessions(tmp_path / "sessions", 0).deleted == []
    assert old.exists()


def test_applied_when_ocpp_tui_starts(tmp_path: Path) -> None:
    paths = Paths.under(tmp_path)
    old = _session(paths.sessions_dir, "20240101-100000_CP-1_a1b2c3", 10)
    recent = _session(paths.sessions_dir, "20240101-100000_CP-2_a1b2c4", 2)
    settings = parse_settings("[logs]\nkeep_days = 7\n")
    assert settings.logs.keep_days == 7

    hub = make_hub(settings, paths, None)

    assert hub.sessions_dir == paths.sessions_dir
    assert not old.exists() and recent.exists()
