"""Site runs (issue 20, points 2 and 4): a playbook against a whole sheet on loopback.

Real mini-CSMS, real file server over HTTP, real simulated chargers of 1.6 and 2.0.1, one
that fails its firmware on purpose, one already on its target, and one not on the sheet.
"""

from __future__ import annotations

import asyncio
import io
import itertools
import json
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from ocpptui.core.config import CsmsConfig
from ocpptui.core.frame import Direction
from ocpptui.core.hub import Hub
from ocpptui.headless import run_site_headless
from ocpptui.services.file_server import FileServer
from ocpptui.services.playbook import SKIPPED, PlaybookError, parse_playbook
from ocpptui.services.report import ReportRequest, SiteNotes
from ocpptui.services.site_batch import ItemState
from ocpptui.services.site_run import (
    Site,
    SiteRun,
    charger_playbook,
    check_site_playbook,
)
from ocpptui.services.site_sheet import SheetCharger, load_sheet
from ocpptui.sim import SimulatedCharger, SimulatorOptions
from tests.helpers import FAST_SIM, loopback_file_server

PROFILE = (
    '[profile]\nname = "car-park"\n'
    "[ocpp16]\nMeterValueSampleInterval = 30\n"
    '[ocpp201]\n"SampledDataCtrlr.TxUpdatedInterval" = 30\n'
)
# Firmware first: a new image may reset the configuration, so the profile goes on after it.
PLAYBOOK = """\
[[step]]
do = "wait_for_charger"

[[step]]
do = "update_firmware"
file = "{firmware}"
wait = "Booted"
timeout = 30

[[step]]
do = "apply_profile"
file = "{profile}"
"""
SHEET = """\
[site]
name = "Car park <A> | north"
timeout = 60

[[charger]]
identity = "CP-16"
location = "Bay 1"
profile = "car-park.toml"
target_firmware = "2.0.0"
firmware = "fw-2.0.0.bin"

[[charger]]
identity = "CP-201"
location = "Bay 2"
profile = "car-park.toml"
target_firmware = "2.0.0"
firmware = "fw-2.0.0.bin"

[[charger]]
identity = "CP-BAD"
location = "Bay 3"
profile = "car-park.toml"
target_firmware = "2.0.0"
firmware = "fw-2.0.0.bin"

[[charger]]
identity = "CP-DONE"
location = "Bay 4"
target_firmware = "1.4.2"
firmware = "fw-2.0.0.bin"
"""
SIM = {**FAST_SIM, "firmware_install_seconds": 1.0}


@pytest.fixture
def site_files(tmp_path: Path) -> Path:
    (tmp_path / "car-park.toml").write_text(PROFILE)
    (tmp_path / "fw-2.0.0.bin").write_bytes(b"SIMFW version=2.0.0\n" + os.urandom(200_000))
    (tmp_path / "pb.toml").write_text(PLAYBOOK)
    (tmp_path / "site.toml").write_text(SHEET)
    return tmp_path


def _file_server_factory(tmp_path: Path):
    async def start() -> FileServer:
        server = loopback_file_server(tmp_path / "uploads")
        await server.start()
        return server

    return start


class Chargers:
    """Simulated chargers started against a port, stopped at the end."""

    def __init__(self) -> None:
        self.running: list[tuple[SimulatedCharger, asyncio.Task[None]]] = []

    def start(self, port: int, identity: str, **options: Any) -> SimulatedCharger:
        url = f"ws://127.0.0.1:{port}/{identity}"
        charger = SimulatedCharger(url, SimulatorOptions(**{**SIM, **options}))
        self.running.append((charger, asyncio.create_task(charger.run())))
        return charger

    async def stop(self) -> None:
        for charger, task in self.running:
            await charger.stop()
            await task


@pytest.fixture
async def chargers() -> AsyncIterator[Chargers]:
    started = Chargers()
    yield started
    await started.stop()


def _download_windows(hub: Hub) -> list[tuple[float, float]]:
    """(first Downloading, first status after it) of each charger's firmware update."""
    windows = []
    for charger in hub.chargers.values():
        statuses = [
            (frame.mono, frame.payload["status"])
            for frame in charger.frames
            if frame.action == "FirmwareStatusNotification"
            and frame.direction is Direction.IN
            and frame.message_type == 2
        ]
        begun = next((t for t, status in statuses if status == "Downloading"), None)
        if begun is None:
            continue
        ended = next(t for t, status in statuses if t > begun and status != "Downloading")
        windows.append((begun, ended))
    return windows


