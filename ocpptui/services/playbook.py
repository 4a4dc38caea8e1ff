"""Playbooks: a TOML list of steps run against the charger(s) that connect, headless or in the TUI.

Exit codes of `ocpp-tui run`: 0 all steps passed, 1 a step failed, 2 the playbook is invalid.
The README documents the format; `STEP_KINDS` below is the single list of what a step may do.
"""

from __future__ import annotations

import asyncio
import re
import time
import tomllib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ocpptui.core.commands import trigger_message, wait_for_status
from ocpptui.core.configuration import change_configuration, read_configuration
from ocpptui.core.device_model import VariableRef, get_base_report, set_variables
from ocpptui.core.hub import Hub
from ocpptui.core.session import CallFailed, Session
from ocpptui.services.diagnostics import DiagnosticsRequest
from ocpptui.services.file_server import FileServer
from ocpptui.services.firmware import FirmwareUpdate, WaitFor
from ocpptui.services.profiles import ProfileError, apply_profile, load_profile
from ocpptui.services.transfer_job import TransferJob

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

StepRunner = Callable[["PlaybookRun", StepSpec, "StepResult"], Awaitable[None]]


def _step_lines(text: str) -> list[int]:
    return [n for n, line in enumerate(text.splitlines(), 1) if re.match(r"^\s*\[\[step\]\]", line)]


def parse_playbook(text: str, source: Path | None = None) -> Playbook:
    where = str(source) if source else "playbook"
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PlaybookError(f"{where}: {exc}") from None
    unknown = set(data) - {"server", "step"}
    if unknown:
        raise PlaybookError(
            f"{where}: unknown table(s) {sorted(unknown)}; use [server] and [[step]]"
        )
    server = data.get("server", {})
    steps_data = data.get("step", [])
    if not isinstance(steps_data, list) or not steps_data:
        raise PlaybookError(f"{where}: no [[step]] entries")
    lines = _step_lines(text)
    steps: list[StepSpec] = []
    for index, raw in enumerate(steps_data):
        line = lines[index] if index < len(lines) else None
        spec = StepSpec(
            index, line, str(raw.get("do", "")), {k: v for k, v in raw.items() if k != "do"}
        )
        prefix = f"{where}:{line}" if line else where
        if spec.do not in STEP_KINDS:
            known = ", ".join(sorted(STEP_KINDS))
            raise PlaybookError(
                f"{prefix}: {spec.where}: unknown do = {spec.do!r} (known: {known})"
            )
        required, optional = STEP_KINDS[spec.do]
        missing = required - set(spec.options)
        if missing:
            raise PlaybookError(
                f"{prefix}: {spec.where}: {spec.do} needs {', '.join(sorted(missing))}"
            )
        extra = set(spec.options) - required - optional
        if extra:
            raise PlaybookError(
                f"{prefix}: {spec.where}: {spec.do} does not take {', '.join(sorted(extra))}"
            )
        _check_types(spec, prefix)
        steps.append(spec)
    port = server.get("port")
    if port is not None and (not isinstance(port, int) or not 0 <= port <= 65535):
        raise PlaybookError(f"{where}: [server] port must be a number 0..65535")
    return Playbook(steps, server.get("host"), port, source)


def _check_types(spec: StepSpec, prefix: str) -> None:
    options = spec.options

    def bad(name: str, what: str) -> PlaybookError:
        return PlaybookError(f"{prefix}: {spec.where}: {name} must be {what}")

    for name in ("timeout", "seconds"):
        if name in options and not isinstance(options[name], (int, float)):
            raise bad(name, "a number of seconds")
    for name in ("connector", "evse"):
        if name in options and not isinstance(options[name], int):
            raise bad(name, "a whole number")
    if "values" in options and not isinstance(options["values"], dict):
        raise bad("values", 'a table, e.g. { HeartbeatInterval = "30" }')
    if "keys" in options and not isinstance(options["keys"], list):
        raise bad("keys", "a list of key names")
    if "payload" in options and not isinstance(options["payload"], dict):
        raise bad("payload", "a table")
    if spec.do == "set_configuration" and "expect" in options:
        if not isinstance(options["expect"], (list, str)):
            raise bad("expect", "a status or a list of statuses")
    if spec.do == "call" and "expect" in options and not isinstance(options["expect"], dict):
        raise bad("expect", "a table matched against the response")
    if spec.do == "update_firmware" and options.get("wait", "Installed") not in (
        "Installed",
        "Booted",
    ):
        raise bad("wait", '"Installed" or "Booted"')
    if "scheme" in options and options["scheme"] not in ("http", "https", "ftp", "sftp"):
        raise bad("scheme", '"http", "https", "ftp" or "sftp"')
    if spec.do == "reset" and "wait" in options and not isinstance(options["wait"], bool):
        raise bad("wait", "true or false")


