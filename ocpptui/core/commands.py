"""Remote commands that need more than one frame: trigger-and-wait, wait for a status."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from typing import Any

from ocpptui.core.frame import Frame
from ocpptui.core.session import CallOutcome, ConnectionLost, Session
from ocpptui.protocol import catalog
from ocpptui.protocol.versions import OcppVersion

# requestedMessage → the action the charger then sends (where the names differ).
_TRIGGERED_ACTION = {
    "SignChargingStationCertificate": "SignCertificate",
    "SignV2GCertificate": "SignCertificate",
    "SignCombinedCertificate": "SignCertificate",
    "SignV2G20Certificate": "SignCertificate",
}


def trigger_messages(version: OcppVersion) -> list[str]:
    """The messages TriggerMessage may request in `version` (from its schema's enum)."""
    schema = catalog.actions(version)["TriggerMessage"].request_schema
    prop = schema["properties"]["requestedMessage"]
    if "$ref" in prop:
        name = prop["$ref"].rsplit("/", 1)[-1]
        return list(schema["definitions"][name]["enum"])
    return list(prop.get("enum", []))


def triggered_action(requested: str) -> str:
    return _TRIGGERED_ACTION.get(requested, requested)


def trigger_payload(
    version: OcppVersion, message: str, connector: int | None = None, evse: int | None = None
) -> dict[str, Any]:
    payload: dict[str, Any] = {"requestedMessage": message}
    if version.is_2x:
        if evse is not None or connector is not None:
            target: dict[str, Any] = {"id": evse if evse is not None else 1}
            if connector is not None:
                target["connectorId"] = connector
            payload["evse"] = target
    elif connector is not None:
        payload["connectorId"] = connector
    return payload


@dataclass(slots=True)
class TriggerResult:
    outcome: CallOutcome
    arrived: Frame | None  # the triggered message, when it came within the wait
    waited: bool

    @property
    def ok(self) -> bool:
        return self.outcome.status == "Accepted" and (self.arrived is not None or not self.waited)


async def trigger_message(
    session: Session,
    message: str,
    *,
    connector: int | None = None,
    evse: int | None = None,
    wait: bool = True,
    timeout: float = 15.0,
) -> TriggerResult:
    """TriggerMessage, then (optionally) wait for the charger to send what was asked for."""
    action = triggered_action(message)
    waiter: asyncio.Task[Frame] | None = None
    if wait:
        # Listen before sending: the message may follow the answer within microseconds.
        waiter = asyncio.ensure_future(session.wait_for_frame(action, timeout=timeout))
    try:
        outcome = await session.call_raw(
            "TriggerMessage", trigger_payload(session.version, message, connector, evse)
        )
    except BaseException:
        if waiter is not None:
            waiter.cancel()
            with contextlib.suppress(BaseException):
                await waiter
        raise
    arrived: Frame | None = None
    if waiter is not None:
        if outcome.status != "Accepted":
            waiter.cancel()
            with contextlib.suppress(BaseException):
                await waiter
        else:
            with contextlib.suppress(TimeoutError, ConnectionLost):
                arrived = await waiter
    return TriggerResult(outcome, arrived, wait)


def connector_status(session: Session, connector: int, evse: int | None = None) -> str | None:
    for state in session.state.connectors.values():
        if state.connector_id != connector:
            continue
        if evse is not None and state.evse_id not in (evse, None):
            continue
        return state.status
    return None


def _status_frame_matches(frame: Frame, connector: int, status: str, evse: int | None) -> bool:
    payload = frame.payload if isinstance(frame.payload, dict) else {}
    if payload.get("connectorId") != connector:
        return False
    if evse is not None and "evseId" in payload and payload.get("evseId") != evse:
        return False
    return status in (payload.get("status"), payload.get("connectorStatus"))


async def wait_for_status(
    session: Session, connector: int, status: str, *, evse: int | None = None, timeout: float = 30
) -> Frame | None:
    """Return at once if the connector already has `status`, else wait for the notification.

    Returns the StatusNotification frame that reported it (None when it was already so).
    """
    if connector_status(session, connector, evse) == status:
        return None
    return await session.wait_for_frame(
        "StatusNotification",
        lambda frame: _status_frame_matches(frame, connector, status, evse),
        timeout=timeout,
    )
