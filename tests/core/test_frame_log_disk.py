"""The frame log on a failing disk and on a site of many chargers: a full disk never leaves a
cut line and the log resumes when space returns; files are held open only up to a budget;
big frames are kept on disk, not in memory."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from ocpptui.core import frame_log as frame_log_module
from ocpptui.core.clock import Clock
from ocpptui.core.config import CsmsConfig
from ocpptui.core.events import LogProblem, LogResumed
from ocpptui.core.hub import Hub
from tests.helpers import Disk, FullDiskFile, connect_raw, wait_for


class SteppingClock(Clock):
    def __init__(self) -> None:
        self.time = 2_000.0

    def wall(self) -> float:
        return self.time

    def mono(self) -> float:
        return self.time


def log_lines(path: Path) -> list[dict[str, Any]]:
    data = path.read_bytes()
    assert data.endswith(b"\n"), "the last line is cut"
    return [json.loads(line) for line in data.splitlines()]


async def test_a_full_disk_keeps_frames_in_memory_and_the_log_resumes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    disk = Disk()
    for opener in ("open_for_appending", "create_exclusively"):
        real = getattr(frame_log_module, opener)
        monkeypatch.setattr(
            frame_log_module,
            opener,
            lambda *args, _real=real: FullDiskFile(_real(*args), disk),
        )
    clock = SteppingClock()
    hub = Hub(CsmsConfig(port=0), sessions_dir=tmp_path / "sessions", clock=clock)
    events: list[Any] = []
    hub.subscribe(events.append)
    await hub.start_server("127.0.0.1", 0)
    try:
        charger = await connect_raw(hub, "CP-1")
        await charger.boot_16()
        session = hub.session_for("CP-1")
        assert session is not None and session.frame_log.path is not None
        path = session.frame_log.path

        disk.room = 30  # the next line is cut after 30 bytes
        for _ in range(3):
            assert (await charger.call("Heartbeat", {}))[0] == 3
        problem = next(e for e in events if isinstance(e, LogProblem))
        assert "No space left on device" in problem.message
        assert [line["action"] for line in log_lines(path)] == ["BootNotification"] * 2
        window = hub.chargers["CP-1"].frames
        assert len(window) == 8  # the frames go on in memory meanwhile
        assert session.frame_log.pending_lines == 6

        disk.room = None  # space is back; the log tries again after RETRY_INTERVAL
        clock.time += frame_log_module.RETRY_INTERVAL
        assert (await charger.call("Heartbeat", {}))[0] == 3
        resumed = next(e for e in events if isinstance(e, LogResumed))
        assert "7 frames kept in memory meanwhile written" in resumed.message
        lines = log_lines(path)
        assert [line["seq"] for line in lines] == [frame.seq for frame in window]
        assert session.frame_log.disk_error is None
        await charger.connection.close()
    finally:
        await hub.stop()


def open_log_files() -> int:
    """frames.jsonl files this process holds open (Linux: /proc/self/fd)."""
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            count += os.readlink(f"/proc/self/fd/{fd}").endswith("frames.jsonl")
        except OSError:
            pass
    return count


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="counts open files in /proc")
async def test_frame_logs_hold_at_most_their_budget_of_open_files(tmp_path: Path) -> None:
    hub = Hub(CsmsConfig(port=0, max_open_log_files=2), sessions_dir=tmp_path / "sessions")
    await hub.start_server("127.0.0.1", 0)
    try:
        chargers = [await connect_raw(hub, f"CP-{n}") for n in range(5)]
        for _ in range(3):
            for charger in chargers:
                assert (await charger.call("Heartbeat", {}))[0] == 3
        assert len(hub.log_files) == 2 and open_log_files() == 2
        # Every frame is on disk all the same, each file whole.
        for n in range(5):
            session = hub.session_for(f"CP-{n}")
            assert session is not None and session.frame_log.path is not None
            assert len(log_lines(session.frame_log.path)) == 6
        for charger in chargers:
            await charger.connection.close()
        await wait_for(lambda: not hub.connected_sessions())
        assert open_log_files() == 0
    finally:
        await hub.stop()
