"""Commissioning reports: the facts from a real charger's frames, escaped, in three files."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from ocpptui.core.configuration import change_configuration, read_configuration
from ocpptui.core.hub import Hub
from ocpptui.services.checklist import ChecklistTarget
from ocpptui.services.report import (
    ReportRequest,
    SiteNotes,
    commissioning_report,
    render_html,
    render_markdown,
    write_report,
)
from ocpptui.sim import SimulatedCharger, SimulatorOptions
from tests.helpers import FAST_SIM, cli_process, connect_raw, listening_port, wait_for
from tests.services.headless_run import run_headless

HOSTILE = "<script>alert(1)</script> [/] [bold"


async def test_report_files_hold_identity_firmware_changes_checklist_and_logs(
    hub: Hub, start_sim, tmp_path: Path
) -> None:
    first = await start_sim("CP-R", firmware="1.4.2")
    session = hub.session_for("CP-R")
    assert session is not None
    await read_configuration(session)
    accepted = await change_configuration(session, "MeterValueSampleInterval", "25")
    refused = await change_configuration(session, "NumberOfConnectors", "9")
    assert (accepted.status, refused.status) == ("Accepted", "Rejected")
    # The charger comes back on new firmware (a second connection, a second boot).
    await first.stop()
    await wait_for(lambda: not session.connected)
    await start_sim("CP-R", firmware="1.5.0")
    charger = hub.chargers["CP-R"]
    assert len(charger.sessions) == 2

    notes = SiteNotes("Ann Installer", "Car park A, bay 3", ["IMG_1.jpg", "IMG_2.jpg"])
    target = ChecklistTarget(target_firmware="1.5.0")
    report = commissioning_report(charger, hub.config, target, notes, now=hub.clock.wall())
    files = write_report(report, tmp_path / "reports")
    assert files.folder.parent == tmp_path / "reports"
    assert files.folder.name.startswith("CP-R-") and files.folder.name.endswith("Z")
    data = json.loads(files.json.read_text(encoding="utf-8"))
    assert data["charger"]["identity"] == "CP-R"
    assert data["charger"]["vendor"] == "ocpp-tui" and data["charger"]["serial"] == "SIM-000001"
    assert data["firmware"]["before"] == "1.4.2" and data["firmware"]["after"] == "1.5.0"
    assert [boot["firmware"] for boot in data["firmware"]["boots"]] == ["1.4.2", "1.5.0"]
    changes = [(c["key"], c["value"], c["status"]) for c in data["changes"]]
    assert changes == [
        ("MeterValueSampleInterval", "25", "Accepted"),
        ("NumberOfConnectors", "9", "Rejected"),
    ]
    items = {item["key"]: item for item in data["checklist"]["items"]}
    assert items["firmware"]["status"] == "pass" and items["boot"]["status"] == "pass"
    assert items["boot"]["at"] is not None and data["checklist"]["computed"] == data["generated"]
    assert data["site"] == notes.to_json()
    assert data["logs"] == [str(s.frame_log.path) for s in charger.sessions]
    assert all(Path(path).is_file() for path in data["logs"])
    # The snapshot is the complete read (before the change); the value read back after the
    # change is listed apart, and the read predates the charger's last boot.
    snapshot = {v["key"]: v["value"] for v in data["configuration"]["values"]}
    assert snapshot["MeterValueSampleInterval"] == "60" and snapshot["NumberOfConnectors"] == "2"
    assert data["configuration"]["since_last_boot"] is False
    later = {v["key"]: (v["value"], v["how"]) for v in data["configuration"]["read_later"]}
    assert later == {
        "MeterValueSampleInterval": (
            "25",
            "GetConfiguration, 1 key by name (read back after ChangeConfiguration)",
        )
    }

    markdown = files.markdown.read_text(encoding="utf-8")
    page = files.html.read_text(encoding="utf-8")
    for text in (markdown, page):
        assert "CP-R" in text and "1.4.2" in text and "1.5.0" in text
        assert "MeterValueSampleInterval" in text and "Rejected" in text
        assert "Ann Installer" in text and "IMG_2.jpg" in text
        assert str(charger.sessions[0].frame_log.path) in text
        assert "Firmware is 1.5.0" in text
    assert "| PASS | BootNotification accepted |" in markdown
    assert '<span class="pass">PASS</span>' in page
    # A second export in the same second gets its own folder.
    again = write_report(report, tmp_path / "reports")
    assert again.folder != files.folder and again.folder.name.startswith(files.folder.name)


async def test_charger_and_technician_text_is_escaped(hub: Hub, tmp_path: Path) -> None:
    charger = await connect_raw(hub, "CP-X")
    await charger.boot_16(vendor="<script>", model="[/]<b>")
    await charger.call(
        "StatusNotification",
        {"connectorId": 1, "status": "Faulted", "errorCode": "OtherError", "info": HOSTILE[:50]},
    )
    notes = SiteNotes(HOSTILE, f"line 1\n{HOSTILE}\n| col |", [HOSTILE, "<img src=x onerror=a()>"])
    report = commissioning_report(
        hub.chargers["CP-X"],
        hub.config,
        ChecklistTarget(target_firmware="</td><script>"),
        notes,
        now=hub.clock.wall(),
    )
    page = render_html(report)
    assert "<script" not in page and "<img" not in page and "<b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; [/] [bold" in page
    assert "&lt;/td&gt;&lt;script&gt;" in page
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    markdown = render_markdown(report)
    assert "<script" not in markdown.replace("\\<script", "")
    assert "\\<script\\>alert(1)\\</script\\> \\[/\\] \\[bold" in markdown
    assert "\\| col \\|" in markdown  # no extra table column
    for line in markdown.splitlines():
        if line.startswith(("| Vendor |", "| Model |")):
            assert line.count(" | ") == 1  # two cells, whatever the charger sent
    files = write_report(report, tmp_path)
    data = json.loads(files.json.read_text(encoding="utf-8"))
    assert data["charger"]["vendor"] == "<script>" and data["site"]["installer"] == HOSTILE
    await charger.connection.close()


PLAYBOOK = """
[[step]]
do = "wait_for_charger"
identity = "CP-PB"
timeout = 20

