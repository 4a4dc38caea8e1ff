"""The mini-CSMS without a UI: one line per frame on stdout, the same log files on disk."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from ocpptui.core.events import (
    ChargerConnected,
    ChargerDisconnected,
    ChargerUpdated,
    ConnectionRefused,
    HubEvent,
    LogProblem,
    LogResumed,
    ServerStarted,
    UpdateKind,
)
from ocpptui.core.frame import Frame
from ocpptui.core.frame_log import record_line
from ocpptui.core.hub import Hub
from ocpptui.core.identity import path_word_warning
from ocpptui.protocol.secrets import masked_frame_text
from ocpptui.protocol.terminal_text import escape_controls
from ocpptui.protocol.timestamps import clock_time
from ocpptui.services.network import charger_urls
from ocpptui.wording import counted

if TYPE_CHECKING:
    from ocpptui.core.link_supervisor import LinkStatus, LinkSupervisor
    from ocpptui.core.proxy import UpstreamConfig
    from ocpptui.services.file_server import FileServer
    from ocpptui.services.playbook import Playbook
    from ocpptui.services.report import ReportRequest

PAYLOAD_PREVIEW = 160

#: Makes the local link (a serial port, a BLE device) that carries the session instead of the
#: WebSocket server; see `ocpptui.core.link_supervisor`.
LinkStarter = Callable[[Hub], "LinkSupervisor"]


def frame_line(frame: Frame) -> str:
    """A one-line, human-readable rendering of a frame (control characters escaped,
    passwords masked)."""
    moment = clock_time(frame.wall)
    arrow = frame.direction.arrow
    if frame.leg == "csms":  # proxy mode: the laptop ⇄ real CSMS leg
        arrow = "⇒CSMS" if frame.direction.value == "out" else "⇐CSMS"
    parts = [moment, frame.identity, arrow, f"{frame.type_label:<6}"]
    parts.append(frame.action or "-")
    if frame.latency_ms is not None:
        parts.append(f"{frame.latency_ms:.1f}ms")
    if frame.error_code:
        parts.append(f"[{frame.error_code}]")
    if frame.problem:
        parts.append(f"!! {frame.problem}")
    if frame.violations:
        violations = counted(len(frame.violations), "schema violation")
        parts.append(f"!! {violations}: {frame.violations[0]}")
    if frame.flags:
        parts.append("(" + ",".join(frame.flags) + ")")
    # Passwords sent to a charger stay in the frame log only (and in --jsonl, its copy).
    raw = masked_frame_text(frame.raw)
    payload = raw if len(raw) <= PAYLOAD_PREVIEW else raw[:PAYLOAD_PREVIEW] + "…"
    parts.append(payload)
    return escape_controls(" ".join(parts))


def event_line(event: HubEvent) -> str | None:
    """A human-readable line for the events a technician must see; None for the rest.

    Control characters a peer put into a path, an identity or a reason are escaped.
    """
    line = _event_text(event)
    return None if line is None else escape_controls(line)


def _event_text(event: HubEvent) -> str | None:
    match event:
        case ServerStarted(host=host, port=port, subprotocols=subprotocols, scheme=scheme):
            urls = " ".join(url + "<identity>" for url in charger_urls(host, port, scheme))
            return (
                f"listening on {host}:{port} ({', '.join(subprotocols)}); point chargers at {urls}"
            )
        case ConnectionRefused(peer=peer, path=path, reason=reason, advice=advice, warning=warn):
            line = f"refused {peer} {path}: {reason}"
            line += f"; what to do: {advice}" if advice else ""
            return line + (f"; {warn}" if warn else "")
        case ChargerConnected(identity=identity, subprotocol=sub, peer=peer, replaced=replaced):
            note = " (replaced the previous connection)" if replaced else ""
            warning = path_word_warning(identity)
            note += f"; warning: {warning}" if warning else ""
            return f"{identity} connected from {peer} with {sub}{note}"
        case ChargerDisconnected(identity=identity, reason=reason):
            return f"{identity} disconnected: {reason}"
        case LogProblem(identity=identity, message=message):
            return f"{identity}: frame log kept in memory only: {message}"
        case LogResumed(identity=identity, message=message):
            return f"{identity}: frame log back on disk: {message}"
    return None


class HeadlessPrinter:
    """Writes frames (text or JSON lines) to `out` and events to `err`."""

    def __init__(self, out: TextIO, err: TextIO, jsonl: bool, hub: Hub | None = None) -> None:
        self.out, self.err, self.jsonl = out, err, jsonl
        self.hub = hub

    def frame(self, frame: Frame) -> None:
        if self.jsonl:
            self.out.write(record_line(frame) + "\n")  # encoded once, by the frame log
        else:
            self.out.write(frame_line(frame) + "\n")
        self.out.flush()

    def event(self, event: HubEvent) -> None:
        line = event_line(event)
        if (
            isinstance(event, ChargerUpdated)
            and event.what == UpdateKind.UPSTREAM
            and self.hub is not None
        ):
            session = self.hub.session_for(event.identity)
            line = f"{event.identity} upstream {getattr(session, 'upstream_state', '?')}"
        if line is None:
            return
        self.note(line)

    def note(self, text: str) -> None:
        """A line among the events (same stream, same marker), control characters escaped."""
        # In JSONL mode stdout carries frames only, so events go to stderr.
        stream = self.err if self.jsonl else self.out
        stream.write(f"-- {escape_controls(text)}\n")
        stream.flush()

    def link_status(self, status: LinkStatus) -> None:
        if status.state == "failed":
            return  # the runner prints why the link could not be opened, once
        self.note(status.text)


class _CarrierFailed(Exception):
    """The server could not listen, or the local link could not be opened."""


async def _start_carrier(
    hub: Hub,
    printer: HeadlessPrinter,
    *,
    link: LinkStarter | None,
    host: str | None,
    port: int | None,
    upstream: UpstreamConfig | None = None,
    on_started: Callable[[int], None] | None = None,
) -> LinkSupervisor | None:
    """Start what carries the frames: the WebSocket server (`on_started` gets its bound
    port), or the local link instead (its supervisor is returned; None for the server).
    Raises _CarrierFailed with the message to print.
    """
    if link is None:
        try:
            if upstream is not None:
                server = await hub.start_proxy(upstream, host, port)
                printer.note(f"proxy: every frame is forwarded to {upstream.url}")
                note = upstream.tls_note()
                if note:
                    printer.note(note)
            else:
                server = await hub.start_server(host, port)
        except OSError as exc:
            where = f"{host or hub.config.host}:{hub.config.port if port is None else port}"
            raise _CarrierFailed(
                f"cannot listen on {where}: {exc.strerror or exc} "
                "(is another server using the port? try --port)"
            ) from None
        if on_started is not None:
            on_started(server.port)
        return None
    from ocpptui.core.link_supervisor import LinkOpenFailed

    supervisor = link(hub)
    supervisor.add_listener(printer.link_status)
    try:
        await supervisor.start()
    except LinkOpenFailed as exc:
        raise _CarrierFailed(str(exc)) from None
    return supervisor


def _listen_address(
    playbook: Playbook, host: str | None, port: int | None
) -> tuple[str | None, int | None]:
    """Where a run listens: the command line's host and port, else the playbook's."""
    return (
        host if host is not None else playbook.host,
        port if port is not None else playbook.port,
    )


def _line_writer(stream: TextIO) -> Callable[[str], None]:
    """Write a line at once, control characters escaped (it may carry a charger's text)."""

    def say(text: str) -> None:
        stream.write(escape_controls(text) + "\n")
        stream.flush()

    return say


async def serve_headless(
    hub: Hub,
    *,
    host: str | None = None,
    port: int | None = None,
    jsonl: bool = False,
    out: TextIO | None = None,
    err: TextIO | None = None,
    stop: asyncio.Event | None = None,
    on_started: Callable[[int], None] | None = None,
    link: LinkStarter | None = None,
    upstream: UpstreamConfig | None = None,
) -> int:
    """Run the mini-CSMS until `stop` is set or SIGINT/SIGTERM arrives; returns an exit code.

    With `upstream`, it runs as a proxy (tap) in front of that CSMS.

    With `link`, the session runs over that local link instead of a WebSocket server, and
    the run also ends (exit 1) when the link is lost for good.
    """
    printer = HeadlessPrinter(out or sys.stdout, err or sys.stderr, jsonl, hub)
    unsubscribe_events = hub.subscribe(printer.event)
    unsubscribe_frames = hub.add_frame_listener(printer.frame)
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    installed: list[signal.Signals] = []
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(signum, stop.set)  # not available on Windows
            installed.append(signum)
    supervisor: LinkSupervisor | None = None
    try:
        try:
            supervisor = await _start_carrier(
                hub,
                printer,
                link=link,
                host=host,
                port=port,
                upstream=upstream,
                on_started=on_started,
            )
        except _CarrierFailed as exc:
            printer.err.write(f"ocpp-tui: {escape_controls(str(exc))}\n")
            return 1
        if supervisor is None:
            await stop.wait()
            return 0
        return await _until_stopped_or_lost(stop, supervisor)
    finally:
        for signum in installed:
            loop.remove_signal_handler(signum)
        if supervisor is not None:
            await supervisor.stop("ocpp-tui is shutting down")
        await hub.stop()
        unsubscribe_frames()
        unsubscribe_events()


async def run_playbook_headless(
    hub: Hub,
    playbook_path: Path,
    *,
    host: str | None = None,
    port: int | None = None,
    json_out: Path | None = None,
    out: TextIO | None = None,
    on_started: Callable[[int], None] | None = None,
    file_server_factory: Callable[[], Awaitable[FileServer]] | None = None,
    link: LinkStarter | None = None,
    report_request: ReportRequest | None = None,
) -> int:
    """Serve (or open `link`), run the playbook's steps against the charger, exit 0/1/2.

    `file_server_factory` starts the laptop's file server the first time a firmware or
    diagnostics step needs it. With `report_request`, the commissioning report of the run
    is written too (its folder is printed and added to the JSON results as "report").
    """
    from ocpptui.services.playbook import PlaybookError, PlaybookRun, load_playbook

    stream = out or sys.stdout
    say = _line_writer(stream)  # step errors carry what the charger answered
    try:
        playbook = load_playbook(playbook_path)
    except PlaybookError as exc:
        say(f"ocpp-tui run: invalid playbook: {exc}")
        return 2
    printer = HeadlessPrinter(stream, stream, jsonl=False)
    unsubscribe = hub.subscribe(printer.event)
    supervisor: LinkSupervisor | None = None
    try:
        try:
            host, port = _listen_address(playbook, host, port)
            supervisor = await _start_carrier(
                hub, printer, link=link, host=host, port=port, on_started=on_started
            )
        except _CarrierFailed as exc:
            say(f"ocpp-tui run: {exc}")
            return 1

        def progress(index: int, result) -> None:
            total = len(playbook.steps)
            if result.ms == 0 and result.error is None and not result.ok:
                say(f"[{index + 1}/{total}] {result.do} ...")
            else:
                verdict = "ok" if result.ok else f"FAILED: {result.error}"
                if result.skipped:
                    verdict = "skipped (an earlier step failed)"
                say(f"[{index + 1}/{total}] {result.do} {verdict} ({result.ms:.0f} ms)")

        run = PlaybookRun(playbook, hub, on_step=progress, file_server_factory=file_server_factory)
        try:
            ok = await run.run()
        finally:
            await run.close()
        report = run.report(ok)
        if report_request is not None:
            from ocpptui.services.report import write_playbook_report

            await _read_configuration_for_report(hub, run.identity, stream)
            try:
                files = write_playbook_report(run, ok, report_request, hub.clock.wall())
            except OSError as exc:
                say(f"ocpp-tui run: cannot write the report: {exc}")
            else:
                if files is not None:
                    report["report"] = str(files.folder)
                    say(f"report written to {files.folder}")
        if json_out is not None:
            text = json.dumps(report, indent=2, ensure_ascii=False) + "\n"
            await asyncio.to_thread(json_out.write_text, text, encoding="utf-8")
        say("playbook passed" if ok else "playbook failed")
        return 0 if ok else 1
    finally:
        unsubscribe()
        if supervisor is not None:
            await supervisor.stop("playbook finished")
        await hub.stop()


async def _read_configuration_for_report(hub: Hub, identity: str | None, stream: TextIO) -> None:
    """Read the whole configuration before writing the report, when the charger is connected
    and it was not read completely since its last boot (the report says so otherwise)."""
    from ocpptui.services.config_snapshot import needs_read, read_for_report

    charger = hub.chargers.get(identity) if identity else None
    if charger is None or charger.session is None or not needs_read(charger):
        return
    stream.write("reading the configuration for the report (no complete read since the boot)\n")

    def progress(step: str) -> None:
        stream.write(f"  {escape_controls(step)}\n")
        stream.flush()

    problem = await read_for_report(charger.session, progress)
    if problem is not None:
        text = f"report: {problem}; it says the configuration was not read since the boot"
        stream.write(escape_controls(text) + "\n")  # a CallError text is the charger's
    stream.flush()


async def _until_stopped_or_lost(stop: asyncio.Event, supervisor: LinkSupervisor) -> int:
    """Wait for `stop` (exit 0) or for the supervisor to end on its own (exit 1)."""
    stopped = asyncio.ensure_future(stop.wait())
    ended = asyncio.ensure_future(supervisor.wait_closed())
    try:
        await asyncio.wait({stopped, ended}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (stopped, ended):
            task.cancel()
        await asyncio.gather(stopped, ended, return_exceptions=True)
    return 0 if stop.is_set() else 1


async def run_site_headless(
    hub: Hub,
    playbook_path: Path,
    sheet_path: Path,
    *,
    host: str | None = None,
    port: int | None = None,
    parallel: int | None = None,  # chargers transferring at once (default: the sheet's)
    json_out: Path | None = None,
    out: TextIO | None = None,
    on_started: Callable[[int], None] | None = None,
    file_server_factory: Callable[[], Awaitable[FileServer]] | None = None,
    report_request: ReportRequest | None = None,
) -> int:
    """`ocpp-tui run PLAYBOOK --site SHEET`: the playbook against every sheet charger as it
    boots, at most `parallel` transfers at once; exit 0 (all passed), 1, or 2 (bad input,
    found before the server starts)."""
    from ocpptui.services.playbook import PlaybookError, load_playbook
    from ocpptui.services.site_run import (
        Site,
        SiteRun,
        check_site_playbook,
        connection_cap_warning,
        step_line,
    )
    from ocpptui.services.site_sheet import DEFAULT_PARALLEL, SiteSheetError, load_sheet

    stream = out or sys.stdout
    say = _line_writer(stream)  # identities, locations, step errors: the sheet's, the chargers'
    try:
        playbook = load_playbook(playbook_path)
        check_site_playbook(playbook)
    except PlaybookError as exc:
        say(f"ocpp-tui run: invalid playbook: {exc}")
        return 2
    try:
        sheet = load_sheet(sheet_path)
    except SiteSheetError as exc:
        say(f"ocpp-tui run: invalid site sheet: {exc}")
        return 2
    limit = parallel or sheet.parallel or DEFAULT_PARALLEL
    printer = HeadlessPrinter(stream, stream, jsonl=False)
    unsubscribe = hub.subscribe(printer.event)
    site = Site(sheet, hub)
    try:
        try:
            host, port = _listen_address(playbook, host, port)
            await _start_carrier(
                hub, printer, link=None, host=host, port=port, on_started=on_started
            )
        except _CarrierFailed as exc:
            say(f"ocpp-tui run: {exc}")
            return 1
        say(
            f"site {sheet.name}: {counted(len(sheet.chargers), 'charger')} expected, "
            f"at most {limit} transferring at once, timeout {sheet.timeout:g} s"
        )
        warning = connection_cap_warning(len(sheet.chargers), hub.config)
        if warning is not None:
            printer.note(f"warning: {warning}")
        total = len(playbook.steps)

        def stepped(identity: str, index: int, result) -> None:
            say(step_line(identity, index, total, result))

        run = SiteRun(
            site,
            playbook,
            parallel=limit,
            file_server_factory=file_server_factory,
            on_step=stepped,
            on_note=lambda text: printer.note(text),
        )
        ok = await run.run()
        for identity, record in site.records.items():
            where = f" ({record.sheet.location})" if record.sheet.location else ""
            verdict = "passed" if record.ok else f"FAILED: {record.error}"
            say(f"{identity}{where} {verdict}")
        if site.unexpected:
            say(f"not on the sheet (left alone): {', '.join(site.unexpected)}")
        results = run.results()
        if report_request is not None:
            from ocpptui.services.site_report import write_site_report

            for identity in site.records:
                await _read_configuration_for_report(hub, identity, stream)
            try:
                files = write_site_report(
                    site, report_request.notes, report_request.reports_dir, hub.clock.wall()
                )
            except OSError as exc:
                say(f"ocpp-tui run: cannot write the site report: {exc}")
            else:
                results = run.results()
                results["report"] = str(files.folder)
                say(f"site report written to {files.folder}")
        if json_out is not None:
            text = json.dumps(results, indent=2, ensure_ascii=False) + "\n"
            await asyncio.to_thread(json_out.write_text, text, encoding="utf-8")
        passed = sum(1 for record in site.records.values() if record.ok)
        say(f"site {'passed' if ok else 'failed'}: {passed} of {len(site.records)} chargers passed")
        return 0 if ok else 1
    finally:
        unsubscribe()
        await hub.stop()
