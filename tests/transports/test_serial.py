"""Serial links over real pty pairs: pyserial on the laptop side, the simulator or raw bytes on
the far side, a real hub session in between."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import pytest

from ocpptui.core.commands import connector_status, trigger_message
from ocpptui.core.configuration import change_configuration
from ocpptui.core.hub import Hub
from ocpptui.core.link_supervisor import (
    FRAMING_FLAG,
    LinkOpenFailed,
    LinkState,
    serial_supervisor,
)
from ocpptui.core.session import ConnectionLost
from ocpptui.protocol.versions import OcppVersion
from ocpptui.transports.framing import FrameCodec, Framing
from ocpptui.transports.serial_link import (
    SerialPortInfo,
    SerialSettings,
    SerialTransport,
    identity_for_port,
    list_serial_ports,
)
from tests.helpers import wait_for
from tests.transports.helpers import posix_only

pytestmark = [posix_only, pytest.mark.timeout(20)]

BOOT = '[2,"b1","BootNotification",{"chargePointVendor":"Élan ✓","chargePointModel":"M1"}]'


class RawFarEnd:
    """The charger end of a pty cable driven by hand: exact bytes out, decoded frames in."""

    def __init__(self, cable, framing: Framing, name: Path | None = None) -> None:
        self.cable = cable
        self.name = name
        self.codec = FrameCodec(framing)
        self.decoder = self.codec.decoder()
        self.frames: asyncio.Queue[str] = asyncio.Queue()
        loop = asyncio.get_running_loop()
        loop.add_reader(cable.master_fd, self._readable)
        self._loop = loop

    def _readable(self) -> None:
        try:
            data = os.read(self.cable.master_fd, 65536)
        except OSError:
            self._loop.remove_reader(self.cable.master_fd)
            return
        for item in self.decoder.feed(data):
            if isinstance(item, str):
                self.frames.put_nowait(item)

    def write(self, data: bytes) -> None:
        os.write(self.cable.master_fd, data)

    def send(self, text: str) -> None:
        self.write(self.codec.encode(text))

    async def next_frame(self) -> list:
        async with asyncio.timeout(5):
            return json.loads(await self.frames.get())

    def pull(self) -> None:
        self._loop.remove_reader(self.cable.master_fd)
        self.cable.close()
        if self.name is not None:
            self.name.unlink()


async def open_raw(
    link_hub: Hub,
    new_cable,
    framing: Framing = Framing.NDJSON,
    name: Path | None = None,
    **options,
):
    """A supervisor on a new cable's port, or on `name`, a link to it (like the stable
    /dev/serial/by-id/ name of a USB adapter), gone when the cable is pulled: tests that pull
    the cable and retry use one, since another test's new cable may get the freed
    /dev/pts/N at once."""
    cable = new_cable()
    if name is not None:
        name.symlink_to(cable.slave_path)
    supervisor = serial_supervisor(
        link_hub,
        SerialSettings(str(name or cable.slave_path), framing=framing),
        identity="CP-RAW",
        retry_interval=0.1,
        **options,
    )
    await supervisor.start()
    return supervisor, RawFarEnd(cable, framing, name)


@pytest.mark.parametrize("framing", list(Framing))
async def test_boot_configuration_and_trigger_over_each_framing(
    serial_setup, link_hub: Hub, framing: Framing
) -> None:
    supervisor, charger, _ = await serial_setup(framing)
    session = supervisor.session
    assert session is not None
    # Booted, and the boot's StatusNotifications are all in (the trigger waits for the next).
    await wait_for(lambda: connector_status(session, 2) == "Available")
    assert session.transport.info.kind == "serial"
    assert session.transport.info.extra["framing"] == framing.value
    assert session.transport.info.extra["line"] == "115200 8N1"

    change = await change_configuration(session, "HeartbeatInterval", "120")
    assert change.status == "Accepted"
    assert charger.configuration["HeartbeatInterval"] == "120"

    trigger = await trigger_message(session, "StatusNotification", connector=1, timeout=5)
    assert trigger.ok and trigger.arrived is not None
    assert trigger.arrived.payload["connectorId"] == 1
    assert not [f for f in link_hub.frames if f.problem]  # nothing broken on the way


async def test_ocpp201_boots_and_answers_a_trigger_over_serial(serial_setup) -> None:
    supervisor, _charger, _ = await serial_setup(Framing.LENGTH, protocol="ocpp2.0.1")
    session = supervisor.session
    await wait_for(lambda: session.state.booted)
    assert session.version is OcppVersion.V201
    trigger = await trigger_message(session, "Heartbeat", timeout=5)
    assert trigger.ok and trigger.arrived is not None


async def test_far_side_closing_mid_call(link_hub: Hub, new_cable, tmp_path: Path) -> None:
    supervisor, far = await open_raw(link_hub, new_cable, name=tmp_path / "ttyCHARGER")
    session = supervisor.session
    far.send(BOOT)
    answer = await far.next_frame()
    assert answer[0] == 3 and answer[2]["status"] == "Accepted"
    assert session.state.vendor == "Élan ✓"

    call = asyncio.ensure_future(
        session.call_raw("TriggerMessage", {"requestedMessage": "Heartbeat"})
    )
    request = await far.next_frame()
    assert request[2] == "TriggerMessage"
    far.pull()  # the charger loses power before it answers

    with pytest.raises(ConnectionLost):
        await call
    assert not session.connected
    assert "went away" in (session.close_reason or "")
    await wait_for(lambda: supervisor.status.state is LinkState.WAITING)
    # The frames so far are kept, in memory and on disk.
    actions = [f.action for f in link_hub.chargers["CP-RAW"].frames]
    assert actions == ["BootNotification", "BootNotification", "TriggerMessage"]
    lines = session.frame_log.path.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["action"] for line in lines] == actions
    await supervisor.stop()


@pytest.mark.parametrize("framing", list(Framing))
async def test_garbage_between_frames_is_flagged_and_the_next_frames_handled(
    link_hub: Hub, new_cable, framing: Framing
) -> None:
    supervisor, far = await open_raw(link_hub, new_cable, framing)
    codec = FrameCodec(framing)
    heartbeat = '[2,"h1","Heartbeat",{}]'
    # Power-up noise before the first frame, and noise glued to the second one.
    far.write(b"\xff\xfe#boot noise#" + codec.encode(BOOT) + b"#x" + codec.encode(heartbeat))
    boot_answer = await far.next_frame()
    heartbeat_answer = await far.next_frame()
    assert boot_answer[1] == "b1" and heartbeat_answer[1] == "h1"
    assert "currentTime" in heartbeat_answer[2]

    frames = list(link_hub.chargers["CP-RAW"].frames)
    flagged = [f for f in frames if FRAMING_FLAG in f.flags]
    assert len(flagged) == 2
    assert all("garbage" in f.problem for f in flagged)
    assert "boot noise" in flagged[0].raw and "\\xff" in flagged[0].raw
    # In stream order: noise, boot, its answer, noise, heartbeat, its answer.
    assert [FRAMING_FLAG in f.flags for f in frames] == [True, False, False, True, False, False]
    assert supervisor.session.connected  # noise never ends the session
    await supervisor.stop()


async def test_link_reopens_when_the_port_comes_back(
    link_hub: Hub, new_cable, tmp_path: Path
) -> None:
    """Like a USB adapter replugged behind a stable /dev/serial/by-id/ name."""
    from ocpptui.sim import SimulatedCharger, SimulatorOptions
    from tests.helpers import FAST_SIM

    port = tmp_path / "ttyCHARGER"
    first = new_cable()
    port.symlink_to(first.slave_path)
    supervisor = serial_supervisor(
        link_hub, SerialSettings(str(port)), identity="CP-PLUG", retry_interval=0.1
    )
    statuses: list[LinkState] = []
    supervisor.add_listener(lambda status: statuses.append(status.state))
    await supervisor.start()

    async def charger_on(cable) -> tuple[SimulatedCharger, asyncio.Task[None]]:
        charger = SimulatedCharger(
            options=SimulatorOptions(**{**FAST_SIM, "identity": "SIM"}),
            link_factory=cable.link_factory(FrameCodec()),
        )
        task = asyncio.create_task(charger.run())
        await charger.wait_until(lambda c: c.booted, timeout=8)
        return charger, task

    charger, task = await charger_on(first)
    session_before = supervisor.session
    await wait_for(lambda: session_before.state.booted)

    first.close()  # pull the cable
    port.unlink()
    await wait_for(lambda: not session_before.connected)
    await wait_for(lambda: supervisor.status.state is LinkState.WAITING)
    await asyncio.sleep(0.3)  # a few reopen attempts fail while the port is gone
    await charger.stop()
    await task

    second = new_cable()
    port.symlink_to(second.slave_path)
    charger, task = await charger_on(second)
    try:
        await wait_for(lambda: supervisor.sessions_opened == 2)
        session_after = supervisor.session
        await wait_for(lambda: session_after.state.booted)
        assert session_after is not session_before
        assert link_hub.chargers["CP-PLUG"].sessions == [session_before, session_after]
        assert session_before.frame_log.path.read_text(encoding="utf-8").count("\n") >= 2
        assert statuses[:3] == [LinkState.OPENING, LinkState.CONNECTED, LinkState.WAITING]
        assert statuses[-1] is LinkState.CONNECTED
    finally:
        await charger.stop()
        await task
        await supervisor.stop()
    assert supervisor.status.state is LinkState.CLOSED


async def test_stop_while_waiting_returns_at_once(link_hub: Hub, new_cable, tmp_path: Path) -> None:
    supervisor, far = await open_raw(link_hub, new_cable, name=tmp_path / "ttyCHARGER")
    far.pull()
    await wait_for(lambda: supervisor.status.state is LinkState.WAITING)
    async with asyncio.timeout(2):
        await supervisor.stop()
    assert supervisor.status.state is LinkState.CLOSED
    assert not supervisor.running


async def test_gives_up_after_the_limit(link_hub: Hub, new_cable, tmp_path: Path) -> None:
    supervisor, far = await open_raw(
        link_hub, new_cable, name=tmp_path / "ttyCHARGER", give_up_after=0.3
    )
    far.pull()
    async with asyncio.timeout(5):
        status = await supervisor.wait_closed()
    assert status.state is LinkState.GAVE_UP
    assert "does not exist" in status.detail


async def test_a_link_closed_by_ocpp_tui_is_not_reopened(link_hub: Hub, new_cable) -> None:
    supervisor, far = await open_raw(link_hub, new_cable)
    far.send(BOOT)
    await far.next_frame()
    await link_hub.stop()  # quitting closes every session
    async with asyncio.timeout(3):
        status = await supervisor.wait_closed()
    assert status.state is LinkState.CLOSED
    assert supervisor.sessions_opened == 1


async def test_missing_port_fails_at_start_with_a_hint(link_hub: Hub, tmp_path: Path) -> None:
    supervisor = serial_supervisor(link_hub, SerialSettings(str(tmp_path / "ttyNONE")))
    with pytest.raises(LinkOpenFailed, match="does not exist: is the cable plugged in"):
        await supervisor.start()
    assert not link_hub.chargers


async def test_rs485_on_a_port_without_rts_control_says_so(new_cable) -> None:
    cable = new_cable()
    with pytest.raises(OSError, match="RS-485 needs RTS"):
        await SerialTransport.open(SerialSettings(cable.slave_path, rs485=True))


async def test_port_held_by_another_program_is_named(new_cable) -> None:
    cable = new_cable()
    first = await SerialTransport.open(SerialSettings(cable.slave_path))
    try:
        with pytest.raises(OSError, match="in use by another program"):
            await SerialTransport.open(SerialSettings(cable.slave_path))
    finally:
        await first.close()
    assert first.closed_locally


def test_identity_from_port_names() -> None:
    assert identity_for_port("/dev/ttyUSB0") == "ttyUSB0"
    assert identity_for_port("COM3") == "COM3"
    assert identity_for_port("\\\\.\\COM10") == "COM10"
    assert identity_for_port("/dev/serial/by-id/usb-FTDI_FT232R:A5-if00") == (
        "usb-FTDI_FT232R-A5-if00"
    )


def test_settings_are_checked_and_described() -> None:
    settings = SerialSettings("/dev/ttyUSB0", baudrate=9600, parity="E", stopbits=2, rtscts=True)
    assert settings.line == "9600 8E2"
    assert settings.flow == "RTS/CTS"
    with pytest.raises(ValueError, match="parity"):
        SerialSettings("/dev/ttyUSB0", parity="X")


def test_port_listing_gives_picker_rows() -> None:
    ports = list_serial_ports()
    assert all(isinstance(port, SerialPortInfo) and port.device for port in ports)
    usb = SerialPortInfo("/dev/ttyUSB0", "FT232R USB UART", "0403:6001", "A50285BI")
    assert usb.label == "/dev/ttyUSB0  FT232R USB UART  USB 0403:6001  SN A50285BI"
