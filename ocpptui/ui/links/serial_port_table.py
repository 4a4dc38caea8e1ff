"""The serial ports the laptop has now, one row each, updated in place as cables come and go."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, ClassVar

from rich.style import Style
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import DataTable

from ocpptui.ui.common.display_text import shorten
from ocpptui.ui.common.table_cursor import cursor_row_key

if TYPE_CHECKING:
    from ocpptui.transports.serial_link import SerialPortInfo

COLUMNS = (
    ("device", "Port"),
    ("description", "Description"),
    ("usb", "USB VID:PID"),
    ("serial", "Serial no."),
    ("maker", "Manufacturer"),
)


def fit_columns(table: DataTable[Text], rows: Sequence[Sequence[Text]]) -> None:
    """Size every column to its label and these cells, before the rows change.

    DataTable measures new cells when it is next idle, but the screen may paint before that
    and keep the lines it painted with the old widths (a new port's path showed cut to the
    width of "Port"). Fixed widths set before `add_row` are in place for the first paint.
    """
    for index, column in enumerate(table.ordered_columns):
        widths = [column.label.cell_len, *(row[index].cell_len for row in rows)]
        column.width = max(widths)
        column.auto_width = False


def _order(port: SerialPortInfo) -> tuple[bool, str]:
    """USB adapters first (they are what a technician plugs in), then by name."""
    return (port.vid_pid is None, port.device)


class SerialPortTable(DataTable[Text]):
    """Ports keyed by device path; a rescan adds and removes rows, the cursor stays put."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "enter",
            "select_cursor",
            "Open",
            tooltip="Open the highlighted port with the settings below",
            id="serial_ports.open",
        ),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {"serial-port-table--new"}

    DEFAULT_CSS = """
    SerialPortTable {
        height: 1fr;
        min-height: 3;
        & > .serial-port-table--new { color: $text-success; text-style: bold; }
    }
    """

    class PortChosen(Message):
        """Enter or a click on a port row."""

        def __init__(self, device: str) -> None:
            super().__init__()
            self.device = device

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.ports: dict[str, SerialPortInfo] = {}
        #: Ports that appeared after the first scan (a cable plugged in while looking).
        self.new_devices: set[str] = set()
        self._scanned = False
        # Columns exist from the start: a scan's result may arrive before this is mounted.
        for key, label in COLUMNS:
            self.add_column(label, key=key)

    @property
    def highlighted_device(self) -> str | None:
        return cursor_row_key(self)

    def show_ports(self, ports: Iterable[SerialPortInfo]) -> list[SerialPortInfo]:
        """Bring the rows in line with `ports`; returns the ports that are new since the last
        call. Unchanged rows are not touched, and the cursor stays on its port."""
        wanted = {port.device: port for port in sorted(ports, key=_order)}
        highlighted = self.highlighted_device
        appeared = [port for device, port in wanted.items() if device not in self.ports]
        if self._scanned:
            self.new_devices.update(port.device for port in appeared)
        self.new_devices &= wanted.keys()
        kept = [device for device in self.ports if device in wanted]
        cells = {device: self._cells(port) for device, port in wanted.items()}
        fit_columns(self, list(cells.values()))
        if kept + [port.device for port in appeared] != list(wanted):
            # A new port sorts between existing ones: rows are only ever appended, so
            # lay them out again (a handful of rows, once per plugged cable).
            self.clear()
            for device in wanted:
                self.add_row(*cells[device], key=device)
        else:
            for device in [d for d in self.ports if d not in wanted]:
                self.remove_row(device)
            for device, port in wanted.items():
                if device not in self.ports:
                    self.add_row(*cells[device], key=device)
                elif self.ports[device] != port:
                    for (key, _), cell in zip(COLUMNS, cells[device], strict=True):
                        self.update_cell(device, key, cell)
        self.ports = wanted
        self._scanned = True
        if highlighted is not None and highlighted in wanted:
            self.move_cursor(row=self.get_row_index(highlighted), animate=False)
        return appeared

    def _cells(self, port: SerialPortInfo) -> list[Text]:
        new = port.device in self.new_devices
        style = self.get_component_rich_style("serial-port-table--new") if new else Style()
        manufacturer = port.manufacturer if port.manufacturer not in (None, "n/a") else None
        description = port.description if port.description not in ("", "n/a") else None
        return [
            Text(("+ " if new else "") + shorten(port.device, 40), style=style),
            Text(shorten(description, 34)),
            Text(port.vid_pid or "—"),
            Text(shorten(port.serial_number, 20)),
            Text(shorten(manufacturer, 20)),
        ]

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value is not None:
            self.post_message(self.PortChosen(event.row_key.value))
