"""Pre-selecting the URL scheme from the charger's own list of file transfer protocols."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from ocpptui.core.frame import Direction, Frame
from ocpptui.core.hub import Hub
from ocpptui.services.file_server import FileServer
from ocpptui.services.transfer_schemes import (
    fetch_scheme_choice,
    parse_protocols,
    scheme_choice,
    scheme_warning,
    served_schemes,
    supported_schemes,
)
from ocpptui.settings.model import FileServerSettings
from tests.helpers import loopback_file_server

pytestmark = pytest.mark.timeout(10)


@pytest.fixture
async def file_server() -> AsyncIterator[FileServer]:
    """With SFTP on (the services conftest's has HTTP and FTP only)."""
    async with loopback_file_server(None, enable_sftp=True, sftp_port=0) as server:
        yield server


@pytest.mark.parametrize(
    ("protocol", "key", "action"),
    [
        ("ocpp1.6", "SupportedFileTransferProtocols", "GetConfiguration"),
        ("ocpp2.0.1", "OCPPCommCtrlr.FileTransferProtocols", "GetVariables"),
    ],
)
async def test_the_choice_comes_from_the_chargers_own_list(
    hub: Hub, start_sim, file_server: FileServer, protocol: str, key: str, action: str
) -> None:
    await start_sim("CP-S", protocol=protocol)  # the simulator lists FTP,HTTP
    session = hub.session_for("CP-S")
    served = served_schemes(file_server)
    assert served == ("http", "ftp", "sftp")

    before = scheme_choice(session, served)  # nothing read yet: no request sent
    assert before.listed is None and before.supported == ["http", "ftp", "sftp"]
    assert "has not said" in (before.warning or "")

    frames: list[Frame] = []
    stop_listening = hub.add_frame_listener(frames.append)
    choice = await fetch_scheme_choice(session, served)
    stop_listening()
    assert (choice.listed, choice.supported, choice.preferred) == (
        ["FTP", "HTTP"],
        ["http", "ftp"],
        "http",
    )
    assert choice.warning is None and choice.key == key
    # exactly one request, for that one key or variable
    calls = [
        frame
        for frame in frames
        if frame.identity == "CP-S" and frame.direction is Direction.OUT and frame.message_type == 2
    ]
    assert [frame.action for frame in calls] == [action]
    assert "FileTransferProtocols" in str(calls[0].payload)

    # read once, the list is known without asking again
    assert scheme_choice(session, served).listed == ["FTP", "HTTP"]
    warning = scheme_choice(session, served, chosen="sftp").warning
    assert warning is not None
    assert f"lists FTP, HTTP in {key}, not SFTP" in warning and "use HTTP" in warning


def test_parsing_and_preference_order() -> None:
    assert parse_protocols("FTP,HTTP") == ["FTP", "HTTP"]
    assert parse_protocols(" sftp; https ftp,,") == ["SFTP", "HTTPS", "FTP"]
    assert parse_protocols(None) is None
    everything = ("http", "ftp", "https", "sftp")
    assert supported_schemes(["SFTP", "HTTPS", "FTP", "HTTP"], everything) == list(everything)
    assert supported_schemes(["SFTP", "HTTP"], ("http", "ftp")) == ["http"]  # SFTP is off
    assert supported_schemes(None, ("http", "ftp")) == ["http", "ftp"]


def test_warnings_say_what_to_do() -> None:
    served = ("http", "ftp")
    assert scheme_warning("ftp", ["FTP"], served) is None
    assert "turn it on" in (scheme_warning("sftp", ["SFTP"], served) or "")
    ftps_only = scheme_warning("ftp", ["FTPS"], served) or ""
    assert "lists FTPS" in ftps_only and "none of them" in ftps_only
    assert "use FTP" in (scheme_warning("http", ["FTP"], served) or "")


def test_served_schemes_from_the_settings_before_the_server_runs() -> None:
    assert served_schemes(settings=FileServerSettings()) == ("http", "ftp")
    assert served_schemes(settings=FileServerSettings(sftp=True)) == ("http", "ftp", "sftp")
