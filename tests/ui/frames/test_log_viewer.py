"""Saved logs in the frame viewer: our own, another tool's, and a big one read lazily."""

from __future__ import annotations

from pathlib import Path

from textual.command import SimpleCommand
from textual.widgets import OptionList, Static

from ocpptui.app.app import OcppTuiApp
from ocpptui.app.log_app import make_log_app
from ocpptui.core.hub import Hub
from ocpptui.core.log_file import LogFile
from ocpptui.core.log_filter import FilteredFrames
from ocpptui.paths import Paths
from ocpptui.settings.model import Settings
from ocpptui.ui.frames.frame_inspector_screen import FrameInspectorScreen
from ocpptui.ui.frames.log_viewer_screen import LogViewerScreen
from ocpptui.ui.frames.open_log_screen import OpenLogScreen
from tests.helpers import connect_raw
from tests.log_samples import write_jsonl_log
from tests.services.test_log_file import KNOWN_LOG
from tests.ui.helpers import SIZE, listening_port, rendered_lines, until


async def test_our_session_log_opens_from_the_main_screen(app: OcppTuiApp, hub: Hub) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await listening_port(pilot, hub)
        charger = await connect_raw(hub, "CP-1")
        await charger.boot_16(vendor="[/]", model="<b>")
        await charger.call("Heartbeat", {})
        await charger.connection.close()
        await until(pilot, lambda: not hub.chargers["CP-1"].connected)

        await pilot.press("o")
        await until(pilot, lambda: isinstance(app.screen, OpenLogScreen))
        await pilot.pause()
        recent = app.screen.query_one("#open-log-recent", OptionList)
        assert recent.option_count == 1
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, LogViewerScreen))
        screen = app.screen
        assert isinstance(screen, LogViewerScreen)
        table = screen.frame_table
        await until(pilot, lambda: table.row_count == 4 and table.cursor == 0)
        lines = rendered_lines(table)
        assert "BootNotification" in lines[1] and "CALL" in lines[1]
        assert "RESULT" in lines[2] and "ms" in lines[2]  # paired, with its latency
        assert "Heartbeat" in lines[3]
        assert "ocpp-tui frame log" in str(screen.query_one("#log-info", Static).render())

        await pilot.press("enter")  # the first frame in the inspector; r jumps to its answer
        await until(pilot, lambda: isinstance(app.screen, FrameInspectorScreen))
        inspector = app.screen
        assert inspector.frame.action == "BootNotification"
        await pilot.press("r")
        assert inspector.frame.message_type == 3 and inspector.frame.request_seq == 1
        await pilot.press("escape", "escape")
        await until(pilot, lambda: app.screen is not screen and not isinstance(
            app.screen, FrameInspectorScreen))  # fmt: skip


async def test_another_tools_log_filtered_and_its_statistics(tmp_path: Path) -> None:
    path = tmp_path / "csms.log"
    path.write_text(KNOWN_LOG, encoding="utf-8")
    app = make_log_app(Settings(), Paths.under(tmp_path), path)
    app.animation_level = "none"
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, LogViewerScreen)
        await until(pilot, lambda: screen.frame_table.row_count == 14)
        lines = rendered_lines(screen.frame_table)
        assert "10:00:00.010" in lines[2] and "10ms" in lines[2]

        await pilot.press("slash", *"action:Reset", "enter")
        await until(pilot, lambda: isinstance(screen.view, FilteredFrames) and screen.view.done)
        table = screen.frame_table
        await until(pilot, lambda: table.row_count == 2)
        assert [frame.message_type for frame in table.rows()] == [2, 4]
        status = screen.query_one("#log-status", Static)
        await until(pilot, lambda: "2 match the filter" in str(status.render()))

        assert table.has_focus  # enter in the filter box moved on to the results
        await pilot.press("s")  # statistics
        text = screen.query_one("#log-statistics-text", Static)
        await until(pilot, lambda: "p50 30.0 ms" in str(text.render()))
        assert "gap of 60.0 s" in str(text.render())
        await pilot.press("x")  # every frame again
        await until(pilot, lambda: screen.view is screen.log_file)
        await until(pilot, lambda: screen.frame_table.row_count == 14)
        await pilot.press("escape")  # the log is the whole app: escape does not quit it ...
        await pilot.pause()
        assert app.is_running and app.screen is screen
        await pilot.press("q")  # ... q does
        await until(pilot, lambda: not app.is_running)


