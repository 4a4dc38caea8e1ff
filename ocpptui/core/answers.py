"""How the mini-CSMS answers each charger-initiated action, and what it learns from it.

One function per action and version family. Each reads the CALL's payload as the charger
sent it (camelCase; lenient mode lets schema-invalid payloads through, so every field is
read defensively), updates the ChargerState, and returns the `ocpp` package's response
dataclass, which the library serialises and sends.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any, Protocol

from ocpptui.core.clock import Clock
from ocpptui.core.config import BootAnswer, CsmsConfig
from ocpptui.core.events import UpdateKind
from ocpptui.core.state import ChargerState, SampledValue, TransactionState
from ocpptui.protocol.timestamps import ocpp_timestamp
from ocpptui.protocol.versions import OcppVersion


class AnswerContext(Protocol):
    """What an answer function may use (the Session provides it)."""

    state: ChargerState
    config: CsmsConfig
    clock: Clock
    results: ModuleType  # the version's `ocpp.vXX.call_result` module

    def next_transaction_id(self) -> int: ...

    def updated(self, what: UpdateKind) -> None: ...

    def after_answer(
        self, action: str, payload: dict[str, Any], done: Callable[[str], None] | None = None
    ) -> None:
        """Send the CALL `action` to the charger once this answer has gone out; `done` gets
        the charger's answer status (or why there was none)."""
        ...


Payload = dict[str, Any]
Answer = Callable[[AnswerContext, Payload], Any]


def _now(ctx: AnswerContext) -> str:
    return ocpp_timestamp(ctx.clock.now())


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


# ---------------------------------------------------------------- shared by every version


def _boot_decision(ctx: AnswerContext) -> tuple[str, int]:
    answer = ctx.config.boot_answer_for(ctx.state.identity)
    interval = (
        ctx.config.heartbeat_interval
        if answer is BootAnswer.ACCEPTED
        else ctx.config.boot_retry_interval
    )
    state = ctx.state
    state.boot_status = answer.value
    state.boot_count += 1
    state.boot_wall = ctx.clock.wall()
    ctx.updated(UpdateKind.BOOT)
    if ctx.config.awaiting_decision(state.identity):
        ctx.updated(UpdateKind.DECISION_NEEDED)
    return answer.value, interval


def heartbeat(ctx: AnswerContext, payload: Payload) -> Any:
    ctx.state.last_heartbeat_wall = ctx.clock.wall()
    ctx.state.heartbeat_count += 1
    ctx.updated(UpdateKind.HEARTBEAT)
    return ctx.results.Heartbeat(current_time=_now(ctx))


def data_transfer(ctx: AnswerContext, payload: Payload) -> Any:
    ctx.state.data_transfers += 1
    ctx.updated(UpdateKind.DATA_TRANSFER)
    return ctx.results.DataTransfer(status=ctx.config.data_transfer_status)


def security_event(ctx: AnswerContext, payload: Payload) -> Any:
    events = ctx.state.security_events
    events.append((str(payload.get("type")), str(payload.get("timestamp"))))
    del events[:-100]
    ctx.updated(UpdateKind.SECURITY_EVENT)
    return ctx.results.SecurityEventNotification()


def _sign_refused(ctx: AnswerContext, reason_code: str, why: str) -> Any:
    ctx.state.certificate_status = f"CSR refused: {why}"
    ctx.updated(UpdateKind.CERTIFICATE)
    if ctx.state.version.is_2x:
        info = {"reason_code": reason_code, "additional_info": why[:512]}
        return ctx.results.SignCertificate(status="Rejected", status_info=info)
    return ctx.results.SignCertificate(status="Rejected")


