"""OCPP 1.6J behaviour of the simulated charger: one ChargePoint per connection."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from ocpp.exceptions import (
    FormationViolationError,
    NotSupportedError,
    OccurenceConstraintViolationError,
)
from ocpp.routing import after, on
from ocpp.v16 import ChargePoint, call, call_result
from ocpp.v16.enums import Action

from ocpptui.protocol.timestamps import ocpp_timestamp, parse_timestamp, parse_utc, utc_now
from ocpptui.sim.connector_rules import ConnectorRules
from ocpptui.sim.diagnostics import LogRequest, log_file_name, window
from ocpptui.sim.firmware import (
    FirmwareRequest,
    plain_v16_status,
)
from ocpptui.sim.meter import Sample
from ocpptui.sim.session import ACCEPTED
from ocpptui.sim.state import ConnectorState, Transaction

if TYPE_CHECKING:
    from ocpptui.sim.host import ChargerHost
    from ocpptui.sim.link import Link

logger = logging.getLogger("ocpptui.sim")

# Units a 1.6 SampledValue may carry (UnitOfMeasure); others (e.g. Hz) are left out.
_UNITS_V16 = frozenset(
    "Wh kWh varh kvarh W kW VA kVA var kvar A V Celsius Fahrenheit K Percent".split()
)
_TRIGGERABLE = frozenset(
    {
        "BootNotification",
        "DiagnosticsStatusNotification",
        "FirmwareStatusNotification",
        "Heartbeat",
        "MeterValues",
        "StatusNotification",
    }
)
# ExtendedTriggerMessage (1.6 security extension). SignChargePointCertificate makes the charger
# send a CSR for its own key (SignCertificate); sim.certificates keeps the key and checks the
# chain the CSMS returns in CertificateSigned.
_EXTENDED_TRIGGERABLE = frozenset(
    {
        "BootNotification",
        "FirmwareStatusNotification",
        "Heartbeat",
        "LogStatusNotification",
        "MeterValues",
        "SignChargePointCertificate",
        "StatusNotification",
    }
)
# The security event a 1.6 charger reports after refusing a CertificateSigned chain.


def number_text(value: float) -> str:
    """A sampled value as 1.6 writes it: a decimal string without a useless fraction."""
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.2f}".rstrip("0").rstrip(".")


def sampled_value_v16(sample: Sample, context: str) -> dict[str, Any]:
    return {
        "value": number_text(sample.value),
        "context": context,
        "format": "Raw",
        "measurand": sample.measurand,
        "phase": sample.phase,
        "location": sample.location,
        "unit": sample.unit if sample.unit in _UNITS_V16 else None,
    }


class ChargePointV16(ConnectorRules, ChargePoint):
    """The charger's side of one 1.6 connection."""

    METER_INTERVAL_SETTING = "MeterValueSampleInterval"
    INVALID_CERTIFICATE_EVENT = "InvalidChargePointCertificate"

    def __init__(self, charger: ChargerHost, link: Link) -> None:
        super().__init__(charger, link)
        assert charger.config is not None
        self.config = charger.config

    # --- what the charger sends ------------------------------------------------------------

    def boot_payload(self) -> call.BootNotification:
        options = self.options
        return call.BootNotification(
            charge_point_model=options.model,
            charge_point_vendor=options.vendor,
            charge_point_serial_number=options.serial,
            charge_box_serial_number=options.serial,
            firmware_version=self.charger.firmware_version,
            meter_type="SimMeter 3P" if options.phases == 3 else "SimMeter 1P",
        )

    def meter_interval(self) -> int:
        return self.config.get_int("MeterValueSampleInterval")

    def current_status(self, connector: ConnectorState) -> str:
        """The status a connector is in, derived from the charger's state."""
        if connector.transaction is not None and connector.transaction.active:
            return "Charging"
        if connector.starting:
            return "Preparing"
        return self.idle_status(connector)

    async def notify_status(self, connector_id: int, status: str | None = None) -> None:
        if connector_id == 0:
            status = status or ("Available" if self.charger.station_operative else "Unavailable")
        else:
            connector = self.charger.connectors[connector_id]
            status = status or self.current_status(connector)
        self.charger.status_changed(connector_id, status)
        await self.send(
            call.StatusNotification(
                connector_id=connector_id,
                error_code="NoError",
                status=status,
                timestamp=ocpp_timestamp(),
            )
        )

    async def notify_connector(self, connector: ConnectorState, status: str | None = None) -> None:
        await self.notify_status(connector.connector_id, status)

    async def announce_all_statuses(self) -> None:
        for connector_id in range(0, self.options.connectors + 1):
            await self.notify_status(connector_id)

    async def send_meter_values(
        self, connector: ConnectorState, context: str, transaction: Transaction | None
    ) -> None:
        measurands = self.config.get_list("MeterValuesSampledData")
        sampled = [sampled_value_v16(s, context) for s in connector.meter.read(measurands)]
        if not sampled:
            return
        await self.send(
            call.MeterValues(
                connector_id=connector.connector_id,
                meter_value=[{"timestamp": ocpp_timestamp(), "sampled_value": sampled}],
                transaction_id=transaction.transaction_id if transaction else None,
            )
        )
        if transaction is not None:
            self.charger.meter_values_sent(transaction)

    async def send_periodic_meter_values(
        self, connector: ConnectorState, transaction: Transaction
    ) -> None:
        await self.send_meter_values(connector, "Sample.Periodic", transaction)

    # --- transactions ----------------------------------------------------------------------

    async def start_transaction(
        self, connector: ConnectorState, id_tag: str, *, remote: bool, **extra: Any
    ) -> Transaction | None:
        """Preparing → (Authorize) → StartTransaction → Charging, with periodic MeterValues."""
        connector.starting = True
        try:
            await self.notify_status(connector.connector_id, "Preparing")
            if self._must_authorize(id_tag, remote):
                answer = await self.send(call.Authorize(id_tag=id_tag))
                status = answer.id_tag_info.get("status") if answer else None
                if status != ACCEPTED:
                    logger.info("%s: %s not authorized (%s)", self.id, id_tag, status)
                    await self.give_up_start(connector)
                    return None
            reservation_id = self.reservation_used(connector, id_tag)
            transaction = Transaction(
                connector_id=connector.connector_id,
                id_tag=id_tag,
                meter_start_wh=connector.meter.energy_register_wh(),
                started_at=utc_now(),
                reservation_id=reservation_id,
            )
            answer = await self.send(
                call.StartTransaction(
                    connector_id=connector.connector_id,
                    id_tag=id_tag,
                    meter_start=transaction.meter_start_wh,
                    timestamp=ocpp_timestamp(transaction.started_at),
                    reservation_id=reservation_id,
                )
            )
            if answer is None:
                # Without the CSMS's transactionId the session cannot be reported: give up.
                logger.warning("%s: StartTransaction unanswered, not charging", self.id)
                await self.give_up_start(connector)
                return None
            transaction.transaction_id = int(answer.transaction_id)
            self.charging_started(connector, transaction)
            if answer.id_tag_info.get("status") != ACCEPTED and self.config.get_bool(
                "StopTransactionOnInvalidId"
            ):
                await self.stop_transaction(connector, "DeAuthorized")
                return transaction
            await self.notify_status(connector.connector_id, "Charging")
            self.start_meter_loop(connector)
            return transaction
        finally:
            connector.starting = False

    def _must_authorize(self, id_tag: str, remote: bool) -> bool:
        if remote:
            return self.config.get_bool("AuthorizeRemoteTxRequests")
        # A tag the local list accepts starts at once when LocalPreAuthorize is on.
        entry = self.charger.local_auth_list.entries.get(id_tag)
        known = entry is not None and (entry.get("status") == ACCEPTED)
        return not (known and self.config.get_bool("LocalPreAuthorize"))

    async def stop_transaction(self, connector: ConnectorState, reason: str) -> None:
        """StopTransaction (meterStop, reason) → Finishing → Available."""
        transaction = connector.transaction
        if transaction is None or not transaction.active:
            return
        self.stop_meter_loop(connector.connector_id)
        end_samples = connector.meter.read(self.config.get_list("StopTxnSampledData"))
        self.charging_ended(connector, transaction, reason)
        timestamp = ocpp_timestamp(transaction.stopped_at)
        transaction_data = (
            [
                {
                    "timestamp": timestamp,
                    "sampled_value": [sampled_value_v16(s, "Transaction.End") for s in end_samples],
                }
            ]
            if end_samples
            else None
        )
        if transaction.transaction_id is not None:
            await self.send(
                call.StopTransaction(
                    meter_stop=transaction.meter_stop_wh,
                    timestamp=timestamp,
                    transaction_id=int(transaction.transaction_id),
                    reason=reason,
                    id_tag=transaction.id_tag if reason == "Local" else None,
                    transaction_data=transaction_data,
                ),
                queue_if_undelivered=True,
            )
        await self.notify_status(connector.connector_id, "Finishing")
        await self.notify_status(connector.connector_id)

    # --- configuration ---------------------------------------------------------------------

    @on(Action.get_configuration)
    def on_get_configuration(self, key: list[str] | None = None, **_: Any):
        if not key and self.options.has_quirk("rejects-empty-getconfiguration"):
            raise NotSupportedError(description="GetConfiguration needs a list of keys")
        if key and len(key) > 1 and self.options.has_quirk("rejects-key-lists"):
            # What Grizzl-E answers to a key list (lbbrhzn/ocpp #899).
            raise FormationViolationError(description="one key per request")
        max_keys = self.config.get_int("GetConfigurationMaxKeys")
        if key and len(key) > max_keys:
            raise OccurenceConstraintViolationError(
                description=f"{len(key)} keys requested; GetConfigurationMaxKeys is {max_keys}"
            )
        known, unknown = self.config.get_configuration(key)
        return call_result.GetConfiguration(
            configuration_key=known or None, unknown_key=unknown or None
        )

    @on(Action.change_configuration)
    def on_change_configuration(self, key: str, value: str, **_: Any):
        status = self.config.change(key, value)
        logger.info("%s: ChangeConfiguration %s=%r → %s", self.id, key, value, status)
        return call_result.ChangeConfiguration(status=status)

    # --- TriggerMessage and Reset ----------------------------------------------------------

    @on(Action.trigger_message)
    def on_trigger_message(
        self, requested_message: str, call_unique_id: str, connector_id: int | None = None, **_: Any
    ):
        if connector_id is not None and not 0 <= connector_id <= self.options.connectors:
            return call_result.TriggerMessage(status="Rejected")
        if requested_message not in _TRIGGERABLE:
            return call_result.TriggerMessage(status="NotImplemented")
        self.plan(call_unique_id, (requested_message, connector_id))
        return call_result.TriggerMessage(status=ACCEPTED)

    @on(Action.extended_trigger_message)
    def on_extended_trigger_message(
        self, requested_message: str, call_unique_id: str, connector_id: int | None = None, **_: Any
    ):
        if connector_id is not None and not 0 <= connector_id <= self.options.connectors:
            return call_result.ExtendedTriggerMessage(status="Rejected")
        if requested_message not in _EXTENDED_TRIGGERABLE:
            return call_result.ExtendedTriggerMessage(status="NotImplemented")
        self.plan(call_unique_id, (requested_message, connector_id))
        return call_result.ExtendedTriggerMessage(status=ACCEPTED)

    @after(Action.extended_trigger_message)
    def after_extended_trigger_message(self, call_unique_id: str, **_: Any) -> None:
        planned = self.take_plan(call_unique_id)
        if planned is not None:
            message, connector_id = planned
            self.spawn(
                self._send_triggered(message, connector_id, extended=True), f"trigger-{message}"
            )

    async def _send_triggered(
        self, message: str, connector_id: int | None, *, extended: bool = False
    ) -> None:
        charger = self.charger
        if message == "BootNotification":
            await self.send_boot()
        elif message == "Heartbeat":
            await self.send_heartbeat()
        elif message == "DiagnosticsStatusNotification":
            status, _ = charger.log_status_for_trigger("diagnostics")
            await self.send(call.DiagnosticsStatusNotification(status=status))
        elif message == "LogStatusNotification":
            status, request_id = charger.log_status_for_trigger("log")
            await self.send(call.LogStatusNotification(status=status, request_id=request_id))
        elif message == "FirmwareStatusNotification":
            status, request_id = charger.firmware_status_for_trigger()
            if extended:
                # The security extension reports firmware with the signed notification.
                await self.send(
                    call.SignedFirmwareStatusNotification(status=status, request_id=request_id)
                )
            else:
                await self.send(call.FirmwareStatusNotification(status=plain_v16_status(status)))
        elif message == "SignChargePointCertificate":
            await self.send_sign_certificate()
        elif message == "StatusNotification":
            if connector_id is None:
                await self.announce_all_statuses()
            else:
                await self.notify_status(connector_id)
        elif message == "MeterValues":
            targets = (
                [self.charger.connectors[connector_id]]
                if connector_id
                else list(self.charger.connectors.values())
            )
            for connector in targets:
                transaction = connector.transaction
                active = transaction if transaction is not None and transaction.active else None
                await self.send_meter_values(connector, "Trigger", active)

    # --- charging-station certificate (sim.certificates) -----------------------------------

    async def send_sign_certificate(self) -> None:
        # O is the vendor: the simulator has no CpoName key to take the CPO's name from.
        await self.sign_certificate(self.options.vendor)

    @on(Action.certificate_signed)
    def on_certificate_signed(self, certificate_chain: str, call_unique_id: str, **_: Any):
        verdict = self.charger.certificate_signed(certificate_chain)
        if not verdict.accepted:
            self.plan(call_unique_id, verdict)
        return call_result.CertificateSigned(status=verdict.status)

    # --- firmware and diagnostics (sim.firmware, sim.diagnostics) ---------------------------

    @on(Action.update_firmware)
    def on_update_firmware(
        self,
        location: str,
        retrieve_date: str,
        call_unique_id: str,
        retries: int | None = None,
        retry_interval: int | None = None,
        **_: Any,
    ):
        # 1.6 cannot refuse: a second request while one runs is answered and ignored.
        if self.charger.firmware_update_running:
            logger.warning("%s: UpdateFirmware ignored, an update is running", self.id)
        else:
            request = FirmwareRequest(
                flavour="v16",
                location=location,
                retrieve_at=parse_utc(retrieve_date) or utc_now(),
                retries=retries,
                retry_interval=retry_interval,
            )
            self.plan(call_unique_id, request)
        return call_result.UpdateFirmware()

    @after(Action.update_firmware)
    def after_update_firmware(self, call_unique_id: str, **_: Any) -> None:
        self.start_planned_firmware_update(call_unique_id)

    @on(Action.signed_update_firmware)
    def on_signed_update_firmware(self, call_unique_id: str, **fields: Any):
        planned = self.plan_firmware_update("v16-signed", call_unique_id, **fields)
        return call_result.SignedUpdateFirmware(status=ACCEPTED if planned else "Rejected")

    @after(Action.signed_update_firmware)
    def after_signed_update_firmware(self, call_unique_id: str, **_: Any) -> None:
        self.start_planned_firmware_update(call_unique_id)

    @on(Action.get_diagnostics)
    def on_get_diagnostics(
        self,
        location: str,
        call_unique_id: str,
        retries: int | None = None,
        retry_interval: int | None = None,
        start_time: str | None = None,
        stop_time: str | None = None,
        **_: Any,
    ):
        start, stop = window(parse_utc(start_time), parse_utc(stop_time))
        file_name = log_file_name(self.id, "Diagnostics")
        request = LogRequest(
            kind="diagnostics",
            protocol_v16=True,
            location=location,
            file_name=file_name,
            log_type="Diagnostics",
            start=start,
            stop=stop,
            retries=retries,
            retry_interval=retry_interval,
        )
        self.plan(call_unique_id, request)
        return call_result.GetDiagnostics(file_name=file_name)

    @after(Action.get_diagnostics)
    def after_get_diagnostics(self, call_unique_id: str, **_: Any) -> None:
        self.start_planned_log_upload(call_unique_id)

    @on(Action.reset)
    def on_reset(self, type: str, **_: Any):
        return call_result.Reset(status=ACCEPTED)

    @after(Action.reset)
    def after_reset(self, type: str, **_: Any) -> None:
        reason = "SoftReset" if type == "Soft" else "HardReset"
        self.spawn(self.stop_all_and_reset(reason), "reset")

    # --- remote start / stop ---------------------------------------------------------------

    @on(Action.remote_start_transaction)
    def on_remote_start_transaction(
        self,
        id_tag: str,
        call_unique_id: str,
        connector_id: int | None = None,
        charging_profile: dict[str, Any] | None = None,
        **_: Any,
    ):
        connector = self.claim_for_remote_start(connector_id, id_tag, charging_profile)
        if connector is None:
            return call_result.RemoteStartTransaction(status="Rejected")
        self.plan(call_unique_id, (connector, id_tag))
        return call_result.RemoteStartTransaction(status=ACCEPTED)

    @after(Action.remote_start_transaction)
    def after_remote_start_transaction(self, call_unique_id: str, **_: Any) -> None:
        planned = self.take_plan(call_unique_id)
        if planned is not None:
            connector, id_tag = planned
            self.spawn(self.start_transaction(connector, id_tag, remote=True), "remote-start")

    @on(Action.remote_stop_transaction)
    def on_remote_stop_transaction(self, transaction_id: int, call_unique_id: str, **_: Any):
        connector = self.connector_running(transaction_id)
        if connector is None:
            return call_result.RemoteStopTransaction(status="Rejected")
        self.plan(call_unique_id, connector)
        return call_result.RemoteStopTransaction(status=ACCEPTED)

    @after(Action.remote_stop_transaction)
    def after_remote_stop_transaction(self, call_unique_id: str, **_: Any) -> None:
        connector = self.take_plan(call_unique_id)
        if connector is not None:
            self.spawn(self.stop_transaction(connector, "Remote"), "remote-stop")

    # --- availability and connectors -------------------------------------------------------

    @on(Action.change_availability)
    def on_change_availability(self, connector_id: int, type: str, call_unique_id: str, **_: Any):
        if not 0 <= connector_id <= self.options.connectors:
            return call_result.ChangeAvailability(status="Rejected")
        operative = type == "Operative"
        targets = (
            list(self.charger.connectors.values())
            if connector_id == 0
            else [self.charger.connectors[connector_id]]
        )
        if connector_id == 0:
            self.charger.station_operative = operative
        scheduled = self.set_operative(targets, operative)
        # Connector 0 reports for the charger as a whole, then each connector follows.
        announce = [0] if connector_id == 0 else []
        self.plan(call_unique_id, announce + [c.connector_id for c in targets])
        return call_result.ChangeAvailability(status="Scheduled" if scheduled else ACCEPTED)

    @after(Action.change_availability)
    def after_change_availability(self, call_unique_id: str, **_: Any) -> None:
        connector_ids = self.take_plan(call_unique_id) or []
        self.spawn(self._notify_statuses(connector_ids), "availability")

    async def _notify_statuses(self, connector_ids: list[int]) -> None:
        for connector_id in connector_ids:
            await self.notify_status(connector_id)

    @on(Action.unlock_connector)
    def on_unlock_connector(self, connector_id: int, call_unique_id: str, **_: Any):
        connector = self.charger.connectors.get(connector_id)
        if connector is None:
            return call_result.UnlockConnector(status="NotSupported")
        if connector.transaction is not None:
            self.plan(call_unique_id, connector)
        return call_result.UnlockConnector(status="Unlocked")

    @after(Action.unlock_connector)
    def after_unlock_connector(self, call_unique_id: str, **_: Any) -> None:
        connector = self.take_plan(call_unique_id)
        if connector is not None:
            self.spawn(self.stop_transaction(connector, "UnlockCommand"), "unlock")

    # --- small requests --------------------------------------------------------------------

    @on(Action.clear_cache)
    def on_clear_cache(self, **_: Any):
        return call_result.ClearCache(status=ACCEPTED)

    @on(Action.data_transfer)
    def on_data_transfer(self, vendor_id: str, data: str | None = None, **_: Any):
        if vendor_id != self.options.data_transfer_vendor_id:
            return call_result.DataTransfer(status="UnknownVendorId")
        return call_result.DataTransfer(status=ACCEPTED, data=data)

    @on(Action.get_local_list_version)
    def on_get_local_list_version(self, **_: Any):
        return call_result.GetLocalListVersion(list_version=self.charger.local_auth_list.version)

    @on(Action.send_local_list)
    def on_send_local_list(
        self,
        list_version: int,
        update_type: str,
        local_authorization_list: list[dict[str, Any]] | None = None,
        **_: Any,
    ):
        entries = local_authorization_list or []
        if not self.config.get_bool("LocalAuthListEnabled"):
            return call_result.SendLocalList(status="NotSupported")
        if len(entries) > self.config.get_int("SendLocalListMaxLength"):
            return call_result.SendLocalList(status="Failed")
        status = self.charger.local_auth_list.update(
            update_type,
            list_version,
            [(entry["id_tag"], entry.get("id_tag_info")) for entry in entries],
            max_entries=self.config.get_int("LocalAuthListMaxLength"),
        )
        return call_result.SendLocalList(status=status)

    # --- reservations ----------------------------------------------------------------------

    @on(Action.reserve_now)
    def on_reserve_now(
        self,
        connector_id: int,
        expiry_date: str,
        id_tag: str,
        reservation_id: int,
        call_unique_id: str,
        **_: Any,
    ):
        connector = self.charger.connectors.get(connector_id)
        expires_at = parse_timestamp(expiry_date)
        # Connector 0 would need ReserveConnectorZeroSupported, which this charger lacks.
        if connector is None or expires_at is None or expires_at.tzinfo is None:
            return call_result.ReserveNow(status="Rejected")
        status = self.reserve(connector, reservation_id, id_tag, expires_at, call_unique_id)
        return call_result.ReserveNow(status=status)

    # --- smart charging --------------------------------------------------------------------

    @on(Action.set_charging_profile)
    def on_set_charging_profile(
        self, connector_id: int, cs_charging_profiles: dict[str, Any], **_: Any
    ):
        profile = cs_charging_profiles
        refusal = self.charging_profile_refusal(
            connector_id,
            profile,
            self.config.get_int("ChargeProfileMaxStackLevel"),
            station_wide="ChargePointMaxProfile",
        )
        if refusal is not None:
            # 1.6 has no field to say why.
            return call_result.SetChargingProfile(status="Rejected")
        self.charger.charging_profiles.install(connector_id, profile)
        return call_result.SetChargingProfile(status=ACCEPTED)

    @on(Action.clear_charging_profile)
    def on_clear_charging_profile(
        self,
        id: int | None = None,
        connector_id: int | None = None,
        charging_profile_purpose: str | None = None,
        stack_level: int | None = None,
        **_: Any,
    ):
        removed = self.charger.charging_profiles.clear(
            profile_id=id,
            connector_id=connector_id,
            purpose=charging_profile_purpose,
            stack_level=stack_level,
        )
        return call_result.ClearChargingProfile(status=ACCEPTED if removed else "Unknown")

    @on(Action.get_composite_schedule)
    def on_get_composite_schedule(
        self, connector_id: int, duration: int, charging_rate_unit: str | None = None, **_: Any
    ):
        if not 0 <= connector_id <= self.options.connectors:
            return call_result.GetCompositeSchedule(status="Rejected")
        unit = charging_rate_unit or "A"
        periods: list[dict[str, Any]] = []
        for profile in self.charger.charging_profiles.for_connector(connector_id):
            schedule = profile.get("charging_schedule", {})
            if schedule.get("charging_rate_unit") == unit:
                periods = [
                    {"start_period": int(p["start_period"]), "limit": round(float(p["limit"]), 1)}
                    for p in schedule.get("charging_schedule_period", [])
                ]
                break
        if not periods:
            # Without a profile the composite schedule is the hardware limit.
            periods = self.hardware_limit_periods(unit)
        now = ocpp_timestamp()
        return call_result.GetCompositeSchedule(
            status=ACCEPTED,
            connector_id=connector_id,
            schedule_start=now,
            charging_schedule={
                "duration": duration,
                "start_schedule": now,
                "charging_rate_unit": unit,
                "charging_schedule_period": periods,
            },
        )
