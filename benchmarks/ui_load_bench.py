"""The TUI under load, as a user runs it (a process in a terminal), against `serve --headless`
taking the same load in the same run.

    .venv/bin/python benchmarks/ui_load_bench.py [--seconds 20] [--warmup 5] [--with-1000]
                                                [--only 500] [--quick]

Load profiles (plain `websockets` clients in separate processes: `capacity_bench.py
--generate`, one process per 500 chargers, independent of ocpp-tui's code), each charger
sending a MeterValues CALL (ten sampled values, ~1 kB) per interval, phases spread evenly,
one CALL in flight per charger, every CALL and answer logged by ocpp-tui:

* 500 CALLs/s: 50 chargers every 0.1 s (1,000 frames/s into the frame log);
* 2,000 CALLs/s: 1,000 chargers every 0.5 s (4,000 frames/s), with `--with-1000`.

For each profile, one after the other on a fresh server each (the order alternates between
profiles so that drift on the machine hits all alike):

* headless (the baseline): `python -m ocpptui serve --headless --log-dir D`, its frame
  lines to /dev/null (every server with `[server] max_connections_per_ip = 0`: the whole
  load comes from 127.0.0.1);
* TUI, main screen: `python -m ocpptui serve --log-dir D` in a 160x50 pseudo-terminal
  (TERM=xterm-256color, a temporary OCPP_TUI_HOME), the main screen's "All frames" table
  following; the benchmark reads everything the app writes to the terminal;
* TUI, charger screen: the same, after `enter` on the charger list once every charger booted:
  the first charger's screen, its frame table following;
* with `--servers ...,hub-thread`: the TUI's main screen with the hub on a thread and event
  loop of its own (`hub_thread_tui.py`), the alternative issue 18 asked to measure.

Measured over `--seconds` after `--warmup`: the server process's CPU (utime+stime from
/proc, so the benchmark's own threads do not count) as a share of one core; the round trip
of every CALL from the charger's side (sent → answer received, in the generator) p50/p99;
for the TUI, in the second half of the window, every `--key-every` seconds `?` is typed and
the time until the help box's title ("ocpp-tui keys") has been written to the terminal is
taken, then `?` closes it again (so the key is answered by a full repaint of a new screen,
under the load); the p99 is also given for each half ("1st/2nd": without and with keys).
At the end the frames on disk against 2 x every CALL sent (boots included): none may be lost.

Two cores shared with other programs make absolute figures noisy: compare the ratios
against headless from the same run (printed), and the load average (printed).
"""

from __future__ import annotations

import argparse
import json
import os
import pty
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from dataclasses import dataclass, field
from fcntl import ioctl
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from baseline_csms import raise_open_file_limit  # noqa: E402
from capacity_bench import _proc_cpu_seconds, _proc_rss_mb, start_generators  # noqa: E402

HEADLESS = "headless"
TUI_MAIN = "TUI, main screen"
TUI_CHARGER = "TUI, charger screen"
#: The measured alternative (issue 18, point 2): the hub on its own thread and event loop.
TUI_HUB_THREAD = "TUI, hub thread"
SIZE = (160, 50)  # columns, rows
HELP_MARKER = b"ocpp-tui keys"
#: What each screen shows again once help is closed (its footer, which help replaced).
SCREEN_MARKERS = {
    TUI_MAIN: b"Connections",
    TUI_CHARGER: b"Commission",
    TUI_HUB_THREAD: b"Connections",
}
CHARGER_SCREEN_MARKER = b"frames in memory"


@dataclass(frozen=True)
class Profile:
    chargers: int
    interval: float

    @property
    def calls_per_s(self) -> float:
        return self.chargers / self.interval

    @property
    def label(self) -> str:
        return (
            f"{self.calls_per_s:,.0f} CALLs/s: {self.chargers} chargers every "
            f"{self.interval:g} s ({2 * self.calls_per_s:,.0f} frames/s)"
        )


@dataclass
class Row:
    profile: Profile
    server: str
    cpu_share: float = float("nan")
    rss_mb: float | None = None
    calls_per_s: float = 0.0
    p50_ms: float = float("nan")
    p99_ms: float = float("nan")
    max_ms: float = float("nan")
    frames_expected: int = 0
    frames_on_disk: int = 0
    errors: list[str] = field(default_factory=list)
    keys_ms: list[float] = field(default_factory=list)
    keys_missed: int = 0
    #: p99 of the calls sent in the first half of the window (no key typed) and the second
    #: (a `?` every --key-every seconds: each opens and closes help, a full repaint each).
    p99_quiet_ms: float = float("nan")
    p99_keys_ms: float = float("nan")

    @property
    def lost(self) -> int:
        return self.frames_expected - self.frames_on_disk


