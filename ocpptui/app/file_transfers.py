"""The app's file server and its firmware and diagnostics runs, which outlive their screens.

The file server binds ports, so it starts the first time a technician sends a file or asks
for a log, not when the app starts. A run belongs to the app (a firmware upgrade goes on
while the technician looks at frames); screens watch it and get `TransferChanged` messages.

The runs use the same jobs as `ocpp-tui run` (services.firmware, services.diagnostics): the
URL's address, the protocol choice and its warning, which statuses count and how long the
file stays offered are decided there. What is here is the app's glue and the forms' parsing.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import errno
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, TypeVar

from textual.message_pump import MessagePump
from textual.worker import Worker

from ocpptui.app import messages
from ocpptui.core.hub import Hub
from ocpptui.core.session import CallFailed
from ocpptui.services.diagnostics import DiagnosticsRequest
from ocpptui.services.file_hosting import create_file_server
from ocpptui.services.file_server import BoundPorts, FileServer
from ocpptui.services.firmware import FirmwareUpdate, WaitFor
from ocpptui.settings.model import FileServerSettings

log = logging.getLogger(__name__)

Kind = Literal["firmware", "diagnostics"]
Job = TypeVar("Job", FirmwareUpdate, DiagnosticsRequest)

#: How long a firmware run waits for the charger to come back on the new version.
FIRMWARE_TIMEOUT = 30 * 60.0
#: How long a diagnostics run waits for the file.
DIAGNOSTICS_TIMEOUT = 10 * 60.0


# --------------------------------------------------------------------------- requests


@dataclass(frozen=True, slots=True)
class FirmwareRequest:
    """What the technician filled in on the firmware screen."""

    path: Path
    scheme: str
    advertise_host: str | None = None  # the URL's address (None: the job's own choice)
    retrieve_date: dt.datetime | None = None
    retries: int | None = None
    retry_interval: int | None = None
    request_id: int | None = None
    signing_certificate_file: Path | None = None
    signature: str | None = None


@dataclass(frozen=True, slots=True)
class DiagnosticsOptions:
    """What the technician filled in on the diagnostics screen."""

    scheme: str
    advertise_host: str | None = None  # the URL's address (None: the job's own choice)
    log_type: str = "DiagnosticsLog"
    start_time: dt.datetime | None = None
    stop_time: dt.datetime | None = None
    retries: int | None = None
    retry_interval: int | None = None
    location_form: str = "folder"  # "folder": …/<token>/ (the charger adds its name); "file"


@dataclass(eq=False)
class TransferRun:
    """One firmware upgrade or log retrieval of one charger, as the UI follows it."""

    kind: Kind
    identity: str
    job: FirmwareUpdate | DiagnosticsRequest | None = None
    error: str | None = None
    """Why the run ended without the job's own verdict (file server, file, connection)."""
    finished: bool = False
    ports: BoundPorts | None = None
    worker: Worker[None] | None = None
    _watchers: list[MessagePump] = field(default_factory=list)

    def watch(self, target: MessagePump) -> Callable[[], None]:
        """Post `TransferChanged` to `target` on every change, until the returned call."""
        self._watchers.append(target)

        def remove() -> None:
            if target in self._watchers:
                self._watchers.remove(target)

        return remove

    def changed(self) -> None:
        for target in list(self._watchers):
            target.post_message(messages.TransferChanged(self))

    @property
    def ok(self) -> bool | None:
        """True/False once there is a verdict, None while it runs."""
        if self.error is not None:
            return False
        verdict = self.job.verdict if self.job is not None else None
        return None if verdict is None else verdict.ok

    def stop(self, reason: str = "stopped by the technician") -> None:
        """Stop a running run (the charger is not told; its offer is withdrawn at once).

        A finished run is left alone: its offer lives until the charger is done with it."""
        if self.finished:
            return
        if self.worker is not None:
            self.worker.cancel()
        if self.job is not None:
            self.job.cancel(reason)


# --------------------------------------------------------------------------- the owner


