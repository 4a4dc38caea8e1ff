"""Run a playbook from the TUI: pick the file, watch each step, read the result JSON.

The steps run against the chargers connected to this TUI's own server (a playbook's
[server] table is for `ocpp-tui run`). The result is written to the reports folder, the
same JSON `ocpp-tui run --json-out` writes.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from rich.style import Style
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Static

from ocpptui.core.hub import Hub
from ocpptui.core.identity import file_safe
from ocpptui.paths import Paths
from ocpptui.protocol.secrets import masked
from ocpptui.services.file_hosting import create_file_server
from ocpptui.services.file_server import FileServer
from ocpptui.services.playbook import (
    Playbook,
    PlaybookError,
    PlaybookRun,
    StepResult,
    load_playbook,
)
from ocpptui.settings.model import Settings
from ocpptui.ui.common.display_text import compact_json, shorten
from ocpptui.ui.common.json_view import JsonView
from ocpptui.ui.common.key_footer import KeyFooter
from ocpptui.ui.common.line_style import line_style
from ocpptui.ui.files.file_paths import launch_folder
from ocpptui.ui.files.open_file_screen import OpenFileScreen
from ocpptui.wording import counted

#: Seconds within which a second escape stops a running playbook.
STOP_CONFIRM_SECONDS = 3.0


def looks_like_playbook(path: Path) -> bool:
    """Whether a TOML file has steps (the folder may hold other TOML files)."""
    return b"[[step]]" in _head(path)


def _head(path: Path) -> bytes:
    try:
        with path.open("rb") as file:
            return file.read(65_536)
    except OSError:
        return b""


def describe_options(options: dict[str, Any]) -> str:
    return compact_json(masked(options), 200) if options else ""


@dataclass(frozen=True, slots=True)
class StepState:
    """A snapshot of one step's result (the run keeps mutating its own)."""

    index: int
    do: str
    running: bool
    ok: bool
    error: str | None
    ms: float
    response: Any = None

    @classmethod
    def of(cls, index: int, result: StepResult) -> StepState:
        running = result.ms == 0 and result.error is None and not result.ok
        response = masked(result.response)  # a password read back is never shown
        return cls(index, result.do, running, result.ok, result.error, result.ms, response)


