"""The commissioning screen: a live checklist, evidence into the inspector, notes, the report."""

from __future__ import annotations

import json

from textual.widgets import DataTable, Input, Static, TextArea

from ocpptui.app.app import OcppTuiApp
from ocpptui.core.hub import Hub
from ocpptui.services.checklist import CheckStatus
from ocpptui.ui.chargers.charger_screen import ChargerScreen
from ocpptui.ui.commissioning.commissioning_screen import CommissioningScreen
from ocpptui.ui.frames.frame_inspector_screen import FrameInspectorScreen
from tests.ui.commissioning.helpers import open_commissioning
from tests.ui.helpers import SIZE, listening_port, until

HOSTILE = "<script>[/] [bold"


async def test_the_checklist_follows_the_charger_and_opens_its_evidence(
    app: OcppTuiApp, hub: Hub
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        charger, screen = await open_commissioning(pilot, app, hub, "CP-1", key=True)
        assert screen.checklist.item("boot").status is CheckStatus.PASS
        assert screen.checklist.item("connectors").status is CheckStatus.PENDING
        table = screen.query_one("#checklist", DataTable)
        assert table.row_count == len(screen.checklist.items) + 1  # and the violations row
        assert str(table.get_cell("boot", "result")) == "PASS"

        # A faulted connector arrives: the checklist follows without a key press.
        await charger.call(
            "StatusNotification",
            {"connectorId": 1, "status": "Faulted", "errorCode": "GroundFailure"},
        )
        await until(pilot, lambda: str(table.get_cell("connectors", "result")) == "FAIL")
        assert "GroundFailure" in str(table.get_cell("connectors", "detail"))

        # Its evidence is the StatusNotification; enter opens it in the inspector.
        table.focus()
        await pilot.press("down", "down", "down")
        await until(pilot, lambda: screen._evidence_key == "connectors")
        evidence = screen.query_one("#evidence", DataTable)
        assert evidence.row_count == 1
        await pilot.press("enter")
        assert evidence.has_focus
        frame = screen.selected_frame()
        assert frame is not None and frame.action == "StatusNotification"
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, FrameInspectorScreen))
        assert app.screen.frame is frame
        await charger.connection.close()


async def test_notes_and_export_say_where_the_report_went(app: OcppTuiApp, hub: Hub) -> None:
    async with app.run_test(size=SIZE) as pilot:
        charger, screen = await open_commissioning(pilot, app, hub, "CP-1")
        await pilot.click("#installer")
        await pilot.press(*"Ann")
        screen.query_one("#photos", Input).value = "IMG_1.jpg, IMG_2.jpg"
        screen.query_one("#site-notes", TextArea).text = HOSTILE
        screen.query_one("#target-firmware", Input).value = "2.0"
        await pilot.press("ctrl+s")
        result = screen.query_one("#export-result", Static)
        # The configuration was never read: the export reads it first. This charger never
        # answers: ctrl+s again exports without waiting.
        await until(pilot, lambda: "reading the configuration first" in str(result.render()))
        await pilot.press("ctrl+s")
        await until(pilot, lambda: "Report written to" in str(result.render()))
        folders = list(app.paths.reports_dir.iterdir())
        assert len(folders) == 1 and folders[0].name.startswith("CP-1-")
        assert str(folders[0]) in str(result.render())
        data = json.loads((folders[0] / "report.json").read_text())
        assert data["site"] == {
            "installer": "Ann",
            "notes": HOSTILE,
            "photos": ["IMG_1.jpg", "IMG_2.jpg"],
        }
        assert data["charger"]["vendor"] == "[/]<b>"
        items = {item["key"]: item for item in data["checklist"]["items"]}
        assert items["firmware"]["status"] == "fail"  # runs 1.0, the target is 2.0
        assert "<script>" not in (folders[0] / "report.html").read_text()
        assert "Not read since the last boot" in (folders[0] / "report.md").read_text()

        # What was typed survives leaving the screen.
        await pilot.press("escape")  # one escape leaves, even from a form field
        await until(pilot, lambda: not isinstance(app.screen, CommissioningScreen))
        await app.open_commissioning("CP-1")
        await until(pilot, lambda: isinstance(app.screen, CommissioningScreen))
        await pilot.pause()
        assert app.screen.query_one("#installer", Input).value == "Ann"
        await charger.connection.close()


