"""What the serial port picker and the BLE scan have in common.

Both show what can be reached (ports, devices) above a settings form and a message line, open
the highlighted one through a `LinkSupervisor` in a worker and go back to the main screen, or
say why it did not open and stay, so the technician can fix it and try again. How each finds
its ports or devices, and how it words things, stays in its own module.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar, cast

from textual import on
from textual.app import ComposeResult
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Input, Static

from ocpptui.ui.common.key_footer import KeyFooter
from ocpptui.ui.links.link_settings import LinkDefaults, LinkForm

if TYPE_CHECKING:
    from ocpptui.app.app import OcppTuiApp
    from ocpptui.core.hub import Hub
    from ocpptui.core.link_supervisor import LinkSupervisor

TableT = TypeVar("TableT", bound="DataTable[Any]")
FormT = TypeVar("FormT", bound="LinkForm[Any]")

PICKER_CSS = """
& > #picker-intro { height: auto; padding: 0 1; color: $text-muted; }
& > #picker-table, & > #picker-form {
    border: none;
    border-top: solid $panel-lighten-2;
    border-title-color: $text-primary;
    border-title-style: bold;
}
& > #picker-message {
    height: auto;
    max-height: 8;
    padding: 0 1;
    border-top: solid $panel-lighten-2;
    color: $text-muted;
    &.-problem { color: $text-error; }
    &.-busy { color: $text-warning; }
}
"""


class LinkPickerScreen(Screen[None], Generic[TableT, FormT]):
    """The list (`#picker-table`), the settings (`#picker-form`) and `#picker-message`.

    A subclass makes the list and the form, finds what to list, and calls `_open_link` with
    what it read from the form; the message line shows `busy` (what is under way), else the
    problem, else `EMPTY` when a scan found nothing, else `HINT`.
    """

    DEFAULT_CSS = f"LinkPickerScreen {{ {PICKER_CSS} }}"

    #: The line above the list.
    INTRO: ClassVar[str]
    #: The message when a scan found nothing, and the one when all is well.
    EMPTY: ClassVar[str]
    HINT: ClassVar[str]
    #: Added to HINT while a link is open, with its label (opening another closes it).
    CLOSES_LINK: ClassVar[str]
    #: The name of the worker that opens the link (shown if it fails unexpectedly).
    OPEN_WORKER: ClassVar[str]
    #: The input `s` moves to.
    SETTINGS_INPUT: ClassVar[str]

    @dataclass
    class Opened(Message):
        label: str

    @dataclass
    class OpenFailed(Message):
        reason: str

    def __init__(self, defaults: LinkDefaults) -> None:
        super().__init__()
        self.defaults = defaults
        self.problem: str | None = None  # why the last open failed, or a settings error
        self.busy: str | None = None  # what is under way ("Opening …", "Scanning …")
        self.opening = False
        self.scans = 0

    @property
    def ocpp_app(self) -> OcppTuiApp:
        return cast("OcppTuiApp", self.app)

    @property
    def table(self) -> TableT:
        return cast("TableT", self.query_one("#picker-table", DataTable))

    @property
    def form(self) -> FormT:
        return cast("FormT", self.query_one("#picker-form", LinkForm))

    def _make_table(self) -> TableT:
        """The list, with id `picker-table` and its first border title."""
        raise NotImplementedError

    def _make_form(self) -> FormT:
        """The settings, with id `picker-form` and a border title."""
        raise NotImplementedError

    def compose(self) -> ComposeResult:
        yield Static(self.INTRO, id="picker-intro", markup=False)
        yield self._make_table()
        yield self._make_form()
        yield Static(id="picker-message", markup=False)
        yield KeyFooter()

    # ------------------------------------------------------------------ the identity hint

    @on(DataTable.RowHighlighted, "#picker-table")
    def _row_highlighted(self) -> None:
        self._show_identity_hint()

    def _show_identity_hint(self) -> None:
        self.form.show_identity_hint(self._highlighted_identity())

    def _highlighted_identity(self) -> str | None:
        """The identity the highlighted row's charger gets when none is typed."""
        raise NotImplementedError

    # ------------------------------------------------------------------ opening

    def _open_link(self, busy: str, supervisor: Callable[[Hub], LinkSupervisor]) -> None:
        """Open the link `supervisor` makes in a worker; `busy` is shown meanwhile."""
        self.opening = True
        self.problem = None
        self.busy = busy
        self._show_message()
        self.run_worker(
            self._open_in_worker(supervisor),
            name=self.OPEN_WORKER,
            group="link-open",
            exclusive=True,
            exit_on_error=False,
        )

    async def _open_in_worker(self, make: Callable[[Hub], LinkSupervisor]) -> None:
        from ocpptui.core.link_supervisor import LinkOpenFailed

        app = self.ocpp_app
        supervisor = make(app.hub)
        try:
            await app.open_link(supervisor)
        except LinkOpenFailed as exc:
            self.post_message(self.OpenFailed(str(exc)))
            return
        except Exception as exc:  # anything else must not leave the picker "opening" forever
            self.post_message(self.OpenFailed(f"{type(exc).__name__}: {exc}"))
            raise
        self.post_message(self.Opened(supervisor.label))

    @on(Opened)
    def _opened(self) -> None:
        self.opening = False
        self.busy = None
        self._show_message()
        if self.is_current:
            self.dismiss(None)

    @on(OpenFailed)
    def _open_failed(self, message: OpenFailed) -> None:
        self.opening = False
        self.busy = None
        self.problem = self._why_not_opened(message.reason)
        self._show_message()

    def _why_not_opened(self, reason: str) -> str:
        """The message line when the link did not open (`reason` says why)."""
        raise NotImplementedError

    # ------------------------------------------------------------------ the rest

    @property
    def _problem(self) -> str | None:
        return self.problem

    def _show_message(self) -> None:
        widget = self.query_one("#picker-message", Static)
        problem = self._problem
        widget.set_class(self.busy is not None, "-busy")
        widget.set_class(self.busy is None and problem is not None, "-problem")
        if self.busy is not None:
            text = self.busy
        elif problem is not None:
            text = problem
        elif self.scans and not self.table.row_count:
            text = self.EMPTY
        else:
            text = self.HINT
            link = self.ocpp_app.link
            if link is not None and link.running:
                text += f" {self.CLOSES_LINK} ({link.label})."
        widget.update(Content(text))

    def action_focus_settings(self) -> None:
        self.query_one(self.SETTINGS_INPUT, Input).focus()

    def action_back(self) -> None:
        """From the settings to the list; from the list to the main screen."""
        table = self.table
        focused = self.focused
        if focused is not None and focused is not table:
            table.focus()
            return
        self.dismiss(None)
