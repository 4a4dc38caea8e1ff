"""Settings of a simulated charger."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from ocpptui.sim.quirks import QUIRKS, check_quirks

OCPP16: Final = "ocpp1.6"
OCPP201: Final = "ocpp2.0.1"
OCPP21: Final = "ocpp2.1"
SUPPORTED_PROTOCOLS: Final = (OCPP16, OCPP201, OCPP21)
FIRMWARE_FAILURES: Final = ("download", "signature", "verification", "install")
UPLOAD_FAILURES: Final = ("upload", "permission")
FILE_TRANSFER_PROTOCOLS: Final = ("FTP", "FTPS", "HTTP", "HTTPS", "SFTP")

# The tightest identity-field limits of the versions (1.6 BootNotification allows 20 characters
# for vendor and model and 25 for serial numbers; 2.0.1 and 2.1 allow 20 for the model), so one
# set of options is valid whichever protocol the charger speaks.
_FIELD_LIMITS: Final = {"vendor": 20, "model": 20, "serial": 25, "firmware": 50}


@dataclass(frozen=True, slots=True)
class SimulatorOptions:
    """How a simulated charger identifies itself and behaves.

    Intervals coming from the protocol (HeartbeatInterval, MeterValueSampleInterval, the boot
    retry interval, ...) are divided by `speedup`, so a demo or a test can run a charger's day in
    minutes; the meter integrates power over the same accelerated time, so energy stays
    consistent with the reported power.
    """

    protocol: str = OCPP16
    # The identity is the last path segment of the URL; set it only with a custom link factory.
    identity: str | None = None
    vendor: str = "ocpp-tui"
    model: str = "SimCharger-22"
    serial: str = "SIM-000001"
    firmware: str = "1.4.2"
    # 1.6: connectors 1..N; 2.0.1/2.1: EVSEs 1..N with one connector each.
    connectors: int = 2
    # Default for MeterValueSampleInterval (1.6) / SampledDataCtrlr.TxUpdatedInterval (2.0.1).
    meter_interval: int | None = None
    # Default HeartbeatInterval until the CSMS sets one in its BootNotification answer.
    heartbeat_interval: int = 300
    auto_transaction: bool = False
    auto_id_tag: str = "DEMO-TAG"
    # Hardware limits of each connector, used by the meter.
    phases: int = 3
    max_current_a: float = 32.0
    nominal_voltage_v: float = 230.0
    # DataTransfer requests with this vendorId are accepted; others get UnknownVendorId.
    data_transfer_vendor_id: str = "ocpp-tui"
    # Minimum wait between BootNotification attempts after Pending/Rejected or a failed boot.
    boot_retry_floor: float = 1.0
    # (first, max) seconds between reconnect attempts; doubles after each failure.
    reconnect_backoff: tuple[float, float] = (0.5, 10.0)
    # Seconds a Reset keeps the charger offline before it reconnects, as a real reboot does.
    reboot_delay: float = 1.0
    # Seconds to wait for the CSMS to answer a call (the ocpp library's response_timeout).
    response_timeout: float = 30.0
    speedup: float = 1.0
    # How many reportData entries each NotifyReport part carries (small: real chargers split).
    report_chunk_size: int = 10
    # --- file transfers (firmware downloads, diagnostics/log uploads) -------------------------
    # Retries when a request does not say (attempts = retries + 1), and the seconds between
    # attempts when it gives no retryInterval (protocol seconds, scaled by speedup).
    transfer_retries: int = 1
    transfer_retry_interval: int = 30
    # Real seconds to wait for a connection or for the next data block (not for the whole file).
    transfer_timeout: float = 30.0
    # Verify the certificate of an https:// file server (off for a self-signed laptop server).
    transfer_tls_verify: bool = True
    # Protocol seconds the simulated installation takes (scaled by speedup).
    firmware_install_seconds: float = 10.0
    # Real seconds between the accepted boot after a firmware update and the Installed status
    # (2.x, and 1.6 with the installed-after-boot quirk): chargers report it a moment later.
    post_boot_status_delay: float = 0.3
    # Protocol seconds between repeats of the last firmware/log status (repeated-statuses
    # quirk; scaled by speedup). Some chargers repeat it every 10 s, also when idle.
    status_repeat_interval: float = 10.0
    # Failure injection (the old firmware version stays and nothing reboots after a failure).
    # firmware_failure: "download" (each attempt fails after the real download: DownloadFailed),
    # "signature" (InvalidSignature when a signature is given), "verification" (the image is
    # refused: InstallVerificationFailed in 2.0.1/signed updates, InstallationFailed in 1.6),
    # "install" (InstallationFailed). upload_failure: "upload" (every attempt fails without
    # reaching the server: UploadFailed/UploadFailure), "permission" (PermissionDenied in
    # GetLog, UploadFailed in GetDiagnostics).
    firmware_failure: str | None = None
    upload_failure: str | None = None
    # What SupportedFileTransferProtocols (1.6) / OCPPCommCtrlr.FileTransferProtocols (2.0.1)
    # report: a comma-separated list of FTP, FTPS, HTTP, HTTPS, SFTP.
    file_transfer_protocols: str = "FTP,HTTP"
    # Ways real chargers break the specification, by name (`ocpptui.sim.quirks.QUIRKS`); a
    # set, list or tuple of names is kept as a frozenset.
    quirks: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if self.protocol not in SUPPORTED_PROTOCOLS:
            supported = ", ".join(SUPPORTED_PROTOCOLS)
            raise ValueError(f"protocol {self.protocol!r} is not simulated (use {supported})")
        # Frozen: normalised in place, once.
        object.__setattr__(self, "quirks", frozenset(self.quirks))
        check_quirks(self.quirks, self.protocol)
        for field_name, limit in _FIELD_LIMITS.items():
            value = getattr(self, field_name)
            if not value or len(value) > limit:
                raise ValueError(f"{field_name} must be 1..{limit} characters, got {value!r}")
        if self.identity is not None and (not self.identity or ":" in self.identity):
            raise ValueError(f"identity must be non-empty and without ':', got {self.identity!r}")
        if not 1 <= self.connectors <= 16:
            raise ValueError(f"connectors must be 1..16, got {self.connectors}")
        if self.phases not in (1, 3):
            raise ValueError(f"phases must be 1 or 3, got {self.phases}")
        if self.meter_interval is not None and self.meter_interval < 0:
            raise ValueError("meter_interval must be >= 0 (0 disables periodic meter values)")
        if self.heartbeat_interval < 1:
            raise ValueError("heartbeat_interval must be >= 1 second")
        if self.speedup <= 0:
            raise ValueError("speedup must be > 0")
        first, most = self.reconnect_backoff
        if first <= 0 or most < first:
            raise ValueError("reconnect_backoff must be (first > 0, max >= first)")
        for name in ("boot_retry_floor", "response_timeout"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be > 0")
        if self.reboot_delay < 0:
            raise ValueError("reboot_delay must be >= 0")
        if self.report_chunk_size < 1:
            raise ValueError("report_chunk_size must be >= 1")
        if not 1 <= len(self.auto_id_tag) <= 20:
            raise ValueError("auto_id_tag must be 1..20 characters")
        if self.transfer_retries < 0 or self.transfer_retry_interval < 0:
            raise ValueError("transfer_retries and transfer_retry_interval must be >= 0")
        if self.transfer_timeout <= 0:
            raise ValueError("transfer_timeout must be > 0")
        if self.firmware_install_seconds < 0:
            raise ValueError("firmware_install_seconds must be >= 0")
        if self.post_boot_status_delay < 0:
            raise ValueError("post_boot_status_delay must be >= 0")
        if self.status_repeat_interval <= 0:
            raise ValueError("status_repeat_interval must be > 0")
        if self.firmware_failure not in (None, *FIRMWARE_FAILURES):
            raise ValueError(
                f"firmware_failure must be one of {', '.join(FIRMWARE_FAILURES)} or None, "
                f"got {self.firmware_failure!r}"
            )
        if self.upload_failure not in (None, *UPLOAD_FAILURES):
            raise ValueError(
                f"upload_failure must be one of {', '.join(UPLOAD_FAILURES)} or None, "
                f"got {self.upload_failure!r}"
            )
        protocols = [p.strip().upper() for p in self.file_transfer_protocols.split(",")]
        if not all(p in FILE_TRANSFER_PROTOCOLS for p in protocols):
            raise ValueError(
                f"file_transfer_protocols must list some of {', '.join(FILE_TRANSFER_PROTOCOLS)}, "
                f"got {self.file_transfer_protocols!r}"
            )
        object.__setattr__(self, "file_transfer_protocols", ",".join(protocols))

    def has_quirk(self, name: str) -> bool:
        """True when the quirk `name` is switched on (a typo raises instead of hiding)."""
        if name not in QUIRKS:
            raise KeyError(f"no quirk {name!r}")
        return name in self.quirks

    @property
    def is_v16(self) -> bool:
        return self.protocol == OCPP16

    def scaled(self, protocol_seconds: float) -> float:
        """Real seconds to wait for an interval the protocol expresses in charger seconds."""
        return protocol_seconds / self.speedup
