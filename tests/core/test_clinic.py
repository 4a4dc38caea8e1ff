"""The connection clinic: every attempt recorded with its reason, and the unknown-charger policy."""

from __future__ import annotations

import asyncio
import base64
import json

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from ocpptui.core.attempts import Outcome
from ocpptui.core.auth import AuthConfig
from ocpptui.core.config import BootAnswer, UnknownChargerPolicy
from ocpptui.core.events import DecisionNeeded
from ocpptui.core.hub import Hub
from tests.helpers import connect_raw, wait_for


async def test_accepted_attempt_records_what_the_charger_sent(hub: Hub) -> None:
    port = hub.servers[0].port
    async with connect(
        f"ws://127.0.0.1:{port}/ocpp/RDAM%20123",
        subprotocols=["ocpp1.6", "ocpp2.0.1"],  # type: ignore[list-item]
    ):
        await wait_for(lambda: len(hub.attempts) == 1)
    attempt = hub.attempts[0]
    assert attempt.outcome is Outcome.ACCEPTED
    assert (attempt.path, attempt.identity) == ("/ocpp/RDAM%20123", "RDAM 123")
    assert attempt.offered == ("ocpp1.6", "ocpp2.0.1") and attempt.chosen == "ocpp2.0.1"
    assert attempt.peer.startswith("127.0.0.1:")


@pytest.mark.parametrize(
    ("subprotocols", "reason", "advice"),
    [
        (None, "no subprotocol offered", "set the OCPP version"),
        (["ocpp1.5"], "offered only ocpp1.5", "choose OCPP 2.1 / 2.0.1 / 1.6J on the charger"),
    ],
)
async def test_refused_attempts_say_why_and_what_to_do(
    hub: Hub, subprotocols: list | None, reason: str, advice: str
) -> None:
    with pytest.raises(InvalidStatus):
        async with connect(f"ws://127.0.0.1:{hub.servers[0].port}/CP-7", subprotocols=subprotocols):
            pass
    attempt = hub.attempts[-1]
    assert attempt.outcome is Outcome.REFUSED and attempt.identity == "CP-7"
    assert reason in attempt.reason and advice in attempt.advice


async def test_wrong_password_shows_the_user_never_the_password(hub: Hub) -> None:
    hub.config.auth = AuthConfig(required=True, default_password="right-password-1")
    header = "Basic " + base64.b64encode(b"CP-7:the-wrong-one").decode()
    with pytest.raises(InvalidStatus):
        async with connect(
            f"ws://127.0.0.1:{hub.servers[0].port}/CP-7",
            subprotocols=["ocpp1.6"],  # type: ignore[list-item]
            additional_headers={"Authorization": header},
        ):
            pass
    attempt = hub.attempts[-1]
    assert attempt.reason.startswith("wrong password for CP-7; 1 failed attempt from 127.0.0.1")
    assert attempt.auth_present and attempt.auth_user == "CP-7"
    assert "the-wrong-one" not in repr(attempt)


async def test_a_second_connection_of_an_identity_is_recorded_as_replacing(hub: Hub) -> None:
    first = await connect_raw(hub, "CP-7")
    await first.boot_16()
    second = await connect_raw(hub, "CP-7")
    await second.boot_16()
    assert hub.attempts[-1].outcome is Outcome.REPLACED
    assert "was replaced" in hub.attempts[-1].reason


async def test_allow_list_refuses_unknown_identities(hub: Hub) -> None:
    hub.config.unknown_policy = UnknownChargerPolicy.ALLOW_LIST
    hub.config.allow_list = {"CP-OK"}
    with pytest.raises(InvalidStatus) as caught:
        async with connect(f"ws://127.0.0.1:{hub.servers[0].port}/CP-NO", subprotocols=["ocpp1.6"]):  # type: ignore[list-item]
            pass
    assert caught.value.response.status_code == 403
    assert "not on the allow-list" in hub.attempts[-1].reason
    charger = await connect_raw(hub, "CP-OK")
    assert (await charger.boot_16())[2]["status"] == "Accepted"


async def test_ask_policy_holds_a_new_charger_pending_until_accepted(hub: Hub) -> None:
    hub.config.unknown_policy = UnknownChargerPolicy.ASK
    events: list = []
    hub.subscribe(events.append)
    charger = await connect_raw(hub, "CP-NEW")
    answer = await charger.boot_16()
    assert answer[2]["status"] == "Pending"
    needed = [e for e in events if isinstance(e, DecisionNeeded)]
    assert needed and needed[0].identity == "CP-NEW" and needed[0].vendor == "VendorX"

    hub.decide("CP-NEW", BootAnswer.ACCEPTED)
    trigger = await charger.recv_json()  # the tool asks the charger to boot again at once
    assert trigger[2:] == ["TriggerMessage", {"requestedMessage": "BootNotification"}]
    await charger.send_text(json.dumps([3, trigger[1], {"status": "Accepted"}]))
    assert (await charger.boot_16())[2]["status"] == "Accepted"
    await wait_for(lambda: hub.chargers["CP-NEW"].state.booted)


async def test_ask_policy_reject(hub: Hub) -> None:
    hub.config.unknown_policy = UnknownChargerPolicy.ASK
    charger = await connect_raw(hub, "CP-BAD")
    assert (await charger.boot_16())[2]["status"] == "Pending"
    hub.decide("CP-BAD", BootAnswer.REJECTED)
    with pytest.raises(asyncio.TimeoutError):
        await charger.recv_json(timeout=0.2)  # no trigger for a rejected charger
    assert (await charger.boot_16())[2]["status"] == "Rejected"


