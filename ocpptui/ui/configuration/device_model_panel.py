"""The Configuration tab of a 2.0.1/2.1 charger: the device model from GetBaseReport.

GetVariables refreshes entries, an edit sends SetVariables with the attribute type chosen
and writes each result into the tree (Accepted, Rejected, RebootRequired, UnknownComponent,
UnknownVariable, NotSupportedAttributeType), and "point at CSMS" moves the charger to its
real back office.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.command import SimpleCommand
from textual.containers import Horizontal
from textual.content import Content
from textual.message import Message
from textual.widgets import Input, Select, Static, Tree

from ocpptui.app.bridge import HubBridge
from ocpptui.core.config_reads import reads_since_complete
from ocpptui.core.device_model import (
    REPORT_BASES,
    DeviceModel,
    VariableRef,
    VariableResult,
    get_variables,
    point_to_csms,
    read_device_model,
    set_variables,
)
from ocpptui.core.hub import Charger
from ocpptui.core.session import CallFailed
from ocpptui.protocol.secrets import mask_value
from ocpptui.ui.common.display_text import clock_time, shorten
from ocpptui.ui.configuration.configuration_panel import (
    PROFILE_BINDINGS,
    ConfigurationPanel,
    read_history,
)
from ocpptui.ui.configuration.device_model_tree import DeviceModelTree, ModelNode
from ocpptui.ui.configuration.dialogs import ConfigurationDialogs
from ocpptui.ui.configuration.value_specs import Edit, read_only_warning, variable_spec
from ocpptui.wording import counted

if TYPE_CHECKING:
    from ocpptui.ui.configuration.network_profile_screen import NetworkProfileForm


def variable_ref_problem(text: str) -> str | None:
    try:
        VariableRef.parse(text)
    except ValueError as exc:
        return str(exc)
    return None


def result_text(result: VariableResult) -> str:
    text = f"{result.ref.label}"
    if result.attribute_type != "Actual":
        text += f" ({result.attribute_type})"
    text += f": {result.status}"
    if result.confirmed_value is not None:
        confirmed = mask_value(result.ref.label, result.confirmed_value)
        text += f", read back {shorten(confirmed, 60)}"
    if result.detail:
        text += f" — {shorten(result.detail, 120)}"
    return text


class DeviceModelPanel(ConfigurationPanel):
    """Component → variable → attribute tree with a detail line, filterable."""

    HELP: ClassVar[str] = """