async def test_a_200k_frame_log_shows_its_first_screen_from_a_lazy_index(tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl"
    write_jsonl_log(path, 100_000)
    app = make_log_app(Settings(), Paths.under(tmp_path), path)
    app.animation_level = "none"
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, LogViewerScreen)
        log = screen.log_file
        assert isinstance(log, LogFile)
        table = screen.frame_table
        await until(pilot, lambda: table.row_count > 0 and table.cursor == 0)
        first = rendered_lines(table)
        assert "Heartbeat" in first[1] and "5.0ms" in first[2]
        # Only what is on screen was parsed (and the answers of the CALLs shown).
        assert log.parsed_lines <= 2 * table.visible_rows + 2
        await until(pilot, lambda: log.index_complete, timeout=30)
        await until(pilot, lambda: table.row_count == 200_000)
        assert log.parsed_lines <= 2 * table.visible_rows + 2
        await pilot.press("end")  # the last frames: parsed on demand, nothing in between
        await until(pilot, lambda: table.cursor == 199_999)
        await pilot.pause()
        assert "m99999" in rendered_lines(table)[-1]
        assert log.parsed_lines <= 4 * table.visible_rows + 4


async def test_r_writes_a_redacted_copy_beside_the_log(tmp_path: Path) -> None:
    """Issue 16, point 11: the key (and its palette entry) writes the copy for a vendor."""
    from textual.notifications import Notify

    from ocpptui.app.palette import OcppCommands
    from ocpptui.ui.common.prompt_screen import PromptScreen

    path = tmp_path / "site.log"
    path.write_text(
        '[2,"1","Authorize",{"idTag":"04A1B2C3D4E5F6"}]\n[3,"1",{"idTagInfo":{"status":"Accepted"}}]\n'
        '[2,"2","StartTransaction",{"connectorId":1,"idTag":"04A1B2C3D4E5F6","meterStart":0,'
        '"timestamp":"2024-05-01T10:00:00Z"}]\n',
        encoding="utf-8",
    )
    (tmp_path / "site.redacted.jsonl").write_text("an earlier copy\n")  # never overwritten
    app = make_log_app(Settings(), Paths.under(tmp_path), path)
    app.animation_level = "none"
    seen: list = []
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        screen = app.screen
        assert isinstance(screen, LogViewerScreen)
        names = [command.name for command in screen.palette_commands()]
        assert "Export a redacted copy for vendor support…" in names
        palette = OcppCommands(screen)._commands()
        assert all(isinstance(command, SimpleCommand) for command in palette)
        assert "Export a redacted copy for vendor support…" in [c.name for c in palette]
        help_keys = [b.key for _, bindings in app.help_sections() for b in bindings]
        assert "r" in help_keys and "R" in help_keys
        await pilot.press("r")
        await until(pilot, lambda: isinstance(app.screen, PromptScreen))
        await pilot.press("enter")  # the proposed name: site.redacted-2.jsonl
        copy = tmp_path / "site.redacted-2.jsonl"
        await until(
            pilot, lambda: any(isinstance(m, Notify) for m in seen) and copy.exists(), timeout=10
        )
        note = next(m for m in seen if isinstance(m, Notify)).notification
        assert note.severity == "information" and "3 frames written" in note.message
    text = copy.read_text(encoding="utf-8")
    assert "04A1B2C3D4E5F6" not in text and text.count("idtoken-1") == 2
    assert (tmp_path / "site.redacted.jsonl").read_text() == "an earlier copy\n"
