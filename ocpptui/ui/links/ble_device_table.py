"""The BLE devices one scan heard: the chargers offering the UART service first, marked."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar

from rich.style import Style
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import DataTable

from ocpptui.ui.common.display_text import shorten
from ocpptui.ui.common.table_cursor import cursor_row_key
from ocpptui.ui.links.serial_port_table import fit_columns

if TYPE_CHECKING:
    from ocpptui.transports.ble_link import BleDeviceInfo

COLUMNS = (
    ("uart", ""),
    ("name", "Name"),
    ("address", "Address"),
    ("rssi", "RSSI"),
    ("services", "Advertised services"),
)

#: The Bluetooth base UUID: a 16-bit service UUID is xxxx in 0000xxxx-0000-1000-8000-...
_BASE_SUFFIX = "-0000-1000-8000-00805f9b34fb"
_NUS = "6e400001-b5a3-f393-e0a9-e50e24dcca9e"


def service_label(uuid: str, wanted: str) -> str:
    """A short name for an advertised service UUID: `UART`, `180f`, `6e400001…`."""
    uuid = uuid.lower()
    if uuid == wanted.lower():
        return "UART" if uuid == _NUS else "UART*"
    if uuid == _NUS:
        return "NUS"
    if uuid.startswith("0000") and uuid.endswith(_BASE_SUFFIX):
        return uuid[4:8]
    return uuid[:8] + "…"


class BleDeviceTable(DataTable[Text]):
    """One row per advertising device, keyed by address, in the order of the scan result."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "enter",
            "select_cursor",
            "Connect",
            tooltip="Connect to the highlighted device with the settings below",
            id="ble_devices.connect",
        ),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {"ble-device-table--uart", "ble-device-table--weak"}

    DEFAULT_CSS = """
    BleDeviceTable {
        height: 1fr;
        min-height: 3;
        & > .ble-device-table--uart { color: $text-success; text-style: bold; }
        & > .ble-device-table--weak { color: $text-warning; }
    }
    """

    #: Below this a connection tends to fail or drop: move closer to the charger.
    WEAK_RSSI = -85

    class DeviceChosen(Message):
        """Enter or a click on a device row."""

        def __init__(self, address: str) -> None:
            super().__init__()
            self.address = address

    def __init__(self, service_uuid: str = _NUS, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.service_uuid = service_uuid
        self.devices: dict[str, BleDeviceInfo] = {}
        # Columns exist from the start: a scan's result may arrive before this is mounted.
        for key, label in COLUMNS:
            self.add_column(label, key=key)

    @property
    def highlighted_address(self) -> str | None:
        return cursor_row_key(self)

    def show_devices(self, devices: Iterable[BleDeviceInfo]) -> None:
        """Replace the rows with a scan's result (its order: UART devices first, then by
        signal); the cursor stays on its device while that one is still heard."""
        highlighted = self.highlighted_address
        self.devices = {device.address: device for device in devices}
        cells = {address: self._cells(device) for address, device in self.devices.items()}
        self.clear()
        fit_columns(self, list(cells.values()))
        for address, row in cells.items():
            self.add_row(*row, key=address)
        if highlighted is not None and highlighted in self.devices:
            self.move_cursor(row=self.get_row_index(highlighted), animate=False)

    def _cells(self, device: BleDeviceInfo) -> list[Text]:
        uart = self.get_component_rich_style("ble-device-table--uart")
        weak = self.get_component_rich_style("ble-device-table--weak")
        services = " ".join(service_label(u, self.service_uuid) for u in device.service_uuids)
        return [
            Text("★" if device.offers_service else " ", style=uart),
            Text(
                shorten(device.name, 24, "(no name)"), style=uart if device.offers_service else ""
            ),
            Text(shorten(device.address, 36)),
            Text(f"{device.rssi} dBm", style=weak if device.rssi < self.WEAK_RSSI else Style()),
            Text(shorten(services, 30)),
        ]

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value is not None:
            self.post_message(self.DeviceChosen(event.row_key.value))