# ------------------------------------------------------------------ the terminal


class Terminal:
    """A program in a pseudo-terminal; a thread reads (and so drains) everything it writes."""

    def __init__(self, command: list[str], env: dict[str, str]) -> None:
        master, slave = pty.openpty()
        columns, rows = SIZE
        ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        self.process = subprocess.Popen(
            command, stdin=slave, stdout=slave, stderr=slave, env=env, cwd=REPO,
            start_new_session=True,
        )  # fmt: skip
        os.close(slave)
        self.master = master
        self._lock = threading.Lock()
        self._tail = b""
        self._marker: bytes | None = None
        self._seen = threading.Event()
        self._seen_at = 0.0
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                chunk = os.read(self.master, 1 << 16)
            except OSError:
                return
            if not chunk:
                return
            now = time.monotonic()
            with self._lock:
                data = self._tail + chunk
                if self._marker is not None and self._marker in data:
                    self._seen_at = now
                    self._marker = None
                    self._seen.set()
                self._tail = data[-512:]

    @property
    def tail(self) -> bytes:
        """The last bytes written (for error messages)."""
        with self._lock:
            return self._tail

    def expect(self, marker: bytes, timeout: float, keys: bytes = b"") -> float | None:
        """Type `keys` (if any), then wait until `marker` is written; seconds, or None."""
        with self._lock:
            self._tail = b""
            self._marker = marker
            self._seen.clear()
        started = time.monotonic()
        if keys:
            os.write(self.master, keys)
        if not self._seen.wait(timeout):
            with self._lock:
                self._marker = None
            return None
        return self._seen_at - started

    def stop(self) -> None:
        if self.process.poll() is None:
            try:
                os.write(self.master, b"\x11")  # ctrl+q
            except OSError:
                pass
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        os.close(self.master)


# ------------------------------------------------------------------ servers


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_listening(port: int, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port} after {timeout:g} s")


class Server:
    """ocpp-tui headless, or the TUI in a terminal, on a free loopback port."""

    def __init__(self, kind: str, folder: Path) -> None:
        self.kind = kind
        self.log_dir = folder / "sessions"
        self.port = free_port()
        env = {**os.environ, "OCPP_TUI_HOME": str(folder / "home")}
        # Every charger of the load comes from 127.0.0.1: no per-address connection cap.
        settings = folder / "settings.toml"
        settings.write_text("[server]\nmax_connections_per_ip = 0\n")
        command = [sys.executable, "-m", "ocpptui", "--settings", str(settings), "serve"]
        command += ["--host", "127.0.0.1", "--port", str(self.port), "--log-dir", str(self.log_dir)]
        self.terminal: Terminal | None = None
        if kind == HEADLESS:
            self._err = (folder / "server.err").open("w")
            self.process = subprocess.Popen(
                [*command, "--headless"], cwd=REPO, env=env, stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, stderr=self._err,
            )  # fmt: skip
        else:
            env.update(TERM="xterm-256color", COLUMNS=str(SIZE[0]), LINES=str(SIZE[1]))
            env.pop("TEXTUAL", None)
            if kind == TUI_HUB_THREAD:
                command = [sys.executable, str(HERE / "hub_thread_tui.py"), "--host", "127.0.0.1"]
                command += ["--port", str(self.port), "--log-dir", str(self.log_dir)]
                command += ["--settings", str(settings)]
            self.terminal = Terminal(command, env)
            self.process = self.terminal.process
            if self.terminal.expect(b"Chargers", 60) is None:
                self.stop()
                raise RuntimeError("the TUI painted no main screen within 60 s")
        wait_listening(self.port, self.process)

    def cpu_seconds(self) -> float | None:
        return _proc_cpu_seconds(self.process.pid)

    def frames_on_disk(self) -> int:
        return sum(path.read_bytes().count(b"\n") for path in self.log_dir.rglob("frames.jsonl"))

    def stop(self) -> None:
        if self.terminal is not None:
            self.terminal.stop()
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._err.close()


# ------------------------------------------------------------------ one measurement


