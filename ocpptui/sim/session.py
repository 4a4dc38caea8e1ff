"""What every protocol version shares for one connection: tasks, safe calls, boot, heartbeat.

A session lives exactly as long as one link. Everything it starts runs in a task it tracks, so
ending the session (link lost, Reset, `stop()`) cancels all of it and leaks nothing.

Rule of the `ocpp` library that shapes this code: it awaits each `@on` handler before reading
the next frame, so a handler must never await `self.call()`. Handlers here only decide and
answer; whatever the charger sends as a consequence runs from a synchronous `@after` hook (the
library calls it once the answer is on the wire) through `spawn()`.

Two transfer quirks bend that order. `status-before-answer` starts an accepted firmware update
or log upload just before its answer is written, and holds the answer until the first status
notification is on the wire (not answered: the reader must go on to read that answer).
`repeated-statuses` re-sends the last firmware and log statuses every `status_repeat_interval`.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any

from ocpp.exceptions import OCPPError
from ocpp.routing import after, on

from ocpptui.protocol.timestamps import ocpp_timestamp
from ocpptui.sim.aio import cancel_and_wait, raise_if_cancelling, wait_event
from ocpptui.sim.diagnostics import LogRequest, get_log_request
from ocpptui.sim.firmware import FirmwareRequest, firmware_request, seconds_until
from ocpptui.sim.quirks import ignored_call, misbehave
from ocpptui.sim.state import ConnectorState, Transaction

if TYPE_CHECKING:
    from ocpptui.sim.certificates import ChainCheck
    from ocpptui.sim.host import ChargerHost
    from ocpptui.sim.link import Link

logger = logging.getLogger("ocpptui.sim")
frame_logger = logging.getLogger("ocpptui.sim.frames")

ACCEPTED = "Accepted"
_TRANSFER_STATUS_ACTIONS = frozenset(
    {
        "FirmwareStatusNotification",
        "SignedFirmwareStatusNotification",
        "DiagnosticsStatusNotification",
        "LogStatusNotification",
    }
)
# techInfo of a SecurityEventNotification is at most 255 characters (1.6, 2.0.1 and 2.1).
TECH_INFO_LIMIT = 255


class SessionMixin:
    """Mixed into the version's `ocpp` ChargePoint subclass (which provides `call`/`start`)."""

    id: str
    _call: Any  # the version's `ocpp.vXX.call` module, set by the library's ChargePoint
    _call_result: Any  # and its `ocpp.vXX.call_result` module

    #: The setting whose change restarts the periodic meter values.
    METER_INTERVAL_SETTING: str
    #: The SecurityEventNotification type for a CertificateSigned chain the charger refused.
    INVALID_CERTIFICATE_EVENT: str

    def __init__(self, charger: ChargerHost, link: Link) -> None:
        # The next class in the MRO is the version's `ocpp` ChargePoint.
        super().__init__(  # type: ignore[call-arg]
            charger.identity,
            link,
            response_timeout=charger.options.response_timeout,
            logger=frame_logger,
        )
        self.charger = charger
        self.options = charger.options
        self._tasks: set[asyncio.Task[None]] = set()
        self._ended: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        # Decisions an @on handler made, picked up by its @after hook (keyed by message id).
        self._plans: dict[str, Any] = {}
        self._boot_accepted = asyncio.Event()
        self._heartbeat_wakeup = asyncio.Event()
        self._meter_tasks: dict[int, asyncio.Task[None]] = {}
        self._meter_wakeups: dict[int, asyncio.Event] = {}
        # Set when a firmware/log status notification has been written (status-before-answer).
        self._status_written = asyncio.Event()

    # --- task and lifetime management ------------------------------------------------------

    def spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[None]:
        """Run `coro` as a tracked task of this session; its failure is logged, not raised."""
        task = asyncio.create_task(self._guarded(coro, name), name=f"sim:{self.id}:{name}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        # A task cancelled before its first step never starts `coro`; closing it avoids a
        # "coroutine was never awaited" warning (a no-op once it has run).
        task.add_done_callback(lambda _: coro.close())
        return task

    async def _guarded(self, coro: Coroutine[Any, Any, Any], name: str) -> None:
        try:
            await coro
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("%s: %s failed", self.id, name)

    def request_end(self, reason: str) -> None:
        """Ask the charger to end this session (e.g. "reset"): it closes the link."""
        if not self._ended.done():
            self._ended.set_result(reason)

    @property
    def ended(self) -> asyncio.Future[str]:
        return self._ended

    async def shutdown(self) -> None:
        """Cancel every task of the session and wait until they are gone."""
        await cancel_and_wait(list(self._tasks), self.id)
        self._tasks.clear()
        self._meter_tasks.clear()

    def plan(self, message_id: str, decision: Any) -> None:
        self._plans[message_id] = decision

    def take_plan(self, message_id: str) -> Any:
        return self._plans.pop(message_id, None)

    # --- calls from the CSMS ---------------------------------------------------------------

    async def route_message(self, raw_msg: str) -> None:
        """The library's entry point for each frame; some quirks drop a CALL unanswered."""
        if self.options.quirks:
            action = _call_action(raw_msg)
            if ignored_call(self.options.quirks, action):
                logger.info("%s: leaving %s unanswered (quirk)", self.id, action)
                return
        await super().route_message(raw_msg)  # type: ignore[misc]

    async def _send(self, message: str) -> None:  # the library's writer, for every frame
        if (
            message.startswith("[3")
            and self.options.has_quirk("status-before-answer")
            and self._start_transfer_before_answer(message)
        ):
            return
        await super()._send(message)  # type: ignore[misc]
        if message.startswith("[2") and _call_action(message) in _TRANSFER_STATUS_ACTIONS:
            self._status_written.set()

    def _start_transfer_before_answer(self, answer: str) -> bool:
        """Start the transfer this answer accepts and send the answer once its first status
        is out; True when it did (the answer is then sent later, not now)."""
        try:
            unique_id = json.loads(answer)[1]
        except (ValueError, IndexError):
            return False
        request = self._plans.get(unique_id)
        if isinstance(request, FirmwareRequest):
            # A 1.6 update waiting for its retrieve date reports nothing until then.
            if request.v16_plain and seconds_until(request.retrieve_at) > 0:
                return False
            self.take_plan(unique_id)
            self._status_written.clear()
            self.charger.start_firmware_update(request)
        elif isinstance(request, LogRequest):
            self.take_plan(unique_id)
            self._status_written.clear()
            self.charger.start_log_upload(request)
        else:
            return False
        # Not awaited here: the reader must go on (the status may wait for the answer to a
        # call already in flight, which only the reader can take in).
        self.spawn(self._answer_after_status(answer), "answer-after-status")
        return True

    async def _answer_after_status(self, answer: str) -> None:
        # Bounded: a status that cannot be sent (not booted) must not hold the answer forever.
        await wait_event(self._status_written, self.options.response_timeout)
        await super()._send(answer)  # type: ignore[misc]

    # --- calls to the CSMS -----------------------------------------------------------------

    async def send(self, payload: Any, *, queue_if_undelivered: bool = False) -> Any | None:
        """Send a call; return the CSMS's answer, or None when it failed (already logged).

        A CallError, a timeout or a lost link never propagates: a charger carries on. With
        `queue_if_undelivered`, a transaction message that may not have reached the CSMS is
        kept and sent again after the next accepted boot, as real chargers do.
        """
        action = type(payload).__name__
        self.charger.record_sent(action)
        # A quirk may make the payload break its schema on purpose. The library's call()
        # validates what it sends and would refuse it, so validation is skipped for exactly
        # those payloads (skip_schema_validation also skips checking the answer, which the CSMS
        # is trusted with here). Sending raw frames through the link instead would bypass the
        # library's one-call-at-a-time lock and its pairing of answers with requests.
        payload, misbehaving = misbehave(payload, self.options.quirks, self.options.protocol)
        try:
            answer = await self.call(  # type: ignore[attr-defined]
                payload, suppress=False, skip_schema_validation=misbehaving
            )
        except asyncio.CancelledError:
            if queue_if_undelivered:
                self.charger.queue_undelivered(payload)
            raise
        except OCPPError as error:
            raise_if_cancelling()
            # The CSMS answered with a CallError (or our own payload failed validation).
            logger.warning("%s: %s failed: %s %s", self.id, action, type(error).__name__, error)
            return None
        except TimeoutError:
            # The library's wait_for may turn our cancellation into a timeout (Python 3.11).
            if queue_if_undelivered:
                self.charger.queue_undelivered(payload)
            raise_if_cancelling()
            logger.warning(
                "%s: no answer to %s within %ss", self.id, action, self.options.response_timeout
            )
            return None
        except (ConnectionError, OSError, EOFError) as error:  # the link broke
            if queue_if_undelivered:
                self.charger.queue_undelivered(payload)
            raise_if_cancelling()
            logger.warning("%s: %s not delivered: %r", self.id, action, error)
            return None
        except Exception as error:  # an answer the library could not make sense of
            raise_if_cancelling()
            logger.warning("%s: %s: unusable answer: %r", self.id, action, error)
            return None
        raise_if_cancelling()  # answered, but the task was cancelled meanwhile
        return answer

    # --- the connection's life: boot, then heartbeats --------------------------------------

    async def drive(self) -> None:
        """Boot until accepted, announce the connectors, then heartbeat until the session ends."""
        await self._boot_until_accepted()
        await self._flush_undelivered()
        await self.announce_all_statuses()
        for connector in self.charger.connectors.values():
            if connector.transaction is not None and connector.transaction.active:
                self.start_meter_loop(connector)
        if self.options.auto_transaction:
            self.spawn(self._auto_transaction(), "auto-transaction")
        if self.options.has_quirk("repeated-statuses"):
            self.spawn(self._repeat_transfer_statuses(), "repeat-statuses")
        await self._heartbeat_loop()

    async def _repeat_transfer_statuses(self) -> None:
        while True:
            await asyncio.sleep(self.options.scaled(self.options.status_repeat_interval))
            await self.charger.repeat_statuses(self)

    async def _boot_until_accepted(self) -> None:
        while not self._boot_accepted.is_set():
            interval = await self.send_boot()
            if self._boot_accepted.is_set():
                return
            # Pending/Rejected: nothing but the boot may be sent until the interval expires
            # (the floor keeps a CSMS answering interval 0 from making the charger spin).
            delay = max(self.options.scaled(interval or 0), self.options.boot_retry_floor)
            await wait_event(self._boot_accepted, delay)

    async def send_boot(self) -> int | None:
        """Send BootNotification, record the answer, return the interval the CSMS gave."""
        result = await self.send(self.boot_payload())
        if result is None:
            return None
        status = str(result.status)
        interval = int(result.interval)
        self.charger.boot_answered(status, interval)
        if status == ACCEPTED:
            self._boot_accepted.set()
        else:
            logger.info("%s: boot %s, retry in %ss", self.id, status, interval)
        return interval

    async def _flush_undelivered(self) -> None:
        for payload in self.charger.take_undelivered():
            await self.send(payload, queue_if_undelivered=True)

    async def _heartbeat_loop(self) -> None:
        while True:
            self._heartbeat_wakeup.clear()
            interval = self.options.scaled(self.charger.heartbeat_interval)
            # Woken early when the interval changes: the new one counts from now.
            if not await wait_event(self._heartbeat_wakeup, interval):
                await self.send_heartbeat()

    async def send_heartbeat(self) -> None:
        result = await self.send(self._call.Heartbeat())
        if result is not None:
            self.charger.heartbeat_answered()

    def wake_heartbeat(self) -> None:
        self._heartbeat_wakeup.set()

    # --- firmware and log jobs (sim.firmware, sim.diagnostics) -----------------------------

    def start_planned_firmware_update(self, call_unique_id: str) -> None:
        """From an update request's `@after` hook: start the update its handler accepted."""
        request = self.take_plan(call_unique_id)
        if request is not None:
            self.charger.start_firmware_update(request)

    def start_planned_log_upload(self, call_unique_id: str) -> None:
        """From a GetDiagnostics/GetLog `@after` hook: start the upload its handler accepted."""
        request = self.take_plan(call_unique_id)
        if request is not None:
            self.charger.start_log_upload(request)

    def plan_firmware_update(
        self,
        flavour: str,
        call_unique_id: str,
        request_id: int,
        firmware: dict[str, Any],
        retries: int | None = None,
        retry_interval: int | None = None,
        **_: Any,
    ) -> bool:
        """A signed update (2.x UpdateFirmware, 1.6 SignedUpdateFirmware): plan it for the
        `@after` hook; False (refuse it) while another update runs."""
        if self.charger.firmware_update_running:
            return False
        request = firmware_request(flavour, request_id, firmware, retries, retry_interval)
        self.plan(call_unique_id, request)
        return True

    @on("GetLog")  # 2.x, and 1.6 with the security extension
    def on_get_log(
        self,
        log: dict[str, Any],
        log_type: str,
        request_id: int,
        call_unique_id: str,
        retries: int | None = None,
        retry_interval: int | None = None,
        **_: Any,
    ) -> Any:
        request = get_log_request(
            self.id,
            log,
            log_type,
            request_id,
            retries,
            retry_interval,
            protocol_v16=self.options.is_v16,
        )
        self.plan(call_unique_id, request)
        # N01: a new request cancels the running upload and says so.
        status = "AcceptedCanceled" if self.charger.log_upload_running else ACCEPTED
        return self._call_result.GetLog(status=status, filename=request.file_name)

    @after("GetLog")
    def after_get_log(self, call_unique_id: str, **_: Any) -> None:
        self.start_planned_log_upload(call_unique_id)

    # --- TriggerMessage ----------------------------------------------------------------------

    async def _send_triggered(self, message: str, targets: Any) -> None:
        """Send the message a TriggerMessage asked for (the version's own way)."""
        raise NotImplementedError

    @after("TriggerMessage")
    def after_trigger_message(self, call_unique_id: str, **_: Any) -> None:
        planned = self.take_plan(call_unique_id)
        if planned is not None:
            self.spawn(self._send_triggered(*planned), f"trigger-{planned[0]}")

    # --- charging-station certificate (sim.certificates) -----------------------------------

    async def sign_certificate(self, organisation: str, **fields: Any) -> None:
        """SignCertificate with a CSR for the charger's key; remember what the CSMS said.

        `fields` are the version's other SignCertificate fields (2.0.1: certificateType).
        """
        csr = self.charger.certificate_csr(organisation)
        answer = await self.send(self._call.SignCertificate(csr=csr, **fields))
        self.charger.sign_certificate_answered(str(answer.status) if answer else None)

    @after("CertificateSigned")
    def after_certificate_signed(self, call_unique_id: str, **_: Any) -> None:
        """A chain the handler refused is reported (2.x A02; the 1.6 security extension)."""
        verdict = self.take_plan(call_unique_id)
        if verdict is not None:
            self.report_refused_chain(verdict)

    def report_refused_chain(self, verdict: ChainCheck) -> None:
        """SecurityEventNotification for a CertificateSigned chain refused."""
        tech_info = f"{verdict.reason}: {verdict.detail}"[:TECH_INFO_LIMIT]
        self.spawn(
            self.send(
                self._call.SecurityEventNotification(
                    type=self.INVALID_CERTIFICATE_EVENT,
                    timestamp=ocpp_timestamp(),
                    tech_info=tech_info,
                )
            ),
            "security-event",
        )

    # --- periodic meter values of running transactions -------------------------------------

    def start_meter_loop(self, connector: ConnectorState) -> None:
        self.stop_meter_loop(connector.connector_id)
        wakeup = asyncio.Event()
        self._meter_wakeups[connector.connector_id] = wakeup
        self._meter_tasks[connector.connector_id] = self.spawn(
            self._meter_loop(connector, wakeup), f"meter-{connector.connector_id}"
        )

    def stop_meter_loop(self, connector_id: int) -> None:
        task = self._meter_tasks.pop(connector_id, None)
        self._meter_wakeups.pop(connector_id, None)
        if task is not None and task is not asyncio.current_task():
            task.cancel()

    def wake_meter_loops(self) -> None:
        for wakeup in self._meter_wakeups.values():
            wakeup.set()

    async def _meter_loop(self, connector: ConnectorState, wakeup: asyncio.Event) -> None:
        while True:
            wakeup.clear()
            interval = self.meter_interval()
            # Interval 0 disables periodic values until a new interval wakes the loop.
            timeout = self.options.scaled(interval) if interval > 0 else None
            if await wait_event(wakeup, timeout):
                continue
            transaction = connector.transaction
            if transaction is None or not transaction.active:
                return
            await self.send_periodic_meter_values(connector, transaction)

    async def _auto_transaction(self) -> None:
        connector = self.charger.connectors.get(1)
        if connector is None or connector.busy or not connector.operative:
            return
        await self.start_transaction(connector, self.options.auto_id_tag, remote=False)

    # --- version-specific parts ------------------------------------------------------------

    def boot_payload(self) -> Any:
        raise NotImplementedError

    def meter_interval(self) -> int:
        raise NotImplementedError

    async def announce_all_statuses(self) -> None:
        raise NotImplementedError

    async def send_periodic_meter_values(
        self, connector: ConnectorState, transaction: Transaction
    ) -> None:
        raise NotImplementedError

    async def start_transaction(
        self, connector: ConnectorState, id_tag: str, *, remote: bool, **extra: Any
    ) -> Transaction | None:
        raise NotImplementedError

    async def stop_transaction(self, connector: ConnectorState, reason: str) -> None:
        raise NotImplementedError

    def on_setting_changed(self, name: str, value: str) -> None:
        """A configuration value took effect (the charger forwards it to the live session)."""
        if name == "HeartbeatInterval":
            self.wake_heartbeat()
        elif name == self.METER_INTERVAL_SETTING:
            self.wake_meter_loops()


def _call_action(raw_msg: str) -> str | None:
    """The action of a CALL frame, or None for anything else (or unreadable text)."""
    try:
        message = json.loads(raw_msg)
    except ValueError:
        return None
    if isinstance(message, list) and len(message) >= 3 and message[0] == 2:
        action = message[2]
        return action if isinstance(action, str) else None
    return None
