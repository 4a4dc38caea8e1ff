"""The Configuration tab of a 1.6 charger: read the keys, edit them, add vendor keys by name.

Reading falls back from all keys to batches to single keys and says which method worked;
an edit sends ChangeConfiguration and writes the charger's answer into the row (after
Accepted the key is read back); read-only keys and invalid values are refused before
anything is sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.command import SimpleCommand
from textual.content import Content
from textual.message import Message
from textual.widgets import DataTable, Input, Static

from ocpptui.app.bridge import HubBridge
from ocpptui.core.config_reads import reads_since_complete
from ocpptui.core.configuration import (
    ChangeResult,
    ConfigurationTable,
    change_configuration,
    read_configuration,
)
from ocpptui.core.hub import Charger
from ocpptui.core.session import CallFailed
from ocpptui.protocol.keys_16 import key_info
from ocpptui.protocol.secrets import mask_value
from ocpptui.ui.common.display_text import clock_time, shorten
from ocpptui.ui.configuration.configuration_panel import (
    PROFILE_BINDINGS,
    ConfigurationPanel,
    read_history,
)
from ocpptui.ui.configuration.dialogs import ConfigurationDialogs
from ocpptui.ui.configuration.keys_table import SORTABLE, KeyRow, KeysTable, key_rows
from ocpptui.ui.configuration.value_specs import Edit, key_spec
from ocpptui.wording import counted

#: OCPP 1.6 keys are CiString50.
MAX_KEY_LENGTH = 50


def key_name_problem(name: str) -> str | None:
    if not name:
        return "type the key's name"
    if len(name) > MAX_KEY_LENGTH:
        return f"a 1.6 key has at most {MAX_KEY_LENGTH} characters"
    if any(character.isspace() for character in name):
        return "a key has no spaces"
    return None


class KeysPanel(ConfigurationPanel):
    """Key / value / read-only / status of a 1.6 charger, sortable and filterable."""

    HELP: ClassVar[str] = """
