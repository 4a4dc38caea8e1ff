"""FileServer: the laptop's HTTP(S), FTP and SFTP server for firmware images and charger uploads."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from ocpptui.services.network import local_ipv4_addresses

from .budgets import UploadBudget
from .events import EventBus, FileServerEvent, RequestLogged, RequestRefused
from .limits import ConnectionCounter, ConnectionLimits
from .names import url_file_name
from .offers import (
    Offer,
    OfferRegistry,
    UploadOffer,
    hash_file,
    new_credentials,
    new_token,
    url_host,
)

if TYPE_CHECKING:
    from .sftp import SftpFrontend

DEFAULT_HTTP_PORT = 8080
DEFAULT_HTTPS_PORT = 8443
DEFAULT_FTP_PORT = 2121
DEFAULT_SFTP_PORT = 2222
DEFAULT_FTP_PASSIVE_PORTS = range(30000, 30010)
"""Ten data ports: one per simultaneous FTP client, few enough to open in a firewall."""
DEFAULT_MAX_UPLOAD_BYTES = 200 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class BoundPorts:
    """The ports the server listens on, for the URLs and for the laptop's firewall."""

    http: int
    https: int | None
    ftp: int | None
    ftp_passive: tuple[int, ...]
    """FTP data ports (empty: any port the system picks)."""
    sftp: int | None = None


