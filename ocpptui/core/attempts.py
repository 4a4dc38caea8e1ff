"""Every connection attempt, accepted or not, with what the charger sent and why it ended so.

Technicians cannot see which identity, path or subprotocol a charger sends, and a charger
that never connects gives no clue; the Connections view lists these records.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Outcome(StrEnum):
    ACCEPTED = "accepted"
    REPLACED = "accepted, replaced the previous connection"
    REFUSED = "refused"


@dataclass(frozen=True, slots=True)
class ConnectionAttempt:
    wall: float
    peer: str
    path: str
    identity: str | None  # percent-decoded; None when the path carries none
    offered: tuple[str, ...]  # subprotocols the charger offered
    chosen: str | None  # the one we took
    auth_user: str | None  # basic-auth user name (the password is never kept)
    auth_present: bool
    tls_version: str | None
    sni: str | None  # the host name the charger asked for on wss://
    outcome: Outcome
    reason: str  # plain language
    advice: str | None = None  # what to do about it
    held_back: float = 0.0  # seconds the answer waited (password-guessing backoff)


def advice_for(reason: str) -> str | None:
    """What a technician can do about a refusal (by the reason's wording)."""
    for needle, advice in _ADVICE:
        if needle in reason:
            return advice
    return None


# (words in the refusal reason, what to do about it)
_ADVICE = (
    (
        "no subprotocol offered",
        "set the OCPP version (1.6J / 2.0.1) in the charger's backend settings",
    ),
    (
        "offered only",
        "choose OCPP 1.6J, 2.0.1 or 2.1 on the charger, or enable that subprotocol "
        "in [server] subprotocols",
    ),
    (
        "no password sent",
        "enter the password (AuthorizationKey / BasicAuthPassword) on the charger, "
        "or use security profile 0",
    ),
    (
        "wrong password",
        "check the password on the charger; a 1.6 AuthorizationKey is entered as hex",
    ),
    (
        "is not the charge point identity",
        "the basic-auth user must equal the last path segment of the URL",
    ),
    (
        "not on the allow-list",
        "add the identity to the allow-list or switch the policy to accept",
    ),
    ("no charge point identity", "end the URL on the charger with /<identity>"),
    (
        "does not name the charge point",
        "install a certificate whose CN is the charger's identity (SignCertificate from "
        "this laptop issues one), or change the identity in the charger's URL to match it",
    ),
    (
        "connections from",
        "too many connections from one address: raise [server] max_connections_per_ip if "
        "that address is a gateway in front of several chargers",
    ),
    (
        "at its cap of",
        "raise [server] max_connections (and the open-file limit, ulimit -n), or disconnect "
        "chargers that are done",
    ),
    (
        "out of file descriptors",
        "raise the open-file limit (ulimit -n) or lower [server] max_connections",
    ),
    ("not a WebSocket request", "use ws:// (or wss://) in the charger, not http://"),
)
