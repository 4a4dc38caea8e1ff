"""What in an OCPP payload is secret or personal: the one place that decides.

Two uses share it. Masking (`masked`, `mask_value`): passwords the technician sets on a
charger (1.6 `AuthorizationKey`, 2.x `BasicAuthPassword`, a network profile's
`basicAuthPassword`, APN and VPN passwords) and private keys are shown as `****` in the
TUI's tables, the report and the headless text output; the frame log keeps the exact frame.
Redaction (`replace_sensitive` with more kinds, see `ocpptui.services.log_redaction`):
a log for a vendor also loses idTag/idToken values, ICCID/IMSI and, when asked, serial
numbers.

The rules are structural, so they hold whatever the action: a `{"key": ..., "value": ...}`
pair whose key is secret (ChangeConfiguration, GetConfiguration's answer), a
`{"variable": {"name": ...}, "attributeValue"/"variableAttribute": ...}` entry whose
variable is secret (SetVariables, GetVariables, NotifyReport), fields with a secret or
personal name anywhere (`basicAuthPassword`, `idTag`, `idToken`, `iccid`, ...), a
mapping keyed by a secret key name (`{"AuthorizationKey": ...}`, as playbook results hold
them), and PEM private key blocks inside any text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from enum import StrEnum
from typing import Any


class Sensitive(StrEnum):
    SECRET = "secret"  # passwords and keys that let someone in
    PRIVATE_KEY = "private-key"  # a PEM private key block inside some text
    ID_TOKEN = "idtoken"  # idTag / idToken values: RFID cards, contract ids
    SIM = "sim"  # ICCID, IMSI of the charger's modem
    SERIAL = "serial"  # serial numbers of the charger and its meter


#: What the TUI, the report and the headless text output never show.
MASKED_KINDS = frozenset({Sensitive.SECRET, Sensitive.PRIVATE_KEY})
MASK = "****"

#: 1.6 configuration keys and 2.x variable names whose value is a password.
_SECRET_NAME = re.compile(
    r"(?:^|\.)(?:authorizationkey|basicauthpassword)(?:\[[^\]]*\])?(?:\s*\(\w+\))?$",
    re.IGNORECASE,
)
#: Field names whose value is a password, wherever they appear (2.x network profiles).
_SECRET_FIELDS = frozenset({"basicAuthPassword", "apnPassword"})
#: Field names that are secret inside an object of the given name (2.x VPNType).
_SECRET_FIELDS_IN = {"vpn": frozenset({"password", "key"})}
_ID_TOKEN_FIELDS = frozenset({"idTag", "parentIdTag", "idToken", "additionalIdToken"})
_SIM_FIELDS = frozenset({"iccid", "imsi"})
_SERIAL_FIELDS = frozenset(
    {
        "chargePointSerialNumber",
        "chargeBoxSerialNumber",
        "meterSerialNumber",
        "evInverterSerialNumber",
    }
)
_SERIAL_FIELDS_IN = {"chargingStation": frozenset({"serialNumber"})}
#: A PEM private key block, also as it appears inside raw JSON (line breaks as `\n`).
_PRIVATE_KEY_BLOCK = re.compile(
    r"-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----.*?-----END \1PRIVATE KEY-----", re.DOTALL
)
#: Cheap test before parsing a frame's text: could it hold anything `masked` replaces? (Plain
#: substring tests on the lower-cased text: a case-insensitive regex costs ~100 times more.)
_MASK_TRIGGERS = ("authorizationkey", "basicauthpassword", "apnpassword", '"vpn"', "private key")

Replace = Callable[[Sensitive, str], str]

#: For text that is not JSON (a malformed frame): `"field": "value"` pairs of sensitive fields,
#: and a 1.6 `{"key": "AuthorizationKey", ..., "value": "..."}`.
_TEXT_FIELD_KINDS: dict[str, Sensitive] = {
    **dict.fromkeys(_SECRET_FIELDS, Sensitive.SECRET),
    **dict.fromkeys(_ID_TOKEN_FIELDS, Sensitive.ID_TOKEN),
    **dict.fromkeys(_SIM_FIELDS, Sensitive.SIM),
    **dict.fromkeys(_SERIAL_FIELDS | {"serialNumber"}, Sensitive.SERIAL),
}
_JSON_STRING = r'"((?:[^"\\]|\\.)*)(?:"|\Z)'  # a cut frame may end inside the value
_TEXT_FIELD = re.compile(rf'"({"|".join(sorted(_TEXT_FIELD_KINDS))})"\s*:\s*{_JSON_STRING}')
_TEXT_SECRET_KEY = re.compile(
    rf'"key"\s*:\s*"(?:authorizationkey|basicauthpassword)"\s*,'
    rf'(?:\s*"readonly"\s*:\s*\w+\s*,)?\s*"value"\s*:\s*{_JSON_STRING}',
    re.IGNORECASE,
)


def is_secret_name(name: str) -> bool:
    """Whether a 1.6 key or a 2.x variable (name or label, e.g. `SecurityCtrlr.BasicAuthPassword`)
    holds a password."""
    return _SECRET_NAME.search(name) is not None


def is_secret_path(path: str) -> bool:
    """Whether a dotted payload path (`connectionData.vpn.password`) holds a password."""
    parts = path.split(".")
    parent = parts[-2] if len(parts) > 1 else None
    return _field_kind(parts[-1], parent) is Sensitive.SECRET


def mask_value(name: str, value: str | None) -> str | None:
    """`value` as shown for the key or variable `name`: `****` for a password that is set."""
    if value and is_secret_name(name):
        return MASK
    return value


def _field_kind(name: str, parent: str | None) -> Sensitive | None:
    if name in _SECRET_FIELDS or name in _SECRET_FIELDS_IN.get(parent or "", ()):
        return Sensitive.SECRET
    if name in _ID_TOKEN_FIELDS:
        return Sensitive.ID_TOKEN
    if name in _SIM_FIELDS:
        return Sensitive.SIM
    if name in _SERIAL_FIELDS or name in _SERIAL_FIELDS_IN.get(parent or "", ()):
        return Sensitive.SERIAL
    if is_secret_name(name):
        return Sensitive.SECRET
    return None


class _Walker:
    def __init__(self, replace: Replace, kinds: frozenset[Sensitive]) -> None:
        self.replace = replace
        self.kinds = kinds

    def value(self, value: Any, parent: str | None) -> Any:
        if isinstance(value, dict):
            return self.object(value, parent)
        if isinstance(value, list):
            items = [self.value(item, parent) for item in value]
            return items if any(a is not b for a, b in zip(items, value, strict=True)) else value
        if isinstance(value, str):
            return self.text(value)
        return value

    def text(self, text: str) -> str:
        if Sensitive.PRIVATE_KEY not in self.kinds or "PRIVATE KEY-----" not in text:
            return text
        return _PRIVATE_KEY_BLOCK.sub(
            lambda match: self.replace(Sensitive.PRIVATE_KEY, match.group()), text
        )

    def secret(self, kind: Sensitive, value: Any, name: str) -> Any:
        """`value` of a field of `kind`: replaced when it is text, walked when it holds more."""
        if isinstance(value, str):
            return self.replace(kind, value) if kind in self.kinds else self.text(value)
        return self.value(value, name)

    def object(self, data: dict[str, Any], parent: str | None) -> dict[str, Any]:
        # Which fields of this object hold a secret because of a sibling naming it.
        secret_value: str | None = None
        key = data.get("key")
        if isinstance(key, str) and is_secret_name(key):
            secret_value = "value"  # 1.6 ChangeConfiguration, GetConfiguration's KeyValue
        variable = data.get("variable")
        secret_variable = (
            isinstance(variable, dict)
            and isinstance(variable.get("name"), str)
            and is_secret_name(variable["name"])
        )
        changed: dict[str, Any] = {}
        for name, item in data.items():
            kind = Sensitive.SECRET if name == secret_value else _field_kind(name, parent)
            if secret_variable and name == "attributeValue":
                kind = Sensitive.SECRET
            if secret_variable and name == "variableAttribute" and isinstance(item, list):
                new = [self.attribute(attribute) for attribute in item]
                if any(a is not b for a, b in zip(new, item, strict=True)):
                    changed[name] = new
                continue
            new = self.secret(kind, item, name) if kind is not None else self.value(item, name)
            if new is not item:
                changed[name] = new
        return {**data, **changed} if changed else data

    def attribute(self, attribute: Any) -> Any:
        """One of a secret variable's attributes (NotifyReport): its value is the secret."""
        if not isinstance(attribute, dict) or not isinstance(attribute.get("value"), str):
            return attribute
        new = self.secret(Sensitive.SECRET, attribute["value"], "value")
        return attribute if new is attribute["value"] else {**attribute, "value": new}


