"""Why a firmware download or a log upload does not happen, in plain words, with what to try.

A `TransferWatch` follows one offer of the file server (by its token) while a FirmwareUpdate
or DiagnosticsRequest runs. It keeps every request the server saw for the offer (`requests`)
and those from the charger's address that missed it (`stray_requests`), notes the statuses
the charger reports, and `findings()` turns all that into diagnoses. The rules, in the order
they are reported:

- ftp-data-port: an FTP login asked for the file but never opened the data connection (425):
  passive data ports blocked; names the range to open.
- wrong-login: the FTP/SFTP login was refused (PASS 530, SSH password): the charger does not
  use the URL's user and password as given.
- appended-name / folder-only / other-name / truncated: requests arrived for another path
  under the token: the charger added its own file name to a file-style URL (try the folder
  form), used the folder itself (try the file form), asked for another name, or cut the URL.
- silent-transfer: the charger reported Downloading/Uploading but no request for the offer
  arrived within `silence_seconds` (or it then reported a failure): it tries another address
  or port, or a firewall drops it.
- nothing-happened: no status and no request by the end of the retrieve window plus
  retries x retryInterval plus `grace_seconds`. 1.6 `retries=0` means a single attempt.
- other-url: the charger's address asked for a URL that is not this offer's.
- unexpected-address (informative): requests for the offer came from another address than
  the charger's OCPP connection.

Whether the charger lists the chosen scheme is said once, by the job, with the warning of
`transfer_schemes.scheme_choice` (the same words as the forms).
"""

from __future__ import annotations

import dataclasses
import ipaddress
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import quote, unquote, urlsplit

from ocpptui.services.file_server import (
    BoundPorts,
    FileServer,
    FileServerEvent,
    RequestLogged,
    RequestRefused,
    TransferAborted,
    TransferFinished,
    TransferProgress,
    TransferStarted,
    UploadReceived,
    masked_url,
)
from ocpptui.services.transfer_schemes import KEY_16

Kind = Literal["download", "upload"]
LocationForm = Literal["file", "folder"]

SILENCE_SECONDS = 30.0
"""How long after Downloading/Uploading a request should have reached the laptop."""
GRACE_SECONDS = 60.0
"""Slack after the retrieve time (and the retries) before "nothing happened" is said."""
TRANSFER_STATUSES = frozenset({"Downloading", "Uploading"})
FAILED_STATUSES = frozenset(
    {"DownloadFailed", "UploadFailed", "UploadFailure", "PermissionDenied", "BadMessage"}
)
# Requests that name a file to fetch or store; metadata probes (STAT before an upload,
# REALPATH, listing) do not count as the charger's attempt at the offer.
_FILE_METHODS = frozenset({"GET", "HEAD", "PUT", "POST", "RETR", "STOR", "APPE", "CWD", "OPEN"})
_LOGIN_METHODS = frozenset({"PASS", "LOGIN"})


@dataclass(frozen=True, slots=True)
class TransferRequest:
    """One request the file server saw: an HTTP request, an FTP command, an SFTP operation."""

    wall: float
    protocol: str
    client: str
    method: str
    path: str
    status: int
    """The protocol's own code: HTTP 200/404, FTP 226/550, SFTP 0 (OK) / 2 / 3 / 4."""
    bytes: int = 0
    duration: float = 0.0
    refused: str | None = None
    """The server's reason when it refused the request (wrong path, login, data connection)."""
    merged: bool = field(default=False, repr=False, compare=False)

    @property
    def ok(self) -> bool:
        if self.refused is not None:
            return False
        if self.protocol == "sftp":
            return self.status == 0
        return self.status < 400


@dataclass(frozen=True, slots=True)
class Finding:
    """One diagnosis: what happened and the next thing to try."""

    rule: str
    summary: str
    advice: str
    blocking: bool = True
    """True when it explains a transfer that does not happen; False for a remark."""

    @property
    def text(self) -> str:
        return f"{self.summary}: {self.advice}"


