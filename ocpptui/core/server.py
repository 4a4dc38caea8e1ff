"""The mini-CSMS's WebSocket server: accepts chargers at any `/<...>/<identity>` path."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.http11 import Request, Response

from ocpptui.core.attempts import ConnectionAttempt, Outcome, advice_for
from ocpptui.core.auth import AuthResult, check_basic_auth, parse_basic
from ocpptui.core.config import UnknownChargerPolicy
from ocpptui.core.events import ConnectionRefused, ServerStarted, ServerStopped
from ocpptui.core.identity import BadIdentity, identity_from_path, path_word_warning
from ocpptui.core.session import Session
from ocpptui.protocol.terminal_text import escape_controls
from ocpptui.protocol.versions import OcppVersion
from ocpptui.transports.websocket import WebSocketTransport

if TYPE_CHECKING:
    from ocpptui.core.hub import Hub

log = logging.getLogger(__name__)


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


class CsmsServer:
    """One listening socket (host, port) feeding sessions into the hub."""

    def __init__(self, hub: Hub, host: str, port: int) -> None:
        self.hub = hub
        self.host = host
        self.port = port
        self._server: Server | None = None
        # What the handshake decided about each connection, for the session view.
        self._auth_results: dict[int, AuthResult] = {}
        self._sni: dict[int, str] = {}  # id(SSLObject) → server name the charger asked for

    @property
    def subprotocols(self) -> tuple[str, ...]:
        return self.hub.config.subprotocols

    def _serve_options(self) -> dict[str, Any]:
        """Keyword arguments for `websockets.serve` (the proxy adds its own)."""
        config = self.hub.config
        return {
            "subprotocols": list(self.subprotocols),
            "process_request": self._check_request,
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
        self._server = await serve(self._handle, self.host, self.port, **self._serve_options())
        sockets = list(self._server.sockets)
        if sockets and self.port == 0:
            self.port = sockets[0].getsockname()[1]
        self.hub.emit(ServerStarted(self.host, self.port, self.subprotocols, self.scheme))
        log.info("listening on %s:%s (%s)", self.host, self.port, ", ".join(self.subprotocols))

    def _remember_sni(self, ssl_object, server_name: str | None, context) -> None:
        if server_name:
            if len(self._sni) > 1000:
                self._sni.clear()
            self._sni[id(ssl_object)] = server_name

    async def stop(self) -> None:
        if self._server is not None:
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
    ) -> Response:
        attempt = self._attempt(connection, request, Outcome.REFUSED, reason, identity=identity)
        self.hub.record_attempt(attempt)
        self.hub.emit(
            ConnectionRefused(
                attempt.peer, request.path, reason, attempt.offered, attempt.advice, attempt.warning
            )
        )
        # The refusal is an event (events panel, headless output, Connections view); the log
        # only keeps it, so a headless run does not print it a second time as a warning. The
        # path and the offered subprotocols are the peer's, sent before any authentication.
        log.info(
            "refused %s %s: %s",
            attempt.peer,
            escape_controls(request.path),
            escape_controls(reason),
        )
        response = connection.respond(status, reason + "\n")
        if status == HTTPStatus.UNAUTHORIZED:
            response.headers["WWW-Authenticate"] = 'Basic realm="ocpp-tui", charset="UTF-8"'
        return response

    def _check_request(self, connection: ServerConnection, request: Request) -> Response | None:
        """Refuse, with a reason a technician can act on, what cannot become a session."""
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
        config = self.hub.config
        if config.unknown_policy is UnknownChargerPolicy.ALLOW_LIST and (
            identity not in config.allow_list
        ):
            reason = f"{identity} is not on the allow-list"
            return self._refuse(connection, request, HTTPStatus.FORBIDDEN, reason, identity)
        only_16 = [p for p in offered if p in self.subprotocols] == ["ocpp1.6"]
        result = check_basic_auth(
            config.auth, identity, request.headers.get("Authorization"), only_16=only_16
        )
        if not result.ok:
            return self._refuse(
                connection, request, HTTPStatus.UNAUTHORIZED, result.reason, identity
            )
        if len(self._auth_results) > 1000:  # handshakes that never reached the handler
            self._auth_results.clear()
        self._auth_results[id(connection)] = result
        return None

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
