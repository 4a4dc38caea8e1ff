"""Parsing OCPP-J frames: each malformation names the CallError code the specification gives."""

from __future__ import annotations

import pytest

from ocpptui.protocol.frames import FrameError, MessageType, parse_frame
from ocpptui.protocol.versions import OcppVersion

V16, V201, V21 = OcppVersion.V16, OcppVersion.V201, OcppVersion.V21


def test_well_formed_frames_parse() -> None:
    call = parse_frame('[2,"a","Heartbeat",{}]', V16)
    assert (call.message_type, call.message_id, call.action, call.payload) == (
        MessageType.CALL,
        "a",
        "Heartbeat",
        {},
    )
    result = parse_frame('[3,"a",{"currentTime":"x"}]', V16)
    assert result.message_type is MessageType.CALLRESULT and result.payload == {"currentTime": "x"}
    error = parse_frame('[4,"a","NotImplemented","nope",{}]', V201)
    assert (error.error_code, error.error_description) == ("NotImplemented", "nope")


@pytest.mark.parametrize(
    ("text", "version", "code", "message_id"),
    [
        ("not json", V16, "FormationViolation", None),
        ("not json", V201, "RpcFrameworkError", None),
        (
            '[2,"abc","Heartbeat",{',
            V16,
            "FormationViolation",
            "abc",
        ),  # id recovered from broken JSON
        ('{"a":1}', V201, "RpcFrameworkError", None),
        ("[]", V16, "FormationViolation", None),
        ('["2","x","Heartbeat",{}]', V201, "RpcFrameworkError", "x"),
        ('[7,"x","Heartbeat",{}]', V201, "MessageTypeNotSupported", "x"),
        ('[7,"x","Heartbeat",{}]', V16, "ProtocolError", "x"),
        ('[6,"x","NotifyPeriodicEventStream",{}]', V201, "MessageTypeNotSupported", "x"),
        ('[2,"x","Heartbeat"]', V16, "FormationViolation", "x"),
        ('[2,"x","Heartbeat",[]]', V16, "FormationViolation", "x"),
        ('[2,"x","Heartbeat",[]]', V201, "FormatViolation", "x"),
        ('[2,5,"Heartbeat",{}]', V201, "RpcFrameworkError", None),
        ('[2,"' + "x" * 37 + '","Heartbeat",{}]', V201, "RpcFrameworkError", "x" * 37),
        ('[2,"x",5,{}]', V201, "RpcFrameworkError", "x"),
        ('[4,"x","Code","desc"]', V201, "RpcFrameworkError", "x"),
        ("[" * 100_000, V201, "RpcFrameworkError", None),  # nested too deep
    ],
)
def test_malformed_frames_name_their_error(
    text: str, version: OcppVersion, code: str, message_id: str | None
) -> None:
    with pytest.raises(FrameError) as caught:
        parse_frame(text, version)
    assert caught.value.code == code
    assert caught.value.message_id == message_id
    assert caught.value.reason


def test_send_frames_exist_only_in_2_1() -> None:
    frame = parse_frame(
        '[6,"x","NotifyPeriodicEventStream",{"id":1,"pending":0,"basetime":"t","data":[]}]', V21
    )
    assert frame.message_type is MessageType.SEND


def test_only_calls_are_answerable() -> None:
    with pytest.raises(FrameError) as caught:
        parse_frame('[3,"x",[]]', V16)
    assert not caught.value.answerable
    with pytest.raises(FrameError) as caught:
        parse_frame("garbage", V16)
    assert caught.value.answerable  # it may have been a CALL
