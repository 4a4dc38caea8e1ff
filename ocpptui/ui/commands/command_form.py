"""A form built from an action's request schema, and the "limit to N A / N W" charging form.

Required fields come first and are marked `*`; enums and booleans are lists to pick from;
optional fields fold away. Every change posts the payload the form describes (or why it
cannot be built), which the Commands panel writes into its JSON editor.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Checkbox, Collapsible, Input, Label, Select

from ocpptui.core.form_offers import FieldOffer
from ocpptui.protocol.charging_profiles import limit_profile
from ocpptui.protocol.schema_form import FormError, FormField, build_payload, draft_payload
from ocpptui.protocol.secrets import is_secret_path
from ocpptui.protocol.versions import OcppVersion

#: Form labels are cut to this many cells (the tooltip has the full path).
LABEL_WIDTH = 22

#: Hints in empty fields: what to type, never a value that could pass for a real one.
PLACEHOLDERS = {
    "integer": "whole number",
    "number": "number",
    "date-time": "UTC: YYYY-MM-DDThh:mm:ssZ",
    "json": "JSON",
    "string": "text",
}


def seed_values(
    fields: list[FormField],
    template: dict[str, Any],
    offers: dict[str, FieldOffer] | None = None,
) -> dict[str, str]:
    """The form's starting text per field: from the charger's state for the fields in
    `offers` (its transaction, connectors, EVSEs), from the action's template otherwise."""
    offers = offers or {}
    values: dict[str, str] = {
        path: offer.start for path, offer in offers.items() if offer.start is not None
    }
    for form_field in fields:
        if form_field.path in offers:
            continue  # the charger's, not the schema example's
        target: Any = template
        for part in form_field.path.split("."):
            target = target.get(part) if isinstance(target, dict) else None
        if target is None:
            continue
        if isinstance(target, bool):
            values[form_field.path] = "true" if target else "false"
        elif isinstance(target, (dict, list)):
            values[form_field.path] = json.dumps(target, ensure_ascii=False)
        else:
            values[form_field.path] = str(target)
    return values


def field_label(form_field: FormField) -> str:
    path = form_field.path
    suffix = " *" if form_field.required else ""
    room = LABEL_WIDTH - len(suffix)
    if len(path) > room:
        path = "…" + path[-(room - 1) :]
    return path + suffix


@dataclass
class PayloadChanged(Message):
    """The payload a form now describes; `payload` is None and `error` set when it cannot,
    and `draft` then holds what the filled fields make (so the JSON follows the form)."""

    payload: dict[str, Any] | None
    error: str | None = None
    draft: dict[str, Any] | None = None


