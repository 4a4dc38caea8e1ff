"""`ocpp-tui simulate`: the built-in charger simulator against a CSMS URL, or behind a local link
(`--serial PORT|pty`, `--ble HCI`) for `ocpp-tui serial` / `ocpp-tui ble` to reach."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Callable
from typing import Any

from ocpptui.cli.links import serial_settings
from ocpptui.core.safe_logging import log_to_stream
from ocpptui.protocol.versions import OcppVersion
from ocpptui.sim import SimulatedCharger, SimulatorOptions, simulate
from ocpptui.transports.framing import FrameCodec, Framing


def run(args: argparse.Namespace) -> int:
    try:
        protocol = OcppVersion.parse(args.protocol)
    except ValueError as exc:
        print(f"ocpp-tui simulate: {exc}", file=sys.stderr)
        return 2
    overrides = {
        key: value
        for key, value in (
            ("vendor", args.vendor),
            ("model", args.model),
            ("serial", args.serial_number),
            ("firmware", args.firmware),
        )
        if value
    }
    local_link = bool(args.serial or args.ble)
    if local_link == bool(args.url):
        print("ocpp-tui simulate: give a ws:// URL, or --serial / --ble", file=sys.stderr)
        return 2
    if args.file_transfer_protocols:
        overrides["file_transfer_protocols"] = args.file_transfer_protocols
    try:
        options = SimulatorOptions(
            protocol=protocol.subprotocol,
            connectors=args.connectors,
            auto_transaction=args.transaction,
            identity=(args.identity or "SIM-1") if local_link else None,
            firmware_failure=args.firmware_failure,
            upload_failure=args.upload_failure,
            transfer_tls_verify=not args.insecure_downloads,
            quirks=frozenset(args.quirk),
            **overrides,
        )
    except ValueError as exc:
        print(f"ocpp-tui simulate: {exc}", file=sys.stderr)
        return 2
    log_to_stream(logging.INFO, "%(asctime)s %(name)s: %(message)s")
    if local_link:
        return simulate_over_link(args, options)
    try:
        asyncio.run(simulate(args.url, options))
    except KeyboardInterrupt:
        pass
    return 0


def simulate_over_link(args: argparse.Namespace, options: SimulatorOptions) -> int:
    """`ocpp-tui simulate --serial PORT|pty` or `--ble HCI`; runs until Ctrl-C."""
    codec_framing = Framing(args.framing)

    async def main() -> int:
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
        return asyncio.run(main())
    except KeyboardInterrupt:
        return 0
