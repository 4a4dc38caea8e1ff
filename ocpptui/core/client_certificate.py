"""Security profile 3: the client certificate must name the charger it connects as.

The TLS handshake only proves that the CA issued the certificate; without this check any
charger of the site (or anything holding one charger's key) could connect as every other
identity. The OCPP security whitepaper (and OCPP 2.0.1 A00.FR.4xx) puts the charge point's
identity (its serial number) in the certificate's subject commonName; a subjectAltName
entry equal to the identity is accepted as well, for PKIs that name devices there.
"""

from __future__ import annotations


def certificate_names(der: bytes) -> tuple[list[str], list[str]]:
    """(subject commonNames, subjectAltName values: DNS names, URIs, e-mail addresses)."""
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    certificate = x509.load_der_x509_certificate(der)
    common_names = [
        str(attribute.value)
        for attribute in certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    ]
    alternatives: list[str] = []
    try:
        extension = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except x509.ExtensionNotFound:
        return common_names, alternatives
    for entry in extension.value:
        if isinstance(entry, x509.DNSName | x509.UniformResourceIdentifier | x509.RFC822Name):
            alternatives.append(entry.value)
    return common_names, alternatives


def identity_mismatch(der: bytes | None, identity: str) -> str | None:
    """Why the certificate `der` may not connect as `identity`; None when it names it.

    No certificate (profiles 0-2) is not a mismatch: the TLS layer decides whether one is
    required.
    """
    if not der:
        return None
    try:
        common_names, alternatives = certificate_names(der)
    except ValueError as exc:
        return f"the client certificate cannot be read: {exc}"
    if identity in common_names or identity in alternatives:
        return None
    named = ", ".join(f"CN={name}" for name in common_names) or "no CN"
    if alternatives:
        named += "; SAN " + ", ".join(alternatives)
    return f"the client certificate ({named}) does not name the charge point {identity!r}"
