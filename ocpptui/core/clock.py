"""Time, injectable so that tests and screenshots are deterministic."""

from __future__ import annotations

import asyncio
import datetime as dt
import time

from ocpptui.protocol.timestamps import ocpp_timestamp

__all__ = ["Clock", "ocpp_timestamp"]


class Clock:
    """Wall-clock and monotonic time; subclass or replace in tests."""

    def wall(self) -> float:
        return time.time()

    def mono(self) -> float:
        return time.monotonic()

    def now(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.wall(), dt.UTC)

    async def sleep(self, seconds: float) -> None:
        """Wait `seconds` of this clock's time (a test clock may just move on)."""
        await asyncio.sleep(seconds)
