"""The "limit to N A / N W on connector X" form on top of SetChargingProfile's full JSON."""

from __future__ import annotations

from typing import Any

from ocpptui.protocol.versions import OcppVersion


def limit_profile(
    version: OcppVersion,
    connector: int,
    limit: float,
    unit: str = "A",
    *,
    profile_id: int = 1,
    stack_level: int = 0,
    station_wide: bool = False,
) -> dict[str, Any]:
    """A SetChargingProfile payload that caps charging at `limit` (A or W) from now on.

    `connector` is the 1.6 connectorId or the 2.x evseId (0 = the whole charger). A
    station-wide cap is a ChargePointMaxProfile / ChargingStationMaxProfile on connector 0;
    otherwise a TxDefaultProfile, which applies to every transaction on the connector.
    """
    if unit not in ("A", "W"):
        raise ValueError("unit must be A or W")
    if limit < 0:
        raise ValueError("limit must not be negative")
    if station_wide:
        connector = 0
    period = {"startPeriod": 0, "limit": round(float(limit), 1)}
    if version is OcppVersion.V16:
        purpose = "ChargePointMaxProfile" if station_wide else "TxDefaultProfile"
        return {
            "connectorId": connector,
            "csChargingProfiles": {
                "chargingProfileId": profile_id,
                "stackLevel": stack_level,
                "chargingProfilePurpose": purpose,
                "chargingProfileKind": "Relative",
                "chargingSchedule": {"chargingRateUnit": unit, "chargingSchedulePeriod": [period]},
            },
        }
    purpose = "ChargingStationMaxProfile" if station_wide else "TxDefaultProfile"
    return {
        "evseId": connector,
        "chargingProfile": {
            "id": profile_id,
            "stackLevel": stack_level,
            "chargingProfilePurpose": purpose,
            "chargingProfileKind": "Relative",
            "chargingSchedule": [
                {"id": profile_id, "chargingRateUnit": unit, "chargingSchedulePeriod": [period]}
            ],
        },
    }
