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
    #: a path whose resistor would exceed its rating at the cell's maximum voltage: "refuse" the
    #: configuration, or "clamp" the bleed current to √(rating / R) and report it as an event
    over_rating: str = "refuse"
    #: no bleeding below this group voltage (NaN: the cell's under-voltage limit v_min_V)
    stop_below_V: float = math.nan
    #: resistance shared by the bleed and the sense path: a cell measured while it bleeds reads
    #: low by I_bleed × this (research notes §1: the bled cell of the public log reads low)
    sense_Ohm: float = 0.0
    source: str = "application note 003: 42 Ω + FET (< 1 Ω) → 100 mA, 0.42 W at 4.20 V; 2 W resistor advised"

    def __post_init__(self) -> None:
        if not (self.resistor_Ohm >= 0 and self.fet_on_Ohm >= 0 and self.resistor_Ohm + self.fet_on_Ohm > 0):
            raise ParameterError("bleed resistor + FET resistance must be positive", field="bleed.resistor_Ohm")
        if not self.max_current_A > 0:
            raise ParameterError("bleed current limit must be positive", field="bleed.max_current_A")
        if not self.resistor_rating_W > 0:
            raise ParameterError("resistor rating must be a positive number of watts", field="bleed.resistor_rating_W")
        if self.over_rating not in ("refuse", "clamp"):
            raise ParameterError("over_rating is 'refuse' or 'clamp'", field="bleed.over_rating")
        if not self.sense_Ohm >= 0:
            raise ParameterError("sense resistance must be ≥ 0", field="bleed.sense_Ohm")

    @classmethod
    def on_chip_fet(cls, resistor_Ohm: float = 420.0) -> BleedCircuit:
        """Bleeding through the monitor chip's own FETs: ≤ 10 mA, one cell at a time (note 003)."""
        return cls(resistor_Ohm=resistor_Ohm, fet_on_Ohm=5.0, max_current_A=ON_CHIP_MAX_CURRENT_A, on_chip=True,
                   resistor_rating_W=0.25, source="application note 003: on-chip FETs < 10 mA, one cell at a time")

    @property
    def total_Ohm(self) -> float:
        """Resistor plus FET on-resistance."""
        return self.resistor_Ohm + self.fet_on_Ohm

    def current_A(self, cell_voltage_V: float) -> float:
        """Bleed current at ``cell_voltage_V`` (limited to ``max_current_A``)."""
        return min(cell_voltage_V / self.total_Ohm, self.max_current_A)

    def check(self, cell_voltage_V: float) -> None:
        """Refuse a path that would burn destructive power or overload its resistor."""
        check_bleed_path(cell_voltage_V, self.resistor_Ohm, self.fet_on_Ohm, self.resistor_rating_W,
                         self.max_current_A)

    def limits_in_pack(self, v_max_V: float) -> tuple[float, str]:
        """The current limit the simulator enforces, checked at the highest group voltage ``v_max_V``.

        A destructive path (> 5 W) is always refused. A resistor above its rating is refused
        (``over_rating = "refuse"``) or its current clamped to √(rating / R) (``"clamp"``); returns
        ``(current limit [A], what was clamped or "")``."""
        try:
            self.check(v_max_V)
            return self.max_current_A, ""
        except ParameterError as exc:
            if exc.field != "resistor_rating_W" or self.over_rating == "refuse":
                raise ParameterError(exc.message + f" (at the cell maximum {v_max_V:g} V; "
                                     "set bleed.over_rating = \"clamp\" to limit the current instead)"
                                     if exc.field == "resistor_rating_W" else exc.message,
                                     field=f"bleed.{exc.field}") from None
        i_clamp = math.sqrt(self.resistor_rating_W / self.resistor_Ohm)
        i_free = min(v_max_V / self.total_Ohm, self.max_current_A)
        return min(self.max_current_A, i_clamp), (
            f"bleed current clamped from {i_free * 1e3:.4g} mA to {i_clamp * 1e3:.4g} mA so the "
            f"{self.resistor_Ohm:g} Ω resistor stays within its {self.resistor_rating_W:g} W rating")


def check_bleed_path(
    cell_voltage_V: float,
    resistor_Ohm: float,
    fet_on_Ohm: float,
    resistor_rating_W: float = math.inf,
    max_current_A: float = math.inf,
) -> dict[str, float]:
    """Power in the bleed path at ``cell_voltage_V``; raises :class:`ParameterError` with the reason
    if it is destructive (a 0.1 Ω FET straight across a 4 V cell: 160 W) or above the resistor rating."""
    for name, value in (("cell_voltage_V", cell_voltage_V), ("resistor_Ohm", resistor_Ohm), ("fet_on_Ohm", fet_on_Ohm)):
        if not (math.isfinite(value) and value >= 0):
            raise ParameterError(f"must be a finite number ≥ 0, got {value!r}", field=name)
    if not cell_voltage_V > 0:
        raise ParameterError(f"a cell voltage must be positive, got {cell_voltage_V!r}", field="cell_voltage_V")
    if not resistor_rating_W > 0:  # NaN and ≤ 0 refused; inf means "no rating given"
        raise ParameterError(f"a power rating must be positive, got {resistor_rating_W!r}", field="resistor_rating_W")
    if not max_current_A > 0:
        raise ParameterError(f"a current limit must be positive, got {max_current_A!r}", field="max_current_A")
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
