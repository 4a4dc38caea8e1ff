"""Turn an action's request schema into form fields, and form input back into a payload.

The Commands panel builds each command's form from this (required fields marked, enums as
choices, numbers checked); nested objects become dotted paths (`evse.id`). Arrays and deeper
structures are left to the raw JSON editor under the form.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ocpptui.protocol.catalog import actions
from ocpptui.protocol.versions import OcppVersion

MAX_DEPTH = 3


@dataclass(frozen=True, slots=True)
class FormField:
    path: str  # dotted: "evse.connectorId"
    kind: str  # "string", "integer", "number", "boolean", "enum", "date-time", "json"
    required: bool
    choices: tuple[str, ...] = ()
    description: str = ""
    max_length: int | None = None
    minimum: float | None = None

    @property
    def label(self) -> str:
        return self.path + (" *" if self.required else "")


def _resolve(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        target: Any = root
        for part in schema["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        schema = target
    return schema


def _clean(text: str) -> str:
    return " ".join(text.replace("\r", " ").split())


def form_fields(version: OcppVersion, action: str) -> list[FormField]:
    """The fields of `action`'s request, required ones first."""
    schema = actions(version)[action].request_schema
    fields: list[FormField] = []
    _collect(schema, schema, "", True, 0, fields)
    fields.sort(key=lambda f: (not f.required, f.path.count("."), f.path))
    return fields


def _collect(
    schema: dict[str, Any],
    root: dict[str, Any],
    prefix: str,
    parent_required: bool,
    depth: int,
    out: list[FormField],
) -> None:
    schema = _resolve(schema, root)
    required = set(schema.get("required", []))
    for name, sub in schema.get("properties", {}).items():
        if name == "customData":
            continue
        path = f"{prefix}{name}"
        sub = _resolve(sub, root)
        is_required = parent_required and name in required
        description = _clean(sub.get("description", ""))
        if "enum" in sub:
            out.append(FormField(path, "enum", is_required, tuple(sub["enum"]), description))
        elif sub.get("type") == "object" and depth < MAX_DEPTH:
            _collect(sub, root, f"{path}.", is_required, depth + 1, out)
        elif sub.get("type") in ("string", "integer", "number", "boolean"):
            kind = sub["type"]
            if kind == "string" and sub.get("format") == "date-time":
                kind = "date-time"
            out.append(
                FormField(
                    path,
                    kind,
                    is_required,
                    description=description,
                    max_length=sub.get("maxLength"),
                    minimum=sub.get("minimum"),
                )
            )
        else:
            out.append(FormField(path, "json", is_required, description=description))


class FormError(ValueError):
    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path


def _convert(field: FormField, text: str) -> Any:
    import json

    if field.kind == "integer":
        try:
            return int(text)
        except ValueError:
            raise FormError(field.path, "must be a whole number") from None
    if field.kind == "number":
        try:
            return float(text)
        except ValueError:
            raise FormError(field.path, "must be a number") from None
    if field.kind == "boolean":
        if text.lower() not in ("true", "false"):
            raise FormError(field.path, "must be true or false")
        return text.lower() == "true"
    if field.kind == "enum" and field.choices and text not in field.choices:
        raise FormError(field.path, f"must be one of {', '.join(field.choices)}")
    if field.kind == "json":
        try:
            return json.loads(text)
        except ValueError as exc:
            raise FormError(field.path, f"not valid JSON: {exc}") from None
    return text


def build_payload(fields: list[FormField], values: dict[str, str]) -> dict[str, Any]:
    """A payload from the form's text values; empty optional fields are left out."""
    payload: dict[str, Any] = {}
    for field in fields:
        text = values.get(field.path, "").strip()
        if not text:
            if field.required:
                raise FormError(field.path, "is required")
            continue
        target = payload
        *parents, leaf = field.path.split(".")
        for part in parents:
            target = target.setdefault(part, {})
        target[leaf] = _convert(field, text)
    return payload


def draft_payload(fields: list[FormField], values: dict[str, str]) -> dict[str, Any]:
    """What the filled, valid fields make (missing or invalid ones left out): the JSON shown
    while the form is not complete yet."""
    payload: dict[str, Any] = {}
    for field in fields:
        text = values.get(field.path, "").strip()
        if not text:
            continue
        try:
            value = _convert(field, text)
        except FormError:
            continue
        target = payload
        *parents, leaf = field.path.split(".")
        for part in parents:
            target = target.setdefault(part, {})
        target[leaf] = value
    return payload
