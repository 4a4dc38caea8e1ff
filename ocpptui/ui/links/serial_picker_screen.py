"""`ocpp-tui serial` without a port: pick the charger's port, check the line settings, open it.

The port list is rescanned every `SCAN_INTERVAL` seconds in a thread (enumerating ports is
blocking I/O, slow on some systems), so a USB-serial adapter plugged in while the technician
looks appears by itself; the rows are updated in place and the cursor stays on its port.
Enter opens the highlighted port with the settings below through a `LinkSupervisor` (which
keeps it open and reopens it after a pulled cable) and goes to the main screen, where the
charger appears as its session starts. A port that cannot be opened (missing, no permission,
in use) is said so here, with what to do, and the technician can fix it and try again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Input

from ocpptui.ui.links.link_picker_screen import LinkPickerScreen
from ocpptui.ui.links.link_settings import LinkDefaults, SerialSettingsForm
from ocpptui.ui.links.serial_port_table import SerialPortTable

if TYPE_CHECKING:
    from ocpptui.core.hub import Hub
    from ocpptui.core.link_supervisor import LinkSupervisor
    from ocpptui.transports.serial_link import SerialPortInfo

#: Seconds between two port scans while the picker is shown.
SCAN_INTERVAL = 1.5


class SerialPickerScreen(LinkPickerScreen[SerialPortTable, SerialSettingsForm]):
    """The serial ports, the line and session settings, and why a port did not open."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "r",
            "rescan",
            "Rescan",
            tooltip=f"List the ports again now (they are rescanned every {SCAN_INTERVAL:g} s)",
            id="serial_picker.rescan",
        ),
        Binding(
            "s",
            "focus_settings",
            "Settings",
            tooltip="Move to the line settings: baud, framing, parity, flow control, identity",
            id="serial_picker.settings",
        ),
        Binding(
            "ctrl+o",
            "open",
            "Open port",
            show=False,
            tooltip="Open the highlighted port from anywhere on this screen",
            id="serial_picker.open",
        ),
        Binding(
            "escape",
            "back",
            "Back",
            tooltip="From the settings to the ports; from the ports to the main screen",
            id="serial_picker.back",
        ),
    ]

    INTRO = (
        "Pick the charger's serial port; a cable plugged in now appears by itself. "
        "The settings must match the charger's."
    )
    EMPTY = (
        "No serial ports yet: plug in the USB-serial (RS-232/RS-485) adapter; it "
        "appears here by itself. On Linux `dmesg` shows it arrive."
    )
    HINT = "Enter opens the highlighted port with these settings; s moves to the settings."
    CLOSES_LINK = "Opening a port closes the current link"
    OPEN_WORKER = "open serial port"
    SETTINGS_INPUT = "#serial-baud"

    @dataclass
    class PortsScanned(Message):
        """A scan's result (`error` when the OS would not list its ports)."""

        ports: list[SerialPortInfo]
        error: str | None = None

    def __init__(self, defaults: LinkDefaults) -> None:
        super().__init__(defaults)
        self.port_lister = defaults.port_lister or _list_serial_ports
        self.scan_error: str | None = None
        self._scan_timer: Timer | None = None
        self._scanning = False

    @property
    def port_table(self) -> SerialPortTable:
        return self.table

    def _make_table(self) -> SerialPortTable:
        table = SerialPortTable(id="picker-table")
        table.border_title = "Serial ports · scanning …"
        return table

    def _make_form(self) -> SerialSettingsForm:
        form = SerialSettingsForm(
            self.defaults.serial, self.defaults.identity, self.defaults.version, id="picker-form"
        )
        form.border_title = "Line and session"
        return form

    def on_mount(self) -> None:
        self.port_table.focus()
        self._show_message()

    def on_screen_resume(self) -> None:
        # Rescan only while shown: a picker left behind (installed) costs nothing.
        self.action_rescan()
        if self._scan_timer is None:
            self._scan_timer = self.set_interval(
                SCAN_INTERVAL, self.action_rescan, name="serial-rescan"
            )
        else:
            self._scan_timer.resume()
        self._show_message()

    def on_screen_suspend(self) -> None:
        if self._scan_timer is not None:
            self._scan_timer.pause()

    # ------------------------------------------------------------------ scanning

    def action_rescan(self) -> None:
        if not self._scanning:
            self._scanning = True
            self.scan_ports()

    @work(thread=True, group="serial-scan", exit_on_error=False, name="serial port scan")
    def scan_ports(self) -> None:
        """List the ports (blocking) and post them; from this thread only `post_message`."""
        try:
            ports = list(self.port_lister())
        except Exception as exc:  # the OS enumeration failing must not end the app
            self.post_message(self.PortsScanned([], f"cannot list the serial ports: {exc}"))
            return
        self.post_message(self.PortsScanned(ports))

    @on(PortsScanned)
    def _ports_scanned(self, message: PortsScanned) -> None:
        self._scanning = False
        self.scans += 1
        table = self.port_table
        self.scan_error = message.error
        if message.error is not None:
            self._show_message()
            return
        appeared = table.show_ports(message.ports)
        count = len(table.ports)
        table.border_title = (
            f"Serial ports ({count}) · rescanned every {SCAN_INTERVAL:g} s"
            if count
            else f"Serial ports · none yet · rescanned every {SCAN_INTERVAL:g} s"
        )
        if self.scans > 1:
            for port in appeared:
                self.notify(port.label, title="Serial port plugged in", markup=False)
        self._show_identity_hint()
        self._show_message()

    def _highlighted_identity(self) -> str | None:
        device = self.port_table.highlighted_device
        if device is None:
            return None
        from ocpptui.transports.serial_link import identity_for_port

        return identity_for_port(device)

    # ------------------------------------------------------------------ opening

    @on(SerialPortTable.PortChosen)
    def _port_chosen(self, message: SerialPortTable.PortChosen) -> None:
        self.open_device(message.device)

    @on(Input.Submitted)
    def _form_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "serial-other-port" and self.form.other_port is not None:
            self.open_device(self.form.other_port)
            return
        self.action_open()

    def action_open(self) -> None:
        focused = self.focused
        typed = self.form.other_port
        if typed is not None and isinstance(focused, Input) and focused.id == "serial-other-port":
            self.open_device(typed)
            return
        device = self.port_table.highlighted_device
        if device is None:
            self.problem = (
                "No port to open yet: plug in the USB-serial adapter, or type a port under "
                "Other port."
            )
            self._show_message()
            return
        self.open_device(device)

    def open_device(self, device: str) -> None:
        """Check the settings, then open `device` in a worker (one open at a time)."""
        if self.opening:
            return
        form = self.form
        try:
            settings = form.read(device)
        except ValueError as exc:
            self.problem = f"Check the settings: {exc}"
            self._show_message()
            return
        identity, version = form.identity, form.version

        def supervisor(hub: Hub) -> LinkSupervisor:
            from ocpptui.core.link_supervisor import serial_supervisor

            return serial_supervisor(hub, settings, identity=identity, version=version)

        framing = f"{settings.line}, {settings.framing.value} framing"
        self._open_link(f"Opening {device} ({framing}) …", supervisor)

    def _why_not_opened(self, reason: str) -> str:
        return f"Cannot open the port. {reason}"

    @property
    def _problem(self) -> str | None:
        # A failed open or bad setting outranks a scan error; the scan error clears by itself.
        return self.problem or self.scan_error


def _list_serial_ports() -> list[SerialPortInfo]:
    from ocpptui.transports.serial_link import list_serial_ports

    return list_serial_ports()
