"""OCPP 2.0.1 / 2.1 device model: GetBaseReport → NotifyReport parts → a component tree,
GetVariables to refresh it, SetVariables to change it, and "point the charger at its CSMS".

`read_device_model` reads it however the station allows: GetBaseReport first, and GetVariables
over the standard variables when the station refuses the report or never sends it in full.
Each read is recorded in the session's state (`core.config_reads`): a full base report or
the fallback run to its end is complete; GetVariables of a few variables is a read by name.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from ocpptui.core.config_reads import ReadKind, ReadRecorder, by_name_label
from ocpptui.core.device_model_variables import (
    ATTRIBUTE_TYPES,
    COMPLETE_BASES,
    REPORT_BASES,
    AttributeState,
    DeviceModel,
    VariableEntry,
    VariableRef,
    VariableResult,
)
from ocpptui.core.events import UpdateKind
from ocpptui.core.frame import Frame
from ocpptui.core.session import CallFailed, CallTimeout, Session
from ocpptui.protocol.secrets import mask_value
from ocpptui.protocol.standard_variables import (
    STANDARD_VARIABLES_201,
    StandardVariable,
    standard_variable,
)
from ocpptui.wording import counted

# The data model is offered from here too, beside the calls that fill it.
__all__ = [
    "ATTRIBUTE_TYPES",
    "COMPLETE_BASES",
    "DEFAULT_GET_VARIABLES_BATCH",
    "FALLBACK_TIMEOUTS",
    "REPORT_BASES",
    "AttributeState",
    "DeviceModel",
    "DeviceModelUnanswered",
    "ReportIncomplete",
    "ReportRefused",
    "VariableEntry",
    "VariableRef",
    "VariableResult",
    "device_model_of",
    "get_base_report",
    "get_variables",
    "ocpp_version_enum",
    "point_to_csms",
    "read_device_model",
    "set_variables",
    "standard_refs",
]

_request_ids = itertools.count(1000)


def device_model_of(session: Session) -> DeviceModel:
    model = session.state.device_model
    if model is None:
        model = session.state.device_model = DeviceModel()
    return model


def _status_info(result: dict[str, Any]) -> str | None:
    info = result.get("attributeStatusInfo") or result.get("statusInfo")
    if isinstance(info, dict):
        return " ".join(str(info.get(k)) for k in ("reasonCode", "additionalInfo") if info.get(k))
    return None


def _record_values(recorder: ReadRecorder, model: DeviceModel, refs: Iterable[VariableRef]) -> None:
    """Note the Actual value of each of `refs` as the read reported it."""
    for ref in refs:
        entry = model.entries.get(ref)
        if entry is not None and "Actual" in entry.attributes:
            attribute = entry.attributes["Actual"]
            recorder.value(ref.label, attribute.value, not attribute.writable)


async def get_base_report(
    session: Session,
    report_base: str = "FullInventory",
    *,
    timeout: float = 30.0,
    recorder: ReadRecorder | None = None,
) -> DeviceModel:
    """GetBaseReport, then collect every NotifyReport part (seqNo/tbc) into the model.

    Raises CallFailed when the charger refuses or the parts do not all arrive in time; the
    model keeps whatever arrived, and `steps` says what happened. Without `recorder` (a
    larger read's) the read is recorded: complete for a full report of every part.
    """
    model = device_model_of(session)
    own_record = recorder is None
    record = recorder if recorder is not None else ReadRecorder(session)
    request_id = next(_request_ids)
    parts: dict[int, Frame] = {}
    finished = asyncio.get_running_loop().create_future()

    def collect(frame: Frame) -> None:
        payload = frame.payload if isinstance(frame.payload, dict) else {}
        if frame.action != "NotifyReport" or payload.get("requestId") != request_id:
            return
        seq_no = payload.get("seqNo")
        parts[seq_no if isinstance(seq_no, int) else len(parts)] = frame
        if not payload.get("tbc", False) and not finished.done():
            finished.set_result(None)

    unsubscribe = session.subscribe_calls(collect)  # before sending: parts may come fast
    try:
        outcome = await session.call_raw(
            "GetBaseReport", {"requestId": request_id, "reportBase": report_base}
        )
        record.answered(outcome)
        if outcome.status != "Accepted":
            model.steps.append(f"GetBaseReport {report_base}: {outcome.status}")
            raise ReportRefused(f"GetBaseReport {report_base}: {outcome.status}")
        timed_out = False
        try:
            async with asyncio.timeout(timeout):
                await finished
        except TimeoutError:
            timed_out = True
    finally:
        unsubscribe()
        if not finished.done():
            finished.cancel()
    entries = 0
    for seq_no in sorted(parts):
        merged = model.merge_report(parts[seq_no].payload.get("reportData"))
        entries += len(merged)
        _record_values(record, model, merged)
        record.frame_seq(parts[seq_no].seq)
    how = f"GetBaseReport {report_base}"
    if timed_out:
        # What did arrive is merged: the model keeps it.
        model.parts = len(parts)
        model.complete = False
        sent = counted(len(parts), "NotifyReport part")
        model.steps.append(
            f"GetBaseReport {report_base}: Accepted, but "
            + (f"{sent} and not the last one" if parts else "no NotifyReport")
            + f" within {timeout:g} s"
        )
        if parts:
            if own_record:
                record.finish(ReadKind.PARTIAL, f"{how} (incomplete)", model.steps)
            session.updated(UpdateKind.DEVICE_MODEL)
            raise ReportIncomplete(
                f"the charger sent {sent} but not the last one within {timeout:g} s"
            )
        raise ReportIncomplete(
            f"the charger accepted GetBaseReport {report_base} but sent no NotifyReport "
            f"within {timeout:g} s"
        )
    missing = [n for n in range(max(parts) + 1) if n not in parts] if parts else []
    model.report_base = report_base
    model.parts = len(parts)
    model.complete = not missing
    model.method = how
    model.steps.append(
        f"GetBaseReport {report_base}: {counted(entries, 'variable')} in "
        f"{counted(len(parts), 'part')}" + (f", missing seqNo {missing}" if missing else "")
    )
    model.read_wall = session.clock.wall()
    if own_record:
        whole = model.complete and report_base in COMPLETE_BASES
        record.finish(
            ReadKind.COMPLETE if whole else ReadKind.PARTIAL,
            how if model.complete else f"{how} (incomplete)",
            model.steps,
        )
    session.updated(UpdateKind.DEVICE_MODEL)
    return model


class ReportRefused(CallFailed):
    """The charger answered GetBaseReport with something other than Accepted."""


class ReportIncomplete(CallFailed):
    """NotifyReport parts stopped arriving before the last one (tbc=false)."""


def _batches(items: list, size: int | None) -> Iterable[list]:
    step = size if size and size > 0 else len(items) or 1
    for start in range(0, len(items), step):
        yield items[start : start + step]


def _items_per_message(model: DeviceModel, action: str) -> int | None:
    for ref, entry in model.entries.items():
        if (
            ref.component == "DeviceDataCtrlr"
            and ref.variable == "ItemsPerMessage"
            and ref.variable_instance == action
        ):
            try:
                return int(entry.attribute().value or "")
            except ValueError:
                return None
    return None


async def get_variables(
    session: Session,
    refs: Iterable[VariableRef],
    attribute_type: str = "Actual",
    *,
    timeout: float | None = None,
    recorder: ReadRecorder | None = None,
) -> list[VariableResult]:
    """GetVariables for `refs` (batched by DeviceDataCtrlr.ItemsPerMessage); updates the model.

    `timeout` is per request (default: the session's call timeout). Without `recorder` (a
    larger read's) the Actual values read are recorded as a read by name.
    """
    model = device_model_of(session)
    wanted = list(refs)
    results: list[VariableResult] = []
    own_record = recorder is None and attribute_type == "Actual"
    record = recorder if recorder is not None else ReadRecorder(session)
    for chunk in _batches(wanted, _items_per_message(model, "GetVariables")):
        data = [
            {
                "attributeType": attribute_type,
                "component": ref.component_json(),
                "variable": ref.variable_json(),
            }
            for ref in chunk
        ]
        outcome = await session.call_raw("GetVariables", {"getVariableData": data}, timeout=timeout)
        record.answered(outcome)
        if not outcome.ok:
            results.extend(
                VariableResult(ref, attribute_type, outcome.error_code or "CallError",
                               detail=outcome.error_description)
                for ref in chunk
            )  # fmt: skip
            continue
        for item in (outcome.payload or {}).get("getVariableResult") or []:
            if not isinstance(item, dict):
                continue
            ref = VariableRef.from_json(item.get("component"), item.get("variable"))
            kind = str(item.get("attributeType", attribute_type))
            status = str(item.get("attributeStatus"))
            value = item.get("attributeValue")
            result = VariableResult(
                ref, kind, status, None if value is None else str(value), _status_info(item)
            )
            results.append(result)
            if status == "Accepted":
                model.entry(ref).attribute(kind).value = result.value
                if kind == "Actual":
                    _record_values(record, model, [ref])
            elif status in ("UnknownComponent", "UnknownVariable"):
                record.not_known(ref.label)
            if ref in model.entries:
                attribute = model.entries[ref].attribute(kind)
                attribute.last_status, attribute.last_detail = status, result.detail
    if own_record and record.first_seq is not None:
        record.finish(ReadKind.BY_NAME, by_name_label(len(wanted), "variable"))
    session.updated(UpdateKind.DEVICE_MODEL)
    return results


# GetVariables batch size until DeviceDataCtrlr.ItemsPerMessage[GetVariables] is known.
DEFAULT_GET_VARIABLES_BATCH = 8
# The fallback gives up after this many GetVariables requests in a row go unanswered.
FALLBACK_TIMEOUTS = 2
# attributeStatus values of GetVariableResult; anything else is a CallError code.
_GET_STATUSES = frozenset(
    {"Accepted", "Rejected", "UnknownComponent", "UnknownVariable", "NotSupportedAttributeType"}
)
_ITEMS_PER_GET = VariableRef("DeviceDataCtrlr", "ItemsPerMessage", variable_instance="GetVariables")


class DeviceModelUnanswered(CallFailed):
    """The station answered neither GetBaseReport nor any GetVariables request."""


async def read_device_model(
    session: Session,
    report_base: str = "FullInventory",
    *,
    timeout: float = 30.0,
    call_timeout: float | None = None,
    progress: Callable[[str], None] = lambda step: None,
) -> DeviceModel:
    """Read the device model however the station allows, saying which method worked.

    1. GetBaseReport `report_base`, waiting up to `timeout` s for the NotifyReport parts.
    2. When the station refuses it (NotSupported, Rejected, a CallError, no answer), sends no
       NotifyReport, or not all of it: GetVariables over the standard variables
       (`protocol.standard_variables`), in batches of ItemsPerMessage[GetVariables] (read
       first; halved when the station refuses a batch), merged into the model. Write-only
       variables are not asked for.

    `model.method` is "GetBaseReport <base>", "GetVariables fallback", or
    "GetBaseReport <base> (incomplete) + GetVariables fallback"; `model.steps` says what
    happened. Bounds: one GetBaseReport (`call_timeout`) plus `timeout`; then one request per
    batch, each up to `call_timeout` s, and the fallback stops after FALLBACK_TIMEOUTS
    unanswered requests in a row. Raises DeviceModelUnanswered when nothing was answered at
    all, and another CallFailed when the connection is gone.
    """
    model = device_model_of(session)
    model.steps = []
    reported = 0  # steps get_base_report wrote, already shown
    recorder = ReadRecorder(session)

    def step(text: str) -> None:
        model.steps.append(text)
        progress(text)

    def show_report_steps() -> None:
        nonlocal reported
        for text in model.steps[reported:]:
            progress(text)
        reported = len(model.steps)

    answered_report = True
    partial = False
    try:
        await get_base_report(session, report_base, timeout=timeout, recorder=recorder)
    except ReportIncomplete:
        partial = model.parts > 0
        show_report_steps()
    except ReportRefused:
        show_report_steps()
    except CallTimeout as exc:
        answered_report = False
        step(f"GetBaseReport {report_base}: {exc}")
    except CallFailed as exc:
        if not session.connected:
            raise
        step(f"GetBaseReport {report_base}: {exc}")
    else:
        show_report_steps()
        if model.complete:
            whole = report_base in COMPLETE_BASES
            recorder.finish(
                ReadKind.COMPLETE if whole else ReadKind.PARTIAL, model.method, model.steps
            )
            return model
        partial = True

    known_before = set(model.entries)
    counts = await _read_standard_variables(session, model, call_timeout, step, recorder)
    model.method = (
        f"GetBaseReport {report_base} (incomplete) + GetVariables fallback"
        if partial
        else "GetVariables fallback"
    )
    model.complete = False
    model.read_wall = session.clock.wall()
    for ref, entry in model.entries.items():
        if ref not in known_before:
            _describe_from_table(ref, entry)
    session.updated(UpdateKind.DEVICE_MODEL)
    if not answered_report and counts.answered == 0:
        model.method = "no answer"
        text = "the station answered neither GetBaseReport nor GetVariables"
        step(text)
        raise DeviceModelUnanswered(text)
    # The fallback asked for every standard variable unless it stopped on silence.
    kind = ReadKind.PARTIAL if counts.stopped or counts.answered == 0 else ReadKind.COMPLETE
    recorder.finish(kind, model.method, model.steps)
    return model


@dataclass(slots=True)
class _FallbackCounts:
    answered: int = 0  # requests that got any answer
    accepted: int = 0
    unknown: int = 0
    other: int = 0
    stopped: bool = False  # gave up on unanswered requests before asking for everything


def standard_refs(session: Session, model: DeviceModel) -> list[VariableRef]:
    """Every readable standard variable, per EVSE/connector the station is known to have."""
    evses: set[int] = {ref.evse_id for ref in model.entries if ref.evse_id is not None}
    connectors: set[tuple[int, int]] = {
        (ref.evse_id, ref.connector_id)
        for ref in model.entries
        if ref.evse_id is not None and ref.connector_id is not None
    }
    for evse_id, connector_id in session.state.connectors:
        if evse_id:  # 2.x status notifications are keyed (evse id, connector id)
            evses.add(evse_id)
            connectors.add((evse_id, connector_id))
    evses = evses or {1}
    connectors = connectors or {(evse_id, 1) for evse_id in evses}
    refs: list[VariableRef] = []
    for variable in STANDARD_VARIABLES_201:
        if not variable.readable:
            continue
        if variable.level == "station":
            refs.append(_ref(variable))
        elif variable.level == "evse":
            refs.extend(_ref(variable, evse_id) for evse_id in sorted(evses))
        else:
            refs.extend(_ref(variable, *pair) for pair in sorted(connectors))
    return refs


def _ref(
    variable: StandardVariable, evse_id: int | None = None, connector_id: int | None = None
) -> VariableRef:
    return VariableRef(
        variable.component,
        variable.variable,
        variable_instance=variable.variable_instance,
        evse_id=evse_id,
        connector_id=connector_id,
    )


def _describe_from_table(ref: VariableRef, entry: VariableEntry) -> None:
    """Mutability and data type from the specification, for an entry no report described."""
    row = standard_variable(ref.component, ref.variable, ref.variable_instance)
    if row is None:
        return
    entry.attribute().mutability = row.mutability
    entry.characteristics.setdefault("dataType", row.data_type)


async def _read_standard_variables(
    session: Session,
    model: DeviceModel,
    call_timeout: float | None,
    step: Callable[[str], None],
    recorder: ReadRecorder,
) -> _FallbackCounts:
    counts = _FallbackCounts()
    unanswered_in_a_row = 0

    async def read(refs: list[VariableRef]) -> list[VariableResult] | None:
        nonlocal unanswered_in_a_row
        try:
            results = await get_variables(session, refs, timeout=call_timeout, recorder=recorder)
        except CallTimeout as exc:
            unanswered_in_a_row += 1
            step(f"GetVariables ({counted(len(refs), 'variable')}): {exc}")
            return None
        except CallFailed:
            if not session.connected:
                raise
            unanswered_in_a_row += 1
            return None
        unanswered_in_a_row = 0
        counts.answered += 1
        return results

    size = _items_per_message(model, "GetVariables")
    if size is None:
        # The station's own limit sizes the batches: ask for it alone first.
        await read([_ITEMS_PER_GET])
        size = _items_per_message(model, "GetVariables")
        if size is not None:
            step(f"GetVariables: ItemsPerMessage[GetVariables] = {size}")
    size = size if size and size > 0 else DEFAULT_GET_VARIABLES_BATCH
    refs = standard_refs(session, model)
    pending = list(refs)
    requests = 0
    while pending and unanswered_in_a_row < FALLBACK_TIMEOUTS:
        chunk, pending = pending[:size], pending[size:]
        requests += 1
        results = await read(chunk)
        if results is None:
            continue
        errors = {r.status for r in results if r.status not in _GET_STATUSES}
        if errors and len(chunk) > 1:
            size = max(1, len(chunk) // 2)
            step(
                f"GetVariables: {', '.join(sorted(errors))} for {counted(len(chunk), 'item')}; "
                f"now {size}"
            )
            pending = chunk + pending
            continue
        for result in results:
            if result.status == "Accepted":
                counts.accepted += 1
            elif result.status in ("UnknownComponent", "UnknownVariable"):
                counts.unknown += 1
            else:
                counts.other += 1
    summary = (
        f"GetVariables fallback: {counts.accepted} of {counted(len(refs), 'standard variable')}"
        f" read in {counted(requests, 'request')} of up to {size}"
    )
    if counts.unknown:
        summary += f", {counts.unknown} unknown to the station"
    if counts.other:
        summary += f", {counts.other} refused"
    if pending:
        counts.stopped = True
        summary += (
            f"; stopped after {counted(unanswered_in_a_row, 'unanswered request')}, "
            f"{len(pending)} not asked"
        )
    step(summary)
    return counts


async def set_variables(
    session: Session,
    changes: Iterable[tuple[VariableRef, str, str]],
    *,
    confirm: bool = True,
) -> list[VariableResult]:
    """SetVariables for (ref, value, attribute type) triples; after Accepted, read each back."""
    model = device_model_of(session)
    wanted = list(changes)
    results: list[VariableResult] = []
    for chunk in _batches(wanted, _items_per_message(model, "SetVariables")):
        data = [
            {
                "attributeType": kind,
                "attributeValue": value,
                "component": ref.component_json(),
                "variable": ref.variable_json(),
            }
            for ref, value, kind in chunk
        ]
        values = {(ref, kind): value for ref, value, kind in chunk}
        outcome = await session.call_raw("SetVariables", {"setVariableData": data})
        if not outcome.ok:
            results.extend(
                VariableResult(ref, kind, outcome.error_code or "CallError", value,
                               outcome.error_description)
                for ref, value, kind in chunk
            )  # fmt: skip
            continue
        for item in (outcome.payload or {}).get("setVariableResult") or []:
            if not isinstance(item, dict):
                continue
            ref = VariableRef.from_json(item.get("component"), item.get("variable"))
            kind = str(item.get("attributeType", "Actual"))
            status = str(item.get("attributeStatus"))
            result = VariableResult(ref, kind, status, values.get((ref, kind)), _status_info(item))
            results.append(result)
            attribute = model.entry(ref).attribute(kind)
            attribute.last_status, attribute.last_detail = status, result.detail
            if status == "RebootRequired":
                attribute.value = result.value
    accepted = [r for r in results if r.status == "Accepted"]
    if confirm and accepted:
        with contextlib.suppress(CallFailed):
            by_key = {(r.ref, r.attribute_type): r for r in accepted}
            for kind in sorted({r.attribute_type for r in accepted}):
                refs = [r.ref for r in accepted if r.attribute_type == kind]
                for read in await get_variables(session, refs, kind):
                    target = by_key.get((read.ref, kind))
                    if target is not None and read.status == "Accepted":
                        target.confirmed_value = read.value
                        if read.value != target.value:
                            shown = mask_value(read.ref.label, read.value)
                            target.detail = f"read back {shown!r}"
    session.updated(UpdateKind.DEVICE_MODEL)
    return results


def ocpp_version_enum(session: Session, version_text: str | None = None) -> str:
    """The OCPPVersionEnumType value for SetNetworkProfile."""
    wanted = (version_text or session.version.value).replace(".", "")
    mapping = {"16": "OCPP16", "20": "OCPP20", "201": "OCPP20", "21": "OCPP21"}
    if session.version.value == "2.1":
        mapping["201"] = "OCPP201"
    return mapping.get(wanted, "OCPP20")


async def point_to_csms(
    session: Session,
    csms_url: str,
    *,
    slot: int = 1,
    security_profile: int = 0,
    interface: str = "Wired0",
    message_timeout: int = 30,
    ocpp_version: str | None = None,
    extra: dict[str, Any] | None = None,
) -> list[str]:
    """SetNetworkProfile into `slot`, then make it first in NetworkConfigurationPriority.

    Returns the steps with their outcome; raises CallFailed if the profile is not accepted.
    The charger uses the new profile after its next reconnect or reset.
    """
    connection = {
        "ocppVersion": ocpp_version_enum(session, ocpp_version),
        "ocppTransport": "JSON",
        "ocppCsmsUrl": csms_url,
        "messageTimeout": message_timeout,
        "securityProfile": security_profile,
        "ocppInterface": interface,
        **(extra or {}),
    }
    steps: list[str] = []
    outcome = await session.call_raw(
        "SetNetworkProfile", {"configurationSlot": slot, "connectionData": connection}
    )
    steps.append(f"SetNetworkProfile slot {slot}: {outcome.status}")
    if outcome.status != "Accepted":
        raise ReportRefused(steps[-1])
    model = device_model_of(session)
    current = model.value("OCPPCommCtrlr", "NetworkConfigurationPriority") or ""
    others = [s.strip() for s in current.split(",") if s.strip() and s.strip() != str(slot)]
    priority = ",".join([str(slot), *others])
    ref = VariableRef("OCPPCommCtrlr", "NetworkConfigurationPriority")
    results = await set_variables(session, [(ref, priority, "Actual")])
    status = results[0].status if results else "no result"
    steps.append(f"NetworkConfigurationPriority = {priority}: {status}")
    return steps
