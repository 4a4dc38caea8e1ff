"""OCPP versions: the WebSocket subprotocol names and the `ocpp` package's version strings."""

from __future__ import annotations

from enum import StrEnum


class OcppVersion(StrEnum):
    """An OCPP-J version, valued as the `ocpp` package names it."""

    V16 = "1.6"
    V201 = "2.0.1"
    V21 = "2.1"

    @property
    def subprotocol(self) -> str:
        """The WebSocket subprotocol that negotiates this version (`ocpp1.6`, ...)."""
        return "ocpp" + self.value

    @property
    def is_2x(self) -> bool:
        return self is not OcppVersion.V16

    @classmethod
    def from_subprotocol(cls, subprotocol: str) -> OcppVersion:
        """Map `ocpp1.6` / `ocpp2.0.1` / `ocpp2.1` to a version; ValueError otherwise."""
        if not subprotocol.startswith("ocpp"):
            raise ValueError(f"not an OCPP subprotocol: {subprotocol!r}")
        return cls(subprotocol.removeprefix("ocpp"))

    @classmethod
    def parse(cls, text: str) -> OcppVersion:
        """Accept `1.6`, `ocpp1.6`, `16`, `2.0.1`, `201`, `2.1`, `21` (CLI and settings input)."""
        cleaned = text.strip().lower().removeprefix("ocpp")
        aliases = {"16": "1.6", "201": "2.0.1", "2.0": "2.0.1", "21": "2.1"}
        try:
            return cls(aliases.get(cleaned, cleaned))
        except ValueError:
            known = ", ".join(v.subprotocol for v in cls)
            raise ValueError(f"unknown OCPP version {text!r} (known: {known})") from None


#: Every subprotocol ocpp-tui speaks: what `[server] subprotocols` accepts, and all that the
#: connection clinic may advise enabling.
KNOWN_SUBPROTOCOLS: tuple[str, ...] = tuple(v.subprotocol for v in OcppVersion)

#: Server preference when a charger offers several subprotocols.
DEFAULT_SUBPROTOCOLS: tuple[str, ...] = tuple(
    v.subprotocol for v in (OcppVersion.V21, OcppVersion.V201, OcppVersion.V16)
)


def version_module(version: OcppVersion) -> str:
    """The `ocpp` package's module for a version: v16, v201, v21."""
    return "v" + version.value.replace(".", "")
