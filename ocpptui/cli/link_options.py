"""The options of local links: the `serial` and `ble` commands, and `--serial`/`--ble` on serve,
run and simulate (argparse only: `links` turns them into settings when a command runs)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ocpptui.transports.framing import DEFAULT_MAX_FRAME_BYTES, Framing

FRAMING_HELP = (
    "how frames are delimited on the link: ndjson (one JSON frame per line, default), "
    "length (4-byte big-endian length prefix) or stx (0x02 ... 0x03); both ends must agree"
)


def add_framing_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--framing", choices=[f.value for f in Framing], default="ndjson", help=FRAMING_HELP
    )
    parser.add_argument(
        "--max-frame",
        type=int,
        default=DEFAULT_MAX_FRAME_BYTES,
        metavar="BYTES",
        help=f"largest frame accepted (default {DEFAULT_MAX_FRAME_BYTES})",
    )


def add_serial_line_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("serial line")
    group.add_argument("--baud", type=int, default=115200, help="baud rate (default 115200)")
    group.add_argument("--bytesize", type=int, choices=[5, 6, 7, 8], default=8)
    group.add_argument("--parity", choices=["N", "E", "O"], default="N", help="default N")
    group.add_argument("--stopbits", type=float, choices=[1, 1.5, 2], default=1, help="default 1")
    group.add_argument("--rtscts", action="store_true", help="RTS/CTS hardware flow control")
    group.add_argument("--xonxoff", action="store_true", help="XON/XOFF software flow control")
    group.add_argument(
        "--rs485",
        action="store_true",
        help="RS-485 half duplex: RTS switches the transceiver to transmit while sending",
    )
    group.add_argument(
        "--no-reset",
        action="store_true",
        help="keep DTR and RTS low when opening (ESP32/Arduino boards reboot when they toggle)",
    )


def add_ble_service_options(parser: argparse.ArgumentParser) -> None:
    # Defaults (the Nordic UART Service) are filled in by BleSettings, so that building the
    # parser does not import bleak.
    group = parser.add_argument_group("BLE service (default: Nordic UART Service 6E400001-...)")
    group.add_argument("--service", metavar="UUID", help="GATT service carrying the frames")
    group.add_argument("--rx", metavar="UUID", help="characteristic ocpp-tui writes to")
    group.add_argument("--tx", metavar="UUID", help="characteristic the charger notifies")
    group.add_argument(
        "--scan-time", type=float, default=5.0, metavar="S", help="seconds to scan (default 5)"
    )


def add_session_options(parser: argparse.ArgumentParser) -> None:
    """No handshake on a local link: the identity and version are told, not negotiated."""
    group = parser.add_argument_group("charger session")
    group.add_argument(
        "--identity", help="charger identity (default: from the port name or BLE device)"
    )
    group.add_argument(
        "--protocol", default="ocpp1.6", help="ocpp1.6, ocpp2.0.1 or ocpp2.1 (default ocpp1.6)"
    )


def add_link_choice(parser: argparse.ArgumentParser) -> None:
    """`--serial PORT` / `--ble DEVICE` for serve and run: a local link instead of the server."""
    choice = parser.add_mutually_exclusive_group()
    choice.add_argument("--serial", metavar="PORT", help="run the session over this serial port")
    choice.add_argument(
        "--ble", metavar="DEVICE", help="run the session over this BLE device (address or name)"
    )
    add_framing_option(parser)
    add_serial_line_options(parser)
    add_ble_service_options(parser)
    add_session_options(parser)


def add_link_commands(commands: Any, run: Callable[[argparse.Namespace], int]) -> None:
    """The `serial` and `ble` commands (TUI with one local-link session), run by `run`."""
    serial = commands.add_parser(
        "serial", help="TUI with a charger on a serial port (no WebSocket server)"
    )
    serial.add_argument(
        "serial", nargs="?", metavar="PORT", help="e.g. /dev/ttyUSB0 or COM3 (omit to pick one)"
    )
    serial.add_argument(
        "--list", action="store_true", help="print the serial ports and exit (no port picker)"
    )
    add_framing_option(serial)
    add_serial_line_options(serial)
    add_session_options(serial)
    serial.add_argument("--log-dir", type=Path, help="write the session frame logs here")

    ble = commands.add_parser("ble", help="TUI with a charger over Bluetooth LE (no server)")
    ble.add_argument(
        "ble", nargs="?", metavar="DEVICE", help="address or advertised name (omit to scan)"
    )
    ble.add_argument(
        "--list", action="store_true", help="scan, print the devices and exit (no picker)"
    )
    add_framing_option(ble)
    add_ble_service_options(ble)
    add_session_options(ble)
    ble.add_argument("--log-dir", type=Path, help="write the session frame logs here")
    serial.set_defaults(run=run)
    ble.set_defaults(run=run)


def add_simulator_link_options(parser: argparse.ArgumentParser) -> None:
    """`simulate --serial PORT|pty` / `--ble HCI`: the simulated charger behind a local link."""
    choice = parser.add_mutually_exclusive_group()
    choice.add_argument(
        "--serial",
        metavar="PORT",
        help="serve the simulated charger on this serial port; 'pty' makes a virtual cable "
        "and prints the port for `ocpp-tui serial`",
    )
    choice.add_argument(
        "--ble",
        metavar="HCI",
        help="advertise the charger as a BLE UART peripheral on this controller, in bumble's "
        "transport syntax (usb:0, hci-socket:0); needs ocpp-tui[ble-sim]",
    )
    parser.add_argument(
        "--ble-name", default="ocpp-sim", help="advertised BLE name (default ocpp-sim)"
    )
    add_framing_option(parser)
    add_serial_line_options(parser)
    parser.add_argument(
        "--identity", help="identity the simulator uses on a local link (default SIM-1)"
    )
