"""The frame table inside the app: frames from real chargers on loopback into the app run
in-process, the live frame table against the same app with the table paused, and filtering
100,000 frames. (The TUI as a whole process, under a pty, against `serve --headless`:
`ui_load_bench.py`.)

    .venv/bin/python benchmarks/ui_filter_bench.py [--rate 500] [--seconds 30]
                                                [--filter-frames 100000] [--quick]

The app is the one the CLI runs (`ocpptui.app.app.make_app`, its mini-CSMS listening on
127.0.0.1, every frame logged to a temporary folder), headless under
`App.run_test(size=(160, 50))`, which still composes and renders every dirty line (only the
terminal write is skipped). A load generator process (`capacity_bench.py --generate`: plain
websockets clients) runs 50 OCPP 1.6 chargers whose MeterValues CALLs and their answers make
`--rate` frames/s in the frame log (rate/2 CALLs/s), in two back-to-back phases of
`--seconds` each:

* baseline: the main screen's "All frames" table paused (`p`): frames are recorded, the
  charger list and events panel still update, the table does not repaint;
* live: the table following the newest frame at its default 10 Hz.

For each phase: the process's CPU (the mini-CSMS and the UI share it) and the event loop's
lag (a 10 ms sleeper's overshoot). For the live phase: the time from a frame's arrival (its
`mono` stamp in the frame log) to its row existing in the FrameTable (taken in by `sync`,
which repaints at once). At the end: frames on disk and in the table's window against
2 x the CALLs sent (none may be lost).

Then `--filter-frames` MeterValues/Heartbeat/StatusNotification frames are injected through a
real Session (`Session._handle_text`, null transport, the frame log on disk) and filters are
applied to the main table (`frame_filter = parse_query(...)`): the time until the filtered
table is rebuilt and until the screen has been repainted, against a plain list scan of the
window with the same `FrameFilter.matches` (the floor). Bounded by --timeout.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(HERE))

from capacity_bench import raise_open_file_limit, start_generators  # noqa: E402
from sample_frames import STATUS_PAYLOAD, call, meter_values_payload  # noqa: E402

from ocpptui.app.app import make_app  # noqa: E402
from ocpptui.core.config import CsmsConfig  # noqa: E402
from ocpptui.core.frame_filter import parse_query  # noqa: E402
from ocpptui.core.hub import Hub  # noqa: E402
from ocpptui.paths import Paths  # noqa: E402
from ocpptui.protocol.versions import OcppVersion  # noqa: E402
from ocpptui.settings.model import Settings  # noqa: E402
from ocpptui.transports.base import TransportInfo  # noqa: E402
from ocpptui.ui.frames.frame_table import FrameTable  # noqa: E402

CHARGERS = 50
SIZE = (160, 50)
FILTERS = ("action:StatusNotification", "dir:out", "Charging", "is:error", "type:call dir:in")

#: Arrival-to-row latencies (seconds) of the table being watched, filled by the patched sync.
_row_latencies: list[float] = []
_watched: list[FrameTable] = []


def _patch_sync() -> None:
    """Time every frame the watched table takes in (FrameTable.sync is bound at mount)."""
    original = FrameTable.sync

    def timed_sync(self: FrameTable, force: bool = False) -> None:
        before = self._synced_total
        original(self, force)
        if self not in _watched or self._synced_total == before:
            return
        now = time.monotonic()
        for _, frame in self.window.since(before):
            _row_latencies.append(now - frame.mono)

    FrameTable.sync = timed_sync  # type: ignore[method-assign]


class LoopLag:
    """A 10 ms sleeper's overshoot: how late the event loop runs what is due."""

    def __init__(self) -> None:
        self.samples: list[float] = []
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            due = time.monotonic() + 0.01
            await asyncio.sleep(0.01)
            self.samples.append(max(0.0, time.monotonic() - due))

    def start(self) -> None:
        self.samples.clear()
        self._task = asyncio.create_task(self._run())

    def stop(self) -> list[float]:
        assert self._task is not None
        self._task.cancel()
        return sorted(self.samples)


def _percentile(values: list[float], percent: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * percent / 100))]


class NullTransport:
    def __init__(self) -> None:
        self.info = TransportInfo(kind="websocket", peer="injected")

    async def send(self, text: str) -> None:
        return None

    async def recv(self) -> str:
        await asyncio.Event().wait()
        raise AssertionError

    async def close(self, reason: str = "") -> None:
        return None


