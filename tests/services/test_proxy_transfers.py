"""A log pulled through the proxy: the same job, the same URL address rule as the TUI and `run`."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from ocpptui.core.config import CsmsConfig
from ocpptui.core.hub import Hub
from ocpptui.core.proxy import UpstreamConfig
from ocpptui.services.diagnostics import DiagnosticsRequest
from ocpptui.services.file_server import FileServer
from ocpptui.services.file_server import server as file_server_module
from ocpptui.sim import SimulatedCharger, SimulatorOptions
from tests.helpers import FAST_SIM, wait_for

pytestmark = pytest.mark.timeout(30)


@pytest.fixture
async def upstream(tmp_path: Path) -> AsyncIterator[Hub]:
    hub = Hub(CsmsConfig(port=0, call_timeout=5), sessions_dir=tmp_path / "upstream")
    await hub.start_server("127.0.0.1", 0)
    yield hub
    await hub.stop()


async def test_a_log_through_the_proxy_goes_to_the_address_the_charger_reached(
    tmp_path: Path, upstream: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The file server's own guess is another address (nothing listens on 127.0.0.2).
    monkeypatch.setattr(file_server_module, "_default_advertise_host", lambda _: "127.0.0.2")
    proxy = Hub(CsmsConfig(port=0, call_timeout=5), sessions_dir=tmp_path / "proxy")
    url = f"ws://127.0.0.1:{upstream.servers[0].port}/ocpp"
    await proxy.start_proxy(UpstreamConfig(url, open_timeout=2), "127.0.0.1", 0)
    server = FileServer(bind_host="127.0.0.1", http_port=0, ftp_port=0, ftp_passive_ports=None,
                        upload_dir=tmp_path / "uploads")  # fmt: skip
    await server.start()
    charger = SimulatedCharger(
        f"ws://127.0.0.1:{proxy.servers[0].port}/CP-PX", SimulatorOptions(**FAST_SIM)
    )
    task = asyncio.create_task(charger.run())
    try:
        await charger.wait_until(lambda c: c.booted, timeout=5)
        await wait_for(lambda: proxy.session_for("CP-PX") is not None)
        job = DiagnosticsRequest(proxy, "CP-PX", server, scheme="http")
        await job.start()
        verdict = await job.wait(timeout=15)
        job.close()
        assert job.location.startswith("http://127.0.0.1:")
        assert verdict.ok, verdict
        assert "Uploading" in [entry.status for entry in job.timeline]
        # The real CSMS saw the charger's statuses (forwarded), not the injected request.
        await wait_for(lambda: upstream.session_for("CP-PX").state.diagnostics_status)
    finally:
        await charger.stop()
        await task
        await server.stop()
        await proxy.stop()