@dataclass
class TransferWatch:
    """What the file server and the charger said about one offer, and what it means."""

    file_server: FileServer
    token: str
    kind: Kind
    url: str
    """The URL sent to the charger (with its password; shown only through masked_url)."""
    scheme: str
    file_name: str | None
    """The name the URL carries: the offered image, or a file-form upload's name."""
    location_form: LocationForm = "file"
    charger_host: str | None = None
    key: str = KEY_16
    retries: int | None = None
    retry_interval: int | None = None
    retrieve_in: float = 0.0
    """Seconds from the request until the retrieve time (0: now)."""
    silence_seconds: float = SILENCE_SECONDS
    grace_seconds: float = GRACE_SECONDS
    clock: Callable[[], float] = field(default=lambda: 0.0)
    """Monotonic seconds (the hub's clock)."""
    wall_clock: Callable[[], float] = field(default=lambda: 0.0)

    requests: list[TransferRequest] = field(default_factory=list)
    stray_requests: list[TransferRequest] = field(default_factory=list)
    """Requests from the charger's address that did not reach this offer."""
    statuses: list[str] = field(default_factory=list)
    transfers_started: int = 0
    transfers_running: int = 0
    bytes_moved: int = 0
    completed: bool = False
    """A download of the whole file finished, or an upload was received."""
    last_request: float | None = None
    """When (monotonic) the last request or transfer event for the offer came."""

    def __post_init__(self) -> None:
        self.started = self.clock()
        self._transferring_since: float | None = None
        self._reported: set[str] = set()
        # As they were when the URL was made: the findings still read right after a stop.
        self._ports = self.file_server.ports
        self._host = urlsplit(self.url).hostname or self.file_server.advertise_host

    # ------------------------------------------------------------------ input

    def observe(self, event: FileServerEvent) -> TransferRequest | None:
        """Take one file server event; returns the request entry when it was one of ours."""
        if isinstance(event, RequestLogged | RequestRefused):
            entry = self._entry(event)
            if self.is_mine(event):
                self.last_request = self.clock()
                return _add(self.requests, entry)
            if self.charger_host and _same_host(event.client, self.charger_host):
                _add(self.stray_requests, entry)
            return None
        if isinstance(
            event, TransferStarted | TransferProgress | TransferFinished | TransferAborted
        ):
            if event.transfer.token != self.token:
                return None
            self.last_request = self.clock()
            if isinstance(event, TransferStarted):
                self.transfers_started += 1
                self.transfers_running += 1
            elif isinstance(event, TransferFinished):
                self.transfers_running = max(0, self.transfers_running - 1)
                self.bytes_moved = max(self.bytes_moved, event.transfer.offset + event.bytes_done)
                self.completed = self.completed or self.kind == "download"
            elif isinstance(event, TransferAborted):
                self.transfers_running = max(0, self.transfers_running - 1)
                self.bytes_moved = max(self.bytes_moved, event.transfer.offset + event.bytes_done)
            else:
                self.bytes_moved = max(self.bytes_moved, event.transfer.offset + event.bytes_done)
        elif isinstance(event, UploadReceived) and event.token == self.token:
            self.completed = True
        return None

    def is_mine(self, event: RequestLogged | RequestRefused) -> bool:
        return event.token == self.token or self.token in event.path

    def charger_status(self, status: str) -> None:
        """A status the charger reported for this transfer (FirmwareStatusNotification, ...)."""
        self.statuses.append(status)
        if status in TRANSFER_STATUSES and self._transferring_since is None:
            self._transferring_since = self.clock()

    def _entry(self, event: RequestLogged | RequestRefused) -> TransferRequest:
        if isinstance(event, RequestRefused):
            return TransferRequest(
                self.wall_clock(), event.protocol, event.client, event.method, event.path,
                event.status, refused=event.reason,
            )  # fmt: skip
        return TransferRequest(
            self.wall_clock(), event.protocol, event.client, event.method, event.path,
            event.status, event.bytes, event.duration,
        )  # fmt: skip

    # --------------------------------------------------------------- findings

    def new_findings(self) -> list[Finding]:
        """Findings not returned by an earlier call (for a timeline)."""
        fresh = [f for f in self.findings() if f.rule not in self._reported]
        self._reported.update(f.rule for f in fresh)
        return fresh

    def advice(self) -> str | None:
        """The first blocking finding as one sentence, or None."""
        for finding in self.findings():
            if finding.blocking:
                return finding.text
        return None

    def findings(self) -> list[Finding]:
        """Every diagnosis that holds now, most telling first."""
        now = self.clock()
        rules: list[Finding | None] = [
            self._disk_full(),
            self._data_connection(),
            self._login(),
            self._path(),
            self._silent_transfer(now),
            self._nothing_happened(now),
            self._other_url(),
            self._unexpected_address(),
        ]
        return [finding for finding in rules if finding is not None]

    def _disk_full(self) -> Finding | None:
        for request in self.requests:
            if request.refused is not None and "disk is full" in request.refused:
                return Finding(
                    "laptop-disk-full",
                    "the laptop's disk is full: the charger's upload could not be stored "
                    "(the partial file was removed)",
                    "free space on the laptop's disk (old session folders, ocpp-tui --paths) "
                    "and ask for the upload again",
                )
        return None

    def _data_connection(self) -> Finding | None:
        for request in self.requests:
            if request.protocol == "ftp" and request.status == 425:
                return Finding(
                    "ftp-data-port",
                    "the charger logged in over FTP and asked for the file, but never opened "
                    "the data connection",
                    "the laptop's firewall (or a NAT) blocks the FTP data ports: "
                    f"{self._data_ports()}, or use HTTP",
                )
        return None

    def _login(self) -> Finding | None:
        candidates = [r for r in self.requests if r.method in _LOGIN_METHODS and not r.ok]
        stray = [r for r in self.stray_requests if r.method in _LOGIN_METHODS and not r.ok]
        logged_in = any(r.method in _LOGIN_METHODS and r.ok for r in self.requests)
        what = "SFTP" if self.scheme == "sftp" else "FTP"
        if candidates and not logged_in:
            return Finding(
                "wrong-login",
                f"the charger's {what} login was refused (right user, wrong password)",
                "it does not send the URL's password as given (some chargers cut it at "
                "special characters or use a password from their own settings); check the "
                f"charger's {what} settings, or use HTTP, which needs no login",
            )
        if stray and not self.requests:
            return Finding(
                "wrong-login",
                f"a {what} login from the charger's address was refused (another user than "
                "the URL's)",
                f"it takes its {what} user and password from its own settings, not from the "
                "URL; set them there, or use HTTP",
            )
        return None

    def _path(self) -> Finding | None:
        for request in self.requests:
            if request.ok or (request.method not in _FILE_METHODS and request.protocol != "http"):
                continue
            rest = self._rest_of(request.path)
            finding = self._path_finding(request, rest)
            if finding is not None:
                return finding
        return None

    def _rest_of(self, path: str) -> list[str]:
        """The path's segments after the token (all of them for a path relative to it)."""
        raw = path.split("?", 1)[0]
        if "://" in raw:
            raw = urlsplit(raw).path
        segments = [unquote(s) for s in raw.split("/") if s]
        if self.token in segments:
            return segments[segments.index(self.token) + 1 :]
        return segments

    def _path_finding(self, request: TransferRequest, rest: list[str]) -> Finding | None:
        shown = "/".join(rest)
        folder, file = self._forms()
        if request.method == "CWD":
            # It changes into the location to store or fetch its own file name there.
            if rest and self.location_form == "file":
                return Finding(
                    "appended-name",
                    f"the charger takes the file URL for a folder (it changed into …/{shown})",
                    f"send the folder form {folder}"
                    + (
                        " with the image offered under the name it asks for"
                        if self.kind == "download"
                        else ""
                    ),
                )
            return None
        if len(rest) >= 2:
            appended = rest[-1]
            if self.kind == "upload":
                return Finding(
                    "appended-name",
                    f"the charger added its own file name '{appended}' to the location (…/{shown})",
                    f"send the folder form {folder} (it adds the file name itself)",
                )
            return Finding(
                "appended-name",
                f"the charger added its own file name '{appended}' to the file URL "
                f"(…/{shown}), so it takes the location for a folder",
                f"send the folder form {folder} with the image offered as '{appended}'",
            )
        if not rest:
            if self.kind == "upload":
                if self.location_form == "folder" and request.protocol != "http":
                    return Finding(
                        "folder-only",
                        "the charger wrote to the folder itself, without a file name: it "
                        "takes the location as the full file URL",
                        f"send the file form {file}",
                    )
                return None
            if self.location_form == "folder":
                return Finding(
                    "folder-only",
                    "the charger fetched the folder URL as it is: it takes the location as "
                    "the full file URL",
                    f"send the file form {file}",
                )
            return Finding(
                "folder-only",
                "the charger asked for the folder …/<token>/ instead of the file: it dropped "
                "the file name from the URL",
                f"send the folder form {folder} and check the charger's logs for the name it wants",
            )
        name = rest[0]
        if self.kind == "download" and self.file_name and name != self.file_name:
            if self.file_name.startswith(name):
                return Finding(
                    "truncated",
                    f"the charger asked for '{name}', the start of '{self.file_name}': it "
                    f"cut the URL short (it is {len(self.url)} characters)",
                    "offer the image under a shorter name, or use the laptop's address "
                    "without a long host name",
                )
            return Finding(
                "other-name",
                f"the charger asked for '{name}' instead of '{self.file_name}'",
                f"offer the image as '{name}' (it builds the file name itself) and send the "
                f"folder form {folder}",
            )
        return None

    def _silent_transfer(self, now: float) -> Finding | None:
        if self._transferring_since is None or self.requests or self.transfers_started:
            return None
        failed = next((s for s in self.statuses if s in FAILED_STATUSES), None)
        waited = now - self._transferring_since
        if failed is None and waited < self.silence_seconds:
            return None
        said = next(s for s in self.statuses if s in TRANSFER_STATUSES)
        when = f"then {failed}" if failed else f"{_seconds(waited)} ago"
        return Finding(
            "silent-transfer",
            f"the charger reported {said} ({when}) but never contacted the file server "
            f"for this {'file' if self.kind == 'download' else 'upload'}",
            "it is probably trying another address or port, or a firewall drops it; check "
            f"that {self._reachability()}{self._stray_hint()}",
        )

    def _nothing_happened(self, now: float) -> Finding | None:
        if self.statuses or self.requests or self.transfers_started:
            return None
        window = self.retrieve_in + self.grace_seconds + self._retry_time()
        if now - self.started < window:
            return None
        advice = (
            "check the charger's clock (it waits for the retrieve time by its own clock), "
            f"that {self._reachability()}, and that it takes {self.scheme.upper()} "
            f"({self.key})"
        )
        if self.retries == 0:
            advice += "; it will not try again by itself, so send a new request"
        return Finding(
            "nothing-happened",
            f"nothing happened within {_seconds(window)} ({self._attempts_text()}): the charger "
            "reported no status and never contacted the file server",
            advice + self._stray_hint(),
        )

    def _other_url(self) -> Finding | None:
        refused = [r for r in self.stray_requests if not r.ok and r.method not in _LOGIN_METHODS]
        if not refused or self.requests:
            return None
        request = refused[0]
        return Finding(
            "other-url",
            f"the charger's address asked for {request.protocol.upper()} {request.method} "
            f"{request.path}, which is not this offer's URL ({request.refused or request.status})",
            "it may still be working on an earlier request, or it changes the URL: check "
            "the location it stored (its own log), and that nothing else at that address "
            "uses the laptop's file server",
            blocking=not self.requests,
        )

    def _unexpected_address(self) -> Finding | None:
        if not self.charger_host:
            return None
        others = sorted(
            {r.client for r in self.requests if not _same_host(r.client, self.charger_host)}
        )
        if not others:
            return None
        return Finding(
            "unexpected-address",
            f"requests for this offer came from {', '.join(others)}, but the charger's OCPP "
            f"connection comes from {self.charger_host}",
            "fine if that is the charger's other interface or a NAT on the way; otherwise "
            "someone else has the URL, so stop the transfer",
            blocking=False,
        )

    # ---------------------------------------------------------------- wording

    def _forms(self) -> tuple[str, str]:
        """(folder form, file form) of the URL, for display."""
        parts = urlsplit(self.url)
        folder_path = f"/{self.token}/"
        name = self.file_name or "<file name>"
        folder = parts._replace(path=folder_path).geturl()
        file = parts._replace(path=folder_path + quote(name)).geturl()
        return masked_url(folder), masked_url(file)

    def _attempts_text(self) -> str:
        if self.retries is None:
            return "as many attempts as the charger makes by itself"
        if self.retries == 0:
            return "one attempt: retries=0 means no retry"
        interval = f", {self.retry_interval} s apart" if self.retry_interval else ""
        return f"{self.retries + 1} attempts{interval}"

    def _retry_time(self) -> float:
        return float((self.retries or 0) * (self.retry_interval or 0))

    def _reachability(self) -> str:
        return (
            f"the charger reaches {self._host} (same network; the laptop's firewall lets in "
            f"{firewall_ports(self._ports, self.scheme)})"
        )

    def _data_ports(self) -> str:
        ports = self._ports
        if ports.ftp_passive:
            return f"open TCP {_port_list(ports.ftp_passive)} as well as {ports.ftp}"
        return "the data port is random: set [files] ftp_passive_ports to a range and open it"

    def _stray_hint(self) -> str:
        if not self.stray_requests:
            return ""
        request = self.stray_requests[-1]
        return (
            f" (the charger's address did reach the laptop: {request.protocol.upper()} "
            f"{request.method} {request.path})"
        )


