"""Security profiles 1-3 against a real server on 127.0.0.1, with certificates made in the test."""

from __future__ import annotations

import base64
import datetime
import ssl
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidMessage, InvalidStatus

from ocpptui.core.attempts import Outcome
from ocpptui.core.auth import AuthConfig, PasswordForm, check_basic_auth, parse_basic
from ocpptui.core.clock import Clock
from ocpptui.core.config import CsmsConfig
from ocpptui.core.events import ConnectionRefused
from ocpptui.core.hub import Hub
from ocpptui.services.security_setup import SecuritySetupError, apply_security
from ocpptui.services.tls import TlsFiles, create_ca, ensure_certificates, sign_csr
from ocpptui.settings.model import SecuritySettings
from tests.helpers import wait_for

# OCPP-J 1.6 §6.2.2's example AuthorizationKey: the 20 bytes 00 01 02 ... (not UTF-8).
KEY_HEX = "0001020304050607FFFFFFFFFFFFFFFFFFFFFFFF"


def basic(user: str, password: bytes) -> str:
    return "Basic " + base64.b64encode(user.encode() + b":" + password).decode()


# ----------------------------------------------------------------------------- basic auth (pure)


def test_authorization_key_bytes_that_are_not_utf8() -> None:
    config = AuthConfig(required=True, passwords={"AL1000": KEY_HEX})
    header = basic("AL1000", bytes.fromhex(KEY_HEX))
    assert parse_basic(header) == ("AL1000", bytes.fromhex(KEY_HEX))
    result = check_basic_auth(config, "AL1000", header, only_16=True)
    assert result.ok and result.form is PasswordForm.KEY_BYTES


def test_hex_text_is_accepted_only_when_lenient() -> None:
    header = basic("AL1000", KEY_HEX.encode())
    lenient = AuthConfig(required=True, passwords={"AL1000": KEY_HEX}, accept_hex_text=True)
    strict = AuthConfig(required=True, passwords={"AL1000": KEY_HEX}, accept_hex_text=False)
    result = check_basic_auth(lenient, "AL1000", header, only_16=True)
    assert result.ok and result.form is PasswordForm.KEY_HEX_TEXT
    assert not check_basic_auth(strict, "AL1000", header, only_16=True).ok


@pytest.mark.parametrize(
    ("identity", "header", "reason"),
    [
        ("CP-1", None, "no password sent for CP-1"),
        ("CP-1", "Bearer abc", "malformed Authorization header"),
        ("CP-1", "Basic !!!", "malformed Authorization header"),
        ("CP-1", basic("CP-2", b"secret-password-1"), "is not the charge point identity"),
        ("CP-1", basic("CP-1", b"wrong"), "wrong password for CP-1"),
    ],
)
def test_basic_auth_refusals_say_why(identity: str, header: str | None, reason: str) -> None:
    config = AuthConfig(required=True, default_password="secret-password-1")
    result = check_basic_auth(config, identity, header)
    assert not result.ok and reason in result.reason


# ----------------------------------------------------------------------------- servers


@pytest.fixture
def tls_files(tmp_path: Path) -> TlsFiles:
    return ensure_certificates(tmp_path / "tls", ["localhost", "127.0.0.1"])


async def start_hub(tmp_path: Path, security: SecuritySettings) -> Hub:
    config = CsmsConfig(port=0)
    apply_security(config, security, tmp_path)
    hub = Hub(config, sessions_dir=tmp_path / "sessions")
    await hub.start_server("127.0.0.1", 0)
    return hub


@pytest.fixture
async def basic_hub(tmp_path: Path) -> AsyncIterator[Hub]:
    hub = await start_hub(
        tmp_path, SecuritySettings(profile=1, passwords={"CP-1": "secret-password-1"})
    )
    yield hub
    await hub.stop()


