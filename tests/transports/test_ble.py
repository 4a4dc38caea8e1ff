"""BLE links against an emulated peripheral on a real Bluetooth host stack, without hardware.

Why this approach. bleak accepts a custom client backend (`BleakClient(..., backend=...)`),
so `ocpptui.transports.ble_link` runs unchanged; only the thing under bleak is swapped. Two
options were weighed:

* a small emulated backend of our own: fast, but it would model ATT only as far as we
  remember to (MTU, truncated notifications, write commands vs requests, CCCD
  subscriptions, disconnect events), so it would mostly test our assumptions;
* Google's bumble: a full host stack; two devices on virtual controllers joined by a
  `LocalLink` exchange real HCI/L2CAP/ATT packets, so connection set-up, MTU exchange,
  service discovery, notification truncation at MTU - 3 and disconnection are the stack's
  behaviour, not ours. A thin `BaseBleakClient` over a bumble central
  (`tests/transports/bumble_bleak.py`) is all the glue.

bumble wins on fidelity, runs in-process in well under a second, and needs neither BlueZ,
D-Bus nor `/dev/vhci`. The peripheral is `ocpptui.transports.ble_peripheral.NusPeripheral`,
the same code `ocpp-tui simulate --ble` runs on a real controller, with the simulator behind
it. Nothing in our BLE transport is faked.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

pytest.importorskip("bumble")

from bumble.controller import Controller
from bumble.device import Device
from bumble.hci import Address
from bumble.host import Host
from bumble.link import LocalLink
from bumble.transport.common import AsyncPipeSink

from ocpptui.core.commands import connector_status, trigger_message
from ocpptui.core.configuration import change_configuration
from ocpptui.core.hub import Hub
from ocpptui.core.link_supervisor import LinkOpenFailed, LinkState, ble_supervisor
from ocpptui.sim import SimulatedCharger, SimulatorOptions
from ocpptui.transports.ble_link import (
    NUS_SERVICE_UUID,
    BleSettings,
    BleTransport,
    identity_for_device,
    scan_ble_devices,
)
from ocpptui.transports.ble_peripheral import NusPeripheral
from ocpptui.transports.framing import FrameCodec, Framing
from tests.helpers import FAST_SIM, wait_for
from tests.transports.bumble_bleak import bumble_backends

pytestmark = pytest.mark.timeout(20)

LAPTOP = "F0:F0:F0:F0:F0:F0"
CHARGER = "F1:F1:F1:F1:F1:F1"
OTHER = "F2:F2:F2:F2:F2:F2"


def virtual_device(link: LocalLink, address: str, name: str) -> Device:
    controller = Controller(name, link=link, public_address=address)
    host = Host(controller, AsyncPipeSink(controller))
    return Device(name=name, address=Address(address), host=host)


class Air:
    """A laptop central and a charger peripheral on one virtual radio."""

    def __init__(self) -> None:
        self.link = LocalLink()
        self.laptop = virtual_device(self.link, LAPTOP, "laptop")
        self.charger_device = virtual_device(self.link, CHARGER, "EVSE-BLE")
        self.peripheral: NusPeripheral | None = None
        self.running: list[tuple[SimulatedCharger, asyncio.Task[None]]] = []

    async def start(self, framing: Framing = Framing.NDJSON, **peripheral_options: Any) -> None:
        await self.laptop.power_on()
        self.peripheral = NusPeripheral(
            self.charger_device, FrameCodec(framing), **peripheral_options
        )
        await self.peripheral.start()

    def settings(self, target: str = CHARGER, *, mtu: int | None = None, **options: Any):
        client, scanner = bumble_backends(self.laptop, request_mtu=mtu)
        return BleSettings(target, client_backend=client, scanner_backend=scanner, **options)

    async def simulator(self, protocol: str = "ocpp1.6") -> SimulatedCharger:
        assert self.peripheral is not None
        charger = SimulatedCharger(
            options=SimulatorOptions(**{**FAST_SIM, "protocol": protocol, "identity": "SIM"}),
            link_factory=self.peripheral.link_factory(wait=1.0),
        )
        self.running.append((charger, asyncio.create_task(charger.run())))
        return charger

    async def close(self) -> None:
        for charger, task in self.running:
            await charger.stop()
            await task


@pytest.fixture
async def air() -> AsyncIterator[Air]:
    air = Air()
    try:
        yield air
    finally:
        await air.close()


async def test_simulator_over_ble_boots_takes_a_configuration_and_a_trigger(
    air: Air, link_hub: Hub
) -> None:
    await air.start()
    charger = await air.simulator()
    supervisor = ble_supervisor(link_hub, air.settings(), retry_interval=0.1)
    session = await supervisor.start()
    try:
        await wait_for(lambda: connector_status(session, 2) == "Available", timeout=8)
        assert session.identity == "BLE-F1F1F1F1F1F1"
        transport = session.transport
        assert isinstance(transport, BleTransport)
        # Default ATT MTU 23: every write is at most 20 bytes, so frames go in many chunks.
        assert transport.chunk_size == 20
        assert transport.info.extra["write"] == "without response"

        change = await change_configuration(session, "HeartbeatInterval", "90")
        assert change.status == "Accepted"
        assert charger.configuration["HeartbeatInterval"] == "90"
        trigger = await trigger_message(session, "StatusNotification", connector=1, timeout=5)
        assert trigger.ok and trigger.arrived is not None

        assert transport.writes > transport.bytes_sent / 20 - 1
        assert transport.notifications > 10  # the charger's frames came in 20-byte pieces
        assert not [f for f in link_hub.frames if f.problem]
    finally:
        await supervisor.stop()


async def test_notifications_split_inside_utf8_characters_are_reassembled(
    air: Air, link_hub: Hub
) -> None:
    await air.start()
    supervisor = ble_supervisor(link_hub, air.settings(), identity="CP-UTF8")
    accepting = asyncio.ensure_future(air.peripheral.accept(timeout=5))
    session = await supervisor.start()
    charger_end = await accepting
    # "é" and "✓" are 2 and 3 bytes: with 20-byte notifications some must straddle a cut.
    vendor = "Élan ÉÉÉÉ ✓"
    boot = (
        f'[2,"b1","BootNotification",{{"chargePointVendor":"{vendor}",'
        '"chargePointModel":"Ünïcode ✓"}]'
    )
    encoded = boot.encode() + b"\n"
    cuts = range(20, len(encoded), 20)
    assert any(encoded[cut] & 0xC0 == 0x80 for cut in cuts), "no cut inside a character"
    await charger_end.send(boot)
    answer = await asyncio.wait_for(charger_end.recv(), 5)
    assert '"status":"Accepted"' in answer
    assert session.state.vendor == vendor and session.state.model == "Ünïcode ✓"
    assert charger_end.notifications == len(range(0, len(encoded), 20))
    await supervisor.stop()


async def test_writes_with_response_when_rx_has_no_write_without_response(
    air: Air, link_hub: Hub
) -> None:
    await air.start(Framing.STX, rx_without_response=False)
    charger = await air.simulator()
    supervisor = ble_supervisor(
        link_hub, air.settings(framing=Framing.STX, mtu=100), identity="CP-WR"
    )
    session = await supervisor.start()
    try:
        await wait_for(lambda: session.state.booted, timeout=8)
        assert session.transport.info.extra["write"] == "with response"
        assert session.transport.chunk_size == 97  # MTU 100 exchanged: 97-byte chunks
        outcome = await session.call_raw(
            "DataTransfer", {"vendorId": "ocpp-tui", "data": "é✓" * 40}
        )
        assert outcome.status == "Accepted"
        assert charger.sent_actions["BootNotification"] >= 1
    finally:
        await supervisor.stop()


async def test_a_disconnect_ends_the_session_and_the_link_comes_back(
    air: Air, link_hub: Hub
) -> None:
    await air.start()
    charger = await air.simulator()
    supervisor = ble_supervisor(link_hub, air.settings(), retry_interval=0.1)
    first = await supervisor.start()
    try:
        await wait_for(lambda: first.state.booted, timeout=8)
        # The charger reboots (Reset): it drops the BLE connection and advertises again.
        outcome = await first.call_raw("Reset", {"type": "Soft"})
        assert outcome.status == "Accepted"
        await wait_for(lambda: not first.connected, timeout=5)
        assert first.close_reason == "BLE device disconnected"
        await wait_for(lambda: supervisor.sessions_opened == 2, timeout=8)
        second = supervisor.session
        await wait_for(lambda: second.state.booted, timeout=8)
        assert link_hub.chargers[first.identity].sessions == [first, second]
        await charger.wait_until(lambda c: c.boot_count == 2, timeout=5)
    finally:
        await supervisor.stop()
    assert supervisor.status.state is LinkState.CLOSED


async def test_device_found_by_name_and_scan_lists_uart_devices_first(
    air: Air, link_hub: Hub
) -> None:
    other = virtual_device(air.link, OTHER, "Headset")
    await air.start()
    await other.power_on()
    await other.start_advertising(advertising_interval_min=20.0)
    _, scanner = bumble_backends(air.laptop)
    devices = await scan_ble_devices(0.5, scanner_backend=scanner)
    assert [d.offers_service for d in devices] == [True, False]
    assert devices[0].name == "EVSE-BLE" and devices[0].address == CHARGER
    assert NUS_SERVICE_UUID in devices[0].service_uuids

    await air.simulator()
    supervisor = ble_supervisor(link_hub, air.settings("EVSE-BLE", scan_timeout=3))
    session = await supervisor.start()
    await wait_for(lambda: session.state.booted, timeout=8)
    assert session.identity == "EVSE-BLE"
    await supervisor.stop()


async def test_a_device_without_the_service_is_refused_with_what_it_offers(
    air: Air, link_hub: Hub
) -> None:
    await air.start()
    other_service = "0000fff0-0000-1000-8000-00805f9b34fb"
    supervisor = ble_supervisor(link_hub, air.settings(service_uuid=other_service))
    with pytest.raises(LinkOpenFailed, match="has no GATT service 0000fff0") as caught:
        await supervisor.start()
    assert NUS_SERVICE_UUID in str(caught.value)  # it names the services the device has


def test_identity_from_device() -> None:
    assert identity_for_device("aa:bb:cc:dd:ee:ff") == "BLE-AABBCCDDEEFF"
    assert identity_for_device("Wallbox Pulsar: 2") == "Wallbox-Pulsar-2"