def sign_certificate(ctx: AnswerContext, payload: Payload) -> Any:
    """Sign the charger's CSR with the local CA (when one is configured) and send the chain
    in a CertificateSigned right after the answer; otherwise refuse rather than promise a
    certificate that never comes."""
    signer = ctx.config.csr_signer
    if signer is None:
        return _sign_refused(ctx, "NoCA", "no local CA to sign with (ocpp-tui certs)")
    kind = _text(payload.get("certificateType"))
    if kind not in (None, "ChargingStationCertificate"):
        return _sign_refused(
            ctx, "UnsupportedCertType", f"{kind} comes from the V2G PKI, not the local CA"
        )
    try:
        chain = signer(str(payload.get("csr") or ""), ctx.state.identity)
    except ValueError as exc:  # cryptography's parse and signature errors are ValueErrors
        return _sign_refused(ctx, "InvalidCSR", str(exc) or "the CSR does not parse")
    except OSError as exc:  # no local CA yet, or its files cannot be read
        return _sign_refused(ctx, "NoCA", str(exc))
    request: dict[str, Any] = {"certificateChain": chain}
    if ctx.state.version.is_2x:
        request["certificateType"] = "ChargingStationCertificate"

    def installed(status: str) -> None:
        ctx.state.certificate_status = (
            "certificate signed by the local CA and installed"
            if status == "Accepted"
            else f"certificate signed by the local CA; the charger answered {status}"
        )
        ctx.updated(UpdateKind.CERTIFICATE)

    ctx.after_answer("CertificateSigned", request, installed)
    ctx.state.certificate_status = "CSR signed by the local CA; sending CertificateSigned"
    ctx.updated(UpdateKind.CERTIFICATE)
    return ctx.results.SignCertificate(status="Accepted")


def firmware_status(ctx: AnswerContext, payload: Payload) -> Any:
    ctx.state.firmware_status = _text(payload.get("status"))
    ctx.updated(UpdateKind.FIRMWARE_STATUS)
    return ctx.results.FirmwareStatusNotification()


def log_status(ctx: AnswerContext, payload: Payload) -> Any:
    ctx.state.log_status = _text(payload.get("status"))
    ctx.updated(UpdateKind.LOG_STATUS)
    return ctx.results.LogStatusNotification()


def _store_sampled_values(
    ctx: AnswerContext, connector_id: int, evse_id: int | None, meter_values: Any
) -> float | None:
    """Keep the latest value per measurand (and phase); return the latest energy register."""
    if not isinstance(meter_values, list):
        return None
    connector = ctx.state.connector(connector_id, evse_id)
    energy: float | None = None
    for meter_value in meter_values:
        if not isinstance(meter_value, dict):
            continue
        timestamp = _text(meter_value.get("timestamp"))
        for sample in meter_value.get("sampledValue") or []:
            if not isinstance(sample, dict):
                continue
            measurand = str(sample.get("measurand") or "Energy.Active.Import.Register")
            phase = sample.get("phase")
            key = f"{measurand}.{phase}" if phase else measurand
            unit = sample.get("unit")
            if unit is None and isinstance(sample.get("unitOfMeasure"), dict):
                unit = sample["unitOfMeasure"].get("unit")
            value = sample.get("value")
            connector.meter[key] = SampledValue(str(value), _text(unit), timestamp)
            if measurand == "Energy.Active.Import.Register" and not phase:
                number = _number(value)
                if number is not None:
                    energy = number * 1000.0 if unit == "kWh" else number
    return energy


# ---------------------------------------------------------------- OCPP 1.6


def boot_16(ctx: AnswerContext, payload: Payload) -> Any:
    state = ctx.state
    state.vendor = _text(payload.get("chargePointVendor"))
    state.model = _text(payload.get("chargePointModel"))
    state.serial = _text(
        payload.get("chargePointSerialNumber") or payload.get("chargeBoxSerialNumber")
    )
    state.firmware = _text(payload.get("firmwareVersion"))
    state.boot_extra = {
        k: v
        for k, v in payload.items()
        if k not in ("chargePointVendor", "chargePointModel", "firmwareVersion")
    }
    status, interval = _boot_decision(ctx)
    return ctx.results.BootNotification(current_time=_now(ctx), interval=interval, status=status)


