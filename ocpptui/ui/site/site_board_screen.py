"""The site board: every charger of a site sheet on one screen, and batch actions on them.

A row per sheet charger (not seen yet / connected / checklist x of y / firmware / profile /
the current batch), then the identities that connected but are not on the sheet. Batches
run on the selected rows (space, a) or on all: read the configuration, apply each charger's
profile, update firmware (K at once, through the app's file transfers, so a charger's
firmware screen shows the same upgrade), trigger a message, reset, run a playbook. `s`
stops a batch and says what each charger was left in the middle of; `e` writes the site
report. The batches and the site live in the core (`services/site_run.py`); this screen
starts them and shows them, polling twice a second (the rows are cheap; frames are not
looked at except for the checklist, recomputed only when a charger's frames moved).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.command import SimpleCommand
from textual.containers import Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import ProgressBar, Static

from ocpptui.app import messages
from ocpptui.app.file_transfers import FileTransfers, FirmwareRequest
from ocpptui.core.clock import Clock
from ocpptui.core.commands import trigger_messages
from ocpptui.core.session import CallFailed
from ocpptui.paths import Paths
from ocpptui.services.checklist import (
    FIRMWARE_BUSY,
    ChecklistTarget,
    CheckStatus,
    compute_checklist,
)
from ocpptui.services.firmware import Phase
from ocpptui.services.playbook import PlaybookError, load_playbook
from ocpptui.services.report import SiteNotes
from ocpptui.services.site_actions import (
    apply_profile_action,
    firmware_action,
    read_configuration_action,
    reset_action,
    trigger_action,
)
from ocpptui.services.site_batch import (
    BatchAction,
    BatchItem,
    ItemState,
    SiteBatch,
    TransferSlots,
)
from ocpptui.services.site_report import write_site_report
from ocpptui.services.site_run import (
    Site,
    check_site_playbook,
    connection_cap_warning,
    playbook_action,
)
from ocpptui.services.site_sheet import DEFAULT_PARALLEL
from ocpptui.services.transfer_schemes import fetch_scheme_choice, served_schemes
from ocpptui.ui.commissioning.playbook_run_screen import looks_like_playbook
from ocpptui.ui.common.choice_screen import ChoiceScreen
from ocpptui.ui.common.confirm_screen import ConfirmScreen
from ocpptui.ui.common.display_text import shorten
from ocpptui.ui.common.key_footer import KeyFooter
from ocpptui.ui.files.open_file_screen import OpenFileScreen
from ocpptui.ui.site.site_table import UNEXPECTED_PREFIX, Cell, SiteRow, SiteTable

#: Board repaints per second (a batch's progress, connections, firmware phases).
REFRESH_HZ = 2.0
#: Seconds a checklist is kept while its charger's frames do not move (heartbeat checks
#: depend on time passing too), and at least, while they do.
CHECKLIST_MAX_AGE = 10.0
CHECKLIST_MIN_AGE = 2.0
#: What a batch says of a target charger that is not connected (it is not acted on).
NOT_CONNECTED = "not connected"
#: Messages offered for a batch trigger (those every version names the same way).
COMMON_TRIGGERS = (
    "StatusNotification",
    "BootNotification",
    "Heartbeat",
    "MeterValues",
    "FirmwareStatusNotification",
)


@dataclass(frozen=True, slots=True)
class _Checked:
    """A charger's checklist as last computed, and what it was computed from."""

    frames_seen: tuple[int, int]
    wall: float
    cell: Cell


