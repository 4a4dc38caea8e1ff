"""The Commands tab: remote commands, each with a form built from its schema, and the outcome.

The form writes the JSON under it; the JSON is what is sent, so anything the form lacks
can be typed there. TriggerMessage waits for the message it asked for and shows it
highlighted when it arrives (or says that it did not).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.command import SimpleCommand
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widgets import Button, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from ocpptui.app.bridge import HubBridge
from ocpptui.core.commands import TriggerResult, trigger_message
from ocpptui.core.form_offers import field_offers
from ocpptui.core.frame import Frame
from ocpptui.core.hub import Charger
from ocpptui.core.session import CallFailed, CallOutcome, InvalidRequest
from ocpptui.protocol.catalog import csms_initiated_actions, template_payload
from ocpptui.protocol.schema_form import form_fields
from ocpptui.protocol.validation import Violation
from ocpptui.protocol.versions import OcppVersion
from ocpptui.ui.commands.call_outcome import CallOutcomeView
from ocpptui.ui.commands.call_panel import CallPanel
from ocpptui.ui.commands.command_form import CommandForm, LimitForm, PayloadChanged, seed_values
from ocpptui.ui.commands.json_editor import JsonEditor

#: The commands offered, in this order, with what each is for; those the charger's OCPP
#: version lacks are left out.
COMMANDS: tuple[tuple[str, str], ...] = (
    ("TriggerMessage", "Ask the charger to send a message now (boot, status, meter values…)"),
    ("Reset", "Restart the charger (1.6: Soft/Hard; 2.x: Immediate/OnIdle)"),
    ("ChangeAvailability", "Take the charger or a connector out of service, or back"),
    ("UnlockConnector", "Release a stuck cable"),
    ("ClearCache", "Empty the authorization cache"),
    ("RemoteStartTransaction", "Start charging on a connector for an idTag"),
    ("RemoteStopTransaction", "Stop a transaction by its id"),
    ("RequestStartTransaction", "Start charging on an EVSE for an idToken"),
    ("RequestStopTransaction", "Stop a transaction by its id"),
    ("DataTransfer", "Vendor-specific message"),
    ("GetLocalListVersion", "Version of the local authorization list"),
    ("SendLocalList", "Replace or update the local authorization list"),
    ("ReserveNow", "Reserve a connector for an idTag"),
    ("CancelReservation", "Cancel a reservation by its id"),
    ("SetChargingProfile", "Limit charging to N A or N W (the form), or any profile (JSON)"),
    ("ClearChargingProfile", "Remove charging profiles"),
    ("GetCompositeSchedule", "The schedule that results from all profiles"),
    ("CertificateSigned", "Send the certificate chain signed for the charger"),
    ("InstallCertificate", "Install a root certificate"),
    ("GetInstalledCertificateIds", "List the installed certificates"),
)

#: Seconds TriggerMessage waits for the triggered message unless the form says otherwise.
DEFAULT_TRIGGER_WAIT = 10.0


def commands_for(version: OcppVersion) -> list[tuple[str, str]]:
    available = set(csms_initiated_actions(version))
    return [(action, help_text) for action, help_text in COMMANDS if action in available]


def trigger_arguments(version: OcppVersion, payload: dict[str, Any]) -> dict[str, Any]:
    """trigger_message's keyword arguments from a TriggerMessage payload."""
    arguments: dict[str, Any] = {}
    if version.is_2x:
        evse = payload.get("evse")
        if isinstance(evse, dict):
            arguments["evse"] = evse.get("id")
            arguments["connector"] = evse.get("connectorId")
    elif payload.get("connectorId") is not None:
        arguments["connector"] = payload["connectorId"]
    return arguments


