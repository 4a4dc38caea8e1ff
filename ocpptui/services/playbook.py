"""Playbooks: a TOML list of steps run against the charger(s) that connect, headless or in the TUI.

Exit codes of `ocpp-tui run`: 0 all steps passed, 1 a step failed, 2 the playbook is invalid.
The README documents the format; `STEP_KINDS` below is the single list of what a step may do.
"""

from __future__ import annotations

import asyncio
import difflib
import math
import re
import time
import tomllib
from collections.abc import Awaitable, Callable, Iterable
from contextlib import AbstractAsyncContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from ocpptui.core.commands import trigger_message, wait_for_status
from ocpptui.core.configuration import change_configuration, read_configuration
from ocpptui.core.device_model import VariableRef, get_base_report, set_variables
from ocpptui.core.hub import Hub
from ocpptui.core.session import CallFailed, CallOutcome, Session
from ocpptui.core.text_files import read_text_file
from ocpptui.protocol.secrets import masked
from ocpptui.protocol.versions import OcppVersion
from ocpptui.services.diagnostics import DiagnosticsRequest
from ocpptui.services.file_server import FileServer
from ocpptui.services.firmware import FirmwareUpdate, WaitFor
from ocpptui.services.playbook_check import ocpp_problem, parse_protocol
from ocpptui.services.profiles import ProfileError, apply_profile, load_profile
from ocpptui.services.transfer_job import TransferJob
from ocpptui.wording import plural

#: At the end of a run, a transfer the charger is still making is given this long to finish
#: before the file server stops (it stops at once when none is running).
TRANSFER_FINISH_SECONDS = 120.0


class PlaybookError(ValueError):
    """The playbook cannot run as written; the message names the line and the reason."""


@dataclass(slots=True)
class StepSpec:
    index: int
    line: int | None
    do: str
    options: dict[str, Any]

    @property
    def where(self) -> str:
        return f"step {self.index + 1}" + (f" (line {self.line})" if self.line else "")


@dataclass(slots=True)
class Playbook:
    steps: list[StepSpec]
    host: str | None = None
    port: int | None = None
    source: Path | None = None
    #: The OCPP version the playbook is written for (`protocol = "ocpp1.6"`), if it says.
    protocol: OcppVersion | None = None


# do → (required options, optional options)
STEP_KINDS: dict[str, tuple[set[str], set[str]]] = {
    "wait_for_charger": (set(), {"identity", "timeout"}),
    "get_configuration": (set(), {"keys", "identity", "report"}),
    "set_configuration": ({"values"}, {"expect", "identity"}),
    "apply_profile": ({"file"}, {"identity"}),
    "trigger_message": ({"message"}, {"connector", "evse", "wait", "timeout", "identity"}),
    "call": ({"action"}, {"payload", "expect", "timeout", "identity"}),
    "wait_for_status": ({"connector", "status"}, {"evse", "timeout", "identity"}),
    "sleep": ({"seconds"}, set()),
    "update_firmware": (
        {"file"},
        {"wait", "timeout", "scheme", "retries", "retry_interval", "identity"},
    ),
    "get_diagnostics": (set(), {"scheme", "timeout", "log_type", "identity"}),
    "reset": (set(), {"type", "wait", "timeout", "identity"}),
    "remote_start": (set(), {"connector", "id_tag", "timeout", "identity"}),
    "remote_stop": (set(), {"transaction", "timeout", "identity"}),
}

#: The error text of a step that was not run.
SKIPPED = "skipped: an earlier step failed"

StepRunner = Callable[["PlaybookRun", StepSpec, "StepResult"], Awaitable[None]]

#: Steps that move a file between the laptop and the charger (a site run limits how many
#: run at once: `PlaybookRun.transfer_slots`).
TRANSFER_STEPS = frozenset({"update_firmware", "get_diagnostics"})


class TransferLimiter(Protocol):
    """Lets a transfer step start only when the site's uplink has room for it."""

    def hold(self, identity: str) -> AbstractAsyncContextManager[None]: ...


