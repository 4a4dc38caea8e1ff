"""What a playbook asks of OCPP, checked before the server starts (`ocpp-tui run` exits 2).

`parse_playbook` checks the TOML's shape (step kinds, their options and the options' types);
this module checks the OCPP in it: that `trigger_message` names a message chargers can be
asked for, that `call` names an action a CSMS sends, and, when the playbook names its
`protocol`, that each `call` payload fits that version's schema. A misspelt
`StatusNotifcation` is then reported with its line at once, not after a charger connected.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from ocpptui.protocol import catalog
from ocpptui.protocol.validation import SchemaUnavailable, validate_payload
from ocpptui.protocol.versions import OcppVersion

if TYPE_CHECKING:
    from ocpptui.services.playbook import StepSpec


def parse_protocol(value: Any) -> OcppVersion:
    """The playbook's `protocol = "ocpp1.6"` (raises ValueError with the versions known)."""
    if not isinstance(value, str):
        raise ValueError('protocol must be text, e.g. "ocpp1.6" or "ocpp2.0.1"')
    return OcppVersion.parse(value)


def check_step(spec: StepSpec, protocol: OcppVersion | None) -> tuple[str, str] | None:
    """(option at fault, what is wrong) for a step whose OCPP cannot work, or None."""
    if spec.do == "trigger_message":
        return _check_trigger(spec.options["message"], protocol)
    if spec.do == "call":
        return _check_call(spec.options["action"], spec.options.get("payload", {}), protocol)
    return None


def ocpp_problem(steps: list[StepSpec], protocol: Any, text: str) -> tuple[int | None, str] | None:
    """(line, what is wrong) for the first OCPP-level fault of a parsed playbook, or None."""
    if protocol is not None:
        try:
            parse_protocol(protocol)
        except ValueError as exc:
            return _top_line(text, "protocol"), str(exc)
    version = parse_protocol(protocol) if protocol is not None else None
    for spec in steps:
        fault = check_step(spec, version)
        if fault is not None:
            option, message = fault
            return option_line(
                text, spec.line, option
            ), f"step {spec.index + 1}: {spec.do}: {message}"
    return None


def _top_line(text: str, start: str) -> int | None:
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip().startswith(start):
            return number
    return None


def option_line(text: str, step_line: int | None, option: str) -> int | None:
    """The line of `option = ...` in the step that starts on `step_line` (1-based)."""
    if step_line is None:
        return None
    lines = text.splitlines()
    pattern = re.compile(rf"^\s*{re.escape(option)}\s*=")
    for number in range(step_line, len(lines)):  # the line after `[[step]]` onwards
        line = lines[number]
        if line.lstrip().startswith("["):
            break  # the next table
        if pattern.match(line):
            return number + 1
    return step_line


def _versions(protocol: OcppVersion | None) -> list[OcppVersion]:
    return [protocol] if protocol is not None else list(OcppVersion)


def trigger_messages(version: OcppVersion) -> list[str]:
    """What TriggerMessage can ask a charger of `version` for (its schema's enumeration)."""
    schema = catalog.actions(version)["TriggerMessage"].request_schema
    prop = schema.get("properties", {}).get("requestedMessage", {})
    reference = prop.get("$ref")
    if isinstance(reference, str):
        prop = schema.get("definitions", {}).get(reference.rsplit("/", 1)[-1], {})
    return list(prop.get("enum", []))


def _check_trigger(message: Any, protocol: OcppVersion | None) -> tuple[str, str] | None:
    known = {name for version in _versions(protocol) for name in trigger_messages(version)}
    if message in known:
        return None
    scope = f"OCPP {protocol}" if protocol is not None else "any OCPP version"
    return (
        "message",
        f"unknown message {message!r} for TriggerMessage in {scope}{_suggest(message, known)}",
    )


def _check_call(action: Any, payload: Any, protocol: OcppVersion | None) -> tuple[str, str] | None:
    versions = _versions(protocol)
    found = [catalog.actions(version).get(str(action)) for version in versions]
    infos = [info for info in found if info is not None]
    if not infos:
        every = {name for version in versions for name in catalog.actions(version)}
        scope = f"OCPP {protocol}" if protocol is not None else "any OCPP version"
        return "action", f"unknown action {action!r} in {scope}{_suggest(action, every)}"
    if not any(info.csms_initiated for info in infos):
        return (
            "action",
            f"{action} is sent by the charger, not to it: a CSMS cannot call it "
            "(trigger_message asks the charger to send it)",
        )
    if protocol is None or not isinstance(payload, dict):
        return None
    try:
        violations = validate_payload(protocol, str(action), payload, is_request=True)
    except SchemaUnavailable:
        return None
    if not violations:
        return None
    listed = "; ".join(str(violation) for violation in violations[:3])
    return "payload", f"payload breaks the OCPP {protocol} schema of {action}: {listed}"


def _suggest(word: Any, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(str(word), sorted(known), n=1)
    return f" (did you mean {close[0]}?)" if close else ""
