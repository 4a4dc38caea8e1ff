"""A Session: one connection of one charger, over any transport, answered by the `ocpp` package.

The session reads every frame itself before the library sees it:

* it parses and validates the frame and records it in the frame log (with pairing, latency
  and violations), so that malformed frames are never silently lost;
* it answers what the library cannot: malformed frames (the library drops them unanswered),
  unknown or wrong-direction actions, and, in strict mode, schema-invalid CALLs;
* it resolves the answers to our own CALLs (`call_raw`); the library's `call()` cannot send
  a raw payload or give back the raw answer;
* it hands well-formed CALLs to the library's `route_message`, whose handlers answer through
  a tapped connection object that records each outgoing frame.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from ocpptui.core.charge_points import make_charge_point
from ocpptui.core.clock import Clock
from ocpptui.core.config import CsmsConfig, ValidationPolicy
from ocpptui.core.events import UpdateKind
from ocpptui.core.frame import Direction, Frame
from ocpptui.core.frame_log import FrameLog
from ocpptui.core.state import ChargerState
from ocpptui.protocol import catalog
from ocpptui.protocol.frames import (
    ErrorCode,
    FrameError,
    MessageType,
    ParsedFrame,
    call_error_text,
    call_text,
    parse_frame,
)
from ocpptui.protocol.validation import (
    SchemaUnavailable,
    Violation,
    error_code_for,
    validate_payload,
)
from ocpptui.protocol.versions import OcppVersion, version_module
from ocpptui.transports.base import Transport, TransportClosed

log = logging.getLogger(__name__)


def _result_module(version: OcppVersion) -> ModuleType:
    """The version's `ocpp.vXX.call_result` module (imported on first use)."""
    return importlib.import_module(f"ocpp.{version_module(version)}.call_result")


class CallFailed(Exception):
    """A CALL from ocpp-tui to the charger did not produce an answer."""


class NotConnected(CallFailed):
    def __init__(self, identity: str) -> None:
        super().__init__(f"{identity} is not connected")


class InvalidRequest(CallFailed):
    """The request breaks its schema (or names an unknown action) and was not sent."""

    def __init__(self, action: str, violations: tuple[Violation, ...] | str) -> None:
        if isinstance(violations, str):
            detail, self.violations = violations, ()
        else:
            detail = "; ".join(str(v) for v in violations)
            self.violations = violations
        super().__init__(f"{action} not sent: {detail}")


class CallTimeout(CallFailed):
    def __init__(self, action: str, seconds: float) -> None:
        super().__init__(f"no answer to {action} within {seconds:g} s")


class ConnectionLost(CallFailed):
    def __init__(self, action: str, reason: str) -> None:
        super().__init__(f"connection lost while waiting for the answer to {action}: {reason}")


@dataclass(slots=True)
class CallOutcome:
    """The charger's answer to one of our CALLs: a CALLRESULT payload or a CALLERROR."""

    action: str
    request: dict[str, Any]
    request_frame: Frame
    response_frame: Frame
    payload: dict[str, Any] | None = None  # CALLRESULT
    error_code: str | None = None  # CALLERROR
    error_description: str | None = None
    error_details: Any = None

    @property
    def ok(self) -> bool:
        return self.error_code is None

    @property
    def latency_ms(self) -> float:
        return self.response_frame.latency_ms or 0.0

    @property
    def violations(self) -> tuple[Violation, ...]:
        return self.response_frame.violations

    @property
    def status(self) -> str | None:
        """The `status` field most answers carry, or the CallError code."""
        if self.error_code is not None:
            return self.error_code
        value = (self.payload or {}).get("status")
        return value if isinstance(value, str) else None


@dataclass(slots=True)
class _PendingCall:
    message_id: str
    action: str
    future: asyncio.Future[tuple[ParsedFrame, Frame]]


class _TappedConnection:
    """The connection object the library's ChargePoint writes to: every send is recorded."""

    def __init__(self, session: Session) -> None:
        self._session = session

    async def send(self, text: str) -> None:
        await self._session.send_frame(text)

    async def recv(self) -> str:  # the session reads; the library never does
        raise RuntimeError("the session reads frames; ChargePoint.start() is not used")


