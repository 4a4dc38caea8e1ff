"""Playbook transfer verdicts against the orders real chargers use (simulator quirks).

Each case runs, against one simulated charger and the real file server on loopback: a job the
charger fails, then a playbook with two jobs in a row. Every verdict must rest on that job's
own evidence: a status left over from the job before (a late Installed after the reboot, a
repeated failure) decides nothing, and the charger's transfers finish with the file offered.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from ocpptui.core.hub import Hub
from ocpptui.services.diagnostics import DiagnosticsRequest
from ocpptui.services.file_server import FileServer, TransferFinished
from ocpptui.services.playbook import PlaybookRun, parse_playbook
from tests.helpers import wait_for
from tests.services.file_server.helpers import firmware_file

pytestmark = pytest.mark.timeout(60)

# Fast transfers; a late Installed 0.3 s after the post-update boot, as chargers send it.
SIM: dict[str, Any] = {
    "firmware_install_seconds": 0.5,
    "transfer_retry_interval": 1,
    "status_repeat_interval": 1,  # 50 ms at the tests' speedup
    "post_boot_status_delay": 0.3,
}
ORDERINGS = {
    "ocpp1.6": [
        "in-order",
        "installed-after-boot",
        "status-before-answer",
        "repeated-statuses",
        "fetches-twice",
    ],
    # 2.x always reports Installed after the boot.
    "ocpp2.0.1": ["in-order", "status-before-answer", "repeated-statuses", "fetches-twice"],
}
CASES = [(protocol, ordering) for protocol, names in ORDERINGS.items() for ordering in names]


def quirks(ordering: str) -> set[str]:
    return set() if ordering == "in-order" else {ordering}


async def run_playbook(hub: Hub, text: str, file_server: FileServer) -> PlaybookRun:
    async def factory() -> FileServer:
        return file_server

    run = PlaybookRun(parse_playbook(text), hub, file_server_factory=factory)
    run.ok = await run.run()  # type: ignore[attr-defined]
    return run


def not_an_image(folder: Path) -> Path:
    """A file the simulator refuses to install (no version in it or in its name)."""
    path = folder / "notes.bin"
    path.write_bytes(os.urandom(50_000))
    return path


@pytest.mark.parametrize(("protocol", "ordering"), CASES)
async def test_firmware_verdicts_after_a_failed_job_and_two_in_a_row(
    hub: Hub, start_sim, file_server: FileServer, tmp_path: Path, protocol: str, ordering: str
) -> None:
    # Installing takes 0.5 s: longer than a late Installed of the job before takes to come.
    options = {**SIM, "firmware_install_seconds": 10}
    charger = await start_sim("CP-O", protocol=protocol, quirks=quirks(ordering), **options)
    failed = await run_playbook(
        hub,
        f'[[step]]\ndo = "update_firmware"\nfile = "{not_an_image(tmp_path)}"\ntimeout = 20\n',
        file_server,
    )
    assert not failed.ok
    assert "Install" in failed.results[0].error  # InstallationFailed / InstallVerificationFailed

    # The first waits for the boot (a 1.6 charger reboots right after Installed, and a request
    # sent into that reboot is lost); the second waits for Installed, which comes late from
    # chargers that report it after their boot: the first job's must not do.
    served: set[str] = set()  # the offers whose whole file the charger fetched
    file_server.subscribe(
        lambda e: served.add(e.transfer.token) if isinstance(e, TransferFinished) else None
    )
    second, third = firmware_file(tmp_path, "2.0.0"), firmware_file(tmp_path, "3.0.0")
    run = await run_playbook(
        hub,
        f'[[step]]\ndo = "update_firmware"\nfile = "{second}"\nwait = "Booted"\n'
        f'timeout = 20\n\n[[step]]\ndo = "update_firmware"\nfile = "{third}"\ntimeout = 20\n',
        file_server,
    )
    assert run.ok, [r.to_json() for r in run.results]
    # It passed on the charger's own word for this image: Installed, or the boot onto it.
    assert charger.firmware_status == "Installed" or charger.firmware_version == "3.0.0"
    for step, version in zip(run.results, ("2.0.0", "3.0.0"), strict=True):
        assert f"{version}.bin" in step.request["url"]
        assert "InstallationFailed" not in step.response["statuses"]
        # The step passed after the charger fetched this step's image, not before.
        assert step.request["url"].split("/")[-2] in served
    # The verdict of the second step is the charger really running its image.
    await charger.wait_until(lambda c: c.firmware_version == "3.0.0", timeout=10)
    assert charger.last_firmware_download.url == run.results[1].request["url"]
    await wait_for(lambda: hub.session_for("CP-O").state.firmware == "3.0.0", timeout=10)


@pytest.mark.parametrize(("protocol", "ordering"), CASES)
async def test_diagnostics_verdicts_after_a_failed_job_and_two_in_a_row(
    hub: Hub, start_sim, file_server: FileServer, tmp_path: Path, protocol: str, ordering: str
) -> None:
    charger = await start_sim("CP-O", protocol=protocol, quirks=quirks(ordering), **SIM)
    # The simulator stores FTP uploads under the location as a folder: a file URL fails.
    failed = DiagnosticsRequest(
        hub, "CP-O", file_server, scheme="ftp", location_form="file", retries=0
    )
    await failed.start()
    assert not (await failed.wait(timeout=20)).ok
    failed.close()

    run = await run_playbook(
        hub,
        '[[step]]\ndo = "get_diagnostics"\ntimeout = 20\n\n'
        '[[step]]\ndo = "get_diagnostics"\ntimeout = 20\n',
        file_server,
    )
    assert run.ok, [r.to_json() for r in run.results]
    files = [Path(step.response["file"]) for step in run.results]
    assert files[0] != files[1] and all(path.exists() for path in files)
    for step in run.results:
        assert "UploadFailed" not in step.response["statuses"]
    # The charger's own view: its last upload went through (a second fetch was not refused).
    await charger.wait_until(lambda c: c.log_status == "Uploaded", timeout=10)
