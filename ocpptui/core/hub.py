"""The Hub: every charger ocpp-tui knows, their sessions, the listening server, and events."""

from __future__ import annotations

import asyncio
import itertools
import logging
import secrets
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ocpptui.core.attempts import ConnectionAttempt
from ocpptui.core.auth_backoff import AuthBackoff
from ocpptui.core.clock import Clock
from ocpptui.core.commands import trigger_message
from ocpptui.core.config import BootAnswer, CsmsConfig
from ocpptui.core.events import (
    AttemptRecorded,
    ChargerConnected,
    ChargerDisconnected,
    ChargerUpdated,
    DecisionNeeded,
    HubEvent,
    LogProblem,
    LogResumed,
    UpdateKind,
)
from ocpptui.core.frame import Frame
from ocpptui.core.frame_log import FrameLog, OpenLogFiles
from ocpptui.core.frame_window import FrameWindow
from ocpptui.core.identity import file_safe
from ocpptui.core.proxy import ProxyServer, UpstreamConfig
from ocpptui.core.server import CsmsServer
from ocpptui.core.session import CallFailed, Session
from ocpptui.core.state import ChargerState
from ocpptui.protocol.timestamps import session_stamp
from ocpptui.protocol.versions import OcppVersion
from ocpptui.transports.base import Transport

log = logging.getLogger(__name__)


class Charger:
    """One charge point identity, across all its connections."""

    def __init__(self, identity: str, window_size: int) -> None:
        self.identity = identity
        self.frames = FrameWindow(window_size)
        self.sessions: list[Session] = []

    @property
    def session(self) -> Session | None:
        """The newest session (connected or not)."""
        return self.sessions[-1] if self.sessions else None

    @property
    def connected(self) -> bool:
        session = self.session
        return session is not None and session.connected

    @property
    def state(self) -> ChargerState | None:
        session = self.session
        return session.state if session is not None else None


#: Frames between two checks of the memory bound (a check sums every charger's window).
BOUND_CHECK_EVERY = 1024


def _water_level(sizes: list[int], budget: int) -> int | None:
    """The largest cap with sum(min(size, cap)) within 90 % of `budget` ("water filling"),
    or None when the sizes fit the budget as they are."""
    if sum(sizes) <= budget:
        return None
    remaining = budget * 9 // 10
    ordered = sorted(sizes)
    for index, size in enumerate(ordered):
        share = remaining // (len(ordered) - index)
        if size > share:
            return share
        remaining -= size
    return None


