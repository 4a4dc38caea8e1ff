"""The simulator's charging-station certificate: CSR on a trigger, CertificateSigned checked.

End to end against the real mini-CSMS (Hub) on 127.0.0.1: the test plays the CSMS operator,
triggers the CSR, signs it with a local CA made by `services.tls`, and sends CertificateSigned
through the hub's session. The check of a chain is also tested on its own for the cases a
live exchange cannot easily produce (expired, not yet valid, a chain that does not link up).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ocpptui.core.frame import Direction, Frame
from ocpptui.core.hub import Hub
from ocpptui.services.tls import TlsFiles, create_ca, sign_csr
from ocpptui.sim import SimulatedCharger
from ocpptui.sim.certificates import (
    BROKEN_CHAIN,
    EXPIRED,
    INVALID_CERTIFICATE,
    KEY_MISMATCH,
    NOT_YET_VALID,
    StationCertificates,
    check_chain,
)
from tests.helpers import wait_for

V16 = "ocpp1.6"
V201 = "ocpp2.0.1"
PROTOCOLS = [V16, V201]
CALL, CALL_RESULT = 2, 3


# --- helpers -----------------------------------------------------------------------------------


@pytest.fixture
def ca(tmp_path: Path) -> TlsFiles:
    """A local CA in tmp_path, as `ocpp-tui certs` makes it."""
    files = TlsFiles.in_folder(tmp_path / "tls")
    create_ca(files)
    return files


def frames(hub: Hub, identity: str, action: str, direction: Direction, kind: int) -> list[Frame]:
    return [
        f
        for f in hub.chargers[identity].frames
        if f.action == action and f.direction is direction and f.message_type == kind
    ]


async def trigger_csr(hub: Hub, charger: SimulatedCharger) -> str:
    """Ask the charger for a CSR; return the csr of the SignCertificate it sent (hub's log)."""
    session = hub.session_for(charger.identity)
    assert session is not None
    before = len(frames(hub, charger.identity, "SignCertificate", Direction.IN, CALL))
    if charger.protocol == V16:
        outcome = await session.call_raw(
            "ExtendedTriggerMessage", {"requestedMessage": "SignChargePointCertificate"}
        )
    else:
        outcome = await session.call_raw(
            "TriggerMessage", {"requestedMessage": "SignChargingStationCertificate"}
        )
    assert outcome.status == "Accepted", outcome
    # Wait for the whole exchange in the hub's log: the CSR and the mini-CSMS's answer to it,
    # then for the charger to have recorded that answer.
    await wait_for(
        lambda: (
            len(frames(hub, charger.identity, "SignCertificate", Direction.OUT, CALL_RESULT))
            > before
        )
    )
    sent = frames(hub, charger.identity, "SignCertificate", Direction.IN, CALL)
    assert len(sent) == before + 1
    answer = frames(hub, charger.identity, "SignCertificate", Direction.OUT, CALL_RESULT)[-1]
    await charger.wait_until(
        lambda c: c.sign_certificate_status == answer.payload["status"], timeout=5
    )
    return sent[-1].payload["csr"]


async def certificate_signed(hub: Hub, charger: SimulatedCharger, chain: str) -> dict[str, Any]:
    """Send CertificateSigned through the hub; return the charger's answer payload."""
    session = hub.session_for(charger.identity)
    assert session is not None
    payload: dict[str, Any] = {"certificateChain": chain}
    if charger.protocol != V16:
        payload["certificateType"] = "ChargingStationCertificate"
    outcome = await session.call_raw("CertificateSigned", payload)
    assert outcome.ok, outcome
    assert outcome.violations == (), outcome.violations  # the answer keeps to the schema
    return outcome.payload or {}


def csr_for_other_key(identity: str) -> str:
    """A well-formed CSR with the charger's subject but a key the charger does not hold."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, identity)])
    csr = x509.CertificateSigningRequestBuilder().subject_name(subject).sign(key, hashes.SHA256())
    return csr.public_bytes(serialization.Encoding.PEM).decode()


def self_signed(
    key: ec.EllipticCurvePrivateKey, not_before: dt.datetime, not_after: dt.datetime
) -> str:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "CP-1")])
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .sign(key, hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.PEM).decode()


# --- the CSR -----------------------------------------------------------------------------------


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_trigger_sends_a_valid_csr_for_the_stations_key(
    hub: Hub, start_sim: Any, protocol: str
) -> None:
    charger = await start_sim("CP-1", protocol=protocol, vendor="SimVendor")
    csr_pem = await trigger_csr(hub, charger)

    csr = x509.load_pem_x509_csr(csr_pem.encode())
    assert csr.is_signature_valid
    assert csr.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "CP-1"
    assert csr.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == "SimVendor"
    assert isinstance(csr.public_key(), ec.EllipticCurvePublicKey)
    assert (
        csr.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        == charger.certificates.public_key_der()
    )
    assert charger.certificates.csr == csr_pem

    request = frames(hub, "CP-1", "SignCertificate", Direction.IN, CALL)[-1]
    assert request.violations == ()
    if protocol == V201:
        assert request.payload["certificateType"] == "ChargingStationCertificate"
    else:
        assert set(request.payload) == {"csr"}
    # The sim remembers what the mini-CSMS answered (Rejected while it has no CA to sign with).
    answer = frames(hub, "CP-1", "SignCertificate", Direction.OUT, CALL_RESULT)[-1]
    assert answer.request_seq == request.seq
    assert charger.sign_certificate_status == answer.payload["status"]
    assert charger.sign_certificate_status in ("Accepted", "Rejected")


async def test_the_key_stays_the_same_for_later_csrs(hub: Hub, start_sim: Any) -> None:
    charger = await start_sim("CP-1", protocol=V201)
    first = x509.load_pem_x509_csr((await trigger_csr(hub, charger)).encode())
    second = x509.load_pem_x509_csr((await trigger_csr(hub, charger)).encode())
    assert first.public_key() == second.public_key()


async def test_v2g_csr_is_not_implemented(hub: Hub, start_sim: Any) -> None:
    await start_sim("CP-1", protocol=V201)
    session = hub.session_for("CP-1")
    assert session is not None
    outcome = await session.call_raw("TriggerMessage", {"requestedMessage": "SignV2GCertificate"})
    assert outcome.status == "NotImplemented"


# --- CertificateSigned -------------------------------------------------------------------------


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_chain_signed_by_the_local_ca_is_accepted_and_kept(
    hub: Hub, start_sim: Any, ca: TlsFiles, protocol: str
) -> None:
    charger = await start_sim("CP-1", protocol=protocol)
    assert charger.station_certificate is None
    chain = sign_csr(ca, await trigger_csr(hub, charger), identity="CP-1")

    answer = await certificate_signed(hub, charger, chain)

    assert answer == {"status": "Accepted"}
    leaf = x509.load_pem_x509_certificates(chain.encode())[0]
    stored = charger.station_certificate
    assert stored is not None
    assert stored.pem == leaf.public_bytes(serialization.Encoding.PEM).decode()
    assert stored.chain_pem == chain
    assert stored.subject == leaf.subject.rfc4514_string()
    assert "CN=CP-1" in stored.subject
    assert (
        stored.issuer
        == x509.load_pem_x509_certificate(ca.ca_cert.read_bytes()).subject.rfc4514_string()
    )
    assert stored.not_after == leaf.not_valid_after_utc
    assert charger.last_certificate_check is not None
    assert charger.last_certificate_check.accepted


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_chain_for_another_key_is_rejected(
    hub: Hub, start_sim: Any, ca: TlsFiles, protocol: str
) -> None:
    charger = await start_sim("CP-1", protocol=protocol)
    await trigger_csr(hub, charger)  # the charger has a key, but the chain is for another one
    chain = sign_csr(ca, csr_for_other_key("CP-1"), identity="CP-1")

    answer = await certificate_signed(hub, charger, chain)

    assert answer["status"] == "Rejected"
    if protocol == V201:
        assert answer["statusInfo"]["reasonCode"] == KEY_MISMATCH
    assert charger.station_certificate is None
    check = charger.last_certificate_check
    assert check is not None and check.reason == KEY_MISMATCH
    # The charger reports the refused certificate as a security event.
    event_type = (
        "InvalidChargePointCertificate" if protocol == V16 else "InvalidChargingStationCertificate"
    )
    await wait_for(
        lambda: any(
            f.payload["type"] == event_type
            for f in frames(hub, "CP-1", "SecurityEventNotification", Direction.IN, CALL)
        )
    )


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_garbage_chain_is_rejected_without_harm(
    hub: Hub, start_sim: Any, ca: TlsFiles, protocol: str
) -> None:
    charger = await start_sim("CP-1", protocol=protocol)
    good = sign_csr(ca, await trigger_csr(hub, charger), identity="CP-1")
    assert (await certificate_signed(hub, charger, good))["status"] == "Accepted"
    accepted = charger.station_certificate

    for garbage in (
        "not a certificate",
        "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
        "",
    ):
        answer = await certificate_signed(hub, charger, garbage)
        assert answer["status"] == "Rejected", garbage
        if protocol == V201:
            assert answer["statusInfo"]["reasonCode"] == INVALID_CERTIFICATE

    # A refused chain leaves the certificate accepted before in place, and the charger carries on.
    assert charger.station_certificate is accepted
    assert charger.connected and charger.booted
    session = hub.session_for("CP-1")
    assert session is not None
    heartbeat = await session.call_raw("TriggerMessage", {"requestedMessage": "Heartbeat"})
    assert heartbeat.status == "Accepted"


async def test_v2g_chain_is_rejected(hub: Hub, start_sim: Any, ca: TlsFiles) -> None:
    charger = await start_sim("CP-1", protocol=V201)
    chain = sign_csr(ca, await trigger_csr(hub, charger), identity="CP-1")
    session = hub.session_for("CP-1")
    assert session is not None
    outcome = await session.call_raw(
        "CertificateSigned", {"certificateChain": chain, "certificateType": "V2GCertificate"}
    )
    assert outcome.status == "Rejected"
    assert charger.station_certificate is None


# --- the chain check on its own ------------------------------------------------------------


def test_check_chain_rejects_expired_and_not_yet_valid_leaves() -> None:
    store = StationCertificates("CP-1")
    now = dt.datetime.now(dt.UTC)
    expired = self_signed(store.key, now - dt.timedelta(days=10), now - dt.timedelta(days=1))
    future = self_signed(store.key, now + dt.timedelta(days=1), now + dt.timedelta(days=10))
    current = self_signed(store.key, now - dt.timedelta(days=1), now + dt.timedelta(days=1))

    assert store.install(expired).reason == EXPIRED
    assert store.install(future).reason == NOT_YET_VALID
    assert store.certificate is None
    assert store.install(current).accepted
    # The same leaf, judged at a later moment, has expired.
    later = now + dt.timedelta(days=2)
    assert store.check_chain(current, now=later).reason == EXPIRED


def test_check_chain_rejects_a_chain_that_does_not_link_up(ca: TlsFiles) -> None:
    store = StationCertificates("CP-1")
    leaf = sign_csr(ca, store.build_csr("ocpp-tui"), identity="CP-1").split(
        "-----END CERTIFICATE-----\n"
    )[0]
    leaf += "-----END CERTIFICATE-----\n"
    other_ca = TlsFiles.in_folder(ca.ca_cert.parent / "other")
    create_ca(other_ca)
    mismatched = leaf + other_ca.ca_cert.read_text()

    verdict = check_chain(mismatched, store.key.public_key())
    assert verdict.reason == BROKEN_CHAIN
    assert check_chain(leaf, store.key.public_key()).accepted  # the leaf alone is fine
    assert check_chain(leaf + ca.ca_cert.read_text(), store.key.public_key()).accepted
