"""Bleed (shunt) balancing hardware: a resistor R₁ in series with a FET of on-resistance R_T1
across each series group (application note 003, Figure 2). On-chip FETs are limited to ~10 mA and
must be switched one at a time (heating of the monitor IC)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from cellworks.errors import ParameterError

#: above this a bleed path is refused outright: resistors of a pack are ≤ a few watts
DESTRUCTIVE_POWER_W = 5.0
ON_CHIP_MAX_CURRENT_A = 0.010


@dataclass(frozen=True)
class BleedCircuit:
    """One bleed path per series group."""

    resistor_Ohm: float = 42.0
    fet_on_Ohm: float = 0.5
    max_current_A: float = math.inf  # on-chip FETs: ~10 mA
    resistor_rating_W: float = 2.0
    on_chip: bool = False
    source: str = "application note 003: 42 Ω + FET (< 1 Ω) → 100 mA, 0.42 W at 4.20 V; 2 W resistor advised"

    def __post_init__(self) -> None:
        if self.resistor_Ohm < 0 or self.fet_on_Ohm < 0 or self.resistor_Ohm + self.fet_on_Ohm <= 0:
            raise ParameterError("bleed resistor + FET resistance must be positive", field="bleed.resistor_Ohm")
        if self.max_current_A <= 0:
            raise ParameterError("bleed current limit must be positive", field="bleed.max_current_A")

    @classmethod
    def on_chip_fet(cls, resistor_Ohm: float = 420.0) -> BleedCircuit:
        return cls(resistor_Ohm=resistor_Ohm, fet_on_Ohm=5.0, max_current_A=ON_CHIP_MAX_CURRENT_A, on_chip=True,
                   resistor_rating_W=0.25, source="application note 003: on-chip FETs < 10 mA, one cell at a time")

    @property
    def total_Ohm(self) -> float:
        return self.resistor_Ohm + self.fet_on_Ohm

    def current_A(self, cell_voltage_V: float) -> float:
        return min(cell_voltage_V / self.total_Ohm, self.max_current_A)

    def check(self, cell_voltage_V: float) -> None:
        """Refuse a path that would burn destructive power or overload its resistor."""
        check_bleed_path(cell_voltage_V, self.resistor_Ohm, self.fet_on_Ohm, self.resistor_rating_W,
                         self.max_current_A)


def check_bleed_path(
    cell_voltage_V: float,
    resistor_Ohm: float,
    fet_on_Ohm: float,
    resistor_rating_W: float = math.inf,
    max_current_A: float = math.inf,
) -> dict[str, float]:
    """Power in the bleed path at ``cell_voltage_V``; raises :class:`ParameterError` with the reason
    if it is destructive (a 0.1 Ω FET straight across a 4 V cell: 160 W) or above the resistor rating."""
    r = resistor_Ohm + fet_on_Ohm
    if r <= 0:
        raise ParameterError("bleed path has zero resistance: it would short the cell", field="resistor_Ohm")
    i = min(cell_voltage_V / r, max_current_A)
    p_total = cell_voltage_V * i
    p_fet = i * i * fet_on_Ohm
    p_res = i * i * resistor_Ohm
    if p_total > DESTRUCTIVE_POWER_W:
        raise ParameterError(
            f"bleed path of {r:g} Ω across {cell_voltage_V:g} V would draw {i:.3g} A and dissipate {p_total:.3g} W "
            f"(FET {p_fet:.3g} W): destructive — add a series resistor (e.g. {cell_voltage_V / 0.1:.0f} Ω for 100 mA)",
            field="resistor_Ohm",
        )
    if p_res > resistor_rating_W:
        raise ParameterError(
            f"bleed resistor dissipates {p_res:.3g} W above its {resistor_rating_W:g} W rating", field="resistor_rating_W"
        )
    return {"current_A": i, "power_W": p_total, "resistor_power_W": p_res, "fet_power_W": p_fet}
