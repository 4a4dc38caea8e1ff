"""The charger's end of a BLE link: a UART-style GATT service on a bumble device.

This is what a BLE charger would run, built on Google's bumble host stack (an optional
dependency: `pip install 'ocpp-tui[ble-sim]'`). `NusPeripheral` advertises the service
(Nordic UART by default), and each central that connects and subscribes to TX becomes a
`PeripheralLink` (recv/send/close) that the simulator runs over:

* writes to RX are fed to the framing decoder (the central may cut them anywhere);
* `send()` notifies TX in chunks of ATT MTU - 3 bytes, because a longer notification is
  silently truncated by the stack.

The tests join it to a central over a bumble `LocalLink` (virtual controllers, real ATT/GATT
and MTU exchange). `ocpp-tui simulate --ble HCI` runs it on a real controller (a USB dongle:
`usb:0`, a Linux HCI socket: `hci-socket:0`, ...), in the transport syntax of bumble.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from ocpptui.transports.base import TransportClosed, TransportInfo
from ocpptui.transports.ble_link import NUS_RX_UUID, NUS_SERVICE_UUID, NUS_TX_UUID
from ocpptui.transports.framing import FrameCodec
from ocpptui.transports.inbox import FrameInbox

try:
    from bumble import gatt
    from bumble.core import UUID, AdvertisingData
except ImportError:  # pragma: no cover - depends on the optional extra
    gatt = None  # type: ignore[assignment]

if TYPE_CHECKING:
    from bumble.device import Connection, Device

log = logging.getLogger(__name__)

#: What ATT adds to every notification (opcode + handle).
_ATT_NOTIFY_OVERHEAD = 3
_LEGACY_ADV_BYTES = 31


def require_bumble() -> None:
    if gatt is None:
        raise ImportError("the BLE charger simulator needs bumble: pip install 'ocpp-tui[ble-sim]'")


class PeripheralLink:
    """One central's connection, as a link for the simulator (or any frame consumer)."""

    def __init__(self, peripheral: NusPeripheral, connection: Connection) -> None:
        self.peripheral = peripheral
        self.connection = connection
        self.inbox = FrameInbox(peripheral.codec)
        self.closed_locally = False
        self.info = TransportInfo(kind="ble", peer=str(connection.peer_address))
        self.notifications = 0
        self._send_lock = asyncio.Lock()

    @property
    def chunk_size(self) -> int:
        return max(1, self.connection.att_mtu - _ATT_NOTIFY_OVERHEAD)

    def _written(self, data: bytes) -> None:
        self.inbox.feed(data)

    def _gone(self, reason: str) -> None:
        self.inbox.end(reason)

    def set_problem_handler(self, handler: Callable[[Any], None] | None) -> None:
        self.inbox.set_problem_handler(handler)

    async def recv(self) -> str:
        return await self.inbox.get()

    async def send(self, text: str) -> None:
        data = self.peripheral.codec.encode(text)
        async with self._send_lock:
            for start in range(0, len(data), self.chunk_size):
                if self.inbox.ended is not None:
                    raise TransportClosed(self.inbox.ended)
                chunk = data[start : start + self.chunk_size]
                await self.peripheral.device.notify_subscriber(
                    self.connection, self.peripheral.tx, chunk
                )
                self.notifications += 1

    async def close(self, reason: str = "closed by the charger") -> None:
        if self.inbox.ended is None:
            self.closed_locally = True
            self.inbox.end(reason)
            try:
                async with asyncio.timeout(5.0):
                    await self.connection.disconnect()
            except Exception as exc:  # already disconnected
                log.debug("peripheral disconnect: %r", exc)