def measure(kind: str, profile: Profile, args: argparse.Namespace, folder: Path) -> Row:
    row = Row(profile, kind)
    server = Server(kind, folder)
    generators: list[subprocess.Popen] = []
    results = []
    try:
        generators = start_generators(
            f"ws://127.0.0.1:{server.port}", profile.chargers, profile.interval
        )
        for generator in generators:
            assert generator.stdout is not None
            line = generator.stdout.readline()
            if line.strip() != "ready":
                raise RuntimeError(f"a load generator failed while connecting ({line!r})")
        terminal = server.terminal
        if kind == TUI_CHARGER:
            assert terminal is not None
            time.sleep(1.0)  # the charger list shows the chargers at the UI's next tick
            if terminal.expect(CHARGER_SCREEN_MARKER, 30, keys=b"\r") is None:
                raise RuntimeError(
                    f"enter on the charger list showed no charger screen: {terminal.tail!r}"
                )
        start = time.monotonic() + 0.5
        for generator in generators:
            assert generator.stdin is not None
            generator.stdin.write(f"go {start} {args.warmup} {args.seconds} {profile.interval}\n")
            generator.stdin.flush()
        window_start, window_end = start + args.warmup, start + args.warmup + args.seconds
        time.sleep(max(0.0, window_start - time.monotonic()))
        cpu_start = server.cpu_seconds()
        profiler = start_profiler(server, kind, profile, args)
        if terminal is not None:
            time.sleep(max(0.0, (window_start + window_end) / 2 - time.monotonic()))
            probe_keys(terminal, row, kind, window_end, args)
        time.sleep(max(0.0, window_end - time.monotonic()))
        cpu_end = server.cpu_seconds()
        row.rss_mb = _proc_rss_mb(server.process.pid)
        if profiler is not None:
            profiler.wait(timeout=60)
        for generator in generators:
            out, _ = generator.communicate(timeout=300)
            results.append(json.loads(out.strip().splitlines()[-1]))
        time.sleep(1.0)  # the last answers reach the log files
        row.frames_on_disk = server.frames_on_disk()
    finally:
        for generator in generators:
            if generator.poll() is None:
                generator.kill()
        server.stop()
    round_trips = sorted(rtt for result in results for rtt in result["round_trips_ms"])
    middle = (window_start + window_end) / 2
    timed = [
        (sent, rtt)
        for result in results
        for sent, rtt in zip(result["sent_at"], result["round_trips_ms"], strict=True)
    ]
    row.p99_quiet_ms = percentile([rtt for sent, rtt in timed if sent < middle], 99)
    row.p99_keys_ms = percentile([rtt for sent, rtt in timed if sent >= middle], 99)
    row.calls_per_s = sum(result["answered_in_window"] for result in results) / args.seconds
    row.p50_ms = percentile(round_trips, 50)
    row.p99_ms = percentile(round_trips, 99)
    row.max_ms = round_trips[-1] if round_trips else float("nan")
    row.errors = [error for result in results for error in result["errors"]]
    row.frames_expected = 2 * sum(result["sent_total"] for result in results)
    if cpu_start is not None and cpu_end is not None:
        row.cpu_share = (cpu_end - cpu_start) / args.seconds
    return row


def start_profiler(
    server: Server, kind: str, profile: Profile, args: argparse.Namespace
) -> subprocess.Popen | None:
    """With --py-spy DIR: sample the server over the window (folded stacks for flame graphs)."""
    if not args.py_spy:
        return None
    name = f"{profile.chargers}-{kind.replace(',', '').replace(' ', '-')}.txt"
    command = ["py-spy", "record", "--pid", str(server.process.pid), "--rate", "200"]
    command += ["--duration", str(int(args.seconds)), "--format", "raw", "--nonblocking"]
    command += ["--output", str(Path(args.py_spy) / name)]
    py_spy = Path(sys.executable).with_name("py-spy")
    command[0] = str(py_spy) if py_spy.exists() else "py-spy"
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def probe_keys(
    terminal: Terminal, row: Row, kind: str, window_end: float, args: argparse.Namespace
) -> None:
    """`?` every `--key-every` seconds: time until help is on the terminal, then close it."""
    next_probe = time.monotonic() + min(1.0, args.key_every / 2)
    while next_probe + 1.0 < window_end:
        time.sleep(max(0.0, next_probe - time.monotonic()))
        shown = terminal.expect(HELP_MARKER, 10, keys=b"?")
        if shown is None:
            row.keys_missed += 1
        else:
            row.keys_ms.append(shown * 1000)
        if terminal.expect(SCREEN_MARKERS[kind], 10, keys=b"?") is None:
            row.keys_missed += 1
        next_probe += args.key_every


def percentile(values: list[float], percent: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * percent / 100))]


# ------------------------------------------------------------------ report


