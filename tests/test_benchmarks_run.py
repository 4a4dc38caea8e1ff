"""Every benchmark still runs: its `--quick` mode, end to end, with what it must report.

Only that it runs and what it counts are checked, never how fast anything was: figures come
from full runs (benchmarks/README.md), as ratios against a baseline in the same run.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"

#: script → lines its output must contain.
EXPECTED = {
    "frame_path_bench.py": ["MeterValues (10 sampled values)", "ratio 2 = ocpp-tui session"],
    "capacity_bench.py": ["ratios, ocpp-tui / baseline:", "N=20"],
    "ui_filter_bench.py": ["-> lost: 0", "painted ms"],
    "ui_load_bench.py": ["-> lost: 0", "key p50"],
    "gc_pause_bench.py": ["frozen", "gc.collect()"],
    "startup_bench.py": ["ocpp-tui --help", "ocpp-tui TUI, first paint"],
    "file_server_bench.py": ["ocpp-tui FileServer"],
    "serial_bench.py": ["session: Heartbeat CALL/RESULT round trips"],
    "connection_cap_bench.py": ["held at the cap: 20 of 20", "ratio hammered / quiet"],
    "site_bench.py": ["ratio site / one at a time", "site run"],
}


@pytest.mark.slow
@pytest.mark.skipif(os.name != "posix", reason="the benchmarks use ptys and /proc")
@pytest.mark.parametrize("script", sorted(EXPECTED))
def test_quick_mode_runs(script: str) -> None:
    completed = subprocess.run(
        [sys.executable, str(BENCHMARKS / script), "--quick"],
        capture_output=True,
        text=True,
        timeout=110,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    for expected in EXPECTED[script]:
        assert expected in completed.stdout, completed.stdout
    if script == "capacity_bench.py":
        # ocpp-tui logged every frame of the run, and no charger saw an error.
        row = next(line for line in completed.stdout.splitlines() if line.startswith("ocpp-tui"))
        *_, errors, logged = row.split()
        frames_on_disk, frames_sent = logged.split("/")
        assert (frames_on_disk, errors) == (frames_sent, "0"), completed.stdout
