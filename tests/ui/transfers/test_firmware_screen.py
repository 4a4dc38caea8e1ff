"""The firmware screen against the real simulator and the real file server on loopback."""

from __future__ import annotations

import hashlib
import os
import socket
from pathlib import Path
from types import SimpleNamespace

from textual.widgets import Input, ProgressBar, Static

from ocpptui.app.app import OcppTuiApp
from ocpptui.core.hub import Hub
from ocpptui.services.firmware import ADVICE, FirmwareUpdate
from ocpptui.services.transfer_job import Verdict
from ocpptui.ui.chargers.charger_screen import ChargerScreen
from ocpptui.ui.common.confirm_screen import ConfirmScreen
from ocpptui.ui.transfers.firmware_screen import FirmwareScreen
from ocpptui.ui.transfers.transfer_live import verdict_content
from ocpptui.ui.transfers.transfer_options import TransferOptions
from ocpptui.ui.transfers.transfer_timeline import TransferTimeline
from tests.ui.helpers import SIZE, until
from tests.ui.transfers.helpers import simulated, transfer_app


def image(folder: Path, version: str, size: int = 300_000) -> Path:
    path = folder / f"image-{version}.bin"
    path.write_bytes(f"SIMFW version={version}\n".encode() + os.urandom(size))
    return path