def firewall_ports(ports: BoundPorts, scheme: str) -> str:
    """The inbound TCP ports a scheme needs, e.g. "TCP 2121 and 30000-30009"."""
    if scheme == "ftp" and ports.ftp:
        if ports.ftp_passive:
            return f"TCP {ports.ftp} and {_port_list(ports.ftp_passive)}"
        return f"TCP {ports.ftp} and the FTP data ports"
    port = {"https": ports.https, "sftp": ports.sftp}.get(scheme, ports.http)
    return f"TCP {port}"


def location_url(url: str, form: LocationForm, name: str) -> str:
    """The URL in the wanted form: `…/<token>/` (folder) or `…/<token>/<name>` (file)."""
    base = url[: url.rindex("/") + 1]
    return base if form == "folder" else base + quote(name)


def _add(entries: list[TransferRequest], entry: TransferRequest) -> TransferRequest:
    """Append, merging the log line of a request the server refused into its refusal.

    HTTP and FTP report a refused request twice (the refusal with its reason, then the
    request-log line with its status); the list shows it once.
    """
    for index in range(len(entries) - 1, max(len(entries) - 6, -1), -1):
        earlier = entries[index]
        if (
            entry.refused is None
            and earlier.refused is not None
            and not earlier.merged
            and (earlier.protocol, earlier.client, earlier.method, earlier.path, earlier.status)
            == (entry.protocol, entry.client, entry.method, entry.path, entry.status)
        ):
            merged = dataclasses.replace(
                earlier, bytes=entry.bytes, duration=entry.duration, merged=True
            )
            entries[index] = merged
            return merged
    entries.append(entry)
    return entry


def _port_list(ports: tuple[int, ...]) -> str:
    """`30000-30009` for a range, else the ports one by one."""
    ordered = sorted(ports)
    if ordered == list(range(ordered[0], ordered[-1] + 1)):
        return f"{ordered[0]}-{ordered[-1]}" if len(ordered) > 1 else str(ordered[0])
    return ", ".join(map(str, ordered))


def _seconds(value: float) -> str:
    return f"{value:.0f} s" if value >= 10 else f"{value:.1f} s"


def _same_host(a: str, b: str) -> bool:
    try:
        first, second = ipaddress.ip_address(a), ipaddress.ip_address(b)
    except ValueError:
        return a == b
    first = getattr(first, "ipv4_mapped", None) or first
    second = getattr(second, "ipv4_mapped", None) or second
    return first == second
