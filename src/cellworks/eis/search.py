"""Local fits and the multi-start search for the lowest χ² of a circuit fit.

The local fit is scipy's trust-region least squares (``trf`` within bounds, else ``lm``) with the
analytic Jacobian, run to tight tolerances. The search explores from a scrambled Sobol design over a
box scaled from the data, from the data-derived guess and from log-spaced perturbations (up to
``spread_decades``) of the best point so far; each start runs a compiled Levenberg–Marquardt for at
most ``explore_nfev`` steps, and the ``n_polish`` lowest distinct end points are polished by the
trust-region solver.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from cellworks._typing import Array
from cellworks.eis.problem import Problem

_SOLVER_ERRORS = (ValueError, ZeroDivisionError, np.linalg.LinAlgError, FloatingPointError)


@dataclass(frozen=True)
class LocalFit:
    """End point of one local least-squares run."""

    x: Array
    chi2: float
    success: bool
    message: str


@dataclass(frozen=True)
class SearchOutcome:
    """The lowest end point of the multi-start search and how often it was reached."""

    best: LocalFit
    n_starts: int
    n_at_best: int


def clip_into(x: Array, lb: Array, ub: Array) -> Array:
    """``x`` moved just inside the bounds (trust-region solvers need a strictly feasible start)."""
    with np.errstate(invalid="ignore"):
        lo = np.where(np.isfinite(lb), lb + 1e-9 * (1 + np.abs(lb)), -np.inf)
        hi = np.where(np.isfinite(ub), ub - 1e-9 * (1 + np.abs(ub)), np.inf)
    return np.clip(x, lo, hi)


def local_fit(prob: Problem, x0: Array, lb: Array, ub: Array, max_nfev: int = 3000, tol: float = 1e-10) -> LocalFit:
    """Trust-region least squares from ``x0`` within ``[lb, ub]`` (``lm`` when unbounded)."""
    from scipy.optimize import least_squares

    bounded = bool(np.any(np.isfinite(lb)) or np.any(np.isfinite(ub)))
    x0 = clip_into(x0, lb, ub) if bounded else np.asarray(x0, dtype=float)
    kw: dict[str, Any] = dict(jac=prob.jacobian, method="trf" if bounded else "lm", xtol=tol, ftol=tol, gtol=tol,
                              max_nfev=max_nfev)
    if bounded:
        kw["bounds"] = (lb, ub)
    try:
        with np.errstate(all="ignore"):
            sol = least_squares(prob.residuals, x0, **kw)
    except _SOLVER_ERRORS as exc:
        return LocalFit(x0, math.inf, False, str(exc))
    chi2 = float(2.0 * sol.cost)
    if not np.isfinite(chi2):
        return LocalFit(sol.x, math.inf, False, "non-finite cost")
    return LocalFit(sol.x, chi2, bool(sol.success), str(sol.message))


def multi_start(prob: Problem, first: LocalFit, x_guess: Array, x_data: Array, box: tuple[Array, Array],
                p0: Array, lower: Array, upper: Array, n_starts: int, seed: int, spread_decades: float = 1.5,
                explore_nfev: int = 100, explore_rtol: float = 1e-6, n_polish: int = 4,
                polish_tol: float = 1e-10) -> SearchOutcome:
    """Search for the lowest χ² from ``n_starts − 1`` further starts (``first`` is the fit from the guess).

    Exploration stays within the data-scaled ``box`` widened by six decades (runaway directions stay
    finite) and always contains the guess ``x_guess``.
    """
    from scipy.stats import qmc

    from cellworks.eis._kernel import lm_explore

    logmask = prob.logmask
    lb, ub = prob.lb, prob.ub
    box_lo, box_hi = box
    wide = 6.0 * math.log(10.0)
    elb = np.where(logmask, np.maximum(lb, np.log(box_lo) - wide), lb)
    eub = np.where(logmask, np.minimum(ub, np.log(box_hi) + wide), ub)
    elb = np.minimum(elb, np.where(logmask, x_guess, elb))
    eub = np.maximum(eub, np.where(logmask, x_guess, eub))
    rng = np.random.default_rng(seed)
    k = x_guess.size
    sob = qmc.Sobol(d=k, scramble=True, seed=rng).random_base2(max(1, math.ceil(math.log2(n_starts))))
    llo, lhi = np.log(box_lo), np.log(box_hi)
    ln10 = math.log(10.0)
    elo = np.where(np.isfinite(elb), elb, -1e300)
    ehi = np.where(np.isfinite(eub), eub, 1e300)
    results: list[tuple[float, Array]] = [(first.chi2, first.x)]
    best_x, best_cost = first.x, first.chi2
    n_run = 1
    for i in range(1, n_starts):
        if i == 1:
            x0 = x_data
        elif i % 4 == 0 and math.isfinite(best_cost):
            step = rng.uniform(-spread_decades, spread_decades, size=k) * ln10
            x0 = np.where(logmask, best_x + step, best_x * (1 + 0.3 * rng.standard_normal(k)))
        else:
            x0 = np.where(logmask, llo + sob[i] * (lhi - llo), np.clip(p0, lower, upper))
        try:
            x, cost = lm_explore(prob.prog, prob.circuit.n_params, prob.depth, np.asarray(x0, dtype=float), elo, ehi,
                                 logmask, prob.free64, prob.full0, prob.omega, prob.zr, prob.zi, prob.isr, prob.isi,
                                 explore_nfev, explore_rtol)
        except (ZeroDivisionError, np.linalg.LinAlgError, ValueError):
            continue
        cost = float(cost)
        n_run += 1
        results.append((cost, x))
        if cost < best_cost:
            best_x, best_cost = x, cost
    # polish the lowest distinct end points with scipy's trust-region solver (within the exploration box)
    best = first
    seen: list[float] = []
    for cost, x in sorted(results, key=lambda t: t[0]):
        if not math.isfinite(cost) or any(abs(cost - q) <= 1e-5 * q for q in seen):
            continue  # the same minimum (or the same runaway valley) as one already polished
        seen.append(cost)
        cand = local_fit(prob, x, elb, eub, max_nfev=3000, tol=polish_tol)
        if cand.chi2 < best.chi2:
            best = cand
        if len(seen) == n_polish:
            break
    costs = [c for c, _ in results]
    n_at_best = sum(1 for v in costs if math.isfinite(v) and v <= best.chi2 * (1 + 1e-6) + 1e-300)
    return SearchOutcome(best, n_run, n_at_best)
