"""The typed steps of an experiment: kinds, controls, limits, terminations, steps, protocols."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from cellworks.errors import ParameterError
from cellworks.units import Dim


class StepKind(enum.StrEnum):
    """What a step does to the cell: charge, discharge, rest, or hold at a voltage."""

    CHARGE = "charge"
    DISCHARGE = "discharge"
    REST = "rest"
    HOLD = "hold"


class Control(enum.StrEnum):
    """What the step imposes. The value's unit is :data:`CONTROL_UNIT`."""

    CURRENT = "current"
    C_RATE = "c_rate"
    CURRENT_PER_MASS = "current_per_mass"
    CURRENT_PER_AREA = "current_per_area"
    POWER = "power"
    RESISTANCE = "resistance"
    VOLTAGE = "voltage"
    REST = "rest"


class Limit(enum.StrEnum):
    """What a termination condition watches."""

    VOLTAGE = "voltage"  # discharge: V ≤ value; charge: V ≥ value
    CURRENT = "current"  # |I| ≤ value (ends a voltage hold)
    C_RATE = "c_rate"  # |I| ≤ value × nominal capacity
    CURRENT_PER_MASS = "current_per_mass"
    CURRENT_PER_AREA = "current_per_area"
    CAPACITY = "capacity"  # charge passed in this step ≥ value


_DIM_TO_CONTROL = {
    Dim.CURRENT: Control.CURRENT,
    Dim.C_RATE: Control.C_RATE,
    Dim.CURRENT_PER_MASS: Control.CURRENT_PER_MASS,
    Dim.CURRENT_PER_AREA: Control.CURRENT_PER_AREA,
    Dim.POWER: Control.POWER,
    Dim.RESISTANCE: Control.RESISTANCE,
    Dim.VOLTAGE: Control.VOLTAGE,
}
_DIM_TO_LIMIT = {
    Dim.VOLTAGE: Limit.VOLTAGE,
    Dim.CURRENT: Limit.CURRENT,
    Dim.C_RATE: Limit.C_RATE,
    Dim.CURRENT_PER_MASS: Limit.CURRENT_PER_MASS,
    Dim.CURRENT_PER_AREA: Limit.CURRENT_PER_AREA,
    Dim.CHARGE: Limit.CAPACITY,
}
#: field name of a control's value in JSON and as a Step property
CONTROL_FIELD: dict[Control, str] = {
    Control.CURRENT: "current_A",
    Control.C_RATE: "c_rate",
    Control.CURRENT_PER_MASS: "current_A_per_g",
    Control.CURRENT_PER_AREA: "current_A_per_m2",
    Control.POWER: "power_W",
    Control.RESISTANCE: "resistance_Ohm",
    Control.VOLTAGE: "voltage_V",
}
LIMIT_FIELD: dict[Limit, str] = {
    Limit.VOLTAGE: "voltage_V",
    Limit.CURRENT: "current_A",
    Limit.C_RATE: "c_rate",
    Limit.CURRENT_PER_MASS: "current_A_per_g",
    Limit.CURRENT_PER_AREA: "current_A_per_m2",
    Limit.CAPACITY: "capacity_Ah",
}


@dataclass(frozen=True)
class Termination:
    """One ``until`` condition of a step."""

    limit: Limit
    value: float  # base unit of the limit: V, A, C, A/g, A/m2, Ah

    def to_dict(self) -> dict[str, Any]:
        return {"limit": self.limit.value, LIMIT_FIELD[self.limit]: self.value}


