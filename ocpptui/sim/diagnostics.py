"""Diagnostics and log uploads of the simulated charger (1.6 GetDiagnostics, GetLog).

The charger answers with the file name it will upload, then generates a log file covering
the requested time window and uploads it to `location` (see `transfer_client.upload_url` for
where exactly). One upload runs at a time; a new request cancels the running one (GetLog
answers AcceptedCanceled then, as its status enum defines).

Status sequences:
- 1.6 GetDiagnostics (DiagnosticsStatusNotification): Uploading → Uploaded | UploadFailed.
- GetLog, 2.0.1 and 1.6 security extension (LogStatusNotification with requestId):
  Uploading → Uploaded, or one of UploadFailure (network, server error, after all attempts),
  PermissionDenied (401/403, FTP 530), NotSupportedOperation (a scheme or method the charger
  or server does not support), BadMessage (a URL that cannot be used).
Attempts are `retries + 1`, `retryInterval` apart (scaled), as for firmware downloads; only
the final failure is reported.

The file's content is a pure function of the charger's identity and options, its firmware
version, the log type and the window (`build_log`), so a test can rebuild it byte for byte.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import random
import re
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from ocpp.v16 import call as call16
from ocpp.v201 import call as call201

from ocpptui.protocol.timestamps import file_stamp, ocpp_timestamp, parse_utc, utc_now
from ocpptui.sim.aio import raise_if_cancelling
from ocpptui.sim.firmware import attempts_for
from ocpptui.sim.options import SimulatorOptions
from ocpptui.sim.transfer_client import TransferError, redact, upload, upload_url

if TYPE_CHECKING:
    from ocpptui.sim.host import ChargerHost

logger = logging.getLogger("ocpptui.sim")

UploadKind = Literal["diagnostics", "log"]
# The window a request without start/stop times covers.
DEFAULT_WINDOW = timedelta(hours=24)
_LINES = 72
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_FAILURE_STATUS = {
    "failed": "UploadFailure",
    "permission": "PermissionDenied",
    "unsupported": "NotSupportedOperation",
    "bad_url": "BadMessage",
}


@dataclass(frozen=True, slots=True)
class LogRequest:
    """A GetDiagnostics (kind "diagnostics") or GetLog (kind "log") request."""

    kind: UploadKind
    protocol_v16: bool
    location: str
    file_name: str
    log_type: str
    """"Diagnostics" for GetDiagnostics; "DiagnosticsLog" or "SecurityLog" for GetLog."""
    start: datetime
    stop: datetime
    request_id: int | None = None
    retries: int | None = None
    retry_interval: int | None = None


@dataclass(frozen=True, slots=True)
class DiagnosticsUpload:
    """What the charger uploaded for its last successful diagnostics/log upload."""

    url: str
    """Where it went (after applying the folder/file rule to the location)."""
    file_name: str
    size: int
    sha256: str
    log_type: str
    attempts: int


def log_file_name(identity: str, log_type: str, moment: datetime | None = None) -> str:
    """`diagnostics-<identity>-<utc>.log` (or securitylog-...), safe on any file system."""
    prefix = "securitylog" if log_type == "SecurityLog" else "diagnostics"
    safe_identity = _UNSAFE.sub("_", identity).strip("._") or "charger"
    return f"{prefix}-{safe_identity[:64]}-{file_stamp(moment or utc_now())}.log"


def get_log_request(
    identity: str,
    log: dict[str, Any],
    log_type: str,
    request_id: int,
    retries: int | None,
    retry_interval: int | None,
    *,
    protocol_v16: bool,
) -> LogRequest:
    """The upload a GetLog asks for: the same message in 1.6 (security extension) and 2.0.1."""
    start, stop = window(
        parse_utc(log.get("oldest_timestamp")), parse_utc(log.get("latest_timestamp"))
    )
    return LogRequest(
        kind="log",
        protocol_v16=protocol_v16,
        location=log["remote_location"],
        file_name=log_file_name(identity, log_type),
        log_type=log_type,
        start=start,
        stop=stop,
        request_id=request_id,
        retries=retries,
        retry_interval=retry_interval,
    )


def window(start: datetime | None, stop: datetime | None) -> tuple[datetime, datetime]:
    """The time window a request asks for; open ends default to the last 24 hours."""
    stop = stop or utc_now().replace(microsecond=0)
    start = start or stop - DEFAULT_WINDOW
    return start, stop


def status_payload(request: LogRequest, status: str) -> Any:
    if request.kind == "diagnostics":
        return call16.DiagnosticsStatusNotification(status=status)
    if request.protocol_v16:
        return call16.LogStatusNotification(status=status, request_id=request.request_id)
    # Also for 2.1, whose LogStatusNotification only adds an optional statusInfo: the library
    # sends a payload by class name and fields, checked against the connection's own schemas.
    return call201.LogStatusNotification(status=status, request_id=request.request_id)


def failure_status(request: LogRequest, error: TransferError) -> str:
    if request.kind == "diagnostics":
        return "UploadFailed"
    return _FAILURE_STATUS[error.kind]


# --- the file ----------------------------------------------------------------------------------

_DIAGNOSTIC_EVENTS = (
    ("INFO", "ocpp", "Heartbeat answered by the CSMS"),
    ("INFO", "ocpp", "StatusNotification connector {c}: Available"),
    ("INFO", "ocpp", "MeterValues sent for connector {c} ({w} Wh)"),
    ("INFO", "evse", "connector {c}: cable plugged in, EV state B"),
    ("INFO", "evse", "connector {c}: charging at {a} A on {p} phase(s)"),
    ("INFO", "evse", "connector {c}: EV state C -> B, charging paused by EV"),
    ("INFO", "auth", "connector {c}: tag {t} authorized (Accepted)"),
    ("INFO", "system", "temperature {temp} C, fan {fan} %"),
    ("INFO", "system", "uptime {up} s, free memory {mem} kB"),
    ("INFO", "meter", "L1 {v} V, L2 {v2} V, L3 {v3} V, frequency 50.0 Hz"),
    ("WARN", "network", "websocket ping unanswered, reconnecting in {s} s"),
    ("WARN", "evse", "connector {c}: RCD self-test took {ms} ms"),
    ("WARN", "system", "clock adjusted by {ms} ms from the CSMS time"),
    ("ERROR", "evse", "connector {c}: EV did not respond to PWM, retrying"),
)
_SECURITY_EVENTS = (
    ("INFO", "security", "StartupOfTheDevice"),
    ("INFO", "security", "SettingSystemTime (delta {ms} ms)"),
    ("INFO", "security", "ReconfigurationOfSecurityParameters"),
    ("WARN", "security", "InvalidCsmsCertificate presented by the CSMS"),
    ("INFO", "security", "ResetOrReboot (RemoteReset)"),
    ("WARN", "security", "FailedToAuthenticateAtCsms (HTTP 401)"),
    ("INFO", "security", "TamperDetectionActivated: cover opened"),
    ("INFO", "security", "MemoryExhaustion check passed"),
)


def build_log(
    identity: str,
    options: SimulatorOptions,
    firmware_version: str,
    log_type: str,
    start: datetime,
    stop: datetime,
) -> bytes:
    """A few kB of realistic log lines between `start` and `stop`, the same for the same input."""
    start, stop = start.astimezone(UTC), stop.astimezone(UTC)
    header = [
        f"# {options.vendor} {options.model} {log_type.lower()} log",
        f"# identity={identity} serial={options.serial} firmware={firmware_version} "
        f"protocol={options.protocol}",
        f"# window {ocpp_timestamp(start)} .. {ocpp_timestamp(stop)}",
    ]
    span = (stop - start).total_seconds()
    if span <= 0:
        return ("\n".join([*header, "# no entries in this window"]) + "\n").encode()
    seed = zlib.crc32(f"{identity}|{log_type}|{start.isoformat()}|{stop.isoformat()}".encode())
    rng = random.Random(seed)
    events = _SECURITY_EVENTS if log_type == "SecurityLog" else _DIAGNOSTIC_EVENTS
    offsets = sorted(rng.uniform(0, span) for _ in range(_LINES))
    lines = list(header)
    for offset in offsets:
        level, source, template = rng.choice(events)
        text = template.format(
            c=rng.randint(1, options.connectors),
            w=rng.randint(1_500_000, 1_600_000),
            a=round(rng.uniform(6, options.max_current_a), 1),
            p=options.phases,
            t=f"{rng.getrandbits(32):08X}",
            temp=round(rng.uniform(18, 45), 1),
            fan=rng.randint(0, 100),
            up=rng.randint(60, 9_000_000),
            mem=rng.randint(20_000, 60_000),
            v=round(rng.uniform(225, 235), 1),
            v2=round(rng.uniform(225, 235), 1),
            v3=round(rng.uniform(225, 235), 1),
            s=rng.choice((5, 10, 20, 40)),
            ms=rng.randint(5, 900),
        )
        moment = start + timedelta(seconds=offset)
        lines.append(f"{ocpp_timestamp(moment)} {level:<5} {source:<8} {text}")
    return ("\n".join(lines) + "\n").encode()


# --- the upload job ----------------------------------------------------------------------------


class LogUploadJob:
    """One diagnostics/log upload: build the file, upload it with retries, report."""

    def __init__(self, charger: ChargerHost, request: LogRequest) -> None:
        self.charger = charger
        self.request = request
        self.options = charger.options

    async def report(self, status: str) -> None:
        await self.charger.report_log_status(self.request, status)

    async def run(self) -> None:
        request = self.request
        options = self.options
        data = build_log(
            self.charger.identity,
            options,
            self.charger.firmware_version,
            request.log_type,
            request.start,
            request.stop,
        )
        target = upload_url(request.location, request.file_name)
        attempts = attempts_for(request.retries, options.transfer_retries)
        interval = (
            request.retry_interval
            if request.retry_interval is not None
            else options.transfer_retry_interval
        )
        await self.report("Uploading")
        for attempt in range(1, attempts + 1):
            try:
                await self._upload_once(target, data)
            except TransferError as error:
                raise_if_cancelling()
                logger.warning(
                    "%s: upload %d/%d of %s to %s failed: %s",
                    self.charger.identity,
                    attempt,
                    attempts,
                    request.file_name,
                    redact(target),
                    error,
                )
                if not error.retryable or attempt == attempts:
                    await self.report(failure_status(request, error))
                    return
                await asyncio.sleep(options.scaled(max(0, interval)))
                continue
            self.charger.diagnostics_uploaded(
                DiagnosticsUpload(
                    url=target,
                    file_name=request.file_name,
                    size=len(data),
                    sha256=hashlib.sha256(data).hexdigest(),
                    log_type=request.log_type,
                    attempts=attempt,
                )
            )
            logger.info(
                "%s: uploaded %s (%d bytes) to %s",
                self.charger.identity,
                request.file_name,
                len(data),
                redact(target),
            )
            await self.report("Uploaded")
            return

    async def _upload_once(self, target: str, data: bytes) -> None:
        failure = self.options.upload_failure
        if failure == "permission":
            raise TransferError("upload refused (upload_failure='permission')", "permission")
        if failure == "upload":
            raise TransferError("upload failed (upload_failure='upload')")
        times = 2 if self.options.has_quirk("fetches-twice") else 1
        for _ in range(times):
            await upload(
                target,
                data,
                timeout=self.options.transfer_timeout,
                tls_verify=self.options.transfer_tls_verify,
            )
