"""Schema validation of OCPP payloads with the JSON schemas shipped by the `ocpp` package.

We use the package's own cached validators (`ocpp.messages.get_validator`) but collect *every*
violation with its JSON path, because the frame log flags them all and lenient mode answers
the charger anyway. The package's `validate_payload` stops at the first error and, by default,
hops to a thread pool for each message.

Whether a payload is valid is first asked of the same schema compiled by fastjsonschema,
an order of magnitude faster than jsonschema on the payloads chargers send all day; only an
invalid payload goes through jsonschema, which reports every violation.
"""

from __future__ import annotations

import decimal
import functools
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import fastjsonschema
from jsonschema import Draft4Validator, FormatChecker
from jsonschema.exceptions import ValidationError
from ocpp.messages import MessageType as LibMessageType
from ocpp.messages import get_validator

from ocpptui.protocol import catalog
from ocpptui.protocol.frames import ErrorCode
from ocpptui.protocol.versions import OcppVersion

MAX_VIOLATIONS = 20

# The `ocpp` package validates these 1.6 payloads with decimals because their schemas use
# `multipleOf: 0.1`, which binary floats fail. Its validator cache is keyed without the float
# parser, so we must ask for these exactly as the package does or poison its cache.
_DECIMAL_CALLS_16 = frozenset({"SetChargingProfile", "RemoteStartTransaction"})
_DECIMAL_RESULTS_16 = frozenset({"GetCompositeSchedule"})


# The schemas mark timestamps `"format": "date-time"`: RFC 3339, whose time-offset is required
# (a charger sending `2026-11-25T10:00:00` leaves the CSMS guessing its time zone). jsonschema
# checks that format only when the optional rfc3339-validator is installed, so the check is
# ours, and it is the only format checked (chargers get `uri` and friends wrong harmlessly).
_DATE_TIME = re.compile(
    r"(\d{4})-(\d\d)-(\d\d)[Tt](\d\d):(\d\d):(\d\d)(?:\.\d+)?(?:[Zz]|[+-]\d\d:\d\d)"
)
_FORMATS = FormatChecker(formats=())


@_FORMATS.checks("date-time")
def _is_date_time(instance: object) -> bool:
    if not isinstance(instance, str):
        return True  # the schema's `type` rule reports a wrong type
    match = _DATE_TIME.fullmatch(instance)
    if match is None:
        return False
    year, month, day, hour, minute, second = map(int, match.groups())
    try:
        datetime(year, month, day, hour, minute, min(second, 59))  # 60: a leap second
    except ValueError:
        return False
    return True


@dataclass(frozen=True, slots=True)
class Violation:
    """One schema violation: where (JSON path), which rule, and the validator's message."""

    path: str
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"

    def to_json(self) -> dict[str, str]:
        return {"path": self.path, "rule": self.rule, "message": self.message}


class SchemaUnavailable(LookupError):
    """No schema exists for this action in this version."""


def _needs_decimal(version: OcppVersion, is_request: bool, action: str) -> bool:
    if version is not OcppVersion.V16:
        return False
    return action in (_DECIMAL_CALLS_16 if is_request else _DECIMAL_RESULTS_16)


@functools.cache
def _send_validator(version: OcppVersion, action: str) -> Draft4Validator:
    # The package looks for "<Action>Request.json"; 2.1 SEND messages have no such file.
    return Draft4Validator(catalog.actions(version)[action].request_schema)


def _validator(version: OcppVersion, is_request: bool, action: str) -> Draft4Validator:
    if is_request and action in catalog.SEND_ONLY_ACTIONS and action in catalog.actions(version):
        return _send_validator(version, action)
    type_id = LibMessageType.Call if is_request else LibMessageType.CallResult
    parse_float = decimal.Decimal if _needs_decimal(version, is_request, action) else float
    try:
        return get_validator(type_id, action, version.value, parse_float=parse_float)
    except (OSError, ValueError) as exc:
        raise SchemaUnavailable(f"no schema for {action} in OCPP {version}") from exc


@functools.cache
def _checking_validator(version: OcppVersion, is_request: bool, action: str) -> Draft4Validator:
    """The schema's validator, also checking date-time formats (one per action, cached)."""
    return _validator(version, is_request, action).evolve(format_checker=_FORMATS)


def _accept(value: object) -> bool:
    return True


@functools.cache
def _fast_check(version: OcppVersion, is_request: bool, action: str) -> Callable[[Any], Any] | None:
    """The schema compiled by fastjsonschema: raises when a payload is invalid (None: no fast
    check for this schema, jsonschema alone decides).

    It must call valid exactly what the jsonschema validator calls valid, so it is compiled
    for the same draft as that validator (4 or 6: 1.0 is an integer in draft 6 only), fills
    in no defaults, and checks date-time the same way and no other format.
    """
    if _needs_decimal(version, is_request, action):
        return None  # `multipleOf: 0.1` over decimals
    validator = _checking_validator(version, is_request, action)
    dialect = type(validator).META_SCHEMA.get("$schema", "")
    if not any(draft in dialect for draft in ("draft-04", "draft-06", "draft-07")):
        return None
    try:
        return fastjsonschema.compile(
            {**validator.schema, "$schema": dialect},
            formats={"date-time": _is_date_time, "uri": _accept},
            use_default=False,
            detailed_exceptions=False,
        )
    except fastjsonschema.JsonSchemaDefinitionException:
        return None


def has_schema(version: OcppVersion, action: str, *, is_request: bool = True) -> bool:
    try:
        _validator(version, is_request, action)
    except SchemaUnavailable:
        return False
    return True


def _json_path(error: ValidationError) -> str:
    path = "$"
    for part in error.absolute_path:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def validate_payload(
    version: OcppVersion, action: str, payload: Any, *, is_request: bool
) -> tuple[Violation, ...]:
    """Return every schema violation of `payload` (empty when valid).

    Raises SchemaUnavailable when the version has no schema for the action.
    """
    validator = _checking_validator(version, is_request, action)
    fast_check = _fast_check(version, is_request, action)
    if fast_check is not None:
        try:
            fast_check(payload)
        except Exception:  # invalid (or beyond the compiled check): jsonschema says how
            pass
        else:
            return ()
    if _needs_decimal(version, is_request, action):
        payload = json.loads(json.dumps(payload), parse_float=decimal.Decimal)
    if validator.is_valid(payload):
        return ()
    violations = []
    for error in _sorted_errors(validator.iter_errors(payload)):
        violations.append(Violation(_json_path(error), str(error.validator), error.message))
        if len(violations) >= MAX_VIOLATIONS:
            break
    return tuple(violations)


def _sorted_errors(errors: Iterable[ValidationError]) -> list[ValidationError]:
    return sorted(errors, key=lambda e: (list(map(str, e.absolute_path)), str(e.validator)))


def error_code_for(version: OcppVersion, violations: tuple[Violation, ...]) -> str:
    """The CallError code the specification names for the first violation (strict mode)."""
    rule = violations[0].rule if violations else ""
    if rule == "type":
        return ErrorCode.TYPE_CONSTRAINT
    if rule == "required":
        return ErrorCode.PROTOCOL  # "Payload for Action is incomplete"
    if rule == "additionalProperties":
        return ErrorCode.format_violation(version)
    if rule in ("minItems", "maxItems"):
        return ErrorCode.occurrence_violation(version)
    return ErrorCode.PROPERTY_CONSTRAINT
