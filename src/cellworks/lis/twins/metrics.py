"""What a twin run is compared on: capacities, maxima, retention, coulombic efficiency, plateaus, R_ct.

Pure functions of a :class:`~cellworks.lis.twins.mechanisms.TwinRun` (or a cell).
"""

from __future__ import annotations

import math
from typing import Any

from cellworks.lis.twins.mechanisms import TwinCell, TwinRun

#: relative band below the maximum whose cycles make up the smooth peak position
PEAK_BAND_REL = 0.005
#: share of each plateau's capacity (from its start) over which its voltage is the median
PLATEAU_WINDOW = (0.1, 0.9)


def capacity_at(run: TwinRun, cycle: int) -> float:
    """Discharge capacity [mAh/g S] of a 1-based cycle (NaN if the run did not reach it)."""
    if 1 <= cycle <= len(run.cycles):
        return run.cycles[cycle - 1].discharge_mAh_per_g
    return math.nan


def max_capacity(run: TwinRun, last_cycle: int | None = None) -> tuple[float, int]:
    """Maximum discharge capacity and its 1-based cycle (over the first ``last_cycle`` cycles)."""
    caps = run.discharge[: last_cycle or None]
    if not caps:
        return math.nan, 0
    k = max(range(len(caps)), key=lambda i: caps[i])
    return caps[k], k + 1


def smooth_cycle_of_max(run: TwinRun, last_cycle: int | None = None, band_rel: float = PEAK_BAND_REL) -> float:
    """Peak position as a continuous number: the centroid of the cycles within ``band_rel`` of the
    maximum, weighted by (C_n − (1 − band_rel)·C_max)². It moves continuously with the parameters
    (the integer arg-max jumps on a flat top), so the calibration can follow it."""
    caps = run.discharge[: last_cycle or None]
    if not caps:
        return math.nan
    floor = (1.0 - band_rel) * max(caps)
    w = [max(c - floor, 0.0) ** 2 for c in caps]
    sw = sum(w)
    return sum((i + 1) * wi for i, wi in enumerate(w)) / sw if sw > 0 else float(max_capacity(run)[1])


def retention(run: TwinRun, last_cycle: int | None = None) -> float:
    """Capacity at the last cycle over the maximum capacity (fraction)."""
    caps = run.discharge
    n = last_cycle or len(caps)
    if n > len(caps) or n < 1:
        return math.nan
    cmax = max(caps[:n])
    return caps[n - 1] / cmax if cmax > 0 else math.nan


def coulombic_efficiency_by_cycle(run: TwinRun) -> list[float]:
    """Each discharge over the charge before it, discharge_n / charge_(n−1), n ≥ 2 (fractions)."""
    return [run.cycles[i].discharge_mAh_per_g / run.cycles[i - 1].charge_mAh_per_g
            for i in range(1, len(run.cycles)) if run.cycles[i - 1].charge_mAh_per_g > 0]


def coulombic_efficiency(run: TwinRun) -> float:
    """Mean of :func:`coulombic_efficiency_by_cycle` (fraction)."""
    ce = coulombic_efficiency_by_cycle(run)
    return float(sum(ce) / len(ce)) if ce else math.nan


def mean_capacity(run: TwinRun, first: int, last: int) -> float:
    """Mean discharge capacity of cycles ``first`` … ``last`` [mAh/g]."""
    caps = [capacity_at(run, c) for c in range(first, last + 1)]
    return float(sum(caps) / len(caps)) if caps else math.nan


def max_charge(run: TwinRun) -> float:
    """Largest charge capacity of any cycle [mAh/g]."""
    return max(run.charge, default=math.nan)


def shuttle_share(run: TwinRun) -> float:
    """Share of all charge that went to the shuttle during the run's charges (fraction)."""
    total = sum(c.charge_mAh_per_g for c in run.cycles)
    return sum(c.shuttle_charge_mAh_per_g for c in run.cycles) / total if total > 0 else math.nan