def replace_sensitive(data: Any, replace: Replace, kinds: frozenset[Sensitive]) -> Any:
    """`data` (parsed JSON) with each sensitive string of `kinds` replaced by
    `replace(kind, value)`; the same object when nothing was (copies only what changes)."""
    return _Walker(replace, kinds).value(data, None)


def _unescaped(json_text: str) -> str:
    """The string a JSON string's inside stands for (as it is, when cut or broken)."""
    try:
        value = json.loads(f'"{json_text}"')
    except ValueError:
        return json_text
    return value if isinstance(value, str) else json_text


def replace_sensitive_text(text: str, replace: Replace, kinds: frozenset[Sensitive]) -> str:
    """`replace_sensitive` for text that is not JSON (a malformed or cut frame): sensitive
    `"field": "value"` pairs found by pattern, and private key blocks."""

    def field(match: re.Match[str]) -> str:
        kind = _TEXT_FIELD_KINDS[match.group(1)]
        if kind not in kinds:
            return match.group()
        start, end = match.span(2)
        whole = match.group()
        offset = match.start()
        return (
            whole[: start - offset]
            + replace(kind, _unescaped(match.group(2)))
            + whole[end - offset :]
        )

    def secret_key(match: re.Match[str]) -> str:
        start, end = match.span(1)
        whole, offset = match.group(), match.start()
        return (
            whole[: start - offset]
            + replace(Sensitive.SECRET, match.group(1))
            + whole[end - offset :]
        )

    text = _TEXT_FIELD.sub(field, text)
    if Sensitive.SECRET in kinds:
        text = _TEXT_SECRET_KEY.sub(secret_key, text)
    if Sensitive.PRIVATE_KEY in kinds:
        text = _PRIVATE_KEY_BLOCK.sub(lambda m: replace(Sensitive.PRIVATE_KEY, m.group()), text)
    return text


def _mask(kind: Sensitive, value: str) -> str:
    return MASK if value else value


def masked(data: Any) -> Any:
    """`data` with passwords and private keys shown as `****` (for display and reports)."""
    return replace_sensitive(data, _mask, MASKED_KINDS)


def masked_frame_text(raw: str) -> str:
    """An OCPP-J frame's text with its passwords and private keys masked; `raw` itself when
    there are none (a frame that is not JSON only loses its private key blocks)."""
    lowered = raw.lower()
    if not any(trigger in lowered for trigger in _MASK_TRIGGERS):
        return raw
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        return _PRIVATE_KEY_BLOCK.sub(MASK, raw)
    new = masked(data)
    if new is data:
        return raw
    return json.dumps(new, ensure_ascii=False, separators=(",", ":"))
