"""The simulated charger's own certificate: key pair, CSR and the check of a signed chain.

OCPP 2.0.1 A02 (and the 1.6 security extension) let the CSMS ask a charger for a certificate
signing request: the charger makes a key pair, sends a CSR (SignCertificate), and the CSMS
answers later with CertificateSigned carrying the signed chain, leaf first. The charger keeps
the chain only when it belongs to its key and is valid now; otherwise it answers Rejected.

The key never leaves memory: a simulated charger has no secure storage, and a test only needs
the key to stay the same for one charger's lifetime, across reconnects and resets.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import pairwise

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

ACCEPTED = "Accepted"
REJECTED = "Rejected"

# Reason codes of a Rejected CertificateSigned (2.0.1 statusInfo.reasonCode, at most 20
# characters); 1.6 has no statusInfo and only says Rejected.
INVALID_CERTIFICATE = "InvalidCertificate"
KEY_MISMATCH = "PublicKeyMismatch"
EXPIRED = "CertificateExpired"
NOT_YET_VALID = "CertNotYetValid"
BROKEN_CHAIN = "InvalidCertChain"

# The CN and O of a subject are limited to 64 characters (RFC 5280 ub-common-name and
# ub-organization-name); longer values would make cryptography refuse to build the CSR.
_NAME_LIMIT = 64


@dataclass(frozen=True, slots=True)
class StationCertificate:
    """A certificate chain the charger accepted: the leaf's PEM and what tests look at."""

    pem: str  # the leaf certificate alone
    chain_pem: str  # the whole chain as the CSMS sent it
    subject: str  # RFC 4514, e.g. "CN=CP-1,O=ocpp-tui"
    issuer: str
    serial_number: int
    not_before: datetime
    not_after: datetime


@dataclass(frozen=True, slots=True)
class ChainCheck:
    """The verdict on one CertificateSigned: Accepted with the certificate, or why not."""

    status: str  # Accepted or Rejected
    reason: str | None = None  # one of the reason codes above when Rejected
    detail: str | None = None  # human-readable explanation (2.0.1 additionalInfo)
    certificate: StationCertificate | None = None

    @property
    def accepted(self) -> bool:
        return self.status == ACCEPTED


class StationCertificates:
    """The charging-station key pair of one simulated charger and what came of it.

    Read-only for tests: `csr` (the last CSR sent), `sign_certificate_status` (the CSMS's
    answer to the last SignCertificate), `certificate` (the accepted leaf), `last_check`.
    """

    def __init__(self, identity: str) -> None:
        self.identity = identity
        self._key: ec.EllipticCurvePrivateKey | None = None
        self.csr: str | None = None
        self.sign_certificate_status: str | None = None
        self.certificate: StationCertificate | None = None
        self.last_check: ChainCheck | None = None

    @property
    def key(self) -> ec.EllipticCurvePrivateKey:
        """The station's private key, made on first use: EC P-256 is quick to generate, so
        a test pays nothing for it unless it asks for a CSR."""
        if self._key is None:
            self._key = ec.generate_private_key(ec.SECP256R1())
        return self._key

    def public_key_der(self) -> bytes:
        """The station's public key as DER SubjectPublicKeyInfo (for comparing keys)."""
        return _spki(self.key.public_key())

    def build_csr(self, organisation: str) -> str:
        """A PEM CSR for the station's key: CN = the identity, O = `organisation` (as in A02)."""
        subject = x509.Name(
            [
                x509.NameAttribute(NameOID.COMMON_NAME, self.identity[:_NAME_LIMIT]),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation[:_NAME_LIMIT]),
            ]
        )
        csr = (
            x509.CertificateSigningRequestBuilder()
            .subject_name(subject)
            .sign(self.key, hashes.SHA256())
        )
        self.csr = csr.public_bytes(serialization.Encoding.PEM).decode("ascii")
        return self.csr

    def check_chain(self, chain_pem: str, now: datetime | None = None) -> ChainCheck:
        """Judge a CertificateSigned chain without keeping it (see `install`)."""
        return check_chain(chain_pem, self.key.public_key(), now)

    def install(self, chain_pem: str, now: datetime | None = None) -> ChainCheck:
        """Check a CertificateSigned chain and keep it when accepted.

        A rejected chain leaves the certificate accepted earlier in place, as a charger keeps
        using its old certificate until a valid new one arrives.
        """
        verdict = self.check_chain(chain_pem, now)
        self.last_check = verdict
        if verdict.certificate is not None:
            self.certificate = verdict.certificate
        return verdict


def check_chain(
    chain_pem: str, public_key: ec.EllipticCurvePublicKey, now: datetime | None = None
) -> ChainCheck:
    """Accepted when `chain_pem` parses, its leaf holds `public_key`, and the leaf is valid now.

    Certificates after the leaf must each be issued by the next one: a charger would not be
    able to present a chain that does not hang together. Trust in the root is not checked:
    the simulator has no CSMS root store to check it against.
    """
    try:
        chain = x509.load_pem_x509_certificates(chain_pem.encode("utf-8", "replace"))
    except ValueError as error:
        return ChainCheck(REJECTED, INVALID_CERTIFICATE, f"no PEM certificate: {error}")
    leaf = chain[0]
    leaf_key = _spki(leaf)
    if not leaf_key or leaf_key != _spki(public_key):
        return ChainCheck(
            REJECTED, KEY_MISMATCH, "the leaf certificate is not for this station's key"
        )
    moment = now or datetime.now(UTC)
    if moment < leaf.not_valid_before_utc:
        return ChainCheck(
            REJECTED, NOT_YET_VALID, f"valid from {leaf.not_valid_before_utc.isoformat()}"
        )
    if moment > leaf.not_valid_after_utc:
        return ChainCheck(REJECTED, EXPIRED, f"expired {leaf.not_valid_after_utc.isoformat()}")
    for position, (child, parent) in enumerate(pairwise(chain)):
        try:
            child.verify_directly_issued_by(parent)
        except (ValueError, TypeError, InvalidSignature) as error:
            return ChainCheck(
                REJECTED,
                BROKEN_CHAIN,
                f"certificate {position} is not issued by certificate {position + 1}: {error}",
            )
    certificate = StationCertificate(
        pem=leaf.public_bytes(serialization.Encoding.PEM).decode("ascii"),
        chain_pem=chain_pem,
        subject=leaf.subject.rfc4514_string(),
        issuer=leaf.issuer.rfc4514_string(),
        serial_number=leaf.serial_number,
        not_before=leaf.not_valid_before_utc,
        not_after=leaf.not_valid_after_utc,
    )
    return ChainCheck(ACCEPTED, certificate=certificate)


def _spki(holder: x509.Certificate | ec.EllipticCurvePublicKey) -> bytes:
    """DER SubjectPublicKeyInfo of a public key or a certificate's key; b"" when unreadable.

    A certificate with a key type cryptography does not support must be rejected, not crash
    the handler, so every failure becomes an empty (never matching) key.
    """
    try:
        key = holder.public_key() if isinstance(holder, x509.Certificate) else holder
        return key.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    except (UnsupportedAlgorithm, ValueError, TypeError):
        return b""
