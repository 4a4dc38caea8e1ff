"""Command line: `ocpp-tui [COMMAND]`, parsed by `parser`, run by the command's own module.

`parser` holds every command's options and imports nothing heavy, so `--help`, `--version` and
`--paths` answer at once. The modules that run the commands (`serve`, `run`, `proxy`,
`certs`, `demo`, `simulate`, `links` for `serial`/`ble`, `open_log` for `open`) are imported
only when their command runs; what they share to start (paths, settings, the hub, logging,
the TUI) is in `startup`.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from ocpptui.cli.parser import build_parser, parse


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(build_parser(), argv)
    if args.paths:
        return print_paths()
    from ocpptui.cli.startup import CommandLineError

    try:
        return args.run(args)
    except CommandLineError as exc:
        print(f"ocpp-tui: {exc}", file=sys.stderr)
        return 2


def print_paths() -> int:
    """`ocpp-tui --paths`: where settings, logs and reports live."""
    from ocpptui.paths import Paths
    from ocpptui.protocol.terminal_text import escape_controls

    for name, path in Paths.default().describe():
        print(escape_controls(f"{name:<9} {path}"))
    return 0
