"""A frozen demo: three chargers with a fixed history on a frozen clock (a test fixture,
not part of the package).

`scripts/screenshots.py` and the snapshot tests (tests/ui/test_snapshots.py) draw every screen
from it. What varies in a live demo is fixed here: the time (a clock that moves only when the
script says), ports and addresses (the welcome panel is told 192.168.1.20:9000), message ids
(the script numbers its own; the answers reuse them), session folders (a fixed tag, in the
platform's folders under a home folder the caller gives: each run its own, so runs can go in
parallel, while the screens show the same `~/...` paths). The chargers' frames go through real
Sessions of the hub over an in-memory transport that answers ocpp-tui's calls from the
simulator's configuration tables.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import json
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ocpp.charge_point import snake_to_camel_case

from ocpptui.cli.demo import DEMO_CHARGERS, DEMO_IDENTITIES
from ocpptui.core.attempts import ConnectionAttempt, Outcome
from ocpptui.core.clock import Clock, ocpp_timestamp
from ocpptui.core.config import CsmsConfig
from ocpptui.core.frame import Frame
from ocpptui.core.hub import Hub
from ocpptui.paths import Paths
from ocpptui.protocol.versions import OcppVersion
from ocpptui.settings.model import Settings
from ocpptui.sim.config_v16 import ConfigurationV16
from ocpptui.sim.device_model import build_device_model
from ocpptui.sim.options import SimulatorOptions
from ocpptui.transports.base import TransportClosed, TransportInfo

if TYPE_CHECKING:
    from textual.pilot import Pilot

    from ocpptui.app.app import OcppTuiApp

#: 14 March 2026, 09:30:00 UTC: when the showcase's chargers boot.
START = dt.datetime(2026, 3, 14, 9, 30, tzinfo=dt.UTC).timestamp()
LAPTOP = "192.168.1.20"
PORT = 9000
#: Where each of the demo's chargers seems to connect from (the connection list shows it).
_PEERS = {
    "DEMO-CP-1": "192.168.1.50:50412",
    "DEMO-CP-2": "192.168.1.51:49230",
    "DEMO-CP-3": "192.168.1.52:53118",
}


class FrozenClock(Clock):
    """A clock that moves only when told to."""

    def __init__(self, wall: float = START, mono: float = 10_000.0) -> None:
        self._wall = wall
        self._mono = mono

    def wall(self) -> float:
        return self._wall

    def mono(self) -> float:
        return self._mono

    def advance(self, seconds: float) -> None:
        self._wall += seconds
        self._mono += seconds


class ScriptedCharger:
    """A charger whose frames the script writes; it answers ocpp-tui's calls itself, from
    the simulator's 1.6 key table or 2.0.1 device model, with no timers and no randomness."""

    def __init__(self, identity: str, version: OcppVersion, peer: str, options: SimulatorOptions):
        self.identity = identity
        self.version = version
        self.options = options
        self.info = TransportInfo("websocket", peer, version.subprotocol, path=f"/ocpp/{identity}")
        self.inbox: asyncio.Queue[str | None] = asyncio.Queue()
        self._ids = itertools.count(1)
        self.answers: dict[str, Any] = {}  # message id -> the CSMS's answer payload
        self.clock: FrozenClock | None = None
        self.configuration = ConfigurationV16(options) if not version.is_2x else None
        self.device_model = build_device_model(options, identity) if version.is_2x else None

    # ---------------------------------------------------------------- Transport

    async def recv(self) -> str:
        text = await self.inbox.get()
        if text is None:
            raise TransportClosed("the showcase ended")
        return text

    async def send(self, text: str) -> None:
        frame = json.loads(text)
        if frame[0] == 3:
            self.answers[frame[1]] = frame[2]
        elif frame[0] == 2:
            self._answer(frame[1], frame[2], frame[3])

    async def close(self, reason: str = "closed by ocpp-tui") -> None:
        self.inbox.put_nowait(None)

    # ---------------------------------------------------------------- the script

    def call(self, action: str, payload: dict[str, Any]) -> str:
        """Send a CALL from the charger; returns its message id."""
        message_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{self.identity}/{next(self._ids)}"))
        self.inbox.put_nowait(json.dumps([2, message_id, action, payload], separators=(",", ":")))
        return message_id

    def now(self) -> str:
        clock = self.clock or FrozenClock()
        return ocpp_timestamp(clock.now())

    def _answer(self, message_id: str, action: str, payload: dict[str, Any]) -> None:
        result, follow_up = self._result(action, payload)
        self.inbox.put_nowait(json.dumps([3, message_id, result], separators=(",", ":")))
        for follow_action, follow_payload in follow_up:
            self.call(follow_action, follow_payload)

    def _result(
        self, action: str, payload: dict[str, Any]
    ) -> tuple[dict[str, Any], list[tuple[str, dict[str, Any]]]]:
        if self.configuration is not None:
            if action == "GetConfiguration":
                known, unknown = self.configuration.get_configuration(payload.get("key"))
                result: dict[str, Any] = {"configurationKey": known}
                if unknown:
                    result["unknownKey"] = unknown
                return result, []
            if action == "ChangeConfiguration":
                status = self.configuration.change(payload["key"], str(payload["value"]))
                return {"status": str(status)}, []
        if self.device_model is not None and action == "GetBaseReport":
            entries = self.device_model.base_report(payload.get("reportBase", "")) or []
            parts = [entries[index : index + 40] for index in range(0, len(entries), 40)]
            reports = [
                (
                    "NotifyReport",
                    {
                        "requestId": payload["requestId"],
                        "generatedAt": self.now(),
                        "seqNo": number,
                        "tbc": number < len(parts) - 1,
                        "reportData": snake_to_camel_case(part),
                    },
                )
                for number, part in enumerate(parts)
            ]
            return {"status": "Accepted"}, reports
        if action == "TriggerMessage":
            return {"status": "Accepted"}, []
        if action in ("UpdateFirmware", "ClearCache"):
            return (
                {}
                if action == "UpdateFirmware" and not self.version.is_2x
                else {"status": "Accepted"}
            ), []
        return {"status": "Accepted"}, []


