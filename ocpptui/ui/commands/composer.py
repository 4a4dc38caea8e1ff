"""The raw composer: any CSMS-initiated action with a hand-written JSON payload.

The action name completes as you type; the payload is checked against the action's schema
a moment after each change (errors with their JSON path); the answer shows pretty-printed
with its latency; every call lands in a history that can be loaded back, edited and sent
again. "Send anyway" skips the schema check: such frames are flagged in the frame log and
in the history.
"""

from __future__ import annotations

import json
import time
import weakref
from dataclasses import dataclass, field
from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.command import SimpleCommand
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.suggester import SuggestFromList
from textual.timer import Timer
from textual.widgets import Checkbox, Input, OptionList, Static, TextArea
from textual.widgets.option_list import Option

from ocpptui.app.bridge import HubBridge
from ocpptui.core.hub import Charger
from ocpptui.core.session import CallFailed, CallOutcome, InvalidRequest
from ocpptui.protocol.catalog import csms_initiated_actions, template_payload
from ocpptui.protocol.validation import SchemaUnavailable, Violation, validate_payload
from ocpptui.protocol.versions import OcppVersion
from ocpptui.ui.commands.call_outcome import CallOutcomeView, violation_lines
from ocpptui.ui.commands.call_panel import CallPanel
from ocpptui.ui.commands.json_editor import JsonEditor
from ocpptui.ui.common.display_text import clock_time, latency, shorten

#: Typing pauses this long before the payload is checked.
DEBOUNCE_SECONDS = 0.3
#: The history keeps this many calls.
HISTORY_SIZE = 100

#: Each charger's composer history, as long as the hub knows the charger.
_HISTORIES: weakref.WeakKeyDictionary[Charger, list[HistoryEntry]] = weakref.WeakKeyDictionary()


@dataclass(frozen=True, slots=True)
class Check:
    """What is wrong with the composer's content (nothing when `ok`)."""

    parse_error: str | None = None
    violations: tuple[Violation, ...] = ()
    unknown_action: str | None = None

    @property
    def ok(self) -> bool:
        return not (self.parse_error or self.violations or self.unknown_action)


def check_call(version: OcppVersion, action: str, text: str) -> tuple[Check, Any]:
    """Parse and schema-check `text` as `action`'s request; returns the check and the payload."""
    actions = csms_initiated_actions(version)
    unknown = None
    if action not in actions:
        unknown = f"{action or '(no action)'} is not a CSMS-initiated action of OCPP {version}"
    try:
        payload = json.loads(text)
    except ValueError as exc:
        return Check(parse_error=f"JSON: {exc}", unknown_action=unknown), None
    if unknown is not None:
        return Check(unknown_action=unknown), payload
    try:
        violations = validate_payload(version, action, payload, is_request=True)
    except SchemaUnavailable as exc:
        return Check(unknown_action=str(exc)), payload
    return Check(violations=violations), payload


@dataclass(slots=True)
class HistoryEntry:
    """One call sent from the composer."""

    action: str
    text: str
    anyway: bool
    wall: float = field(default_factory=time.time)  # the composer passes the app's clock
    status: str = "…"
    latency_ms: float | None = None

    def label(self) -> Content:
        parts: list[tuple[str, str] | str] = [
            (clock_time(self.wall, milliseconds=False), "$text-muted"),
            " ",
        ]
        if self.anyway:
            parts.append(("⚠ ANYWAY ", "$text-warning bold"))
        parts.append((shorten(self.action, 28), "bold"))
        look = "$text-success" if self.status == "Accepted" else "$text-warning"
        parts.append((f" → {shorten(self.status, 24)}", look))
        if self.latency_ms is not None:
            parts.append((f" {latency(self.latency_ms)}", "$text-muted"))
        return Content.assemble(*parts)


