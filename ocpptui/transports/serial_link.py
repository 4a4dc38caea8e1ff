"""Serial carrier (USB-serial, RS-232, RS-485) over pyserial: settings, opening, port listing.

The laptop opens the port; OCPP-J frames travel in the chosen framing (see `framing.py`).
Reading is done by `StreamTransport`'s reader thread (why: see `stream_link.py`).
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import serial
import serial.rs485

from ocpptui.transports.base import TransportInfo
from ocpptui.transports.framing import DEFAULT_MAX_FRAME_BYTES, FrameCodec, Framing
from ocpptui.transports.stream_link import StreamTransport

log = logging.getLogger(__name__)

#: A blocked read returns after this long, so closing never waits for more than it.
READ_TIMEOUT = 0.2
PARITIES = {"N": serial.PARITY_NONE, "E": serial.PARITY_EVEN, "O": serial.PARITY_ODD}
STOPBITS = {1: serial.STOPBITS_ONE, 1.5: serial.STOPBITS_ONE_POINT_FIVE, 2: serial.STOPBITS_TWO}
BYTESIZES = (5, 6, 7, 8)


class SerialOpenError(OSError):
    """The port cannot be opened; the message says what to do about it."""


@dataclass(frozen=True, slots=True)
class SerialSettings:
    """Everything needed to open a port the way the charger expects."""

    port: str
    baudrate: int = 115200
    bytesize: int = 8
    parity: str = "N"  # N, E or O
    stopbits: float = 1
    rtscts: bool = False
    xonxoff: bool = False
    # RS-485 half duplex: RTS switches the transceiver to transmit while we send. The
    # driver's own RS-485 mode is used where it has one (Linux); otherwise pyserial toggles
    # RTS around each write (less precise, hence the optional delays, in seconds).
    rs485: bool = False
    rs485_delay_before_tx: float | None = None
    rs485_delay_before_rx: float | None = None
    # DTR/RTS levels at open; None leaves the driver's default (asserted). Boards with an
    # auto-reset circuit (ESP32, Arduino) reboot when these toggle: set them False there.
    dtr: bool | None = None
    rts: bool | None = None
    framing: Framing = Framing.NDJSON
    max_frame_bytes: int = DEFAULT_MAX_FRAME_BYTES
    write_timeout: float = 10.0

    def __post_init__(self) -> None:
        if self.baudrate <= 0:
            raise ValueError(f"baud rate must be positive, got {self.baudrate}")
        if self.bytesize not in BYTESIZES:
            raise ValueError(f"byte size must be 5..8, got {self.bytesize}")
        if self.parity not in PARITIES:
            raise ValueError(f"parity must be N, E or O, got {self.parity!r}")
        if self.stopbits not in STOPBITS:
            raise ValueError(f"stop bits must be 1, 1.5 or 2, got {self.stopbits}")
        if self.write_timeout <= 0:
            raise ValueError("write_timeout must be > 0")

    @property
    def line(self) -> str:
        """The usual short form: `115200 8N1`."""
        stop = f"{self.stopbits:g}"
        return f"{self.baudrate} {self.bytesize}{self.parity}{stop}"

    @property
    def flow(self) -> str:
        parts = [name for name, on in (("RTS/CTS", self.rtscts), ("XON/XOFF", self.xonxoff)) if on]
        return "+".join(parts) or "none"

    @property
    def codec(self) -> FrameCodec:
        return FrameCodec(self.framing, self.max_frame_bytes)


class PySerialPort:
    """A pyserial `Serial` as the transport's BlockingPort."""

    def __init__(self, port: serial.Serial, name: str) -> None:
        self.serial = port
        self.name = name

    def read(self, max_bytes: int) -> bytes:
        # read(n) waits for n bytes or the timeout, so ask for one byte (returns as soon as
        # anything arrived) and then for whatever else is already waiting.
        first = self.serial.read(1)
        if not first:
            return b""
        waiting = self.serial.in_waiting
        if waiting:
            return first + self.serial.read(min(waiting, max_bytes - 1))
        return first

    def write(self, data: bytes) -> None:
        written = self.serial.write(data)
        if written is not None and written < len(data):
            raise serial.SerialTimeoutException(
                f"write timed out after {written} of {len(data)} bytes"
            )

    def cancel_read(self) -> None:
        self.serial.cancel_read()

    def close(self) -> None:
        self.serial.close()


def _new_serial(settings: SerialSettings, cls: type[serial.Serial]) -> serial.Serial:
    port = cls()
    port.port = settings.port
    port.baudrate = settings.baudrate
    port.bytesize = settings.bytesize
    port.parity = PARITIES[settings.parity]
    port.stopbits = STOPBITS[settings.stopbits]
    port.rtscts = settings.rtscts
    port.xonxoff = settings.xonxoff
    port.timeout = READ_TIMEOUT
    port.write_timeout = settings.write_timeout
    if settings.dtr is not None:
        port.dtr = settings.dtr
    if settings.rts is not None:
        port.rts = settings.rts
    if os.name == "posix":
        # Another program on the same port (a terminal, ModemManager) would steal bytes;
        # the lock makes that a clear error instead.
        port.exclusive = True
    return port


