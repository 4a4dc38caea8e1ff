"""`ocpp-tui serial` / `ocpp-tui ble` without a port or device: the pickers, on the real app.

Serial: real pty pairs stand for USB-serial cables. pyserial's port enumeration cannot see
ptys, so the picker gets a port lister that adds the test's cables to what the OS lists (the
picker takes any lister; the transport is not faked). The simulator runs behind the cable.
BLE: the real bleak-based scan and transport over bumble virtual controllers (see
tests/transports/test_ble.py), with the simulator behind the NUS peripheral.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from textual.command import SimpleCommand
from textual.message import Message
from textual.pilot import Pilot
from textual.widgets import Input, Static

from ocpptui.app.app import OcppTuiApp, make_app
from ocpptui.core.hub import Hub
from ocpptui.core.link_supervisor import LinkState
from ocpptui.paths import Paths
from ocpptui.settings.model import Settings
from ocpptui.sim import SimulatedCharger, SimulatorOptions
from ocpptui.transports.framing import FrameCodec, Framing
from ocpptui.transports.serial_link import SerialPortInfo, list_serial_ports
from ocpptui.ui.chargers.charger_list import ChargerList
from ocpptui.ui.chargers.main_screen import MainScreen
from ocpptui.ui.chargers.welcome_panel import WelcomePanel
from ocpptui.ui.help.help_screen import HelpScreen
from ocpptui.ui.links.ble_device_table import BleDeviceTable
from ocpptui.ui.links.ble_picker_screen import BlePickerScreen
from ocpptui.ui.links.link_settings import LinkDefaults
from ocpptui.ui.links.serial_picker_screen import SerialPickerScreen
from ocpptui.ui.links.serial_port_table import SerialPortTable
from tests.helpers import FAST_SIM
from tests.ui.helpers import until

pytestmark = pytest.mark.timeout(20)

SMALL = (80, 24)

posix_only = pytest.mark.skipif(os.name != "posix", reason="pseudo-terminals are POSIX only")


@pytest.fixture
def new_cable():
    """`new_cable()`: a pty pair; every cable made in a test is pulled at its end."""
    from ocpptui.transports.pty_port import PtyCable

    made: list[PtyCable] = []

    def make() -> PtyCable:
        made.append(PtyCable.create())
        return made[-1]

    yield make
    for cable in made:
        cable.close()


class CablePorts:
    """A port lister: what the OS lists, plus the test's pty cables (and any extra paths)."""

    def __init__(self, *cables: Any) -> None:
        self.cables = list(cables)
        self.extra: list[str] = []
        self.calls = 0

    def __call__(self) -> list[SerialPortInfo]:
        self.calls += 1
        ptys = [
            SerialPortInfo(cable.slave_path, "virtual cable (pty)")
            for cable in self.cables
            if not cable.closed
        ]
        typed = [SerialPortInfo(path, "missing on purpose") for path in self.extra]
        return [*list_serial_ports(), *ptys, *typed]


def link_app(tmp_path: Path, hub: Hub, kind: str, **defaults: Any) -> OcppTuiApp:
    """The app as `ocpp-tui serial` / `ocpp-tui ble` (no port or device) builds it."""
    app = make_app(
        Settings(),
        Paths.under(tmp_path),
        hub,
        listen=False,
        link_defaults=LinkDefaults.standard(**defaults),
        pick_link=kind,
    )
    app.animation_level = "none"
    return app


@pytest.fixture
async def simulators() -> AsyncIterator[Callable[..., SimulatedCharger]]:
    """`simulators(link_factory)`: a running simulated charger, stopped at the test's end."""
    running: list[tuple[SimulatedCharger, asyncio.Task[None]]] = []

    def start(link_factory: Any, identity: str = "SIM") -> SimulatedCharger:
        charger = SimulatedCharger(
            options=SimulatorOptions(**{**FAST_SIM, "identity": identity}),
            link_factory=link_factory,
        )
        running.append((charger, asyncio.create_task(charger.run())))
        return charger

    yield start
    for charger, task in running:
        await charger.stop()
        await task


