"""Reset, lost connections, silent or failing CSMSs, clean stop, other carriers."""

from __future__ import annotations

import asyncio
import contextlib
import socket

from ocpp.v16 import call
from ocpp.v201 import call as call201

from ocpptui.sim import Link, SimulatedCharger, SimulatorOptions, WebSocketLink, simulate
from tests.sim.csms_peer import CsmsServer
from tests.sim.helpers import FAST, StartCharger


async def test_v16_reset_stops_transactions_reconnects_and_boots_again(
    csms: CsmsServer, start_charger: StartCharger
) -> None:
    charger = await start_charger("CP-1")
    first = await csms.peer("CP-1")
    await charger.start_local_transaction(1, "CARD-1")
    assert (
        await first.call(call.ChangeConfiguration(key="WebSocketPingInterval", value="45"))
    ).status == "RebootRequired"

    answer = await first.call(call.Reset(type="Soft"))
    assert answer.status == "Accepted"
    (stop,) = await first.wait_for("StopTransaction")
    assert stop["reason"] == "SoftReset"
    second = await csms.peer("CP-1", nth=2)
    await charger.wait_until(lambda c: c.boot_count == 2 and c.booted, timeout=5)
    await second.wait_for("StatusNotification", count=3)
    assert charger.connect_count == 2
    assert charger.transactions == {}
    assert second.calls()[0] == first.calls()[0]  # the same BootNotification
    # The value that needed a reboot is in effect now.
    assert charger.configuration["WebSocketPingInterval"] == "45"


async def test_v201_reset_immediate_and_on_idle(
    csms: CsmsServer, start_charger: StartCharger
) -> None:
    charger = await start_charger("CS-1", protocol="ocpp2.0.1")
    first = await csms.peer("CS-1")
    await charger.start_local_transaction(1, "CARD-1")

    # OnIdle waits for the running transaction to end.
    scheduled = await first.call(call201.Reset(type="OnIdle"))
    assert scheduled.status == "Scheduled"
    assert charger.connect_count == 1
    transaction_id = charger.transactions[1].transaction_id
    await first.call(call201.RequestStopTransaction(transaction_id=str(transaction_id)))
    second = await csms.peer("CS-1", nth=2)
    boot = (await second.wait_for("BootNotification"))[0]
    assert boot["reason"] == "RemoteReset"
    await charger.wait_until(lambda c: c.booted, timeout=5)

    await charger.start_local_transaction(2, "CARD-2")
    immediate = await second.call(call201.Reset(type="Immediate"))
    assert immediate.status == "Accepted"
    (ended,) = await second.wait_for("TransactionEvent", lambda e: e["eventType"] == "Ended")
    assert ended["transactionInfo"]["stoppedReason"] == "ImmediateReset"
    assert ended["triggerReason"] == "ResetCommand"
    await csms.peer("CS-1", nth=3)
    await charger.wait_until(lambda c: c.boot_count == 3 and c.booted, timeout=5)


async def test_csms_closing_the_connection_makes_the_charger_reconnect(
    csms: CsmsServer, start_charger: StartCharger
) -> None:
    charger = await start_charger("CP-1", meter_interval=1)
    first = await csms.peer("CP-1")
    await charger.start_local_transaction(1, "CARD-1")
    await first.close()

    second = await csms.peer("CP-1", nth=2)
    await charger.wait_until(lambda c: c.connect_count == 2 and c.booted, timeout=5)
    # The transaction went on meanwhile: meter values resume on the new connection.
    await second.wait_for("BootNotification")
    meter_values = await second.wait_for("MeterValues", count=2)
    assert {mv["transactionId"] for mv in meter_values} == {1001}
    assert charger.transactions[1].transaction_id == 1001


async def test_unanswered_and_failing_calls_are_logged_and_the_charger_carries_on(
    csms: CsmsServer, start_charger: StartCharger, caplog
) -> None:
    csms.behaviour.heartbeat_interval = 1
    csms.behaviour.silent_actions = {"Heartbeat"}
    csms.behaviour.error_actions = {"StatusNotification"}
    charger = await start_charger("CP-1", response_timeout=0.2)
    peer = await csms.peer("CP-1")

    await charger.wait_until(lambda c: c.sent_actions.get("Heartbeat", 0) >= 3, timeout=5)
    assert charger.heartbeat_count == 0  # none was answered
    assert charger.booted and charger.connect_count == 1
    assert len(peer.calls("StatusNotification")) == 3  # each answered with a CallError
    messages = [r.getMessage() for r in caplog.records if r.name == "ocpptui.sim"]
    assert any("no answer to Heartbeat" in m for m in messages)
    assert any("StatusNotification failed" in m for m in messages)

    csms.behaviour.silent_actions.clear()
    await charger.wait_until(lambda c: c.heartbeat_count >= 1, timeout=5)


