"""Commissioning: the live checklist with its evidence, the technician's notes, the report.

The checklist is recomputed from the charger's frames whenever the hub says the charger
changed (at most once a second) and every few seconds for what time alone decides
(heartbeats that stopped). Selecting an item lists the frames that decide it; enter on one
opens it in the frame inspector. "Export report" writes Markdown, HTML and JSON into a new
folder under the reports folder and says where; when the configuration was not read
completely since the charger's last boot and the charger is connected, it reads it first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, DataTable, Input, Label, Select, Static, TextArea

from ocpptui.app.bridge import HubBridge
from ocpptui.core.clock import Clock
from ocpptui.core.configuration import read_configuration
from ocpptui.core.device_model import get_variables, read_device_model
from ocpptui.core.frame import Frame
from ocpptui.core.hub import Charger, Hub
from ocpptui.core.session import CallFailed
from ocpptui.paths import Paths
from ocpptui.services.checklist import (
    CheckItem,
    Checklist,
    ChecklistTarget,
    CheckStatus,
    compute_checklist,
)
from ocpptui.services.config_snapshot import needs_read, read_for_report
from ocpptui.services.profiles import Profile, ProfileError, list_profiles, load_profile
from ocpptui.services.report import ReportFiles, SiteNotes, commissioning_report, write_report
from ocpptui.ui.common.display_text import clock_time, compact_json, printable, shorten
from ocpptui.ui.common.hub_listener import ChargerEvent, ChargerListener
from ocpptui.ui.common.key_footer import KeyFooter
from ocpptui.ui.common.line_style import direction_role, theme_style, type_role
from ocpptui.ui.common.table_cursor import cursor_row_key
from ocpptui.ui.files.file_paths import typed_path
from ocpptui.ui.frames.frame_inspector_screen import FrameInspectorScreen
from ocpptui.ui.frames.frame_table import find_frame
from ocpptui.wording import counted

#: Seconds between recomputations while nothing happens (heartbeats that stop).
IDLE_RECOMPUTE_SECONDS = 5.0
#: At most one recomputation per this many seconds: each one reads the charger's frames
#: (up to the in-memory window), and a charging charger reports every few seconds.
MIN_RECOMPUTE_SECONDS = 1.0
VIOLATIONS_ROW = "violations"
#: Theme text colour (line_style.theme_style) of each result.
STATUS_ROLES = {
    CheckStatus.PASS: "success",
    CheckStatus.FAIL: "error",
    CheckStatus.PENDING: "warning",
    CheckStatus.SKIPPED: "muted",
}
STATUS_LABELS = {
    CheckStatus.PASS: "PASS",
    CheckStatus.FAIL: "FAIL",
    CheckStatus.PENDING: "PENDING",
    CheckStatus.SKIPPED: "—",
}


@dataclass(slots=True)
class CommissioningForm:
    """What the technician typed, kept per charger while the app runs."""

    installer: str = ""
    notes: str = ""
    photos: str = ""
    target_firmware: str = ""
    profile_path: Path | None = None
    last_report: Path | None = None
    profile: Profile | None = field(default=None, repr=False)

    def target(self) -> ChecklistTarget:
        return ChecklistTarget(
            target_firmware=self.target_firmware.strip() or None, profile=self.profile
        )

    def site_notes(self) -> SiteNotes:
        return SiteNotes(
            self.installer.strip(), self.notes.strip(), SiteNotes.split_photos(self.photos)
        )


@dataclass
class ReportExported(Message):
    files: ReportFiles


@dataclass
class ConfigurationReread(Message):
    text: str
    ok: bool


@dataclass
class ExportProgressed(Message):
    """A step of the configuration read an export makes first."""

    text: str


@dataclass
class ReadForExport(Message):
    """The export's own configuration read ended; `problem` says why it is not complete."""

    problem: str | None


