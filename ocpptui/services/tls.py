"""TLS material for security profiles 2 and 3: a local CA, a server certificate, contexts.

A charger checks the CSMS certificate against a root it trusts and against the host name or
address it was configured with, so the server certificate carries every address of the
laptop (and any name the technician adds) and is served with its chain. The key is RSA:
static-RSA cipher suites (TLS_RSA_WITH_AES_128_GCM_SHA256, ...), which the OCPP security
whitepaper requires a CSMS to offer and some chargers need, only work with an RSA key.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import ssl
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from ocpptui.services.private_files import private_folder, write_private_file

#: ECDHE suites first, then the static-RSA GCM suites OCPP requires (A00.FR.421).
CIPHERS = "ECDHE+AESGCM:ECDHE+CHACHA20:AES128-GCM-SHA256:AES256-GCM-SHA384"
#: Old chargers (TLS 1.0/1.1, CBC suites): only when the technician asks for it.
LEGACY_CIPHERS = CIPHERS + ":AES128-SHA:AES256-SHA:ECDHE+AES:@SECLEVEL=0"

CA_DAYS = 3650
SERVER_DAYS = 825


@dataclass(frozen=True, slots=True)
class TlsFiles:
    ca_cert: Path
    ca_key: Path
    server_cert: Path  # server certificate followed by the CA: the full chain
    server_key: Path

    @classmethod
    def in_folder(cls, folder: Path) -> TlsFiles:
        return cls(
            folder / "ca.pem",
            folder / "ca-key.pem",
            folder / "server.pem",
            folder / "server-key.pem",
        )

    def exist(self) -> bool:
        return all(
            p.exists() for p in (self.ca_cert, self.ca_key, self.server_cert, self.server_key)
        )


def _new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _write_key(path: Path, key: rsa.RSAPrivateKey) -> None:
    """The key file is 0600 from its creation, in a 0700 folder (never 0644 for a moment)."""
    data = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    write_private_file(path, data)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def create_ca(files: TlsFiles, organisation: str = "ocpp-tui") -> x509.Certificate:
    """Create the local CA (certificate + key)."""
    key = _new_key()
    usage = x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=True,
        crl_sign=True,
        encipher_only=False,
        decipher_only=False,
    )
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.COMMON_NAME, f"ocpp-tui local CA ({socket.gethostname()})"),
        ]
    )
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(_now() - dt.timedelta(days=1))
        .not_valid_after(_now() + dt.timedelta(days=CA_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(usage, critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    _write_key(files.ca_key, key)
    files.ca_cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return certificate


def load_ca(files: TlsFiles) -> tuple[x509.Certificate, rsa.RSAPrivateKey]:
    certificate = x509.load_pem_x509_certificate(files.ca_cert.read_bytes())
    key = serialization.load_pem_private_key(files.ca_key.read_bytes(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return certificate, key


def _subject_alternative_names(names: list[str]) -> list[x509.GeneralName]:
    entries: list[x509.GeneralName] = []
    for name in dict.fromkeys(names):
        try:
            entries.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            entries.append(x509.DNSName(name))
    return entries


def issue_server_certificate(files: TlsFiles, names: list[str]) -> x509.Certificate:
    """Issue the server certificate for `names` (host names and addresses), signed by the CA.

    The first name is the common name: chargers that check the CN (not only the SANs) must be
    configured with that name.
    """
    if not names:
        raise ValueError("a server certificate needs at least one host name or address")
    ca_certificate, ca_key = load_ca(files)
    key = _new_key()
    certificate = (
        x509.CertificateBuilder()
        .subject_name(
            x509.Name(
                [
                    x509.NameAttribute(NameOID.ORGANIZATION_NAME, "ocpp-tui"),
                    x509.NameAttribute(NameOID.COMMON_NAME, names[0]),
                ]
            )
        )
        .issuer_name(ca_certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(_now() - dt.timedelta(days=1))
        .not_valid_after(_now() + dt.timedelta(days=SERVER_DAYS))
        .add_extension(
            x509.SubjectAlternativeName(_subject_alternative_names(names)), critical=False
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    _write_key(files.server_key, key)
    chain = certificate.public_bytes(serialization.Encoding.PEM) + ca_certificate.public_bytes(
        serialization.Encoding.PEM
    )
    files.server_cert.write_bytes(chain)
    return certificate


def default_names() -> list[str]:
    """The laptop's host name and IPv4 addresses (loopback last)."""
    from ocpptui.services.network import local_ipv4_addresses

    names = [a.address for a in local_ipv4_addresses()]
    hostname = socket.gethostname()
    return [*names, hostname, "localhost", "127.0.0.1"]


def ensure_certificates(
    folder: Path, names: list[str] | None = None, *, renew: bool = False
) -> TlsFiles:
    """Create the CA and server certificate when missing (or `renew` the server one)."""
    files = TlsFiles.in_folder(folder)
    private_folder(folder)  # it holds the CA key
    if not (files.ca_cert.exists() and files.ca_key.exists()):
        create_ca(files)
        renew = True
    if renew or not (files.server_cert.exists() and files.server_key.exists()):
        issue_server_certificate(files, names or default_names())
    return files


def server_context(
    cert_chain: Path,
    key: Path,
    *,
    client_ca: Path | None = None,
    require_client_certificate: bool = False,
    legacy: bool = False,
) -> ssl.SSLContext:
    """A server context: TLS 1.2+ (or 1.0+ with `legacy`), the OCPP cipher suites, the chain
    served, and client certificates verified against `client_ca` for profile 3."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    if legacy:
        context.minimum_version = ssl.TLSVersion.TLSv1
        context.set_ciphers(LEGACY_CIPHERS)
    else:
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.set_ciphers(CIPHERS)
    context.load_cert_chain(cert_chain, key)
    if client_ca is not None:
        context.load_verify_locations(cafile=str(client_ca))
        context.verify_mode = ssl.CERT_REQUIRED if require_client_certificate else ssl.CERT_OPTIONAL
    return context


def fingerprint(certificate: x509.Certificate) -> str:
    digest = certificate.fingerprint(hashes.SHA256()).hex().upper()
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


def sign_csr(
    files: TlsFiles,
    csr_pem: str,
    *,
    identity: str,
    organisation: str | None = None,
    days: int = 365,
) -> str:
    """Sign a charger's CSR (SignCertificate) with the local CA; returns the PEM chain.

    The certificate names the charger that asked, whatever subject the CSR asks for:
    CN = `identity` (the charge point identity it connected as) and O = `organisation`
    (default: the local CA's). Otherwise a charger could obtain a certificate for another
    identity and, under security profile 3, connect as that charger. Only the CSR's public
    key (proven by its signature) is taken from it.
    """
    if not identity:
        raise ValueError("no charge point identity to put in the certificate")
    csr = x509.load_pem_x509_csr(csr_pem.encode())
    if not csr.is_signature_valid:
        raise ValueError("the CSR's signature does not verify")
    ca_certificate, ca_key = load_ca(files)
    if organisation is None:
        names = ca_certificate.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
        organisation = str(names[0].value) if names else "ocpp-tui"
    # X.520 upper bounds (ub-organization-name, ub-common-name); cryptography refuses more.
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation[:64]),
            x509.NameAttribute(NameOID.COMMON_NAME, identity[:64]),
        ]
    )
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca_certificate.subject)
        .public_key(csr.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(_now() - dt.timedelta(minutes=5))
        .not_valid_after(_now() + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    return (
        certificate.public_bytes(serialization.Encoding.PEM)
        + ca_certificate.public_bytes(serialization.Encoding.PEM)
    ).decode()
