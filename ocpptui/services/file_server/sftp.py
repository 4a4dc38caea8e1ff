"""SFTP side of the file server, on asyncssh: for the chargers that fetch and upload over SSH.

Off unless asked for (`FileServer(enable_sftp=True)`); a few chargers take nothing else
(Compleo/innogy eBox: HTTPS refused, sftp worked). Each offer logs in with its own user and
password, the same pair as its FTP URL, and sees a virtual tree of one folder:

    /                    stat only, no listing
    /<token>/            the login's home; lists the offered file, or the login's own uploads
    /<token>/<name>      the offered file (read-only), or any new name to upload (write-only)

Nothing on the laptop's disk is reachable otherwise: every operation that takes a path is
answered here from the offer (asyncssh's own file system mapping is never used), and
removing, renaming, linking, making folders and shell/exec/scp/port forwarding are refused.
Uploads follow FTP's rules: a new open for writing (or with TRUNC) makes a new file, never
overwriting an earlier one; an open without TRUNC of a name uploaded before continues that
file, so a client can resume at the size `stat` reports. Writes may come at any offset.

The host keys (Ed25519, and RSA for the old libssh2/dropbear clients of embedded chargers)
are made once and kept in the folder the FileServer is given, so a charger that checks host
keys sees the same ones on every start; without a folder they are made afresh in memory.
Status codes in the request log are SFTP's: 0 OK, 2 no such file, 3 permission denied,
4 failure, 8 operation unsupported.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import stat
import time
from collections.abc import AsyncIterator
from pathlib import Path, PurePosixPath
from typing import Any

import asyncssh
from asyncssh.constants import (
    FILEXFER_TYPE_DIRECTORY,
    FILEXFER_TYPE_REGULAR,
    FXF_APPEND,
    FXF_EXCL,
    FXF_TRUNC,
    FXF_WRITE,
)

from ocpptui.core.accept_guard import accept_guard
from ocpptui.services.private_files import write_private_file

from .budgets import UploadTooLarge, UploadWithdrawn
from .events import EventBus, RequestLogged, RequestRefused, Transfer, UploadReceived
from .limits import ConnectionCounter
from .offers import Offer, OfferRegistry, UploadOffer
from .progress import TransferMeter
from .request_paths import PathRefused, Target, ftp_directory, ftp_target
from .uploads import DiskFull, UploadFile, new_upload_path, size_or_none

log = logging.getLogger(__name__)

OK, NO_SUCH_FILE, PERMISSION_DENIED, FAILURE, OP_UNSUPPORTED = 0, 2, 3, 4, 8
READ_AHEAD = 1 << 20
"""Downloads are read from disk in 1 MiB blocks in a worker thread; the 32 KiB requests of a
client are answered from that block, so the event loop never waits on the disk."""
KEEPALIVE_INTERVAL = 30.0
KEEPALIVE_COUNT_MAX = 4
"""A charger that answers no keep-alive for two minutes has gone away (like STALL_TIMEOUT)."""
HOST_KEY_FILES = (
    ("ssh_host_ed25519_key", "ssh-ed25519", None),
    ("ssh_host_rsa_key", "ssh-rsa", 3072),
)


_loaded_keys: dict[tuple[Path, tuple[float, ...]], list[asyncssh.SSHKey]] = {}
"""Keys already read, by folder and file times: checking an RSA key on load takes ~0.4 s."""


def load_host_keys(folder: Path | None) -> list[asyncssh.SSHKey]:
    """The server's host keys from `folder`, made there on first use (blocking: use a thread)."""
    if folder is None:
        return [_new_key(algorithm, size) for _, algorithm, size in HOST_KEY_FILES]
    cache_key = _key_files_version(folder)
    if cache_key in _loaded_keys:
        return _loaded_keys[cache_key]
    keys = []
    for file_name, algorithm, size in HOST_KEY_FILES:
        path = folder / file_name
        if path.exists():
            keys.append(asyncssh.read_private_key(path))
            continue
        key = _new_key(algorithm, size)
        write_private_file(path, key.export_private_key())  # 0600 from the start, folder 0700
        key.write_public_key(path.with_suffix(".pub"))
        keys.append(key)
    _loaded_keys[_key_files_version(folder)] = keys
    return keys


