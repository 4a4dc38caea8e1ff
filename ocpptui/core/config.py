"""How the mini-CSMS behaves: the core's own settings object (the TOML file maps onto it)."""

from __future__ import annotations

import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from ocpptui.core.auth import AuthConfig
from ocpptui.protocol.versions import DEFAULT_SUBPROTOCOLS


class ValidationPolicy(StrEnum):
    """lenient: answer schema-invalid CALLs as if valid and flag them (real chargers break the
    spec); strict: answer them with the CallError the specification names."""

    LENIENT = "lenient"
    STRICT = "strict"


class UnknownChargerPolicy(StrEnum):
    """What to do with a charger identity seen for the first time."""

    ACCEPT = "accept"  # let everyone in (default: commissioning a new charger)
    ASK = "ask"  # answer its boot Pending until the technician decides
    ALLOW_LIST = "allow-list"  # refuse identities that are not listed


class BootAnswer(StrEnum):
    ACCEPTED = "Accepted"
    PENDING = "Pending"
    REJECTED = "Rejected"


@dataclass(slots=True)
class CsmsConfig:
    host: str = "0.0.0.0"
    port: int = 9000
    subprotocols: tuple[str, ...] = DEFAULT_SUBPROTOCOLS  # server preference order
    heartbeat_interval: int = 60  # seconds, sent in an Accepted BootNotification answer
    boot_answer: BootAnswer = BootAnswer.ACCEPTED
    boot_retry_interval: int = 30  # seconds, sent with Pending/Rejected
    boot_answers: dict[str, BootAnswer] = field(default_factory=dict)  # per identity
    authorize_status: str = "Accepted"
    data_transfer_status: str = "Accepted"
    call_timeout: float = 30.0
    validation: ValidationPolicy = ValidationPolicy.LENIENT
    max_frame_bytes: int = 1024 * 1024
    # WebSocket connections accepted together; 0: what the open-file limit allows
    # (`open_files.connections_budget`). Past it, a new charger is refused with HTTP 503.
    max_connections: int = 0
    # Connections (handshakes included) from one IP address; 0: no cap per address.
    max_connections_per_ip: int = 64
    ping_interval: float | None = 30.0  # WebSocket pings; None turns them off
    ping_timeout: float | None = 20.0
    silence_grace: float = 10.0  # seconds beyond two heartbeat intervals before "silent"
    window_size: int = 100_000  # frames kept in memory per charger and for the whole hub
    # Frames held in memory by all chargers' windows together: a site of hundreds of chargers
    # would otherwise hold window_size frames each (every frame is on disk either way).
    frames_in_memory: int = 1_000_000
    # ... and bytes they may hold together: a charger sending 1 MB frames reaches this long
    # before the frame count.
    frames_in_memory_bytes: int = 512 * 1024 * 1024
    # Frames with more raw text than this keep it on disk only once written, read back when
    # shown (their line in frames.jsonl).
    large_frame_chars: int = 64 * 1024
    # Frame log files open at once (the least recently written are closed, reopened at their
    # next frame); 0: a quarter of the open-file limit.
    max_open_log_files: int = 0
    unknown_policy: UnknownChargerPolicy = UnknownChargerPolicy.ACCEPT
    allow_list: set[str] = field(default_factory=set)
    security_profile: int = 0  # 0 none, 1 basic auth, 2 TLS + basic auth, 3 mutual TLS
    auth: AuthConfig = field(default_factory=AuthConfig)
    ssl_context: ssl.SSLContext | None = None  # profiles 2 and 3 (wss://)
    # Signs a charger's CSR (PEM) for its identity (the certificate's CN) with a local CA and
    # returns the PEM chain, leaf first; raises ValueError for a CSR it cannot sign. None:
    # SignCertificate is answered Rejected.
    csr_signer: Callable[[str, str], str] | None = None

    def boot_answer_for(self, identity: str) -> BootAnswer:
        answer = self.boot_answers.get(identity)
        if answer is not None:
            return answer
        if self.unknown_policy is UnknownChargerPolicy.ASK:
            return BootAnswer.PENDING  # until the technician decides
        return self.boot_answer

    def awaiting_decision(self, identity: str) -> bool:
        return self.unknown_policy is UnknownChargerPolicy.ASK and identity not in self.boot_answers
