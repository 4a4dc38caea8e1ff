"""bleak custom backends over a bumble central: real ATT/GATT without Bluetooth hardware.

`BleakClient(..., backend=...)` and `BleakScanner(..., backend=...)` accept any
`BaseBleakClient` / `BaseBleakScanner`. These two drive a bumble `Device` (the laptop's
central) on a `LocalLink` of virtual controllers, so `ocpptui.transports.ble_link` runs
unchanged: it resolves services and characteristics the way bleak shows them, reads
`max_write_without_response_size` from the negotiated ATT MTU, and gets notifications as
bleak delivers them. The bumble stack underneath does the real work: connection, MTU
exchange, service discovery, CCCD subscription, write commands and requests, notifications
truncated to MTU - 3 (which is why both ends must chunk).
"""

from __future__ import annotations

import asyncio
from typing import Any

from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.backends.client import BaseBleakClient, NotifyCallback
from bleak.backends.descriptor import BleakGATTDescriptor
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData, BaseBleakScanner
from bleak.backends.service import BleakGATTService, BleakGATTServiceCollection
from bleak.exc import BleakError
from bumble.core import AdvertisingData
from bumble.device import Connection, Device, Peer
from bumble.gatt import Characteristic
from bumble.hci import Address

# bumble property flags → the names bleak uses.
_PROPERTY_NAMES = {
    Characteristic.Properties.BROADCAST: "broadcast",
    Characteristic.Properties.READ: "read",
    Characteristic.Properties.WRITE_WITHOUT_RESPONSE: "write-without-response",
    Characteristic.Properties.WRITE: "write",
    Characteristic.Properties.NOTIFY: "notify",
    Characteristic.Properties.INDICATE: "indicate",
}


def _uuid_text(uuid: Any) -> str:
    """bleak's form of a UUID: lower-case 128-bit text."""
    return str(uuid.to_hex_str("-") if hasattr(uuid, "to_hex_str") else uuid).lower()


