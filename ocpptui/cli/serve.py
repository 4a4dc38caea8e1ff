"""`ocpp-tui` and `ocpp-tui serve`: the mini-CSMS in the TUI, or headless (one line per frame);
on a local link with `--serial`/`--ble`; with a site sheet's board with `--site`."""

from __future__ import annotations

import argparse
import sys

from ocpptui.cli.startup import (
    CommandLineError,
    configure_logging,
    load,
    run_tui,
    serve_without_ui,
    server_hub,
    server_link,
)


def run(args: argparse.Namespace) -> int:
    paths, settings = load(args)
    hub = server_hub(args, settings, paths)
    link = server_link(args)
    site = getattr(args, "site", None)  # absent without a command
    if getattr(args, "headless", False):
        if site is not None:
            print("ocpp-tui serve: --site opens the site board in the TUI; without a UI, "
                  "run a playbook on the site: ocpp-tui run PLAYBOOK --site SHEET",
                  file=sys.stderr)  # fmt: skip
            return 2
        return serve_without_ui(paths, hub, jsonl=args.jsonl, link=link)
    if link is not None:
        configure_logging(paths, to_stderr=False)
        from ocpptui.cli.links import run_tui_with_link

        return run_tui_with_link(settings, paths, hub, link)
    if site is not None:
        from ocpptui.services.site_sheet import SiteSheetError, load_sheet

        try:
            sheet = load_sheet(site)
        except SiteSheetError as exc:
            raise CommandLineError(f"invalid site sheet: {exc}") from None
        return run_tui(settings, paths, hub, site_sheet=sheet)
    return run_tui(settings, paths, hub)