class CommandsPanel(CallPanel):
    """A list of commands; the highlighted one's form, its JSON, Send, and the outcome."""

    HELP: ClassVar[str] = """
Pick a command on the left; fill the form (required fields are marked *); the JSON under it
is what is sent and can be edited for anything the form lacks. **ctrl+j** sends; after a
TriggerMessage, **f** shows the triggered message in the frame log.
"""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "ctrl+j,alt+enter",
            "send",
            "Send",
            tooltip="Send the command's JSON to the charger",
            id="commands.send",
        ),
        Binding(
            "f",
            "show_frame",
            "Show frame",
            tooltip="Show the message the trigger brought in the frame log",
            id="commands.show_frame",
        ),
    ]

    DEFAULT_CSS = """
    CommandsPanel {
        height: 1fr;
        & > #command-list {
            width: 30;
            height: 1fr;
            border: none;
            border-right: solid $panel-lighten-2;
        }
        & > #command-body { width: 1fr; height: 1fr; padding: 0 1; }
        & #command-help { height: auto; color: $text-muted; }
        & #command-form-box { height: auto; }
        & #command-form-error { height: auto; color: $text-error; }
        & #command-json-label { color: $text-muted; margin-top: 1; }
        & #command-json { height: 10; }
        & #command-send-row { height: auto; }
        & #command-send-row > Static { width: 1fr; padding: 1 1 0 1; color: $text-muted; }
        & #trigger-wait-row { height: 1; }
        & #trigger-wait-row > Label { width: 24; }
        & #trigger-wait-row > Input { width: 12; }
    }
    """

    @dataclass
    class Answered(Message):
        outcome: CallOutcome

    @dataclass
    class Triggered(Message):
        result: TriggerResult
        wait_seconds: float

    @dataclass
    class Refused(Message):
        """Not sent: the JSON cannot be read or breaks the schema."""

        action: str
        reason: str
        violations: tuple[Violation, ...] = ()

    @dataclass
    class Failed(Message):
        """Sent, but no answer (timeout, connection lost, not connected)."""

        action: str
        reason: str

    @dataclass
    class FrameShown(Message):
        """Asks the charger screen to show `frame` in its frame log."""

        frame: Frame

    def __init__(self, charger: Charger, bridge: HubBridge, *, id: str | None = None) -> None:
        super().__init__(charger, bridge, id=id)
        self.commands = commands_for(self.version)
        self.action: str | None = None
        self.form_action: str | None = None  # whose form is mounted (set once it is)

    def compose(self) -> ComposeResult:
        yield OptionList(
            *[Option(action, id=action) for action, _ in self.commands], id="command-list"
        )
        with VerticalScroll(id="command-body"):
            yield Static(id="command-help", markup=False)
            yield Vertical(id="command-form-box")
            yield Static("", id="command-form-error", markup=False)
            yield Label("JSON sent (edit it for anything the form lacks)", id="command-json-label")
            yield JsonEditor(id="command-json")
            with Horizontal(id="command-send-row"):
                yield Button("Send", variant="primary", id="command-send")
                yield Static("ctrl+j sends from anywhere in the tab", markup=False)
            yield CallOutcomeView(id="command-outcome")

    @property
    def editor(self) -> JsonEditor:
        return self.query_one("#command-json", JsonEditor)

    @property
    def outcome_view(self) -> CallOutcomeView:
        return self.query_one("#command-outcome", CallOutcomeView)

    def on_mount(self) -> None:
        if self.commands:
            self.query_one("#command-list", OptionList).highlighted = 0

    # ------------------------------------------------------------------ choosing a command

    @on(OptionList.OptionHighlighted, "#command-list")
    async def _command_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        if event.option.id is not None and event.option.id != self.action:
            await self.show_command(event.option.id)

    @on(OptionList.OptionSelected, "#command-list")
    def _command_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        for widget in self.query("#command-form-box Input, #command-form-box Select"):
            widget.focus()
            return
        self.editor.focus()

    async def show_command(self, action: str) -> None:
        """Show `action`'s form, seeded with a plausible payload."""
        self.action = action
        help_text = dict(self.commands).get(action, "")
        self.query_one("#command-help", Static).update(
            Content.assemble((action, "bold $text-primary"), "  ", (help_text, "$text-muted"))
        )
        box = self.query_one("#command-form-box", Vertical)
        await box.remove_children()
        self.query_one("#command-form-error", Static).display = False
        if action == "SetChargingProfile":
            path = "evseId" if self.version.is_2x else "connectorId"
            where = field_offers(self.version, action, self.charger.state, set())[path]
            await box.mount(LimitForm(self.version, where=where, id="command-form"))
        else:
            fields = form_fields(self.version, action)
            required = {f.path for f in fields if f.required}
            offers = field_offers(self.version, action, self.charger.state, required)
            offers = {f.path: offers[f.path] for f in fields if f.path in offers}
            seed = seed_values(fields, template_payload(self.version, action), offers)
            await box.mount(CommandForm(fields, seed, offers=offers, id="command-form"))
        if action == "TriggerMessage":
            await box.mount(
                Horizontal(
                    Label("wait for it (seconds)"),
                    Input(
                        f"{DEFAULT_TRIGGER_WAIT:g}", type="number", compact=True, id="trigger-wait"
                    ),
                    id="trigger-wait-row",
                )
            )
        self.form_action = action
        self.refresh_bindings()

    @on(PayloadChanged)
    def _payload_changed(self, message: PayloadChanged) -> None:
        message.stop()
        error = self.query_one("#command-form-error", Static)
        error.display = message.payload is None
        if message.payload is None:
            error.update(message.error or "")
            if message.draft is None:
                return
        # The JSON always follows the form on screen (never the previous command's).
        shown = message.payload if message.payload is not None else message.draft
        self.editor.load_text(json.dumps(shown, indent=2, ensure_ascii=False))

    # ------------------------------------------------------------------ sending

    def _wait_seconds(self) -> float:
        for field in self.query("#trigger-wait").results(Input):
            try:
                return max(0.0, float(field.value))
            except ValueError:
                return DEFAULT_TRIGGER_WAIT
        return DEFAULT_TRIGGER_WAIT

    @on(Button.Pressed, "#command-send")
    def _send_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_send()

    @on(Input.Submitted)
    def _field_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_send()

    def action_send(self) -> None:
        action = self.action
        if action is None:
            return
        try:
            payload = json.loads(self.editor.text)
        except ValueError as exc:
            self.outcome_view.refused(action, f"the JSON cannot be read: {exc}")
            return
        if not isinstance(payload, dict):
            self.outcome_view.refused(action, "the payload must be a JSON object")
            return
        if self.start_call(action):
            self.send(action, payload, self._wait_seconds())

    @work(exclusive=True, group="commands-send", exit_on_error=False)
    async def send(self, action: str, payload: dict[str, Any], wait_seconds: float) -> None:
        session = self.charger.session
        if session is None:
            self.post_message(self.Failed(action, "no session"))
            return
        try:
            if action == "TriggerMessage" and isinstance(payload.get("requestedMessage"), str):
                result = await trigger_message(
                    session,
                    payload["requestedMessage"],
                    wait=wait_seconds > 0,
                    timeout=wait_seconds or 1.0,
                    **trigger_arguments(self.version, payload),
                )
                self.post_message(self.Triggered(result, wait_seconds))
                return
            outcome = await session.call_raw(action, payload)
        except InvalidRequest as exc:
            self.post_message(self.Refused(action, str(exc), exc.violations))
            return
        except CallFailed as exc:
            self.post_message(self.Failed(action, str(exc)))
            return
        self.post_message(self.Answered(outcome))

    @on(Answered)
    def _answered(self, message: Answered) -> None:
        self.outcome_view.answered(message.outcome)
        self._settled()

    @on(Triggered)
    def _triggered(self, message: Triggered) -> None:
        self.outcome_view.triggered(message.result, message.wait_seconds)
        self._settled()

    @on(Refused)
    def _refused(self, message: Refused) -> None:
        self.outcome_view.refused(message.action, message.reason, message.violations)
        self._settled()

    @on(Failed)
    def _failed(self, message: Failed) -> None:
        self.outcome_view.failed(message.action, message.reason)
        self._settled()

    def _settled(self) -> None:
        """The call is over: show its outcome (it may sit below the fold)."""
        self.sending = False
        self.refresh_bindings()
        self.call_after_refresh(self.outcome_view.scroll_visible, animate=False, top=True)

    # ------------------------------------------------------------------ actions

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "send":
            return True if self.charger.connected and self.action and not self.sending else None
        if action == "show_frame":
            return True if self.outcome_view.arrived is not None else None
        return True

    def action_show_frame(self) -> None:
        frame = self.outcome_view.arrived
        if frame is not None:
            self.post_message(self.FrameShown(frame))

    def select_command(self, action: str) -> None:
        """Highlight `action` in the list (its form follows)."""
        option_list = self.query_one("#command-list", OptionList)
        for index, (name, _) in enumerate(self.commands):
            if name == action:
                option_list.highlighted = index
                option_list.focus()
                return

    def palette_commands(self) -> list[SimpleCommand]:
        return [
            SimpleCommand(f"Command: {action}…", _select(self, action), help_text)
            for action, help_text in self.commands
        ]


def _select(panel: CommandsPanel, action: str) -> Callable[[], None]:
    return lambda: panel.select_command(action)
