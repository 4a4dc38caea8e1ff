"""LinkSupervisor: keeps one local link (a serial port, a BLE device) serving a hub session.

A WebSocket charger dials in and the server makes a session per connection. A local link is
dialled by the laptop, so something has to open it, feed it to `Hub.open_session()`, and,
when the cable is pulled or the device drops, mark the session disconnected (its frames stay
in the log) and reopen the link once the port or device is back. That is this class.

There is no handshake on these links, so the identity and the OCPP version come from the
caller (the CLI's `--identity` and `--protocol`).

* The first open happens in `start()`, so a wrong port name fails at once with a reason.
* After a drop it polls the opener every `retry_interval` seconds, each attempt bounded by
  `open_timeout`, and gives up after `give_up_after` seconds (None: never).
* A link that ocpp-tui closed itself (`stop()`, `hub.stop()`, a session replaced by a new
  connection with the same identity) is not reopened.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from ocpptui.core.frame import Direction
from ocpptui.protocol.frames import ErrorCode, FrameError
from ocpptui.protocol.versions import OcppVersion
from ocpptui.transports.base import Transport
from ocpptui.transports.framing import FramingError
from ocpptui.transports.inbox import ProblemHandler

if TYPE_CHECKING:
    from ocpptui.core.hub import Hub
    from ocpptui.core.session import Session
    from ocpptui.transports.ble_link import BleSettings
    from ocpptui.transports.serial_link import SerialSettings

log = logging.getLogger(__name__)

#: The flag on frame-log entries that are framing errors rather than frames.
FRAMING_FLAG = "framing"


class LocalTransport(Transport, Protocol):
    """A Transport of a local link: reports framing errors and knows who closed it."""

    closed_locally: bool

    def set_problem_handler(self, handler: ProblemHandler | None) -> None: ...


Opener = Callable[[], Awaitable[LocalTransport]]


class LinkOpenFailed(OSError):
    """The link could not be opened; the message says why (and usually what to do)."""


class LinkState(StrEnum):
    OPENING = "opening"
    CONNECTED = "connected"
    WAITING = "waiting"  # dropped; polling for the port/device to come back
    CLOSED = "closed"  # closed by ocpp-tui
    FAILED = "failed"  # the first open failed: nothing runs
    GAVE_UP = "gave up"


@dataclass(frozen=True, slots=True)
class LinkStatus:
    """What the UI and the headless printer show about a supervised link."""

    label: str  # "serial /dev/ttyUSB0", "BLE AA:BB:..."
    state: LinkState
    detail: str = ""
    attempts: int = 0  # reopen attempts since the last drop

    @property
    def text(self) -> str:
        words = {
            LinkState.OPENING: "opening",
            LinkState.CONNECTED: "open",
            LinkState.WAITING: "lost; waiting for it to come back",
            LinkState.CLOSED: "closed",
            LinkState.FAILED: "cannot open",
            LinkState.GAVE_UP: "lost; gave up waiting",
        }[self.state]
        return f"{self.label}: {words}" + (f" ({self.detail})" if self.detail else "")


def record_framing_error(session: Session, error: FramingError) -> None:
    """Put a framing error in the session's frame log, flagged, in stream order.

    It is not answered: the bytes never formed a frame, so there is no message id to answer,
    and line noise must not make ocpp-tui talk.
    """
    session.frame_log.record(
        Direction.IN,
        error.preview_text,
        error=FrameError(str(error), ErrorCode.format_violation(session.version)),
        flags=(FRAMING_FLAG,),
    )


class LinkSupervisor:
    """Opens a local link, runs a hub session over it, and reopens it after drops."""

    def __init__(
        self,
        hub: Hub,
        opener: Opener,
        *,
        label: str,
        identity: str,
        version: OcppVersion = OcppVersion.V16,
        retry_interval: float = 1.0,
        open_timeout: float = 15.0,
        give_up_after: float | None = 3600.0,
    ) -> None:
        self.hub = hub
        self.opener = opener
        self.label = label
        self.identity = identity
        self.version = version
        self.retry_interval = retry_interval
        self.open_timeout = open_timeout
        self.give_up_after = give_up_after
        self.status = LinkStatus(label, LinkState.OPENING)
        self.session: Session | None = None
        self.sessions_opened = 0
        self._transport: LocalTransport | None = None
        self._listeners: list[Callable[[LinkStatus], None]] = []
        self._task: asyncio.Task[None] | None = None
        self._stop_requested = asyncio.Event()

    # ------------------------------------------------------------------ public

    def add_listener(self, callback: Callable[[LinkStatus], None]) -> Callable[[], None]:
        """Call `callback` on every status change; returns a function that removes it."""
        self._listeners.append(callback)
        return lambda: self._listeners.remove(callback)

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def start(self) -> Session:
        """Open the link and its session; keep it up in the background until `stop()`.

        Raises LinkOpenFailed when the first open fails (nothing keeps running then).
        """
        if self._task is not None:
            raise RuntimeError(f"{self.label} is already started")
        self._set_status(LinkState.OPENING)
        try:
            transport = await self._open()
        except LinkOpenFailed as exc:
            self._set_status(LinkState.FAILED, str(exc))
            raise
        session = self._open_session(transport)
        self._task = asyncio.create_task(self._keep(transport, session), name=f"link {self.label}")
        return session

    async def wait_closed(self) -> LinkStatus:
        """Wait until the supervisor ends (closed, stopped, or gave up); returns the status."""
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.shield(self._task)
        return self.status

    async def run(self) -> LinkStatus:
        """`start()` then `wait_closed()`: for a worker or task that owns the link."""
        await self.start()
        return await self.wait_closed()

    async def stop(self, reason: str = "closed by ocpp-tui") -> None:
        """Close the link (its session ends with `reason`) and stop reopening it."""
        self._stop_requested.set()
        transport = self._transport
        if transport is not None:
            with contextlib.suppress(Exception):
                await transport.close(reason)
        task = self._task
        if task is None or task.done():
            return
        try:
            async with asyncio.timeout(5.0):
                await asyncio.shield(task)
        except TimeoutError:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    # ------------------------------------------------------------------ internals

    async def _open(self) -> LocalTransport:
        try:
            async with asyncio.timeout(self.open_timeout):
                return await self.opener()
        except TimeoutError:
            raise LinkOpenFailed(f"{self.label}: no link within {self.open_timeout:g} s") from None
        except LinkOpenFailed:
            raise
        except Exception as exc:  # each carrier has its own errors; all mean "not open"
            raise LinkOpenFailed(str(exc) or type(exc).__name__) from exc

    def _open_session(self, transport: LocalTransport) -> Session:
        self._transport = transport
        session = self.hub.open_session(self.identity, self.version, transport)
        transport.set_problem_handler(lambda error: record_framing_error(session, error))
        self.session = session
        self.sessions_opened += 1
        self._set_status(LinkState.CONNECTED, transport.info.summary)
        return session

    async def _keep(self, transport: LocalTransport, session: Session) -> None:
        try:
            while True:
                await self.hub.run_session(session)
                closed_here = transport.closed_locally or self._stop_requested.is_set()
                await self._release(transport, session.close_reason or "closed")
                if closed_here:
                    self._set_status(LinkState.CLOSED, session.close_reason or "")
                    return
                log.info("%s: link lost: %s", self.label, session.close_reason)
                reopened = await self._reopen(session.close_reason or "link lost")
                if reopened is None:
                    return
                transport = reopened
                session = self._open_session(transport)
        except asyncio.CancelledError:
            await self._release(transport, "stopped")
            self._set_status(LinkState.CLOSED, "stopped")
            raise
        finally:
            self._transport = None

    async def _release(self, transport: LocalTransport, reason: str) -> None:
        with contextlib.suppress(Exception):
            await transport.close(reason)

    async def _reopen(self, reason: str) -> LocalTransport | None:
        loop = asyncio.get_running_loop()
        started = loop.time()
        attempts = 0
        self._set_status(LinkState.WAITING, reason)
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.retry_interval):
                    await self._stop_requested.wait()
            if self._stop_requested.is_set():
                self._set_status(LinkState.CLOSED, "stopped while waiting for the link")
                return None
            attempts += 1
            try:
                transport = await self._open()
            except LinkOpenFailed as exc:
                if self.give_up_after is not None and loop.time() - started > self.give_up_after:
                    self._set_status(LinkState.GAVE_UP, str(exc), attempts)
                    return None
                if attempts == 1 or str(exc) != self.status.detail:
                    self._set_status(LinkState.WAITING, str(exc), attempts)
                continue
            if self._stop_requested.is_set():
                await self._release(transport, "closed by ocpp-tui")
                self._set_status(LinkState.CLOSED)
                return None
            log.info("%s: link back after %d attempt(s)", self.label, attempts)
            return transport

    def _set_status(self, state: LinkState, detail: str = "", attempts: int = 0) -> None:
        self.status = LinkStatus(self.label, state, detail, attempts)
        for callback in list(self._listeners):
            try:
                callback(self.status)
            except Exception:
                log.exception("link status listener failed")


# ---------------------------------------------------------------------- per carrier


def serial_supervisor(
    hub: Hub,
    settings: SerialSettings,
    *,
    identity: str | None = None,
    version: OcppVersion = OcppVersion.V16,
    **options: float | None,
) -> LinkSupervisor:
    """A supervisor for a serial port (identity defaults to the port's name)."""
    from ocpptui.transports.serial_link import identity_for_port, serial_link_factory

    return LinkSupervisor(
        hub,
        serial_link_factory(settings),
        label=f"serial {settings.port}",
        identity=identity or identity_for_port(settings.port),
        version=version,
        **options,  # type: ignore[arg-type]
    )


def ble_supervisor(
    hub: Hub,
    settings: BleSettings,
    *,
    identity: str | None = None,
    version: OcppVersion = OcppVersion.V16,
    **options: float | None,
) -> LinkSupervisor:
    """A supervisor for a BLE device (identity defaults to its name or address)."""
    from ocpptui.transports.ble_link import ble_link_factory, identity_for_device

    return LinkSupervisor(
        hub,
        ble_link_factory(settings),
        label=f"BLE {settings.target}",
        identity=identity or identity_for_device(settings.target),
        version=version,
        open_timeout=settings.connect_timeout + 5.0,
        **options,  # type: ignore[arg-type]
    )
