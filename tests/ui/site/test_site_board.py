"""The site board (issue 20, point 3) under run_test, with simulated chargers on loopback."""

from __future__ import annotations

import json
import os
from pathlib import Path

from textual.notifications import Notify
from textual.widgets import ProgressBar, Static
from textual.widgets._footer import FooterKey

from ocpptui.app.app import OcppTuiApp, make_app
from ocpptui.core.hub import Hub
from ocpptui.paths import Paths
from ocpptui.services.site_batch import ItemState
from ocpptui.services.site_sheet import load_sheet
from ocpptui.ui.common.confirm_screen import ConfirmScreen
from ocpptui.ui.files.open_file_screen import OpenFileScreen
from ocpptui.ui.site.site_board_screen import SiteBoardScreen
from ocpptui.ui.site.site_open import looks_like_sheet
from ocpptui.ui.site.site_table import SiteTable
from tests.ui.charger_tabs import of_type, type_into, wait_until
from tests.ui.helpers import SIZE
from tests.ui.transfers.helpers import loopback_settings, simulated

PROFILE = (
    '[profile]\nname = "car-park"\n'
    "[ocpp16]\nMeterValueSampleInterval = 30\n"
    '[ocpp201]\n"SampledDataCtrlr.TxUpdatedInterval" = 30\n'
)


def _sheet(folder: Path) -> Path:
    (folder / "car-park.toml").write_text(PROFILE)
    (folder / "fw-2.0.0.bin").write_bytes(b"SIMFW version=2.0.0\n" + os.urandom(100_000))
    charger = (
        '[[charger]]\nidentity = "{0}"\nlocation = "Bay {0}"\nprofile = "car-park.toml"\n'
        'target_firmware = "2.0.0"\nfirmware = "fw-2.0.0.bin"\n\n'
    )
    text = '[site]\nname = "Car park A"\n\n' + "".join(
        charger.format(identity) for identity in ("CP-1", "CP-2", "CP-3")
    )
    # A location is the sheet's free text: never markup on the board.
    text = text.replace('"Bay CP-3"', '"[/] [bold Bay 3"')
    (folder / "site.toml").write_text(text)
    return folder / "site.toml"


def _board_app(tmp_path: Path, hub: Hub, sheet: Path | None) -> OcppTuiApp:
    app = make_app(
        loopback_settings(),
        Paths.under(tmp_path),
        hub,
        host="127.0.0.1",
        port=0,
        site_sheet=load_sheet(sheet) if sheet is not None else None,
    )
    app.animation_level = "none"
    return app


def _cell(table: SiteTable, row: str, column: str) -> str:
    return str(table.get_cell(row, column))


async def test_board_shows_the_sheet_and_applies_profiles_to_the_selected_chargers(
    tmp_path: Path, hub: Hub
) -> None:
    app = _board_app(tmp_path, hub, _sheet(tmp_path))
    seen: list = []
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, SiteBoardScreen))
        board = app.screen
        table = board.table
        await wait_until(pilot, lambda: table.row_count == 3)
        assert _cell(table, "CP-3", "state") == "not seen yet"
        assert _cell(table, "CP-3", "location") == "[/] [bold Bay 3"
        async with (
            simulated(pilot, hub, "CP-1", protocol="ocpp1.6"),
            simulated(pilot, hub, "CP-2", protocol="ocpp2.0.1"),
            simulated(pilot, hub, "CP-X", protocol="ocpp1.6"),
        ):
            await wait_until(pilot, lambda: table.row_count == 4)
            assert _cell(table, "unexpected:CP-X", "location") == "not on the sheet"
            await wait_until(pilot, lambda: _cell(table, "CP-2", "state") == "connected 2.0.1")
            assert _cell(table, "CP-1", "profile") == "car-park: not yet"

            # Select CP-1 and CP-2 (not CP-3), then apply their profiles.
            table.focus()
            await pilot.press("space", "down", "space")
            assert table.selected == {"CP-1", "CP-2"}
            await pilot.press("p")
            await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
            await pilot.press("y")
            await wait_until(pilot, lambda: of_type(seen, SiteBoardScreen.BatchFinished))
            batch = board.batch
            assert batch is not None and set(batch.items) == {"CP-1", "CP-2"}
            assert {item.state for item in batch.items.values()} == {ItemState.PASSED}
            assert batch.items["CP-1"].result["MeterValueSampleInterval"]["after"] == "30"
            assert batch.items["CP-2"].result["SampledDataCtrlr.TxUpdatedInterval"]["after"] == "30"
            board.refresh_board()
            assert _cell(table, "CP-1", "profile") == "✓ applied"
            assert _cell(table, "CP-2", "batch") == "✓ profile car-park applied"
            assert _cell(table, "CP-3", "profile") == "car-park: not yet"
            assert board.site.records["CP-1"].profile.ok is True
            assert board.query_one("#site-progress", ProgressBar).progress == 100
            line = str(board.query_one("#site-status", Static).render())
            assert line == "Apply profile: 2 of 2 done, 2 passed"
            # The unexpected charger was never touched by the batch.
            assert "CP-X" not in batch.items
            assert _cell(table, "unexpected:CP-X", "batch") == "left alone"

            # The site report from the board: the profile results are in it.
            await pilot.press("e")
            reports = app.paths.reports_dir
            await wait_until(pilot, lambda: list(reports.glob("site-Car_park_A-*/site.json")))
            site = json.loads(next(reports.glob("site-Car_park_A-*/site.json")).read_text())
            lines = {line["identity"]: line for line in site["chargers"]}
            assert lines["CP-1"]["profile"]["result"] == "applied (1 key verified)"
            assert (
                lines["CP-3"]["seen"] is False
                and "CP-3 ([/] [bold Bay 3): never connected" in (site["open"])
            )
            assert site["unexpected"] == ["CP-X"]