def load_playbook(path: Path) -> Playbook:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PlaybookError(f"{path}: cannot read: {exc.strerror or exc}") from None
    return parse_playbook(text, path)


# ------------------------------------------------------------------------------ running


@dataclass(slots=True)
class StepResult:
    do: str
    ok: bool = False
    request: Any = None
    response: Any = None
    error: str | None = None
    ms: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "do": self.do,
            "ok": self.ok,
            "request": self.request,
            "response": self.response,
            "error": self.error,
            "ms": round(self.ms, 1),
        }


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
        for job in self.transfer_jobs:
            if job.offered:
                await job.wait_transfers_ended(TRANSFER_FINISH_SECONDS)
            job.cancel("the run ended")
        if self._file_server is not None:
            await self._file_server.stop()
            self._file_server = None

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
            if ok:
                try:
                    await RUNNERS[spec.do](self, spec, result)
                    result.ok = True
                except (StepFailed, CallFailed, ProfileError, TimeoutError) as exc:
                    result.error = str(exc) or type(exc).__name__
                except Exception as exc:  # a bug in a step must still end the run cleanly
                    result.error = f"{type(exc).__name__}: {exc}"
            else:
                result.error = "not run: an earlier step failed"
            result.ms = (time.perf_counter() - started) * 1000
            self.on_step(spec.index, result)
            ok = ok and result.ok
        return ok

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
        return {
            "ok": ok,
            "charger": self.charger_summary(),
            "steps": [r.to_json() for r in self.results],
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
        raise StepFailed(f"unknown key(s): {', '.join(result.response['unknownKey'])}")


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
        timeout = float(options.get("timeout", 120))
        identity = session.identity

        def rebooted() -> bool:
            current = run.hub.session_for(identity)
            return current is not session and current is not None and current.state.booted

        try:
            await run.hub.wait_until(rebooted, timeout)
        except TimeoutError:
            raise StepFailed(
                f"{identity} did not reboot and boot again within {timeout:g} s"
            ) from None


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
    result.request = {"action": action, **payload}
    before = set(session.state.transactions)
    outcome = await session.call_raw(action, payload)
    result.response = outcome.payload or {"error": outcome.error_code}
    if outcome.status != "Accepted":
        raise StepFailed(f"{action} answered {outcome.status}")
    timeout = float(options.get("timeout", 30))
    try:
        await run.hub.wait_until(lambda: bool(set(session.state.transactions) - before), timeout)
    except TimeoutError:
        raise StepFailed(f"no transaction started within {timeout:g} s") from None
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
    result.request = {"action": action, **payload}
    outcome = await session.call_raw(action, payload)
    result.response = outcome.payload or {"error": outcome.error_code}
    if outcome.status != "Accepted":
        raise StepFailed(f"{action} answered {outcome.status}")
    timeout = float(options.get("timeout", 30))
    try:
        await run.hub.wait_until(lambda: not transaction.active, timeout)
    except TimeoutError:
        raise StepFailed(
            f"transaction {transaction.transaction_id} did not stop within {timeout:g} s"
        ) from None
    result.response = {
        **(outcome.payload or {}),
        "energy_wh": (transaction.meter_stop_wh or 0) - (transaction.meter_start_wh or 0),
    }


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
