"""asyncio helpers that keep cancellation reliable on Python 3.11.

On 3.11, `asyncio.wait_for` can lose a cancellation that races with its own timeout or with
its inner future completing (it returns or raises TimeoutError instead; fixed in 3.12). A
simulator loop that swallowed its cancellation would run forever after `stop()`. So waits use
`asyncio.timeout()`, which tells its own timeout from an outside cancel, and code that calls
into the `ocpp` library (which uses `wait_for`) checks `raise_if_cancelling()` afterwards.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable

logger = logging.getLogger("ocpptui.sim")


async def wait_event(event: asyncio.Event, timeout: float | None) -> bool:
    """Wait until `event` is set (True) or `timeout` seconds passed (False); None: no limit."""
    if event.is_set():
        return True
    try:
        async with asyncio.timeout(timeout):
            await event.wait()
    except TimeoutError:
        return False
    return True


def raise_if_cancelling() -> None:
    """Re-raise a cancellation of the current task that a library call swallowed."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError


async def cancel_and_wait(tasks: Iterable[asyncio.Future[object]], what: str) -> None:
    """Cancel `tasks` and wait until all are done, cancelling again any that lingers."""
    pending = {task for task in tasks if not task.done()}
    for task in pending:
        task.cancel()
    while pending:
        _, pending = await asyncio.wait(pending, timeout=1.0)
        for task in pending:
            logger.error("%s: task %s ignored cancellation; cancelling again", what, task)
            task.cancel()
