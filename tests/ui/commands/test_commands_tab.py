"""The Commands tab: forms from the schemas, TriggerMessage and its triggered message, Reset."""

from __future__ import annotations

import json

from textual.widgets import Input, OptionList, Select

from ocpptui.app.app import OcppTuiApp
from ocpptui.core.hub import Hub
from ocpptui.ui.chargers.charger_screen import ChargerScreen
from ocpptui.ui.commands.command_form import CommandForm
from ocpptui.ui.commands.commands_panel import CommandsPanel
from ocpptui.ui.frames.frame_table import FrameTable
from tests.ui.charger_tabs import of_type, wait_until


def _field(panel: CommandsPanel, path: str) -> Input | Select:
    form = panel.query_one("#command-form", CommandForm)
    index = [f.path for f in form.fields].index(path)
    return form.query_one(f"#field-{index}")  # type: ignore[return-value]


async def test_trigger_status_notification_arrives_and_is_highlighted(
    app: OcppTuiApp, hub: Hub, charger_tab
) -> None:
    async with charger_tab("tab-commands", CommandsPanel, protocol="ocpp1.6") as tab:
        pilot, panel, seen, _ = tab
        await wait_until(pilot, lambda: panel.form_action == "TriggerMessage")
        requested = _field(panel, "requestedMessage")
        assert isinstance(requested, Select)
        assert "StatusNotification" in [value for _, value in requested._options]
        requested.value = "StatusNotification"
        _field(panel, "connectorId").value = "1"  # type: ignore[union-attr]
        await wait_until(
            pilot,
            lambda: (
                json.loads(panel.editor.text)
                == {"requestedMessage": "StatusNotification", "connectorId": 1}
            ),
        )
        await pilot.press("ctrl+j")
        await wait_until(pilot, lambda: of_type(seen, CommandsPanel.Triggered))
        outcome = panel.outcome_view
        assert outcome.arrived is not None and outcome.arrived.action == "StatusNotification"
        assert outcome.arrived.payload["connectorId"] == 1
        assert outcome.has_class("-arrived")
        assert "TriggerMessage → Accepted" in outcome.head_text
        assert "StatusNotification arrived" in outcome.arrived_text

        # f shows the triggered frame in the frame log.
        panel.query_one("#command-list", OptionList).focus()
        await pilot.press("f")
        screen = app.screen
        assert isinstance(screen, ChargerScreen) and screen.active_tab == "tab-frames"
        table = screen.query_one("#charger-frames", FrameTable)
        await wait_until(pilot, lambda: table.cursor_frame is outcome.arrived)


async def test_a_reset_form_sends_and_shows_the_outcome(
    app: OcppTuiApp, hub: Hub, charger_tab
) -> None:
    async with charger_tab("tab-commands", CommandsPanel, protocol="ocpp1.6") as tab:
        pilot, panel, seen, _ = tab
        panel.select_command("Reset")
        await wait_until(pilot, lambda: panel.form_action == "Reset")
        kind = _field(panel, "type")
        assert isinstance(kind, Select) and kind.value == "Hard"  # required: seeded, no blank
        kind.value = "Soft"
        await wait_until(pilot, lambda: json.loads(panel.editor.text) == {"type": "Soft"})
        await pilot.press("ctrl+j")
        await wait_until(pilot, lambda: of_type(seen, CommandsPanel.Answered))
        outcome = of_type(seen, CommandsPanel.Answered)[0].outcome
        assert outcome.action == "Reset" and outcome.status == "Accepted"
        assert "Reset → Accepted" in panel.outcome_view.head_text
        assert '"status": "Accepted"' in str(
            panel.outcome_view.query_one("#outcome-answer").render()
        )

        # Two connectors reported: the required connector is the technician's choice, not a
        # guess. The form says so, and the JSON follows the form (not the Reset sent before).
        panel.select_command("ReserveNow")
        await wait_until(pilot, lambda: panel.form_action == "ReserveNow")
        connector = _field(panel, "connectorId")
        assert isinstance(connector, Select) and connector.value is Select.NULL
        error = panel.query_one("#command-form-error")
        await wait_until(pilot, lambda: "connectorId: is required" in str(error.render()))
        await wait_until(pilot, lambda: "reservationId" in json.loads(panel.editor.text))
        assert "type" not in json.loads(panel.editor.text)


async def test_forms_start_from_the_running_transaction_and_the_reported_connectors(
    app: OcppTuiApp, hub: Hub, charger_tab
) -> None:
    """RemoteStopTransaction starts with the id the charger runs (not the schema's 1);
    connector fields offer the connectors the charger reported; nothing that looks like a
    real value is made up."""
    async with charger_tab("tab-commands", CommandsPanel, protocol="ocpp1.6") as tab:
        pilot, panel, _, sim = tab
        state = hub.session_for("CP-1").state
        # Before any transaction: nothing to stop, and no id made up for it.
        panel.select_command("RemoteStopTransaction")
        await wait_until(pilot, lambda: panel.form_action == "RemoteStopTransaction")
        field = _field(panel, "transactionId")
        assert isinstance(field, Input) and field.value == ""
        assert "no transaction running" in field.placeholder

        await sim.start_local_transaction(2)
        await wait_until(pilot, lambda: state.active_transactions)
        running = state.active_transactions[-1].transaction_id
        assert running != "1"
        panel.select_command("UnlockConnector")
        await wait_until(pilot, lambda: panel.form_action == "UnlockConnector")
        connector = _field(panel, "connectorId")
        assert isinstance(connector, Select)
        assert [value for _, value in connector._options if value != Select.NULL] == ["1", "2"]
        panel.select_command("RemoteStopTransaction")
        await wait_until(pilot, lambda: panel.form_action == "RemoteStopTransaction")
        field = _field(panel, "transactionId")
        assert isinstance(field, Select) and field.value == running
        await wait_until(
            pilot, lambda: json.loads(panel.editor.text) == {"transactionId": int(running)}
        )

        # A date and time is never hinted with a value that could pass for a real one.
        panel.select_command("RemoteStartTransaction")
        await wait_until(pilot, lambda: panel.form_action == "RemoteStartTransaction")
        valid_from = _field(panel, "chargingProfile.validFrom")
        assert isinstance(valid_from, Input) and not any(
            c.isdigit() for c in valid_from.placeholder
        )


async def test_2x_request_stop_offers_the_running_transaction_and_its_evses(
    app: OcppTuiApp, hub: Hub, charger_tab
) -> None:
    async with charger_tab("tab-commands", CommandsPanel, protocol="ocpp2.0.1") as tab:
        pilot, panel, _, sim = tab
        state = hub.session_for("CP-1").state
        await sim.start_local_transaction(1)
        await wait_until(pilot, lambda: state.active_transactions)
        running = state.active_transactions[-1].transaction_id
        panel.select_command("RequestStopTransaction")
        await wait_until(pilot, lambda: panel.form_action == "RequestStopTransaction")
        field = _field(panel, "transactionId")
        assert isinstance(field, Select) and field.value == running
        panel.select_command("GetCompositeSchedule")
        await wait_until(pilot, lambda: panel.form_action == "GetCompositeSchedule")
        evse = _field(panel, "evseId")
        assert isinstance(evse, Select)
        values = [value for _, value in evse._options if value != Select.NULL]
        assert values[0] == "0" and "1" in values  # 0: the whole station, then the EVSEs
