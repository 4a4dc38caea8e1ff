"""The TUI's transfer runs against the orders real chargers use (simulator quirks).

The app's own `FileTransfers` runs what the firmware and diagnostics screens start: per
ordering, a job the charger fails, then two in a row, each judged on its own evidence. And the
firmware screen's status line follows what the file server saw.
"""

from __future__ import annotations

import json
from pathlib import Path

import aiohttp
import pytest
from textual.widgets import Static

from ocpptui.app.file_transfers import DiagnosticsOptions, FirmwareRequest, TransferRun
from ocpptui.core.hub import Hub
from ocpptui.services.diagnostics import DiagnosticsRequest
from ocpptui.services.firmware import FirmwareUpdate
from ocpptui.ui.transfers.firmware_screen import FirmwareScreen
from tests.helpers import RawCharger
from tests.services.file_server.helpers import firmware_file
from tests.services.test_transfer_orderings import CASES, SIM, not_an_image, quirks
from tests.ui.helpers import SIZE, listening_port, until
from tests.ui.transfers.helpers import simulated, transfer_app

pytestmark = pytest.mark.timeout(60)


async def firmware_run(app, identity: str, path: Path) -> TransferRun:
    run = app.transfers.new_run("firmware", identity)
    await app.transfers.run_firmware(run, FirmwareRequest(path=path, scheme="http"))
    return run


async def diagnostics_run(app, identity: str, **options) -> TransferRun:
    run = app.transfers.new_run("diagnostics", identity)
    choice = {"scheme": "http", **options}
    await app.transfers.run_diagnostics(run, DiagnosticsOptions(**choice))
    return run


async def answer_until_update(charger: RawCharger) -> list:
    """Answer the form's read of the protocol list; return the UpdateFirmware call."""
    while True:
        frame = await charger.recv_json()
        if frame[2] == "UpdateFirmware":
            return frame
        assert frame[2] == "GetConfiguration", frame
        key = {"key": "SupportedFileTransferProtocols", "readonly": True, "value": "HTTP"}
        await charger.send_text(json.dumps([3, frame[1], {"configurationKey": [key]}]))


@pytest.mark.parametrize(("protocol", "ordering"), CASES)
async def test_tui_verdicts_after_a_failed_job_and_two_in_a_row(
    tmp_path: Path, hub: Hub, protocol: str, ordering: str
) -> None:
    app = transfer_app(tmp_path, hub)
    options = {**SIM, "firmware_install_seconds": 10}  # longer than a late Installed takes
    async with (
        app.run_test(size=SIZE) as pilot,
        simulated(
            pilot, hub, "SIM-O", protocol=protocol, quirks=quirks(ordering), **options
        ) as charger,
    ):
        failed = await firmware_run(app, "SIM-O", not_an_image(tmp_path))
        assert failed.ok is False and "Install" in failed.job.verdict.summary
        for version in ("2.0.0", "3.0.0"):
            run = await firmware_run(app, "SIM-O", firmware_file(tmp_path, version))
            job = run.job
            assert isinstance(job, FirmwareUpdate) and run.ok, (run.error, job.verdict)
            assert job.verdict.summary.endswith(f"→ {version}")
            assert charger.firmware_version == version
            assert job.watch.completed and "InstallationFailed" not in [
                entry.status for entry in job.timeline
            ]

        failed = await diagnostics_run(app, "SIM-O", scheme="ftp", location_form="file",
                                       retries=0)  # fmt: skip
        assert failed.ok is False
        received = []
        for _ in range(2):
            run = await diagnostics_run(app, "SIM-O")
            job = run.job
            assert isinstance(job, DiagnosticsRequest) and run.ok, (run.error, job.verdict)
            assert not any(entry.status in ("UploadFailed", "UploadFailure")
                           for entry in job.timeline)  # fmt: skip
            received.append(job.received.path)
        assert received[0] != received[1]
        await charger.wait_until(lambda c: c.log_status == "Uploaded", timeout=10)


async def test_the_status_line_follows_the_file_server(tmp_path: Path, hub: Hub) -> None:
    """A charger that fetches the image without a status: the line says it was served."""
    from websockets.asyncio.client import connect

    app = transfer_app(tmp_path, hub)
    async with app.run_test(size=SIZE) as pilot:
        port = await listening_port(pilot, hub)
        connection = await connect(f"ws://127.0.0.1:{port}/ocpp/RAW-FW", subprotocols=["ocpp1.6"])
        charger = RawCharger(connection)
        try:
            await charger.boot_16()
            await until(pilot, lambda: hub.session_for("RAW-FW") is not None)
            run = app.transfers.new_run("firmware", "RAW-FW")
            request = FirmwareRequest(path=firmware_file(tmp_path), scheme="http")
            run.worker = app.run_worker(app.transfers.run_firmware(run, request), group="t")
            await app.open_firmware("RAW-FW")
            await until(pilot, lambda: isinstance(app.screen, FirmwareScreen))
            screen = app.screen

            def status_line() -> str:
                return str(screen.query_one("#transfer-verdict", Static).render())

            update = await answer_until_update(charger)
            await charger.send_text(json.dumps([3, update[1], {}]))
            await until(pilot, lambda: "waiting for it to fetch the file" in status_line())
            async with aiohttp.ClientSession() as http:
                async with http.get(update[3]["location"]) as response:
                    assert response.status == 200
                    await response.read()
            await until(pilot, lambda: "fetch the file" not in status_line())
            assert "downloaded" in status_line()
            await pilot.press("x")  # stop: the file is withdrawn
            await until(pilot, lambda: run.finished)
            assert "stopped by the technician" in run.job.offer_withdrawn
        finally:
            await connection.close()
