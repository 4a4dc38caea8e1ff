"""The commissioning checklist: what a charger has shown, item by item, with the frames as proof.

Every item is computed from what the hub saw — the frames of the charger's newest session
(its boot, status notifications, heartbeats, the configuration it reported) and, for the
test transaction, of all its sessions — never from what ocpp-tui asked for. Each item is
pass, fail or pending (not shown yet), or "not checked" when it needs something the
technician has not chosen (a profile, a target firmware). `evidence` lists the sequence
numbers of the frames that decide it, so the UI can open them and a report can cite them.

Thresholds (`ChecklistTarget`): the charger's clock passes within 60 s of the laptop's
(median over its newest timestamped messages); heartbeats pass when the median of at least
two observed intervals is within 10 % (at least 1 s) of the interval the charger was given;
the configuration is compared only with values read after their last change.
"""

from __future__ import annotations

import itertools
import re
import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from ocpptui.core.config import CsmsConfig
from ocpptui.core.device_model_variables import VariableRef
from ocpptui.core.frame import Direction, Frame, answer_status
from ocpptui.core.hub import Charger
from ocpptui.core.session import Session
from ocpptui.protocol.secrets import mask_value
from ocpptui.protocol.timestamps import epoch_seconds, record_time, utc_time_of_day
from ocpptui.services.config_history import (
    ConfigChange,
    configuration_changes,
    configuration_reads,
)
from ocpptui.services.profiles import DiffState, Profile, diff_16, diff_201
from ocpptui.wording import counted

#: Frames of the charger that carry its own clock: action → top-level timestamp field.
_TIMESTAMP_FIELDS = {
    "StatusNotification": "timestamp",
    "StartTransaction": "timestamp",
    "StopTransaction": "timestamp",
    "TransactionEvent": "timestamp",
    "SecurityEventNotification": "timestamp",
    "NotifyEvent": "generatedAt",
    "NotifyReport": "generatedAt",
    "NotifyMonitoringReport": "generatedAt",
}
CLOCK_SAMPLES = 10
IN_USE_STATUSES = frozenset(
    {"Preparing", "Charging", "SuspendedEV", "SuspendedEVSE", "Finishing", "Reserved", "Occupied"}
)
FIRMWARE_BUSY = frozenset(
    {
        "Downloading",
        "Downloaded",
        "DownloadScheduled",
        "DownloadPaused",
        "Installing",
        "InstallRebooting",
        "InstallScheduled",
        "SignatureVerified",
    }
)
# 1.6 has no standard key for the CSMS URL; vendors name theirs like these.
_URL_KEY = re.compile(r"url|csms|centralsystem|backend|ocppserver|serveraddress|websocket", re.I)
MAX_VIOLATIONS = 200


class CheckStatus(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    PENDING = "pending"
    SKIPPED = "not checked"


@dataclass(frozen=True, slots=True)
class CheckItem:
    """One line of the checklist."""

    key: str
    title: str
    status: CheckStatus
    detail: str
    evidence: tuple[int, ...] = ()  # frame sequence numbers, oldest first
    optional: bool = False
    at_wall: float | None = None  # when the newest evidence frame was seen

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": self.title,
            "status": self.status.value,
            "detail": self.detail,
            "evidence": list(self.evidence),
            "optional": self.optional,
            "at": record_time(self.at_wall),
        }


@dataclass(frozen=True, slots=True)
class ChargerViolation:
    """A schema violation (or malformed frame) the charger sent: something for its vendor."""

    seq: int
    wall: float
    action: str | None
    kind: str  # CALL / RESULT / ...
    path: str
    rule: str
    message: str

    def to_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "time": record_time(self.wall),
            "action": self.action,
            "type": self.kind,
            "path": self.path,
            "rule": self.rule,
            "message": self.message,
        }


@dataclass(slots=True)
class ChecklistTarget:
    """What the technician checks against, and the thresholds."""

    target_firmware: str | None = None
    profile: Profile | None = None
    max_clock_skew_s: float = 60.0
    heartbeat_tolerance: float = 0.10  # fraction of the expected interval ...
    heartbeat_min_tolerance_s: float = 1.0  # ... but at least this many seconds
    heartbeat_intervals_needed: int = 2


