"""OCPP-J frames: parse raw text into a typed frame, or say exactly what is wrong with it.

The `ocpp` package's `unpack()` raises on a bad frame without telling which message id it
belonged to, and its ChargePoint then drops the frame unanswered. OCPP-J wants a CALLERROR
whenever the message id can be recovered (2.0.1 §4.2.3: with id "-1" when it cannot), so the
session parses every frame here first and only hands well-formed CALLs to the library.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from ocpp.messages import Call, CallError, CallResult

from ocpptui.protocol.versions import OcppVersion


class MessageType(IntEnum):
    """OCPP-J message type ids (5 and 6 exist from 2.1 on)."""

    CALL = 2
    CALLRESULT = 3
    CALLERROR = 4
    CALLRESULTERROR = 5
    SEND = 6

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    MessageType.CALL: "CALL",
    MessageType.CALLRESULT: "RESULT",
    MessageType.CALLERROR: "ERROR",
    MessageType.CALLRESULTERROR: "RESULTERROR",
    MessageType.SEND: "SEND",
}


def supported_message_types(version: OcppVersion) -> frozenset[MessageType]:
    if version is OcppVersion.V21:
        return frozenset(MessageType)
    return frozenset({MessageType.CALL, MessageType.CALLRESULT, MessageType.CALLERROR})


class ErrorCode:
    """CallError codes, spelled per version where the specifications differ."""

    GENERIC = "GenericError"
    INTERNAL = "InternalError"
    NOT_IMPLEMENTED = "NotImplemented"
    NOT_SUPPORTED = "NotSupported"
    PROPERTY_CONSTRAINT = "PropertyConstraintViolation"
    PROTOCOL = "ProtocolError"
    SECURITY = "SecurityError"
    TYPE_CONSTRAINT = "TypeConstraintViolation"

    @staticmethod
    def format_violation(version: OcppVersion) -> str:
        # 1.6 calls it FormationViolation; 2.0.1 renamed it FormatViolation.
        return "FormatViolation" if version.is_2x else "FormationViolation"

    @staticmethod
    def occurrence_violation(version: OcppVersion) -> str:
        # 1.6 spells it with one "r".
        return "OccurrenceConstraintViolation" if version.is_2x else "OccurenceConstraintViolation"

    @staticmethod
    def rpc_framework(version: OcppVersion) -> str:
        # 1.6 has no RpcFrameworkError; FormationViolation is the nearest it names.
        return "RpcFrameworkError" if version.is_2x else "FormationViolation"

    @staticmethod
    def message_type_not_supported(version: OcppVersion) -> str:
        return "MessageTypeNotSupported" if version.is_2x else ErrorCode.PROTOCOL


@dataclass(frozen=True, slots=True)
class ParsedFrame:
    """A structurally valid OCPP-J frame."""

    message_type: MessageType
    message_id: str
    action: str | None = None  # CALL and SEND
    payload: Any = None  # CALL, SEND, CALLRESULT: a dict
    error_code: str | None = None  # CALLERROR, CALLRESULTERROR
    error_description: str | None = None
    error_details: Any = None


class FrameError(Exception):
    """A frame that is not a well-formed OCPP-J message.

    `message_id` is what could be recovered from the text (None when nothing could);
    `message_type` likewise; `code` is the CallError code the specification names.
    """

    def __init__(
        self,
        reason: str,
        code: str,
        message_id: str | None = None,
        message_type: int | None = None,
        action: str | None = None,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code
        self.message_id = message_id
        self.message_type = message_type
        self.action = action

    @property
    def answerable(self) -> bool:
        """Only a CALL (or unreadable text that may have been one) gets a CALLERROR back."""
        return self.message_type in (None, MessageType.CALL)


# Recovers the message id from text that does not parse as JSON: `[2, "abc", ...`.
_ID_IN_BROKEN_TEXT = re.compile(r'^\s*\[\s*(\d+)\s*,\s*"((?:[^"\\]|\\.){0,64})"')

MAX_MESSAGE_ID_LENGTH = 36  # OCPP-J: the message id is at most 36 characters


def parse_frame(text: str, version: OcppVersion) -> ParsedFrame:
    """Parse one OCPP-J frame; raise FrameError naming the CallError code when it is malformed."""
    format_code = ErrorCode.format_violation(version)
    rpc_code = ErrorCode.rpc_framework(version)
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        match = _ID_IN_BROKEN_TEXT.match(text)
        message_id = match.group(2) if match else None
        message_type = int(match.group(1)) if match else None
        reason = f"not valid JSON: {exc}" if isinstance(exc, ValueError) else "JSON nested too deep"
        raise FrameError(reason, rpc_code, message_id, message_type) from None

    if not isinstance(data, list):
        raise FrameError(f"not a JSON array but {type(data).__name__}", rpc_code)
    if not data:
        raise FrameError("empty array", rpc_code)
    type_id = data[0]
    message_id = data[1] if len(data) > 1 and isinstance(data[1], str) else None
    if not isinstance(type_id, int) or isinstance(type_id, bool):
        raise FrameError(f"message type id is {type_id!r}, not a number", rpc_code, message_id)
    try:
        message_type = MessageType(type_id)
    except ValueError:
        raise FrameError(
            f"unknown message type id {type_id}",
            ErrorCode.message_type_not_supported(version),
            message_id,
        ) from None
    if message_type not in supported_message_types(version):
        raise FrameError(
            f"message type {type_id} does not exist in OCPP {version}",
            ErrorCode.message_type_not_supported(version),
            message_id,
            type_id,
        )
    if len(data) < 2 or not isinstance(data[1], str):
        raise FrameError("message id missing or not a string", rpc_code, None, type_id)
    if not data[1] or len(data[1]) > MAX_MESSAGE_ID_LENGTH:
        raise FrameError(
            f"message id must be 1..{MAX_MESSAGE_ID_LENGTH} characters", rpc_code, data[1], type_id
        )

    if message_type in (MessageType.CALL, MessageType.SEND):
        action = data[2] if len(data) > 2 and isinstance(data[2], str) else None
        if len(data) != 4:
            raise FrameError(
                f"{message_type.label} needs 4 elements, got {len(data)}",
                rpc_code,
                message_id,
                type_id,
                action,
            )
        if action is None or not action:
            raise FrameError("action is not a non-empty string", rpc_code, message_id, type_id)
        if not isinstance(data[3], dict):
            raise FrameError(
                f"payload is {type(data[3]).__name__}, not an object",
                format_code,
                message_id,
                type_id,
                action,
            )
        return ParsedFrame(message_type, message_id, action=action, payload=data[3])

    if message_type is MessageType.CALLRESULT:
        if len(data) != 3:
            raise FrameError(
                f"CALLRESULT needs 3 elements, got {len(data)}", rpc_code, message_id, type_id
            )
        if not isinstance(data[2], dict):
            raise FrameError(
                f"payload is {type(data[2]).__name__}, not an object",
                format_code,
                message_id,
                type_id,
            )
        return ParsedFrame(message_type, message_id, payload=data[2])

    # CALLERROR and CALLRESULTERROR
    if len(data) != 5:
        raise FrameError(
            f"{message_type.label} needs 5 elements, got {len(data)}", rpc_code, message_id, type_id
        )
    code, description, details = data[2], data[3], data[4]
    if not isinstance(code, str) or not isinstance(description, str):
        raise FrameError(
            "error code and description must be strings", rpc_code, message_id, type_id
        )
    if not isinstance(details, dict):
        raise FrameError("error details must be an object", format_code, message_id, type_id)
    return ParsedFrame(
        message_type,
        message_id,
        error_code=code,
        error_description=description,
        error_details=details,
    )


def call_error_text(
    message_id: str, code: str, description: str, details: dict[str, Any] | None = None
) -> str:
    """Serialize a CALLERROR with the `ocpp` package's message class."""
    return CallError(message_id, code, description, details or {}).to_json()


def call_result_text(message_id: str, payload: dict[str, Any]) -> str:
    return CallResult(message_id, payload).to_json()


def call_text(message_id: str, action: str, payload: dict[str, Any]) -> str:
    return Call(message_id, action, payload).to_json()
