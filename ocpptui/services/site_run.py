"""Site commissioning: the sheet's chargers as one job — who came, what ran, what is open.

`Site` follows the hub: which sheet chargers were seen, which identities are not on the
sheet (answered by the mini-CSMS as always, but left alone), and what each charger's runs
and batches (`site_batch`) left. `SiteRun` is `ocpp-tui run PLAYBOOK --site SHEET`: the
playbook against every sheet charger as it boots, each with its own results, its sheet
values filled into the steps.

No Textual here: the site board (`ui/site/site_board_screen.py`) drives the same objects.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from ocpptui.core.config import BootAnswer, CsmsConfig, UnknownChargerPolicy
from ocpptui.core.events import ChargerConnected, HubEvent
from ocpptui.core.hub import Hub
from ocpptui.core.open_files import connections_budget
from ocpptui.protocol.secrets import masked
from ocpptui.services.file_server import FileServer
from ocpptui.services.playbook import (
    Playbook,
    PlaybookError,
    PlaybookRun,
    StepResult,
    StepSpec,
)
from ocpptui.services.site_batch import (
    BatchAction,
    BatchFailed,
    BatchItem,
    ItemState,
    SiteBatch,
    TransferSlots,
)
from ocpptui.services.site_sheet import SheetCharger, SiteSheet
from ocpptui.settings.reader import closest_name
from ocpptui.wording import counted

log = logging.getLogger(__name__)

# ------------------------------------------------------------------------------ sheet values

#: `{name}` in a step's strings: replaced by the charger's sheet value.
SHEET_PLACEHOLDERS = ("identity", "location", "profile", "firmware", "target_firmware")
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for item in value.values() for text in _strings(item)]
    if isinstance(value, list):
        return [text for item in value for text in _strings(item)]
    return []


def check_site_playbook(playbook: Playbook) -> None:
    """A playbook run against a site's chargers: PlaybookError for a `{name}` the sheet has
    no column for, or a step that names one charger (it runs against each in turn)."""
    where = str(playbook.source) if playbook.source else "playbook"
    for spec in playbook.steps:
        at = f"{where}:{spec.line}" if spec.line else where
        identity = spec.options.get("identity")
        if identity is not None and identity != "{identity}":
            raise PlaybookError(
                f"{at}: {spec.where}: identity = {identity!r}: with --site the playbook runs "
                'against every charger on the sheet; remove it (or write "{identity}")'
            )
        for text in _strings(spec.options):
            for name in _PLACEHOLDER.findall(text):
                if name not in SHEET_PLACEHOLDERS:
                    guess = closest_name(name, SHEET_PLACEHOLDERS)
                    hint = (
                        f"did you mean {{{guess}}}?"
                        if guess
                        else "known: " + ", ".join(f"{{{n}}}" for n in SHEET_PLACEHOLDERS)
                    )
                    raise PlaybookError(
                        f"{at}: {spec.where}: unknown sheet value {{{name}}}; {hint}"
                    )


def _fill(value: Any, values: dict[str, str], missing: set[str]) -> Any:
    if isinstance(value, str):

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in SHEET_PLACEHOLDERS:
                return match.group(0)
            if name not in values:
                missing.add(name)
                return ""
            return values[name]

        return _PLACEHOLDER.sub(replace, value)
    if isinstance(value, dict):
        return {key: _fill(item, values, missing) for key, item in value.items()}
    if isinstance(value, list):
        return [_fill(item, values, missing) for item in value]
    return value


_WHAT = {"profile": "profile", "firmware": "firmware image", "target_firmware": "target_firmware"}


def charger_playbook(playbook: Playbook, charger: SheetCharger) -> tuple[Playbook, dict[int, str]]:
    """The playbook with this charger's sheet values filled in, and the steps not needed.

    Every step is pinned to the charger (`identity`); a step that uses a value the sheet does
    not give this charger (no firmware image, no profile) has nothing to do for it.
    """
    values = charger.values()
    steps: list[StepSpec] = []
    not_needed: dict[int, str] = {}
    for spec in playbook.steps:
        missing: set[str] = set()
        options = _fill(copy.deepcopy(spec.options), values, missing)
        if spec.do != "sleep":
            options["identity"] = charger.identity
        if missing:
            names = ", ".join(_WHAT.get(name, name) for name in sorted(missing))
            not_needed[spec.index] = f"the sheet gives {charger.identity} no {names}"
        steps.append(StepSpec(spec.index, spec.line, spec.do, options))
    return Playbook(steps, playbook.host, playbook.port, playbook.source), not_needed


# ------------------------------------------------------------------------------ the site


@dataclass(slots=True)
class Outcome:
    ok: bool
    text: str


@dataclass(eq=False)
class ChargerRecord:
    """What the site knows of one sheet charger, across runs and batches."""

    sheet: SheetCharger
    seen: bool = False
    ok: bool | None = None
    """The verdict of its last playbook run (None: none ran)."""
    error: str | None = None
    steps: list[dict[str, Any]] | None = None
    playbook: dict[str, Any] | None = None
    """The last playbook run's report (`PlaybookRun.report`), for its own commissioning report."""
    profile: Outcome | None = None
    firmware: Outcome | None = None
    notes: list[str] = field(default_factory=list)
    report: str | None = None
    """Folder of its own commissioning report, once one is written."""