@dataclass(slots=True)
class Checklist:
    identity: str
    computed_wall: float
    items: list[CheckItem]
    violations: list[ChargerViolation] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """Every required item passes (optional ones may be pending or not checked)."""
        return all(
            item.status is CheckStatus.PASS
            for item in self.items
            if not item.optional and item.status is not CheckStatus.SKIPPED
        )

    def item(self, key: str) -> CheckItem:
        for item in self.items:
            if item.key == key:
                return item
        raise KeyError(key)

    def to_json(self) -> dict[str, Any]:
        return {
            "identity": self.identity,
            "computed": record_time(self.computed_wall),
            "passed": self.passed,
            "items": [item.to_json() for item in self.items],
            "violations": [violation.to_json() for violation in self.violations],
        }


def _duration(seconds: float) -> str:
    seconds = abs(seconds)
    if seconds < 120:
        return f"{seconds:.1f} s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} min"
    if seconds < 172_800:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86_400:.1f} days"


# ------------------------------------------------------------------------ frames of a session


class _Frames:
    """The frames of interest, with lookups by sequence number."""

    def __init__(self, frames: Iterable[Frame]) -> None:
        self.frames = list(frames)
        self.by_seq = {frame.seq: frame for frame in self.frames}

    def answer(self, call: Frame) -> Frame | None:
        return self.by_seq.get(call.response_seq) if call.response_seq is not None else None

    def calls(self, action: str, direction: Direction) -> list[Frame]:
        return [
            f
            for f in self.frames
            if f.action == action and f.direction is direction and f.message_type in (2, 6)
        ]


def _item(
    key: str,
    title: str,
    status: CheckStatus,
    detail: str,
    evidence: Iterable[Frame | None] = (),
    optional: bool = False,
) -> CheckItem:
    frames = sorted({f.seq: f for f in evidence if f is not None}.values(), key=lambda f: f.seq)
    return CheckItem(
        key,
        title,
        status,
        detail,
        tuple(f.seq for f in frames),
        optional,
        frames[-1].wall if frames else None,
    )


# ------------------------------------------------------------------------ the checklist


def compute_checklist(
    charger: Charger,
    config: CsmsConfig,
    target: ChecklistTarget | None = None,
    *,
    now: float,
) -> Checklist:
    """The checklist of `charger` as of `now` (wall clock), from its frames and state."""
    target = target or ChecklistTarget()
    session = charger.session
    every = _Frames(charger.frames)
    current = _Frames(
        f for f in every.frames if session is not None and f.session_id == session.session_id
    )
    boot_item, boot_answer = _check_boot(session, current)
    items = [
        boot_item,
        _check_clock(current, boot_answer, target),
        _check_heartbeats(current, boot_answer, config, target, now),
        _check_connectors(session, current),
        _check_errors(session, current),
        _check_configuration(session, current, target.profile),
        _check_firmware(session, current, target.target_firmware),
        _check_transaction(every),
        _check_csms_url(session, current),
    ]
    return Checklist(charger.identity, now, items, charger_violations(every.frames))


def charger_violations(frames: Iterable[Frame]) -> list[ChargerViolation]:
    """Schema violations and malformed frames the charger sent, oldest first."""
    found: list[ChargerViolation] = []
    for frame in frames:
        if frame.direction is not Direction.IN:
            continue
        kind = frame.type_label
        for violation in frame.violations:
            found.append(
                ChargerViolation(
                    frame.seq,
                    frame.wall,
                    frame.action,
                    kind,
                    violation.path,
                    violation.rule,
                    violation.message,
                )
            )
        if frame.problem is not None:
            found.append(
                ChargerViolation(
                    frame.seq, frame.wall, frame.action, kind, "$", "malformed", frame.problem
                )
            )
        if len(found) >= MAX_VIOLATIONS:
            break
    return found[:MAX_VIOLATIONS]


