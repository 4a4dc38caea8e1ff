"""Opening the site board: a sheet picked from a folder, `serve --site`, the palette.

The board is installed once per sheet, so leaving it (escape) keeps its batches running and
`b` comes back to it; opening another sheet replaces it unless a batch runs there.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from textual.command import SimpleCommand

from ocpptui.services.site_run import Site
from ocpptui.services.site_sheet import SiteSheet, SiteSheetError, load_sheet
from ocpptui.ui.common.display_text import shorten
from ocpptui.ui.files.open_file_screen import OpenFileScreen
from ocpptui.ui.site.site_board_screen import SiteBoardScreen

if TYPE_CHECKING:
    from ocpptui.app.app import OcppTuiApp


def looks_like_sheet(path: Path) -> bool:
    """Whether a file in the folder is a site sheet (a .toml with [[charger]], a .csv)."""
    suffix = path.suffix.lower()
    if suffix not in (".toml", ".csv", ".tsv"):
        return False  # a README showing an example sheet is not one
    try:
        with path.open("rb") as file:
            head = file.read(65_536)
    except OSError:
        return False
    if suffix in (".csv", ".tsv"):
        return b"identity" in head.split(b"\n", 1)[0]
    return b"[[charger]]" in head


def show_site_board(app: OcppTuiApp, sheet: SiteSheet, *, parallel: int | None = None) -> None:
    """Open the board of `sheet` (it replaces the board of another sheet, not a running one)."""
    name = "site-board"
    if app.is_screen_installed(name):
        board = app.get_screen(name)
        assert isinstance(board, SiteBoardScreen)
        if board.site.sheet.source == sheet.source and board.site.sheet.source is not None:
            if board not in app.screen_stack:
                app.push_screen(name)
            return
        if board.running:
            app.notify("A batch runs on the open site: stop it first (s)", severity="warning")
            return
        if board in app.screen_stack:
            app.pop_screen()
        board.site.stop()
        app.uninstall_screen(name)
    board = SiteBoardScreen(
        Site(sheet, app.hub), app.transfers, app.paths, app.clock, parallel=parallel
    )
    app.install_screen(board, name)
    app.push_screen(name)


def open_site_board(app: OcppTuiApp) -> None:
    """The board of the open site, or ask for a sheet first."""
    if app.is_screen_installed("site-board"):
        board = app.get_screen("site-board")
        if board not in app.screen_stack:
            app.push_screen("site-board")
        return
    pick_site_sheet(app)


def pick_site_sheet(app: OcppTuiApp) -> None:
    """Ask which site sheet to open, then show its board (a wrong sheet: why, and where)."""
    folders = [Path.cwd(), app.paths.config_dir / "sites"]

    def picked(path: Path | None) -> None:
        if path is None:
            return
        try:
            sheet = load_sheet(path)
        except SiteSheetError as exc:
            app.notify(str(exc), title="Invalid site sheet", severity="error", markup=False)
            return
        show_site_board(app, sheet)

    app.push_screen(
        OpenFileScreen(
            "Open a site sheet",
            folders,
            "*.*",
            accept=looks_like_sheet,
            what="site sheets (.toml, .csv)",
        ),
        picked,
    )


def site_board_commands(app: OcppTuiApp) -> list[SimpleCommand]:
    """Palette entries: open a sheet, and back to the open site's board."""
    commands: list[SimpleCommand] = [
        SimpleCommand(
            "Site: open a site sheet…",
            lambda: pick_site_sheet(app),
            "A car park's chargers on one board: batch profile, firmware, trigger, reset, report",
        )
    ]
    if app.is_screen_installed("site-board"):
        board = app.get_screen("site-board")
        assert isinstance(board, SiteBoardScreen)
        commands.append(
            SimpleCommand(
                f"Site board: {shorten(board.site.sheet.name, 48)}",
                lambda: open_site_board(app),
                "Every charger of the open site sheet, and its batches",
            )
        )
    return commands
