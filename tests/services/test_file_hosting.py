"""The file server as the settings build it: HTTPS appears once `ocpp-tui certs` has run."""

from __future__ import annotations

import asyncio
import hashlib
import ssl
from dataclasses import replace
from pathlib import Path

import aiohttp

from ocpptui.core.config import CsmsConfig
from ocpptui.core.hub import Hub
from ocpptui.services.file_hosting import create_file_server, file_server_bind_host
from ocpptui.services.tls import ensure_certificates
from ocpptui.settings.model import FileServerSettings

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


async def _reachable(host: str, port: int) -> bool:
    try:
        _, writer = await asyncio.open_connection(host, port)
    except OSError:
        return False
    writer.close()
    return True


async def test_the_file_server_listens_where_the_csms_was_told(tmp_path: Path) -> None:
    # `--host 127.0.0.1`: the mini-CSMS stays on this laptop, and so must the file server
    # (127.0.0.2 stands for the site network: a socket bound to every interface answers it).
    hub = Hub(CsmsConfig(port=0), sessions_dir=tmp_path / "sessions")
    await hub.start_server("127.0.0.1", 0)
    following = replace(SETTINGS, advertise_host="", bind_host="", sftp=True, sftp_port=0)
    server = create_file_server(
        following, tmp_path / "up", server_host=hub.listen_host, host_key_folder=tmp_path / "k"
    )
    await server.start()
    try:
        ports = server.ports
        listeners = [ports.http, ports.ftp, ports.sftp]
        assert all([await _reachable("127.0.0.1", port) for port in listeners])
        assert not any([await _reachable("127.0.0.2", port) for port in listeners])
        assert server.offer_upload(tmp_path / "in").http_url.startswith("http://127.0.0.1:")
    finally:
        await server.stop()
        await hub.stop()

    # `[files] bind_host` still wins when it names another address.
    assert file_server_bind_host(replace(SETTINGS, bind_host="0.0.0.0"), "127.0.0.1") == "0.0.0.0"
    everywhere = create_file_server(
        replace(SETTINGS, bind_host="0.0.0.0"), tmp_path / "up", server_host="127.0.0.1"
    )
    await everywhere.start()
    try:
        assert await _reachable("127.0.0.2", everywhere.ports.http)
    finally:
        await everywhere.stop()
