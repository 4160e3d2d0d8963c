"""Fit a model to measured discharge curves V(Q): ``cellworks lis fit-curves``.

Each fitted curve is simulated as ``Discharge at RATE A/g until V_end`` (V_end: the curve's last
voltage) from the preset's initial state, and compared on ``GRID_POINTS`` capacities evenly spread
over the measured curve; where the simulation ends earlier, its cut-off voltage stands in (a
shortfall of capacity costs voltage). One more residual per curve weighs the capacity mismatch,
``(Q_model − Q_measured)/Q_measured · CAPACITY_WEIGHT_V``. The parameters chosen with ``--fit``
are moved in [0, 1]-normalised coordinates (log for positive scales) by bounded trust-region least
squares (:func:`scipy.optimize.least_squares`, ``trf``) from the preset's values and ``starts``
random starts (``numpy.random.default_rng(seed)``); the best is kept.

Uncertainty from the Jacobian at the optimum: covariance s²·(JᵀJ)⁻¹ with s² = Σr²/(m − n), carried
to parameter units; the correlation matrix; a parameter is ``identifiable`` when its relative
standard error is below ``IDENTIFIABLE_REL_STDERR`` and no correlation with another exceeds
``IDENTIFIABLE_MAX_CORR`` in magnitude. Held-out curves are simulated once, with the final
parameters, after the fit: the objective never sees them.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from cellworks.errors import ParameterError
from cellworks.lis.readers.curves import MeasuredCurve

#: capacities per curve the voltages are compared at
GRID_POINTS = 100
#: voltage-equivalent weight of a 100 % capacity mismatch [V] (10 % capacity ≈ 50 mV)
CAPACITY_WEIGHT_V = 0.5
#: a parameter whose relative standard error exceeds this is not identifiable from the curves
IDENTIFIABLE_REL_STDERR = 0.5
#: nor one correlated with another beyond this
IDENTIFIABLE_MAX_CORR = 0.95
#: integrator tolerance of the fit's simulations (as the simulator's default)
FIT_RTOL = 1e-5


@dataclass(frozen=True)
class FitParameter:
    """A fitted parameter with its bounds (``log``: scaled logarithmically)."""

    name: str
    lo: float
    hi: float
    log: bool

    def to_unit(self, x: float) -> float:
        """Value → [0, 1]."""
        if self.log:
            return (math.log(x) - math.log(self.lo)) / (math.log(self.hi) - math.log(self.lo))
        return (x - self.lo) / (self.hi - self.lo)

    def from_unit(self, u: float) -> float:
        """[0, 1] → value."""
        u = min(max(u, 0.0), 1.0)
        if self.log:
            return float(math.exp(math.log(self.lo) + u * (math.log(self.hi) - math.log(self.lo))))
        return self.lo + u * (self.hi - self.lo)

    def dvalue_du(self, u: float) -> float:
        """d(value)/du at u (for carrying the covariance to parameter units)."""
        if self.log:
            return self.from_unit(u) * (math.log(self.hi) - math.log(self.lo))
        return self.hi - self.lo


#: distance from a bound, as a share of a parameter's search range, that counts as at the bound
AT_BOUND_UNIT = 1e-4
#: parameters fitted when ``--fit`` is not given
DEFAULT_FIT: dict[str, tuple[str, ...]] = {
    "chain3": ("E_H0_V", "E_L0_V", "passivation_resistance_Ohm", "li2s_pore_volume_L"),
    "marinescu2016": ("E_H0_V", "E_L0_V", "resistance_ohmic_Ohm"),
}
#: potentials move by at most this from the preset's value [V]
POTENTIAL_RANGE_V = 0.3
#: positive parameters move within this factor of the preset's value
SCALE_RANGE = 30.0


def fit_parameter(params: Any, name: str) -> FitParameter:
    """Bounds of a parameter around the preset's value: ±0.3 V for potentials, ×/÷30 for the rest."""
    from cellworks.lis.params import numeric_fields

    if name not in numeric_fields(params):
        raise ParameterError(f"unknown parameter (known: {', '.join(numeric_fields(params))})", field="--fit", token=name)
    v = float(getattr(params, name))
    if name.endswith("_V"):
        return FitParameter(name, v - POTENTIAL_RANGE_V, v + POTENTIAL_RANGE_V, False)
    if v <= 0:
        raise ParameterError(f"cannot fit a parameter whose preset value is {v:g} (needs > 0)", field="--fit", token=name)
    return FitParameter(name, v / SCALE_RANGE, v * SCALE_RANGE, True)


