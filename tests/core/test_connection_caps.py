"""What one peer can hold: a cap on WebSocket connections in all and per address, each
refusal an HTTP 503 with its reason in the connection clinic."""

from __future__ import annotations

from pathlib import Path

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from ocpptui.core.attempts import Outcome
from ocpptui.core.config import CsmsConfig
from ocpptui.core.hub import Hub
from tests.helpers import RawCharger, server_url, wait_for


async def charger(hub: Hub, identity: str, source: str = "127.0.0.1") -> RawCharger:
    connection = await connect(
        server_url(hub, identity),
        subprotocols=["ocpp1.6"],  # type: ignore[list-item]
        local_addr=(source, 0),
    )
    return RawCharger(connection)


async def refusal(hub: Hub, identity: str, source: str = "127.0.0.1") -> tuple[int, str]:
    with pytest.raises(InvalidStatus) as caught:
        await charger(hub, identity, source)
    response = caught.value.response
    return response.status_code, response.body.decode()


async def test_past_max_connections_a_charger_is_refused_with_503(tmp_path: Path) -> None:
    hub = Hub(CsmsConfig(port=0, max_connections=2), sessions_dir=tmp_path / "sessions")
    await hub.start_server("127.0.0.1", 0)
    try:
        first, second = await charger(hub, "CP-1"), await charger(hub, "CP-2")
        await wait_for(lambda: len(hub.connected_sessions()) == 2)

        status, body = await refusal(hub, "CP-3")
        assert status == 503
        assert "at its cap of 2 connections ([server] max_connections)" in body
        attempt = hub.attempts[-1]
        assert (attempt.identity, attempt.outcome) == ("CP-3", Outcome.REFUSED)
        assert attempt.advice is not None and "max_connections" in attempt.advice

        # The chargers already connected are served ...
        assert (await first.call("Heartbeat", {}))[0] == 3
        # ... and one of them reconnecting (its old connection half-dead) replaces itself.
        again = await charger(hub, "CP-2")
        await wait_for(lambda: hub.attempts[-1].outcome is Outcome.REPLACED)
        assert (await again.call("Heartbeat", {}))[0] == 3
        for each in (first, second, again):
            await each.connection.close()
    finally:
        await hub.stop()


async def test_one_address_cannot_hold_every_connection(tmp_path: Path) -> None:
    config = CsmsConfig(port=0, max_connections_per_ip=2)
    hub = Hub(config, sessions_dir=tmp_path / "sessions")
    await hub.start_server("127.0.0.1", 0)
    try:
        # 127.0.0.2 plays a device on the site network that opens connection after connection.
        held = [await charger(hub, f"X-{n}", "127.0.0.2") for n in range(2)]
        status, body = await refusal(hub, "X-2", "127.0.0.2")
        assert status == 503
        assert "2 connections from 127.0.0.2 already" in body
        assert "[server] max_connections_per_ip" in hub.attempts[-1].reason

        # The charger at another address still gets in.
        real = await charger(hub, "CP-1")
        assert (await real.call("Heartbeat", {}))[0] == 3
        for each in [*held, real]:
            await each.connection.close()
    finally:
        await hub.stop()