class Composer(CallPanel):
    """Action + JSON editor + checks on the left; the answer and the history on the right."""

    HELP: ClassVar[str] = """
Type an action (→ completes it; enter loads its template), edit the JSON, **ctrl+j** sends.
Schema errors show under the editor as you type. **ctrl+g** switches "send anyway" (the
call skips the schema check and is flagged in the log). **ctrl+o** goes to the history:
enter loads a call back to edit and send again. **ctrl+t** reloads the action's template.
"""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "ctrl+j,alt+enter",
            "send",
            "Send",
            tooltip="Send the call (refused while it breaks its schema, unless send anyway)",
            id="composer.send",
        ),
        Binding(
            "ctrl+t",
            "template",
            "Template",
            tooltip="Replace the JSON with a template of the action's required fields",
            id="composer.template",
        ),
        Binding(
            "ctrl+o",
            "focus_history",
            "History",
            tooltip="The calls sent so far; enter loads one back to edit and re-send",
            id="composer.history",
        ),
        Binding(
            "ctrl+g",
            "toggle_anyway",
            "Anyway",
            tooltip="Send anyway: skip the schema check (the frame is flagged in the log)",
            id="composer.anyway",
        ),
    ]

    DEFAULT_CSS = """
    Composer {
        height: 1fr;
        & > #composer-left { width: 1fr; height: 1fr; }
        & > #composer-right { width: 1fr; height: 1fr; border-left: solid $panel-lighten-2; }
        & #composer-bar { height: 1; }
        & #composer-action { width: 1fr; }
        & #composer-anyway { width: auto; margin-left: 1; color: $text-muted; }
        & #composer-anyway.-on { color: $text-error; text-style: bold reverse; }
        & #composer-json { height: 1fr; }
        & #composer-problems { height: auto; max-height: 7; padding: 0 1; }
        & #composer-response { height: 2fr; }
        & #composer-history {
            height: 1fr;
            min-height: 4;
            border: none;
            border-top: solid $panel-lighten-2;
            border-title-color: $text-primary;
        }
    }
    """

    @dataclass
    class Answered(Message):
        entry: HistoryEntry
        outcome: CallOutcome

    @dataclass
    class NotSent(Message):
        """Refused (schema) or unanswered (timeout, connection lost)."""

        entry: HistoryEntry
        reason: str
        violations: tuple[Violation, ...] = ()
        refused: bool = False

    def __init__(self, charger: Charger, bridge: HubBridge, *, id: str | None = None) -> None:
        super().__init__(charger, bridge, id=id)
        self.actions = csms_initiated_actions(self.version)
        # Kept per charger for the app's lifetime: leaving the charger screen loses nothing.
        self.history: list[HistoryEntry] = _HISTORIES.setdefault(charger, [])
        self.check = Check()
        self._template_text = ""
        self._debounce: Timer | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="composer-left"):
            with Horizontal(id="composer-bar"):
                yield Input(
                    placeholder="action (→ completes)",
                    suggester=SuggestFromList(self.actions, case_sensitive=False),
                    compact=True,
                    id="composer-action",
                )
                yield Checkbox("send anyway", compact=True, id="composer-anyway")
            yield JsonEditor("{}", id="composer-json")
            yield Static(id="composer-problems", markup=False)
        with Vertical(id="composer-right"):
            with VerticalScroll(id="composer-response"):
                yield CallOutcomeView(id="composer-outcome")
            history = OptionList(id="composer-history")
            history.border_title = "History (ctrl+o)"
            yield history

    @property
    def editor(self) -> JsonEditor:
        return self.query_one("#composer-json", JsonEditor)

    @property
    def action_input(self) -> Input:
        return self.query_one("#composer-action", Input)

    @property
    def anyway(self) -> bool:
        return self.query_one("#composer-anyway", Checkbox).value

    @property
    def outcome_view(self) -> CallOutcomeView:
        return self.query_one("#composer-outcome", CallOutcomeView)

    def on_mount(self) -> None:
        if self.history:
            self._show_history()
        self.query_one("#composer-outcome", CallOutcomeView).query_one(
            "#outcome-head", Static
        ).update(Content.styled("The charger's answer shows here.", "$text-muted"))
        self.run_check()

    # ------------------------------------------------------------------ editing

    def set_call(self, action: str, text: str) -> None:
        """Put a call in the composer (from the history or a test)."""
        self.action_input.value = action
        self.editor.load_text(text)
        self.run_check()

    @on(Input.Changed, "#composer-action")
    def _action_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._schedule_check()

    @on(Input.Submitted, "#composer-action")
    def _action_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        typed = event.value.strip()
        # Take the completion's spelling: "reset" → "Reset".
        matches = [action for action in self.actions if action.lower() == typed.lower()]
        if matches and matches[0] != typed:
            self.action_input.value = matches[0]
        action = matches[0] if matches else typed
        text = self.editor.text.strip()
        if action in self.actions and (text in ("", "{}") or text == self._template_text.strip()):
            self.action_template()
        self.editor.focus()
        self.run_check()

    @on(TextArea.Changed, "#composer-json")
    def _text_changed(self, event: TextArea.Changed) -> None:
        event.stop()
        self._schedule_check()

    @on(Checkbox.Changed, "#composer-anyway")
    def _anyway_changed(self, event: Checkbox.Changed) -> None:
        event.stop()
        event.checkbox.set_class(event.value, "-on")
        self.run_check()

    def _schedule_check(self) -> None:
        if self._debounce is not None:
            self._debounce.stop()
        self._debounce = self.set_timer(DEBOUNCE_SECONDS, self.run_check)

    def run_check(self) -> None:
        """Check the payload against the action's schema and show what is wrong."""
        if self._debounce is not None:
            self._debounce.stop()
            self._debounce = None
        action = self.action_input.value.strip()
        check, _ = check_call(self.version, action, self.editor.text)
        self.check = check
        self.query_one("#composer-problems", Static).update(self._problems_content(action, check))
        self.refresh_bindings()

    def _problems_content(self, action: str, check: Check) -> Content:
        if not action:
            return Content.styled(
                "Type an action above (→ completes it, enter loads its template).", "$text-muted"
            )
        lines: list[Content] = []
        if check.ok:
            lines.append(
                Content.styled(f"✓ a valid {action} request (OCPP {self.version})", "$text-success")
            )
        if check.unknown_action:
            lines.append(Content.styled(shorten(check.unknown_action, 200), "$text-error bold"))
        if check.parse_error:
            lines.append(Content.styled(shorten(check.parse_error, 200), "$text-error bold"))
        if check.violations:
            count = len(check.violations)
            lines.append(
                Content.styled(
                    f"{count} schema error{'s' if count > 1 else ''}:", "$text-error bold"
                )
            )
            lines += violation_lines(check.violations)
        if not check.ok and self.anyway and check.parse_error is None:
            lines.append(
                Content.styled("send anyway is on: ctrl+j sends it as it is", "$text-warning bold")
            )
        return Content("\n").join(lines)

    # ------------------------------------------------------------------ sending

    def action_send(self) -> None:
        self.run_check()
        action = self.action_input.value.strip()
        anyway = self.anyway
        check, payload = check_call(self.version, action, self.editor.text)
        if check.parse_error is not None:
            self.outcome_view.refused(action or "call", check.parse_error)
            return
        if not action:
            self.outcome_view.refused("call", "type the action first")
            return
        if not check.ok and not anyway:
            reason = (
                check.unknown_action or "it breaks its schema (switch on send anyway to send it)"
            )
            self.outcome_view.refused(action, reason, check.violations)
            return
        if not self.start_call(action):
            return
        clock = getattr(self.app, "clock", None)
        wall = clock.wall() if clock is not None else time.time()
        entry = HistoryEntry(action, self.editor.text, anyway and not check.ok, wall)
        self._add_history(entry)
        self.send(entry, payload, validate=not anyway)

    @work(exclusive=True, group="composer-send", exit_on_error=False)
    async def send(self, entry: HistoryEntry, payload: Any, *, validate: bool) -> None:
        session = self.charger.session
        if session is None:
            self.post_message(self.NotSent(entry, "no session"))
            return
        try:
            outcome = await session.call_raw(entry.action, payload, validate=validate)
        except InvalidRequest as exc:
            self.post_message(self.NotSent(entry, str(exc), exc.violations, refused=True))
            return
        except CallFailed as exc:
            self.post_message(self.NotSent(entry, str(exc)))
            return
        self.post_message(self.Answered(entry, outcome))

    @on(Answered)
    def _answered(self, message: Answered) -> None:
        self.sending = False
        outcome = message.outcome
        entry = message.entry
        entry.status = outcome.status or ("answered" if outcome.ok else "CallError")
        entry.latency_ms = outcome.latency_ms
        self.outcome_view.answered(outcome, sent_anyway=entry.anyway)
        self._show_history()
        self.refresh_bindings()

    @on(NotSent)
    def _not_sent(self, message: NotSent) -> None:
        self.sending = False
        entry = message.entry
        entry.status = "not sent" if message.refused else "no answer"
        if message.refused:
            self.outcome_view.refused(entry.action, message.reason, message.violations)
        else:
            self.outcome_view.failed(entry.action, message.reason)
        self._show_history()
        self.refresh_bindings()

    # ------------------------------------------------------------------ history

    def _add_history(self, entry: HistoryEntry) -> None:
        self.history.insert(0, entry)
        del self.history[HISTORY_SIZE:]
        self._show_history()

    def _show_history(self) -> None:
        option_list = self.query_one("#composer-history", OptionList)
        highlighted = option_list.highlighted
        option_list.clear_options()
        option_list.add_options(
            [Option(entry.label(), id=str(index)) for index, entry in enumerate(self.history)]
        )
        if highlighted is not None and highlighted < len(self.history):
            option_list.highlighted = highlighted

    @on(OptionList.OptionSelected, "#composer-history")
    def _history_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        entry = self.history[int(event.option.id or 0)]
        self.set_call(entry.action, entry.text)
        self.editor.focus()
        self.notify(f"{entry.action} loaded: edit it and ctrl+j sends it again", markup=False)

    # ------------------------------------------------------------------ actions

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "send":
            return True if self.charger.connected and not self.sending else None
        if action == "template":
            return True if self.action_input.value.strip() in self.actions else None
        if action == "focus_history":
            return True if self.history else None
        return True

    def action_template(self) -> None:
        action = self.action_input.value.strip()
        if action not in self.actions:
            return
        self._template_text = json.dumps(
            template_payload(self.version, action), indent=2, ensure_ascii=False
        )
        self.editor.load_text(self._template_text)
        self.run_check()

    def action_focus_history(self) -> None:
        history = self.query_one("#composer-history", OptionList)
        if self.history:
            history.focus()
            if history.highlighted is None:
                history.highlighted = 0

    def action_toggle_anyway(self) -> None:
        checkbox = self.query_one("#composer-anyway", Checkbox)
        checkbox.value = not checkbox.value

    def palette_commands(self) -> list[SimpleCommand]:
        state = "off" if self.anyway else "on"
        return [
            SimpleCommand("Composer: send", self.action_send, "Send the composed call"),
            SimpleCommand(
                f"Composer: switch send anyway {state}",
                self.action_toggle_anyway,
                "Skip the schema check; the frame is flagged in the log",
            ),
            SimpleCommand(
                "Composer: history", self.action_focus_history, "Load a sent call back to edit it"
            ),
        ]
