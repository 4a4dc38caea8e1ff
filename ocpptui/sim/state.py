"""State a simulated charger keeps across connections: connectors, transactions, reservations."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ocpptui.protocol.timestamps import utc_now
from ocpptui.sim.meter import Meter


@dataclass(slots=True)
class Transaction:
    """A charging session on one connector (1.6) or EVSE (2.0.1).

    `transaction_id` is an int the CSMS assigns in 1.6 (None until StartTransaction is answered)
    and a string the charger generates in 2.0.1.
    """

    connector_id: int
    id_tag: str
    meter_start_wh: int
    started_at: datetime
    transaction_id: int | str | None = None
    remote_start_id: int | None = None
    reservation_id: int | None = None
    meter_stop_wh: int | None = None
    stopped_at: datetime | None = None
    stop_reason: str | None = None
    meter_values_sent: int = 0
    # 2.0.1: the seqNo of the next TransactionEvent of this transaction.
    next_seq_no: int = 0

    @property
    def active(self) -> bool:
        return self.stopped_at is None


@dataclass(slots=True)
class Reservation:
    reservation_id: int
    connector_id: int
    id_tag: str
    expires_at: datetime

    def expired(self) -> bool:
        return utc_now() >= self.expires_at


@dataclass(slots=True)
class ConnectorState:
    """One connector (1.6) or one EVSE with its single connector (2.0.1)."""

    connector_id: int
    meter: Meter
    status: str = "Available"
    operative: bool = True
    # Availability change requested while a transaction ran; applied when it ends.
    pending_operative: bool | None = None
    transaction: Transaction | None = None
    # True from an accepted (remote/local) start request until the transaction starts or is
    # abandoned, so a second start request for the same connector is refused meanwhile.
    starting: bool = False
    reservation: Reservation | None = None

    @property
    def busy(self) -> bool:
        return self.starting or self.transaction is not None

    def active_reservation(self) -> Reservation | None:
        if self.reservation is not None and self.reservation.expired():
            self.reservation = None
        return self.reservation


@dataclass(slots=True)
class ChargingProfileStore:
    """Charging profiles the CSMS installed, remembered per (connector/EVSE, profile id)."""

    profiles: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)

    def install(self, connector_id: int, profile: dict[str, Any]) -> None:
        profile_id = int(profile.get("charging_profile_id", profile.get("id", 0)))
        purpose = profile.get("charging_profile_purpose")
        stack_level = profile.get("stack_level")
        # A profile with the same purpose and stack level on the same connector is replaced,
        # as the specifications require.
        for key, existing in list(self.profiles.items()):
            same_slot = (
                key[0] == connector_id
                and existing.get("charging_profile_purpose") == purpose
                and existing.get("stack_level") == stack_level
            )
            if same_slot or key[1] == profile_id:
                del self.profiles[key]
        self.profiles[(connector_id, profile_id)] = profile

    def clear(
        self,
        *,
        profile_id: int | None = None,
        connector_id: int | None = None,
        purpose: str | None = None,
        stack_level: int | None = None,
    ) -> int:
        removed = 0
        for key, profile in list(self.profiles.items()):
            if profile_id is not None and key[1] != profile_id:
                continue
            if connector_id is not None and key[0] != connector_id:
                continue
            if purpose is not None and profile.get("charging_profile_purpose") != purpose:
                continue
            if stack_level is not None and profile.get("stack_level") != stack_level:
                continue
            del self.profiles[key]
            removed += 1
        return removed

    def for_connector(self, connector_id: int) -> list[dict[str, Any]]:
        """Profiles that apply to a connector, highest stack level first."""
        applicable = [p for (c, _), p in self.profiles.items() if c in (0, connector_id)]
        return sorted(applicable, key=lambda p: p.get("stack_level", 0), reverse=True)


@dataclass(slots=True)
class LocalAuthList:
    version: int = 0
    entries: dict[str, Any] = field(default_factory=dict)

    def update(
        self,
        update_type: str,
        version: int,
        changes: list[tuple[str, dict[str, Any] | None]],
        max_entries: int | None = None,
    ) -> str:
        """Apply a SendLocalList; return its status (Accepted, VersionMismatch or Failed).

        `changes` are (idToken, idTokenInfo) pairs, None as info removing the token. Nothing
        changes unless the whole update is accepted.
        """
        if update_type == "Differential" and version <= self.version:
            return "VersionMismatch"
        updated = {} if update_type == "Full" else dict(self.entries)
        for id_token, info in changes:
            if info is None:
                updated.pop(id_token, None)
            else:
                updated[id_token] = info
        if max_entries is not None and len(updated) > max_entries:
            return "Failed"
        self.entries = updated
        self.version = version
        return "Accepted"