def message_text(app: OcppTuiApp) -> str:
    return str(app.screen.query_one("#picker-message", Static).render())


async def highlight(pilot: Pilot, table: SerialPortTable | BleDeviceTable, key: str) -> None:
    table.focus()
    table.move_cursor(row=table.get_row_index(key))
    await pilot.pause()


# ---------------------------------------------------------------------- serial


@posix_only
async def test_serial_picker_follows_plugged_cables_and_opens_one_to_the_simulator(
    tmp_path: Path, hub: Hub, new_cable, simulators
) -> None:
    first = new_cable()
    ports = CablePorts(first)
    app = link_app(tmp_path, hub, "serial", port_lister=ports)
    async with app.run_test(size=SMALL) as pilot:
        await until(pilot, lambda: isinstance(app.screen, SerialPickerScreen))
        table = app.screen.query_one(SerialPortTable)
        await until(pilot, lambda: first.slave_path in table.ports)
        assert set(table.ports) >= {p.device for p in list_serial_ports()}
        await highlight(pilot, table, first.slave_path)

        # A cable plugged in while the technician looks: it appears by itself, marked new,
        # and the cursor stays on the port it was on.
        second = new_cable()
        ports.cables.append(second)
        await until(pilot, lambda: second.slave_path in table.ports, timeout=5)
        assert table.highlighted_device == first.slave_path
        assert second.slave_path in table.new_devices
        assert table.get_row(second.slave_path)[0].plain == f"+ {second.slave_path}"
        scans = ports.calls
        await until(pilot, lambda: ports.calls > scans + 1, timeout=5)  # it keeps rescanning
        assert table.highlighted_device == first.slave_path

        # The settings are typed before opening; the charger on the new cable boots.
        charger = simulators(second.link_factory(FrameCodec(Framing.NDJSON)))
        app.screen.query_one("#serial-identity", Input).focus()
        await pilot.press(*"CP-PTY")
        await highlight(pilot, table, second.slave_path)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, MainScreen), timeout=10)
        chargers = app.screen.query_one(ChargerList)
        await until(pilot, lambda: "CP-PTY" in chargers.rows, timeout=10)
        # Both ends booted: the hub answers the boot before the simulator has read the answer.
        await until(
            pilot,
            lambda: (
                (found := hub.session_for("CP-PTY")) is not None
                and found.state.booted
                and charger.booted
            ),
            timeout=10,
        )
        session = hub.session_for("CP-PTY")
        assert session is not None
        assert session.transport.info.extra["line"] == "115200 8N1"

        welcome = app.screen.query_one(WelcomePanel)
        status = app.link_status
        assert status is not None and status.state is LinkState.CONNECTED
        shown = str(welcome.render())
        assert f"serial {second.slave_path}: open" in shown
        assert "identity CP-PTY · OCPP 1.6 · ndjson framing · 115200 8N1" in shown
        assert "open" in str(welcome.border_title)

        # Pulling the cable: the main screen says the link is lost and being waited for.
        second.close()
        await until(pilot, lambda: app.link_status.state is LinkState.WAITING, timeout=5)
        await until(pilot, lambda: "lost; waiting" in str(welcome.render()))

        # k goes back to the same picker (its list and settings kept) to pick another port.
        await pilot.press("k")
        await until(pilot, lambda: isinstance(app.screen, SerialPickerScreen))
        assert app.screen.query_one("#serial-identity", Input).value == "CP-PTY"
        await until(pilot, lambda: second.slave_path not in table.ports, timeout=5)
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, MainScreen))