def _rs485_settings(settings: SerialSettings) -> serial.rs485.RS485Settings:
    return serial.rs485.RS485Settings(
        rts_level_for_tx=True,
        rts_level_for_rx=False,
        delay_before_tx=settings.rs485_delay_before_tx,
        delay_before_rx=settings.rs485_delay_before_rx,
    )


def _explain_open_error(settings: SerialSettings, error: BaseException) -> str:
    text = str(error)
    lowered = text.lower()
    if any(m in lowered for m in ("no such file", "cannot find the file", "filenotfounderror")):
        hint = "the port does not exist: is the cable plugged in? (`ocpp-tui serial` lists ports)"
    elif "permission denied" in lowered or "errno 13" in lowered:
        hint = (
            "permission denied: on Linux add yourself to the 'dialout' group "
            "(sudo usermod -aG dialout $USER, then log in again)"
        )
    elif any(m in lowered for m in ("exclusively lock", "resource busy", "access is denied")):
        hint = "the port is in use by another program (a terminal, ModemManager, another ocpp-tui)"
    else:
        hint = "cannot open the port"
    return f"{settings.port}: {hint} [{text}]"


def open_serial_port(settings: SerialSettings) -> tuple[serial.Serial, str | None]:
    """Open the port (blocking); returns it and the RS-485 mode in use (None without RS-485)."""
    if not settings.rs485:
        port = _new_serial(settings, serial.Serial)
        port.open()
        return port, None
    port = _new_serial(settings, serial.Serial)
    port.rs485_mode = _rs485_settings(settings)
    try:
        port.open()
        return port, "driver"
    except (ValueError, NotImplementedError) as driver_error:
        port.close()
        log.info("%s: no driver RS-485 mode (%s); toggling RTS", settings.port, driver_error)
        software = _new_serial(settings, serial.rs485.RS485)
        software.rs485_mode = _rs485_settings(settings)
        software.open()
        try:
            software.rts = False  # receive; fails now if RTS cannot be driven at all
        except OSError as rts_error:
            software.close()
            raise SerialOpenError(
                f"RS-485 needs RTS to switch the transceiver, and this port offers neither "
                f"a driver RS-485 mode ({driver_error}) nor RTS control ({rts_error}); "
                "use an adapter with automatic direction control and leave --rs485 off"
            ) from None
        return software, "RTS toggled by ocpp-tui"


class SerialTransport(StreamTransport):
    """Frames over a serial port (a StreamTransport with serial metadata)."""

    settings: SerialSettings

    @classmethod
    async def open(cls, settings: SerialSettings) -> SerialTransport:
        """Open the port and start reading; raises SerialOpenError with a hint on failure."""
        try:
            port, rs485_mode = await asyncio.to_thread(open_serial_port, settings)
        except SerialOpenError:
            raise
        except (OSError, ValueError) as exc:  # SerialException is an OSError
            raise SerialOpenError(_explain_open_error(settings, exc)) from None
        extra = {
            "framing": settings.framing.value,
            "line": settings.line,
            "flow": settings.flow,
        }
        if rs485_mode is not None:
            extra["rs485"] = rs485_mode
        info = TransportInfo(kind="serial", peer=settings.port, extra=extra)
        transport = cls(PySerialPort(port, settings.port), settings.codec, info)
        transport.settings = settings
        transport.start()
        return transport


def serial_link_factory(settings: SerialSettings) -> Callable[[], Awaitable[SerialTransport]]:
    """Opens a fresh SerialTransport per call: the simulator's link factory, the supervisor's
    opener."""

    async def open_link() -> SerialTransport:
        return await SerialTransport.open(settings)

    return open_link


# ------------------------------------------------------------------ discovery


@dataclass(frozen=True, slots=True)
class SerialPortInfo:
    """One port as the picker shows it."""

    device: str  # what to open: /dev/ttyUSB0, COM3
    description: str
    vid_pid: str | None = None  # "0403:6001" for USB adapters
    serial_number: str | None = None
    manufacturer: str | None = None

    @property
    def label(self) -> str:
        parts = [self.device, self.description]
        if self.vid_pid:
            parts.append(f"USB {self.vid_pid}")
        if self.serial_number:
            parts.append(f"SN {self.serial_number}")
        return "  ".join(p for p in parts if p and p != "n/a")


def list_serial_ports() -> list[SerialPortInfo]:
    """The serial ports present now, USB adapters first (blocking: call it in a thread)."""
    from serial.tools import list_ports

    found = []
    for port in list_ports.comports():
        vid_pid = f"{port.vid:04X}:{port.pid:04X}" if port.vid is not None else None
        found.append(
            SerialPortInfo(
                device=port.device,
                description=port.description or "",
                vid_pid=vid_pid,
                serial_number=port.serial_number,
                manufacturer=port.manufacturer,
            )
        )
    return sorted(found, key=lambda p: (p.vid_pid is None, p.device))


_IDENTITY_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def identity_for_port(port: str) -> str:
    """A charger identity from a port name: `/dev/ttyUSB0` → `ttyUSB0`, `COM3` → `COM3`."""
    segment = re.split(r"[\\/]", port.rstrip("\\/"))[-1] or port
    cleaned = _IDENTITY_UNSAFE.sub("-", segment).strip("-.")
    return (cleaned or "serial")[:48]
