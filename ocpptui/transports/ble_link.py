"""Bluetooth LE carrier over bleak: a GATT "UART" service carries the framed OCPP-J bytes.

The laptop is the GATT client (central) and connects; the charger is the peripheral. By
default the Nordic UART Service (NUS): the laptop writes to RX and subscribes to TX
notifications. Service and characteristic UUIDs are settings.

* Writes are cut into chunks of `max_write_without_response_size` (ATT MTU - 3: 20 bytes
  until the MTU is raised; on BlueZ < 5.62 always 20). Write-without-response is used when
  RX offers it, otherwise write-with-response.
* Notifications carry arbitrary slices of the byte stream (a frame, a UTF-8 character, a
  length header may be split anywhere), so they go through the framing decoder like serial
  bytes do.
* A disconnect ends the link (`recv()` raises TransportClosed after the frames already
  received); the LinkSupervisor reconnects.

`client_backend` / `scanner_backend` take bleak's custom backends
(`BleakClient(..., backend=...)`), which is how the tests run this module unchanged against
an emulated peripheral.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from bleak import BleakClient, BleakScanner
from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.backends.client import BaseBleakClient
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import BaseBleakScanner
from bleak.exc import BleakError

from ocpptui.transports.base import TransportClosed, TransportInfo
from ocpptui.transports.framing import DEFAULT_MAX_FRAME_BYTES, FrameCodec, Framing
from ocpptui.transports.inbox import FrameInbox, ProblemHandler

log = logging.getLogger(__name__)

NUS_SERVICE_UUID = "6e400001-b5a3-f393-e0a9-e50e24dcca9e"
NUS_RX_UUID = "6e400002-b5a3-f393-e0a9-e50e24dcca9e"  # the laptop writes here
NUS_TX_UUID = "6e400003-b5a3-f393-e0a9-e50e24dcca9e"  # the charger notifies here

_ADDRESS = re.compile(r"^(?:[0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}$")
# macOS hides addresses: CoreBluetooth names peripherals by a UUID instead.
_APPLE_ID = re.compile(r"^[0-9A-Fa-f]{8}-(?:[0-9A-Fa-f]{4}-){3}[0-9A-Fa-f]{12}$")


class BleOpenError(OSError):
    """The device cannot be found, connected, or lacks the service; the message says which."""


def explain_ble_error(error: BaseException) -> str:
    """An error from bleak in words, with a hint when no Bluetooth stack could be reached."""
    text = str(error) or type(error).__name__
    if isinstance(error, FileNotFoundError | PermissionError | ConnectionRefusedError) or (
        "org.bluez" in text or "No Bluetooth adapters" in text
    ):
        return (
            f"no usable Bluetooth adapter ({text}); on Linux bluetoothd and the system D-Bus "
            "must run and the adapter be powered (bluetoothctl power on)"
        )
    return text


def is_address(target: str) -> bool:
    """True for a Bluetooth address (or a macOS peripheral UUID), False for a device name."""
    return bool(_ADDRESS.match(target) or _APPLE_ID.match(target))


def identity_for_device(target: str) -> str:
    """A charger identity from an address (`BLE-AABBCCDDEEFF`) or a device name."""
    if _ADDRESS.match(target):
        return "BLE-" + re.sub(r"[:-]", "", target).upper()
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "-", target).strip("-.")
    return (cleaned or "ble")[:48]


@dataclass(frozen=True, slots=True)
class BleSettings:
    """Which device, which GATT service, which framing."""

    target: str  # address (AA:BB:CC:DD:EE:FF, or a macOS UUID) or advertised name
    service_uuid: str = NUS_SERVICE_UUID
    rx_uuid: str = NUS_RX_UUID
    tx_uuid: str = NUS_TX_UUID
    framing: Framing = Framing.NDJSON
    max_frame_bytes: int = DEFAULT_MAX_FRAME_BYTES
    connect_timeout: float = 20.0
    scan_timeout: float = 10.0  # finding a device by name
    pair: bool = False
    client_backend: type[BaseBleakClient] | None = None
    scanner_backend: type[BaseBleakScanner] | None = None

    @property
    def codec(self) -> FrameCodec:
        return FrameCodec(self.framing, self.max_frame_bytes)


def _same_uuid(a: str, b: str) -> bool:
    return a.lower() == b.lower()


class BleTransport:
    """Frames over a GATT write characteristic (RX) and a notify characteristic (TX)."""

    def __init__(self, settings: BleSettings) -> None:
        self.settings = settings
        self.codec = settings.codec
        self.inbox = FrameInbox(self.codec)
        self.closed_locally = False
        self.info = TransportInfo(kind="ble", peer=settings.target)
        self.bytes_sent = 0
        self.bytes_received = 0
        self.writes = 0
        self.notifications = 0
        self._client: BleakClient | None = None
        self._rx: BleakGATTCharacteristic | None = None
        self._with_response = False
        self._write_lock = asyncio.Lock()
        self._closing = False

    # ------------------------------------------------------------------ opening

    @classmethod
    async def open(cls, settings: BleSettings) -> BleTransport:
        """Find and connect the device, check the service, subscribe to TX notifications."""
        transport = cls(settings)
        await transport._connect()
        return transport

    async def _find(self) -> BLEDevice | str:
        settings = self.settings
        if is_address(settings.target):
            return settings.target  # bleak's backends discover an address themselves
        scanner_options: dict[str, Any] = {}
        if settings.scanner_backend is not None:
            scanner_options["backend"] = settings.scanner_backend
        try:
            device = await BleakScanner.find_device_by_name(
                settings.target, timeout=settings.scan_timeout, **scanner_options
            )
        except (BleakError, OSError) as exc:
            reason = explain_ble_error(exc)
            raise BleOpenError(f"cannot scan for {settings.target!r}: {reason}") from None
        if device is None:
            raise BleOpenError(
                f"no BLE device named {settings.target!r} advertised within "
                f"{settings.scan_timeout:g} s (is it powered, in range, not connected elsewhere?)"
            )
        return device

    async def _connect(self) -> None:
        settings = self.settings
        target = await self._find()
        options: dict[str, Any] = {}
        if settings.client_backend is not None:
            options["backend"] = settings.client_backend
        client = BleakClient(
            target,
            disconnected_callback=self._disconnected,
            timeout=settings.connect_timeout,
            pair=settings.pair,
            **options,
        )
        try:
            await client.connect()
        except (BleakError, OSError, TimeoutError) as exc:
            reason = explain_ble_error(exc) if str(exc) else "timed out"
            raise BleOpenError(f"cannot connect to {settings.target}: {reason}") from None
        self._client = client
        try:
            self._rx, tx = self._find_characteristics(client)
            self._with_response = "write-without-response" not in self._rx.properties
            await client.start_notify(tx, self._notified)
        except BaseException:
            await self._disconnect_quietly()
            raise
        self.info = TransportInfo(
            kind="ble",
            peer=client.address,
            extra={
                "framing": settings.framing.value,
                "service": settings.service_uuid,
                "write": "with response" if self._with_response else "without response",
                "chunk": str(self._rx.max_write_without_response_size),
            },
        )
        log.info("BLE %s connected (chunks of %s bytes)", client.address, self.info.extra["chunk"])

    def _find_characteristics(
        self, client: BleakClient
    ) -> tuple[BleakGATTCharacteristic, BleakGATTCharacteristic]:
        settings = self.settings
        service = client.services.get_service(settings.service_uuid)
        if service is None:
            offered = ", ".join(s.uuid for s in client.services) or "none"
            raise BleOpenError(
                f"{settings.target} has no GATT service {settings.service_uuid} "
                f"(it offers: {offered}); set --service/--rx/--tx for its UART service"
            )
        rx = tx = None
        for characteristic in service.characteristics:
            if _same_uuid(characteristic.uuid, settings.rx_uuid):
                rx = characteristic
            if _same_uuid(characteristic.uuid, settings.tx_uuid):
                tx = characteristic
        if rx is None or not {"write", "write-without-response"} & set(rx.properties):
            raise BleOpenError(
                f"{settings.target}: service {settings.service_uuid} has no writable "
                f"characteristic {settings.rx_uuid} (RX)"
            )
        if tx is None or not {"notify", "indicate"} & set(tx.properties):
            raise BleOpenError(
                f"{settings.target}: service {settings.service_uuid} has no notifying "
                f"characteristic {settings.tx_uuid} (TX)"
            )
        return rx, tx

    # ------------------------------------------------------------------ callbacks

    def _notified(self, _characteristic: BleakGATTCharacteristic, data: bytearray) -> None:
        self.notifications += 1
        self.bytes_received += len(data)
        self.inbox.feed(bytes(data))

    def _disconnected(self, _client: BleakClient) -> None:
        if not self._closing:
            log.info("BLE %s disconnected", self.settings.target)
        self.inbox.end("BLE device disconnected" if not self._closing else "closed by ocpp-tui")

    # ------------------------------------------------------------------ Transport

    def set_problem_handler(self, handler: ProblemHandler | None) -> None:
        self.inbox.set_problem_handler(handler)

    @property
    def chunk_size(self) -> int:
        """Bytes per GATT write (read each time: some stacks raise it after connecting)."""
        assert self._rx is not None
        return max(1, self._rx.max_write_without_response_size)

    async def recv(self) -> str:
        return await self.inbox.get()

    async def send(self, text: str) -> None:
        data = self.codec.encode(text)
        async with self._write_lock:  # chunks of two frames must not interleave
            if self.inbox.ended is not None or self._client is None or self._rx is None:
                raise TransportClosed(self.inbox.ended or "BLE link is not connected")
            size = self.chunk_size
            try:
                for start in range(0, len(data), size):
                    chunk = data[start : start + size]
                    await self._client.write_gatt_char(
                        self._rx, chunk, response=self._with_response
                    )
                    self.writes += 1
                    self.bytes_sent += len(chunk)
            except (BleakError, OSError, EOFError) as exc:
                reason = f"BLE write failed: {exc}"
                self.inbox.end(reason)
                await self._disconnect_quietly()
                raise TransportClosed(reason) from None

    async def close(self, reason: str = "closed by ocpp-tui") -> None:
        if not self._closing and self.inbox.ended is None:
            self.closed_locally = True
        self._closing = True
        self.inbox.end(reason)  # before the disconnect callback can name another reason
        await self._disconnect_quietly()

    async def _disconnect_quietly(self) -> None:
        self._closing = True
        client = self._client
        if client is None:
            return
        try:
            async with asyncio.timeout(5.0):
                await client.disconnect()
        except Exception as exc:  # already gone, or the stack refuses: it is closed for us
            log.debug("BLE %s disconnect: %r", self.settings.target, exc)


def ble_link_factory(settings: BleSettings) -> Callable[[], Awaitable[BleTransport]]:
    """Connects a fresh BleTransport per call (the supervisor's opener)."""

    async def open_link() -> BleTransport:
        return await BleTransport.open(settings)

    return open_link


# ------------------------------------------------------------------ discovery


@dataclass(frozen=True, slots=True)
class BleDeviceInfo:
    """One advertising device, as the picker shows it."""

    address: str
    name: str | None
    rssi: int
    service_uuids: tuple[str, ...]
    offers_service: bool  # advertises the wanted service (NUS by default)

    @property
    def label(self) -> str:
        marker = "UART " if self.offers_service else ""
        return f"{self.address}  {self.name or '(no name)'}  {self.rssi} dBm  {marker}".rstrip()


async def scan_ble_devices(
    timeout: float = 5.0,
    *,
    service_uuid: str = NUS_SERVICE_UUID,
    scanner_backend: type[BaseBleakScanner] | None = None,
) -> list[BleDeviceInfo]:
    """Devices advertising within `timeout` s: those offering `service_uuid` first, then by
    signal strength."""
    options: dict[str, Any] = {}
    if scanner_backend is not None:
        options["backend"] = scanner_backend
    found = await BleakScanner.discover(timeout, return_adv=True, **options)
    devices = [
        BleDeviceInfo(
            address=device.address,
            name=advertisement.local_name or device.name,
            rssi=advertisement.rssi,
            service_uuids=tuple(u.lower() for u in advertisement.service_uuids),
            offers_service=any(_same_uuid(u, service_uuid) for u in advertisement.service_uuids),
        )
        for device, advertisement in found.values()
    ]
    return sorted(devices, key=lambda d: (not d.offers_service, -d.rssi, d.name or "", d.address))
