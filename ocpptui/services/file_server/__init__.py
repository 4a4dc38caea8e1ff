"""The laptop's file server: firmware images out, diagnostics and logs in (HTTP(S) and FTP).

server = FileServer(advertise_host="192.0.2.2", upload_dir=session_dir)
ports = await server.start()
offer = await server.offer_file_async(Path("fw.bin"))   # offer.http_url, offer.ftp_url
upload = server.offer_upload(label="CP-1 diagnostics")  # upload.http_url, upload.ftp_url
unsubscribe = server.subscribe(on_event)                 # events.py
server.withdraw(offer.token)
await server.stop()
"""

from .events import (
    FileServerEvent,
    RequestLogged,
    RequestRefused,
    Transfer,
    TransferAborted,
    TransferFinished,
    TransferProgress,
    TransferStarted,
    UploadReceived,
)
from .offers import Offer, UploadOffer
from .server import (
    DEFAULT_FTP_PASSIVE_PORTS,
    DEFAULT_FTP_PORT,
    DEFAULT_HTTP_PORT,
    DEFAULT_HTTPS_PORT,
    DEFAULT_MAX_UPLOAD_BYTES,
    BoundPorts,
    FileServer,
)

__all__ = [
    "DEFAULT_FTP_PASSIVE_PORTS",
    "DEFAULT_FTP_PORT",
    "DEFAULT_HTTPS_PORT",
    "DEFAULT_HTTP_PORT",
    "DEFAULT_MAX_UPLOAD_BYTES",
    "BoundPorts",
    "FileServer",
    "FileServerEvent",
    "Offer",
    "RequestLogged",
    "RequestRefused",
    "Transfer",
    "TransferAborted",
    "TransferFinished",
    "TransferProgress",
    "TransferStarted",
    "UploadOffer",
    "UploadReceived",
]
