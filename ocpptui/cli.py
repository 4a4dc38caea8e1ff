"""Command line: parse arguments, load paths and settings, start the TUI or a headless runner.

Everything heavy (Textual, the `ocpp` package, websockets) is imported only by the command
that needs it, so `--help`, `--version` and `--paths` answer at once.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ocpptui import __version__
from ocpptui.link_commands import (
    add_link_choice,
    add_link_commands,
    add_simulator_link_options,
)
from ocpptui.log_commands import (
    add_log_commands,
    add_report_options,
    open_log_command,
    report_request,
)

if TYPE_CHECKING:
    from ocpptui.core.hub import Hub
    from ocpptui.paths import Paths
    from ocpptui.settings.model import Settings

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


def _run_async(coroutine):
    """`asyncio.run`, imported here: `--help` must not pay for importing asyncio."""
    import asyncio

    return asyncio.run(coroutine)


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
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    serve = commands.add_parser("serve", help="run the mini-CSMS (TUI, or --headless)")
    _add_server_options(serve)
    serve.add_argument("--headless", action="store_true", help="no UI: print frames to stdout")
    serve.add_argument("--jsonl", action="store_true", help="headless: print JSON lines")
    serve.add_argument(
        "--site", type=Path, metavar="SHEET", help="open the site board of this site sheet"
    )
    add_link_choice(serve)

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
    add_report_options(run)
    _add_server_options(run)
    add_link_choice(run)
    add_link_commands(commands)
    add_log_commands(commands)

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

    demo = commands.add_parser("demo", help="TUI with simulated chargers on a loopback port")
    demo.add_argument("--port", type=int, default=0, help="port (default: any free port)")

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
    return parser


def _load(args: argparse.Namespace) -> tuple[Paths, Settings]:
    from ocpptui.paths import Paths
    from ocpptui.settings.reader import load_settings, write_default_settings

    paths = Paths.default()
    settings_file = args.settings or paths.settings_file
    if args.settings is None:
        try:
            write_default_settings(settings_file)
        except OSError:
            pass  # a read-only home still runs on defaults
    settings = load_settings(settings_file)
    return paths, settings


def _apply_server_options(settings: Settings, args: argparse.Namespace) -> None:
    from ocpptui.core.config import UnknownChargerPolicy, ValidationPolicy

    if getattr(args, "host", None):
        settings.csms.host = args.host
    if getattr(args, "port", None) is not None:
        settings.csms.port = args.port
    if getattr(args, "validation", None):
        settings.csms.validation = ValidationPolicy(args.validation)
    if getattr(args, "unknown_chargers", None):
        settings.csms.unknown_policy = UnknownChargerPolicy(args.unknown_chargers)
    if getattr(args, "allow", None):
        settings.csms.allow_list |= set(args.allow)


def _make_hub(settings: Settings, paths: Paths, log_dir: Path | None) -> Hub:
    from ocpptui.core.hub import Hub
    from ocpptui.services.log_retention import prune_sessions

    # [logs] keep_days, before this run opens sessions of its own.
    prune_sessions(paths.sessions_dir, settings.logs.keep_days)
    return Hub(settings.csms, sessions_dir=log_dir or paths.sessions_dir)


def _configure_logging(paths: Paths, to_stderr: bool) -> None:
    """Diagnostics go to a file while the TUI owns the terminal."""
    import logging

    from ocpptui.core.safe_logging import TerminalSafeFormatter, log_to_stream

    if to_stderr:
        log_to_stream(logging.WARNING, "%(levelname)s %(name)s: %(message)s")
        return
    try:
        paths.log_dir.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.FileHandler(paths.app_log_file, encoding="utf-8")
    except OSError:
        handler = logging.NullHandler()
    # The app log is read with `less` or `cat`: escaped like the terminal output.
    handler.setFormatter(TerminalSafeFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)


def _short_gc_pauses() -> None:
    """Frames held by the thousand must not make garbage collection the answers' p99."""
    from ocpptui.core import gc_pauses

    gc_pauses.install()


def _run_tui(settings: Settings, paths: Paths, hub: Hub, **options) -> int:
    from ocpptui.app.app import make_app

    _configure_logging(paths, to_stderr=False)
    app = make_app(settings, paths, hub, short_gc_pauses=True, **options)
    app.run()
    return app.return_code or 0


def _print_paths() -> int:
    from ocpptui.paths import Paths
    from ocpptui.protocol.terminal_text import escape_controls

    for name, path in Paths.default().describe():
        print(escape_controls(f"{name:<9} {path}"))
    return 0