@posix_only
async def test_serial_picker_says_why_a_port_does_not_open_and_stays(
    tmp_path: Path, hub: Hub
) -> None:
    ports = CablePorts()
    missing = str(tmp_path / "ttyGONE")
    ports.extra.append(missing)
    app = link_app(tmp_path, hub, "serial", port_lister=ports)
    async with app.run_test(size=SMALL) as pilot:
        await until(pilot, lambda: isinstance(app.screen, SerialPickerScreen))
        table = app.screen.query_one(SerialPortTable)
        await until(pilot, lambda: missing in table.ports)
        await highlight(pilot, table, missing)

        # A wrong setting is named before anything is opened.
        baud = app.screen.query_one("#serial-baud", Input)
        baud.value = "0"
        await pilot.press("ctrl+o")
        await until(pilot, lambda: "baud rate must be positive" in message_text(app))

        baud.value = "9600"
        table.focus()
        await pilot.press("enter")
        await until(pilot, lambda: "Cannot open the port" in message_text(app), timeout=5)
        text = message_text(app)
        assert "does not exist: is the cable plugged in?" in text
        assert isinstance(app.screen, SerialPickerScreen)
        assert app.link is None and app.link_status is None

        # A typed port that is not in the list opens the same way (and fails the same way).
        other = app.screen.query_one("#serial-other-port", Input)
        other.value = str(tmp_path / "ttyTYPED")
        other.focus()
        await pilot.press("enter")
        await until(pilot, lambda: "ttyTYPED: the port does not exist" in message_text(app))


async def test_link_keys_are_in_help_and_the_palette_only_in_link_mode(
    tmp_path: Path, hub: Hub, app: OcppTuiApp
) -> None:
    picker = link_app(tmp_path, hub, "serial", port_lister=CablePorts())
    async with picker.run_test(size=SMALL) as pilot:
        await until(pilot, lambda: isinstance(picker.screen, SerialPickerScreen))
        await pilot.press("escape")  # from the port list: to the main screen
        await until(pilot, lambda: isinstance(picker.screen, MainScreen))
        assert picker.screen.check_action("pick_link", ()) is True
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(picker.screen, HelpScreen))
        await pilot.pause()
        help_text = str(picker.screen.query_one("#help-text", Static).render())
        assert "Serial port picker" in help_text and "Bluetooth LE picker" in help_text
        assert "Rescan" in help_text and "Scan again" in help_text
        await pilot.press("escape")
        commands = [command.name for command in _palette_commands(picker)]
        assert "Serial: pick a port…" in commands
        assert "Bluetooth: scan for chargers…" in commands

    # The WebSocket mode has no link to pick: no key, no commands.
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        assert app.screen.check_action("pick_link", ()) is False
        assert not [c for c in _palette_commands(app) if c.name.startswith("Serial:")]


def _palette_commands(app: OcppTuiApp) -> list[SimpleCommand]:
    from ocpptui.app.palette import OcppCommands

    provider = OcppCommands(app.screen)
    return provider._commands()


# ---------------------------------------------------------------------- BLE

LAPTOP = "F0:F0:F0:F0:F0:F0"
CHARGER = "F1:F1:F1:F1:F1:F1"
OTHER = "F2:F2:F2:F2:F2:F2"
HOSTILE_NAME = "[/]Head[bold"


@pytest.fixture
async def air():
    """A laptop central, a NUS charger and a headset without the service, on one radio."""
    pytest.importorskip("bumble")
    from bumble.controller import Controller
    from bumble.core import AdvertisingData
    from bumble.device import Device
    from bumble.hci import Address
    from bumble.host import Host
    from bumble.link import LocalLink
    from bumble.transport.common import AsyncPipeSink

    from ocpptui.transports.ble_peripheral import NusPeripheral
    from tests.transports.bumble_bleak import bumble_backends

    link = LocalLink()

    def device(address: str, name: str) -> Device:
        controller = Controller(name, link=link, public_address=address)
        return Device(
            name=name, address=Address(address), host=Host(controller, AsyncPipeSink(controller))
        )

    laptop = device(LAPTOP, "laptop")
    await laptop.power_on()
    peripheral = NusPeripheral(device(CHARGER, "EVSE-BLE"), FrameCodec(Framing.NDJSON))
    await peripheral.start()
    headset = device(OTHER, HOSTILE_NAME)  # what a device advertises is never markup
    headset.advertising_data = bytes(
        AdvertisingData([(AdvertisingData.COMPLETE_LOCAL_NAME, HOSTILE_NAME.encode())])
    )
    await headset.power_on()
    await headset.start_advertising(advertising_interval_min=20.0)
    client, scanner = bumble_backends(laptop)
    yield peripheral, client, scanner


