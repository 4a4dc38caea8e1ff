"""SignCertificate: the mini-CSMS signs a charger's CSR with the local CA of `ocpp-tui certs`
and sends the chain in a CertificateSigned right after its answer; without a CA, or for a CSR
it cannot sign, it answers Rejected and says why.

Hand-driven chargers (RawCharger) so each frame on the wire is checked exactly.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ocpptui.core.config import CsmsConfig
from ocpptui.core.hub import Hub
from ocpptui.services.security_setup import apply_security, tls_folder
from ocpptui.services.tls import TlsFiles, create_ca
from ocpptui.settings.model import SecuritySettings
from tests.helpers import RawCharger, connect_raw, wait_for


def make_csr(identity: str = "CP-1") -> tuple[ec.EllipticCurvePrivateKey, str]:
    key = ec.generate_private_key(ec.SECP256R1())
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(
            x509.Name(
                [
                    x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Test CPO"),
                    x509.NameAttribute(NameOID.COMMON_NAME, identity),
                ]
            )
        )
        .sign(key, hashes.SHA256())
    )
    return key, csr.public_bytes(serialization.Encoding.PEM).decode()


def public_der(key: Any) -> bytes:
    return key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


async def signing_hub(tmp_path: Path, *, with_ca: bool, sign: bool = True) -> Hub:
    config = CsmsConfig(port=0, call_timeout=5)
    apply_security(config, SecuritySettings(sign_csr=sign), tmp_path)
    if with_ca:
        create_ca(TlsFiles.in_folder(tls_folder(tmp_path)))
    hub = Hub(config, sessions_dir=tmp_path / "sessions")
    await hub.start_server("127.0.0.1", 0)
    return hub


@pytest.fixture
async def ca_hub(tmp_path: Path) -> AsyncIterator[Hub]:
    hub = await signing_hub(tmp_path, with_ca=True)
    try:
        yield hub
    finally:
        await hub.stop()


async def booted(hub: Hub, subprotocol: str) -> RawCharger:
    charger = await connect_raw(hub, "CP-1", subprotocol)
    if subprotocol == "ocpp1.6":
        await charger.boot_16()
    else:
        answer = await charger.call(
            "BootNotification",
            {"reason": "PowerUp", "chargingStation": {"model": "M", "vendorName": "V"}},
        )
        assert answer[2]["status"] == "Accepted"
    return charger


@pytest.mark.parametrize("subprotocol", ["ocpp1.6", "ocpp2.0.1"])
async def test_the_csr_is_signed_and_the_chain_follows_the_answer(
    ca_hub: Hub, tmp_path: Path, subprotocol: str
) -> None:
    charger = await booted(ca_hub, subprotocol)
    key, csr = make_csr()
    request: dict[str, Any] = {"csr": csr}
    if subprotocol != "ocpp1.6":
        request["certificateType"] = "ChargingStationCertificate"
    answer = await charger.call("SignCertificate", request)
    assert answer[2]["status"] == "Accepted"

    # The CertificateSigned CALL comes after the answer, never before it.
    call = await charger.recv_json()
    assert call[0] == 2 and call[2] == "CertificateSigned"
    if subprotocol != "ocpp1.6":
        assert call[3]["certificateType"] == "ChargingStationCertificate"
    chain = x509.load_pem_x509_certificates(call[3]["certificateChain"].encode())
    ca = x509.load_pem_x509_certificate(
        TlsFiles.in_folder(tls_folder(tmp_path)).ca_cert.read_bytes()
    )
    leaf = chain[0]
    assert public_der(leaf.public_key()) == public_der(key.public_key())
    assert leaf.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "CP-1"
    leaf.verify_directly_issued_by(ca)
    assert chain[-1] == ca

    session = ca_hub.session_for("CP-1")
    assert session is not None
    await charger.send_text(f'[3,"{call[1]}",{{"status":"Accepted"}}]')
    await wait_for(lambda: "installed" in (session.state.certificate_status or ""))
    await charger.connection.close()


async def test_a_refused_certificate_is_reported(ca_hub: Hub) -> None:
    charger = await booted(ca_hub, "ocpp1.6")
    _, csr = make_csr()
    assert (await charger.call("SignCertificate", {"csr": csr}))[2]["status"] == "Accepted"
    call = await charger.recv_json()
    await charger.send_text(f'[3,"{call[1]}",{{"status":"Rejected"}}]')
    session = ca_hub.session_for("CP-1")
    assert session is not None
    await wait_for(lambda: "answered Rejected" in (session.state.certificate_status or ""))
    await charger.connection.close()


async def test_garbage_csr_and_v2g_requests_are_refused_with_a_reason(ca_hub: Hub) -> None:
    charger = await booted(ca_hub, "ocpp2.0.1")
    answer = await charger.call("SignCertificate", {"csr": "not a certificate request"})
    assert answer[2]["status"] == "Rejected"
    assert answer[2]["statusInfo"]["reasonCode"] == "InvalidCSR"

    _, csr = make_csr()
    answer = await charger.call(
        "SignCertificate", {"csr": csr, "certificateType": "V2GCertificate"}
    )
    assert answer[2]["status"] == "Rejected"
    assert answer[2]["statusInfo"]["reasonCode"] == "UnsupportedCertType"

    # Nothing follows a refusal, and the connection is still fine.
    with pytest.raises(asyncio.TimeoutError):
        await charger.recv_json(timeout=0.3)
    assert (await charger.call("Heartbeat", {}))[2]["currentTime"]
    session = ca_hub.session_for("CP-1")
    assert session is not None and "V2G PKI" in (session.state.certificate_status or "")
    await charger.connection.close()


async def test_without_a_local_ca_the_answer_says_to_make_one(tmp_path: Path) -> None:
    hub = await signing_hub(tmp_path, with_ca=False)
    try:
        charger = await booted(hub, "ocpp2.0.1")
        _, csr = make_csr()
        answer = await charger.call(
            "SignCertificate", {"csr": csr, "certificateType": "ChargingStationCertificate"}
        )
        assert answer[2]["status"] == "Rejected"
        assert answer[2]["statusInfo"]["reasonCode"] == "NoCA"
        session = hub.session_for("CP-1")
        assert session is not None and "ocpp-tui certs" in (session.state.certificate_status or "")
        await charger.connection.close()
    finally:
        await hub.stop()


async def test_signing_can_be_turned_off(tmp_path: Path) -> None:
    hub = await signing_hub(tmp_path, with_ca=True, sign=False)
    try:
        charger = await booted(hub, "ocpp1.6")
        _, csr = make_csr()
        assert (await charger.call("SignCertificate", {"csr": csr}))[2] == {"status": "Rejected"}
        await charger.connection.close()
    finally:
        await hub.stop()


@pytest.mark.parametrize(
    ("protocol", "trigger", "message"),
    [
        ("ocpp1.6", "ExtendedTriggerMessage", "SignChargePointCertificate"),
        ("ocpp2.0.1", "TriggerMessage", "SignChargingStationCertificate"),
    ],
)
async def test_the_simulator_gets_its_certificate_from_the_local_ca(
    hub: Hub, start_sim, tmp_path: Path, protocol: str, trigger: str, message: str
) -> None:
    from ocpptui.services.security_setup import local_ca_signer

    create_ca(TlsFiles.in_folder(tmp_path / "tls"))
    hub.config.csr_signer = local_ca_signer(tmp_path / "tls")
    sim = await start_sim("CP-1", protocol=protocol)
    session = hub.session_for("CP-1")
    assert session is not None
    outcome = await session.call_raw(trigger, {"requestedMessage": message})
    assert outcome.status == "Accepted"
    # The certificate can arrive before the sim has taken in the answer to its own CSR.
    await sim.wait_until(
        lambda c: c.station_certificate is not None and c.sign_certificate_status is not None,
        timeout=5,
    )
    assert sim.sign_certificate_status == "Accepted"
    assert "CN=CP-1" in sim.station_certificate.subject.split(",")
    assert "O=ocpp-tui" in sim.station_certificate.issuer
    await wait_for(lambda: "installed" in (session.state.certificate_status or ""))


async def test_the_certificate_names_the_charger_that_asked_whatever_the_csr_says(
    tmp_path: Path,
) -> None:
    # CP-1 asks for a certificate naming CP-2 (and another organisation): with it, it could
    # connect as CP-2 under security profile 3.
    config = CsmsConfig(port=0, call_timeout=5)
    apply_security(config, SecuritySettings(certificate_organisation="Example CPO"), tmp_path)
    create_ca(TlsFiles.in_folder(tls_folder(tmp_path)))
    hub = Hub(config, sessions_dir=tmp_path / "sessions")
    await hub.start_server("127.0.0.1", 0)
    try:
        charger = await booted(hub, "ocpp1.6")
        key, csr = make_csr("CP-2")
        assert (await charger.call("SignCertificate", {"csr": csr}))[2]["status"] == "Accepted"
        call = await charger.recv_json()
        leaf = x509.load_pem_x509_certificates(call[3]["certificateChain"].encode())[0]
        assert leaf.subject.rfc4514_string() == "CN=CP-1,O=Example CPO"
        assert public_der(leaf.public_key()) == public_der(key.public_key())
        await charger.connection.close()
    finally:
        await hub.stop()
