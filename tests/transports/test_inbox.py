"""FrameInbox: frames and framing errors in stream order, floods summed up, the end last."""

from __future__ import annotations

import asyncio

import pytest

from ocpptui.transports.base import TransportClosed
from ocpptui.transports.framing import FrameCodec, FramingError
from ocpptui.transports.inbox import PROBLEMS_PER_SECOND, FrameInbox


async def test_errors_reach_the_handler_in_stream_order_and_frames_survive_the_end() -> None:
    inbox = FrameInbox(FrameCodec())
    seen: list[str] = []
    inbox.feed(b"noise\n[1]\n[2")
    inbox.set_problem_handler(lambda error: seen.append(f"error:{error.preview_text}"))
    inbox.end("cable pulled")
    seen.append(await inbox.get())
    with pytest.raises(TransportClosed, match="cable pulled"):
        await inbox.get()
    assert seen == ["error:noise", "[1]", "error:[2"]  # the cut-off frame is reported at the end
    with pytest.raises(TransportClosed):
        await inbox.get()  # and it stays ended


async def test_a_flood_of_garbage_is_summed_up_with_a_hint() -> None:
    now = [0.0]
    inbox = FrameInbox(FrameCodec(), clock=lambda: now[0])
    errors: list[FramingError] = []
    inbox.set_problem_handler(errors.append)
    inbox.feed(b"\xaa\n" * (PROBLEMS_PER_SECOND + 30))  # a wrong baud rate: every line noise
    now[0] = 1.5
    inbox.feed(b"[3]\n")
    assert await inbox.get() == "[3]"
    assert len(errors) == PROBLEMS_PER_SECOND + 1
    assert errors[-1].reason.startswith("30 more framing errors within a second")
    assert "baud rate" in errors[-1].reason


async def test_the_summary_comes_even_when_the_noise_stops() -> None:
    inbox = FrameInbox(FrameCodec())
    errors: list[FramingError] = []
    summary_seen = asyncio.Event()

    def handle(error: FramingError) -> None:
        errors.append(error)
        if "more framing errors" in error.reason:
            summary_seen.set()

    inbox.set_problem_handler(handle)
    inbox.feed(b"\xaa\n" * (PROBLEMS_PER_SECOND + 5))
    reader = asyncio.ensure_future(inbox.get())
    async with asyncio.timeout(3):
        await summary_seen.wait()
    reader.cancel()
    assert errors[-1].reason.startswith("5 more framing errors")