def _check_boot(session: Session | None, frames: _Frames) -> tuple[CheckItem, Frame | None]:
    title = "BootNotification accepted"
    if session is None:
        return _item("boot", title, CheckStatus.PENDING, "the charger has not connected yet"), None
    boots = frames.calls("BootNotification", Direction.IN)
    if not boots:
        return (
            _item("boot", title, CheckStatus.PENDING, "connected; no BootNotification yet"),
            None,
        )
    boot = boots[-1]
    answer = frames.answer(boot)
    status = answer_status(answer)
    evidence = (boot, answer)
    if status == "Accepted":
        payload = answer.payload if answer is not None and isinstance(answer.payload, dict) else {}
        interval = payload.get("interval")
        detail = f"Accepted at {utc_time_of_day(boot.wall)}"
        if isinstance(interval, int):
            detail += f", heartbeat every {interval} s"
        if len(boots) > 1:
            detail += f" ({counted(len(boots), 'boot')} on this connection)"
        return _item("boot", title, CheckStatus.PASS, detail, evidence), answer
    if status is None:
        return _item("boot", title, CheckStatus.PENDING, "not answered yet", evidence), None
    if status == "Pending":
        detail = "answered Pending (waiting for your decision, or the boot answer setting)"
        return _item("boot", title, CheckStatus.PENDING, detail, evidence), None
    return _item("boot", title, CheckStatus.FAIL, f"answered {status}", evidence), None


def _charger_time(frame: Frame) -> float | None:
    payload = frame.payload if isinstance(frame.payload, dict) else {}
    name = _TIMESTAMP_FIELDS.get(frame.action or "")
    if name is not None:
        return epoch_seconds(payload.get(name))
    if frame.action == "MeterValues":
        values = payload.get("meterValue")
        if isinstance(values, list) and values and isinstance(values[-1], dict):
            return epoch_seconds(values[-1].get("timestamp"))
    return None


def _check_clock(frames: _Frames, boot_answer: Frame | None, target: ChecklistTarget) -> CheckItem:
    title = "Clock in sync"
    after = boot_answer.seq if boot_answer is not None else 0
    samples: list[tuple[float, Frame]] = []
    for frame in frames.frames:
        if frame.direction is Direction.IN and frame.message_type == 2 and frame.seq > after:
            stamped = _charger_time(frame)
            if stamped is not None:
                samples.append((stamped - frame.wall, frame))
    samples = samples[-CLOCK_SAMPLES:]
    if not samples:
        return _item(
            "clock",
            title,
            CheckStatus.PENDING,
            "no timestamped message since the boot (trigger a StatusNotification or MeterValues)",
        )
    skew = statistics.median(skew for skew, _ in samples)
    closest = min(samples, key=lambda sample: abs(sample[0] - skew))[1]
    way = "ahead of" if skew > 0 else "behind"
    messages = counted(len(samples), "message")
    detail = f"charger clock {_duration(skew)} {way} the laptop ({messages})"
    status = CheckStatus.PASS if abs(skew) < target.max_clock_skew_s else CheckStatus.FAIL
    if status is CheckStatus.FAIL:
        detail += f"; more than {target.max_clock_skew_s:g} s: check its time source (NTP)"
    return _item("clock", title, status, detail, (closest, samples[-1][1]))


def _changes(frames: _Frames, *, accepted_only: bool = True) -> list[ConfigChange]:
    changes = configuration_changes(frames.frames, frames.by_seq)
    return [c for c in changes if c.accepted] if accepted_only else changes


def _check_heartbeats(
    frames: _Frames,
    boot_answer: Frame | None,
    config: CsmsConfig,
    target: ChecklistTarget,
    now: float,
) -> CheckItem:
    title = "Heartbeats at the configured interval"
    expected: float = config.heartbeat_interval
    source = "the settings"
    since: Frame | None = boot_answer
    if boot_answer is not None and isinstance(boot_answer.payload, dict):
        interval = boot_answer.payload.get("interval")
        if isinstance(interval, int) and interval > 0:
            expected, source = interval, f"the BootNotification answer #{boot_answer.seq}"
    for change in _changes(frames):
        answer = change.answer
        if (
            change.key in ("HeartbeatInterval", "OCPPCommCtrlr.HeartbeatInterval")
            and answer is not None
            and (since is None or answer.seq > since.seq)
        ):
            try:
                expected = float(change.value)
            except ValueError:
                continue
            source, since = f"{change.call.action} #{change.call.seq}", answer
    if since is None:
        return _item("heartbeat", title, CheckStatus.PENDING, "waiting for an accepted boot")
    beats = [f for f in frames.calls("Heartbeat", Direction.IN) if f.seq > since.seq]
    intervals = [(b.mono - a.mono, b) for a, b in itertools.pairwise(beats)]
    tolerance = max(target.heartbeat_tolerance * expected, target.heartbeat_min_tolerance_s)
    wanted = f"expected every {expected:g} s (from {source})"
    last = beats[-1].wall if beats else since.wall
    if now - last > 2 * expected + tolerance:
        detail = f"no Heartbeat for {_duration(now - last)}; {wanted}"
        return _item("heartbeat", title, CheckStatus.FAIL, detail, (since, *beats[-1:]))
    if len(intervals) < target.heartbeat_intervals_needed:
        detail = f"{counted(len(beats), 'heartbeat')} so far; {wanted}"
        return _item("heartbeat", title, CheckStatus.PENDING, detail, (since, *beats[-3:]))
    recent = intervals[-20:]
    median = statistics.median(seconds for seconds, _ in recent)
    longest = max(seconds for seconds, _ in recent)
    detail = (
        f"median {median:.1f} s over {counted(len(recent), 'interval')} "
        f"(longest {longest:.1f} s); {wanted}"
    )
    ok = abs(median - expected) <= tolerance
    status = CheckStatus.PASS if ok else CheckStatus.FAIL
    return _item("heartbeat", title, status, detail, [frame for _, frame in recent[-3:]])


