"""The file server as the settings build it: HTTPS appears once `ocpp-tui certs` has run."""

from __future__ import annotations

import hashlib
import ssl
from pathlib import Path

import aiohttp

from ocpptui.services.file_hosting import create_file_server
from ocpptui.services.tls import ensure_certificates
from ocpptui.settings import FileServerSettings

SETTINGS = FileServerSettings(
    advertise_host="127.0.0.1",
    bind_host="127.0.0.1",
    http_port=0,
    ftp_port=0,
    https_port=0,
    ftp_passive_ports=(40100, 40109),
)


async def test_https_with_the_local_certificate(tmp_path: Path) -> None:
    tls = tmp_path / "tls"
    files = ensure_certificates(tls, ["127.0.0.1", "localhost"])
    image = tmp_path / "fw-1.2.3.bin"
    image.write_bytes(b"firmware" * 10_000)
    server = create_file_server(SETTINGS, tmp_path / "up", tls_folder=tls)
    await server.start()
    try:
        offer = await server.offer_file_async(image)
        assert offer.https_url is not None and offer.https_url.startswith("https://127.0.0.1:")
        context = ssl.create_default_context(cafile=str(files.ca_cert))
        async with (
            aiohttp.ClientSession() as client,
            client.get(offer.https_url, ssl=context) as response,
        ):
            body = await response.read()
        assert hashlib.sha256(body).hexdigest() == offer.sha256
    finally:
        await server.stop()


async def test_no_certificate_no_https(tmp_path: Path) -> None:
    server = create_file_server(SETTINGS, tmp_path / "up", tls_folder=tmp_path / "no-tls")
    await server.start()
    try:
        assert server.ports.https is None
        image = tmp_path / "fw.bin"
        image.write_bytes(b"x")
        assert (await server.offer_file_async(image)).https_url is None
    finally:
        await server.stop()