def _simulate(args: argparse.Namespace) -> int:
    from ocpptui.protocol.versions import OcppVersion
    from ocpptui.sim import SimulatorOptions, simulate

    try:
        protocol = OcppVersion.parse(args.protocol)
    except ValueError as exc:
        print(f"ocpp-tui simulate: {exc}", file=sys.stderr)
        return 2
    overrides = {
        key: value
        for key, value in (
            ("vendor", args.vendor),
            ("model", args.model),
            ("serial", args.serial_number),
            ("firmware", args.firmware),
        )
        if value
    }
    local_link = bool(args.serial or args.ble)
    if local_link == bool(args.url):
        print("ocpp-tui simulate: give a ws:// URL, or --serial / --ble", file=sys.stderr)
        return 2
    if args.file_transfer_protocols:
        overrides["file_transfer_protocols"] = args.file_transfer_protocols
    try:
        options = SimulatorOptions(
            protocol=protocol.subprotocol,
            connectors=args.connectors,
            auto_transaction=args.transaction,
            identity=(args.identity or "SIM-1") if local_link else None,
            firmware_failure=args.firmware_failure,
            upload_failure=args.upload_failure,
            transfer_tls_verify=not args.insecure_downloads,
            quirks=frozenset(args.quirk),
            **overrides,
        )
    except ValueError as exc:
        print(f"ocpp-tui simulate: {exc}", file=sys.stderr)
        return 2
    _configure_logging_for_cli()
    if local_link:
        from ocpptui.link_commands import simulate_over_link

        return simulate_over_link(args, options)
    try:
        _run_async(simulate(args.url, options))
    except KeyboardInterrupt:
        pass
    return 0


def _configure_logging_for_cli() -> None:
    import logging

    from ocpptui.core.safe_logging import log_to_stream

    log_to_stream(logging.INFO, "%(asctime)s %(name)s: %(message)s")


def _certs(args: argparse.Namespace, paths: Paths) -> int:
    from ocpptui.services.security_setup import tls_folder
    from ocpptui.services.tls import TlsFiles, default_names, ensure_certificates, fingerprint

    folder = tls_folder(paths.data_dir)
    names = args.name or default_names()
    had_files = TlsFiles.in_folder(folder).exist()
    files = ensure_certificates(folder, names, renew=bool(args.renew or args.name))
    from cryptography import x509

    ca = x509.load_pem_x509_certificate(files.ca_cert.read_bytes())
    server = x509.load_pem_x509_certificate(files.server_cert.read_bytes())
    sans = server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    print(("using" if had_files and not (args.renew or args.name) else "created") + f" {folder}")
    print(f"CA certificate      {files.ca_cert}  (install this on the charger)")
    print(f"  SHA-256           {fingerprint(ca)}")
    print(f"server certificate  {files.server_cert}  (chain: server + CA)")
    print(f"  names             {', '.join(str(n.value) for n in sans)}")
    print(f"  valid until       {server.not_valid_after_utc:%Y-%m-%d}")
    print(f"server key          {files.server_key}")
    if args.export:
        args.export.write_bytes(files.ca_cert.read_bytes())
        print(f"CA certificate written to {args.export}")
    print("Set [security] profile = 2 (or 3) in the settings file to serve wss://.")
    return 0


def _upstream_config(args: argparse.Namespace):
    import ssl

    from ocpptui.core.proxy import UpstreamConfig

    if not args.upstream.startswith(("ws://", "wss://")):
        raise ValueError(f"the upstream URL must start with ws:// or wss://, got {args.upstream!r}")
    context = None
    if args.upstream.startswith("wss://"):
        context = ssl.create_default_context(
            cafile=str(args.upstream_ca) if args.upstream_ca else None
        )
        if args.upstream_cert:
            context.load_cert_chain(args.upstream_cert, args.upstream_key)
    credentials = None
    if args.upstream_user is not None:
        credentials = (args.upstream_user, args.upstream_password or "")
    return UpstreamConfig(
        args.upstream,
        ssl_context=context,
        credentials=credentials,
        keep_charger_on_loss=not args.drop_with_upstream,
        client_cert=args.upstream_cert.name if args.upstream_cert else None,
    )


def _apply_security(settings: Settings, paths: Paths) -> str | None:
    """Put [security] into effect; returns an error message when it cannot be."""
    from ocpptui.services.security_setup import SecuritySetupError, apply_security

    try:
        apply_security(settings.csms, settings.security, paths.data_dir)
    except SecuritySetupError as exc:
        return str(exc)
    return None


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


