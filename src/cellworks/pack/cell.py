"""Equivalent-circuit cell: Plett's enhanced self-correcting (ESC) model plus leakage and heat.

Per cell (current ``i`` > 0 on **discharge** inside the simulator, Plett's convention; the cycling
table flips it at the boundary)::

    z[k+1]    = z[k] − η·i·Δt / Q                       (η = coulombic efficiency on charge, 1 on discharge)
    iR_j[k+1] = a_j·iR_j[k] + (1 − a_j)·i[k],  a_j = exp(−Δt/τ_j)
    h[k+1]    = A_H·h[k] − (1 − A_H)·sgn(i),   A_H = exp(−|γ·η·i·Δt / Q|)
    v         = OCV(z) + M₀·s + M·h − Σ R_j·iR_j − R₀·i

(G. Plett, *Battery Management Systems*, vol. 1 ch. 2 and vol. 2). A soft short or self-discharge
is a leakage resistance across the cell terminals (40 kΩ at ~3.7 V → ~0.1 mA, application note
003), optionally a constant leakage current (Plett's pack-variation study: 10–12 mA). An optional
lumped thermal node heats with R₀·i² + Σ R_j·iR_j² and cools to ambient through R_th; the
resistances follow Arrhenius, R(T) = R(T_ref)·exp(E_a/R·(1/T − 1/T_ref)).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cellworks.constants import GAS_CONSTANT_J_PER_MOL_K
from cellworks.errors import FileFormatError, ParameterError

if TYPE_CHECKING:
    import numpy as np

#: full-cell OCV of an LG M50 (NMC811/graphite), Chen et al. 2020 parameters, SOC 0, 0.1 … 1 (REFERENCE §5)
LG_M50_OCV_V: tuple[float, ...] = (2.500, 3.296, 3.485, 3.581, 3.667, 3.751, 3.841, 3.948, 4.042, 4.097, 4.200)
LG_M50_SOURCE = "LG M50 full-cell OCV, Chen et al., J. Electrochem. Soc. 167 (2020) 080534 (PyBaMM Chen2020)"
#: entropic coefficient dU/dT of the same NMC811/graphite cell at SOC 0, 0.1 … 1 [V/K]: O'Regan et al.
#: 2022 electrode fits (dUp/dT − dUn/dT) on the Chen 2020 stoichiometry windows (research notes §4)
LG_M50_DUDT_V_PER_K: tuple[float, ...] = tuple(x * 1e-3 for x in (
    -0.250, -0.363, -0.088, -0.044, -0.010, 0.015, 0.030, 0.042, 0.052, 0.065, 0.101))
LG_M50_DUDT_SOURCE = ("dU/dT: O'Regan, Brosa Planella, Widanage, Kendrick, Electrochim. Acta 425 (2022) 140700, "
                      "NMC811 and graphite fits, full cell on the Chen 2020 stoichiometry windows")
#: the application note's V_mid (OCV at 50 % SOC) — compare OcvTable.v_mid_V of the curve in use
NOTE_V_MID_V = 3.67

#: number of points of the uniform SOC grid the simulator uses (any table is resampled onto it)
OCV_GRID_POINTS = 201
GAS_CONSTANT = GAS_CONSTANT_J_PER_MOL_K  # kept for callers of the old name


@dataclass(frozen=True)
class OcvTable:
    """Open-circuit voltage against state of charge (monotonic in SOC, 0 … 1)."""

    soc: tuple[float, ...]
    voltage_V: tuple[float, ...]
    source: str = ""
    #: entropic coefficient dU/dT on the same SOC points [V/K]; empty: OCV independent of temperature
    dudt_V_per_K: tuple[float, ...] = ()
    #: temperature at which ``voltage_V`` holds: OCV(z, T) = OCV(z) + (T − reference_C)·dU/dT(z)
    reference_C: float = 25.0

    def __post_init__(self) -> None:
        if len(self.soc) != len(self.voltage_V) or len(self.soc) < 2:
            raise ParameterError("OCV table needs at least two (SOC, voltage) points of equal count", field="ocv")
        if self.dudt_V_per_K and len(self.dudt_V_per_K) != len(self.soc):
            raise ParameterError("dU/dT needs one value per SOC point of the OCV table", field="ocv.dudt_V_per_K")
        if any(not math.isfinite(v) for v in self.dudt_V_per_K):
            raise ParameterError("dU/dT holds a non-finite value", field="ocv.dudt_V_per_K")
        if any(b <= a for a, b in zip(self.soc, self.soc[1:], strict=False)):
            raise ParameterError("OCV table SOC values must increase strictly", field="ocv.soc")
        if any(not math.isfinite(v) for v in self.voltage_V):
            raise ParameterError("OCV table holds a non-finite voltage", field="ocv.voltage_V")

    def grid(self, n: int = OCV_GRID_POINTS) -> np.ndarray:
        """OCV on a uniform SOC grid 0 … 1 of ``n`` points (linear interpolation, end slopes outside)."""
        return _on_grid(self.soc, self.voltage_V, n)

    def dudt_grid(self, n: int = OCV_GRID_POINTS) -> np.ndarray:
        """dU/dT on the same grid (zeros when the table has none)."""
        import numpy as np

        if not self.dudt_V_per_K:
            return np.zeros(n)
        return _on_grid(self.soc, self.dudt_V_per_K, n)

    def at(self, soc: Any, temperature_C: Any = None) -> Any:
        """OCV(z, T) (at the reference temperature when ``temperature_C`` is None)."""
        import numpy as np

        v = np.interp(soc, self.soc, self.voltage_V)
        if temperature_C is not None and self.dudt_V_per_K:
            v = v + (np.asarray(temperature_C, float) - self.reference_C) * np.interp(soc, self.soc, self.dudt_V_per_K)
        return v

    @property
    def v_mid_V(self) -> float:
        """OCV at 50 % SOC (the note's V_mid) of this curve."""
        return float(self.at(0.5))

    def __call__(self, soc: Any) -> Any:
        import numpy as np

        return np.interp(soc, self.soc, self.voltage_V)

    def soc_at(self, voltage_V: Any) -> Any:
        """Inverse lookup (the table is monotonic)."""
        import numpy as np

        return np.interp(voltage_V, self.voltage_V, self.soc)

    @classmethod
    def lg_m50(cls) -> OcvTable:
        """LG M50 (NMC811/graphite) OCV of Chen et al. 2020 with O'Regan 2022's entropic coefficient."""
        return cls(tuple(i / 10 for i in range(11)), LG_M50_OCV_V, LG_M50_SOURCE + "; " + LG_M50_DUDT_SOURCE,
                   dudt_V_per_K=LG_M50_DUDT_V_PER_K)

    @classmethod
    def from_csv(cls, path: str | Path) -> OcvTable:
        """Two columns ``soc,voltage_V`` (header optional, ``#`` comments; SOC as a fraction or in %)."""
        return _read_ocv_csv(Path(path))


def _on_grid(soc: tuple[float, ...], values: tuple[float, ...], n: int) -> np.ndarray:
    import numpy as np

    x = np.asarray(soc, float)
    y = np.asarray(values, float)
    g = np.linspace(0.0, 1.0, n)
    out = np.interp(g, x, y)
    lo, hi = g < x[0], g > x[-1]
    out[lo] = y[0] + (g[lo] - x[0]) * (y[1] - y[0]) / (x[1] - x[0])
    out[hi] = y[-1] + (g[hi] - x[-1]) * (y[-1] - y[-2]) / (x[-1] - x[-2])
    return out


def _read_ocv_csv(p: Path) -> OcvTable:
    if not p.exists():
        raise FileNotFoundError(2, "No such file", str(p))
    soc: list[float] = []
    volt: list[float] = []
    for n, line in enumerate(p.read_text(encoding="utf-8", errors="replace").splitlines(), start=1):
        s = line.split("#", 1)[0].strip()
        if not s:
            continue
        parts = [q.strip() for q in s.replace(";", ",").split(",")]
        if len(parts) < 2:
            raise FileFormatError("expected two columns: soc, voltage_V", file=p, record=f"line {n}")
        try:
            a, b = float(parts[0]), float(parts[1])
        except ValueError:
            if not soc:  # header
                continue
            raise FileFormatError(f"not a number: {line.strip()!r}", file=p, record=f"line {n}") from None
        soc.append(a)
        volt.append(b)
    if max(soc, default=0.0) > 1.5:  # given in percent
        soc = [x / 100.0 for x in soc]
    try:
        return OcvTable(tuple(soc), tuple(volt), source=str(p))
    except ParameterError as exc:
        raise FileFormatError(exc.message, file=p) from None


@dataclass(frozen=True)
class CellParams:
    """One cell's equivalent circuit (values at the reference temperature)."""

    capacity_Ah: float = 2.0
    r0_Ohm: float = 0.100
    rc_R_Ohm: tuple[float, ...] = (0.015, 0.010)
    rc_tau_s: tuple[float, ...] = (10.0, 200.0)
    coulombic_efficiency: float = 0.999
    ocv: OcvTable = field(default_factory=OcvTable.lg_m50)
    v_max_V: float = 4.20
    v_min_V: float = 2.50
    hysteresis_M_V: float = 0.0
    hysteresis_M0_V: float = 0.0
    hysteresis_gamma: float = 0.0
    #: the instantaneous hysteresis sign follows the current when |i| exceeds this many C (Plett: Q/100)
    hysteresis_sign_threshold_C: float = 0.01
    leak_Ohm: float = math.inf  # soft short / self-discharge path across the cell
    leak_A: float = 0.0  # constant leakage current (Plett's variation study)
    # lumped thermal node (thermal_R_K_per_W = inf: isothermal at ambient)
    ambient_C: float = 25.0
    heat_capacity_J_per_K: float = 40.0
    thermal_R_K_per_W: float = math.inf
    activation_energy_J_per_mol: float = 0.0
    reference_C: float = 25.0
    source: str = (
        "18650 Li-ion, 2000 mAh, ~100 mΩ, 4.20 V full (application note 003, Intersil AN); "
        "OCV shape: LG M50, Chen et al. 2020; RC pairs: typical 18650 values (Plett vol. 1 ch. 2)"
    )

    def __post_init__(self) -> None:
        checks = [
            ("capacity_Ah", self.capacity_Ah > 0),
            ("r0_Ohm", self.r0_Ohm > 0),
            ("coulombic_efficiency", 0 < self.coulombic_efficiency <= 1),
            ("v_max_V", self.v_max_V > self.v_min_V),
            ("leak_Ohm", self.leak_Ohm > 0),
            ("leak_A", self.leak_A >= 0),
            ("heat_capacity_J_per_K", self.heat_capacity_J_per_K > 0),
            ("thermal_R_K_per_W", self.thermal_R_K_per_W > 0),
            ("hysteresis_sign_threshold_C", self.hysteresis_sign_threshold_C >= 0),
            ("ambient_C", math.isfinite(self.ambient_C) and self.ambient_C > -273.15),
        ]
        for name, ok in checks:
            if not ok:
                raise ParameterError(f"impossible value {getattr(self, name)!r}", field=name)
        if len(self.rc_R_Ohm) != len(self.rc_tau_s) or len(self.rc_R_Ohm) > 2:
            raise ParameterError("give zero, one or two RC pairs (equal numbers of R and tau)", field="rc_R_Ohm")
        if any(r < 0 for r in self.rc_R_Ohm) or any(t <= 0 for t in self.rc_tau_s):
            raise ParameterError("RC resistances must be ≥ 0 and time constants > 0", field="rc_tau_s")

    def with_(self, **changes: Any) -> CellParams:
        """A copy with some fields changed."""
        return replace(self, **changes)


def note_18650() -> CellParams:
    """The application note's 18650: 2000 mAh, ~100 mΩ, 4.20 V full; LG M50 OCV shape."""
    return CellParams()


def lg_m50() -> CellParams:
    """LG M50 21700 (5 Ah); R0 and RC from Chen et al. 2020 pulse data, order of magnitude."""
    return CellParams(
        capacity_Ah=5.0,
        r0_Ohm=0.025,
        rc_R_Ohm=(0.008, 0.010),
        rc_tau_s=(15.0, 300.0),
        source="LG M50 (Chen et al., J. Electrochem. Soc. 167 (2020) 080534); ECM values typical of its HPPC",
    )


PRESETS = {"note_18650": note_18650, "lg_m50": lg_m50}


def preset(name: str) -> CellParams:
    """A shipped cell by name (``note_18650``, ``lg_m50``)."""
    try:
        return PRESETS[name]()
    except KeyError:
        raise ParameterError(f"unknown cell preset {name!r} (known: {', '.join(PRESETS)})", field="cell.preset") from None


def leak_resistance_for_drain(
    drain_per_month: float, capacity_Ah: float, mean_voltage_V: float, days_per_month: float = 30.436875
) -> float:
    """Leakage resistance that drains ``drain_per_month`` of the capacity per month at ``mean_voltage_V``."""
    if drain_per_month <= 0:
        raise ParameterError("drain per month must be positive", field="drain_per_month")
    current_A = drain_per_month * capacity_Ah / (days_per_month * 24.0)
    return mean_voltage_V / current_A
