"""The action catalog and the handler table agree with the `ocpp` package's schemas."""

from __future__ import annotations

import pytest

from ocpptui.core.charge_points import handled_actions
from ocpptui.protocol import catalog
from ocpptui.protocol.catalog import Direction, template_payload
from ocpptui.protocol.validation import validate_payload
from ocpptui.protocol.versions import OcppVersion


@pytest.mark.parametrize("version", list(OcppVersion))
def test_every_charger_initiated_action_has_a_handler(version: OcppVersion) -> None:
    expected = set(catalog.charger_initiated_actions(version)) - catalog.SEND_ONLY_ACTIONS
    assert handled_actions(version) == expected


@pytest.mark.parametrize("version", list(OcppVersion))
def test_every_template_payload_is_schema_valid(version: OcppVersion) -> None:
    for action in catalog.actions(version):
        payload = template_payload(version, action)
        assert validate_payload(version, action, payload, is_request=True) == (), action


def test_directions_follow_the_specifications() -> None:
    v16 = catalog.actions(OcppVersion.V16)
    assert v16["BootNotification"].direction is Direction.CHARGER
    assert v16["GetConfiguration"].direction is Direction.CSMS
    assert v16["DataTransfer"].direction is Direction.BOTH
    assert v16["SignCertificate"].direction is Direction.CHARGER  # security extension
    v201 = catalog.actions(OcppVersion.V201)
    assert v201["TransactionEvent"].direction is Direction.CHARGER
    assert v201["SetVariables"].direction is Direction.CSMS
    assert len(v201) == 64
    v21 = catalog.actions(OcppVersion.V21)
    assert v21["NotifyPeriodicEventStream"].direction is Direction.CHARGER
    assert v21["RequestBatterySwap"].direction is Direction.CSMS


def test_violations_carry_json_paths() -> None:
    violations = validate_payload(
        OcppVersion.V16,
        "BootNotification",
        {"chargePointVendor": "x" * 30, "extra": 1},
        is_request=True,
    )
    described = {(v.path, v.rule) for v in violations}
    assert ("$.chargePointVendor", "maxLength") in described
    assert ("$", "required") in described
    assert ("$", "additionalProperties") in described