class FileTransfers:
    """Starts the file server on first use, runs the jobs, stops everything on exit."""

    def __init__(self, settings: FileServerSettings, upload_dir: Path, hub: Hub) -> None:
        self.settings = settings
        self.upload_dir = upload_dir
        self.hub = hub
        self.runs: dict[tuple[Kind, str], TransferRun] = {}
        self._server: FileServer | None = None
        self._lock = asyncio.Lock()

    @property
    def server(self) -> FileServer | None:
        """The running file server, or None before the first transfer."""
        return self._server if self._server is not None and self._server.running else None

    async def file_server(self) -> FileServer:
        """The file server, started now if it is not running (raises OSError on bind)."""
        async with self._lock:
            if self._server is None or not self._server.running:
                server = create_file_server(
                    self.settings, self.upload_dir, server_host=self.hub.listen_host
                )
                await server.start()
                self._server = server
            return self._server

    def run_for(self, kind: Kind, identity: str) -> TransferRun | None:
        return self.runs.get((kind, identity))

    def new_run(self, kind: Kind, identity: str) -> TransferRun:
        """A fresh run for this charger; the previous one of this kind stops."""
        previous = self.runs.get((kind, identity))
        if previous is not None:
            previous.stop()
        run = self.runs[(kind, identity)] = TransferRun(kind, identity)
        return run

    @property
    def active_runs(self) -> list[TransferRun]:
        return [run for run in self.runs.values() if not run.finished]

    async def stop(self) -> None:
        for run in self.runs.values():
            run.stop("ocpp-tui is closing")
            if run.job is not None:
                run.job.cancel("ocpp-tui is closing")
        if self._server is not None:
            await self._server.stop()
            self._server = None

    # ------------------------------------------------------------------ jobs

    async def run_firmware(self, run: TransferRun, request: FirmwareRequest) -> None:
        """Offer the image, send the update, follow it to the verdict (never raises)."""

        async def make_job(server: FileServer) -> FirmwareUpdate:
            certificate = None
            if request.signing_certificate_file is not None:
                try:
                    certificate = await asyncio.to_thread(
                        request.signing_certificate_file.read_text, "utf-8"
                    )
                except UnicodeDecodeError:
                    raise ValueError("the signing certificate is not a PEM text file") from None
            return FirmwareUpdate(
                self.hub,
                run.identity,
                server,
                request.path,
                scheme=request.scheme,
                host=request.advertise_host,
                retrieve_date=request.retrieve_date,
                retries=request.retries,
                retry_interval=request.retry_interval,
                request_id=request.request_id,
                signing_certificate=certificate,
                signature=request.signature,
                on_change=lambda job: run.changed(),
            )

        await self._follow(
            run, make_job, lambda job: job.wait(WaitFor.BOOTED, FIRMWARE_TIMEOUT), "update"
        )

    async def run_diagnostics(self, run: TransferRun, options: DiagnosticsOptions) -> None:
        """Ask for the log, receive the upload, report the verdict (never raises)."""

        async def make_job(server: FileServer) -> DiagnosticsRequest:
            return DiagnosticsRequest(
                self.hub,
                run.identity,
                server,
                scheme=options.scheme,
                host=options.advertise_host,
                log_type=options.log_type,
                start_time=options.start_time,
                stop_time=options.stop_time,
                retries=options.retries,
                retry_interval=options.retry_interval,
                on_change=lambda job: run.changed(),
                location_form=options.location_form,
            )

        await self._follow(run, make_job, lambda job: job.wait(DIAGNOSTICS_TIMEOUT), "request")

    async def _follow(
        self,
        run: TransferRun,
        make_job: Callable[[FileServer], Awaitable[Job]],
        wait: Callable[[Job], Awaitable[object]],
        what: str,
    ) -> None:
        """Start the file server and the job, wait for the verdict; whatever fails ends up in
        `run.error` (never raises but for cancellation)."""
        try:
            server = await self._server_for(run)
            job = await make_job(server)
            run.job = job
            run.changed()
            await job.start()
            await wait(job)
        except asyncio.CancelledError:
            run.error = run.error or "stopped watching (the charger was not told)"
            raise
        except CallFailed as exc:
            if run.job is None or run.job.verdict is None:
                run.error = f"the {what} was not sent: {exc}"
        except (OSError, ValueError, RuntimeError) as exc:
            run.error = _problem_text(exc, self.settings)
        finally:
            self._finish(run)

    async def _server_for(self, run: TransferRun) -> FileServer:
        server = await self.file_server()
        run.ports = server.ports
        return server

    def _finish(self, run: TransferRun) -> None:
        run.finished = True
        run.changed()
        if run.job is not None:
            # Not withdrawn here: the charger may still be fetching (services.transfer_job).
            run.job.release()