[[step]]
do = "set_configuration"
values = { MeterValueSampleInterval = "25" }

[[step]]
do = "apply_profile"
file = "site.toml"
"""


async def test_a_playbook_run_writes_the_same_report(tmp_path: Path) -> None:
    (tmp_path / "site.toml").write_text(
        '[profile]\nname = "site"\n[ocpp16]\nHeartbeatInterval = 90\n'
    )
    request = ReportRequest(tmp_path / "reports", SiteNotes("Bo", "", ["p.jpg"]), "1.4.2")
    run = await run_headless(tmp_path, PLAYBOOK, "CP-PB", timeout=30, report_request=request)
    assert run.code == 0, run.output
    folder = Path(run.results["report"])
    assert folder.parent == tmp_path / "reports" and f"report written to {folder}" in run.output
    data = json.loads((folder / "report.json").read_text())
    assert data["playbook"]["ok"] is True
    assert [step["do"] for step in data["playbook"]["steps"]] == [
        "wait_for_charger",
        "set_configuration",
        "apply_profile",
    ]
    assert data["profile"] == "site" and data["site"]["installer"] == "Bo"
    items = {item["key"]: item["status"] for item in data["checklist"]["items"]}
    assert items["configuration"] == "pass"  # apply_profile re-read what it changed
    assert items["firmware"] == "pass"
    assert ("HeartbeatInterval", "90", "Accepted") in [
        (c["key"], c["value"], c["status"]) for c in data["changes"]
    ]
    assert "## Playbook" in (folder / "report.md").read_text()


def test_run_report_options(tmp_path: Path) -> None:
    from ocpptui.cli.parser import build_parser
    from ocpptui.cli.run import report_request
    from ocpptui.paths import Paths

    paths = Paths.under(tmp_path)
    parser = build_parser()
    assert report_request(parser.parse_args(["run", "p.toml"]), paths) is None
    request = report_request(parser.parse_args(["run", "p.toml", "--report"]), paths)
    assert request is not None and request.reports_dir == paths.reports_dir
    args = parser.parse_args(
        ["run", "p.toml", "--report", str(tmp_path / "out"), "--installer", "Ann",
         "--photo", "a.jpg", "--photo", "b.jpg", "--site-notes", "bay 3",
         "--target-firmware", "1.5"]
    )  # fmt: skip
    request = report_request(args, paths)
    assert request is not None and request.reports_dir == tmp_path / "out"
    assert request.notes == SiteNotes("Ann", "bay 3", ["a.jpg", "b.jpg"])
    assert request.target_firmware == "1.5"


async def test_a_key_read_by_name_never_replaces_the_complete_snapshot(
    hub: Hub, start_sim, tmp_path: Path
) -> None:
    """Read all → reboot (a new session) → one key read by name before a transfer: the report
    keeps the complete read, says it predates the boot, and lists the key apart."""
    first = await start_sim("CP-S", firmware="1.4.2")
    session = hub.session_for("CP-S")
    assert session is not None
    await read_configuration(session)
    complete_keys = set(session.state.configuration.entries)
    assert len(complete_keys) > 30
    await first.stop()
    await wait_for(lambda: not session.connected)
    second = await start_sim("CP-S", firmware="1.5.0")
    later = hub.session_for("CP-S")
    assert later is not None and later is not session
    # What a transfer screen reads for itself before offering a file.
    await read_configuration(later, ["SupportedFileTransferProtocols"])
    assert later.state.configuration.method == "1 key by name"
    await second.stop()
    await wait_for(lambda: not later.connected)

    charger = hub.chargers["CP-S"]
    report = commissioning_report(
        charger, hub.config, ChecklistTarget(), SiteNotes(), now=hub.clock.wall()
    )
    configuration = report["configuration"]
    assert {v["key"] for v in configuration["values"]} == complete_keys
    assert configuration["session"] == session.session_id
    assert configuration["how"] == "GetConfiguration, all keys"
    assert configuration["since_last_boot"] is False
    assert [(v["key"], v["how"]) for v in configuration["read_later"]] == [
        ("SupportedFileTransferProtocols", "GetConfiguration, 1 key by name")
    ]
    markdown = render_markdown(report)
    snapshot = markdown.split("## Configuration snapshot", 1)[1].split("\n## ", 1)[0]
    assert "Not read since the last boot" in snapshot
    assert "| HeartbeatInterval |" in snapshot
    assert snapshot.count("\n| ") == 1 + len(complete_keys)  # the header and a row per key
    later_section = markdown.split("## Configuration read later, by name", 1)[1]
    assert "| SupportedFileTransferProtocols |" in later_section.split("\n## ", 1)[0]


async def test_a_2x_snapshot_is_the_full_base_report_not_variables_read_by_name(
    hub: Hub, start_sim
) -> None:
    from ocpptui.core.device_model import VariableRef, get_variables, read_device_model

    await start_sim("CP-S2", protocol="ocpp2.0.1")
    session = hub.session_for("CP-S2")
    assert session is not None
    charger = hub.chargers["CP-S2"]
    ref = VariableRef("OCPPCommCtrlr", "FileTransferProtocols")
    await get_variables(session, [ref])
    report = commissioning_report(
        charger, hub.config, ChecklistTarget(), SiteNotes(), now=hub.clock.wall()
    )
    assert report["configuration"]["values"] == []
    assert "Not read since the last boot" in render_markdown(report)

    await read_device_model(session)
    await get_variables(session, [ref])
    configuration = commissioning_report(
        charger, hub.config, ChecklistTarget(), SiteNotes(), now=hub.clock.wall()
    )["configuration"]
    assert configuration["how"] == "GetBaseReport FullInventory"
    assert len(configuration["values"]) > 20 and configuration["since_last_boot"]
    assert [(v["key"], v["how"]) for v in configuration["read_later"]] == [
        (ref.label, "GetVariables, 1 variable by name")
    ]


REPORT_PLAYBOOK = """
[[step]]
do = "wait_for_charger"
identity = "CP-RR"
timeout = 20

