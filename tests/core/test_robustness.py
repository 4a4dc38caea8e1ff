"""Bad input and faults against a live server: nothing crashes, nothing is lost."""

from __future__ import annotations

import asyncio
import json
import logging
import signal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from ocpptui.core.config import CsmsConfig
from ocpptui.core.hub import Hub
from tests.helpers import cli_process, connect_raw, listening_port, server_url, wait_for


async def test_binary_frame_with_invalid_utf8_is_answered(hub: Hub) -> None:
    charger = await connect_raw(hub)
    await charger.connection.send(b'[2,"b1","Heartbeat",\xff\xfe]')
    answer = await charger.recv_json()
    assert answer[:3] == [4, "b1", "FormationViolation"]
    assert (await charger.call("Heartbeat", {}))[0] == 3


async def test_invalid_utf8_in_a_text_frame_ends_the_connection_with_a_reason(hub: Hub) -> None:
    charger = await connect_raw(hub)
    await charger.boot_16()
    # websockets itself enforces valid UTF-8 in text frames (RFC 6455): it closes with 1007.
    frame_bytes = b'[2,"t1","Heartbeat",{"x":"\xff"}]'
    transport = charger.connection.transport
    # a raw masked text frame: FIN+text, mask bit + length, zero mask key
    header = bytes([0x81, 0x80 | len(frame_bytes)]) + b"\x00\x00\x00\x00"
    transport.write(header + frame_bytes)
    session = hub.session_for("CP-1")
    await wait_for(lambda: not session.connected)
    assert "invalid UTF-8" in session.close_reason
    assert len(hub.chargers["CP-1"].frames) == 2  # the boot exchange is kept


async def test_frame_over_the_size_limit_closes_with_a_reason_and_keeps_the_log(
    tmp_path: Path,
) -> None:
    hub = Hub(CsmsConfig(port=0, max_frame_bytes=64 * 1024), sessions_dir=tmp_path)
    await hub.start_server("127.0.0.1", 0)
    try:
        charger = await connect_raw(hub)
        await charger.boot_16()
        huge = json.dumps([2, "big", "DataTransfer", {"vendorId": "x", "data": "y" * 100_000}])
        with pytest.raises(ConnectionClosed):
            await charger.send_text(huge)
            await charger.recv_json()
        session = hub.session_for("CP-1")
        await wait_for(lambda: not session.connected)
        assert "larger than the size limit" in session.close_reason
        lines = session.frame_log.path.read_text().splitlines()
        assert len(lines) == 2 and all(json.loads(line) for line in lines)
    finally:
        await hub.stop()


async def test_duplicate_message_id_is_flagged_and_both_answered(hub: Hub) -> None:
    charger = await connect_raw(hub)
    await charger.send_text('[2,"dup","Heartbeat",{}]')
    await charger.send_text('[2,"dup","Heartbeat",{}]')
    first, second = await charger.recv_json(), await charger.recv_json()
    assert first[:2] == second[:2] == [3, "dup"]
    incoming = [f for f in hub.chargers["CP-1"].frames if f.direction.value == "in"]
    assert incoming[1].problem and "duplicate message id" in incoming[1].problem


async def test_deeply_nested_json_is_answered_not_crashed(hub: Hub) -> None:
    charger = await connect_raw(hub, subprotocol="ocpp2.0.1")
    nested = '[2,"deep","DataTransfer",{"vendorId":"x","data":' + "[" * 50_000 + "]" * 50_000 + "}]"
    await charger.send_text(nested)
    answer = await charger.recv_json()
    assert answer[0] == 4 and answer[1] == "deep"
    assert (await charger.call("Heartbeat", {}))[0] == 3


async def test_flood_of_calls_is_answered_exactly_once_each(hub: Hub) -> None:
    charger = await connect_raw(hub)
    count = 1000
    for n in range(count):
        await charger.send_text(json.dumps([2, f"f{n}", "Heartbeat", {}]))
    answers = [await charger.recv_json() for _ in range(count)]
    assert sorted(a[1] for a in answers) == sorted(f"f{n}" for n in range(count))
    assert len(hub.chargers["CP-1"].frames) == 2 * count


# ----------------------------------------------------------------------------- property-based

VALID = [
    [2, "id", "Heartbeat", {}],
    [2, "id", "BootNotification", {"chargePointVendor": "V", "chargePointModel": "M"}],
    [
        2,
        "id",
        "StatusNotification",
        {"connectorId": 1, "status": "Available", "errorCode": "NoError"},
    ],
    [2, "id", "MeterValues", {"connectorId": 1, "meterValue": []}],
    [3, "id", {}],
    [4, "id", "GenericError", "x", {}],
]
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=12,
)


@st.composite
def hostile_frames(draw) -> str:
    kind = draw(st.integers(0, 3))
    if kind == 0:
        return draw(st.text(max_size=60))  # garbage
    frame = list(draw(st.sampled_from(VALID)))
    frame[1] = draw(st.text(min_size=0, max_size=40))
    if kind == 1 and len(frame) > 2:  # mutate one element
        frame[draw(st.integers(0, len(frame) - 1))] = draw(json_values)
    elif kind == 2:
        frame = frame[: draw(st.integers(0, len(frame)))] + draw(st.lists(json_values, max_size=2))
    return json.dumps(frame)