async def test_ble_picker_lists_the_uart_charger_first_and_connects_it(
    tmp_path: Path, hub: Hub, air, simulators
) -> None:
    import dataclasses

    from ocpptui.transports.ble_link import BleSettings

    peripheral, client, scanner = air
    template = BleSettings("", client_backend=client, scanner_backend=scanner)
    defaults = LinkDefaults.standard(scan_time=1.0)
    app = make_app(
        Settings(),
        Paths.under(tmp_path),
        hub,
        listen=False,
        link_defaults=dataclasses.replace(defaults, ble=template),
        pick_link="ble",
    )
    app.animation_level = "none"
    messages: list[Message] = []
    async with app.run_test(size=SMALL, message_hook=messages.append) as pilot:
        await until(pilot, lambda: isinstance(app.screen, BlePickerScreen))
        table = app.screen.query_one(BleDeviceTable)
        assert "Scanning for 1 s" in message_text(app)
        await until(pilot, lambda: len(table.devices) == 2, timeout=5)
        assert list(table.devices) == [CHARGER, OTHER]  # the UART charger first
        first = table.get_row(CHARGER)
        assert first[0].plain == "★" and first[1].plain == "EVSE-BLE"
        assert "UART" in first[4].plain
        assert table.get_row(OTHER)[0].plain.strip() == ""
        assert table.get_row(OTHER)[1].plain == HOSTILE_NAME
        assert table.highlighted_address == CHARGER

        # r scans again (bounded by the scan time); the cursor stays on its device.
        picker = app.screen
        assert isinstance(picker, BlePickerScreen) and picker.scans == 1
        await pilot.press("r")
        await until(pilot, lambda: picker.scans == 2, timeout=5)
        assert "Scanning" not in message_text(app)
        assert list(table.devices) == [CHARGER, OTHER]
        assert table.highlighted_address == CHARGER

        charger = simulators(peripheral.link_factory(wait=1.0))
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, MainScreen), timeout=10)
        identity = "BLE-F1F1F1F1F1F1"
        await until(
            pilot,
            lambda: (s := hub.session_for(identity)) is not None and s.state.booted,
            timeout=10,
        )
        assert charger.booted
        assert identity in app.screen.query_one(ChargerList).rows
        assert f"BLE {CHARGER}: open" in str(app.screen.query_one(WelcomePanel).render())


async def test_ble_picker_says_when_it_cannot_scan(tmp_path: Path, hub: Hub) -> None:
    import dataclasses

    from bleak.backends.scanner import BaseBleakScanner
    from bleak.exc import BleakError

    from ocpptui.transports.ble_link import BleSettings

    class NoAdapter(BaseBleakScanner):
        """What bleak raises on a laptop without a Bluetooth adapter (no hardware here)."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(None, None)

        async def start(self) -> None:
            raise BleakError("No Bluetooth adapters found.")

        async def stop(self) -> None:
            pass

    defaults = LinkDefaults.standard(scan_time=1.0)
    app = make_app(
        Settings(),
        Paths.under(tmp_path),
        hub,
        listen=False,
        link_defaults=dataclasses.replace(defaults, ble=BleSettings("", scanner_backend=NoAdapter)),
        pick_link="ble",
    )
    app.animation_level = "none"
    async with app.run_test(size=SMALL) as pilot:
        await until(pilot, lambda: "Cannot scan for BLE devices" in message_text(app), timeout=5)
        assert "no usable Bluetooth adapter" in message_text(app)
        assert "bluetoothctl power on" in message_text(app)
        assert isinstance(app.screen, BlePickerScreen)