async def test_a_site_run_commissions_each_sheet_charger_and_leaves_others_alone(
    site_files: Path, chargers: Chargers
) -> None:
    tmp_path = site_files
    hub = Hub(CsmsConfig(port=0, call_timeout=5), sessions_dir=tmp_path / "sessions")
    started: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    output = io.StringIO()
    run = asyncio.create_task(
        run_site_headless(
            hub,
            tmp_path / "pb.toml",
            tmp_path / "site.toml",
            parallel=1,
            host="127.0.0.1",
            port=0,
            json_out=tmp_path / "out.json",
            out=output,
            on_started=started.set_result,
            file_server_factory=_file_server_factory(tmp_path),
            report_request=ReportRequest(tmp_path / "reports", SiteNotes("Ann Installer")),
        )
    )
    port = await started
    chargers.start(port, "CP-16")
    chargers.start(port, "CP-201", protocol="ocpp2.0.1")
    chargers.start(port, "CP-BAD", firmware_failure="install")
    chargers.start(port, "CP-DONE")
    chargers.start(port, "CP-X")  # not on the sheet
    assert await asyncio.wait_for(run, 60) == 1, output.getvalue()
    text = output.getvalue()
    results = json.loads((tmp_path / "out.json").read_text())

    by_identity = {charger["identity"]: charger for charger in results["chargers"]}
    assert list(by_identity) == ["CP-16", "CP-201", "CP-BAD", "CP-DONE"]
    assert results["ok"] is False and results["unexpected"] == ["CP-X"]
    assert results["site"]["name"] == "Car park <A> | north"
    assert "CP-X is not on the sheet: answered, left alone" in text
    assert not any(line.startswith("CP-X [") for line in text.splitlines())
    # The 1.6 and 2.0.1 chargers: new firmware (after a reboot that kept the run), profile.
    for identity in ("CP-16", "CP-201"):
        charger = by_identity[identity]
        assert charger["ok"] and charger["seen"] and charger["firmware"] == "2.0.0", charger
        assert [step["do"] for step in charger["steps"]] == [
            "wait_for_charger",
            "update_firmware",
            "apply_profile",
        ]
        assert charger["steps"][1]["response"]["verdict"] == "firmware 1.4.2 → 2.0.0"
        assert len(hub.chargers[identity].sessions) == 2  # reconnected onto the new image
    profile_201 = by_identity["CP-201"]["steps"][2]["response"]
    assert profile_201["SampledDataCtrlr.TxUpdatedInterval"]["after"] == "30"
    # The one that fails its firmware on purpose: the failure, and nothing after it.
    bad = by_identity["CP-BAD"]
    assert not bad["ok"] and bad["firmware"] == "1.4.2"
    assert bad["error"].startswith("update_firmware: InstallationFailed")
    assert bad["steps"][2]["error"] == SKIPPED
    # Already on its target: the firmware step says so instead of installing anything.
    done = by_identity["CP-DONE"]
    assert done["ok"] and done["steps"][1]["not_needed"] == "already on 1.4.2"
    assert done["steps"][2]["not_needed"] == "the sheet gives CP-DONE no profile"
    assert "CP-DONE [2/3] update_firmware not needed: already on 1.4.2" in text
    assert hub.chargers["CP-DONE"].sessions[-1].state.firmware == "1.4.2"
    # --parallel 1: no two chargers downloaded at the same time.
    windows = sorted(_download_windows(hub))
    assert len(windows) == 3
    assert all(earlier[1] <= later[0] for earlier, later in itertools.pairwise(windows))

    # The site report, with each charger's own report beside it.
    folder = Path(results["report"])
    assert folder.parent == tmp_path / "reports" and f"site report written to {folder}" in text
    site = json.loads((folder / "site.json").read_text())
    lines = {line["identity"]: line for line in site["chargers"]}
    assert site["site"]["installer"] == "Ann Installer"
    assert site["verdict"] | {"checked": None} == {
        "ok": False,
        "checked": None,  # heartbeats are still to come: the checklist may be pending
        "ran": 4,
        "passed": 3,
        "total": 4,
    }
    assert "3 of 4 passed the playbook." in (folder / "site.md").read_text()
    assert lines["CP-16"]["firmware"] | {"result": None} == {
        "before": "1.4.2",
        "after": "2.0.0",
        "target": "2.0.0",
        "result": None,
    }
    assert lines["CP-201"]["vendor"] == "ocpp-tui" and lines["CP-201"]["protocol"] == "ocpp2.0.1"
    assert lines["CP-16"]["profile"] == {
        "name": "car-park",
        "ok": True,
        "result": "applied (1 key verified)",
    }
    assert lines["CP-16"]["checklist"]["summary"].endswith("checks passed")
    assert any(entry.startswith("CP-BAD (Bay 3): update_firmware:") for entry in site["open"])
    assert "CP-X: connected but is not on the sheet" in site["open"]
    own = folder / lines["CP-16"]["report"] / "report.json"
    assert json.loads(own.read_text())["playbook"]["ok"] is True
    assert by_identity["CP-16"]["report"] == str(own.parent)
    assert all(Path(path).exists() for path in site["logs"]) and len(site["logs"]) >= 6
    html = (folder / "site.html").read_text()
    assert f'<a href="{lines["CP-16"]["report"]}/report.html">report</a>' in html
    assert "Car park &lt;A&gt; | north" in html
    assert "Car park \\<A\\> \\| north" in (folder / "site.md").read_text()


