"""The settings a technician checks before opening a local link, as compact forms.

A serial charger only answers when the line matches its own (baud, data bits, parity, stop
bits, flow control, RS-485, the framing of the frames), and neither link has a handshake, so
the charger's identity and OCPP version are told here too. The forms start from the command
line's options (`LinkDefaults`) and read back into the transport's settings, whose own checks
give the error messages.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Label, Select, Static

from ocpptui.protocol.versions import OcppVersion
from ocpptui.transports.framing import Framing

if TYPE_CHECKING:
    from ocpptui.transports.ble_link import BleSettings
    from ocpptui.transports.serial_link import SerialPortInfo, SerialSettings

PortLister = Callable[[], "list[SerialPortInfo]"]
#: The transport settings a form starts from and reads back into.
SettingsT = TypeVar("SettingsT", "SerialSettings", "BleSettings")
ChoiceT = TypeVar("ChoiceT", OcppVersion, Framing)

#: Characters a typed identity may not contain (it names the session's log folder too).
IDENTITY_RESTRICT = r"[^\s/\\]*"
IDENTITY_MAX = 48


@dataclass(frozen=True, slots=True)
class LinkDefaults:
    """What the pickers start from: the command line's options, less the port or device.

    `port_lister` replaces `list_serial_ports` (a test adds its pty cables to what the OS
    lists; ptys are not serial ports to pyserial's enumeration).
    """

    serial: SerialSettings  # its `port` is replaced by the picked one
    ble: BleSettings  # its `target` is replaced by the picked device
    identity: str | None = None
    version: OcppVersion = OcppVersion.V16
    scan_time: float = 5.0
    port_lister: PortLister | None = None

    @classmethod
    def standard(cls, **options: object) -> LinkDefaults:
        """The transports' own defaults (115200 8N1, ndjson, Nordic UART Service)."""
        from ocpptui.transports.ble_link import BleSettings
        from ocpptui.transports.serial_link import SerialSettings

        return cls(SerialSettings(port=""), BleSettings(target=""), **options)  # type: ignore[arg-type]


def _field(label: str, widget: Widget) -> ComposeResult:
    yield Label(label, classes="field-label")
    yield widget


def _choice(value: ChoiceT, id: str, classes: str, tooltip: str) -> Select[ChoiceT]:
    """A compact Select of every member of `value`'s enum, each shown by its value."""
    return Select(
        [(member.value, member) for member in type(value)],
        value=value,
        allow_blank=False,
        compact=True,
        id=id,
        classes=classes,
        tooltip=tooltip,
    )


def _framing_select(framing: Framing, id: str) -> Select[Framing]:
    tooltip = "ndjson: a frame per line · length: 4-byte length prefix · stx: 0x02…0x03"
    return _choice(framing, id, "-framing", tooltip)


def _identity_input(identity: str | None, id: str, placeholder: str) -> Input:
    return Input(
        identity or "",
        placeholder=placeholder,
        restrict=IDENTITY_RESTRICT,
        max_length=IDENTITY_MAX,
        compact=True,
        id=id,
        classes="-identity",
        tooltip="Charger identity for the session and its logs (empty: from the port/device)",
    )


class LinkForm(Widget, Generic[SettingsT]):
    """Shared look and the session fields (identity, OCPP version) of both forms.

    `settings` is the transport's template: the form shows its values and `read()` replaces
    what the technician may change (and the port or device picked) in a copy of it.
    """

    DEFAULT_CSS = """
    LinkForm {
        height: auto;
        padding: 0 1;
        & > Horizontal { height: 1; margin-bottom: 1; }
        & > Horizontal.-last { margin-bottom: 0; }
        & .field-label { width: auto; padding: 0 1 0 0; color: $text-muted; }
        & Input { width: 9; margin-right: 2; }
        & Select { width: 7; margin-right: 2; }
        & .-version { width: 9; }
        & Checkbox { width: auto; margin-right: 2; }
        & .-identity { width: 22; }
        & .-framing { width: 10; margin-right: 0; }
        & .-other-port { width: 1fr; margin-right: 0; }
        & .-hint { height: auto; color: $text-muted; }
    }
    """

    identity_id = "link-identity"
    version_id = "link-version"

    def __init__(
        self,
        settings: SettingsT,
        identity: str | None,
        version: OcppVersion,
        *,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.template = settings
        self.initial_identity = identity
        self.initial_version = version

    def _session_fields(self, identity_placeholder: str) -> ComposeResult:
        """Identity and OCPP version, which no handshake on either link tells."""
        identity = _identity_input(self.initial_identity, self.identity_id, identity_placeholder)
        yield from _field("Identity", identity)
        tooltip = "OCPP version the charger speaks (no handshake on this link tells it)"
        version = _choice(self.initial_version, self.version_id, "-version", tooltip)
        yield from _field("OCPP", version)

    @property
    def identity(self) -> str | None:
        """The typed identity, or None to derive it from the port or device."""
        return self.query_one(f"#{self.identity_id}", Input).value.strip() or None

    @property
    def version(self) -> OcppVersion:
        value = self.query_one(f"#{self.version_id}", Select).value
        return value if isinstance(value, OcppVersion) else OcppVersion.V16

    def show_identity_hint(self, identity: str | None) -> None:
        """What an empty identity will be (the highlighted port's or device's)."""
        self.query_one(f"#{self.identity_id}", Input).placeholder = (
            identity or "from the port or device"
        )

    def _selected(self, id: str):  # the value type varies by Select
        return self.query_one(f"#{id}", Select).value


class SerialSettingsForm(LinkForm["SerialSettings"]):
    """Baud, framing, parity/stop bits, flow control, RS-485, identity and OCPP version."""

    identity_id = "serial-identity"
    version_id = "serial-version"

    def compose(self) -> ComposeResult:
        s = self.template
        with Horizontal():
            yield from _field(
                "Baud",
                Input(
                    str(s.baudrate),
                    type="integer",
                    max_length=8,
                    compact=True,
                    id="serial-baud",
                    tooltip="Bits per second: the charger's setting (115200, 57600, 9600, …)",
                ),
            )
            yield from _field(
                "Data",
                Select(
                    [(str(n), n) for n in (8, 7, 6, 5)],
                    value=s.bytesize,
                    allow_blank=False,
                    compact=True,
                    id="serial-bytesize",
                    tooltip="Data bits per character (almost always 8)",
                ),
            )
            yield from _field(
                "Parity",
                Select(
                    [("N", "N"), ("E", "E"), ("O", "O")],
                    value=s.parity,
                    allow_blank=False,
                    compact=True,
                    id="serial-parity",
                    tooltip="None, Even or Odd",
                ),
            )
            yield from _field(
                "Stop",
                Select(
                    [("1", 1.0), ("1.5", 1.5), ("2", 2.0)],
                    value=float(s.stopbits),
                    allow_blank=False,
                    compact=True,
                    id="serial-stopbits",
                    tooltip="Stop bits",
                ),
            )
            yield from _field("Framing", _framing_select(s.framing, "serial-framing"))
        with Horizontal():
            yield Checkbox(
                "RTS/CTS",
                s.rtscts,
                compact=True,
                id="serial-rtscts",
                tooltip="Hardware flow control",
            )
            yield Checkbox(
                "XON/XOFF",
                s.xonxoff,
                compact=True,
                id="serial-xonxoff",
                tooltip="Software flow control",
            )
            yield Checkbox(
                "RS-485",
                s.rs485,
                compact=True,
                id="serial-rs485",
                tooltip="Half duplex: RTS switches the transceiver to transmit while sending",
            )
            yield Checkbox(
                "No reset",
                s.dtr is False and s.rts is False,
                compact=True,
                id="serial-no-reset",
                tooltip="Keep DTR and RTS low when opening (ESP32/Arduino boards reboot when "
                "they toggle)",
            )
        with Horizontal(classes="-last"):
            yield from self._session_fields("from the port")
            yield from _field(
                "Other port",
                Input(
                    placeholder="/dev/… or COM9",
                    compact=True,
                    id="serial-other-port",
                    classes="-other-port",
                    tooltip="A port that is not listed (a pty, a socat link); Enter opens it",
                ),
            )

    @property
    def other_port(self) -> str | None:
        """A typed port (not in the list), or None."""
        return self.query_one("#serial-other-port", Input).value.strip() or None

    def _checked(self, id: str) -> bool:
        return self.query_one(f"#{id}", Checkbox).value

    def read(self, port: str) -> SerialSettings:
        """The settings to open `port` with; ValueError says which field is wrong."""
        baud_text = self.query_one("#serial-baud", Input).value.strip()
        try:
            baudrate = int(baud_text)
        except ValueError:
            raise ValueError(f"baud rate must be a whole number, got {baud_text!r}") from None
        no_reset = self._checked("serial-no-reset")
        return dataclasses.replace(
            self.template,
            port=port,
            baudrate=baudrate,
            bytesize=self._selected("serial-bytesize"),
            parity=self._selected("serial-parity"),
            stopbits=self._selected("serial-stopbits"),
            rtscts=self._checked("serial-rtscts"),
            xonxoff=self._checked("serial-xonxoff"),
            rs485=self._checked("serial-rs485"),
            dtr=False if no_reset else None,
            rts=False if no_reset else None,
            framing=self._selected("serial-framing"),
        )


class BleSettingsForm(LinkForm["BleSettings"]):
    """Identity, OCPP version, framing and scan time; the GATT service is shown."""

    identity_id = "ble-identity"
    version_id = "ble-version"

    def __init__(
        self,
        settings: BleSettings,
        identity: str | None,
        version: OcppVersion,
        scan_time: float,
        *,
        id: str | None = None,
    ) -> None:
        super().__init__(settings, identity, version, id=id)
        self.initial_scan_time = scan_time

    def compose(self) -> ComposeResult:
        from ocpptui.transports.ble_link import NUS_SERVICE_UUID

        s = self.template
        with Horizontal():
            yield from self._session_fields("from the device")
            yield from _field("Framing", _framing_select(s.framing, "ble-framing"))
            yield from _field(
                "Scan s",
                Input(
                    f"{self.initial_scan_time:g}",
                    type="number",
                    max_length=5,
                    compact=True,
                    id="ble-scan-time",
                    tooltip="How long a scan listens for advertisements (1-60 s)",
                ),
            )
        nus = " (Nordic UART)" if s.service_uuid.lower() == NUS_SERVICE_UUID else ""
        yield Static(
            f"GATT service {s.service_uuid}{nus}; other UART services: --service/--rx/--tx",
            classes="-hint",
            markup=False,
        )

    @property
    def scan_time(self) -> float:
        """Seconds per scan, kept within 1-60 s (a typo must not scan for an hour)."""
        text = self.query_one("#ble-scan-time", Input).value.strip()
        try:
            seconds = float(text)
        except ValueError:
            return self.initial_scan_time
        return min(max(seconds, 1.0), 60.0)

    def read(self, target: str) -> BleSettings:
        """The settings to connect `target` (an address) with."""
        return dataclasses.replace(
            self.template, target=target, framing=self._selected("ble-framing")
        )
