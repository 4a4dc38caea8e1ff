"""FTP side of the file server, on aioftp: per-offer logins and a virtual tree of tokens.

aioftp does the protocol (commands, PASV/EPSV data connections, REST, ABOR); this module
replaces the commands that touch files so that a login sees exactly one offer, under
`/<token>/`, and records progress. aioftp's own file system layer is swapped for its empty
in-memory one, so any command not overridden here cannot reach the disk either.

No FTPS, on purpose. aioftp has no `AUTH TLS` (explicit FTPS), only implicit TLS on a
separate port, which chargers hardly use. Explicit FTPS would take pyftpdlib + pyOpenSSL: a
second FTP stack on its own thread and loop, with its own request log, passive ports and
shutdown, for a case nobody has reported. The chargers found in the field list FTP next to
FTPS (Keba: FTP,HTTP,HTTPS; EVerest ships FTP), and a charger that wants encryption has HTTPS
and SFTP here. `transfer_schemes` therefore never proposes FTPS, and an FTPS-only charger
gets a warning saying so. If one turns up, add it as an optional extra (`ocpp-tui[ftps]`),
never as a required dependency.
"""

from __future__ import annotations

import asyncio
import contextvars
import errno
import logging
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import aioftp
from aioftp import ConnectionConditions
from aioftp.common import Connection, StreamIO
from aioftp.errors import NoAvailablePort

from ocpptui.core.accept_guard import accept_guard

from .budgets import UploadTooLarge, UploadWithdrawn
from .events import EventBus, RequestLogged, RequestRefused, Transfer, UploadReceived
from .limits import ConnectionCounter, peer_address
from .offers import Offer, OfferRegistry, UploadOffer
from .progress import TransferMeter
from .request_paths import PathRefused, Target, ftp_directory, ftp_target, token_of_path
from .uploads import DiskFull, UploadFile, new_upload_path, size_or_none

log = logging.getLogger(__name__)

READ_CHUNK = 64 * 1024
"""Each write waits for the socket to drain below 64 KiB, so a chunk this size still drains
within SOCKET_TIMEOUT on a link of a few kB/s."""
DATA_CONNECTION_WAIT = 10.0
"""How long after RETR/STOR the client has to open the data connection (slow cellular
links need more than aioftp's default second)."""
SOCKET_TIMEOUT = 120.0
"""A data connection with no progress for this long has gone away."""
LINGERING_TIME = 2.0
"""After refusing an upload, how long to swallow the rest of its data before closing (as the
HTTP side does)."""

# Pseudo-commands for the end of a connection; clients cannot send them (a command name
# never contains a space).
_HUNG_UP = " hung-up"
_IDLE = " idle"
_OUT_OF_DESCRIPTORS = b"421 the file server has run out of file descriptors, try later\r\n"
_FEATURES = ["Features:", "EPSV", "PASV", "REST STREAM", "SIZE", "UTF8", "End"]
_random = secrets.SystemRandom()


@dataclass(slots=True)
class _Command:
    """The FTP command a task is serving, for the request log."""

    name: str
    argument: str
    started: float = field(default_factory=time.monotonic)
    bytes: int = 0


# Set in each command's task; the transfer task a command starts inherits it, so the final
# reply (226, 426, 552 ...) is logged against the command that asked for the transfer.
_current_command: contextvars.ContextVar[_Command | None] = contextvars.ContextVar(
    "ftp_command", default=None
)


@dataclass(frozen=True, slots=True)
class _FtpSetup:
    """What each aioftp server the frontend starts is made with."""

    registry: OfferRegistry
    events: EventBus
    passive_ports: Sequence[int] | None
    counter: ConnectionCounter


