"""URLs as shown to the technician: the per-transfer password hidden."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

MASK = "****"


def masked_url(url: str | None) -> str:
    """`url` with the password of its `user:password@` part shown as `****`, for display.

    `ftp://u1:s3cret@host:2121/t/f.bin` → `ftp://u1:****@host:2121/t/f.bin`. URLs without a
    password come back unchanged; a malformed one still never shows what follows the `:`.
    """
    if not url:
        return url or ""
    try:
        parts = urlsplit(url)
        has_password = parts.password is not None
    except ValueError:
        has_password = "@" in url
        parts = None
    if not has_password:
        return url
    if parts is None:
        scheme, sep, rest = url.partition("://")
        user_info, _, host = rest.partition("@")
        user = user_info.split(":", 1)[0]
        return f"{scheme}{sep}{user}:{MASK}@{host}"
    user_info, _, host = parts.netloc.rpartition("@")
    user = user_info.split(":", 1)[0]
    return urlunsplit(parts._replace(netloc=f"{user}:{MASK}@{host}"))
