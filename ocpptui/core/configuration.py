"""OCPP 1.6 configuration: read every key however the charger allows it, and change keys.

Some chargers reject an empty GetConfiguration, some reject key lists, some never answer.
Reading therefore tries, in order and visibly: all keys; then batches of known keys sized
by GetConfigurationMaxKeys; then one key at a time — merging what each step returns and
saying which method worked. A charger that answers nothing at all costs at most
`MAX_UNANSWERED` timeouts before the read gives up and says so.

Every read is recorded in the session's state (`core.config_reads`): a read of all keys (or
the fallback chain run to its end) is complete; a read of named keys is "by name" and never
stands for the whole configuration.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ocpptui.core.config_reads import ReadKind, ReadRecorder, by_name_label
from ocpptui.core.configuration_keys import (
    ChangeResult,
    ConfigEntry,
    ConfigurationTable,
    check_change,
)
from ocpptui.core.events import UpdateKind
from ocpptui.core.session import CallFailed, CallOutcome, CallTimeout, Session
from ocpptui.protocol.keys_16 import KEYS_16, key_info
from ocpptui.protocol.secrets import mask_value
from ocpptui.wording import counted

# The keys' data model is offered from here too, beside the calls that read and change it.
__all__ = [
    "DEFAULT_BATCH",
    "MAX_UNANSWERED",
    "SINGLE_KEY_TIMEOUTS",
    "ChangeResult",
    "ConfigEntry",
    "ConfigurationTable",
    "ConfigurationUnanswered",
    "change_configuration",
    "check_change",
    "configuration_of",
    "failure_status",
    "read_configuration",
]

DEFAULT_BATCH = 10  # when the charger's GetConfigurationMaxKeys is not known yet
# Single-key reads stop after this many unanswered requests in a row. A silent charger thus
# costs one request for all keys, one batch and these: at most 5 timeouts in all.
SINGLE_KEY_TIMEOUTS = 3
MAX_UNANSWERED = 2 + SINGLE_KEY_TIMEOUTS


def failure_status(exc: CallFailed) -> str:
    """A short status word for a call that got no answer."""
    if isinstance(exc, CallTimeout):
        return "Timeout"
    return type(exc).__name__


class ConfigurationUnanswered(CallFailed):
    """The charger answered none of the GetConfiguration requests (each one timed out)."""


@dataclass(slots=True)
class _Tally:
    """How many GetConfiguration requests one read sent, how many got any answer, and what
    they reported (for the read's record)."""

    recorder: ReadRecorder
    asked: int = 0
    answered: int = 0

    def merge(self, table: ConfigurationTable, outcome: CallOutcome) -> list[str]:
        """Merge an answer into `table` and the record; returns the keys it reported."""
        seen = table.merge(outcome.payload or {})
        for key in seen:
            entry = table.entries[key]
            self.recorder.value(key, entry.value, entry.readonly)
        for key in (outcome.payload or {}).get("unknownKey") or []:
            if isinstance(key, str):
                self.recorder.not_known(key)
        return seen


def configuration_of(session: Session) -> ConfigurationTable:
    """The session's configuration table (created empty on first use)."""
    table = session.state.configuration
    if table is None:
        table = session.state.configuration = ConfigurationTable()
    return table


async def _get(
    session: Session, keys: list[str] | None, timeout: float, tally: _Tally | None = None
) -> CallOutcome:
    payload = {"key": keys} if keys else {}
    if tally is not None:
        tally.asked += 1
    outcome = await session.call_raw("GetConfiguration", payload, timeout=timeout)
    if tally is not None:
        tally.answered += 1  # a CallError is an answer too
        tally.recorder.answered(outcome)
    return outcome


def _describe(outcome: CallOutcome) -> str:
    if outcome.ok:
        return "answered"
    return f"{outcome.error_code}: {outcome.error_description or ''}".strip()


async def read_configuration(
    session: Session,
    keys: Iterable[str] | None = None,
    *,
    timeout: float = 10.0,
    progress: Callable[[str], None] = lambda step: None,
) -> ConfigurationTable:
    """Read the configuration (all keys, or `keys` by name), falling back step by step.

    A charger that refuses every method leaves the table with its `steps` explaining what was
    tried. Raises ConfigurationUnanswered when no request got any answer at all (after at
    most MAX_UNANSWERED timeouts of `timeout` seconds), and another CallFailed when the
    connection is gone. The read is recorded in `session.state.configuration_reads`:
    complete only when every key was asked for and the chain of fallbacks ran to its end.
    """
    table = configuration_of(session)
    wanted = list(dict.fromkeys(keys)) if keys is not None else None
    table.steps = []
    tally = _Tally(ReadRecorder(session))

    def step(text: str) -> None:
        table.steps.append(text)
        progress(text)

    if wanted is None:
        try:
            outcome = await _get(session, None, timeout, tally)
            if outcome.ok and tally.merge(table, outcome):
                step(f"GetConfiguration (all keys): {counted(len(table.entries), 'key')}")
                return _finish(session, table, tally, ReadKind.COMPLETE, "all keys")
            step(
                f"GetConfiguration (all keys): {_describe(outcome) if not outcome.ok else 'empty'}"
            )
        except CallFailed as exc:
            if not session.connected:
                raise
            step(f"GetConfiguration (all keys): {exc}")
        candidates = list(dict.fromkeys([*KEYS_16, *table.entries, *table.unknown_keys]))
    else:
        candidates = wanted

    batch = table.max_keys or DEFAULT_BATCH
    if len(candidates) > 1 or wanted is not None:
        answered = await _read_in_batches(
            session, table, candidates, batch, timeout, step, tally, by_name=wanted is not None
        )
        if answered:
            if wanted is not None:
                return _finish(session, table, tally, ReadKind.BY_NAME, by_name_label(len(wanted)))
            how = f"batches of {batch} keys" if batch > 1 else "single keys"
            return _finish(session, table, tally, ReadKind.COMPLETE, how)

    finished = await _read_in_batches(
        session, table, candidates, 1, timeout, step, tally, by_name=wanted is not None
    )
    if tally.answered == 0:
        table.method = "no answer"
        text = (
            f"the charger never answered GetConfiguration: {counted(tally.asked, 'request')} "
            f"(all keys, a batch, single keys) each went unanswered for {timeout:g} s"
        )
        step(text)
        session.updated(UpdateKind.CONFIGURATION)
        raise ConfigurationUnanswered(text)
    if wanted is not None:
        how = f"{by_name_label(len(wanted))}, one at a time"
        return _finish(session, table, tally, ReadKind.BY_NAME, how)
    # Single keys that stopped answering part-way leave the read incomplete.
    kind = ReadKind.COMPLETE if finished else ReadKind.PARTIAL
    return _finish(session, table, tally, kind, "single keys")


async def _read_in_batches(
    session: Session,
    table: ConfigurationTable,
    candidates: list[str],
    size: int,
    timeout: float,
    step: Callable[[str], None],
    tally: _Tally,
    *,
    by_name: bool = False,
) -> bool:
    """Read `candidates` in batches of `size`; False as soon as the charger refuses a batch
    (or leaves one unanswered), or single keys go unanswered SINGLE_KEY_TIMEOUTS times in a row.
    """
    if size == 1:
        label = "one key at a time"
    elif by_name and len(candidates) <= size:
        label = by_name_label(len(candidates))
    else:
        label = f"batches of {size}"
    reported = 0
    timeouts_in_a_row = 0
    for start in range(0, len(candidates), size):
        chunk = candidates[start : start + size]
        try:
            outcome = await _get(session, chunk, timeout, tally)
        except CallFailed as exc:
            if not session.connected:
                raise
            timeouts_in_a_row += 1
            if size > 1:
                step(f"GetConfiguration ({label}): {exc}")
                return False
            if timeouts_in_a_row >= SINGLE_KEY_TIMEOUTS:
                step(
                    f"GetConfiguration ({label}): stopped after {timeouts_in_a_row} unanswered "
                    f"requests in a row ({exc}); {counted(reported, 'key')} reported before"
                )
                return False
            continue
        timeouts_in_a_row = 0
        if not outcome.ok:
            if size > 1:
                step(f"GetConfiguration ({label}): {_describe(outcome)}")
                return False
            table.unknown_keys.update(k for k in chunk if k not in table.entries)
            for key in chunk:
                tally.recorder.not_known(key)
            continue
        reported += len(tally.merge(table, outcome))
    step(f"GetConfiguration ({label}): {counted(reported, 'key')} reported")
    return True


def _finish(
    session: Session, table: ConfigurationTable, tally: _Tally, kind: ReadKind, how: str
) -> ConfigurationTable:
    table.method = how
    read = tally.recorder.finish(kind, how, table.steps)
    table.read_wall = read.finished_wall
    session.updated(UpdateKind.CONFIGURATION)
    return table


async def change_configuration(
    session: Session,
    key: str,
    value: str,
    *,
    confirm: bool = True,
    timeout: float | None = None,
) -> ChangeResult:
    """Send ChangeConfiguration; after Accepted read the key back to confirm it stuck."""
    table = configuration_of(session)
    try:
        outcome = await session.call_raw(
            "ChangeConfiguration", {"key": key, "value": value}, timeout=timeout
        )
    except CallFailed as exc:
        result = ChangeResult(key, value, failure_status(exc), str(exc))
        _remember(table, result)
        return result
    if not outcome.ok:
        result = ChangeResult(
            key, value, outcome.error_code or "CallError", outcome.error_description
        )
    else:
        result = ChangeResult(key, value, outcome.status or "?")
    if result.status == "Accepted" and confirm:
        try:
            tally = _Tally(ReadRecorder(session))
            reread = await _get(session, [key], timeout or session.config.call_timeout, tally)
            if reread.ok:
                tally.merge(table, reread)
                tally.recorder.finish(
                    ReadKind.BY_NAME, f"{by_name_label(1)} (read back after ChangeConfiguration)"
                )
            result.confirmed_value = table.value(key)
            if result.confirmed_value != value:
                result.detail = f"read back {mask_value(key, result.confirmed_value)!r}"
        except CallFailed as exc:
            result.detail = f"could not read back: {exc}"
    elif result.status in ("Accepted", "RebootRequired") and key in table.entries:
        table.entries[key].value = value
    _remember(table, result)
    session.updated(UpdateKind.CONFIGURATION)
    return result


def _remember(table: ConfigurationTable, result: ChangeResult) -> None:
    entry = table.entries.get(result.key)
    if entry is None:
        if result.status == "NotSupported":
            table.unknown_keys.add(result.key)
        if not result.ok:
            return  # never invent a key the charger did not accept
        entry = table.entries[result.key] = ConfigEntry(
            result.key, result.value, False, key_info(result.key)
        )
    entry.last_status = result.status
    entry.last_detail = result.detail