class FtpFrontend:
    """The aioftp server: start, stop, and what it learnt about partial uploads."""

    def __init__(
        self,
        registry: OfferRegistry,
        events: EventBus,
        passive_ports: Sequence[int] | None,
        counter: ConnectionCounter,
    ) -> None:
        self._setup = _FtpSetup(registry, events, passive_ports, counter)
        self._server: _OfferFtpServer | None = None

    async def start(self, bind_host: str, port: int) -> int:
        server = _OfferFtpServer(self._setup)
        await server.start(bind_host, port)
        self._server = server
        for sock in server.server.sockets:
            accept_guard().register(sock, "ftp", _OUT_OF_DESCRIPTORS)
        return server.address[1]

    async def stop(self) -> None:
        if self._server is not None:
            server, self._server = self._server, None
            for sock in server.server.sockets:
                accept_guard().unregister(sock)
            await server.close()

    def forget(self, token: str) -> None:
        """Drop what is known about a withdrawn upload offer's partial files."""
        if self._server is not None:
            self._server.partial_uploads = {
                key: path for key, path in self._server.partial_uploads.items() if key[0] != token
            }


class _OfferUsers(aioftp.AbstractUserManager):
    """One login per offer, looked up live, so new offers work without a restart."""

    def __init__(self, registry: OfferRegistry) -> None:
        super().__init__()
        self._registry = registry
        self._users: dict[str, aioftp.User] = {}
        # Unknown logins get a password prompt too, and fail at PASS: no hint which exist.
        self._nobody = aioftp.User("", "")

    async def get_user(
        self, login: str
    ) -> tuple[aioftp.AbstractUserManager.GetUserResponse, aioftp.User | None, str]:
        required = aioftp.AbstractUserManager.GetUserResponse.PASSWORD_REQUIRED
        if self._registry.by_ftp_login(login) is None:
            self._users.pop(login, None)
            return required, self._nobody, "password required"
        user = self._users.setdefault(login, aioftp.User(login, "", home_path="/"))
        return required, user, "password required"

    async def authenticate(self, user: aioftp.User, password: str) -> bool:
        offer = self._registry.by_ftp_login(user.login) if user.login else None
        return offer is not None and secrets.compare_digest(
            offer.ftp_password.encode(), password.encode()
        )


