"""`ocpp-tui proxy UPSTREAM`: between chargers and their real CSMS, every frame shown (TUI or
headless), the technician able to inject calls."""

from __future__ import annotations

import argparse
import ssl
import sys

from ocpptui.cli.startup import (
    load,
    run_tui,
    serve_without_ui,
    server_hub,
)
from ocpptui.core.proxy import UpstreamConfig


def run(args: argparse.Namespace) -> int:
    paths, settings = load(args)
    hub = server_hub(args, settings, paths)
    try:
        upstream = upstream_config(args)
    except (ValueError, OSError) as exc:
        print(f"ocpp-tui proxy: {exc}", file=sys.stderr)
        return 2
    if args.headless:
        return serve_without_ui(paths, hub, jsonl=args.jsonl, upstream=upstream)
    return run_tui(settings, paths, hub, upstream=upstream)


def upstream_config(args: argparse.Namespace) -> UpstreamConfig:
    """The real CSMS from the command line (ValueError, OSError: the message is for the user)."""
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