def status_16(ctx: AnswerContext, payload: Payload) -> Any:
    connector_id = _int(payload.get("connectorId"))
    if connector_id is not None:
        connector = ctx.state.connector(connector_id)
        connector.status = str(payload.get("status"))
        connector.error_code = _text(payload.get("errorCode"))
        info = [payload.get(k) for k in ("info", "vendorErrorCode") if payload.get(k)]
        connector.info = " / ".join(map(str, info)) or None
        connector.updated_wall = ctx.clock.wall()
        ctx.updated(UpdateKind.STATUS)
    return ctx.results.StatusNotification()


def _id_tag_info(ctx: AnswerContext) -> dict[str, str]:
    return {"status": ctx.config.authorize_status}


def authorize_16(ctx: AnswerContext, payload: Payload) -> Any:
    return ctx.results.Authorize(id_tag_info=_id_tag_info(ctx))


def start_transaction_16(ctx: AnswerContext, payload: Payload) -> Any:
    transaction_id = ctx.next_transaction_id()
    meter_start = _number(payload.get("meterStart"))
    ctx.state.transactions[str(transaction_id)] = TransactionState(
        transaction_id=str(transaction_id),
        connector_id=_int(payload.get("connectorId")),
        id_tag=_text(payload.get("idTag")),
        started=_text(payload.get("timestamp")),
        meter_start_wh=meter_start,
        last_energy_wh=meter_start,
    )
    ctx.updated(UpdateKind.TRANSACTION)
    return ctx.results.StartTransaction(
        transaction_id=transaction_id, id_tag_info=_id_tag_info(ctx)
    )


def stop_transaction_16(ctx: AnswerContext, payload: Payload) -> Any:
    key = _text(payload.get("transactionId"))
    transaction = ctx.state.transactions.get(key or "")
    if transaction is None and key is not None:
        # A transaction started before we were its CSMS (offline, or another back office).
        transaction = ctx.state.transactions[key] = TransactionState(key, None)
    if transaction is not None:
        transaction.stopped = _text(payload.get("timestamp")) or _now(ctx)
        transaction.meter_stop_wh = _number(payload.get("meterStop"))
        transaction.last_energy_wh = transaction.meter_stop_wh
        transaction.stop_reason = _text(payload.get("reason")) or "Local"
        ctx.updated(UpdateKind.TRANSACTION)
    if payload.get("idTag"):
        return ctx.results.StopTransaction(id_tag_info=_id_tag_info(ctx))
    return ctx.results.StopTransaction()


def meter_values_16(ctx: AnswerContext, payload: Payload) -> Any:
    connector_id = _int(payload.get("connectorId"))
    if connector_id is not None:
        energy = _store_sampled_values(ctx, connector_id, None, payload.get("meterValue"))
        transaction = ctx.state.transactions.get(_text(payload.get("transactionId")) or "")
        if transaction is not None and energy is not None:
            transaction.last_energy_wh = energy
        ctx.updated(UpdateKind.METER)
    return ctx.results.MeterValues()


def diagnostics_status_16(ctx: AnswerContext, payload: Payload) -> Any:
    ctx.state.diagnostics_status = _text(payload.get("status"))
    ctx.updated(UpdateKind.DIAGNOSTICS_STATUS)
    return ctx.results.DiagnosticsStatusNotification()


def signed_firmware_status_16(ctx: AnswerContext, payload: Payload) -> Any:
    ctx.state.firmware_status = _text(payload.get("status"))
    ctx.updated(UpdateKind.FIRMWARE_STATUS)
    return ctx.results.SignedFirmwareStatusNotification()


ANSWERS_16: dict[str, Answer] = {
    "Authorize": authorize_16,
    "BootNotification": boot_16,
    "DataTransfer": data_transfer,
    "DiagnosticsStatusNotification": diagnostics_status_16,
    "FirmwareStatusNotification": firmware_status,
    "Heartbeat": heartbeat,
    "LogStatusNotification": log_status,
    "MeterValues": meter_values_16,
    "SecurityEventNotification": security_event,
    "SignCertificate": sign_certificate,
    "SignedFirmwareStatusNotification": signed_firmware_status_16,
    "StartTransaction": start_transaction_16,
    "StatusNotification": status_16,
    "StopTransaction": stop_transaction_16,
}


# ---------------------------------------------------------------- OCPP 2.0.1 and 2.1