def plateau_voltages(capacity_mAh_per_g: Any, voltage_V: Any) -> dict[str, float]:
    """Upper and lower plateau voltages of one discharge: the curve is split by the cycling part's
    plateau split (:func:`cellworks.cycling.split_discharge`) and each part's median voltage over
    ``PLATEAU_WINDOW`` of its capacity is its plateau."""
    import numpy as np

    from cellworks.cycling import split_discharge

    q = np.asarray(capacity_mAh_per_g, dtype=float)
    v = np.asarray(voltage_V, dtype=float)
    s = split_discharge(q / 1e3, v)  # the split works in Ah; any unit of capacity does
    q_split = s.split_capacity_Ah * 1e3
    total = float(q[-1] - q[0])
    out = {"split_mAh_per_g": q_split, "method": s.method}

    def median(a: float, b: float) -> float:
        lo = a + PLATEAU_WINDOW[0] * (b - a)
        hi = a + PLATEAU_WINDOW[1] * (b - a)
        m = (q - q[0] >= lo) & (q - q[0] <= hi)
        if m.sum() < 2:
            grid = np.linspace(lo, hi, 50)
            return float(np.median(np.interp(grid, q - q[0], v)))
        return float(np.median(v[m]))

    out["upper"] = median(0.0, q_split)
    out["lower"] = median(q_split, total)
    return out


def charge_transfer_resistance(cell: TwinCell) -> dict[str, float]:
    """R_ct [Ω] of the charged cell at rest: the linearised Butler–Volmer current balance, cathode
    (all three couples in parallel at zero overpotential: 1/(2b·Σ i_j0·a₀), the surface free of
    Li₂S) in series with the lithium (RT/(F·i₀·A_an)). At rest the couples are in equilibrium with
    one another, so the state's composition does not enter."""
    from cellworks.constants import FARADAY_C_PER_MOL, GAS_CONSTANT_J_PER_MOL_K

    p = cell.params
    rt_f = GAS_CONSTANT_J_PER_MOL_K * p.temperature_K / FARADAY_C_PER_MOL
    b = p.electrons_rds / (2.0 * rt_f)
    a_sum = (p.i_H0_A_per_m2 + p.i_M0_A_per_m2 + p.i_L0_A_per_m2) * p.reaction_area_m2
    r_cat = 1.0 / (2.0 * b * a_sum)
    i0a = p.anode_i0_A_per_m2 * p.anode_area_m2
    r_an = rt_f / i0a if i0a > 0 else 0.0
    return {"R_ct_cathode_Ohm": r_cat, "R_ct_anode_Ohm": r_an, "R_ct_total_Ohm": r_cat + r_an}


def charged_impedance(cell: TwinCell, freq_Hz: Any) -> Any:
    """Lumped impedance of the charged cell at rest [Ω]: series resistance (contacts, separator,
    polysulfide-free electrolyte) + cathode and lithium R_ct ∥ C_dl (double layers on the reaction
    and the anode area)."""
    import numpy as np

    p = cell.params
    r = charge_transfer_resistance(cell)
    w = 2.0 * np.pi * np.asarray(freq_Hz, dtype=float)
    c_cat = p.C_dl_cathode_F_per_m2 * p.reaction_area_m2
    c_an = p.C_dl_anode_F_per_m2 * p.anode_area_m2
    z = np.full(w.shape, p.series_resistance_Ohm + p.electrolyte_resistance_Ohm, dtype=complex)
    z += r["R_ct_cathode_Ohm"] / (1.0 + 1j * w * r["R_ct_cathode_Ohm"] * c_cat)
    if r["R_ct_anode_Ohm"] > 0:
        z += r["R_ct_anode_Ohm"] / (1.0 + 1j * w * r["R_ct_anode_Ohm"] * c_an)
    return z


__all__ = ["PEAK_BAND_REL", "capacity_at", "charge_transfer_resistance", "charged_impedance", "coulombic_efficiency",
           "coulombic_efficiency_by_cycle", "max_capacity", "max_charge", "mean_capacity", "plateau_voltages",
           "retention", "shuttle_share", "smooth_cycle_of_max"]
