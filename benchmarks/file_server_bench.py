"""File server throughput: ocpp-tui's FileServer against `python -m http.server`, same run.

    .venv/bin/python benchmarks/file_server_bench.py [--size-mb 200] [--runs 5] [--quick]

Creates a file of random bytes in a temporary folder, serves it on 127.0.0.1 from each
server (each in its own process), downloads it `--runs` times from each with the same
streaming client (a plain socket reading into a 1 MiB buffer, in this process), and prints
MB/s for both and their ratio. One untimed warm-up download per server comes first; runs
alternate between the servers so drift on the machine hits both alike. The FileServer runs
with a progress subscriber attached, as in the app. Loopback only; everything is stopped
and deleted at the end, and the whole run is bounded by --timeout.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[1]
OURS = "ocpp-tui FileServer"
BASELINE = "python -m http.server"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mb", type=int, default=200, help="file size in MB (1e6 bytes)")
    parser.add_argument("--runs", type=int, default=5, help="timed downloads per server")
    parser.add_argument("--timeout", type=float, default=300, help="give up after seconds")
    parser.add_argument("--quick", action="store_true", help="a 5 MB file, one run each")
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)  # child mode
    args = parser.parse_args()
    if args.quick:
        args.size_mb, args.runs = 5, 1
    if args.serve:
        asyncio.run(serve(args.serve))
        return

    deadline = time.monotonic() + args.timeout
    size = args.size_mb * 1_000_000
    with tempfile.TemporaryDirectory(prefix="ocpptui-bench-") as folder:
        path = Path(folder) / "firmware.bin"
        write_file(path, size)
        with start_ours(path) as (ours_url, ours_summary), start_baseline(path) as base_url:
            urls = {OURS: ours_url, BASELINE: base_url}
            timings: dict[str, list[float]] = {OURS: [], BASELINE: []}
            for url in urls.values():
                fetch(url, size, deadline)  # warm-up: page cache, first connections
            for _ in range(args.runs):
                for name, url in urls.items():
                    timings[name].append(fetch(url, size, deadline))
        events = ours_summary()
    report(size, timings, events)


def report(size: int, timings: dict[str, list[float]], events: dict[str, int]) -> None:
    rates = {name: [size / 1e6 / t for t in times] for name, times in timings.items()}
    print(f"{size / 1e6:.0f} MB over HTTP on 127.0.0.1, {len(timings[OURS])} runs each")
    print(f"{'server':<24}{'median MB/s':>12}{'best MB/s':>12}{'worst MB/s':>12}")
    for name, values in rates.items():
        print(
            f"{name:<24}{statistics.median(values):>12.0f}{max(values):>12.0f}{min(values):>12.0f}"
        )
    ratio = statistics.median(rates[OURS]) / statistics.median(rates[BASELINE])
    print(f"ratio (median, FileServer / http.server): {ratio:.2f}")
    print(f"FileServer events during the run: {dict(sorted(events.items()))}")


# ------------------------------------------------------------------ the servers


async def serve(path: Path) -> None:
    """Child process: offer `path` until stdin closes, then print the event counts."""
    sys.path.insert(0, str(REPO))  # also without an editable install
    from ocpptui.services.file_server import FileServer

    server = FileServer(
        advertise_host="127.0.0.1", bind_host="127.0.0.1", http_port=0, enable_ftp=False
    )
    await server.start()
    counts: Counter[str] = Counter()
    server.subscribe(lambda event: counts.update([type(event).__name__]))
    offer = await server.offer_file_async(path)
    print(json.dumps({"url": offer.http_url}), flush=True)
    await asyncio.to_thread(sys.stdin.read)
    await server.stop()
    print(json.dumps({"events": counts}), flush=True)


@contextlib.contextmanager
def start_ours(path: Path) -> Iterator[tuple[str, Callable[[], dict[str, int]]]]:
    """Our server in a child process; yields its URL and a getter for its event counts."""
    child = subprocess.Popen(
        [sys.executable, __file__, "--serve", str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    summary: dict[str, int] = {}
    try:
        assert child.stdout is not None and child.stdin is not None
        url = json.loads(child.stdout.readline())["url"]
        yield url, lambda: summary
        child.stdin.close()
        summary.update(json.loads(child.stdout.readline())["events"])
        child.wait(timeout=10)
    finally:
        stop(child)


@contextlib.contextmanager
def start_baseline(path: Path) -> Iterator[str]:
    port = free_port()
    child = subprocess.Popen(
        [
            *(sys.executable, "-m", "http.server", str(port)),
            *("--bind", "127.0.0.1", "--directory", str(path.parent)),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port)
        yield f"http://127.0.0.1:{port}/{path.name}"
    finally:
        stop(child)


def stop(child: subprocess.Popen[str] | subprocess.Popen[bytes]) -> None:
    if child.poll() is None:
        child.terminate()
        try:
            child.wait(timeout=5)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on port {port}")


# ------------------------------------------------------------------ the client


def write_file(path: Path, size: int) -> None:
    block = os.urandom(1 << 20)
    with path.open("wb") as file:
        for offset in range(0, size, len(block)):
            file.write(block[: min(len(block), size - offset)])


def fetch(url: str, expected: int, deadline: float) -> float:
    """Download `url` once, streaming; returns the seconds taken (checks the byte count)."""
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise TimeoutError("benchmark ran out of time")
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    buffer = bytearray(1 << 20)
    view = memoryview(buffer)
    head = b""
    header_done = False
    body = 0
    began = time.perf_counter()
    with socket.create_connection((host, port), timeout=min(30, remaining)) as sock:
        request = f"GET {parts.path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
        sock.sendall(request.encode())
        while count := sock.recv_into(view):
            if header_done:
                body += count
                continue
            head += view[:count]
            end = head.find(b"\r\n\r\n")
            if end >= 0:
                header_done = True
                body += len(head) - end - 4
                head = head[:end]
    took = time.perf_counter() - began
    status = head.split(b" ", 2)[1]
    if status != b"200" or body != expected:
        raise RuntimeError(f"{url}: status {status!r}, {body} of {expected} bytes")
    return took


if __name__ == "__main__":
    main()