class Session:
    """One charger connection: frames in and out, answers, state, and our CALLs."""

    def __init__(
        self,
        *,
        identity: str,
        version: OcppVersion,
        transport: Transport,
        frame_log: FrameLog,
        config: CsmsConfig,
        clock: Clock,
        transaction_ids: Callable[[], int],
        on_update: Callable[[Session, UpdateKind], None] = lambda session, what: None,
    ) -> None:
        self.identity = identity
        self.version = version
        self.transport = transport
        self.frame_log = frame_log
        self.config = config
        self.clock = clock
        self.state = ChargerState(identity, version)
        self.results = _result_module(version)
        self.session_id = frame_log.session_id
        self.connected = True
        self.close_reason: str | None = None
        self.connected_wall = clock.wall()
        self.disconnected_wall: float | None = None
        self.validation: ValidationPolicy | None = None  # None: follow config.validation
        self.ping_interval: float | None = None  # None: follow config; 0: off for this charger
        self.ping_rtt_ms: float | None = None
        self.last_pong_wall: float | None = None
        self.silent = False  # no message for more than two heartbeat intervals
        self._next_transaction_id = transaction_ids
        self._on_update = on_update
        self._charge_point = make_charge_point(
            version, identity, _TappedConnection(self), self, config.call_timeout
        )
        self._incoming: dict[str, dict[str, Any]] = {}
        self._pending: _PendingCall | None = None
        self._call_lock = asyncio.Lock()
        self._calls_waiting = 0
        self._call_listeners: list[Callable[[Frame], None]] = []
        self._frame_waiters: set[asyncio.Future[Frame]] = set()
        self._send_lock = asyncio.Lock()
        self.invalid_calls_answered = 0
        self._follow_ups: list[tuple[str, dict[str, Any], Callable[[str], None] | None]] = []
        self._follow_up_tasks: set[asyncio.Task[None]] = set()
        # Proxy mode records the charger leg as "charger" and marks our own frames.
        self.frame_leg: str | None = None
        self.extra_out_flags: tuple[str, ...] = ()

    # ------------------------------------------------------------ answer context (handlers)

    def charger_call_violations(self, action: str, payload: Any) -> tuple[Violation, ...]:
        """Schema violations of a CALL the charger sent (none for unknown/CSMS actions).

        Each CALL with violations counts in `state.invalid_calls`, which the charger list
        shows so the technician can take them to the vendor.
        """
        info = catalog.actions(self.version).get(action)
        if info is None or not info.charger_initiated:
            return ()
        violations: tuple[Violation, ...] = ()
        with contextlib.suppress(SchemaUnavailable):
            violations = validate_payload(self.version, action, payload, is_request=True)
        if violations:
            self.state.invalid_calls += 1
        return violations

    def answer_context(self) -> Session:
        return self

    def incoming_payload(self, message_id: str) -> dict[str, Any]:
        return self._incoming.get(message_id, {})

    def next_transaction_id(self) -> int:
        return self._next_transaction_id()

    def updated(self, what: UpdateKind) -> None:
        self._on_update(self, what)

    def after_answer(
        self, action: str, payload: dict[str, Any], done: Callable[[str], None] | None = None
    ) -> None:
        self._follow_ups.append((action, payload, done))

    def _send_follow_ups(self) -> None:
        """Start the CALLs a handler asked for, now that its answer is out. Each runs in its
        own task: the answer to it arrives through the read loop this method runs in."""
        queued, self._follow_ups = self._follow_ups, []
        for action, payload, done in queued:
            task = asyncio.create_task(
                self._follow_up(action, payload, done), name=f"{action} {self.identity}"
            )
            self._follow_up_tasks.add(task)
            task.add_done_callback(self._follow_up_tasks.discard)

    async def _follow_up(
        self, action: str, payload: dict[str, Any], done: Callable[[str], None] | None
    ) -> None:
        try:
            outcome = await self.call_raw(action, payload)
            result = outcome.status or ("answered" if outcome.ok else "CallError")
        except CallFailed as exc:
            result = f"no answer ({exc})"
        if done is not None:
            done(result)

    @property
    def effective_validation(self) -> ValidationPolicy:
        return self.validation or self.config.validation

    @property
    def queued_calls(self) -> int:
        """CALLs waiting for the one in flight (OCPP-J allows one outstanding CALL)."""
        return self._calls_waiting

    # ------------------------------------------------------------------- reading frames

    async def run(self) -> None:
        """Read and handle frames until the transport closes."""
        reason = "closed"
        watchdog = asyncio.create_task(self._watch_liveness(), name=f"liveness {self.identity}")
        try:
            while True:
                text = await self.transport.recv()
                try:
                    await self._handle_text(text)
                except TransportClosed:
                    raise
                except Exception:  # a bug must not take the connection down
                    log.exception("%s: error while handling a frame", self.identity)
        except TransportClosed as exc:
            reason = exc.reason
        except asyncio.CancelledError:
            reason = "session stopped"
            raise
        finally:
            watchdog.cancel()
            self._closed(reason)

    # ------------------------------------------------------------------- liveness

    @property
    def effective_ping_interval(self) -> float | None:
        """Seconds between WebSocket pings for this charger (None: off)."""
        if self.ping_interval is not None:
            return self.ping_interval or None
        return self.config.ping_interval

    async def _watch_liveness(self) -> None:
        """Ping (where the carrier can) and watch for missed heartbeats.

        Pings are ours rather than the WebSocket library's so they can be switched off per
        charger: some chargers drop the connection when the server pings them.
        """
        ping = getattr(self.transport, "ping", None)
        next_ping = self.clock.mono()
        while self.connected:
            await asyncio.sleep(1.0)
            self._check_heartbeats()
            interval = self.effective_ping_interval
            if ping is None or interval is None or self.clock.mono() < next_ping:
                continue
            next_ping = self.clock.mono() + interval
            try:
                async with asyncio.timeout(self.config.ping_timeout or interval):
                    self.ping_rtt_ms = await ping() * 1000.0
                self.last_pong_wall = self.clock.wall()
            except TimeoutError:
                log.warning("%s: no pong within %s s", self.identity, self.config.ping_timeout)
                await self.close(
                    f"no answer to WebSocket ping within {self.config.ping_timeout:g} s"
                )
                return
            except TransportClosed:
                return

    def _check_heartbeats(self) -> None:
        """Flag a charger that has gone quiet for more than two heartbeat intervals."""
        last = self.state.last_message_wall
        if last is None or not self.state.booted:
            return
        limit = 2 * self.config.heartbeat_interval + self.config.silence_grace
        silent = self.clock.wall() - last > limit
        if silent != self.silent:
            self.silent = silent
            self._on_update(self, UpdateKind.SILENT if silent else UpdateKind.ALIVE)

    def _closed(self, reason: str) -> None:
        if not self.connected:
            return
        self.connected = False
        self.close_reason = reason
        self.disconnected_wall = self.clock.wall()
        pending = self._pending
        if pending is not None and not pending.future.done():
            pending.future.set_exception(ConnectionLost(pending.action, reason))
        for waiter in self._frame_waiters:
            if not waiter.done():
                waiter.set_exception(ConnectionLost("the awaited message", reason))
        self.frame_log.close()
        self._on_update(self, UpdateKind.DISCONNECTED)

    async def _handle_text(self, text: str) -> None:
        self.state.last_message_wall = self.clock.wall()
        try:
            parsed = parse_frame(text, self.version)
        except FrameError as error:
            self.frame_log.record(Direction.IN, text, error=error, leg=self.frame_leg)
            await self._answer_malformed(error)
            return

        kind = parsed.message_type
        if kind in (MessageType.CALL, MessageType.SEND):
            await self._handle_call(text, parsed)
        else:
            await self._handle_answer(text, parsed)

    async def _answer_malformed(self, error: FrameError) -> None:
        if not error.answerable:
            return  # a broken answer to one of our calls: logged, no reply is due
        message_id = error.message_id
        if message_id is None:
            if not self.version.is_2x:
                return  # 1.6 offers no way to answer a frame whose id is unreadable
            message_id = "-1"  # OCPP-J 2.0.1 §4.2.3
        await self.send_frame(
            call_error_text(message_id, error.code, error.reason[:255]),
        )

    async def _handle_call(self, text: str, parsed: ParsedFrame) -> None:
        action = parsed.action or ""
        info = catalog.actions(self.version).get(action)
        violations = self.charger_call_violations(action, parsed.payload)
        frame = self.frame_log.record(
            Direction.IN,
            text,
            parsed,
            violations=violations,
            flags=self._incoming_flags(),
            leg=self.frame_leg,
        )
        self._notify_call_listeners(frame)
        if parsed.message_type is MessageType.SEND:
            return  # 2.1 SEND: nothing is answered

        if info is None:
            await self._send_call_error(
                parsed,
                ErrorCode.NOT_IMPLEMENTED,
                f"unknown action {action!r} in OCPP {self.version}",
            )
            return
        if not info.charger_initiated:
            await self._send_call_error(
                parsed, ErrorCode.NOT_SUPPORTED, f"{action} is sent by the CSMS, not by a charger"
            )
            return
        if violations and self.effective_validation is ValidationPolicy.STRICT:
            self.invalid_calls_answered += 1
            detail = "; ".join(str(v) for v in violations[:3])
            await self._send_call_error(parsed, error_code_for(self.version, violations), detail)
            return

        self._incoming[parsed.message_id] = parsed.payload
        try:
            # The handlers read the payload as the charger sent it (`incoming_payload`), so
            # the library is handed the CALL without it: parsing it again and turning every
            # key into a snake_case argument, recursively, cost more than the rest of the
            # library's routing for a MeterValues (benchmarks/README.md, "Frame path").
            await self._charge_point.route_message(call_text(parsed.message_id, action, {}))
        except TransportClosed:
            raise
        except Exception as exc:
            self._follow_ups.clear()  # the answer was a CallError: nothing follows it
            log.exception("%s: handler for %s failed", self.identity, action)
            await self._send_call_error(parsed, ErrorCode.INTERNAL, f"{type(exc).__name__}: {exc}")
        else:
            self._send_follow_ups()
        finally:
            self._incoming.pop(parsed.message_id, None)

    def _incoming_flags(self) -> tuple[str, ...]:
        """Marks for an incoming CALL (proxy mode: not delivered upstream)."""
        return ()

    async def _send_call_error(self, parsed: ParsedFrame, code: str, description: str) -> None:
        await self.send_frame(call_error_text(parsed.message_id, code, description[:255]))

    async def _handle_answer(self, text: str, parsed: ParsedFrame) -> None:
        pending = self._pending
        matches = pending is not None and pending.message_id == parsed.message_id
        violations: tuple[Violation, ...] = ()
        if matches and parsed.message_type is MessageType.CALLRESULT:
            assert pending is not None
            with contextlib.suppress(SchemaUnavailable):
                violations = validate_payload(
                    self.version, pending.action, parsed.payload, is_request=False
                )
        frame = self.frame_log.record(
            Direction.IN, text, parsed, violations=violations, leg=self.frame_leg
        )
        if matches:
            assert pending is not None
            if not pending.future.done():
                pending.future.set_result((parsed, frame))

    # ------------------------------------------------------------------- sending frames

    async def send_frame(self, text: str, flags: tuple[str, ...] = ()) -> Frame:
        """Record and send one frame (the library's answers come through here too)."""
        try:
            parsed: ParsedFrame | None = parse_frame(text, self.version)
            error = None
        except FrameError as exc:  # only when sending a deliberately broken frame
            parsed, error = None, exc
        violations: tuple[Violation, ...] = ()
        if parsed is not None and parsed.message_type is MessageType.CALLRESULT:
            request = self.frame_log.open_call(Direction.IN, parsed.message_id, self.frame_leg)
            if request is not None and request.action:
                with contextlib.suppress(SchemaUnavailable):
                    violations = validate_payload(
                        self.version, request.action, parsed.payload, is_request=False
                    )
        frame = self.frame_log.record(
            Direction.OUT,
            text,
            parsed,
            error=error,
            violations=violations,
            flags=(*flags, *self.extra_out_flags),
            leg=self.frame_leg,
        )
        async with self._send_lock:
            await self.transport.send(text)
        return frame

    async def call_raw(
        self,
        action: str,
        payload: dict[str, Any],
        *,
        validate: bool = True,
        timeout: float | None = None,
        flags: tuple[str, ...] = (),
    ) -> CallOutcome:
        """Send a CALL and return the charger's answer.

        The request is schema-checked first and refused (InvalidRequest) when it breaks the
        schema, unless `validate` is False ("send anyway", marked "invalid-sent" in the log).
        Raises CallTimeout, ConnectionLost or NotConnected when no answer comes back.
        """
        async with self._own_call_turn():
            return await self._call(
                action, payload, validate, timeout, (*flags, *self.own_call_flags)
            )

    #: Flags every CALL of ours carries (the proxy marks them "injected").
    own_call_flags: tuple[str, ...] = ()

    @contextlib.asynccontextmanager
    async def _own_call_turn(self) -> AsyncIterator[None]:
        """Held while a CALL of ours is checked, sent and answered (the proxy waits here for
        the real CSMS's call to the charger to be answered first)."""
        yield

    async def _call(
        self,
        action: str,
        payload: dict[str, Any],
        validate: bool,
        timeout: float | None,
        flags: tuple[str, ...],
    ) -> CallOutcome:
        info = catalog.actions(self.version).get(action)
        if validate:
            if info is None:
                raise InvalidRequest(action, f"no action {action!r} in OCPP {self.version}")
            if not info.csms_initiated:
                raise InvalidRequest(action, f"{action} is sent by chargers, not by a CSMS")
            if not isinstance(payload, dict):
                raise InvalidRequest(action, "the payload must be a JSON object")
            violations = validate_payload(self.version, action, payload, is_request=True)
            if violations:
                raise InvalidRequest(action, violations)
        elif info is None or validate_payload_safe(self.version, action, payload):
            flags = (*flags, "invalid-sent")

        wait = self.config.call_timeout if timeout is None else timeout
        self._calls_waiting += 1
        try:
            await self._call_lock.acquire()
        finally:
            self._calls_waiting -= 1
        try:
            if not self.connected:
                raise NotConnected(self.identity)
            message_id = str(uuid.uuid4())
            future: asyncio.Future[tuple[ParsedFrame, Frame]] = (
                asyncio.get_running_loop().create_future()
            )
            self._pending = _PendingCall(message_id, action, future)
            try:
                request_frame = await self.send_frame(
                    call_text(message_id, action, payload), flags=flags
                )
                # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancellation.
                async with asyncio.timeout(wait):
                    parsed, response_frame = await future
            except TimeoutError:
                raise CallTimeout(action, wait) from None
            except TransportClosed as exc:
                raise ConnectionLost(action, exc.reason) from None
            finally:
                self._pending = None
        finally:
            self._call_lock.release()

        return CallOutcome(
            action=action,
            request=payload,
            request_frame=request_frame,
            response_frame=response_frame,
            payload=parsed.payload if parsed.message_type is MessageType.CALLRESULT else None,
            error_code=parsed.error_code,
            error_description=parsed.error_description,
            error_details=parsed.error_details,
        )

    # ------------------------------------------------------------------- watching frames

    def subscribe_calls(self, callback: Callable[[Frame], None]) -> Callable[[], None]:
        """Call `callback` with every CALL/SEND frame the charger sends (after it is logged)."""
        self._call_listeners.append(callback)
        return lambda: self._call_listeners.remove(callback)

    async def wait_for_frame(
        self, action: str, predicate: Callable[[Frame], bool] = lambda f: True, timeout: float = 30
    ) -> Frame:
        """Wait for the next CALL `action` from the charger that satisfies `predicate`."""
        future: asyncio.Future[Frame] = asyncio.get_running_loop().create_future()

        def check(frame: Frame) -> None:
            if frame.action != action or future.done():
                return
            try:
                if predicate(frame):
                    future.set_result(frame)
            except Exception as exc:  # a bad predicate fails its own waiter only
                future.set_exception(exc)

        unsubscribe = self.subscribe_calls(check)
        self._frame_waiters.add(future)
        try:
            async with asyncio.timeout(timeout):
                return await future
        finally:
            self._frame_waiters.discard(future)
            unsubscribe()

    def _notify_call_listeners(self, frame: Frame) -> None:
        for callback in list(self._call_listeners):
            try:
                callback(frame)
            except Exception:
                log.exception("%s: call listener failed", self.identity)

    async def close(self, reason: str = "closed by ocpp-tui") -> None:
        with contextlib.suppress(Exception):
            await self.transport.close(reason)


def validate_payload_safe(version: OcppVersion, action: str, payload: Any) -> tuple[Violation, ...]:
    """Violations of a request we send anyway; an unknown action counts as one."""
    try:
        return validate_payload(version, action, payload, is_request=True)
    except SchemaUnavailable:
        return (Violation("$", "action", f"no schema for {action}"),)