[[step]]
do = "get_configuration"
keys = ["HeartbeatInterval"]
"""


async def test_run_report_reads_the_whole_configuration_first(tmp_path: Path) -> None:
    """`ocpp-tui run --report` after a read of one key: the report reads every key first."""
    (tmp_path / "pb.toml").write_text(REPORT_PLAYBOOK)
    reports = tmp_path / "reports"
    async with cli_process(
        "run", str(tmp_path / "pb.toml"), "--host", "127.0.0.1", "--port", "0",
        "--report", str(reports), home=tmp_path / "home", stderr=asyncio.subprocess.STDOUT,
    ) as process:  # fmt: skip
        _, port = await listening_port(process)
        assert process.stdout is not None
        sim = SimulatedCharger(f"ws://127.0.0.1:{port}/CP-RR", SimulatorOptions(**FAST_SIM))
        sim_task = asyncio.create_task(sim.run())
        try:
            output = (await asyncio.wait_for(process.stdout.read(), 60)).decode()
            assert await process.wait() == 0, output
        finally:
            await sim.stop()
            await sim_task
    assert "reading the configuration for the report" in output
    assert "GetConfiguration (all keys):" in output
    [folder] = list(reports.iterdir())
    configuration = json.loads((folder / "report.json").read_text())["configuration"]
    assert configuration["how"] == "GetConfiguration, all keys"
    assert configuration["since_last_boot"] is True
    assert len(configuration["values"]) > 30
    assert configuration["read_later"] == []  # HeartbeatInterval was read before it