def static_text(screen: FirmwareScreen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


def timeline_text(screen: FirmwareScreen) -> str:
    table = screen.query_one(TransferTimeline)
    return "\n".join(
        " ".join(str(cell) for cell in table.get_row_at(row)) for row in range(table.row_count)
    )


async def open_firmware_screen(
    app: OcppTuiApp, pilot, identity: str, *, by_key: bool = False
) -> FirmwareScreen:
    """The firmware screen: by `u` on the charger screen, or straight from the app."""
    if by_key:
        await app.open_charger(identity)
        await until(pilot, lambda: isinstance(app.screen, ChargerScreen) and app.screen.is_mounted)
        await pilot.press("u")
    else:
        await app.open_firmware(identity)
    await until(
        pilot, lambda: isinstance(app.screen, FirmwareScreen) and app.screen.query("#retries")
    )
    screen = app.screen
    assert isinstance(screen, FirmwareScreen)
    return screen


async def choose_file(pilot, screen: FirmwareScreen, path: Path) -> None:
    field = screen.query_one("#fw-path", Input)
    field.focus()
    field.value = str(path)
    await pilot.press("enter")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    await until(pilot, lambda: digest in static_text(screen, "#fw-file-info"))


async def test_firmware_upgrade_of_a_16_charger_over_http(tmp_path: Path, hub: Hub) -> None:
    app = transfer_app(tmp_path, hub)
    new_image = image(tmp_path, "2.0.0")
    async with app.run_test(size=SIZE) as pilot, simulated(pilot, hub, "SIM-FW", firmware="1.4.2"):
        screen = await open_firmware_screen(app, pilot, "SIM-FW", by_key=True)
        await choose_file(pilot, screen, new_image)
        info = static_text(screen, "#fw-file-info")
        assert f"{new_image.stat().st_size:,} bytes" in info

        # The simulator lists FTP,HTTP: the form reads the list and keeps HTTP.
        options = screen.query_one(TransferOptions)
        await until(pilot, lambda: options.listed is not None)
        assert options.scheme == "http" and options.warning is None

        await pilot.press("ctrl+s")
        run = app.transfers.run_for("firmware", "SIM-FW")
        assert run is not None
        await until(pilot, lambda: run.finished, timeout=15)
        job = run.job
        assert isinstance(job, FirmwareUpdate)
        assert run.error is None and job.verdict is not None and job.verdict.ok, job.verdict
        await pilot.pause()

        bar = screen.query_one("#transfer-bar", ProgressBar)
        assert bar.percentage == 1.0
        assert job.progress.bytes_done == new_image.stat().st_size
        head = static_text(screen, "#transfer-head")
        assert job.url is not None and job.url in head
        assert job.url.startswith("http://127.0.0.1:")
        assert f"TCP {app.transfers.server.ports.http} (HTTP)" in head
        assert "1.4.2 → 2.0.0" in head
        verdict = static_text(screen, "#transfer-verdict")
        assert "✔" in verdict and "1.4.2 → 2.0.0" in verdict
        timeline = timeline_text(screen)
        for status in ("UpdateFirmware answered", "Downloading", "Downloaded", "Installed"):
            assert status in timeline
        assert "disconnected" in timeline and "reconnected" in timeline
        assert hub.session_for("SIM-FW").state.firmware == "2.0.0"


async def test_firmware_download_failure_shows_what_to_check(tmp_path: Path, hub: Hub) -> None:
    app = transfer_app(tmp_path, hub)
    new_image = image(tmp_path, "2.0.0", size=2_000)
    async with (
        app.run_test(size=SIZE) as pilot,
        simulated(pilot, hub, "SIM-FAIL", firmware_failure="download"),
    ):
        screen = await open_firmware_screen(app, pilot, "SIM-FAIL")
        await choose_file(pilot, screen, new_image)
        screen.query_one("#retries", Input).value = "0"
        await pilot.press("ctrl+s")
        run = app.transfers.run_for("firmware", "SIM-FAIL")
        assert run is not None
        await until(pilot, lambda: run.finished, timeout=15)
        await pilot.pause()
        assert run.ok is False
        verdict = static_text(screen, "#transfer-verdict")
        assert "DownloadFailed" in verdict
        assert "Advice:" in verdict and "image" in verdict
        assert "DownloadFailed" in timeline_text(screen)
        assert hub.session_for("SIM-FAIL").state.firmware == "1.4.2"
        # Back to the form for another try.
        await pilot.press("n")
        assert not screen.showing_live


def test_a_failed_verdict_does_not_say_check_twice() -> None:
    """The advice often starts with "check that ...": its label must not be "Check:" too."""
    run = SimpleNamespace(error=None, job=None)
    advice = ADVICE["InstallationFailed"]
    verdict = Verdict(False, "InstallationFailed: the charger could not install the image", advice)
    text = str(verdict_content(run, verdict, "waiting"))  # type: ignore[arg-type]
    assert f"Advice: {advice}" in text
    assert "check: check" not in text.lower()


async def test_form_problems_and_a_busy_port_are_explained(tmp_path: Path, hub: Hub) -> None:
    app = transfer_app(tmp_path, hub)
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    app.transfers.settings.http_port = busy.getsockname()[1]
    async with app.run_test(size=(80, 24)) as pilot, simulated(pilot, hub, "SIM-FORM"):
        screen = await open_firmware_screen(app, pilot, "SIM-FORM")
        field = screen.query_one("#fw-path", Input)
        field.value = str(tmp_path / "missing[/]bold.bin")
        await pilot.press("enter")
        await until(pilot, lambda: "no such file" in static_text(screen, "#fw-file-info"))
        await pilot.press("ctrl+s")  # no file: nothing starts
        assert app.transfers.run_for("firmware", "SIM-FORM") is None

        options = screen.query_one(TransferOptions)
        await until(pilot, lambda: options.listed is not None)
        options.query_one("#scheme-https").disabled = False  # as if the laptop served HTTPS
        options.available = (*options.available, "https")
        await pilot.click("#scheme-https")
        assert options.scheme == "https"
        assert "not HTTPS" in str(options.query_one("#scheme-note", Static).render())
        await pilot.click("#scheme-http")

        # The file server cannot bind: the run ends with the reason, nothing crashes.
        await choose_file(pilot, screen, image(tmp_path, "[bold]2.0.0", size=1_000))
        await pilot.press("ctrl+s")
        run = app.transfers.run_for("firmware", "SIM-FORM")
        assert run is not None
        await until(pilot, lambda: run.finished)
        await pilot.pause()
        assert run.ok is False
        verdict = static_text(screen, "#transfer-verdict")
        assert "used by another program" in verdict and "http_port" in verdict
        assert isinstance(app.screen, FirmwareScreen)
    busy.close()


async def test_stop_watching_and_quit_asks_while_an_upgrade_runs(tmp_path: Path, hub: Hub) -> None:
    app = transfer_app(tmp_path, hub)
    async with app.run_test(size=SIZE) as pilot, simulated(pilot, hub, "SIM-LATER"):
        screen = await open_firmware_screen(app, pilot, "SIM-LATER")
        await choose_file(pilot, screen, image(tmp_path, "2.0.0", size=1_000))
        screen.query_one("#fw-retrieve", Input).value = "+1h"
        await pilot.press("ctrl+s")
        run = app.transfers.run_for("firmware", "SIM-LATER")
        assert run is not None
        await until(pilot, lambda: "UpdateFirmware answered" in timeline_text(screen))
        assert not run.finished

        # Quitting now would leave the charger without its file: the app asks first.
        await pilot.press("ctrl+q")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("escape")
        assert app.screen is screen and app.is_running

        await pilot.press("x")
        await until(pilot, lambda: run.finished)
        await pilot.pause()
        assert "stopped watching" in static_text(screen, "#transfer-verdict")
        await pilot.press("n")
        assert not screen.showing_live

        await pilot.press("ctrl+s")
        await until(pilot, lambda: app.transfers.active_runs)
        await pilot.press("ctrl+q")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await until(pilot, lambda: not app.is_running)


async def test_the_address_choice_offers_only_where_the_file_server_listens(
    tmp_path: Path, hub: Hub
) -> None:
    # `serve --host 127.0.0.1` binds the file server there too ([files] bind_host empty):
    # an address of another interface would hand the charger a URL nobody answers on.
    app = transfer_app(tmp_path, hub)
    app.transfers.settings.bind_host = ""
    app.transfers.settings.advertise_host = ""
    async with app.run_test(size=SIZE) as pilot, simulated(pilot, hub, "SIM-ADDR"):
        screen = await open_firmware_screen(app, pilot, "SIM-ADDR")
        options = screen.query_one(TransferOptions)
        assert hub.listen_host == "127.0.0.1"
        assert [address.address for address in options.addresses] == ["127.0.0.1"]
        assert options.default_address == "127.0.0.1"
