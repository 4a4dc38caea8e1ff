"""Firmware updates of the simulated charger: a real download, a simulated install, a reboot.

One job per update, run by the charger (not by a connection: a download goes on while the
link to the CSMS blips, as on a real charger). The status sequences it reports:

- 1.6 UpdateFirmware (FirmwareStatusNotification):
  Downloading → Downloaded → Installing → Installed, then the reboot onto the new version.
  With the `installed-after-boot` quirk: Downloading → Downloaded → Installing, the reboot,
  then Installed `post_boot_status_delay` seconds after the new boot was accepted.
  Failures: DownloadFailed (after all attempts), InstallationFailed (no reboot, old version).
- 2.0.1 UpdateFirmware (FirmwareStatusNotification with requestId) and 1.6 security-extension
  SignedUpdateFirmware (SignedFirmwareStatusNotification with requestId), following 2.0.1 L01:
  [DownloadScheduled] → Downloading → Downloaded → [SignatureVerified] → [InstallScheduled] →
  Installing → InstallRebooting, the reboot (2.0.1 BootNotification reason FirmwareUpdate),
  then Installed `post_boot_status_delay` seconds after the new boot is accepted — "Installed"
  means running the new image.
  DownloadScheduled when retrieveDateTime is in the future; SignatureVerified when a signature
  was given (always for SignedUpdateFirmware); InstallScheduled while installDateTime is ahead
  or transactions run. Failures: DownloadFailed, InvalidSignature, InstallVerificationFailed
  (the image is not one for this charger), InstallationFailed. A SecurityEventNotification
  follows Installed (FirmwareUpdated, L01.FR.31) and InvalidSignature
  (InvalidFirmwareSignature, L01.FR.03).

Once the charger has rebooted onto the new image the update no longer counts as running: a
new request is accepted even before the late Installed of the previous one is sent (which then
reaches the CSMS after the new request's answer, as on real chargers).

Only the final failure is reported: a failed attempt that will be retried reports nothing,
so the CSMS sees one Downloading and then Downloaded or DownloadFailed. Attempts are
`retries + 1` (1.6 errata: retries=0 means one attempt), `retryInterval` apart (scaled by
`speedup`); without `retries` the charger's `transfer_retries` option decides.

The version the charger boots with after the update comes from the image (`read_image`):
1. a first line `SIMFW version=<version>` (optionally `model=<model>`, which must match);
2. else the last version-looking token (`\\d+(\\.\\d+)+`) of the file name in the URL;
3. else the image is not one for this charger: InstallationFailed (1.6) or
   InstallVerificationFailed (2.0.1/signed), and the old version stays.
No signature is checked cryptographically: a given signature is reported SignatureVerified
unless the failure option `firmware_failure="signature"` is set.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from ocpp.v16 import call as call16
from ocpp.v201 import call as call201

from ocpptui.protocol.timestamps import ocpp_timestamp, parse_utc, utc_now
from ocpptui.sim.aio import raise_if_cancelling
from ocpptui.sim.transfer_client import (
    DownloadedFile,
    TransferError,
    download,
    file_name_of,
    redact,
)

if TYPE_CHECKING:
    from ocpptui.sim.host import ChargerHost

logger = logging.getLogger("ocpptui.sim")

# "v201" is every 2.x UpdateFirmware: 2.1 keeps 2.0.1's request, statuses and notifications
# (its FirmwareStatusNotification only adds an optional statusInfo), and the library sends a
# payload by its class name and fields, checked against the schemas of the connection's version.
Flavour = Literal["v16", "v16-signed", "v201"]

_HEADER = re.compile(rb"^SIMFW((?:[ \t]+[A-Za-z_]+=\S+)+)[ \t]*\r?$")
_VERSION_TOKEN = re.compile(r"\d+(?:\.\d+)+")
_VERSION_TEXT = re.compile(r"^[\x21-\x7e]{1,50}$")
# What a plain 1.6 FirmwareStatusNotification (7 statuses) says for the statuses of a signed
# update, when a plain TriggerMessage asks during one.
_PLAIN_V16 = {
    "DownloadScheduled": "Idle",
    "DownloadPaused": "Downloading",
    "SignatureVerified": "Downloaded",
    "InstallScheduled": "Downloaded",
    "InstallRebooting": "Installing",
    "InvalidSignature": "InstallationFailed",
    "InstallVerificationFailed": "InstallationFailed",
}


@dataclass(frozen=True, slots=True)
class FirmwareRequest:
    """An UpdateFirmware / SignedUpdateFirmware request, the same for every version."""

    flavour: Flavour
    location: str
    retrieve_at: datetime
    install_at: datetime | None = None
    request_id: int | None = None
    signature: str | None = None
    retries: int | None = None
    retry_interval: int | None = None

    @property
    def v16_plain(self) -> bool:
        return self.flavour == "v16"


@dataclass(frozen=True, slots=True)
class FirmwareDownload:
    """What the charger downloaded for its last successful firmware download."""

    url: str
    file_name: str
    size: int
    sha256: str
    attempts: int
    version: str | None
    """The version the image carries (None: not an image for this charger)."""


@dataclass(frozen=True, slots=True)
class ImageInfo:
    version: str | None
    model: str | None = None
    source: str = "none"  # "header", "file name" or "none"


def read_image(head: bytes, file_name: str) -> ImageInfo:
    """The version (and model) an image carries: its SIMFW header, else its file name."""
    first_line = head.split(b"\n", 1)[0]
    match = _HEADER.match(first_line)
    if match is not None:
        fields = dict(item.split(b"=", 1) for item in match.group(1).split() if b"=" in item)
        version = fields.get(b"version", b"").decode("ascii", "replace")
        model = fields.get(b"model")
        if _VERSION_TEXT.match(version):
            return ImageInfo(version, model.decode("ascii", "replace") if model else None, "header")
    tokens = _VERSION_TOKEN.findall(file_name)
    if tokens and len(tokens[-1]) <= 50:
        return ImageInfo(tokens[-1], None, "file name")
    return ImageInfo(None)


def plain_v16_status(status: str) -> str:
    """A status a plain 1.6 FirmwareStatusNotification may carry."""
    return _PLAIN_V16.get(status, status)


def status_payload(flavour: Flavour, status: str, request_id: int | None) -> Any:
    """The FirmwareStatusNotification (or the signed one) the flavour reports with."""
    if flavour == "v16":
        return call16.FirmwareStatusNotification(status=plain_v16_status(status))
    if flavour == "v16-signed":
        return call16.SignedFirmwareStatusNotification(status=status, request_id=request_id)
    return call201.FirmwareStatusNotification(status=status, request_id=request_id)


def security_event_payload(flavour: Flavour, event_type: str) -> Any:
    module = call16 if flavour != "v201" else call201
    return module.SecurityEventNotification(
        type=event_type, timestamp=ocpp_timestamp(), tech_info=None
    )


def attempts_for(retries: int | None, default_retries: int) -> int:
    """How many times to try: retries + 1 (1.6 errata: 0 means try once)."""
    chosen = default_retries if retries is None else retries
    return max(0, chosen) + 1


def firmware_request(
    flavour: Flavour,
    request_id: int,
    firmware: dict[str, Any],
    retries: int | None,
    retry_interval: int | None,
) -> FirmwareRequest:
    """The request of a 1.6 SignedUpdateFirmware or a 2.0.1 UpdateFirmware.

    Both carry the same `firmware` object (location, retrieve/install times, signature).
    """
    return FirmwareRequest(
        flavour=flavour,
        location=firmware["location"],
        retrieve_at=parse_utc(firmware.get("retrieve_date_time")) or utc_now(),
        install_at=parse_utc(firmware.get("install_date_time")),
        request_id=request_id,
        signature=firmware.get("signature"),
        retries=retries,
        retry_interval=retry_interval,
    )


def seconds_until(moment: datetime | None) -> float:
    if moment is None:
        return 0.0
    return (moment - utc_now()).total_seconds()


class FirmwareJob:
    """One firmware update, from the retrieve time to the boot on the new version."""

    def __init__(self, charger: ChargerHost, request: FirmwareRequest) -> None:
        self.charger = charger
        self.request = request
        self.options = charger.options
        self._failure = charger.options.firmware_failure

    async def report(self, status: str) -> None:
        await self.charger.report_firmware_status(self.request, status)

    async def security_event(self, event_type: str) -> None:
        payload = security_event_payload(self.request.flavour, event_type)
        await self.charger.send_when_booted(payload, "security-event")

    async def run(self) -> None:
        request = self.request
        signed_flow = not request.v16_plain
        delay = self.options.scaled(seconds_until(request.retrieve_at))
        if delay > 0:
            if signed_flow:
                await self.report("DownloadScheduled")
            logger.info("%s: firmware download in %.1fs", self.charger.identity, delay)
            await asyncio.sleep(delay)
        await self.report("Downloading")
        temp_path = _new_temp_file()
        try:
            downloaded = await self._download(temp_path)
        finally:
            _remove(temp_path)
        if downloaded is None:
            await self.report("DownloadFailed")
            return
        file, attempts = downloaded
        image = read_image(file.head, file_name_of(request.location))
        self.charger.firmware_downloaded(
            FirmwareDownload(
                url=request.location,
                file_name=file_name_of(request.location),
                size=file.size,
                sha256=file.sha256,
                attempts=attempts,
                version=image.version,
            )
        )
        await self.report("Downloaded")
        if request.signature is not None or request.flavour == "v16-signed":
            if self._failure == "signature":
                await self.report("InvalidSignature")
                await self.security_event("InvalidFirmwareSignature")
                return
            await self.report("SignatureVerified")
        await self._wait_for_install_time()
        usable = image.version is not None and image.model in (None, self.options.model)
        if signed_flow and (not usable or self._failure == "verification"):
            logger.warning("%s: firmware image rejected: %s", self.charger.identity, image)
            await self.report("InstallVerificationFailed")
            return
        await self.report("Installing")
        await asyncio.sleep(self.options.scaled(self.options.firmware_install_seconds))
        if not usable or self._failure in ("install", "verification"):
            logger.warning("%s: firmware installation failed: %s", self.charger.identity, image)
            await self.report("InstallationFailed")
            return
        assert image.version is not None
        installed_after_boot = self.options.has_quirk("installed-after-boot")
        if request.v16_plain and not installed_after_boot:
            await self.report("Installed")
            self.charger.reboot_into_firmware(image.version)
            return
        if not request.v16_plain:
            await self.report("InstallRebooting")
        boots = self.charger.boot_count
        self.charger.reboot_into_firmware(image.version)
        await self.charger.wait_until(lambda c: c.booted and c.boot_count > boots, timeout=None)
        # The new image reports a moment after its boot: by then a CSMS may have sent the next
        # request, which this Installed does not belong to.
        await asyncio.sleep(self.options.post_boot_status_delay)
        await self.report("Installed")
        if not request.v16_plain:
            await self.security_event("FirmwareUpdated")

    async def _download(self, temp_path: Path) -> tuple[DownloadedFile, int] | None:
        request = self.request
        options = self.options
        attempts = attempts_for(request.retries, options.transfer_retries)
        interval = (
            request.retry_interval
            if request.retry_interval is not None
            else options.transfer_retry_interval
        )
        shown = redact(request.location)
        for attempt in range(1, attempts + 1):
            try:
                file = await download(
                    request.location,
                    temp_path,
                    timeout=options.transfer_timeout,
                    tls_verify=options.transfer_tls_verify,
                )
                if options.has_quirk("fetches-twice"):
                    # Fetched again (to verify, or after a restart of the updater): the
                    # second copy is the one installed, so it must still be offered.
                    file = await download(
                        request.location,
                        temp_path,
                        timeout=options.transfer_timeout,
                        tls_verify=options.transfer_tls_verify,
                    )
                if self._failure == "download":
                    raise TransferError("download failed (firmware_failure='download')")
            except TransferError as error:
                raise_if_cancelling()
                logger.warning(
                    "%s: firmware download %d/%d from %s failed: %s",
                    self.charger.identity,
                    attempt,
                    attempts,
                    shown,
                    error,
                )
                if not error.retryable or attempt == attempts:
                    return None
                await asyncio.sleep(options.scaled(max(0, interval)))
                continue
            logger.info(
                "%s: firmware downloaded from %s: %d bytes, sha256 %s",
                self.charger.identity,
                shown,
                file.size,
                file.sha256,
            )
            return file, attempt
        return None

    async def _wait_for_install_time(self) -> None:
        """InstallScheduled while installDateTime is ahead or transactions run (2.0.1 L01)."""
        request = self.request
        delay = self.options.scaled(seconds_until(request.install_at))
        busy = bool(self.charger.transactions)
        if not (delay > 0 or busy):
            return
        if not request.v16_plain:
            await self.report("InstallScheduled")
        if delay > 0:
            await asyncio.sleep(delay)
        await self.charger.wait_until(lambda c: not c.transactions, timeout=None)


def _new_temp_file() -> Path:
    # The image only lives until it is "installed": the simulator keeps its hash, not its bytes.
    fd, name = tempfile.mkstemp(prefix="ocpptui-sim-fw-", suffix=".bin")
    os.close(fd)
    return Path(name)


def _remove(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()
