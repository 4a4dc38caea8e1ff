"""HTTP(S) side of the file server, on aiohttp: downloads with Range, uploads by PUT/POST."""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import socket
import ssl
import stat
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import IO, Any, TypeVar
from urllib.parse import unquote

from aiohttp import BodyPartReader, hdrs, web
from aiohttp.abc import AbstractAccessLogger, AbstractStreamWriter
from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.multipart import content_disposition_filename, parse_content_disposition
from aiohttp.web_urldispatcher import _default_expect_handler

from ocpptui.core.accept_guard import accept_guard, http_refusal

from .budgets import UploadTooLarge, UploadWithdrawn
from .events import (
    EventBus,
    Protocol,
    RequestLogged,
    RequestRefused,
    Transfer,
    UploadReceived,
)
from .limits import AdmittedProtocol, ConnectionCounter
from .offers import Offer, OfferRegistry, UploadOffer
from .progress import TransferMeter
from .request_paths import PathRefused, Target, http_target, token_of_path
from .uploads import DiskFull, UploadFile, new_upload_path

log = logging.getLogger(__name__)

READ_CHUNK = 256 * 1024
STALL_TIMEOUT = 120.0
"""A charger that neither sends nor reads for this long has gone away (generous: chargers
on 2G links move a few kB/s)."""
SHUTDOWN_TIMEOUT = 0.5
"""How long stop() lets a running transfer go on before closing its connection."""
LINGERING_TIME = 2.0
"""After refusing an oversized upload, how long to swallow the rest of its body before closing
(closing with unread data resets the connection, and the charger may never see the 413)."""

_MOVED_BYTES = web.RequestKey("ocpptui_moved_bytes", int)

ReadChunk = Callable[[], Awaitable[bytes]]
T = TypeVar("T")