async def test_a_cancelled_firmware_batch_says_what_it_left_in_progress(
    tmp_path: Path, hub: Hub
) -> None:
    app = _board_app(tmp_path, hub, _sheet(tmp_path))
    seen: list = []
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, SiteBoardScreen))
        board = app.screen
        # Installing takes 100 s (simulated): the batch is stopped while it installs.
        async with simulated(pilot, hub, "CP-1", firmware_install_seconds=2000):
            board.table.focus()
            await pilot.press("space", "u")
            await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
            await pilot.press("y")
            session = hub.session_for("CP-1")
            await wait_until(pilot, lambda: session.state.firmware_status == "Installing", 10)
            item = board.batch.items["CP-1"]
            assert item.state is ItemState.RUNNING and item.changing == "firmware update"
            # The charger's own firmware screen follows the same upgrade.
            assert app.transfers.run_for("firmware", "CP-1") is not None
            await pilot.press("s")
            await wait_until(pilot, lambda: of_type(seen, SiteBoardScreen.BatchFinished))
            note = (
                "CP-1: firmware installation in progress when cancelled — "
                "the charger was not told to stop"
            )
            assert item.state is ItemState.CANCELLED and item.note == note
            assert note in [n.notification.message for n in of_type(seen, Notify)]
            assert note in str(board.query_one("#site-status", Static).render())
            assert board.site.records["CP-1"].notes == [note]
            board.refresh_board()
            assert _cell(board.table, "CP-1", "batch").startswith("firmware installation in")
            assert _cell(board.table, "CP-1", "firmware") == "charger: Installing"
            # Nothing was sent to stop it: the charger is still installing.
            assert session.state.firmware_status == "Installing"


async def test_the_board_opens_from_the_main_screen_with_b(tmp_path: Path, hub: Hub) -> None:
    sheet = _sheet(tmp_path)
    app = _board_app(tmp_path, hub, None)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("b")
        await wait_until(pilot, lambda: isinstance(app.screen, OpenFileScreen))
        await type_into(pilot, app.screen.query_one("#open-path"), str(sheet))
        await wait_until(pilot, lambda: isinstance(app.screen, SiteBoardScreen))
        assert app.screen.table.row_count == 3
        # At 80 columns the footer keeps help and quit; the palette has every batch action.
        await wait_until(pilot, lambda: app.screen.query(FooterKey))
        actions = [key.action for key in app.screen.query(FooterKey)]
        assert {"help", "quit"} <= set(actions), actions
        titles = [command.name for command in app.screen.palette_commands()]
        assert "Site: update firmware" in titles and "Site: write the site report" in titles
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, SiteBoardScreen))
        await pilot.press("b")  # back to the same board, without asking again
        await wait_until(pilot, lambda: isinstance(app.screen, SiteBoardScreen))


def test_only_toml_and_csv_files_are_offered_as_site_sheets(tmp_path: Path) -> None:
    # A README that shows an example sheet holds "[[charger]]" too; it is no sheet.
    (tmp_path / "README.md").write_text("```toml\n[[charger]]\nidentity = 'A'\n```\n")
    (tmp_path / "site.toml").write_text("[site]\nname = 'A'\n\n[[charger]]\nidentity = 'A'\n")
    (tmp_path / "site.csv").write_text("identity,location\nA,Bay 1\n")
    (tmp_path / "notes.toml").write_text("[other]\nx = 1\n")
    offered = sorted(p.name for p in tmp_path.iterdir() if looks_like_sheet(p))
    assert offered == ["site.csv", "site.toml"]