async def inject(hub: Hub, frames: int) -> float:
    """Feed `frames` frames (CALLs and the session's answers) through a real Session."""
    session = hub.open_session("INJECTED", OcppVersion.V16, NullTransport())
    kinds = [
        ("MeterValues", meter_values_payload()),
        ("Heartbeat", {}),
        ("MeterValues", meter_values_payload()),
        ("StatusNotification", STATUS_PAYLOAD),
        ("MeterValues", meter_values_payload()),
    ]
    started = time.monotonic()
    for number in range(frames // 2):
        action, payload = kinds[number % len(kinds)]
        await session._handle_text(call(f"i{number}", action, payload))
        if number % 500 == 0:
            await asyncio.sleep(0)  # let the UI breathe, as real traffic would
    return time.monotonic() - started


async def _readline(process: subprocess.Popen) -> str:
    assert process.stdout is not None
    return await asyncio.get_running_loop().run_in_executor(None, process.stdout.readline)


async def run(args: argparse.Namespace, folder: Path) -> dict[str, object]:
    _patch_sync()
    hub = Hub(CsmsConfig(port=0), sessions_dir=folder / "sessions")
    app = make_app(Settings(), Paths.under(folder), hub, host="127.0.0.1", port=0)
    app.animation_level = "none"
    results: dict[str, object] = {}
    async with app.run_test(size=SIZE) as pilot:
        deadline = time.monotonic() + 30
        while not hub.servers and time.monotonic() < deadline:
            await pilot.pause(0.05)
        table = app.screen.query_one("#all-frames", FrameTable)
        _watched.append(table)
        port = hub.servers[0].port
        interval = CHARGERS / (args.rate / 2)  # each charger's CALL interval
        (generator,) = start_generators(f"ws://127.0.0.1:{port}", CHARGERS, interval)
        try:
            line = await _readline(generator)
            if line.strip() != "ready":
                raise RuntimeError(f"load generator failed: {line!r}")
            start = time.monotonic() + 0.5
            warmup = 2.0
            assert generator.stdin is not None
            generator.stdin.write(f"go {start} {warmup} {2 * args.seconds} {interval}\n")
            generator.stdin.flush()
            table.paused = True
            await asyncio.sleep(max(0.0, start + warmup - time.monotonic()))
            for phase in ("baseline (table paused)", "live (table following)"):
                table.paused = phase.startswith("baseline")
                _row_latencies.clear()
                lag = LoopLag()
                lag.start()
                total_before = hub.frames.total
                wall, cpu = time.monotonic(), time.process_time()
                await asyncio.sleep(args.seconds)
                wall, cpu = time.monotonic() - wall, time.process_time() - cpu
                lags = lag.stop()
                results[phase] = {
                    "frames/s": (hub.frames.total - total_before) / wall,
                    "CPU %": cpu / wall * 100,
                    "lag p50 ms": _percentile(lags, 50) * 1000,
                    "lag p99 ms": _percentile(lags, 99) * 1000,
                    "row p50 ms": _percentile(_row_latencies, 50) * 1000,
                    "row p99 ms": _percentile(_row_latencies, 99) * 1000,
                    "row max ms": max(_row_latencies, default=float("nan")) * 1000,
                    "rows timed": len(_row_latencies),
                }
            out, _ = await asyncio.get_running_loop().run_in_executor(
                None, lambda: generator.communicate(timeout=120)
            )
        finally:
            if generator.poll() is None:
                generator.kill()
        generated = json.loads(out.strip().splitlines()[-1])
        await pilot.pause(0.5)  # the last answers are logged
        expected = 2 * generated["sent_total"]
        results["frames"] = {
            "expected (2 x CALLs sent)": expected,
            "in the table's window": hub.frames.total,
            "on disk": _lines_on_disk(folder / "sessions"),
            "generator errors": len(generated["errors"]),
        }

        injected_seconds = await inject(hub, args.filter_frames)
        table.paused = False
        table.sync()
        await pilot.pause(0.2)
        results["window"] = {
            "frames held": len(hub.frames),
            "injected": args.filter_frames,
            "injection s": injected_seconds,
        }
        results["filters"] = await time_filters(table, pilot, args.filter_repeats)
    return results


def _lines_on_disk(folder: Path) -> int:
    return sum(path.read_bytes().count(b"\n") for path in folder.rglob("frames.jsonl"))


async def time_filters(table: FrameTable, pilot, repeats: int) -> dict[str, dict[str, float]]:
    timings: dict[str, dict[str, float]] = {}
    window = table.window
    for query in FILTERS:
        frame_filter = parse_query(query)
        scans, applies, paints = [], [], []
        matched = 0
        for _ in range(repeats):
            started = time.perf_counter()
            matched = sum(1 for frame in window if frame_filter.matches(frame))
            scans.append(time.perf_counter() - started)

            table.frame_filter = parse_query("")
            await pilot.pause()
            started = time.perf_counter()
            table.frame_filter = frame_filter  # the watcher rebuilds the rows at once
            applies.append(time.perf_counter() - started)
            await _painted(table, pilot)
            paints.append(time.perf_counter() - started)
        assert table.row_count == matched, (query, table.row_count, matched)
        timings[query] = {
            "matched": matched,
            "scan ms": statistics.median(scans) * 1000,
            "applied ms": statistics.median(applies) * 1000,
            "painted ms": statistics.median(paints) * 1000,
        }
    table.frame_filter = parse_query("")
    return timings


async def _painted(table: FrameTable, pilot) -> None:
    """Until the table's next render after the filter (one compositor pass)."""
    rendered = asyncio.Event()
    original: Callable = table.render_lines

    def render_lines(crop):
        strips = original(crop)
        rendered.set()
        return strips

    table.render_lines = render_lines  # type: ignore[method-assign]
    try:
        async with asyncio.timeout(10):
            await rendered.wait()
    finally:
        del table.render_lines


def report(results: dict[str, object], args: argparse.Namespace) -> None:
    print(
        f"{args.rate} frames/s ({args.rate // 2} MeterValues CALLs/s + answers) from "
        f"{CHARGERS} chargers, {args.seconds:g} s per phase, app {SIZE[0]}x{SIZE[1]} headless; "
        f"{os.cpu_count()} CPUs, load average before the run {args.load_before:.1f}; "
        f"Python {sys.version.split()[0]}"
    )
    print(
        f"{'phase':<26} {'frames/s':>8} {'CPU %':>6} {'lag p50':>8} {'lag p99':>8}   "
        f"arrival -> row p50 / p99 / max (rows)"
    )
    phases = [key for key in results if key.startswith(("baseline", "live"))]
    for phase in phases:
        row = results[phase]
        assert isinstance(row, dict)
        latency = ""
        if row["rows timed"]:
            latency = (
                f"{row['row p50 ms']:.0f} / {row['row p99 ms']:.0f} / {row['row max ms']:.0f} ms "
                f"({row['rows timed']})"
            )
        print(
            f"{phase:<26} {row['frames/s']:>8.0f} {row['CPU %']:>6.1f} "
            f"{row['lag p50 ms']:>6.1f}ms {row['lag p99 ms']:>6.1f}ms   {latency}"
        )
    base, live = (results[phase] for phase in phases)
    assert isinstance(base, dict) and isinstance(live, dict)
    print(f"live / paused CPU: {live['CPU %'] / base['CPU %']:.2f}x")
    frames = results["frames"]
    assert isinstance(frames, dict)
    lost = frames["expected (2 x CALLs sent)"] - frames["on disk"]
    print(
        "frames: "
        + ", ".join(f"{key} {value}" for key, value in frames.items())
        + f" -> lost: {lost}"
    )
    window = results["window"]
    assert isinstance(window, dict)
    print(
        f"filters over {window['frames held']} frames held ({window['injected']} injected "
        f"through a Session in {window['injection s']:.1f} s), median of {args.filter_repeats}:"
    )
    print(
        f"  {'query':<28} {'matched':>8} {'scan ms':>8} {'applied ms':>11} {'painted ms':>11}"
        f" {'painted/scan':>13}"
    )
    filters = results["filters"]
    assert isinstance(filters, dict)
    for query, row in filters.items():
        print(
            f"  {query:<28} {row['matched']:>8} {row['scan ms']:>8.1f} "
            f"{row['applied ms']:>11.1f} {row['painted ms']:>11.1f} "
            f"{row['painted ms'] / row['scan ms']:>12.2f}x"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=int, default=500, help="frames/s into the frame log")
    parser.add_argument("--seconds", type=float, default=30, help="seconds per phase")
    parser.add_argument("--filter-frames", type=int, default=100_000, help="frames to filter")
    parser.add_argument("--filter-repeats", type=int, default=5, help="runs per filter")
    parser.add_argument("--quick", action="store_true", help="2 s phases, 2,000 frames")
    parser.add_argument("--timeout", type=float, default=290, help="give up after seconds")
    args = parser.parse_args()
    if args.quick:
        args.seconds, args.filter_frames, args.filter_repeats = 2.0, 2000, 1
    raise_open_file_limit()
    args.load_before = os.getloadavg()[0]

    async def bounded() -> dict[str, object]:
        with tempfile.TemporaryDirectory(prefix="ocpptui-ui-load-") as folder:
            async with asyncio.timeout(args.timeout):
                return await run(args, Path(folder))

    report(asyncio.run(bounded()), args)


if __name__ == "__main__":
    main()
