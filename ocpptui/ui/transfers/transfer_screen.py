"""What the firmware and diagnostics screens share: a form, then the live view of one run.

Both screens follow the same life: the title line tracks the charger, the form is shown
until Start, and then the live view follows the app's `TransferRun` (which outlives the
screen, so coming back shows it again). Both read the charger's transfer protocols when it
has not listed them yet, and offer the same live keys: copy the URL, stop, new. A subclass
names its ids and texts, composes its own form rows, turns the form into a request and
says what its job adds to the live view.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar, cast

from textual import on
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, ContentSwitcher, Static

from ocpptui.app import messages
from ocpptui.app.bridge import HubBridge
from ocpptui.app.file_transfers import FileTransfers, Kind, TransferRun, firewall_text
from ocpptui.core.clock import Clock
from ocpptui.core.hub import Charger
from ocpptui.core.session import CallFailed
from ocpptui.services.file_hosting import file_server_bind_host
from ocpptui.services.transfer_address import address_choices, default_address
from ocpptui.services.transfer_job import Progress, TransferJob
from ocpptui.services.transfer_schemes import (
    key_name,
    listed_protocols,
    read_protocols,
    served_schemes,
)
from ocpptui.ui.common.display_text import shorten
from ocpptui.ui.common.hub_listener import ChargerEvent, ChargerListener
from ocpptui.ui.common.key_footer import KeyFooter
from ocpptui.ui.transfers.transfer_live import TransferLive, labelled, shown_url
from ocpptui.ui.transfers.transfer_options import TransferOptions

if TYPE_CHECKING:
    from ocpptui.app.app import OcppTuiApp

JobT = TypeVar("JobT", bound=TransferJob)
RequestT = TypeVar("RequestT")

TitlePart = tuple[str, str] | str


def transfer_screen_css(screen: str, prefix: str) -> str:
    """The layout rules both screens share, written for `screen` and its `prefix-` ids."""
    return f"""
    {screen} {{
        layout: vertical;
        & > #{prefix}-title {{ height: 1; padding: 0 1; background: $panel; }}
        & > ContentSwitcher {{ height: 1fr; }}
        & #{prefix}-form {{ padding: 0 1; }}
        & #{prefix}-form > .form-row {{ height: 1; margin-top: 1; }}
        & #{prefix}-form .form-label {{ width: 16; color: $text-muted; }}
        & #{prefix}-form > #{prefix}-start {{ margin: 1 0 1 16; }}
    }}
    """


class TransferScreen(ChargerListener, Screen[None], Generic[JobT, RequestT]):
    """A transfer form, then the live view of the charger's run of this kind."""

    #: The kind of run this screen starts and follows (one per charger and kind).
    KIND: ClassVar[Kind]
    #: The job class of that run (the live view shows nothing else).
    JOB_TYPE: ClassVar[type[TransferJob]]
    #: The ids' prefix: `<prefix>-title`, `-form`, `-options`, `-start`, `-live`.
    PREFIX: ClassVar[str]
    #: The title's first words, before the charger's identity.
    HEADING: ClassVar[str]
    #: What the run's worker is called, before "of <identity>".
    RUN_NAME: ClassVar[str]
    #: What takes the focus on the form.
    FORM_FOCUS: ClassVar[str]
    #: Actions only the form offers (hidden in the live view).
    FORM_ACTIONS: ClassVar[tuple[str, ...]] = ("start",)
    #: The URL's label in the live view, and the key that copies it.
    URL_LABEL: ClassVar[str]
    URL_KEY: ClassVar[str]
    URL_COPIED: ClassVar[str]
    #: What `x` tells the technician it did.
    STOPPED: ClassVar[str]

    class ProtocolsRead(Message):
        def __init__(self, listed: list[str] | None) -> None:
            super().__init__()
            self.listed = listed

    def __init__(
        self, charger: Charger, transfers: FileTransfers, bridge: HubBridge, clock: Clock
    ) -> None:
        super().__init__()
        self.charger = charger
        self.transfers = transfers
        self.bridge = bridge
        self.clock = clock
        self.run: TransferRun | None = transfers.run_for(self.KIND, charger.identity)
        self._unwatch: Callable[[], None] | None = None

    # ------------------------------------------------------------------ what differs

    def compose_form(self) -> ComposeResult:
        """The form's rows (`transfer_options()` gives the shared protocol part)."""
        raise NotImplementedError

    def _title_details(self) -> list[TitlePart]:
        """Title parts after the OCPP version."""
        return []

    def _request(self) -> RequestT:
        """The form as a request; raises ValueError naming the field to fix."""
        raise NotImplementedError

    def _transfer(self, run: TransferRun, request: RequestT) -> Coroutine[Any, Any, None]:
        """The app-level coroutine that carries out the request for `run`."""
        raise NotImplementedError

    def _sent_url(self, job: JobT) -> str | None:
        """The URL the job sent to the charger (None before it did)."""
        raise NotImplementedError

    def _url_copyable(self) -> bool:
        job = self.job
        return job is not None and bool(self._sent_url(job))

    def _total(self, job: JobT) -> int | None:
        """The bytes the progress bar counts up to (None: not known)."""
        raise NotImplementedError

    def _waiting(self, job: JobT) -> str:
        """What the run waits for, under the progress bar."""
        raise NotImplementedError

    def _job_lines(self, job: JobT) -> list[Content]:
        """The live view's head lines after the URL and the firewall."""
        raise NotImplementedError

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        prefix = self.PREFIX
        yield Static(id=f"{prefix}-title", markup=False)
        with ContentSwitcher(initial=f"{prefix}-live" if self.run else f"{prefix}-form"):
            with VerticalScroll(id=f"{prefix}-form"):
                yield from self.compose_form()
            yield TransferLive(id=f"{prefix}-live")
        yield KeyFooter(show_command_palette=False)

    def transfer_options(self) -> TransferOptions:
        """Protocol, address and retries, pre-filled from the charger and the settings."""
        session = self.charger.session
        settings = self.transfers.settings
        listed = listed_protocols(session)
        available = served_schemes(self.transfers.server, settings=settings)
        addresses = address_choices(file_server_bind_host(settings, self.transfers.hub.listen_host))
        # The address the charger's connection came in on (or [files] advertise_host): the
        # same one `ocpp-tui run` puts into its URLs.
        address = default_address(session, settings.advertise_host, addresses)
        return TransferOptions(
            listed,
            available,
            addresses,
            address,
            key=key_name(session),
            id=f"{self.PREFIX}-options",
        )

    @property
    def options(self) -> TransferOptions:
        return self.query_one(f"#{self.PREFIX}-options", TransferOptions)

    @property
    def live(self) -> TransferLive:
        return self.query_one(f"#{self.PREFIX}-live", TransferLive)

    @property
    def showing_live(self) -> bool:
        # check_action runs before compose too: no switcher yet means the form.
        switchers = self.query(ContentSwitcher)
        return bool(switchers) and switchers.first().current == f"{self.PREFIX}-live"

    def on_mount(self) -> None:
        self._show_title()
        if self.run is not None:
            self._unwatch = self.run.watch(self)
            self._repaint()
        else:
            self.query_one(self.FORM_FOCUS).focus()
        session = self.charger.session
        if (
            session is not None
            and session.connected
            and listed_protocols(session) is None
            and self.run is None
        ):
            self._read_protocols()

    def on_unmount(self) -> None:
        if self._unwatch is not None:
            self._unwatch()

    def _show_title(self) -> None:
        charger = self.charger
        session = charger.session
        parts: list[TitlePart] = [
            (f"{self.HEADING}  ", "bold"),
            (shorten(charger.identity, 40), "bold $text-primary"),
        ]
        if session is not None:
            parts.append(f"  OCPP {session.version.value}")
        parts.extend(self._title_details())
        if charger.connected:
            parts.append(("  ● connected", "$text-success"))
        else:
            parts.append(("  ○ disconnected", "$text-warning"))
        self.query_one(f"#{self.PREFIX}-title", Static).update(Content.assemble(*parts))

    # ------------------------------------------------------------------ hub messages

    def charger_changed(self, event: ChargerEvent) -> None:
        self._show_title()
        self.refresh_bindings()

    # ------------------------------------------------------------------ protocols

    def _read_protocols(self) -> None:
        # A worker group per kind and screen: a newer read replaces an older one.
        self.run_worker(
            self._protocols(),
            name="_read_protocols",
            group=f"{self.KIND}-protocols",
            exclusive=True,
            exit_on_error=False,
        )

    async def _protocols(self) -> None:
        session = self.charger.session
        if session is None:
            return
        try:
            listed = await read_protocols(session)
        except CallFailed:
            return  # the form says the list was not read; nothing else to do
        self.post_message(self.ProtocolsRead(listed))

    @on(ProtocolsRead)
    def _protocols_read(self, message: ProtocolsRead) -> None:
        if message.listed is not None:
            self.options.set_listed(message.listed)

    # ------------------------------------------------------------------ start

    @on(Button.Pressed)
    def _start_pressed(self, event: Button.Pressed) -> None:
        # Not a selector in the decorator: the id depends on the subclass's prefix.
        if event.button.id == f"{self.PREFIX}-start":
            event.stop()
            self.action_start()

    def action_start(self) -> None:
        if not self.charger.connected:
            self.notify("The charger is not connected", severity="warning")
            return
        try:
            request = self._request()
        except ValueError as exc:
            self.notify(str(exc), title="Cannot start", severity="error", markup=False)
            return
        app = cast("OcppTuiApp", self.app)
        if self._unwatch is not None:
            self._unwatch()
        run = self.transfers.new_run(self.KIND, self.identity)
        self.run = run
        self._unwatch = run.watch(self)
        run.worker = app.run_worker(
            self._transfer(run, request),
            group="transfers",
            name=f"{self.RUN_NAME} of {self.identity}",
            exit_on_error=False,
        )
        self.live.reset()
        self.query_one(ContentSwitcher).current = f"{self.PREFIX}-live"
        self.live.timeline.focus()
        self._repaint()

    # ------------------------------------------------------------------ live view

    @on(messages.TransferChanged)
    def _transfer_changed(self, message: messages.TransferChanged) -> None:
        if message.run is self.run:
            self._repaint()

    @property
    def job(self) -> JobT | None:
        job = self.run.job if self.run is not None else None
        return cast("JobT", job) if isinstance(job, self.JOB_TYPE) else None

    def _repaint(self) -> None:
        run = self.run
        if run is None:
            return
        job = self.job
        head = self._head(run, job)
        if job is None:
            self.live.show(run, head, Progress(), None, None, "starting the file server…")
        else:
            waiting = self._waiting(job)
            self.live.show(run, head, job.progress, self._total(job), job.verdict, waiting)
        self.refresh_bindings()

    def _head(self, run: TransferRun, job: JobT | None) -> list[Content]:
        scheme = (job.scheme if job is not None else None) or "http"
        host = job.url_host if job is not None else None
        where = f" on {host}" if host else ""
        url = self._sent_url(job) if job is not None else None
        lines = [
            labelled(
                self.URL_LABEL, shown_url(url, self.URL_KEY), "bold" if url else "$text-muted"
            ),
            labelled(
                "Firewall",
                f"allow inbound {firewall_text(run.ports, scheme, self.transfers.settings)}{where}",
            ),
        ]
        if job is not None:
            lines.extend(self._job_lines(job))
        return lines

    # ------------------------------------------------------------------ actions

    def action_back(self) -> None:
        self.dismiss(None)

    def action_copy_url(self) -> None:
        job = self.job
        url = self._sent_url(job) if job is not None else None
        if url:
            self.app.copy_to_clipboard(url)
            self.notify(self.URL_COPIED)

    def action_stop(self) -> None:
        if self.run is not None and not self.run.finished:
            self.run.stop()
            self.notify(self.STOPPED)

    def action_new(self) -> None:
        self.query_one(ContentSwitcher).current = f"{self.PREFIX}-form"
        self.query_one(self.FORM_FOCUS).focus()
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        live = self.is_mounted and self.showing_live
        running = self.run is not None and not self.run.finished
        if action in self.FORM_ACTIONS:
            if live:
                return False
            if action == "start" and not self.charger.connected:
                return None
            return True
        if action == "copy_url":
            return live and self._url_copyable()
        if action == "stop":
            return live and running
        if action == "new":
            return live and not running
        return True