def _status_frames(frames: _Frames) -> dict[tuple[int | None, int], Frame]:
    """The newest StatusNotification per (evse, connector)."""
    newest: dict[tuple[int | None, int], Frame] = {}
    for frame in frames.calls("StatusNotification", Direction.IN):
        payload = frame.payload if isinstance(frame.payload, dict) else {}
        connector = payload.get("connectorId")
        if isinstance(connector, int):
            evse = payload.get("evseId")
            newest[(evse if isinstance(evse, int) else None, connector)] = frame
    return newest


def _check_connectors(session: Session | None, frames: _Frames) -> CheckItem:
    title = "Every connector reported and Available"
    if session is None:
        return _item("connectors", title, CheckStatus.PENDING, "the charger has not connected yet")
    state = session.state
    reported = [c for c in state.sorted_connectors if c.connector_id != 0]
    evidence_by_key = _status_frames(frames)
    evidence = list(evidence_by_key.values())
    if not reported:
        return _item(
            "connectors",
            title,
            CheckStatus.PENDING,
            "no connector reported yet (trigger StatusNotification)",
        )
    broken = [c for c in reported if c.status in ("Faulted", "Unavailable", "Inoperative")]
    busy = [c for c in reported if c.status in IN_USE_STATUSES]
    other = [c for c in reported if c.status != "Available" and c not in broken and c not in busy]
    expected = _expected_connectors(session)
    if broken:
        detail = "; ".join(
            f"connector {c.label}: {c.status}"
            + (f" ({c.error_code})" if c.error_code not in (None, "NoError") else "")
            for c in broken
        )
        return _item("connectors", title, CheckStatus.FAIL, detail, evidence)
    if busy or other:
        detail = "; ".join(f"connector {c.label}: {c.status}" for c in [*busy, *other])
        return _item(
            "connectors", title, CheckStatus.PENDING, detail + " (should end Available)", evidence
        )
    if expected is not None and len(reported) < expected[0]:
        count, source = expected
        detail = f"{len(reported)} of {counted(count, 'connector')} reported ({source})"
        return _item("connectors", title, CheckStatus.PENDING, detail, evidence)
    labels = ", ".join(c.label for c in reported)
    detail = f"{counted(len(reported), 'connector')} Available ({labels})"
    return _item("connectors", title, CheckStatus.PASS, detail, evidence)


def _expected_connectors(session: Session) -> tuple[int, str] | None:
    """How many connectors the charger says it has, and where that was read."""
    model = session.state.device_model
    if model is not None:
        count = model.connector_count()
        return (count, "device model") if count is not None else None
    table = session.state.configuration
    if table is None:
        return None
    try:
        return int(table.value("NumberOfConnectors") or ""), "NumberOfConnectors"
    except ValueError:
        return None


def _active_problems(frames: _Frames) -> dict[str, tuple[str, Frame]]:
    """2.x: components whose Problem variable was last reported true (NotifyEvent)."""
    active: dict[str, tuple[str, Frame]] = {}
    for frame in frames.calls("NotifyEvent", Direction.IN):
        payload = frame.payload if isinstance(frame.payload, dict) else {}
        for event in payload.get("eventData") or []:
            if not isinstance(event, dict):
                continue
            ref = VariableRef.from_json(event.get("component"), event.get("variable"))
            if ref.variable != "Problem":
                continue
            value = str(event.get("actualValue", "")).lower()
            if value == "true":
                code = event.get("techCode") or event.get("techInfo") or "Problem"
                active[ref.component_label] = (str(code), frame)
            else:
                active.pop(ref.component_label, None)
    return active


