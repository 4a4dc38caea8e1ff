"""What the site board does to many chargers at once, each a `BatchAction` of `site_run`.

Each action is the single-charger service the rest of ocpp-tui uses (the configuration
read of a report, `profiles.apply_profile`, `commands.trigger_message`, Reset, a playbook
run); the firmware action takes the transfer as a callable, so the TUI can run it through
its own `FileTransfers` (the charger's firmware screen then shows the same upgrade).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from ocpptui.core.commands import trigger_message
from ocpptui.core.session import CallFailed, Session
from ocpptui.services.config_snapshot import read_for_report
from ocpptui.services.profiles import ProfileError, apply_profile
from ocpptui.services.site_batch import (
    BatchAction,
    BatchFailed,
    BatchItem,
    TransferSlots,
)
from ocpptui.services.site_run import Outcome, Site
from ocpptui.wording import counted

#: Runs the firmware upgrade of the item's charger from `path` to its verdict and returns
#: (ok, summary); it may set the item's `progress` as the download advances.
FirmwareRunner = Callable[[BatchItem, Path], Awaitable[tuple[bool, str]]]


def _session(site: Site, identity: str) -> Session:
    session = site.hub.session_for(identity)
    if session is None or not session.connected:
        raise BatchFailed("not connected")
    return session


def read_configuration_action(site: Site) -> BatchAction:
    """Read the whole configuration (1.6) or device model (2.x)."""

    async def read(item: BatchItem) -> None:
        session = _session(site, item.identity)

        def progress(step: str) -> None:
            item.detail = step

        try:
            problem = await read_for_report(session, progress)
        except CallFailed as exc:
            raise BatchFailed(str(exc)) from None
        if problem is not None:
            raise BatchFailed(problem)
        item.detail = "configuration read"

    return read


def apply_profile_action(site: Site) -> BatchAction:
    """Apply each charger's own profile from the sheet (send what differs, read back)."""

    async def apply(item: BatchItem) -> None:
        record = site.records[item.identity]
        profile = site.sheet.profile_for(record.sheet)
        if profile is None:
            item.detail = "nothing to do: the sheet gives it no profile"
            return
        session = _session(site, item.identity)
        item.changing = "configuration change (profile)"
        try:
            report = await apply_profile(session, profile)
        except (CallFailed, ProfileError) as exc:
            record.profile = Outcome(False, str(exc))
            raise BatchFailed(f"profile {profile.name}: {exc}") from None
        item.result = {
            line.key: {"status": line.status, "before": line.before, "after": line.after}
            for line in report.lines
        }
        failed = [line for line in report.lines if not line.ok]
        if failed:
            shown = ", ".join(f"{line.key}: {line.status}" for line in failed[:3])
            more = f" (+{len(failed) - 3})" if len(failed) > 3 else ""
            record.profile = Outcome(False, f"not applied: {shown}{more}")
            raise BatchFailed(f"profile {profile.name}: {shown}{more}")
        reboot = " (reboot required)" if report.reboot_required else ""
        record.profile = Outcome(True, f"applied ({counted(len(report.lines), 'key')} verified)")
        item.detail = f"profile {profile.name} applied{reboot}"

    return apply


def firmware_action(site: Site, slots: TransferSlots, run_firmware: FirmwareRunner) -> BatchAction:
    """Install each charger's sheet firmware (skipped when it already runs its target),
    at most `slots.limit` downloading at once."""

    async def update(item: BatchItem) -> None:
        record = site.records[item.identity]
        sheet = record.sheet
        now = site.firmware_now(item.identity)
        if sheet.target_firmware is not None and now == sheet.target_firmware:
            record.firmware = Outcome(True, f"already on {sheet.target_firmware}")
            item.detail = record.firmware.text
            return
        if sheet.firmware is None:
            item.detail = "nothing to do: the sheet gives it no firmware image"
            return
        _session(site, item.identity)
        item.detail = "waiting for a transfer slot"

        async with slots.hold(item.identity):
            item.changing = "firmware update"
            item.detail = "firmware update"
            ok, summary = await run_firmware(item, sheet.firmware)
        record.firmware = Outcome(ok, summary)
        if not ok:
            raise BatchFailed(summary)
        item.detail = summary

    return update


def trigger_action(site: Site, message: str) -> BatchAction:
    """TriggerMessage, waiting for the charger to send what was asked for."""

    async def trigger(item: BatchItem) -> None:
        session = _session(site, item.identity)
        try:
            result = await trigger_message(session, message, wait=True, timeout=15)
        except CallFailed as exc:
            raise BatchFailed(str(exc)) from None
        if result.outcome.status != "Accepted":
            raise BatchFailed(f"TriggerMessage answered {result.outcome.status}")
        if result.arrived is None:
            raise BatchFailed(f"accepted, but no {message} came within 15 s")
        item.detail = f"{message} arrived"

    return trigger


def reset_action(site: Site) -> BatchAction:
    """Reset (Soft on 1.6, Immediate on 2.x); the charger reboots on its own after."""

    async def reset(item: BatchItem) -> None:
        session = _session(site, item.identity)
        kind = "Immediate" if session.version.is_2x else "Soft"
        item.changing = "reset"
        try:
            outcome = await session.call_raw("Reset", {"type": kind})
        except CallFailed as exc:
            raise BatchFailed(str(exc)) from None
        if outcome.status not in ("Accepted", "Scheduled"):
            raise BatchFailed(f"Reset answered {outcome.status}")
        item.detail = f"{kind} reset {outcome.status.lower()}: the charger reboots"

    return reset