async def test_undelivered_stop_transaction_is_sent_after_the_next_boot(
    csms: CsmsServer, start_charger: StartCharger
) -> None:
    charger = await start_charger("CP-1", response_timeout=0.2)
    first = await csms.peer("CP-1")
    await charger.start_local_transaction(1, "CARD-1")
    csms.behaviour.silent_actions = {"StopTransaction"}
    await charger.stop_local_transaction(1)
    assert charger.undelivered_count == 1

    csms.behaviour.silent_actions = set()
    await first.close()
    second = await csms.peer("CP-1", nth=2)
    (stop,) = await second.wait_for("StopTransaction")
    assert stop["transactionId"] == 1001
    assert second.record.actions()[:2] == ["BootNotification", "StopTransaction"]
    assert charger.undelivered_count == 0


async def test_stop_leaves_no_task_behind() -> None:
    async with CsmsServer(heartbeat_interval=1) as csms:
        options = SimulatorOptions(protocol="ocpp2.0.1", meter_interval=1, **FAST)
        charger = SimulatedCharger(csms.url("CS-1"), options)
        task = asyncio.create_task(charger.run())
        await charger.wait_until(lambda c: c.booted, timeout=5)
        await charger.start_local_transaction(1, "CARD-1")
        await charger.wait_until(lambda c: c.heartbeat_count >= 2, timeout=5)

        await charger.stop()
        await task
        assert not charger.running and not charger.connected
        assert [t for t in asyncio.all_tasks() if t.get_name().startswith("sim:")] == []
    assert [t for t in asyncio.all_tasks() if t is not asyncio.current_task()] == []
    assert len(csms.peers) == 1  # and it did not reconnect


async def test_unreachable_csms_is_retried_with_backoff_and_stop_is_prompt() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    charger = SimulatedCharger(f"ws://127.0.0.1:{port}/CP-1", SimulatorOptions(**FAST))
    task = asyncio.create_task(charger.run())
    await asyncio.sleep(0.4)
    assert charger.running and charger.connect_count == 0
    async with asyncio.timeout(1):
        await charger.stop()
        await task
    assert [t for t in asyncio.all_tasks() if t is not asyncio.current_task()] == []


class CountingLink:
    """A carrier wrapper, as a serial or BLE link would be: only recv/send/close."""

    def __init__(self, inner: Link) -> None:
        self.inner = inner
        self.frames_out = 0

    async def recv(self) -> str:
        return await self.inner.recv()

    async def send(self, message: str) -> None:
        self.frames_out += 1
        await self.inner.send(message)

    async def close(self) -> None:
        await self.inner.close()


async def test_any_link_factory_carries_the_charger(csms: CsmsServer) -> None:
    links: list[CountingLink] = []

    async def open_link() -> Link:
        link = CountingLink(await WebSocketLink.open(csms.url("CP-9"), "ocpp1.6"))
        links.append(link)
        return link

    options = SimulatorOptions(identity="CP-9", **FAST)
    charger = SimulatedCharger(options=options, link_factory=open_link)
    task = asyncio.create_task(charger.run())
    try:
        await charger.wait_until(lambda c: c.booted, timeout=5)
        peer = await csms.peer("CP-9")
        await peer.wait_for("StatusNotification", count=3)
        assert links[0].frames_out >= 4
    finally:
        await charger.stop()
        await task


async def test_simulate_runs_until_cancelled() -> None:
    async with CsmsServer() as csms:
        task = asyncio.create_task(
            simulate(csms.url("CP-7"), SimulatorOptions(protocol="ocpp2.0.1", **FAST))
        )
        peer = await csms.peer("CP-7")
        await peer.wait_for("StatusNotification", count=2)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    assert [t for t in asyncio.all_tasks() if t is not asyncio.current_task()] == []
