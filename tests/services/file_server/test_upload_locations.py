"""Both forms of an upload location work: the folder (`…/<token>/`, the charger adds its file
name or sends none) and a file URL (`…/<token>/<name>`, used as it is), by HTTP PUT, POST (raw
and multipart) and FTP STOR with a resume by APPE."""

from __future__ import annotations

import asyncio
import ftplib
import hashlib
import io
import os

import aiohttp
import pytest

from ocpptui.services.file_server import FileServer, UploadReceived

from .helpers import Recorder

pytestmark = pytest.mark.timeout(10)

DATA = os.urandom(120_000)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def request_for(method: str, data: bytes) -> dict[str, object]:
    if method == "POST multipart":
        form = aiohttp.FormData()
        form.add_field("file", data, filename="logs.zip", content_type="application/zip")
        return {"data": form}
    headers = {"Content-Type": "application/octet-stream"}
    if method == "POST raw":
        # A raw POST to a folder can still name its file, as browsers' fetch() does.
        headers["Content-Disposition"] = 'attachment; filename="raw.log"'
    return {"data": data, "headers": headers}


@pytest.mark.parametrize(
    ("method", "form", "stored"),
    [
        ("PUT", "folder", None),  # nothing names the file: a default name
        ("PUT", "file", "diag.tar.gz"),
        ("POST raw", "folder", "raw.log"),
        ("POST raw", "file", "diag.tar.gz"),  # the URL's name wins over the header
        ("POST multipart", "folder", "logs.zip"),
        ("POST multipart", "file", "logs.zip"),  # each file part keeps its own name
    ],
)
async def test_http_uploads_to_either_form(
    server: FileServer, events: Recorder, method: str, form: str, stored: str | None
) -> None:
    upload = server.offer_upload()
    url = upload.http_url if form == "folder" else upload.http_url + "diag.tar.gz"
    async with (
        aiohttp.ClientSession() as session,
        session.request(method.split()[0], url, **request_for(method, DATA)) as response,
    ):
        assert response.status == 200, await response.text()
    received = await events.wait_for(UploadReceived)
    assert (received.size, received.sha256) == (len(DATA), sha256(DATA))
    assert received.path.parent == upload.directory
    if stored is None:
        assert received.path.name.startswith("upload-") and received.path.suffix == ".bin"
    else:
        assert received.path.name == stored


@pytest.mark.parametrize("form", ["folder", "file"])
async def test_ftp_upload_to_either_form_resumes_with_appe(
    server: FileServer, events: Recorder, form: str
) -> None:
    upload = server.offer_upload()
    cut = 50_000

    def charger() -> None:
        for attempt, (command, part) in enumerate(
            [("STOR", DATA[:cut]), ("APPE", DATA[cut:])]  # the link dropped after `cut`
        ):
            with ftplib.FTP(timeout=5) as ftp:
                ftp.connect("127.0.0.1", server.ports.ftp)
                ftp.login(upload.ftp_user, upload.ftp_password)
                if form == "folder":  # ftp://u:p@host/<token>/: change into it, store a name
                    ftp.cwd(upload.token)
                    target = "diag.log"
                else:  # ftp://u:p@host/<token>/diag.log: store at that path as it is
                    target = f"/{upload.token}/diag.log"
                ftp.storbinary(f"{command} {target}", io.BytesIO(part))
                assert attempt == 0 or ftp.size(target) == len(DATA)

    await asyncio.to_thread(charger)
    assert (upload.directory / "diag.log").read_bytes() == DATA
    assert sorted(p.name for p in upload.directory.iterdir()) == ["diag.log"]
    complete = [r for r in events.of(UploadReceived) if r.size == len(DATA)]
    assert [r.sha256 for r in complete] == [sha256(DATA)]
