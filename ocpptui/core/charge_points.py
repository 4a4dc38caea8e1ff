"""The `ocpp` package's CSMS-side ChargePoint per version, with a handler for every action a
charger may initiate.

The handlers are generated from `answers.ANSWERS`, so the rule "every charger-initiated
action has a handler" is one table, checked by a test against the protocol catalog. The
library routes each CALL, turns the returned dataclass into the CALLRESULT, and turns an
exception in a handler into a CALLERROR. Schema validation is skipped in the library
because the session has already validated (and flagged, or refused in strict mode) the
frame with the same schemas.
"""

from __future__ import annotations

import functools
import importlib
import logging
import re
from typing import Any, Protocol

from ocpp.routing import on

from ocpptui.core.answers import ANSWERS, Answer, AnswerContext
from ocpptui.protocol.versions import OcppVersion, version_module

LOGGER = logging.getLogger("ocpptui.ocpp")


class CallSource(Protocol):
    """Gives a handler the context and the CALL payload exactly as the charger sent it."""

    def answer_context(self) -> AnswerContext: ...

    def incoming_payload(self, message_id: str) -> dict[str, Any]: ...


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _make_handler(action: str, answer: Answer):
    def handle(self: Any, call_unique_id: str, **_ignored: Any) -> Any:
        # The library hands us snake_case keyword arguments; we read the raw payload instead,
        # because lenient mode lets through payloads whose keys no dataclass would accept.
        source: CallSource = self.call_source
        return answer(source.answer_context(), source.incoming_payload(call_unique_id))

    handle.__name__ = f"on_{_snake(action)}"
    return on(action, skip_schema_validation=True)(handle)


def _build(base: type, version: OcppVersion) -> type:
    namespace: dict[str, Any] = {
        f"on_{_snake(action)}": _make_handler(action, answer)
        for action, answer in ANSWERS[version].items()
    }
    return type(f"Csms{version.value.replace('.', '')}ChargePoint", (base,), namespace)


@functools.cache
def _charge_point_class(version: OcppVersion) -> type:
    # Built (and the version's `ocpp` modules imported) on first use: importing the 2.0.1
    # and 2.1 dataclass modules costs half a second of start-up otherwise.
    module = importlib.import_module(f"ocpp.{version_module(version)}")
    return _build(module.ChargePoint, version)


def make_charge_point(
    version: OcppVersion, identity: str, connection: Any, source: CallSource, timeout: float
) -> Any:
    """A CSMS-side ChargePoint of `version` whose handlers read from `source`."""
    charge_point = _charge_point_class(version)(
        identity, connection, response_timeout=timeout, logger=LOGGER
    )
    charge_point.call_source = source
    return charge_point


def handled_actions(version: OcppVersion) -> frozenset[str]:
    """The actions the version's ChargePoint routes to a handler."""
    probe = _charge_point_class(version)("probe", None)
    return frozenset(probe.route_map)
