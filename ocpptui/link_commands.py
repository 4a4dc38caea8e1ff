"""The command line of local links: `serial`, `ble`, and `--serial`/`--ble` on serve/run/simulate.

`cli.py` registers these options and dispatches here; this module turns them into settings,
a `LinkStarter` (hub → LinkSupervisor) for the headless runners and the TUI, and the
simulator's link factories. pyserial, bleak and bumble are imported only when used.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from ocpptui.protocol.terminal_text import escape_controls
from ocpptui.transports.framing import DEFAULT_MAX_FRAME_BYTES, Framing

if TYPE_CHECKING:
    from ocpptui.core.hub import Hub
    from ocpptui.core.link_supervisor import LinkSupervisor
    from ocpptui.paths import Paths
    from ocpptui.settings.model import Settings
    from ocpptui.transports.ble_link import BleSettings
    from ocpptui.transports.serial_link import SerialSettings
    from ocpptui.widgets.link_settings import LinkDefaults

LinkStarter = Callable[["Hub"], "LinkSupervisor"]

FRAMING_HELP = (
    "how frames are delimited on the link: ndjson (one JSON frame per line, default), "
    "length (4-byte big-endian length prefix) or stx (0x02 ... 0x03); both ends must agree"
)

# ---------------------------------------------------------------------- options


def _run_async(coroutine):
    """`asyncio.run`, imported here: `--help` must not pay for importing asyncio."""
    import asyncio

    return asyncio.run(coroutine)


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


def add_link_commands(commands: Any) -> None:
    """The `serial` and `ble` commands (TUI with one local-link session)."""
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


# ---------------------------------------------------------------------- settings


def serial_settings(args: argparse.Namespace, port: str) -> SerialSettings:
    from ocpptui.transports.serial_link import SerialSettings

    return SerialSettings(
        port=port,
        baudrate=args.baud,
        bytesize=args.bytesize,
        parity=args.parity,
        stopbits=args.stopbits,
        rtscts=args.rtscts,
        xonxoff=args.xonxoff,
        rs485=args.rs485,
        dtr=False if args.no_reset else None,
        rts=False if args.no_reset else None,
        framing=Framing(args.framing),
        max_frame_bytes=args.max_frame,
    )


def ble_settings(args: argparse.Namespace, target: str) -> BleSettings:
    from ocpptui.transports.ble_link import BleSettings

    uuids = {
        name: value
        for name, value in (
            ("service_uuid", args.service),
            ("rx_uuid", args.rx),
            ("tx_uuid", args.tx),
        )
        if value
    }
    return BleSettings(
        target=target,
        framing=Framing(args.framing),
        max_frame_bytes=args.max_frame,
        scan_timeout=max(args.scan_time, 1.0),
        **uuids,
    )


def link_starter(
    args: argparse.Namespace, *, default_identity: str | None = None
) -> LinkStarter | None:
    """The starter for `--serial`/`--ble` (or the `serial`/`ble` commands); None without one.

    Raises ValueError for bad option values (the message is for the user).
    """
    from ocpptui.protocol.versions import OcppVersion

    port = getattr(args, "serial", None)
    device = getattr(args, "ble", None)
    if not port and not device:
        return None
    version = OcppVersion.parse(args.protocol)
    identity = args.identity or default_identity
    if port:
        settings = serial_settings(args, port)

        def start_serial(hub: Hub) -> LinkSupervisor:
            from ocpptui.core.link_supervisor import serial_supervisor

            return serial_supervisor(hub, settings, identity=identity, version=version)

        return start_serial
    ble = ble_settings(args, device)

    def start_ble(hub: Hub) -> LinkSupervisor:
        from ocpptui.core.link_supervisor import ble_supervisor

        return ble_supervisor(hub, ble, identity=identity, version=version)

    return start_ble


def link_defaults(args: argparse.Namespace) -> LinkDefaults:
    """What the TUI's serial and BLE pickers start from: this command line's options.

    Raises ValueError for bad option values (the message is for the user).
    """
    from ocpptui.protocol.versions import OcppVersion
    from ocpptui.transports.ble_link import BleSettings
    from ocpptui.transports.serial_link import SerialSettings
    from ocpptui.widgets.link_settings import LinkDefaults

    framing = Framing(args.framing)
    if hasattr(args, "baud"):
        serial = serial_settings(args, "")
    else:
        serial = SerialSettings("", framing=framing, max_frame_bytes=args.max_frame)
    if hasattr(args, "scan_time"):
        ble = ble_settings(args, "")
    else:
        ble = BleSettings("", framing=framing, max_frame_bytes=args.max_frame)
    return LinkDefaults(
        serial,
        ble,
        identity=args.identity,
        version=OcppVersion.parse(args.protocol),
        scan_time=min(max(getattr(args, "scan_time", 5.0), 1.0), 60.0),
    )


def playbook_identity(path: Path) -> str | None:
    """The identity the playbook's wait_for_charger step names (the link's default identity)."""
    from ocpptui.services.playbook import PlaybookError, load_playbook

    try:
        playbook = load_playbook(path)
    except (PlaybookError, OSError):
        return None  # the runner reports it
    for step in playbook.steps:
        if step.do == "wait_for_charger" and isinstance(step.options.get("identity"), str):
            return step.options["identity"]
    return None


# ---------------------------------------------------------------------- discovery


def print_serial_ports(out: TextIO = sys.stdout) -> int:
    """`ocpp-tui serial` without a port: list them and exit 2 with a hint."""
    from ocpptui.transports.serial_link import list_serial_ports

    ports = list_serial_ports()
    if ports:
        out.write("serial ports:\n")
        for port in ports:
            # USB descriptions are the device's own text.
            out.write(f"  {escape_controls(port.label)}\n")
        out.write(f"open one with: ocpp-tui serial {ports[0].device}\n")
    else:
        out.write(
            "no serial ports found: plug in the USB-serial adapter (on Linux check `dmesg`; "
            "the user needs the 'dialout' group)\n"
        )
    return 2


async def print_ble_devices(args: argparse.Namespace, out: TextIO = sys.stdout) -> int:
    """`ocpp-tui ble` without a device: scan, list, exit 2 with a hint."""
    from ocpptui.transports.ble_link import NUS_SERVICE_UUID, explain_ble_error, scan_ble_devices

    service = args.service or NUS_SERVICE_UUID
    try:
        devices = await scan_ble_devices(args.scan_time, service_uuid=service)
    except Exception as exc:  # no adapter, Bluetooth off, no permission: all "cannot scan"
        out.write(f"cannot scan for BLE devices: {explain_ble_error(exc)}\n")
        return 2
    if devices:
        out.write(f"BLE devices (UART = offers service {service}):\n")
        for device in devices:
            # An advertised name is anybody's within radio range.
            out.write(f"  {escape_controls(device.label)}\n")
        out.write(f"connect with: ocpp-tui ble {devices[0].address}\n")
    else:
        out.write(f"no BLE devices advertised within {args.scan_time:g} s\n")
    return 2


# ---------------------------------------------------------------------- TUI


def run_tui_with_picker(
    settings: Settings, paths: Paths, hub: Hub, defaults: LinkDefaults, kind: str
) -> int:
    """The TUI on the serial port picker (`kind="serial"`) or the BLE scan (`"ble"`): no port
    or device was given, so the technician picks one there; no WebSocket server."""
    from ocpptui.app.app import make_app

    app = make_app(settings, paths, hub, listen=False, link_defaults=defaults, pick_link=kind)
    app.run()
    return app.return_code or 0


def run_tui_with_link(
    settings: Settings,
    paths: Paths,
    hub: Hub,
    starter: LinkStarter,
    defaults: LinkDefaults | None = None,
) -> int:
    """The TUI with one local-link session and no WebSocket server (`listen=False`).

    The link is opened before the TUI takes the terminal, so a wrong port fails with a plain
    message; it lives on the same event loop as the app and is closed when the app ends. With
    `defaults`, the pickers can switch to another port or device (k on the main screen).
    """
    from ocpptui.app.app import make_app
    from ocpptui.core.link_supervisor import LinkOpenFailed

    app = make_app(settings, paths, hub, listen=False, link_defaults=defaults)

    async def main() -> int:
        supervisor = starter(hub)
        try:
            await supervisor.start()
        except LinkOpenFailed as exc:
            print(f"ocpp-tui: {exc}", file=sys.stderr)
            return 1
        app.attach_link(supervisor)
        try:
            await app.run_async()
        finally:
            await supervisor.stop("ocpp-tui is shutting down")
        return app.return_code or 0

    return _run_async(main())


# ---------------------------------------------------------------------- simulator


def simulate_over_link(args: argparse.Namespace, options: Any) -> int:
    """`ocpp-tui simulate --serial PORT|pty` or `--ble HCI`; runs until Ctrl-C."""
    from ocpptui.sim import SimulatedCharger

    codec_framing = Framing(args.framing)

    async def main() -> int:
        from ocpptui.transports.framing import FrameCodec

        codec = FrameCodec(codec_framing, args.max_frame)
        cleanup: list[Callable[[], Any]] = []
        if args.serial == "pty":
            from ocpptui.transports.pty_port import PtyCable

            try:
                cable = PtyCable.create()
            except OSError as exc:
                print(f"ocpp-tui simulate: {exc}", file=sys.stderr)
                return 2
            cleanup.append(cable.close)
            factory = cable.link_factory(codec)
            print(f"serial port for the laptop: {cable.slave_path}", flush=True)
            print(
                f"  ocpp-tui serial {cable.slave_path} --framing {codec_framing.value} "
                f"--protocol {options.protocol}",
                flush=True,
            )
        elif args.serial:
            from ocpptui.transports.serial_link import serial_link_factory

            factory = serial_link_factory(serial_settings(args, args.serial))
        else:
            from ocpptui.transports.ble_peripheral import NusPeripheral, open_hci_device

            try:
                device, hci = await open_hci_device(args.ble, args.ble_name)
            except Exception as exc:  # ImportError (no bumble), no such controller, ...
                print(f"ocpp-tui simulate: {exc}", file=sys.stderr)
                return 2
            import asyncio

            cleanup.append(lambda: asyncio.ensure_future(hci.close()))
            peripheral = NusPeripheral(device, codec)
            await peripheral.start(args.ble_name)
            print(f"advertising as {args.ble_name} ({device.random_address})", flush=True)
            factory = peripheral.link_factory()
        charger = SimulatedCharger(options=options, link_factory=factory)
        try:
            await charger.run()
        finally:
            await charger.stop()
            for step in cleanup:
                step()
        return 0

    try:
        return _run_async(main())
    except KeyboardInterrupt:
        return 0
