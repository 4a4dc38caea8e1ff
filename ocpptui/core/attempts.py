"""Every connection attempt, accepted or not, with what the charger sent and why it ended so.

Technicians cannot see which identity, path or subprotocol a charger sends, and a charger
that never connects gives no clue; the Connections view lists these records.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from ocpptui.protocol.versions import KNOWN_SUBPROTOCOLS


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
    warning: str | None = None  # accepted, but something looks wrong (an identity like "ocpp")
    held_back: float = 0.0  # seconds the answer waited (password-guessing backoff)


def version_names(subprotocols: Iterable[str]) -> str:
    """`ocpp1.6`, `ocpp2.0.1` → "1.6J / 2.0.1" (as chargers' menus name them)."""
    names = [p.removeprefix("ocpp") for p in subprotocols]
    return " / ".join(name + "J" if name == "1.6" else name for name in names)


def subprotocol_advice(offered: tuple[str, ...], enabled: tuple[str, ...]) -> str:
    """What to do when the charger offered none of the enabled subprotocols. Only values the
    settings loader accepts (KNOWN_SUBPROTOCOLS) are ever named for `[server] subprotocols`."""
    speaks = version_names(enabled)
    if not offered:
        return f"set the OCPP version ({speaks}) in the charger's backend settings"
    could_enable = [p for p in offered if p in KNOWN_SUBPROTOCOLS and p not in enabled]
    if could_enable:
        return (
            f"add {', '.join(could_enable)} to [server] subprotocols "
            f"(now {', '.join(enabled)}), or choose OCPP {speaks} on the charger"
        )
    text = f"choose OCPP {speaks} on the charger: ocpp-tui does not speak {', '.join(offered)}"
    near = [p for p in offered if p.lower() in KNOWN_SUBPROTOCOLS and p not in KNOWN_SUBPROTOCOLS]
    if near:
        text += f" (subprotocol names are lower-case: {near[0].lower()})"
    return text


def advice_for(
    reason: str, offered: tuple[str, ...] = (), enabled: tuple[str, ...] = KNOWN_SUBPROTOCOLS
) -> str | None:
    """What a technician can do about a refusal (by the reason's wording; for subprotocols,
    from what the charger offered and what the server has enabled)."""
    if reason.startswith(("no subprotocol offered", "offered only")):
        return subprotocol_advice(offered, enabled)
    for needle, advice in _ADVICE:
        if needle in reason:
            return advice
    return None


# (words in the refusal reason, what to do about it)
_ADVICE = (
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
        "already: the cap per address",
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