#: Checklist columns: Result's width, a check title's longest, and the fewest columns the
#: Details column is worth showing in (below that, the line under the table has them).
RESULT_WIDTH = 7
LONGEST_TITLE = "Every connector reported and Available (optional)"
CHECK_MAX = 38
DETAIL_MIN = 24
MAX_ROW_LINES = 6


def checklist_widths(table_width: int, titles: list[str]) -> tuple[int, int | None]:
    """(Check, Details) column widths; Details None when the table is too narrow for it."""
    usable = table_width - 1 - 2 * 3  # scrollbar; one cell of padding each side per column
    longest = max((len(title) for title in titles), default=CHECK_MAX)
    check = min(CHECK_MAX, longest)
    detail = usable - RESULT_WIDTH - check
    if detail >= DETAIL_MIN:
        return check, detail
    return max(12, usable + 2 - RESULT_WIDTH), None  # the Details column's padding is freed


class CommissioningScreen(ChargerListener, Screen[None]):
    """The checklist of one charger, its evidence, and the report."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", tooltip="Back to the charger", id="commissioning.back"),
        Binding(
            "ctrl+s",
            "export",
            "Export report",
            tooltip="Write the commissioning report (Markdown, HTML, JSON) to the reports folder",
            id="commissioning.export",
        ),
        Binding(
            "ctrl+r",
            "reread",
            "Re-read config",
            tooltip="Read the configuration again (the profile's keys, or all of it)",
            id="commissioning.reread",
        ),
    ]

    DEFAULT_CSS = """
    CommissioningScreen {
        layout: vertical;
        & > #commissioning-head { height: auto; padding: 0 1; background: $panel; }
        & > #commissioning-main { height: 1fr; }
        & #commissioning-left { width: 1fr; }
        & #checklist { height: auto; max-height: 60%; }
        & #evidence-title { height: auto; max-height: 6; padding: 0 1; background: $panel; }
        & #evidence { height: 1fr; min-height: 3; }
        & #commissioning-form {
            width: 40;
            padding: 0 1;
            border-left: solid $panel-lighten-2;
        }
        &.-narrow #commissioning-form { width: 30; }
        & #commissioning-form Label { margin-top: 1; color: $text-muted; }
        & #site-notes { height: 5; }
        & #profile-error { color: $text-error; height: auto; }
        & #commissioning-buttons { height: auto; margin-top: 1; }
        & #commissioning-buttons Button { margin-right: 1; }
        & #export-result { height: auto; margin-top: 1; }
    }
    """

    AUTO_FOCUS = "#checklist"
    HORIZONTAL_BREAKPOINTS: ClassVar[list[tuple[int, str]]] = [(0, "-narrow"), (110, "-wide")]

    def __init__(
        self,
        charger: Charger,
        hub: Hub,
        bridge: HubBridge,
        paths: Paths,
        clock: Clock,
        form: CommissioningForm | None = None,
    ) -> None:
        super().__init__()
        self.charger = charger
        self.hub = hub
        self.bridge = bridge
        self.paths = paths
        self.clock = clock
        self.form = form or CommissioningForm()
        self.checklist: Checklist | None = None
        self._dirty = True
        self._last_compute = 0.0
        self._evidence_key: str | None = None
        self._profiles = list_profiles(paths.profiles_dir)
        self._reading_for_export = False

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        yield Static(id="commissioning-head", markup=False)
        with Horizontal(id="commissioning-main"):
            with Vertical(id="commissioning-left"):
                yield DataTable(id="checklist", cursor_type="row", zebra_stripes=True)
                yield Static(id="evidence-title", markup=False)
                yield DataTable(id="evidence", cursor_type="row")
            with VerticalScroll(id="commissioning-form"):
                yield Label("Installer")
                yield Input(self.form.installer, placeholder="name", id="installer")
                yield Label("Site notes")
                yield TextArea(self.form.notes, id="site-notes", soft_wrap=True)
                yield Label("Photo file names")
                yield Input(self.form.photos, placeholder="IMG_0412.jpg, IMG_0413.jpg", id="photos")
                yield Label("Target firmware version")
                yield Input(
                    self.form.target_firmware, placeholder="e.g. 1.5.0", id="target-firmware"
                )
                yield Label("Profile to check against")
                yield Select(
                    [(path.stem, str(path)) for path in self._profiles],
                    prompt="no profile",
                    value=str(self.form.profile_path)
                    if self.form.profile_path in self._profiles
                    else Select.NULL,
                    id="profile",
                )
                yield Input(placeholder="or a profile file path (enter)", id="profile-path")
                yield Static(id="profile-error", markup=False)
                with Horizontal(id="commissioning-buttons"):
                    yield Button("Re-read config", id="reread")
                    yield Button("Export report", id="export", variant="primary")
                yield Static(id="export-result", markup=False)
        yield KeyFooter(show_command_palette=False)

    def on_mount(self) -> None:
        self._checklist_widths: tuple[int, int | None] | None = None
        self._shown_rows: list[tuple[str, Text, Text, Text]] = []
        self._fit_checklist()
        evidence = self.query_one("#evidence", DataTable)
        for label, key, width in (
            ("#", "seq", 7),
            ("Time", "time", 12),
            ("", "dir", 1),
            ("Type", "type", 6),
            ("Action", "action", 22),
            ("Payload", "payload", None),
        ):
            evidence.add_column(label, key=key, width=width)
        self.set_interval(0.5, self._tick, name="commissioning-recompute")
        self.recompute()

    # ------------------------------------------------------------------ the checklist

    def _tick(self) -> None:
        since = self.clock.mono() - self._last_compute
        if (self._dirty and since >= MIN_RECOMPUTE_SECONDS) or since > IDLE_RECOMPUTE_SECONDS:
            self.recompute()

    def recompute(self) -> None:
        """Compute the checklist now and show it."""
        self._dirty = False
        self._last_compute = self.clock.mono()
        self.checklist = compute_checklist(
            self.charger, self.hub.config, self.form.target(), now=self.clock.wall()
        )
        self._show_head()
        self._show_checklist(self.checklist)

    def _show_head(self) -> None:
        session = self.charger.session
        state = self.charger.state
        parts: list[tuple[str, str] | str] = [(shorten(self.identity, 48), "bold")]
        if state is not None:
            for label, value in (
                ("", f"{state.vendor or '?'} {state.model or '?'}"),
                ("serial ", state.serial),
                ("firmware ", state.firmware),
            ):
                parts += ["  ", (label, "$text-muted"), (shorten(value, 40), "")]
        if session is not None:
            online = (
                ("connected", "$text-success") if session.connected else ("offline", "$text-error")
            )
            parts += ["  ", (session.version.subprotocol, "$text-muted"), "  ", online]
        verdict = self.checklist is not None and self.checklist.passed
        parts += ["  ", ("all required checks pass", "$text-success bold")] if verdict else []
        self.query_one("#commissioning-head", Static).update(Content.assemble(*parts))

    def _rows(self, checklist: Checklist) -> list[tuple[str, Text, Text, Text]]:
        rows = [
            (
                item.key,
                Text(
                    STATUS_LABELS[item.status],
                    style=theme_style(self, STATUS_ROLES[item.status], bold=True),
                ),
                Text(item.title + (" (optional)" if item.optional else "")),
                Text(printable(item.detail)),
            )
            for item in checklist.items
        ]
        count = len(checklist.violations)
        frames = len({v.seq for v in checklist.violations})
        rows.append(
            (
                VIOLATIONS_ROW,
                Text(
                    "NOTE" if count else "—",
                    style=theme_style(self, "warning" if count else "muted", bold=bool(count)),
                ),
                Text("Protocol violations by the charger"),
                Text(f"{count} in {counted(frames, 'frame')} (for its vendor)")
                if count
                else Text("none seen"),
            )
        )
        return rows

    # ------------------------------------------------------------------ checklist layout

    def on_resize(self) -> None:
        self.call_after_refresh(self._fit_checklist)

    def _fit_checklist(self) -> None:
        """Columns for the table's width: Details wraps beside the checks when there is room
        for it; on a narrow screen the line under the table shows the highlighted item's."""
        table = self.query_one("#checklist", DataTable)
        widths = checklist_widths(table.size.width or self.size.width, self._titles())
        if widths == self._checklist_widths:
            return
        self._checklist_widths = widths
        check, detail = widths
        table.clear(columns=True)
        table.add_column("Result", key="result", width=RESULT_WIDTH)
        table.add_column("Check", key="title", width=check)
        if detail is not None:
            table.add_column("Details", key="detail", width=detail)
        self._shown_rows = []
        if self.checklist is not None:
            self._show_checklist(self.checklist)

    def _titles(self) -> list[str]:
        return [title.plain for _, _, title, _ in self._shown_rows] or [LONGEST_TITLE]

    def _row_height(self, title: Text, detail: Text) -> int:
        """Lines the row needs once its title and details wrap in their columns."""
        assert self._checklist_widths is not None
        check, detail_width = self._checklist_widths
        console = self.app.console
        lines = len(title.wrap(console, check))
        if detail_width is not None:
            lines = max(lines, len(detail.wrap(console, detail_width)))
        return max(1, min(lines, MAX_ROW_LINES))

    def _show_checklist(self, checklist: Checklist) -> None:
        table = self.query_one("#checklist", DataTable)
        rows = self._rows(checklist)
        if self._checklist_widths is None or not table.columns:
            return
        wide = self._checklist_widths[1] is not None
        heights = [self._row_height(title, detail) for _, _, title, detail in rows]
        before = [self._row_height(t, d) for _, _, t, d in self._shown_rows]
        if [key for key, *_ in rows] != [key for key, *_ in self._shown_rows] or heights != before:
            keep = self._highlighted_key()
            table.clear()
            for (key, result, title, detail), height in zip(rows, heights, strict=True):
                cells = (result, title, detail) if wide else (result, title)
                table.add_row(*cells, key=key, height=height)
            if keep is not None and keep in table.rows:
                table.move_cursor(row=table.get_row_index(keep), animate=False)
        else:
            for key, result, title, detail in rows:
                table.update_cell(key, "result", result)
                table.update_cell(key, "title", title)
                if wide:
                    table.update_cell(key, "detail", detail, update_width=False)
        self._shown_rows = rows
        self._show_evidence(self._highlighted_key() or checklist.items[0].key)

    def _highlighted_key(self) -> str | None:
        return cursor_row_key(self.query_one("#checklist", DataTable))

    def evidence_of(self, key: str) -> tuple[str, str, tuple[int, ...]]:
        """(title, detail, frame seqs) of a checklist row."""
        assert self.checklist is not None
        if key == VIOLATIONS_ROW:
            violations = self.checklist.violations
            detail = "; ".join(f"#{v.seq} {v.action} {v.path}: {v.message}" for v in violations[:3])
            seqs = sorted({v.seq for v in violations})
            return "Protocol violations by the charger", detail or "none seen", tuple(seqs)
        item: CheckItem = self.checklist.item(key)
        return item.title, item.detail, item.evidence

    def _show_evidence(self, key: str) -> None:
        title, detail, seqs = self.evidence_of(key)
        hint = "enter opens a frame" if seqs else "no frame yet"
        self.query_one("#evidence-title", Static).update(
            Content.assemble(
                (title, "bold"), ": ", printable(detail), (f"\nEvidence — {hint}", "$text-muted")
            )
        )
        table = self.query_one("#evidence", DataTable)
        if key == self._evidence_key and [str(r.value) for r in table.rows] == [
            str(s) for s in seqs
        ]:
            return
        self._evidence_key = key
        table.clear()
        for seq in seqs:
            frame = find_frame(self.charger.frames, seq)
            if frame is None:
                table.add_row(Text(f"#{seq}"), Text("(no longer in memory; see the log file)"),
                              "", "", "", "", key=str(seq))  # fmt: skip
                continue
            table.add_row(
                Text(f"#{seq}"),
                Text(clock_time(frame.wall)),
                Text(frame.direction.arrow,
                     style=theme_style(self, direction_role(frame.direction.value), bold=True)),
                Text(frame.type_label, style=theme_style(self, type_role(frame.message_type))),
                Text(shorten(frame.action, 22)),
                Text(compact_json(frame.payload, 300) if frame.payload is not None else
                     printable(frame.raw[:300])),
                key=str(seq),
            )  # fmt: skip

    @on(DataTable.RowHighlighted, "#checklist")
    def _item_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key.value is not None and self.checklist is not None:
            self._show_evidence(event.row_key.value)

    @on(DataTable.RowSelected, "#checklist")
    def _item_selected(self, event: DataTable.RowSelected) -> None:
        evidence = self.query_one("#evidence", DataTable)
        if evidence.row_count:
            evidence.focus()

    @on(DataTable.RowSelected, "#evidence")
    def _evidence_selected(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is not None:
            self.open_frame(int(event.row_key.value))

    def open_frame(self, seq: int) -> None:
        """Show frame #seq in the inspector."""
        frame = find_frame(self.charger.frames, seq)
        if frame is None:
            self.notify(
                f"Frame #{seq} is no longer in memory; it is in the session's log file",
                severity="warning",
                markup=False,
            )
            return
        self.app.push_screen(FrameInspectorScreen(self.charger.frames, frame))

    # ------------------------------------------------------------------ hub messages

    def charger_changed(self, event: ChargerEvent) -> None:
        self._dirty = True  # recomputed at the next tick, at most once a second

    # ------------------------------------------------------------------ the form

    @on(Input.Changed, "#installer")
    def _installer(self, event: Input.Changed) -> None:
        self.form.installer = event.value

    @on(Input.Changed, "#photos")
    def _photos(self, event: Input.Changed) -> None:
        self.form.photos = event.value

    @on(TextArea.Changed, "#site-notes")
    def _notes(self, event: TextArea.Changed) -> None:
        self.form.notes = event.text_area.text

    @on(Input.Changed, "#target-firmware")
    def _target_firmware(self, event: Input.Changed) -> None:
        self.form.target_firmware = event.value
        self._dirty = True

    @on(Select.Changed, "#profile")
    def _profile_picked(self, event: Select.Changed) -> None:
        value = event.value
        self.use_profile(Path(value) if isinstance(value, str) else None)

    @on(Input.Submitted, "#profile-path")
    def _profile_typed(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        self.use_profile(typed_path(text) if text else None)

    def use_profile(self, path: Path | None) -> None:
        """Check the configuration against the profile at `path` (None: no profile)."""
        error = self.query_one("#profile-error", Static)
        if path is None:
            self.form.profile_path, self.form.profile = None, None
            error.update("")
        else:
            try:
                profile = load_profile(path)
            except ProfileError as exc:
                error.update(str(exc))
                return
            self.form.profile_path, self.form.profile = path, profile
            note = "" if profile.matches(*self._vendor_model()) else " (made for another model)"
            error.update(f"profile {profile.name!r}{note}" if note else "")
        self.recompute()

    def _vendor_model(self) -> tuple[str | None, str | None]:
        state = self.charger.state
        return (state.vendor, state.model) if state is not None else (None, None)

    @on(Button.Pressed, "#export")
    def _export_pressed(self) -> None:
        self.action_export()

    @on(Button.Pressed, "#reread")
    def _reread_pressed(self) -> None:
        self.action_reread()

    # ------------------------------------------------------------------ actions

    def action_export(self) -> None:
        """Write the report (the checklist as of now) and say where it went; read the whole
        configuration first when the charger is connected and it was not read completely
        since its last boot."""
        if self._reading_for_export:
            # Pressed again while reading: the technician would rather not wait.
            self.workers.cancel_group(self, "commissioning-read")
            self._reading_for_export = False
            self.export_now()
            return
        if needs_read(self.charger):
            self._reading_for_export = True
            self._show_export_progress(
                "reading the configuration first (none complete since boot; "
                "ctrl+s again exports without it)"
            )
            self.read_then_export()
            return
        self.export_now()

    def _show_export_progress(self, text: str) -> None:
        self.query_one("#export-result", Static).update(
            Content.assemble(("Export: ", "bold"), (printable(text), "$text-muted"))
        )

    @work(exclusive=True, group="commissioning-read", exit_on_error=False)
    async def read_then_export(self) -> None:
        session = self.charger.session
        if session is None:
            self.post_message(ReadForExport("no session"))
            return
        problem = await read_for_report(
            session, lambda step: self.post_message(ExportProgressed(f"reading: {step}"))
        )
        self.post_message(ReadForExport(problem))

    @on(ExportProgressed)
    def _export_progressed(self, message: ExportProgressed) -> None:
        self._show_export_progress(message.text)

    @on(ReadForExport)
    def _read_for_export(self, message: ReadForExport) -> None:
        self._reading_for_export = False
        if message.problem is not None:
            self.notify(
                f"{message.problem}; the report says it was not read since the last boot",
                title="Configuration",
                severity="warning",
                markup=False,
            )
        self.export_now()

    def export_now(self) -> None:
        """Write the report as things are now."""
        self.recompute()
        report = commissioning_report(
            self.charger,
            self.hub.config,
            self.form.target(),
            self.form.site_notes(),
            now=self.clock.wall(),
        )
        self.write_report_files(report)

    @work(thread=True, exclusive=True, group="commissioning-export", exit_on_error=False)
    def write_report_files(self, report: dict) -> None:
        try:
            files = write_report(report, self.paths.reports_dir)
        except OSError as exc:
            self.app.call_from_thread(
                self.notify,
                f"Cannot write the report into {self.paths.reports_dir}: {exc}",
                title="Export failed",
                severity="error",
                markup=False,
            )
            return
        self.post_message(ReportExported(files))

    @on(ReportExported)
    def _exported(self, message: ReportExported) -> None:
        files = message.files
        self.form.last_report = files.folder
        self.query_one("#export-result", Static).update(
            f"Report written to {files.folder}: {files.markdown.name}, {files.html.name}, "
            f"{files.json.name}"
        )
        self.notify(str(files.folder), title="Report written", markup=False, timeout=10)

    @work(exclusive=True, group="commissioning-read", exit_on_error=False)
    async def action_reread(self) -> None:
        """Read the configuration again: the profile's keys (or all of it)."""
        session = self.charger.session
        if session is None or not session.connected:
            self.post_message(ConfigurationReread(f"{self.identity} is not connected", False))
            return
        profile = self.form.profile
        try:
            if session.version.is_2x:
                if profile is not None and profile.values_201:
                    await get_variables(session, list(profile.values_201))
                else:
                    await read_device_model(session, "FullInventory")
            else:
                keys = (
                    list(profile.values_16) if profile is not None and profile.values_16 else None
                )
                await read_configuration(session, keys)
        except CallFailed as exc:
            self.post_message(
                ConfigurationReread(f"could not read the configuration: {exc}", False)
            )
            return
        self.post_message(ConfigurationReread("configuration read again", True))

    @on(ConfigurationReread)
    def _reread_done(self, message: ConfigurationReread) -> None:
        self.notify(message.text, severity="information" if message.ok else "error", markup=False)
        self._dirty = True

    def action_back(self) -> None:
        # One escape leaves from anywhere: the form lives on in the app (per charger), so
        # nothing typed is lost; a typed profile path counts once enter has read it.
        self.dismiss(None)

    def selected_frame(self) -> Frame | None:
        """The frame under the evidence table's cursor (for tests and the palette)."""
        key = cursor_row_key(self.query_one("#evidence", DataTable))
        return None if key is None else find_frame(self.charger.frames, int(key or 0))
