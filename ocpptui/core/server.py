"""The mini-CSMS's WebSocket server: accepts chargers at any `/<...>/<identity>` path."""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import logging
from collections import Counter
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, Protocol

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.http11 import Request, Response

from ocpptui.core.accept_guard import accept_guard, http_refusal
from ocpptui.core.attempts import ConnectionAttempt, Outcome, advice_for
from ocpptui.core.auth import AuthResult, check_basic_auth, parse_basic
from ocpptui.core.client_certificate import identity_mismatch
from ocpptui.core.config import CsmsConfig, UnknownChargerPolicy
from ocpptui.core.events import ConnectionRefused, HubEvent, ServerStarted, ServerStopped
from ocpptui.core.identity import BadIdentity, identity_from_path, path_word_warning
from ocpptui.core.open_files import connections_budget
from ocpptui.core.session import Session
from ocpptui.protocol.terminal_text import escape_controls
from ocpptui.protocol.versions import OcppVersion
from ocpptui.transports.websocket import WebSocketTransport

if TYPE_CHECKING:
    from ocpptui.core.auth_backoff import AuthBackoff
    from ocpptui.core.clock import Clock
    from ocpptui.transports.base import Transport

log = logging.getLogger(__name__)

#: Seconds a client has to complete the opening handshake (headers included), before any
#: password-guessing backoff: a client sending its headers a byte a minute is dropped.
HANDSHAKE_TIMEOUT = 10.0
#: Connections still in their handshake allowed beyond `max_connections` (a charger that
#: reconnects must get as far as naming itself to replace its stale connection).
HANDSHAKE_HEADROOM = 8
#: Refusals recorded per address and window; a flood beyond it is counted, not listed.
REFUSALS_PER_WINDOW = 20
REFUSAL_WINDOW = 10.0


def offered_subprotocols(headers: Headers) -> tuple[str, ...]:
    """Every subprotocol the client offered, across repeated headers and comma lists."""
    offered: list[str] = []
    for value in headers.get_all("Sec-WebSocket-Protocol"):
        offered.extend(part.strip() for part in value.split(",") if part.strip())
    return tuple(offered)


def _peer(connection: ServerConnection) -> str:
    address = connection.remote_address
    if isinstance(address, tuple):
        return f"{address[0]}:{address[1]}"
    return str(address)


def _address(peer: Any) -> str:
    """The IP address of a peer name ((host, port, ...) tuple), without the port."""
    if isinstance(peer, tuple) and peer:
        return str(peer[0]).removeprefix("::ffff:")
    return str(peer)