class FileServer:
    """Serves offered files and receives uploads, over HTTP(S), FTP and SFTP, on the event loop.

    Every offer has its own unguessable token in its URLs; nothing else on disk is
    reachable. Subscribers get transfer progress and a log entry for every request.
    """

    def __init__(
        self,
        *,
        advertise_host: str | None = None,
        bind_host: str = "0.0.0.0",
        http_port: int = DEFAULT_HTTP_PORT,
        https_port: int = DEFAULT_HTTPS_PORT,
        ftp_port: int = DEFAULT_FTP_PORT,
        ftp_passive_ports: Sequence[int] | None = DEFAULT_FTP_PASSIVE_PORTS,
        upload_dir: Path | None = None,
        max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES,
        ssl_context: ssl.SSLContext | None = None,
        enable_ftp: bool = True,
        enable_sftp: bool = False,
        sftp_port: int = DEFAULT_SFTP_PORT,
        sftp_host_key_folder: Path | None = None,
        limits: ConnectionLimits | None = None,
    ) -> None:
        """`advertise_host` is the address put in URLs (default: `bind_host` when it is a
        specific address, else the laptop's first non-loopback IPv4). Port 0 picks a free
        port; `https_port` is used only with an `ssl_context`. SFTP is off unless enabled;
        its host keys are made once in `sftp_host_key_folder` (None: new ones each start).
        `limits`: connections per address and in all, request and idle timeouts."""
        self.bind_host = bind_host
        self.advertise_host = advertise_host or _default_advertise_host(bind_host)
        #: True when the address was given (`[files] advertise_host`), not guessed: it then
        #: wins over the address a charger's connection came in on.
        self.advertise_host_set = bool(advertise_host)
        self.upload_dir = upload_dir
        self.max_upload_bytes = max_upload_bytes
        self._ports_wanted = (http_port, https_port, ftp_port, sftp_port)
        self._passive_ports = tuple(ftp_passive_ports) if ftp_passive_ports is not None else ()
        self._ssl_context = ssl_context
        self._events = EventBus()
        self._registry = OfferRegistry()
        self.limits = limits or ConnectionLimits()
        counter = ConnectionCounter(self.limits)
        # aiohttp and aioftp take ~0.35 s to import: loaded with the first FileServer, not
        # with the app (it makes one only when a transfer is first offered).
        from .ftp import FtpFrontend
        from .http import HttpFrontend

        self._http = HttpFrontend(self._registry, self._events, counter)
        self._ftp = (
            FtpFrontend(self._registry, self._events, ftp_passive_ports, counter)
            if enable_ftp
            else None
        )
        self._sftp: SftpFrontend | None = None
        if enable_sftp:
            from .sftp import SftpFrontend  # asyncssh takes ~0.5 s to import: only when used

            self._sftp = SftpFrontend(self._registry, self._events, sftp_host_key_folder, counter)
        self._ports: BoundPorts | None = None

    # --------------------------------------------------------------- lifecycle

    async def start(self) -> BoundPorts:
        """Listen on every port; returns the ports actually bound."""
        if self._ports is not None:
            return self._ports
        http_port, https_port, ftp_port, sftp_port = self._ports_wanted
        bound_http, bound_https = await self._http.start(
            self.bind_host, http_port, https_port, self._ssl_context
        )
        bound_ftp = bound_sftp = None
        try:
            if self._ftp is not None:
                bound_ftp = await self._ftp.start(self.bind_host, ftp_port)
            if self._sftp is not None:
                bound_sftp = await self._sftp.start(self.bind_host, sftp_port)
        except BaseException:
            await self._http.stop()
            if self._ftp is not None:
                await self._ftp.stop()
            raise
        self._ports = BoundPorts(
            bound_http, bound_https, bound_ftp, self._passive_ports, bound_sftp
        )
        return self._ports

    async def stop(self) -> None:
        """Close every listener and connection (running transfers end as aborted)."""
        self._ports = None
        self._registry.clear()
        await self._http.stop()
        if self._ftp is not None:
            await self._ftp.stop()
        if self._sftp is not None:
            await self._sftp.stop()

    async def __aenter__(self) -> FileServer:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def ports(self) -> BoundPorts:
        self._require_running()
        assert self._ports is not None
        return self._ports

    @property
    def running(self) -> bool:
        return self._ports is not None

    @property
    def sftp_host_key_fingerprints(self) -> list[str]:
        """SHA256 fingerprints of the SFTP host keys (for chargers that check them)."""
        return list(self._sftp.fingerprints) if self._sftp is not None else []

    # ------------------------------------------------------------------ offers

    def offer_file(self, path: Path, *, name: str | None = None, host: str | None = None) -> Offer:
        """Offer a file for download. Hashes it here: for big files use `offer_file_async`.

        `host` is the address its URLs carry (default: `advertise_host`)."""
        self._require_running()
        resolved = _regular_file(path)
        size, sha256 = hash_file(resolved)
        return self._add_file_offer(resolved, name, size, sha256, host)

    async def offer_file_async(
        self, path: Path, *, name: str | None = None, host: str | None = None
    ) -> Offer:
        """Offer a file for download, hashing it in a worker thread."""
        self._require_running()
        resolved = _regular_file(path)
        size, sha256 = await asyncio.to_thread(hash_file, resolved)
        return self._add_file_offer(resolved, name, size, sha256, host)

    def offer_upload(
        self, directory: Path | None = None, *, label: str = "", host: str | None = None
    ) -> UploadOffer:
        """Accept uploads into `directory` (default: the server's `upload_dir`); `host` as
        for `offer_file`."""
        self._require_running()
        target = directory or self.upload_dir
        if target is None:
            raise ValueError("no folder for uploads: pass one or set upload_dir")
        target.mkdir(parents=True, exist_ok=True)
        token = new_token()
        offer = UploadOffer(token, label, target, **self._access(token, "", host))
        self._registry.add(offer, UploadBudget(self.max_upload_bytes))
        return offer

    def withdraw(self, token: str) -> bool:
        """Stop offering; new requests for the token are refused. Running downloads go on;
        running uploads stop (their partial files removed) at their next chunk."""
        if self._ftp is not None:
            self._ftp.forget(token)
        if self._sftp is not None:
            self._sftp.forget(token)
        return self._registry.remove(token) is not None

    @property
    def offers(self) -> list[Offer]:
        return self._registry.files()

    # ------------------------------------------------------------------ events

    def subscribe(self, callback: Callable[[FileServerEvent], None]) -> Callable[[], None]:
        """Call `callback` with every event, on the event loop; returns the unsubscriber."""
        return self._events.subscribe(callback)

    @property
    def recent_requests(self) -> list[RequestLogged | RequestRefused]:
        """The last thousand request-log and refusal events, oldest first."""
        return list(self._events.requests)

    # ---------------------------------------------------------------- helpers

    def _require_running(self) -> None:
        if self._ports is None:
            raise RuntimeError("start() the file server before offering: URLs need its ports")

    def _add_file_offer(
        self, path: Path, name: str | None, size: int, sha256: str, host: str | None
    ) -> Offer:
        file_name = url_file_name(name or path.name)
        token = new_token()
        offer = Offer(token, path, file_name, size, sha256, **self._access(token, file_name, host))
        self._registry.add(offer)
        return offer

    def _access(self, token: str, file_name: str, host: str | None) -> dict[str, str | None]:
        """A new offer's URLs and fresh login: the `OfferAccess` fields, as keywords."""
        credentials = new_credentials()
        user, password = credentials.user, credentials.password
        ports = self.ports
        host = url_host(host or self.advertise_host)
        tail = f"/{token}/{file_name}"
        return {
            "http_url": f"http://{host}:{ports.http}{tail}",
            "https_url": f"https://{host}:{ports.https}{tail}" if ports.https is not None else None,
            "ftp_url": f"ftp://{user}:{password}@{host}:{ports.ftp}{tail}" if ports.ftp else None,
            "ftp_user": user,
            "ftp_password": password,
            "sftp_url": (
                f"sftp://{user}:{password}@{host}:{ports.sftp}{tail}" if ports.sftp else None
            ),
        }


def _regular_file(path: Path) -> Path:
    resolved = Path(path).resolve(strict=True)
    if not resolved.is_file():
        raise IsADirectoryError(f"not a regular file: {path}")
    return resolved


def _default_advertise_host(bind_host: str) -> str:
    if bind_host not in ("", "0.0.0.0", "::"):
        return bind_host
    addresses = local_ipv4_addresses()
    return addresses[0].address if addresses else "127.0.0.1"
