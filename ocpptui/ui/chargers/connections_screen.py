"""Every connection attempt, accepted or refused: what the charger sent and why it ended so.

A charger that "does not connect" leaves no other trace: this view shows the raw path, the
identity taken from it, the subprotocols offered and the one chosen, the basic-auth user
(never a password), TLS version and SNI, and for the selected attempt the reason in plain
words with what to do about it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.screen import Screen
from textual.widgets import DataTable, Static

from ocpptui.app import messages
from ocpptui.app.bridge import HubBridge
from ocpptui.core import events
from ocpptui.core.attempts import ConnectionAttempt, Outcome
from ocpptui.core.hub import Hub
from ocpptui.ui.common.display_text import clock_time, shorten
from ocpptui.ui.common.key_footer import KeyFooter
from ocpptui.ui.common.line_style import identity_cell, theme_style
from ocpptui.ui.common.table_cursor import cursor_row_key

#: Rows the table keeps (the hub keeps the last thousand attempts too).
MAX_ROWS = 1000
SHORT_OUTCOMES = {
    Outcome.ACCEPTED: "accepted",
    Outcome.REPLACED: "replaced",
    Outcome.REFUSED: "refused",
}


def subprotocols_text(attempt: ConnectionAttempt) -> str:
    offered = ",".join(attempt.offered) if attempt.offered else "none"
    return f"{offered} → {attempt.chosen or '—'}"


def auth_text(attempt: ConnectionAttempt) -> str:
    if attempt.auth_user is not None:
        return attempt.auth_user
    return "unreadable" if attempt.auth_present else "—"


def tls_text(attempt: ConnectionAttempt) -> str:
    if attempt.tls_version is None:
        return "—"
    if attempt.sni:
        return f"{attempt.tls_version} SNI {attempt.sni}"
    return attempt.tls_version


def outcome_role(attempt: ConnectionAttempt) -> str:
    """Theme text colour (line_style.theme_style) of an attempt's outcome."""
    return "error" if attempt.outcome is Outcome.REFUSED else "success"


def attempt_detail(attempt: ConnectionAttempt) -> Content:
    """The selected attempt in full: every field, the reason and the advice."""
    muted = "$text-muted"
    refused = attempt.outcome is Outcome.REFUSED
    lines = [
        Content.assemble(
            (clock_time(attempt.wall), muted),
            "  ",
            (shorten(attempt.peer, 60), "bold"),
            "  ",
            (shorten(attempt.path, 200), ""),
        ),
        Content.assemble(
            ("identity ", muted),
            (shorten(attempt.identity, 60), "bold"),
            ("   subprotocols ", muted),
            (shorten(subprotocols_text(attempt), 80), ""),
            ("   auth user ", muted),
            (shorten(auth_text(attempt), 40), ""),
            ("   TLS ", muted),
            (shorten(tls_text(attempt), 80), ""),
        ),
        Content.assemble(
            (attempt.outcome.value, "$text-error bold" if refused else "$text-success bold"),
            (": " if attempt.reason else "", ""),
            (shorten(attempt.reason, 400, placeholder=""), "$text-error" if refused else ""),
        ),
    ]
    if attempt.warning:
        lines.append(
            Content.assemble(("Check: ", "$text-warning bold"), (shorten(attempt.warning, 400), ""))
        )
    if attempt.advice:
        lines.append(
            Content.assemble(
                ("What to do: ", "$text-warning bold"), (shorten(attempt.advice, 400), "")
            )
        )
    return Content("\n").join(lines)


