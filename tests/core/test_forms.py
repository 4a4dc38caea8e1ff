"""Schema-driven command forms and the charging-limit shortcut produce schema-valid payloads."""

from __future__ import annotations

import pytest

from ocpptui.protocol.catalog import csms_initiated_actions
from ocpptui.protocol.charging_profiles import limit_profile
from ocpptui.protocol.schema_form import FormError, build_payload, form_fields
from ocpptui.protocol.validation import validate_payload
from ocpptui.protocol.versions import OcppVersion


@pytest.mark.parametrize("version", list(OcppVersion))
@pytest.mark.parametrize("station_wide", [False, True])
@pytest.mark.parametrize("unit", ["A", "W"])
def test_limit_profile_is_schema_valid(version: OcppVersion, station_wide: bool, unit: str) -> None:
    payload = limit_profile(
        version, 1, 16 if unit == "A" else 11000, unit, station_wide=station_wide
    )
    assert validate_payload(version, "SetChargingProfile", payload, is_request=True) == ()


def test_limit_profile_refuses_nonsense() -> None:
    with pytest.raises(ValueError, match="unit"):
        limit_profile(OcppVersion.V16, 1, 16, "kW")


@pytest.mark.parametrize("version", list(OcppVersion))
def test_every_command_has_a_form(version: OcppVersion) -> None:
    for action in csms_initiated_actions(version):
        fields = form_fields(version, action)
        assert all(f.path for f in fields), action


def test_form_input_becomes_a_valid_payload() -> None:
    fields = form_fields(OcppVersion.V201, "RequestStartTransaction")
    payload = build_payload(
        fields,
        {
            "remoteStartId": "7",
            "idToken.idToken": "TAG-1",
            "idToken.type": "ISO14443",
            "evseId": "1",
        },
    )
    assert payload == {
        "remoteStartId": 7,
        "idToken": {"idToken": "TAG-1", "type": "ISO14443"},
        "evseId": 1,
    }
    assert (
        validate_payload(OcppVersion.V201, "RequestStartTransaction", payload, is_request=True)
        == ()
    )


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({}, "type: is required"),
        ({"type": "Sideways"}, "type: must be one of Hard, Soft"),
    ],
)
def test_form_errors_name_the_field(values: dict, message: str) -> None:
    with pytest.raises(FormError, match=message):
        build_payload(form_fields(OcppVersion.V16, "Reset"), values)
