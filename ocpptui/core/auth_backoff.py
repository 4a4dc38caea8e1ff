"""Slowing password guessing: after failed Basic-auth attempts from one address, that
address's next answers wait, twice as long after each failure, up to a cap.

A charger with the right password is not slowed once the wait after the last failure has
passed: a technician who fixed a typo on the charger sees it connect at its next attempt.
Attempts from one address that arrive together take turns, so guessing in parallel gains
nothing. The waits are kept per address (not per identity): a guesser tries many identities.
"""

from __future__ import annotations

from dataclasses import dataclass

from ocpptui.core.clock import Clock

#: The wait after the first failure; it doubles with each further one.
FIRST_WAIT = 0.5
#: Addresses remembered at most (the oldest are forgotten first).
MAX_ADDRESSES = 10_000
#: An address whose last failure is this much older than its wait is forgotten.
FORGET_AFTER = 600.0


@dataclass(slots=True)
class _Address:
    failures: int = 0
    next_turn: float = 0.0  # monotonic time before which this address gets no answer
    last_failure: float = 0.0


class AuthBackoff:
    """Per-address waits after failed authentication, read from `clock` (injectable)."""

    def __init__(self, clock: Clock, max_wait: float = 8.0) -> None:
        """`max_wait` caps one wait in seconds; 0 turns the backoff off."""
        self.clock = clock
        self.max_wait = max_wait
        self._addresses: dict[str, _Address] = {}

    def wait_for_turn(self, address: str) -> float:
        """Seconds the attempt arriving now from `address` must wait before it is answered
        (0: at once). Takes the turn: the next attempt from there waits after this one."""
        record = self._addresses.get(address)
        if record is None or self.max_wait <= 0:
            return 0.0
        now = self.clock.mono()
        turn = max(now, record.next_turn)
        record.next_turn = turn + self.wait_after(record.failures)
        return turn - now

    def failed(self, address: str) -> tuple[int, float]:
        """Note a failed attempt; returns (failures so far, wait before the next answer)."""
        if self.max_wait <= 0:
            return 0, 0.0
        now = self.clock.mono()
        record = self._addresses.pop(address, None) or _Address()
        self._addresses[address] = record  # newest last, for forgetting the oldest
        record.failures += 1
        record.last_failure = now
        wait = self.wait_after(record.failures)
        record.next_turn = now + wait
        self._forget_old(now)
        return record.failures, wait

    def succeeded(self, address: str) -> None:
        """The right password: the address starts afresh."""
        self._addresses.pop(address, None)

    def failures(self, address: str) -> int:
        record = self._addresses.get(address)
        return record.failures if record is not None else 0

    def wait_after(self, failures: int) -> float:
        """The wait that follows `failures` failed attempts in a row."""
        if failures <= 0:
            return 0.0
        return min(FIRST_WAIT * 2 ** min(failures - 1, 30), self.max_wait)

    def _forget_old(self, now: float) -> None:
        while len(self._addresses) > MAX_ADDRESSES:
            self._addresses.pop(next(iter(self._addresses)))
        oldest = next(iter(self._addresses.values()), None)
        if oldest is not None and now - oldest.last_failure > FORGET_AFTER + self.max_wait:
            self._addresses.pop(next(iter(self._addresses)))
