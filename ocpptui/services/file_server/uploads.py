"""Writing a charger's upload to disk: capped, hashed, and off the event loop."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import hashlib
import os
import time
from pathlib import Path
from typing import Any, BinaryIO

from .budgets import UploadBudget
from .names import create_unique_file, safe_upload_name
from .offers import hash_file

FLUSH_BYTES = 1 << 20
"""Network chunks are gathered to 1 MiB before a worker thread writes them: one thread hop
per megabyte instead of per 8 KiB packet, and the event loop never waits on the disk."""


class DiskFull(Exception):
    """The laptop's disk (or the user's quota) is full: the upload cannot be stored."""


#: Errors that mean "no room on the disk", as opposed to a broken file or folder.
_NO_ROOM = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


def open_upload_file(path: Path) -> BinaryIO:
    """The file an upload is written to (a seam for tests that fill the disk)."""
    return path.open("r+b")


def default_upload_name() -> str:
    """For a charger that names nothing: the URL ends at the token, no multipart file name."""
    return time.strftime("upload-%Y%m%d-%H%M%S.bin")


def size_or_none(path: Path | None) -> int | None:
    """The file's size; None when there is no file (or it cannot be read)."""
    if path is None:
        return None
    try:
        return path.stat().st_size
    except OSError:
        return None


def new_upload_path(directory: Path, client_name: str | None) -> Path:
    """A new, empty file for an upload, named after what the charger called it."""
    directory.mkdir(parents=True, exist_ok=True)
    return create_unique_file(directory, safe_upload_name(client_name, default_upload_name()))


class UploadFile:
    """An upload being written: the bytes so far, the offer's cap, and its SHA-256.

    `offset` > 0 resumes a partial file (FTP REST/APPE); the hash then comes from reading
    the whole file at the end, since the first part arrived in an earlier transfer.
    Writing raises UploadTooLarge past the offer's cap, UploadWithdrawn once the offer is
    withdrawn, and DiskFull when the disk has no room left.
    """

    def __init__(self, path: Path, *, budget: UploadBudget, offset: int = 0) -> None:
        self.path = path
        self.size = offset
        self._budget = budget
        budget.grow(path, offset)
        self._file: BinaryIO = open_upload_file(path)
        if offset:
            self._file.seek(offset)
            self._file.truncate()
        self._hash = None if offset else hashlib.sha256()
        self._buffer = bytearray()
        self._pending: asyncio.Future[None] | None = None

    async def write(self, data: bytes) -> None:
        """Take the next chunk; past the cap (or once withdrawn) raises, having taken none of
        it."""
        self._budget.grow(self.path, self.size + len(data))
        self.size += len(data)
        self._buffer += data
        if len(self._buffer) >= FLUSH_BYTES:
            await self._flush()

    async def write_at(self, offset: int, data: bytes) -> None:
        """Write a chunk at `offset` (SFTP writes name theirs); in order, this is `write()`.

        Out of order, the chunk goes straight to disk and the hash is taken from the whole
        file at the end.
        """
        if offset == self.size:
            await self.write(data)
            return
        self._budget.grow(self.path, max(self.size, offset + len(data)))
        await self._flush()
        self._hash = None
        self.size = max(self.size, offset + len(data))
        self._pending = asyncio.ensure_future(asyncio.to_thread(self._write_block_at, offset, data))
        await _disk_errors(asyncio.shield(self._pending))

    def _write_block_at(self, offset: int, data: bytes) -> None:
        self._file.seek(offset)
        self._file.write(data)
        self._file.seek(self.size)

    async def complete(self) -> str:
        """Write what is left, close the file, and return its SHA-256."""
        await self._flush()
        await self._close()
        if self._hash is not None:
            return self._hash.hexdigest()
        _, sha256 = await asyncio.to_thread(hash_file, self.path)
        return sha256

    async def keep_partial(self) -> bool:
        """Close, keeping what arrived: an FTP client may resume it with REST or APPE.
        False when the disk had no room for the last of it: the file is removed then (a
        partial file on a full disk helps nobody)."""
        try:
            await self._flush()
            await self._close()
        except DiskFull:
            await self.discard()
            return False
        return True

    async def discard(self) -> None:
        """Close and delete the file (whatever state the disk left it in)."""
        self._buffer.clear()
        with contextlib.suppress(OSError):  # a full disk fails the close's last flush too
            await self._close()
        await asyncio.to_thread(_unlink_quietly, self.path)
        self._budget.forget(self.path)

    async def _flush(self) -> None:
        if not self._buffer:
            return
        data = bytes(self._buffer)
        self._buffer.clear()
        self._pending = asyncio.ensure_future(asyncio.to_thread(self._write_block, data))
        # Shielded: if our task is cancelled, the thread still finishes this block, and
        # _close() waits for it, so the file is never closed under a running write.
        await _disk_errors(asyncio.shield(self._pending))

    def _write_block(self, data: bytes) -> None:
        self._file.write(data)
        if self._hash is not None:
            self._hash.update(data)

    async def _close(self) -> None:
        if self._pending is not None and not self._pending.done():
            await asyncio.wait([self._pending])
        if not self._file.closed:
            await _disk_errors(asyncio.to_thread(self._file.close))


async def _disk_errors(step: asyncio.Future[None] | Any) -> None:
    """Await a disk write; "no space left" becomes DiskFull, with the system's words."""
    try:
        await step
    except OSError as exc:
        if exc.errno in _NO_ROOM:
            raise DiskFull(
                f"the laptop's disk is full ({exc.strerror or exc}): free space and retry"
            ) from exc
        raise


def _unlink_quietly(path: Path) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