async def test_the_palette_opens_the_checklist_and_a_profile_is_read_and_checked(
    app: OcppTuiApp, hub: Hub, start_sim
) -> None:
    profile = app.paths.profiles_dir / "site.toml"
    profile.parent.mkdir(parents=True)
    profile.write_text('[profile]\nname = "Site"\n[ocpp16]\nHeartbeatInterval = 300\n')
    async with app.run_test(size=SIZE) as pilot:
        await listening_port(pilot, hub)
        await start_sim("CP-2")
        await pilot.press("ctrl+p", *"commissioning checklist", "enter")
        await until(pilot, lambda: isinstance(app.screen, CommissioningScreen))
        screen = app.screen
        assert isinstance(screen, CommissioningScreen)
        await pilot.pause()
        assert screen.checklist.item("configuration").status is CheckStatus.SKIPPED
        screen.use_profile(profile)
        item = screen.checklist.item("configuration")
        assert item.status is CheckStatus.PENDING and "not read" in item.detail
        assert item.title == "Configuration matches profile 'Site'"
        await pilot.press("ctrl+r")  # reads the profile's keys from the charger
        await until(
            pilot, lambda: screen.checklist.item("configuration").status is CheckStatus.FAIL
        )
        assert (
            "HeartbeatInterval is '60', wanted '300'"
            in screen.checklist.item("configuration").detail
        )


async def test_export_after_a_transfer_screen_reads_the_whole_configuration_first(
    tmp_path, hub: Hub
) -> None:
    """serve → a charger → open it → g → esc → k → ctrl+s: the report's snapshot is a complete
    read made for the export, not the one key the diagnostics screen read for itself."""
    from ocpptui.ui.transfers.diagnostics_screen import DiagnosticsScreen
    from tests.ui.transfers.helpers import simulated, transfer_app

    app = transfer_app(tmp_path, hub)
    async with app.run_test(size=SIZE) as pilot, simulated(pilot, hub, "SIM-SNAP"):
        session = hub.session_for("SIM-SNAP")
        await app.open_charger("SIM-SNAP")
        await until(pilot, lambda: isinstance(app.screen, ChargerScreen) and app.screen.is_mounted)
        await pilot.press("g")
        await until(pilot, lambda: isinstance(app.screen, DiagnosticsScreen))
        table = lambda: session.state.configuration  # noqa: E731
        await until(
            pilot,
            lambda: table() is not None and table().value("SupportedFileTransferProtocols"),
        )
        assert len(table().entries) == 1
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, ChargerScreen))
        await pilot.press("k")
        await until(pilot, lambda: isinstance(app.screen, CommissioningScreen))
        screen = app.screen
        await pilot.press("ctrl+s")
        result = screen.query_one("#export-result", Static)
        await until(pilot, lambda: "Report written to" in str(result.render()), timeout=15)
        [folder] = list(app.paths.reports_dir.iterdir())
        configuration = json.loads((folder / "report.json").read_text())["configuration"]
        assert configuration["how"] == "GetConfiguration, all keys"
        assert configuration["since_last_boot"] is True
        assert len(configuration["values"]) > 30
        markdown = (folder / "report.md").read_text()
        assert "As read from the charger at" in markdown

        # A second export uses that read: nothing is read again.
        asked_all = lambda: [  # noqa: E731
            f for f in hub.chargers["SIM-SNAP"].frames
            if f.action == "GetConfiguration" and f.message_type == 2 and not f.payload
        ]  # fmt: skip
        assert len(asked_all()) == 1
        await pilot.press("ctrl+s")
        await until(pilot, lambda: len(list(app.paths.reports_dir.iterdir())) == 2)
        assert len(asked_all()) == 1
