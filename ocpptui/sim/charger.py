"""SimulatedCharger: the public face of the simulator, and its connect/reconnect loop."""

from __future__ import annotations

import asyncio
import logging
import zlib
from collections import Counter, deque
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

from ocpptui.protocol.timestamps import ocpp_timestamp
from ocpptui.sim.aio import cancel_and_wait, wait_event
from ocpptui.sim.certificates import ChainCheck, StationCertificate, StationCertificates
from ocpptui.sim.config_v16 import VENDOR_MAX_CURRENT, ConfigurationV16
from ocpptui.sim.device_model import VENDOR_COMPONENT, DeviceModel, Variable, build_device_model
from ocpptui.sim.diagnostics import DiagnosticsUpload, LogRequest, LogUploadJob
from ocpptui.sim.diagnostics import status_payload as log_status_payload
from ocpptui.sim.firmware import FirmwareDownload, FirmwareJob, FirmwareRequest
from ocpptui.sim.firmware import status_payload as firmware_status_payload
from ocpptui.sim.link import Link, LinkFactory, identity_from_url, websocket_link_factory
from ocpptui.sim.meter import Meter
from ocpptui.sim.options import OCPP21, SimulatorOptions
from ocpptui.sim.quirks import offered_subprotocols
from ocpptui.sim.session import SessionMixin
from ocpptui.sim.state import (
    ChargingProfileStore,
    ConnectorState,
    LocalAuthList,
    Transaction,
)

logger = logging.getLogger("ocpptui.sim")

# Transaction messages kept while the CSMS cannot be reached; beyond this the oldest are lost,
# as on a real charger whose queue is full.
_UNDELIVERED_LIMIT = 500
# A first energy register per connector, so meterStart is not a suspicious 0 Wh.
_FIRST_REGISTER_WH = 1_523_400
# Statuses after which a job is over, even while its task still waits for the CSMS's answer.
_FIRMWARE_FINAL = frozenset(
    (
        "DownloadFailed",
        "InstallationFailed",
        "InstallVerificationFailed",
        "InvalidSignature",
        "Installed",
    )
)
_UPLOAD_FINAL = frozenset(
    (
        "Uploaded",
        "UploadFailed",
        "UploadFailure",
        "PermissionDenied",
        "BadMessage",
        "NotSupportedOperation",
    )
)


