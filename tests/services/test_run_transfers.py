"""`ocpp-tui run` with firmware and diagnostics steps, in process: the same file server the
CLI builds from the settings, the real headless runner and a simulated charger."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ocpptui.services.file_hosting import create_file_server
from ocpptui.services.file_server import FileServer
from ocpptui.services.file_server import server as file_server_module
from ocpptui.settings.model import FileServerSettings
from tests.services.file_server.helpers import firmware_file
from tests.services.headless_run import run_headless

pytestmark = pytest.mark.timeout(60)

# Stands for the address a laptop guesses for its file server (its first network interface),
# which a charger on another interface cannot reach: nothing listens there, and it stays on
# loopback so the tests never leave the machine.
OTHER_INTERFACE = "127.0.0.2"


def cli_file_server(tmp_path: Path, **settings: Any):
    """The factory `ocpp-tui run` passes (cli/run.py): the settings' file server, started."""
    files = FileServerSettings(bind_host="127.0.0.1", http_port=0, ftp_port=0, **settings)

    async def start() -> FileServer:
        server = create_file_server(files, tmp_path / "sessions")
        await server.start()
        return server

    return start


async def test_run_puts_the_address_the_charger_connected_on_into_the_urls(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(file_server_module, "_default_advertise_host", lambda _: OTHER_INTERFACE)
    image = firmware_file(tmp_path, "2.0.0")
    playbook = (
        f'[[step]]\ndo = "wait_for_charger"\n\n'
        f'[[step]]\ndo = "update_firmware"\nfile = "{image}"\ntimeout = 20\n\n'
        f'[[step]]\ndo = "get_diagnostics"\ntimeout = 20\n'
    )
    run = await run_headless(
        tmp_path, playbook, "CP-RUN", url_path="/ocpp", sim={"firmware_install_seconds": 1},
        file_server_factory=cli_file_server(tmp_path),
    )  # fmt: skip
    assert run.code == 0, run.output
    result, charger = run.results, run.charger
    firmware, diagnostics = result["steps"][1], result["steps"][2]
    assert firmware["request"]["url"].startswith("http://127.0.0.1:")
    assert diagnostics["request"]["location"].startswith("http://127.0.0.1:")
    # The protocol came from the charger's own list, as the TUI's form picks it.
    assert firmware["response"]["scheme"] == "http"
    assert firmware["response"]["scheme_warning"] is None
    assert charger.firmware_version == "2.0.0"


async def test_run_uses_the_advertised_address_when_one_is_set(tmp_path: Path) -> None:
    # [files] advertise_host wins (a NAT, a name the charger resolves): here one that does
    # not exist, so the step fails, and says which address the charger could not reach.
    playbook = (
        '[[step]]\ndo = "wait_for_charger"\n\n[[step]]\ndo = "get_diagnostics"\ntimeout = 5\n'
    )
    factory = cli_file_server(tmp_path, advertise_host=OTHER_INTERFACE)
    run = await run_headless(
        tmp_path, playbook, "CP-ADV", url_path="/ocpp",
        sim={"transfer_timeout": 0.5, "transfer_retries": 0}, file_server_factory=factory,
    )  # fmt: skip
    assert run.code == 1
    result = run.results
    assert result["steps"][1]["request"]["location"].startswith(f"http://{OTHER_INTERFACE}:")
    assert OTHER_INTERFACE in result["steps"][1]["error"]  # the advice names it


async def test_two_updates_in_a_row_pass_only_on_their_own_installed(tmp_path: Path) -> None:
    """The issue's reproduction: Installed comes 0.3 s after the post-update boot."""
    first, second = firmware_file(tmp_path, "2.0.0"), firmware_file(tmp_path, "3.0.0")
    playbook = (
        f'[[step]]\ndo = "wait_for_charger"\n\n'
        f'[[step]]\ndo = "update_firmware"\nfile = "{first}"\ntimeout = 20\n\n'
        f'[[step]]\ndo = "update_firmware"\nfile = "{second}"\ntimeout = 20\n'
    )
    run = await run_headless(
        tmp_path,
        playbook,
        "CP-TWICE",
        url_path="/ocpp",
        sim={
            "quirks": {"installed-after-boot"},
            # 0.5 s: a late Installed comes before this job's own
            "firmware_install_seconds": 10,
        },
        file_server_factory=cli_file_server(tmp_path, advertise_host="127.0.0.1"),
    )
    assert run.code == 0, run.output
    result, charger = run.results, run.charger
    # The second step ended on the charger's boot onto its image, which the charger runs.
    assert charger.firmware_version == "3.0.0"
    response = result["steps"][2]["response"]
    assert response["verdict"] == "firmware 2.0.0 → 3.0.0"
    # The first update's late Installed reached the second job: shown, not counted.
    assert any(
        text.startswith("Installed: from an earlier job") for text in response["not_counted"]
    )
    assert response["statuses"].count("Installed") <= 1