def _new_key(algorithm: str, size: int | None) -> asyncssh.SSHKey:
    return asyncssh.generate_private_key(algorithm, **({"key_size": size} if size else {}))


def _key_files_version(folder: Path) -> tuple[Path, tuple[float, ...]]:
    times = []
    for file_name, _, _ in HOST_KEY_FILES:
        try:
            times.append((folder / file_name).stat().st_mtime)
        except OSError:
            times.append(-1.0)
    return folder.resolve(), tuple(times)


class SftpFrontend:
    """The asyncssh server: start, stop, host key fingerprints, partial uploads."""

    def __init__(
        self,
        registry: OfferRegistry,
        events: EventBus,
        host_key_folder: Path | None,
        counter: ConnectionCounter,
    ) -> None:
        self.registry = registry
        self.events = events
        self.counter = counter
        self._host_key_folder = host_key_folder
        self._acceptor: asyncssh.SSHAcceptor | None = None
        self._connections: set[asyncssh.SSHServerConnection] = set()
        self.fingerprints: list[str] = []
        self.stopping = False
        self.partial_uploads: dict[tuple[str, str], Path] = {}
        """(token, name the client used) -> the file its bytes went to, for resuming."""

    async def start(self, bind_host: str, port: int) -> int:
        self.stopping = False
        keys = await asyncio.to_thread(load_host_keys, self._host_key_folder)
        self.fingerprints = [key.get_fingerprint() for key in keys]
        self._acceptor = await asyncssh.create_server(
            lambda: _SshLogin(self),
            bind_host,
            port,
            server_host_keys=keys,
            sftp_factory=lambda channel: _OfferSftp(channel, self),
            allow_scp=False,
            # Key exchange and login on a charger's slow CPU over a cellular link take far
            # longer than an HTTP request's headers: four times the request timeout.
            login_timeout=4 * self.counter.limits.request_timeout,
            keepalive_interval=KEEPALIVE_INTERVAL,
            keepalive_count_max=KEEPALIVE_COUNT_MAX,
            # No agent or X11 forwarding; TCP forwarding is refused by _SshLogin's defaults.
            agent_forwarding=False,
            x11_forwarding=False,
        )
        for sock in self._acceptor.sockets:
            accept_guard().register(sock, "sftp")
        return self._acceptor.get_port()

    async def stop(self) -> None:
        acceptor, self._acceptor = self._acceptor, None
        if acceptor is None:
            return
        for sock in acceptor.sockets:
            accept_guard().unregister(sock)
        self.stopping = True
        acceptor.close()
        connections = list(self._connections)
        for connection in connections:
            connection.close()
        for connection in connections:
            try:
                async with asyncio.timeout(2):
                    await connection.wait_closed()
            except (TimeoutError, OSError, asyncssh.Error):
                log.debug("SFTP connection did not close in time", exc_info=True)
        await acceptor.wait_closed()

    def forget(self, token: str) -> None:
        """Drop what is known about a withdrawn upload offer's partial files."""
        self.partial_uploads = {
            key: path for key, path in self.partial_uploads.items() if key[0] != token
        }

    def connected(self, connection: asyncssh.SSHServerConnection) -> None:
        self._connections.add(connection)

    def disconnected(self, connection: asyncssh.SSHServerConnection) -> None:
        self._connections.discard(connection)


