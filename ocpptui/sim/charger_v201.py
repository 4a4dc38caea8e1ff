"""OCPP 2.0.1 and 2.1 behaviour of the simulated charging station: one ChargePoint per connection.

For everything this station does, 2.1 is a superset of 2.0.1: the same messages with the same
required fields, plus optional fields and enum values it can ignore. So one class,
`ChargePointV2x`, holds the behaviour and builds every message from the library's modules of
the connection's version (`self._call`, `self._call_result`). `ChargePointV201` and
`ChargePointV21` only bind it to that version's `ocpp` ChargePoint, which also picks the schemas
the library checks each frame against. Where 2.1 does differ, the handler says so.
"""

from __future__ import annotations

import logging
import uuid
from typing import TYPE_CHECKING, Any

from ocpp.exceptions import OccurrenceConstraintViolationError
from ocpp.routing import after, on
from ocpp.v21 import ChargePoint as ChargePoint21
from ocpp.v201 import ChargePoint as ChargePoint201
from ocpp.v201.enums import Action  # routing needs only action names: 2.1 keeps 2.0.1's

from ocpptui.protocol.timestamps import ocpp_timestamp, parse_timestamp, utc_now
from ocpptui.sim.connector_rules import ConnectorRules
from ocpptui.sim.device_model import NETWORK_SLOTS, DeviceModel
from ocpptui.sim.meter import Sample
from ocpptui.sim.session import ACCEPTED
from ocpptui.sim.state import (
    ConnectorState,
    Reservation,
    Transaction,
)

if TYPE_CHECKING:
    from ocpptui.sim.host import ChargerHost
    from ocpptui.sim.link import Link

logger = logging.getLogger("ocpptui.sim")

_CONNECTOR_ID = 1  # every simulated EVSE has one connector
_TRIGGERABLE = frozenset(
    {
        "BootNotification",
        "Heartbeat",
        "StatusNotification",
        "MeterValues",
        "TransactionEvent",
        "FirmwareStatusNotification",
        "LogStatusNotification",
        # A02/A03: a CSR for the station's own key (sim.certificates). SignV2GCertificate stays
        # NotImplemented: the simulator speaks no ISO 15118, so it has no V2G key to certify.
        "SignChargingStationCertificate",
    }
)
# The security event a station reports after refusing a CertificateSigned chain (A02).
# Length the 2.0.1 schemas allow for statusInfo additionalInfo (2.1 allows 1024).
_ADDITIONAL_INFO_LIMIT = 512
# SetChargingProfile refusals (sim.connector_rules) answered with a reasonCode; the others
# have no fitting one and are answered with the status alone.
_EXPLAINED_PROFILE_REFUSALS = frozenset({"UnknownEvse", "TxNotFound"})
# triggerReason of the TransactionEvent(Ended) for each stoppedReason the simulator uses.
_STOP_TRIGGERS = {
    "Remote": "RemoteStop",
    "Local": "StopAuthorized",
    "DeAuthorized": "Deauthorized",
    "ImmediateReset": "ResetCommand",
    "EVDisconnected": "EVCommunicationLost",
}


def sampled_value_v201(sample: Sample, context: str) -> dict[str, Any]:
    return {
        "value": sample.value,
        "context": context,
        "measurand": sample.measurand,
        "phase": sample.phase,
        "location": sample.location,
        "unit_of_measure": {"unit": sample.unit},
    }


def _status_info(reason: str, detail: str | None = None) -> dict[str, Any]:
    return {"reason_code": reason, "additional_info": detail}


def _composite_period(period: dict[str, Any]) -> dict[str, Any]:
    """A profile's schedule period as GetCompositeSchedule reports it.

    2.0.1 periods always have a limit; 2.1 ones may leave it out (a period that only gives a
    setpoint, say), and so may its composite schedule.
    """
    reported: dict[str, Any] = {"start_period": int(period["start_period"])}
    if period.get("limit") is not None:
        reported["limit"] = float(period["limit"])
    return reported


