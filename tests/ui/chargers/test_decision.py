"""Under the "ask" policy a new charger waits for the technician's decision."""

from __future__ import annotations

import json
from pathlib import Path

from ocpptui.app.app import make_app
from ocpptui.core.config import BootAnswer, CsmsConfig, UnknownChargerPolicy
from ocpptui.core.hub import Hub
from ocpptui.paths import Paths
from ocpptui.settings.model import Settings
from ocpptui.ui.chargers.decision_screen import DecisionScreen
from ocpptui.ui.chargers.events_panel import EventsPanel
from tests.helpers import connect_raw
from tests.ui.helpers import SIZE, listening_port, until


async def test_a_new_charger_is_accepted_from_the_question(tmp_path: Path) -> None:
    hub = Hub(
        CsmsConfig(port=0, unknown_policy=UnknownChargerPolicy.ASK),
        sessions_dir=tmp_path / "sessions",
    )
    app = make_app(Settings(), Paths.under(tmp_path), hub, host="127.0.0.1", port=0)
    app.animation_level = "none"
    async with app.run_test(size=SIZE) as pilot:
        await listening_port(pilot, hub)
        charger = await connect_raw(hub, "NEW-1")
        answer = await charger.boot_16(vendor="[/]", model="[bold")
        assert answer[2]["status"] == "Pending"
        await until(pilot, lambda: isinstance(app.screen, DecisionScreen))
        text = str(app.screen.query_one("#decision-text").render())
        assert "NEW-1" in text and "[/] [bold" in text
        await pilot.press("a")
        await until(pilot, lambda: not isinstance(app.screen, DecisionScreen))
        assert hub.config.boot_answers["NEW-1"] is BootAnswer.ACCEPTED

        # The hub asks the waiting charger to boot again at once.
        trigger = await charger.recv_json()
        assert trigger[2] == "TriggerMessage"
        await charger.send_text(json.dumps([3, trigger[1], {"status": "Accepted"}]))
        again = await charger.boot_16()
        assert again[2]["status"] == "Accepted"
        events_text = app.screen.query_one(EventsPanel).query_one("#events-text")
        assert "NEW-1 is new" in str(events_text.render())