OCPP 2.0.1/2.1 device model: **r** runs GetBaseReport (pick the report beside the filter),
**R** refreshes the highlighted variable or component (GetVariables), **enter** edits
(SetVariables, with the attribute type), **a** asks for a variable by name, **n** points
the charger at its real CSMS.
"""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "r",
            "read",
            "Report",
            tooltip="GetBaseReport (the report chosen beside the filter), every NotifyReport part",
            id="model.read",
        ),
        Binding(
            "R",
            "refresh_variables",
            "Refresh",
            tooltip="GetVariables for the highlighted variable, or every variable of a component",
            id="model.refresh",
        ),
        Binding(
            "a",
            "add_variable",
            "Add",
            tooltip="Ask the charger for a variable by name (Component.Variable)",
            id="model.add",
        ),
        Binding(
            "n",
            "point_to_csms",
            "CSMS",
            tooltip="Point this charger at its real CSMS (SetNetworkProfile + priority)",
            id="model.point_to_csms",
        ),
        *PROFILE_BINDINGS,
    ]

    NEEDS_CHARGER: ClassVar[frozenset[str]] = frozenset(
        {"read", "refresh_variables", "add_variable", "point_to_csms", "apply_profile"}
    )

    DEFAULT_CSS = """
    DeviceModelPanel {
        height: 1fr;
        & > #model-info { height: auto; max-height: 3; padding: 0 1; }
        & > #model-bar { height: 1; margin: 0 1; }
        & > #model-bar > #model-base { width: 28; }
        & > #model-bar > #model-filter { width: 1fr; }
        & > #model-detail { height: auto; max-height: 5; padding: 0 1; background: $panel; }
    }
    """

    @dataclass
    class ReportRead(Message):
        """GetBaseReport finished; `error` when it was refused or parts went missing."""

        model: DeviceModel | None
        error: str | None = None

    @dataclass
    class VariablesRead(Message):
        results: list[VariableResult]
        error: str | None = None

    @dataclass
    class VariablesSet(Message):
        """SetVariables answered: one result per variable and attribute type."""

        results: list[VariableResult]
        error: str | None = None
        requested: tuple[VariableRef, str] | None = None

    @dataclass
    class CsmsPointed(Message):
        steps: list[str]
        error: str | None = None

    def __init__(self, charger: Charger, bridge: HubBridge, dialogs: ConfigurationDialogs) -> None:
        super().__init__(charger, bridge, dialogs)
        self.reading = False
        self.last_results: list[VariableResult] = []
        self.last_steps: list[str] = []

    def compose(self) -> ComposeResult:
        yield Static(id="model-info", markup=False)
        with Horizontal(id="model-bar"):
            yield Select(
                [(base, base) for base in REPORT_BASES],
                value="FullInventory",
                allow_blank=False,
                compact=True,
                id="model-base",
            )
            yield Input(
                placeholder="/ find a variable or value",
                compact=True,
                id="model-filter",
                classes="config-filter",
            )
        yield DeviceModelTree(id="model-tree")
        yield Static(id="model-detail", markup=False)

    @property
    def tree(self) -> DeviceModelTree:
        return self.query_one("#model-tree", DeviceModelTree)

    @property
    def model(self) -> DeviceModel | None:
        session = self.session
        return session.state.device_model if session is not None else None

    def has_data(self) -> bool:
        model = self.model
        return model is not None and bool(model.entries)

    def on_mount(self) -> None:
        super().on_mount()
        self.refresh_view()

    def refresh_view(self) -> None:
        self.tree.show(self.model)
        self._show_info()
        self._show_detail()

    def _show_info(self) -> None:
        model = self.model
        parts: list[tuple[str, str] | str] = []
        if self.reading:
            parts.append(("Reading… ", "$text-warning bold"))
            parts.append(("NotifyReport parts are collected as they come", "$text-muted"))
        elif model is None or not model.entries:
            if self.connected:
                parts.append(("Not read yet: r runs GetBaseReport.", "$text-muted"))
            else:
                parts.append(("Not read, and the charger is not connected.", "$text-muted"))
        else:
            reads = self.session.state.configuration_reads if self.session is not None else []
            complete, after = reads_since_complete(reads)
            newest = complete or (after[-1] if after else None)
            parts += [
                ("read by ", "$text-muted"),
                (newest.how if newest is not None else model.method or "GetVariables", "bold"),
                (f" · {counted(len(model.entries), 'variable')}", ""),
            ]
            if model.parts:
                parts.append((f" in {counted(model.parts, 'part')}", "$text-muted"))
            if model.report_base and not model.complete:
                parts.append((" · incomplete", "$text-error bold"))
            at = newest.finished_wall if newest is not None else model.read_wall
            if at is not None:
                parts.append((f" · at {clock_time(at, milliseconds=False)}", "$text-muted"))
            parts += read_history(reads, "r")
        if self.last_steps:
            parts += ["\n", (shorten(" → ".join(self.last_steps), 300), "$text-muted")]
        if self.last_written:
            parts += ["\n", (shorten(self.last_written, 200), "$text-success")]
        self.query_one("#model-info", Static).update(Content.assemble(*parts))

    def _show_detail(self) -> None:
        detail = self.query_one("#model-detail", Static)
        data = self.tree.cursor_data
        model = self.model
        entry = model.entries.get(data.ref) if data and data.ref and model else None
        if entry is None:
            if data is not None and model is not None:
                count = len(model.components().get(data.component, []))
                detail.update(
                    Content.assemble(
                        (shorten(data.component, 60), "bold"),
                        (f"  {counted(count, 'variable')} · R refreshes them all", "$text-muted"),
                    )
                )
            else:
                detail.update(
                    Content.styled("enter edits · R refreshes · / finds · a adds", "$text-muted")
                )
            return
        characteristics = entry.characteristics
        facts = [entry.data_type or "unknown type"]
        if characteristics.get("unit"):
            facts.append(f"unit {characteristics['unit']}")
        limits = variable_spec(entry).limits
        if limits:
            facts.append(limits)
        if entry.values_list:
            facts.append("values " + ", ".join(entry.values_list))
        lines = [
            Content.assemble(
                (shorten(entry.ref.label, 80), "bold"),
                ("  " + shorten(" · ".join(facts), 160), "$text-muted"),
            )
        ]
        for kind, attribute in entry.attributes.items():
            parts: list[tuple[str, str] | str] = [
                (f"{kind} ", "$text-muted"),
                (
                    shorten(mask_value(entry.ref.label, attribute.value), 120, placeholder="—"),
                    "$text-accent",
                ),
                (f"  {attribute.mutability}", "$text-muted"),
            ]
            if attribute.last_status:
                look = "$text-success" if attribute.last_status == "Accepted" else "$text-warning"
                parts.append((f"  {attribute.last_status}", look))
                if attribute.last_detail:
                    parts.append((f" ({shorten(attribute.last_detail, 100)})", "$text-muted"))
            lines.append(Content.assemble(*parts))
        detail.update(Content("\n").join(lines))

    # ------------------------------------------------------------------ workers

    @work(exclusive=True, group="model-read", exit_on_error=False)
    async def read_report(self, report_base: str) -> None:
        session = self.session
        if session is None:
            return
        try:
            # Falls back to GetVariables when the station refuses or never reports.
            model = await read_device_model(session, report_base)
        except CallFailed as exc:
            self.post_message(self.ReportRead(None, str(exc)))
            return
        self.post_message(self.ReportRead(model))

    @work(group="model-get", exit_on_error=False)
    async def read_variables(self, wanted: list[tuple[VariableRef, str]]) -> None:
        session = self.session
        if session is None:
            return
        by_type: dict[str, list[VariableRef]] = defaultdict(list)
        for ref, kind in wanted:
            by_type[kind].append(ref)
        results: list[VariableResult] = []
        try:
            for kind, refs in by_type.items():
                results += await get_variables(session, refs, kind)
        except CallFailed as exc:
            self.post_message(self.VariablesRead(results, str(exc)))
            return
        self.post_message(self.VariablesRead(results))

    @work(group="model-set", exit_on_error=False)
    async def write_variable(self, ref: VariableRef, value: str, attribute_type: str) -> None:
        session = self.session
        if session is None:
            return
        try:
            results = await set_variables(session, [(ref, value, attribute_type)])
        except CallFailed as exc:
            self.post_message(self.VariablesSet([], str(exc), (ref, attribute_type)))
            return
        self.post_message(self.VariablesSet(results, None, (ref, attribute_type)))

    @work(exclusive=True, group="model-network", exit_on_error=False)
    async def send_network_profile(self, form: NetworkProfileForm) -> None:
        session = self.session
        if session is None:
            return
        try:
            steps = await point_to_csms(
                session,
                form.url,
                slot=form.slot,
                security_profile=form.security_profile,
                interface=form.interface,
            )
        except CallFailed as exc:
            self.post_message(self.CsmsPointed([], str(exc)))
            return
        self.post_message(self.CsmsPointed(steps))

    # ------------------------------------------------------------------ handlers

    @on(ReportRead)
    def _report_read(self, message: ReportRead) -> None:
        self.reading = False
        if message.error is not None:
            self.notify(message.error, title="GetBaseReport", severity="error", markup=False)
        model = self.model
        # The summary line says what worked; the steps matter when something did not.
        failed = message.error is not None and model is not None
        self.last_steps = list(model.steps[-2:]) if failed else []
        self.refresh_view()
        self.refresh_bindings()

    @on(VariablesRead)
    def _variables_read(self, message: VariablesRead) -> None:
        self.refresh_view()
        self.refresh_bindings()
        if message.error is not None:
            self.notify(message.error, title="GetVariables", severity="error", markup=False)
            return
        failed = [result for result in message.results if result.status != "Accepted"]
        text = f"{len(message.results) - len(failed)} of {len(message.results)} read"
        for result in failed[:3]:
            text += f"\n{result_text(result)}"
        severity = "warning" if failed else "information"
        self.notify(text, title="GetVariables", severity=severity, markup=False)

    @on(VariablesSet)
    def _variables_set(self, message: VariablesSet) -> None:
        if message.requested is not None:
            self.tree.sending.discard(message.requested)
        self.last_results = message.results
        self.refresh_view()
        if message.error is not None:
            self.notify(message.error, title="SetVariables", severity="error", markup=False)
            return
        for result in message.results:
            severity = "information" if result.ok else "warning"
            self.notify(result_text(result), title="SetVariables", severity=severity, markup=False)

    @on(CsmsPointed)
    def _csms_pointed(self, message: CsmsPointed) -> None:
        self.last_steps = message.steps or ([message.error] if message.error else [])
        self.refresh_view()
        if message.error is not None:
            self.notify(message.error, title="Point at CSMS", severity="error", markup=False)
            return
        self.notify(
            "\n".join(message.steps) + "\nThe charger moves after its next reconnect or reset.",
            title="Point at CSMS",
            timeout=15,
            markup=False,
        )

    @on(Tree.NodeHighlighted, "#model-tree")
    def _node_highlighted(self, event: Tree.NodeHighlighted) -> None:
        event.stop()
        self._show_detail()

    @on(Tree.NodeSelected, "#model-tree")
    def _node_selected(self, event: Tree.NodeSelected) -> None:
        event.stop()
        data = event.node.data
        if data is not None and data.ref is not None and not event.node.allow_expand:
            self.edit(data)

    @on(Input.Changed, "#model-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.tree.set_filter(event.value)
        self._show_detail()

    @on(Input.Submitted, "#model-filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.tree.focus()

    @on(Select.Changed, "#model-base")
    def _base_changed(self, event: Select.Changed) -> None:
        event.stop()

    # ------------------------------------------------------------------ actions

    @property
    def report_base(self) -> str:
        value = self.query_one("#model-base", Select).value
        return value if isinstance(value, str) else "FullInventory"

    def action_read(self) -> None:
        if self.require_connected() is None:
            return
        self.reading = True
        self.last_steps = []
        self._show_info()
        self.read_report(self.report_base)

    def action_refresh_variables(self) -> None:
        if self.require_connected() is None:
            return
        data = self.tree.cursor_data
        model = self.model
        if data is None or model is None:
            self.notify("Highlight a variable or a component first", severity="warning")
            return
        if data.ref is not None:
            entry = model.entries.get(data.ref)
            kinds = (
                [data.attribute_type]
                if data.attribute_type
                else list(entry.attributes if entry else ["Actual"])
            )
            wanted = [(data.ref, kind) for kind in kinds]
        else:
            wanted = [
                (entry.ref, kind)
                for entry in model.components().get(data.component, [])
                for kind in entry.attributes or ["Actual"]
            ]
        self.read_variables(wanted)

    def edit(self, data: ModelNode) -> None:
        model = self.model
        if data.ref is None or model is None or data.ref not in model.entries:
            return
        if self.require_connected() is None:
            return
        entry = model.entries[data.ref]
        attribute_type = data.edit_attribute
        spec = variable_spec(entry, attribute_type)

        def edited(edit: Edit | None) -> None:
            if edit is None:
                return
            self.tree.sending.add((entry.ref, edit.attribute_type))
            self.refresh_view()
            self.write_variable(entry.ref, edit.value, edit.attribute_type)

        screen = self.dialogs.edit_value(
            spec,
            attribute_type=attribute_type,
            read_only_for=lambda kind: read_only_warning(entry, kind),
        )
        self.app.push_screen(screen, edited)

    def action_edit(self) -> None:
        data = self.tree.cursor_data
        if data is not None:
            self.edit(data)

    def action_add_variable(self) -> None:
        if self.require_connected() is None:
            return

        def named(text: str | None) -> None:
            if text:
                self.read_variables([(VariableRef.parse(text), "Actual")])

        self.app.push_screen(
            self.dialogs.name(
                "Ask for a variable by name",
                "Component.Variable, optionally Component[instance]@evse/connector."
                "Variable[instance], e.g. OCPPCommCtrlr.HeartbeatInterval or "
                "EVSE@1.AvailabilityState. ocpp-tui asks the charger with GetVariables.",
                placeholder="Component.Variable",
                validate=variable_ref_problem,
            ),
            named,
        )

    def action_point_to_csms(self) -> None:
        if self.require_connected() is None:
            return

        def filled(form: NetworkProfileForm | None) -> None:
            if form is not None:
                self.last_steps = [f"sending SetNetworkProfile (slot {form.slot})…"]
                self._show_info()
                self.send_network_profile(form)

        model = self.model
        security = model.value("SecurityCtrlr", "SecurityProfile") if model else None
        priority = model.value("OCPPCommCtrlr", "NetworkConfigurationPriority") if model else None
        in_use = (priority or "0").split(",")[0].strip()
        # Suggest a slot other than the one in use: chargers refuse to overwrite it.
        slot = 2 if in_use == "1" else 1
        screen = self.dialogs.network_profile(
            self.identity, slot, int(security) if security and security.isdigit() else None
        )
        self.app.push_screen(screen, filled)

    # ------------------------------------------------------------------ palette

    def palette_commands(self) -> list[SimpleCommand]:
        commands: list[SimpleCommand] = []
        if self.connected:
            commands += [
                SimpleCommand(
                    "Device model: read (GetBaseReport)",
                    self.action_read,
                    f"{self.report_base}; every NotifyReport part is collected",
                ),
                SimpleCommand(
                    "Device model: refresh the highlighted variable or component",
                    self.action_refresh_variables,
                    "GetVariables",
                ),
                SimpleCommand(
                    "Device model: ask for a variable by name…",
                    self.action_add_variable,
                    "GetVariables of Component.Variable",
                ),
                SimpleCommand(
                    "Point this charger at its real CSMS…",
                    self.action_point_to_csms,
                    "SetNetworkProfile + NetworkConfigurationPriority",
                ),
            ]
            data = self.tree.cursor_data
            if data is not None and data.ref is not None:
                commands.append(
                    SimpleCommand(
                        f"Device model: edit {shorten(data.ref.label, 40)}…",
                        self.action_edit,
                        "SetVariables, with the variable's type and limits",
                    )
                )
        return commands + super().palette_commands()
