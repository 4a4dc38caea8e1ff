"""A whole site at once against one charger at a time: the same steps, the same chargers.

    .venv/bin/python benchmarks/site_bench.py [--chargers 40] [--parallel 2] [--quick]

Both phases commission N simulated chargers (half 1.6, half 2.0.1) with the same playbook —
wait for the charger, install firmware 2.0.0 from the laptop (wait for the reboot onto it),
apply a profile — and then compute every charger's checklist and write its report:

* `one at a time` — **baseline**: what ocpp-tui did before sites, 40 single-charger runs in
  a row (`PlaybookRun` per charger, then its commissioning report), all chargers online;
* `site run` — `SiteRun` over the sheet (at most `--parallel` downloading at once), then
  the site report with each charger's own report.

Each phase has its own hub, file server and fresh chargers; the chargers run in a child
process, so the CPU time printed is the mini-CSMS's alone (`time.process_time`). "Nothing
lost" is checked, not assumed: every charger passed and runs 2.0.0, every charger's
download hashes to the image's SHA-256 (the simulator says), every frame in memory is in the
session's frames.jsonl, and the site run never had more than `--parallel` downloads at once.

The simulated installation takes `--install-seconds` (real seconds); real chargers take
minutes, which only widens the gap. Loopback only; bounded by --timeout.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from ocpptui.core.config import CsmsConfig  # noqa: E402
from ocpptui.core.hub import Hub  # noqa: E402
from ocpptui.services.checklist import ChecklistTarget  # noqa: E402
from ocpptui.services.file_server import FileServer  # noqa: E402
from ocpptui.services.playbook import PlaybookRun, parse_playbook  # noqa: E402
from ocpptui.services.report import SiteNotes, commissioning_report, write_report  # noqa: E402
from ocpptui.services.site_batch import TransferSlots  # noqa: E402
from ocpptui.services.site_report import write_site_report  # noqa: E402
from ocpptui.services.site_run import (  # noqa: E402
    SharedFileServer,
    Site,
    SiteRun,
    charger_playbook,
)
from ocpptui.services.site_sheet import load_sheet  # noqa: E402

PLAYBOOK = """\
[[step]]
do = "wait_for_charger"

[[step]]
do = "update_firmware"
file = "{firmware}"
wait = "Booted"
timeout = 600

[[step]]
do = "apply_profile"
file = "{profile}"
"""
PROFILE = (
    '[profile]\nname = "car-park"\n'
    "[ocpp16]\nMeterValueSampleInterval = 30\n"
    '[ocpp201]\n"SampledDataCtrlr.TxUpdatedInterval" = 30\n'
)
SPEEDUP = 10.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chargers", type=int, default=40)
    parser.add_argument("--parallel", type=int, default=2, help="site run: downloads at once")
    parser.add_argument("--install-seconds", type=float, default=2.0, help="simulated install")
    parser.add_argument("--image-mb", type=float, default=2.0, help="firmware image size")
    parser.add_argument("--timeout", type=float, default=900, help="give up after seconds")
    parser.add_argument("--quick", action="store_true", help="2 chargers, short installs")
    parser.add_argument("--sims", nargs=4, help=argparse.SUPPRESS)  # child: url prefix n inst
    args = parser.parse_args()
    if args.sims:
        asyncio.run(run_simulators(*args.sims))
        return
    if args.quick:
        args.chargers, args.install_seconds, args.image_mb = 2, 0.2, 0.1
    asyncio.run(asyncio.wait_for(bench(args), args.timeout))


# ------------------------------------------------------------------------------ the chargers


async def run_simulators(url: str, prefix: str, count: str, install: str) -> None:
    """Child mode: `count` simulated chargers until SIGTERM; then one JSON line per charger."""
    from ocpptui.sim import SimulatedCharger, SimulatorOptions

    chargers = []
    for index in range(int(count)):
        options = SimulatorOptions(
            protocol="ocpp2.0.1" if index % 2 else "ocpp1.6",
            speedup=SPEEDUP,
            firmware_install_seconds=float(install) * SPEEDUP,
            boot_retry_floor=0.1,
            reconnect_backoff=(0.1, 1.0),
            reboot_delay=0.5,
            response_timeout=30.0,
        )
        chargers.append(SimulatedCharger(f"{url}/{prefix}{index + 1:02d}", options))
    tasks = [asyncio.create_task(charger.run()) for charger in chargers]
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    for charger in chargers:
        await charger.stop()
    await asyncio.gather(*tasks, return_exceptions=True)
    for charger in chargers:
        download = charger.last_firmware_download
        line = {
            "identity": charger.identity,
            "firmware": charger.firmware_version,
            "sha256": download.sha256 if download is not None else None,
        }
        print(json.dumps(line), flush=True)


class Simulators:
    """The child process running the chargers of one phase."""

    def __init__(self, port: int, prefix: str, count: int, install: float) -> None:
        self.args = [f"ws://127.0.0.1:{port}", prefix, str(count), str(install)]
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, __file__, "--sims", *self.args,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
        )  # fmt: skip

    async def stop(self) -> dict[str, dict[str, Any]]:
        """Stop the chargers; what each says it downloaded and runs."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        output, _ = await self.process.communicate()
        lines = [json.loads(line) for line in output.decode().splitlines() if line.strip()]
        return {line["identity"]: line for line in lines}


