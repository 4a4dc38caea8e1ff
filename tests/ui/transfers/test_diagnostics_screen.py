"""The diagnostics screen: a real GetDiagnostics upload from the simulator to the file server."""

from __future__ import annotations

import hashlib
from pathlib import Path

from textual.widgets import Static, TextArea

from ocpptui.core.hub import Hub
from ocpptui.services.diagnostics import DiagnosticsRequest
from ocpptui.ui.chargers.charger_screen import ChargerScreen
from ocpptui.ui.transfers.diagnostics_screen import DiagnosticsScreen
from ocpptui.ui.transfers.file_viewer_screen import FileViewerScreen, describe_bytes
from tests.ui.helpers import SIZE, until
from tests.ui.transfers.helpers import simulated, transfer_app


async def test_get_diagnostics_over_http_shows_the_received_file(tmp_path: Path, hub: Hub) -> None:
    app = transfer_app(tmp_path, hub)
    async with app.run_test(size=SIZE) as pilot, simulated(pilot, hub, "SIM-DIAG"):
        await app.open_charger("SIM-DIAG")
        await until(pilot, lambda: isinstance(app.screen, ChargerScreen) and app.screen.is_mounted)
        await pilot.press("g")
        await until(
            pilot,
            lambda: isinstance(app.screen, DiagnosticsScreen) and app.screen.query("#retries"),
        )
        screen = app.screen
        assert isinstance(screen, DiagnosticsScreen)
        await pilot.press("ctrl+s")
        run = app.transfers.run_for("diagnostics", "SIM-DIAG")
        assert run is not None
        await until(pilot, lambda: run.finished, timeout=15)
        await pilot.pause()
        job = run.job
        assert isinstance(job, DiagnosticsRequest) and job.received is not None, run.error
        assert job.action == "GetDiagnostics" and job.location.startswith("http://127.0.0.1:")
        received = job.received
        # Saved in the charger's session folder, beside its frame log.
        frames = hub.session_for("SIM-DIAG").frame_log.path
        assert received.path.parent == frames.parent
        digest = hashlib.sha256(received.path.read_bytes()).hexdigest()
        assert received.sha256 == digest
        head = str(screen.query_one("#transfer-head", Static).render())
        assert received.path.name in head and str(received.path.parent) in head
        assert digest in head
        assert f"{received.size:,} bytes" in head
        assert "✔" in str(screen.query_one("#transfer-verdict", Static).render())

        await pilot.press("o")
        await until(
            pilot, lambda: isinstance(app.screen, FileViewerScreen) and app.screen.query(TextArea)
        )
        viewer = app.screen
        await until(pilot, lambda: "bytes ·" in str(viewer.query_one("#viewer-about").render()))
        shown = viewer.query_one(TextArea).text
        assert shown  # text as text, or a hex dump of an archive
        await pilot.press("escape")
        assert app.screen is screen

        # Again with a file-style URL, for chargers that upload to the URL as given.
        await pilot.press("n")
        await pilot.click("#location-file")
        await pilot.press("ctrl+s")
        again = app.transfers.run_for("diagnostics", "SIM-DIAG")
        assert again is not None and again is not run
        await until(pilot, lambda: again.finished, timeout=15)
        job = again.job
        assert isinstance(job, DiagnosticsRequest) and job.received is not None, again.error
        assert job.location_form == "file" and not job.location.endswith("/")


def test_viewer_shows_text_plainly_and_binary_as_hex() -> None:
    data = b"[bold]boot ok[/]\r\nline 2\x1b[31m\n"
    what, text = describe_bytes(data, len(data))
    assert what == "text"
    assert text == "[bold]boot ok[/]\nline 2\\x1b[31m\n"
    what, text = describe_bytes(b"PK\x03\x04" + bytes(range(40)), 10_000)
    assert what.startswith("ZIP archive")
    assert text.startswith("00000000  50 4b 03 04")
