"""What a command form offers for fields that name something on the charger.

A transaction id, a connector or an EVSE is the charger's, not the schema's: such a field
starts from what the charger reported (its running transaction, its connectors and EVSEs),
offers those as choices, and is left empty, with a hint saying why, when there is nothing
to offer. It never starts from a schema example that merely looks like a real value
(`transactionId: 1` while the charger runs transaction 5970761).
"""

from __future__ import annotations

from dataclasses import dataclass

from ocpptui.core.state import ChargerState
from ocpptui.protocol.versions import OcppVersion


@dataclass(frozen=True, slots=True)
class FieldOffer:
    """The choices for one form field, the one to start with, and a hint when none fits."""

    choices: tuple[tuple[str, str], ...] = ()  # (label, value)
    start: str | None = None
    hint: str = ""


#: What 0 means where the specification gives it a meaning: (action, field path) → words.
ZERO_MEANS = {
    ("ChangeAvailability", "connectorId"): "the whole charger",
    ("ClearChargingProfile", "connectorId"): "the whole charger",
    ("GetCompositeSchedule", "connectorId"): "the grid connection",
    ("ReserveNow", "connectorId"): "any connector",
    ("ClearChargingProfile", "chargingProfileCriteria.evseId"): "the whole station",
    ("GetCompositeSchedule", "evseId"): "the whole station",
    ("SetChargingProfile", "evseId"): "the whole station",
    ("SetChargingProfile", "connectorId"): "the whole charger",
}

#: Fields naming something the charger holds that ocpp-tui does not track: start empty.
UNTRACKED = {
    ("CancelReservation", "reservationId"): "the id given in ReserveNow",
}


TRANSACTION_FIELDS = ("transactionId", "chargingProfile.transactionId",
                      "csChargingProfiles.transactionId")  # fmt: skip


def _connector_fields(version: OcppVersion) -> tuple[str, ...]:
    return ("connectorId", "evse.connectorId") if version.is_2x else ("connectorId",)


def _evse_fields(version: OcppVersion) -> tuple[str, ...]:
    if not version.is_2x:
        return ()
    return ("evseId", "evse.id", "chargingProfileCriteria.evseId")


def field_offers(
    version: OcppVersion, action: str, state: ChargerState | None, required: set[str]
) -> dict[str, FieldOffer]:
    """Offers for the fields of `action` that name the charger's things (by field path).

    `required`: the paths the form requires; only those start with a value, and only when
    the charger's state leaves one answer (one running transaction, one connector).
    """
    offers: dict[str, FieldOffer] = {}
    for path in TRANSACTION_FIELDS:
        offers[path] = _transactions(state, path in required)
    connectors = _connectors(state, evse=False)
    for path in _connector_fields(version):
        offers[path] = _numbered(connectors, "connector", ZERO_MEANS.get((action, path)),
                                 path in required)  # fmt: skip
    evses = _connectors(state, evse=True)
    for path in _evse_fields(version):
        offers[path] = _numbered(evses, "EVSE", ZERO_MEANS.get((action, path)), path in required)
    for (untracked_action, path), hint in UNTRACKED.items():
        if untracked_action == action:
            offers[path] = FieldOffer(hint=hint)
    return offers


def _transactions(state: ChargerState | None, required: bool) -> FieldOffer:
    active = list(reversed(state.active_transactions)) if state is not None else []
    if not active:
        return FieldOffer(hint="no transaction running: type its id")
    choices = []
    for transaction in active:
        label = transaction.transaction_id
        if transaction.connector_id is not None:
            where = (
                f"{transaction.evse_id}/{transaction.connector_id}"
                if transaction.evse_id is not None
                else str(transaction.connector_id)
            )
            label += f" · connector {where}"
        if transaction.id_tag:
            label += f" · {transaction.id_tag}"
        choices.append((label, transaction.transaction_id))
    # The newest running transaction: the one the header shows.
    return FieldOffer(tuple(choices), active[0].transaction_id if required else None)


def _connectors(state: ChargerState | None, *, evse: bool) -> dict[int, str]:
    """Reported connector (or EVSE) numbers above 0, with their status."""
    found: dict[int, str] = {}
    for connector in state.sorted_connectors if state is not None else []:
        number = connector.evse_id if evse else connector.connector_id
        if number is None or number <= 0:
            continue
        found.setdefault(number, connector.status)
    return found


def _numbered(reported: dict[int, str], noun: str, zero: str | None, required: bool) -> FieldOffer:
    choices = [(f"0 · {zero}", "0")] if zero else []
    choices += [(f"{number} · {status}", str(number)) for number, status in reported.items()]
    if not reported:
        hint = f"no {noun} reported yet: type its number"
        return FieldOffer(hint=hint + (f" (0 = {zero})" if zero else ""))
    start = str(next(iter(reported))) if required and len(reported) == 1 else None
    return FieldOffer(tuple(choices), start)
