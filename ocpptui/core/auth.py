"""HTTP Basic authentication of chargers (OCPP security profiles 1 and 2).

The header is `Basic base64(<identity>:<password>)`. In OCPP 1.6 the password is the
`AuthorizationKey`, configured on the charger as hex text but sent as the *decoded bytes*,
which need not be UTF-8 (OCPP-J 1.6 §6.2.2's own example is bytes 00..FF); in 2.0.1 it is the
`BasicAuthPassword` text. The header is therefore parsed as bytes here: some WebSocket
library versions answer HTTP 500 to non-UTF-8 passwords.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import string
from dataclasses import dataclass, field
from enum import StrEnum


class PasswordForm(StrEnum):
    TEXT = "password text"  # the bytes are the password as UTF-8 (2.0.1 BasicAuthPassword)
    KEY_BYTES = "AuthorizationKey bytes"  # the bytes are the hex key decoded (1.6, correct)
    KEY_HEX_TEXT = "AuthorizationKey as hex text"  # the hex text itself (a common mistake)


@dataclass(slots=True)
class AuthConfig:
    """Who may connect. With `required` False every charger is let in (security profile 0)."""

    required: bool = False
    passwords: dict[str, str] = field(default_factory=dict)  # identity → password or hex key
    default_password: str | None = None
    accept_hex_text: bool = True  # lenient: also accept a 1.6 key sent as its hex text
    # After failed attempts from an address its answers wait 0.5, 1, 2 ... s, at most this
    # long (`auth_backoff.AuthBackoff`); 0 turns the backoff off.
    backoff_max: float = 8.0

    def password_for(self, identity: str) -> str | None:
        return self.passwords.get(identity, self.default_password)


@dataclass(frozen=True, slots=True)
class AuthResult:
    ok: bool
    user: str | None
    reason: str
    form: PasswordForm | None = None


def parse_basic(header: str | bytes | None) -> tuple[str, bytes] | None:
    """(user, password bytes) from a Basic Authorization header, or None if malformed."""
    if header is None:
        return None
    raw = header.encode("latin-1", "replace") if isinstance(header, str) else header
    scheme, _, token = raw.strip().partition(b" ")
    if scheme.lower() != b"basic" or not token:
        return None
    try:
        decoded = base64.b64decode(token.strip(), validate=True)
    except (binascii.Error, ValueError):
        return None
    user, separator, password = decoded.partition(b":")
    if not separator:
        return None
    return user.decode("utf-8", "replace"), password


def _hex_bytes(text: str) -> bytes | None:
    cleaned = text.strip()
    if not cleaned or len(cleaned) % 2 or any(c not in string.hexdigits for c in cleaned):
        return None
    return bytes.fromhex(cleaned)


def check_basic_auth(
    config: AuthConfig, identity: str, header: str | bytes | None, *, only_16: bool = False
) -> AuthResult:
    """Decide whether the charger `identity` may connect with this Authorization header.

    `only_16`: the charger offered only OCPP 1.6, so a hex password is an AuthorizationKey and
    its text form counts only when `accept_hex_text` (lenient) allows it.
    """
    if not config.required:
        parsed = parse_basic(header)
        return AuthResult(True, parsed[0] if parsed else None, "no authentication required")
    if header is None:
        return AuthResult(False, None, f"no password sent for {identity} (security profile 1/2)")
    parsed = parse_basic(header)
    if parsed is None:
        return AuthResult(False, None, "malformed Authorization header (expected Basic)")
    user, password = parsed
    if user != identity:
        return AuthResult(
            False, user, f"user name {user!r} is not the charge point identity {identity!r}"
        )
    expected = config.password_for(identity)
    if expected is None:
        return AuthResult(False, user, f"no password configured for {identity}")
    candidates: list[tuple[PasswordForm, bytes]] = []
    key = _hex_bytes(expected)
    if key is not None:
        candidates.append((PasswordForm.KEY_BYTES, key))
        if config.accept_hex_text:
            candidates.append((PasswordForm.KEY_HEX_TEXT, expected.strip().encode()))
    if key is None or not only_16:
        candidates.append((PasswordForm.TEXT, expected.encode("utf-8")))
    for form, wanted in candidates:
        if hmac.compare_digest(password, wanted):
            return AuthResult(True, user, f"password accepted ({form.value})", form)
    return AuthResult(False, user, f"wrong password for {identity}")
