"""Many chargers at once: a batch of one action each, and slots for their file transfers.

`SiteBatch` runs one action against many chargers, each on its own task, and can be
cancelled as a whole, saying what each charger was in the middle of (nobody must leave
believing a cancelled download never started). `TransferSlots` lets at most K chargers
download (or upload) at a time, so a site's uplink is not saturated. No Textual here: the
headless site run and the site board drive the same objects.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from ocpptui.core.frame import Direction, Frame
from ocpptui.core.hub import Hub

log = logging.getLogger(__name__)

# ------------------------------------------------------------------------------ transfer slots

FIRMWARE_STATUS_ACTIONS = ("FirmwareStatusNotification", "SignedFirmwareStatusNotification")
LOG_STATUS_ACTIONS = ("DiagnosticsStatusNotification", "LogStatusNotification")
#: Statuses that mean the file is still on its way (the uplink is still in use).
_STILL_MOVING = {"Downloading", "DownloadScheduled", "DownloadPaused", "Uploading", "Idle"}


def _transfer_over(frame: Frame, identity: str) -> bool:
    """A status notification of `identity` saying its download/upload has ended."""
    if (
        frame.identity != identity
        or frame.direction is not Direction.IN
        or frame.message_type != 2
        or frame.action not in FIRMWARE_STATUS_ACTIONS + LOG_STATUS_ACTIONS
    ):
        return False
    payload = frame.payload
    status = payload.get("status") if isinstance(payload, dict) else None
    return isinstance(status, str) and status not in _STILL_MOVING


class TransferSlots:
    """At most `limit` chargers move a file at once.

    A charger holds its slot from the request until it reports the download (or upload) over
    (Downloaded, DownloadFailed, Installing, Uploaded, ...) or its step ends: installing and
    rebooting do not use the site's uplink, so the next charger may start meanwhile.
    """

    def __init__(self, hub: Hub, limit: int) -> None:
        if limit < 1:
            raise ValueError("at least one transfer at a time")
        self.hub = hub
        self.limit = limit
        self._semaphore = asyncio.Semaphore(limit)
        self.moving: set[str] = set()
        self.waiting: set[str] = set()
        self.most_at_once = 0  # the highest number of chargers moving a file together

    @contextlib.asynccontextmanager
    async def hold(self, identity: str) -> AsyncIterator[None]:
        self.waiting.add(identity)
        try:
            await self._semaphore.acquire()
        finally:
            self.waiting.discard(identity)
        released = False

        def release() -> None:
            nonlocal released
            if not released:
                released = True
                self.moving.discard(identity)
                self._semaphore.release()

        def on_frame(frame: Frame) -> None:
            if _transfer_over(frame, identity):
                release()

        self.moving.add(identity)
        self.most_at_once = max(self.most_at_once, len(self.moving))
        unsubscribe = self.hub.add_frame_listener(on_frame)
        try:
            yield
        finally:
            unsubscribe()
            release()


# ------------------------------------------------------------------------------ batches


class ItemState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    PASSED = "passed"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def finished(self) -> bool:
        return self in (ItemState.PASSED, ItemState.FAILED, ItemState.CANCELLED)


class BatchFailed(Exception):
    """The action did not succeed on this charger; the message says why."""


@dataclass(eq=False)
class BatchItem:
    """One charger's part of a batch."""

    identity: str
    state: ItemState = ItemState.QUEUED
    detail: str = ""
    progress: float | None = None
    """0..1 of this charger's part, when the action can tell (a firmware download)."""
    changing: str | None = None
    """What the action is in the middle of changing on the charger ("firmware update",
    "configuration change", ...); said when the batch is cancelled meanwhile."""
    result: Any = None
    """What the action produced (JSON-ready): a playbook run's report, a profile's lines."""
    note: str | None = None


BatchAction = Callable[[BatchItem], Awaitable[None]]


def _firmware_phase(hub: Hub, identity: str) -> str:
    session = hub.session_for(identity)
    status = session.state.firmware_status if session is not None else None
    if status in ("Downloading", "DownloadScheduled", "DownloadPaused", None):
        return "firmware download"
    if status in ("Downloaded", "SignatureVerified", "Installing", "InstallScheduled"):
        return "firmware installation"
    if status in ("Installed", "InstallRebooting"):
        return "firmware reboot"
    return "firmware update"


