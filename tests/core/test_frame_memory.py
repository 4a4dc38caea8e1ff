"""Memory is bounded in bytes: big frames keep their text on disk (read back when shown), and
all windows together keep to `frames_in_memory_bytes` whatever size the frames are."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ocpptui.core import frame as frame_module
from ocpptui.core.config import CsmsConfig
from ocpptui.core.hub import Hub
from tests.helpers import connect_raw

BUDGET = 4 << 20


@pytest.fixture
async def lean_hub(tmp_path: Path):
    config = CsmsConfig(port=0, frames_in_memory_bytes=BUDGET, large_frame_chars=64 * 1024)
    hub = Hub(config, sessions_dir=tmp_path / "sessions")
    await hub.start_server("127.0.0.1", 0)
    try:
        yield hub
    finally:
        await hub.stop()


async def test_megabyte_frames_are_kept_on_disk_and_read_back_when_shown(
    lean_hub: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    charger = await connect_raw(lean_hub, "CP-1")
    await charger.boot_16()
    for n in range(12):  # 12 MB, three times the budget
        data = f"{n:02d}" + "x" * 1_000_000
        assert (await charger.call("DataTransfer", {"vendorId": "V", "data": data}))[0] == 3
    window = lean_hub.chargers["CP-1"].frames
    big = [frame for frame in window if frame.action == "DataTransfer" and frame.raw_size > 1e6]
    assert len(big) == 12  # all still listed ...
    assert window.bytes < 64 * 1024 and lean_hub.frames.bytes < 64 * 1024  # ... none in memory

    # Shown, a frame's text comes back from its line in frames.jsonl, exact.
    monkeypatch.setattr(frame_module, "_recently_read", frame_module._RecentlyRead())
    sent = json.dumps([2, "m9", "DataTransfer", {"vendorId": "V", "data": "07" + "x" * 1_000_000}])
    assert big[7].raw == sent
    assert big[7].payload["data"].startswith("07xxx")
    assert json.loads(big[7].to_record()["raw"])[1] == "m9"
    await charger.connection.close()


async def test_frames_under_the_big_size_keep_to_the_byte_budget(lean_hub: Hub) -> None:
    charger = await connect_raw(lean_hub, "CP-1")
    await charger.boot_16()
    data = "y" * 50_000  # below large_frame_chars: kept in memory, counted in bytes
    for _ in range(200):  # 10 MB
        assert (await charger.call("DataTransfer", {"vendorId": "V", "data": data}))[0] == 3
    lean_hub.bound_memory()
    window = lean_hub.chargers["CP-1"].frames
    assert window.bytes <= BUDGET and lean_hub.frames.bytes <= BUDGET
    assert lean_hub.frames_trimmed > 0 and window.total == 402
    # The file keeps every frame.
    session = lean_hub.session_for("CP-1")
    assert session is not None and session.frame_log.path is not None
    assert len(session.frame_log.path.read_bytes().splitlines()) == 402
    await charger.connection.close()
