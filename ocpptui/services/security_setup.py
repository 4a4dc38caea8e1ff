"""Turn the [security] settings into what the server needs: the auth policy and a TLS context."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ocpptui.core.auth import AuthConfig
from ocpptui.core.config import CsmsConfig
from ocpptui.settings.model import SecuritySettings


class SecuritySetupError(ValueError):
    """The security settings cannot be put into effect; the message says what to do."""


def tls_folder(data_dir: Path) -> Path:
    return data_dir / "tls"


def local_ca_signer(folder: Path, organisation: str = "") -> Callable[[str, str], str]:
    """Signs a charger's CSR with the local CA in `folder`, read at each signing (so a CA
    made by `ocpp-tui certs` while the server runs is used; cryptography loads only when
    needed). The certificate's CN is the identity of the charger that asked, its O
    `organisation` ("" = the local CA's)."""

    def sign(csr_pem: str, identity: str) -> str:
        from ocpptui.services.tls import TlsFiles, sign_csr

        files = TlsFiles.in_folder(folder)
        if not (files.ca_cert.exists() and files.ca_key.exists()):
            raise FileNotFoundError(f"no local CA in {folder}: run `ocpp-tui certs`")
        return sign_csr(files, csr_pem, identity=identity, organisation=organisation or None)

    return sign


def apply_security(config: CsmsConfig, security: SecuritySettings, data_dir: Path) -> None:
    """Configure `config` for the chosen security profile (0-3)."""
    config.security_profile = security.profile
    config.auth = AuthConfig(
        required=security.profile in (1, 2),
        passwords=dict(security.passwords),
        default_password=security.default_password or None,
        accept_hex_text=security.accept_hex_password,
        backoff_max=security.auth_backoff_max,
    )
    if security.profile in (1, 2) and not (security.passwords or security.default_password):
        raise SecuritySetupError(
            f"security profile {security.profile} needs passwords: set [security] "
            "default_password or [security.passwords] in the settings file"
        )
    # Any profile: a charger may ask for a certificate before it is moved to profile 3.
    config.csr_signer = (
        local_ca_signer(tls_folder(data_dir), security.certificate_organisation)
        if security.sign_csr
        else None
    )
    if security.profile < 2:
        config.ssl_context = None
        return

    from ocpptui.services.tls import TlsFiles, server_context

    files = TlsFiles.in_folder(tls_folder(data_dir))
    cert = Path(security.cert).expanduser() if security.cert else files.server_cert
    key = Path(security.key).expanduser() if security.key else files.server_key
    if not cert.exists() or not key.exists():
        raise SecuritySetupError(
            f"security profile {security.profile} needs a server certificate: run "
            "`ocpp-tui certs` (or set [security] cert and key)"
        )
    client_ca = None
    if security.profile == 3:
        client_ca = Path(security.client_ca).expanduser() if security.client_ca else files.ca_cert
        if not client_ca.exists():
            raise SecuritySetupError(
                f"security profile 3 needs the CA of the chargers' certificates: {client_ca}"
            )
    try:
        config.ssl_context = server_context(
            cert,
            key,
            client_ca=client_ca,
            require_client_certificate=security.profile == 3,
            legacy=security.legacy_tls,
        )
    except (OSError, ValueError) as exc:
        raise SecuritySetupError(f"cannot load the TLS certificate or key: {exc}") from None
