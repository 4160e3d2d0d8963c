"""Calibrate chosen twin parameters to published numbers: ``cellworks lis fit``.

A targets file (TOML, see ``data/zhang2016_targets.toml``) holds, per cell, the electrode recipe,
fixed values, the free parameters with bounds (``lo``, ``hi``, ``log``, ``start``) and the
targets (published scalars: a metric of an experiment, the paper value and its tolerance). The
fit minimises ½·Σ r², r = w·(simulated − paper)/tolerance, plus a penalty 10·(|r| − margin) for
every target beyond its ``fit_margin`` (0.8 of its tolerance unless the file says otherwise; see
:func:`objective_vector`), by bounded Nelder–Mead (default) or trust-region least squares
(``trf``, finite-difference Jacobian with its columns in parallel threads: the compiled solver
releases the GIL), in normalised coordinates (each free parameter mapped to [0, 1] between its
bounds, logarithmically when ``log = true``). A cycle-of-maximum target is calibrated on the
smooth peak position (:func:`cellworks.lis.twin.smooth_cycle_of_max`: the integer arg-max has no
gradient and, on a flat-topped curve, jumps between cycles). The fit is deterministic: with
``starts = 0`` it starts at the file's ``start`` values; ``starts = N`` adds N random starts
drawn with ``numpy.random.default_rng(seed)`` and keeps the best.

The charge-transfer resistance target (``metric = "r_ct"``: R_ct of the linearised
Butler–Volmer current balance at the charged reference state,
:func:`cellworks.lis.twin.charged_reference_state`) is met in closed form before the fit: R_ct is
inversely proportional to the exchange currents, so ``exchange_current_scale`` (multiplying
Marinescu's i_H0 and i_L0) = R_ct(scale 1) / R_ct(paper); the other parameters are then fitted
with that scale fixed.

The output (JSON) holds the fitted values, the residual of every target, the command, the
targets file's SHA-256 and the seed; :func:`cellworks.lis.twin.zhang2016_cell` reads it.
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cellworks.errors import ParameterError
from cellworks.lis.twin import (
    Target,
    TwinCell,
    cell_from_spec,
    charge_transfer_resistance,
    experiments_needed,
    file_sha256,
    load_targets,
    parse_targets,
    run_experiments,
    simulated_value,
)


@dataclass(frozen=True)
class FreeParameter:
    name: str
    lo: float
    hi: float
    log: bool
    start: float

    def to_unit(self, x: float) -> float:
        if self.log:
            return (math.log10(x) - math.log10(self.lo)) / (math.log10(self.hi) - math.log10(self.lo))
        return (x - self.lo) / (self.hi - self.lo)

    def from_unit(self, u: float) -> float:
        u = min(max(u, 0.0), 1.0)
        if self.log:
            return float(10.0 ** (math.log10(self.lo) + u * (math.log10(self.hi) - math.log10(self.lo))))
        return self.lo + u * (self.hi - self.lo)


def free_parameters(spec: dict[str, Any], cell: str) -> list[FreeParameter]:
    out = []
    for name, d in spec.get("free", {}).items():
        try:
            fp = FreeParameter(name, float(d["lo"]), float(d["hi"]), bool(d.get("log", False)), float(d["start"]))
        except (KeyError, TypeError, ValueError) as e:
            raise ParameterError(f"free parameter needs lo, hi, start: {e}", record=cell, field=name) from None
        if not fp.lo < fp.hi or not fp.lo <= fp.start <= fp.hi or (fp.log and fp.lo <= 0):
            raise ParameterError("needs lo < hi, lo ≤ start ≤ hi (and lo > 0 when log)", record=cell, field=name)
        out.append(fp)
    return out


def evaluate(cell: TwinCell, targets: Sequence[Target], *, workers: int = 2) -> list[float]:
    """Simulated value of every target (NaN where the twin cannot produce it)."""
    runs = run_experiments(cell, sorted(experiments_needed(targets)), workers=workers)
    out = []
    for t in targets:
        run = runs.get(t.experiment)
        if run is not None and run.status != "ok":
            out.append(math.nan)  # a failed run does not give a value (no partial metrics)
        else:
            out.append(simulated_value(t, runs, cell, smooth=True))
    return out


def residuals(sim: Sequence[float], targets: Sequence[Target]) -> list[float]:
    """(simulated − paper) / tolerance, weighted; a failed simulation counts as 10 tolerances."""
    out = []
    for s, t in zip(sim, targets, strict=True):
        r = (s - t.paper) / t.tolerance if math.isfinite(s) else 10.0
        out.append(t.fit_weight * r)
    return out


#: slope of the margin penalty, in residual units per tolerance beyond the margin
MARGIN_PENALTY = 10.0


def objective_vector(res: Sequence[float], margins: Sequence[float], penalty: float = MARGIN_PENALTY) -> list[float]:
    """The residuals plus, for each one beyond its margin (in tolerances), ``penalty·(|r| − margin)``.

    A plain sum of squares is indifferent to where the tolerance band ends: it happily trades one
    number just outside its band for several slightly closer to the middle. The tolerances are the
    acceptance criteria of the comparison, so the fit first keeps every target inside its margin
    (``fit_margin`` of the target, 0.8 of the band by default) and only then balances them; the
    extra terms vanish for a fit that does so."""
    return [*res, *(penalty * max(abs(r) - m, 0.0) for r, m in zip(res, margins, strict=True))]


def fit_cell(
    name: str,
    spec: dict[str, Any],
    targets: Sequence[Target],
    *,
    seed: int = 0,
    starts: int = 0,
    max_nfev: int = 60,
    workers: int = 2,
    log: Callable[[str], None] | None = None,
    verbose: int = 0,
    method: str = "nelder-mead",
) -> dict[str, Any]:
    """Fit one cell's free parameters to its targets; returns values, residuals, diagnostics."""
    import numpy as np
    from scipy.optimize import least_squares

    say = log or (lambda s: None)
    free = free_parameters(spec, name)
    base = cell_from_spec(name, spec)
    rct = [t for t in targets if t.metric == "r_ct"]
    fit_t = [t for t in targets if t.fit_weight > 0 and t.metric != "r_ct"]
    pre: dict[str, float] = {}
    if rct:
        # closed form: R_ct ∝ 1/(exchange currents) at the charged reference state
        r1 = charge_transfer_resistance(base.with_values({"exchange_current_scale": 1.0}))
        pre["exchange_current_scale"] = r1 / rct[0].paper
        base = base.with_values(pre)
        say(f"{name}: exchange_current_scale = {pre['exchange_current_scale']:.6g} from R_ct = {rct[0].paper:g} Ohm")
    if not free or not fit_t:
        raise ParameterError("nothing to fit (no free parameters or no targets)", record=name)
    def cell_at(u: Sequence[float]) -> TwinCell:
        vals = {fp.name: fp.from_unit(float(ui)) for fp, ui in zip(free, u, strict=True)}
        return base.with_values(vals)

    cache: dict[tuple[float, ...], np.ndarray] = {}

    def fun_many(us: list[np.ndarray]) -> list[np.ndarray]:
        from concurrent.futures import ThreadPoolExecutor

        todo = [u for u in us if tuple(u) not in cache]
        if todo:
            with ThreadPoolExecutor(max_workers=max(workers, 1)) as ex:
                res = list(ex.map(lambda u: np.array(objective_vector(
                    residuals(evaluate(cell_at(u), fit_t, workers=1), fit_t), [t.fit_margin for t in fit_t])),
                                  todo))
            for u, r in zip(todo, res, strict=True):
                cache[tuple(u)] = r
        return [cache[tuple(u)] for u in us]

    def fun(u: np.ndarray) -> np.ndarray:
        return fun_many([u])[0]

    h = 2e-3

    def jac(u: np.ndarray) -> np.ndarray:
        pts = []
        steps = []
        for j in range(len(u)):
            uj = u.copy()
            s = h if u[j] + h <= 1.0 else -h
            uj[j] += s
            pts.append(uj)
            steps.append(s)
        f0 = fun(u)
        cols = fun_many(pts)
        return np.column_stack([(c - f0) / s for c, s in zip(cols, steps, strict=True)])

    rng = np.random.default_rng(seed)
    u_starts = [np.array([fp.to_unit(fp.start) for fp in free])]
    for _ in range(starts):
        u_starts.append(rng.uniform(0.05, 0.95, size=len(free)))
    best: Any = None
    for k, u0 in enumerate(u_starts):
        say(f"{name}: start {k + 1}/{len(u_starts)} ({method})")
        if method == "trf":
            r = least_squares(fun, u0, jac=jac, bounds=(0.0, 1.0), method="trf", x_scale=1.0,
                              max_nfev=max_nfev, xtol=1e-6, ftol=1e-6, gtol=1e-8, verbose=verbose)
            cost, x, nfev, msg, status = float(r.cost), r.x, int(r.nfev), str(r.message), int(r.status)
        elif method == "nelder-mead":
            from scipy.optimize import minimize

            track: dict[str, float] = {"n": 0, "best": math.inf}

            def obj(u: np.ndarray, track: dict[str, float] = track) -> float:
                c = 0.5 * float(np.sum(fun(np.clip(u, 0.0, 1.0)) ** 2))
                track["n"] += 1
                track["best"] = min(track["best"], c)
                if track["n"] % 25 == 0:
                    say(f"{name}: {int(track['n'])} simulations, best cost {track['best']:.4g}")
                return c

            r = minimize(obj, u0, method="Nelder-Mead", bounds=[(0.0, 1.0)] * len(u0),
                         options={"maxfev": max_nfev, "xatol": 1e-4, "fatol": 1e-3, "adaptive": True,
                                  "disp": bool(verbose)})
            cost, x, nfev, msg, status = float(r.fun), np.clip(r.x, 0.0, 1.0), int(r.nfev), str(r.message), int(r.status)
        else:
            raise ParameterError(f"unknown method '{method}' (nelder-mead, trf)", field="method")
        say(f"{name}: start {k + 1} cost {cost:.4g} after {nfev} evaluations ({msg})")
        if best is None or cost < best[0]:
            best = (cost, x, nfev, msg, status)
    values = {fp.name: fp.from_unit(float(ui)) for fp, ui in zip(free, best[1], strict=True)}
    cell = base.with_values(values)
    values = {**pre, **values}
    sim = evaluate(cell, targets, workers=workers)
    rows = []
    for s, t in zip(sim, targets, strict=True):
        rows.append({
            "id": t.id, "paper": t.paper, "simulated": s, "unit": t.unit, "tolerance": t.tolerance,
            "residual_in_tolerances": (s - t.paper) / t.tolerance if math.isfinite(s) else None,
            "fitted": t.fit_weight > 0,
        })
    return {
        "values": values,
        "residuals": rows,
        "method": method,
        "cost": best[0],
        "nfev": best[2],
        "optimizer_status": best[4],
        "optimizer_message": best[3],
    }