class SiteBoardScreen(Screen[None]):
    """The chargers of one site sheet, their state, and batches over them."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", tooltip="Back to the main screen", id="site.back"),
        Binding(
            "c",
            "read_configuration",
            "Read config",
            tooltip="Read the whole configuration of the selected chargers (or all)",
            id="site.read",
        ),
        Binding(
            "p",
            "apply_profile",
            "Profile",
            tooltip="Apply each selected charger's profile from the sheet",
            id="site.profile",
        ),
        Binding(
            "u",
            "update_firmware",
            "Firmware",
            tooltip="Install each selected charger's firmware from the sheet, K at once",
            id="site.firmware",
        ),
        Binding(
            "t",
            "trigger",
            "Trigger",
            tooltip="Send TriggerMessage to the selected chargers",
            id="site.trigger",
        ),
        Binding("x", "reset", "Reset", tooltip="Reset the selected chargers", id="site.reset"),
        Binding(
            "r",
            "run_playbook",
            "Playbook",
            tooltip="Run a playbook on each selected charger, its sheet values filled in",
            id="site.playbook",
        ),
        Binding(
            "s",
            "stop_batch",
            "Stop batch",
            tooltip="Stop the running batch (chargers are not told: the board says what was "
            "in progress)",
            id="site.stop",
        ),
        Binding(
            "e",
            "report",
            "Report",
            tooltip="Write the site report (Markdown, HTML, JSON) with each charger's own",
            id="site.report",
        ),
    ]

    DEFAULT_CSS = """
    SiteBoardScreen {
        layout: vertical;
        & #site-head { height: auto; padding: 0 1; border-top: solid $panel-lighten-2;
                       border-title-color: $text-primary; border-title-style: bold; }
        & #site-batch { height: auto; padding: 0 1; }
        & #site-batch-line { height: auto; }
        & #site-progress { height: 1; }
        & #site-status { height: auto; padding: 0 1; background: $panel; }
    }
    """

    class BatchFinished(Message):
        """A batch ended (every charger passed, failed or was cancelled)."""

        def __init__(self, batch: SiteBatch) -> None:
            super().__init__()
            self.batch = batch

    def __init__(
        self,
        site: Site,
        transfers: FileTransfers,
        paths: Paths,
        clock: Clock,
        *,
        parallel: int | None = None,
    ) -> None:
        super().__init__()
        self.site = site
        self.transfers = transfers
        self.paths = paths
        self.clock = clock
        limit = parallel or site.sheet.parallel or DEFAULT_PARALLEL
        self.slots = TransferSlots(site.hub, limit)
        self.batch: SiteBatch | None = None
        self.batches: list[SiteBatch] = []
        self._checked: dict[str, _Checked] = {}

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        head = Static(id="site-head", markup=False)
        head.border_title = f"Site · {shorten(self.site.sheet.name, 60)}"
        yield head
        yield SiteTable(id="site-table")
        with Vertical(id="site-batch"):
            yield Static(
                "No batch yet: space selects chargers (none: all), then a key below.",
                id="site-batch-line",
                markup=False,
            )
            yield ProgressBar(total=100, show_eta=False, id="site-progress")
        yield Static(id="site-status", markup=False)
        yield KeyFooter()

    @property
    def table(self) -> SiteTable:
        return self.query_one("#site-table", SiteTable)

    def on_mount(self) -> None:
        self.site.start()
        self.set_interval(1 / REFRESH_HZ, self.refresh_board, name="site-board")
        self.refresh_board()
        self.table.focus()
        sheet = self.site.sheet
        warning = connection_cap_warning(len(sheet.chargers), self.site.hub.config)
        self._status(
            f"{sheet.source or 'site sheet'} · at most {self.slots.limit} transfers at once"
            + (f" · warning: {warning}" if warning else "")
        )

    def _status(self, text: str) -> None:
        self.query_one("#site-status", Static).update(text)

    # ------------------------------------------------------------------ rows

    def refresh_board(self) -> None:
        """Repaint what changed: the rows, the header, the batch line and progress."""
        site = self.site
        rows = [self._sheet_row(identity) for identity in site.records]
        rows += [self._unexpected_row(identity) for identity in site.unexpected]
        self.table.show_rows(rows)
        seen = sum(1 for record in site.records.values() if record.seen)
        connected = sum(1 for identity in site.records if site.booted(identity))
        head = f"{len(site.records)} chargers on the sheet · {seen} seen · {connected} connected"
        if site.unexpected:
            head += f" · {len(site.unexpected)} not on the sheet"
        self.query_one("#site-head", Static).update(head)
        batch = self.batch
        if batch is not None:
            self.query_one("#site-progress", ProgressBar).update(progress=batch.fraction * 100)
            self.query_one("#site-batch-line", Static).update(_batch_line(batch))

    def _connection(self, identity: str) -> Cell:
        charger = self.site.hub.chargers.get(identity)
        session = charger.session if charger is not None else None
        if session is None:
            return Cell("not seen yet", "muted")
        version = session.version.subprotocol.removeprefix("ocpp")
        if session.connected and session.state.booted:
            return Cell(f"connected {version}", "ok")
        if session.connected:
            return Cell(f"connected {version}, not booted", "running")
        return Cell("offline", "failed")

    def _checklist(self, identity: str) -> Cell:
        charger = self.site.hub.chargers.get(identity)
        if charger is None or charger.session is None:
            return Cell("")
        frames = charger.frames
        moved = (len(frames), frames[len(frames) - 1].seq if len(frames) else 0)
        now = self.clock.wall()
        cached = self._checked.get(identity)
        if cached is not None:
            age = now - cached.wall
            # A busy charger's frames move every second: its checklist (a pass over all of
            # them) is redone at most every few seconds, and after a while even if idle.
            if age < (CHECKLIST_MAX_AGE if cached.frames_seen == moved else CHECKLIST_MIN_AGE):
                return cached.cell
        record = self.site.records[identity]
        target = ChecklistTarget(
            target_firmware=record.sheet.target_firmware,
            profile=self.site.sheet.profile_for(record.sheet),
        )
        checklist = compute_checklist(charger, self.site.hub.config, target, now=now)
        required = [
            item
            for item in checklist.items
            if not item.optional and item.status is not CheckStatus.SKIPPED
        ]
        passed = sum(1 for item in required if item.status is CheckStatus.PASS)
        failed = any(item.status is CheckStatus.FAIL for item in required)
        look = "ok" if checklist.passed else ("failed" if failed else "running")
        cell = Cell(f"{passed}/{len(required)} passed", look)
        self._checked[identity] = _Checked(moved, now, cell)
        return cell

    def _firmware(self, identity: str) -> Cell:
        run = self.transfers.run_for("firmware", identity)
        job = run.job if run is not None else None
        if run is not None and not run.finished and job is not None:
            progress = job.progress
            done = f" {progress.bytes_done * 100 // progress.total}%" if progress.total else ""
            return Cell(f"{job.phase.value}{done}", "running")
        record = self.site.records[identity]
        session = self.site.hub.session_for(identity)
        status = session.state.firmware_status if session is not None else None
        if status in FIRMWARE_BUSY:  # an upgrade nobody here watches (e.g. after a stop)
            return Cell(f"charger: {status}", "running")
        now = self.site.firmware_now(identity)
        target = record.sheet.target_firmware
        if now is None:
            return Cell(f"target {target}" if target else "", "muted")
        if record.firmware is not None and not record.firmware.ok:
            return Cell(f"{now} ✗ update failed", "failed")
        if target is None:
            return Cell(now)
        if now == target:
            return Cell(f"{now} ✓", "ok")
        return Cell(f"{now} → {target}", "running")

    def _profile(self, identity: str) -> Cell:
        record = self.site.records[identity]
        if record.profile is not None:  # the batch column and the report say more
            if record.profile.ok:
                return Cell("✓ applied", "ok")
            return Cell("✗ not applied", "failed")
        profile = self.site.sheet.profile_for(record.sheet)
        return Cell(f"{profile.name}: not yet" if profile else "—", "muted")

    def _batch_cell(self, identity: str) -> Cell:
        batch = self.batch
        item = batch.items.get(identity) if batch is not None else None
        if item is None:
            return Cell("")
        return _item_cell(item, identity in self.slots.waiting)

    def _sheet_row(self, identity: str) -> SiteRow:
        record = self.site.records[identity]
        return SiteRow(
            identity,
            (
                Cell(" "),
                Cell(identity),
                Cell(record.sheet.location),
                self._connection(identity),
                self._checklist(identity),
                self._firmware(identity),
                self._profile(identity),
                self._batch_cell(identity),
            ),
        )

    def _unexpected_row(self, identity: str) -> SiteRow:
        now = self.site.firmware_now(identity)
        return SiteRow(
            UNEXPECTED_PREFIX + identity,
            (
                Cell("!", "unexpected"),
                Cell(identity, "unexpected"),
                Cell("not on the sheet", "unexpected"),
                self._connection(identity),
                Cell(""),
                Cell(now or ""),
                Cell(""),
                Cell("left alone", "muted"),
            ),
        )

    # ------------------------------------------------------------------ batches

    @property
    def running(self) -> bool:
        return self.batch is not None and not self.batch.finished

    def targets(self) -> list[str]:
        """The selected sheet chargers, or all of them when none is selected."""
        selected = self.table.selected
        return [identity for identity in self.site.records if not selected or identity in selected]

    def start_batch(self, title: str, action: BatchAction) -> SiteBatch | None:
        """Run `action` on the target chargers that are connected (the others are listed
        as not connected); None when a batch is already running."""
        if self.running:
            self.notify("A batch is running: s stops it", severity="warning")
            return None
        batch = SiteBatch(title, action, self.site.hub)
        for identity in self.targets():
            if self.site.booted(identity):
                batch.add(identity)
            else:
                batch.refuse(identity, NOT_CONNECTED)
        self.batch = batch
        self.batches.append(batch)
        self.query_one("#site-progress", ProgressBar).update(progress=0)
        self.refresh_bindings()
        self.refresh_board()
        self._follow(batch)
        return batch

    @work(group="site-batch", exit_on_error=False)
    async def _follow(self, batch: SiteBatch) -> None:
        await batch.wait()
        self.post_message(self.BatchFinished(batch))

    @on(BatchFinished)
    def _batch_finished(self, message: BatchFinished) -> None:
        batch = message.batch
        for item in batch.items.values():
            if item.note and item.note not in self.site.records[item.identity].notes:
                if "in progress" in item.note:
                    self.site.records[item.identity].notes.append(item.note)
        self.refresh_board()
        self.refresh_bindings()
        line = _batch_line(batch)
        self._status("; ".join([line, *batch.notes]))
        failed = any(
            item.state in (ItemState.FAILED, ItemState.CANCELLED) and item.detail != NOT_CONNECTED
            for item in batch.items.values()
        )
        self.notify(
            line,
            title=batch.title,
            severity="information" if not failed else "warning",
            markup=False,
        )

    def action_read_configuration(self) -> None:
        self.start_batch("Read configuration", read_configuration_action(self.site))

    def action_apply_profile(self) -> None:
        count = len(self.targets())
        self._confirmed(
            "Apply profiles",
            f"Apply each charger's profile from the sheet to {count} chargers? Only what "
            "differs is sent; each is read back.",
            lambda: self.start_batch("Apply profile", apply_profile_action(self.site)),
        )

    def action_update_firmware(self) -> None:
        count = len(self.targets())
        self._confirmed(
            "Update firmware",
            f"Install the sheet's firmware on {count} chargers, at most {self.slots.limit} "
            "downloading at once? Chargers already on their target are left as they are.",
            lambda: self.start_batch(
                "Update firmware", firmware_action(self.site, self.slots, self._run_firmware)
            ),
        )

    def action_reset(self) -> None:
        count = len(self.targets())
        self._confirmed(
            "Reset",
            f"Reset {count} chargers (Soft on 1.6, Immediate on 2.x)? A charging session on "
            "them stops.",
            lambda: self.start_batch("Reset", reset_action(self.site)),
        )

    def action_trigger(self) -> None:
        sessions = [self.site.hub.session_for(identity) for identity in self.targets()]
        offered = [
            name
            for name in COMMON_TRIGGERS
            if all(
                name in trigger_messages(session.version)
                for session in sessions
                if session is not None
            )
        ]

        def chosen(message: str | None) -> None:
            if message is not None:
                self.start_batch(f"Trigger {message}", trigger_action(self.site, message))

        self.app.push_screen(
            ChoiceScreen("Trigger a message", "Each charger is asked to send:", offered), chosen
        )

    def action_run_playbook(self) -> None:
        folders = [Path.cwd(), self.paths.config_dir / "playbooks"]
        if self.site.sheet.source is not None:
            folders.insert(0, self.site.sheet.source.parent)

        def picked(path: Path | None) -> None:
            if path is not None:
                self._load_playbook(path)

        screen = OpenFileScreen("Run a playbook on the site", folders, accept=looks_like_playbook)
        self.app.push_screen(screen, picked)

    @work(group="site-playbook", exit_on_error=False)
    async def _load_playbook(self, path: Path) -> None:
        try:
            playbook = await asyncio.to_thread(load_playbook, path)
            check_site_playbook(playbook)
        except PlaybookError as exc:
            self.notify(str(exc), title="Invalid playbook", severity="error", markup=False)
            return
        title = f"Playbook {path.name}"
        self.start_batch(
            title,
            playbook_action(
                self.site, playbook, file_server=self.transfers.file_server, slots=self.slots
            ),
        )

    def _confirmed(self, title: str, question: str, then: Callable[[], object]) -> None:
        if self.running:
            self.notify("A batch is running: s stops it", severity="warning")
            return

        def answered(yes: bool | None) -> None:
            if yes:
                then()

        self.app.push_screen(ConfirmScreen(title, question, title, "Cancel"), answered)

    async def _run_firmware(self, item: BatchItem, path: Path) -> tuple[bool, str]:
        """One upgrade through the app's file transfers (the firmware screen shows it too)."""
        identity = item.identity
        session = self.site.hub.session_for(identity)
        try:
            server = await self.transfers.file_server()
        except OSError as exc:
            return False, f"the file server could not start: {exc.strerror or exc}"
        scheme = "http"
        if session is not None:
            try:
                scheme = (await fetch_scheme_choice(session, served_schemes(server))).preferred
            except CallFailed:
                pass  # the charger did not say: plain HTTP, as the firmware screen would
        run = self.transfers.new_run("firmware", identity)
        stop_watching = run.watch(self)
        try:
            await self.transfers.run_firmware(run, FirmwareRequest(path, scheme))
        finally:
            stop_watching()
        verdict = run.job.verdict if run.job is not None else None
        summary = run.error or (verdict.summary if verdict is not None else "no verdict")
        if verdict is not None and verdict.advice and not verdict.ok:
            summary += f" ({verdict.advice})"
        return run.ok is True, summary

    @on(messages.TransferChanged)
    def _transfer_changed(self, message: messages.TransferChanged) -> None:
        run = message.run
        item = self.batch.items.get(run.identity) if self.batch is not None else None
        job = run.job
        if item is not None and job is not None and item.state is ItemState.RUNNING:
            item.progress = _firmware_fraction(job)
            item.detail = job.phase.value

    def action_stop_batch(self) -> None:
        batch = self.batch
        if batch is None or batch.finished:
            return
        notes = batch.cancel("cancelled")
        for note in notes:
            self.notify(note, title="Stopped mid-change", severity="warning", markup=False)
        self._status(
            "; ".join(notes) if notes else f"{batch.title} cancelled: nothing was being changed"
        )
        self.refresh_board()

    # ------------------------------------------------------------------ report

    def action_report(self) -> None:
        self._write_report()

    @work(group="site-report", exclusive=True, exit_on_error=False)
    async def _write_report(self) -> None:
        notes = SiteNotes(self.site.sheet.installer)
        try:
            files = write_site_report(self.site, notes, self.paths.reports_dir, self.clock.wall())
        except OSError as exc:
            self.notify(f"Cannot write the site report: {exc}", severity="error", markup=False)
            return
        self._status(f"site report written to {files.folder}")
        self.notify(str(files.html), title="Site report written", markup=False)

    # ------------------------------------------------------------------ keys

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "stop_batch":
            return True if self.running else None
        if action in (
            "read_configuration",
            "apply_profile",
            "update_firmware",
            "trigger",
            "reset",
            "run_playbook",
        ):
            return None if self.running else True
        return True

    def action_back(self) -> None:
        self.app.pop_screen()

    def palette_commands(self) -> list[SimpleCommand]:
        """The batch keys as palette entries (at 80 columns the footer cannot show them all)."""
        if self.running:
            return [
                SimpleCommand(
                    "Site: stop the batch", self.action_stop_batch, "Say what was in progress"
                )
            ]
        return [
            SimpleCommand(f"Site: {title}", action, help_text)
            for title, action, help_text in (
                ("read configuration", self.action_read_configuration, "Of the selected (or all)"),
                ("apply profiles", self.action_apply_profile, "Each charger's from the sheet"),
                ("update firmware", self.action_update_firmware, "The sheet's image, K at once"),
                SimpleCommand("trigger a message", self.action_trigger, "TriggerMessage to each"),
                SimpleCommand("reset", self.action_reset, "Soft (1.6) / Immediate (2.x)"),
                ("run a playbook…", self.action_run_playbook, "With each charger's sheet values"),
                SimpleCommand("write the site report", self.action_report, "Markdown, HTML, JSON"),
            )
        ]


