"""Connector rules both protocol versions apply alike, whatever their messages are called.

Who may start where, what a transaction's end does to the connector, availability changes
that wait for a running transaction, reservations and the hardware limit: a 1.6 charger and a
2.0.1 station decide these the same way. A 1.6 connector and a 2.0.1 EVSE (with its one
connector) are both a `ConnectorState` here.

The `@on`/`@after` handlers stay in the version modules (`charger_v16`, `charger_v201`): the
`ocpp` library routes each version's actions to the handlers of that version's ChargePoint
class, and the message classes and field names differ. The handlers read their fields and
call these methods.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Any

from ocpp.routing import after, on

from ocpptui.protocol.timestamps import utc_now
from ocpptui.sim.session import ACCEPTED, SessionMixin
from ocpptui.sim.state import ConnectorState, Reservation, Transaction

logger = logging.getLogger("ocpptui.sim")


class ConnectorRules(SessionMixin):
    """The version-neutral part of a session's connector handling (see the module docstring)."""

    # --- version-specific parts ------------------------------------------------------------

    async def notify_connector(self, connector: ConnectorState, status: str | None = None) -> None:
        """Send the connector's StatusNotification (its current status unless `status`)."""
        raise NotImplementedError

    async def reservation_expired(self, reservation: Reservation) -> None:
        """Tell the CSMS a reservation ran out, where the version has a message for it."""

    # --- status ----------------------------------------------------------------------------

    def idle_status(self, connector: ConnectorState) -> str:
        """The status of a connector no car is using: Unavailable, Reserved or Available."""
        if not (connector.operative and self.charger.station_operative):
            return "Unavailable"
        if connector.active_reservation() is not None:
            return "Reserved"
        return "Available"

    # --- starting and ending transactions --------------------------------------------------

    def connector_for_start(self, connector_id: int | None, id_tag: str) -> ConnectorState | None:
        """The named connector if a start for `id_tag` may use it, else the first that may."""

        def usable(connector: ConnectorState) -> bool:
            reservation = connector.active_reservation()
            return (
                not connector.busy
                and connector.operative
                and self.charger.station_operative
                and (reservation is None or reservation.id_tag == id_tag)
            )

        if connector_id is not None:
            connector = self.charger.connectors.get(connector_id)
            return connector if connector is not None and usable(connector) else None
        return next((c for c in self.charger.connectors.values() if usable(c)), None)

    def claim_for_remote_start(
        self, connector_id: int | None, id_tag: str, charging_profile: dict[str, Any] | None
    ) -> ConnectorState | None:
        """The connector a remote start takes, already marked starting; None to refuse it."""
        connector = self.connector_for_start(connector_id, id_tag)
        # While Pending the CSMS may configure the charger but not start transactions.
        if connector is None or not self.charger.booted:
            return None
        if charging_profile is not None:
            self.charger.charging_profiles.install(connector.connector_id, charging_profile)
        # Marked now, in the handler, so a second request before the start runs is refused.
        connector.starting = True
        return connector

    def connector_running(self, transaction_id: int | str) -> ConnectorState | None:
        """The connector whose transaction has this id (a remote stop's target), if any."""
        for connector in self.charger.connectors.values():
            transaction = connector.transaction
            if transaction is not None and transaction.transaction_id == transaction_id:
                return connector
        return None

    @staticmethod
    def reservation_used(connector: ConnectorState, id_tag: str) -> int | None:
        """The id of the connector's reservation that a start for `id_tag` takes up, if any."""
        reservation = connector.active_reservation()
        if reservation is not None and reservation.id_tag == id_tag:
            return reservation.reservation_id
        return None

    async def give_up_start(self, connector: ConnectorState) -> None:
        """A start that will not happen: the connector goes back to its status before it."""
        connector.starting = False
        await self.notify_connector(connector)

    def charging_started(self, connector: ConnectorState, transaction: Transaction) -> None:
        """The transaction runs on the connector: it takes up the reservation and draws power."""
        connector.transaction = transaction
        connector.reservation = None
        connector.starting = False
        connector.meter.start_charging()
        self.charger.transaction_started(transaction)

    def charging_ended(
        self, connector: ConnectorState, transaction: Transaction, reason: str
    ) -> None:
        """Close the transaction (meterStop, time, reason) and free the connector.

        The caller reads the meter for its end values first: once charging stops, the power
        they would show is gone.
        """
        connector.meter.stop_charging()
        transaction.meter_stop_wh = connector.meter.energy_register_wh()
        transaction.stopped_at = utc_now()
        transaction.stop_reason = reason
        connector.transaction = None
        # An Inoperative that waited for the transaction's end takes effect now.
        if connector.pending_operative is not None:
            connector.operative = connector.pending_operative
            connector.pending_operative = None
        self.charger.transaction_stopped(transaction)

    async def stop_all_and_reset(self, reason: str) -> None:
        """A Reset: stop every transaction (with `reason`), then end the session to reboot."""
        logger.info("%s: reset (%s)", self.id, reason)
        for connector in self.charger.connectors.values():
            if connector.transaction is not None:
                await self.stop_transaction(connector, reason)
        self.request_end("reset")

    # --- availability ----------------------------------------------------------------------

    @staticmethod
    def set_operative(targets: list[ConnectorState], operative: bool) -> bool:
        """Apply a ChangeAvailability to `targets`; True when some change has to wait."""
        scheduled = False
        for connector in targets:
            if connector.transaction is not None and not operative:
                # A running transaction is not interrupted: the change waits for its end.
                connector.pending_operative = operative
                scheduled = True
            else:
                connector.operative = operative
                connector.pending_operative = None
        return scheduled

    # --- reservations ----------------------------------------------------------------------

    def reserve(
        self,
        connector: ConnectorState,
        reservation_id: int,
        id_tag: str,
        expires_at: datetime,
        call_unique_id: str,
    ) -> str:
        """Reserve the connector for `id_tag`; the ReserveNow status to answer.

        When accepted, the reservation is planned for `hold_planned_reservation()`.
        """
        if not (connector.operative and self.charger.station_operative):
            return "Unavailable"
        existing = connector.active_reservation()
        if connector.busy or (existing is not None and existing.reservation_id != reservation_id):
            return "Occupied"
        for other in self.charger.connectors.values():
            if other.reservation is not None and other.reservation.reservation_id == reservation_id:
                other.reservation = None  # the same reservation id moves to this connector
        reservation = Reservation(reservation_id, connector.connector_id, id_tag, expires_at)
        connector.reservation = reservation
        self.plan(call_unique_id, (connector, reservation))
        return ACCEPTED

    def hold_planned_reservation(self, call_unique_id: str) -> None:
        """From ReserveNow's `@after` hook: report Reserved and let the reservation expire."""
        planned = self.take_plan(call_unique_id)
        if planned is not None:
            self.spawn(self._hold_reservation(*planned), "reservation")

    async def _hold_reservation(self, connector: ConnectorState, reservation: Reservation) -> None:
        await self.notify_connector(connector, "Reserved")
        delay = (reservation.expires_at - utc_now()).total_seconds()
        if delay > 0:
            await asyncio.sleep(delay)
        # A reservation that was used, cancelled or replaced meanwhile is no longer ours.
        if connector.reservation is reservation:
            connector.reservation = None
            await self.reservation_expired(reservation)
            await self.notify_connector(connector)

    def cancel_reservation(self, reservation_id: int, call_unique_id: str) -> bool:
        """Drop the reservation; False when there is none with this id (the CSMS is told so).

        The freed connector is planned for `notify_planned_cancellation()`.
        """
        for connector in self.charger.connectors.values():
            reservation = connector.active_reservation()
            if reservation is not None and reservation.reservation_id == reservation_id:
                connector.reservation = None
                self.plan(call_unique_id, connector)
                return True
        return False

    def notify_planned_cancellation(self, call_unique_id: str) -> None:
        """From CancelReservation's `@after` hook: report the freed connector's status."""
        connector = self.take_plan(call_unique_id)
        if connector is not None:
            self.spawn(self.notify_connector(connector), "reservation-cancelled")

    @after("ReserveNow")
    def after_reserve_now(self, call_unique_id: str, **_: Any) -> None:
        self.hold_planned_reservation(call_unique_id)

    @on("CancelReservation")
    def on_cancel_reservation(self, reservation_id: int, call_unique_id: str, **_: Any) -> Any:
        cancelled = self.cancel_reservation(reservation_id, call_unique_id)
        return self._call_result.CancelReservation(status=ACCEPTED if cancelled else "Rejected")

    @after("CancelReservation")
    def after_cancel_reservation(self, call_unique_id: str, **_: Any) -> None:
        self.notify_planned_cancellation(call_unique_id)

    # --- smart charging --------------------------------------------------------------------

    def charging_profile_refusal(
        self, connector_id: int, profile: dict[str, Any], max_stack_level: int, station_wide: str
    ) -> str | None:
        """Why SetChargingProfile must be refused, or None to install the profile.

        `connector_id` 0 is the whole charger; `station_wide` is the version's name of the
        purpose that only applies there. The reasons are 2.0.1 reason codes where it has one.
        """
        purpose = profile.get("charging_profile_purpose")
        connector = self.charger.connectors.get(connector_id)
        if connector_id != 0 and connector is None:
            return "UnknownEvse"
        if int(profile.get("stack_level", 0)) > max_stack_level:
            return "StackLevel"
        if purpose == station_wide and connector_id != 0:
            return "Purpose"
        if purpose == "TxProfile" and (connector is None or connector.transaction is None):
            return "TxNotFound"
        return None

    def hardware_limit_periods(self, unit: str) -> list[dict[str, Any]]:
        """The composite schedule without a profile: the hardware limit, in A or W."""
        options = self.options
        limit = options.max_current_a
        if unit == "W":
            limit *= options.nominal_voltage_v * options.phases
        return [{"start_period": 0, "limit": round(limit, 1)}]