async def test_pings_measure_the_round_trip_and_can_be_switched_off(hub: Hub) -> None:
    hub.config.ping_interval = 1
    charger = await connect_raw(hub, "CP-P")
    await charger.boot_16()
    quiet = await connect_raw(hub, "CP-Q")
    await quiet.boot_16()
    hub.session_for("CP-Q").ping_interval = 0  # this charger drops on pings
    session = hub.session_for("CP-P")
    await wait_for(lambda: session.ping_rtt_ms is not None, timeout=5)
    assert session.ping_rtt_ms >= 0
    assert hub.session_for("CP-Q").ping_rtt_ms is None


async def test_unanswered_ping_closes_the_connection_with_a_reason(hub: Hub) -> None:
    hub.config.ping_interval = 1
    hub.config.ping_timeout = 0.5
    charger = await connect_raw(hub, "CP-DEAD")
    await charger.boot_16()
    session = hub.session_for("CP-DEAD")
    charger.connection.transport.pause_reading()  # the charger hangs: pings go unanswered
    await wait_for(lambda: not session.connected, timeout=8)
    assert "no answer to WebSocket ping" in session.close_reason


async def test_missed_heartbeats_mark_the_charger_silent(hub: Hub) -> None:
    hub.config.heartbeat_interval = 1
    hub.config.silence_grace = 0.5
    updates: list = []
    hub.subscribe(updates.append)
    charger = await connect_raw(hub, "CP-S")
    await charger.boot_16()
    session = hub.session_for("CP-S")
    await wait_for(lambda: session.silent, timeout=6)
    assert any(getattr(u, "what", None) == "silent" for u in updates)
    await charger.call("Heartbeat", {})
    await wait_for(lambda: not session.silent, timeout=3)


@pytest.mark.parametrize(
    ("enabled", "offered"),
    [
        (["ocpp1.6"], ["ocpp1.5"]),
        (["ocpp1.6"], ["ocpp2.0"]),
        (["ocpp2.0.1"], ["OCPP1.6"]),
        (["ocpp1.6"], ["ocpp2.0.1", "ocpp1.2"]),
        (["ocpp2.1"], ["ocpp1.6", "ocpp2.0.1"]),
    ],
)
async def test_subprotocol_advice_never_names_a_setting_the_loader_refuses(
    hub: Hub, enabled: list[str], offered: list[str]
) -> None:
    """An offered `ocpp1.5` is not "enable that subprotocol in [server] subprotocols": the
    loader refuses it. Whatever the advice says to add must load."""
    import re

    from ocpptui.settings.model import SettingsError
    from ocpptui.settings.reader import parse_settings

    hub.config.subprotocols = tuple(enabled)
    await hub.stop()
    await hub.start_server("127.0.0.1", 0)
    with pytest.raises(InvalidStatus):
        async with connect(
            f"ws://127.0.0.1:{hub.servers[0].port}/CP-7",
            subprotocols=offered,  # type: ignore[arg-type]
        ):
            pass
    advice = hub.attempts[-1].advice
    assert advice
    suggested = re.findall(r"add (.+?) to \[server\] subprotocols", advice)
    for entry in suggested[0].split(", ") if suggested else []:
        settings = parse_settings(f'[server]\nsubprotocols = ["{entry}"]\n')
        assert settings.csms.subprotocols == (entry,)
    for entry in offered:
        refused = False
        try:
            parse_settings(f'[server]\nsubprotocols = ["{entry}"]\n')
        except SettingsError:
            refused = True
        if refused:  # never suggested for the settings file
            assert f"add {entry}" not in advice and f", {entry} to [server]" not in advice
    if suggested:
        assert "ocpp2.0.1" in suggested[0] and "ocpp1.2" not in advice.split(" or ")[0]
    else:
        assert "[server] subprotocols" not in advice and "on the charger" in advice


@pytest.mark.parametrize(
    "path",
    ["/ocpp", "/OCPP16", "/ocpp1.6", "/ocpp/ocpp2.0.1", "/ws", "/wss", "/cs", "/websocket",
     "/steve/websocket/CentralSystemService", "/CSMS", "/ocpp2.1/"],
)  # fmt: skip
async def test_an_identity_that_is_a_url_word_is_accepted_but_flagged(hub: Hub, path: str) -> None:
    import io

    from ocpptui.headless import HeadlessPrinter

    output = io.StringIO()
    unsubscribe = hub.subscribe(HeadlessPrinter(output, output, jsonl=False).event)
    try:
        async with connect(
            f"ws://127.0.0.1:{hub.servers[0].port}{path}",
            subprotocols=["ocpp1.6"],  # type: ignore[list-item]
        ):
            await wait_for(lambda: "connected from" in output.getvalue())
    finally:
        unsubscribe()
    attempt = hub.attempts[-1]
    identity = path.rstrip("/").rsplit("/", 1)[-1]
    assert attempt.outcome is Outcome.ACCEPTED and attempt.identity == identity
    expected = f"identity is {identity!r}: did the charger forget to append its own identity?"
    assert attempt.warning == expected
    assert expected in output.getvalue()


@pytest.mark.parametrize("identity", ["CP-1", "ocpp-cp-7", "WS-4711", "csms-test-charger", "1"])
def test_real_identities_are_not_flagged(identity: str) -> None:
    from ocpptui.core.identity import path_word_warning

    assert path_word_warning(identity) is None