OCPP 1.6 configuration: **r** reads every key, **space** marks keys and **R** re-reads the
marked ones (or the highlighted one), **enter** edits, **a** adds a vendor key by name,
**O** changes the order (or click a column header), **/** finds keys.
"""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "r",
            "read",
            "Read",
            tooltip="GetConfiguration of every key (falls back to batches, then single keys)",
            id="config.read",
        ),
        Binding(
            "R",
            "reread",
            "Re-read",
            tooltip="GetConfiguration of the marked keys (space marks), or the highlighted one",
            id="config.reread",
        ),
        Binding(
            "a",
            "add_key",
            "Add key",
            tooltip="Read or write a key the charger did not report (vendor keys)",
            id="config.add_key",
        ),
        Binding(
            "O",
            "cycle_order",
            "Order",
            show=False,
            tooltip="Order by key, value, read-only or status (a header click does too)",
            id="config.order",
        ),
        *PROFILE_BINDINGS,
    ]

    NEEDS_CHARGER: ClassVar[frozenset[str]] = frozenset(
        {"read", "reread", "add_key", "edit", "apply_profile"}
    )

    DEFAULT_CSS = """
    KeysPanel {
        height: 1fr;
        & > #config-info { height: auto; max-height: 3; padding: 0 1; }
        & > #config-filter { margin: 0 1; }
        & > #config-detail { height: auto; max-height: 4; padding: 0 1; background: $panel; }
    }
    """

    @dataclass
    class ReadProgressed(Message):
        step: str

    @dataclass
    class ConfigurationRead(Message):
        """GetConfiguration finished (`error` when the connection went away)."""

        table: ConfigurationTable | None
        error: str | None = None

    @dataclass
    class ValueChanged(Message):
        """The charger's answer to ChangeConfiguration (and the value read back)."""

        result: ChangeResult

    def __init__(self, charger: Charger, bridge: HubBridge, dialogs: ConfigurationDialogs) -> None:
        super().__init__(charger, bridge, dialogs)
        self.added: list[str] = []  # keys added by name, in order
        self.sending: set[str] = set()  # keys whose ChangeConfiguration is on its way
        # Answers about keys the charger does not have (NotSupported): the core keeps no
        # entry for them, the row still shows what the charger said.
        self.unknown_outcomes: dict[str, tuple[str, str | None]] = {}
        self.reading = False
        self._last_step = ""

    def compose(self) -> ComposeResult:
        yield Static(id="config-info", markup=False)
        yield Input(
            placeholder="/ find a key or value",
            compact=True,
            id="config-filter",
            classes="config-filter",
        )
        yield KeysTable(id="config-table")
        yield Static(id="config-detail", markup=False)

    @property
    def table_widget(self) -> KeysTable:
        return self.query_one("#config-table", KeysTable)

    @property
    def configuration(self) -> ConfigurationTable | None:
        session = self.session
        return session.state.configuration if session is not None else None

    def has_data(self) -> bool:
        table = self.configuration
        return table is not None and table.read_wall is not None

    def on_mount(self) -> None:
        super().on_mount()
        self.refresh_view()

    def refresh_view(self) -> None:
        self.table_widget.show(self._rows())
        self._show_info()
        self._show_detail()

    def _rows(self) -> list[KeyRow]:
        rows: list[KeyRow] = []
        for row in key_rows(self.configuration, self.added):
            if row.key in self.sending:
                row = KeyRow(row.key, row.value, row.readonly, "sending…")
            elif row.readonly is None and row.key in self.unknown_outcomes:
                status, detail = self.unknown_outcomes[row.key]
                row = KeyRow(row.key, row.value, row.readonly, status, detail)
            rows.append(row)
        return rows

    def _show_info(self) -> None:
        table = self.configuration
        parts: list[tuple[str, str] | str] = []
        if self.reading:
            parts.append(("Reading… ", "$text-warning bold"))
            if self._last_step:
                parts.append((shorten(self._last_step, 120), "$text-muted"))
        elif table is None or table.read_wall is None:
            if self.connected:
                parts.append(("Not read yet: r reads every key.", "$text-muted"))
            else:
                parts.append(("Not read, and the charger is not connected.", "$text-muted"))
        else:
            reads = self.session.state.configuration_reads if self.session is not None else []
            complete, _ = reads_since_complete(reads)
            parts += [
                ("read by ", "$text-muted"),
                (complete.how if complete is not None else table.method or "?", "bold"),
                (f" · {counted(len(table.entries), 'key')}", ""),
            ]
            if table.unknown_keys:
                parts.append((f" · {len(table.unknown_keys)} unknown", "$text-warning"))
            readonly = sum(1 for entry in table.entries.values() if entry.readonly)
            parts.append((f" · {readonly} read-only", "$text-muted"))
            at = complete.finished_wall if complete is not None else table.read_wall
            parts.append((f" · at {clock_time(at, milliseconds=False)}", "$text-muted"))
            parts += read_history(reads, "r")
            if len(table.steps) > 1:  # a fallback: say what was tried
                parts += ["\n", (" → ".join(table.steps), "$text-muted")]
        if self.last_written:
            parts += ["\n", (shorten(self.last_written, 200), "$text-success")]
        self.query_one("#config-info", Static).update(Content.assemble(*parts))

    def _show_detail(self) -> None:
        widget = self.table_widget
        key = widget.cursor_key
        detail = self.query_one("#config-detail", Static)
        row = widget.row_for(key) if key is not None else None
        if row is None:
            detail.update(
                Content.styled(
                    "enter edits · space marks · R re-reads · / finds · O orders", "$text-muted"
                )
            )
            return
        spec = key_spec(row.key, self.configuration)
        facts = [spec.kind]
        if spec.unit:
            facts.append(spec.unit)
        if spec.limits:
            facts.append(spec.limits)
        if row.readonly:
            facts.append("read-only")
        parts: list[tuple[str, str] | str] = [
            (shorten(row.key, 50), "bold"),
            " = ",
            (shorten(row.value, 200, placeholder="—"), "$text-accent"),
            ("  " + " · ".join(facts), "$text-muted"),
        ]
        if row.status:
            look = "$text-success" if row.status == "Accepted" else "$text-warning"
            said = "the charger: " if row.readonly is None else "last edit: "
            parts += ["\n", (said, "$text-muted"), (row.status, look)]
            if row.detail:
                parts.append((f" ({shorten(row.detail, 160)})", "$text-muted"))
        if spec.meaning:
            parts += ["\n", (shorten(spec.meaning, 240), "$text-muted")]
        detail.update(Content.assemble(*parts))

    # ------------------------------------------------------------------ workers

    @work(exclusive=True, group="config-read", exit_on_error=False)
    async def read_keys(self, keys: list[str] | None) -> None:
        session = self.session
        if session is None:
            self.post_message(self.ConfigurationRead(None, "no session"))
            return
        try:
            table = await read_configuration(
                session, keys, progress=lambda step: self.post_message(self.ReadProgressed(step))
            )
        except CallFailed as exc:
            self.post_message(self.ConfigurationRead(None, str(exc)))
            return
        self.post_message(self.ConfigurationRead(table))

    @work(group="config-change", exit_on_error=False)
    async def change_value(self, edit: Edit) -> None:
        session = self.session
        if session is None:
            return
        # change_configuration reports failures in its result; it raises for nothing.
        result = await change_configuration(session, edit.name, edit.value)
        self.post_message(self.ValueChanged(result))

    # ------------------------------------------------------------------ handlers

    @on(ReadProgressed)
    def _read_progressed(self, message: ReadProgressed) -> None:
        self._last_step = message.step
        self._show_info()

    @on(ConfigurationRead)
    def _configuration_read(self, message: ConfigurationRead) -> None:
        self.reading = False
        if message.error is not None:
            self.notify(message.error, title="GetConfiguration", severity="error", markup=False)
        table = self.configuration
        if table is not None:
            self.added = [
                key
                for key in self.added
                if key not in table.entries and key not in table.unknown_keys
            ]
        self.refresh_view()
        self.refresh_bindings()

    @on(ValueChanged)
    def _value_changed(self, message: ValueChanged) -> None:
        result = message.result
        self.sending.discard(result.key)
        table = self.configuration
        if table is None or result.key not in table.entries:
            self.unknown_outcomes[result.key] = (result.status, result.detail)
        if result.key in self.added and result.status != "NotSupported":
            self.added.remove(result.key)
        self.refresh_view()
        value = mask_value(result.key, result.value)
        text = f"{result.key} = {shorten(value, 60)}: {result.status}"
        if result.confirmed_value is not None:
            text += f", read back {shorten(mask_value(result.key, result.confirmed_value), 60)}"
        elif result.detail:
            text += f" ({shorten(result.detail, 120)})"
        severity = "information" if result.ok else "warning"
        self.notify(text, title="ChangeConfiguration", severity=severity, markup=False)

    @on(DataTable.RowHighlighted, "#config-table")
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self._show_detail()

    @on(DataTable.RowSelected, "#config-table")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_edit()

    @on(Input.Changed, "#config-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.table_widget.set_filter(event.value)
        self._show_detail()

    @on(Input.Submitted, "#config-filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.table_widget.focus()

    # ------------------------------------------------------------------ actions

    def action_read(self) -> None:
        if self.require_connected() is None:
            return
        self.reading, self._last_step = True, ""
        self._show_info()
        self.read_keys(None)

    def action_reread(self) -> None:
        if self.require_connected() is None:
            return
        widget = self.table_widget
        keys = sorted(widget.marked) or ([widget.cursor_key] if widget.cursor_key else [])
        if not keys:
            self.notify("Mark keys with space, or highlight one", severity="warning")
            return
        self.reading, self._last_step = True, ""
        self._show_info()
        self.read_keys(keys)

    def action_edit(self) -> None:
        key = self.table_widget.cursor_key
        if key is None:
            return
        if self.require_connected() is None:
            return
        table = self.configuration
        entry = table.entries.get(key) if table is not None else None
        if entry is not None and entry.readonly:
            # Refused here: the charger would only answer Rejected.
            self.notify(
                f"{shorten(key, 50)} is read-only on this charger",
                title="Not editable",
                severity="warning",
                markup=False,
            )
            return
        info = key_info(key)
        if info is not None and not info.writable:
            self.notify(
                f"{key} is read-only in OCPP 1.6",
                title="Not editable",
                severity="warning",
                markup=False,
            )
            return

        def edited(edit: Edit | None) -> None:
            if edit is not None:
                self._mark_sending(edit.name)
                self.change_value(edit)

        self.app.push_screen(self.dialogs.edit_value(key_spec(key, table)), edited)

    def _mark_sending(self, key: str) -> None:
        self.sending.add(key)
        self.refresh_view()

    def action_add_key(self) -> None:
        if self.require_connected() is None:
            return

        def named(name: str | None) -> None:
            if not name:
                return
            table = self.configuration
            if table is None or (name not in table.entries and name not in self.added):
                self.added.append(name)
            self.refresh_view()
            widget = self.table_widget
            if name in widget.rows:
                widget.move_cursor(row=widget.get_row_index(name), animate=False)
            widget.focus()
            self.reading = True
            self._show_info()
            self.read_keys([name])

        self.app.push_screen(
            self.dialogs.name(
                "Add a key by name",
                "A key the charger did not report, e.g. a vendor key from its manual. ocpp-tui "
                "asks the charger for it; then enter edits it like any other key.",
                placeholder="key name",
                validate=key_name_problem,
            ),
            named,
        )

    def action_cycle_order(self) -> None:
        widget = self.table_widget
        following = SORTABLE[(SORTABLE.index(widget.sort_column) + 1) % len(SORTABLE)]
        widget.sort_by(following)

    # ------------------------------------------------------------------ palette

    def palette_commands(self) -> list[SimpleCommand]:
        commands: list[SimpleCommand] = []
        if self.connected:
            commands += [
                SimpleCommand(
                    "Configuration: read every key",
                    self.action_read,
                    "GetConfiguration; falls back to batches, then single keys",
                ),
                SimpleCommand(
                    "Configuration: re-read the marked keys",
                    self.action_reread,
                    "GetConfiguration of the keys marked with space (or the highlighted one)",
                ),
                SimpleCommand(
                    "Configuration: add a key by name…",
                    self.action_add_key,
                    "Read or write a vendor key the charger did not report",
                ),
            ]
            if self.table_widget.cursor_key is not None:
                commands.append(
                    SimpleCommand(
                        f"Configuration: edit {shorten(self.table_widget.cursor_key, 40)}…",
                        self.action_edit,
                        "ChangeConfiguration, with the key's type and allowed values",
                    )
                )
        return commands + super().palette_commands()
