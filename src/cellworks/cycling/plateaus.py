"""Li–S discharge: capacity of the upper and the lower plateau.

A Li–S discharge has two plateaus: ~2.3–2.4 V (S₈ → long-chain Li₂Sₙ, 4 ≤ n ≤ 8) and ~2.1 V
(→ Li₂S₂/Li₂S). Between them the voltage usually passes through a local minimum (the
supersaturation "dip" before Li₂S nucleates) and recovers a little. The split is placed

1. when the curve has that **local minimum** between the plateaus: by default at the steepest
   point of the fall *into* the dip (``split_at="inflection"``), or at the minimum itself
   (``split_at="minimum"``). Why the inflection by default: the fall is steepest when the
   upper-plateau reactant (S₈) runs out and the potential swings to the lower-plateau reaction;
   the dip comes *after* that, while Li₂S has yet to nucleate, and its charge already goes
   through the lower-plateau reaction. On the Marinescu (2016) model discharged at 1.7 A the
   minimum lies ~4 % of the upper-plateau capacity past S₈ exhaustion, the steepest point within
   ~0.5 % (tests/cycling/test_plateaus.py). The dip is reported in either case;
2. when there is no minimum, at a **voltage threshold**: where the voltage first falls below ``threshold_V`` (by default the
   midpoint between the two plateau levels measured on the curve itself — the median voltage of the
   first ``upper_window`` and of the ``lower_window`` fraction of the capacity — or a fixed value
   the user gives).

Upper-plateau capacity = capacity from the start of the discharge to the split; lower = the rest.
For complete conversion the ideal ratio lower/upper is 3 (S₈ → Li₂S₄ takes 4 e⁻ per S₈, Li₂S₄ →
Li₂S 12 e⁻: 419 and 1256 of the 1675 mAh g⁻¹).

The search works on V(Q) resampled to ``grid_points`` uniform capacity points and smoothed by a
moving average of ``smoothing_fraction`` of the discharge capacity (1 %); a minimum counts when
the voltage rises by at least ``min_prominence_V`` after it, it lies between ``search_window``
fractions of the capacity, and below the threshold.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cellworks.errors import InputError, ParameterError

if TYPE_CHECKING:
    import pandas as pd

    from cellworks.timeseries import CyclingData


@dataclass(frozen=True)
class PlateauParams:
    """How the split is searched (defaults for Li–S coin and pouch cells)."""

    threshold_V: float | None = None  # None: midpoint of the two plateau levels of the curve
    min_prominence_V: float = 0.003  # rise after the dip; larger than cycler voltage noise (~1 mV)
    search_window: tuple[float, float] = (0.05, 0.8)  # fraction of the discharge capacity
    upper_window: tuple[float, float] = (0.02, 0.12)  # where the upper plateau level is measured
    lower_window: tuple[float, float] = (0.5, 0.85)  # where the lower plateau level is measured
    grid_points: int = 1000
    split_at: str = "inflection"  # "inflection" (steepest fall before the dip) or "minimum" (the dip)
    smoothing_fraction: float = 0.01
    def __post_init__(self) -> None:
        if self.split_at not in ("inflection", "minimum"):
            raise ParameterError(f"split_at must be 'inflection' or 'minimum', got '{self.split_at}'", field="split_at")

    source: str = (
        "two-plateau Li–S discharge (2.3–2.4 V and ~2.1 V) and the dip between them: REFERENCE §1 "
        "(document 000) and Marinescu, Zhang, Offer, PCCP 18 (2016) 584"
    )


@dataclass(frozen=True)
class PlateauSplit:
    """Upper/lower plateau capacities of one discharge (Ah) and how the split was found."""

    upper_Ah: float
    lower_Ah: float
    total_Ah: float
    split_capacity_Ah: float
    split_voltage_V: float
    method: str  # "inflection-before-minimum", "local-minimum" or "threshold"
    threshold_V: float
    dip_capacity_Ah: float = float("nan")  # the local minimum, when there is one
    dip_voltage_V: float = float("nan")

    @property
    def lower_to_upper_ratio(self) -> float:
        return self.lower_Ah / self.upper_Ah if self.upper_Ah > 0 else float("nan")

    @property
    def upper_fraction(self) -> float:
        return self.upper_Ah / self.total_Ah if self.total_Ah > 0 else float("nan")


def split_discharge(capacity_Ah: Any, voltage_V: Any, params: PlateauParams | None = None) -> PlateauSplit:
    """Split one discharge curve (cumulative capacity, voltage) into its two plateaus."""
    import numpy as np
    from scipy.signal import find_peaks

    p = params or PlateauParams()
    q = np.asarray(capacity_Ah, dtype=float)
    v = np.asarray(voltage_V, dtype=float)
    if q.shape != v.shape or q.size < 10:
        raise InputError(f"a discharge curve needs ≥ 10 points of capacity and voltage, got {q.size}", field="capacity_Ah")
    good = np.isfinite(q) & np.isfinite(v)
    q, v = q[good], v[good]
    q = np.maximum.accumulate(q)
    total = float(q[-1] - q[0])
    q = q - q[0]
    if total <= 0:
        raise InputError("the discharge passes no charge: no plateaus to split", field="capacity_Ah")
    keep = np.ones(q.size, dtype=bool)
    keep[1:] = np.diff(q) > 0
    qs, vs = q[keep], v[keep]
    grid = np.linspace(0.0, total, p.grid_points)
    vg = np.interp(grid, qs, vs)
    w = max(1, int(round(p.smoothing_fraction * p.grid_points)))
    if w > 1:
        pad = np.pad(vg, (w // 2, w - 1 - w // 2), mode="edge")
        vsm = np.convolve(pad, np.ones(w) / w, mode="valid")
    else:
        vsm = vg
    frac = grid / total

    def level(win: tuple[float, float]) -> float:
        m = (frac >= win[0]) & (frac <= win[1])
        return float(np.median(vsm[m])) if m.any() else float("nan")

    thr = p.threshold_V if p.threshold_V is not None else 0.5 * (level(p.upper_window) + level(p.lower_window))
    peaks, props = find_peaks(-vsm, prominence=p.min_prominence_V)
    cand = [
        (float(props["prominences"][j]), int(k))
        for j, k in enumerate(peaks)
        if p.search_window[0] <= frac[k] <= p.search_window[1] and vsm[k] < thr
    ]
    if cand:
        k = max(cand)[1]
        dip_q, dip_v = float(grid[k]), float(vsm[k])
        if p.split_at == "minimum":
            q_split, v_split = dip_q, dip_v
            method = "local-minimum"
        else:
            # steepest fall between the upper plateau and the dip: where the upper-plateau
            # reactant runs out and the potential swings over to the lower-plateau reaction
            lo = int(np.searchsorted(frac, p.search_window[0]))
            slope = np.gradient(vsm, grid)
            j = lo + int(np.argmin(slope[lo : k + 1])) if k > lo else k
            q_split, v_split = float(grid[j]), float(vsm[j])
            method = "inflection-before-minimum"
    else:
        below = np.flatnonzero(vsm < thr)
        if below.size == 0:
            q_split, v_split = total, float(vsm[-1])
        else:
            k = int(below[0])
            if k == 0:
                q_split = 0.0
            else:  # interpolate the crossing between grid points k-1 and k
                f = (vsm[k - 1] - thr) / (vsm[k - 1] - vsm[k])
                q_split = float(grid[k - 1] + f * (grid[k] - grid[k - 1]))
            v_split = thr
        method = "threshold"
        dip_q, dip_v = float("nan"), float("nan")
    return PlateauSplit(
        upper_Ah=q_split,
        lower_Ah=total - q_split,
        total_Ah=total,
        split_capacity_Ah=q_split,
        split_voltage_V=v_split,
        method=method,
        threshold_V=float(thr),
        dip_capacity_Ah=dip_q,
        dip_voltage_V=dip_v,
    )


def plateau_table(
    data: CyclingData,
    *,
    pairing: str = "auto",
    active_mass_g: float | None = None,
    params: PlateauParams | None = None,
) -> pd.DataFrame:
    """The split for the discharge half-cycle of every cycle (mAh, and mAh/g with a mass)."""
    import pandas as pd

    from cellworks.cycling.cycles import half_cycles

    mass = active_mass_g if active_mass_g is not None else data.meta.active_mass_g
    rows = []
    for hc in half_cycles(data, pairing=pairing, direction="discharge"):
        if hc.capacity_Ah.size < 10 or hc.capacity_Ah[-1] - hc.capacity_Ah[0] <= 0:
            continue
        s = split_discharge(hc.capacity_Ah, hc.voltage_V, params)
        row: dict[str, Any] = {
            "cycle": hc.cycle,
            "upper_plateau_mAh": s.upper_Ah * 1e3,
            "lower_plateau_mAh": s.lower_Ah * 1e3,
            "lower_to_upper_ratio": s.lower_to_upper_ratio,
            "split_voltage_V": s.split_voltage_V,
            "method": s.method,
            "threshold_V": s.threshold_V,
        }
        if mass is not None:
            row["upper_plateau_mAh_per_g"] = s.upper_Ah * 1e3 / mass
            row["lower_plateau_mAh_per_g"] = s.lower_Ah * 1e3 / mass
        rows.append(row)
    return pd.DataFrame(rows)


__all__ = ["PlateauParams", "PlateauSplit", "plateau_table", "split_discharge"]
