"""What the commands share to start: paths and settings, the server options, the hub, logging,
the TUI. Imported once a command runs, never for `--help`."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ocpptui.paths import Paths
from ocpptui.settings.model import Settings, SettingsError
from ocpptui.settings.reader import load_settings, write_default_settings

if TYPE_CHECKING:
    from ocpptui.cli.links import LinkStarter
    from ocpptui.core.hub import Hub


class CommandLineError(Exception):
    """What was asked cannot be done: `main` prints `ocpp-tui: <message>`, exit status 2."""


def load(args: argparse.Namespace) -> tuple[Paths, Settings]:
    """The paths, and the settings file (`--settings`, or the default one, written if missing)."""
    paths = Paths.default()
    settings_file = args.settings or paths.settings_file
    if args.settings is None:
        try:
            write_default_settings(settings_file)
        except OSError:
            pass  # a read-only home still runs on defaults
    try:
        settings = load_settings(settings_file)
    except SettingsError as exc:
        raise CommandLineError(str(exc)) from None
    return paths, settings


def server_hub(args: argparse.Namespace, settings: Settings, paths: Paths) -> Hub:
    """The hub of serve, run and proxy: the server options and [security] applied, old
    session folders pruned."""
    _apply_server_options(settings, args)
    _apply_security(settings, paths)
    return make_hub(settings, paths, getattr(args, "log_dir", None))


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


def _apply_security(settings: Settings, paths: Paths) -> None:
    """Put [security] into effect (CommandLineError when it cannot be)."""
    from ocpptui.services.security_setup import SecuritySetupError, apply_security

    try:
        apply_security(settings.csms, settings.security, paths.data_dir)
    except SecuritySetupError as exc:
        raise CommandLineError(str(exc)) from None


def make_hub(settings: Settings, paths: Paths, log_dir: Path | None) -> Hub:
    from ocpptui.core.hub import Hub
    from ocpptui.services.log_retention import prune_sessions

    # [logs] keep_days, before this run opens sessions of its own.
    prune_sessions(paths.sessions_dir, settings.logs.keep_days)
    return Hub(settings.csms, sessions_dir=log_dir or paths.sessions_dir)


def server_link(args: argparse.Namespace) -> LinkStarter | None:
    """`--serial`/`--ble` on serve and run (a playbook names the identity it waits for)."""
    from ocpptui.cli.links import link_starter, playbook_identity

    default = playbook_identity(args.playbook) if args.command == "run" else None
    try:
        return link_starter(args, default_identity=default)
    except ValueError as exc:
        raise CommandLineError(str(exc)) from None


def configure_logging(paths: Paths, to_stderr: bool) -> None:
    """Diagnostics go to a file while the TUI owns the terminal."""
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


def short_gc_pauses() -> None:
    """Frames held by the thousand must not make garbage collection the answers' p99."""
    from ocpptui.core import gc_pauses

    gc_pauses.install()


def serve_without_ui(paths: Paths, hub: Hub, *, jsonl: bool, **options: Any) -> int:
    """`serve_headless` (a local link or an upstream in `options`) until it is stopped;
    warnings go to stderr."""
    import asyncio

    from ocpptui.headless import serve_headless

    configure_logging(paths, to_stderr=True)
    short_gc_pauses()
    return asyncio.run(serve_headless(hub, jsonl=jsonl, **options))


def run_tui(settings: Settings, paths: Paths, hub: Hub, **options) -> int:
    from ocpptui.app.app import make_app

    configure_logging(paths, to_stderr=False)
    app = make_app(settings, paths, hub, short_gc_pauses=True, **options)
    app.run()
    return app.return_code or 0