async def test_profile_1_right_password_connects(basic_hub: Hub) -> None:
    url = f"ws://127.0.0.1:{basic_hub.servers[0].port}/CP-1"
    header = basic("CP-1", b"secret-password-1")
    async with connect(url, subprotocols=["ocpp1.6"], additional_headers={"Authorization": header}):  # type: ignore[list-item]
        await wait_for(lambda: basic_hub.chargers.get("CP-1") is not None)
    info = basic_hub.chargers["CP-1"].session.transport.info
    assert "password accepted" in info.extra["auth"]


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({}, "no password sent for CP-1"),
        ({"Authorization": basic("CP-1", b"nope")}, "wrong password for CP-1"),
    ],
)
async def test_profile_1_wrong_or_missing_password_gets_401(
    basic_hub: Hub, headers: dict, reason: str
) -> None:
    events: list = []
    basic_hub.subscribe(events.append)
    url = f"ws://127.0.0.1:{basic_hub.servers[0].port}/CP-1"
    with pytest.raises(InvalidStatus) as caught:
        async with connect(url, subprotocols=["ocpp1.6"], additional_headers=headers):  # type: ignore[list-item]
            pass
    assert caught.value.response.status_code == 401
    assert "Basic" in caught.value.response.headers["WWW-Authenticate"]
    assert not basic_hub.chargers  # never a session
    refused = [e for e in events if isinstance(e, ConnectionRefused)]
    assert reason in refused[-1].reason


async def test_profile_1_raw_key_bytes_over_the_wire(tmp_path: Path) -> None:
    hub = await start_hub(tmp_path, SecuritySettings(profile=1, passwords={"AL1000": KEY_HEX}))
    try:
        url = f"ws://127.0.0.1:{hub.servers[0].port}/AL1000"
        header = basic("AL1000", bytes.fromhex(KEY_HEX))
        async with connect(
            url, subprotocols=["ocpp1.6"], additional_headers={"Authorization": header}
        ):  # type: ignore[list-item]
            await wait_for(lambda: "AL1000" in hub.chargers)
        assert (
            "AuthorizationKey bytes" in hub.chargers["AL1000"].session.transport.info.extra["auth"]
        )
    finally:
        await hub.stop()


def client_context(ca: Path, *, cipher: str | None = None) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=str(ca))
    if cipher:
        context.maximum_version = ssl.TLSVersion.TLSv1_2  # TLS 1.3 suites cannot be narrowed so
        context.set_ciphers(cipher)
    return context


async def test_profile_2_tls_with_basic_auth(tmp_path: Path, tls_files: TlsFiles) -> None:
    hub = await start_hub(tmp_path, SecuritySettings(profile=2, default_password="pw-for-all-0001"))
    try:
        url = f"wss://localhost:{hub.servers[0].port}/CP-T"
        header = basic("CP-T", b"pw-for-all-0001")
        async with connect(
            url,
            subprotocols=["ocpp2.0.1"],  # type: ignore[list-item]
            additional_headers={"Authorization": header},
            ssl=client_context(tls_files.ca_cert),
        ):
            await wait_for(lambda: "CP-T" in hub.chargers)
        info = hub.chargers["CP-T"].session.transport.info
        assert info.secure and info.tls_version in ("TLSv1.2", "TLSv1.3")
        assert info.summary.startswith("wss from")
        assert info.extra["SNI"] == "localhost"
        assert hub.attempts[-1].sni == "localhost" and hub.attempts[-1].tls_version
    finally:
        await hub.stop()


@pytest.mark.parametrize("cipher", ["AES128-GCM-SHA256", "AES256-GCM-SHA384"])
async def test_static_rsa_cipher_suites_that_ocpp_requires(
    tmp_path: Path, tls_files: TlsFiles, cipher: str
) -> None:
    hub = await start_hub(tmp_path, SecuritySettings(profile=2, default_password="pw-for-all-0001"))
    try:
        url = f"wss://localhost:{hub.servers[0].port}/CP-R"
        async with connect(
            url,
            subprotocols=["ocpp1.6"],  # type: ignore[list-item]
            additional_headers={"Authorization": basic("CP-R", b"pw-for-all-0001")},
            ssl=client_context(tls_files.ca_cert, cipher=cipher),
        ):
            await wait_for(lambda: "CP-R" in hub.chargers)
        assert hub.chargers["CP-R"].session.transport.info.cipher == cipher
    finally:
        await hub.stop()


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
async def test_tls_1_1_client_is_refused(tmp_path: Path, tls_files: TlsFiles) -> None:
    hub = await start_hub(tmp_path, SecuritySettings(profile=2, default_password="pw-for-all-0001"))
    try:
        context = client_context(tls_files.ca_cert)
        context.minimum_version = ssl.TLSVersion.TLSv1
        context.maximum_version = ssl.TLSVersion.TLSv1_1
        context.set_ciphers("ALL:@SECLEVEL=0")
        with pytest.raises((ssl.SSLError, ConnectionError)):
            async with connect(
                f"wss://localhost:{hub.servers[0].port}/CP-OLD",
                subprotocols=["ocpp1.6"],  # type: ignore[list-item]
                ssl=context,
            ):
                pass
        assert not hub.chargers
    finally:
        await hub.stop()