def _problem_text(exc: BaseException, settings: FileServerSettings) -> str:
    if isinstance(exc, FileNotFoundError):
        return f"file not found: {exc.filename or exc}"
    if isinstance(exc, IsADirectoryError):
        return str(exc)
    if isinstance(exc, PermissionError):
        return f"not allowed to read {exc.filename or 'the file'}"
    if isinstance(exc, OSError):
        ports = f"HTTP {settings.http_port}, FTP {settings.ftp_port}"
        if exc.errno in (errno.EADDRINUSE, 10048):  # 10048: WSAEADDRINUSE
            return (
                f"the file server cannot listen: one of its ports ({ports}) is used by another "
                "program; stop it, or change [files] http_port / ftp_port in the settings"
            )
        if exc.errno in (errno.EACCES, errno.EPERM, 10013):
            return (
                f"the file server is not allowed to listen on its ports ({ports}): ports below "
                "1024 need administrator rights; change [files] http_port / ftp_port"
            )
        return f"the file server could not start: {exc.strerror or exc}"
    return str(exc)


# --------------------------------------------------------------------------- form helpers


def firewall_text(ports: BoundPorts | None, scheme: str, settings: FileServerSettings) -> str:
    """The inbound TCP ports the laptop's firewall must let through for this scheme."""
    if ports is not None:
        http, https, ftp, passive = ports.http, ports.https, ports.ftp, ports.ftp_passive
        sftp = ports.sftp
    else:
        http, https, ftp = settings.http_port, None, settings.ftp_port
        first, last = settings.ftp_passive_ports
        passive = tuple(range(first, last + 1))
        sftp = settings.sftp_port if settings.sftp else None
    if scheme == "https":
        return f"TCP {https} (HTTPS)" if https else "HTTPS is not set up on this laptop"
    if scheme == "sftp":
        return f"TCP {sftp} (SFTP)" if sftp else "SFTP is off ([files] sftp = true)"
    if scheme == "ftp":
        data = f"{passive[0]}-{passive[-1]}" if passive else "any (no passive range set)"
        return f"TCP {ftp} (FTP) and TCP {data} (FTP data)"
    return f"TCP {http} (HTTP)"


_RELATIVE = re.compile(r"^([+-])\s*(\d+)\s*([smhd])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def parse_moment(text: str, now: dt.datetime) -> dt.datetime | None:
    """A date typed by the technician: "" or "now" → None; "+15m", "-2h"; ISO 8601; "14:30".

    Times without a zone are local time. Raises ValueError with what is accepted.
    """
    text = text.strip()
    if not text or text.lower() == "now":
        return None
    relative = _RELATIVE.match(text.lower())
    if relative:
        sign, amount, unit = relative[1], int(relative[2]), relative[3]
        offset = dt.timedelta(**{_UNITS[unit]: amount})
        return now + offset if sign == "+" else now - offset
    try:
        if re.fullmatch(r"\d{1,2}:\d{2}", text):
            hour, minute = (int(part) for part in text.split(":"))
            local_now = now.astimezone()
            moment = local_now.replace(hour=hour, minute=minute, second=0, microsecond=0)
        else:
            moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(
            f"{text!r} is not a date: use now, +15m, -2h, 14:30 or 2026-11-25T14:30"
        ) from None
    if moment.tzinfo is None:
        moment = moment.astimezone()
    return moment


def parse_count(text: str, what: str) -> int | None:
    """A non-negative whole number, or None when blank."""
    text = text.strip()
    if not text:
        return None
    if not text.isdigit():
        raise ValueError(f"{what} must be a whole number, not {text!r}")
    return int(text)


def byte_size(count: int | float | None) -> str:
    """`812 B`, `4.2 kB`, `31.0 MB` (decimal units, as network rates are quoted)."""
    if count is None:
        return "?"
    value = float(count)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} GB"