# ------------------------------------------------------------------------------ phases


def _file_server(folder: Path):
    async def start() -> FileServer:
        server = FileServer(
            advertise_host="127.0.0.1",
            bind_host="127.0.0.1",
            http_port=0,
            ftp_port=0,
            ftp_passive_ports=None,
            upload_dir=folder / "uploads",
        )
        await server.start()
        return server

    return start


def write_site(folder: Path, prefix: str, count: int, image_mb: float) -> Path:
    folder.mkdir(parents=True)
    (folder / "car-park.toml").write_text(PROFILE)
    image = b"SIMFW version=2.0.0\n" + os.urandom(int(image_mb * 1_000_000))
    (folder / "fw-2.0.0.bin").write_bytes(image)
    (folder / "pb.toml").write_text(PLAYBOOK)
    lines = ['[site]\nname = "Bench site"\ntimeout = 3600\n']
    for index in range(count):
        lines.append(
            f'[[charger]]\nidentity = "{prefix}{index + 1:02d}"\nlocation = "Bay {index + 1}"\n'
            'profile = "car-park.toml"\ntarget_firmware = "2.0.0"\nfirmware = "fw-2.0.0.bin"\n'
        )
    (folder / "site.toml").write_text("\n".join(lines))
    return folder / "site.toml"


async def phase(name: str, folder: Path, args: argparse.Namespace) -> dict[str, Any]:
    prefix = "SEQ-" if name == "one at a time" else "SITE-"
    sheet = load_sheet(write_site(folder, prefix, args.chargers, args.image_mb))
    playbook = parse_playbook(PLAYBOOK, folder / "pb.toml")
    hub = Hub(CsmsConfig(port=0, call_timeout=30), sessions_dir=folder / "sessions")
    server = await hub.start_server("127.0.0.1", 0)
    chargers = Simulators(server.port, prefix, args.chargers, args.install_seconds)
    await chargers.start()
    site = Site(sheet, hub)
    try:
        await hub.wait_until(lambda: all(site.booted(i) for i in site.records), 120)
        wall, cpu = time.perf_counter(), time.process_time()
        if name == "one at a time":
            ok, most = await one_at_a_time(site, playbook, folder)
        else:
            run = SiteRun(
                site, playbook, parallel=args.parallel, file_server_factory=_file_server(folder)
            )
            ok = await run.run()
            write_site_report(site, SiteNotes("bench"), folder / "reports", hub.clock.wall())
            most = run.slots.most_at_once
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    finally:
        said = await chargers.stop()
        await hub.stop()
    image = hashlib.sha256((folder / "fw-2.0.0.bin").read_bytes()).hexdigest()
    lost = check_nothing_lost(hub, site, said, image)
    return {
        "name": name,
        "wall": wall,
        "cpu": cpu,
        "ok": ok,
        "lost": lost,
        "most_at_once": most,
    }