class ChargePointV2x(ConnectorRules):
    """The station's side of one 2.x connection; a concrete class adds the version's ChargePoint."""

    METER_INTERVAL_SETTING = "TxUpdatedInterval"
    INVALID_CERTIFICATE_EVENT = "InvalidChargingStationCertificate"

    def __init__(self, charger: ChargerHost, link: Link) -> None:
        super().__init__(charger, link)
        assert charger.device_model is not None
        self.model: DeviceModel = charger.device_model

    def _actual(self, component: str, variable: str, **where: Any) -> str:
        return self.model.actual(component, variable, **where)

    def _flag(self, component: str, variable: str) -> bool:
        return self._actual(component, variable).lower() == "true"

    def _list(self, component: str, variable: str) -> list[str]:
        return [item for item in self._actual(component, variable).split(",") if item]

    # --- what the station sends ------------------------------------------------------------

    def boot_payload(self) -> Any:
        options = self.options
        return self._call.BootNotification(
            charging_station={
                "model": options.model,
                "vendor_name": options.vendor,
                "serial_number": options.serial,
                "firmware_version": self.charger.firmware_version,
            },
            reason=self.charger.boot_reason,
        )

    def meter_interval(self) -> int:
        return int(self._actual("SampledDataCtrlr", "TxUpdatedInterval"))

    def current_status(self, connector: ConnectorState) -> str:
        if connector.busy:
            return "Occupied"
        return self.idle_status(connector)

    async def notify_status(self, connector: ConnectorState, status: str | None = None) -> None:
        status = status or self.current_status(connector)
        self.charger.status_changed(connector.connector_id, status)
        await self.send(
            self._call.StatusNotification(
                timestamp=ocpp_timestamp(),
                connector_status=status,
                evse_id=connector.connector_id,
                connector_id=_CONNECTOR_ID,
            )
        )

    async def notify_connector(self, connector: ConnectorState, status: str | None = None) -> None:
        await self.notify_status(connector, status)

    async def announce_all_statuses(self) -> None:
        for connector in self.charger.connectors.values():
            await self.notify_status(connector)
        if self.charger.resume_after_reboot:
            self.charger.resume_after_reboot = False
            await self._report_resumed_transactions()

    async def _report_resumed_transactions(self) -> None:
        """After a 2.1 ImmediateAndResume reboot: each transaction goes on (TxResumed)."""
        for transaction in self.charger.transactions.values():
            await self._transaction_event(
                transaction, "Updated", "TxResumed", charging_state="Charging"
            )

    def _meter_value(self, connector: ConnectorState, measurands: list[str], context: str):
        samples = connector.meter.read(measurands)
        if not samples:
            return None
        return [
            {
                "timestamp": ocpp_timestamp(),
                "sampled_value": [sampled_value_v201(s, context) for s in samples],
            }
        ]

    async def _transaction_event(
        self,
        transaction: Transaction,
        event_type: str,
        trigger_reason: str,
        *,
        meter_value: list[dict[str, Any]] | None = None,
        charging_state: str | None = None,
        stopped_reason: str | None = None,
        id_token: dict[str, Any] | None = None,
        evse: dict[str, Any] | None = None,
    ) -> Any | None:
        seq_no = transaction.next_seq_no
        transaction.next_seq_no += 1
        info: dict[str, Any] = {
            "transaction_id": transaction.transaction_id,
            "charging_state": charging_state,
            "stopped_reason": stopped_reason,
            "remote_start_id": transaction.remote_start_id if event_type == "Started" else None,
        }
        if event_type != "Started":
            elapsed = (utc_now() - transaction.started_at).total_seconds()
            info["time_spent_charging"] = int(elapsed * self.options.speedup)
        return await self.send(
            self._call.TransactionEvent(
                event_type=event_type,
                timestamp=ocpp_timestamp(),
                trigger_reason=trigger_reason,
                seq_no=seq_no,
                transaction_info=info,
                meter_value=meter_value,
                evse=evse,
                id_token=id_token,
            ),
            queue_if_undelivered=True,
        )

    async def send_periodic_meter_values(
        self, connector: ConnectorState, transaction: Transaction
    ) -> None:
        meter_value = self._meter_value(
            connector, self._list("SampledDataCtrlr", "TxUpdatedMeasurands"), "Sample.Periodic"
        )
        if meter_value is None:
            return
        await self._transaction_event(
            transaction, "Updated", "MeterValuePeriodic", meter_value=meter_value
        )
        self.charger.meter_values_sent(transaction)

    # --- transactions ----------------------------------------------------------------------

    async def start_transaction(
        self, connector: ConnectorState, id_tag: str, *, remote: bool, **extra: Any
    ) -> Transaction | None:
        """Occupied → (Authorize) → TransactionEvent Started → Updated every TxUpdatedInterval."""
        connector.starting = True
        token_type = extra.get("token_type") or ("Central" if remote else "ISO14443")
        id_token = {"id_token": id_tag, "type": token_type}
        try:
            await self.notify_status(connector, "Occupied")
            must_authorize = (
                self._flag("AuthCtrlr", "AuthorizeRemoteStart")
                if remote
                else not self._flag("AuthCtrlr", "LocalPreAuthorize")
            )
            if must_authorize:
                answer = await self.send(self._call.Authorize(id_token=id_token))
                status = answer.id_token_info.get("status") if answer else None
                if status != ACCEPTED:
                    logger.info("%s: %s not authorized (%s)", self.id, id_tag, status)
                    await self.give_up_start(connector)
                    return None
            transaction = Transaction(
                connector_id=connector.connector_id,
                id_tag=id_tag,
                meter_start_wh=connector.meter.energy_register_wh(),
                started_at=utc_now(),
                transaction_id=str(uuid.uuid4()),
                remote_start_id=extra.get("remote_start_id"),
                reservation_id=self.reservation_used(connector, id_tag),
            )
            # The transaction exists from here on, even if the CSMS is unreachable: its
            # events are queued and sent after the next boot.
            self.charging_started(connector, transaction)
            answer = await self._transaction_event(
                transaction,
                "Started",
                "RemoteStart" if remote else "Authorized",
                meter_value=self._meter_value(
                    connector,
                    self._list("SampledDataCtrlr", "TxStartedMeasurands"),
                    "Transaction.Begin",
                ),
                charging_state="Charging",
                id_token=id_token,
                evse={"id": connector.connector_id, "connector_id": _CONNECTOR_ID},
            )
            token_info = getattr(answer, "id_token_info", None) or {}
            if token_info.get("status", ACCEPTED) != ACCEPTED and self._flag(
                "TxCtrlr", "StopTxOnInvalidId"
            ):
                await self.stop_transaction(connector, "DeAuthorized")
                return transaction
            self.start_meter_loop(connector)
            return transaction
        finally:
            connector.starting = False

    async def stop_transaction(self, connector: ConnectorState, reason: str) -> None:
        """TransactionEvent Ended (stoppedReason) → StatusNotification Available."""
        transaction = connector.transaction
        if transaction is None or not transaction.active:
            return
        self.stop_meter_loop(connector.connector_id)
        meter_value = self._meter_value(
            connector, self._list("SampledDataCtrlr", "TxEndedMeasurands"), "Transaction.End"
        )
        self.charging_ended(connector, transaction, reason)
        await self._transaction_event(
            transaction,
            "Ended",
            _STOP_TRIGGERS.get(reason, "AbnormalCondition"),
            meter_value=meter_value,
            charging_state="EVConnected",
            stopped_reason=reason,
        )
        await self.notify_status(connector)
        if self.charger.reset_when_idle and not self.charger.transactions:
            self.request_end("reset")

    # --- device model ----------------------------------------------------------------------

    def _items_limit(self, instance: str) -> int:
        return int(self._actual("DeviceDataCtrlr", "ItemsPerMessage", variable_instance=instance))

    @on(Action.get_variables)
    def on_get_variables(self, get_variable_data: list[dict[str, Any]], **_: Any):
        limit = self._items_limit("GetVariables")
        if len(get_variable_data) > limit:
            raise OccurrenceConstraintViolationError(
                description=f"{len(get_variable_data)} items; ItemsPerMessage is {limit}"
            )
        results = []
        for item in get_variable_data:
            result = self.model.get(item["component"], item["variable"], item.get("attribute_type"))
            results.append(
                {
                    "attribute_status": result.status,
                    "attribute_status_info": (
                        _status_info(result.reason) if result.reason else None
                    ),
                    "attribute_type": item.get("attribute_type"),
                    "attribute_value": result.value if result.status == ACCEPTED else None,
                    "component": item["component"],
                    "variable": item["variable"],
                }
            )
        return self._call_result.GetVariables(get_variable_result=results)

    @on(Action.set_variables)
    def on_set_variables(self, set_variable_data: list[dict[str, Any]], **_: Any):
        limit = self._items_limit("SetVariables")
        if len(set_variable_data) > limit:
            raise OccurrenceConstraintViolationError(
                description=f"{len(set_variable_data)} items; ItemsPerMessage is {limit}"
            )
        results = []
        for item in set_variable_data:
            result = self.model.set(
                item["component"],
                item["variable"],
                item.get("attribute_type"),
                item["attribute_value"],
            )
            logger.info(
                "%s: SetVariables %s.%s=%r → %s",
                self.id,
                item["component"].get("name"),
                item["variable"].get("name"),
                item["attribute_value"],
                result.status,
            )
            results.append(
                {
                    "attribute_status": result.status,
                    "attribute_status_info": (
                        _status_info(result.reason) if result.reason else None
                    ),
                    "attribute_type": item.get("attribute_type"),
                    "component": item["component"],
                    "variable": item["variable"],
                }
            )
        return self._call_result.SetVariables(set_variable_result=results)

    @on(Action.get_base_report)
    def on_get_base_report(self, request_id: int, report_base: str, call_unique_id: str, **_: Any):
        if self.options.has_quirk("rejects-getbasereport"):
            return self._call_result.GetBaseReport(status="NotSupported")
        entries = self.model.base_report(report_base)
        if entries is None:
            return self._call_result.GetBaseReport(status="NotSupported")
        if not entries:
            return self._call_result.GetBaseReport(status="EmptyResultSet")
        self.plan(call_unique_id, (request_id, entries))
        return self._call_result.GetBaseReport(status=ACCEPTED)

    @after(Action.get_base_report)
    def after_get_base_report(self, call_unique_id: str, **_: Any) -> None:
        planned = self.take_plan(call_unique_id)
        if planned is not None and self.options.has_quirk("no-notifyreport"):
            logger.info("%s: GetBaseReport accepted, but no NotifyReport follows (quirk)", self.id)
        elif planned is not None:
            self.spawn(self._send_report(*planned), "report")

    @on(Action.get_report)
    def on_get_report(
        self,
        request_id: int,
        call_unique_id: str,
        component_variable: list[dict[str, Any]] | None = None,
        component_criteria: list[str] | None = None,
        **_: Any,
    ):
        limit = self._items_limit("GetReport")
        if component_variable and len(component_variable) > limit:
            raise OccurrenceConstraintViolationError(
                description=f"{len(component_variable)} items; ItemsPerMessage is {limit}"
            )
        entries = self.model.custom_report(component_variable, component_criteria)
        if not entries:
            return self._call_result.GetReport(status="EmptyResultSet")
        self.plan(call_unique_id, (request_id, entries))
        return self._call_result.GetReport(status=ACCEPTED)

    @after(Action.get_report)
    def after_get_report(self, call_unique_id: str, **_: Any) -> None:
        planned = self.take_plan(call_unique_id)
        if planned is not None:
            self.spawn(self._send_report(*planned), "report")

    async def _send_report(self, request_id: int, entries: list[dict[str, Any]]) -> None:
        """NotifyReport in parts: seqNo 0.., tbc until the last, one generatedAt for all."""
        generated_at = ocpp_timestamp()
        size = self.options.report_chunk_size
        parts = [entries[i : i + size] for i in range(0, len(entries), size)]
        for seq_no, part in enumerate(parts):
            await self.send(
                self._call.NotifyReport(
                    request_id=request_id,
                    generated_at=generated_at,
                    seq_no=seq_no,
                    report_data=part,
                    tbc=seq_no < len(parts) - 1,
                )
            )

    # --- TriggerMessage and Reset ----------------------------------------------------------

    @on(Action.trigger_message)
    def on_trigger_message(
        self,
        requested_message: str,
        call_unique_id: str,
        evse: dict[str, Any] | None = None,
        **_: Any,
    ):
        if requested_message not in _TRIGGERABLE:
            return self._call_result.TriggerMessage(status="NotImplemented")
        targets = list(self.charger.connectors.values())
        if evse is not None:
            connector = self.charger.connectors.get(evse.get("id", 0))
            if connector is None or evse.get("connector_id", _CONNECTOR_ID) != _CONNECTOR_ID:
                return self._call_result.TriggerMessage(
                    status="Rejected", status_info=_status_info("UnknownEvse")
                )
            targets = [connector]
        if requested_message == "BootNotification" and self.charger.booted:
            # F06.FR.17: once the boot is Accepted, a triggered BootNotification is refused.
            return self._call_result.TriggerMessage(status="Rejected")
        if requested_message == "TransactionEvent" and not any(c.transaction for c in targets):
            return self._call_result.TriggerMessage(
                status="Rejected", status_info=_status_info("NoTransaction")
            )
        self.plan(call_unique_id, (requested_message, targets))
        return self._call_result.TriggerMessage(status=ACCEPTED)

    async def _send_triggered(self, message: str, targets: list[ConnectorState]) -> None:
        if message == "BootNotification":
            self.charger.boot_reason = "Triggered"
            await self.send_boot()
        elif message == "Heartbeat":
            await self.send_heartbeat()
        elif message == "StatusNotification":
            for connector in targets:
                await self.notify_status(connector)
        elif message == "FirmwareStatusNotification":
            status, request_id = self.charger.firmware_status_for_trigger()
            await self.send(
                self._call.FirmwareStatusNotification(status=status, request_id=request_id)
            )
        elif message == "LogStatusNotification":
            status, request_id = self.charger.log_status_for_trigger("log")
            await self.send(self._call.LogStatusNotification(status=status, request_id=request_id))
        elif message == "SignChargingStationCertificate":
            await self.send_sign_certificate()
        elif message == "MeterValues":
            measurands = self._list("SampledDataCtrlr", "TxUpdatedMeasurands")
            for connector in targets:
                meter_value = self._meter_value(connector, measurands, "Trigger")
                if meter_value is not None:
                    await self.send(
                        self._call.MeterValues(
                            evse_id=connector.connector_id, meter_value=meter_value
                        )
                    )
        elif message == "TransactionEvent":
            measurands = self._list("SampledDataCtrlr", "TxUpdatedMeasurands")
            for connector in targets:
                transaction = connector.transaction
                if transaction is not None and transaction.active:
                    await self._transaction_event(
                        transaction,
                        "Updated",
                        "Trigger",
                        meter_value=self._meter_value(connector, measurands, "Trigger"),
                        charging_state="Charging",
                    )

    # --- charging-station certificate (sim.certificates) -----------------------------------

    async def send_sign_certificate(self) -> None:
        # A02 takes O from SecurityCtrlr.OrganizationName (the vendor unless the CSMS set it).
        organisation = self._actual("SecurityCtrlr", "OrganizationName") or self.options.vendor
        await self.sign_certificate(organisation, certificate_type="ChargingStationCertificate")

    @on(Action.certificate_signed)
    def on_certificate_signed(
        self,
        certificate_chain: str,
        call_unique_id: str,
        certificate_type: str | None = None,
        **_: Any,
    ):
        if certificate_type not in (None, "ChargingStationCertificate"):
            # V2GCertificate (or 2.1's V2G20Certificate): no V2G key was ever requested, so no
            # V2G chain can be ours.
            return self._call_result.CertificateSigned(
                status="Rejected",
                status_info=_status_info("UnsupportedRequest", "no ISO 15118 support"),
            )
        verdict = self.charger.certificate_signed(certificate_chain)
        if verdict.accepted:
            return self._call_result.CertificateSigned(status=ACCEPTED)
        self.plan(call_unique_id, verdict)
        detail = (verdict.detail or "")[:_ADDITIONAL_INFO_LIMIT] or None
        return self._call_result.CertificateSigned(
            status=verdict.status, status_info=_status_info(verdict.reason or "Unspecified", detail)
        )

    # --- firmware and logs (sim.firmware, sim.diagnostics) ----------------------------------

    @on(Action.update_firmware)
    def on_update_firmware(self, call_unique_id: str, **fields: Any):
        if not self.plan_firmware_update("v201", call_unique_id, **fields):
            return self._call_result.UpdateFirmware(
                status="Rejected", status_info=_status_info("UpdateInProgress")
            )
        return self._call_result.UpdateFirmware(status=ACCEPTED)

    @after(Action.update_firmware)
    def after_update_firmware(self, call_unique_id: str, **_: Any) -> None:
        self.start_planned_firmware_update(call_unique_id)

    @on(Action.reset)
    def on_reset(self, type: str, call_unique_id: str, evse_id: int | None = None, **_: Any):
        if evse_id is not None:
            return self._call_result.Reset(
                status="Rejected", status_info=_status_info("UnsupportedRequest")
            )
        if type == "OnIdle" and self.charger.transactions:
            # Reset once the last transaction has ended.
            self.charger.reset_when_idle = True
            return self._call_result.Reset(status="Scheduled")
        # Immediate, OnIdle without transactions, or 2.1's ImmediateAndResume (the 2.0.1 schema
        # lets only the first two reach this handler).
        self.plan(call_unique_id, type)
        return self._call_result.Reset(status=ACCEPTED)

    @after(Action.reset)
    def after_reset(self, call_unique_id: str, **_: Any) -> None:
        reset_type = self.take_plan(call_unique_id)
        if reset_type == "ImmediateAndResume":
            # Reboot with the transactions kept: they go on after the next accepted boot.
            self.charger.resume_after_reboot = bool(self.charger.transactions)
            self.request_end("reset")
        elif reset_type is not None:
            self.spawn(self.stop_all_and_reset("ImmediateReset"), "reset")

    # --- remote start / stop ---------------------------------------------------------------

    @on(Action.request_start_transaction)
    def on_request_start_transaction(
        self,
        id_token: dict[str, Any],
        remote_start_id: int,
        call_unique_id: str,
        evse_id: int | None = None,
        charging_profile: dict[str, Any] | None = None,
        **_: Any,
    ):
        id_tag = id_token["id_token"]
        connector = self.claim_for_remote_start(evse_id, id_tag, charging_profile)
        if connector is None:
            return self._call_result.RequestStartTransaction(status="Rejected")
        self.plan(call_unique_id, (connector, id_tag, id_token.get("type"), remote_start_id))
        return self._call_result.RequestStartTransaction(status=ACCEPTED)

    @after(Action.request_start_transaction)
    def after_request_start_transaction(self, call_unique_id: str, **_: Any) -> None:
        planned = self.take_plan(call_unique_id)
        if planned is not None:
            connector, id_tag, token_type, remote_start_id = planned
            self.spawn(
                self.start_transaction(
                    connector,
                    id_tag,
                    remote=True,
                    token_type=token_type,
                    remote_start_id=remote_start_id,
                ),
                "remote-start",
            )

    @on(Action.request_stop_transaction)
    def on_request_stop_transaction(self, transaction_id: str, call_unique_id: str, **_: Any):
        connector = self.connector_running(transaction_id)
        if connector is None:
            return self._call_result.RequestStopTransaction(status="Rejected")
        self.plan(call_unique_id, connector)
        return self._call_result.RequestStopTransaction(status=ACCEPTED)

    @after(Action.request_stop_transaction)
    def after_request_stop_transaction(self, call_unique_id: str, **_: Any) -> None:
        connector = self.take_plan(call_unique_id)
        if connector is not None:
            self.spawn(self.stop_transaction(connector, "Remote"), "remote-stop")

    @on(Action.get_transaction_status)
    def on_get_transaction_status(self, transaction_id: str | None = None, **_: Any):
        ongoing = None
        if transaction_id is not None:
            ongoing = any(
                t.transaction_id == transaction_id for t in self.charger.transactions.values()
            )
        return self._call_result.GetTransactionStatus(
            messages_in_queue=self.charger.undelivered_count > 0, ongoing_indicator=ongoing
        )

    # --- availability and connectors -------------------------------------------------------

    @on(Action.change_availability)
    def on_change_availability(
        self,
        operational_status: str,
        call_unique_id: str,
        evse: dict[str, Any] | None = None,
        **_: Any,
    ):
        operative = operational_status == "Operative"
        if evse is None:
            targets = list(self.charger.connectors.values())
            self.charger.station_operative = operative
        else:
            connector = self.charger.connectors.get(evse.get("id", 0))
            if connector is None or evse.get("connector_id", _CONNECTOR_ID) != _CONNECTOR_ID:
                return self._call_result.ChangeAvailability(status="Rejected")
            targets = [connector]
        scheduled = self.set_operative(targets, operative)
        self.plan(call_unique_id, targets)
        return self._call_result.ChangeAvailability(status="Scheduled" if scheduled else ACCEPTED)

    @after(Action.change_availability)
    def after_change_availability(self, call_unique_id: str, **_: Any) -> None:
        targets = self.take_plan(call_unique_id) or []
        self.spawn(self._notify_statuses(targets), "availability")

    async def _notify_statuses(self, targets: list[ConnectorState]) -> None:
        for connector in targets:
            await self.notify_status(connector)

    @on(Action.set_network_profile)
    def on_set_network_profile(
        self, configuration_slot: int, connection_data: dict[str, Any], **_: Any
    ):
        slot_allowed = str(configuration_slot) in NETWORK_SLOTS and configuration_slot != 0
        current_profile = int(self._actual("SecurityCtrlr", "SecurityProfile"))
        # Chargers refuse a profile that would lower the security profile in use.
        if not slot_allowed or int(connection_data.get("security_profile", 0)) < current_profile:
            return self._call_result.SetNetworkProfile(status="Rejected")
        self.charger.network_profiles[configuration_slot] = connection_data
        return self._call_result.SetNetworkProfile(status=ACCEPTED)

    @on(Action.unlock_connector)
    def on_unlock_connector(self, evse_id: int, connector_id: int, **_: Any):
        connector = self.charger.connectors.get(evse_id)
        if connector is None or connector_id != _CONNECTOR_ID:
            return self._call_result.UnlockConnector(status="UnknownConnector")
        if connector.transaction is not None:
            return self._call_result.UnlockConnector(status="OngoingAuthorizedTransaction")
        return self._call_result.UnlockConnector(status="Unlocked")

    # --- small requests --------------------------------------------------------------------

    @on(Action.clear_cache)
    def on_clear_cache(self, **_: Any):
        return self._call_result.ClearCache(status=ACCEPTED)

    @on(Action.data_transfer)
    def on_data_transfer(self, vendor_id: str, data: Any = None, **_: Any):
        if vendor_id != self.options.data_transfer_vendor_id:
            return self._call_result.DataTransfer(status="UnknownVendorId")
        return self._call_result.DataTransfer(status=ACCEPTED, data=data)

    @on(Action.get_local_list_version)
    def on_get_local_list_version(self, **_: Any):
        return self._call_result.GetLocalListVersion(
            version_number=self.charger.local_auth_list.version
        )

    @on(Action.send_local_list)
    def on_send_local_list(
        self,
        version_number: int,
        update_type: str,
        local_authorization_list: list[dict[str, Any]] | None = None,
        **_: Any,
    ):
        entries = local_authorization_list or []
        if not self._flag("LocalAuthListCtrlr", "Enabled"):
            return self._call_result.SendLocalList(status="Failed")
        if len(entries) > int(self._actual("LocalAuthListCtrlr", "ItemsPerMessage")):
            return self._call_result.SendLocalList(status="Failed")
        status = self.charger.local_auth_list.update(
            update_type,
            version_number,
            [(entry["id_token"]["id_token"], entry.get("id_token_info")) for entry in entries],
        )
        return self._call_result.SendLocalList(status=status)

    # --- reservations ----------------------------------------------------------------------

    @on(Action.reserve_now)
    def on_reserve_now(
        self,
        id: int,
        expiry_date_time: str,
        id_token: dict[str, Any],
        call_unique_id: str,
        evse_id: int | None = None,
        **_: Any,
    ):
        if not self._flag("ReservationCtrlr", "Enabled"):
            return self._call_result.ReserveNow(status="Rejected")
        expires_at = parse_timestamp(expiry_date_time)
        # Reservations without an EVSE need ReservationCtrlr.NonEvseSpecific, which is false.
        connector = self.charger.connectors.get(evse_id) if evse_id is not None else None
        if connector is None or expires_at is None or expires_at.tzinfo is None:
            return self._call_result.ReserveNow(status="Rejected")
        status = self.reserve(connector, id, id_token["id_token"], expires_at, call_unique_id)
        return self._call_result.ReserveNow(status=status)

    async def reservation_expired(self, reservation: Reservation) -> None:
        await self.send(
            self._call.ReservationStatusUpdate(
                reservation_id=reservation.reservation_id, reservation_update_status="Expired"
            )
        )

    # --- smart charging --------------------------------------------------------------------

    @on(Action.set_charging_profile)
    def on_set_charging_profile(self, evse_id: int, charging_profile: dict[str, Any], **_: Any):
        refusal = self.charging_profile_refusal(
            evse_id,
            charging_profile,
            int(self._actual("SmartChargingCtrlr", "ProfileStackLevel")),
            station_wide="ChargingStationMaxProfile",
        )
        if refusal in _EXPLAINED_PROFILE_REFUSALS:
            return self._call_result.SetChargingProfile(
                status="Rejected", status_info=_status_info(refusal)
            )
        if refusal is not None:
            return self._call_result.SetChargingProfile(status="Rejected")
        self.charger.charging_profiles.install(evse_id, charging_profile)
        return self._call_result.SetChargingProfile(status=ACCEPTED)

    @on(Action.clear_charging_profile)
    def on_clear_charging_profile(
        self,
        charging_profile_id: int | None = None,
        charging_profile_criteria: dict[str, Any] | None = None,
        **_: Any,
    ):
        criteria = charging_profile_criteria or {}
        removed = self.charger.charging_profiles.clear(
            profile_id=charging_profile_id,
            connector_id=criteria.get("evse_id"),
            purpose=criteria.get("charging_profile_purpose"),
            stack_level=criteria.get("stack_level"),
        )
        return self._call_result.ClearChargingProfile(status=ACCEPTED if removed else "Unknown")

    @on(Action.get_composite_schedule)
    def on_get_composite_schedule(
        self, duration: int, evse_id: int, charging_rate_unit: str | None = None, **_: Any
    ):
        if not 0 <= evse_id <= self.options.connectors:
            return self._call_result.GetCompositeSchedule(status="Rejected")
        unit = charging_rate_unit or "A"
        periods: list[dict[str, Any]] = []
        for profile in self.charger.charging_profiles.for_connector(evse_id):
            schedules = profile.get("charging_schedule") or []
            schedule = schedules[0] if isinstance(schedules, list) and schedules else {}
            if schedule.get("charging_rate_unit") == unit:
                periods = [
                    _composite_period(p) for p in schedule.get("charging_schedule_period", [])
                ]
                break
        if not periods:
            periods = self.hardware_limit_periods(unit)
        return self._call_result.GetCompositeSchedule(
            status=ACCEPTED,
            schedule={
                "evse_id": evse_id,
                "duration": duration,
                "schedule_start": ocpp_timestamp(),
                "charging_rate_unit": unit,
                "charging_schedule_period": periods,
            },
        )


class ChargePointV201(ChargePointV2x, ChargePoint201):
    """The station's side of one 2.0.1 connection."""


class ChargePointV21(ChargePointV2x, ChargePoint21):
    """The station's side of one 2.1 connection (its schemas, its message classes)."""