def _check_errors(session: Session | None, frames: _Frames) -> CheckItem:
    title = "No active error codes"
    if session is None:
        return _item("errors", title, CheckStatus.PENDING, "the charger has not connected yet")
    newest = _status_frames(frames)
    if not newest:
        return _item("errors", title, CheckStatus.PENDING, "no StatusNotification yet")
    problems: list[str] = []
    evidence: list[Frame] = []
    for key, frame in newest.items():
        payload = frame.payload if isinstance(frame.payload, dict) else {}
        code = payload.get("errorCode")
        status = payload.get("status") or payload.get("connectorStatus")
        label = f"{key[0]}/{key[1]}" if key[0] is not None else str(key[1])
        if code not in (None, "NoError") or status == "Faulted":
            text = f"connector {label}: {code or status}"
            vendor = payload.get("vendorErrorCode") or payload.get("info")
            if vendor:
                text += f" ({vendor})"
            problems.append(text)
            evidence.append(frame)
    for component, (code, frame) in _active_problems(frames).items():
        problems.append(f"{component}: {code}")
        evidence.append(frame)
    if problems:
        return _item("errors", title, CheckStatus.FAIL, "; ".join(problems), evidence)
    return _item("errors", title, CheckStatus.PASS, "no error reported", list(newest.values())[-2:])


# ------------------------------------------------------------------------ configuration


def _check_configuration(
    session: Session | None, frames: _Frames, profile: Profile | None
) -> CheckItem:
    title = "Configuration matches the profile"
    if profile is None:
        return _item("configuration", title, CheckStatus.SKIPPED, "choose a profile to check")
    title = f"Configuration matches profile {profile.name!r}"
    if session is None:
        return _item("configuration", title, CheckStatus.PENDING, "the charger has not connected")
    is_2x = session.version.is_2x
    wanted = [ref.label for ref in profile.values_201] if is_2x else list(profile.values_16)
    if not wanted:
        version = "[ocpp201]" if is_2x else "[ocpp16]"
        detail = f"the profile has no {version} values for this OCPP {session.version} charger"
        return _item("configuration", title, CheckStatus.FAIL, detail)
    reads = configuration_reads(frames.frames)
    last_change: dict[str, tuple[Frame, Frame]] = {}
    for change in _changes(frames):
        if change.answer is not None:
            last_change[change.key] = (change.call, change.answer)
    unread = [key for key in wanted if key not in reads.last_read]
    stale = [
        key
        for key in wanted
        if key in reads.last_read
        and key in last_change
        and reads.last_read[key].seq < last_change[key][1].seq
    ]
    read_frames = [reads.last_read[key] for key in wanted if key in reads.last_read]
    change_frames = [last_change[key][0] for key in wanted if key in last_change]
    if unread or stale:
        parts = []
        if unread:
            parts.append(f"not read in this session: {', '.join(unread[:5])}")
        for key in stale[:5]:
            read, (change, _) = reads.last_read[key], last_change[key]
            parts.append(
                f"{key} read at {utc_time_of_day(read.wall)} (#{read.seq}), before its change at "
                f"{utc_time_of_day(change.wall)} (#{change.seq})"
            )
        detail = "; ".join(parts) + ": read the configuration again"
        return _item(
            "configuration", title, CheckStatus.PENDING, detail, [*read_frames, *change_frames]
        )
    lines = diff_201(profile, reads.model) if is_2x else diff_16(profile, reads.table)
    wrong = [line for line in lines if line.state is not DiffState.SAME]
    newest_read = max(read_frames, key=lambda f: f.seq)
    if not wrong:
        detail = (
            f"{counted(len(lines), 'value')} as the profile wants "
            f"(read at {utc_time_of_day(newest_read.wall)})"
        )
        return _item("configuration", title, CheckStatus.PASS, detail, read_frames[-5:])
    detail = "; ".join(
        f"{line.key} is {mask_value(line.key, line.current)!r}, "
        f"wanted {mask_value(line.key, line.desired)!r}"
        + (f" ({line.state.value})" if line.state is not DiffState.DIFFERS else "")
        for line in wrong[:6]
    )
    if len(wrong) > 6:
        detail += f"; {len(wrong) - 6} more"
    evidence = [reads.last_read[line.key] for line in wrong if line.key in reads.last_read]
    return _item("configuration", title, CheckStatus.FAIL, detail, [*evidence, *change_frames])


