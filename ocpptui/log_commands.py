"""CLI parts for saved logs and reports: `ocpp-tui open FILE`, and `run --report`.

Imports of the core and the UI happen inside the functions, so `ocpp-tui --help` stays fast.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ocpptui.paths import Paths
    from ocpptui.services.report import ReportRequest
    from ocpptui.settings.model import Settings


def add_log_commands(commands: argparse._SubParsersAction) -> None:
    viewer = commands.add_parser(
        "open",
        help="view a saved frame log: ocpp-tui's JSONL or another tool's OCPP-J lines",
        description="Open a saved frame log in the frame viewer (filter, inspector, statistics). "
        "Besides ocpp-tui's own frames.jsonl, plain logs with one OCPP-J frame per line are "
        "read, with or without a leading timestamp and a direction marker "
        "(->, <-, >, <, SEND:, RECV:, TX, RX, ...).",
    )
    viewer.add_argument("file", type=Path, help="the log file")
    viewer.add_argument(
        "--protocol", help="OCPP version for schema checks: 1.6, 2.0.1, 2.1 (default: guessed)"
    )
    viewer.add_argument(
        "--stats", action="store_true", help="print the log's statistics instead of viewing it"
    )
    viewer.add_argument("--json", action="store_true", help="with --stats: print JSON")
    viewer.add_argument(
        "--export-redacted",
        type=Path,
        metavar="OUT",
        help="write a copy for vendor support instead of viewing: idTag/idToken values, "
        "passwords, private keys, ICCID/IMSI replaced by stable pseudonyms (ocpp-tui JSONL)",
    )
    viewer.add_argument(
        "--redact-serials",
        action="store_true",
        help="with --export-redacted: replace the charger's and meter's serial numbers too",
    )


def add_report_options(run: argparse.ArgumentParser) -> None:
    run.add_argument(
        "--report",
        nargs="?",
        const="",
        metavar="DIR",
        help="also write the commissioning report (Markdown, HTML, JSON) into DIR "
        "(default: the reports folder of --paths)",
    )
    run.add_argument("--installer", default="", help="report: the installer's name")
    run.add_argument("--site-notes", default="", help="report: notes about the site")
    run.add_argument(
        "--photo", action="append", default=[], metavar="FILE", help="report: a photo's file name"
    )
    run.add_argument("--target-firmware", help="report: the firmware version the charger must run")


def report_request(args: argparse.Namespace, paths: Paths) -> ReportRequest | None:
    """What `run --report` asked for (None without --report)."""
    if getattr(args, "report", None) is None:
        return None
    from ocpptui.services.report import ReportRequest, SiteNotes

    folder = Path(args.report).expanduser() if args.report else paths.reports_dir
    notes = SiteNotes(args.installer, args.site_notes, list(args.photo))
    return ReportRequest(folder, notes, args.target_firmware)


def open_log_command(args: argparse.Namespace, settings: Settings, paths: Paths) -> int:
    """`ocpp-tui open FILE [--protocol V] [--stats [--json]]`."""
    from ocpptui.core.log_file import LogFile, LogFileError
    from ocpptui.protocol.terminal_text import escape_controls
    from ocpptui.protocol.versions import OcppVersion

    try:
        protocol = OcppVersion.parse(args.protocol) if args.protocol else None
    except ValueError as exc:
        print(f"ocpp-tui open: {exc}", file=sys.stderr)
        return 2
    if args.redact_serials and args.export_redacted is None:
        print("ocpp-tui open: --redact-serials goes with --export-redacted OUT", file=sys.stderr)
        return 2
    if args.export_redacted is not None:
        return _export_redacted(args.file, args.export_redacted, serials=args.redact_serials)
    if not args.stats:
        from ocpptui.app.log_app import make_log_app

        try:
            app = make_log_app(settings, paths, args.file, protocol)
        except LogFileError as exc:
            print(f"ocpp-tui open: {exc}", file=sys.stderr)
            return 1
        app.run()
        return app.return_code or 0
    try:
        log = LogFile(args.file, protocol=protocol)
    except LogFileError as exc:
        print(f"ocpp-tui open: {exc}", file=sys.stderr)
        return 1
    try:
        log.index()
        statistics = log.analyze()
    finally:
        log.close()
    if args.json:
        data = {"file": str(log.path), "format": log.description, **statistics.to_json()}
        print(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        # Actions, identities and error codes in the statistics are the charger's text.
        print(escape_controls(f"{log.path}: {log.description}"))
        print("\n".join(escape_controls(line) for line in statistics.summary_lines()))
    return 0


def _export_redacted(source: Path, destination: Path, *, serials: bool) -> int:
    """`ocpp-tui open FILE --export-redacted OUT [--redact-serials]`."""
    from ocpptui.core.log_file import LogFileError
    from ocpptui.protocol.terminal_text import escape_controls
    from ocpptui.services.log_redaction import export_redacted

    try:
        summary = export_redacted(source, destination, serials=serials)
    except LogFileError as exc:  # RedactionError is one too
        print(f"ocpp-tui open: {escape_controls(str(exc))}", file=sys.stderr)
        return 1
    print(escape_controls(summary.describe()))
    return 0
