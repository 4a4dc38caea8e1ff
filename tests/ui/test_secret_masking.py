"""Passwords set on a charger are never shown in the TUI's tables (issue 16, point 10):
the 1.6 configuration table and the 2.x device model tree show ****, the editor takes the
new password hidden, and the frame log keeps the exact frames."""

from __future__ import annotations

import asyncio
import contextlib
import json

from textual.notifications import Notify
from textual.widgets import Input
from websockets.asyncio.client import ClientConnection, connect

from ocpptui.app.app import OcppTuiApp
from ocpptui.core.hub import Hub
from ocpptui.ui.chargers.charger_screen import TABS, ChargerScreen
from ocpptui.ui.configuration.device_model_panel import DeviceModelPanel
from ocpptui.ui.configuration.edit_value_screen import EditValueScreen
from ocpptui.ui.configuration.keys_panel import KeysPanel
from tests.ui.charger_tabs import of_type, type_into, wait_until
from tests.ui.configuration.helpers import edit_variable
from tests.ui.helpers import SIZE, listening_port

OLD_KEY = "0123456789abcdefOLDKEY"
NEW_KEY = "fedcba9876543210NEWKEY"


async def _careless_charger(ws: ClientConnection, stored: dict[str, str]) -> None:
    """A 1.6 charger that reports its AuthorizationKey in GetConfiguration (real ones do)."""
    async for text in ws:
        frame = json.loads(text)
        if frame[0] != 2:
            continue
        action, payload = frame[2], frame[3]
        if action == "GetConfiguration":
            keys = [
                {"key": name, "readonly": False, "value": value} for name, value in stored.items()
            ]
            answer = {"configurationKey": keys}
        elif action == "ChangeConfiguration":
            stored[payload["key"]] = payload["value"]
            answer = {"status": "Accepted"}
        else:
            answer = {}
        await ws.send(json.dumps([3, frame[1], answer]))


async def test_the_configuration_table_never_shows_the_authorization_key(
    app: OcppTuiApp, hub: Hub
) -> None:
    seen: list = []
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        port = await listening_port(pilot, hub)
        ws = await connect(f"ws://127.0.0.1:{port}/CP-1", subprotocols=["ocpp1.6"])  # type: ignore[list-item]
        await ws.send('[2,"b","BootNotification",{"chargePointVendor":"V","chargePointModel":"M"}]')
        await ws.recv()
        stored = {"AuthorizationKey": OLD_KEY, "HeartbeatInterval": "60"}
        charger = asyncio.create_task(_careless_charger(ws, stored))
        try:
            await app.open_charger("CP-1")
            await wait_until(pilot, lambda: isinstance(app.screen, ChargerScreen))
            await pilot.press(str([pane for pane, _ in TABS].index("tab-config") + 1))
            await wait_until(pilot, lambda: bool(app.screen.query(KeysPanel)))
            panel = app.screen.query_one(KeysPanel)
            panel.focus()
            await pilot.press("r")
            await wait_until(pilot, lambda: panel.has_data() and not panel.reading)
            table = panel.table_widget
            assert table.row_for("AuthorizationKey").value == "****"
            assert str(table.get_row("AuthorizationKey")[2]) == "****"
            assert OLD_KEY not in app.export_screenshot()

            # The editor neither shows nor pre-fills the old key, and hides what is typed.
            table.focus()
            table.move_cursor(row=table.get_row_index("AuthorizationKey"), animate=False)
            await pilot.press("enter")
            await wait_until(pilot, lambda: isinstance(app.screen, EditValueScreen))
            editor = app.screen
            field = editor.query_one("#edit-value", Input)
            assert field.password and field.value == ""
            assert OLD_KEY not in str(editor.query_one("#edit-info").render())
            await type_into(pilot, field, NEW_KEY)
            await wait_until(pilot, lambda: of_type(seen, KeysPanel.ValueChanged))
            [changed] = of_type(seen, KeysPanel.ValueChanged)
            assert changed.result.status == "Accepted"
            await wait_until(pilot, lambda: isinstance(app.screen, ChargerScreen))
            assert table.row_for("AuthorizationKey").value == "****"
            notes = " ".join(m.notification.message for m in of_type(seen, Notify))
            assert "AuthorizationKey = ****" in notes
            for secret in (OLD_KEY, NEW_KEY):
                assert secret not in notes and secret not in app.export_screenshot()
        finally:
            charger.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await charger
            await ws.close()
    # The frame log keeps the exact frames.
    raw = [frame.raw for frame in hub.chargers["CP-1"].frames]
    assert any(NEW_KEY in text for text in raw) and any(OLD_KEY in text for text in raw)


async def test_the_device_model_tree_never_shows_the_basic_auth_password(
    app: OcppTuiApp, hub: Hub, charger_tab
) -> None:
    password = "s3cret-Basic-Auth-Pa55"
    async with charger_tab("tab-config", DeviceModelPanel, protocol="ocpp2.0.1") as tab:
        pilot, panel, seen, _ = tab
        await pilot.press("r")
        await wait_until(pilot, lambda: panel.has_data() and not panel.reading)
        await edit_variable(pilot, panel.tree, "SecurityCtrlr.BasicAuthPassword")
        await wait_until(pilot, lambda: isinstance(app.screen, EditValueScreen))
        field = app.screen.query_one("#edit-value", Input)
        assert field.password
        await type_into(pilot, field, password)
        await wait_until(pilot, lambda: of_type(seen, DeviceModelPanel.VariablesSet))
        [result] = of_type(seen, DeviceModelPanel.VariablesSet)[0].results
        assert result.status == "RebootRequired"  # the simulator keeps it for the reboot
        attribute = panel.model.entries[result.ref].attributes["Actual"]
        assert attribute.value == password  # known to the core: the tree must not show it
        await wait_until(pilot, lambda: isinstance(app.screen, ChargerScreen))
        tree = panel.tree
        tree.move_cursor(
            next(
                node
                for component in tree.root.children
                for node in component.children
                if node.data and node.data.ref == result.ref
            ),
            animate=False,
        )
        await pilot.pause()
        assert "= ****" in str(tree.cursor_node.label)
        assert password not in app.export_screenshot()
        notes = " ".join(m.notification.message for m in of_type(seen, Notify))
        assert password not in notes
