"""Applying a configuration profile from the Configuration tab: diff, apply, per-key report."""

from __future__ import annotations

import json
from pathlib import Path

from textual.widgets import DataTable

from ocpptui.app.app import OcppTuiApp
from ocpptui.core.hub import Hub
from ocpptui.services.profiles import DiffState
from ocpptui.ui.common.prompt_screen import PromptScreen
from ocpptui.ui.configuration.export_screen import ExportScreen
from ocpptui.ui.configuration.keys_panel import KeysPanel
from ocpptui.ui.configuration.profile_diff_screen import ProfileDiffScreen
from ocpptui.ui.files.open_file_screen import OpenFileScreen
from tests.ui.charger_tabs import sent_actions, type_into, wait_until

PROFILE = """
[profile]
name = "Car park A"

[ocpp16]
HeartbeatInterval = 120
MeterValueSampleInterval = 30
GetConfigurationMaxKeys = 10
LocalPreAuthorize = false
"""


async def test_a_profile_shows_its_diff_then_applies_what_differs_and_reports_per_key(
    app: OcppTuiApp, hub: Hub, charger_tab, tmp_path: Path
) -> None:
    profile = tmp_path / "car-park-a.toml"
    profile.write_text(PROFILE, encoding="utf-8")
    async with charger_tab("tab-config", KeysPanel, protocol="ocpp1.6") as (pilot, panel, _, _):
        await pilot.press("p")
        await wait_until(pilot, lambda: isinstance(app.screen, OpenFileScreen))
        await type_into(pilot, app.screen.query_one("#open-path"), str(profile))
        await wait_until(pilot, lambda: isinstance(app.screen, ProfileDiffScreen))
        screen = app.screen
        # The configuration was never read: the diff reads it first.
        await wait_until(pilot, lambda: screen.phase == "diff")
        states = {line.key: line.state for line in screen.lines}
        assert states == {
            "HeartbeatInterval": DiffState.DIFFERS,
            "MeterValueSampleInterval": DiffState.DIFFERS,
            "GetConfigurationMaxKeys": DiffState.READ_ONLY,
            "LocalPreAuthorize": DiffState.SAME,
        }
        status = str(screen.query_one("#diff-status").render())
        assert "2 to send" in status and "1 read-only conflict" in status

        await pilot.press("a")
        await wait_until(pilot, lambda: screen.phase == "applied")
        report = {line.key: line for line in screen.report.lines}
        assert report["HeartbeatInterval"].status == "Accepted"
        assert report["HeartbeatInterval"].after == "120"
        assert report["MeterValueSampleInterval"].after == "30"
        assert report["GetConfigurationMaxKeys"].status == "skipped"
        assert report["LocalPreAuthorize"].status == "unchanged"
        # Only what differed was sent.
        changes = [a for a in sent_actions(hub) if a == "ChangeConfiguration"]
        assert len(changes) == 2
        table = screen.query_one("#diff-table", DataTable)
        assert str(table.get_row("HeartbeatInterval")[1]) == "Accepted"
        assert "accepted and verified" in str(screen.query_one("#diff-status").render())

        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, ProfileDiffScreen))
        # The tab shows what the apply read back.
        await wait_until(
            pilot, lambda: panel.table_widget.row_for("HeartbeatInterval").value == "120"
        )

        # Save the configuration as a profile (name asked), export it as JSON (path shown).
        await pilot.press("s")
        await wait_until(pilot, lambda: isinstance(app.screen, PromptScreen))
        await type_into(pilot, app.screen.query_one("#prompt-input"), "Site B")
        saved = app.paths.profiles_dir / "Site_B.toml"
        await wait_until(pilot, lambda: saved.exists())
        assert '"HeartbeatInterval" = "120"' in saved.read_text(encoding="utf-8")
        await pilot.press("x")
        await wait_until(pilot, lambda: isinstance(app.screen, ExportScreen))
        target = tmp_path / "out" / "cp-1.json"
        await type_into(pilot, app.screen.query_one("#export-path"), str(target))
        await wait_until(pilot, lambda: target.exists())
        exported = json.loads(target.read_text(encoding="utf-8"))
        entry = {"key": "HeartbeatInterval", "value": "120", "readonly": False}
        assert entry in exported["configuration"]
        info = panel.query_one("#config-info")
        await wait_until(pilot, lambda: str(target) in str(info.render()))
