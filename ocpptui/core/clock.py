"""Time, injectable so that tests and screenshots are deterministic."""

from __future__ import annotations

import asyncio
import datetime as dt
import time


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


def ocpp_timestamp(moment: dt.datetime) -> str:
    """RFC 3339 in UTC with milliseconds and a `Z`, as chargers parse most reliably."""
    return (
        moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.")
        + f"{moment.microsecond // 1000:03d}Z"
    )