class SimulatedCharger:
    """A charge point (OCPP 1.6J, 2.0.1 or 2.1) that connects to a CSMS and behaves like one.

    Start it with `asyncio.create_task(charger.run())` and end it with `await charger.stop()`.
    It reconnects on its own after a Reset, a dropped link or a failed connect. Its public
    properties are read-only state for tests and the demo (`wait_until()` waits for a
    condition); its public methods beyond `run`/`stop` and the local transactions are the
    hooks its sessions and jobs call (`sim.host.ChargerHost`).
    """

    def __init__(
        self,
        url: str | None = None,
        options: SimulatorOptions | None = None,
        *,
        link_factory: LinkFactory | None = None,
    ) -> None:
        options = options or SimulatorOptions()
        if url is not None:
            identity = identity_from_url(url)
            if options.identity is not None and options.identity != identity:
                raise ValueError(
                    f"options.identity {options.identity!r} differs from the URL's {identity!r}"
                )
        elif link_factory is not None and options.identity:
            identity = options.identity
        else:
            raise ValueError("give a ws:// URL, or a link_factory together with options.identity")
        self.identity = identity
        self.url = url
        self.options = options
        self._link_factory: LinkFactory = link_factory or websocket_link_factory(
            url or "",
            options.protocol,
            ping_interval=self._websocket_ping_interval,
            offered=offered_subprotocols(options.quirks, options.protocol),
            drop_on_ping=options.has_quirk("drops-on-ping"),
        )

        # State that survives reconnects and resets, as it would in a charger's memory.
        self._connectors = {
            connector_id: ConnectorState(connector_id, self._new_meter(connector_id))
            for connector_id in range(1, options.connectors + 1)
        }
        self._connector_view = MappingProxyType(self._connectors)
        self.station_operative = True
        self.charging_profiles = ChargingProfileStore()
        self.local_auth_list = LocalAuthList()
        # The charging-station key pair and certificate (A02 / 1.6 security extension): one
        # per charger, so a CSR sent before a reconnect still matches the chain signed after.
        self.certificates = StationCertificates(identity)
        self._config: ConfigurationV16 | None = None
        self._device_model: DeviceModel | None = None
        if options.is_v16:
            self._config = ConfigurationV16(options)
            self._config.subscribe(self._setting_changed)
        else:
            self._device_model = build_device_model(options, identity)
            self._device_model.subscribe(self._variable_changed)
            self._bind_live_variables(self._device_model)
        # 2.0.1 network connection profiles by slot (SetNetworkProfile). The simulator keeps
        # its own URL: a real charger would move to the first profile of
        # NetworkConfigurationPriority at its next reboot.
        self.network_profiles: dict[int, dict[str, Any]] = {0: {"ocpp_csms_url": url}}
        self._completed: list[Transaction] = []
        self._undelivered: deque[Any] = deque(maxlen=_UNDELIVERED_LIMIT)
        self.boot_reason = "PowerUp"
        self.reset_when_idle = False
        # 2.1 Reset ImmediateAndResume: the transactions outlive the reboot and are reported
        # resumed after the next accepted boot.
        self.resume_after_reboot = False
        self._firmware_version = options.firmware
        self._pending_firmware_version: str | None = None

        # Firmware update and diagnostics/log upload jobs: charger-level tasks, so a transfer
        # goes on while the link to the CSMS blips, as on a real charger.
        self._firmware_task: asyncio.Task[None] | None = None
        self._firmware_request: FirmwareRequest | None = None
        self._firmware_status = "Idle"
        # The current update rebooted onto its image: only its late Installed is left to send.
        self._firmware_rebooted = False
        self._last_firmware_download: FirmwareDownload | None = None
        self._log_task: asyncio.Task[None] | None = None
        self._jobs: set[asyncio.Task[None]] = set()
        self._log_request: LogRequest | None = None
        self._log_status = "Idle"
        self._last_diagnostics_upload: DiagnosticsUpload | None = None
        # Status notifications leave in the order they were decided (a repeat, a new job's
        # first status), as from a charger's outgoing queue.
        self._status_lock = asyncio.Lock()

        # Observability.
        self._booted = False
        self._boot_status: str | None = None
        self._boot_count = 0
        self._heartbeat_count = 0
        self._connect_count = 0
        self._sent: Counter[str] = Counter()
        self._waiters: set[asyncio.Future[None]] = set()

        self._session: SessionMixin | None = None
        self._running = False
        self._stop_requested = asyncio.Event()
        self._finished = asyncio.Event()
        self._finished.set()

    # --- read-only state -------------------------------------------------------------------

    @property
    def protocol(self) -> str:
        return self.options.protocol

    @property
    def running(self) -> bool:
        return self._running

    @property
    def connected(self) -> bool:
        return self._session is not None

    @property
    def booted(self) -> bool:
        """True while connected and the CSMS has accepted the last BootNotification."""
        return self._booted

    @property
    def boot_status(self) -> str | None:
        """The status of the last BootNotification answer (Accepted, Pending, Rejected)."""
        return self._boot_status

    @property
    def boot_count(self) -> int:
        """How many BootNotifications the CSMS has accepted."""
        return self._boot_count

    @property
    def heartbeat_count(self) -> int:
        """How many Heartbeats the CSMS has answered."""
        return self._heartbeat_count

    @property
    def connect_count(self) -> int:
        """How many times a link to the CSMS was opened."""
        return self._connect_count

    @property
    def sent_actions(self) -> dict[str, int]:
        """Calls the charger has sent (attempted), by action."""
        return dict(self._sent)

    @property
    def heartbeat_interval(self) -> int:
        """The heartbeat interval in (protocol) seconds, as configured now."""
        if self._config is not None:
            return self._config.get_int("HeartbeatInterval")
        assert self._device_model is not None
        return int(self._device_model.actual("OCPPCommCtrlr", "HeartbeatInterval"))

    @property
    def config(self) -> ConfigurationV16 | None:
        """The 1.6 configuration table (None for 2.0.1/2.1)."""
        return self._config

    @property
    def device_model(self) -> DeviceModel | None:
        """The 2.0.1/2.1 device model (None for 1.6)."""
        return self._device_model

    @property
    def configuration(self) -> dict[str, str | None]:
        """1.6: key → value; 2.x: `Component.Variable` label → Actual value."""
        if self._config is not None:
            return dict(self._config.as_dict())
        assert self._device_model is not None
        return self._device_model.as_dict()

    @property
    def connector_status(self) -> dict[int, str]:
        """Last status reported per connector (1.6, with 0 for the whole charger) or EVSE."""
        statuses = {c.connector_id: c.status for c in self._connectors.values()}
        if self.options.is_v16:
            statuses[0] = "Available" if self.station_operative else "Unavailable"
        return dict(sorted(statuses.items()))

    @property
    def connectors(self) -> Mapping[int, ConnectorState]:
        """Connectors (1.6) or EVSEs (2.x) by id (a read-only view: the set never changes)."""
        return self._connector_view

    @property
    def transactions(self) -> dict[int, Transaction]:
        """Running transactions by connector (1.6) or EVSE (2.x) id."""
        return {
            c.connector_id: c.transaction
            for c in self._connectors.values()
            if c.transaction is not None and c.transaction.active
        }

    @property
    def completed_transactions(self) -> list[Transaction]:
        return list(self._completed)

    # --- firmware and diagnostics ----------------------------------------------------------

    @property
    def firmware_version(self) -> str:
        """The firmware the charger runs (and reports at boot); changes after an update."""
        return self._firmware_version

    @property
    def firmware_status(self) -> str:
        """The last status of the current or last firmware update ("Idle" before any)."""
        return self._firmware_status

    @property
    def firmware_update_running(self) -> bool:
        """True from an accepted update until its final status (Installed or a failure), or
        until it rebooted onto the new image (a real charger's updater does not outlive that)."""
        task = self._firmware_task
        return (
            task is not None
            and not task.done()
            and self._firmware_status not in _FIRMWARE_FINAL
            and not self._firmware_rebooted
        )

    @property
    def last_firmware_download(self) -> FirmwareDownload | None:
        """URL, size, SHA-256 and image version of the last successful firmware download."""
        return self._last_firmware_download

    @property
    def log_status(self) -> str:
        """The last status of the current or last diagnostics/log upload ("Idle" before any)."""
        return self._log_status

    @property
    def log_upload_running(self) -> bool:
        """True from an accepted GetDiagnostics/GetLog until its final status."""
        task = self._log_task
        return task is not None and not task.done() and self._log_status not in _UPLOAD_FINAL

    @property
    def last_diagnostics_upload(self) -> DiagnosticsUpload | None:
        """URL, file name, size and SHA-256 of the last successful diagnostics/log upload."""
        return self._last_diagnostics_upload

    # --- charging-station certificate ------------------------------------------------------

    @property
    def station_certificate(self) -> StationCertificate | None:
        """The leaf of the last CertificateSigned chain the charger accepted (None before)."""
        return self.certificates.certificate

    @property
    def sign_certificate_status(self) -> str | None:
        """What the CSMS answered to the last SignCertificate (Accepted/Rejected); None before
        the first, or when the last one got no answer (CallError, timeout, link lost)."""
        return self.certificates.sign_certificate_status

    @property
    def last_certificate_check(self) -> ChainCheck | None:
        """The verdict on the last CertificateSigned (Accepted/Rejected, reason, detail)."""
        return self.certificates.last_check

    def certificate_csr(self, organisation: str) -> str:
        csr = self.certificates.build_csr(organisation)
        self._notify()
        return csr

    def sign_certificate_answered(self, status: str | None) -> None:
        self.certificates.sign_certificate_status = status
        logger.info("%s: SignCertificate answered %s", self.identity, status)
        self._notify()

    def certificate_signed(self, chain_pem: str) -> ChainCheck:
        verdict = self.certificates.install(chain_pem)
        if verdict.certificate is not None:
            logger.info(
                "%s: certificate installed: %s, issued by %s, valid until %s",
                self.identity,
                verdict.certificate.subject,
                verdict.certificate.issuer,
                verdict.certificate.not_after.isoformat(),
            )
        else:
            logger.warning(
                "%s: CertificateSigned rejected: %s (%s)",
                self.identity,
                verdict.reason,
                verdict.detail,
            )
        self._notify()
        return verdict

    # --- waiting for conditions ------------------------------------------------------------

    async def wait_until(
        self, predicate: Callable[[SimulatedCharger], bool], timeout: float | None = 10.0
    ) -> None:
        """Return once `predicate(self)` holds; raise TimeoutError after `timeout` seconds."""
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                while not predicate(self):
                    waiter: asyncio.Future[None] = loop.create_future()
                    self._waiters.add(waiter)
                    try:
                        await waiter
                    finally:
                        self._waiters.discard(waiter)
        except TimeoutError:
            raise TimeoutError(f"{self.identity}: condition not met within {timeout}s") from None

    def _notify(self) -> None:
        for waiter in list(self._waiters):
            if not waiter.done():
                waiter.set_result(None)

    # --- running ---------------------------------------------------------------------------

    async def run(self) -> None:
        """Connect, boot and serve the CSMS until `stop()`; reconnect after drops and resets."""
        if self._running:
            raise RuntimeError(f"{self.identity} is already running")
        self._running = True
        self._stop_requested.clear()
        self._finished.clear()
        failures = 0
        try:
            while not self._stop_requested.is_set():
                try:
                    link = await self._link_factory()
                except Exception as error:
                    delay = self._backoff(failures)
                    failures += 1
                    logger.warning(
                        "%s: cannot connect (%s); retrying in %.1fs", self.identity, error, delay
                    )
                    await self._sleep_unless_stopped(delay)
                    continue
                self._connect_count += 1
                boots_before = self._boot_count
                logger.info("%s: connected (%s)", self.identity, self.protocol)
                self._notify()
                outcome = await self._serve(link)
                if outcome == "stop":
                    break
                if outcome in ("reset", "firmware"):
                    failures = 0
                    await self._reboot("FirmwareUpdate" if outcome == "firmware" else "RemoteReset")
                    continue
                if self._boot_count > boots_before:
                    failures = 0  # that connection worked: start the backoff from the bottom
                delay = self._backoff(failures)
                failures += 1
                logger.info("%s: reconnecting in %.1fs", self.identity, delay)
                await self._sleep_unless_stopped(delay)
        finally:
            await cancel_and_wait(list(self._jobs), self.identity)
            self._running = False
            self._finished.set()
            self._notify()

    async def stop(self) -> None:
        """End the simulation: cancel every task, close the link, return when all is done."""
        self._stop_requested.set()
        await self._finished.wait()

    async def _serve(self, link: Link) -> str:
        """Run one session over `link`; return why it ended: stop, reset or lost."""
        session = self._new_session(link)
        self._session = session
        reader = asyncio.create_task(session.start(), name=f"sim:{self.identity}:reader")  # type: ignore[attr-defined]
        driver = asyncio.create_task(session.drive(), name=f"sim:{self.identity}:driver")
        stopper = asyncio.create_task(self._stop_requested.wait(), name=f"sim:{self.identity}:stop")
        try:
            done, _ = await asyncio.wait(
                {reader, driver, stopper, session.ended}, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            # First: a job (a firmware update's late status) must not spawn a call into this
            # session while it shuts down; nothing would cancel that call.
            self._session = None
            self._booted = False
            await cancel_and_wait((reader, driver, stopper), self.identity)
            await session.shutdown()
            for connector in self._connectors.values():
                connector.starting = False  # a start in progress died with the connection
            await self._close_link(link)
            self._notify()
        if stopper in done:
            return "stop"
        if session.ended.done():
            return session.ended.result()
        if reader in done:
            error = reader.exception()
            logger.warning("%s: connection lost: %s", self.identity, error or "reader ended")
        elif driver in done:
            error = driver.exception()
            logger.error("%s: session driver ended unexpectedly: %r", self.identity, error)
        return "lost"

    def _new_session(self, link: Link) -> SessionMixin:
        # Imported here: the version modules import this one for typing only.
        if self.options.is_v16:
            from ocpptui.sim.charger_v16 import ChargePointV16

            return ChargePointV16(self, link)
        from ocpptui.sim.charger_v201 import ChargePointV21, ChargePointV201

        if self.options.protocol == OCPP21:
            return ChargePointV21(self, link)
        return ChargePointV201(self, link)

    async def _close_link(self, link: Link) -> None:
        try:
            async with asyncio.timeout(2.0):
                await link.close()
        except Exception as error:  # closing a broken link may fail; it is gone either way
            logger.debug("%s: closing the link: %r", self.identity, error)

    async def _reboot(self, boot_reason: str = "RemoteReset") -> None:
        """What a Reset (or a firmware update) does between closing the link and reconnecting."""
        logger.info("%s: rebooting", self.identity)
        await self._sleep_unless_stopped(self.options.reboot_delay)
        if self._config is not None:
            self._config.apply_pending()
        if self._device_model is not None:
            self._device_model.apply_pending()
        self._apply_pending_firmware()
        self.reset_when_idle = False
        self.boot_reason = boot_reason
        for connector in self._connectors.values():
            connector.starting = False
            if connector.pending_operative is not None:
                connector.operative = connector.pending_operative
                connector.pending_operative = None

    def _backoff(self, failures: int) -> float:
        first, most = self.options.reconnect_backoff
        return min(most, first * 2 ** min(failures, 16))

    async def _sleep_unless_stopped(self, delay: float) -> None:
        await wait_event(self._stop_requested, delay)

    # --- firmware update and log upload jobs ------------------------------------------------

    def start_firmware_update(self, request: FirmwareRequest) -> None:
        """Run an accepted UpdateFirmware/SignedUpdateFirmware (the caller checked none runs)."""
        self._firmware_request = request
        self._firmware_status = "Idle"
        self._firmware_rebooted = False
        self._firmware_task = self._start_job(FirmwareJob(self, request).run(), "firmware")

    def start_log_upload(self, request: LogRequest) -> bool:
        """Run a GetDiagnostics/GetLog upload; return True when it cancelled a running one."""
        cancelled = self.log_upload_running
        if self._log_task is not None and cancelled:
            logger.info("%s: cancelling the running upload for a new one", self.identity)
            self._log_task.cancel()
        self._log_request = request
        self._log_status = "Idle"
        self._log_task = self._start_job(LogUploadJob(self, request).run(), "log-upload")
        return cancelled

    def _start_job(self, coro: Any, what: str) -> asyncio.Task[None]:
        task = asyncio.create_task(
            self._guarded_job(coro, what), name=f"sim:{self.identity}:{what}"
        )
        # Tracked until done: stop() cancels every job, also one that is only finishing.
        self._jobs.add(task)
        task.add_done_callback(self._jobs.discard)
        self._notify()
        return task

    async def _guarded_job(self, coro: Any, what: str) -> None:
        try:
            await coro
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("%s: %s failed", self.identity, what)
        finally:
            self._notify()

    async def report_firmware_status(self, request: FirmwareRequest, status: str) -> None:
        # A late status of an earlier update (Installed after its reboot) is sent, but the
        # current status stays the newer request's.
        if request is self._firmware_request:
            self._firmware_status = status
            self._notify()
        logger.info("%s: firmware status %s", self.identity, status)
        payload = firmware_status_payload(request.flavour, status, request.request_id)
        await self._send_status(payload, "firmware-status")

    async def report_log_status(self, request: LogRequest, status: str) -> None:
        if request is self._log_request:
            self._log_status = status
            self._notify()
        logger.info("%s: %s upload status %s", self.identity, request.kind, status)
        await self._send_status(log_status_payload(request, status), "log-status")

    async def _send_status(self, payload: Any, name: str) -> None:
        """A firmware/log status notification; twice with the repeated-statuses quirk."""
        times = 2 if self.options.has_quirk("repeated-statuses") else 1
        async with self._status_lock:
            for _ in range(times):
                await self.send_when_booted(payload, name)

    async def repeat_statuses(self, session: SessionMixin) -> None:
        """Send the last firmware and log statuses again (repeated-statuses quirk)."""
        async with self._status_lock:
            for payload in self._transfer_status_payloads():
                await session.send(payload)

    def _transfer_status_payloads(self) -> list[Any]:
        """The last firmware and log statuses as sent (repeated-statuses quirk); none before."""
        payloads = []
        firmware = self._firmware_request
        if firmware is not None and self._firmware_status != "Idle":
            status = self._firmware_status
            payloads.append(firmware_status_payload(firmware.flavour, status, firmware.request_id))
        log = self._log_request
        if log is not None and self._log_status != "Idle":
            payloads.append(log_status_payload(log, self._log_status))
        return payloads

    async def send_when_booted(self, payload: Any, name: str) -> bool:
        """Send a call from a job through the current session; False when it could not be.

        A status that finds the charger offline (or not yet booted) is not queued: it is
        remembered as the current status, which a TriggerMessage reports.
        """
        session = self._session
        if session is None or not self._booted:
            logger.info("%s: offline, %s not sent", self.identity, type(payload).__name__)
            return False
        try:
            await self._run_in_session(session, session.send(payload), name)
        except RuntimeError:
            return False
        return True

    def firmware_downloaded(self, download: FirmwareDownload) -> None:
        self._last_firmware_download = download
        self._notify()

    def diagnostics_uploaded(self, upload: DiagnosticsUpload) -> None:
        self._last_diagnostics_upload = upload
        self._notify()

    def reboot_into_firmware(self, version: str) -> None:
        """The image is installed: reboot and come back running `version`."""
        self._pending_firmware_version = version
        self._firmware_rebooted = True
        session = self._session
        if session is not None:
            session.request_end("firmware")
        else:
            # Offline: the reboot happens unseen; the next boot reports the new version.
            self._apply_pending_firmware()
            self.boot_reason = "FirmwareUpdate"

    def _apply_pending_firmware(self) -> None:
        if self._pending_firmware_version is not None:
            logger.info(
                "%s: firmware %s -> %s",
                self.identity,
                self._firmware_version,
                self._pending_firmware_version,
            )
            self._firmware_version = self._pending_firmware_version
            self._pending_firmware_version = None

    def firmware_status_for_trigger(self) -> tuple[str, int | None]:
        """The status a triggered FirmwareStatusNotification reports, with its requestId.

        1.6: the current status while an update runs, else Idle. 2.0.1 (L01.FR.25/26): the
        last status sent, unless that was Installed (or nothing was sent): then Idle.
        """
        request = self._firmware_request
        if request is None:
            return "Idle", None
        if self.options.is_v16:
            if self.firmware_update_running and self._firmware_status != "Idle":
                return self._firmware_status, request.request_id
            return "Idle", None
        if self._firmware_status in ("Idle", "Installed"):
            return "Idle", None
        return self._firmware_status, request.request_id

    def log_status_for_trigger(self, kind: str) -> tuple[str, int | None]:
        """Uploading (with its requestId) while an upload of `kind` runs, else Idle."""
        request = self._log_request
        if request is None or request.kind != kind or not self.log_upload_running:
            return "Idle", None
        if self._log_status == "Idle":
            return "Idle", None
        return self._log_status, request.request_id

    # --- local actions (a driver at the charger) -------------------------------------------

    async def start_local_transaction(
        self, connector_id: int = 1, id_tag: str | None = None
    ) -> Transaction:
        """Plug in and present a card: authorize and start charging on a connector/EVSE.

        Raises RuntimeError when the charger is not booted, the connector is busy or out of
        order, or the CSMS does not authorize the tag; ValueError for an unknown connector.
        """
        session = self._require_session()
        connector = self._connector(connector_id)
        if connector.busy:
            raise RuntimeError(f"connector {connector_id} is busy")
        if not (connector.operative and self.station_operative):
            raise RuntimeError(f"connector {connector_id} is unavailable")
        id_tag = id_tag or self.options.auto_id_tag
        reservation = connector.active_reservation()
        if reservation is not None and reservation.id_tag != id_tag:
            raise RuntimeError(f"connector {connector_id} is reserved for another tag")
        connector.starting = True
        transaction = await self._run_in_session(
            session,
            session.start_transaction(connector, id_tag, remote=False),
            "local-start",
        )
        if transaction is None:
            raise RuntimeError(f"transaction on connector {connector_id} was not started")
        return transaction

    async def stop_local_transaction(self, connector_id: int = 1, reason: str = "Local") -> None:
        """Present the card again (or unplug): stop the transaction on a connector/EVSE."""
        session = self._require_session()
        connector = self._connector(connector_id)
        if connector.transaction is None:
            raise RuntimeError(f"no transaction on connector {connector_id}")
        await self._run_in_session(
            session, session.stop_transaction(connector, reason), "local-stop"
        )

    def _require_session(self) -> SessionMixin:
        if self._session is None or not self._booted:
            raise RuntimeError(f"{self.identity} is not connected and booted")
        return self._session

    def _connector(self, connector_id: int) -> ConnectorState:
        try:
            return self._connectors[connector_id]
        except KeyError:
            raise ValueError(f"{self.identity} has no connector {connector_id}") from None

    async def _run_in_session(self, session: SessionMixin, coro: Any, name: str) -> Any:
        # As a session task, the work is cancelled with the session instead of waiting for
        # answers that can no longer come.
        result: list[Any] = []

        async def capture() -> None:
            result.append(await coro)

        task = session.spawn(capture(), name)
        await asyncio.wait({task})
        if task.cancelled() or not result:
            coro.close()  # never started if the session ended at once; avoids a warning
            raise RuntimeError(f"{self.identity}: connection ended during {name}")
        return result[0]

    # --- hooks for the sessions ------------------------------------------------------------

    def record_sent(self, action: str) -> None:
        self._sent[action] += 1
        self._notify()

    def boot_answered(self, status: str, interval: int) -> None:
        self._boot_status = status
        if status == "Accepted":
            if interval > 0:
                self._set_heartbeat_interval(interval)
            self._booted = True
            self._boot_count += 1
            logger.info("%s: boot accepted, heartbeat every %ss", self.identity, interval)
        self._notify()

    def heartbeat_answered(self) -> None:
        self._heartbeat_count += 1
        self._notify()

    def status_changed(self, connector_id: int, status: str) -> None:
        connector = self._connectors.get(connector_id)
        if connector is not None:
            connector.status = status
        self._notify()

    def transaction_started(self, transaction: Transaction) -> None:
        logger.info(
            "%s: transaction %s started on %s",
            self.identity,
            transaction.transaction_id,
            transaction.connector_id,
        )
        self._notify()

    def transaction_stopped(self, transaction: Transaction) -> None:
        self._completed.append(transaction)
        logger.info(
            "%s: transaction %s stopped (%s), %s Wh",
            self.identity,
            transaction.transaction_id,
            transaction.stop_reason,
            (transaction.meter_stop_wh or 0) - transaction.meter_start_wh,
        )
        self._notify()

    def meter_values_sent(self, transaction: Transaction) -> None:
        transaction.meter_values_sent += 1
        self._notify()

    def queue_undelivered(self, payload: Any) -> None:
        self._undelivered.append(payload)

    def take_undelivered(self) -> list[Any]:
        payloads = list(self._undelivered)
        self._undelivered.clear()
        return payloads

    @property
    def undelivered_count(self) -> int:
        """Transaction messages waiting to be sent after the next accepted boot."""
        return len(self._undelivered)

    def _set_heartbeat_interval(self, interval: int) -> None:
        if self._config is not None:
            self._config.set("HeartbeatInterval", str(interval))
        elif self._device_model is not None:
            self._device_model.set_actual("OCPPCommCtrlr", "HeartbeatInterval", str(interval))

    def _setting_changed(self, name: str, value: str) -> None:
        """A setting took effect: make it live (1.6 keys and 2.0.1 variable names)."""
        if name in (VENDOR_MAX_CURRENT, "MaxCurrent"):
            for connector in self._connectors.values():
                connector.meter.set_max_current(float(value))
        if self._session is not None:
            self._session.on_setting_changed(name, value)
        self._notify()

    def _variable_changed(self, variable: Variable, attribute_type: str, value: str) -> None:
        if attribute_type != "Actual":
            return
        if variable.component == VENDOR_COMPONENT or variable.component in (
            "OCPPCommCtrlr",
            "SampledDataCtrlr",
        ):
            self._setting_changed(variable.name, value)
        else:
            self._notify()

    def _bind_live_variables(self, model: DeviceModel) -> None:
        """Variables whose Actual value is the charger's live state, not a stored setting."""
        model.bind(
            lambda: "Available" if self.station_operative else "Unavailable",
            "ChargingStation",
            "AvailabilityState",
        )
        model.bind(lambda: str(self.station_operative).lower(), "ChargingStation", "Available")
        model.bind(ocpp_timestamp, "ClockCtrlr", "DateTime")
        model.bind(lambda: str(len(self.local_auth_list.entries)), "LocalAuthListCtrlr", "Entries")
        model.bind(
            lambda: str(len(self.charging_profiles.profiles)),
            "SmartChargingCtrlr",
            "Entries",
            variable_instance="ChargingProfiles",
        )
        model.bind(lambda: str(self._boot_count), VENDOR_COMPONENT, "BootCount")
        priority = model.find("OCPPCommCtrlr", "NetworkConfigurationPriority")
        assert priority is not None
        # Only slots that hold a profile may be listed.
        priority.check = lambda value: (
            None
            if all(int(slot) in self.network_profiles for slot in value.split(","))
            else "InvalidValue"
        )
        for connector in self._connectors.values():
            evse_id = connector.connector_id

            def availability(c: ConnectorState = connector) -> str:
                return c.status

            def available(c: ConnectorState = connector) -> str:
                return str(c.operative and self.station_operative).lower()

            def power(c: ConnectorState = connector) -> str:
                return str(round(c.meter.power_w, 1))

            model.bind(availability, "EVSE", "AvailabilityState", evse_id=evse_id)
            model.bind(available, "EVSE", "Available", evse_id=evse_id)
            model.bind(power, "EVSE", "Power", evse_id=evse_id)
            where = {"evse_id": evse_id, "connector_id": 1}
            model.bind(availability, "Connector", "AvailabilityState", **where)
            model.bind(available, "Connector", "Available", **where)

    def _websocket_ping_interval(self) -> float | None:
        if self._config is not None:
            seconds = self._config.get_int("WebSocketPingInterval")
        else:
            assert self._device_model is not None
            seconds = int(self._device_model.actual("OCPPCommCtrlr", "WebSocketPingInterval"))
        return float(seconds) if seconds > 0 else None

    def _new_meter(self, connector_id: int) -> Meter:
        options = self.options
        return Meter(
            register_wh=_FIRST_REGISTER_WH + 7_919 * connector_id,
            phases=options.phases,
            nominal_voltage_v=options.nominal_voltage_v,
            max_current_a=options.max_current_a,
            speedup=options.speedup,
            seed=zlib.crc32(f"{options.serial}/{connector_id}".encode()),
        )

    def __repr__(self) -> str:
        return (
            f"<SimulatedCharger {self.identity} {self.protocol} booted={self._booted} "
            f"connects={self._connect_count}>"
        )