def bumble_backends(
    central: Device, *, request_mtu: int | None = None
) -> tuple[type[BaseBleakClient], type[BaseBleakScanner]]:
    """bleak backend classes bound to `central` (bleak instantiates them itself).

    `request_mtu=None` keeps the default ATT MTU of 23 (20-byte writes and notifications), as
    a peripheral that never exchanges MTUs (or BlueZ < 5.62) gives.
    """

    class BumbleBleakClient(BaseBleakClient):
        def __init__(self, address_or_ble_device: BLEDevice | str, **kwargs: Any) -> None:
            super().__init__(
                address_or_ble_device,
                disconnected_callback=kwargs.get("disconnected_callback"),
                timeout=kwargs.get("timeout", 10.0),
            )
            self._connection: Connection | None = None
            self._peer: Peer | None = None
            self._disconnecting = False

        @property
        def name(self) -> str:
            return self.address

        @property
        def mtu_size(self) -> int:
            return self._connection.att_mtu if self._connection is not None else 23

        @property
        def is_connected(self) -> bool:
            return self._connection is not None

        async def connect(self, pair: bool, **kwargs: Any) -> None:
            async with asyncio.timeout(self._timeout):
                connection = await central.connect(Address(self.address))
            self._connection = connection
            connection.on("disconnection", self._on_disconnection)
            peer = self._peer = Peer(connection)
            if request_mtu is not None:
                await peer.request_mtu(request_mtu)
            await peer.discover_services()
            services = BleakGATTServiceCollection()
            for service_proxy in peer.services:
                await peer.discover_characteristics(service=service_proxy)
                service = BleakGATTService(
                    service_proxy, service_proxy.handle, _uuid_text(service_proxy.uuid)
                )
                services.add_service(service)
                for proxy in service_proxy.characteristics:
                    await peer.discover_descriptors(characteristic=proxy)
                    properties = [
                        name for flag, name in _PROPERTY_NAMES.items() if proxy.properties & flag
                    ]
                    characteristic = BleakGATTCharacteristic(
                        proxy,
                        proxy.handle,
                        _uuid_text(proxy.uuid),
                        properties,  # type: ignore[arg-type]
                        lambda: self.mtu_size - 3,
                        service,
                    )
                    services.add_characteristic(characteristic)  # adds it to its service too
                    for descriptor_proxy in proxy.descriptors:
                        descriptor = BleakGATTDescriptor(
                            descriptor_proxy,
                            descriptor_proxy.handle,
                            _uuid_text(descriptor_proxy.type),
                            characteristic,
                        )
                        services.add_descriptor(descriptor)
            self.services = services

        def _on_disconnection(self, reason: int) -> None:
            self._connection = None
            self._peer = None
            if not self._disconnecting and self._disconnected_callback is not None:
                self._disconnected_callback()

        async def disconnect(self) -> None:
            connection = self._connection
            if connection is None:
                return
            self._disconnecting = True
            await connection.disconnect()

        async def pair(self, *args: Any, **kwargs: Any) -> None:
            raise NotImplementedError

        async def unpair(self) -> None:
            raise NotImplementedError

        def _require_peer(self) -> Peer:
            if self._peer is None:
                raise BleakError("Not connected")
            return self._peer

        async def read_gatt_char(
            self, characteristic: BleakGATTCharacteristic, **kwargs: Any
        ) -> bytearray:
            return bytearray(await self._require_peer().read_value(characteristic.obj))

        async def read_gatt_descriptor(
            self, descriptor: BleakGATTDescriptor, **kwargs: Any
        ) -> bytearray:
            return bytearray(await self._require_peer().read_value(descriptor.handle))

        async def write_gatt_char(
            self, characteristic: BleakGATTCharacteristic, data: Any, response: bool
        ) -> None:
            data = bytes(data)
            if not response and len(data) > characteristic.max_write_without_response_size:
                # A real stack refuses (or truncates) a command longer than MTU - 3.
                raise BleakError(
                    f"{len(data)} bytes exceed max_write_without_response_size "
                    f"{characteristic.max_write_without_response_size}"
                )
            await self._require_peer().write_value(characteristic.obj, data, with_response=response)

        async def write_gatt_descriptor(self, descriptor: BleakGATTDescriptor, data: Any) -> None:
            await self._require_peer().write_value(descriptor.handle, bytes(data), True)

        async def start_notify(
            self, characteristic: BleakGATTCharacteristic, callback: NotifyCallback, **kwargs: Any
        ) -> None:
            await self._require_peer().subscribe(
                characteristic.obj, lambda value: callback(bytearray(value))
            )

        async def stop_notify(self, characteristic: BleakGATTCharacteristic) -> None:
            await self._require_peer().unsubscribe(characteristic.obj)

    class BumbleBleakScanner(BaseBleakScanner):
        def __init__(
            self,
            detection_callback: Any = None,
            service_uuids: Any = None,
            scanning_mode: str = "active",
            **_: Any,
        ) -> None:
            super().__init__(detection_callback, service_uuids)
            self._active = scanning_mode == "active"

        def _on_advertisement(self, advertisement: Any) -> None:
            data = advertisement.data
            name = data.get(AdvertisingData.COMPLETE_LOCAL_NAME) or data.get(
                AdvertisingData.SHORTENED_LOCAL_NAME
            )
            uuids = data.get(AdvertisingData.COMPLETE_LIST_OF_128_BIT_SERVICE_CLASS_UUIDS) or []
            address = str(advertisement.address).removesuffix("/P")
            key = address
            previous = self.seen_devices.get(key)
            if previous is not None:  # the scan response adds to what the ADV_IND said
                name = name or previous[1].local_name
                uuids = uuids or previous[1].service_uuids
            service_uuids = [_uuid_text(u) for u in uuids]
            adv = AdvertisementData(
                local_name=name,
                manufacturer_data={},
                service_data={},
                service_uuids=service_uuids,
                tx_power=None,
                rssi=advertisement.rssi,
                platform_data=(advertisement,),
            )
            if not self.is_allowed_uuid(service_uuids):
                return
            device = self.create_or_update_device(key, address, name, advertisement, adv)
            self.call_detection_callbacks(device, adv)

        async def start(self) -> None:
            self.seen_devices = {}
            central.on("advertisement", self._on_advertisement)
            await central.start_scanning(active=self._active, filter_duplicates=False)

        async def stop(self) -> None:
            await central.stop_scanning()
            central.remove_listener("advertisement", self._on_advertisement)

    return BumbleBleakClient, BumbleBleakScanner