@dataclass
class Showcase:
    """The app and what drives it; `await showcase.play()` once the app runs."""

    app: OcppTuiApp
    hub: Hub
    clock: FrozenClock
    chargers: dict[str, ScriptedCharger]
    paths: Paths
    timeline: list[tuple[float, str, str, Callable[[ScriptedCharger], dict[str, Any]]]] = field(
        default_factory=list
    )

    def listen(self) -> None:
        """Tell the app its server listens on the laptop's LAN address (nothing binds)."""
        from ocpptui.ui.chargers.welcome_panel import ServerState

        self.app.server_state = ServerState(
            "listening", LAPTOP, PORT, tuple(self.hub.config.subprotocols)
        )

    async def play(self) -> None:
        """Connect the chargers and feed the timeline, each frame answered before the next."""
        self.listen()
        for attempt in _attempts(self.clock):
            self.hub.record_attempt(attempt)
        started: set[str] = set()
        moment = 0.0
        for at, identity, action, payload in self.timeline:
            self.clock.advance(at - moment)
            moment = at
            charger = self.chargers[identity]
            if identity not in started:
                started.add(identity)
                self._connect(charger)
            message_id = charger.call(action, payload(charger))
            await self.answered(charger, message_id)
        self.clock.advance(4.0)  # "last message 4s ago"
        main = self.app.screen_stack[0]
        refresh_ages = getattr(getattr(main, "charger_list", None), "refresh_ages", None)
        if callable(refresh_ages):
            refresh_ages()

    def _connect(self, charger: ScriptedCharger) -> None:
        session = self.hub.open_session(charger.identity, charger.version, charger)
        self.app.run_worker(
            self.hub.run_session(session),
            group="hub",
            name=f"showcase {charger.identity}",
            exit_on_error=False,
        )

    async def answered(self, charger: ScriptedCharger, message_id: str) -> None:
        for _ in range(2000):
            if message_id in charger.answers:
                return
            await asyncio.sleep(0.001)
        raise TimeoutError(f"{charger.identity}: no answer to {message_id}")

    @property
    def log_path(self) -> Path:
        session = self.hub.chargers["DEMO-CP-1"].session
        assert session is not None and session.frame_log.path is not None
        return session.frame_log.path


