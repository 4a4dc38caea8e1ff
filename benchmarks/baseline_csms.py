"""The baseline for the capacity and frame-path benchmarks: a minimal OCPP 1.6 CSMS written
directly on the `ocpp` package and websockets, as its README shows, with no frame log.

    .venv/bin/python benchmarks/baseline_csms.py [--host 127.0.0.1] [--port 9000]

It answers BootNotification, Heartbeat, StatusNotification and MeterValues with the library's
own routing and schema validation (requests and answers), synchronously: the library's
default hands every validation to a thread pool, which is slower and is what its issue
tracker advises against, so the baseline takes the faster setting. The WebSocket options
match ocpp-tui's server (no compression, no library pings). It prints
`listening on HOST:PORT` on stderr once bound and runs until SIGTERM/SIGINT.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import logging
import resource
import signal
import sys

import ocpp.messages
from ocpp.routing import on
from ocpp.v16 import ChargePoint, call_result
from ocpp.v16.enums import Action, RegistrationStatus
from websockets.asyncio.server import ServerConnection, serve

ocpp.messages.ASYNC_VALIDATION = False


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat()


class BaselineChargePoint(ChargePoint):
    """The CSMS side of one charger, handlers as the `ocpp` README writes them."""

    @on(Action.boot_notification)
    def on_boot_notification(self, charge_point_vendor: str, charge_point_model: str, **_):
        return call_result.BootNotification(
            current_time=_now(), interval=60, status=RegistrationStatus.accepted
        )

    @on(Action.heartbeat)
    def on_heartbeat(self):
        return call_result.Heartbeat(current_time=_now())

    @on(Action.status_notification)
    def on_status_notification(self, connector_id: int, error_code: str, status: str, **_):
        return call_result.StatusNotification()

    @on(Action.meter_values)
    def on_meter_values(self, connector_id: int, meter_value: list, **_):
        return call_result.MeterValues()


async def _handle(connection: ServerConnection) -> None:
    identity = (connection.request.path if connection.request else "/").rstrip("/")
    charge_point = BaselineChargePoint(identity.rsplit("/", 1)[-1], connection)
    try:
        await charge_point.start()
    except Exception:  # the client went away
        return


def raise_open_file_limit() -> None:
    """Thousands of chargers need thousands of sockets (and ocpp-tui a log file each)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        target = hard if hard != resource.RLIM_INFINITY else 65536
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


async def serve_until_stopped(host: str, port: int) -> None:
    stop = asyncio.get_running_loop().create_future()
    for signum in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(signum, stop.set_result, None)
    async with serve(
        _handle,
        host,
        port,
        subprotocols=["ocpp1.6"],
        compression=None,
        ping_interval=None,
        max_size=1024 * 1024,
    ) as server:
        bound = next(iter(server.sockets)).getsockname()[1]
        print(f"listening on {host}:{bound}", file=sys.stderr, flush=True)
        await stop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9000)
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    raise_open_file_limit()
    asyncio.run(serve_until_stopped(args.host, args.port))


if __name__ == "__main__":
    main()
