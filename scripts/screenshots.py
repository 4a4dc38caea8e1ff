"""Regenerate the SVG screenshots in screens/ from the frozen demo (tests/ui/showcase.py).

    .venv/bin/python scripts/screenshots.py            # every screen
    .venv/bin/python scripts/screenshots.py main help  # some of them

The same app, clock and frames every time, at 120x40 with steady cursors, so a screenshot
changes only when the screen does. The snapshot tests (tests/ui/test_snapshots.py) draw
from the same showcase.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ["TZ"] = "UTC"  # the screens show local times
time.tzset()

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the showcase is a test fixture: tests/ui/showcase.py

from tests.ui.showcase import SCREENS, build_showcase  # noqa: E402

OUT = ROOT / "screens"
SIZE = (120, 40)


async def shoot(name: str) -> Path:
    with tempfile.TemporaryDirectory(prefix="ocpp-tui-showcase-") as home:
        os.environ["HOME"] = home  # the screens show the showcase's paths as ~/...
        show = build_showcase(Path(home))
        async with show.app.run_test(size=SIZE) as pilot:
            await SCREENS[name](show, pilot)
            path = OUT / f"{name}.svg"
            show.app.save_screenshot(path.name, str(OUT))
    return path


def main(names: list[str]) -> int:
    unknown = [name for name in names if name not in SCREENS]
    if unknown:
        print(f"unknown screens: {', '.join(unknown)}; known: {', '.join(SCREENS)}")
        return 2
    OUT.mkdir(exist_ok=True)
    for name in names or list(SCREENS):
        print(asyncio.run(shoot(name)).relative_to(ROOT))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
