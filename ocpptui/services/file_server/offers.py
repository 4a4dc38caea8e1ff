"""What the file server offers: files to download and folders to upload into, by token."""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from .budgets import UploadBudget


@dataclass(frozen=True, slots=True, kw_only=True)
class OfferAccess:
    """How chargers reach an offer: its URLs (None for a protocol that is off) and the FTP
    login (SFTP uses it too) that opens this offer only. Keyword-only fields."""

    http_url: str
    https_url: str | None
    ftp_url: str | None
    ftp_user: str
    ftp_password: str = field(repr=False)
    sftp_url: str | None = None
    """`sftp://user:password@host:port/<token>/...`, with the FTP login; None when SFTP is off."""


@dataclass(frozen=True, slots=True)
class Offer(OfferAccess):
    """A file chargers may download, at URLs that only its token opens."""

    token: str
    path: Path
    file_name: str
    """The name in the URL (see `names.url_file_name`); the file on disk may differ."""
    size: int
    sha256: str


@dataclass(frozen=True, slots=True)
class UploadOffer(OfferAccess):
    """A folder chargers may upload into; any file name under the token is accepted."""

    token: str
    label: str
    directory: Path


@dataclass(frozen=True, slots=True)
class Credentials:
    user: str
    password: str = field(repr=False)


def new_token() -> str:
    """A URL path segment nobody can guess (128 random bits)."""
    return secrets.token_urlsafe(16)


def new_credentials() -> Credentials:
    """Per-offer FTP/SFTP login; URL-safe, so it can sit in `ftp://user:password@host/`."""
    return Credentials("u" + secrets.token_hex(6), secrets.token_urlsafe(12))


def hash_file(path: Path) -> tuple[int, str]:
    """Size and SHA-256 of a file, read in blocks (blocking: call in a thread for big files)."""
    with path.open("rb") as file:
        digest = hashlib.file_digest(file, "sha256")
        return os.fstat(file.fileno()).st_size, digest.hexdigest()


def url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


class OfferRegistry:
    """The live offers, found by URL token or by FTP login."""

    def __init__(self) -> None:
        self._by_token: dict[str, Offer | UploadOffer] = {}
        self._token_by_login: dict[str, str] = {}
        self._budgets: dict[str, UploadBudget] = {}

    def add(self, offer: Offer | UploadOffer, budget: UploadBudget | None = None) -> None:
        """Offer it; an upload offer comes with its `budget` (its cap)."""
        self._by_token[offer.token] = offer
        self._token_by_login[offer.ftp_user] = offer.token
        if budget is not None:
            self._budgets[offer.token] = budget

    def remove(self, token: str) -> Offer | UploadOffer | None:
        """Withdraw an offer: uploads running under it stop at their next chunk."""
        offer = self._by_token.pop(token, None)
        if offer is not None:
            self._token_by_login.pop(offer.ftp_user, None)
        budget = self._budgets.pop(token, None)
        if budget is not None:
            budget.withdrawn = True
        return offer

    def budget(self, token: str) -> UploadBudget:
        """The cap of an upload offer; a withdrawn one's takes no bytes."""
        budget = self._budgets.get(token)
        if budget is None:
            budget = UploadBudget(0)
            budget.withdrawn = True
        return budget

    def get(self, token: str) -> Offer | UploadOffer | None:
        return self._by_token.get(token)

    def by_ftp_login(self, login: str) -> Offer | UploadOffer | None:
        token = self._token_by_login.get(login)
        return self._by_token.get(token) if token is not None else None

    def files(self) -> list[Offer]:
        return [o for o in self._by_token.values() if isinstance(o, Offer)]

    def uploads(self) -> list[UploadOffer]:
        return [o for o in self._by_token.values() if isinstance(o, UploadOffer)]

    def clear(self) -> None:
        for token in list(self._by_token):
            self.remove(token)