async def one_at_a_time(site: Site, playbook, folder: Path) -> tuple[bool, int]:
    """The baseline: each charger's run, then its report, one charger after another."""
    files = SharedFileServer(_file_server(folder))
    slots = TransferSlots(site.hub, 1)  # only to count: one at a time never waits
    ok = True
    try:
        for identity, record in site.records.items():
            own, _ = charger_playbook(playbook, record.sheet)
            run = PlaybookRun(
                own,
                site.hub,
                identity=identity,
                file_server_factory=files.get,
                transfer_slots=slots,
            )
            passed = await run.run()
            await run.end_transfers()
            ok = ok and passed
            target = ChecklistTarget(
                target_firmware=record.sheet.target_firmware,
                profile=site.sheet.profile_for(record.sheet),
            )
            charger = site.hub.chargers[identity]
            report = commissioning_report(
                charger,
                site.hub.config,
                target,
                SiteNotes("bench"),
                now=site.hub.clock.wall(),
                playbook=run.report(passed),
            )
            write_report(report, folder / "reports")
    finally:
        await files.stop()
    return ok, slots.most_at_once


def check_nothing_lost(hub: Hub, site: Site, said: dict[str, dict], image: str) -> list[str]:
    """What went missing (empty: nothing)."""
    lost: list[str] = []
    for identity in site.records:
        charger = hub.chargers.get(identity)
        if charger is None:
            lost.append(f"{identity}: never connected")
            continue
        on_disk = 0
        for session in charger.sessions:
            path = session.frame_log.path
            on_disk += sum(1 for _ in path.open("rb")) if path and path.exists() else 0
        if on_disk != len(charger.frames):
            lost.append(f"{identity}: {len(charger.frames)} frames in memory, {on_disk} on disk")
        answer = said.get(identity, {})
        if answer.get("firmware") != "2.0.0" or answer.get("sha256") != image:
            lost.append(f"{identity}: the charger runs {answer.get('firmware')}, image {image}")
        if charger.session is None or charger.session.state.firmware != "2.0.0":
            lost.append(f"{identity}: the CSMS did not see it boot 2.0.0")
    return lost


# ------------------------------------------------------------------------------ report


async def bench(args: argparse.Namespace) -> None:
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="ocpptui-site-bench-") as folder:
        results = []
        for name in ("one at a time", "site run"):
            results.append(await phase(name, Path(folder) / name.replace(" ", "-"), args))
    print(
        f"{args.chargers} simulated chargers (half 1.6, half 2.0.1); firmware "
        f"{args.image_mb:g} MB, install {args.install_seconds:g} s; profile; checklist and "
        f"report each; site run: at most {args.parallel} downloading at once"
    )
    print(f"load average before: {load:.1f}, after: {os.getloadavg()[0]:.1f}")
    print(f"{'phase':<16}{'wall s':>9}{'CPU s':>9}{'CPU %':>8}{'max dl':>8}  passed  lost")
    for result in results:
        share = 100 * result["cpu"] / result["wall"] if result["wall"] else 0
        print(
            f"{result['name']:<16}{result['wall']:>9.1f}{result['cpu']:>9.1f}{share:>8.0f}"
            f"{result['most_at_once']:>8}  {'yes' if result['ok'] else 'NO':<6}  "
            f"{len(result['lost'])}"
        )
        for problem in result["lost"][:5]:
            print(f"   lost: {problem}")
    baseline, site = results
    print(
        f"ratio site / one at a time: wall {site['wall'] / baseline['wall']:.2f}, "
        f"CPU {site['cpu'] / baseline['cpu']:.2f}"
    )
    if not all(result["ok"] and not result["lost"] for result in results):
        raise SystemExit(1)
    if site["most_at_once"] > args.parallel:
        raise SystemExit(f"more than {args.parallel} downloads at once")


if __name__ == "__main__":
    main()