# ------------------------------------------------------------------------ firmware, transaction


def _check_firmware(session: Session | None, frames: _Frames, wanted: str | None) -> CheckItem:
    title = "Firmware is the target version"
    if not wanted:
        return _item("firmware", title, CheckStatus.SKIPPED, "no target version set")
    title = f"Firmware is {wanted}"
    if session is None:
        return _item("firmware", title, CheckStatus.PENDING, "the charger has not connected yet")
    state = session.state
    boots = frames.calls("BootNotification", Direction.IN)
    evidence = boots[-1:]
    if state.firmware_status in FIRMWARE_BUSY:
        detail = f"update in progress ({state.firmware_status}); running {state.firmware}"
        return _item("firmware", title, CheckStatus.PENDING, detail, evidence)
    if state.firmware is None:
        return _item("firmware", title, CheckStatus.PENDING, "no version reported yet", evidence)
    if state.firmware.strip() == wanted.strip():
        return _item("firmware", title, CheckStatus.PASS, f"running {state.firmware}", evidence)
    detail = f"running {state.firmware}, not {wanted}"
    return _item("firmware", title, CheckStatus.FAIL, detail, evidence)


def _energy_wh(meter_values: Any) -> list[float]:
    """Energy.Active.Import.Register readings (Wh), in order, from a meterValue list."""
    readings: list[float] = []
    for meter_value in meter_values if isinstance(meter_values, list) else []:
        if not isinstance(meter_value, dict):
            continue
        for sample in meter_value.get("sampledValue") or []:
            if not isinstance(sample, dict) or sample.get("phase"):
                continue
            if (sample.get("measurand") or "Energy.Active.Import.Register") != (
                "Energy.Active.Import.Register"
            ):
                continue
            unit = sample.get("unit")
            if unit is None and isinstance(sample.get("unitOfMeasure"), dict):
                unit = sample["unitOfMeasure"].get("unit")
            try:
                value = float(sample.get("value"))
            except (TypeError, ValueError):
                continue
            readings.append(value * 1000.0 if unit == "kWh" else value)
    return readings


@dataclass(slots=True)
class _Transaction:
    transaction_id: str
    start: Frame
    readings: list[float] = field(default_factory=list)
    meter_frames: list[Frame] = field(default_factory=list)
    stop: Frame | None = None


def _transactions(frames: _Frames) -> list[_Transaction]:
    found: dict[str, _Transaction] = {}
    for frame in frames.frames:
        if frame.direction is not Direction.IN or frame.message_type != 2:
            continue
        payload = frame.payload if isinstance(frame.payload, dict) else {}
        if frame.action == "StartTransaction":
            answer = frames.answer(frame)
            answer_payload = answer.payload if answer and isinstance(answer.payload, dict) else {}
            key = answer_payload.get("transactionId")
            if key is not None:
                transaction = found[str(key)] = _Transaction(str(key), frame)
                start = payload.get("meterStart")
                if isinstance(start, (int, float)):
                    transaction.readings.append(float(start))
        elif frame.action == "MeterValues":
            transaction = found.get(str(payload.get("transactionId")))
            if transaction is not None:
                transaction.readings += _energy_wh(payload.get("meterValue"))
                transaction.meter_frames.append(frame)
        elif frame.action == "StopTransaction":
            transaction = found.get(str(payload.get("transactionId")))
            if transaction is not None:
                transaction.stop = frame
                stop = payload.get("meterStop")
                if isinstance(stop, (int, float)):
                    transaction.readings.append(float(stop))
        elif frame.action == "TransactionEvent":
            info = payload.get("transactionInfo")
            key = str(info.get("transactionId")) if isinstance(info, dict) else None
            if key is None:
                continue
            event = payload.get("eventType")
            transaction = found.get(key)
            if transaction is None:
                transaction = found[key] = _Transaction(key, frame)
            readings = _energy_wh(payload.get("meterValue"))
            transaction.readings += readings
            if readings and event == "Updated":
                transaction.meter_frames.append(frame)
            if event == "Ended":
                transaction.stop = frame
    return list(found.values())