class PlaybookRunScreen(Screen[None]):
    """The steps of a playbook with live status, then the result JSON."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape",
            "close",
            "Back",
            tooltip="Back (a second escape stops a run)",
            id="playbook.close",
        ),
        Binding("r", "run", "Run", tooltip="Run the playbook's steps now", id="playbook.run"),
        Binding("o", "open", "Open", tooltip="Open another playbook file", id="playbook.open"),
        Binding("c", "copy", "Copy", tooltip="Copy the result JSON", id="playbook.copy"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "playbook--ok",
        "playbook--failed",
        "playbook--running",
        "playbook--muted",
    }

    DEFAULT_CSS = """
    PlaybookRunScreen {
        layout: vertical;
        & > .playbook--ok { color: $text-success; text-style: bold; }
        & > .playbook--failed { color: $text-error; text-style: bold; }
        & > .playbook--running { color: $text-warning; text-style: bold; }
        & > .playbook--muted { color: $text-muted; }
        & #playbook-head { height: auto; padding: 0 1; border-top: solid $panel-lighten-2;
                           border-title-color: $text-primary; border-title-style: bold; }
        & #playbook-steps { height: 1fr; min-height: 4; }
        & #playbook-result { height: 1fr; border-top: solid $panel-lighten-2;
                             border-title-color: $text-primary; }
        & #playbook-status { height: auto; padding: 0 1; background: $panel; }
    }
    """

    @dataclass
    class Loaded(Message):
        playbook: Playbook | None
        error: str | None = None

    @dataclass
    class StepUpdated(Message):
        state: StepState

    @dataclass
    class Finished(Message):
        ok: bool
        report: dict[str, Any] | None
        path: Path | None = None
        error: str | None = None

    def __init__(
        self,
        hub: Hub,
        paths: Paths,
        settings: Settings,
        *,
        path: Path | None = None,
        identity: str | None = None,
    ) -> None:
        super().__init__()
        self.hub = hub
        self.paths = paths
        self.settings = settings
        self.path = path
        self.identity = identity
        self.playbook: Playbook | None = None
        self.states: dict[int, StepState] = {}
        self.report: dict[str, Any] | None = None
        self.result_path: Path | None = None
        self.running = False
        self._stop_asked = 0.0

    def compose(self) -> ComposeResult:
        head = Static(id="playbook-head", markup=False)
        head.border_title = "Playbook"
        yield head
        yield DataTable(id="playbook-steps", cursor_type="row", zebra_stripes=True)
        with VerticalScroll(id="playbook-result") as result:
            result.border_title = "Result"
            yield JsonView(id="playbook-json")
        yield Static(id="playbook-status", markup=False)
        yield KeyFooter(show_command_palette=False)

    @property
    def steps_table(self) -> DataTable:
        return self.query_one("#playbook-steps", DataTable)

    def on_mount(self) -> None:
        table = self.steps_table
        for key, label in (
            ("n", "#"),
            ("do", "Step"),
            ("status", "Status"),
            ("ms", "Time"),
            ("detail", "Detail"),
        ):
            table.add_column(label, key=key)
        self.query_one("#playbook-result").display = False
        if self.path is None:
            self._status("o opens a playbook (a TOML file of [[step]] entries)")
            self.action_open()
        else:
            self.load(self.path)

    def _status(self, text: str | Content) -> None:
        self.query_one("#playbook-status", Static).update(text)

    def _style(self, name: str) -> Style:
        return line_style(self, f"playbook--{name}")

    # ------------------------------------------------------------------ loading

    def action_open(self) -> None:
        if self.running:
            return
        folders = [launch_folder(), self.paths.config_dir / "playbooks"]

        def picked(path: Path | None) -> None:
            if path is not None:
                self.load(path)

        screen = OpenFileScreen("Open a playbook", folders, accept=looks_like_playbook)
        self.app.push_screen(screen, picked)

    @work(exclusive=True, group="playbook-load", exit_on_error=False)
    async def load(self, path: Path) -> None:
        self.path = path
        try:
            playbook = await asyncio.to_thread(load_playbook, path)
        except PlaybookError as exc:
            self.post_message(self.Loaded(None, str(exc)))
            return
        self.post_message(self.Loaded(playbook))

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        head = self.query_one("#playbook-head", Static)
        if message.playbook is None:
            self.playbook = None
            head.update(Content.styled(message.error or "cannot load", "$text-error bold"))
            self._status("o opens another playbook")
            self.notify(
                message.error or "", title="Invalid playbook", severity="error", markup=False
            )
            self.refresh_bindings()
            return
        playbook = message.playbook
        self.playbook, self.states, self.report = playbook, {}, None
        self.query_one("#playbook-result").display = False
        parts: list[tuple[str, str] | str] = [
            (str(self.path), "bold"),
            (f"  {counted(len(playbook.steps), 'step')}", "$text-muted"),
        ]
        target = self.identity or "the first charger connected (or the one a step names)"
        parts += ["\n", ("against ", "$text-muted"), (shorten(target, 60), "")]
        if playbook.host or playbook.port:
            parts.append(
                ("  ([server] is for ocpp-tui run; the TUI's server is used)", "$text-muted")
            )
        head.update(Content.assemble(*parts))
        table = self.steps_table
        table.clear()
        for spec in playbook.steps:
            table.add_row(
                Text(str(spec.index + 1)),
                Text(spec.do, "bold"),
                Text("pending", self._style("muted")),
                Text(""),
                Text(shorten(describe_options(spec.options), 80, placeholder="")),
                key=str(spec.index),
            )
        self._status(Content.assemble(("r runs it", "$text-accent bold"), "  ·  o opens another"))
        self.steps_table.focus()
        self.refresh_bindings()

    # ------------------------------------------------------------------ running

    def action_run(self) -> None:
        if self.playbook is None or self.running:
            return
        self.running = True
        self.report = None
        self.states = {}
        for spec in self.playbook.steps:
            self._show_step(StepState(spec.index, spec.do, False, False, None, 0.0), pending=True)
        self.query_one("#playbook-result").display = False
        self._status(Content.styled("Running…", "$text-warning bold"))
        self.refresh_bindings()
        self.run_playbook(self.playbook)

    async def _start_file_server(self) -> FileServer:
        server = create_file_server(
            self.settings.files, self.paths.sessions_dir, server_host=self.hub.listen_host
        )
        await server.start()
        return server

    @work(exclusive=True, group="playbook-run", exit_on_error=False)
    async def run_playbook(self, playbook: Playbook) -> None:
        run = PlaybookRun(
            playbook,
            self.hub,
            on_step=lambda index, result: self.post_message(
                self.StepUpdated(StepState.of(index, result))
            ),
            file_server_factory=self._start_file_server,
        )
        run.identity = self.identity
        try:
            ok = await run.run()
        except Exception as exc:  # the run catches step failures; this is a bug
            self.post_message(self.Finished(False, None, error=f"{type(exc).__name__}: {exc}"))
            return
        finally:
            await run.close()
        report = run.report(ok)
        path = self._result_path(playbook)
        try:
            text = json.dumps(report, indent=2, ensure_ascii=False, default=str) + "\n"
            await asyncio.to_thread(_write, path, text)
        except OSError as exc:
            self.post_message(self.Finished(ok, report, None, f"result not written: {exc}"))
            return
        self.post_message(self.Finished(ok, report, path))

    def _result_path(self, playbook: Playbook) -> Path:
        stem = playbook.source.stem if playbook.source else "playbook"
        stamp = time.strftime("%Y%m%d-%H%M%S")
        return self.paths.reports_dir / f"playbook-{file_safe(stem)}-{stamp}.json"

    @on(StepUpdated)
    def _step_updated(self, message: StepUpdated) -> None:
        self._show_step(message.state)

    def _show_step(self, state: StepState, *, pending: bool = False) -> None:
        self.states[state.index] = state
        table = self.steps_table
        key = str(state.index)
        if key not in table.rows:
            return
        if pending:
            status, detail = Text("pending", self._style("muted")), None
        elif state.running:
            status, detail = Text("running…", self._style("running")), None
            table.move_cursor(row=table.get_row_index(key), animate=False)
        elif state.ok:
            status = Text("ok", self._style("ok"))
            detail = compact_json(state.response, 200) if state.response is not None else ""
        else:
            status = Text("FAILED", self._style("failed"))
            detail = state.error or ""
            if detail.startswith("skipped"):
                status, detail = Text("skipped", self._style("muted")), "an earlier step failed"
        took = "" if pending or state.running else f"{state.ms:.0f} ms"
        table.update_cell(key, "status", status, update_width=True)
        table.update_cell(key, "ms", Text(took), update_width=True)
        if detail is not None:
            table.update_cell(key, "detail", Text(shorten(detail, 200, placeholder="")))

    @on(Finished)
    def _finished(self, message: Finished) -> None:
        self.running = False
        self.report, self.result_path = message.report, message.path
        if message.report is not None:
            result = self.query_one("#playbook-result")
            result.display = True
            text = json.dumps(message.report, indent=2, ensure_ascii=False, default=str)
            self.query_one("#playbook-json", JsonView).show(text)
        verdict = (
            ("playbook passed", "$text-success bold")
            if message.ok
            else ("playbook failed", "$text-error bold")
        )
        parts: list[tuple[str, str] | str] = [verdict]
        if message.path is not None:
            parts += ["  ", ("result written to ", "$text-muted"), (str(message.path), "")]
        if message.error:
            parts += ["  ", (message.error, "$text-error")]
        self._status(Content.assemble(*parts))
        self.notify(
            f"{'passed' if message.ok else 'failed'}"
            + (f": {message.path}" if message.path else ""),
            title="Playbook",
            severity="information" if message.ok else "error",
            markup=False,
        )
        self.refresh_bindings()

    # ------------------------------------------------------------------ actions

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "run":
            return True if self.playbook is not None and not self.running else None
        if action == "open":
            return None if self.running else True
        if action == "copy":
            return True if self.report is not None else None
        return True

    def action_copy(self) -> None:
        if self.report is not None:
            self.app.copy_to_clipboard(
                json.dumps(self.report, indent=2, ensure_ascii=False, default=str)
            )
            self.notify("Result JSON copied")

    def action_close(self) -> None:
        if self.running:
            now = time.monotonic()
            if now - self._stop_asked > STOP_CONFIRM_SECONDS:
                self._stop_asked = now
                self.notify("The playbook is running: escape again stops it", severity="warning")
                return
            self.workers.cancel_group(self, "playbook-run")
            self.running = False
        self.dismiss(None)


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