#: The longest wait a step may ask for: `timeout = inf` (or 1e308) would never end a run.
MAX_SECONDS = 86_400
#: A playbook is a page of text: anything much bigger is refused before it is parsed.
MAX_PLAYBOOK_BYTES = 1 << 20

_SCHEMES = ("http", "https", "ftp", "sftp")
_STATUS_LISTS = 'a status or a list of statuses, e.g. ["Accepted", "RebootRequired"]'


def _is_seconds(value: Any) -> bool:
    return (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(value)
        and 0 <= value <= MAX_SECONDS
    )


def _is_whole(value: Any) -> bool:
    return type(value) is int and value >= 0


def _is_text(value: Any) -> bool:
    return isinstance(value, str)


def _is_texts(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _is_values(value: Any) -> bool:
    return isinstance(value, dict) and all(
        isinstance(item, (str, int, float, bool)) for item in value.values()
    )


#: option → (test, what it must be); (do, option) entries win over the plain ones.
OPTION_RULES: dict[str | tuple[str, str], tuple[Callable[[Any], bool], str]] = {
    "timeout": (_is_seconds, f"a number of seconds from 0 to {MAX_SECONDS}"),
    "seconds": (_is_seconds, f"a number of seconds from 0 to {MAX_SECONDS}"),
    "retry_interval": (_is_seconds, f"a number of seconds from 0 to {MAX_SECONDS}"),
    "connector": (_is_whole, "a whole number"),
    "evse": (_is_whole, "a whole number"),
    "retries": (_is_whole, "a whole number"),
    "identity": (_is_text, "a string"),
    "message": (_is_text, "a string (the message to trigger)"),
    "action": (_is_text, "a string (the action to call)"),
    "status": (_is_text, "a string"),
    "file": (_is_text, "a string (a file name)"),
    "log_type": (_is_text, "a string"),
    "id_tag": (_is_text, "a string"),
    "type": (_is_text, "a string"),
    "report": (_is_text, "a string"),
    "transaction": (lambda v: _is_text(v) or _is_whole(v), "a transaction id"),
    "keys": (_is_texts, "a list of key names"),
    "values": (_is_values, 'a table of values, e.g. { HeartbeatInterval = "30" }'),
    "payload": (lambda v: isinstance(v, dict), "a table"),
    "scheme": (lambda v: v in _SCHEMES, '"http", "https", "ftp" or "sftp"'),
    ("set_configuration", "expect"): (lambda v: _is_text(v) or _is_texts(v), _STATUS_LISTS),
    ("call", "expect"): (lambda v: isinstance(v, dict), "a table matched against the response"),
    ("update_firmware", "wait"): (
        lambda v: v in ("Installed", "Booted"),
        '"Installed" or "Booted"',
    ),
    ("trigger_message", "wait"): (lambda v: isinstance(v, bool), "true or false"),
    ("reset", "wait"): (lambda v: isinstance(v, bool), "true or false"),
}


def _step_lines(text: str) -> list[int]:
    return [n for n, line in enumerate(text.splitlines(), 1) if re.match(r"^\s*\[\[step\]\]", line)]


def _key_line(lines: list[str], key: str, first: int = 1, last: int | None = None) -> int | None:
    """1-based line of `key = ...` (plain or quoted) between lines `first` and `last`."""
    pattern = re.compile(
        rf"^\s*(?:{re.escape(key)}|\"{re.escape(key)}\"|'{re.escape(key)}')\s*[=.]"
    )
    stop = len(lines) if last is None else min(last, len(lines))
    for number in range(first, stop + 1):
        if pattern.match(lines[number - 1]):
            return number
    return None


def _closest(word: str, candidates: Iterable[str]) -> str | None:
    found = difflib.get_close_matches(word, sorted(candidates), n=1, cutoff=0.6)
    return found[0] if found else None


def read_playbook_text(path: Path) -> str:
    """The playbook's text; PlaybookError when it cannot be read, is too big or not UTF-8."""
    return read_text_file(path, MAX_PLAYBOOK_BYTES, "playbook", PlaybookError)


def parse_playbook(text: str, source: Path | None = None) -> Playbook:
    """Check a playbook and read it; PlaybookError names the line and what is wrong.

    Strict: unknown tables, keys and options are errors (with the closest known name), and
    every option must have its type (`timeout = true`, `seconds = inf`, `step = [1]` fail).
    """
    where = str(source) if source else "playbook"
    lines = text.splitlines()

    def at(line: int | None) -> str:
        return f"{where}:{line}" if line else where

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PlaybookError(f"{where}: {exc}") from None
    except RecursionError:
        raise PlaybookError(f"{where}: values are nested too deeply") from None
    for name in data:
        if name not in ("server", "step", "protocol"):
            guess = _closest(name, ("server", "step"))
            hint = (
                f"did you mean {'[[step]]' if guess == 'step' else '[server]'}?"
                if guess
                else ("use [server] and [[step]]")
            )
            raise PlaybookError(
                f"{at(_key_line(lines, name) or _table_line(lines, name))}: "
                f"unknown table {name!r}; {hint}"
            )
    host, port = _server(data.get("server", {}), lines, at)
    steps_data = data.get("step", [])
    if not isinstance(steps_data, list):
        raise PlaybookError(
            f"{at(_key_line(lines, 'step') or _table_line(lines, 'step'))}: steps are "
            "[[step]] tables (two brackets), one per step"
        )
    if not steps_data:
        raise PlaybookError(f"{where}: no [[step]] entries")
    step_lines = _step_lines(text)
    steps: list[StepSpec] = []
    for index, raw in enumerate(steps_data):
        line = step_lines[index] if index < len(step_lines) else None
        if not isinstance(raw, dict):
            line = line or _key_line(lines, "step")
            raise PlaybookError(
                f"{at(line)}: step {index + 1} is {_shown(raw)}: each step is a [[step]] table"
            )
        end = step_lines[index + 1] - 1 if index + 1 < len(step_lines) else None
        steps.append(_step(index, line, end, raw, lines, at))
    problem = ocpp_problem(steps, data.get("protocol"), text)  # services/playbook_check.py
    if problem is not None:
        line, message = problem
        raise PlaybookError(f"{at(line)}: {message}")
    protocol = parse_protocol(data["protocol"]) if "protocol" in data else None
    return Playbook(steps, host, port, source, protocol)


def _shown(value: Any, limit: int = 60) -> str:
    """A value quoted in an error message, cut short."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _table_line(lines: list[str], name: str) -> int | None:
    pattern = re.compile(rf"^\s*\[\[?\s*{re.escape(name)}\s*[\].]")
    return next((n for n, line in enumerate(lines, 1) if pattern.match(line)), None)


def _server(
    server: Any, lines: list[str], at: Callable[[int | None], str]
) -> tuple[str | None, int | None]:
    """The [server] table's host and port."""
    start = _table_line(lines, "server")
    if not isinstance(server, dict):
        raise PlaybookError(
            f"{at(_key_line(lines, 'server') or start)}: server must be a [server] table, "
            f"got {_shown(server)}"
        )
    for key in server:
        if key not in ("host", "port"):
            guess = _closest(key, ("host", "port"))
            hint = f"did you mean {guess}?" if guess else "it takes host and port"
            line = _key_line(lines, key, start or 1)
            raise PlaybookError(f"{at(line)}: [server] {key}: unknown key; {hint}")
    host, port = server.get("host"), server.get("port")
    if host is not None and not isinstance(host, str):
        raise PlaybookError(
            f"{at(_key_line(lines, 'host', start or 1))}: [server] host must be a string"
        )
    if port is not None and not (type(port) is int and 0 <= port <= 65535):
        raise PlaybookError(
            f"{at(_key_line(lines, 'port', start or 1))}: [server] port must be a number "
            f"0..65535, got {_shown(port)}"
        )
    return host, port


def _step(
    index: int,
    line: int | None,
    end: int | None,
    raw: dict[str, Any],
    lines: list[str],
    at: Callable[[int | None], str],
) -> StepSpec:
    do = raw.get("do", "")
    prefix = at(line)
    if not isinstance(do, str):
        raise PlaybookError(
            f"{at(_key_line(lines, 'do', line or 1, end) or line)}: step {index + 1}: do must be "
            f"a string naming what the step does, got {_shown(do)}"
        )
    spec = StepSpec(index, line, do, {k: v for k, v in raw.items() if k != "do"})
    if spec.do not in STEP_KINDS:
        guess = _closest(spec.do, STEP_KINDS)
        hint = f"did you mean {guess!r}?" if guess else f"known: {', '.join(sorted(STEP_KINDS))}"
        raise PlaybookError(f"{prefix}: {spec.where}: unknown do = {spec.do!r}; {hint}")
    required, optional = STEP_KINDS[spec.do]
    missing = required - set(spec.options)
    if missing:
        raise PlaybookError(f"{prefix}: {spec.where}: {spec.do} needs {', '.join(sorted(missing))}")
    for name, value in spec.options.items():
        option_line = _key_line(lines, name, line or 1, end) or line
        if name not in required | optional:
            guess = _closest(name, required | optional)
            hint = f"; did you mean {guess}?" if guess else ""
            raise PlaybookError(
                f"{at(option_line)}: {spec.where}: {spec.do} does not take {name}{hint}"
            )
        test, what = OPTION_RULES.get((spec.do, name)) or OPTION_RULES.get(
            name, (lambda v: True, "")
        )
        if not test(value):
            raise PlaybookError(
                f"{at(option_line)}: {spec.where}: {name} must be {what}, got {_shown(value)}"
            )
    return spec


def load_playbook(path: Path) -> Playbook:
    """Read and check the playbook file (PlaybookError, never another exception)."""
    return parse_playbook(read_playbook_text(path), path)


# ------------------------------------------------------------------------------ running


@dataclass(slots=True)
class StepResult:
    do: str
    ok: bool = False
    request: Any = None
    response: Any = None
    error: str | None = None
    ms: float = 0.0
    #: Not run, because an earlier step failed (not a failure of its own).
    skipped: bool = False
    #: Why the step had nothing to do for this charger (e.g. "already on 1.4.2"): it passes.
    not_needed: str | None = None

    def to_json(self) -> dict[str, Any]:
        data = {
            "do": self.do,
            "ok": self.ok,
            "skipped": self.skipped,
            "request": self.request,
            "response": self.response,
            "error": self.error,
            "ms": round(self.ms, 1),
        }
        if self.not_needed is not None:
            data["not_needed"] = self.not_needed
        return data


class StepFailed(Exception):
    pass


@dataclass
class PlaybookRun:
    """One execution of a playbook against a hub; `results` fill in as steps finish."""

    playbook: Playbook
    hub: Hub
    results: list[StepResult] = field(default_factory=list)
    identity: str | None = None
    on_step: Callable[[int, StepResult], None] = lambda index, result: None
    file_server_factory: Callable[[], Awaitable[FileServer]] | None = None
    _file_server: FileServer | None = None
    transfer_jobs: list[TransferJob] = field(default_factory=list)
    """The firmware and diagnostics jobs of the run: their offers outlive their steps."""
    transfer_slots: TransferLimiter | None = None
    """Transfer steps wait for a slot (a site run: at most K chargers downloading)."""
    not_needed: Callable[[PlaybookRun, StepSpec], str | None] | None = None
    """Says why a step has nothing to do for this charger (it then passes as not needed)."""

    async def file_server(self) -> FileServer:
        """The file server for firmware and diagnostics steps, started on first use."""
        if self._file_server is None:
            if self.file_server_factory is None:
                raise StepFailed("no file server is configured for this run")
            self._file_server = await self.file_server_factory()
        return self._file_server

    async def close(self) -> None:
        """End the run: a transfer the charger is making is let finish, then the offers are
        withdrawn and the file server stops."""
        await self.end_transfers()
        if self._file_server is not None:
            await self._file_server.stop()
            self._file_server = None

    async def end_transfers(self) -> None:
        """Let a transfer the charger is making finish, then withdraw the run's offers (a file
        server shared by several runs, as in a site run, stays up)."""
        for job in self.transfer_jobs:
            if job.offered:
                await job.wait_transfers_ended(TRANSFER_FINISH_SECONDS)
            job.cancel("the run ended")

    def session(self, spec: StepSpec) -> Session:
        identity = spec.options.get("identity") or self.identity
        if identity is None:
            connected = self.hub.connected_sessions()
            if not connected:
                raise StepFailed("no charger is connected (add a wait_for_charger step first)")
            return connected[0]
        session = self.hub.session_for(identity)
        if session is None or not session.connected:
            raise StepFailed(f"{identity} is not connected")
        return session

    async def run(self) -> bool:
        ok = True
        for spec in self.playbook.steps:
            result = StepResult(spec.do)
            self.results.append(result)
            self.on_step(spec.index, result)
            started = time.perf_counter()
            not_needed = self.not_needed(self, spec) if ok and self.not_needed else None
            if not_needed is not None:
                result.ok, result.not_needed = True, not_needed
            elif ok:
                try:
                    async with self._slot_for(spec):
                        await RUNNERS[spec.do](self, spec, result)
                    result.ok = True
                except (StepFailed, CallFailed, ProfileError, TimeoutError) as exc:
                    result.error = str(exc) or type(exc).__name__
                except Exception as exc:  # a bug in a step must still end the run cleanly
                    result.error = f"{type(exc).__name__}: {exc}"
            else:
                result.skipped = True
                result.error = SKIPPED
            result.ms = (time.perf_counter() - started) * 1000
            self.on_step(spec.index, result)
            ok = ok and result.ok
        return ok

    def _slot_for(self, spec: StepSpec) -> AbstractAsyncContextManager[Any]:
        if self.transfer_slots is None or spec.do not in TRANSFER_STEPS:
            return nullcontext()
        return self.transfer_slots.hold(spec.options.get("identity") or self.identity or "")

    def charger_summary(self) -> dict[str, Any] | None:
        identity = self.identity
        charger = self.hub.chargers.get(identity) if identity else None
        if charger is None or charger.session is None:
            return None
        state = charger.session.state
        return {
            "identity": charger.identity,
            "protocol": charger.session.version.subprotocol,
            "vendor": state.vendor,
            "model": state.model,
            "serial": state.serial,
            "firmware": state.firmware,
        }

    def log_path(self) -> str | None:
        identity = self.identity
        session = self.hub.session_for(identity) if identity else None
        path = session.frame_log.path if session is not None else None
        return str(path) if path else None

    def report(self, ok: bool) -> dict[str, Any]:
        """The run's results (for --json-out and the report); passwords the steps sent or
        read are masked: the frame log keeps them."""
        return {
            "ok": ok,
            "charger": self.charger_summary(),
            "steps": [masked(r.to_json()) for r in self.results],
            "log": self.log_path(),
        }


async def _wait_for_charger(run: PlaybookRun, spec: StepSpec, result: StepResult) -> None:
    wanted = spec.options.get("identity")
    timeout = float(spec.options.get("timeout", 60))
    result.request = {"identity": wanted, "timeout": timeout}

    def booted() -> Session | None:
        for charger in run.hub.chargers.values():
            if wanted is not None and charger.identity != wanted:
                continue
            session = charger.session
            if session is not None and session.connected and session.state.booted:
                return session
        return None

    try:
        await run.hub.wait_until(lambda: booted() is not None, timeout)
    except TimeoutError:
        who = wanted or "a charger"
        raise StepFailed(
            f"{who} did not boot (BootNotification accepted) within {timeout:g} s"
        ) from None
    session = booted()
    assert session is not None
    run.identity = session.identity
    state = session.state
    result.response = {
        "identity": session.identity,
        "protocol": session.version.subprotocol,
        "vendor": state.vendor,
        "model": state.model,
        "firmware": state.firmware,
    }


async def _get_configuration(run: PlaybookRun, spec: StepSpec, result: StepResult) -> None:
    session = run.session(spec)
    if session.version.is_2x:
        report = spec.options.get("report", "FullInventory")
        result.request = {"reportBase": report}
        model = await get_base_report(session, report)
        result.response = {
            ref.label: entry.attributes["Actual"].value
            for ref, entry in model.entries.items()
            if "Actual" in entry.attributes
        }
        return
    keys = spec.options.get("keys")
    result.request = {"key": keys} if keys else {}
    table = await read_configuration(session, keys)
    wanted = keys or list(table.entries)
    result.response = {
        "configurationKey": {k: table.value(k) for k in wanted if k in table.entries},
        "unknownKey": sorted(k for k in (keys or []) if k not in table.entries),
        "method": table.method,
    }
    if keys and any(k not in table.entries for k in keys):
        unknown = result.response["unknownKey"]
        raise StepFailed(f"unknown {plural(len(unknown), 'key')}: {', '.join(unknown)}")


async def _set_configuration(run: PlaybookRun, spec: StepSpec, result: StepResult) -> None:
    session = run.session(spec)
    values = {str(k): _as_text(v) for k, v in spec.options["values"].items()}
    expect = spec.options.get("expect", ["Accepted"])
    expected = {expect} if isinstance(expect, str) else set(expect)
    result.request = values
    statuses: dict[str, str] = {}
    if session.version.is_2x:
        try:
            changes = [(VariableRef.parse(key), value, "Actual") for key, value in values.items()]
        except ValueError as exc:
            raise StepFailed(str(exc)) from None
        for item in await set_variables(session, changes):
            statuses[item.ref.label] = item.status
    else:
        for key, value in values.items():
            statuses[key] = (await change_configuration(session, key, value)).status
    result.response = statuses
    wrong = {key: status for key, status in statuses.items() if status not in expected}
    if wrong:
        detail = ", ".join(f"{k}: {s}" for k, s in wrong.items())
        raise StepFailed(f"expected {'/'.join(sorted(expected))}, got {detail}")


async def _apply_profile(run: PlaybookRun, spec: StepSpec, result: StepResult) -> None:
    session = run.session(spec)
    path = Path(spec.options["file"])
    if not path.is_absolute() and run.playbook.source is not None:
        path = run.playbook.source.parent / path
    profile = load_profile(path)
    result.request = {"file": str(path), "profile": profile.name}
    report = await apply_profile(session, profile)
    result.response = {
        line.key: {"status": line.status, "before": line.before, "after": line.after}
        for line in report.lines
    }
    if not report.ok:
        failed = [line.key for line in report.lines if not line.ok]
        raise StepFailed(f"not applied or not verified: {', '.join(failed)}")


async def _trigger_message(run: PlaybookRun, spec: StepSpec, result: StepResult) -> None:
    session = run.session(spec)
    options = spec.options
    wait = bool(options.get("wait", False))
    outcome = await trigger_message(
        session,
        str(options["message"]),
        connector=options.get("connector"),
        evse=options.get("evse"),
        wait=wait,
        timeout=float(options.get("timeout", 15)),
    )
    result.request = outcome.outcome.request
    result.response = outcome.outcome.payload or {"error": outcome.outcome.error_code}
    if outcome.outcome.status != "Accepted":
        raise StepFailed(f"TriggerMessage answered {outcome.outcome.status}")
    if wait and outcome.arrived is None:
        raise StepFailed(f"{options['message']} did not arrive after the trigger")


def _subset_matches(expected: Any, actual: Any) -> bool:
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(
            key in actual and _subset_matches(value, actual[key]) for key, value in expected.items()
        )
    if isinstance(expected, list):
        return (
            isinstance(actual, list)
            and len(expected) == len(actual)
            and all(_subset_matches(e, a) for e, a in zip(expected, actual, strict=True))
        )
    return expected == actual


async def _call(run: PlaybookRun, spec: StepSpec, result: StepResult) -> None:
    session = run.session(spec)
    action = str(spec.options["action"])
    payload = spec.options.get("payload", {})
    result.request = {"action": action, "payload": payload}
    timeout = spec.options.get("timeout")
    outcome = await session.call_raw(action, payload, timeout=timeout)
    if not outcome.ok:
        result.response = {
            "errorCode": outcome.error_code,
            "description": outcome.error_description,
        }
        raise StepFailed(f"{action} answered CallError {outcome.error_code}")
    result.response = outcome.payload
    expect = spec.options.get("expect")
    if expect is not None and not _subset_matches(expect, outcome.payload):
        raise StepFailed(f"response does not match expect = {expect}")


async def _wait_for_status(run: PlaybookRun, spec: StepSpec, result: StepResult) -> None:
    session = run.session(spec)
    options = spec.options
    result.request = {k: options.get(k) for k in ("connector", "evse", "status")}
    timeout = float(options.get("timeout", 30))
    try:
        frame = await wait_for_status(
            session,
            options["connector"],
            str(options["status"]),
            evse=options.get("evse"),
            timeout=timeout,
        )
    except TimeoutError:
        raise StepFailed(
            f"connector {options['connector']} did not report {options['status']} within "
            f"{timeout:g} s"
        ) from None
    result.response = frame.payload if frame is not None else {"status": options["status"]}


async def _sleep(run: PlaybookRun, spec: StepSpec, result: StepResult) -> None:
    await asyncio.sleep(float(spec.options["seconds"]))


def _resolve_file(run: PlaybookRun, name: str) -> Path:
    path = Path(name).expanduser()
    if not path.is_absolute() and run.playbook.source is not None:
        path = run.playbook.source.parent / path
    if not path.is_file():
        raise StepFailed(f"no such file: {path}")
    return path


async def _update_firmware(run: PlaybookRun, spec: StepSpec, result: StepResult) -> None:
    session = run.session(spec)
    options = spec.options
    job = FirmwareUpdate(
        run.hub,
        session.identity,
        await run.file_server(),
        _resolve_file(run, options["file"]),
        scheme=options.get("scheme"),
        retries=options.get("retries"),
        retry_interval=options.get("retry_interval"),
    )
    run.transfer_jobs.append(job)
    try:
        await job.start()
        result.request = {"action": job.action, "url": job.url, "sha256": job.offer.sha256}
        verdict = await job.wait(
            WaitFor(options.get("wait", "Installed")), float(options.get("timeout", 600))
        )
    finally:
        # Not withdrawn here: the charger may still be fetching the image (transfer_job).
        job.release()
    result.response = {
        "statuses": [entry.status for entry in job.timeline if entry.status],
        "before": job.before_version,
        "after": job.after_version,
        "verdict": verdict.summary,
        **_transfer_notes(job),
    }
    if not verdict.ok:
        raise StepFailed(verdict.summary + (f" ({verdict.advice})" if verdict.advice else ""))


async def _get_diagnostics(run: PlaybookRun, spec: StepSpec, result: StepResult) -> None:
    session = run.session(spec)
    options = spec.options
    job = DiagnosticsRequest(
        run.hub,
        session.identity,
        await run.file_server(),
        scheme=options.get("scheme"),
        log_type=options.get("log_type", "DiagnosticsLog"),
    )
    run.transfer_jobs.append(job)
    try:
        await job.start()
        result.request = {"action": job.action, "location": job.location}
        verdict = await job.wait(float(options.get("timeout", 300)))
    finally:
        # Not withdrawn here: the charger may still be uploading (transfer_job).
        job.release()
    received = job.received
    result.response = {
        "statuses": [entry.status for entry in job.timeline if entry.status],
        "file": str(received.path) if received else None,
        "size": received.size if received else None,
        "sha256": received.sha256 if received else None,
        **_transfer_notes(job),
    }
    if not verdict.ok:
        raise StepFailed(verdict.summary + (f" ({verdict.advice})" if verdict.advice else ""))


def _transfer_notes(job: TransferJob) -> dict[str, Any]:
    """What a transfer step adds to its response: the scheme (and why it may fail), and the
    statuses it did not count."""
    choice = job.scheme_choice
    return {
        "scheme": job.scheme,
        "scheme_warning": choice.warning if choice is not None else None,
        "not_counted": [e.text for e in job.timeline if e.text.endswith(", not counted")],
        "offer": f"withdrawn: {job.offer_withdrawn}"
        if job.offer_withdrawn
        else "still offered, until the charger is done with it",
    }


async def _reset(run: PlaybookRun, spec: StepSpec, result: StepResult) -> None:
    session = run.session(spec)
    options = spec.options
    kind = options.get("type", "Immediate" if session.version.is_2x else "Soft")
    result.request = {"type": kind}
    outcome = await session.call_raw("Reset", {"type": kind})
    result.response = outcome.payload or {"error": outcome.error_code}
    if outcome.status not in ("Accepted", "Scheduled"):
        raise StepFailed(f"Reset answered {outcome.status}")
    if options.get("wait", True):
        identity = session.identity

        def rebooted() -> bool:
            current = run.hub.session_for(identity)
            return current is not session and current is not None and current.state.booted

        await _wait_within(
            run,
            float(options.get("timeout", 120)),
            rebooted,
            f"{identity} did not reboot and boot again",
        )


async def _remote_start(run: PlaybookRun, spec: StepSpec, result: StepResult) -> None:
    session = run.session(spec)
    options = spec.options
    connector = int(options.get("connector", 1))
    id_tag = str(options.get("id_tag", "OCPP-TUI"))
    if session.version.is_2x:
        action = "RequestStartTransaction"
        payload: dict[str, Any] = {
            "idToken": {"idToken": id_tag, "type": "Central"},
            "remoteStartId": int(time.time()) % 1_000_000,
            "evseId": connector,
        }
    else:
        action = "RemoteStartTransaction"
        payload = {"idTag": id_tag, "connectorId": connector}
    before = set(session.state.transactions)
    outcome = await _accepted_call(session, result, action, payload)
    await _wait_within(
        run,
        float(options.get("timeout", 30)),
        lambda: bool(set(session.state.transactions) - before),
        "no transaction started",
    )
    started = sorted(set(session.state.transactions) - before)[0]
    result.response = {**(outcome.payload or {}), "transactionId": started}


async def _remote_stop(run: PlaybookRun, spec: StepSpec, result: StepResult) -> None:
    session = run.session(spec)
    options = spec.options
    active = session.state.active_transactions
    wanted = options.get("transaction")
    transaction = next(
        (t for t in active if wanted is None or t.transaction_id == str(wanted)), None
    )
    if transaction is None:
        raise StepFailed(
            "no active transaction to stop" if wanted is None else f"no active transaction {wanted}"
        )
    if session.version.is_2x:
        action, payload = "RequestStopTransaction", {"transactionId": transaction.transaction_id}
    else:
        action, payload = (
            "RemoteStopTransaction",
            {"transactionId": int(transaction.transaction_id)},
        )
    outcome = await _accepted_call(session, result, action, payload)
    await _wait_within(
        run,
        float(options.get("timeout", 30)),
        lambda: not transaction.active,
        f"transaction {transaction.transaction_id} did not stop",
    )
    result.response = {
        **(outcome.payload or {}),
        "energy_wh": (transaction.meter_stop_wh or 0) - (transaction.meter_start_wh or 0),
    }


async def _accepted_call(
    session: Session, result: StepResult, action: str, payload: dict[str, Any]
) -> CallOutcome:
    """Send the step's call, noted in its result; StepFailed unless the charger accepts it."""
    result.request = {"action": action, **payload}
    outcome = await session.call_raw(action, payload)
    result.response = outcome.payload or {"error": outcome.error_code}
    if outcome.status != "Accepted":
        raise StepFailed(f"{action} answered {outcome.status}")
    return outcome


async def _wait_within(
    run: PlaybookRun, timeout: float, done: Callable[[], bool], failure: str
) -> None:
    """Wait until `done()`; after `timeout` seconds, StepFailed("<failure> within N s")."""
    try:
        await run.hub.wait_until(done, timeout)
    except TimeoutError:
        raise StepFailed(f"{failure} within {timeout:g} s") from None


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


RUNNERS: dict[str, StepRunner] = {
    "wait_for_charger": _wait_for_charger,
    "get_configuration": _get_configuration,
    "set_configuration": _set_configuration,
    "apply_profile": _apply_profile,
    "trigger_message": _trigger_message,
    "call": _call,
    "wait_for_status": _wait_for_status,
    "sleep": _sleep,
    "update_firmware": _update_firmware,
    "get_diagnostics": _get_diagnostics,
    "reset": _reset,
    "remote_start": _remote_start,
    "remote_stop": _remote_stop,
}
assert set(RUNNERS) == set(STEP_KINDS)
