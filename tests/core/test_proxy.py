"""Proxy mode with two real servers on loopback: ocpp-tui's own mini-CSMS plays the real CSMS."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from ocpptui.core.auth import AuthConfig
from ocpptui.core.config import CsmsConfig
from ocpptui.core.frame import Frame
from ocpptui.core.hub import Hub
from ocpptui.core.log_file import LogFile
from ocpptui.core.proxy import ProxySession, UpstreamConfig
from tests.helpers import RawCharger, wait_for


@pytest.fixture
async def upstream(tmp_path: Path) -> AsyncIterator[Hub]:
    hub = Hub(CsmsConfig(port=0, call_timeout=5), sessions_dir=tmp_path / "upstream")
    await hub.start_server("127.0.0.1", 0)
    yield hub
    await hub.stop()


async def make_proxy(tmp_path: Path, upstream: Hub, **options) -> Hub:
    proxy = Hub(CsmsConfig(port=0, call_timeout=5), sessions_dir=tmp_path / "proxy")
    url = (
        f"ws://127.0.0.1:{upstream.servers[0].port}/ocpp"
        if upstream.servers
        else options.pop("url")
    )
    await proxy.start_proxy(
        UpstreamConfig(url, reconnect_interval=0.2, open_timeout=2, **options), "127.0.0.1", 0
    )
    return proxy


@pytest.fixture
async def proxy(tmp_path: Path, upstream: Hub) -> AsyncIterator[Hub]:
    hub = await make_proxy(tmp_path, upstream)
    yield hub
    await hub.stop()


async def charger_via(
    proxy: Hub, identity: str = "CP-1", subprotocols=("ocpp1.6",), **kw
) -> RawCharger:
    url = f"ws://127.0.0.1:{proxy.servers[0].port}/{identity}"
    return RawCharger(await connect(url, subprotocols=list(subprotocols), **kw))


BOOT_TEXT = '[2, "b-1",  "BootNotification", {"chargePointVendor": "V", "chargePointModel":"M"}]'


async def test_frames_are_forwarded_byte_for_byte_both_ways(proxy: Hub, upstream: Hub) -> None:
    charger = await charger_via(proxy)
    await charger.send_text(BOOT_TEXT)
    answer_text = await asyncio.wait_for(charger.connection.recv(), 5)
    await wait_for(lambda: "CP-1" in upstream.chargers)
    up_frames = list(upstream.chargers["CP-1"].frames)
    assert up_frames[0].raw == BOOT_TEXT  # what the real CSMS got is what the charger sent
    assert up_frames[1].raw == answer_text  # and the charger got what the CSMS answered
    assert upstream.chargers["CP-1"].state.vendor == "V"
    assert proxy.chargers["CP-1"].state.vendor == "V"  # the proxy keeps state too

    legs = [(f.leg, f.direction.value, f.raw) for f in proxy.chargers["CP-1"].frames]
    assert legs == [
        ("charger", "in", BOOT_TEXT),
        ("csms", "out", BOOT_TEXT),
        ("csms", "in", answer_text),
        ("charger", "out", answer_text),
    ]
    frames = list(proxy.chargers["CP-1"].frames)
    assert frames[3].request_seq == frames[0].seq  # paired on the charger leg
    assert frames[2].request_seq == frames[1].seq  # and on the CSMS leg
    assert frames[3].action == "BootNotification"


async def test_a_reopened_proxy_log_keeps_both_legs_marked_and_paired(
    proxy: Hub, upstream: Hub
) -> None:
    # The same message id crosses both legs; each answer belongs to the CALL on its own leg.
    charger = await charger_via(proxy)
    await charger.send_text(BOOT_TEXT)
    await asyncio.wait_for(charger.connection.recv(), 5)
    await wait_for(lambda: upstream.session_for("CP-1") is not None)
    csms_session = upstream.session_for("CP-1")
    assert csms_session is not None

    async def answer() -> None:
        request = await charger.recv_json()
        await charger.send_text(json.dumps([3, request[1], {"status": "Accepted"}]))

    task = asyncio.create_task(answer())
    await csms_session.call_raw("ChangeConfiguration", {"key": "HeartbeatInterval", "value": "30"})
    await task
    await wait_for(lambda: len(proxy.chargers["CP-1"].frames) == 8)
    live = list(proxy.chargers["CP-1"].frames)
    session = proxy.session_for("CP-1")
    assert session is not None and session.frame_log.path is not None

    def marks(frames: list[Frame]) -> list[tuple]:
        return [(f.leg, f.direction.value, f.action, f.request_seq, f.response_seq) for f in frames]

    assert [f.leg for f in live].count("csms") == 4
    saved = LogFile(session.frame_log.path)
    assert saved.index()
    shown = [saved.at(position) for position in range(len(saved))]  # paired nearby, on demand
    assert marks([f for f in shown if f is not None]) == marks(live)
    saved.analyze()  # paired over the whole file
    assert marks([saved.at(position) for position in range(len(saved))]) == marks(live)
    saved.close()


async def test_calls_from_the_csms_reach_the_charger_and_back(proxy: Hub, upstream: Hub) -> None:
    charger = await charger_via(proxy)
    await charger.boot_16()
    await wait_for(lambda: "CP-1" in upstream.chargers)
    csms_session = upstream.session_for("CP-1")

    async def answer() -> None:
        request = await charger.recv_json()
        await charger.send_text(json.dumps([3, request[1], {"status": "Accepted"}]))

    task = asyncio.create_task(answer())
    outcome = await csms_session.call_raw(
        "ChangeConfiguration", {"key": "HeartbeatInterval", "value": "30"}
    )
    await task
    assert outcome.status == "Accepted"


async def test_injected_calls_never_leak_upstream(proxy: Hub, upstream: Hub) -> None:
    charger = await charger_via(proxy)
    await charger.boot_16()
    await wait_for(lambda: "CP-1" in upstream.chargers)
    upstream_before = len(upstream.chargers["CP-1"].frames)
    session = proxy.session_for("CP-1")
    assert isinstance(session, ProxySession)

    async def answer() -> None:
        request = await charger.recv_json()
        await charger.send_text(json.dumps([3, request[1], {"status": "Accepted"}]))

    task = asyncio.create_task(answer())
    outcome = await session.call_raw("ClearCache", {})
    await task
    assert outcome.status == "Accepted"
    assert "injected" in outcome.request_frame.flags
    await asyncio.sleep(0.1)
    assert len(upstream.chargers["CP-1"].frames) == upstream_before
    assert all(f.leg == "charger" for f in (outcome.request_frame, outcome.response_frame))


async def test_injection_waits_for_the_csms_call_in_flight(proxy: Hub, upstream: Hub) -> None:
    charger = await charger_via(proxy)
    await charger.boot_16()
    await wait_for(lambda: "CP-1" in upstream.chargers)
    csms_call = asyncio.create_task(upstream.session_for("CP-1").call_raw("ClearCache", {}))
    first = await charger.recv_json()
    injected = asyncio.create_task(proxy.session_for("CP-1").call_raw("ClearCache", {}))
    with pytest.raises(TimeoutError):
        await charger.recv_json(timeout=0.3)  # one CALL at a time towards the charger
    await charger.send_text(json.dumps([3, first[1], {"status": "Accepted"}]))
    second = await charger.recv_json()
    await charger.send_text(json.dumps([3, second[1], {"status": "Rejected"}]))
    assert (await csms_call).status == "Accepted"
    assert (await injected).status == "Rejected"


async def test_upstream_drop_keeps_the_charger_and_answers_locally(
    tmp_path: Path, proxy: Hub, upstream: Hub
) -> None:
    charger = await charger_via(proxy)
    await charger.boot_16()
    session = proxy.session_for("CP-1")
    await upstream.stop()  # the real CSMS goes away
    await wait_for(lambda: session.upstream is None)
    assert session.upstream_state.startswith("lost")
    answer = await charger.call("Heartbeat", {})
    assert answer[0] == 3  # answered by the laptop
    frames = list(proxy.chargers["CP-1"].frames)
    assert "not-delivered-upstream" in frames[-2].flags
    assert "answered-locally" in frames[-1].flags
    assert session.connected and session.undelivered == 1


async def test_upstream_comes_back(tmp_path: Path, proxy: Hub, upstream: Hub) -> None:
    port = upstream.servers[0].port
    charger = await charger_via(proxy)
    await charger.boot_16()
    session = proxy.session_for("CP-1")
    await upstream.stop()
    await wait_for(lambda: session.upstream is None)
    revived = Hub(CsmsConfig(port=0), sessions_dir=tmp_path / "revived")
    await revived.start_server("127.0.0.1", port)
    try:
        await wait_for(lambda: session.upstream is not None, timeout=5)
        assert session.upstream_state.startswith("reconnected")
        assert (await charger.call("Heartbeat", {}))[0] == 3
        await wait_for(lambda: "CP-1" in revived.chargers)
        assert revived.chargers["CP-1"].frames[0].action == "Heartbeat"
    finally:
        await revived.stop()


async def test_unreachable_upstream_policy(tmp_path: Path) -> None:
    nowhere = "ws://127.0.0.1:9/ocpp"  # the discard port: nothing listens
    keep = await make_proxy(tmp_path / "a", Hub(CsmsConfig()), url=nowhere)
    drop = await make_proxy(
        tmp_path / "b", Hub(CsmsConfig()), url=nowhere, keep_charger_on_loss=False
    )
    try:
        charger = await charger_via(keep)
        assert (await charger.boot_16())[2]["status"] == "Accepted"  # answered by the laptop
        assert "not reachable" in keep.session_for("CP-1").upstream_state
        with pytest.raises(InvalidStatus) as caught:
            await charger_via(drop)
        assert caught.value.response.status_code == 502
        assert "not reachable" in drop.attempts[-1].reason
    finally:
        await keep.stop()
        await drop.stop()


async def test_both_legs_use_the_subprotocol_the_csms_chose(tmp_path: Path) -> None:
    only_16 = Hub(CsmsConfig(port=0, subprotocols=("ocpp1.6",)), sessions_dir=None)
    await only_16.start_server("127.0.0.1", 0)
    proxy = await make_proxy(tmp_path, only_16)
    try:
        charger = await charger_via(proxy, subprotocols=("ocpp2.0.1", "ocpp1.6"))
        assert charger.connection.subprotocol == "ocpp1.6"
        await charger.boot_16()
        await wait_for(lambda: "CP-1" in only_16.chargers)
        assert only_16.session_for("CP-1").version.value == "1.6"
    finally:
        await proxy.stop()
        await only_16.stop()


async def test_basic_auth_credentials_pass_through(
    tmp_path: Path, upstream: Hub, proxy: Hub
) -> None:
    upstream.config.auth = AuthConfig(required=True, passwords={"CP-A": "upstream-secret-1"})
    header = "Basic " + base64.b64encode(b"CP-A:upstream-secret-1").decode()
    charger = await charger_via(proxy, "CP-A", additional_headers={"Authorization": header})
    await charger.boot_16()
    await wait_for(lambda: "CP-A" in upstream.chargers)
    assert proxy.session_for("CP-A").upstream is not None
    wrong = "Basic " + base64.b64encode(b"CP-B:nope").decode()
    charger_b = await charger_via(proxy, "CP-B", additional_headers={"Authorization": wrong})
    await charger_b.boot_16()  # the laptop keeps the charger and answers it
    assert "HTTP 401" in proxy.session_for("CP-B").upstream_state


def test_what_a_tls_upstream_sees_of_the_charger() -> None:
    assert UpstreamConfig("ws://csms.example/ocpp").tls_note() is None
    bare = UpstreamConfig("wss://csms.example/ocpp").tls_note()
    assert bare is not None and "no client certificate" in bare and "--upstream-cert" in bare
    own = UpstreamConfig("wss://csms.example/ocpp", client_cert="laptop.pem").tls_note()
    assert own is not None and "laptop.pem" in own and "never the charger's" in own