class _SshLogin(asyncssh.SSHServer):
    """One SSH connection: password login against the offers, nothing but SFTP afterwards."""

    def __init__(self, frontend: SftpFrontend) -> None:
        self._frontend = frontend
        self._connection: asyncssh.SSHServerConnection | None = None
        self._client = "?"
        self._logged_in = False
        self._tried_login = False
        self._admitted = False

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self._connection = conn
        peer = conn.get_extra_info("peername")
        self._client = str(peer[0]).removeprefix("::ffff:") if peer else "?"
        refusal = self._frontend.counter.admit(self._client)
        if refusal is not None:
            self._frontend.events.emit(
                RequestRefused("sftp", self._client, "CONNECT", "", FAILURE, refusal)
            )
            conn.disconnect(asyncssh.DISC_TOO_MANY_CONNECTIONS, refusal)
            return
        self._admitted = True
        self._frontend.connected(conn)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self._admitted:
            return
        self._frontend.counter.release(self._client)
        if self._connection is not None:
            self._frontend.disconnected(self._connection)
        if not self._logged_in and not self._tried_login:
            # Key exchange failed (no algorithm in common), or the client gave up before
            # logging in: say so, or such a charger leaves no trace at all.
            reason = f"SSH session ended before login: {exc}" if exc else "closed before login"
            self._frontend.events.emit(
                RequestRefused("sftp", self._client, "CONNECT", "", FAILURE, reason)
            )

    def begin_auth(self, username: str) -> bool:
        return True  # every login needs its password

    def password_auth_supported(self) -> bool:
        return True  # keyboard-interactive falls back to the same check in asyncssh

    def validate_password(self, username: str, password: str) -> bool:
        self._tried_login = True
        offer = self._frontend.registry.by_ftp_login(username)
        ok = offer is not None and secrets.compare_digest(
            offer.ftp_password.encode(), password.encode()
        )
        token = offer.token if offer is not None else None
        events = self._frontend.events
        if ok:
            self._logged_in = True
            events.emit(RequestLogged("sftp", self._client, "LOGIN", username, OK, 0, 0.0, token))
        else:
            reason = "wrong SFTP user or password"
            events.emit(
                RequestRefused(
                    "sftp", self._client, "LOGIN", username, PERMISSION_DENIED, reason, token
                )
            )
        return ok


class _Download:
    """An offered file opened for reading, with its progress."""

    def __init__(self, offer: Offer, client: str, shown_path: str) -> None:
        self.offer = offer
        self.client = client
        self.shown_path = shown_path
        self.file = offer.path.open("rb")
        self.size = offer.path.stat().st_size
        self.opened = time.monotonic()
        self.meter: TransferMeter | None = None
        self.bytes = 0
        self.highest_end = 0
        self._block_offset = 0
        self._block = b""

    async def read(self, events: EventBus, offset: int, size: int) -> bytes:
        if self.meter is None:
            transfer = Transfer(
                events.next_transfer_id(),
                "sftp",
                "download",
                self.client,
                self.offer.token,
                self.offer.file_name,
                max(self.size - offset, 0),
                offset,
            )
            self.meter = TransferMeter(events, transfer)
        start = offset - self._block_offset
        if not (0 <= start and start + size <= len(self._block)):
            self._block_offset = offset
            self._block = await asyncio.to_thread(
                _read_at, self.file, offset, max(size, READ_AHEAD)
            )
            start = 0
        data = self._block[start : start + size]
        self.bytes += len(data)
        self.highest_end = max(self.highest_end, offset + len(data))
        self.meter.add(len(data))
        return data

    def seek(self, offset: int, whence: int = 0) -> int:
        # Only for asyncssh's sparse-file query (SEEK_DATA / SEEK_HOLE): no holes here.
        if whence == 3:  # SEEK_DATA
            if offset >= self.size:
                raise OSError(6, "no data past the end")  # ENXIO ends the query
            return offset
        return self.size

    def end(self, *, lost: str | None) -> None:
        """Close; `lost` says why the session ended under the transfer, if it did."""
        self.file.close()
        if self.meter is None:
            return
        done = self.highest_end >= self.size and self.bytes >= self.meter.transfer.total_bytes
        if done:
            self.meter.finish()
        elif lost:
            self.meter.abort(f"{lost} after {self.bytes} of {self.size} bytes")
        else:
            self.meter.abort(f"client closed the file after {self.bytes} of {self.size} bytes")


