"""Proxy (tap) mode: charger → laptop → the real CSMS, every frame forwarded unchanged and shown.

For each charger that connects, the laptop opens the upstream connection for the same
identity with the same subprotocol (negotiated upstream first, so both legs agree), passes
the charger's Basic-auth credentials through (or uses configured ones), and forwards frames
byte for byte in both directions, recording both legs: `leg="charger"` (charger ⇄ laptop) and
`leg="csms"` (laptop ⇄ CSMS).

The technician may inject calls to the charger: they get fresh unique ids, their answers are
consumed here and never forwarded upstream, and they are marked "injected". An injected call
waits while the CSMS has a call open to the charger (OCPP-J allows one at a time).

If the upstream is unreachable or drops, the charger-side connection is kept (unless
configured otherwise) and the charger is answered locally as the mini-CSMS would; those
frames are marked "not-delivered-upstream". The upstream is retried in the background.

Profile 3 upstream: the charger's TLS ends at the laptop, so the laptop can only present its
own client certificate (`client_cert`), which the real CSMS must accept.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any
from urllib.parse import quote

from websockets.asyncio.client import connect
from websockets.asyncio.server import ServerConnection
from websockets.http11 import Request, Response
from websockets.server import ServerProtocol

from ocpptui.core.answers import ANSWERS
from ocpptui.core.events import UpdateKind
from ocpptui.core.frame import Direction
from ocpptui.core.identity import identity_from_path
from ocpptui.core.server import CsmsServer, ServerHost, offered_subprotocols
from ocpptui.core.session import Session
from ocpptui.protocol import catalog
from ocpptui.protocol.frames import FrameError, MessageType, ParsedFrame, parse_frame
from ocpptui.protocol.validation import SchemaUnavailable, Violation, validate_payload
from ocpptui.protocol.versions import OcppVersion
from ocpptui.transports.base import TransportClosed
from ocpptui.transports.websocket import WebSocketTransport

log = logging.getLogger(__name__)

UPSTREAM = "csms"
CHARGER = "charger"


@dataclass(slots=True)
class UpstreamConfig:
    url: str  # the real CSMS's base URL; the identity is appended as the last path segment
    ssl_context: ssl.SSLContext | None = None  # None: the system's CAs for wss://
    credentials: tuple[str, str] | None = None  # None: pass the charger's through unchanged
    keep_charger_on_loss: bool = True
    reconnect_interval: float = 5.0
    open_timeout: float = 10.0
    client_cert: str | None = None  # what the laptop presents upstream over TLS, for display

    def url_for(self, identity: str) -> str:
        return self.url.rstrip("/") + "/" + quote(identity, safe="")

    def tls_note(self) -> str | None:
        """What a wss:// upstream sees of the charger's identity, in words (None for ws://).

        The charger's TLS ends at the laptop, so a security-profile-3 CSMS can never see the
        charger's own client certificate: only the laptop's, which it must accept.
        """
        if not self.url.startswith("wss://"):
            return None
        if self.client_cert:
            return (
                f"TLS ends at this laptop: the CSMS sees only this laptop's client certificate "
                f"({self.client_cert}), never the charger's"
            )
        return (
            "TLS ends at this laptop: no client certificate goes upstream, so a profile-3 "
            "CSMS refuses (give the laptop one with --upstream-cert)"
        )


async def open_upstream(
    config: UpstreamConfig, identity: str, subprotocols: list[str], authorization: str | None
) -> WebSocketTransport:
    """Connect to the real CSMS for `identity`; raises OSError/websockets errors on failure."""
    headers: dict[str, str] = {}
    if config.credentials is not None:
        user, password = config.credentials
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        headers["Authorization"] = f"Basic {token}"
    elif authorization:
        headers["Authorization"] = authorization
    url = config.url_for(identity)
    ssl_context = config.ssl_context
    if url.startswith("wss://") and ssl_context is None:
        ssl_context = ssl.create_default_context()
    connection = await connect(
        url,
        subprotocols=subprotocols,  # type: ignore[arg-type]
        additional_headers=headers,
        ssl=ssl_context if url.startswith("wss://") else None,
        open_timeout=config.open_timeout,
        ping_interval=None,  # the real CSMS pings if it wants to
        compression=None,
        max_size=None,
    )
    return WebSocketTransport(connection, path=url)


def _describe_failure(exc: BaseException) -> str:
    status = getattr(getattr(exc, "response", None), "status_code", None)
    if status is not None:
        return f"the CSMS answered HTTP {status}"
    return str(exc) or type(exc).__name__


class ProxyServer(CsmsServer):
    """A CsmsServer whose sessions forward to an upstream CSMS."""

    def __init__(self, hub: ServerHost, host: str, port: int, upstream: UpstreamConfig) -> None:
        super().__init__(hub, host, port)
        self.upstream = upstream
        self._upstreams: dict[int, WebSocketTransport | str] = {}  # transport, or why not

    def _serve_options(self) -> dict[str, Any]:
        options = super()._serve_options()
        options["process_request"] = self._check_and_connect_upstream
        options["select_subprotocol"] = self._select_subprotocol
        # Our handshake now includes the upstream's: give it time.
        options["open_timeout"] = self.upstream.open_timeout + options["open_timeout"]
        return options

    async def _check_and_connect_upstream(
        self, connection: ServerConnection, request: Request
    ) -> Response | None:
        refused = await self._check_request(connection, request)
        if refused is not None:
            return refused
        identity = identity_from_path(request.path)
        offered = [p for p in offered_subprotocols(request.headers) if p in self.subprotocols]
        try:
            upstream = await open_upstream(
                self.upstream, identity, offered, request.headers.get("Authorization")
            )
        except Exception as exc:  # unreachable, refused, TLS: say which
            where = self.upstream.url_for(identity)
            reason = f"upstream {where} not reachable: {_describe_failure(exc)}"
            log.warning("%s: %s", identity, reason)
            if not self.upstream.keep_charger_on_loss:
                return self._refuse(connection, request, HTTPStatus.BAD_GATEWAY, reason, identity)
            self._upstreams[id(connection)] = reason
            return None
        self._upstreams[id(connection)] = upstream
        return None

    def _select_subprotocol(self, connection: ServerConnection, offered: Any) -> Any:
        upstream = self._upstreams.get(id(connection))
        if isinstance(upstream, WebSocketTransport) and upstream.info.subprotocol:
            return upstream.info.subprotocol  # both legs speak what the CSMS chose
        # The library's own negotiation (server preference), called on the class because the
        # instance attribute is this very function.
        return ServerProtocol.select_subprotocol(connection.protocol, offered)

    def _session_class(self, connection: ServerConnection) -> tuple[type[Session], dict[str, Any]]:
        upstream = self._upstreams.pop(id(connection), None)
        request = connection.request
        authorization = request.headers.get("Authorization") if request is not None else None
        return ProxySession, {
            "upstream_config": self.upstream,
            "upstream": upstream if isinstance(upstream, WebSocketTransport) else None,
            "upstream_problem": upstream if isinstance(upstream, str) else None,
            "authorization": authorization,
        }


class ProxySession(Session):
    """A session that forwards to the real CSMS and answers locally only when it is away."""

    def __init__(
        self,
        *,
        upstream_config: UpstreamConfig,
        upstream: WebSocketTransport | None,
        upstream_problem: str | None,
        authorization: str | None,
        **options: Any,
    ) -> None:
        super().__init__(**options)
        self.frame_leg = CHARGER
        self.upstream_config = upstream_config
        self.upstream = upstream
        self.upstream_state = (
            f"connected to {upstream_config.url_for(self.identity)}"
            if upstream is not None
            else f"not connected: {upstream_problem}"
        )
        self.undelivered = 0
        self._authorization = authorization
        # Ids of CSMS calls forwarded to the charger and not answered yet.
        self._csms_calls_open: set[str] = set()
        self._csms_idle = asyncio.Event()
        self._csms_idle.set()
        self._injection_idle = asyncio.Event()
        self._injection_idle.set()
        self._local_transactions: dict[str, str] = {}  # charger CALL id → our placeholder tx id
        self._upstream_task: asyncio.Task[None] | None = None

    # ------------------------------------------------------------------ lifecycle

    async def run(self) -> None:
        self._upstream_task = asyncio.create_task(
            self._upstream_loop(), name=f"upstream {self.identity}"
        )
        try:
            await super().run()
        finally:
            self._upstream_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._upstream_task
            if self.upstream is not None:
                with contextlib.suppress(Exception):
                    await self.upstream.close("the charger disconnected")
                self.upstream = None

    async def _upstream_loop(self) -> None:
        """Read the upstream while connected; reconnect after it drops (when configured to)."""
        while self.connected:
            if self.upstream is None:
                await asyncio.sleep(self.upstream_config.reconnect_interval)
                if not self.connected:
                    return
                try:
                    self.upstream = await open_upstream(
                        self.upstream_config,
                        self.identity,
                        [self.version.subprotocol],
                        self._authorization,
                    )
                except Exception as exc:
                    self._set_upstream_state(f"not connected: {_describe_failure(exc)}")
                    continue
                self._set_upstream_state(
                    f"reconnected to {self.upstream_config.url_for(self.identity)}"
                )
            try:
                await self._read_upstream(self.upstream)
            except TransportClosed as exc:
                self.upstream = None
                self._csms_calls_open.clear()
                self._csms_idle.set()
                self._set_upstream_state(f"lost: {exc.reason}")
                if not self.upstream_config.keep_charger_on_loss:
                    await self.close(f"the upstream CSMS connection was lost: {exc.reason}")
                    return

    def _set_upstream_state(self, text: str) -> None:
        self.upstream_state = text
        log.info("%s: upstream %s", self.identity, text)
        self.updated(UpdateKind.UPSTREAM)

    # ------------------------------------------------------------------ charger → CSMS

    async def _handle_text(self, text: str) -> None:
        if self.upstream is None:
            await super()._handle_text(text)
            return
        self.state.last_message_wall = self.clock.wall()
        parsed, error = _parse(text, self.version)
        if error is not None:
            # Malformed frames go upstream unchanged too: the real CSMS answers them.
            self.frame_log.record(Direction.IN, text, error=error, leg=CHARGER)
            await self._send_upstream(text)
        elif parsed is not None and parsed.message_type in (MessageType.CALL, MessageType.SEND):
            await self._handle_call(text, parsed)
        elif parsed is not None:
            await self._handle_answer(text, parsed)

    def _incoming_flags(self) -> tuple[str, ...]:
        return () if self.upstream is not None else ("not-delivered-upstream",)

    async def _handle_call(self, text: str, parsed: ParsedFrame) -> None:
        if self.upstream is None:
            self.undelivered += 1
            self.extra_out_flags = ("answered-locally",)
            try:
                await super()._handle_call(text, parsed)
            finally:
                self.extra_out_flags = ()
            return
        action = parsed.action or ""
        violations = self.charger_call_violations(action, parsed.payload)
        frame = self.frame_log.record(
            Direction.IN, text, parsed, violations=violations, leg=CHARGER
        )
        self._notify_call_listeners(frame)
        self._learn_from_call(parsed)
        await self._send_upstream(text)

    def _learn_from_call(self, parsed: ParsedFrame) -> None:
        """Keep the charger's state as the mini-CSMS would, without answering."""
        answer = ANSWERS[self.version].get(parsed.action or "")
        if answer is None or not isinstance(parsed.payload, dict):
            return
        before = set(self.state.transactions)
        try:
            answer(self, parsed.payload)
        except Exception:  # state keeping must never break forwarding
            log.exception("%s: could not learn from %s", self.identity, parsed.action)
        added = set(self.state.transactions) - before
        if parsed.action == "StartTransaction" and added:
            self._local_transactions[parsed.message_id] = added.pop()

    async def _handle_answer(self, text: str, parsed: ParsedFrame) -> None:
        pending = self._pending
        if (
            pending is not None and pending.message_id == parsed.message_id
        ) or self.upstream is None:
            await super()._handle_answer(text, parsed)  # an answer to one of our injected calls
            return
        violations: tuple[Violation, ...] = ()
        request = self.frame_log.open_call(Direction.OUT, parsed.message_id, CHARGER)
        if request is not None and request.action and parsed.message_type is MessageType.CALLRESULT:
            with contextlib.suppress(SchemaUnavailable):
                violations = validate_payload(
                    self.version, request.action, parsed.payload, is_request=False
                )
        self.frame_log.record(Direction.IN, text, parsed, violations=violations, leg=CHARGER)
        self._csms_calls_open.discard(parsed.message_id)
        if not self._csms_calls_open:
            self._csms_idle.set()
        await self._send_upstream(text)

    async def _send_upstream(self, text: str) -> None:
        upstream = self.upstream
        assert upstream is not None
        parsed, error = _parse(text, self.version)
        self.frame_log.record(Direction.OUT, text, parsed, error=error, leg=UPSTREAM)
        try:
            await upstream.send(text)
        except TransportClosed:
            pass  # the upstream reader notices the loss and reports it

    # ------------------------------------------------------------------ CSMS → charger

    async def _read_upstream(self, upstream: WebSocketTransport) -> None:
        while True:
            text = await upstream.recv()
            parsed, error = _parse(text, self.version)
            violations = self._csms_violations(parsed)
            self.frame_log.record(
                Direction.IN, text, parsed, error=error, violations=violations, leg=UPSTREAM
            )
            if parsed is not None and parsed.message_type is MessageType.CALL:
                await self._injection_idle.wait()  # our injected call goes first
                self._csms_calls_open.add(parsed.message_id)
                self._csms_idle.clear()
            elif parsed is not None and parsed.message_type is MessageType.CALLRESULT:
                self._learn_from_answer(parsed)
            with contextlib.suppress(TransportClosed):
                await self.send_frame(text)

    def _csms_violations(self, parsed: ParsedFrame | None) -> tuple[Violation, ...]:
        if parsed is None:
            return ()
        with contextlib.suppress(SchemaUnavailable):
            if parsed.message_type is MessageType.CALL:
                info = catalog.actions(self.version).get(parsed.action or "")
                if info is not None and info.csms_initiated:
                    return validate_payload(
                        self.version, parsed.action or "", parsed.payload, is_request=True
                    )
            elif parsed.message_type is MessageType.CALLRESULT:
                request = self.frame_log.open_call(Direction.OUT, parsed.message_id, UPSTREAM)
                if request is not None and request.action:
                    return validate_payload(
                        self.version, request.action, parsed.payload, is_request=False
                    )
        return ()

    def _learn_from_answer(self, parsed: ParsedFrame) -> None:
        """Use the CSMS's transaction id instead of the placeholder we made up."""
        placeholder = self._local_transactions.pop(parsed.message_id, None)
        real = (parsed.payload or {}).get("transactionId")
        if placeholder is None or real is None:
            return
        transaction = self.state.transactions.pop(placeholder, None)
        if transaction is not None:
            transaction.transaction_id = str(real)
            self.state.transactions[str(real)] = transaction
            self.updated(UpdateKind.TRANSACTION)

    # ------------------------------------------------------------------ injection

    # Our calls to the charger are injected: their answers stay here (never forwarded
    # upstream), and each waits while the CSMS has a call open to the charger.
    own_call_flags = ("injected",)

    @contextlib.asynccontextmanager
    async def _own_call_turn(self) -> AsyncIterator[None]:
        await self._csms_idle.wait()
        self._injection_idle.clear()
        try:
            yield
        finally:
            self._injection_idle.set()


def _parse(text: str, version: OcppVersion) -> tuple[ParsedFrame | None, FrameError | None]:
    try:
        return parse_frame(text, version), None
    except FrameError as error:
        return None, error
