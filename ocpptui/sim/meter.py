"""An energy meter per connector that produces realistic, self-consistent sampled values.

Energy is the integral of the power over (simulated) time: between two readings the register
grows by exactly the power reported at the first reading times the elapsed time, so a CSMS that
cross-checks Energy.Active.Import.Register against Power.Active.Import finds them consistent.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

ENERGY = "Energy.Active.Import.Register"
POWER = "Power.Active.Import"
CURRENT = "Current.Import"
VOLTAGE = "Voltage"
CURRENT_OFFERED = "Current.Offered"
POWER_OFFERED = "Power.Offered"
FREQUENCY = "Frequency"
SOC = "SoC"
TEMPERATURE = "Temperature"

# What this meter can measure; 2.0.1 has no Temperature measurand.
MEASURANDS_V16 = (
    ENERGY,
    POWER,
    CURRENT,
    VOLTAGE,
    CURRENT_OFFERED,
    POWER_OFFERED,
    FREQUENCY,
    SOC,
    TEMPERATURE,
)
MEASURANDS_V201 = tuple(m for m in MEASURANDS_V16 if m != TEMPERATURE)

DEFAULT_SAMPLED = f"{ENERGY},{POWER},{CURRENT},{VOLTAGE}"

_PHASES = ("L1", "L2", "L3")
_EV_BATTERY_WH = 60_000.0
_EV_START_SOC = 23.0


@dataclass(frozen=True, slots=True)
class Sample:
    """One measured quantity, independent of the OCPP version that will carry it."""

    measurand: str
    value: float
    unit: str
    phase: str | None = None
    location: str | None = None


class Meter:
    """The meter of one connector."""

    def __init__(
        self,
        *,
        register_wh: float,
        phases: int = 3,
        nominal_voltage_v: float = 230.0,
        max_current_a: float = 32.0,
        speedup: float = 1.0,
        seed: int = 0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._register_wh = float(register_wh)
        self._phases = phases
        self._nominal_voltage = nominal_voltage_v
        self.max_current_a = max_current_a
        self._speedup = speedup
        self._clock = clock
        self._random = random.Random(seed)
        self._last_advance = clock()
        self._charging = False
        self._session_start_wh = self._register_wh
        self._voltages = [nominal_voltage_v] * phases
        self._currents = [0.0] * phases

    @property
    def charging(self) -> bool:
        return self._charging

    @property
    def power_w(self) -> float:
        return sum(v * i for v, i in zip(self._voltages, self._currents, strict=True))

    @property
    def energy_wh(self) -> float:
        """The register now (integrates up to the present moment)."""
        self._advance()
        return self._register_wh

    def energy_register_wh(self) -> int:
        """The register as a whole number of Wh, as meterStart/meterStop carry it."""
        return int(self.energy_wh)

    def start_charging(self) -> None:
        self._advance()
        self._charging = True
        self._session_start_wh = self._register_wh
        self._resample()

    def stop_charging(self) -> None:
        self._advance()
        self._charging = False
        self._resample()

    def set_max_current(self, amps: float) -> None:
        self._advance()
        self.max_current_a = amps
        self._resample()

    def read(self, measurands: Iterable[str]) -> list[Sample]:
        """Samples for the requested measurands; unknown measurands are skipped."""
        self._advance()
        # The power drawn from now on is what this reading reports; the register integrates it
        # until the next reading, so consecutive readings are exactly consistent.
        self._resample()
        samples: list[Sample] = []
        for measurand in measurands:
            samples.extend(self._samples_for(measurand.strip()))
        return samples

    def _samples_for(self, measurand: str) -> list[Sample]:
        phases = _PHASES[: self._phases]
        if measurand == ENERGY:
            return [Sample(ENERGY, float(int(self._register_wh)), "Wh", location="Outlet")]
        if measurand == POWER:
            return [Sample(POWER, round(self.power_w, 1), "W", location="Outlet")]
        if measurand == CURRENT:
            return [
                Sample(CURRENT, round(current, 2), "A", phase=phase, location="Outlet")
                for phase, current in zip(phases, self._currents, strict=True)
            ]
        if measurand == VOLTAGE:
            return [
                Sample(VOLTAGE, round(voltage, 1), "V", phase=f"{phase}-N", location="Outlet")
                for phase, voltage in zip(phases, self._voltages, strict=True)
            ]
        if measurand == CURRENT_OFFERED:
            return [Sample(CURRENT_OFFERED, round(self.max_current_a, 1), "A")]
        if measurand == POWER_OFFERED:
            offered = self.max_current_a * self._nominal_voltage * self._phases
            return [Sample(POWER_OFFERED, round(offered, 1), "W")]
        if measurand == FREQUENCY:
            return [Sample(FREQUENCY, round(50.0 + self._random.uniform(-0.03, 0.03), 2), "Hz")]
        if measurand == SOC:
            delivered = self._register_wh - self._session_start_wh
            soc = min(100.0, _EV_START_SOC + 100.0 * delivered / _EV_BATTERY_WH)
            return [Sample(SOC, round(soc, 1), "Percent", location="EV")] if self._charging else []
        if measurand == TEMPERATURE:
            temperature = 31.0 + (6.0 if self._charging else 0.0)
            return [Sample(TEMPERATURE, round(temperature, 1), "Celsius", location="Body")]
        return []

    def _advance(self) -> None:
        now = self._clock()
        elapsed_hours = (now - self._last_advance) * self._speedup / 3600.0
        self._register_wh += self.power_w * elapsed_hours
        self._last_advance = now

    def _resample(self) -> None:
        self._voltages = [
            self._nominal_voltage + self._random.uniform(-2.5, 2.5) for _ in range(self._phases)
        ]
        if self._charging:
            # An EV draws close to what is offered, a little below and not quite steadily.
            self._currents = [
                self.max_current_a * self._random.uniform(0.94, 0.99) for _ in range(self._phases)
            ]
        else:
            self._currents = [0.0] * self._phases
