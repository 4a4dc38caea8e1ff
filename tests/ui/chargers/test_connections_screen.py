"""The connections view (every attempt, refused or accepted) and the charger's link panel."""

from __future__ import annotations

import contextlib
import json

from textual.widgets import DataTable, Static
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidHandshake

from ocpptui.app.app import OcppTuiApp
from ocpptui.core.config import BootAnswer, UnknownChargerPolicy, ValidationPolicy
from ocpptui.core.hub import Hub
from ocpptui.ui.chargers.charger_link_panel import ChargerLinkPanel
from ocpptui.ui.chargers.charger_screen import ChargerScreen
from ocpptui.ui.chargers.connections_screen import ConnectionsScreen
from tests.ui.helpers import SIZE, listening_port, until


def row_text(table: DataTable, row: int) -> str:
    return " | ".join(str(cell) for cell in table.get_row_at(row))


async def test_refused_and_accepted_attempts_with_reason_and_advice(
    app: OcppTuiApp, hub: Hub
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        port = await listening_port(pilot, hub)
        await pilot.press("n")
        await until(
            pilot,
            lambda: isinstance(app.screen, ConnectionsScreen) and app.screen.query("#attempts"),
        )
        screen = app.screen
        assert isinstance(screen, ConnectionsScreen)
        table = screen.query_one("#attempts", DataTable)
        assert table.row_count == 0

        # No subprotocol offered: refused, and the view says what to set on the charger.
        with contextlib.suppress(InvalidHandshake):
            async with connect(f"ws://127.0.0.1:{port}/ocpp/CP-[/]bold"):
                pass
        await until(pilot, lambda: table.row_count == 1)
        refused = row_text(table, 0)
        assert "/ocpp/CP-[/]bold" in refused and "refused" in refused
        assert "none → —" in refused
        detail = str(screen.query_one("#attempt-detail", Static).render())
        assert "no subprotocol" in detail
        assert "What to do: set the OCPP version" in detail

        # Accepted, with basic-auth user (never a password) and the subprotocol chosen.
        async with connect(
            f"ws://127.0.0.1:{port}/ocpp/CP-OK",
            subprotocols=["ocpp2.0.1", "ocpp1.6"],  # type: ignore[list-item]
            additional_headers={"Authorization": "Basic Q1AtT0s6c2VjcmV0"},  # CP-OK:secret
        ):
            await until(pilot, lambda: table.row_count == 2)
        accepted = row_text(table, 1)
        assert "CP-OK" in accepted and "accepted" in accepted
        assert "ocpp2.0.1,ocpp1.6 → ocpp2.0.1" in accepted
        detail = str(screen.query_one("#attempt-detail", Static).render())
        assert table.cursor_row == 1 and "CP-OK" in detail
        assert "secret" not in detail and "secret" not in accepted

        # Selecting the older row shows its reason again.
        await pilot.press("up")
        assert "no subprotocol" in str(screen.query_one("#attempt-detail", Static).render())
        await pilot.press("escape")
        assert not isinstance(app.screen, ConnectionsScreen)


async def test_validation_ping_and_release_keys_on_the_charger_screen(
    app: OcppTuiApp, hub: Hub
) -> None:
    from tests.helpers import RawCharger

    hub.config.unknown_policy = UnknownChargerPolicy.ASK
    async with app.run_test(size=(80, 24)) as pilot:
        port = await listening_port(pilot, hub)
        async with connect(
            f"ws://127.0.0.1:{port}/ocpp/CP-V",
            subprotocols=["ocpp1.6"],  # type: ignore[list-item]
        ) as connection:
            charger = RawCharger(connection)
            answer = await charger.boot_16()
            assert answer[2]["status"] == "Pending"
            await until(pilot, lambda: len(app.screen_stack) > 1)  # the decision modal
            await pilot.press("escape")  # decide later
            await app.open_charger("CP-V")
            await until(
                pilot,
                lambda: (
                    isinstance(app.screen, ChargerScreen) and app.screen.query(ChargerLinkPanel)
                ),
            )
            session = hub.session_for("CP-V")
            panel = app.screen.query_one(ChargerLinkPanel)
            assert "Pending" in str(panel.render())

            assert session.effective_validation is ValidationPolicy.LENIENT
            await pilot.press("v")
            assert session.validation is ValidationPolicy.STRICT
            assert "strict" in str(panel.render())
            # A schema-invalid call, refused three times: the panel suggests lenient.
            for _ in range(3):
                error = await charger.call("StatusNotification", {"connectorId": "one"})
                assert error[0] == 4
            app.screen.query_one(ChargerLinkPanel).refresh_panel()
            assert session.invalid_calls_answered == 3
            assert "try lenient" in str(panel.render())
            await pilot.press("v")
            assert session.validation is ValidationPolicy.LENIENT

            await pilot.press("o")
            assert session.effective_ping_interval is None
            assert "Ping off" in str(panel.render())
            await pilot.press("o")
            assert session.effective_ping_interval is not None

            await pilot.press("r")
            assert hub.config.boot_answers["CP-V"] is BootAnswer.ACCEPTED
            # Released: the hub asks for a new boot at once instead of waiting for a retry.
            trigger = await charger.recv_json()
            assert trigger[2] == "TriggerMessage"
            assert trigger[3]["requestedMessage"] == "BootNotification"
            await charger.send_text(json.dumps([3, trigger[1], {"status": "Accepted"}]))
            answer = await charger.boot_16()
            assert answer[2]["status"] == "Accepted"
            screen = app.screen
            assert screen.check_action("firmware", ()) is True
        # Gone: the firmware and diagnostics keys grey out; the screen stays.
        await until(pilot, lambda: not hub.chargers["CP-V"].connected)
        assert screen.check_action("firmware", ()) is None
        assert screen.check_action("diagnostics", ()) is None
        await pilot.press("u")
        assert app.screen is screen


async def test_an_identity_like_ocpp_is_flagged_in_the_list_header_and_connections(
    app: OcppTuiApp, hub: Hub
) -> None:
    from ocpptui.ui.chargers.charger_list import ChargerList
    from ocpptui.ui.chargers.charger_summary import ChargerSummary
    from tests.helpers import RawCharger

    warning = "identity is 'ocpp': did the charger forget to append its own identity?"
    async with app.run_test(size=SIZE) as pilot:
        port = await listening_port(pilot, hub)
        async with connect(
            f"ws://127.0.0.1:{port}/ocpp",
            subprotocols=["ocpp1.6"],  # type: ignore[list-item]
        ) as connection:
            await RawCharger(connection).boot_16()
            charger_list = app.screen.query_one(ChargerList)
            await until(pilot, lambda: "ocpp" in charger_list.rows)
            assert "⚠" in str(charger_list.get_cell("ocpp", "identity"))
            events = app.screen.query_one("#events-text", Static)
            await until(pilot, lambda: warning in str(events.render()))
            # A subprotocol ocpp-tui does not speak: the advice names no setting the loader
            # refuses (it used to say "enable that subprotocol in [server] subprotocols").
            with contextlib.suppress(InvalidHandshake):
                async with connect(
                    f"ws://127.0.0.1:{port}/CP-15",
                    subprotocols=["ocpp1.5"],  # type: ignore[list-item]
                ):
                    pass
            await until(pilot, lambda: "refused" in str(events.render()))
            assert "choose OCPP" in str(events.render())
            assert "[server] subprotocols" not in str(events.render())

            await app.open_charger("ocpp")
            await until(pilot, lambda: isinstance(app.screen, ChargerScreen))
            await until(pilot, lambda: app.screen.query(ChargerSummary))
            summary = app.screen.query_one(ChargerSummary)
            await until(pilot, lambda: warning in str(summary.render()))

            await pilot.press("escape")
            await until(pilot, lambda: not isinstance(app.screen, ChargerScreen))
            await pilot.press("n")
            await until(
                pilot,
                lambda: isinstance(app.screen, ConnectionsScreen) and app.screen.query("#attempts"),
            )
            screen = app.screen
            table = screen.query_one("#attempts", DataTable)
            await until(pilot, lambda: table.row_count == 2)
            assert "accepted" in row_text(table, 0) and "ocpp ⚠" in row_text(table, 0)
            table.move_cursor(row=0)
            await pilot.pause()
            detail = str(screen.query_one("#attempt-detail", Static).render())
            assert f"Check: {warning}" in detail
            assert "suspicious identity" in str(screen.query_one("#connections-title").render())