class ConnectionsScreen(Screen[None]):
    """A table of attempts (newest at the bottom, followed) and the selected one in full."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", tooltip="Back to the main screen", id="connections.back"),
        Binding(
            "end",
            "newest",
            "Newest",
            tooltip="Select the newest attempt and follow new ones",
            id="connections.newest",
        ),
    ]

    DEFAULT_CSS = """
    ConnectionsScreen {
        layout: vertical;
        & > #connections-title { height: 1; padding: 0 1; background: $panel; }
        & > #attempts { height: 1fr; }
        & > #attempt-detail {
            height: auto;
            min-height: 4;
            max-height: 8;
            padding: 0 1;
            border-top: solid $panel-lighten-2;
        }
    }
    """

    def __init__(self, hub: Hub, bridge: HubBridge) -> None:
        super().__init__()
        self.hub = hub
        self.bridge = bridge
        self._attempts: dict[int, ConnectionAttempt] = {}
        self._next_key = 0
        self._remove_target: Callable[[], None] | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="connections-title", markup=False)
        table: DataTable[Text] = DataTable(id="attempts", cursor_type="row")
        yield table
        yield Static(id="attempt-detail", markup=False)
        yield KeyFooter(show_command_palette=False)

    @property
    def table(self) -> DataTable[Text]:
        return self.query_one("#attempts", DataTable)

    def on_mount(self) -> None:
        table = self.table
        # Outcome and identity first: on a narrow terminal they are what must stay visible.
        table.add_column("Time", key="time", width=8)
        table.add_column("Outcome", key="outcome")
        table.add_column("Identity", key="identity")
        table.add_column("Offered → chosen", key="subprotocols")
        table.add_column("From", key="from")
        table.add_column("Path", key="path")
        table.add_column("Auth user", key="auth")
        table.add_column("TLS", key="tls")
        self._remove_target = self.bridge.add_target(self, changes=False)
        for attempt in list(self.hub.attempts):
            self._add(attempt)
        self._show_title()
        self.action_newest()
        table.focus()

    def on_unmount(self) -> None:
        if self._remove_target is not None:
            self._remove_target()

    def _add(self, attempt: ConnectionAttempt) -> None:
        table = self.table
        key = self._next_key
        self._next_key += 1
        self._attempts[key] = attempt
        table.add_row(
            Text(clock_time(attempt.wall, milliseconds=False), style="dim"),
            Text(
                SHORT_OUTCOMES[attempt.outcome],
                style=theme_style(
                    self, outcome_role(attempt), bold=attempt.outcome is Outcome.REFUSED
                ),
            ),
            identity_cell(self, attempt.identity, attempt.warning is not None, 30),
            Text(shorten(subprotocols_text(attempt), 40)),
            Text(shorten(attempt.peer, 24)),
            Text(shorten(attempt.path, 40)),
            Text(shorten(auth_text(attempt), 20)),
            Text(shorten(tls_text(attempt), 30)),
            key=str(key),
        )
        if table.row_count > MAX_ROWS:
            oldest = min(self._attempts)
            del self._attempts[oldest]
            table.remove_row(str(oldest))

    def _show_title(self) -> None:
        attempts = list(self._attempts.values())
        refused = sum(1 for attempt in attempts if attempt.outcome is Outcome.REFUSED)
        flagged = sum(1 for attempt in attempts if attempt.warning)
        parts: list[tuple[str, str] | str] = [
            ("Connection attempts  ", "bold"),
            (f"{len(attempts)} recorded", "$text-muted"),
        ]
        if refused:
            parts += [", ", (f"{refused} refused", "$text-error bold")]
        if flagged:
            parts += [", ", (f"{flagged} with a suspicious identity ⚠", "$text-warning bold")]
        if not attempts:
            parts.append(
                ("  · none yet: they appear here as chargers try to connect", "$text-muted")
            )
        self.query_one("#connections-title", Static).update(Content.assemble(*parts))

    @on(messages.HubReported)
    def _hub_reported(self, message: messages.HubReported) -> None:
        if not isinstance(message.event, events.AttemptRecorded):
            return
        table = self.table
        following = table.row_count == 0 or table.cursor_row >= table.row_count - 1
        self._add(message.event.attempt)
        self._show_title()
        if following:
            self.action_newest()

    @on(DataTable.RowHighlighted, "#attempts")
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        attempt = self._attempts.get(int(event.row_key.value or -1))
        if attempt is not None:
            self.query_one("#attempt-detail", Static).update(attempt_detail(attempt))

    @property
    def selected(self) -> ConnectionAttempt | None:
        key = cursor_row_key(self.table)
        return None if key is None else self._attempts.get(int(key or -1))

    def action_newest(self) -> None:
        table = self.table
        if table.row_count:
            table.move_cursor(row=table.row_count - 1)
            selected = self.selected
            if selected is not None:
                self.query_one("#attempt-detail", Static).update(attempt_detail(selected))
        else:
            self.query_one("#attempt-detail", Static).update(
                Content.styled(
                    "Point a charger at this laptop: every attempt shows up here, with why it "
                    "was refused.",
                    "$text-muted",
                )
            )

    def action_back(self) -> None:
        self.dismiss(None)