async def test_a_charger_that_never_comes_fails_the_site_at_its_timeout(
    site_files: Path, chargers: Chargers
) -> None:
    """A charger still installing when the site times out is stopped with a note that says
    so; one that never connected is listed as such; the exit code is 1."""
    tmp_path = site_files
    (tmp_path / "site.toml").write_text(
        '[site]\ntimeout = 2\n\n[[charger]]\nidentity = "CP-SLOW"\nfirmware = "fw-2.0.0.bin"\n\n'
        '[[charger]]\nidentity = "CP-AWAY"\nlocation = "Bay 9"\n'
    )
    sheet = load_sheet(tmp_path / "site.toml")
    hub = Hub(CsmsConfig(port=0, call_timeout=5), sessions_dir=tmp_path / "sessions")
    server = await hub.start_server("127.0.0.1", 0)
    notes: list[str] = []
    site = Site(sheet, hub)
    playbook = parse_playbook(PLAYBOOK, tmp_path / "pb.toml")
    run = SiteRun(
        site,
        playbook,
        parallel=2,
        file_server_factory=_file_server_factory(tmp_path),
        on_note=notes.append,
    )
    try:
        # Installing takes 20 s (simulated): the site's 2 s end while it installs.
        chargers.start(server.port, "CP-SLOW", firmware_install_seconds=400)
        assert await asyncio.wait_for(run.run(), 30) is False
    finally:
        await chargers.stop()
        await hub.stop()
    results = run.results()
    slow, away = results["chargers"]
    assert results["site"]["timed_out"] is True
    assert away == away | {"seen": False, "ok": False, "steps": []}
    assert away["error"] == "never connected before the site timed out"
    assert run.batch.items["CP-SLOW"].state is ItemState.CANCELLED
    assert slow["seen"] and not slow["ok"]
    assert notes == [
        "CP-SLOW: firmware installation in progress when the site timed out — "
        "the charger was not told to stop"
    ]
    assert slow["error"] == notes[0] and slow["notes"] == notes


def test_sheet_values_fill_each_chargers_steps() -> None:
    playbook = parse_playbook(
        '[[step]]\ndo = "call"\naction = "DataTransfer"\n'
        'payload = { vendorId = "acme", data = "{identity} at {location}" }\n\n'
        '[[step]]\ndo = "update_firmware"\nfile = "{firmware}"\n\n'
        '[[step]]\ndo = "sleep"\nseconds = 0\n'
    )
    charger = SheetCharger("CP-1", "Bay 1", None, "1.4.2", None)
    own, skipped = charger_playbook(playbook, charger)
    assert own.steps[0].options == {
        "action": "DataTransfer",
        "payload": {"vendorId": "acme", "data": "CP-1 at Bay 1"},
        "identity": "CP-1",
    }
    assert skipped == {1: "the sheet gives CP-1 no firmware image"}
    assert own.steps[2].options == {"seconds": 0}
    assert playbook.steps[0].options["payload"]["data"] == "{identity} at {location}"


@pytest.mark.parametrize(
    ("step", "message"),
    [
        (
            'do = "update_firmware"\nfile = "{firmwre}"',
            "pb.toml:1: step 1 (line 1): unknown sheet value {firmwre}; did you mean {firmware}?",
        ),
        (
            'do = "reset"\nidentity = "CP-7"',
            "pb.toml:1: step 1 (line 1): identity = 'CP-7': with --site the playbook runs",
        ),
    ],
)
def test_a_site_playbook_is_checked_against_the_sheet_columns(step: str, message: str) -> None:
    playbook = parse_playbook(f"[[step]]\n{step}\n", Path("pb.toml"))
    with pytest.raises(PlaybookError) as error:
        check_site_playbook(playbook)
    assert str(error.value).startswith(message)


def test_an_invalid_sheet_exits_2_before_the_server_starts(site_files: Path) -> None:
    import subprocess
    import sys

    (site_files / "site.toml").write_text(
        '[[charger]]\nidentity = "CP-1"\n\n[[charger]]\nidentity = "CP-1"\n'
    )
    result = subprocess.run(
        [sys.executable, "-m", "ocpptui", "run", str(site_files / "pb.toml"),
         "--site", str(site_files / "site.toml"), "--host", "127.0.0.1", "--port", "0"],
        capture_output=True, text=True, timeout=30,
        env={**os.environ, "OCPP_TUI_HOME": str(site_files / "home")},
    )  # fmt: skip
    assert result.returncode == 2, result.stdout + result.stderr
    assert (
        f"invalid site sheet: {site_files / 'site.toml'}:5: duplicate identity 'CP-1' "
        "(also on line 2)" in result.stdout
    )
    assert "listening" not in result.stdout


def test_a_site_larger_than_the_connection_caps_is_warned_about() -> None:
    from ocpptui.core.config import CsmsConfig
    from ocpptui.services.site_run import connection_cap_warning

    # The defaults hold a 40-charger site, even behind one router.
    assert connection_cap_warning(40, CsmsConfig()) is None
    assert "past 64 are refused ([server] max_connections_per_ip)" in connection_cap_warning(
        65, CsmsConfig()
    )
    capped = connection_cap_warning(40, CsmsConfig(max_connections=30))
    assert capped.startswith("the sheet lists 40 chargers but the mini-CSMS holds 30")
