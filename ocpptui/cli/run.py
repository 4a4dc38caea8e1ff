"""`ocpp-tui run PLAYBOOK`: a playbook run headless against one charger (the server or a local
link), or with `--site` against every charger of a site sheet as each connects."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from ocpptui.cli.startup import configure_logging, load, server_hub, server_link
from ocpptui.headless import run_playbook_headless, run_site_headless
from ocpptui.paths import Paths
from ocpptui.services.file_hosting import create_file_server
from ocpptui.services.report import ReportRequest, SiteNotes


def run(args: argparse.Namespace) -> int:
    paths, settings = load(args)
    hub = server_hub(args, settings, paths)
    link = server_link(args)
    configure_logging(paths, to_stderr=True)

    async def start_file_server():
        server = create_file_server(settings.files, paths.sessions_dir, server_host=hub.listen_host)
        await server.start()
        return server

    if args.site is not None:
        if args.target_firmware is not None:
            print("ocpp-tui run: with --site each charger's target is the sheet's "
                  "target_firmware column, not --target-firmware", file=sys.stderr)  # fmt: skip
            return 2
        if link is not None:
            print("ocpp-tui run: --site needs the WebSocket server, not a local link",
                  file=sys.stderr)  # fmt: skip
            return 2
        return asyncio.run(
            run_site_headless(
                hub,
                args.playbook,
                args.site,
                parallel=args.parallel,
                host=args.host,
                port=args.port,
                json_out=args.json_out,
                file_server_factory=start_file_server,
                report_request=report_request(args, paths),
            )
        )
    if args.parallel is not None:
        print("ocpp-tui run: --parallel goes with --site", file=sys.stderr)
        return 2
    return asyncio.run(
        run_playbook_headless(
            hub,
            args.playbook,
            host=args.host,
            port=args.port,
            json_out=args.json_out,
            file_server_factory=start_file_server,
            link=link,
            report_request=report_request(args, paths),
        )
    )


def report_request(args: argparse.Namespace, paths: Paths) -> ReportRequest | None:
    """What `run --report` asked for (None without --report)."""
    if getattr(args, "report", None) is None:
        return None
    folder = Path(args.report).expanduser() if args.report else paths.reports_dir
    notes = SiteNotes(args.installer, args.site_notes, list(args.photo))
    return ReportRequest(folder, notes, args.target_firmware)
