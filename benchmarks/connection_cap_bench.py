"""Connection cap: how many chargers ocpp-tui holds at `[server] max_connections`, and what a
flood of connection attempts against the full server costs a charger already connected.

    .venv/bin/python benchmarks/connection_cap_bench.py [--cap 200] [--seconds 10]
                                                        [--hammerers 2] [--quick]

One `python -m ocpptui serve --headless` process on 127.0.0.1 (port chosen by the OS) with
`[server] max_connections = CAP` and `max_connections_per_ip = 0` (everything here comes
from one address). Then, in this process:

1. one charger connects and boots, then sends Heartbeat CALLs one after the other (a 20 ms
   pause between them) for `--seconds`: the round trips without hammering (baseline);
2. CAP - 1 more chargers connect (each a session with its frame log) and then 20 more try:
   how many are held, how many are refused with 503 and the reason;
3. `--hammerers` processes (this script with `--hammer`, at nice 19: an attacker's CPU is
   elsewhere) each run 16 loops opening WebSocket handshakes as fast as the server answers
   them (all refused: the server is full), while the first charger measures its Heartbeat
   round trips again for `--seconds`.

Reported: connections held at the cap, refusals per second during the hammering, the
Heartbeat round trip p50/p99 with and without it and their ratio, the server's CPU share in
each phase, and the lines its log and event output grew by while hammered (bounded by the
per-address refusal listing, however many attempts). RLIMIT_NOFILE is raised to the hard
limit in every process. Loopback only; everything stops by itself within --timeout.
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
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from baseline_csms import raise_open_file_limit  # noqa: E402

CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
BOOT = {"chargePointVendor": "Bench", "chargePointModel": "Cap"}


def _cpu_seconds(pid: int) -> float | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def _refusal_lines(path: Path) -> int:
    """Lines about refused connections in a server output file."""
    if not path.exists():
        return 0
    return sum(b"refused" in line for line in path.read_bytes().splitlines())


async def _connect(url: str):
    from websockets.asyncio.client import connect

    return await connect(
        url,
        subprotocols=["ocpp1.6"],  # type: ignore[list-item]
        ping_interval=None,
        compression=None,
        open_timeout=30,
    )


_message_numbers = iter(range(1, 1 << 62))


async def _round_trips(connection, seconds: float) -> list[float]:
    """Heartbeat CALL → CALLRESULT round trips (ms), one after the other, for `seconds`."""
    trips: list[float] = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        message_id = f"hb-{next(_message_numbers)}"
        sent = time.perf_counter()
        await connection.send(json.dumps([2, message_id, "Heartbeat", {}]))
        answer = json.loads(await connection.recv())
        trips.append((time.perf_counter() - sent) * 1000.0)
        if answer[:2] != [3, message_id]:
            raise RuntimeError(f"unexpected answer {answer!r}")
        await asyncio.sleep(0.02)
    return trips


async def _fill(url: str, count: int, tries: int) -> tuple[list, int, str]:
    """Connect `count` chargers, then `tries` more; (held connections, refused, a reason)."""
    from websockets.exceptions import InvalidStatus

    held, refused, reason = [], 0, ""
    semaphore = asyncio.Semaphore(50)

    async def one(identity: str) -> None:
        nonlocal refused, reason
        async with semaphore:
            try:
                held.append(await _connect(f"{url}/{identity}"))
            except InvalidStatus as exc:
                refused += 1
                reason = exc.response.body.decode(errors="replace").strip()

    await asyncio.gather(*(one(f"HELD-{n}") for n in range(count)))
    await asyncio.gather(*(one(f"EXTRA-{n}") for n in range(tries)))
    return held, refused, reason


async def hammer(url: str, seconds: float, loops: int) -> None:
    """Child mode: open handshakes as fast as they are answered; print attempts, refusals."""
    from websockets.exceptions import InvalidStatus

    raise_open_file_limit()
    # Lowest priority: an attacker's CPU is elsewhere; on a 2-core laptop the hammer would
    # otherwise measure the competition for the CPU, not the server.
    os.nice(19)
    attempts = refused = 0
    end = time.monotonic() + seconds

    async def loop(index: int) -> None:
        nonlocal attempts, refused
        number = 0
        while time.monotonic() < end:
            number += 1
            attempts += 1
            try:
                connection = await _connect(f"{url}/HAMMER-{index}-{number}")
            except InvalidStatus as exc:
                refused += exc.response.status_code == 503
                continue
            except OSError:
                continue
            await connection.close()

    await asyncio.gather(*(loop(index) for index in range(loops)))
    print(json.dumps({"attempts": attempts, "refused": refused}), flush=True)


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def run(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="ocpptui-cap-") as folder_name:
        folder = Path(folder_name)
        settings = folder / "settings.toml"
        settings.write_text(f"[server]\nmax_connections = {args.cap}\nmax_connections_per_ip = 0\n")
        out_path, err_path = folder / "server.out", folder / "server.err"
        command = [sys.executable, "-m", "ocpptui", "--settings", str(settings), "serve"]
        command += ["--headless", "--host", "127.0.0.1", "--port", "0"]
        command += ["--log-dir", str(folder / "sessions")]
        with out_path.open("wb") as out, err_path.open("wb") as err:
            server = subprocess.Popen(
                command,
                cwd=REPO,
                env={**os.environ, "OCPP_TUI_HOME": str(folder / "home")},
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
            )
        try:
            url = f"ws://127.0.0.1:{_port(server, out_path)}"

            async def bounded() -> None:
                async with asyncio.timeout(args.timeout):
                    await _measure(args, server.pid, url, out_path, err_path)

            asyncio.run(bounded())
        finally:
            server.terminate()
            server.wait(10)


async def _measure(
    args: argparse.Namespace, server_pid: int, url: str, out_path: Path, err_path: Path
) -> None:
    charger = await _connect(f"{url}/MEASURED")
    await charger.send(json.dumps([2, "boot", "BootNotification", BOOT]))
    await charger.recv()

    cpu_before = _cpu_seconds(server_pid)
    began = time.monotonic()
    quiet = await _round_trips(charger, args.seconds)
    quiet_cpu = _share(cpu_before, _cpu_seconds(server_pid), time.monotonic() - began)

    held, refused, reason = await _fill(url, args.cap - 1, 20)
    lines_before = _refusal_lines(out_path), _refusal_lines(err_path)

    hammerers = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            __file__,
            "--hammer",
            url,
            "--seconds",
            str(args.seconds),
            stdout=subprocess.PIPE,
        )
        for _ in range(args.hammerers)
    ]
    await asyncio.sleep(0.5)  # the hammerers are up and hammering
    cpu_before = _cpu_seconds(server_pid)
    began = time.monotonic()
    hammered = await _round_trips(charger, max(args.seconds - 1.0, 0.5))
    took = time.monotonic() - began
    hammered_cpu = _share(cpu_before, _cpu_seconds(server_pid), took)
    counts = [json.loads((await h.communicate())[0]) for h in hammerers]
    attempts = sum(c["attempts"] for c in counts)
    refusals = sum(c["refused"] for c in counts)
    grown = (
        _refusal_lines(out_path) - lines_before[0],
        _refusal_lines(err_path) - lines_before[1],
    )

    for connection in [*held, charger]:
        await connection.close()

    print(
        f"cap {args.cap}, {args.seconds:g} s per phase, {args.hammerers} hammer processes x "
        f"16 loops, load average {os.getloadavg()[0]:.1f}"
    )
    print(
        f"held at the cap: {len(held) + 1} of {args.cap} "
        f"({refused} of 20 more refused with 503: {reason!r})"
    )
    print(
        f"hammering: {attempts} handshakes, {refusals} refused with 503 "
        f"({refusals / args.seconds:.0f}/s); lines about refusals the server printed "
        f"meanwhile: {grown[0]} events, {grown[1]} log"
    )
    print("| Heartbeat round trip | calls | p50 ms | p99 ms | server CPU % |")
    print("|---|---|---|---|---|")
    for name, trips, cpu in (
        ("quiet", quiet, quiet_cpu),
        ("cap hammered", hammered, hammered_cpu),
    ):
        print(
            f"| {name} | {len(trips)} | {statistics.median(trips):.2f} | "
            f"{_percentile(trips, 0.99):.2f} | {cpu} |"
        )
    print(
        f"ratio hammered / quiet: p50 {statistics.median(hammered) / statistics.median(quiet):.2f}"
        f", p99 {_percentile(hammered, 0.99) / _percentile(quiet, 0.99):.2f}"
    )


def _share(before: float | None, after: float | None, seconds: float) -> str:
    if before is None or after is None or seconds <= 0:
        return "?"
    return f"{100 * (after - before) / seconds:.0f}"


def _port(server: subprocess.Popen, out_path: Path) -> int:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        for line in out_path.read_text().splitlines():
            if "listening on 127.0.0.1:" in line:
                return int(line.split("listening on 127.0.0.1:")[1].split()[0])
        if server.poll() is not None:
            break
        time.sleep(0.05)
    raise RuntimeError(f"the server did not start: {out_path.read_text()[-2000:]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cap", type=int, default=200, help="[server] max_connections")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each phase")
    parser.add_argument("--hammerers", type=int, default=2, help="hammer processes")
    parser.add_argument("--quick", action="store_true", help="cap 20, 2 s per phase")
    parser.add_argument("--timeout", type=float, default=300.0, help="stop after this long")
    parser.add_argument("--hammer", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.hammer:
        asyncio.run(hammer(args.hammer, args.seconds, 16))
        return
    if args.quick:
        args.cap, args.seconds, args.hammerers = 20, 2.0, 1
    raise_open_file_limit()
    run(args)


if __name__ == "__main__":
    main()
