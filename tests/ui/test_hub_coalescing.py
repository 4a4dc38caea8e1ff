"""Issue 18, point 1: hub events reach the UI once per refresh tick, coalesced per charger,
and a burst of frames repaints each view at most once per tick, never once per frame."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator

import pytest
from textual import on
from textual.app import App
from textual.widget import Widget
from textual.widgets import Static

from ocpptui.app import messages
from ocpptui.app.app import OcppTuiApp
from ocpptui.app.bridge import HubBridge
from ocpptui.app.hub_handoff import HubHandoff
from ocpptui.core import events
from ocpptui.core.hub import Hub
from ocpptui.ui.chargers.charger_list import ChargerList
from ocpptui.ui.chargers.charger_screen import ChargerScreen
from ocpptui.ui.chargers.charger_summary import ChargerSummary
from ocpptui.ui.chargers.events_panel import EventsPanel
from ocpptui.ui.chargers.welcome_panel import WelcomePanel
from ocpptui.ui.common.key_footer import KeyFooter
from tests.helpers import connect_raw
from tests.ui.helpers import SIZE, listening_port, open_raw_charger, until

BURST = 150
METER_VALUES = {
    "connectorId": 1,
    "meterValue": [
        {"timestamp": "2026-11-25T12:00:00Z", "sampledValue": [{"value": "1", "unit": "Wh"}]}
    ],
}


def test_the_handoff_keeps_one_change_per_charger_with_every_kind_and_the_latest() -> None:
    handoff = HubHandoff()
    handoff.push(events.ChargerConnected("CP-1", "s1", "ocpp1.6", "peer", False))
    for number in range(500):
        handoff.push(events.ChargerUpdated("CP-1", "boot" if number == 7 else "meter"))
    handoff.push(events.ChargerUpdated("CP-2", "status"))
    handoff.push(events.ConnectionRefused("peer", "/x", "bad identity"))
    handoff.push(events.ChargerUpdated("CP-1", "heartbeat"))

    changes = handoff.take()
    assert dict(changes.changed) == {
        "CP-1": frozenset({"meter", "boot", "heartbeat"}),
        "CP-2": frozenset({"status"}),
    }
    assert {identity: event.what for identity, event in changes.latest.items()} == {
        "CP-1": "heartbeat",
        "CP-2": "status",
    }
    # Everything else is kept, in order: no connect or refusal is ever coalesced away.
    assert [type(event) for event in changes.events] == [
        events.ChargerConnected,
        events.ConnectionRefused,
    ]
    assert changes.identities() == ["CP-1", "CP-2"]
    assert handoff.pushed == 504
    assert not handoff.take()  # taken once


async def test_many_events_between_ticks_reach_each_view_once_with_the_latest_state(
    hub: Hub,
) -> None:
    received: dict[str, list[messages.HubMessage]] = {"all": [], "one": [], "batch": []}

    class Target(Widget):
        def __init__(self, name: str) -> None:
            super().__init__()
            self.target_name = name

        @on(messages.HubMessage)
        def _received(self, message: messages.HubMessage) -> None:
            received[self.target_name].append(message)

    class Host(App[None]):
        def compose(self):
            yield Target("all")
            yield Target("one")
            yield Target("batch")

    bridge = HubBridge(hub)
    async with Host().run_test() as pilot:
        every, one, batch = pilot.app.query(Target).results(Target)
        bridge.add_target(every)
        bridge.add_target(one, identity="CP-2")
        bridge.add_target(batch, batched=True)
        bridge.start()  # no timer: this test is the tick
        hub.emit(events.ChargerConnected("CP-2", "s", "ocpp1.6", "peer", False))
        for number in range(300):
            hub.emit(events.ChargerUpdated("CP-1", "meter"))
            hub.emit(events.ChargerUpdated("CP-2", "boot" if number == 0 else "status"))
        hub.emit(events.ServerStopped("bye"))
        await pilot.pause()
        assert received == {"all": [], "one": [], "batch": []}  # nothing before the tick
        bridge.flush()
        await pilot.pause()
        bridge.stop()

    reported = [m for m in received["all"] if isinstance(m, messages.HubReported)]
    changed = [m for m in reported if isinstance(m.event, events.ChargerUpdated)]
    assert [(m.event.identity, m.event.what, m.kinds) for m in changed] == [  # type: ignore[union-attr]
        ("CP-1", "meter", frozenset({"meter"})),
        ("CP-2", "status", frozenset({"boot", "status"})),
    ]
    assert [type(m.event) for m in reported] == [
        events.ChargerConnected,
        events.ServerStopped,
        events.ChargerUpdated,
        events.ChargerUpdated,
    ]
    # A view of one charger hears only about it.
    one = [m for m in received["one"] if isinstance(m, messages.HubReported)]
    assert [type(m.event) for m in one] == [events.ChargerConnected, events.ChargerUpdated]
    assert one[1].kinds == frozenset({"boot", "status"})
    # A view of every charger gets one batch.
    (only,) = received["batch"]
    assert isinstance(only, messages.HubBatch)
    assert set(only.changes.changed) == {"CP-1", "CP-2"}
    assert len(only.changes.events) == 2


class _Counts:
    """Repaints (`refresh`) and layouts (`refresh(layout=True)`) per widget, and the ticks."""

    def __init__(self) -> None:
        self.refreshes: Counter[Widget] = Counter()
        self.layouts: Counter[Widget] = Counter()
        self.recomposes: Counter[Widget] = Counter()
        self.ticks = 0

    def of(self, widget: Widget) -> tuple[int, int]:
        return self.refreshes[widget], self.layouts[widget]

    def since(self, widget: Widget, before: tuple[int, int]) -> tuple[int, int]:
        refreshes, layouts = self.of(widget)
        return refreshes - before[0], layouts - before[1]


@pytest.fixture
def counts(monkeypatch: pytest.MonkeyPatch) -> Iterator[_Counts]:
    found = _Counts()
    refresh, recompose, flush = Widget.refresh, Widget.recompose, HubBridge.flush

    def counted_refresh(self: Widget, *regions, **options):
        found.refreshes[self] += 1
        if options.get("layout") or options.get("recompose"):
            found.layouts[self] += 1
        return refresh(self, *regions, **options)

    async def counted_recompose(self: Widget) -> None:
        found.recomposes[self] += 1
        await recompose(self)

    def counted_flush(self: HubBridge) -> None:
        found.ticks += 1
        flush(self)

    monkeypatch.setattr(Widget, "refresh", counted_refresh)
    monkeypatch.setattr(Widget, "recompose", counted_recompose)
    monkeypatch.setattr(HubBridge, "flush", counted_flush)
    yield found


async def _burst(hub: Hub, charger, frames_before: int) -> None:
    """BURST MeterValues sent back to back, then their answers read: a burst however busy the
    machine is (one call at a time, a loaded machine would space them out over many ticks)."""
    for number in range(BURST):
        await charger.send_text(json.dumps([2, f"burst-{number}", "MeterValues", METER_VALUES]))
    answers = [await charger.recv_json() for _ in range(BURST)]
    assert [answer[1] for answer in answers] == [f"burst-{number}" for number in range(BURST)]
    assert hub.frames.total >= frames_before + 2 * BURST


async def test_a_burst_of_frames_repaints_the_main_screen_once_per_tick_at_most(
    app: OcppTuiApp, hub: Hub, counts: _Counts
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await listening_port(pilot, hub)
        charger = await connect_raw(hub, "CP-1")
        await charger.boot_16()
        chargers = app.screen.query_one(ChargerList)
        await until(pilot, lambda: "CP-1" in chargers.rows and "(1 of 1" in chargers.border_title)
        await pilot.pause(0.3)
        watched = [
            chargers,
            app.screen.query_one(EventsPanel).query_one(Static),
            app.screen.query_one(WelcomePanel),
            app.screen.query_one(KeyFooter),
        ]
        before = {widget: counts.of(widget) for widget in watched}
        recomposes_before = counts.recomposes[watched[-1]]
        ticks_before = counts.ticks
        await _burst(hub, charger, hub.frames.total)
        await pilot.pause(0.3)  # the last tick delivers the last change
        ticks = counts.ticks - ticks_before

    assert 4 * ticks < BURST  # the burst outran the ticks, or this test proves nothing
    for widget in watched:
        refreshes, layouts = counts.since(widget, before[widget])
        # Per tick, not per frame: a changed cell can repaint twice (its value, then its
        # column's width when idle), and the ages column is redrawn once a second. Before
        # issue 18 the charger list was repainted for every frame (its title was set again).
        assert refreshes <= 2 * ticks + 2, (widget, refreshes, ticks)
        assert layouts <= ticks, (widget, layouts, ticks)
    assert counts.recomposes[watched[-1]] == recomposes_before  # the keys did not change


async def test_a_burst_of_frames_repaints_the_charger_screen_once_per_tick_at_most(
    app: OcppTuiApp, hub: Hub, counts: _Counts
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        charger = await open_raw_charger(pilot, app, hub)
        screen = app.screen
        assert isinstance(screen, ChargerScreen)
        await pilot.pause(0.3)
        footer = screen.query_one(KeyFooter)
        watched = [screen.query_one(ChargerSummary), screen.query_one("#frame-status"), footer]
        before = {widget: counts.of(widget) for widget in watched}
        recomposes_before = counts.recomposes[footer]
        ticks_before = counts.ticks
        await _burst(hub, charger, hub.frames.total)
        await pilot.pause(0.3)
        ticks = counts.ticks - ticks_before
        status = str(screen.query_one("#frame-status", Static).render())

    assert 4 * ticks < BURST
    # The frame table's own 10 Hz timer updates the status line: count its ticks as well.
    for widget in watched:
        refreshes, layouts = counts.since(widget, before[widget])
        assert refreshes <= 2 * ticks + 2, (widget, refreshes, ticks)
        assert layouts <= ticks, (widget, layouts, ticks)
    assert counts.layouts[watched[1]] == before[watched[1]][1]  # a one-line status: no layout
    assert counts.recomposes[footer] == recomposes_before  # the keys did not change
    assert f"{2 * BURST + 2:,} frames in memory" in status
