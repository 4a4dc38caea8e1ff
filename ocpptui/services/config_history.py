"""A charger's configuration as its frames tell it: the changes sent and the values it reported.

Both the commissioning checklist and the report read the configuration from the frame log
rather than from the tables the UI edits: a value counts only once the charger reported it
in an answer to a read, and every change is listed with the answer it got.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from ocpptui.core.configuration_keys import ConfigurationTable
from ocpptui.core.device_model_variables import DeviceModel, VariableRef
from ocpptui.core.frame import Direction, Frame, answer_status

ACCEPTED = frozenset({"Accepted", "RebootRequired"})


@dataclass(frozen=True, slots=True)
class ConfigChange:
    """One key or variable sent in ChangeConfiguration / SetVariables, and its outcome."""

    key: str  # 1.6 key name, or a 2.x variable label (`OCPPCommCtrlr.HeartbeatInterval`)
    value: str
    status: str | None  # Accepted, Rejected, RebootRequired, a CallError code; None: no answer
    call: Frame
    answer: Frame | None

    @property
    def accepted(self) -> bool:
        return self.status in ACCEPTED


def configuration_changes(
    frames: Iterable[Frame], by_seq: Mapping[int, Frame] | None = None
) -> list[ConfigChange]:
    """Every change ocpp-tui sent in `frames` (oldest first), with the charger's answer."""
    frames = list(frames)
    by_seq = by_seq if by_seq is not None else {frame.seq: frame for frame in frames}
    found: list[ConfigChange] = []
    for call in frames:
        if call.direction is not Direction.OUT or call.message_type != 2:
            continue
        if call.action not in ("ChangeConfiguration", "SetVariables"):
            continue
        answer = by_seq.get(call.response_seq) if call.response_seq is not None else None
        payload = call.payload if isinstance(call.payload, dict) else {}
        if call.action == "ChangeConfiguration":
            key, value = str(payload.get("key")), str(payload.get("value"))
            found.append(ConfigChange(key, value, answer_status(answer), call, answer))
            continue
        for label, value, status in set_variable_outcomes(call, answer):
            found.append(ConfigChange(label, value, status, call, answer))
    return found


def set_variable_outcomes(call: Frame, answer: Frame | None) -> list[tuple[str, str, str | None]]:
    """(variable label, value sent, status) for each entry of a SetVariables CALL."""
    request = call.payload if isinstance(call.payload, dict) else {}
    response = answer.payload if answer is not None and isinstance(answer.payload, dict) else {}
    statuses: dict[tuple[VariableRef, str], str] = {}
    for item in response.get("setVariableResult") or []:
        if isinstance(item, dict):
            ref = VariableRef.from_json(item.get("component"), item.get("variable"))
            kind = str(item.get("attributeType", "Actual"))
            statuses[(ref, kind)] = str(item.get("attributeStatus"))
    found: list[tuple[str, str, str | None]] = []
    for item in request.get("setVariableData") or []:
        if not isinstance(item, dict):
            continue
        ref = VariableRef.from_json(item.get("component"), item.get("variable"))
        kind = str(item.get("attributeType", "Actual"))
        if answer is None:
            status = None
        else:
            status = answer.error_code or statuses.get((ref, kind), "no result")
        label = ref.label if kind == "Actual" else f"{ref.label} ({kind})"
        found.append((label, str(item.get("attributeValue")), status))
    return found


@dataclass(slots=True)
class ConfigurationReads:
    """The configuration as the charger reported it in one session's frames.

    Values come only from answers to reads (GetConfiguration, GetVariables, NotifyReport),
    never from what was sent, with the frame that last reported each key.
    """

    table: ConfigurationTable = field(default_factory=ConfigurationTable)
    model: DeviceModel = field(default_factory=DeviceModel)
    last_read: dict[str, Frame] = field(default_factory=dict)


def configuration_reads(frames: Iterable[Frame]) -> ConfigurationReads:
    """Replay the reads in `frames` (one session, oldest first) into fresh tables."""
    reads = ConfigurationReads()
    for frame in frames:
        payload = frame.payload if isinstance(frame.payload, dict) else None
        if payload is None or frame.direction is not Direction.IN:
            continue
        if frame.action == "GetConfiguration" and frame.message_type == 3:
            for key in reads.table.merge(payload):
                reads.last_read[key] = frame
            if reads.table.read_wall is None or frame.wall > reads.table.read_wall:
                reads.table.read_wall = frame.wall
        elif frame.action == "NotifyReport" and frame.message_type == 2:
            data = payload.get("reportData")
            reads.model.merge_report(data)
            for item in data if isinstance(data, list) else []:
                if isinstance(item, dict):
                    ref = VariableRef.from_json(item.get("component"), item.get("variable"))
                    reads.last_read[ref.label] = frame
        elif frame.action == "GetVariables" and frame.message_type == 3:
            for item in payload.get("getVariableResult") or []:
                if not isinstance(item, dict) or item.get("attributeStatus") != "Accepted":
                    continue
                ref = VariableRef.from_json(item.get("component"), item.get("variable"))
                kind = str(item.get("attributeType", "Actual"))
                value = item.get("attributeValue")
                reads.model.entry(ref).attribute(kind).value = None if value is None else str(value)
                if kind == "Actual":
                    reads.last_read[ref.label] = frame
    if reads.model.entries and reads.last_read:
        reads.model.read_wall = max(frame.wall for frame in reads.last_read.values())
    return reads