#: How far a firmware upgrade is once its download is over (the download is the first half).
_PHASE_FRACTION = {
    Phase.DOWNLOADED: 0.5,
    Phase.INSTALLING: 0.6,
    Phase.REBOOTING: 0.8,
    Phase.INSTALLED: 0.8,
    Phase.BOOTED: 1.0,
    Phase.FAILED: 1.0,
}


def _firmware_fraction(job: Any) -> float:
    """0..1 of one charger's upgrade: half for the bytes, the rest for install and reboot."""
    fraction = _PHASE_FRACTION.get(job.phase)
    if fraction is not None:
        return fraction
    progress = job.progress
    return 0.5 * min(1.0, progress.bytes_done / progress.total) if progress.total else 0.0


def _batch_line(batch: SiteBatch) -> str:
    total = len(batch.items)
    done = sum(1 for item in batch.items.values() if item.state.finished)
    away = sum(1 for item in batch.items.values() if item.detail == NOT_CONNECTED)
    parts = [f"{batch.title}: {done} of {total} done"]
    for state in (ItemState.PASSED, ItemState.FAILED, ItemState.CANCELLED):
        count = batch.count(state) - (away if state is ItemState.FAILED else 0)
        if count:
            parts.append(f"{count} {state.value}")
    if away:
        parts.append(f"{away} not connected")
    return ", ".join(parts)


def _item_cell(item: BatchItem, waiting: bool) -> Cell:
    state = item.state
    if state is ItemState.QUEUED:
        return Cell("queued", "muted")
    if state is ItemState.RUNNING:
        if waiting:
            return Cell("waiting for a transfer slot", "muted")
        percent = f" {int(item.progress * 100)}%" if item.progress else ""
        return Cell(f"{item.detail or 'running'}{percent}", "running")
    if state is ItemState.FAILED and item.detail == NOT_CONNECTED:
        return Cell("✗ not connected", "muted")
    if state is ItemState.PASSED:
        return Cell(f"✓ {item.detail}", "ok")
    if state is ItemState.FAILED:
        return Cell(f"✗ {item.detail}", "failed")
    note = (item.note or item.detail or "cancelled").removeprefix(f"{item.identity}: ")
    return Cell(note, "failed" if "in progress" in note else "muted")
