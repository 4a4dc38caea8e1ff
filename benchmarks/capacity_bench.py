"""Capacity: N simulated OCPP 1.6 chargers sending MeterValues every second to
`ocpp-tui serve --headless` (logging every frame) and to a minimal CSMS on the `ocpp`
package with no logging (`baseline_csms.py`), same run.

    .venv/bin/python benchmarks/capacity_bench.py [--chargers 100,500] [--with-1000]
                                                 [--duration 20] [--warmup 5] [--quick]

For each N and each server (a fresh server process each time, on 127.0.0.1, port chosen by
the OS), load generator processes (this script with `--generate`; plain `websockets`
clients, not the simulator, so that the generator stays light) open N connections with
subprotocol ocpp1.6, send a BootNotification each, then every charger sends a MeterValues
CALL (ten sampled values, ~1 kB) once per `--interval` seconds, phases spread evenly, one
CALL in flight per charger as OCPP-J requires. After `--warmup` seconds, `--duration`
seconds are measured:

* calls/s: MeterValues answered in the window per second (N/interval when the server keeps up);
* round trip p50/p99: from sending the CALL to receiving its CALLRESULT, in the generator;
* CPU s per 1000 calls: the server process's user+system CPU in the window (from
  /proc/PID/stat) per 1000 answered calls, and its share of one core;
* RSS: the server's resident set at the end of the window (/proc/PID/status);
* for ocpp-tui, the frames in its log files at the end against 2 x every CALL sent (the
  boot included): none may be missing.

ocpp-tui runs as `python -m ocpptui serve --headless --jsonl --log-dir TMP` with its JSON
lines on stdout going to /dev/null, with its default settings (WebSocket pings every 30 s,
a window of 100,000 frames in memory per charger and for the hub) in a temporary
OCPP_TUI_HOME, except `[server] max_connections_per_ip = 0`: every charger of the load
comes from 127.0.0.1, and the default cap per address is 64. Both servers and generators
get RLIMIT_NOFILE raised to the hard limit.
Everything runs on loopback and is stopped at the end; the whole run is bounded by --timeout.
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
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from baseline_csms import raise_open_file_limit  # noqa: E402
from sample_frames import BOOT_PAYLOAD, call, meter_values_payload  # noqa: E402

OURS = "ocpp-tui serve"
BASELINE = "ocpp baseline"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


# ------------------------------------------------------------------ the load generator


@dataclass
class GeneratorResult:
    round_trips_ms: list[float] = field(default_factory=list)  # calls sent in the window
    sent_at: list[float] = field(default_factory=list)  # their time.monotonic() when sent
    answered_in_window: int = 0
    sent_total: int = 0  # every CALL, the boot included
    answered_total: int = 0
    errors: list[str] = field(default_factory=list)
    cpu_seconds: float = 0.0  # the generator's own CPU in the window


async def _charger(
    url: str,
    identity: str,
    phase: float,
    schedule: dict[str, float],
    result: GeneratorResult,
    go: asyncio.Event,
    booted: Callable[[], None],
) -> None:
    """One charger: connect, boot, then a MeterValues per slot until the window ends."""
    from websockets.asyncio.client import connect

    told = False
    try:
        async with connect(
            f"{url}/{identity}",
            subprotocols=["ocpp1.6"],  # type: ignore[list-item]
            compression=None,
            ping_interval=None,
            open_timeout=120,
            close_timeout=10,
            max_size=1024 * 1024,
        ) as connection:
            result.sent_total += 1
            await connection.send(call("boot", "BootNotification", BOOT_PAYLOAD))
            answer = json.loads(await connection.recv())
            if answer[0] != 3:
                raise RuntimeError(f"boot answered {answer!r}")
            result.answered_total += 1
            told = True
            booted()
            await go.wait()
            interval = schedule["interval"]
            window_start, window_end = schedule["window_start"], schedule["window_end"]
            payload = json.dumps(meter_values_payload(), separators=(",", ":"))
            slot = schedule["start"] + phase
            number = 0
            while slot < window_end:
                delay = slot - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                number += 1
                message_id = f"{identity}-{number}"
                sent = time.monotonic()
                await connection.send(f'[2,"{message_id}","MeterValues",{payload}]')
                result.sent_total += 1
                text = await connection.recv()
                received = time.monotonic()
                if not text.startswith(f'[3,"{message_id}"'):
                    raise RuntimeError(f"unexpected answer {text[:200]!r}")
                result.answered_total += 1
                if window_start <= sent < window_end:
                    result.round_trips_ms.append((received - sent) * 1000.0)
                    result.sent_at.append(sent)
                    result.answered_in_window += 1
                # The next slot; a late answer moves it, without a burst to catch up.
                slot = max(slot + interval, received)
    except Exception as exc:  # reported, not raised: the run goes on and says what failed
        result.errors.append(f"{identity}: {type(exc).__name__}: {exc}")
    finally:
        if not told:
            booted()


async def generate(args: argparse.Namespace) -> None:
    """Child mode: connect and boot, print `ready`, wait for `go START ...`, run, print results."""
    raise_open_file_limit()
    result = GeneratorResult()
    go = asyncio.Event()
    schedule: dict[str, float] = {}
    # Bounds the handshakes in progress (the server's listen backlog), not the connections.
    handshakes = asyncio.Semaphore(args.connect_concurrency)
    remaining = args.count
    all_booted = asyncio.Event()

    def booted() -> None:
        nonlocal remaining
        handshakes.release()
        remaining -= 1
        if remaining == 0:
            all_booted.set()

    tasks = []
    for index in range(args.count):
        await handshakes.acquire()
        number = args.first + index
        phase = number / args.total * args.interval
        charger = _charger(args.generate, f"CP{number:05d}", phase, schedule, result, go, booted)
        tasks.append(asyncio.create_task(charger))
    await all_booted.wait()
    print("ready", flush=True)
    line = await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    _, start, warmup, duration, interval = line.split()
    schedule.update(
        start=float(start),
        interval=float(interval),
        window_start=float(start) + float(warmup),
        window_end=float(start) + float(warmup) + float(duration),
    )
    go.set()
    await asyncio.sleep(max(0.0, schedule["window_start"] - time.monotonic()))
    cpu_start = time.process_time()
    await asyncio.sleep(max(0.0, schedule["window_end"] - time.monotonic()))
    result.cpu_seconds = time.process_time() - cpu_start
    await asyncio.gather(*tasks)
    print(json.dumps(result.__dict__), flush=True)


# ------------------------------------------------------------------ the servers


def _proc_cpu_seconds(pid: int) -> float | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime + stime


def _proc_rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


class ServerProcess:
    """One server in its own process; knows its port once it printed `listening on`."""

    def __init__(self, name: str, folder: Path) -> None:
        self.name = name
        self.folder = folder
        self.log_dir = folder / "sessions"
        self.err_path = folder / "server.err"
        if name == OURS:
            settings = folder / "settings.toml"
            settings.write_text("[server]\nmax_connections_per_ip = 0\n")
            command = [sys.executable, "-m", "ocpptui", "--settings", str(settings)]
            command += ["serve", "--headless", "--jsonl"]
            command += ["--host", "127.0.0.1", "--port", "0", "--log-dir", str(self.log_dir)]
        else:
            command = [sys.executable, str(HERE / "baseline_csms.py"), "--port", "0"]
        env = {**os.environ, "OCPP_TUI_HOME": str(folder / "home")}
        self.err = self.err_path.open("w")
        self.process = subprocess.Popen(
            command,
            cwd=REPO,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=self.err,
        )
        self.port = self._wait_for_port()

    def _wait_for_port(self) -> int:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            for line in self.err_path.read_text().splitlines():
                if "listening on 127.0.0.1:" in line:
                    return int(line.split("listening on 127.0.0.1:")[1].split()[0])
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"{self.name} did not start: {self.err_path.read_text()[-2000:]}")

    def cpu_seconds(self) -> float | None:
        return _proc_cpu_seconds(self.process.pid)

    def rss_mb(self) -> float | None:
        return _proc_rss_mb(self.process.pid)

    def logged_frames(self) -> int:
        return sum(path.read_bytes().count(b"\n") for path in self.log_dir.rglob("frames.jsonl"))

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.err.close()


# ------------------------------------------------------------------ one measurement


@dataclass
class Row:
    server: str
    chargers: int
    calls_per_s: float
    p50_ms: float
    p99_ms: float
    cpu_per_1000: float | None
    cpu_share: float | None
    rss_mb: float | None
    generator_cpu_share: float
    errors: int
    frames_logged: int | None = None
    frames_expected: int | None = None


def start_generators(
    url: str, chargers: int, interval: float, processes: int | None = None
) -> list[subprocess.Popen]:
    """Load generator processes (`--generate`), one per 500 chargers unless told, each
    waiting for its `go` line; also used by the UI benchmarks."""
    count = max(1, min(processes or max(1, chargers // 500), chargers))
    share, extra = divmod(chargers, count)
    started = []
    first = 0
    for index in range(count):
        size = share + (1 if index < extra else 0)
        command = [sys.executable, __file__, "--generate", url, "--first", str(first)]
        command += ["--count", str(size), "--total", str(chargers)]
        command += ["--interval", str(interval)]
        started.append(
            subprocess.Popen(
                command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=REPO
            )
        )
        first += size
    return started


def measure(name: str, chargers: int, args: argparse.Namespace, folder: Path) -> Row:
    server = ServerProcess(name, folder)
    generators: list[subprocess.Popen] = []
    try:
        generators = start_generators(
            f"ws://127.0.0.1:{server.port}", chargers, args.interval, args.generators
        )
        for generator in generators:
            assert generator.stdout is not None
            line = generator.stdout.readline()
            if line.strip() != "ready":
                raise RuntimeError(f"a load generator failed while connecting ({line!r})")
        start = time.monotonic() + 0.5
        for generator in generators:
            assert generator.stdin is not None
            generator.stdin.write(f"go {start} {args.warmup} {args.duration} {args.interval}\n")
            generator.stdin.flush()
        window_start = start + args.warmup
        time.sleep(max(0.0, window_start - time.monotonic()))
        cpu_start = server.cpu_seconds()
        time.sleep(max(0.0, window_start + args.duration - time.monotonic()))
        cpu_end = server.cpu_seconds()
        rss = server.rss_mb()
        results = []
        for generator in generators:
            out, _ = generator.communicate(timeout=120)
            results.append(json.loads(out.strip().splitlines()[-1]))
    finally:
        for generator in generators:
            if generator.poll() is None:
                generator.kill()
        server.stop()

    round_trips = sorted(rtt for result in results for rtt in result["round_trips_ms"])
    answered = sum(result["answered_in_window"] for result in results)
    errors = [error for result in results for error in result["errors"]]
    for error in errors[:3]:
        print(f"  {name} N={chargers}: {error}", file=sys.stderr)
    cpu = None if cpu_start is None or cpu_end is None else cpu_end - cpu_start
    row = Row(
        server=name,
        chargers=chargers,
        calls_per_s=answered / args.duration,
        p50_ms=_percentile(round_trips, 50),
        p99_ms=_percentile(round_trips, 99),
        cpu_per_1000=None if cpu is None or not answered else cpu / answered * 1000,
        cpu_share=None if cpu is None else cpu / args.duration,
        rss_mb=rss,
        generator_cpu_share=sum(result["cpu_seconds"] for result in results) / args.duration,
        errors=len(errors),
    )
    if name == OURS:
        row.frames_logged = server.logged_frames()
        row.frames_expected = 2 * sum(result["sent_total"] for result in results)
    return row


def _percentile(values: list[float], percent: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(percent) - 1]


def report(rows: list[Row], args: argparse.Namespace) -> None:
    print(
        f"MeterValues every {args.interval:g} s per charger; window {args.duration:g} s after "
        f"{args.warmup:g} s warm-up; {os.cpu_count()} CPUs, load average before the run "
        f"{args.load_before:.1f}; Python {sys.version.split()[0]}"
    )
    print(
        f"{'server':<16} {'N':>5} {'calls/s':>8} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'CPU s/1k':>9} {'CPU %':>6} {'RSS MB':>7} {'gen CPU %':>9} {'errors':>6}  frames logged"
    )
    for row in rows:
        logged = ""
        if row.frames_logged is not None:
            logged = f"{row.frames_logged}/{row.frames_expected}"
        print(
            f"{row.server:<16} {row.chargers:>5} {row.calls_per_s:>8.1f} {row.p50_ms:>8.2f} "
            f"{row.p99_ms:>8.2f} {_fmt(row.cpu_per_1000, '.3f'):>9} "
            f"{_fmt(None if row.cpu_share is None else row.cpu_share * 100, '.0f'):>6} "
            f"{_fmt(row.rss_mb, '.0f'):>7} {row.generator_cpu_share * 100:>9.0f} "
            f"{row.errors:>6}  {logged}"
        )
    print("ratios, ocpp-tui / baseline:")
    by_key = {(row.server, row.chargers): row for row in rows}
    for chargers in args.chargers:
        ours, base = by_key.get((OURS, chargers)), by_key.get((BASELINE, chargers))
        if ours is None or base is None:
            continue
        cpu = (
            f"{ours.cpu_per_1000 / base.cpu_per_1000:.2f}x"
            if ours.cpu_per_1000 and base.cpu_per_1000
            else "n/a"
        )
        print(
            f"  N={chargers:<5} calls/s {ours.calls_per_s / base.calls_per_s:.3f}x   "
            f"p50 {ours.p50_ms / base.p50_ms:.2f}x   p99 {ours.p99_ms / base.p99_ms:.2f}x   "
            f"CPU per call {cpu}"
        )


def _fmt(value: float | None, spec: str) -> str:
    return "n/a" if value is None else format(value, spec)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--chargers",
        type=lambda text: [int(part) for part in text.split(",")],
        default=[100, 500],
        help="comma-separated N values",
    )
    parser.add_argument("--with-1000", action="store_true", help="also N=1000 (longer run)")
    parser.add_argument("--duration", type=float, default=20, help="measured seconds")
    parser.add_argument("--warmup", type=float, default=5, help="seconds before measuring")
    parser.add_argument("--interval", type=float, default=1.0, help="seconds between calls")
    parser.add_argument("--generators", type=int, help="generator processes (default N/500)")
    parser.add_argument("--quick", action="store_true", help="N=20 for 2 s: a fast check")
    parser.add_argument("--timeout", type=float, default=900, help="give up after seconds")
    parser.add_argument("--generate", help=argparse.SUPPRESS)  # child mode: server URL
    parser.add_argument("--first", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--count", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--total", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--connect-concurrency", type=int, default=50, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generate:
        asyncio.run(generate(args))
        return
    if args.quick:
        args.chargers, args.duration, args.warmup = [20], 2.0, 0.5
    elif args.with_1000 and 1000 not in args.chargers:
        args.chargers.append(1000)
    raise_open_file_limit()
    args.load_before = os.getloadavg()[0]
    deadline = time.monotonic() + args.timeout
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="ocpptui-capacity-") as folder:
        for index, chargers in enumerate(args.chargers):
            # Alternate which server goes first, so drift on the machine hits both alike.
            order = (BASELINE, OURS) if index % 2 == 0 else (OURS, BASELINE)
            for name in order:
                if time.monotonic() > deadline:
                    sys.exit(f"capacity_bench: --timeout {args.timeout:g} s reached")
                run_folder = Path(folder) / f"{name.split()[0]}-{chargers}"
                run_folder.mkdir()
                rows.append(measure(name, chargers, args, run_folder))
    report(rows, args)


if __name__ == "__main__":
    main()