def _check_transaction(frames: _Frames) -> CheckItem:
    title = "Test transaction"
    transactions = _transactions(frames)
    if not transactions:
        return _item("transaction", title, CheckStatus.PENDING, "no transaction yet", optional=True)
    finished = [t for t in transactions if t.stop is not None]
    transaction = finished[-1] if finished else transactions[-1]
    readings = transaction.readings
    evidence = [transaction.start, *transaction.meter_frames[-3:], transaction.stop]
    energy = readings[-1] - readings[0] if len(readings) >= 2 else 0.0
    name = f"transaction {transaction.transaction_id}"
    if any(b < a for a, b in itertools.pairwise(readings)):
        detail = f"{name}: the energy register went down ({', '.join(f'{r:g}' for r in readings)})"
        return _item("transaction", title, CheckStatus.FAIL, detail, evidence, optional=True)
    if transaction.stop is None:
        meter_values = counted(len(transaction.meter_frames), "meter value")
        detail = f"{name} running: {meter_values}, {energy:g} Wh"
        return _item("transaction", title, CheckStatus.PENDING, detail, evidence, optional=True)
    if not transaction.meter_frames:
        detail = f"{name} stopped without meter values in between ({energy:g} Wh)"
        return _item("transaction", title, CheckStatus.FAIL, detail, evidence, optional=True)
    if energy <= 0:
        detail = f"{name}: the energy register did not increase"
        return _item("transaction", title, CheckStatus.FAIL, detail, evidence, optional=True)
    detail = (
        f"{name}: {counted(len(transaction.meter_frames), 'meter value')}, {energy:g} Wh, "
        f"stopped at {utc_time_of_day(transaction.stop.wall)}"
    )
    return _item("transaction", title, CheckStatus.PASS, detail, evidence, optional=True)


def _check_csms_url(session: Session | None, frames: _Frames) -> CheckItem:
    title = "Final CSMS URL set"
    if session is None:
        return _item("csms_url", title, CheckStatus.PENDING, "not connected yet", optional=True)
    if not session.version.is_2x:
        changes = [c for c in _changes(frames, accepted_only=False) if _URL_KEY.search(c.key)]
        if not changes:
            detail = (
                "OCPP 1.6 has no standard key for it: set it the vendor's way "
                "(web page, app or a vendor key)"
            )
            return _item("csms_url", title, CheckStatus.SKIPPED, detail, optional=True)
        change = changes[-1]
        detail = (
            f"vendor key {change.key} = {change.value!r}: {change.status or 'not answered'} "
            "(vendor-specific: confirm with the vendor)"
        )
        status = CheckStatus.PASS if change.accepted else CheckStatus.FAIL
        if change.status is None:
            status = CheckStatus.PENDING
        evidence = (change.call, change.answer)
        return _item("csms_url", title, status, detail, evidence, optional=True)
    profiles = frames.calls("SetNetworkProfile", Direction.OUT)
    priority = [
        c for c in _changes(frames, accepted_only=False)
        if c.key == "OCPPCommCtrlr.NetworkConfigurationPriority"
    ]  # fmt: skip
    if not profiles and not priority:
        return _item(
            "csms_url",
            title,
            CheckStatus.PENDING,
            "no SetNetworkProfile or NetworkConfigurationPriority change yet",
            optional=True,
        )
    parts: list[str] = []
    evidence: list[Frame | None] = []
    failed = waiting = False
    if profiles:
        call = profiles[-1]
        answer = frames.answer(call)
        status = answer_status(answer)
        payload = call.payload if isinstance(call.payload, dict) else {}
        data = payload.get("connectionData")
        url = data.get("ocppCsmsUrl") if isinstance(data, dict) else None
        slot = payload.get("configurationSlot")
        parts.append(f"SetNetworkProfile slot {slot} {url}: {status or 'not answered'}")
        evidence += [call, answer]
        failed |= status not in (None, "Accepted")
        waiting |= status is None
    if priority:
        change = priority[-1]
        parts.append(
            f"NetworkConfigurationPriority = {change.value}: {change.status or 'not answered'}"
        )
        evidence += [change.call, change.answer]
        failed |= change.status is not None and not change.accepted
        waiting |= change.status is None
    else:
        parts.append("NetworkConfigurationPriority not changed yet")
        waiting = True
    if failed:
        status_now = CheckStatus.FAIL
    elif waiting:
        status_now = CheckStatus.PENDING
    else:
        status_now = CheckStatus.PASS
    return _item("csms_url", title, status_now, "; ".join(parts), evidence, optional=True)