class SiteBatch:
    """One action against many chargers, each on its own task; cancellable as a whole."""

    def __init__(
        self,
        title: str,
        action: BatchAction,
        hub: Hub,
        *,
        on_change: Callable[[BatchItem], None] = lambda item: None,
    ) -> None:
        self.title = title
        self.action = action
        self.hub = hub
        self.on_change = on_change
        self.items: dict[str, BatchItem] = {}
        self.notes: list[str] = []
        self.cancelled = False
        self._tasks: dict[str, asyncio.Task[None]] = {}

    def add(self, identity: str) -> BatchItem:
        """Start the action on `identity` (once: a charger that reconnects keeps its item)."""
        item = self.items.get(identity)
        if item is not None:
            return item
        item = self.items[identity] = BatchItem(identity)
        if self.cancelled:
            item.state, item.detail = ItemState.CANCELLED, "not started: the batch was cancelled"
            return item
        self._tasks[identity] = asyncio.ensure_future(self._run(item))
        return item

    def refuse(self, identity: str, why: str) -> BatchItem:
        """List `identity` in the batch without running the action on it (not connected)."""
        item = self.items.get(identity)
        if item is None:
            item = self.items[identity] = BatchItem(identity, ItemState.FAILED, why)
        return item

    def changed(self, item: BatchItem) -> None:
        try:
            self.on_change(item)
        except Exception:  # a display callback must not end a charger's action
            log.exception("batch change callback failed")

    async def _run(self, item: BatchItem) -> None:
        item.state = ItemState.RUNNING
        self.changed(item)
        try:
            await self.action(item)
        except BatchFailed as exc:
            item.state, item.detail = ItemState.FAILED, str(exc)
        except asyncio.CancelledError:
            item.state = ItemState.CANCELLED
            item.detail = item.note or "cancelled"
        except Exception as exc:  # a bug in an action must still end this charger cleanly
            item.state, item.detail = ItemState.FAILED, f"{type(exc).__name__}: {exc}"
        else:
            item.state = ItemState.PASSED
        finally:
            item.changing = None
            if item.state is ItemState.PASSED:
                item.progress = 1.0
            self.changed(item)

    @property
    def finished(self) -> bool:
        return all(item.state.finished for item in self.items.values())

    @property
    def fraction(self) -> float:
        """How far the batch is, 0..1 (a charger's own progress counts in part)."""
        if not self.items:
            return 0.0
        done = sum(
            1.0 if item.state.finished else (item.progress or 0.0) * 0.99
            for item in self.items.values()
        )
        return done / len(self.items)

    def count(self, state: ItemState) -> int:
        return sum(1 for item in self.items.values() if item.state is state)

    async def wait(self) -> None:
        """Until every charger's action has ended (passed, failed or cancelled)."""
        while True:
            tasks = [task for task in self._tasks.values() if not task.done()]
            if not tasks:
                return
            await asyncio.wait(tasks)

    def cancel(self, why: str = "cancelled") -> list[str]:
        """Stop every charger's action; returns what each was left in the middle of.

        A charger is never told to stop a download or an installation it has begun: the
        note says so, so nobody leaves believing nothing happened.
        """
        self.cancelled = True
        notes: list[str] = []
        for identity, item in self.items.items():
            if item.state.finished:
                continue
            if item.state is ItemState.QUEUED or item.changing is None:
                item.note = f"{why}: nothing was being changed"
            else:
                changing = item.changing
                if changing == "firmware update":
                    changing = _firmware_phase(self.hub, identity)
                item.note = (
                    f"{identity}: {changing} in progress when {why} — "
                    "the charger was not told to stop"
                )
                notes.append(item.note)
            task = self._tasks.get(identity)
            if task is not None and not task.done():
                task.cancel()
            else:
                item.state, item.detail = ItemState.CANCELLED, item.note
        self.notes += notes
        return notes
