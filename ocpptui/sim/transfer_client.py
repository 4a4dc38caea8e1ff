"""The charger's side of file transfers: download a firmware image, upload a log file.

HTTP(S) runs on aiohttp's client and FTP on aioftp's, in passive mode (EPSV, then PASV) with
the user and password the URL carries (`ftp://user:password@host:port/path`), as chargers in
the field do. SFTP runs on asyncssh's client with the URL's user and password (port 22 by
default) and, like most chargers (`SftpUseStrictHostChecking` off), checks no host key.
FTP waits are bounded with `asyncio.timeout()` rather than aioftp's own `wait_for`-based
timeouts, which can lose a cancellation on Python 3.11 (see `sim.aio`).

Where an upload goes (`upload_url`) follows what chargers do with a `location`:
- http(s) ending in `/` is a folder: the file is PUT to `<location><fileName>`;
  any other http(s) location is the full file URL and is PUT to as is;
- ftp is always a folder: the file is stored as `<path>/<fileName>` (STOR), with or without
  the trailing `/` (`ftp://user:pass@host/folder` is the form reported to work in the field);
- sftp follows curl (`curl -T`), as http(s) does: a folder when it ends in `/`, else the file.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Literal
from urllib.parse import quote, unquote, urlsplit, urlunsplit

import aioftp
import aiohttp

logger = logging.getLogger("ocpptui.sim")

SCHEMES = ("http", "https", "ftp", "sftp")
_BLOCK = 64 * 1024
# The first bytes of a download are kept to read the image header (`sim.firmware`).
HEAD_BYTES = 256

FailureKind = Literal["failed", "permission", "unsupported", "bad_url"]


class TransferError(Exception):
    """A download or upload attempt failed; `kind` says how, for the status to report.

    `failed`: network, server error, missing file (worth retrying); `permission`: the server
    refused the credentials or the operation (401/403, FTP 530); `unsupported`: a scheme or
    operation the charger or server does not support; `bad_url`: the URL cannot be used.
    Only `failed` and `permission` are retried.
    """

    def __init__(self, message: str, kind: FailureKind = "failed") -> None:
        super().__init__(message)
        self.kind: FailureKind = kind

    @property
    def retryable(self) -> bool:
        return self.kind in ("failed", "permission")


@dataclass(frozen=True, slots=True)
class DownloadedFile:
    """A file a download wrote to disk."""

    path: Path
    size: int
    sha256: str
    head: bytes = field(repr=False)
    """Its first bytes (up to HEAD_BYTES)."""


@dataclass(frozen=True, slots=True)
class FtpAddress:
    host: str
    port: int
    user: str
    password: str = field(repr=False)
    path: str


def scheme_of(url: str) -> str:
    return urlsplit(url).scheme.lower()


def check_url(url: str) -> None:
    """Raise TransferError when the charger cannot even try `url`."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - a bad port raises here
    except ValueError as error:
        raise TransferError(f"malformed URL: {error}", "bad_url") from None
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        shown = scheme or "no scheme"
        raise TransferError(f"{shown} is not supported (FTP, HTTP, HTTPS, SFTP are)", "unsupported")
    if not parts.hostname:
        raise TransferError("no host in the URL", "bad_url")


def redact(url: str) -> str:
    """`url` with its password replaced, for logs."""
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        return "<malformed URL>"
    if password is None:
        return url
    user_info, _, host = parts.netloc.rpartition("@")
    user = user_info.split(":", 1)[0]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))


def file_name_of(url: str) -> str:
    """The percent-decoded last path segment of `url` ('' when it ends with '/')."""
    try:
        path = urlsplit(url).path
    except ValueError:
        return ""
    return unquote(path.rpartition("/")[2])


def upload_url(location: str, file_name: str) -> str:
    """The URL a file named `file_name` is uploaded to, for a GetDiagnostics/GetLog location."""
    parts = urlsplit(location)
    scheme = parts.scheme.lower()
    if scheme == "ftp":
        folder = parts.path.rstrip("/")
        return urlunsplit(parts._replace(path=f"{folder}/{quote(file_name)}"))
    if parts.path.endswith("/"):
        return urlunsplit(parts._replace(path=parts.path + quote(file_name)))
    if not parts.path and scheme in ("http", "https", "sftp"):
        return urlunsplit(parts._replace(path="/" + quote(file_name)))
    return location


def ftp_address(url: str) -> FtpAddress:
    parts = urlsplit(url)
    sftp = parts.scheme.lower() == "sftp"
    path = unquote(parts.path) or "/"
    if sftp and path.startswith("/~/"):
        path = path[3:] or "."  # curl's form for a path in the login's home folder
    return FtpAddress(
        host=parts.hostname or "",
        port=parts.port or (22 if sftp else 21),
        user=unquote(parts.username) if parts.username else "anonymous",
        password=unquote(parts.password) if parts.password is not None else "anon@",
        path=path,
    )


# --- one attempt, whichever the direction ------------------------------------------------------