def _attempts(clock: FrozenClock) -> list[ConnectionAttempt]:
    wall = clock.wall()
    common = {"auth_user": None, "auth_present": False, "tls_version": None, "sni": None}
    return [
        ConnectionAttempt(
            wall - 40,
            "192.168.1.77:41877",
            "/CP-9",
            "CP-9",
            (),
            None,
            outcome=Outcome.REFUSED,
            reason="no subprotocol offered: set the OCPP version on the charger "
            "(this server speaks 2.1/2.0.1/1.6)",
            advice="set the OCPP version (1.6J / 2.0.1) in the charger's backend settings",
            **common,
        ),
        *(
            ConnectionAttempt(
                wall + offset,
                _PEERS[identity],
                f"/ocpp/{identity}",
                identity,
                offered,
                offered[0],
                outcome=Outcome.ACCEPTED,
                reason="accepted",
                **common,
            )
            for offset, identity, offered in (
                (0.0, "DEMO-CP-1", ("ocpp1.6",)),
                (2.0, "DEMO-CP-2", ("ocpp1.6",)),
                (3.0, "DEMO-CP-3", ("ocpp2.0.1", "ocpp1.6")),
            )
        ),
    ]


def _boot_16(charger: ScriptedCharger) -> dict[str, Any]:
    options = charger.options
    return {
        "chargePointVendor": options.vendor,
        "chargePointModel": options.model,
        "chargePointSerialNumber": options.serial,
        "firmwareVersion": options.firmware,
    }


def _boot_201(charger: ScriptedCharger) -> dict[str, Any]:
    options = charger.options
    return {
        "reason": "PowerUp",
        "chargingStation": {
            "model": options.model,
            "vendorName": options.vendor,
            "serialNumber": options.serial,
            "firmwareVersion": options.firmware,
        },
    }


def _status_16(connector: int, status: str, error: str = "NoError"):
    return lambda charger: {
        "connectorId": connector,
        "errorCode": error,
        "status": status,
        "timestamp": charger.now(),
    }


def _transaction_id(charger: ScriptedCharger) -> int:
    for answer in charger.answers.values():
        if isinstance(answer, dict) and "transactionId" in answer:
            return int(answer["transactionId"])
    return 0


def _meter_values(energy_wh: int, power_w: float):
    def payload(charger: ScriptedCharger) -> dict[str, Any]:
        return {
            "connectorId": 1,
            "transactionId": _transaction_id(charger),
            "meterValue": [
                {
                    "timestamp": charger.now(),
                    "sampledValue": [
                        {
                            "value": str(energy_wh),
                            "measurand": "Energy.Active.Import.Register",
                            "unit": "Wh",
                        },
                        {
                            "value": f"{power_w:.1f}",
                            "measurand": "Power.Active.Import",
                            "unit": "W",
                        },
                    ],
                }
            ],
        }

    return payload


