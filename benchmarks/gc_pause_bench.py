"""Garbage-collection pauses with 1,000,000 frames held in memory, with and without
`core/gc_pauses.py` (what `ocpp-tui serve`, TUI or headless, installs at start-up).

    .venv/bin/python benchmarks/gc_pause_bench.py [--frames 1000000] [--traffic 200000]
                                                 [--quick]

Each mode runs in a process of its own. A Hub holds the frames the way a long session does:
StatusNotification and Heartbeat CALLs and their answers, each recorded through a real
session's FrameLog (pairing, both windows; not written to disk, so that the disk is not
what is measured) until `--frames` minus `--traffic` are held. The last `--traffic` frames
up to `--frames` are then recorded with every collection's pause taken by `gc.callbacks`
(while windows grow, objects outlive collections and full collections come; once they are
full, each new frame frees an old one and the collector is rarely even started):

* baseline: Python's collector as it is;
* frozen: `gc_pauses.install()` after the frames were loaded (as the app does after its
  first screen), so that survivors of a full collection are not walked again.

Reported: the longest pause per generation while the last frames came, the number of full
collections, and one explicit `gc.collect()` at the end (what a full collection costs with
everything held: what the frozen mode avoids). Bounded by --timeout.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(HERE))

from sample_frames import STATUS_PAYLOAD  # noqa: E402


def load(frames: int):
    """A hub holding `frames` frames (and the session that records more)."""
    from ocpptui.core.config import CsmsConfig
    from ocpptui.core.frame import Direction
    from ocpptui.core.hub import Hub
    from ocpptui.protocol.frames import parse_frame
    from ocpptui.protocol.versions import OcppVersion
    from ocpptui.transports.base import TransportInfo

    class NullTransport:
        info = TransportInfo(kind="websocket", peer="bench")

        async def send(self, text: str) -> None:
            return None

        async def recv(self) -> str:
            raise ConnectionError

        async def close(self, reason: str = "") -> None:
            return None

    config = CsmsConfig(window_size=frames, frames_in_memory=2 * frames)
    hub = Hub(config)  # no sessions_dir: nothing written to disk
    session = hub.open_session("CP-GC", OcppVersion.V16, NullTransport())
    log = session.frame_log
    status = json.dumps(STATUS_PAYLOAD, separators=(",", ":"))
    number = 0

    def record(count: int) -> None:
        nonlocal number
        for _ in range(count // 2):
            number += 1
            message_id = f"m{number}"
            if number % 5:
                raw = f'[2,"{message_id}","Heartbeat",{{}}]'
                answer = (
                    f'[3,"{message_id}",{{"currentTime":"2026-11-25T12:00:{number % 60:02d}Z"}}]'
                )
            else:
                raw = f'[2,"{message_id}","StatusNotification",{status}]'
                answer = f'[3,"{message_id}",{{}}]'
            log.record(Direction.IN, raw, parse_frame(raw, OcppVersion.V16))
            log.record(Direction.OUT, answer, parse_frame(answer, OcppVersion.V16))

    return hub, record


def child(mode: str, frames: int, traffic: int) -> dict:
    from ocpptui.core import gc_pauses

    started = time.perf_counter()
    hub, record = load(frames)
    record(frames - traffic)
    loaded = time.perf_counter() - started
    pauses: list[tuple[int, float]] = []
    begun = [0.0]

    def timed(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            begun[0] = time.perf_counter()
        else:
            pauses.append((info["generation"], (time.perf_counter() - begun[0]) * 1000))

    if mode == "frozen":
        gc_pauses.install()
    gc.callbacks.append(timed)
    began = time.perf_counter()
    record(traffic)
    traffic_seconds = time.perf_counter() - began
    gc.callbacks.remove(timed)
    full_started = time.perf_counter()
    gc.collect()
    full_ms = (time.perf_counter() - full_started) * 1000
    by_generation = {
        generation: [ms for g, ms in pauses if g == generation] for generation in (0, 1, 2)
    }
    return {
        "mode": mode,
        "held": len(hub.frames),
        "load s": loaded,
        "traffic s": traffic_seconds,
        "collections": {g: len(v) for g, v in by_generation.items()},
        "longest ms": {g: max(v, default=0.0) for g, v in by_generation.items()},
        "total ms": {g: sum(v) for g, v in by_generation.items()},
        "explicit full collection ms": full_ms,
        "frozen objects": gc.get_freeze_count(),
        "tracked objects": sum(gc.get_count()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frames", type=int, default=1_000_000, help="frames held")
    parser.add_argument("--traffic", type=int, default=300_000, help="frames timed, last")
    parser.add_argument("--quick", action="store_true", help="20,000 frames, 10,000 timed")
    parser.add_argument("--timeout", type=float, default=900, help="give up after seconds")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.frames, args.traffic)))
        return
    if args.quick:
        args.frames, args.traffic = 20_000, 10_000
    load_before = os.getloadavg()[0]
    results = []
    for mode in ("baseline", "frozen"):
        command = [sys.executable, __file__, "--child", mode, "--frames", str(args.frames)]
        command += ["--traffic", str(args.traffic)]
        done = subprocess.run(
            command, capture_output=True, text=True, check=True, timeout=args.timeout, cwd=REPO
        )
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    print(
        f"{args.frames - args.traffic:,} frames held, then {args.traffic:,} more recorded and "
        f"timed (up to {args.frames:,}); "
        f"{os.cpu_count()} CPUs, load average {load_before:.1f}; Python {sys.version.split()[0]}"
    )
    print(
        f"{'mode':<10} {'held':>9} {'gen0 max':>9} {'gen1 max':>9} {'gen2 max':>9} "
        f"{'gen2 n':>7} {'gen2 total':>11} {'gc.collect()':>13} {'traffic s':>10}"
    )
    for row in results:
        longest, count, total = row["longest ms"], row["collections"], row["total ms"]
        print(
            f"{row['mode']:<10} {row['held']:>9,} {longest['0']:>7.1f}ms {longest['1']:>7.1f}ms "
            f"{longest['2']:>7.1f}ms {count['2']:>7} {total['2']:>9.0f}ms "
            f"{row['explicit full collection ms']:>11.1f}ms {row['traffic s']:>10.1f}"
        )
    base, frozen = results
    if base["longest ms"]["2"] and frozen["longest ms"]["2"]:
        ratio = frozen["longest ms"]["2"] / base["longest ms"]["2"]
        print(f"longest full-collection pause, frozen / baseline: {ratio:.3f}x")


if __name__ == "__main__":
    main()
