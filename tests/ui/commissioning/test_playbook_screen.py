"""A playbook run from the TUI: picked from a file, live step status, the result JSON."""

from __future__ import annotations

import json
from pathlib import Path

from ocpptui.app.app import OcppTuiApp
from ocpptui.core.hub import Hub
from ocpptui.ui.commissioning.playbook_run_screen import PlaybookRunScreen
from ocpptui.ui.files.open_file_screen import OpenFileScreen
from tests.ui.charger_tabs import of_type, type_into, wait_until
from tests.ui.helpers import SIZE, listening_port

PLAYBOOK = """
[[step]]
do = "wait_for_charger"
timeout = 10

[[step]]
do = "get_configuration"
keys = ["HeartbeatInterval"]

[[step]]
do = "trigger_message"
message = "Heartbeat"

[[step]]
do = "call"
action = "ChangeConfiguration"
payload = { key = "NoSuchKey", value = "1" }
expect = { status = "Accepted" }

[[step]]
do = "sleep"
seconds = 0.1
"""


async def test_a_playbook_runs_from_the_main_screen_with_live_steps_and_a_result_file(
    app: OcppTuiApp, hub: Hub, start_sim, tmp_path: Path
) -> None:
    playbook = tmp_path / "site.toml"
    playbook.write_text(PLAYBOOK, encoding="utf-8")
    seen: list = []
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        await listening_port(pilot, hub)
        await start_sim("CP-1", protocol="ocpp1.6")
        await pilot.press("r")
        await wait_until(pilot, lambda: isinstance(app.screen, OpenFileScreen))
        await type_into(pilot, app.screen.query_one("#open-path"), str(playbook))
        await wait_until(pilot, lambda: isinstance(app.screen, PlaybookRunScreen))
        screen = app.screen
        await wait_until(pilot, lambda: screen.playbook is not None)
        assert screen.steps_table.row_count == 5

        await pilot.press("r")
        await wait_until(pilot, lambda: of_type(seen, PlaybookRunScreen.Finished))
        # Every step was shown running before it finished (the last one only for an instant).
        updates = of_type(seen, PlaybookRunScreen.StepUpdated)
        assert [u.state.index for u in updates if u.state.running] == [0, 1, 2, 3, 4]
        states = screen.states
        assert [states[i].ok for i in range(4)] == [True, True, True, False]
        assert "does not match" in (states[3].error or "")
        assert states[3].response == {"status": "NotSupported"}
        assert states[4].error == "skipped: an earlier step failed"
        assert str(screen.steps_table.get_row("3")[2]) == "FAILED"
        assert str(screen.steps_table.get_row("4")[2]) == "skipped"

        finished = of_type(seen, PlaybookRunScreen.Finished)[0]
        assert finished.ok is False and finished.path is not None
        written = json.loads(finished.path.read_text(encoding="utf-8"))
        assert written["charger"]["identity"] == "CP-1" and len(written["steps"]) == 5
        assert finished.path.parent == app.paths.reports_dir
        assert '"ok": false' in str(screen.query_one("#playbook-json").render())
        assert "result written to" in str(screen.query_one("#playbook-status").render())
