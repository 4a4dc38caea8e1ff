"""The TUI with the hub on a thread of its own (its own event loop), for `ui_load_bench.py`.

    python benchmarks/hub_thread_tui.py --host 127.0.0.1 --port PORT --log-dir DIR

Not how ocpp-tui runs: the measured alternative of issue 18, point 2 ("either the hub on
its own thread/event loop with a thread-safe handoff, or the UI's per-tick work bounded").
The hub's server and sessions run on a second thread's asyncio loop; Textual keeps the main
thread. Hub events cross through the bridge's `HubHandoff`, which is locked; the frame
tables read the frame windows from the UI thread while the hub thread appends (single
deque operations, atomic under the GIL, enough for a table following its tail). Everything
else the UI would call into the core (configuration, commands, transfers) would need a
cross-thread call as well: that is not built here, only the load path is measured.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import threading
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--log-dir", type=Path, required=True)
    parser.add_argument("--settings", type=Path, help="settings file (default: the config dir's)")
    args = parser.parse_args()

    from ocpptui.app.app import make_app
    from ocpptui.core.hub import Hub
    from ocpptui.paths import Paths
    from ocpptui.settings.reader import load_settings, write_default_settings

    paths = Paths.default()
    if args.settings is None:
        write_default_settings(paths.settings_file)
    settings = load_settings(args.settings or paths.settings_file)
    hub = Hub(settings.csms, sessions_dir=args.log_dir)
    loop = asyncio.new_event_loop()
    started = threading.Event()

    def run_hub() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(hub.start_server(args.host, args.port))
        started.set()
        loop.run_forever()

    threading.Thread(target=run_hub, name="hub", daemon=True).start()
    started.wait(30)
    app = make_app(settings, paths, hub, listen=False, short_gc_pauses=True)
    app.run()
    asyncio.run_coroutine_threadsafe(hub.stop(), loop).result(timeout=10)


if __name__ == "__main__":
    main()
