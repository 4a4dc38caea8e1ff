"""Framing codecs: frames survive any chunking; broken input is reported and nothing after it lost.

Hypothesis cuts the encoded stream at random points (mid-header, mid UTF-8 character) and
slips garbage between frames; the decoders must give back exactly the frames, in order, with
one error per broken piece.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ocpptui.transports.framing import (
    DEFAULT_MAX_FRAME_BYTES,
    FrameCodec,
    Framing,
    FramingError,
    LengthPrefixedDecoder,
    NdjsonDecoder,
    StxEtxDecoder,
)

ALL_FRAMINGS = list(Framing)

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**9), 10**9),
    st.text(max_size=30),  # any Unicode, escaped or raw in the JSON text
)
payloads = st.dictionaries(st.text(min_size=1, max_size=10), json_scalars, max_size=5)


@st.composite
def ocpp_frames(draw: st.DrawFn) -> str:
    """An OCPP-J CALL as a charger might serialise it (compact or not, ASCII-escaped or not)."""
    frame = [2, draw(st.text(min_size=1, max_size=12)), "DataTransfer", draw(payloads)]
    return json.dumps(frame, ensure_ascii=draw(st.booleans()))


def split_at(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    pieces, last = [], 0
    for point in [*points, len(data)]:
        pieces.append(data[last:point])
        last = point
    return pieces


def decode_all(codec: FrameCodec, chunks: list[bytes]) -> list[str | FramingError]:
    decoder = codec.decoder()
    out: list[str | FramingError] = []
    for chunk in chunks:
        out.extend(decoder.feed(chunk))
    out.extend(decoder.finish())
    return out


def frames_of(items: list[str | FramingError]) -> list[str]:
    return [item for item in items if isinstance(item, str)]


def errors_of(items: list[str | FramingError]) -> list[FramingError]:
    return [item for item in items if isinstance(item, FramingError)]


@pytest.mark.parametrize("framing", ALL_FRAMINGS)
@settings(max_examples=80, deadline=None)
@given(frames=st.lists(ocpp_frames(), max_size=8), cuts=st.lists(st.integers(0, 10**6)))
def test_frames_survive_any_chunking(framing: Framing, frames: list[str], cuts: list[int]) -> None:
    codec = FrameCodec(framing)
    stream = b"".join(codec.encode(frame) for frame in frames)
    assert decode_all(codec, split_at(stream, cuts)) == frames


@pytest.mark.parametrize("framing", ALL_FRAMINGS)
def test_byte_by_byte_split_inside_utf8_characters(framing: Framing) -> None:
    codec = FrameCodec(framing)
    frame = '[2,"é1","BootNotification",{"chargePointVendor":"Élan ✓ 充電","x":"😀"}]'
    stream = codec.encode(frame) * 3
    assert decode_all(codec, [stream[i : i + 1] for i in range(len(stream))]) == [frame] * 3


@st.composite
def garbage_for(draw: st.DrawFn, framing: Framing) -> bytes:
    """Noise a line can carry that the framing cannot mistake for a frame boundary.

    ndjson: no newline and no '[' (a frame starts at '['); length: no NUL (a believable
    header starts with one); stx: no STX. Never only whitespace, which is not an error.
    """
    forbidden = {Framing.NDJSON: b"\n[", Framing.LENGTH: b"\x00", Framing.STX: b"\x02"}[framing]
    data = draw(st.binary(min_size=1, max_size=40))
    data = bytes(b for b in data if b not in forbidden)
    return data if data.strip() else b"#"


@pytest.mark.parametrize("framing", ALL_FRAMINGS)
@settings(max_examples=80, deadline=None)
@given(data=st.data(), cuts=st.lists(st.integers(0, 10**6)))
def test_garbage_between_frames_is_reported_and_nothing_after_it_lost(
    framing: Framing, data: st.DataObject, cuts: list[int]
) -> None:
    codec = FrameCodec(framing)
    frames = data.draw(st.lists(ocpp_frames(), min_size=1, max_size=6))
    stream, pieces_of_garbage = b"", 0
    for frame in frames:
        if data.draw(st.booleans()):
            stream += data.draw(garbage_for(framing))
            pieces_of_garbage += 1
        stream += codec.encode(frame)
    items = decode_all(codec, split_at(stream, cuts))
    assert frames_of(items) == frames
    assert len(errors_of(items)) == pieces_of_garbage


@pytest.mark.parametrize("framing", ALL_FRAMINGS)
@settings(max_examples=60, deadline=None)
@given(cuts=st.lists(st.integers(0, 10**6)), size=st.integers(65, 400))
def test_oversized_frame_is_dropped_and_the_next_frames_kept(
    framing: Framing, cuts: list[int], size: int
) -> None:
    codec = FrameCodec(framing, max_frame_bytes=64)
    good = '[2,"1","Heartbeat",{}]'
    big = '[2,"2","DataTransfer",{"data":"' + "x" * size + '"}]'
    stream = codec.encode(good) + codec.encode(big) + codec.encode(good) + codec.encode(good)
    items = decode_all(codec, split_at(stream, cuts))
    assert frames_of(items) == [good, good, good]
    (error,) = errors_of(items)
    assert "limit" in error.reason
    assert items.index(error) == 1  # reported where it was, between the frames


@pytest.mark.parametrize("framing", ALL_FRAMINGS)
def test_invalid_utf8_frame_is_reported_with_its_bytes(framing: Framing) -> None:
    codec = FrameCodec(framing)
    good = codec.encode('[2,"1","Heartbeat",{}]')
    broken = codec.encode('[2,"2","Heartbeat",{"v":"AB"}]').replace(b"AB", b"\xc3\x28")
    items = decode_all(codec, [good + broken + good])
    assert items[0] == items[2] == '[2,"1","Heartbeat",{}]'
    assert isinstance(items[1], FramingError)
    assert "not valid UTF-8" in items[1].reason
    assert b"\xc3\x28" in items[1].preview
    assert "\\xc3" in items[1].preview_text


def test_length_header_cut_short_by_the_next_frame() -> None:
    codec = FrameCodec(Framing.LENGTH)
    good = codec.encode('[2,"1","Heartbeat",{}]')
    # The sender died after 5 bytes of a 100-byte frame, rebooted and sent a whole frame.
    cut_short = (100).to_bytes(4, "big") + b'[2,"x'
    items = decode_all(codec, [cut_short + good, good])
    assert items[1:] == ['[2,"1","Heartbeat",{}]'] * 2
    assert isinstance(items[0], FramingError) and "cut short after 5 of 100" in items[0].reason


def test_length_oversized_header_names_the_size() -> None:
    decoder = LengthPrefixedDecoder(max_frame_bytes=64)
    big = (5000).to_bytes(4, "big") + b"[" + b"x" * 4999
    good = (2).to_bytes(4, "big") + b"[]"
    items = decoder.feed(big + good)
    assert items[-1] == "[]"
    assert isinstance(items[0], FramingError)
    assert items[0].reason.startswith("frame of 5000 bytes over the 64-byte limit")
    assert items[0].discarded == 5004


def test_stx_inside_a_frame_restarts_it() -> None:
    decoder = StxEtxDecoder()
    items = decoder.feed(b'\x02[2,"1",\x02[3,"1",{}]\x03')
    assert isinstance(items[0], FramingError) and "STX before ETX" in items[0].reason
    assert items[1] == '[3,"1",{}]'


def test_ndjson_lines_crlf_blank_lines_and_garbage_lines() -> None:
    decoder = NdjsonDecoder()
    items = decoder.feed(b'\r\n\n[3,"1",{}]\r\nU-Boot 2024.01 (Jan 01)\n\x00\xff[3,"2",{}]\n')
    assert items[0] == '[3,"1",{}]'
    assert isinstance(items[1], FramingError) and items[1].reason.startswith("garbage line")
    assert items[1].preview == b"U-Boot 2024.01 (Jan 01)"
    assert isinstance(items[2], FramingError) and items[2].reason == "garbage before a frame"
    assert items[3] == '[3,"2",{}]'


def test_ndjson_oversized_line_reported_once_while_it_streams() -> None:
    decoder = NdjsonDecoder(max_frame_bytes=64)
    items = decoder.feed(b"[" + b"x" * 100)
    assert len(items) == 1 and "limit" in items[0].reason
    assert decoder.feed(b"x" * 10_000) == []  # still the same line: no new report
    assert decoder.feed(b'x]\n[3,"1",{}]\n') == ['[3,"1",{}]']


@pytest.mark.parametrize("framing", ALL_FRAMINGS)
def test_stream_ending_inside_a_frame_is_reported(framing: Framing) -> None:
    codec = FrameCodec(framing)
    decoder = codec.decoder()
    assert decoder.feed(codec.encode('[2,"1","Heartbeat",{}]')[:-3]) == []
    (error,) = decoder.finish()
    assert "ended" in error.reason
    assert decoder.feed(codec.encode("[]")) == ["[]"]  # finish() leaves a clean decoder


@given(text=st.text())
def test_ndjson_encoder_never_writes_a_raw_line_break_inside_a_frame(text: str) -> None:
    encoded = FrameCodec(Framing.NDJSON).encode(text)
    assert encoded.count(b"\n") == 1 and encoded.endswith(b"\n") and b"\r" not in encoded


@given(text=st.text())
def test_stx_encoder_never_writes_a_delimiter_inside_a_frame(text: str) -> None:
    encoded = FrameCodec(Framing.STX).encode(text)
    assert encoded.count(b"\x02") == encoded.count(b"\x03") == 1


@pytest.mark.parametrize("framing", [Framing.NDJSON, Framing.STX])
def test_pretty_printed_json_keeps_its_meaning(framing: Framing) -> None:
    codec = FrameCodec(framing)
    frame = [2, "1", "DataTransfer", {"vendorId": "x", "data": "a\nb"}]
    (decoded,) = decode_all(codec, [codec.encode(json.dumps(frame, indent=2))])
    assert json.loads(decoded) == frame


def test_codec_defaults() -> None:
    codec = FrameCodec()
    assert codec.framing is Framing.NDJSON
    assert codec.max_frame_bytes == DEFAULT_MAX_FRAME_BYTES
    with pytest.raises(ValueError):
        FrameCodec(max_frame_bytes=0)