def _timeline() -> list[tuple[float, str, str, Callable[[ScriptedCharger], dict[str, Any]]]]:
    cp1, cp2, cp3 = "DEMO-CP-1", "DEMO-CP-2", "DEMO-CP-3"
    empty: Callable[[ScriptedCharger], dict[str, Any]] = lambda charger: {}  # noqa: E731
    return [
        (0.0, cp1, "BootNotification", _boot_16),
        (0.3, cp1, "StatusNotification", _status_16(0, "Available")),
        (0.4, cp1, "StatusNotification", _status_16(1, "Available")),
        (0.5, cp1, "StatusNotification", _status_16(2, "Available")),
        (2.0, cp2, "BootNotification", _boot_16),
        (2.2, cp2, "StatusNotification", _status_16(1, "Available")),
        (3.0, cp3, "BootNotification", _boot_201),
        (
            3.2,
            cp3,
            "StatusNotification",
            lambda charger: {
                "timestamp": charger.now(),
                "connectorStatus": "Available",
                "evseId": 1,
                "connectorId": 1,
            },
        ),
        (10.0, cp1, "Authorize", lambda charger: {"idTag": "DEMO-TAG"}),
        (
            10.6,
            cp1,
            "StartTransaction",
            lambda charger: {
                "connectorId": 1,
                "idTag": "DEMO-TAG",
                "meterStart": 1520000,
                "timestamp": charger.now(),
            },
        ),
        (10.8, cp1, "StatusNotification", _status_16(1, "Charging")),
        # A vendor's own error code: not in the 1.6 enum, flagged and (lenient) answered.
        (12.0, cp2, "StatusNotification", _status_16(1, "Available", "PowerMeterFault1")),
        (15.0, cp1, "MeterValues", _meter_values(1520031, 21950.0)),
        (20.0, cp1, "MeterValues", _meter_values(1520061, 22012.4)),
        (24.0, cp3, "Heartbeat", empty),
        (25.0, cp1, "MeterValues", _meter_values(1520092, 21987.9)),
        (30.0, cp1, "Heartbeat", empty),
        (30.4, cp2, "Heartbeat", empty),
        (35.0, cp1, "MeterValues", _meter_values(1520153, 22030.2)),
    ]


def _charger_options() -> dict[str, tuple[OcppVersion, str, SimulatorOptions]]:
    """The live demo's chargers (`ocpp-tui demo`), minus the two settings that only keep the
    live demo busy (a transaction started on its own, a 5 s meter interval): the frozen
    screens show a charger as configured out of the box."""
    return {
        identity: (
            OcppVersion.from_subprotocol(options.protocol),
            _PEERS[identity],
            replace(options, auto_transaction=False, meter_interval=None),
        )
        for identity, options in zip(DEMO_IDENTITIES, DEMO_CHARGERS, strict=True)
    }


def home_paths(home: Path) -> Paths:
    """ocpp-tui's folders as platformdirs gives them on Linux, under the home folder `home`."""
    return Paths(
        home / ".config" / "ocpp-tui",
        home / ".local" / "share" / "ocpp-tui",
        home / ".local" / "state" / "ocpp-tui" / "log",
    )


def build_showcase(home: Path, **app_options: Any) -> Showcase:
    """The app over a hub whose clock, ids and folders are fixed, its files under `home`, an
    empty folder: the caller points `HOME` at it, so that the screens show `~/...` paths."""
    from ocpptui.app.app import make_app

    paths = home_paths(home)
    clock = FrozenClock()
    settings = Settings(csms=CsmsConfig(host=LAPTOP, port=PORT, heartbeat_interval=30))
    settings.files.advertise_host = LAPTOP
    settings.source = paths.settings_file
    tags = itertools.count(1)
    hub = Hub(
        settings.csms,
        sessions_dir=paths.sessions_dir,
        clock=clock,
        session_tag=lambda: f"{next(tags):06x}",
    )

    def advance_latency(frame: Frame) -> None:
        # The other side "takes" this long to answer a CALL: results get a realistic latency.
        if frame.message_type == 2:
            clock.advance(0.0021 if frame.direction.value == "in" else 0.038)

    hub.add_frame_listener(advance_latency)
    chargers = {}
    for identity, (version, peer, options) in _charger_options().items():
        charger = ScriptedCharger(identity, version, peer, options)
        charger.clock = clock
        chargers[identity] = charger
    app = make_app(settings, paths, hub, clock=clock, listen=False, **app_options)
    app.animation_level = "none"
    return Showcase(app, hub, clock, chargers, paths, _timeline())


# ---------------------------------------------------------------------- the screens

Steps = Callable[["Showcase", "Pilot"], Awaitable[None]]


