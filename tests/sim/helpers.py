"""Helpers for the simulator tests: fast protocol timings, the charger starter's type,
file events."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from typing import Any

from ocpptui.services.file_server import FileServerEvent
from ocpptui.sim import SimulatedCharger
from tests.sim.csms_peer import Waitable

# Protocol intervals run 20x faster; retries, backoff and reboots take a few tens of ms.
FAST: dict[str, Any] = {
    "speedup": 20.0,
    "boot_retry_floor": 0.05,
    "reconnect_backoff": (0.05, 0.2),
    "reboot_delay": 0.05,
    "response_timeout": 2.0,
}


StartCharger = Callable[..., Awaitable[SimulatedCharger]]


class FileEvents(Waitable):
    """Every event of a file server, in order; iterable, and `until()` waits for one."""

    def __init__(self) -> None:
        super().__init__()
        self.events: list[FileServerEvent] = []

    def append(self, event: FileServerEvent) -> None:
        self.events.append(event)
        self.changed()

    def __iter__(self) -> Iterator[FileServerEvent]:
        return iter(list(self.events))
