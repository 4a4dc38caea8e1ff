"""The laptop's file server: firmware images out, diagnostics and logs in (HTTP(S), FTP, SFTP).

server = FileServer(advertise_host="192.0.2.2", upload_dir=session_dir,
                    enable_sftp=True, sftp_host_key_folder=data_dir / "ssh")
ports = await server.start()
offer = await server.offer_file_async(Path("fw.bin"))   # offer.http_url, .ftp_url, .sftp_url
upload = server.offer_upload(label="CP-1 diagnostics")  # upload.http_url, .ftp_url, .sftp_url
unsubscribe = server.subscribe(on_event)                 # events.py
masked_url(offer.ftp_url)                                # for display: password as ****
server.withdraw(offer.token)
await server.stop()

No explicit FTPS (AUTH TLS): see `ftp.py` for why.
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
    DEFAULT_SFTP_PORT,
    BoundPorts,
    FileServer,
)
from .urls import masked_url

__all__ = [
    "DEFAULT_FTP_PASSIVE_PORTS",
    "DEFAULT_FTP_PORT",
    "DEFAULT_HTTPS_PORT",
    "DEFAULT_HTTP_PORT",
    "DEFAULT_MAX_UPLOAD_BYTES",
    "DEFAULT_SFTP_PORT",
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
    "masked_url",
]
