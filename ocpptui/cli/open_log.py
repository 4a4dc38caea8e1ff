"""`ocpp-tui open FILE`: a saved frame log (ours or another tool's) in the viewer, its
statistics (`--stats`), or a copy for vendor support (`--export-redacted`)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ocpptui.cli.startup import load
from ocpptui.core.log_file import LogFile, LogFileError
from ocpptui.protocol.terminal_text import escape_controls
from ocpptui.protocol.versions import OcppVersion
from ocpptui.services.log_redaction import export_redacted


def run(args: argparse.Namespace) -> int:
    """`ocpp-tui open FILE [--protocol V] [--stats [--json]]`."""
    paths, settings = load(args)
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
    try:
        summary = export_redacted(source, destination, serials=serials)
    except LogFileError as exc:  # RedactionError is one too
        print(f"ocpp-tui open: {escape_controls(str(exc))}", file=sys.stderr)
        return 1
    print(escape_controls(summary.describe()))
    return 0