def connection_cap_warning(chargers: int, config: CsmsConfig) -> str | None:
    """Why some of a site's chargers could be refused by the connection caps, or None.

    The mini-CSMS refuses connections past `[server] max_connections` (by default what the
    open-file limit allows) and past `max_connections_per_ip` from one address: chargers
    behind one router (NAT) share its address.
    """
    total = config.max_connections or connections_budget()
    if chargers > total:
        return (
            f"the sheet lists {chargers} chargers but the mini-CSMS holds {total} connections "
            "at once ([server] max_connections, or the open-file limit): the rest are refused"
        )
    per_address = config.max_connections_per_ip
    if per_address and chargers > per_address:
        return (
            f"the sheet lists {chargers} chargers: if they share one address (behind a "
            f"router), those past {per_address} are refused ([server] max_connections_per_ip)"
        )
    return None


class Site:
    """The sheet's chargers as the hub sees them: seen or not, and identities not on it."""

    def __init__(self, sheet: SiteSheet, hub: Hub) -> None:
        self.sheet = sheet
        self.hub = hub
        self.records = {charger.identity: ChargerRecord(charger) for charger in sheet.chargers}
        self.unexpected: list[str] = []
        self._listeners: list[Callable[[HubEvent], None]] = []
        self._unsubscribe: Callable[[], None] | None = None

    def start(self) -> None:
        """Follow the hub (chargers already there count as seen) and let the sheet's in."""
        config = self.hub.config
        config.allow_list |= set(self.records)
        if config.unknown_policy is UnknownChargerPolicy.ASK:
            for identity in self.records:  # the sheet is the technician's answer for these
                config.boot_answers.setdefault(identity, BootAnswer.ACCEPTED)
        for identity in self.hub.chargers:
            self._saw(identity)
        if self._unsubscribe is None:
            self._unsubscribe = self.hub.subscribe(self._event)

    def stop(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    def add_listener(self, callback: Callable[[HubEvent], None]) -> Callable[[], None]:
        """Called after the site has taken each hub event in."""
        self._listeners.append(callback)
        return lambda: self._listeners.remove(callback)

    def _event(self, event: HubEvent) -> None:
        if isinstance(event, ChargerConnected):
            self._saw(event.identity)
        for callback in list(self._listeners):
            callback(event)

    def _saw(self, identity: str) -> None:
        record = self.records.get(identity)
        if record is not None:
            record.seen = True
        elif identity not in self.unexpected:
            self.unexpected.append(identity)

    def booted(self, identity: str) -> bool:
        session = self.hub.session_for(identity)
        return session is not None and session.connected and session.state.booted

    def firmware_now(self, identity: str) -> str | None:
        session = self.hub.session_for(identity)
        return session.state.firmware if session is not None else None

    def firmware_on_target(self, identity: str) -> bool | None:
        """Whether the charger runs its target firmware (None: the sheet names none)."""
        target = self.records[identity].sheet.target_firmware
        if target is None:
            return None
        return self.firmware_now(identity) == target


# ------------------------------------------------------------------------------ playbook runs

#: Steps that change the charger, and how a cancellation says so.
CHANGING_STEPS = {
    "set_configuration": "configuration change",
    "apply_profile": "configuration change (profile)",
    "update_firmware": "firmware update",
    "get_diagnostics": "log upload",
    "reset": "reset",
    "call": "call",
    "remote_start": "remote start",
    "remote_stop": "remote stop",
}


class SharedFileServer:
    """One file server for every charger of a run, started by the first that needs it."""

    def __init__(self, factory: Callable[[], Awaitable[FileServer]] | None) -> None:
        self.factory = factory
        self._server: FileServer | None = None
        self._lock = asyncio.Lock()

    async def get(self) -> FileServer:
        from ocpptui.services.playbook import StepFailed

        async with self._lock:
            if self._server is None:
                if self.factory is None:
                    raise StepFailed("no file server is configured for this run")
                self._server = await self.factory()
            return self._server

    async def stop(self) -> None:
        if self._server is not None:
            await self._server.stop()
            self._server = None


def step_line(identity: str, index: int, total: int, result: StepResult) -> str:
    """`CP-A1 [2/5] apply_profile ok (120 ms)` (or `...` while it runs)."""
    prefix = f"{identity} [{index + 1}/{total}] {result.do}"
    if result.not_needed is not None:
        return f"{prefix} not needed: {result.not_needed}"
    if result.skipped:
        return f"{prefix} skipped (an earlier step failed)"
    if result.ms == 0 and result.error is None and not result.ok:
        return f"{prefix} ..."
    verdict = "ok" if result.ok else f"FAILED: {result.error}"
    return f"{prefix} {verdict} ({result.ms:.0f} ms)"


def playbook_action(
    site: Site,
    playbook: Playbook,
    *,
    file_server: Callable[[], Awaitable[FileServer]],
    slots: TransferSlots | None,
    on_step: Callable[[str, int, StepResult], None] = lambda identity, index, result: None,
    runs: list[PlaybookRun] | None = None,
) -> BatchAction:
    """The batch action that runs `playbook` against one sheet charger, its values filled in.

    A firmware step is not needed ("already on 1.4.2") when the charger runs its target
    firmware; the charger passes when every step did and it ends on its target firmware.
    Each charger's `PlaybookRun` is added to `runs` (whoever stops the file server first
    ends their transfers); without `runs` the offers linger until the charger is done.
    """

    async def run_on(item: BatchItem) -> None:
        record = site.records[item.identity]
        own, not_needed = charger_playbook(playbook, record.sheet)
        total = len(own.steps)

        def skip(run: PlaybookRun, spec: StepSpec) -> str | None:
            if spec.do == "update_firmware":
                target = record.sheet.target_firmware
                if target is not None and site.firmware_now(item.identity) == target:
                    return f"already on {target}"
            return not_needed.get(spec.index)

        def stepped(index: int, result: StepResult) -> None:
            running = result.ms == 0 and result.error is None and not result.ok
            running = running and result.not_needed is None
            item.changing = CHANGING_STEPS.get(result.do) if running else None
            finished = sum(1 for r in run.results if r.ms or r.error or r.ok)
            item.progress = finished / total if total else None
            item.detail = step_line(item.identity, index, total, result).split(" ", 1)[1]
            on_step(item.identity, index, result)

        run = PlaybookRun(
            own,
            site.hub,
            identity=item.identity,
            on_step=stepped,
            file_server_factory=file_server,
            transfer_slots=slots,
            not_needed=skip,
        )
        if runs is not None:
            runs.append(run)
        try:
            ok = await run.run()
        finally:
            record.steps = [masked(result.to_json()) for result in run.results]
        _record_profile_and_firmware(record, run.results)
        failed = next((r for r in run.results if not r.ok), None)
        error = f"{failed.do}: {failed.error}" if failed is not None else None
        on_target = site.firmware_on_target(item.identity)
        if ok and on_target is False:
            ok = False
            error = (
                f"runs firmware {site.firmware_now(item.identity) or '?'}, "
                f"the sheet's target is {record.sheet.target_firmware}"
            )
        record.ok, record.error = ok, error
        record.playbook = run.report(ok)
        item.result = record.playbook
        if not ok:
            raise BatchFailed(error or "failed")
        item.detail = "passed" + (f" ({len(run.results)} steps)" if run.results else "")

    return run_on


def _record_profile_and_firmware(record: ChargerRecord, results: list[StepResult]) -> None:
    for result in results:
        if result.skipped:  # not run (an earlier step failed): it says nothing of the charger
            continue
        if result.do == "apply_profile" and (result.ok or result.error):
            if result.not_needed is not None:
                record.profile = Outcome(True, f"not needed: {result.not_needed}")
            elif result.ok:
                keys = counted(len(result.response or {}), "key")
                record.profile = Outcome(True, f"applied ({keys} verified)")
            else:
                record.profile = Outcome(False, result.error or "failed")
        if result.do == "update_firmware" and (result.ok or result.error):
            if result.not_needed is not None:
                record.firmware = Outcome(True, result.not_needed)
            elif result.ok:
                verdict = (result.response or {}).get("verdict")
                record.firmware = Outcome(True, str(verdict or "installed"))
            else:
                record.firmware = Outcome(False, result.error or "failed")


class SiteRun:
    """`ocpp-tui run PLAYBOOK --site SHEET`: the playbook against each sheet charger as it
    boots, at most `parallel` transfers at once, until all are done or the site times out."""

    def __init__(
        self,
        site: Site,
        playbook: Playbook,
        *,
        parallel: int,
        file_server_factory: Callable[[], Awaitable[FileServer]] | None = None,
        on_step: Callable[[str, int, StepResult], None] = lambda identity, index, result: None,
        on_note: Callable[[str], None] = lambda text: None,
    ) -> None:
        self.site = site
        self.hub = site.hub
        self.playbook = playbook
        self.on_note = on_note
        self.slots = TransferSlots(self.hub, parallel)
        self.files = SharedFileServer(file_server_factory)
        self._runs: list[PlaybookRun] = []
        self.batch = SiteBatch(
            "playbook",
            playbook_action(
                site,
                playbook,
                file_server=self.files.get,
                slots=self.slots,
                on_step=on_step,
                runs=self._runs,
            ),
            self.hub,
            on_change=self._changed,
        )
        self.timed_out = False
        self._progress = asyncio.Event()
        self._noted: set[str] = set()

    def _changed(self, item: BatchItem) -> None:
        self._progress.set()

    def _event(self, event: HubEvent) -> None:
        identity = getattr(event, "identity", None)
        if identity in self.site.unexpected and identity not in self._noted:
            self._noted.add(identity)
            self.on_note(f"{identity} is not on the sheet: answered, left alone")
        self._start_booted()
        self._progress.set()

    def _start_booted(self) -> None:
        for identity in self.site.records:
            if identity not in self.batch.items and self.site.booted(identity):
                self.batch.add(identity)

    @property
    def done(self) -> bool:
        return len(self.batch.items) == len(self.site.records) and self.batch.finished

    async def run(self) -> bool:
        """True when every sheet charger came and passed."""
        site = self.site
        stop_listening = site.add_listener(self._event)
        site.start()
        try:
            self._start_booted()
            try:
                async with asyncio.timeout(site.sheet.timeout):
                    while not self.done:
                        self._progress.clear()
                        await self._progress.wait()
            except TimeoutError:
                self.timed_out = True
                for note in self.batch.cancel("the site timed out"):
                    self.on_note(note)
                await self.batch.wait()
        finally:
            if not self.batch.finished:  # the run itself was stopped (Ctrl+C)
                self.batch.cancel("ocpp-tui was stopped")
                await self.batch.wait()
            stop_listening()
            site.stop()
            # A charger still fetching its image (stopped at the timeout) may finish first.
            await asyncio.gather(*(run.end_transfers() for run in self._runs))
            await self.files.stop()
        for identity, record in site.records.items():
            item = self.batch.items.get(identity)
            if item is None:
                record.ok = False
                record.error = (
                    "never connected before the site timed out"
                    if not record.seen
                    else "connected but never booted (BootNotification accepted)"
                )
            elif item.state is ItemState.CANCELLED:
                record.ok = False
                record.error = item.note or "stopped: the site timed out"
                record.notes.append(record.error)
        return all(record.ok for record in site.records.values())

    def results(self) -> dict[str, Any]:
        """The run as `--json-out` writes it (without "report", added once written)."""
        site = self.site
        return {
            "ok": all(record.ok for record in site.records.values()),
            "site": {
                "name": site.sheet.name,
                "sheet": str(site.sheet.source) if site.sheet.source else None,
                "parallel": self.slots.limit,
                "timed_out": self.timed_out,
            },
            "chargers": [
                {
                    "identity": identity,
                    "location": record.sheet.location,
                    "ok": bool(record.ok),
                    "seen": record.seen,
                    "error": record.error,
                    "firmware": site.firmware_now(identity) if record.seen else None,
                    "target_firmware": record.sheet.target_firmware,
                    "steps": record.steps or [],
                    "notes": record.notes,
                    "report": record.report,
                }
                for identity, record in site.records.items()
            ],
            "unexpected": list(site.unexpected),
            "report": None,
        }
