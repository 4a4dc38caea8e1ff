"""`ocpp-tui ble` without a device: scan, pick the charger, connect.

A scan listens for advertisements for a bounded time (the scan-time setting) in a worker;
`r` scans again. Devices offering the UART service (the Nordic UART Service unless
`--service` says otherwise) come first and are marked ★: those are the chargers. Enter
connects the highlighted one through a `LinkSupervisor` (reconnecting after drops) and goes
to the main screen. When there is no adapter, Bluetooth is off or the program may not use it,
the scan says so, with what to do.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Input

from ocpptui.ui.links.ble_device_table import BleDeviceTable
from ocpptui.ui.links.link_picker_screen import LinkPickerScreen
from ocpptui.ui.links.link_settings import BleSettingsForm, LinkDefaults

if TYPE_CHECKING:
    from ocpptui.core.hub import Hub
    from ocpptui.core.link_supervisor import LinkSupervisor
    from ocpptui.transports.ble_link import BleDeviceInfo

_PERMISSION_WORDS = ("not authorized", "unauthorized", "notpermitted", "not permitted", "denied")
_OFF_WORDS = ("powered off", "turned off", "notready", "not ready", "poweredoff", "is off")


def ble_scan_problem(error: BaseException) -> str:
    """Why a scan failed, in words, and what to do about it."""
    from ocpptui.transports.ble_link import explain_ble_error

    text = explain_ble_error(error)
    lowered = text.lower().replace(" ", "").replace("_", "")
    hint = ""
    if any(word.replace(" ", "") in lowered for word in _PERMISSION_WORDS):
        hint = (
            " This program may not use Bluetooth: on macOS allow the terminal in System "
            "Settings → Privacy & Security → Bluetooth; on Linux check the 'bluetooth' group "
            "or polkit rules."
        )
    elif any(word.replace(" ", "") in lowered for word in _OFF_WORDS):
        hint = (
            " Bluetooth is off: turn it on (Linux: bluetoothctl power on; Windows, macOS: "
            "the Bluetooth switch in the settings)."
        )
    return f"Cannot scan for BLE devices: {text}.{hint}"


class BlePickerScreen(LinkPickerScreen[BleDeviceTable, BleSettingsForm]):
    """The devices of the last scan, the session settings, and why a connection failed."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "r",
            "rescan",
            "Scan again",
            tooltip="Listen for advertisements again for the scan time",
            id="ble_picker.rescan",
        ),
        Binding(
            "s",
            "focus_settings",
            "Settings",
            tooltip="Move to the settings: identity, OCPP version, framing, scan time",
            id="ble_picker.settings",
        ),
        Binding(
            "ctrl+o",
            "connect",
            "Connect",
            show=False,
            tooltip="Connect to the highlighted device from anywhere on this screen",
            id="ble_picker.connect",
        ),
        Binding(
            "escape",
            "back",
            "Back",
            tooltip="From the settings to the devices; from the devices to the main screen",
            id="ble_picker.back",
        ),
    ]

    INTRO = (
        "Pick the charger: devices offering the UART service come first, marked ★. "
        "Keep the laptop near the charger."
    )
    EMPTY = (
        "Nothing advertised: is the charger's Bluetooth on and advertising (some "
        "only do after a button press)? r scans again."
    )
    HINT = "Enter connects the highlighted device; r scans again; s moves to settings."
    CLOSES_LINK = "Connecting closes the current link"
    OPEN_WORKER = "connect BLE device"
    SETTINGS_INPUT = f"#{BleSettingsForm.identity_id}"

    @dataclass
    class DevicesScanned(Message):
        """A scan's result (`error` when it could not scan)."""

        devices: list[BleDeviceInfo]
        seconds: float
        error: str | None = None

    def __init__(self, defaults: LinkDefaults) -> None:
        super().__init__(defaults)
        self.scanning = False

    @property
    def device_table(self) -> BleDeviceTable:
        return self.table

    def _make_table(self) -> BleDeviceTable:
        table = BleDeviceTable(self.defaults.ble.service_uuid, id="picker-table")
        table.border_title = "Bluetooth LE devices"
        return table

    def _make_form(self) -> BleSettingsForm:
        form = BleSettingsForm(
            self.defaults.ble,
            self.defaults.identity,
            self.defaults.version,
            self.defaults.scan_time,
            id="picker-form",
        )
        form.border_title = "Session"
        return form

    def on_mount(self) -> None:
        self.device_table.focus()
        self.action_rescan()

    # ------------------------------------------------------------------ scanning

    def action_rescan(self) -> None:
        if self.scanning or self.opening:
            return
        seconds = self.form.scan_time
        self.scanning = True
        self.problem = None
        self.busy = f"Scanning for {seconds:g} s …"
        self.device_table.border_title = f"Bluetooth LE devices · scanning for {seconds:g} s …"
        self._show_message()
        self.scan(seconds)

    @work(exclusive=True, group="ble-scan", exit_on_error=False, name="BLE scan")
    async def scan(self, seconds: float) -> None:
        from ocpptui.transports.ble_link import scan_ble_devices

        template = self.defaults.ble
        try:
            devices = await scan_ble_devices(
                seconds,
                service_uuid=template.service_uuid,
                scanner_backend=template.scanner_backend,
            )
        except Exception as exc:  # no adapter, Bluetooth off, no permission: all "cannot scan"
            self.post_message(self.DevicesScanned([], seconds, ble_scan_problem(exc)))
            return
        self.post_message(self.DevicesScanned(devices, seconds))

    @on(DevicesScanned)
    def _devices_scanned(self, message: DevicesScanned) -> None:
        self.scanning = False
        self.scans += 1
        self.busy = None
        table = self.device_table
        if message.error is not None:
            self.problem = message.error
            table.border_title = "Bluetooth LE devices · cannot scan"
            self._show_message()
            return
        table.show_devices(message.devices)
        chargers = sum(1 for device in message.devices if device.offers_service)
        table.border_title = (
            f"Bluetooth LE devices ({len(message.devices)}, {chargers} with the UART service) "
            f"· scanned {message.seconds:g} s"
        )
        self._show_identity_hint()
        self._show_message()

    def _highlighted_identity(self) -> str | None:
        from ocpptui.transports.ble_link import identity_for_device

        address = self.device_table.highlighted_address
        return identity_for_device(address) if address else None

    # ------------------------------------------------------------------ connecting

    @on(BleDeviceTable.DeviceChosen)
    def _device_chosen(self, message: BleDeviceTable.DeviceChosen) -> None:
        self.connect_device(message.address)

    @on(Input.Submitted)
    def _form_submitted(self) -> None:
        self.action_connect()

    def action_connect(self) -> None:
        address = self.device_table.highlighted_address
        if address is None:
            self.problem = "No device to connect to: r scans again."
            self._show_message()
            return
        self.connect_device(address)

    def connect_device(self, address: str) -> None:
        """Connect `address` in a worker (a running scan is stopped first)."""
        if self.opening:
            return
        if self.scanning:
            self.workers.cancel_group(self, "ble-scan")
            self.scanning = False
        form = self.form
        settings = form.read(address)
        identity, version = form.identity, form.version
        device = self.device_table.devices.get(address)
        name = f"{device.name} ({address})" if device is not None and device.name else address

        def supervisor(hub: Hub) -> LinkSupervisor:
            from ocpptui.core.link_supervisor import ble_supervisor

            return ble_supervisor(hub, settings, identity=identity, version=version)

        timeout = f"up to {settings.connect_timeout:g} s"
        self._open_link(f"Connecting to {name} ({timeout}) …", supervisor)

    def _why_not_opened(self, reason: str) -> str:
        return (
            f"Cannot connect. {reason}. Is the charger on, in range, and not "
            "connected to another phone or laptop?"
        )