class Hub:
    """Owns chargers and sessions, runs the server, and tells subscribers what happened."""

    def __init__(
        self,
        config: CsmsConfig | None = None,
        *,
        sessions_dir: Path | None = None,
        clock: Clock | None = None,
        session_tag: Callable[[], str] | None = None,
    ) -> None:
        """`session_tag` makes the random part of session ids (fixed for screenshots)."""
        self.config = config or CsmsConfig()
        self._session_tag = session_tag or (lambda: secrets.token_hex(3))
        self.sessions_dir = sessions_dir
        self.clock = clock or Clock()
        self.chargers: dict[str, Charger] = {}
        self.frames = FrameWindow(self.config.window_size)
        self.events: deque[tuple[float, HubEvent]] = deque(maxlen=2000)
        self.attempts: deque[ConnectionAttempt] = deque(maxlen=1000)
        # Failed Basic-auth attempts per address, shared by every listening server.
        self.auth_backoff = AuthBackoff(self.clock, self.config.auth.backoff_max)
        self.servers: list[CsmsServer] = []
        self._subscribers: list[Callable[[HubEvent], None]] = []
        self._frame_listeners: list[Callable[[Frame], None]] = []
        self._sequence = itertools.count(1).__next__
        # Transaction ids start from the clock so a restarted tool does not reuse ids a
        # charger may still hold from the previous run.
        self._transaction_ids = itertools.count(
            int(self.clock.wall()) % 1_000_000 * 10 + 1
        ).__next__
        self._tasks: set[asyncio.Task[None]] = set()
        self._frames_since_bound = 0
        self._bytes_since_bound = 0
        self.frames_trimmed = 0  # frames dropped from memory by bound_memory (still on disk)
        # Every session's frame log file, open or closed by how recently it was written.
        self.log_files = OpenLogFiles(self.config.max_open_log_files)

    # ------------------------------------------------------------------- subscriptions

    def subscribe(self, callback: Callable[[HubEvent], None]) -> Callable[[], None]:
        """Call `callback` with every event; returns a function that unsubscribes."""
        self._subscribers.append(callback)
        return lambda: self._subscribers.remove(callback)

    def add_frame_listener(self, callback: Callable[[Frame], None]) -> Callable[[], None]:
        """Call `callback` for every frame of every session (keep it cheap: it is per frame)."""
        self._frame_listeners.append(callback)
        return lambda: self._frame_listeners.remove(callback)

    def emit(self, event: HubEvent) -> None:
        self.events.append((self.clock.wall(), event))
        for callback in list(self._subscribers):
            try:
                callback(event)
            except Exception:
                log.exception("event subscriber failed on %r", event)

    def _dispatch_frame(self, frame: Frame) -> None:
        self._frames_since_bound += 1
        self._bytes_since_bound += frame.memory_bytes
        if (
            self._frames_since_bound >= BOUND_CHECK_EVERY
            or self._bytes_since_bound >= self.config.frames_in_memory_bytes // 16
        ):
            self.bound_memory()
        for callback in self._frame_listeners:
            try:
                callback(frame)
            except Exception:
                log.exception("frame listener failed")

    def bound_memory(self) -> int:
        """Keep the chargers' windows within `config.frames_in_memory` frames and
        `config.frames_in_memory_bytes` bytes together.

        Over a bound, the biggest windows lose their oldest frames down to a common size
        (the chargers with few frames keep all of theirs), leaving 10 % headroom so this
        runs rarely; the hub's window of every charger's frames keeps to the byte bound too.
        Returns the number of frames dropped from memory; the files keep them all.
        """
        self._frames_since_bound = self._bytes_since_bound = 0
        windows = [charger.frames for charger in self.chargers.values()]
        dropped = 0
        cap = _water_level([len(window) for window in windows], self.config.frames_in_memory)
        if cap is not None:
            dropped += sum(window.trim_to(cap) for window in windows)
        budget = self.config.frames_in_memory_bytes
        cap = _water_level([window.bytes for window in windows], budget)
        if cap is not None:
            dropped += sum(window.trim_bytes(cap) for window in windows)
        self.frames.trim_bytes(budget)
        self.frames_trimmed += dropped
        return dropped

    async def wait_until(self, predicate: Callable[[], bool], timeout: float) -> None:
        """Return once `predicate()` holds, re-checking after every hub event.

        Raises TimeoutError after `timeout` seconds. State changes (boot, status, transactions,
        connects and disconnects) are all events, so no polling is needed.
        """
        if predicate():
            return
        changed = asyncio.Event()
        unsubscribe = self.subscribe(lambda event: changed.set())
        try:
            async with asyncio.timeout(timeout):
                while not predicate():
                    changed.clear()
                    await changed.wait()
        finally:
            unsubscribe()

    # ------------------------------------------------------------------- sessions

    def charger(self, identity: str) -> Charger:
        found = self.chargers.get(identity)
        if found is None:
            found = self.chargers[identity] = Charger(identity, self.config.window_size)
        return found

    def _log_path(self, identity: str) -> tuple[str, Path | None]:
        stamp = session_stamp(self.clock.wall())
        session_id = f"{stamp}_{file_safe(identity)}_{self._session_tag()}"
        if self.sessions_dir is None:
            return session_id, None
        return session_id, self.sessions_dir / session_id / "frames.jsonl"

    def open_session(
        self,
        identity: str,
        version: OcppVersion,
        transport: Transport,
        session_class: type[Session] = Session,
        **session_options: Any,
    ) -> Session:
        """Create the session for a new connection; the caller runs `run_session()` on it."""
        charger = self.charger(identity)
        previous = charger.session
        session_id, path = self._log_path(identity)
        frame_log = FrameLog(
            identity=identity,
            session_id=session_id,
            path=path,
            windows=(charger.frames, self.frames),
            sequence=self._sequence,
            clock=self.clock,
            listeners=(self._dispatch_frame,),
            on_disk_error=lambda message: self.emit(LogProblem(identity, message)),
            on_disk_back=lambda message: self.emit(LogResumed(identity, message)),
            protocol=version.subprotocol,
            files=self.log_files,
            large_frame_chars=self.config.large_frame_chars,
        )
        session = session_class(
            identity=identity,
            version=version,
            transport=transport,
            frame_log=frame_log,
            config=self.config,
            clock=self.clock,
            transaction_ids=self._transaction_ids,
            on_update=self._session_updated,
            **session_options,
        )
        if previous is not None:
            # Keep what we learned about the charger until its new boot says otherwise.
            session.validation = previous.validation
            session.ping_interval = previous.ping_interval
        charger.sessions.append(session)
        replaced = previous is not None and previous.connected
        if replaced and previous is not None:
            task = asyncio.ensure_future(
                previous.close(f"replaced by a new connection from {transport.info.peer}")
            )
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        self.emit(
            ChargerConnected(
                identity,
                session_id,
                transport.info.subprotocol or version.subprotocol,
                transport.info.peer,
                replaced,
            )
        )
        return session

    async def run_session(self, session: Session) -> None:
        """Serve the session until its transport closes."""
        await session.run()

    def record_attempt(self, attempt: ConnectionAttempt) -> None:
        self.attempts.append(attempt)
        self.emit(AttemptRecorded(attempt))

    def decide(self, identity: str, answer: BootAnswer) -> None:
        """The technician's answer for a charger (Accept / Pending / Reject its boot).

        An accepted charger that is waiting in Pending is asked to boot again at once
        (TriggerMessage BootNotification) instead of after its retry interval.
        """
        self.config.boot_answers[identity] = answer
        self.emit(ChargerUpdated(identity, UpdateKind.DECISION))
        session = self.session_for(identity)
        if (
            answer is BootAnswer.ACCEPTED
            and session is not None
            and session.connected
            and session.state.boot_status != "Accepted"
        ):
            task = asyncio.ensure_future(self._trigger_boot(session))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _trigger_boot(self, session: Session) -> None:
        try:
            await trigger_message(session, "BootNotification", wait=False)
        except CallFailed as exc:
            log.warning("%s: could not trigger a new boot: %s", session.identity, exc)

    def _session_updated(self, session: Session, what: UpdateKind) -> None:
        if what == UpdateKind.DECISION_NEEDED:
            state = session.state
            self.emit(
                DecisionNeeded(
                    session.identity, state.vendor, state.model, session.transport.info.peer
                )
            )
            return
        if what == UpdateKind.DISCONNECTED:
            self.emit(
                ChargerDisconnected(
                    session.identity, session.session_id, session.close_reason or ""
                )
            )
        else:
            self.emit(ChargerUpdated(session.identity, what))

    def forget(self, identity: str) -> None:
        """Take a charger that is not connected off the list (its log files stay on disk).

        Raises KeyError for an unknown identity and ValueError for a connected charger: its
        session still runs, and the list must show it. If it connects again, it is back.
        """
        charger = self.chargers[identity]
        if charger.connected:
            raise ValueError(f"{identity} is connected: only offline chargers can be removed")
        del self.chargers[identity]

    def session_for(self, identity: str) -> Session | None:
        charger = self.chargers.get(identity)
        return charger.session if charger is not None else None

    def connected_sessions(self) -> list[Session]:
        return [c.session for c in self.chargers.values() if c.session and c.session.connected]

    # ------------------------------------------------------------------- server

    @property
    def listen_host(self) -> str:
        """The address chargers reach the mini-CSMS on: its running server's, else the
        configured one (the file server listens there too unless told otherwise)."""
        for server in self.servers:
            return server.host
        return self.config.host

    async def start_server(self, host: str | None = None, port: int | None = None) -> CsmsServer:
        """Start listening for chargers (returns the CsmsServer; its `.port` is the bound port)."""
        server = CsmsServer(
            self,
            host if host is not None else self.config.host,
            self.config.port if port is None else port,
        )
        await server.start()
        self.servers.append(server)
        return server

    async def start_proxy(
        self, upstream: UpstreamConfig, host: str | None = None, port: int | None = None
    ) -> ProxyServer:
        """Start listening in proxy mode: chargers are forwarded to `upstream`."""
        server = ProxyServer(
            self,
            host if host is not None else self.config.host,
            self.config.port if port is None else port,
            upstream,
        )
        await server.start()
        self.servers.append(server)
        return server

    async def stop(self) -> None:
        """Stop the servers and close every connection."""
        for server in self.servers:
            await server.stop()
        self.servers.clear()
        for session in self.connected_sessions():
            await session.close("ocpp-tui is shutting down")
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
