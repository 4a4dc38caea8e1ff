"""The command line's grammar: the program's options and every command's (argparse only).

Nothing heavy is imported here, so `--help`, `--version` and `--paths` answer at once. Each
command names the module that runs it (`set_defaults(run=Command("serve"))`): `main` imports
that module only when the command runs.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from pathlib import Path

from ocpptui import __version__
from ocpptui.cli.link_options import add_link_choice, add_link_commands, add_simulator_link_options

DESCRIPTION = """\
Commission EV chargers over OCPP 1.6J, 2.0.1 and 2.1 from a terminal.
Without a command, ocpp-tui opens the TUI with the mini-CSMS listening for chargers."""

EPILOG = """\
examples:
  ocpp-tui                         TUI, mini-CSMS on 0.0.0.0:9000
  ocpp-tui demo                    TUI with three simulated chargers
  ocpp-tui serve --headless        mini-CSMS without UI, one line per frame
  ocpp-tui run playbook.toml --json-out result.json   run a playbook headless
  ocpp-tui run playbook.toml --report --installer "A. Smith"   ... and write the report
  ocpp-tui run playbook.toml --site site.toml --report   ... on every charger of a site
  ocpp-tui open frames.jsonl       view a saved frame log (ours or another tool's)
  ocpp-tui simulate ws://127.0.0.1:9000/CP-1 --protocol ocpp1.6
  ocpp-tui serial /dev/ttyUSB0 --baud 115200   TUI with a charger on a serial port
  ocpp-tui ble AA:BB:CC:DD:EE:FF               TUI with a charger over Bluetooth LE
  ocpp-tui simulate --serial pty               simulated charger behind a virtual cable
  ocpp-tui --paths                 where settings, logs and reports live"""


class Command:
    """A command's `run(args) -> exit status`, in `ocpptui.cli.<module>`, imported when it runs."""

    def __init__(self, module: str) -> None:
        self.module = module

    def __call__(self, args: argparse.Namespace) -> int:
        return importlib.import_module(f"ocpptui.cli.{self.module}").run(args)


def _add_server_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", help="address to listen on (default from settings: 0.0.0.0)")
    parser.add_argument("--port", type=int, help="port to listen on (default 9000)")
    parser.add_argument(
        "--validation",
        choices=["lenient", "strict"],
        help="schema-invalid calls from chargers: answer and flag (lenient) or CallError (strict)",
    )
    parser.add_argument(
        "--log-dir", type=Path, help="write the session frame logs under this folder"
    )
    parser.add_argument(
        "--unknown-chargers",
        choices=["accept", "ask", "allow-list"],
        help="chargers seen for the first time: let in, ask (TUI), or only --allow ones",
    )
    parser.add_argument(
        "--allow", action="append", default=[], metavar="IDENTITY", help="allow-list entry"
    )


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if not 1 <= value <= 64:
        raise argparse.ArgumentTypeError(f"expected 1 to 64, got {value}")
    return value


class CommandLineParser(argparse.ArgumentParser):
    """argparse without guessing: `run --site X` must not silently become `--site-notes X`.

    Sub-command parsers are made of the same class (argparse's `parser_class` default).
    """

    def __init__(self, *args, **kwargs) -> None:
        kwargs["allow_abbrev"] = False
        super().__init__(*args, **kwargs)


def _add_open_command(commands: argparse._SubParsersAction) -> None:
    """`open FILE`: a saved frame log in the viewer, its statistics, or a redacted copy."""
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
    viewer.set_defaults(run=Command("open_log"))


def _add_report_options(run: argparse.ArgumentParser) -> None:
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


def build_parser() -> argparse.ArgumentParser:
    parser = CommandLineParser(
        prog="ocpp-tui",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"ocpp-tui {__version__}")
    parser.add_argument(
        "--paths", action="store_true", help="print the config, data, log and report folders"
    )
    parser.add_argument("--settings", type=Path, help="settings file (default: in the config dir)")
    parser.set_defaults(run=Command("serve"))  # no command: the TUI with the mini-CSMS
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    serve = commands.add_parser("serve", help="run the mini-CSMS (TUI, or --headless)")
    _add_server_options(serve)
    serve.add_argument("--headless", action="store_true", help="no UI: print frames to stdout")
    serve.add_argument("--jsonl", action="store_true", help="headless: print JSON lines")
    serve.add_argument(
        "--site", type=Path, metavar="SHEET", help="open the site board of this site sheet"
    )
    add_link_choice(serve)
    serve.set_defaults(run=Command("serve"))

    run = commands.add_parser("run", help="run a playbook headless against the charger(s)")
    run.add_argument("playbook", type=Path, help="playbook TOML file")
    run.add_argument("--json-out", type=Path, help="write the results as JSON here")
    run.add_argument(
        "--site",
        type=Path,
        metavar="SHEET",
        help="site sheet (site.toml or .csv): run the playbook against every charger on it "
        "as each connects; steps may use {firmware}, {profile}, {identity}, {location}",
    )
    run.add_argument(
        "--parallel",
        type=_positive,
        metavar="K",
        help="with --site: at most K chargers downloading firmware (or uploading logs) at once "
        "(default 2, or [site] parallel)",
    )
    _add_report_options(run)
    _add_server_options(run)
    add_link_choice(run)
    run.set_defaults(run=Command("run"))
    add_link_commands(commands, run=Command("links"))
    _add_open_command(commands)

    proxy = commands.add_parser(
        "proxy", help="sit between chargers and their real CSMS, showing every frame"
    )
    proxy.add_argument(
        "upstream", help="the real CSMS's URL without the identity, e.g. wss://csms.example/ocpp"
    )
    _add_server_options(proxy)
    proxy.add_argument("--headless", action="store_true", help="no UI: print frames to stdout")
    proxy.add_argument("--jsonl", action="store_true", help="headless: print JSON lines")
    proxy.add_argument(
        "--upstream-ca", type=Path, help="CA file to verify the CSMS (default: system)"
    )
    proxy.add_argument(
        "--upstream-user", help="basic-auth user for the CSMS (default: pass through)"
    )
    proxy.add_argument("--upstream-password", help="basic-auth password for the CSMS")
    proxy.add_argument(
        "--upstream-cert",
        type=Path,
        help="client certificate for a profile-3 CSMS (the laptop's own)",
    )
    proxy.add_argument("--upstream-key", type=Path, help="key of --upstream-cert")
    proxy.add_argument(
        "--drop-with-upstream",
        action="store_true",
        help="close the charger's connection when the CSMS is unreachable (default: keep it "
        "and answer locally)",
    )
    proxy.set_defaults(run=Command("proxy"))

    certs = commands.add_parser(
        "certs", help="create the local CA and server certificate for wss:// (profiles 2, 3)"
    )
    certs.add_argument(
        "--name",
        action="append",
        default=[],
        help="host name or address the charger uses for this laptop (repeatable; the first "
        "becomes the certificate's CN); default: this laptop's addresses and host name",
    )
    certs.add_argument("--renew", action="store_true", help="issue a new server certificate")
    certs.add_argument("--export", type=Path, help="also write the CA certificate to this file")
    certs.set_defaults(run=Command("certs"))

    demo = commands.add_parser("demo", help="TUI with simulated chargers on a loopback port")
    demo.add_argument("--port", type=int, default=0, help="port (default: any free port)")
    demo.set_defaults(run=Command("demo"))

    simulate = commands.add_parser("simulate", help="run the built-in charger simulator")
    simulate.add_argument(
        "url",
        nargs="?",
        help="CSMS URL ending in the identity, e.g. ws://host:9000/CP-1 (or --serial/--ble)",
    )
    simulate.add_argument(
        "--protocol", default="ocpp1.6", help="ocpp1.6, ocpp2.0.1 or ocpp2.1 (default ocpp1.6)"
    )
    simulate.add_argument("--vendor")
    simulate.add_argument("--model")
    simulate.add_argument("--serial-number", help="the charger's serial number")
    simulate.add_argument("--firmware")
    simulate.add_argument("--connectors", type=int, default=2)
    simulate.add_argument(
        "--transaction", action="store_true", help="start a charging session after boot"
    )
    simulate.add_argument(
        "--firmware-failure",
        choices=["download", "signature", "verification", "install"],
        help="make firmware updates fail at this stage (to test the failure paths)",
    )
    simulate.add_argument(
        "--upload-failure",
        choices=["upload", "permission"],
        help="make diagnostics/log uploads fail",
    )
    simulate.add_argument(
        "--insecure-downloads",
        action="store_true",
        help="accept a self-signed HTTPS file server (the laptop's own certificate)",
    )
    simulate.add_argument(
        "--quirk",
        action="append",
        default=[],
        metavar="NAME",
        help="break the specification as some real chargers do (repeatable), e.g. long-serial, "
        "rejects-key-lists, no-notifyreport, drops-on-ping, or the transfer orders "
        "installed-after-boot, status-before-answer, repeated-statuses, fetches-twice; "
        "a wrong name lists them all",
    )
    simulate.add_argument(
        "--file-transfer-protocols",
        metavar="LIST",
        help="what the charger reports it supports, e.g. FTP or FTP,HTTP,HTTPS (default FTP,HTTP)",
    )
    add_simulator_link_options(simulate)
    simulate.set_defaults(run=Command("simulate"))
    return parser


def _command_parser(parser: argparse.ArgumentParser, name: str) -> argparse.ArgumentParser:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action.choices[name]
    raise KeyError(name)


def _serve_option_without_command(
    parser: argparse.ArgumentParser, argv: Sequence[str]
) -> str | None:
    """`ocpp-tui --port 9001`: the first argument after the program's own options, when it is
    an option of `serve` (argparse would read `9001` as the command and say that is wrong)."""
    top_level = parser._option_string_actions
    index = 0
    while index < len(argv):
        token = argv[index]
        name = token.split("=", 1)[0]
        if name not in top_level:
            serve = _command_parser(parser, "serve")
            return name if name in serve._option_string_actions else None
        index += 1 if "=" in token or top_level[name].nargs == 0 else 2
    return None


def parse(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse, and say which command an option belongs to when it is given without one."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    option = _serve_option_without_command(parser, arguments)
    if option is not None:
        at = next(i for i, token in enumerate(arguments) if token.split("=", 1)[0] == option)
        command = " ".join(["ocpp-tui", *arguments[:at], "serve", *arguments[at:]])
        note = "" if "--headless" in arguments else " (the TUI; add --headless for no UI)"
        parser.error(f"{option} is an option of a command: use `{command}`{note}")
    return parser.parse_args(arguments)