async def settle(app: OcppTuiApp, pilot: Pilot) -> None:
    """Wait for the app's short-lived workers and repaints; steady the text cursors."""
    from textual.widgets import Input, TextArea
    from textual.worker import WorkerState

    for _ in range(200):
        busy = [
            worker
            for worker in app.workers
            if worker.group != "hub" and worker.state in (WorkerState.PENDING, WorkerState.RUNNING)
        ]
        if not busy:
            break
        await pilot.pause(0.02)
    from ocpptui.ui.frames.frame_table import FrameTable

    def tables_synced() -> bool:
        # The tables on view: those under another screen catch up when shown again.
        return all(
            table.filtered or table.row_count == table.window.total - table.window.first_position
            for table in app.screen.query(FrameTable)
        )

    await until(pilot, tables_synced)
    await pilot.pause(0.3)
    for widget in app.screen.query("Input, TextArea"):
        if isinstance(widget, (Input, TextArea)):
            widget.cursor_blink = False
    await pilot.pause(0.05)


async def played(show: Showcase, pilot: Pilot) -> None:
    """Play the script and let every frame table show all of it."""
    await show.play()
    await settle(show.app, pilot)


async def until(pilot: Pilot, predicate: Callable[[], object], timeout: float = 10.0) -> None:
    for _ in range(int(timeout / 0.02)):
        if predicate():
            return
        await pilot.pause(0.02)
    raise TimeoutError("the showcase screen did not get ready")


async def _charger_tab(show: Showcase, pilot: Pilot, identity: str, key: str) -> None:
    from ocpptui.ui.chargers.charger_screen import ChargerScreen

    await played(show, pilot)
    await show.app.open_charger(identity)
    await until(pilot, lambda: isinstance(show.app.screen, ChargerScreen))
    await pilot.pause(0.1)
    if key != "1":
        await pilot.press(key)
    await settle(show.app, pilot)


async def main_screen(show: Showcase, pilot: Pilot) -> None:
    await played(show, pilot)
    await settle(show.app, pilot)


async def main_screen_light(show: Showcase, pilot: Pilot) -> None:
    await played(show, pilot)
    show.app.theme = "textual-light"
    await settle(show.app, pilot)


async def charger_frames(show: Showcase, pilot: Pilot) -> None:
    await _charger_tab(show, pilot, "DEMO-CP-1", "1")


async def charger_frames_light(show: Showcase, pilot: Pilot) -> None:
    show.app.theme = "textual-light"
    await _charger_tab(show, pilot, "DEMO-CP-1", "1")


async def configuration_16(show: Showcase, pilot: Pilot) -> None:
    await _charger_tab(show, pilot, "DEMO-CP-1", "2")
    await _read_configuration(show, pilot)
    await until(pilot, lambda: _answered(show, "DEMO-CP-1", "GetConfiguration"))
    await settle(show.app, pilot)


async def configuration_201(show: Showcase, pilot: Pilot) -> None:
    await _charger_tab(show, pilot, "DEMO-CP-3", "2")
    await _read_configuration(show, pilot)
    await until(pilot, lambda: _answered(show, "DEMO-CP-3", "NotifyReport"))
    await settle(show.app, pilot)


async def _read_configuration(show: Showcase, pilot: Pilot) -> None:
    await until(pilot, lambda: show.app.screen.query("#config-panel"))
    panel = show.app.screen.query_one("#config-panel")
    panel.action_read()  # type: ignore[attr-defined]


def _answered(show: Showcase, identity: str, action: str) -> bool:
    frames = show.hub.chargers[identity].frames
    return any(frame.action == action and frame.message_type == 3 for frame in frames)


async def commands(show: Showcase, pilot: Pilot) -> None:
    await _charger_tab(show, pilot, "DEMO-CP-1", "3")


async def composer(show: Showcase, pilot: Pilot) -> None:
    await _charger_tab(show, pilot, "DEMO-CP-1", "4")
    await pilot.press(*"TriggerMessage", "enter")
    await settle(show.app, pilot)


async def firmware(show: Showcase, pilot: Pilot) -> None:
    await played(show, pilot)
    await show.app.open_firmware("DEMO-CP-1")
    await settle(show.app, pilot)


async def diagnostics(show: Showcase, pilot: Pilot) -> None:
    await played(show, pilot)
    await show.app.open_diagnostics("DEMO-CP-1")
    await settle(show.app, pilot)