class CommandForm(Vertical):
    """One row per schema field; posts PayloadChanged whenever a value changes."""

    DEFAULT_CSS = """
    CommandForm {
        height: auto;
        & .form-row { height: 1; margin-bottom: 0; }
        & .form-row > Label { width: 24; color: $text-muted; }
        & .form-row > Label.-required { color: $text; text-style: bold; }
        & .form-row > Input, & .form-row > Select { width: 1fr; }
        & Collapsible { padding: 0; margin: 0; border: none; }
    }
    """

    def __init__(
        self,
        fields: list[FormField],
        seed: dict[str, str],
        *,
        offers: dict[str, FieldOffer] | None = None,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.fields = fields
        self.seed = seed
        self.offers = offers or {}

    def compose(self) -> ComposeResult:
        required = [(index, f) for index, f in enumerate(self.fields) if f.required]
        optional = [(index, f) for index, f in enumerate(self.fields) if not f.required]
        for index, form_field in required:
            yield self._row(index, form_field)
        if optional:
            with Collapsible(title=f"optional fields ({len(optional)})", collapsed=bool(required)):
                for index, form_field in optional:
                    yield self._row(index, form_field)

    def _row(self, index: int, form_field: FormField) -> Horizontal:
        label = Label(
            field_label(form_field),
            markup=False,
            classes="-required" if form_field.required else "",
        )
        label.tooltip = form_field.path + (
            f": {form_field.description}" if form_field.description else ""
        )
        seeded = self.seed.get(form_field.path, "")
        offer = self.offers.get(form_field.path)
        widget: Input | Select
        if form_field.kind in ("enum", "boolean") or (offer is not None and offer.choices):
            if offer is not None and offer.choices:
                options = list(offer.choices)  # the charger's transactions, connectors, EVSEs
            else:
                choices = form_field.choices if form_field.kind == "enum" else ("true", "false")
                options = [(choice, choice) for choice in choices]
            values = [value for _, value in options]
            widget = Select(
                options,
                value=seeded if seeded in values else Select.NULL,
                allow_blank=not (form_field.required and seeded in values),
                prompt="—",
                compact=True,
                id=f"field-{index}",
            )
        else:
            kind = {"integer": "integer", "number": "number"}.get(form_field.kind, "text")
            hint = offer.hint if offer is not None and offer.hint else ""
            widget = Input(
                seeded,
                placeholder=hint or PLACEHOLDERS.get(form_field.kind, ""),
                type=kind,  # type: ignore[arg-type]
                max_length=form_field.max_length or 0,
                password=is_secret_path(form_field.path),  # typed hidden (basicAuthPassword)
                compact=True,
                id=f"field-{index}",
            )
        widget.tooltip = label.tooltip
        return Horizontal(label, widget, classes="form-row")

    def values(self) -> dict[str, str]:
        values: dict[str, str] = {}
        for index, form_field in enumerate(self.fields):
            widget = self.query_one(f"#field-{index}")
            if isinstance(widget, Select):
                values[form_field.path] = widget.value if isinstance(widget.value, str) else ""
            elif isinstance(widget, Input):
                values[form_field.path] = widget.value
        return values

    def payload(self) -> tuple[dict[str, Any] | None, str | None]:
        try:
            return build_payload(self.fields, self.values()), None
        except FormError as exc:
            return None, str(exc)

    def on_mount(self) -> None:
        self.emit()

    @on(Input.Changed)
    @on(Select.Changed)
    def _changed(self, event: Message) -> None:
        event.stop()
        self.emit()

    def emit(self) -> None:
        payload, error = self.payload()
        draft = draft_payload(self.fields, self.values()) if payload is None else None
        self.post_message(PayloadChanged(payload, error, draft))


class LimitForm(Vertical):
    """ "Limit to N A / N W on connector X" → a SetChargingProfile payload (TxDefaultProfile)."""

    DEFAULT_CSS = """
    LimitForm {
        height: auto;
        & .form-row { height: 1; }
        & .form-row > Label { width: 24; }
        & .form-row > Input, & .form-row > Select { width: 1fr; }
    }
    """

    def __init__(
        self, version: OcppVersion, *, where: FieldOffer | None = None, id: str | None = None
    ) -> None:
        """`where`: the charger's connectors (1.6) or EVSEs (2.x) to offer."""
        super().__init__(id=id)
        self.version = version
        self.where = where or FieldOffer()

    def compose(self) -> ComposeResult:
        where = "EVSE (0 = station) *" if self.version.is_2x else "connector (0 = all) *"
        field: Input | Select
        if self.where.choices:
            reported = [value for _, value in self.where.choices if value != "0"]
            field = Select(
                list(self.where.choices),
                value=reported[0] if reported else "0",
                allow_blank=False,
                compact=True,
                id="limit-connector",
            )
        else:
            # Nothing reported yet: empty means 0 (every connector / the whole station).
            field = Input(
                type="integer", placeholder=self.where.hint, compact=True, id="limit-connector"
            )
        yield Horizontal(Label(where, classes="-required"), field, classes="form-row")
        yield Horizontal(
            Label("limit *", classes="-required"),
            Input("16", type="number", compact=True, id="limit-value"),
            classes="form-row",
        )
        yield Horizontal(
            Label("unit *", classes="-required"),
            Select(
                [("A", "A"), ("W", "W")],
                value="A",
                allow_blank=False,
                compact=True,
                id="limit-unit",
            ),
            classes="form-row",
        )
        yield Checkbox("whole charger (station maximum profile)", compact=True, id="limit-station")

    def on_mount(self) -> None:
        self.emit()

    @on(Input.Changed)
    @on(Select.Changed)
    @on(Checkbox.Changed)
    def _changed(self, event: Message) -> None:
        event.stop()
        self.emit()

    def payload(self) -> tuple[dict[str, Any] | None, str | None]:
        where = self.query_one("#limit-connector")
        value = where.value if isinstance(where, (Input, Select)) else ""
        connector_text = value.strip() if isinstance(value, str) else ""
        limit_text = self.query_one("#limit-value", Input).value.strip()
        unit = self.query_one("#limit-unit", Select).value
        station_wide = self.query_one("#limit-station", Checkbox).value
        try:
            connector = int(connector_text or "0")
            limit = float(limit_text)
            payload = limit_profile(
                self.version, connector, limit, str(unit), station_wide=station_wide
            )
        except ValueError as exc:
            return None, f"limit: {exc}" if limit_text else "limit: is required"
        return payload, None

    def emit(self) -> None:
        payload, error = self.payload()
        self.post_message(PayloadChanged(payload, error))
