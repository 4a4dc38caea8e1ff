"""The first hour on site (issue 17): the main screen reacts to what happened."""

from __future__ import annotations

from pathlib import Path

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from ocpptui.app import make_app
from ocpptui.core.hub import Hub
from ocpptui.paths import Paths
from ocpptui.settings import Settings
from ocpptui.widgets.welcome_panel import WelcomePanel
from tests.conftest import connect_raw
from tests.ui.conftest import SIZE, listening_port, until


async def test_after_a_refusal_the_welcome_panel_points_to_it_not_to_the_firewall(
    tmp_path: Path, hub: Hub
) -> None:
    app = make_app(
        Settings(), Paths.under(tmp_path), hub, host="127.0.0.1", port=0, no_charger_hint_after=0.01
    )
    app.animation_level = "none"
    async with app.run_test(size=SIZE) as pilot:
        port = await listening_port(pilot, hub)
        welcome = app.screen.query_one(WelcomePanel)
        await until(pilot, lambda: "firewall" in str(welcome.render()))  # nobody came yet

        with pytest.raises(InvalidStatus):
            async with connect(f"ws://127.0.0.1:{port}/CP-9"):  # no subprotocol offered
                pass
        await until(pilot, lambda: "was refused" in str(welcome.render()))
        shown = str(welcome.render())
        assert "A charger reached this laptop but was refused: no subprotocol offered" in shown
        assert "what to do: set the OCPP version" in shown
        assert "n lists every attempt" in shown
        assert "firewall" not in shown  # that attempt has just proved the network works

        charger = await connect_raw(hub, "CP-9")
        await charger.boot_16()
        await until(pilot, lambda: "was refused" not in str(welcome.render()))
