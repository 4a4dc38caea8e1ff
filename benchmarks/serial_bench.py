"""Serial link throughput over a pty against the line rate of 115200 baud 8N1, same run.

    .venv/bin/python benchmarks/serial_bench.py [--frames 2000] [--round-trips 500]
                                               [--frame-bytes 350] [--baud 115200] [--quick]

A pty pair stands in for the cable: the laptop side is ocpp-tui's SerialTransport (pyserial
on the slave, opened at `--baud`, its reader thread and framing decoder), the charger side a
StreamTransport on the master. Two paths are measured for each framing:

* transport: frames/s the laptop receives when the far end sends `--frames` frames of
  `--frame-bytes` (a MeterValues-sized CALL) back to back;
* session: CALL/CALLRESULT round trips/s through a real Hub session (parse, validation,
  frame log on disk, the `ocpp` library's Heartbeat handler), one CALL in flight as OCPP-J
  requires.

Beside each figure: what the line itself can carry at `--baud` with 8N1 (10 bits on the
wire per byte: start + 8 data + stop) for exactly those bytes, delimiters included. A pty
does not pace bytes to a baud rate, so the ratio says how much headroom the software has
over a real cable; above 1 the line, not ocpp-tui, is the limit. Loopback only; bounded by
--timeout.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from ocpptui.core.config import CsmsConfig  # noqa: E402
from ocpptui.core.hub import Hub  # noqa: E402
from ocpptui.core.link_supervisor import serial_supervisor  # noqa: E402
from ocpptui.transports.framing import FrameCodec, Framing  # noqa: E402
from ocpptui.transports.pty_port import PtyCable  # noqa: E402
from ocpptui.transports.serial_link import SerialSettings, SerialTransport  # noqa: E402

BITS_PER_BYTE_8N1 = 10


def meter_values_frame(size: int) -> str:
    """A MeterValues CALL padded to `size` bytes of UTF-8."""
    frame = [
        2,
        "0f6c3a4e-4b1c-4c59-9d5e-2b7f6c0e1a11",
        "MeterValues",
        {
            "connectorId": 1,
            "transactionId": 1234,
            "meterValue": [
                {
                    "timestamp": "2026-11-25T12:00:00.000Z",
                    "sampledValue": [{"value": "", "measurand": "Energy.Active.Import.Register"}],
                }
            ],
        },
    ]
    text = json.dumps(frame, separators=(",", ":"))
    padding = max(0, size - len(text))
    frame[3]["meterValue"][0]["sampledValue"][0]["value"] = "1" * padding
    return json.dumps(frame, separators=(",", ":"))


def line_rate(bytes_per_item: int, baud: int) -> float:
    """Items per second the line carries at `baud`, 8N1."""
    return baud / BITS_PER_BYTE_8N1 / bytes_per_item


async def transport_rate(framing: Framing, frame: str, count: int, baud: int) -> float:
    codec = FrameCodec(framing)
    cable = PtyCable.create()
    laptop = await SerialTransport.open(SerialSettings(cable.slave_path, baud, framing=framing))
    far = cable.link(codec)
    try:

        async def send_all() -> None:
            for _ in range(count):
                await far.send(frame)

        started = time.perf_counter()
        sender = asyncio.create_task(send_all())
        for _ in range(count):
            received = await laptop.recv()
        elapsed = time.perf_counter() - started
        await sender
        assert received == frame
        return count / elapsed
    finally:
        await laptop.close()
        await far.close()
        cable.close()


async def session_rate(framing: Framing, count: int, baud: int, folder: Path) -> tuple[float, int]:
    """Round trips/s of Heartbeat through a hub session; also the bytes of one round trip."""
    codec = FrameCodec(framing)
    cable = PtyCable.create()
    hub = Hub(CsmsConfig(call_timeout=10), sessions_dir=folder / framing.value)
    supervisor = serial_supervisor(
        hub, SerialSettings(cable.slave_path, baud, framing=framing), identity="BENCH"
    )
    await supervisor.start()
    far = cable.link(codec)
    boot = '[2,"boot","BootNotification",{"chargePointVendor":"Bench","chargePointModel":"B"}]'
    try:
        await far.send(boot)
        await far.recv()
        request = '[2,"hb","Heartbeat",{}]'
        answer = ""
        started = time.perf_counter()
        for _ in range(count):
            await far.send(request)
            answer = await far.recv()
        elapsed = time.perf_counter() - started
        pair_bytes = len(codec.encode(request)) + len(codec.encode(answer))
        return count / elapsed, pair_bytes
    finally:
        await far.close()
        await supervisor.stop()
        await hub.stop()
        cable.close()


async def run(args: argparse.Namespace) -> None:
    frame = meter_values_frame(args.frame_bytes)
    rows: list[tuple[str, str, float, float]] = []
    with tempfile.TemporaryDirectory(prefix="ocpptui-serial-bench-") as folder:
        for framing in Framing:
            codec = FrameCodec(framing)
            await transport_rate(framing, frame, min(200, args.frames), args.baud)  # warm-up
            rate = await transport_rate(framing, frame, args.frames, args.baud)
            rows.append(
                (
                    framing.value,
                    f"transport: {len(frame)}-byte frames, one way",
                    rate,
                    line_rate(len(codec.encode(frame)), args.baud),
                )
            )
            pairs, pair_bytes = await session_rate(
                framing, args.round_trips, args.baud, Path(folder)
            )
            rows.append(
                (
                    framing.value,
                    "session: Heartbeat CALL/RESULT round trips",
                    pairs,
                    line_rate(pair_bytes, args.baud),
                )
            )
    print(f"line: {args.baud} baud 8N1 = {args.baud // BITS_PER_BYTE_8N1} bytes/s each way")
    print(f"{'framing':<8} {'path':<46} {'measured/s':>11} {'line rate/s':>12} {'ratio':>8}")
    for framing_name, path, measured, line in rows:
        print(
            f"{framing_name:<8} {path:<46} {measured:>11,.0f} {line:>12,.1f} "
            f"{measured / line:>7.0f}x"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frames", type=int, default=2000, help="frames per transport run")
    parser.add_argument("--round-trips", type=int, default=500, help="round trips per session")
    parser.add_argument("--frame-bytes", type=int, default=350, help="frame size (transport)")
    parser.add_argument("--baud", type=int, default=115200, help="baud rate of the line")
    parser.add_argument("--timeout", type=float, default=300, help="give up after seconds")
    parser.add_argument("--quick", action="store_true", help="200 frames, 50 round trips")
    args = parser.parse_args()
    if args.quick:
        args.frames, args.round_trips = 200, 50
    if os.name != "posix":
        sys.exit("serial_bench needs pseudo-terminals (Linux or macOS)")

    async def bounded() -> None:
        async with asyncio.timeout(args.timeout):
            await run(args)

    asyncio.run(bounded())


if __name__ == "__main__":
    main()