@dataclass(frozen=True)
class Step:
    """One step of an experiment. ``value`` is a magnitude in the unit of ``control``."""

    kind: StepKind
    control: Control
    value: float
    duration_s: float | None = None
    terminations: tuple[Termination, ...] = ()
    text: str = ""
    position: int = 0

    # typed accessors: the value under its unit-bearing name, or None when not this control
    @property
    def current_A(self) -> float | None:
        return self.value if self.control is Control.CURRENT else None

    @property
    def c_rate(self) -> float | None:
        return self.value if self.control is Control.C_RATE else None

    @property
    def current_A_per_g(self) -> float | None:
        return self.value if self.control is Control.CURRENT_PER_MASS else None

    @property
    def current_A_per_m2(self) -> float | None:
        return self.value if self.control is Control.CURRENT_PER_AREA else None

    @property
    def power_W(self) -> float | None:
        return self.value if self.control is Control.POWER else None

    @property
    def resistance_Ohm(self) -> float | None:
        return self.value if self.control is Control.RESISTANCE else None

    @property
    def voltage_V(self) -> float | None:
        return self.value if self.control is Control.VOLTAGE else None

    @property
    def sign(self) -> int:
        """+1 charge, −1 discharge, 0 rest/hold (the cycling-table convention: charge > 0)."""
        return {StepKind.CHARGE: 1, StepKind.DISCHARGE: -1}.get(self.kind, 0)

    def voltage_cutoff_V(self) -> float | None:
        """The first voltage limit, if any."""
        for t in self.terminations:
            if t.limit is Limit.VOLTAGE:
                return t.value
        return None

    def resolve_current_A(
        self,
        *,
        active_mass_g: float | None = None,
        area_m2: float | None = None,
        capacity_Ah: float | None = None,
    ) -> float:
        """Current magnitude in A for current-like controls, given what the cell knows."""
        if self.control is Control.CURRENT:
            return self.value
        if self.control is Control.CURRENT_PER_MASS:
            if active_mass_g is None:
                raise ParameterError("step current is per gram but the cell has no active mass", token=self.text)
            return self.value * active_mass_g
        if self.control is Control.CURRENT_PER_AREA:
            if area_m2 is None:
                raise ParameterError("step current is per area but the cell has no area", token=self.text)
            return self.value * area_m2
        if self.control is Control.C_RATE:
            if capacity_Ah is None:
                raise ParameterError("step current is a C-rate but the cell has no nominal capacity", token=self.text)
            return self.value * capacity_Ah
        raise ParameterError(f"step controls {self.control.value}, not current", token=self.text)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"kind": self.kind.value, "control": self.control.value}
        if self.control is not Control.REST:
            d[CONTROL_FIELD[self.control]] = self.value
        d["duration_s"] = self.duration_s
        d["until"] = [t.to_dict() for t in self.terminations]
        d["text"] = self.text
        return d


@dataclass(frozen=True)
class Protocol:
    """A parsed experiment: cycles of steps (as PyBaMM's Experiment)."""

    cycles: tuple[tuple[Step, ...], ...]
    text: str = ""

    @property
    def steps(self) -> tuple[Step, ...]:
        return tuple(s for cyc in self.cycles for s in cyc)

    def __len__(self) -> int:
        return sum(len(c) for c in self.cycles)

    # PyBaMM interchange (cellworks.protocol.pybamm; PyBaMM itself is optional)
    def to_pybamm(self, *, active_mass_g: float | None = None, area_m2: float | None = None,
                  **experiment_kwargs: Any) -> Any:
        """This protocol as a ``pybamm.Experiment`` (needs PyBaMM); see :mod:`cellworks.protocol.pybamm`."""
        from cellworks.protocol.pybamm import to_pybamm

        return to_pybamm(self, active_mass_g=active_mass_g, area_m2=area_m2, **experiment_kwargs)

    def to_pybamm_conditions(self, *, active_mass_g: float | None = None,
                             area_m2: float | None = None) -> list[tuple[str, ...]]:
        """``pybamm.Experiment``'s ``operating_conditions``: a tuple of step strings per cycle (no PyBaMM needed).

        >>> from cellworks.protocol import parse_protocol
        >>> parse_protocol("(Discharge at 1C until 2.5 V, Charge at 0.5 A for 2 hours or until 4.2 V) * 1").to_pybamm_conditions()
        [('Discharge at 1C until 2.5 V', 'Charge at 0.5 A for 2 hours or until 4.2 V')]
        """
        from cellworks.protocol.pybamm import to_pybamm_conditions

        return to_pybamm_conditions(self, active_mass_g=active_mass_g, area_m2=area_m2)

    @classmethod
    def from_pybamm(cls, experiment: Any) -> Protocol:
        """A protocol from a ``pybamm.Experiment``, its ``operating_conditions`` list or one step string."""
        from cellworks.protocol.pybamm import from_pybamm

        return from_pybamm(experiment)

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "n_cycles": len(self.cycles),
            "n_steps": len(self),
            "steps": [dict(s.to_dict(), cycle=i + 1) for i, cyc in enumerate(self.cycles) for s in cyc],
        }


