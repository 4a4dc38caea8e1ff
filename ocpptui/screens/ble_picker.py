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
from typing import TYPE_CHECKING, ClassVar, cast

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Input, Static

from ocpptui.protocol.versions import OcppVersion
from ocpptui.screens.serial_picker import PICKER_CSS
from ocpptui.widgets.key_footer import KeyFooter
from ocpptui.widgets.link_device_table import BleDeviceTable
from ocpptui.widgets.link_settings import BleSettingsForm, LinkDefaults

if TYPE_CHECKING:
    from ocpptui.app import OcppTuiApp
    from ocpptui.transports.ble_link import BleDeviceInfo, BleSettings

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


class BlePickerScreen(Screen[None]):
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

    DEFAULT_CSS = f"BlePickerScreen {{ {PICKER_CSS} }}"

    @dataclass
    class DevicesScanned(Message):
        """A scan's result (`error` when it could not scan)."""

        devices: list[BleDeviceInfo]
        seconds: float
        error: str | None = None

    @dataclass
    class Connected(Message):
        label: str

    @dataclass
    class ConnectFailed(Message):
        reason: str

    def __init__(self, defaults: LinkDefaults) -> None:
        super().__init__()
        self.defaults = defaults
        self.problem: str | None = None
        self.busy: str | None = None  # "Scanning …" / "Connecting …"
        self.scanning = False
        self.connecting = False
        self.scans = 0

    @property
    def ocpp_app(self) -> OcppTuiApp:
        return cast("OcppTuiApp", self.app)

    @property
    def device_table(self) -> BleDeviceTable:
        return self.query_one(BleDeviceTable)

    @property
    def form(self) -> BleSettingsForm:
        return self.query_one(BleSettingsForm)

    def compose(self) -> ComposeResult:
        yield Static(
            "Pick the charger: devices offering the UART service come first, marked ★. "
            "Keep the laptop near the charger.",
            id="picker-intro",
            markup=False,
        )
        table = BleDeviceTable(self.defaults.ble.service_uuid, id="picker-table")
        table.border_title = "Bluetooth LE devices"
        yield table
        form = BleSettingsForm(
            self.defaults.ble,
            self.defaults.identity,
            self.defaults.version,
            self.defaults.scan_time,
            id="picker-form",
        )
        form.border_title = "Session"
        yield form
        yield Static(id="picker-message", markup=False)
        yield KeyFooter()

    def on_mount(self) -> None:
        self.device_table.focus()
        self.action_rescan()

    # ------------------------------------------------------------------ scanning

    def action_rescan(self) -> None:
        if self.scanning or self.connecting:
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

    @on(DataTable.RowHighlighted, "#picker-table")
    def _row_highlighted(self) -> None:
        self._show_identity_hint()

    def _show_identity_hint(self) -> None:
        from ocpptui.transports.ble_link import identity_for_device

        address = self.device_table.highlighted_address
        self.form.show_identity_hint(identity_for_device(address) if address else None)

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
        if self.connecting:
            return
        if self.scanning:
            self.workers.cancel_group(self, "ble-scan")
            self.scanning = False
        form = self.form
        settings = form.read(address)
        device = self.device_table.devices.get(address)
        name = f"{device.name} ({address})" if device is not None and device.name else address
        self.connecting = True
        self.problem = None
        self.busy = f"Connecting to {name} (up to {settings.connect_timeout:g} s) …"
        self._show_message()
        self.connect(settings, form.identity, form.version)

    @work(exclusive=True, group="link-open", exit_on_error=False, name="connect BLE device")
    async def connect(
        self, settings: BleSettings, identity: str | None, version: OcppVersion
    ) -> None:
        from ocpptui.core.link_supervisor import LinkOpenFailed, ble_supervisor

        app = self.ocpp_app
        supervisor = ble_supervisor(app.hub, settings, identity=identity, version=version)
        try:
            await app.open_link(supervisor)
        except LinkOpenFailed as exc:
            self.post_message(self.ConnectFailed(str(exc)))
            return
        except Exception as exc:  # anything else must not leave the picker "connecting"
            self.post_message(self.ConnectFailed(f"{type(exc).__name__}: {exc}"))
            raise
        self.post_message(self.Connected(supervisor.label))

    @on(Connected)
    def _connected(self) -> None:
        self.connecting = False
        self.busy = None
        self._show_message()
        if self.is_current:
            self.dismiss(None)

    @on(ConnectFailed)
    def _connect_failed(self, message: ConnectFailed) -> None:
        self.connecting = False
        self.busy = None
        self.problem = (
            f"Cannot connect. {message.reason}. Is the charger on, in range, and not "
            "connected to another phone or laptop?"
        )
        self._show_message()

    # ------------------------------------------------------------------ the rest

    def _show_message(self) -> None:
        widget = self.query_one("#picker-message", Static)
        widget.set_class(self.busy is not None, "-busy")
        widget.set_class(self.busy is None and self.problem is not None, "-problem")
        if self.busy is not None:
            widget.update(Content(self.busy))
        elif self.problem is not None:
            widget.update(Content(self.problem))
        elif self.scans and not self.device_table.devices:
            widget.update(
                Content(
                    "Nothing advertised: is the charger's Bluetooth on and advertising (some "
                    "only do after a button press)? r scans again."
                )
            )
        else:
            hint = "Enter connects the highlighted device; r scans again; s moves to settings."
            link = self.ocpp_app.link
            if link is not None and link.running:
                hint += f" Connecting closes the current link ({link.label})."
            widget.update(Content(hint))

    def action_focus_settings(self) -> None:
        self.query_one(f"#{self.form.identity_id}", Input).focus()

    def action_back(self) -> None:
        focused = self.focused
        if focused is not None and focused is not self.device_table:
            self.device_table.focus()
            return
        self.dismiss(None)