def boot_2x(ctx: AnswerContext, payload: Payload) -> Any:
    station = payload.get("chargingStation")
    station = station if isinstance(station, dict) else {}
    state = ctx.state
    state.vendor = _text(station.get("vendorName"))
    state.model = _text(station.get("model"))
    state.serial = _text(station.get("serialNumber"))
    state.firmware = _text(station.get("firmwareVersion"))
    state.boot_reason = _text(payload.get("reason"))
    state.boot_extra = {k: v for k, v in station.items() if k == "modem"}
    status, interval = _boot_decision(ctx)
    return ctx.results.BootNotification(current_time=_now(ctx), interval=interval, status=status)


def status_2x(ctx: AnswerContext, payload: Payload) -> Any:
    evse_id, connector_id = _int(payload.get("evseId")), _int(payload.get("connectorId"))
    if connector_id is not None:
        connector = ctx.state.connector(connector_id, evse_id if evse_id is not None else 0)
        connector.status = str(payload.get("connectorStatus"))
        connector.updated_wall = ctx.clock.wall()
        ctx.updated(UpdateKind.STATUS)
    return ctx.results.StatusNotification()


def _id_token_info(ctx: AnswerContext) -> dict[str, str]:
    return {"status": ctx.config.authorize_status}


def authorize_2x(ctx: AnswerContext, payload: Payload) -> Any:
    return ctx.results.Authorize(id_token_info=_id_token_info(ctx))


def transaction_event_2x(ctx: AnswerContext, payload: Payload) -> Any:
    info = payload.get("transactionInfo")
    info = info if isinstance(info, dict) else {}
    key = _text(info.get("transactionId"))
    evse = payload.get("evse") if isinstance(payload.get("evse"), dict) else {}
    evse_id, connector_id = _int(evse.get("id")), _int(evse.get("connectorId"))
    id_token = payload.get("idToken") if isinstance(payload.get("idToken"), dict) else None
    if key is not None:
        transaction = ctx.state.transactions.get(key)
        if transaction is None:
            transaction = ctx.state.transactions[key] = TransactionState(
                transaction_id=key,
                connector_id=connector_id,
                evse_id=evse_id,
                started=_text(payload.get("timestamp")),
            )
        if id_token is not None:
            transaction.id_tag = _text(id_token.get("idToken"))
        # The EVSE is named once per transaction (E01: on the first event after it is known),
        # so later events' meter values belong to the EVSE the transaction already has.
        if evse_id is None:
            evse_id, connector_id = transaction.evse_id, transaction.connector_id
        elif transaction.evse_id is None:
            transaction.evse_id, transaction.connector_id = evse_id, connector_id
        if evse_id is not None:
            energy = _store_sampled_values(
                ctx, connector_id or 1, evse_id, payload.get("meterValue")
            )
            if energy is not None:
                if transaction.meter_start_wh is None:
                    transaction.meter_start_wh = energy
                transaction.last_energy_wh = energy
        if payload.get("eventType") == "Ended":
            transaction.stopped = _text(payload.get("timestamp")) or _now(ctx)
            transaction.stop_reason = _text(info.get("stoppedReason")) or "Local"
            transaction.meter_stop_wh = transaction.last_energy_wh
        ctx.updated(UpdateKind.TRANSACTION)
    if id_token is not None:
        return ctx.results.TransactionEvent(id_token_info=_id_token_info(ctx))
    return ctx.results.TransactionEvent()


def meter_values_2x(ctx: AnswerContext, payload: Payload) -> Any:
    evse_id = _int(payload.get("evseId"))
    if evse_id is not None:
        _store_sampled_values(ctx, 1 if evse_id else 0, evse_id, payload.get("meterValue"))
        ctx.updated(UpdateKind.METER)
    return ctx.results.MeterValues()


def _empty(action: str) -> Answer:
    def answer(ctx: AnswerContext, payload: Payload) -> Any:
        return getattr(ctx.results, action)()

    return answer


def _status(action: str, status: str) -> Answer:
    def answer(ctx: AnswerContext, payload: Payload) -> Any:
        return getattr(ctx.results, action)(status=status)

    return answer