async def _attempt(
    url: str,
    *,
    ftp: Callable[[FtpAddress], Awaitable[None]],
    sftp: Callable[[FtpAddress], Awaitable[None]],
    http: Callable[[], Awaitable[None]],
) -> None:
    """Run the transfer for the URL's scheme; any failure comes out as a TransferError.

    Downloads and uploads pick the client and classify failures alike, so the status a job
    reports for a broken attempt does not depend on the direction.
    """
    try:
        scheme = scheme_of(url)
        if scheme == "ftp":
            await ftp(ftp_address(url))
        elif scheme == "sftp":
            await sftp(ftp_address(url))
        else:
            await http()
    except TransferError:
        raise
    except Exception as error:  # whatever breaks an attempt must end as a failed attempt
        raise TransferError(_describe(error), classify_ftp(error)) from error


# --- downloads ---------------------------------------------------------------------------------


async def download(
    url: str, destination: Path, *, timeout: float, tls_verify: bool = True
) -> DownloadedFile:
    """Fetch `url` into `destination` (overwritten), hashing it on the way.

    `timeout` bounds connecting and each wait for data, not the whole transfer: a big image
    over a slow link may take as long as it needs while bytes keep coming.
    """
    check_url(url)
    with destination.open("wb") as file:
        sink = _HashingSink(file)
        await _attempt(
            url,
            ftp=lambda address: _ftp_download(address, sink, timeout),
            sftp=lambda address: _sftp_download(address, sink, timeout),
            http=lambda: _http_download(url, sink, timeout, tls_verify),
        )
    return DownloadedFile(destination, sink.size, sink.digest.hexdigest(), bytes(sink.head))


class _HashingSink:
    def __init__(self, file: object) -> None:
        self._file = file
        self.size = 0
        self.digest = hashlib.sha256()
        self.head = bytearray()

    def write(self, block: bytes) -> None:
        self._file.write(block)  # type: ignore[attr-defined]
        self.digest.update(block)
        self.size += len(block)
        if len(self.head) < HEAD_BYTES:
            self.head += block[: HEAD_BYTES - len(self.head)]


async def _http_download(url: str, sink: _HashingSink, timeout: float, tls_verify: bool) -> None:
    client_timeout = aiohttp.ClientTimeout(total=None, sock_connect=timeout, sock_read=timeout)
    async with (
        aiohttp.ClientSession(timeout=client_timeout) as session,
        session.get(url, ssl=tls_verify) as response,
    ):
        if response.status != 200:
            kind: FailureKind = "permission" if response.status in (401, 403) else "failed"
            raise TransferError(f"HTTP {response.status} {response.reason or ''}".strip(), kind)
        while block := await response.content.read(_BLOCK):
            sink.write(block)


async def _ftp_download(address: FtpAddress, sink: _HashingSink, timeout: float) -> None:
    async with _ftp_stream(
        address, timeout, lambda client: client.download_stream(address.path)
    ) as stream:
        while True:
            async with asyncio.timeout(timeout):
                block = await stream.read(_BLOCK)
            if not block:
                break
            sink.write(block)


# --- uploads -----------------------------------------------------------------------------------


async def upload(url: str, data: bytes, *, timeout: float, tls_verify: bool = True) -> None:
    """Put `data` at `url` (HTTP PUT, or FTP STOR of the URL's path)."""
    check_url(url)
    await _attempt(
        url,
        ftp=lambda address: _ftp_upload(address, data, timeout),
        sftp=lambda address: _sftp_upload(address, data, timeout),
        http=lambda: _http_upload(url, data, timeout, tls_verify),
    )


async def _http_upload(url: str, data: bytes, timeout: float, tls_verify: bool) -> None:
    client_timeout = aiohttp.ClientTimeout(total=None, sock_connect=timeout, sock_read=timeout)
    async with (
        aiohttp.ClientSession(timeout=client_timeout) as session,
        session.put(
            url,
            data=data,
            headers={"Content-Type": "text/plain; charset=utf-8"},
            ssl=tls_verify,
        ) as response,
    ):
        if 200 <= response.status < 300:
            return
        kind: FailureKind = "failed"
        if response.status in (401, 403):
            kind = "permission"
        elif response.status in (405, 501):
            kind = "unsupported"
        elif response.status == 400:
            kind = "bad_url"
        raise TransferError(f"HTTP {response.status} {response.reason or ''}".strip(), kind)


async def _ftp_upload(address: FtpAddress, data: bytes, timeout: float) -> None:
    async with _ftp_stream(
        address, timeout, lambda client: client.upload_stream(PurePosixPath(address.path))
    ) as stream:
        view = memoryview(data)
        for offset in range(0, len(data), _BLOCK):
            async with asyncio.timeout(timeout):
                await stream.write(bytes(view[offset : offset + _BLOCK]))


# --- SFTP --------------------------------------------------------------------------------------