class _OfferFtpServer(aioftp.Server):
    def __init__(self, setup: _FtpSetup) -> None:
        super().__init__(
            _OfferUsers(setup.registry),
            path_io_factory=aioftp.MemoryPathIO,
            data_ports=setup.passive_ports,
            socket_timeout=SOCKET_TIMEOUT,
            idle_timeout=setup.counter.limits.idle_timeout,
            wait_future_timeout=DATA_CONNECTION_WAIT,
            # Capped by the file server's counter instead: in all and per address.
            maximum_connections=None,
            welcome_message="ocpp-tui file server",
        )
        self._counter = setup.counter
        self._registry = setup.registry
        self._events = setup.events
        self.partial_uploads: dict[tuple[str, str], Path] = {}
        """(token, name the client used) -> the file its bytes went to, for REST/APPE/SIZE."""
        refused = self._not_allowed
        self.commands_mapping.update(
            {
                "size": self.size,
                "noop": self.noop,
                "feat": self.feat,
                "opts": self.opts,
                "allo": self.allo,
                "mode": self.mode,
                "stru": self.stru,
                # no directory listings, no changes to the tree
                "list": refused,
                "nlst": refused,
                "mlsd": refused,
                "mlst": refused,
                "mkd": refused,
                "rmd": refused,
                "dele": refused,
                "rnfr": refused,
                "rnto": refused,
            }
        )
        self.commands_mapping = {
            name: self._logged(name, handler) for name, handler in self.commands_mapping.items()
        }
        self.commands_mapping.update({_HUNG_UP: self._hung_up, _IDLE: self._idle})

    # ------------------------------------------------------- connection tasks

    async def dispatcher(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        address = peer_address(writer.transport)
        refusal = self._counter.admit(address)
        if refusal is not None:
            self._events.emit(RequestRefused("ftp", address, "CONNECT", "", 421, refusal))
            writer.write(f"421 {refusal}\r\n".encode())
            writer.close()
            return
        timeout = self._counter.limits.request_timeout
        overdue = asyncio.get_running_loop().call_later(
            timeout, self._login_overdue, writer, address
        )
        try:
            await super().dispatcher(reader, writer)
        except asyncio.CancelledError:
            # close() cancels each connection's task. Ending it quietly keeps Python 3.11's
            # stream callback from reporting the cancellation as an unhandled exception.
            pass
        finally:
            overdue.cancel()
            self._counter.release(address)

    def _login_overdue(self, writer: asyncio.StreamWriter, address: str) -> None:
        """A connection that has not logged in within the request timeout is closed: idle
        sockets from the site network cannot hold the server's connections."""
        connection = next(
            (c for c in self.connections.values() if c.command_connection.writer is writer),
            None,
        )
        if connection is not None and connection.future.logged.done():
            return
        timeout = self._counter.limits.request_timeout
        reason = f"no login within {timeout:g} s, closing"
        self._events.emit(RequestRefused("ftp", address, "CONNECT", "", 421, reason))
        if not writer.is_closing():
            writer.write(f"421 {reason}\r\n".encode())
            writer.close()

    async def parse_command(
        self, stream: StreamIO, censor_commands: tuple[str] = ("pass",)
    ) -> tuple[str, str]:
        # When a client sends QUIT and hangs up, the dispatcher leaves without looking at
        # the read that failed; mark its error seen so asyncio does not report it.
        task = asyncio.current_task()
        if task is not None:
            task.add_done_callback(_mark_exception_seen)
        try:
            return await super().parse_command(stream, censor_commands)
        except ConnectionError:
            # A charger hanging up without QUIT is ordinary: end the connection through a
            # command instead of an exception aioftp would log with a traceback.
            return _HUNG_UP, ""
        except TimeoutError:
            return _IDLE, ""

    async def _hung_up(self, connection: Connection, rest: str) -> bool:
        return False

    async def _idle(self, connection: Connection, rest: str) -> bool:
        if connection.extra_workers:
            return True  # a transfer is running: the control connection is quiet meanwhile
        connection.response("421", f"idle for {self.idle_timeout:g} s, closing")
        return False

    # ---------------------------------------------------- passive data ports

    async def _start_passive_server(
        self,
        connection: Connection,
        handler_callback: Callable[[asyncio.StreamReader, asyncio.StreamWriter], Any],
    ) -> asyncio.Server:
        """Listen for the data connection of PASV/EPSV: on a port drawn at random from the
        free ones (aioftp takes the lowest, so the next port is predictable), and taking
        only a connection from the control connection's own address.

        Otherwise anyone on the site network who connects first to the announced port has
        their bytes stored as the charger's upload, or receives its firmware.
        """
        guarded = self._guard_data_connection(connection, handler_callback)
        pool = self.available_data_ports
        options = {"ssl": self.ssl, **self._start_server_extra_arguments}
        if pool is None:  # no configured range: a port the system picks
            return await asyncio.start_server(guarded, connection.server_host, 0, **options)
        free: list[tuple[int, int]] = []
        while not pool.empty():
            free.append(pool.get_nowait())
        _random.shuffle(free)
        try:
            while free:
                priority, port = free.pop()
                try:
                    server = await asyncio.start_server(
                        guarded, connection.server_host, port, **options
                    )
                except OSError as exc:
                    pool.put_nowait((priority + 1, port))  # still the range's: free later
                    if exc.errno != errno.EADDRINUSE:
                        raise
                    continue
                connection.passive_server_port = port  # aioftp frees it when the client goes
                return server
            raise NoAvailablePort
        finally:
            for item in free:
                pool.put_nowait(item)

    def _guard_data_connection(
        self,
        connection: Connection,
        handler: Callable[[asyncio.StreamReader, asyncio.StreamWriter], Any],
    ) -> Callable[[asyncio.StreamReader, asyncio.StreamWriter], Any]:
        async def guarded(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            peer = writer.get_extra_info("peername")
            address = _plain_address(str(peer[0]) if peer else "?")
            expected = _plain_address(connection.client_host)
            if address != expected:
                reason = (
                    f"data connection from {address} refused: the control connection is from "
                    f"{expected}"
                )
                self._events.emit(
                    RequestRefused(
                        "ftp",
                        address,
                        "DATA",
                        str(connection.passive_server_port),
                        425,
                        reason,
                        self._token_of(connection, ""),
                    )
                )
                writer.transport.abort()
                return
            await handler(reader, writer)

        return guarded

    # ------------------------------------------------------------ request log

    def _logged(self, name: str, handler: Any) -> Any:
        async def run(connection: Connection, rest: str) -> bool:
            _current_command.set(_Command(name.upper(), "***" if name == "pass" else rest))
            return await handler(connection, rest)

        return run

    async def greeting(self, connection: Connection, rest: str | PurePosixPath) -> bool:
        # The first thing every connection runs: wrap its reply function so each final
        # reply becomes a request-log entry for the command that caused it.
        send = connection.response

        def respond(code: str, lines: Any = "", *args: Any) -> None:
            self._record_reply(connection, code, lines)
            send(code, lines, *args)

        connection.response = respond
        _current_command.set(_Command("CONNECT", ""))
        return await super().greeting(connection, rest)

    def _record_reply(self, connection: Connection, code: str, lines: Any) -> None:
        if code.startswith("1"):
            return  # preliminary (150): the final reply follows
        command = _current_command.get()
        if command is None:  # the dispatcher itself answered, e.g. "'xyz' not implemented"
            first = lines if isinstance(lines, str) else next(iter(lines), "")
            command = _Command("?", str(first))
        self._events.emit(
            RequestLogged(
                "ftp",
                connection.client_host,
                command.name,
                command.argument,
                int(code),
                command.bytes,
                time.monotonic() - command.started,
                self._token_of(connection, command.argument),
            )
        )

    def _refuse(self, connection: Connection, code: str, reason: str) -> bool:
        command = _current_command.get() or _Command("?", "")
        self._events.emit(
            RequestRefused(
                "ftp",
                connection.client_host,
                command.name,
                command.argument,
                int(code),
                reason,
                self._token_of(connection, command.argument),
            )
        )
        connection.response(code, reason)
        return True

    def _token_of(self, connection: Connection, argument: str) -> str | None:
        """The offer a command belongs to: the login's, else an absolute path's first segment."""
        user = connection.get("user")
        login = user.result().login if user is not None and user.done() else None
        offer = self._registry.by_ftp_login(login) if login else None
        if offer is not None:
            return offer.token
        return token_of_path(argument) if argument.startswith("/") else None

    # ------------------------------------------------------------ login and tree

    @ConnectionConditions(ConnectionConditions.user_required)
    async def pass_(self, connection: Connection, rest: str) -> bool:
        if connection.future.logged.done():
            connection.response("503", "already logged in")
        elif await self.user_manager.authenticate(connection.user, rest):
            connection.logged = True
            connection.response("230", "logged in")
        else:
            return self._refuse(connection, "530", "wrong FTP user or password")
        return True

    def _offer_of(self, connection: Connection) -> Offer | UploadOffer | None:
        login = connection.user.login
        return self._registry.by_ftp_login(login) if login else None

    def _resolve(self, connection: Connection, argument: str) -> tuple[Any, Target] | None:
        """The caller's offer and the target its argument names, or None (refusal sent)."""
        offer = self._offer_of(connection)
        if offer is None:
            self._refuse(connection, "550", "offer withdrawn")
            return None
        try:
            target = ftp_target(connection.current_directory, argument)
        except PathRefused as refused:
            self._refuse(connection, "550", str(refused))
            return None
        if target.token != offer.token:
            self._refuse(connection, "550", "unknown token for this login")
            return None
        return offer, target

    @ConnectionConditions(ConnectionConditions.login_required)
    async def cwd(self, connection: Connection, rest: str | PurePosixPath) -> bool:
        try:
            directory = ftp_directory(connection.current_directory, rest)
        except PathRefused as refused:
            return self._refuse(connection, "550", str(refused))
        offer = self._offer_of(connection)
        allowed = [PurePosixPath("/")] + ([PurePosixPath("/", offer.token)] if offer else [])
        if directory not in allowed:
            return self._refuse(connection, "550", "no such directory")
        connection.current_directory = directory
        connection.response("250", f'"{directory}"')
        return True

    async def _not_allowed(self, connection: Connection, rest: str) -> bool:
        return self._refuse(connection, "550", "listing and changing the tree are off")

    # ---------------------------------------------------------------- downloads

    @ConnectionConditions(ConnectionConditions.login_required)
    async def size(self, connection: Connection, rest: str) -> bool:
        resolved = self._resolve(connection, rest)
        if resolved is None:
            return True
        offer, target = resolved
        size = size_or_none(self._file_of(offer, target))
        if size is None:
            return self._refuse(connection, "550", "no such file")
        connection.response("213", str(size))
        return True

    def _file_of(self, offer: Offer | UploadOffer, target: Target) -> Path | None:
        """The file a download name or an earlier upload name stands for."""
        if isinstance(offer, Offer):
            return offer.path if target.name == offer.file_name else None
        return self.partial_uploads.get((offer.token, target.name or ""))

    @ConnectionConditions(
        ConnectionConditions.login_required, ConnectionConditions.passive_server_started
    )
    async def retr(self, connection: Connection, rest: str | PurePosixPath) -> bool:
        resolved = self._resolve(connection, str(rest))
        if resolved is None:
            return True
        offer, target = resolved
        if not isinstance(offer, Offer) or target.name != offer.file_name:
            return self._refuse(connection, "550", "no such file")
        offset = connection.restart_offset
        try:
            size = offer.path.stat().st_size
        except OSError as exc:
            return self._refuse(connection, "550", f"offered file unreadable: {exc.strerror}")
        if offset > size:
            connection.response("554", f"restart offset {offset} is past the end ({size})")
            return True
        transfer = Transfer(
            self._events.next_transfer_id(),
            "ftp",
            "download",
            connection.client_host,
            offer.token,
            offer.file_name,
            size - offset,
            offset,
        )
        worker = asyncio.create_task(self._send(connection, offer.path, transfer))
        connection.extra_workers.add(worker)
        connection.response("150", "opening data connection")
        return True

    async def _send(self, connection: Connection, path: Path, transfer: Transfer) -> bool:
        stream = await self._data_stream(connection)
        if stream is None:
            return self._no_data_connection(connection)
        meter = TransferMeter(self._events, transfer)
        command = _current_command.get()

        def sent(count: int) -> None:
            meter.add(count)
            if command is not None:
                command.bytes += count

        try:
            async with stream:
                await _copy_file(path, transfer.offset, stream, sent)
        except asyncio.CancelledError:
            # ABOR, or the control connection closed. Answered like aioftp's own workers,
            # which also end quietly so the connection's dispatcher carries on.
            meter.abort("transfer aborted (ABOR or control connection closed)")
            connection.response("426", "transfer aborted")
            connection.response("226", "abort successful")
            return True
        except (OSError, TimeoutError) as exc:
            meter.abort(f"client went away ({exc or type(exc).__name__})")
            connection.response("426", "data connection lost; transfer aborted")
            return True
        meter.finish()
        connection.response("226", "transfer complete")
        return True

    async def _data_stream(self, connection: Connection) -> StreamIO | None:
        """The data connection, or None when the client never opened it; the caller then
        cleans up and only then answers with `_no_data_connection` (a client that gets the
        425 may look at once for what the server left behind)."""
        try:
            await asyncio.wait_for(
                asyncio.shield(connection.future.data_connection), connection.wait_future_timeout
            )
        except TimeoutError:
            return None
        stream: StreamIO = connection.data_connection
        del connection.data_connection
        return stream

    def _no_data_connection(self, connection: Connection) -> bool:
        return self._refuse(
            connection,
            "425",
            "the client did not open the data connection (passive ports blocked?)",
        )

    # ------------------------------------------------------------------ uploads

    @ConnectionConditions(
        ConnectionConditions.login_required, ConnectionConditions.passive_server_started
    )
    async def stor(
        self, connection: Connection, rest: str | PurePosixPath, mode: str = "wb"
    ) -> bool:
        return await self._store(connection, str(rest), append=mode == "ab")

    @ConnectionConditions(
        ConnectionConditions.login_required, ConnectionConditions.passive_server_started
    )
    async def appe(self, connection: Connection, rest: str | PurePosixPath) -> bool:
        return await self._store(connection, str(rest), append=True)

    async def _store(self, connection: Connection, argument: str, *, append: bool) -> bool:
        resolved = self._resolve(connection, argument)
        if resolved is None:
            return True
        offer, target = resolved
        if not isinstance(offer, UploadOffer):
            return self._refuse(connection, "550", "a download offer cannot be written")
        if not target.name:
            connection.response("501", "file name required")
            return True
        key = (offer.token, target.name)
        earlier = self.partial_uploads.get(key)
        earlier_size = size_or_none(earlier)
        offset = connection.restart_offset
        if append and earlier_size is not None:
            path, offset = earlier, earlier_size  # APPE: continue at the end
        elif offset and earlier_size is not None:
            if offset > earlier_size:
                connection.response("554", f"restart offset {offset} is past the end")
                return True
            path = earlier  # REST n + STOR: overwrite from n on
        elif offset:
            connection.response("554", "nothing to resume: no earlier upload of that name")
            return True
        else:
            path = await asyncio.to_thread(new_upload_path, offer.directory, target.name)
        assert path is not None
        if offset > self._registry.budget(offer.token).max_bytes:
            return self._refuse(connection, "552", "upload is over the size cap")
        self.partial_uploads[key] = path
        transfer = Transfer(
            self._events.next_transfer_id(),
            "ftp",
            "upload",
            connection.client_host,
            offer.token,
            path.name,
            None,
            offset,
        )
        worker = asyncio.create_task(self._receive(connection, offer, target.name, transfer, path))
        connection.extra_workers.add(worker)
        connection.response("150", "opening data connection")
        return True

    async def _receive(
        self,
        connection: Connection,
        offer: UploadOffer,
        client_name: str,
        transfer: Transfer,
        path: Path,
    ) -> bool:
        stream = await self._data_stream(connection)
        if stream is None:
            if not transfer.offset:  # the new, still empty file: nothing arrived
                self.partial_uploads.pop((offer.token, client_name), None)
                await asyncio.to_thread(path.unlink, missing_ok=True)
            return self._no_data_connection(connection)
        key = (offer.token, client_name)
        try:
            upload = UploadFile(
                path, budget=self._registry.budget(offer.token), offset=transfer.offset
            )
        except (UploadTooLarge, UploadWithdrawn) as refused:
            self.partial_uploads.pop(key, None)
            if not transfer.offset:
                await asyncio.to_thread(path.unlink, missing_ok=True)
            self._refuse(connection, "552", str(refused))
            await _swallow_and_close(stream)
            return True
        meter = TransferMeter(self._events, transfer)
        command = _current_command.get()
        try:
            async for block in stream.iter_by_block(READ_CHUNK):
                await upload.write(block)
                meter.add(len(block))
                if command is not None:
                    command.bytes += len(block)
            stream.close()
            sha256 = await upload.complete()
        except (UploadTooLarge, UploadWithdrawn, DiskFull) as refused:
            await upload.discard()
            self.partial_uploads.pop(key, None)
            reason = f"{refused}; partial file removed"
            meter.abort(reason)
            # 452: insufficient storage; 552: exceeded storage allocation (the cap);
            # 451: local error (the offer is gone).
            code = {DiskFull: "452", UploadTooLarge: "552"}.get(type(refused), "451")
            self._refuse(connection, code, reason)
            await _swallow_and_close(stream)
            return True
        except asyncio.CancelledError:
            kept = await upload.keep_partial()
            meter.abort(
                "transfer aborted (ABOR or control connection closed); "
                + ("partial file kept" if kept else "partial file removed: the disk is full")
            )
            connection.response("426", "transfer aborted")
            connection.response("226", "abort successful")
            return True
        except (OSError, TimeoutError) as exc:
            kept = await upload.keep_partial()
            meter.abort(
                f"client went away ({exc or type(exc).__name__}); "
                + ("partial file kept" if kept else "partial file removed: the disk is full")
            )
            connection.response("426", "data connection lost; transfer aborted")
            return True
        finally:
            stream.close()
        meter.finish()
        self._events.emit(
            UploadReceived(
                offer.token,
                offer.label,
                "ftp",
                connection.client_host,
                client_name,
                path,
                upload.size,
                sha256,
            )
        )
        connection.response("226", "transfer complete")
        return True

    # ------------------------------------------- small commands aioftp lacks

    async def noop(self, connection: Connection, rest: str) -> bool:
        connection.response("200", "ok")
        return True

    async def feat(self, connection: Connection, rest: str) -> bool:
        connection.response("211", _FEATURES, True)
        return True

    async def opts(self, connection: Connection, rest: str) -> bool:
        # Names are always UTF-8 here; clients ask "OPTS UTF8 ON" before relying on it.
        if rest.upper().startswith("UTF8"):
            connection.response("200", "UTF-8 always on")
        else:
            connection.response("501", "option not understood")
        return True

    async def allo(self, connection: Connection, rest: str) -> bool:
        connection.response("202", "no storage allocation needed")
        return True

    async def mode(self, connection: Connection, rest: str) -> bool:
        ok = rest.upper() == "S"
        connection.response("200" if ok else "504", "stream mode" if ok else "only stream mode")
        return True

    async def stru(self, connection: Connection, rest: str) -> bool:
        ok = rest.upper() == "F"
        connection.response("200" if ok else "504", "file structure" if ok else "only F")
        return True


async def _copy_file(
    path: Path, offset: int, stream: StreamIO, sent: Callable[[int], None]
) -> None:
    """Stream a file from `offset` into the data connection, reading in a worker thread."""
    pending: asyncio.Future[bytes] | None = None
    with path.open("rb") as file:
        file.seek(offset)
        try:
            while True:
                pending = asyncio.ensure_future(asyncio.to_thread(file.read, READ_CHUNK))
                chunk = await asyncio.shield(pending)
                if not chunk:
                    return
                await stream.write(chunk)
                sent(len(chunk))
        finally:
            # A cancelled read still runs in its thread: let it end before the file closes.
            if pending is not None and not pending.done():
                await asyncio.wait([pending])


async def _swallow_and_close(stream: StreamIO) -> None:
    """Read and drop what the client still sends (for LINGERING_TIME at most), then close.

    Closing a data connection with unread data resets it: the client's send fails with a
    broken pipe and it may never read the refusal already sent on the control connection.
    """
    try:
        async with asyncio.timeout(LINGERING_TIME):
            while await stream.read(READ_CHUNK):
                pass
    except (OSError, TimeoutError):
        pass  # gone, or still sending: closing is all that is left
    finally:
        stream.close()


def _plain_address(address: str) -> str:
    """`::ffff:192.0.2.7` (IPv4 on a dual-stack socket) as `192.0.2.7`."""
    return address.removeprefix("::ffff:")


def _mark_exception_seen(task: asyncio.Task[Any]) -> None:
    if not task.cancelled():
        task.exception()