def _classify(text: str) -> tuple[str, str | None]:
    """An independent oracle: ("call" | "answer" | "other", message id if readable).

    A frame whose type id says CALL and whose id is readable must be answered exactly once;
    an answer (type 3/4) never; anything else at most once (when its id can be recovered).
    """
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return "other", None
    if not isinstance(data, list) or len(data) < 2 or not isinstance(data[1], str):
        return "other", None
    readable = 0 < len(data[1]) <= 36
    if data[0] == 2 and not isinstance(data[0], bool) and readable:
        return "call", data[1]
    if data[0] in (3, 4) and not isinstance(data[0], bool):
        return "answer", data[1]
    return "other", data[1]


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(batch=st.lists(hostile_frames(), min_size=1, max_size=25))
# Found by hypothesis: an unreadable frame and one with the literal id "-1" both answered "-1".
@example(batch=["", '[null, "-1", "Heartbeat", {}]'])
def test_generated_garbage_never_breaks_the_server(tmp_path: Path, batch: list[str]) -> None:
    asyncio.run(_fuzz_once(tmp_path, batch))


async def _fuzz_once(tmp_path: Path, batch: list[str]) -> None:
    errors: list[logging.LogRecord] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.levelno >= logging.ERROR and record.name.startswith("ocpptui"):
                errors.append(record)

    handler = Collect()
    logging.getLogger("ocpptui").addHandler(handler)
    hub = Hub(CsmsConfig(port=0), sessions_dir=None)
    await hub.start_server("127.0.0.1", 0)
    try:
        async with connect(server_url(hub, "FUZZ"), subprotocols=["ocpp2.0.1"]) as ws:  # type: ignore[list-item]
            for text in batch:
                await ws.send(text)
            await ws.send('[2,"fence","Heartbeat",{}]')  # every answer before it has arrived
            answers: list = []
            while True:
                answer = json.loads(await asyncio.wait_for(ws.recv(), 5))
                answers.append(answer)
                if answer[1] == "fence":
                    break
        frames = hub.chargers["FUZZ"].frames
        incoming = [f for f in frames if f.direction.value == "in"]
        assert [f.raw for f in incoming] == [*batch, '[2,"fence","Heartbeat",{}]']  # all logged
        kinds = [_classify(text) for text in batch]
        answered = [a[1] for a in answers[:-1]]
        # OCPP-J 2.0.1 §4.2.3: a frame whose id cannot be read is answered with id "-1".
        unreadable = sum(1 for _, i in kinds if i is None)
        for message_id in {i for _, i in kinds if i is not None}:
            calls = sum(1 for kind, i in kinds if kind == "call" and i == message_id)
            others = sum(1 for kind, i in kinds if kind == "other" and i == message_id)
            if message_id == "-1":
                others += unreadable
            # every CALL answered exactly once, answers never answered, the rest at most once
            assert calls <= answered.count(message_id) <= calls + others, message_id
        assert not errors, [e.getMessage() for e in errors]
    finally:
        await hub.stop()
        logging.getLogger("ocpptui").removeHandler(handler)


# ----------------------------------------------------------------------------- kill -9


async def test_log_survives_kill_9(tmp_path: Path) -> None:
    log_dir = tmp_path / "logs"
    async with cli_process(
        "serve", "--headless", "--host", "127.0.0.1", "--port", "0", "--log-dir", str(log_dir),
        home=tmp_path / "home", stderr=asyncio.subprocess.DEVNULL,
    ) as process:  # fmt: skip
        _, port = await listening_port(process)
        try:
            async with connect(f"ws://127.0.0.1:{port}/CP-K", subprotocols=["ocpp1.6"]) as ws:  # type: ignore[list-item]
                for n in range(200):
                    await ws.send(json.dumps([2, f"k{n}", "Heartbeat", {}]))
                for _ in range(100):
                    await ws.recv()
                process.send_signal(signal.SIGKILL)
                await process.wait()
        except ConnectionClosed:
            pass
    (log,) = log_dir.rglob("frames.jsonl")
    lines = log.read_text().splitlines()
    assert len(lines) >= 200  # at least the 100 answered calls and their answers
    records = [json.loads(line) for line in lines]  # every line parses
    assert [r["seq"] for r in records] == sorted(r["seq"] for r in records)


async def test_identities_that_sanitise_alike_never_share_a_log_file(hub: Hub) -> None:
    port = hub.servers[0].port
    for path in ("/CP%201", "/CP_1", "/CP%3F1"):
        async with connect(f"ws://127.0.0.1:{port}{path}", subprotocols=["ocpp1.6"]) as ws:  # type: ignore[list-item]
            await ws.send('[2,"h","Heartbeat",{}]')
            await ws.recv()
    paths = [c.session.frame_log.path for c in hub.chargers.values()]
    assert sorted(hub.chargers) == ["CP 1", "CP?1", "CP_1"]
    assert len(set(paths)) == 3
    assert all(p.parent.parent == hub.sessions_dir for p in paths)  # no path escapes
    assert all(len(p.read_text().splitlines()) == 2 for p in paths)