def report(rows: list[Row], args: argparse.Namespace) -> None:
    print(
        f"window {args.seconds:g} s after {args.warmup:g} s warm-up; TUI {SIZE[0]}x{SIZE[1]} in a "
        f"pty; {os.cpu_count()} CPUs, load average before {args.load_before:.1f}, after "
        f"{os.getloadavg()[0]:.1f}; Python {sys.version.split()[0]}"
    )
    profiles = list(dict.fromkeys(row.profile for row in rows))
    for profile in profiles:
        print()
        print(profile.label)
        print(
            f"  {'server':<20} {'CPU %':>6} {'x headl.':>8} {'calls/s':>8} {'p50 ms':>7} "
            f"{'p99 ms':>7} {'x headl.':>8} {'max ms':>7} {'RSS MB':>7} {'p99 1st/2nd':>12}  "
            "key p50 / max ms (n)"
        )
        base = next((r for r in rows if r.profile == profile and r.server == HEADLESS), None)
        for row in (r for r in rows if r.profile == profile):
            cpu_ratio = p99_ratio = ""
            if base is not None and row is not base:
                cpu_ratio = f"{row.cpu_share / base.cpu_share:.2f}x"
                p99_ratio = f"{row.p99_ms / base.p99_ms:.2f}x"
            keys = ""
            if row.server != HEADLESS:
                if row.keys_ms:
                    keys = (
                        f"{percentile(row.keys_ms, 50):.0f} / {max(row.keys_ms):.0f} "
                        f"({len(row.keys_ms)})"
                    )
                keys += f", {row.keys_missed} missed" if row.keys_missed else ""
            rss = f"{row.rss_mb:.0f}" if row.rss_mb is not None else "n/a"
            halves = f"{row.p99_quiet_ms:.0f} / {row.p99_keys_ms:.0f}"
            print(
                f"  {row.server:<20} {row.cpu_share * 100:>6.1f} {cpu_ratio:>8} "
                f"{row.calls_per_s:>8.1f} {row.p50_ms:>7.1f} {row.p99_ms:>7.1f} {p99_ratio:>8} "
                f"{row.max_ms:>7.0f} {rss:>7} {halves:>12}  {keys}"
            )
        for row in (r for r in rows if r.profile == profile):
            print(
                f"  frames, {row.server}: expected (2 x CALLs sent) {row.frames_expected}, "
                f"on disk {row.frames_on_disk}, generator errors {len(row.errors)} "
                f"-> lost: {row.lost}"
            )
            for error in row.errors[:3]:
                print(f"    {error}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20, help="measured seconds per server")
    parser.add_argument("--warmup", type=float, default=5, help="seconds before measuring")
    parser.add_argument("--key-every", type=float, default=2.5, help="seconds between key probes")
    parser.add_argument("--with-1000", action="store_true", help="also 1,000 chargers, 2,000/s")
    parser.add_argument("--only", choices=["500", "2000"], help="one profile only")
    parser.add_argument(
        "--servers",
        default="headless,main,charger",
        help="which of headless,main,charger,hub-thread (the hub on its own thread)",
    )
    parser.add_argument("--py-spy", metavar="DIR", help="profile each server into DIR")
    parser.add_argument("--quick", action="store_true", help="20 chargers at 100/s for 3 s")
    parser.add_argument("--timeout", type=float, default=1800, help="give up after seconds")
    args = parser.parse_args()
    profiles = [Profile(50, 0.1)]
    if args.with_1000 or args.only == "2000":
        profiles.append(Profile(1000, 0.5))
    if args.only == "2000":
        profiles = profiles[1:]
    if args.quick:
        profiles, args.seconds, args.warmup, args.key_every = [Profile(20, 0.2)], 4.0, 1.0, 0.8
    names = {
        "headless": HEADLESS,
        "main": TUI_MAIN,
        "charger": TUI_CHARGER,
        "hub-thread": TUI_HUB_THREAD,
    }
    servers = [names[name.strip()] for name in args.servers.split(",")]
    raise_open_file_limit()
    args.load_before = os.getloadavg()[0]
    deadline = time.monotonic() + args.timeout
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="ocpptui-ui-load-") as folder:
        for index, profile in enumerate(profiles):
            order = servers if index % 2 == 0 else servers[::-1]
            for kind in order:
                if time.monotonic() > deadline:
                    sys.exit(f"ui_load_bench: --timeout {args.timeout:g} s reached")
                run_folder = Path(folder) / f"{profile.chargers}-{len(rows)}"
                run_folder.mkdir()
                rows.append(measure(kind, profile, args, run_folder))
                print(f"  ... {kind}, {profile.calls_per_s:,.0f}/s done", file=sys.stderr)
    report(rows, args)


if __name__ == "__main__":
    main()
