"""`ocpp-tui open` on a 1,000,000-frame log vs simply json.loads-ing every line, same run.

    .venv/bin/python benchmarks/big_log_bench.py [--frames 1000000] [--keep] [--naive]

Writes an ocpp-tui frame log (JSONL records as FrameLog writes them: Heartbeat and
StatusNotification CALLs with their answers) into a temporary folder, then runs each
measurement in its own process so that each peak RSS is its own:

* baseline: read the file line by line and `json.loads` every line (keeping nothing) —
  the least any viewer that parses the file up front must do;
* naive (`--naive`): the same, keeping every record in a list — what loading a log whole
  costs in memory;
* ocpp-tui: the viewer as `ocpp-tui open FILE` builds it (`make_log_app`), headless under
  `App.run_test(size=(160, 50))`: time to the first screen (rows rendered), to the whole
  file indexed, to a filtered view complete for each of FILTERS (structured filters read
  the index the indexer filled, free text searches the file's bytes and parses only the
  lines that hold it; each row says which), then peak RSS.

Times are wall and CPU (process time: every thread of the viewer, the UI's too) from the
start of the measurement in its process (imports excluded, as the baseline has none worth
counting); the filters are timed from the query to the complete filtered table. Ratios are
against the baseline's time and RSS. On a busy machine compare the CPU columns.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

SIZE = (160, 50)
#: (name, query): the structured filters the index answers, then free text.
FILTERS = (
    ("action", "action:StatusNotification"),
    ("direction", "dir:out"),
    ("type", "type:result"),
    ("charger", "charger:CP-BIG"),
    ("error", "is:error"),
    ("text", "Available"),
    ("text_and_direction", "dir:in currentTime"),
)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def measure_baseline(path: Path, keep: bool) -> dict:
    started, cpu = time.perf_counter(), time.process_time()
    kept = []
    count = 0
    with path.open("rb") as source:
        for line in source:
            record = json.loads(line)
            count += 1
            if keep:
                kept.append(record)
    return {
        "frames": count,
        "seconds": time.perf_counter() - started,
        "cpu": time.process_time() - cpu,
        "rss_mb": peak_rss_mb(),
    }


async def measure_viewer(path: Path) -> dict:
    import asyncio

    from ocpptui.app.log_app import make_log_app
    from ocpptui.core.frame_filter import parse_query
    from ocpptui.core.log_filter import FilteredFrames
    from ocpptui.paths import Paths
    from ocpptui.settings.model import Settings
    from ocpptui.ui.frames.log_viewer_screen import LogViewerScreen

    figures: dict = {}
    with tempfile.TemporaryDirectory() as home:
        started, cpu = time.perf_counter(), time.process_time()
        app = make_log_app(Settings(), Paths.under(Path(home)), path)
        app.animation_level = "none"
        async with app.run_test(size=SIZE):
            screen = app.screen
            assert isinstance(screen, LogViewerScreen)
            log = screen.log_file

            async def until(predicate, timeout: float = 900.0) -> tuple[float, float]:
                """(wall, CPU) seconds from the start until `predicate()` holds."""
                deadline = time.perf_counter() + timeout
                while not predicate():
                    if time.perf_counter() > deadline:
                        raise TimeoutError("the viewer did not get there in time")
                    # Not pilot.pause(): it forces a screen update on every call.
                    await asyncio.sleep(0.02)
                return time.perf_counter() - started, time.process_time() - cpu

            def first_screen() -> bool:
                table = screen.frame_table
                if table.row_count < table.visible_rows:
                    return False
                text = "".join(segment.text for segment in table.render_line(1))
                return "Heartbeat" in text

            figures["app_ready"] = time.perf_counter() - started, time.process_time() - cpu
            figures["first_screen"] = await until(first_screen)
            figures["parsed_at_first_screen"] = log.parsed_lines
            figures["rss_at_first_screen_mb"] = peak_rss_mb()
            figures["indexed"] = await until(lambda: log.index_complete)
            await until(lambda: screen.frame_table.row_count == log.total)
            figures["frames"] = log.total
            for name, query in FILTERS:
                began, began_cpu = time.perf_counter(), time.process_time()
                await screen.show_filtered(parse_query(query))
                view = screen.view
                assert isinstance(view, FilteredFrames)
                await until(lambda view=view: view.done)
                await until(lambda view=view: screen.frame_table.row_count == view.total)
                figures[name] = time.perf_counter() - began, time.process_time() - began_cpu
                figures[f"{name}_matches"] = view.total
                figures[f"{name}_method"] = view.method
            figures["parsed_lines"] = log.parsed_lines
        figures["rss_mb"] = peak_rss_mb()
    return figures


def child(kind: str, path: Path) -> None:
    if kind == "viewer":
        import asyncio

        result = asyncio.run(measure_viewer(path))
    else:
        result = measure_baseline(path, keep=kind == "naive")
    print(json.dumps(result))


def run_child(kind: str, path: Path) -> dict:
    output = subprocess.run(
        [sys.executable, __file__, "--child", kind, str(path)],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    )
    return json.loads(output.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frames", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the generated log")
    parser.add_argument("--naive", action="store_true", help="also load every record into memory")
    parser.add_argument("--child", nargs=2, metavar=("KIND", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]))
        return

    from tests.log_samples import write_jsonl_log

    folder = Path(tempfile.mkdtemp(prefix="ocpp-tui-big-log-"))
    path = folder / "frames.jsonl"
    began = time.perf_counter()
    frames = write_jsonl_log(path, args.frames // 2)
    size_mb = path.stat().st_size / 1e6
    print(f"command: {' '.join([Path(sys.executable).name, *sys.argv])}")
    print(
        f"log: {frames:,} frames, {size_mb:,.0f} MB, written in {time.perf_counter() - began:.1f} s"
    )
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    try:
        baseline = run_child("baseline", path)
        viewer = run_child("viewer", path)
        naive = run_child("naive", path) if args.naive else None
    finally:
        if not args.keep:
            path.unlink()
            folder.rmdir()
    base_s, base_cpu, base_mb = baseline["seconds"], baseline["cpu"], baseline["rss_mb"]
    print()
    print(f"baseline json.loads of every line: {base_s:.2f} s ({base_cpu:.2f} s CPU), "
          f"peak RSS {base_mb:.0f} MB")  # fmt: skip
    if naive is not None:
        print(
            f"naive load (records kept):         {naive['seconds']:.2f} s, peak RSS "
            f"{naive['rss_mb']:.0f} MB ({naive['rss_mb'] / base_mb:.1f}x)"
        )
    print("ocpp-tui open (headless run_test, 160x50)       wall       (x base)   CPU   (x base)")
    rows = [
        ("app started (screen mounted)", viewer["app_ready"]),
        ("first screen", viewer["first_screen"]),
        ("whole file indexed", viewer["indexed"]),
    ]
    rows += [
        (
            f"filter {query} ({viewer[f'{name}_matches']:,}, {viewer[f'{name}_method']})",
            viewer[name],
        )
        for name, query in FILTERS
    ]
    for label, (seconds, cpu) in rows:
        print(
            f"  {label:<44} {seconds:7.2f} s ({seconds / base_s:5.3f})"
            f" {cpu:7.2f} s ({cpu / base_cpu:5.3f})"
        )
    print(
        f"  lines parsed for the first screen: {viewer['parsed_at_first_screen']}, "
        f"in all: {viewer['parsed_lines']} of {viewer['frames']:,}"
    )
    print(
        f"  peak RSS {viewer['rss_at_first_screen_mb']:.0f} MB at the first screen, "
        f"{viewer['rss_mb']:.0f} MB at the end ({viewer['rss_mb'] / base_mb:.1f}x baseline; "
        f"the file is {size_mb:,.0f} MB)"
    )


if __name__ == "__main__":
    main()
