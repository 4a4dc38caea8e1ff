"""Per-frame cost of ocpp-tui's frame path against the `ocpp` package's own work, same run.

    .venv/bin/python benchmarks/frame_path_bench.py [--frames 1000] [--repeats 5] [--quick]

A microbenchmark on OCPP 1.6 CALLs a charger sends (Heartbeat, StatusNotification,
MeterValues with ten sampled values), each sent with a fresh message id. Four paths, timed in
alternation on the same frames, median of `--repeats` runs of `--frames` frames each, in
CPU time of this process (`time.process_time`, user + system, so the file writes count and
other programs on the machine do not):

* `ocpp validate` (baseline): `ocpp.messages._validate_payload` on the CALL, i.e. the
  library's cached jsonschema Draft4Validator, nothing else;
* `ocpp-tui check+log`: what ocpp-tui adds for each incoming frame: `parse_frame`,
  `validate_payload` (every violation with its JSON path) and `FrameLog.record` (pairing,
  the in-memory windows, one JSON line written and flushed to a file in a temporary folder);
* `ocpp route` (baseline): the minimal CSMS's whole path for one CALL
  (`BaselineChargePoint.route_message`: unpack, validate the request, handler, validate and
  serialise the answer, send to a null connection);
* `ocpp-tui session`: `Session._handle_text` with a null transport: the check+log above, the
  library's routing and ocpp-tui's answer, and the outgoing CALLRESULT parsed, validated and
  logged too (two frames on disk per CALL).

In-process, no sockets; bounded by --timeout.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import itertools
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from baseline_csms import BaselineChargePoint  # noqa: E402
from ocpp.messages import Call, _validate_payload  # noqa: E402
from sample_frames import FRAME_PATH_CASES, call  # noqa: E402

from ocpptui.core.config import CsmsConfig  # noqa: E402
from ocpptui.core.frame import Direction  # noqa: E402
from ocpptui.core.frame_log import FrameLog  # noqa: E402
from ocpptui.core.frame_window import FrameWindow  # noqa: E402
from ocpptui.core.session import Session  # noqa: E402
from ocpptui.protocol.frames import parse_frame  # noqa: E402
from ocpptui.protocol.validation import validate_payload  # noqa: E402
from ocpptui.protocol.versions import OcppVersion  # noqa: E402
from ocpptui.transports.base import TransportInfo  # noqa: E402

VERSION = OcppVersion.V16
PATHS = ("ocpp validate", "ocpp-tui check+log", "ocpp route", "ocpp-tui session")
PAIRS = (("ocpp-tui check+log", "ocpp validate"), ("ocpp-tui session", "ocpp route"))


class NullTransport:
    """Takes frames and drops them; the session never reads from it here."""

    def __init__(self) -> None:
        self.info = TransportInfo(kind="websocket", peer="bench")

    async def send(self, text: str) -> None:
        return None

    async def recv(self) -> str:
        raise AssertionError("not read in this benchmark")

    async def close(self, reason: str = "") -> None:
        return None


class NullConnection:
    async def send(self, text: str) -> None:
        return None


def make_session(folder: Path, name: str) -> Session:
    frame_log = FrameLog(
        identity="BENCH",
        session_id=name,
        path=folder / name / "frames.jsonl",
        windows=(FrameWindow(), FrameWindow()),  # the charger's and the hub's, as in the app
    )
    return Session(
        identity="BENCH",
        version=VERSION,
        transport=NullTransport(),
        frame_log=frame_log,
        config=CsmsConfig(),
        clock=frame_log._clock,
        transaction_ids=itertools.count(1).__next__,
    )


Runner = Callable[[list[str], str, dict[str, Any]], Awaitable[float]]


def make_runners(folder: Path) -> dict[str, Runner]:
    names = itertools.count()
    baseline = BaselineChargePoint("BENCH", NullConnection())

    async def ocpp_validate(texts: list[str], action: str, payload: dict[str, Any]) -> float:
        messages = [Call(str(n), action, payload) for n in range(len(texts))]
        started = time.process_time()
        for message in messages:
            _validate_payload(message, "1.6")
        return time.process_time() - started

    async def check_and_log(texts: list[str], action: str, payload: dict[str, Any]) -> float:
        frame_log = FrameLog(
            identity="BENCH",
            session_id=f"log{next(names)}",
            path=folder / f"log{next(names)}.jsonl",
            windows=(FrameWindow(), FrameWindow()),
        )
        started = time.process_time()
        for text in texts:
            parsed = parse_frame(text, VERSION)
            violations = validate_payload(VERSION, action, parsed.payload, is_request=True)
            frame_log.record(Direction.IN, text, parsed, violations=violations)
        elapsed = time.process_time() - started
        frame_log.close()
        return elapsed

    async def ocpp_route(texts: list[str], action: str, payload: dict[str, Any]) -> float:
        started = time.process_time()
        for text in texts:
            await baseline.route_message(text)
        return time.process_time() - started

    async def session(texts: list[str], action: str, payload: dict[str, Any]) -> float:
        bench_session = make_session(folder, f"session{next(names)}")
        started = time.process_time()
        for text in texts:
            await bench_session._handle_text(text)
        elapsed = time.process_time() - started
        bench_session.frame_log.close()
        return elapsed

    return {
        "ocpp validate": ocpp_validate,
        "ocpp-tui check+log": check_and_log,
        "ocpp route": ocpp_route,
        "ocpp-tui session": session,
    }


async def measure(args: argparse.Namespace) -> dict[str, dict[str, float]]:
    """µs per frame, per case and path (median of the repeats)."""
    results: dict[str, dict[str, float]] = {}
    ids = itertools.count()
    with tempfile.TemporaryDirectory(prefix="ocpptui-frame-path-") as folder:
        runners = make_runners(Path(folder))
        for name, action, payload in FRAME_PATH_CASES:
            samples: dict[str, list[float]] = {path: [] for path in PATHS}
            for repeat in range(args.repeats + 1):  # the first round warms caches up
                texts = [call(f"m{next(ids)}", action, payload) for _ in range(args.frames)]
                for path in PATHS:
                    gc.collect()
                    elapsed = await runners[path](texts, action, payload)
                    if repeat:
                        samples[path].append(elapsed / len(texts) * 1e6)
            results[name] = {path: statistics.median(values) for path, values in samples.items()}
    return results


def report(results: dict[str, dict[str, float]], args: argparse.Namespace) -> None:
    print(
        f"OCPP 1.6, {args.frames} frames x {args.repeats} repeats, median CPU us per frame; "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}, "
        f"Python {sys.version.split()[0]}"
    )
    header = f"{'frame':<32}" + "".join(f"{path:>20}" for path in PATHS)
    header += "".join(f"{'ratio ' + str(i + 1):>10}" for i in range(len(PAIRS)))
    print(header)
    for name, row in results.items():
        line = f"{name:<32}" + "".join(f"{row[path]:>20.1f}" for path in PATHS)
        line += "".join(f"{row[ours] / row[base]:>9.2f}x" for ours, base in PAIRS)
        print(line)
    for index, (ours, base) in enumerate(PAIRS, start=1):
        print(f"ratio {index} = {ours} / {base}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frames", type=int, default=1000, help="frames per timed run")
    parser.add_argument("--repeats", type=int, default=5, help="timed runs per path")
    parser.add_argument("--quick", action="store_true", help="200 frames, one timed run")
    parser.add_argument("--timeout", type=float, default=300, help="give up after seconds")
    args = parser.parse_args()
    if args.quick:
        args.frames, args.repeats = 200, 1

    async def bounded() -> dict[str, dict[str, float]]:
        async with asyncio.timeout(args.timeout):
            return await measure(args)

    report(asyncio.run(bounded()), args)


if __name__ == "__main__":
    main()
