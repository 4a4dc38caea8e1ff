"""Apply a configuration profile: the diff first, then send what differs, then the report.

The diff compares the profile with what the charger reported (read first when it never
was); read-only conflicts and invalid values are flagged and never sent. Applying sends only
what differs, reads the keys back, and the table turns into a per-key report.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Static

from ocpptui.core.config_reads import last_complete_read
from ocpptui.core.configuration import read_configuration
from ocpptui.core.device_model import device_model_of, get_variables
from ocpptui.core.hub import Charger
from ocpptui.core.session import CallFailed, Session
from ocpptui.protocol.secrets import mask_value
from ocpptui.services.profiles import (
    ApplyReport,
    DiffLine,
    DiffState,
    Profile,
    ProfileError,
    apply_profile,
    diff_profile,
    load_profile,
)
from ocpptui.ui.common.display_text import shorten
from ocpptui.ui.common.key_footer import KeyFooter
from ocpptui.ui.common.line_style import line_style
from ocpptui.wording import counted

#: How each diff state reads and which component class colours it.
STATE_LOOK = {
    DiffState.SAME: ("same", "profile-diff--muted"),
    DiffState.DIFFERS: ("to send", "profile-diff--send"),
    DiffState.MISSING: ("not reported: to send", "profile-diff--warn"),
    DiffState.READ_ONLY: ("read-only: not sent", "profile-diff--error"),
    DiffState.INVALID: ("invalid: not sent", "profile-diff--error"),
}


def diff_summary(lines: list[DiffLine]) -> str:
    counts = Counter(line.state for line in lines)
    parts = []
    sending = counts[DiffState.DIFFERS] + counts[DiffState.MISSING]
    if sending:
        parts.append(f"{sending} to send")
    else:
        parts.append("nothing to send")
    if counts[DiffState.READ_ONLY]:
        parts.append(counted(counts[DiffState.READ_ONLY], "read-only conflict"))
    if counts[DiffState.INVALID]:
        parts.append(f"{counts[DiffState.INVALID]} invalid")
    if counts[DiffState.SAME]:
        parts.append(f"{counts[DiffState.SAME]} already set")
    return " · ".join(parts)


def report_summary(report: ApplyReport) -> str:
    counts = Counter(line.status for line in report.lines)
    verified = sum(1 for line in report.lines if line.status == "Accepted" and line.ok)
    parts = []
    if verified:
        parts.append(f"{verified} accepted and verified")
    unverified = counts["Accepted"] - verified
    if unverified:
        parts.append(f"{unverified} accepted but read back differently")
    if counts["RebootRequired"]:
        parts.append(f"{counts['RebootRequired']} need a reboot to take effect")
    failed = [
        status
        for status in counts
        if status not in ("Accepted", "RebootRequired", "unchanged", "skipped")
    ]
    for status in sorted(failed):
        parts.append(f"{counts[status]} {status}")
    if counts["skipped"]:
        parts.append(f"{counts['skipped']} skipped")
    if counts["unchanged"]:
        parts.append(f"{counts['unchanged']} unchanged")
    verdict = "Profile applied" if report.ok else "Profile applied with problems"
    return f"{verdict}: " + (", ".join(parts) or "nothing to do")


class ProfileDiffScreen(Screen[None]):
    """Profile vs charger; `a` applies what differs and shows the per-key report."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Back", tooltip="Back to the configuration", id="profile.close"),
        Binding(
            "a",
            "apply",
            "Apply",
            tooltip="Send the values that differ, read them back, report per key",
            id="profile.apply",
        ),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "profile-diff--muted",
        "profile-diff--send",
        "profile-diff--warn",
        "profile-diff--error",
        "profile-diff--ok",
    }

    DEFAULT_CSS = """
    ProfileDiffScreen {
        layout: vertical;
        & > .profile-diff--muted { color: $text-muted; }
        & > .profile-diff--send { color: $text-accent; text-style: bold; }
        & > .profile-diff--warn { color: $text-warning; }
        & > .profile-diff--error { color: $text-error; }
        & > .profile-diff--ok { color: $text-success; }
        & #diff-head { height: auto; padding: 0 1; border-top: solid $panel-lighten-2;
                       border-title-color: $text-primary; border-title-style: bold; }
        & #diff-table { height: 1fr; }
        & #diff-status { height: auto; padding: 0 1; background: $panel; }
    }
    """

    @dataclass
    class DiffReady(Message):
        profile: Profile
        lines: list[DiffLine]

    @dataclass
    class Applied(Message):
        report: ApplyReport

    @dataclass
    class Failed(Message):
        """Loading, reading or applying failed; `error` says why."""

        error: str

    def __init__(self, charger: Charger, path: Path) -> None:
        super().__init__()
        self.charger = charger
        self.path = path
        self.profile: Profile | None = None
        self.lines: list[DiffLine] = []
        self.report: ApplyReport | None = None
        self.phase = "loading"  # loading, diff, applying, applied, failed

    def compose(self) -> ComposeResult:
        head = Static(id="diff-head", markup=False)
        head.border_title = Content(f"Profile {shorten(self.path.name, 60)}")
        yield head
        yield DataTable(id="diff-table", cursor_type="row", zebra_stripes=True)
        yield Static(id="diff-status", markup=False)
        yield KeyFooter(show_command_palette=False)

    @property
    def table(self) -> DataTable:
        return self.query_one("#diff-table", DataTable)

    def on_mount(self) -> None:
        self._status(f"Reading {self.path} and the charger's configuration…")
        self.table.focus()
        self.prepare()

    def _status(self, text: str | Content) -> None:
        self.query_one("#diff-status", Static).update(text)

    def _session(self) -> Session:
        session = self.charger.session
        if session is None or not session.connected:
            raise CallFailed(f"{self.charger.identity} is not connected")
        return session

    # ------------------------------------------------------------------ workers

    @work(exclusive=True, group="profile-diff", exit_on_error=False)
    async def prepare(self) -> None:
        try:
            profile = await asyncio.to_thread(load_profile, self.path)
            session = self._session()
            if session.version.is_2x:
                if not profile.values_201:
                    raise ProfileError(f"{self.path}: no [ocpp201] values for this 2.x charger")
                model = device_model_of(session)
                missing = [ref for ref in profile.values_201 if ref not in model.entries]
                if missing:
                    await get_variables(session, missing)
            else:
                if not profile.values_16:
                    raise ProfileError(f"{self.path}: no [ocpp16] values for this 1.6 charger")
                if last_complete_read(session.state.configuration_reads) is None:
                    await read_configuration(session)
            lines = diff_profile(profile, session)
        except (ProfileError, CallFailed) as exc:
            self.post_message(self.Failed(str(exc)))
            return
        self.post_message(self.DiffReady(profile, lines))

    @work(exclusive=True, group="profile-diff", exit_on_error=False)
    async def apply(self, profile: Profile) -> None:
        try:
            report = await apply_profile(self._session(), profile)
        except CallFailed as exc:
            self.post_message(self.Failed(f"applying stopped: {exc}"))
            return
        self.post_message(self.Applied(report))

    # ------------------------------------------------------------------ handlers

    def _style(self, name: str) -> Style:
        return line_style(self, name)

    def _widths(self, *, values: int, fixed: int) -> tuple[int, int]:
        """Key and value column widths that leave the state column on screen."""
        width = self.size.width or 120
        key_width = 40 if width >= 120 else 30
        room = width - key_width - fixed - 2 * (values + 3)
        return key_width, max(6, min(30, room // values))

    @on(DiffReady)
    def _diff_ready(self, message: DiffReady) -> None:
        self.profile, self.lines, self.phase = message.profile, message.lines, "diff"
        self._show_head()
        table = self.table
        table.clear(columns=True)
        for label in ("Key", "State", "Current", "Desired", "Note"):
            table.add_column(label, key=label.lower())
        key_width, value_width = self._widths(values=2, fixed=22)
        for line in message.lines:
            label, style = STATE_LOOK[line.state]
            table.add_row(
                Text(shorten(line.key, key_width)),
                Text(label, self._style(style)),
                Text(shorten(mask_value(line.key, line.current), value_width, placeholder="—")),
                Text(
                    shorten(mask_value(line.key, line.desired), value_width, placeholder='""'),
                    self._style("profile-diff--send"),
                ),
                Text(shorten(line.note, 60, placeholder="")),
            )
        summary = diff_summary(message.lines)
        if any(line.to_send for line in message.lines):
            self._status(Content.assemble(summary, "  ·  ", ("a applies", "$text-accent bold")))
        else:
            self._status(summary)
        self.refresh_bindings()

    def _show_head(self) -> None:
        profile = self.profile
        session = self.charger.session
        if profile is None:
            return
        parts: list[tuple[str, str] | str] = [
            (profile.name, "bold"),
            "  ",
            (str(self.path), "$text-muted"),
        ]
        if profile.description:
            parts += ["\n", (profile.description, "$text-muted")]
        if session is not None and (profile.vendor or profile.model):
            state = session.state
            wanted = " ".join(p for p in (profile.vendor, profile.model) if p)
            actual = " ".join(p for p in (state.vendor, state.model) if p) or "unknown"
            if profile.matches(state.vendor, state.model):
                parts += ["\n", (f"for {wanted}: matches this {actual}", "$text-success")]
            else:
                parts += [
                    "\n",
                    (f"for {wanted}, but this charger is {actual}", "$text-warning bold"),
                ]
        self.query_one("#diff-head", Static).update(Content.assemble(*parts))

    @on(Applied)
    def _applied(self, message: Applied) -> None:
        report = message.report
        self.report, self.phase = report, "applied"
        table = self.table
        table.clear(columns=True)
        for label in ("Key", "Status", "Before", "Desired", "After", "Note"):
            table.add_column(label, key=label.lower())
        key_width, value_width = self._widths(values=3, fixed=16)
        for line in report.lines:
            if line.status in ("unchanged", "skipped"):
                style = (
                    "profile-diff--muted" if line.status == "unchanged" else "profile-diff--warn"
                )
            elif line.status == "RebootRequired":
                style = "profile-diff--warn"
            else:
                style = "profile-diff--ok" if line.ok else "profile-diff--error"
            table.add_row(
                Text(shorten(line.key, key_width)),
                Text(shorten(line.status, 16), self._style(style)),
                Text(shorten(mask_value(line.key, line.before), value_width, placeholder="—")),
                Text(shorten(mask_value(line.key, line.desired), value_width, placeholder='""')),
                Text(shorten(mask_value(line.key, line.after), value_width, placeholder="—")),
                Text(shorten(line.note, 60, placeholder="")),
                key=line.key,
            )
        summary = report_summary(report)
        look = "$text-success bold" if report.ok else "$text-error bold"
        if report.reboot_required:
            summary += " — reboot the charger (Commands tab, Reset) for them to take effect"
        self._status(Content.styled(summary, look))
        self.refresh_bindings()

    @on(Failed)
    def _failed(self, message: Failed) -> None:
        self.phase = "failed" if self.phase != "applying" else "diff"
        self._status(Content.styled(message.error, "$text-error bold"))
        self.notify(message.error, title="Profile", severity="error", markup=False)
        self.refresh_bindings()

    # ------------------------------------------------------------------ actions

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "apply":
            can = (
                self.phase == "diff"
                and self.charger.connected
                and any(line.to_send for line in self.lines)
            )
            return True if can else None
        return True

    def action_apply(self) -> None:
        if self.profile is None or self.phase != "diff":
            return
        self.phase = "applying"
        self._status(Content.styled("Applying…", "$text-warning bold"))
        self.refresh_bindings()
        self.apply(self.profile)

    def action_close(self) -> None:
        self.dismiss(None)
