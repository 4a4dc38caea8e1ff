"""Nothing but the offered file is reachable: path tricks and wrong tokens get 404 and a log."""

from __future__ import annotations

from pathlib import Path

import aiohttp
import pytest

from ocpptui.services.file_server import FileServer, RequestLogged, RequestRefused

from .helpers import Recorder, raw_get, raw_http

pytestmark = pytest.mark.timeout(10)


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    """A file beside the offered one that must stay out of reach."""
    path = tmp_path / "secret.txt"
    path.write_text("do not serve")
    return path


def tricks(token: str, name: str, secret: Path) -> dict[str, str]:
    return {
        "wrong token": f"/AAAAAAAAAAAAAAAAAAAAAA/{name}",
        "no token": f"/{name}",
        "root": "/",
        "listing of the token": f"/{token}/",
        "other file under the token": f"/{token}/secret.txt",
        "dot-dot": f"/{token}/../{token}/{name}",
        "dot-dot out": f"/{token}/../secret.txt",
        "encoded dot-dot": f"/{token}/%2e%2e/secret.txt",
        "encoded slash": f"/{token}%2F{name}",
        "encoded slash in name": f"/{token}/..%2Fsecret.txt",
        "backslash": f"/{token}\\..\\secret.txt",
        "absolute path": f"/{secret}",
        "double slash": f"/{token}//{secret}",
        "nul byte": f"/{token}/{name}%00",
        "bad utf-8": f"/{token}/%ff",
        "deeper": f"/{token}/{name}/x",
    }


async def test_path_tricks_and_wrong_tokens_get_404_and_a_refusal(
    server: FileServer, events: Recorder, firmware: Path, secret: Path
) -> None:
    offer = server.offer_file(firmware)
    for label, target in tricks(offer.token, offer.file_name, secret).items():
        events.clear()
        status, reply = await raw_http(server.ports.http, raw_get(target), read_body=True)
        assert status == 404, (label, reply)
        assert b"do not serve" not in reply
        refused = await events.wait_for(RequestRefused)
        assert (refused.protocol, refused.status, refused.path) == ("http", 404, target), label
        assert refused.reason
        logged = await events.wait_for(RequestLogged)
        assert logged.status == 404


async def test_client_side_normalised_urls_are_refused_too(
    server: FileServer, events: Recorder, firmware: Path, secret: Path
) -> None:
    # aiohttp (like a browser) would remove "..": send the URL exactly as written.
    offer = server.offer_file(firmware)
    base = f"http://127.0.0.1:{server.ports.http}"
    async with aiohttp.ClientSession() as session:
        for target in (f"/{offer.token}/../secret.txt", f"/{offer.token}/%2E%2E%2Fsecret.txt"):
            url = aiohttp.client.URL(base + target, encoded=True)
            async with session.get(url) as response:
                assert response.status == 404
                assert "do not serve" not in await response.text()
    assert len(events.of(RequestRefused)) == 2


async def test_absolute_form_request_target_is_understood(
    server: FileServer, firmware: Path
) -> None:
    offer = server.offer_file(firmware)
    target = f"http://127.0.0.1:{server.ports.http}/{offer.token}/{offer.file_name}"
    status, _ = await raw_http(server.ports.http, raw_get(target))
    assert status == 200


async def test_wrong_methods_are_405(server: FileServer, events: Recorder, firmware: Path) -> None:
    offer = server.offer_file(firmware)
    upload = server.offer_upload(label="CP-1")
    async with aiohttp.ClientSession() as session:
        async with session.put(offer.http_url, data=b"overwrite?") as response:
            assert response.status == 405
            assert response.headers["Allow"] == "GET, HEAD"
        async with session.get(upload.http_url) as response:
            assert response.status == 405
            assert response.headers["Allow"] == "PUT, POST"
    assert [r.status for r in events.of(RequestRefused)] == [405, 405]
    assert firmware.stat().st_size == offer.size
