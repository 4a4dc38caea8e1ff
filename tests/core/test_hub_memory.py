"""The chargers' in-memory windows stay within `frames_in_memory` together; the chattiest
charger gives up its oldest frames first, and the files on disk keep every frame."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ocpptui.core import hub as hub_module
from ocpptui.core.config import CsmsConfig
from ocpptui.core.hub import Hub
from tests.helpers import connect_raw


async def test_the_chattiest_charger_gives_up_its_oldest_frames(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hub_module, "BOUND_CHECK_EVERY", 50)
    hub = Hub(CsmsConfig(port=0, frames_in_memory=600), sessions_dir=tmp_path / "sessions")
    await hub.start_server("127.0.0.1", 0)
    try:
        quiet = [await connect_raw(hub, f"QUIET-{n}") for n in range(2)]
        for charger in quiet:
            await charger.boot_16()
            for _ in range(10):
                await charger.call("Heartbeat", {})
        chatty = await connect_raw(hub, "CHATTY")
        await chatty.boot_16()
        for _ in range(400):
            await chatty.call("Heartbeat", {})

        windows = {identity: charger.frames for identity, charger in hub.chargers.items()}
        # Checked every 50 frames here (BOUND_CHECK_EVERY), so at most that many over.
        assert sum(len(window) for window in windows.values()) <= 600 + 50
        assert hub.frames_trimmed > 0
        for n in range(2):
            window = windows[f"QUIET-{n}"]
            assert len(window) == window.total == 22  # nothing of theirs was dropped
        big = windows["CHATTY"]
        assert big.total == 802 and big.first_position > 0
        # Positions stay absolute: the newest frame is where it always was.
        newest = big.at(big.total - 1)
        assert newest is not None and newest.action == "Heartbeat"
        assert big.at(0) is None

        # Every frame is still in the charger's log file.
        session = hub.session_for("CHATTY")
        assert session is not None
        lines = session.frame_log.path.read_text().splitlines()
        assert len(lines) == 802 and all(json.loads(line)["identity"] == "CHATTY" for line in lines)
        for charger in [*quiet, chatty]:
            await charger.connection.close()
    finally:
        await hub.stop()


def test_nothing_is_dropped_under_the_bound(tmp_path: Path) -> None:
    hub = Hub(CsmsConfig(port=0, frames_in_memory=1000), sessions_dir=tmp_path)
    assert hub.bound_memory() == 0 and hub.frames_trimmed == 0