async def _sftp_download(address: FtpAddress, sink: _HashingSink, timeout: float) -> None:
    async with _sftp_file(address, timeout, "rb") as remote:
        offset = 0
        while True:
            async with asyncio.timeout(timeout):
                block = await remote.read(_BLOCK, offset)
            if not block:
                break
            sink.write(block)
            offset += len(block)


async def _sftp_upload(address: FtpAddress, data: bytes, timeout: float) -> None:
    async with _sftp_file(address, timeout, "wb") as remote:
        view = memoryview(data)
        for offset in range(0, len(data), _BLOCK):
            async with asyncio.timeout(timeout):
                await remote.write(bytes(view[offset : offset + _BLOCK]), offset)


@contextlib.asynccontextmanager
async def _sftp_file(address: FtpAddress, timeout: float, mode: str) -> AsyncIterator[Any]:
    """The remote file at the address's path, open in `mode`, closed however the transfer ends."""
    async with _sftp_session(address, timeout) as sftp:
        async with asyncio.timeout(timeout):
            remote = await sftp.open(address.path, mode)
        try:
            yield remote
        finally:
            # The server keeps the file once it is closed: closing after a failed write is
            # what a charger's SFTP library does too.
            async with asyncio.timeout(timeout):
                await remote.close()


@contextlib.asynccontextmanager
async def _sftp_session(address: FtpAddress, timeout: float) -> AsyncIterator[Any]:
    import asyncssh  # only when a charger uses SFTP: the import takes a while

    async with asyncio.timeout(timeout):
        connection = await asyncssh.connect(
            address.host,
            address.port,
            username=address.user,
            password=address.password,
            known_hosts=None,
            client_keys=None,
            agent_path=None,
            config=None,
            preferred_auth="password,keyboard-interactive",
        )
    try:
        async with asyncio.timeout(timeout):
            sftp = await connection.start_sftp_client()
        try:
            yield sftp
        finally:
            sftp.exit()
    finally:
        connection.close()
        with contextlib.suppress(Exception):
            async with asyncio.timeout(timeout):
                await connection.wait_closed()


# --- FTP helpers -------------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def _ftp_stream(
    address: FtpAddress,
    timeout: float,
    open_stream: Callable[[aioftp.Client], Awaitable[Any]],
) -> AsyncIterator[Any]:
    """A logged-in client's data stream (`open_stream`) for one transfer.

    The file counts as complete only once the server confirmed it (`finish`); a transfer that
    breaks (or is cancelled) closes the stream without waiting for that answer.
    """
    client = await _ftp_login(address, timeout)
    try:
        async with asyncio.timeout(timeout):
            stream = await open_stream(client)
        try:
            yield stream
        except BaseException:
            stream.close()
            raise
        async with asyncio.timeout(timeout):
            await stream.finish()
        await _ftp_quit(client, timeout)
    finally:
        client.close()


async def _ftp_login(address: FtpAddress, timeout: float) -> aioftp.Client:
    client = aioftp.Client()
    try:
        async with asyncio.timeout(timeout):
            await client.connect(address.host, address.port)
            await client.login(address.user, address.password)
    except BaseException:
        client.close()
        raise
    return client


async def _ftp_quit(client: aioftp.Client, timeout: float) -> None:
    # The file is complete once the server confirmed it; a failing QUIT changes nothing.
    try:
        async with asyncio.timeout(timeout):
            await client.quit()
    except (aioftp.AIOFTPException, OSError, TimeoutError) as error:
        logger.debug("FTP QUIT failed: %r", error)


def _describe(error: BaseException) -> str:
    sftp_reason = _sftp_reason(error)
    if sftp_reason is not None:
        return sftp_reason
    if isinstance(error, aioftp.StatusCodeError):
        codes = ",".join(str(code) for code in error.received_codes)
        info = " ".join(str(line) for line in error.info).strip()
        return f"FTP {codes} {info}".strip()
    if isinstance(error, TimeoutError):
        return "timed out"
    return f"{type(error).__name__}: {error}"


def _sftp_reason(error: BaseException) -> str | None:
    asyncssh = sys.modules.get("asyncssh")
    if asyncssh is None:
        return None
    if isinstance(error, asyncssh.SFTPError):
        return f"SFTP {error.code} {error.reason}".strip()
    if isinstance(error, asyncssh.DisconnectError):
        return f"SSH {error.reason}"
    return None


def classify_ftp(error: BaseException) -> FailureKind:
    """The failure kind of an FTP status error (530: not logged in; 50x: not implemented),
    or of an SSH/SFTP one (login refused, permission denied: permission)."""
    asyncssh = sys.modules.get("asyncssh")
    if asyncssh is not None and isinstance(
        error, asyncssh.PermissionDenied | asyncssh.SFTPPermissionDenied
    ):
        return "permission"
    if asyncssh is not None and isinstance(error, asyncssh.SFTPOpUnsupported):
        return "unsupported"
    if isinstance(error, aioftp.StatusCodeError):
        codes = {str(code) for code in error.received_codes}
        if "530" in codes:
            return "permission"
        if codes & {"500", "502", "504"}:
            return "unsupported"
    return "failed"
