"""A copy of a frame log that can be sent to a charger's vendor: personal data and secrets
replaced by stable pseudonyms, every frame kept, still a log ocpp-tui opens.

Replaced (what `ocpptui.protocol.secrets` finds, wherever the payload carries it):

* idTag / idToken values (`idTag`, `parentIdTag`, `idToken`, `additionalIdToken`) → `idtoken-N`;
* passwords: 1.6 `AuthorizationKey`, 2.x `BasicAuthPassword`, a network profile's
  `basicAuthPassword`, APN and VPN passwords and keys → `secret-N`;
* PEM private key blocks inside any text → `private-key-N`;
* the modem's ICCID and IMSI → `sim-N`;
* with `serials=True`: the charger's, charge box's, meter's and inverter's serial numbers
  → `serial-N`.

The same value gets the same pseudonym throughout the file (a first pass finds the values, in
file order). A value found once is also replaced where it appears elsewhere: whole, in any
string of the payload and of the record (the identity, when it is the serial number), and
inside longer text (schema violation messages, a DataTransfer's data) when it is at least
`MIN_EMBEDDED` characters long. Frames that are not JSON lose what their text shows by
pattern. Everything else is kept: actions, message ids, timestamps, statuses, meter values,
vendor and model, firmware versions, URLs.

Our own JSONL records are copied field for field; another tool's log is written as our JSONL
(its frames, directions and times as ocpp-tui read them).
"""

from __future__ import annotations

import json
import os
import re
import secrets
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ocpptui.core.frame import Frame
from ocpptui.core.log_file import LogFile, LogFileError, LogFormat
from ocpptui.protocol.secrets import Sensitive, replace_sensitive, replace_sensitive_text

#: Shorter values are replaced only where they stand whole: "1234" inside a timestamp or a
#: meter value is not an idTag.
MIN_EMBEDDED = 6
#: What every redacted copy replaces; serial numbers only on request.
DEFAULT_KINDS = frozenset(
    {Sensitive.SECRET, Sensitive.PRIVATE_KEY, Sensitive.ID_TOKEN, Sensitive.SIM}
)
_PREFIXES = {
    Sensitive.SECRET: "secret",
    Sensitive.PRIVATE_KEY: "private-key",
    Sensitive.ID_TOKEN: "idtoken",
    Sensitive.SIM: "sim",
    Sensitive.SERIAL: "serial",
}
_ENCODE = json.JSONEncoder(ensure_ascii=False).encode

Progress = Callable[[float], None]


class RedactionError(LogFileError):
    """The copy cannot be written (or would overwrite the log itself)."""


@dataclass(slots=True)
class Pseudonyms:
    """Value → pseudonym, handed out in the order values are first met."""

    by_value: dict[str, str] = field(default_factory=dict)
    counts: Counter[Sensitive] = field(default_factory=Counter)
    _embedded: re.Pattern[str] | None = None

    def name(self, kind: Sensitive, value: str) -> str:
        pseudonym = self.by_value.get(value)
        if pseudonym is None:
            self.counts[kind] += 1
            pseudonym = f"{_PREFIXES[kind]}-{self.counts[kind]}"
            self.by_value[value] = pseudonym
            self._embedded = None
        return pseudonym

    def text(self, text: str) -> str:
        """`text` with every known value replaced: whole, or inside when long enough."""
        whole = self.by_value.get(text)
        if whole is not None:
            return whole
        pattern = self._pattern()
        if pattern is None:
            return text
        return pattern.sub(lambda match: self.by_value[match.group()], text)

    def _pattern(self) -> re.Pattern[str] | None:
        if self._embedded is None:
            long_values = sorted(
                (value for value in self.by_value if len(value) >= MIN_EMBEDDED),
                key=len,
                reverse=True,
            )
            if not long_values:
                return None
            self._embedded = re.compile("|".join(map(re.escape, long_values)))
        return self._embedded


@dataclass(frozen=True, slots=True)
class RedactionSummary:
    """What `export_redacted` wrote."""

    path: Path
    frames: int
    replaced: dict[str, int]  # pseudonym prefix → distinct values replaced
    source_format: str
    serials: bool

    def describe(self, serials_hint: str = "--redact-serials replaces them") -> str:
        parts = [f"{count} {name} value(s)" for name, count in self.replaced.items() if count]
        what = ", ".join(parts) if parts else "nothing sensitive found"
        serials = "" if self.serials else f"; serial numbers kept ({serials_hint})"
        return f"{self.frames:,} frames written to {self.path}; replaced {what}{serials}"