class _Upload:
    """A file being written into an upload offer's folder."""

    def __init__(
        self, offer: UploadOffer, client_name: str, upload: UploadFile, meter: TransferMeter
    ) -> None:
        self.offer = offer
        self.client_name = client_name
        self.upload = upload
        self.meter = meter
        self.opened = time.monotonic()
        self.failed: str | None = None

    @property
    def shown_path(self) -> str:
        return f"/{self.offer.token}/{self.client_name}"

    def seek(self, offset: int, whence: int = 0) -> int:
        raise OSError(6, "an upload cannot be read")


class _OfferSftp(asyncssh.SFTPServer):
    """The SFTP session of one login: its offer's folder and nothing else."""

    def __init__(self, channel: asyncssh.SSHServerChannel, frontend: SftpFrontend) -> None:
        super().__init__(channel)
        self._frontend = frontend
        self._events = frontend.events
        self._login = str(channel.get_extra_info("username") or "")
        peer = channel.get_connection().get_extra_info("peername")
        self._client = str(peer[0]) if peer else "?"
        offer = self._offer()
        self._home = PurePosixPath("/", offer.token) if offer else PurePosixPath("/")
        self._ended = False

    # ------------------------------------------------------------- bookkeeping

    def _offer(self) -> Offer | UploadOffer | None:
        return self._frontend.registry.by_ftp_login(self._login) if self._login else None

    def _token(self) -> str | None:
        return self._home.name or None

    def _logged(
        self, method: str, path: str, status: int = OK, size: int = 0, took: float = 0.0
    ) -> None:
        self._events.emit(
            RequestLogged("sftp", self._client, method, path, status, size, took, self._token())
        )

    def _refuse(
        self, method: str, path: str, error: type[asyncssh.SFTPError], reason: str
    ) -> asyncssh.SFTPError:
        """Log a refusal; returns the error to raise to the client."""
        code = {
            asyncssh.SFTPNoSuchFile: NO_SUCH_FILE,
            asyncssh.SFTPPermissionDenied: PERMISSION_DENIED,
            asyncssh.SFTPOpUnsupported: OP_UNSUPPORTED,
        }.get(error, FAILURE)
        self._events.emit(
            RequestRefused("sftp", self._client, method, path, code, reason, self._token())
        )
        return error(reason)

    def _text(self, method: str, path: bytes) -> str:
        try:
            return path.decode("utf-8")
        except UnicodeDecodeError:
            raise self._refuse(
                method,
                path.decode("utf-8", "replace"),
                asyncssh.SFTPNoSuchFile,
                "path is not UTF-8",
            ) from None

    def _resolve(self, method: str, path: bytes) -> tuple[Offer | UploadOffer, Target, str]:
        """The login's offer and what `path` names inside it; refuses anything else."""
        text = self._text(method, path)
        offer = self._offer()
        if offer is None:
            raise self._refuse(method, text, asyncssh.SFTPPermissionDenied, "offer withdrawn")
        try:
            target = ftp_target(self._home, text)
        except PathRefused as refused:
            raise self._refuse(method, text, asyncssh.SFTPNoSuchFile, str(refused)) from None
        if target.token != offer.token:
            raise self._refuse(
                method, text, asyncssh.SFTPNoSuchFile, "unknown token for this login"
            )
        return offer, target, text

    # ------------------------------------------------------------------ the tree

    def realpath(self, path: bytes) -> bytes:
        text = self._text("REALPATH", path)
        try:
            resolved = ftp_directory(self._home, text or ".")
        except PathRefused as refused:
            raise self._refuse("REALPATH", text, asyncssh.SFTPNoSuchFile, str(refused)) from None
        parts = resolved.parts[1:]
        if parts and (parts[0] != self._home.name or len(parts) > 2):
            raise self._refuse("REALPATH", text, asyncssh.SFTPNoSuchFile, "outside the offer")
        self._logged("REALPATH", text)
        return str(resolved).encode()

    def stat(self, path: bytes) -> asyncssh.SFTPAttrs:
        return self._stat("STAT", path)

    def lstat(self, path: bytes) -> asyncssh.SFTPAttrs:
        return self._stat("LSTAT", path)

    def _stat(self, method: str, path: bytes) -> asyncssh.SFTPAttrs:
        if path in (b"/", b""):
            self._logged(method, "/")
            return _folder_attrs(writable=False)
        offer, target, text = self._resolve(method, path)
        if target.name is None:
            self._logged(method, text)
            return _folder_attrs(writable=isinstance(offer, UploadOffer))
        file = self._file_of(offer, target.name)
        size = size_or_none(file)
        if file is None or size is None:
            if isinstance(offer, UploadOffer):
                # A client checking for an earlier upload before it writes: not a refusal.
                self._logged(method, text, NO_SUCH_FILE)
                raise asyncssh.SFTPNoSuchFile("no such file")
            raise self._refuse(method, text, asyncssh.SFTPNoSuchFile, "no such file")
        self._logged(method, text)
        return _file_attrs(size, writable=isinstance(offer, UploadOffer))

    def fstat(self, file_obj: object) -> asyncssh.SFTPAttrs:
        if isinstance(file_obj, _Download):
            return _file_attrs(file_obj.size, writable=False)
        assert isinstance(file_obj, _Upload)
        return _file_attrs(file_obj.upload.size, writable=True)

    def _file_of(self, offer: Offer | UploadOffer, name: str) -> Path | None:
        if isinstance(offer, Offer):
            return offer.path if name == offer.file_name else None
        return self._frontend.partial_uploads.get((offer.token, name))

    def scandir(self, path: bytes) -> AsyncIterator[asyncssh.SFTPName]:
        # Not a coroutine: a refusal raised here answers OPENDIR itself.
        if path in (b"/", b""):
            raise self._refuse(
                "OPENDIR", "/", asyncssh.SFTPPermissionDenied, "no listing outside the offer"
            )
        offer, target, text = self._resolve("OPENDIR", path)
        if target.name is not None:
            raise self._refuse("OPENDIR", text, asyncssh.SFTPNoSuchFile, "not a folder")
        if isinstance(offer, Offer):
            entries = [(offer.file_name, offer.size)]
        else:
            entries = [
                (name, size)
                for (token, name), file in self._frontend.partial_uploads.items()
                if token == offer.token and (size := size_or_none(file)) is not None
            ]
        self._logged("OPENDIR", text)
        writable = isinstance(offer, UploadOffer)
        return _names_of(entries, writable)

    # ----------------------------------------------------------------- files

    async def open(self, path: bytes, pflags: int, attrs: asyncssh.SFTPAttrs) -> object:
        offer, target, text = self._resolve("OPEN", path)
        writing = bool(pflags & (FXF_WRITE | FXF_APPEND))
        if target.name is None:
            raise self._refuse(
                "OPEN",
                text,
                asyncssh.SFTPFailure,
                "the path is the offer's folder: file name required",
            )
        if isinstance(offer, Offer):
            if writing:
                raise self._refuse(
                    "OPEN",
                    text,
                    asyncssh.SFTPPermissionDenied,
                    "a download offer cannot be written",
                )
            if target.name != offer.file_name:
                raise self._refuse(
                    "OPEN", text, asyncssh.SFTPNoSuchFile, "wrong file name for this token"
                )
            try:
                return await asyncio.to_thread(_Download, offer, self._client, text)
            except OSError as exc:
                raise self._refuse(
                    "OPEN", text, asyncssh.SFTPFailure, f"offered file unreadable: {exc.strerror}"
                ) from None
        if not writing:
            raise self._refuse(
                "OPEN", text, asyncssh.SFTPPermissionDenied, "an upload offer cannot be read"
            )
        return await self._open_upload(offer, target.name, text, pflags)

    async def _open_upload(self, offer: UploadOffer, name: str, text: str, pflags: int) -> _Upload:
        key = (offer.token, name)
        earlier = self._frontend.partial_uploads.get(key)
        earlier_size = size_or_none(earlier)
        if earlier is not None and earlier_size is not None and not pflags & (FXF_TRUNC | FXF_EXCL):
            path, offset = earlier, earlier_size  # continue the earlier file (resume)
        else:
            path = await asyncio.to_thread(new_upload_path, offer.directory, name)
            offset = 0
        budget = self._frontend.registry.budget(offer.token)
        try:
            upload = await asyncio.to_thread(UploadFile, path, budget=budget, offset=offset)
        except (UploadTooLarge, UploadWithdrawn) as refused:
            if not offset:
                await asyncio.to_thread(path.unlink, missing_ok=True)
            raise self._refuse("OPEN", text, asyncssh.SFTPFailure, str(refused)) from None
        self._frontend.partial_uploads[key] = path
        transfer = Transfer(
            self._events.next_transfer_id(),
            "sftp",
            "upload",
            self._client,
            offer.token,
            path.name,
            None,
            offset,
        )
        return _Upload(offer, name, upload, TransferMeter(self._events, transfer))

    async def read(self, file_obj: object, offset: int, size: int) -> bytes:
        if not isinstance(file_obj, _Download):
            raise asyncssh.SFTPPermissionDenied("opened for writing")
        if offset >= file_obj.size:
            return b""  # asyncssh answers EOF
        try:
            return await file_obj.read(self._events, offset, size)
        except OSError as exc:
            raise asyncssh.SFTPFailure(f"read failed: {exc.strerror}") from None

    async def write(self, file_obj: object, offset: int, data: bytes) -> int:
        if not isinstance(file_obj, _Upload):
            raise asyncssh.SFTPPermissionDenied("opened for reading")
        if file_obj.failed:
            raise asyncssh.SFTPFailure(file_obj.failed)
        try:
            await file_obj.upload.write_at(offset, data)
        except (UploadTooLarge, UploadWithdrawn, DiskFull) as refused:
            raise await self._upload_failed(file_obj, "WRITE", refused) from None
        file_obj.meter.add(len(data))
        return len(data)

    async def _upload_failed(
        self, file_obj: _Upload, method: str, refused: Exception
    ) -> asyncssh.SFTPError:
        """Remove the partial file, end the transfer, and return the error for the client."""
        file_obj.failed = f"{refused}; partial file removed"
        await file_obj.upload.discard()
        self._frontend.partial_uploads.pop((file_obj.offer.token, file_obj.client_name), None)
        file_obj.meter.abort(file_obj.failed)
        error = asyncssh.SFTPNoSpaceOnFilesystem if isinstance(refused, DiskFull) else None
        return self._refuse(
            method, file_obj.shown_path, error or asyncssh.SFTPFailure, file_obj.failed
        )

    async def close(self, file_obj: object) -> None:
        # asyncssh also closes the handles a lost session left open, before exit().
        lost = None
        if self._ended or self.channel.is_closing():
            lost = "server stopped" if self._frontend.stopping else "client went away"
        if isinstance(file_obj, _Download):
            file_obj.end(lost=lost)
            took = time.monotonic() - file_obj.opened
            self._logged("READ", file_obj.shown_path, OK, file_obj.bytes, took)
        elif isinstance(file_obj, _Upload):
            await self._close_upload(file_obj, lost)

    async def _close_upload(self, file_obj: _Upload, lost: str | None) -> None:
        if file_obj.failed:
            return
        took = time.monotonic() - file_obj.opened
        moved = file_obj.meter.bytes_done
        if lost:
            kept = await file_obj.upload.keep_partial()
            file_obj.meter.abort(
                f"{lost}; "
                + ("partial file kept" if kept else "partial file removed: the disk is full")
            )
            self._logged("WRITE", file_obj.shown_path, FAILURE, moved, took)
            return
        try:
            sha256 = await file_obj.upload.complete()
        except DiskFull as full:
            raise await self._upload_failed(file_obj, "CLOSE", full) from None
        file_obj.meter.finish()
        upload = file_obj.upload
        self._events.emit(
            UploadReceived(
                file_obj.offer.token,
                file_obj.offer.label,
                "sftp",
                self._client,
                file_obj.client_name,
                upload.path,
                upload.size,
                sha256,
            )
        )
        self._logged("WRITE", file_obj.shown_path, OK, moved, took)

    def fsync(self, file_obj: object) -> None:
        return None  # written at close anyway; refusing would fail careful clients

    def setstat(self, path: bytes, attrs: asyncssh.SFTPAttrs) -> None:
        self._resolve("SETSTAT", path)  # accepted and ignored inside the offer (times, modes)

    def lsetstat(self, path: bytes, attrs: asyncssh.SFTPAttrs) -> None:
        self._resolve("SETSTAT", path)

    def fsetstat(self, file_obj: object, attrs: asyncssh.SFTPAttrs) -> None:
        return None

    def exit(self) -> None:
        self._ended = True

    # ------------------------------------------------- everything else: refused

    def _not_allowed(self, method: str, path: bytes) -> asyncssh.SFTPError:
        text = path.decode("utf-8", "replace")
        return self._refuse(method, text, asyncssh.SFTPPermissionDenied, "changing the tree is off")

    def remove(self, path: bytes) -> None:
        raise self._not_allowed("REMOVE", path)

    def mkdir(self, path: bytes, attrs: asyncssh.SFTPAttrs) -> None:
        raise self._not_allowed("MKDIR", path)

    def rmdir(self, path: bytes) -> None:
        raise self._not_allowed("RMDIR", path)

    def rename(self, oldpath: bytes, newpath: bytes) -> None:
        raise self._not_allowed("RENAME", oldpath)

    def posix_rename(self, oldpath: bytes, newpath: bytes) -> None:
        raise self._not_allowed("RENAME", oldpath)

    def symlink(self, oldpath: bytes, newpath: bytes) -> None:
        raise self._not_allowed("SYMLINK", newpath)

    def link(self, oldpath: bytes, newpath: bytes) -> None:
        raise self._not_allowed("LINK", newpath)

    def readlink(self, path: bytes) -> bytes:
        raise self._refuse(
            "READLINK", path.decode("utf-8", "replace"), asyncssh.SFTPNoSuchFile, "no links"
        )

    def statvfs(self, path: bytes) -> Any:
        raise asyncssh.SFTPOpUnsupported("statvfs is not offered")

    def fstatvfs(self, file_obj: object) -> Any:
        raise asyncssh.SFTPOpUnsupported("statvfs is not offered")


async def _names_of(
    entries: list[tuple[str, int]], writable: bool
) -> AsyncIterator[asyncssh.SFTPName]:
    yield asyncssh.SFTPName(b".", attrs=_folder_attrs(writable))
    yield asyncssh.SFTPName(b"..", attrs=_folder_attrs(False))
    for name, size in entries:
        yield asyncssh.SFTPName(name.encode(), attrs=_file_attrs(size, writable))


def _folder_attrs(writable: bool) -> asyncssh.SFTPAttrs:
    mode = 0o755 if writable else 0o555
    return asyncssh.SFTPAttrs(
        type=FILEXFER_TYPE_DIRECTORY, permissions=stat.S_IFDIR | mode, mtime=int(time.time())
    )


def _file_attrs(size: int, writable: bool) -> asyncssh.SFTPAttrs:
    mode = 0o644 if writable else 0o444
    return asyncssh.SFTPAttrs(
        type=FILEXFER_TYPE_REGULAR,
        size=size,
        permissions=stat.S_IFREG | mode,
        mtime=int(time.time()),
    )


def _read_at(file: Any, offset: int, size: int) -> bytes:
    file.seek(offset)
    return file.read(size)
