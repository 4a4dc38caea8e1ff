"""`ocpp-tui serial [PORT]` and `ocpp-tui ble [DEVICE]`, and what `--serial`/`--ble` on serve
and run need: the options (`link_options`) turned into link settings, a `LinkStarter` (hub →
LinkSupervisor) for the headless runners and the TUI, the pickers' defaults.

pyserial, bleak and the UI are imported only when used.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from ocpptui.cli.startup import CommandLineError, configure_logging, load, make_hub
from ocpptui.protocol.terminal_text import escape_controls
from ocpptui.transports.framing import Framing

if TYPE_CHECKING:
    from ocpptui.core.hub import Hub
    from ocpptui.core.link_supervisor import LinkSupervisor
    from ocpptui.paths import Paths
    from ocpptui.settings.model import Settings
    from ocpptui.transports.ble_link import BleSettings
    from ocpptui.transports.serial_link import SerialSettings
    from ocpptui.ui.links.link_settings import LinkDefaults

LinkStarter = Callable[["Hub"], "LinkSupervisor"]


def run(args: argparse.Namespace) -> int:
    """`ocpp-tui serial [PORT]` / `ocpp-tui ble [DEVICE]`: the TUI on that link, or on the
    picker without one (`--list`, or output that is not a terminal: print what is there)."""
    paths, settings = load(args)
    picking = not (args.serial if args.command == "serial" else args.ble)
    if picking and (args.list or not sys.stdout.isatty()):
        if args.command == "serial":
            return print_serial_ports()
        return asyncio.run(print_ble_devices(args))
    try:
        defaults = link_defaults(args)
        starter = None if picking else link_starter(args)
    except ValueError as exc:
        raise CommandLineError(str(exc)) from None
    hub = make_hub(settings, paths, args.log_dir)
    configure_logging(paths, to_stderr=False)
    if starter is None:
        return run_tui_with_picker(settings, paths, hub, defaults, args.command)
    return run_tui_with_link(settings, paths, hub, starter, defaults)


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
    from ocpptui.ui.links.link_settings import LinkDefaults

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

    return asyncio.run(main())
