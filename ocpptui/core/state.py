"""What ocpp-tui knows about a charger, built from the frames it sent (version-neutral)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ocpptui.core.configuration_keys import ConfigurationTable
from ocpptui.core.device_model_variables import DeviceModel
from ocpptui.protocol.versions import OcppVersion

if TYPE_CHECKING:
    from ocpptui.core.config_reads import ConfigurationRead


@dataclass(slots=True)
class SampledValue:
    value: str
    unit: str | None
    timestamp: str | None


@dataclass(slots=True)
class ConnectorState:
    """One connector (1.6: connectorId, 0 = the whole charger; 2.x: EVSE + connector)."""

    connector_id: int
    evse_id: int | None = None
    status: str = "Unknown"
    error_code: str | None = None
    info: str | None = None
    updated_wall: float | None = None
    meter: dict[str, SampledValue] = field(default_factory=dict)

    @property
    def label(self) -> str:
        if self.evse_id is None:
            return str(self.connector_id)
        return f"{self.evse_id}/{self.connector_id}"

    @property
    def has_error(self) -> bool:
        return self.status == "Faulted" or self.error_code not in (None, "NoError")


@dataclass(slots=True)
class TransactionState:
    transaction_id: str
    connector_id: int | None
    evse_id: int | None = None
    id_tag: str | None = None
    started: str | None = None
    meter_start_wh: float | None = None
    last_energy_wh: float | None = None
    stopped: str | None = None
    meter_stop_wh: float | None = None
    stop_reason: str | None = None

    @property
    def active(self) -> bool:
        return self.stopped is None


@dataclass(slots=True)
class ChargerState:
    """Boot information, connectors, transactions and the latest of everything the charger said."""

    identity: str
    version: OcppVersion
    vendor: str | None = None
    model: str | None = None
    serial: str | None = None
    firmware: str | None = None
    boot_extra: dict[str, Any] = field(default_factory=dict)
    boot_reason: str | None = None  # 2.x BootReasonEnum
    boot_status: str | None = None  # what we answered: Accepted / Pending / Rejected
    boot_count: int = 0
    boot_wall: float | None = None
    last_heartbeat_wall: float | None = None
    heartbeat_count: int = 0
    last_message_wall: float | None = None
    connectors: dict[tuple[int | None, int], ConnectorState] = field(default_factory=dict)
    transactions: dict[str, TransactionState] = field(default_factory=dict)
    firmware_status: str | None = None
    diagnostics_status: str | None = None
    log_status: str | None = None
    security_events: list[tuple[str, str]] = field(default_factory=list)
    data_transfers: int = 0
    invalid_calls: int = 0  # CALLs from the charger that broke their schema
    certificate_status: str | None = None  # the last SignCertificate, in words
    configuration: ConfigurationTable | None = None  # 1.6, once read
    device_model: DeviceModel | None = None  # 2.0.1 / 2.1, once read
    # Every read of the configuration / device model, oldest first, with its kind: the
    # tables above merge every read; only a complete read is a snapshot (core.config_reads).
    configuration_reads: list[ConfigurationRead] = field(default_factory=list)

    def connector(self, connector_id: int, evse_id: int | None = None) -> ConnectorState:
        key = (evse_id, connector_id)
        found = self.connectors.get(key)
        if found is None:
            found = self.connectors[key] = ConnectorState(connector_id, evse_id)
        return found

    @property
    def sorted_connectors(self) -> list[ConnectorState]:
        return [
            self.connectors[k] for k in sorted(self.connectors, key=lambda k: (k[0] or 0, k[1]))
        ]

    @property
    def active_transactions(self) -> list[TransactionState]:
        return [t for t in self.transactions.values() if t.active]

    @property
    def booted(self) -> bool:
        return self.boot_status == "Accepted"
