"""The raw composer: schema errors as you type, a valid call's answer, "send anyway"."""

from __future__ import annotations

import json

from ocpptui.app.app import OcppTuiApp
from ocpptui.core.frame import Direction
from ocpptui.core.hub import Hub
from ocpptui.ui.commands.composer import Composer
from ocpptui.ui.frames.frame_row import payload_cells
from tests.ui.charger_tabs import of_type, sent_actions, wait_until


async def test_schema_errors_show_as_you_type_valid_calls_answer_send_anyway_is_flagged(
    app: OcppTuiApp, hub: Hub, charger_tab
) -> None:
    async with charger_tab("tab-composer", Composer, protocol="ocpp1.6") as tab:
        pilot, composer, seen, _ = tab
        problems = composer.query_one("#composer-problems")

        # The action completes from the catalog; enter loads its template.
        composer.action_input.focus()
        await pilot.press(*"GetConfig")
        assert composer.action_input._suggestion == "GetConfiguration"
        await pilot.press("right", "enter")
        assert composer.action_input.value == "GetConfiguration"
        assert composer.editor.has_focus
        await wait_until(
            pilot, lambda: "✓ a valid GetConfiguration request" in str(problems.render())
        )

        # Typing a wrong type into the payload: the path and the message show, debounced.
        composer.editor.load_text("{}")
        composer.editor.move_cursor((0, 1))
        await pilot.press(*'"key": 5')
        assert json.loads(composer.editor.text) == {"key": 5}
        await wait_until(pilot, lambda: "1 schema error" in str(problems.render()))
        shown = str(problems.render())
        assert "key" in shown and "is not of type 'array'" in shown

        # Not sent while it breaks the schema.
        before = len(sent_actions(hub))
        await pilot.press("ctrl+j")
        assert "it breaks its schema" in composer.outcome_view.head_text
        assert len(sent_actions(hub)) == before

        # A valid call: the answer, pretty-printed, with its latency; a history entry.
        composer.set_call("GetConfiguration", '{"key": ["HeartbeatInterval"]}')
        await pilot.press("ctrl+j")
        await wait_until(pilot, lambda: of_type(seen, Composer.Answered))
        answer = str(composer.outcome_view.query_one("#outcome-answer").render())
        assert '"key": "HeartbeatInterval"' in answer and "\n" in answer
        assert "GetConfiguration → answered" in composer.outcome_view.head_text
        assert "ms" in composer.outcome_view.head_text
        assert composer.history[0].status == "answered" and not composer.history[0].anyway

        # Send anyway: the invalid call goes out, flagged in the frame log and the history.
        composer.set_call("GetConfiguration", '{"key": 5}')
        await pilot.press("ctrl+g")
        assert composer.anyway
        await pilot.press("ctrl+j")
        await wait_until(pilot, lambda: len(of_type(seen, Composer.Answered)) == 2)
        entry = composer.history[0]
        assert entry.anyway and "ANYWAY" in str(entry.label())
        assert "sent anyway" in composer.outcome_view.head_text
        frame = next(
            f
            for f in reversed(list(hub.chargers["CP-1"].frames))
            if f.message_type == 2 and f.direction is Direction.OUT
        )
        assert frame.payload == {"key": 5} and "invalid-sent" in frame.flags
        assert any("invalid-sent" in text for text, _ in payload_cells(frame))

        # The history belongs to the charger: a composer made later (the screen reopened) has it.
        assert Composer(composer.charger, composer.bridge).history[:2] == composer.history[:2]

        # The history loads a call back for editing.
        await pilot.press("ctrl+o")
        await pilot.press("down", "enter")
        assert composer.editor.text == '{"key": ["HeartbeatInterval"]}'


async def test_send_anyway_does_not_promise_to_send_json_that_does_not_parse(
    app: OcppTuiApp, hub: Hub, charger_tab
) -> None:
    """Send anyway skips the schema, but a payload that is not JSON cannot go out at all: the
    hint under the editor must not say ctrl+j sends it."""
    async with charger_tab("tab-composer", Composer, protocol="ocpp1.6") as (pilot, composer, _, _):
        problems = composer.query_one("#composer-problems")
        composer.set_call("GetConfiguration", "{x")
        await pilot.press("ctrl+g")
        assert composer.anyway
        await wait_until(pilot, lambda: "JSON:" in str(problems.render()))
        assert "sends it as it is" not in str(problems.render())

        before = len(sent_actions(hub))
        await pilot.press("ctrl+j")
        assert "not sent" in composer.outcome_view.head_text
        assert len(sent_actions(hub)) == before

        # A payload that parses but breaks the schema: send anyway does send it.
        composer.set_call("GetConfiguration", '{"key": 5}')
        await wait_until(pilot, lambda: "sends it as it is" in str(problems.render()))