def ev_certificate_2x(ctx: AnswerContext, payload: Payload) -> Any:
    # No contract-certificate back end behind a commissioning laptop.
    return ctx.results.Get15118EVCertificate(status="Failed", exi_response="")


def publish_firmware_status_2x(ctx: AnswerContext, payload: Payload) -> Any:
    ctx.updated(UpdateKind.PUBLISH_FIRMWARE_STATUS)
    return ctx.results.PublishFirmwareStatusNotification()


def certificate_chain_status_21(ctx: AnswerContext, payload: Payload) -> Any:
    requests = payload.get("certificateStatusRequests")
    statuses = []
    for request in requests if isinstance(requests, list) else []:
        if isinstance(request, dict):
            statuses.append(
                {
                    "certificateHashData": request.get("certificateHashData", {}),
                    "source": request.get("source", "OCSP"),
                    "status": "Unknown",
                    "nextUpdate": _now(ctx),
                }
            )
    return ctx.results.GetCertificateChainStatus(certificate_status=statuses[:4])


def vat_number_21(ctx: AnswerContext, payload: Payload) -> Any:
    return ctx.results.VatNumberValidation(
        vat_number=str(payload.get("vatNumber", ""))[:20], status="Rejected"
    )


ANSWERS_201: dict[str, Answer] = {
    "Authorize": authorize_2x,
    "BootNotification": boot_2x,
    "ClearedChargingLimit": _empty("ClearedChargingLimit"),
    "DataTransfer": data_transfer,
    "FirmwareStatusNotification": firmware_status,
    "Get15118EVCertificate": ev_certificate_2x,
    "GetCertificateStatus": _status("GetCertificateStatus", "Failed"),
    "Heartbeat": heartbeat,
    "LogStatusNotification": log_status,
    "MeterValues": meter_values_2x,
    "NotifyChargingLimit": _empty("NotifyChargingLimit"),
    "NotifyCustomerInformation": _empty("NotifyCustomerInformation"),
    "NotifyDisplayMessages": _empty("NotifyDisplayMessages"),
    "NotifyEVChargingNeeds": _status("NotifyEVChargingNeeds", "Accepted"),
    "NotifyEVChargingSchedule": _status("NotifyEVChargingSchedule", "Accepted"),
    "NotifyEvent": _empty("NotifyEvent"),
    "NotifyMonitoringReport": _empty("NotifyMonitoringReport"),
    "NotifyReport": _empty("NotifyReport"),
    "PublishFirmwareStatusNotification": publish_firmware_status_2x,
    "ReportChargingProfiles": _empty("ReportChargingProfiles"),
    "ReservationStatusUpdate": _empty("ReservationStatusUpdate"),
    "SecurityEventNotification": security_event,
    "SignCertificate": sign_certificate,
    "StatusNotification": status_2x,
    "TransactionEvent": transaction_event_2x,
}

ANSWERS_21: dict[str, Answer] = {
    **ANSWERS_201,
    "BatterySwap": _empty("BatterySwap"),
    "ClosePeriodicEventStream": _empty("ClosePeriodicEventStream"),
    "GetCertificateChainStatus": certificate_chain_status_21,
    "NotifyDERAlarm": _empty("NotifyDERAlarm"),
    "NotifyDERStartStop": _empty("NotifyDERStartStop"),
    "NotifyPriorityCharging": _empty("NotifyPriorityCharging"),
    "NotifySettlement": _empty("NotifySettlement"),
    "OpenPeriodicEventStream": _status("OpenPeriodicEventStream", "Accepted"),
    "PullDynamicScheduleUpdate": _status("PullDynamicScheduleUpdate", "Rejected"),
    "ReportDERControl": _empty("ReportDERControl"),
    "VatNumberValidation": vat_number_21,
}

ANSWERS: dict[OcppVersion, dict[str, Answer]] = {
    OcppVersion.V16: ANSWERS_16,
    OcppVersion.V201: ANSWERS_201,
    OcppVersion.V21: ANSWERS_21,
}