class NusPeripheral:
    """A GATT server with a UART-style service on a bumble `Device`."""

    def __init__(
        self,
        device: Device,
        codec: FrameCodec,
        *,
        service_uuid: str = NUS_SERVICE_UUID,
        rx_uuid: str = NUS_RX_UUID,
        tx_uuid: str = NUS_TX_UUID,
        rx_without_response: bool = True,
    ) -> None:
        require_bumble()
        self.device = device
        self.codec = codec
        self.service_uuid = service_uuid
        rx_properties = gatt.Characteristic.Properties.WRITE
        if rx_without_response:
            rx_properties |= gatt.Characteristic.Properties.WRITE_WITHOUT_RESPONSE
        self.rx = gatt.Characteristic(
            rx_uuid,
            rx_properties,
            gatt.Characteristic.WRITEABLE,
            gatt.CharacteristicValue(write=self._on_write),
        )
        self.tx = gatt.Characteristic(
            tx_uuid, gatt.Characteristic.Properties.NOTIFY, gatt.Characteristic.READABLE, b""
        )
        device.add_service(gatt.Service(service_uuid, [self.rx, self.tx]))
        self._links: dict[int, PeripheralLink] = {}
        self._ready: asyncio.Queue[PeripheralLink] = asyncio.Queue()
        self.tx.on("subscription", self._on_subscription)
        device.on("connection", self._on_connection)

    async def start(self, name: str | None = None) -> None:
        """Power on and advertise the service (the name goes in the scan response)."""
        if name:
            self.device.name = name
        name_bytes = self.device.name.encode()
        structures = [
            (AdvertisingData.FLAGS, bytes([0x06])),  # LE general discoverable, no BR/EDR
            (
                AdvertisingData.COMPLETE_LIST_OF_128_BIT_SERVICE_CLASS_UUIDS,
                UUID(self.service_uuid).to_bytes(force_128=True),
            ),
        ]
        # 31 bytes of advertising data: flags (3) and the 128-bit UUID (18) leave 8 for a name;
        # a longer one is shortened there and given whole in the scan response.
        room = _LEGACY_ADV_BYTES - 3 - 18 - 2
        if len(name_bytes) <= room:
            structures.append((AdvertisingData.COMPLETE_LOCAL_NAME, name_bytes))
        else:
            short = name_bytes[:room].decode("utf-8", errors="ignore").encode()
            structures.append((AdvertisingData.SHORTENED_LOCAL_NAME, short))
        self.device.advertising_data = bytes(AdvertisingData(structures))
        self.device.scan_response_data = bytes(
            AdvertisingData([(AdvertisingData.COMPLETE_LOCAL_NAME, name_bytes[:29])])
        )
        await self.device.power_on()
        await self.device.start_advertising(auto_restart=True, advertising_interval_min=20.0)

    def _on_connection(self, connection: Connection) -> None:
        link = PeripheralLink(self, connection)
        self._links[connection.handle] = link
        connection.on(
            "disconnection",
            lambda reason: self._on_disconnection(connection, reason),
        )

    def _on_disconnection(self, connection: Connection, reason: int) -> None:
        link = self._links.pop(connection.handle, None)
        if link is not None:
            link._gone(f"central disconnected (HCI reason 0x{reason:02X})")

    def _on_subscription(self, connection: Connection, notify: bool, indicate: bool) -> None:
        link = self._links.get(connection.handle)
        if link is not None and notify:
            # A link is ready once the central listens: before that, answers would be lost.
            self._ready.put_nowait(link)

    def _on_write(self, connection: Connection, value: bytes) -> None:
        link = self._links.get(connection.handle)
        if link is not None:
            link._written(bytes(value))

    async def accept(self, timeout: float | None = None) -> PeripheralLink:
        """Wait for the next central that connects and subscribes to TX.

        Raises TimeoutError after `timeout` seconds (None: wait for ever).
        """
        async with asyncio.timeout(timeout):
            while True:
                link = await self._ready.get()
                if link.inbox.ended is None:
                    return link

    def link_factory(self, wait: float = 5.0) -> Callable[[], Awaitable[PeripheralLink]]:
        """For `SimulatedCharger(link_factory=...)`: each call waits up to `wait` seconds for
        a central (bounded, so the simulator's loop stays stoppable; it retries)."""

        async def accept_link() -> PeripheralLink:
            try:
                return await self.accept(wait)
            except TimeoutError:
                raise OSError(f"no BLE central connected within {wait:g} s") from None

        return accept_link


async def open_hci_device(transport_spec: str, name: str) -> tuple[Device, Any]:
    """A bumble device on a real controller (`usb:0`, `hci-socket:0`, `serial:/dev/ttyX`).

    Returns the device and the bumble transport (close it when done).
    """
    require_bumble()
    from bumble.device import Device
    from bumble.hci import Address
    from bumble.transport import open_transport

    transport = await open_transport(transport_spec)
    device = Device.with_hci(name, Address("F0:F1:F2:F3:F4:F5"), transport.source, transport.sink)
    return device, transport