class HttpFrontend:
    """The aiohttp application and its listening sockets (HTTP, and HTTPS when given TLS)."""

    def __init__(
        self,
        registry: OfferRegistry,
        events: EventBus,
        counter: ConnectionCounter,
    ) -> None:
        self._registry = registry
        self._events = events
        self._counter = counter
        self._runner: web.AppRunner | None = None
        self._sockets: list[socket.socket] = []

    async def start(
        self, bind_host: str, port: int, tls_port: int | None, ssl_context: ssl.SSLContext | None
    ) -> tuple[int, int | None]:
        """Listen; returns the bound HTTP port and HTTPS port (None without TLS)."""
        app = web.Application()
        # Every path reaches _handle (even with a decoded newline), so every refusal is logged.
        app.router.add_route("*", r"/{tail:[\s\S]*}", self._handle, expect_handler=self._expect)
        runner = web.AppRunner(
            app,
            access_log_class=_request_recorder(self._record),
            access_log=log,
            shutdown_timeout=SHUTDOWN_TIMEOUT,
            lingering_time=LINGERING_TIME,
            # aiohttp closes a connection that has not sent a whole request this long after
            # it opened (or after its previous request): headers sent a byte a minute
            # (slowloris) end there.
            keepalive_timeout=self._counter.limits.request_timeout,
        )
        await runner.setup()
        self._runner = runner
        guard = accept_guard()
        try:
            http_sock = _listen(bind_host, port)
            self._sockets.append(http_sock)
            await _AdmittingSite(runner, http_sock, self._admitted).start()
            guard.register(http_sock, "http", http_refusal(_OUT_OF_DESCRIPTORS))
            bound_tls_port = None
            if ssl_context is not None:
                tls_sock = _listen(bind_host, tls_port or 0)
                self._sockets.append(tls_sock)
                await _AdmittingSite(
                    runner, tls_sock, self._admitted, ssl_context=ssl_context
                ).start()
                guard.register(tls_sock, "https")
                bound_tls_port = tls_sock.getsockname()[1]
        except BaseException:
            await self.stop()
            raise
        return http_sock.getsockname()[1], bound_tls_port

    async def stop(self) -> None:
        guard = accept_guard()
        for sock in self._sockets:
            guard.unregister(sock)
        self._sockets.clear()
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    def _admitted(self, inner: Callable[[], asyncio.Protocol]) -> AdmittedProtocol:
        return AdmittedProtocol(inner, self._counter, self._refused_connection)

    def _refused_connection(self, address: str, reason: str) -> None:
        self._events.emit(RequestRefused("http", address, "CONNECT", "", 503, reason))

    # ------------------------------------------------------------------ routing

    async def _expect(self, request: web.Request) -> web.StreamResponse | None:
        """Refuse before the body is sent when we can (curl sends `Expect: 100-continue`)."""
        checked = self._check(request)
        if isinstance(checked, web.StreamResponse):
            return checked
        return await _default_expect_handler(request)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        checked = self._check(request)
        if isinstance(checked, web.StreamResponse):
            return checked
        offer, target = checked
        if isinstance(offer, Offer):
            return _TrackedFileResponse(offer.path, self._download_meter(request, offer))
        return await self._receive(request, offer, target.name)

    def _check(self, request: web.Request) -> tuple[Offer | UploadOffer, Target] | web.Response:
        """The offer a request may use, or the refusal to send."""
        try:
            target = http_target(request.raw_path)
        except PathRefused as refused:
            return self._refuse(request, 404, str(refused))
        offer = self._registry.get(target.token)
        if offer is None:
            return self._refuse(request, 404, "unknown or withdrawn token")
        if isinstance(offer, Offer):
            if request.method not in ("GET", "HEAD"):
                return self._refuse(request, 405, "download URL used for an upload", "GET, HEAD")
            if target.name != offer.file_name:
                return self._refuse(request, 404, "wrong file name for this token")
            return offer, target
        if request.method not in ("PUT", "POST"):
            return self._refuse(request, 405, "upload URL used for a download", "PUT, POST")
        length = request.content_length
        budget = self._registry.budget(offer.token)
        if length is not None and length > budget.remaining:
            return self._refuse(
                request,
                413,
                f"upload of {length} bytes is over the cap ({budget.remaining} of "
                f"{budget.max_bytes} bytes left for this offer)",
            )
        return offer, target

    def _refuse(
        self, request: web.BaseRequest, status: int, reason: str, allow: str | None = None
    ) -> web.Response:
        protocol, client = _protocol(request), _client(request)
        path = request.raw_path
        self._events.emit(
            RequestRefused(
                protocol, client, request.method, path, status, reason, token_of_path(path)
            )
        )
        response = web.Response(status=status, text=f"{status}\n")
        if allow:
            response.headers[hdrs.ALLOW] = allow
        return response

    def _record(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        moved = request.get(_MOVED_BYTES)
        self._events.emit(
            RequestLogged(
                _protocol(request),
                _client(request),
                request.method,
                request.raw_path,
                response.status,
                moved if moved is not None else response.body_length,
                time,
                token_of_path(request.raw_path),
            )
        )

    # ---------------------------------------------------------------- downloads

    def _download_meter(
        self, request: web.Request, offer: Offer
    ) -> Callable[[int, int], TransferMeter]:
        def start(offset: int, count: int) -> TransferMeter:
            transfer = Transfer(
                self._events.next_transfer_id(),
                _protocol(request),
                "download",
                _client(request),
                offer.token,
                offer.file_name,
                count,
                offset,
            )
            return _RequestMeter(self._events, transfer, request)

        return start

    # ------------------------------------------------------------------ uploads

    async def _receive(
        self, request: web.Request, offer: UploadOffer, url_name: str | None
    ) -> web.Response:
        """Store a PUT or POST body (raw, or each file of a multipart form)."""
        received: list[UploadReceived] = []
        try:
            if request.method == "POST" and request.content_type.startswith("multipart/"):
                async for part in await request.multipart():
                    if not isinstance(part, BodyPartReader) or part.filename is None:
                        await part.release()  # a plain form field: not a file
                        continue
                    read_chunk = functools.partial(part.read_chunk, READ_CHUNK)
                    name = _form_file_name(part.filename)
                    received.append(await self._store(request, offer, name, None, read_chunk))
                if not received:
                    return self._refuse(request, 400, "multipart upload without a file part")
            else:
                name = url_name or _content_disposition_name(request)
                received.append(
                    await self._store(
                        request, offer, name, request.content_length, request.content.readany
                    )
                )
        except UploadTooLarge as too_large:
            response = self._refuse(request, 413, str(too_large))
            response.force_close()
            return response
        except UploadWithdrawn as withdrawn:
            response = self._refuse(request, 410, f"{withdrawn}; partial file removed")
            response.force_close()
            return response
        except DiskFull as full:
            # 507 Insufficient Storage: the charger may retry later, the technician frees space.
            response = self._refuse(request, 507, f"{full}; partial file removed")
            response.force_close()
            return response
        except (ConnectionError, HttpProcessingError, ValueError) as broken:
            # The charger went away or sent a broken body (the transfer is already reported
            # aborted); this answer is for the request log, the charger may not read it.
            response = self._refuse(request, 400, f"upload incomplete: {broken}")
            response.force_close()
            return response
        lines = [f"{r.path.name} {r.size} {r.sha256}" for r in received]
        return web.Response(text="received " + "\nreceived ".join(lines) + "\n")

    async def _store(
        self,
        request: web.Request,
        offer: UploadOffer,
        client_name: str | None,
        total: int | None,
        read_chunk: ReadChunk,
    ) -> UploadReceived:
        path = await asyncio.to_thread(new_upload_path, offer.directory, client_name)
        try:
            upload = UploadFile(path, budget=self._registry.budget(offer.token))
        except BaseException:
            await asyncio.to_thread(path.unlink, missing_ok=True)
            raise
        protocol, client = _protocol(request), _client(request)
        transfer = Transfer(
            self._events.next_transfer_id(),
            protocol,
            "upload",
            client,
            offer.token,
            path.name,
            total,
        )
        meter = _RequestMeter(self._events, transfer, request)
        try:
            while chunk := await _within_stall_timeout(read_chunk()):
                await upload.write(chunk)
                meter.add(len(chunk))
            if total is not None and meter.bytes_done < total:
                raise ConnectionResetError("body shorter than its Content-Length")
            sha256 = await upload.complete()
        except BaseException as exc:
            await upload.discard()
            meter.abort(_abort_reason(exc))
            raise
        meter.finish()
        event = UploadReceived(
            offer.token, offer.label, protocol, client, client_name, path, upload.size, sha256
        )
        self._events.emit(event)
        return event


class _RequestMeter(TransferMeter):
    """A meter that also notes the moved bytes on the request, for its request-log entry."""

    def __init__(self, events: EventBus, transfer: Transfer, request: web.BaseRequest) -> None:
        super().__init__(events, transfer)
        self._request = request
        request[_MOVED_BYTES] = request.get(_MOVED_BYTES, 0)

    def add(self, count: int) -> None:
        super().add(count)
        self._request[_MOVED_BYTES] += count


class _TrackedFileResponse(web.FileResponse):
    """aiohttp's FileResponse (Range, 206/416, sendfile) with byte-level progress.

    aiohttp sends the whole range with one `loop.sendfile`; here it is sent in slices sized
    to take ~50 ms each, so progress can be reported between them at any link speed.
    Progress counts bytes handed to the network stack, which runs ahead of the charger by
    the socket buffers (a few MB at most).
    """

    _SLICE_SECONDS = 0.05
    _FIRST_SLICE = 64 * 1024  # ~10 s even at GPRS speed, well within STALL_TIMEOUT
    _MIN_SLICE = 16 * 1024
    _MAX_SLICE = 64 * 1024 * 1024

    def __init__(self, path: Path, start_meter: Callable[[int, int], TransferMeter]) -> None:
        super().__init__(path, chunk_size=READ_CHUNK)
        self._start_meter = start_meter

    def _get_file_path_stat_encoding(
        self, accept_encoding: str
    ) -> tuple[Path | None, os.stat_result, str | None]:
        # Exactly the offered file: aiohttp would otherwise serve a sibling "<name>.gz" or
        # "<name>.br" to clients accepting compression, i.e. another file from the disk.
        st = self._path.stat()
        return (self._path if stat.S_ISREG(st.st_mode) else None), st, None

    async def _sendfile(
        self, request: web.BaseRequest, fobj: IO[Any], offset: int, count: int
    ) -> AbstractStreamWriter:
        writer = await web.StreamResponse.prepare(self, request)  # status line and headers
        assert writer is not None
        meter = self._start_meter(offset, count)
        loop = asyncio.get_running_loop()
        sent, slice_size = 0, self._FIRST_SLICE
        try:
            while sent < count:
                transport = request.transport
                if transport is None or transport.is_closing():
                    raise ConnectionResetError("client closed the connection")
                size = min(slice_size, count - sent)
                began = loop.time()
                await _within_stall_timeout(loop.sendfile(transport, fobj, offset + sent, size))
                sent += size
                meter.add(size)
                # Grow at most twofold per slice: a fast first slice may only have filled
                # the kernel's socket buffers, not reached the charger.
                took = max(loop.time() - began, 1e-4)
                wanted = min(int(size * self._SLICE_SECONDS / took), 2 * size)
                slice_size = min(max(wanted, self._MIN_SLICE), self._MAX_SLICE)
            await self.write_eof()
        except BaseException as exc:
            meter.abort(_abort_reason(exc))
            raise
        meter.finish()
        return writer


class _AdmittingSite(web.SockSite):
    """aiohttp's SockSite, with each connection admitted by the file server's caps first."""

    def __init__(
        self,
        runner: web.AppRunner,
        sock: socket.socket,
        admitted: Callable[[Callable[[], asyncio.Protocol]], asyncio.Protocol],
        **options: Any,
    ) -> None:
        super().__init__(runner, sock, **options)
        self._admitted = admitted

    async def start(self) -> None:
        await web.BaseSite.start(self)
        server = self._runner.server
        assert server is not None
        self._server = await asyncio.get_running_loop().create_server(
            lambda: self._admitted(server),
            sock=self._sock,
            ssl=self._ssl_context,
            backlog=self._backlog,
        )


_OUT_OF_DESCRIPTORS = "the file server has run out of file descriptors: try again later"


def _request_recorder(
    record: Callable[[web.BaseRequest, web.StreamResponse, float], None],
) -> type[AbstractAccessLogger]:
    """An access-log class for aiohttp that hands each finished request to `record`.

    aiohttp calls its access logger for every request, including those it answers itself
    (malformed requests, a TLS handshake sent to the plain port), so nothing escapes the log.
    """

    class RequestRecorder(AbstractAccessLogger):
        def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
            try:
                record(request, response, time)
            except Exception:
                log.exception("recording an HTTP request failed")

    return RequestRecorder


async def _within_stall_timeout(step: Awaitable[T]) -> T:
    try:
        async with asyncio.timeout(STALL_TIMEOUT):
            return await step
    except TimeoutError:
        # A disconnect, as far as aiohttp is concerned: it then closes quietly.
        raise ConnectionResetError(f"no progress for {STALL_TIMEOUT:.0f} s") from None


def _abort_reason(exc: BaseException) -> str:
    if isinstance(exc, asyncio.CancelledError):
        return "server stopped"
    if isinstance(exc, UploadTooLarge | UploadWithdrawn | DiskFull):
        return f"{exc}; partial file removed"
    return f"client went away ({exc or type(exc).__name__})"


def _listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    return socket.create_server((host, port), family=family, backlog=128)


def _protocol(request: web.BaseRequest) -> Protocol:
    return "https" if request.secure else "http"


def _client(request: web.BaseRequest) -> str:
    return request.remote or "?"


def _content_disposition_name(request: web.BaseRequest) -> str | None:
    header = request.headers.get(hdrs.CONTENT_DISPOSITION)
    if not header:
        return None
    _, params = parse_content_disposition(header)
    name = content_disposition_filename(params, "filename")
    return _form_file_name(name) if name else None


def _form_file_name(name: str) -> str:
    # Browsers and aiohttp percent-encode quotes, slashes and line breaks in a form's
    # file name; decoding lets the sanitiser see (and strip) any path in it.
    return unquote(name)