class _CountedConnection(ServerConnection):
    """A server connection that reports its opening and closing to its CsmsServer, which
    counts the connections per address (those still in their handshake included)."""

    def __init__(self, *args: Any, csms: CsmsServer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._csms = csms
        self.peer_address = "?"

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        self.peer_address = _address(transport.get_extra_info("peername"))
        self._csms._tcp_opened(self, transport)

    def connection_lost(self, exc: Exception | None) -> None:
        self._csms._tcp_closed(self)
        super().connection_lost(exc)


class _RefusalLog:
    """Which refusals to record: all of them, up to REFUSALS_PER_WINDOW per address and
    window; beyond that they are counted and the next recorded one says how many."""

    def __init__(self, clock: Any) -> None:
        self._clock = clock
        self._windows: dict[str, tuple[float, int, int]] = {}  # start, recorded, skipped

    def admit(self, address: str) -> tuple[bool, int]:
        """(record this one?, refusals skipped before it)."""
        now = self._clock.mono()
        start, recorded, skipped = self._windows.get(address, (now, 0, 0))
        if now - start >= REFUSAL_WINDOW:
            start, recorded = now, 0
        if recorded >= REFUSALS_PER_WINDOW:
            self._windows[address] = (start, recorded, skipped + 1)
            return False, 0
        self._windows[address] = (start, recorded + 1, 0)
        if len(self._windows) > 10_000:
            self._windows.pop(next(iter(self._windows)))
        return True, skipped


_OUT_OF_DESCRIPTORS = (
    "ocpp-tui has run out of file descriptors: connected chargers are served, new ones "
    "are refused until some disconnect"
)


class ServerHost(Protocol):
    """What a listening server uses of the hub it feeds (the `Hub`): its settings and clock,
    where events and connection attempts go, and the sessions it opens and runs."""

    config: CsmsConfig
    clock: Clock
    auth_backoff: AuthBackoff

    def emit(self, event: HubEvent) -> None: ...
    def record_attempt(self, attempt: ConnectionAttempt) -> None: ...
    def session_for(self, identity: str) -> Session | None: ...
    def open_session(
        self,
        identity: str,
        version: OcppVersion,
        transport: Transport,
        session_class: type[Session],
        **session_options: Any,
    ) -> Session: ...
    async def run_session(self, session: Session) -> None: ...


class CsmsServer:
    """One listening socket (host, port) feeding sessions into the hub."""

    def __init__(self, hub: ServerHost, host: str, port: int) -> None:
        self.hub = hub
        self.host = host
        self.port = port
        self._server: Server | None = None
        # What the handshake decided about each connection, for the session view.
        self._auth_results: dict[int, AuthResult] = {}
        self._sni: dict[int, str] = {}  # id(SSLObject) → server name the charger asked for
        # TCP connections open now (handshakes included), all and per address.
        self._tcp_count = 0
        self._tcp_by_address: Counter[str] = Counter()
        self._refused_early: set[int] = set()  # id() of connections refused on arrival
        self._refusals = _RefusalLog(hub.clock)
        self.max_connections = 0  # set by start(): the setting, or the open-file budget

    @property
    def subprotocols(self) -> tuple[str, ...]:
        return self.hub.config.subprotocols

    def _serve_options(self) -> dict[str, Any]:
        """Keyword arguments for `websockets.serve` (the proxy adds its own)."""
        config = self.hub.config
        return {
            "subprotocols": list(self.subprotocols),
            "process_request": self._check_request,
            "create_connection": functools.partial(_CountedConnection, csms=self),
            # The handshake may also wait out a password-guessing backoff.
            "open_timeout": HANDSHAKE_TIMEOUT + max(config.auth.backoff_max, 0.0),
            "max_size": config.max_frame_bytes,
            # Sessions ping on their own schedule (switchable per charger), not the library.
            "ping_interval": None,
            # Charger TCP stacks and the per-frame log make compression a poor trade here.
            "compression": None,
            "ssl": config.ssl_context,
            "logger": logging.getLogger("ocpptui.websockets"),
        }

    def _session_class(self, connection: ServerConnection) -> tuple[type[Session], dict[str, Any]]:
        """Which Session class serves this connection, with its extra options."""
        return Session, {}

    async def start(self) -> None:
        config = self.hub.config
        if config.ssl_context is not None:
            config.ssl_context.sni_callback = self._remember_sni
        self.max_connections = config.max_connections or connections_budget()
        self._server = await serve(self._handle, self.host, self.port, **self._serve_options())
        sockets = list(self._server.sockets)
        if sockets and self.port == 0:
            self.port = sockets[0].getsockname()[1]
        guard = accept_guard()
        refusal = b"" if config.ssl_context is not None else http_refusal(_OUT_OF_DESCRIPTORS)
        for sock in sockets:
            guard.register(sock, f"ocpp {self.host}:{self.port}", refusal, self._refused_emfile)
        self.hub.emit(ServerStarted(self.host, self.port, self.subprotocols, self.scheme))
        log.info("listening on %s:%s (%s)", self.host, self.port, ", ".join(self.subprotocols))

    def _remember_sni(self, ssl_object, server_name: str | None, context) -> None:
        if server_name:
            if len(self._sni) > 1000:
                self._sni.clear()
            self._sni[id(ssl_object)] = server_name

    async def stop(self) -> None:
        if self._server is not None:
            guard = accept_guard()
            for sock in self._server.sockets:
                guard.unregister(sock)
            self._server.close()
            await self._server.wait_closed()
            self._server = None
            self.hub.emit(ServerStopped(f"stopped listening on {self.host}:{self.port}"))

    @property
    def scheme(self) -> str:
        return "wss" if self.hub.config.ssl_context is not None else "ws"

    def _tls_details(self, connection: ServerConnection) -> tuple[str | None, str | None]:
        ssl_object = connection.transport.get_extra_info("ssl_object")
        if ssl_object is None:
            return None, None
        return ssl_object.version(), self._sni.pop(id(ssl_object), None)

    def _attempt(
        self,
        connection: ServerConnection,
        request: Request,
        outcome: Outcome,
        reason: str,
        *,
        identity: str | None = None,
        chosen: str | None = None,
    ) -> ConnectionAttempt:
        tls_version, sni = self._tls_details(connection)
        parsed = parse_basic(request.headers.get("Authorization"))
        offered = offered_subprotocols(request.headers)
        refused = outcome is Outcome.REFUSED
        return ConnectionAttempt(
            wall=self.hub.clock.wall(),
            peer=_peer(connection),
            path=request.path,
            identity=identity,
            offered=offered,
            chosen=chosen,
            auth_user=parsed[0] if parsed else None,
            auth_present="Authorization" in request.headers,
            tls_version=tls_version,
            sni=sni,
            outcome=outcome,
            reason=reason,
            advice=advice_for(reason, offered, self.subprotocols) if refused else None,
            warning=path_word_warning(identity) if identity is not None else None,
        )

    def _refuse(
        self,
        connection: ServerConnection,
        request: Request,
        status: HTTPStatus,
        reason: str,
        identity: str | None = None,
        *,
        held_back: float = 0.0,
        challenge: bool = True,
    ) -> Response:
        attempt = self._attempt(connection, request, Outcome.REFUSED, reason, identity=identity)
        if held_back:
            attempt = dataclasses.replace(attempt, held_back=held_back)
        self._record_refusal(attempt, _address(connection.remote_address))
        response = connection.respond(status, reason + "\n")
        if status == HTTPStatus.UNAUTHORIZED and challenge:
            response.headers["WWW-Authenticate"] = 'Basic realm="ocpp-tui", charset="UTF-8"'
        if status == HTTPStatus.SERVICE_UNAVAILABLE:
            response.headers["Retry-After"] = "30"
        return response

    def _record_refusal(self, attempt: ConnectionAttempt, address: str) -> None:
        """List the refusal in the connection clinic, tell subscribers, log it: all three
        bounded per address, so that a flood of connections cannot flood the log."""
        record, skipped = self._refusals.admit(address)
        if not record:
            return
        if skipped:
            attempt = dataclasses.replace(
                attempt,
                reason=f"{attempt.reason} ({skipped} more refusals from {address} not listed)",
            )
        self.hub.record_attempt(attempt)
        self.hub.emit(
            ConnectionRefused(
                attempt.peer,
                attempt.path,
                attempt.reason,
                attempt.offered,
                attempt.advice,
                attempt.warning,
            )
        )
        # The refusal is an event (events panel, headless output, Connections view); the log
        # only keeps it, so a headless run does not print it a second time as a warning. The
        # path and the offered subprotocols are the peer's, sent before any authentication.
        where = f"{attempt.peer} {escape_controls(attempt.path)}" if attempt.path else attempt.peer
        log.info("refused %s: %s", where, escape_controls(attempt.reason))

    # ------------------------------------------------------------ connection caps

    def _tcp_opened(self, connection: _CountedConnection, transport: asyncio.BaseTransport) -> None:
        """A TCP connection arrived: refuse it at once (503) past the caps, before it can
        hold a socket for a whole handshake."""
        address = connection.peer_address
        self._tcp_count += 1
        self._tcp_by_address[address] += 1
        per_address = self.hub.config.max_connections_per_ip
        reason = None
        if self._tcp_count > self.max_connections + HANDSHAKE_HEADROOM:
            reason = self._cap_reason()
        elif per_address and self._tcp_by_address[address] > per_address:
            held = self._tcp_by_address[address] - 1
            reason = (
                f"{held} connection{'s' if held != 1 else ''} from {address} already: the cap "
                f"per address is {per_address} ([server] max_connections_per_ip)"
            )
        if reason is None:
            return
        self._refused_early.add(id(connection))
        if isinstance(transport, asyncio.WriteTransport):
            transport.write(http_refusal(reason))
        transport.close()
        peer = transport.get_extra_info("peername")
        self._record_refusal(
            self._bare_attempt(f"{address}:{peer[1]}" if peer else address, reason), address
        )

    def _tcp_closed(self, connection: _CountedConnection) -> None:
        self._tcp_count -= 1
        address = connection.peer_address
        self._tcp_by_address[address] -= 1
        if self._tcp_by_address[address] <= 0:
            del self._tcp_by_address[address]
        self._refused_early.discard(id(connection))

    def _cap_reason(self) -> str:
        cap = self.max_connections
        return (
            f"ocpp-tui is at its cap of {cap} connection{'s' if cap != 1 else ''} "
            "([server] max_connections)"
        )

    def _at_capacity(self, identity: str) -> bool:
        """True when a new session would go past `max_connections` (a charger replacing
        its own connection does not add one)."""
        if self._server is None:
            return False
        if len(self._server.all_connections) < self.max_connections:
            return False
        previous = self.hub.session_for(identity)
        return previous is None or not previous.connected

    def _bare_attempt(self, peer: str, reason: str) -> ConnectionAttempt:
        """A refusal before any request was read (no path, no headers)."""
        return ConnectionAttempt(
            wall=self.hub.clock.wall(),
            peer=peer,
            path="",
            identity=None,
            offered=(),
            chosen=None,
            auth_user=None,
            auth_present=False,
            tls_version=None,
            sni=None,
            outcome=Outcome.REFUSED,
            reason=reason,
            advice=advice_for(reason),
        )

    def _refused_emfile(self, peer: str, count: int) -> None:
        reason = _OUT_OF_DESCRIPTORS
        if count > 1:
            reason += f" ({count} connections refused since the last report)"
        attempt = self._bare_attempt(peer, reason)
        self.hub.record_attempt(attempt)
        self.hub.emit(ConnectionRefused(peer, "", reason, advice=attempt.advice))

    async def _check_request(
        self, connection: ServerConnection, request: Request
    ) -> Response | None:
        """Refuse, with a reason a technician can act on, what cannot become a session."""
        if id(connection) in self._refused_early:  # answered 503 on arrival already
            return connection.respond(HTTPStatus.SERVICE_UNAVAILABLE, "refused\n")
        if "upgrade" not in request.headers.get("Connection", "").lower():
            return self._refuse(
                connection,
                request,
                HTTPStatus.UPGRADE_REQUIRED,
                "not a WebSocket request: point the charger (not a browser) at this URL",
            )
        try:
            identity = identity_from_path(request.path)
        except BadIdentity as exc:
            return self._refuse(connection, request, HTTPStatus.NOT_FOUND, str(exc))
        offered = offered_subprotocols(request.headers)
        speaks = "/".join(p.removeprefix("ocpp") for p in self.subprotocols)
        if not offered:
            reason = (
                f"no subprotocol offered: set the OCPP version on the charger "
                f"(this server speaks {speaks})"
            )
            return self._refuse(connection, request, HTTPStatus.BAD_REQUEST, reason, identity)
        if not set(offered) & set(self.subprotocols):
            reason = f"offered only {', '.join(offered)}: this server speaks {speaks}"
            return self._refuse(connection, request, HTTPStatus.BAD_REQUEST, reason, identity)
        if self._at_capacity(identity):
            return self._refuse(
                connection, request, HTTPStatus.SERVICE_UNAVAILABLE, self._cap_reason(), identity
            )
        config = self.hub.config
        if config.unknown_policy is UnknownChargerPolicy.ALLOW_LIST and (
            identity not in config.allow_list
        ):
            reason = f"{identity} is not on the allow-list"
            return self._refuse(connection, request, HTTPStatus.FORBIDDEN, reason, identity)
        ssl_object = connection.transport.get_extra_info("ssl_object")
        if ssl_object is not None:
            mismatch = identity_mismatch(ssl_object.getpeercert(binary_form=True), identity)
            if mismatch is not None:
                return self._refuse(
                    connection,
                    request,
                    HTTPStatus.UNAUTHORIZED,
                    mismatch,
                    identity,
                    challenge=False,
                )
        only_16 = [p for p in offered if p in self.subprotocols] == ["ocpp1.6"]
        result, held_back = await self._check_password(connection, request, identity, only_16)
        if not result.ok:
            return self._refuse(
                connection,
                request,
                HTTPStatus.UNAUTHORIZED,
                result.reason,
                identity,
                held_back=held_back,
            )
        if len(self._auth_results) > 1000:  # handshakes that never reached the handler
            self._auth_results.clear()
        self._auth_results[id(connection)] = result
        return None

    async def _check_password(
        self, connection: ServerConnection, request: Request, identity: str, only_16: bool
    ) -> tuple[AuthResult, float]:
        """Basic auth (profiles 1 and 2), slowed for an address that guessed wrong before:
        (the result, with its reason naming the wait; seconds the answer was held back)."""
        config = self.hub.config
        header = request.headers.get("Authorization")
        if not config.auth.required:
            return check_basic_auth(config.auth, identity, header, only_16=only_16), 0.0
        backoff = self.hub.auth_backoff
        backoff.max_wait = config.auth.backoff_max  # the settings may have changed it
        address = _address(connection.remote_address)
        held_back = backoff.wait_for_turn(address)
        if held_back > 0:
            await self.hub.clock.sleep(held_back)
        result = check_basic_auth(config.auth, identity, header, only_16=only_16)
        if result.ok:
            backoff.succeeded(address)
            return result, held_back
        failures, wait = backoff.failed(address)
        if wait > 0:
            reason = (
                f"{result.reason}; {failures} failed attempt{'s' if failures > 1 else ''} "
                f"from {address}: its next answer waits {wait:g} s"
            )
            if held_back:
                reason += f" (this one waited {held_back:g} s)"
            result = dataclasses.replace(result, reason=reason)
        return result, held_back

    async def _handle(self, connection: ServerConnection) -> None:
        request = connection.request
        assert request is not None
        identity = identity_from_path(request.path)
        version = OcppVersion.from_subprotocol(connection.subprotocol or "")
        transport = WebSocketTransport(connection, path=request.path)
        auth = self._auth_results.pop(id(connection), None)
        if auth is not None and self.hub.config.auth.required:
            transport.info.extra["auth"] = auth.reason
        if transport.info.client_certificate:
            transport.info.extra["client certificate"] = transport.info.client_certificate
        previous = self.hub.session_for(identity)
        replaced = previous is not None and previous.connected
        reason = f"connected with {connection.subprotocol}"
        if replaced and previous is not None:
            reason += f"; the connection from {previous.transport.info.peer} was replaced"
        attempt = self._attempt(
            connection,
            request,
            Outcome.REPLACED if replaced else Outcome.ACCEPTED,
            reason,
            identity=identity,
            chosen=connection.subprotocol,
        )
        if attempt.sni:
            transport.info.extra["SNI"] = attempt.sni
        self.hub.record_attempt(attempt)
        session_class, options = self._session_class(connection)
        session = self.hub.open_session(identity, version, transport, session_class, **options)
        await self.hub.run_session(session)
