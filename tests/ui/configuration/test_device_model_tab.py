"""The Configuration tab of a 2.0.1 charger: the device model tree and SetVariables."""

from __future__ import annotations

from textual.widgets import Checkbox

from ocpptui.app.app import OcppTuiApp
from ocpptui.core.hub import Hub
from ocpptui.ui.configuration.device_model_panel import DeviceModelPanel
from ocpptui.ui.configuration.edit_value_screen import EditValueScreen
from tests.ui.charger_tabs import of_type, type_into, wait_until
from tests.ui.configuration.helpers import edit_variable, tree_node


async def test_the_tree_loads_from_the_base_report_and_set_variables_results_show(
    app: OcppTuiApp, hub: Hub, charger_tab
) -> None:
    async with charger_tab("tab-config", DeviceModelPanel, protocol="ocpp2.0.1") as tab:
        pilot, panel, seen, _ = tab
        await pilot.press("r")
        await wait_until(pilot, lambda: panel.has_data() and not panel.reading)
        model = panel.model
        assert model is not None and model.complete and model.parts >= 1
        tree = panel.tree
        components = {node.data.component for node in tree.root.children if node.data}
        assert {"OCPPCommCtrlr", "ChargingStation", "SecurityCtrlr"} <= components
        assert "FullInventory" in str(panel.query_one("#model-info").render())

        # A writable variable: SetVariables Accepted, then read back.
        await edit_variable(pilot, tree, "OCPPCommCtrlr.HeartbeatInterval")
        await wait_until(pilot, lambda: isinstance(app.screen, EditValueScreen))
        await type_into(pilot, app.screen.query_one("#edit-value"), "45")
        await wait_until(pilot, lambda: of_type(seen, DeviceModelPanel.VariablesSet))
        [result] = of_type(seen, DeviceModelPanel.VariablesSet)[0].results
        assert (result.status, result.attribute_type, result.confirmed_value) == (
            "Accepted",
            "Actual",
            "45",
        )
        label = str(tree_node(tree, "OCPPCommCtrlr.HeartbeatInterval").label)
        assert "= 45" in label and "Accepted" in label

        # A variable the charger reports ReadOnly: the editor warns, sending needs a tick,
        # and the charger's Rejected shows.
        await edit_variable(pilot, tree, "ChargingStation.VendorName")
        await wait_until(pilot, lambda: isinstance(app.screen, EditValueScreen))
        editor = app.screen
        assert "ReadOnly" in str(editor.query_one("#edit-warning").render())
        await type_into(pilot, editor.query_one("#edit-value"), "Other")
        assert isinstance(app.screen, EditValueScreen) and "send anyway" in editor.error_text
        editor.query_one("#edit-anyway", Checkbox).value = True
        await type_into(pilot, editor.query_one("#edit-value"), "Other")
        await wait_until(pilot, lambda: len(of_type(seen, DeviceModelPanel.VariablesSet)) == 2)
        [result] = of_type(seen, DeviceModelPanel.VariablesSet)[1].results
        assert result.status == "Rejected"
        label = str(tree_node(tree, "ChargingStation.VendorName").label)
        assert "Rejected" in label and "Other" not in label