async def connections(show: Showcase, pilot: Pilot) -> None:
    await played(show, pilot)
    await show.app.open_connections()
    await settle(show.app, pilot)


async def commissioning(show: Showcase, pilot: Pilot) -> None:
    await played(show, pilot)
    await show.app.open_commissioning("DEMO-CP-1")
    await settle(show.app, pilot)


async def log_viewer(show: Showcase, pilot: Pilot) -> None:
    await played(show, pilot)
    show.app.open_log(show.log_path)
    await settle(show.app, pilot)


async def settings(show: Showcase, pilot: Pilot) -> None:
    await played(show, pilot)
    show.app.action_settings()
    await settle(show.app, pilot)


async def help_screen(show: Showcase, pilot: Pilot) -> None:
    await played(show, pilot)
    show.app.action_help()
    await settle(show.app, pilot)


async def inspector(show: Showcase, pilot: Pilot) -> None:
    await played(show, pilot)
    from ocpptui.ui.frames.frame_inspector_screen import FrameInspectorScreen

    window = show.hub.chargers["DEMO-CP-2"].frames
    flagged = next(frame for frame in window if frame.violations)
    await show.app.push_screen(FrameInspectorScreen(window, flagged))
    await settle(show.app, pilot)


async def first_run(show: Showcase, pilot: Pilot) -> None:
    from ocpptui.ui.chargers.welcome_panel import WelcomePanel

    show.listen()
    await pilot.pause(0.1)
    show.app.screen.query_one(WelcomePanel).show_troubleshooting(True)
    await settle(show.app, pilot)


async def connect(show: Showcase, pilot: Pilot) -> None:
    show.listen()
    await pilot.pause(0.1)
    show.app.action_connect_help()
    await settle(show.app, pilot)


async def serial_picker(show: Showcase, pilot: Pilot) -> None:
    from ocpptui.transports.serial_link import SerialPortInfo
    from ocpptui.ui.links.link_settings import LinkDefaults

    ports = [
        SerialPortInfo("/dev/ttyUSB0", "FT232R USB UART", "0403:6001", "A10KZP4Q", "FTDI"),
        SerialPortInfo("/dev/ttyACM0", "CP2102N USB to UART", "10c4:ea60", "0001", "Silicon Labs"),
        SerialPortInfo("/dev/ttyS0", "ttyS0"),
    ]
    show.app.link_defaults = LinkDefaults.standard(port_lister=lambda: ports)
    show.app.open_link_picker("serial")
    await settle(show.app, pilot)


SITE_SHEET = """\
[site]
name = "Car park A"

[[charger]]
identity = "DEMO-CP-1"
location = "Level -1, bay 12"
target_firmware = "1.4.2"

[[charger]]
identity = "DEMO-CP-2"
location = "Level -1, bay 14"
target_firmware = "2.0.0"

[[charger]]
identity = "CP-A7"
location = "Level 0, bay 3"
"""


async def site_board(show: Showcase, pilot: Pilot) -> None:
    """Two sheet chargers online, one not seen yet, one connected that is not on the sheet."""
    from ocpptui.services.site_sheet import parse_toml_sheet
    from ocpptui.ui.site.site_open import show_site_board

    await played(show, pilot)
    show_site_board(show.app, parse_toml_sheet(SITE_SHEET))
    await settle(show.app, pilot)


#: Screen name -> how to get there (file names of `screens/*.svg`).
SCREENS: dict[str, Steps] = {
    "first-run": first_run,
    "connect": connect,
    "main": main_screen,
    "main-light": main_screen_light,
    "charger-frames": charger_frames,
    "charger-frames-light": charger_frames_light,
    "configuration-16": configuration_16,
    "configuration-201": configuration_201,
    "commands": commands,
    "composer": composer,
    "firmware": firmware,
    "diagnostics": diagnostics,
    "connections": connections,
    "commissioning": commissioning,
    "log-viewer": log_viewer,
    "settings": settings,
    "help": help_screen,
    "inspector": inspector,
    "serial-picker": serial_picker,
    "site-board": site_board,
}
