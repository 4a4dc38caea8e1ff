"""File pickers (issue 17): they open where ocpp-tui was started and take a typed or pasted path."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual import events
from textual.widgets import Input, OptionList

from ocpptui.app.app import OcppTuiApp
from ocpptui.core.hub import Hub
from ocpptui.ui.configuration.keys_panel import KeysPanel
from ocpptui.ui.files.file_paths import typed_path
from ocpptui.ui.files.file_picker_screen import FilePickerScreen
from ocpptui.ui.files.open_file_screen import OpenFileScreen
from ocpptui.ui.frames.open_log_screen import OpenLogScreen
from ocpptui.ui.transfers.firmware_screen import FirmwareScreen
from tests.ui.charger_tabs import wait_until
from tests.ui.helpers import SIZE, listening_port, until

PROFILE = '[profile]\nname = "Car park A"\n\n[ocpp16]\nHeartbeatInterval = 300\n'


@pytest.fixture
def site_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The folder the technician started ocpp-tui from, with the files for this site."""
    folder = tmp_path / "site with spaces"
    folder.mkdir()
    (folder / "image-2.0.bin").write_bytes(b"SIMFW version=2.0\n" + bytes(1000))
    (folder / "car-park-a.toml").write_text(PROFILE, encoding="utf-8")
    (folder / "csms.log").write_text('2024-05-01T10:00:00Z SEND: [2,"1","Heartbeat",{}]\n')
    monkeypatch.chdir(folder)
    return folder


def test_typed_and_pasted_paths_are_read_as_meant(site_folder: Path) -> None:
    image = site_folder / "image-2.0.bin"
    assert typed_path("image-2.0.bin") == image  # relative to the launch folder
    assert typed_path(f"  '{image}'\n") == image  # pasted from a file manager, quoted
    assert typed_path(f'"{image}"') == image
    assert typed_path("file://" + str(image).replace(" ", "%20")) == image
    assert typed_path(str(image).replace(" ", "\\ ")) == image  # dragged into a terminal
    assert typed_path("~/fw.bin") == Path.home() / "fw.bin"


async def test_the_firmware_picker_opens_here_and_takes_a_pasted_path(
    app: OcppTuiApp, hub: Hub, start_sim, site_folder: Path
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await listening_port(pilot, hub)
        await start_sim("CP-1")
        await app.open_firmware("CP-1")
        await until(pilot, lambda: isinstance(app.screen, FirmwareScreen))
        firmware = app.screen
        firmware.action_browse()
        await until(pilot, lambda: isinstance(app.screen, FilePickerScreen))
        await pilot.pause()
        picker = app.screen
        assert Path(picker.tree.path) == site_folder
        assert picker.tree.has_focus

        # Pasted while the tree has the focus: it lands in the path field; enter picks it.
        image = site_folder / "image-2.0.bin"
        picker.tree.post_message(events.Paste(f"'{image}'"))
        field = picker.query_one("#picker-path", Input)
        await until(pilot, lambda: field.has_focus and field.value == f"'{image}'")
        await pilot.press("enter")
        await until(pilot, lambda: app.screen is firmware)
        assert firmware.query_one("#fw-path", Input).value == str(image)
        await until(pilot, lambda: firmware.hashed is not None)
        assert firmware.hashed.path == image.resolve()

        # A typed folder is shown in the tree; a wrong path says so.
        firmware.action_browse()
        await until(pilot, lambda: isinstance(app.screen, FilePickerScreen))
        await pilot.pause()
        picker = app.screen
        field = picker.query_one("#picker-path", Input)
        field.focus()
        field.value = str(site_folder.parent)
        await pilot.press("enter")
        await until(pilot, lambda: Path(picker.tree.path) == site_folder.parent)
        assert picker.tree.has_focus  # on to the folder's files
        field.focus()
        field.value = "no-such-image.bin"
        await pilot.press("enter")
        assert "no file or folder" in str(picker.query_one("#picker-error").render())


async def test_the_profile_picker_lists_the_profiles_here(
    app: OcppTuiApp, hub: Hub, charger_tab, site_folder: Path
) -> None:
    async with charger_tab("tab-config", KeysPanel) as (pilot, _, _, _):
        await pilot.press("p")
        await wait_until(pilot, lambda: isinstance(app.screen, OpenFileScreen))
        files = app.screen.query_one("#open-files", OptionList)
        labels = [str(files.get_option_at_index(i).prompt) for i in range(files.option_count)]
        assert str(site_folder / "car-park-a.toml") in labels


async def test_the_log_picker_lists_the_logs_here_and_takes_a_pasted_path(
    app: OcppTuiApp, hub: Hub, site_folder: Path
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        app.action_open_log()
        await until(pilot, lambda: isinstance(app.screen, OpenLogScreen))
        await pilot.pause()
        screen = app.screen
        files = screen.query_one("#open-log-recent", OptionList)
        labels = [str(files.get_option_at_index(i).prompt) for i in range(files.option_count)]
        assert labels == ["csms.log"]
        assert files.has_focus
        files.post_message(events.Paste(f'"{site_folder / "csms.log"}"'))
        field = screen.query_one("#open-log-path", Input)
        await until(pilot, lambda: field.has_focus)
        await pilot.press("enter")
        await until(pilot, lambda: app.screen is not screen)
        assert site_folder.name in str(app.screen.query_one("#log-info").render())
