"""A small CSMS for the simulator's tests, built directly on the `ocpp` package.

It accepts chargers over a real websocket on 127.0.0.1 (port 0), answers what a charger sends,
records every frame in both directions, and lets a test send calls with the library's `call()`.
Its behaviour can be bent to test the simulator's robustness: boot answers (Pending/Rejected),
actions answered with a CallError, and actions never answered at all.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from types import ModuleType
from typing import Any
from urllib.parse import unquote

from ocpp.exceptions import InternalError
from ocpp.routing import on
from ocpp.v16 import ChargePoint as ChargePoint16
from ocpp.v16 import call_result as result16
from ocpp.v201 import ChargePoint as ChargePoint201
from ocpp.v201 import call_result as result201
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed

CALL, CALL_RESULT, CALL_ERROR = 2, 3, 4


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Waitable:
    """Wake waiters whenever something was recorded."""

    def __init__(self) -> None:
        self._waiters: set[asyncio.Future[None]] = set()

    def changed(self) -> None:
        for waiter in list(self._waiters):
            if not waiter.done():
                waiter.set_result(None)

    async def until(self, predicate: Callable[[], Any], timeout: float, what: str) -> Any:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                while not (value := predicate()):
                    waiter = loop.create_future()
                    self._waiters.add(waiter)
                    try:
                        await waiter
                    finally:
                        self._waiters.discard(waiter)
                return value
        except TimeoutError:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}") from None


class RecordingConnection:
    """The server side of one websocket, recording frames and dropping silenced answers."""

    def __init__(self, websocket: ServerConnection, peer_state: PeerRecord) -> None:
        self._websocket = websocket
        self._record = peer_state

    async def recv(self) -> str:
        raw = await self._websocket.recv()
        text = raw.decode() if isinstance(raw, bytes) else raw
        self._record.add("in", text)
        return text

    async def send(self, message: str) -> None:
        frame = json.loads(message)
        if frame[0] in (CALL_RESULT, CALL_ERROR):
            action = self._record.action_of_incoming(frame[1])
            if action in self._record.behaviour.silent_actions:
                self._record.add("dropped", message)
                return
        self._record.add("out", message)
        await self._websocket.send(message)

    async def close(self) -> None:
        await self._websocket.close()


class Behaviour:
    """How the CSMS answers; shared by every connection of one server."""

    def __init__(
        self,
        *,
        boot_statuses: Iterable[str] = (),
        heartbeat_interval: int = 60,
        retry_interval: int = 1,
        invalid_tags: Iterable[str] = (),
    ) -> None:
        self.boot_statuses = list(boot_statuses)
        self.heartbeat_interval = heartbeat_interval
        self.retry_interval = retry_interval
        self.invalid_tags = set(invalid_tags)
        self.silent_actions: set[str] = set()
        self.error_actions: set[str] = set()
        self._transaction_ids = itertools.count(1001)

    def next_boot_status(self) -> str:
        return self.boot_statuses.pop(0) if self.boot_statuses else "Accepted"

    def next_transaction_id(self) -> int:
        return next(self._transaction_ids)

    def check(self, action: str) -> None:
        if action in self.error_actions:
            raise InternalError(description=f"test CSMS fails {action}")


class PeerRecord(Waitable):
    """Every frame of one connection, in order, with helpers to query and wait."""

    def __init__(self, behaviour: Behaviour, server: Waitable | None = None) -> None:
        super().__init__()
        self.behaviour = behaviour
        self._server = server
        self.frames: list[tuple[str, list[Any]]] = []
        self._incoming_actions: dict[str, str] = {}

    def add(self, direction: str, text: str) -> None:
        try:
            frame = json.loads(text)
        except ValueError:
            frame = ["?", text]
        if direction == "in" and frame and frame[0] == CALL:
            self._incoming_actions[frame[1]] = frame[2]
        self.frames.append((direction, frame))
        self.changed()
        if self._server is not None:
            self._server.changed()  # so a test can wait on frames across connections

    def action_of_incoming(self, unique_id: str) -> str | None:
        return self._incoming_actions.get(unique_id)

    def calls(self, action: str | None = None) -> list[dict[str, Any]]:
        """Payloads of calls the charger sent (optionally of one action), in order."""
        return [
            frame[3]
            for direction, frame in self.frames
            if direction == "in" and frame[0] == CALL and (action is None or frame[2] == action)
        ]

    def actions(self) -> list[str]:
        return [f[2] for d, f in self.frames if d == "in" and f[0] == CALL]

    async def wait_for(
        self,
        action: str,
        predicate: Callable[[dict[str, Any]], bool] = lambda _: True,
        *,
        count: int = 1,
        timeout: float = 5.0,
    ) -> list[dict[str, Any]]:
        """Wait until `count` calls of `action` matching `predicate` arrived; return them all."""

        def matching() -> list[dict[str, Any]] | None:
            found = [p for p in self.calls(action) if predicate(p)]
            return found if len(found) >= count else None

        return await self.until(matching, timeout, f"{count} x {action}")

    def index_of(self, direction: str, message_type: int, unique_id: str) -> int:
        for index, (frame_direction, frame) in enumerate(self.frames):
            if frame_direction == direction and frame[0] == message_type and frame[1] == unique_id:
                return index
        raise AssertionError(f"no {direction} frame {message_type} with id {unique_id}")

    def incoming_calls_between(self, start: int, end: int | None, action: str) -> list[Any]:
        return [
            frame
            for direction, frame in self.frames[start:end]
            if direction == "in" and frame[0] == CALL and frame[2] == action
        ]


class PeerMixin:
    """What both versions' peers do alike; `results` is the version's `call_result` module
    (the answers below have the same names and fields in 1.6 and 2.0.1)."""

    record: PeerRecord
    behaviour: Behaviour
    websocket_connection: RecordingConnection
    results: ModuleType

    async def close(self) -> None:
        """The CSMS drops the charger."""
        await self.websocket_connection.close()

    # Shortcuts used by the tests.
    def calls(self, action: str | None = None) -> list[dict[str, Any]]:
        return self.record.calls(action)

    async def wait_for(self, action: str, predicate=lambda _: True, *, count=1, timeout=5.0):
        return await self.record.wait_for(action, predicate, count=count, timeout=timeout)

    @on("BootNotification")
    def on_boot(self, **_: Any):
        self.behaviour.check("BootNotification")
        status = self.behaviour.next_boot_status()
        interval = (
            self.behaviour.heartbeat_interval
            if status == "Accepted"
            else self.behaviour.retry_interval
        )
        return self.results.BootNotification(current_time=now(), interval=interval, status=status)

    @on("Heartbeat")
    def on_heartbeat(self, **_: Any):
        self.behaviour.check("Heartbeat")
        return self.results.Heartbeat(current_time=now())

    @on("StatusNotification")
    def on_status(self, **_: Any):
        self.behaviour.check("StatusNotification")
        return self.results.StatusNotification()

    @on("FirmwareStatusNotification")
    def on_firmware_status(self, **_: Any):
        return self.results.FirmwareStatusNotification()

    @on("LogStatusNotification")
    def on_log_status(self, **_: Any):
        return self.results.LogStatusNotification()

    @on("SecurityEventNotification")
    def on_security_event(self, **_: Any):
        return self.results.SecurityEventNotification()


class CsmsPeer16(PeerMixin, ChargePoint16):
    results = result16

    @on("Authorize")
    def on_authorize(self, id_tag: str, **_: Any):
        self.behaviour.check("Authorize")
        status = "Invalid" if id_tag in self.behaviour.invalid_tags else "Accepted"
        return result16.Authorize(id_tag_info={"status": status})

    @on("StartTransaction")
    def on_start(self, id_tag: str, **_: Any):
        self.behaviour.check("StartTransaction")
        status = "Invalid" if id_tag in self.behaviour.invalid_tags else "Accepted"
        return result16.StartTransaction(
            transaction_id=self.behaviour.next_transaction_id(), id_tag_info={"status": status}
        )

    @on("StopTransaction")
    def on_stop(self, **_: Any):
        self.behaviour.check("StopTransaction")
        return result16.StopTransaction(id_tag_info={"status": "Accepted"})

    @on("MeterValues")
    def on_meter_values(self, **_: Any):
        self.behaviour.check("MeterValues")
        return result16.MeterValues()

    @on("DiagnosticsStatusNotification")
    def on_diagnostics_status(self, **_: Any):
        return result16.DiagnosticsStatusNotification()

    @on("SignedFirmwareStatusNotification")
    def on_signed_firmware_status(self, **_: Any):
        return result16.SignedFirmwareStatusNotification()


class CsmsPeer201(PeerMixin, ChargePoint201):
    results = result201

    @on("Authorize")
    def on_authorize(self, id_token: dict[str, Any], **_: Any):
        self.behaviour.check("Authorize")
        invalid = id_token["id_token"] in self.behaviour.invalid_tags
        return result201.Authorize(id_token_info={"status": "Invalid" if invalid else "Accepted"})

    @on("TransactionEvent")
    def on_transaction_event(self, id_token: dict[str, Any] | None = None, **_: Any):
        self.behaviour.check("TransactionEvent")
        if id_token is None:
            return result201.TransactionEvent()
        invalid = id_token["id_token"] in self.behaviour.invalid_tags
        return result201.TransactionEvent(
            id_token_info={"status": "Invalid" if invalid else "Accepted"}
        )

    @on("MeterValues")
    def on_meter_values(self, **_: Any):
        return result201.MeterValues()

    @on("NotifyReport")
    def on_notify_report(self, **_: Any):
        self.behaviour.check("NotifyReport")
        return result201.NotifyReport()

    @on("ReservationStatusUpdate")
    def on_reservation_status(self, **_: Any):
        return result201.ReservationStatusUpdate()


class CsmsServer(Waitable):
    """`async with CsmsServer() as csms:` — a CSMS on 127.0.0.1, on a free port."""

    def __init__(self, **behaviour: Any) -> None:
        super().__init__()
        self.behaviour = Behaviour(**behaviour)
        self.peers: list[CsmsPeer16 | CsmsPeer201] = []
        self._server: Server | None = None
        self.port = 0

    async def __aenter__(self) -> CsmsServer:
        self._server = await serve(
            self._handle, "127.0.0.1", 0, subprotocols=["ocpp1.6", "ocpp2.0.1"]
        )
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    def url(self, identity: str) -> str:
        return f"ws://127.0.0.1:{self.port}/ocpp/{identity}"

    def peers_of(self, identity: str) -> list[CsmsPeer16 | CsmsPeer201]:
        return [peer for peer in self.peers if peer.id == identity]

    async def peer(self, identity: str, *, nth: int = 1, timeout: float = 5.0):
        """The `nth` connection (1-based) of the charger `identity`, once it is there."""

        def found():
            peers = self.peers_of(identity)
            return peers[nth - 1] if len(peers) >= nth else None

        return await self.until(found, timeout, f"connection #{nth} of {identity}")

    async def _handle(self, websocket: ServerConnection) -> None:
        identity = unquote(websocket.request.path.rstrip("/").rpartition("/")[2])
        record = PeerRecord(self.behaviour, self)
        connection = RecordingConnection(websocket, record)
        peer_class = CsmsPeer201 if websocket.subprotocol == "ocpp2.0.1" else CsmsPeer16
        peer = peer_class(identity, connection, response_timeout=5)
        peer.record = record
        peer.behaviour = self.behaviour
        peer.websocket_connection = connection
        self.peers.append(peer)
        self.changed()
        try:
            await peer.start()
        except ConnectionClosed:
            pass