def simulate_curve(params: Any, curve: MeasuredCurve) -> tuple[Any, Any, str]:
    """(capacity mAh/g, voltage V, end reason) of the model discharged like ``curve``."""
    import numpy as np

    from cellworks.lis.simulation import simulate

    res = simulate(params, f"Discharge at {curve.rate_A_per_g:.10g} A/g until {curve.cutoff_V:.6g} V", rtol=FIT_RTOL,
                   dv_out_V=0.002, dq_out_Ah=0.002 * params.capacity_nominal_Ah)
    if res.data is None or res.status != "ok" or not res.steps:
        return np.array([0.0]), np.array([curve.cutoff_V]), "failed"
    tb = res.data.table
    q = tb["discharge_capacity_Ah"].to_numpy() / params.sulfur_mass_g * 1e3
    return q, tb["voltage_V"].to_numpy(), res.steps[0].end_reason


def curve_residuals(curve: MeasuredCurve, q_model: Any, v_model: Any) -> Any:
    """Voltage residuals on the curve's grid (model's cut-off beyond its end) + the capacity residual."""
    import numpy as np

    qm = np.asarray(curve.capacity_mAh_per_g)
    grid = np.linspace(0.0, float(qm[-1]), GRID_POINTS)
    v_meas = np.interp(grid, qm, np.asarray(curve.voltage_V))
    q_end = float(q_model[-1])
    v_sim = np.where(grid <= q_end, np.interp(grid, q_model, v_model), float(v_model[-1]))
    cap = (q_end - float(qm[-1])) / float(qm[-1]) * CAPACITY_WEIGHT_V
    return np.append(v_sim - v_meas, cap)


def rms_voltage(curve: MeasuredCurve, q_model: Any, v_model: Any) -> float:
    """RMS of the voltage residuals (the capacity term left out) [V]."""
    import numpy as np

    r = curve_residuals(curve, q_model, v_model)[:-1]
    return float(np.sqrt(np.mean(r * r)))


def _with_values(params: Any, free: Sequence[FitParameter], u: Sequence[float]) -> Any:
    return dataclasses.replace(params, **{fp.name: fp.from_unit(float(x)) for fp, x in zip(free, u, strict=True)})


