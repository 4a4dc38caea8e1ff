"""Start-up: `ocpp-tui --help` and the TUI's first painted screen, against the interpreter and
`import textual` as floors, same run.

    .venv/bin/python benchmarks/startup_bench.py [--runs 7] [--quick]

Each command runs `--runs` times in a fresh process, interleaved with the others so that
drift on the machine hits all alike; the median wall time from spawn to exit is reported:

* `python -c pass` and `python -c "import textual"` (the floors);
* `ocpp-tui --help` (the installed console script, as a user types it);
* the TUI's first painted screen: `ocpp-tui serve --host 127.0.0.1 --port 0` in a
  pseudo-terminal of 160x50 (TERM=xterm-256color, a temporary OCPP_TUI_HOME), timed from
  spawn until the main screen's "Chargers" panel title has been written to the terminal;
  then it is sent ctrl+q. Beside it, a minimal Textual app (one Static) timed the same way.

Then `python -X importtime -c "import ocpptui.cli"` names the modules `--help` pays for
(cumulative microseconds, the largest first). Bounded by --timeout.
"""

from __future__ import annotations

import argparse
import os
import pty
import select
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from collections.abc import Callable
from fcntl import ioctl
from pathlib import Path

PYTHON = sys.executable
OCPP_TUI = str(Path(sys.executable).with_name("ocpp-tui"))
MINIMAL_APP = """
from textual.app import App
from textual.widgets import Static

class Minimal(App):
    def compose(self):
        yield Static("hello-bench")

Minimal().run()
"""


def run_to_exit(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True
    )
    return time.perf_counter() - started


def first_paint(command: list[str], marker: bytes, env: dict[str, str], timeout: float) -> float:
    """Seconds from spawn until `marker` appears on the pseudo-terminal's screen output."""
    master, slave = pty.openpty()
    ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 160, 0, 0))
    started = time.perf_counter()
    process = subprocess.Popen(
        command, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True
    )
    os.close(slave)
    seen = b""
    elapsed = None
    try:
        deadline = started + timeout
        while elapsed is None and time.perf_counter() < deadline:
            ready, _, _ = select.select([master], [], [], 0.05)
            if not ready:
                if process.poll() is not None:
                    break
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            seen = seen[-len(marker) :] + chunk
            if marker in seen:
                elapsed = time.perf_counter() - started
        if elapsed is None:
            raise RuntimeError(f"{command} painted no {marker!r} within {timeout:g} s")
        os.write(master, b"\x11")  # ctrl+q
        _drain_until_exit(master, process, 10)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        os.close(master)
    return elapsed


def _drain_until_exit(master: int, process: subprocess.Popen, timeout: float) -> None:
    deadline = time.perf_counter() + timeout
    while process.poll() is None and time.perf_counter() < deadline:
        ready, _, _ = select.select([master], [], [], 0.05)
        if ready:
            try:
                os.read(master, 65536)
            except OSError:
                return


def import_costs(env: dict[str, str], top: int) -> list[tuple[int, str]]:
    """(cumulative µs, module) of the largest imports of `import ocpptui.cli`."""
    completed = subprocess.run(
        [PYTHON, "-X", "importtime", "-c", "import ocpptui.cli"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    costs = []
    for line in completed.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _, cumulative, name = line.split("|")
        depth = (len(name) - len(name.lstrip()) - 1) // 2  # two spaces per level
        if depth <= 1:  # ocpptui.cli itself and what it imports directly
            costs.append((int(cumulative), name.strip()))
    return sorted(costs, reverse=True)[:top]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7, help="runs per command")
    parser.add_argument("--quick", action="store_true", help="one run each, no warm-up")
    parser.add_argument("--timeout", type=float, default=240, help="give up after seconds")
    args = parser.parse_args()
    if args.quick:
        args.runs = 1
    if not Path(OCPP_TUI).exists() or shutil.which(PYTHON) is None:
        sys.exit(f"startup_bench: no {OCPP_TUI} (install the project into this environment)")

    deadline = time.monotonic() + args.timeout
    with tempfile.TemporaryDirectory(prefix="ocpptui-startup-") as home:
        env = {**os.environ, "OCPP_TUI_HOME": home, "TERM": "xterm-256color", "COLUMNS": "160"}
        env.pop("TEXTUAL", None)
        tui = [OCPP_TUI, "serve", "--host", "127.0.0.1", "--port", "0"]
        commands: dict[str, Callable[[], float]] = {
            "python -c pass": lambda: run_to_exit([PYTHON, "-c", "pass"], env),
            'python -c "import textual"': lambda: run_to_exit(
                [PYTHON, "-c", "import textual"], env
            ),
            "ocpp-tui --help": lambda: run_to_exit([OCPP_TUI, "--help"], env),
            "minimal Textual app, first paint": lambda: first_paint(
                [PYTHON, "-c", MINIMAL_APP], b"hello-bench", env, 30
            ),
            "ocpp-tui TUI, first paint": lambda: first_paint(tui, b"Chargers", env, 60),
        }
        for measure in commands.values() if not args.quick else ():
            measure()  # warm-up: page cache, .pyc files, the settings file written once
        timings: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.runs):
            for name, measure in commands.items():
                if time.monotonic() > deadline:
                    sys.exit(f"startup_bench: --timeout {args.timeout:g} s reached")
                timings[name].append(measure())
        costs = import_costs(env, 8)

    medians = {name: statistics.median(values) for name, values in timings.items()}
    floor = medians['python -c "import textual"']
    print(
        f"median of {args.runs} runs; {os.cpu_count()} CPUs, load average "
        f"{os.getloadavg()[0]:.1f}; Python {sys.version.split()[0]}"
    )
    print(f"{'command':<36} {'median ms':>10} {'min ms':>8} {'max ms':>8} {'/ import textual':>17}")
    for name, values in timings.items():
        print(
            f"{name:<36} {medians[name] * 1000:>10.0f} {min(values) * 1000:>8.0f} "
            f"{max(values) * 1000:>8.0f} {medians[name] / floor:>16.2f}x"
        )
    print("largest imports of `import ocpptui.cli` (cumulative, one run):")
    for cumulative, name in costs:
        print(f"  {cumulative / 1000:>7.1f} ms  {name}")


if __name__ == "__main__":
    main()
