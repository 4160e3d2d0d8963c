"""What a fitted optimum can and cannot tell: standard errors, parameters at a bound, impossible signs.

* **Standard errors** are ``curve_fit``'s: covariance s²(JᵀJ)⁻¹ with s² = χ²/(2n − k), computed for
  the parameters that are not at a bound (a parameter pinned at its bound is held there, as in any
  bounded fit). A parameter on a direction the data do not constrain at all (a zero singular value of
  the column-scaled Jacobian) gets no standard error either: the pseudo-inverse would report a
  spuriously small one.
* **At a bound**: a parameter within 1e-6 (relative) of a finite bound, or one that the data cannot
  tell from its bound 0 (or ∞) — moving it by three decades towards that bound raises χ² by less than
  s², i.e. by less than one standard error's worth.
* **Signs**: a negative resistance, capacitance, inductance, time constant, Warburg or CPE coefficient
  has no physical meaning (it can only come from user bounds or constants) and is flagged.
* **Correlations** above 0.99 in magnitude are named; **over-parameterised** names the parameters the
  spectrum does not determine (at a bound, no standard error, or one larger than the value).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from cellworks._typing import Array
from cellworks.eis.problem import Problem

CORRELATION_LIMIT = 0.99
BOUND_RTOL = 1e-6
#: a parameter "at" a bound of 0 or ∞ stays within one standard error of the optimum when moved this far
BOUND_PROBE_DECADES = 3.0
#: units whose quantities cannot be negative (impedance.py's unit strings)
_POSITIVE_UNITS = ("Ohm", "F", "H", "sec", "Ohm sec^-1/2", "Ohm^-1 sec^a", "H sec", "F sec^(gamma-1)", "Ohm-m^2")


@dataclass(frozen=True)
class Diagnostics:
    """Standard errors, correlation and flags of one optimum (free parameters in circuit order)."""

    stderr: tuple[float, ...]  # NaN where not defined
    correlation: tuple[tuple[float, ...], ...]
    at_bound: tuple[str | None, ...]  # None, "lower" or "upper"
    high_correlations: tuple[tuple[str, str, float], ...]
    undetermined: tuple[str, ...]
    flags: tuple[str, ...]


def _bound_state(prob: Problem, x: Array, chi2: float, s2: float, i: int, lower: float, upper: float) -> str | None:
    xi = float(x[i])
    lb, ub = float(prob.lb[i]), float(prob.ub[i])
    for side, b in (("lower", lb), ("upper", ub)):
        if math.isfinite(b) and abs(xi - b) <= BOUND_RTOL * max(1.0, abs(b)):
            return side
    if not prob.logmask[i]:
        return None
    step = BOUND_PROBE_DECADES * math.log(10.0)
    for side, bound, sign in (("lower", lower, -1.0), ("upper", upper, 1.0)):
        # only towards a bound of 0 (log -inf) or +inf: finite bounds are handled above
        if (side == "lower" and bound != 0.0) or (side == "upper" and math.isfinite(bound)):
            continue
        xt = np.array(x, dtype=float)
        xt[i] = xi + sign * step
        if math.isfinite(prob.lb[i]) and xt[i] < prob.lb[i]:
            continue
        if math.isfinite(prob.ub[i]) and xt[i] > prob.ub[i]:
            continue
        if prob.chi2(xt) - chi2 <= s2:
            return side
    return None


def _covariance(jp: Array, s2: float) -> tuple[Array, Array]:
    """Covariance of the columns of ``jp`` (parameter space) and a mask of those it determines."""
    k = jp.shape[1]
    norms = np.linalg.norm(jp, axis=0)
    ok = norms > 0
    scaled = jp / np.where(ok, norms, 1.0)[None, :]
    try:
        _, sv, vt = np.linalg.svd(scaled, full_matrices=False)
    except np.linalg.LinAlgError:
        return np.full((k, k), np.nan), np.zeros(k, dtype=bool)
    tol = np.finfo(float).eps * max(scaled.shape) * (sv[0] if sv.size else 0.0)
    keep = sv > tol
    # a parameter with weight in a null direction is not determined by the data
    determined = ok.copy()
    for row in vt[~keep]:
        determined &= np.abs(row) < 1e-3
    inv = (vt[keep].T / sv[keep] ** 2) @ vt[keep]
    cov = inv * s2 / np.outer(np.where(ok, norms, 1.0), np.where(ok, norms, 1.0))
    return cov, determined


def diagnose(prob: Problem, x: Array, chi2: float, n_points: int, names: Sequence[str], lower: Sequence[float],
             upper: Sequence[float], constants: dict[str, float], unit_of: dict[str, str]) -> Diagnostics:
    """Standard errors, correlation and flags of the optimum ``x`` of ``prob`` (see module docstring).

    ``names``, ``lower`` and ``upper`` describe the free parameters; ``unit_of`` gives the unit of every
    parameter of the circuit (constants included), which decides where a negative value is impossible.
    """
    p = prob.to_p(x)
    k = p.size
    dof = max(2 * n_points - k, 1)
    s2 = chi2 / dof
    at_bound = tuple(_bound_state(prob, x, chi2, s2, i, lower[i], upper[i]) for i in range(k))
    with np.errstate(all="ignore"):
        jx = prob.jacobian(x)
        scale = np.where(prob.logmask, p, 1.0)  # dr/dx = dr/dp · p for log-fitted parameters
        jp = jx / np.where(scale == 0, 1.0, scale)[None, :]
    free = np.array([b is None for b in at_bound])
    se = np.full(k, np.nan)
    corr = np.full((k, k), np.nan)
    if np.any(free) and np.all(np.isfinite(jp[:, free])):
        idx = np.flatnonzero(free)
        cov, determined = _covariance(jp[:, idx], s2)
        with np.errstate(all="ignore"):
            s = np.sqrt(np.clip(np.diag(cov), 0.0, None))
            s = np.where(determined, s, np.nan)
            sub = cov / np.outer(s, s)
        se[idx] = s
        corr[np.ix_(idx, idx)] = sub
        np.fill_diagonal(corr, np.where(np.isfinite(se), 1.0, np.nan))
    flags: list[str] = []
    for i, b in enumerate(at_bound):
        if b is not None:
            bound = lower[i] if b == "lower" else upper[i]
            flags.append(f"{names[i]} = {p[i]:.4g} is at its {b} bound ({bound:g}): the data cannot tell it from "
                         "the bound, its standard error is not defined")
    for i in range(k):
        if at_bound[i] is None and not math.isfinite(se[i]):
            flags.append(f"{names[i]}: the data do not constrain it (no standard error)")
    values = {n: float(v) for n, v in zip(names, p, strict=True)}
    values.update(constants)
    for n, v in values.items():
        u = unit_of.get(n, "")
        if v < 0 and u in _POSITIVE_UNITS:
            flags.append(f"{n} = {v:.4g} {u} is negative: physically impossible for this element")
    high: list[tuple[str, str, float]] = []
    for i in range(k):
        for j in range(i + 1, k):
            r = corr[i, j]
            if math.isfinite(r) and abs(r) > CORRELATION_LIMIT:
                high.append((names[i], names[j], float(r)))
    if high:
        flags.append("correlation above 0.99: " + ", ".join(f"{a}–{b} ({r:+.4f})" for a, b, r in high))
    undetermined = tuple(
        names[i] for i in range(k)
        if at_bound[i] is not None or not math.isfinite(se[i]) or (p[i] != 0 and se[i] > abs(p[i]))
    )
    if undetermined:
        flags.append(f"over-parameterised for {n_points} points ({2 * n_points} values, {k} free parameters): "
                     f"the spectrum does not determine {', '.join(undetermined)}")
    return Diagnostics(
        stderr=tuple(float(v) for v in se),
        correlation=tuple(tuple(float(v) for v in row) for row in corr),
        at_bound=at_bound,
        high_correlations=tuple(high),
        undetermined=undetermined,
        flags=tuple(flags),
    )