class _Redactor:
    def __init__(self, kinds: frozenset[Sensitive]) -> None:
        self.kinds = kinds
        self.names = Pseudonyms()

    # Pass 1: learn the values (pseudonyms numbered in file order).

    def learn_raw(self, raw: str) -> None:
        data = _json(raw)
        if data is _NOT_JSON:
            replace_sensitive_text(raw, self.names.name, self.kinds)
        else:
            replace_sensitive(data, self.names.name, self.kinds)

    # Pass 2: replace.

    def raw(self, raw: str) -> str:
        data = _json(raw)
        if data is _NOT_JSON:
            return self.names.text(replace_sensitive_text(raw, self.names.name, self.kinds))
        redacted = self._everywhere(replace_sensitive(data, self.names.name, self.kinds))
        if redacted is data or redacted == data:
            return raw  # byte for byte when there is nothing to hide
        return json.dumps(redacted, ensure_ascii=False, separators=(",", ":"))

    def _everywhere(self, value: Any) -> Any:
        """Known values wherever else they appear (a DataTransfer echoing an idTag)."""
        if isinstance(value, str):
            return self.names.text(value)
        if isinstance(value, list):
            return [self._everywhere(item) for item in value]
        if isinstance(value, dict):
            return {key: self._everywhere(item) for key, item in value.items()}
        return value

    def record(self, record: dict[str, Any]) -> dict[str, Any]:
        """One JSONL record: the frame's text redacted, and every other string scrubbed."""
        redacted: dict[str, Any] = {}
        for key, value in record.items():
            if key == "raw" and isinstance(value, str):
                redacted[key] = self.raw(value)
            elif key == "raw":
                redacted[key] = self.raw(json.dumps(value))
            else:
                redacted[key] = self._everywhere(value)
        return redacted


_NOT_JSON = object()


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return _NOT_JSON


def _record_of_line(line: str) -> dict[str, Any]:
    """A line of our JSONL as its record; a line that is not one (cut by a crash) becomes a
    record carrying its text, so the copy keeps a frame for it."""
    try:
        record = json.loads(line)
    except (ValueError, RecursionError) as exc:
        return {"raw": line, "problem": f"not a frame log record: {exc}"}
    if not isinstance(record, dict):
        return {"raw": line, "problem": "not a frame log record: not an object"}
    return record


def _our_records(path: Path) -> Iterator[dict[str, Any]]:
    with path.open("rb") as source:
        for data in source:
            line = data.decode("utf-8", errors="replace").rstrip("\r\n")
            if line.strip():
                yield _record_of_line(line)


def _plain_records(log: LogFile) -> Iterator[dict[str, Any]]:
    protocol = log.version.subprotocol
    for _, frame in log.scan(0, len(log)):
        record = _frame_record(frame)
        record["protocol"] = protocol
        yield record


def _frame_record(frame: Frame) -> dict[str, Any]:
    record = frame.to_record()
    if not frame.wall:
        record["time"] = None  # the line had no time: do not invent 1970
    return record


def export_redacted(
    source: Path,
    destination: Path,
    *,
    serials: bool = False,
    progress: Progress | None = None,
) -> RedactionSummary:
    """Write a redacted copy of the log at `source` to `destination` (our JSONL).

    Blocking (run it in a thread). Raises RedactionError (or LogFileError) when the log
    cannot be read or the copy written; a half-written copy never replaces `destination`.
    """
    if destination.resolve() == source.resolve():
        raise RedactionError(f"{destination} is the log itself: choose another file name")
    kinds = DEFAULT_KINDS | {Sensitive.SERIAL} if serials else DEFAULT_KINDS
    log = LogFile(source)
    try:
        log.index()
        ours = log.format is LogFormat.OCPP_TUI

        def records() -> Iterator[dict[str, Any]]:
            return _our_records(source) if ours else _plain_records(log)

        redactor = _Redactor(kinds)
        for record in records():
            raw = record.get("raw")
            redactor.learn_raw(raw if isinstance(raw, str) else json.dumps(raw))
        total = max(1, len(log))
        temporary = destination.with_name(f".{destination.name}.{secrets.token_hex(4)}.tmp")
        frames = 0
        try:
            with temporary.open("x", encoding="utf-8") as out:
                for record in records():
                    out.write(_ENCODE(redactor.record(record)) + "\n")
                    frames += 1
                    if progress is not None and frames % 10_000 == 0:
                        progress(min(1.0, frames / total))
            os.replace(temporary, destination)
        except OSError as exc:
            temporary.unlink(missing_ok=True)
            raise RedactionError(f"cannot write {destination}: {exc.strerror or exc}") from None
    finally:
        log.close()
    counts = redactor.names.counts
    return RedactionSummary(
        destination,
        frames,
        {_PREFIXES[kind]: counts[kind] for kind in _PREFIXES if kind in kinds},
        str(log.format),
        serials,
    )