def fit_curves(
    params: Any,
    fitted: Sequence[MeasuredCurve],
    held_out: Sequence[MeasuredCurve] = (),
    *,
    fit_names: Sequence[str] | None = None,
    starts: int = 2,
    seed: int = 0,
    max_nfev: int = 60,
    progress: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Fit ``fit_names`` of ``params`` to the ``fitted`` curves; predict the ``held_out`` ones."""
    import numpy as np
    from scipy.optimize import least_squares

    if not fitted:
        raise ParameterError("need at least one --curve to fit", field="--curve")
    model = type(params).MODEL
    names = list(fit_names) if fit_names else list(DEFAULT_FIT[model])
    if len(set(names)) != len(names):
        raise ParameterError("a parameter is given twice", field="--fit")
    free = [fit_parameter(params, n) for n in names]
    n_eval = [0]

    def fun(u: Any) -> Any:
        p = _with_values(params, free, u)
        out = []
        for c in fitted:
            q, v, _ = simulate_curve(p, c)
            out.append(curve_residuals(c, q, v))
        n_eval[0] += 1
        if progress is not None:
            progress(n_eval[0])
        return np.concatenate(out)

    rng = np.random.default_rng(seed)
    u0 = np.array([fp.to_unit(float(getattr(params, fp.name))) for fp in free])
    starts_u = [u0] + [rng.uniform(0.05, 0.95, size=len(free)) for _ in range(starts)]
    runs = [least_squares(fun, us, bounds=(0.0, 1.0), method="trf", x_scale=1.0, diff_step=1e-3, max_nfev=max_nfev,
                          xtol=1e-8, ftol=1e-8) for us in starts_u]
    best = min(runs, key=lambda r: float(r.cost))
    u_best = np.clip(best.x, 0.0, 1.0)
    p_best = _with_values(params, free, u_best)
    m, n = best.fun.size, len(free)
    s2 = 2.0 * float(best.cost) / max(m - n, 1)
    jtj = best.jac.T @ best.jac
    try:
        cov_u = s2 * np.linalg.inv(jtj)
    except np.linalg.LinAlgError:
        cov_u = np.full((n, n), np.inf)
    scale = np.array([fp.dvalue_du(float(x)) for fp, x in zip(free, u_best, strict=True)])
    cov = cov_u * np.outer(scale, scale)
    stderr = np.sqrt(np.clip(np.diag(cov), 0.0, None))
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = cov / np.outer(stderr, stderr)
    values = [fp.from_unit(float(x)) for fp, x in zip(free, u_best, strict=True)]
    # a bounded least-squares stops near, not on, an active bound (trust-region reflective keeps
    # the iterate strictly inside): within AT_BOUND_UNIT of the search range counts as at the bound
    at_bound = [bool(x <= AT_BOUND_UNIT or x >= 1 - AT_BOUND_UNIT) for x in u_best]
    par_rows = []
    for k, fp in enumerate(free):
        others = [abs(corr[k, j]) for j in range(n) if j != k and np.isfinite(corr[k, j])]
        rel = stderr[k] / abs(values[k]) if values[k] != 0 else math.inf
        ident = bool(np.isfinite(rel) and rel < IDENTIFIABLE_REL_STDERR and max(others, default=0.0) < IDENTIFIABLE_MAX_CORR
                     and not at_bound[k])
        par_rows.append({"name": fp.name, "value": values[k], "stderr": float(stderr[k]),
                         "relative_stderr": float(rel), "lower_bound": fp.lo, "upper_bound": fp.hi,
                         "at_bound": at_bound[k], "identifiable": ident,
                         "start": float(getattr(params, fp.name))})
    curves_out: list[dict[str, Any]] = []
    for role, group in (("fitted", fitted), ("held_out", held_out)):
        for c in group:
            q, v, reason = simulate_curve(p_best, c)
            curves_out.append({
                "file": c.file, "rate": c.rate_text, "rate_A_per_g": c.rate_A_per_g, "role": role,
                "rms_V": rms_voltage(c, q, v), "capacity_mAh_per_g": float(q[-1]),
                "measured_capacity_mAh_per_g": c.capacity_end_mAh_per_g,
                "capacity_error_rel": (float(q[-1]) - c.capacity_end_mAh_per_g) / c.capacity_end_mAh_per_g,
                "end_reason": reason, "cutoff_V": c.cutoff_V,
                "model": {"capacity_mAh_per_g": [float(x) for x in q], "voltage_V": [float(x) for x in v]},
                "measured": {"capacity_mAh_per_g": [float(x) for x in c.capacity_mAh_per_g],
                             "voltage_V": [float(x) for x in c.voltage_V]},
            })
    by_rate = sorted(curves_out, key=lambda c: c["rate_A_per_g"])
    ratio = None
    if len(by_rate) >= 2:
        lo, hi = by_rate[0], by_rate[-1]
        ratio = {"rates": [lo["rate"], hi["rate"]],
                 "model": hi["capacity_mAh_per_g"] / lo["capacity_mAh_per_g"] if lo["capacity_mAh_per_g"] > 0 else None,
                 "measured": hi["measured_capacity_mAh_per_g"] / lo["measured_capacity_mAh_per_g"]}
    return {
        "model": model, "preset": params.name, "parameters": par_rows,
        "correlation": {"names": names, "matrix": [[float(x) if np.isfinite(x) else None for x in row] for row in corr]},
        "cost": float(best.cost), "evaluations": n_eval[0], "starts": starts, "seed": seed,
        "optimizer_message": str(best.message), "residual_sigma_V": math.sqrt(s2),
        "curves": curves_out, "capacity_ratio_highest_to_lowest_rate": ratio,
        "identifiability_rule": (f"relative stderr < {IDENTIFIABLE_REL_STDERR}, |correlation| < {IDENTIFIABLE_MAX_CORR} "
                                 "with every other fitted parameter, not at a bound"),
        "fitted_values": {fp.name: values[k] for k, fp in enumerate(free)},
        "params_fitted": p_best,
    }


__all__ = ["AT_BOUND_UNIT", "CAPACITY_WEIGHT_V", "DEFAULT_FIT", "FitParameter", "GRID_POINTS", "curve_residuals", "fit_curves",
           "fit_parameter", "rms_voltage", "simulate_curve"]