def run_fit(
    targets_path: Path,
    *,
    cells: Sequence[str] | None = None,
    seed: int = 0,
    starts: int = 0,
    max_nfev: int = 60,
    workers: int = 2,
    command: str = "",
    log: Callable[[str], None] | None = None,
    method: str = "nelder-mead",
) -> dict[str, Any]:
    """Fit every (or the named) cell of a targets file; the JSON-ready result."""
    doc = load_targets(targets_path)
    targets = parse_targets(doc)
    names = list(cells) if cells else list(doc["cells"])
    for n in names:
        if n not in doc["cells"]:
            raise ParameterError(f"no cell '{n}' in the targets file", file=str(targets_path), field="cells")
    out: dict[str, Any] = {
        "command": command,
        "targets_file": targets_path.name,
        "targets_sha256": file_sha256(targets_path),
        "seed": seed,
        "starts": starts,
        "max_nfev": max_nfev,
        "method": method,
        "created_utc": _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "cells": {},
    }
    for n in names:
        tt = [t for t in targets if t.cell == n]
        out["cells"][n] = fit_cell(n, doc["cells"][n], tt, seed=seed, starts=starts, max_nfev=max_nfev,
                                   workers=workers, log=log, method=method)
    return out


def compare_values(a: dict[str, float], b: dict[str, float]) -> dict[str, float]:
    """Relative difference of every parameter present in both (for the reproducibility check)."""
    out = {}
    for k in sorted(set(a) & set(b)):
        den = max(abs(a[k]), abs(b[k]), 1e-300)
        out[k] = abs(a[k] - b[k]) / den
    return out


__all__ = ["FreeParameter", "compare_values", "evaluate", "fit_cell", "free_parameters", "objective_vector", "residuals",
           "run_fit"]
