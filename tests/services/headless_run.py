"""`ocpp-tui run` in process: the real headless runner against one simulated charger."""

from __future__ import annotations

import asyncio
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ocpptui.core.config import CsmsConfig
from ocpptui.core.hub import Hub
from ocpptui.headless import run_playbook_headless
from ocpptui.sim import SimulatedCharger, SimulatorOptions
from tests.helpers import FAST_SIM


@dataclass
class HeadlessRun:
    """How a run ended: its exit code, what it printed, its --json-out text, the charger."""

    code: int
    output: str
    results_text: str
    charger: SimulatedCharger

    @property
    def results(self) -> dict[str, Any]:
        return json.loads(self.results_text)


async def run_headless(
    tmp_path: Path,
    playbook: str,
    identity: str,
    *,
    sim: dict[str, Any] | None = None,
    url_path: str = "",
    timeout: float = 45,
    **run_options: Any,
) -> HeadlessRun:
    """Write `playbook` in `tmp_path`, run it on a port of its own with a simulated charger
    (`FAST_SIM` and `sim`) dialling `ws://127.0.0.1:PORT{url_path}/{identity}`; the charger
    stops after the run. `run_options` go to `run_playbook_headless` (a report request, a
    file server factory)."""
    path = tmp_path / "playbook.toml"
    path.write_text(playbook, encoding="utf-8")
    results = tmp_path / "results.json"
    hub = Hub(CsmsConfig(port=0, call_timeout=5), sessions_dir=tmp_path / "sessions")
    out = io.StringIO()
    started: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    runner = asyncio.create_task(
        run_playbook_headless(
            hub,
            path,
            host="127.0.0.1",
            port=0,
            json_out=results,
            out=out,
            on_started=started.set_result,
            **run_options,
        )
    )
    port = await asyncio.wait_for(started, 5)
    charger = SimulatedCharger(
        f"ws://127.0.0.1:{port}{url_path}/{identity}",
        SimulatorOptions(**{**FAST_SIM, **(sim or {})}),
    )
    task = asyncio.create_task(charger.run())
    try:
        code = await asyncio.wait_for(runner, timeout)
    finally:
        await charger.stop()
        await task
    results_text = results.read_text() if results.exists() else ""
    return HeadlessRun(code, out.getvalue(), results_text, charger)