def _parse(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse, and say which command an option belongs to when it is given without one."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    option = _serve_option_without_command(parser, arguments)
    if option is not None:
        at = next(i for i, token in enumerate(arguments) if token.split("=", 1)[0] == option)
        command = " ".join(["ocpp-tui", *arguments[:at], "serve", *arguments[at:]])
        note = "" if "--headless" in arguments else " (the TUI; add --headless for no UI)"
        parser.error(f"{option} is an option of a command: use `{command}`{note}")
    return parser.parse_args(arguments)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = _parse(parser, argv)
    if args.paths:
        return _print_paths()
    if args.command == "simulate":
        return _simulate(args)

    from ocpptui.settings.model import SettingsError

    try:
        paths, settings = _load(args)
    except SettingsError as exc:
        print(f"ocpp-tui: {exc}", file=sys.stderr)
        return 2

    if args.command == "certs":
        return _certs(args, paths)

    if args.command == "open":
        return open_log_command(args, settings, paths)

    if args.command == "demo":
        from ocpptui.demo import DEMO_HEARTBEAT_INTERVAL, demo_chargers

        settings.csms.heartbeat_interval = DEMO_HEARTBEAT_INTERVAL
        hub = _make_hub(settings, paths, None)
        return _run_tui(
            settings, paths, hub, host="127.0.0.1", port=args.port, after_start=[demo_chargers]
        )

    if args.command in ("serial", "ble"):
        return _local_link_tui(args, settings, paths)

    _apply_server_options(settings, args)
    problem = _apply_security(settings, paths)
    if problem is not None:
        print(f"ocpp-tui: {problem}", file=sys.stderr)
        return 2
    hub = _make_hub(settings, paths, getattr(args, "log_dir", None))
    try:
        link = _link_starter(args)
    except ValueError as exc:
        print(f"ocpp-tui: {exc}", file=sys.stderr)
        return 2
    if args.command == "run":
        from ocpptui.headless import run_playbook_headless, run_site_headless

        _configure_logging(paths, to_stderr=True)
        from ocpptui.services.file_hosting import create_file_server

        async def start_file_server():
            server = create_file_server(
                settings.files, paths.sessions_dir, server_host=hub.listen_host
            )
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
            return _run_async(
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
        return _run_async(
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
    if args.command == "proxy":
        try:
            upstream = _upstream_config(args)
        except (ValueError, OSError) as exc:
            print(f"ocpp-tui proxy: {exc}", file=sys.stderr)
            return 2
        if args.headless:
            from ocpptui.headless import serve_headless

            _configure_logging(paths, to_stderr=True)
            _short_gc_pauses()
            return _run_async(serve_headless(hub, jsonl=args.jsonl, upstream=upstream))
        return _run_tui(settings, paths, hub, upstream=upstream)
    if args.command == "serve" and args.headless:
        if args.site is not None:
            print("ocpp-tui serve: --site opens the site board in the TUI; without a UI, "
                  "run a playbook on the site: ocpp-tui run PLAYBOOK --site SHEET",
                  file=sys.stderr)  # fmt: skip
            return 2
        from ocpptui.headless import serve_headless

        _configure_logging(paths, to_stderr=True)
        _short_gc_pauses()
        return _run_async(serve_headless(hub, jsonl=args.jsonl, link=link))
    if link is not None:
        _configure_logging(paths, to_stderr=False)
        from ocpptui.link_commands import run_tui_with_link

        return run_tui_with_link(settings, paths, hub, link)
    if getattr(args, "site", None) is not None:
        from ocpptui.services.site_sheet import SiteSheetError, load_sheet

        try:
            sheet = load_sheet(args.site)
        except SiteSheetError as exc:
            print(f"ocpp-tui: invalid site sheet: {exc}", file=sys.stderr)
            return 2
        return _run_tui(settings, paths, hub, site_sheet=sheet)
    return _run_tui(settings, paths, hub)


def _link_starter(args: argparse.Namespace):
    """`--serial`/`--ble` on serve and run (a playbook names the identity it waits for)."""
    from ocpptui.link_commands import link_starter, playbook_identity

    default = playbook_identity(args.playbook) if args.command == "run" else None
    return link_starter(args, default_identity=default)


def _local_link_tui(args: argparse.Namespace, settings: Settings, paths: Paths) -> int:
    """`ocpp-tui serial [PORT]` / `ocpp-tui ble [DEVICE]`: the TUI on that link, or on the
    picker without one (`--list`, or output that is not a terminal: print what is there)."""
    from ocpptui import link_commands

    picking = not (args.serial if args.command == "serial" else args.ble)
    if picking and (args.list or not sys.stdout.isatty()):
        if args.command == "serial":
            return link_commands.print_serial_ports()
        return _run_async(link_commands.print_ble_devices(args))
    try:
        defaults = link_commands.link_defaults(args)
        starter = None if picking else link_commands.link_starter(args)
    except ValueError as exc:
        print(f"ocpp-tui: {exc}", file=sys.stderr)
        return 2
    hub = _make_hub(settings, paths, args.log_dir)
    _configure_logging(paths, to_stderr=False)
    if starter is None:
        return link_commands.run_tui_with_picker(settings, paths, hub, defaults, args.command)
    return link_commands.run_tui_with_link(settings, paths, hub, starter, defaults)


if __name__ == "__main__":
    raise SystemExit(main())
