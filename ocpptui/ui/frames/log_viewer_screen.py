"""A saved frame log in the live viewer: the same frame table, filter bar and inspector.

The file is indexed in a thread worker while its first lines are already on screen; rows are
parsed as they are shown (`LogFile`). A filter does not scan the file on the UI thread: a
thread worker tests every frame and fills a `FilteredFrames` view that a fresh frame table
shows as it grows. Statistics (`s`) are gathered by another thread worker on demand.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.command import SimpleCommand
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widgets import Static
from textual.worker import get_current_worker

from ocpptui.core.frame import Direction, Frame
from ocpptui.core.frame_filter import FrameFilter
from ocpptui.core.log_file import LogFile
from ocpptui.core.log_filter import FilteredFrames, LineHint
from ocpptui.core.log_statistics import LogStatistics
from ocpptui.protocol import catalog
from ocpptui.protocol.versions import OcppVersion
from ocpptui.services.log_redaction import RedactionSummary, export_redacted
from ocpptui.ui.common.display_text import short_path
from ocpptui.ui.common.key_footer import KeyFooter
from ocpptui.ui.common.prompt_screen import PromptScreen
from ocpptui.ui.frames.filter_bar import FilterBar
from ocpptui.ui.frames.frame_filter_screen import FrameFilterScreen, frame_filter_bindings
from ocpptui.ui.frames.frame_inspector_screen import FrameInspectorScreen
from ocpptui.ui.frames.frame_table import FrameTable

#: How often the index worker reports progress (bytes).
INDEX_STEP_BYTES = 4 << 20
#: Frame table polls per second. A saved log only grows while it is read or filtered, and
#: every growth repaints the table (~20 ms at 50 rows): twice a second leaves the CPU to the
#: reading. Scrolling and keys repaint at once whatever this is.
LOG_REFRESH_HZ = 2.0


@dataclass
class IndexProgressed(Message):
    """The index worker found more frames (`done`: the whole file is indexed)."""

    frames: int
    fraction: float
    done: bool

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, IndexProgressed) and not message.done


@dataclass
class FilterProgressed(Message):
    """The filter worker tested more frames."""

    view: FilteredFrames
    fraction: float
    done: bool

    def can_replace(self, message: Message) -> bool:
        return (
            isinstance(message, FilterProgressed) and message.view is self.view and not message.done
        )


@dataclass
class StatisticsProgressed(Message):
    fraction: float
    statistics: LogStatistics | None  # set when the pass is over


@dataclass
class RedactedCopyWritten(Message):
    """The redacted copy is written (`summary`), or could not be (`error`)."""

    summary: RedactionSummary | None
    error: str | None = None


def redacted_copy_name(source: Path) -> Path:
    """`<name>.redacted.jsonl` beside the log (`-2`, `-3` ... when taken): nothing is replaced."""
    candidate = source.with_name(f"{source.stem}.redacted.jsonl")
    number = 1
    while candidate.exists():
        number += 1
        candidate = source.with_name(f"{source.stem}.redacted-{number}.jsonl")
    return candidate


class LogViewerScreen(FrameFilterScreen):
    """One saved log: its frames (filterable), the inspector, statistics."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape",
            "back",
            "Back",
            tooltip="Close the log",
            id="log.back",
        ),
        # `ocpp-tui open FILE`: the log is the app's only screen, so escape must not quit it
        # by accident; `q` quits, and escape only leaves the filter bar.
        Binding("q", "quit_viewer", "Quit", tooltip="Quit ocpp-tui", id="log.quit"),
        Binding("escape", "leave_filter", "Back", show=False, id="log.leave_filter"),
        *frame_filter_bindings(
            filter_id="log.filter", errors_id="log.errors", clear_id="log.clear"
        ),
        Binding(
            "s",
            "toggle_statistics",
            "Statistics",
            tooltip="Messages per action, errors, latency percentiles, heartbeat gaps",
            id="log.statistics",
        ),
        Binding(
            "r",
            "export_redacted(False)",
            "Redacted copy",
            tooltip="Write a copy for vendor support: idTag/idToken values, passwords, private "
            "keys, ICCID/IMSI replaced by pseudonyms",
            id="log.redact",
        ),
        Binding(
            "R",
            "export_redacted(True)",
            "Redacted copy, serials too",
            tooltip="The redacted copy with serial numbers replaced too",
            id="log.redact_serials",
            show=False,
        ),
    ]

    DEFAULT_CSS = """
    LogViewerScreen {
        layout: vertical;
        & > #log-info { height: auto; padding: 0 1; background: $panel; color: $text-muted; }
        & > #log-body { height: 1fr; }
        & #log-frames {
            height: 1fr;
            border: none;
            border-top: solid $panel-lighten-2;
            border-title-color: $text-primary;
            border-title-style: bold;
        }
        & #log-statistics {
            height: 40%;
            display: none;
            border-top: solid $panel-lighten-2;
            border-title-color: $text-primary;
            padding: 0 1;
        }
        & #log-statistics.-shown { display: block; }
        & > #log-status { height: 1; padding: 0 1; background: $panel; }
    }
    """

    AUTO_FOCUS = "#log-frames"

    def __init__(self, log: LogFile, *, refresh_hz: float = 10.0, quit_on_close: bool = False):
        super().__init__()
        self.log_file = log
        self.refresh_hz = refresh_hz
        self.quit_on_close = quit_on_close
        self.view: LogFile | FilteredFrames = log
        self._placed_at_start = False
        self._filter_error: str | None = None
        self._filter_fraction = 1.0
        self._statistics_fraction: float | None = None

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        yield Static(self._info(), id="log-info", markup=False)
        yield FilterBar(list(catalog.actions(self.log_file.version)), id="filter-bar")
        with Vertical(id="log-body"):
            yield self._table(self.log_file)
            with VerticalScroll(id="log-statistics") as panel:
                panel.border_title = "Statistics"
                yield Static(id="log-statistics-text", markup=False)
        yield Static(id="log-status", markup=False)
        yield KeyFooter(show_command_palette=False)

    def _info(self) -> Content:
        return Content.assemble(
            (short_path(self.log_file.path, 200), "bold"),
            "  ",
            (f"{self.log_file.size:,} bytes · {self.log_file.description}", ""),
        )

    def _table(self, window: LogFile | FilteredFrames) -> FrameTable:
        table = FrameTable(
            window,  # type: ignore[arg-type]  # quacks like a FrameWindow
            refresh_hz=min(self.refresh_hz, LOG_REFRESH_HZ),
            show_identity=False,
            empty_hint="Reading the file…"
            if window is self.log_file
            else "No frame matches (yet).",
            id="log-frames",
        )
        table.border_title = self.log_file.path.name
        return table

    @property
    def frame_table(self) -> FrameTable:
        return self.query_one("#log-frames", FrameTable)

    def on_mount(self) -> None:
        self._place_at_start()
        self.index_file()
        self._show_status()

    # ------------------------------------------------------------------ workers

    @work(thread=True, exclusive=True, group="log-index", exit_on_error=False)
    def index_file(self) -> None:
        """Find the frame lines, a few megabytes at a time, reporting each step."""
        worker = get_current_worker()
        log = self.log_file
        done = False
        while not done and not worker.is_cancelled:
            done = log.index(max_bytes=INDEX_STEP_BYTES, cancelled=lambda: worker.is_cancelled)
            self.post_message(IndexProgressed(log.total, log.index_progress, done))

    @work(thread=True, exclusive=True, group="log-filter", exit_on_error=False)
    def run_filter(self, view: FilteredFrames, validate: bool) -> None:
        worker = get_current_worker()
        done = view.run(
            validate=validate,
            progress=lambda fraction: self.post_message(FilterProgressed(view, fraction, False)),
            cancelled=lambda: worker.is_cancelled,
        )
        self.post_message(FilterProgressed(view, 1.0, done))

    @work(thread=True, exclusive=True, group="log-statistics", exit_on_error=False)
    def gather_statistics(self) -> None:
        worker = get_current_worker()
        statistics = self.log_file.analyze(
            progress=lambda fraction: self.post_message(StatisticsProgressed(fraction, None)),
            cancelled=lambda: worker.is_cancelled,
        )
        self.post_message(StatisticsProgressed(1.0, statistics))

    # ------------------------------------------------------------------ progress

    @on(IndexProgressed)
    def _index_progressed(self, message: IndexProgressed) -> None:
        if self.view is self.log_file:
            self._place_at_start()
        if message.done and self.log_file.total == 0:
            self.frame_table.empty_hint = "No OCPP-J frame found in this file."
            self.frame_table.refresh()
        if message.done and self._statistics_shown and self.log_file.statistics is None:
            self.gather_statistics()
        self._show_status()

    @on(FilterProgressed)
    def _filter_progressed(self, message: FilterProgressed) -> None:
        if message.view is self.view:
            self._filter_fraction = 1.0 if message.done else message.fraction
            self._place_at_start()
            self._show_status()

    @on(FrameTable.StatusChanged)
    def _rows_changed(self) -> None:
        self._place_at_start()

    def _place_at_start(self) -> None:
        """A saved log reads from its start: the first frame selected, the tail not followed.

        Following would repaint (and so parse) the newest rows at every tick while the
        index or a filter is still finding frames.
        """
        if self._placed_at_start or not self.is_mounted:
            return
        table = self.frame_table
        table.sync(force=True)
        if table.row_count:
            self._placed_at_start = True
            table.move_cursor(0)
        elif table.following:
            table.following = False

    @on(StatisticsProgressed)
    def _statistics_progressed(self, message: StatisticsProgressed) -> None:
        text = self.query_one("#log-statistics-text", Static)
        if message.statistics is None:
            self._statistics_fraction = message.fraction
            text.update(f"Reading every frame… {message.fraction:.0%}")
        else:
            self._statistics_fraction = None
            text.update("\n".join(message.statistics.summary_lines()))
            self.frame_table.refresh()  # answers far from their CALL are paired now
        self._show_status()

    def _show_status(self) -> None:
        log = self.log_file
        parts: list[tuple[str, str] | str] = [(f"{log.total:,} frames", "bold")]
        if not log.index_complete:
            parts += [" · ", (f"reading the file {log.index_progress:.0%}", "$text-warning")]
        if isinstance(self.view, FilteredFrames):
            verb = "matches" if self.view.total == 1 else "match"
            parts += [" · ", (f"{self.view.total:,} {verb} the filter", "$text-accent")]
            if self._filter_fraction < 1.0:
                parts += [" ", (f"(searching {self._filter_fraction:.0%})", "$text-warning")]
        if self._filter_error:
            parts += ["  ", (f"filter: {self._filter_error}", "$text-error")]
        if self._statistics_fraction is not None:
            parts += [" · ", (f"statistics {self._statistics_fraction:.0%}", "$text-warning")]
        self.query_one("#log-status", Static).update(Content.assemble(*parts))

    # ------------------------------------------------------------------ filtering

    @on(FilterBar.FilterChanged)
    async def _filter_changed(self, message: FilterBar.FilterChanged) -> None:
        self._filter_error = message.error
        await self.show_filtered(message.frame_filter)
        self.refresh_bindings()

    async def show_filtered(self, frame_filter: FrameFilter) -> None:
        """Show the frames matching `frame_filter` (all frames for an empty filter)."""
        self.workers.cancel_group(self, "log-filter")
        if frame_filter.active:
            hint = LineHint(
                frame_filter.words,
                frame_filter.actions,
                pairing_matters=bool(frame_filter.actions or frame_filter.direction),
                direction_out=frame_filter.direction is Direction.OUT,
            )
            residual = frame_filter.residual()
            view: LogFile | FilteredFrames = FilteredFrames(
                self.log_file,
                frame_filter.matches,
                hint,
                query=frame_filter.index_query(),  # the index answers these (log_index.py)
                residual=residual.matches if residual is not None else None,
                words=frame_filter.words,
            )
        else:
            view = self.log_file
        self.view = view
        self._filter_fraction = 0.0 if isinstance(view, FilteredFrames) else 1.0
        had_focus = self.frame_table.has_focus
        await self.frame_table.remove()
        table = self._table(view)
        await self.query_one("#log-body").mount(table, before="#log-statistics")
        self._placed_at_start = False
        self._place_at_start()
        if had_focus:
            table.focus()
        if isinstance(view, FilteredFrames):
            self.run_filter(view, frame_filter.errors_only)
        self._show_status()

    # ------------------------------------------------------------------ inspector

    @on(FrameTable.FrameSelected)
    def _frame_selected(self, message: FrameTable.FrameSelected) -> None:
        # The inspector looks pairs up in the whole file, not in the filtered view.
        message.stop()
        table = message.table

        def back_to_table(frame: Frame | None) -> None:
            if frame is not None and table.is_attached:
                table.select_frame(frame)

        self.app.push_screen(FrameInspectorScreen(self.log_file, message.frame), back_to_table)  # type: ignore[arg-type]

    # ------------------------------------------------------------------ actions

    @property
    def _statistics_shown(self) -> bool:
        return self.query_one("#log-statistics").has_class("-shown")

    def action_toggle_statistics(self) -> None:
        panel = self.query_one("#log-statistics")
        panel.toggle_class("-shown")
        if not panel.has_class("-shown") or self.log_file.statistics is not None:
            if self.log_file.statistics is not None:
                text = "\n".join(self.log_file.statistics.summary_lines())
                self.query_one("#log-statistics-text", Static).update(text)
            return
        if self.log_file.index_complete:
            self.gather_statistics()
        else:
            self.query_one("#log-statistics-text", Static).update(
                "Statistics follow once the whole file is read."
            )

    def palette_commands(self) -> list[SimpleCommand]:
        return [
            SimpleCommand(
                "Export a redacted copy for vendor support…",
                partial(self.action_export_redacted, False),
                "idTag/idToken values, passwords, private keys, ICCID/IMSI replaced (r)",
            ),
            SimpleCommand(
                "Export a redacted copy, serial numbers too…",
                partial(self.action_export_redacted, True),
                "As above, and the charger's and meter's serial numbers (R)",
            ),
        ]

    def action_export_redacted(self, serials: bool = False) -> None:
        """Ask where to write the redacted copy, then write it in a thread."""
        source = self.log_file.path
        what = "idTag/idToken values, passwords, private keys, ICCID/IMSI" + (
            " and serial numbers" if serials else " (serial numbers are kept: R replaces them)"
        )

        def problem(text: str) -> str | None:
            if not text.strip():
                return "type a file name"
            path = Path(text.strip()).expanduser()
            if path.exists():
                return "that file exists: choose another name (nothing is overwritten)"
            if not path.parent.is_dir():
                return f"no folder {path.parent}"
            return None

        def chosen(answer: str | None) -> None:
            if answer:
                self.write_redacted_copy(Path(answer.strip()).expanduser(), serials)

        self.app.push_screen(
            PromptScreen(
                "Redacted copy for vendor support",
                f"Every frame is kept; {what} are replaced by pseudonyms (the same value, the "
                "same pseudonym). The copy is ocpp-tui JSONL: `ocpp-tui open` reads it.",
                initial=str(redacted_copy_name(source)),
                validate=problem,
                submit_label="Write",
            ),
            chosen,
        )

    @work(thread=True, exclusive=True, group="log-redact", exit_on_error=False)
    def write_redacted_copy(self, destination: Path, serials: bool) -> None:
        try:
            summary = export_redacted(self.log_file.path, destination, serials=serials)
        except OSError as exc:  # LogFileError, RedactionError, a full disk
            self.post_message(RedactedCopyWritten(None, str(exc)))
        else:
            self.post_message(RedactedCopyWritten(summary))

    @on(RedactedCopyWritten)
    def _redacted_copy_written(self, message: RedactedCopyWritten) -> None:
        if message.summary is None:
            self.notify(message.error or "?", title="Redacted copy", severity="error", markup=False)
        else:
            text = message.summary.describe(serials_hint="R replaces them")
            self.notify(text, title="Redacted copy", markup=False)

    def action_back(self) -> None:
        if not self.leave_filter_bar():
            self.dismiss(None)

    def action_leave_filter(self) -> None:
        self.leave_filter_bar()

    async def action_quit_viewer(self) -> None:
        await self.app.action_quit()  # type: ignore[attr-defined]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "back":
            return not self.quit_on_close
        if action == "quit_viewer":
            return self.quit_on_close
        if action == "clear_filter":
            return isinstance(self.view, FilteredFrames)
        return True

    def on_unmount(self) -> None:
        self.workers.cancel_node(self)
        self.log_file.close()


def open_log_screen(
    path: Path,
    *,
    protocol: OcppVersion | None = None,
    refresh_hz: float = 10.0,
    quit_on_close: bool = False,
) -> LogViewerScreen:
    """The viewer for `path` (raises LogFileError when the file cannot be opened)."""
    return LogViewerScreen(
        LogFile(path, protocol=protocol), refresh_hz=refresh_hz, quit_on_close=quit_on_close
    )
