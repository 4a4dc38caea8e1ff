"""The mini-CSMS's WebSocket server: accepts chargers at any `/<...>/<identity>` path."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import TYPE_CHECKING

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.http11 import Request, Response

from ocpptui.core.auth import AuthResult, check_basic_auth
from ocpptui.core.events import ConnectionRefused, ServerStarted, ServerStopped
from ocpptui.core.identity import BadIdentity, identity_from_path
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

    @property
    def subprotocols(self) -> tuple[str, ...]:
        return self.hub.config.subprotocols

    async def start(self) -> None:
        config = self.hub.config
        self._server = await serve(
            self._handle,
            self.host,
            self.port,
            subprotocols=list(self.subprotocols),  # type: ignore[arg-type]
            process_request=self._check_request,
            max_size=config.max_frame_bytes,
            ping_interval=config.ping_interval,
            ping_timeout=config.ping_timeout,
            # Charger TCP stacks and the per-frame log make compression a poor trade here.
            compression=None,
            ssl=config.ssl_context,
            logger=logging.getLogger("ocpptui.websockets"),
        )
        sockets = list(self._server.sockets)
        if sockets and self.port == 0:
            self.port = sockets[0].getsockname()[1]
        self.hub.emit(ServerStarted(self.host, self.port, self.subprotocols))
        log.info("listening on %s:%s (%s)", self.host, self.port, ", ".join(self.subprotocols))

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
            self.hub.emit(ServerStopped(f"stopped listening on {self.host}:{self.port}"))

    @property
    def scheme(self) -> str:
        return "wss" if self.hub.config.ssl_context is not None else "ws"

    def _refuse(
        self,
        connection: ServerConnection,
        request: Request,
        status: HTTPStatus,
        reason: str,
        offered: tuple[str, ...] = (),
    ) -> Response:
        peer = _peer(connection)
        self.hub.emit(ConnectionRefused(peer, request.path, reason, offered))
        log.warning("refused %s %s: %s", peer, request.path, reason)
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
            return self._refuse(
                connection,
                request,
                HTTPStatus.BAD_REQUEST,
                f"no subprotocol offered: set the OCPP version on the charger "
                f"(this server speaks {speaks})",
            )
        if not set(offered) & set(self.subprotocols):
            return self._refuse(
                connection,
                request,
                HTTPStatus.BAD_REQUEST,
                f"offered only {', '.join(offered)}: this server speaks {speaks}",
                offered,
            )
        config = self.hub.config
        only_16 = [p for p in offered if p in self.subprotocols] == ["ocpp1.6"]
        result = check_basic_auth(
            config.auth, identity, request.headers.get("Authorization"), only_16=only_16
        )
        if not result.ok:
            return self._refuse(
                connection, request, HTTPStatus.UNAUTHORIZED, result.reason, offered
            )
        self._auth_results[id(connection)] = result
        return None

    async def _handle(self, connection: ServerConnection) -> None:
        path = connection.request.path if connection.request is not None else "/"
        identity = identity_from_path(path)
        version = OcppVersion.from_subprotocol(connection.subprotocol or "")
        transport = WebSocketTransport(connection, path=path)
        auth = self._auth_results.pop(id(connection), None)
        if auth is not None and self.hub.config.auth.required:
            transport.info.extra["auth"] = auth.reason
        if transport.info.client_certificate:
            transport.info.extra["client certificate"] = transport.info.client_certificate
        session = self.hub.open_session(identity, version, transport)
        await self.hub.run_session(session)