def charger_certificate(folder: Path, files: TlsFiles, serial: str) -> tuple[Path, Path]:
    """A charger key and a certificate signed by the local CA through `sign_csr`."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(
            x509.Name(
                [
                    x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Example CPO"),
                    x509.NameAttribute(NameOID.COMMON_NAME, serial),
                ]
            )
        )
        .sign(key, hashes.SHA256())
    )
    chain = sign_csr(
        files,
        csr.public_bytes(serialization.Encoding.PEM).decode(),
        identity=serial,
        organisation="Example CPO",
    )
    cert_path, key_path = folder / f"{serial}.pem", folder / f"{serial}-key.pem"
    cert_path.write_text(chain)
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


async def test_profile_3_mutual_tls(tmp_path: Path, tls_files: TlsFiles) -> None:
    hub = await start_hub(tmp_path, SecuritySettings(profile=3))
    url = f"wss://localhost:{hub.servers[0].port}/SERIAL-0042"
    try:
        cert, key = charger_certificate(tmp_path, tls_files, "SERIAL-0042")
        context = client_context(tls_files.ca_cert)
        context.load_cert_chain(cert, key)
        async with connect(url, subprotocols=["ocpp2.0.1"], ssl=context):  # type: ignore[list-item]
            await wait_for(lambda: "SERIAL-0042" in hub.chargers)
        info = hub.chargers["SERIAL-0042"].session.transport.info
        assert "CN=SERIAL-0042" in info.client_certificate
        assert "O=Example CPO" in info.client_certificate
        assert info.summary.endswith("mTLS")

        # without a client certificate
        with pytest.raises((ssl.SSLError, OSError, InvalidMessage)):
            async with connect(
                url, subprotocols=["ocpp2.0.1"], ssl=client_context(tls_files.ca_cert)
            ) as ws:  # type: ignore[list-item]
                await ws.recv()
        # with a certificate from another CA
        other = TlsFiles.in_folder(tmp_path / "other")
        other.ca_cert.parent.mkdir()
        create_ca(other, "Somebody else")
        bad_cert, bad_key = charger_certificate(tmp_path, other, "SERIAL-BAD")
        context = client_context(tls_files.ca_cert)
        context.load_cert_chain(bad_cert, bad_key)
        with pytest.raises((ssl.SSLError, OSError, InvalidMessage)):
            async with connect(
                url.replace("0042", "BAD"), subprotocols=["ocpp2.0.1"], ssl=context
            ) as ws:  # type: ignore[list-item]
                await ws.recv()
        assert "SERIAL-BAD" not in hub.chargers
    finally:
        await hub.stop()


def ca_issued(files: TlsFiles, folder: Path, name: str, *, common_name: str, san: str | None):
    """A client certificate made straight from the local CA (not through sign_csr, which
    names only the asking charger): any subject and subjectAltName."""
    from ocpptui.services.tls import load_ca

    ca_certificate, ca_key = load_ca(files)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]))
        .issuer_name(ca_certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
    )
    if san is not None:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName(san)]), critical=False
        )
    certificate = builder.sign(ca_key, hashes.SHA256())
    cert_path, key_path = folder / f"{name}.pem", folder / f"{name}-key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


async def test_profile_3_the_certificate_must_name_the_identity(
    tmp_path: Path, tls_files: TlsFiles
) -> None:
    hub = await start_hub(tmp_path, SecuritySettings(profile=3))
    port = hub.servers[0].port
    try:
        # SERIAL-0042's own certificate, used to connect as SERIAL-0043
        cert, key = charger_certificate(tmp_path, tls_files, "SERIAL-0042")
        context = client_context(tls_files.ca_cert)
        context.load_cert_chain(cert, key)
        with pytest.raises(InvalidStatus) as caught:
            async with connect(
                f"wss://localhost:{port}/SERIAL-0043", subprotocols=["ocpp2.0.1"], ssl=context
            ):  # type: ignore[list-item]
                pass
        assert caught.value.response.status_code == 401
        assert b"does not name the charge point 'SERIAL-0043'" in caught.value.response.body
        assert "SERIAL-0043" not in hub.chargers
        attempt = hub.attempts[-1]
        assert attempt.identity == "SERIAL-0043" and "CN=SERIAL-0042" in attempt.reason
        assert attempt.advice is not None and "CN is the charger's identity" in attempt.advice

        # A subjectAltName naming the identity is as good as the CN.
        cert, key = ca_issued(
            tls_files, tmp_path, "by-san", common_name="Vendor device", san="SERIAL-0044"
        )
        context = client_context(tls_files.ca_cert)
        context.load_cert_chain(cert, key)
        async with connect(
            f"wss://localhost:{port}/SERIAL-0044", subprotocols=["ocpp2.0.1"], ssl=context
        ):  # type: ignore[list-item]
            await wait_for(lambda: "SERIAL-0044" in hub.chargers)
    finally:
        await hub.stop()


def test_security_setup_explains_what_is_missing(tmp_path: Path) -> None:
    with pytest.raises(SecuritySetupError, match="needs passwords"):
        apply_security(CsmsConfig(), SecuritySettings(profile=1), tmp_path)
    with pytest.raises(SecuritySetupError, match="ocpp-tui certs"):
        apply_security(CsmsConfig(), SecuritySettings(profile=2, default_password="x"), tmp_path)


class SteppingClock(Clock):
    """Time moves only by what the server sleeps, or by `advance`: no real waiting."""

    def __init__(self) -> None:
        self.time = 1_000.0
        self.slept: list[float] = []

    def wall(self) -> float:
        return self.time

    def mono(self) -> float:
        return self.time

    def advance(self, seconds: float) -> None:
        self.time += seconds

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.advance(seconds)


async def test_password_guessing_is_slowed_per_address(tmp_path: Path) -> None:
    clock = SteppingClock()
    config = CsmsConfig(port=0)
    apply_security(
        config, SecuritySettings(profile=1, passwords={"CP-1": "right-password-1"}), tmp_path
    )
    hub = Hub(config, sessions_dir=tmp_path / "sessions", clock=clock)
    await hub.start_server("127.0.0.1", 0)
    url = f"ws://127.0.0.1:{hub.servers[0].port}/CP-1"

    async def attempt(password: bytes, source: str = "127.0.0.1") -> int:
        headers = {"Authorization": basic("CP-1", password)}
        try:
            async with connect(
                url,
                subprotocols=["ocpp1.6"],  # type: ignore[list-item]
                additional_headers=headers,
                local_addr=(source, 0),
            ):
                await wait_for(lambda: "CP-1" in hub.chargers)
        except InvalidStatus as refused:
            return refused.response.status_code
        return 101

    try:
        assert [await attempt(b"guess-%d" % n) for n in range(4)] == [401] * 4
        guesses = list(hub.attempts)
        # Each wrong password doubles the wait of the next answer to that address ...
        assert [a.held_back for a in guesses] == [0.0, 0.5, 1.0, 2.0]
        assert clock.slept == [0.5, 1.0, 2.0]
        assert "1 failed attempt from 127.0.0.1: its next answer waits 0.5 s" in guesses[0].reason
        assert guesses[3].reason.endswith(
            "4 failed attempts from 127.0.0.1: its next answer waits 4 s (this one waited 2 s)"
        )
        # ... up to [security] auth_backoff_max.
        assert hub.auth_backoff.wait_after(10) == 8.0
        # Another address is not slowed by this one's guesses.
        assert await attempt(b"guess-x", "127.0.0.2") == 401
        assert hub.attempts[-1].held_back == 0.0

        # Once the wait has passed, the right password connects at once.
        clock.advance(4)
        assert await attempt(b"right-password-1") == 101
        assert hub.attempts[-1].outcome is Outcome.ACCEPTED
        assert hub.attempts[-1].held_back == 0.0
        assert clock.slept == [0.5, 1.0, 2.0]
        assert hub.auth_backoff.failures("127.0.0.1") == 0
    finally:
        await hub.stop()
