"""Calibrate the twins of a targets file on its *fitted* numbers: ``cellworks lis fit``.

A targets file (TOML, ``data/zhang2016_targets.toml``) holds the cells (recipe, fixed values, free
parameters with bounds ``lo``/``hi``/``log``/``start``), parameters the cells share (``[shared]``,
one value for every cell: same electrolyte, lithium and separator) and the targets. The calibration
reads the targets through :func:`cellworks.lis.twins.targets.fitted_targets` only: a ``held_out``
target is never simulated, weighted or printed here.

The objective is ½·Σ r² over all cells' fitted targets, r = (twin − paper)/tolerance, plus a
penalty 10·(|r| − margin) for a target outside ``fit_margin`` of its band (the tolerances are the
acceptance criteria, so the fit first keeps every target inside them, then balances them), plus a
penalty for every ``[[constraints]]`` band a run leaves (physical plausibility bands that are not
numbers of the document, e.g. the coulombic efficiency at the rates the document gives none for:
``10·distance/width``; reported as constraints, never as document rows); it is
minimised by bounded Nelder–Mead in [0, 1]-normalised coordinates (log for rates), from the file's
start values and ``starts`` random starts (``numpy.random.default_rng(seed)``). A cycle-of-maximum
target is followed as the smooth peak position. The R_ct targets are met in closed form first:
R_ct = R_cathode(scale 1)/scale + R_anode, so ``exchange_current_scale`` = R_cathode(1)/(R_ct − R_anode).

Checkpoints: every cell simulation is appended (one JSON line: cell, parameter values, simulated
target values) to ``checkpoint``. The optimiser is deterministic, so ``resume`` replays it from
the start with the cached simulations answering instantly, and continues where a killed run
stopped; nothing is recomputed, per cell.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cellworks._io import sha256_file
from cellworks.errors import ParameterError
from cellworks.lis.readers.targets import load_targets
from cellworks.lis.twins.metrics import charge_transfer_resistance
from cellworks.lis.twins.targets import (
    Target,
    cell_from_spec,
    experiments_needed,
    fitted_targets,
    run_experiments,
    simulated_value,
)

#: slope of the margin penalty, in residual units per tolerance beyond the margin
MARGIN_PENALTY = 10.0
#: residual of a target the twin cannot produce (a failed run), in tolerances
FAILED_RESIDUAL = 10.0
#: digits of the normalised coordinates a cached simulation is keyed on
KEY_DIGITS = 12


@dataclass(frozen=True)
class FreeParameter:
    """A calibrated parameter: bounds, log scaling, start value; ``cell`` empty when shared."""

    name: str
    lo: float
    hi: float
    log: bool
    start: float
    cell: str = ""

    def to_unit(self, x: float) -> float:
        """Value → [0, 1] coordinate."""
        if self.log:
            return (math.log10(x) - math.log10(self.lo)) / (math.log10(self.hi) - math.log10(self.lo))
        return (x - self.lo) / (self.hi - self.lo)

    def from_unit(self, u: float) -> float:
        """[0, 1] coordinate → value (clipped to the bounds)."""
        u = min(max(u, 0.0), 1.0)
        if self.log:
            return float(10.0 ** (math.log10(self.lo) + u * (math.log10(self.hi) - math.log10(self.lo))))
        return self.lo + u * (self.hi - self.lo)


def free_parameters(table: dict[str, Any], where: str, cell: str = "") -> list[FreeParameter]:
    """Parse a ``free`` table."""
    out = []
    for name, d in table.items():
        try:
            fp = FreeParameter(name, float(d["lo"]), float(d["hi"]), bool(d.get("log", False)), float(d["start"]), cell)
        except (KeyError, TypeError, ValueError) as e:
            raise ParameterError(f"free parameter needs lo, hi, start: {e}", record=where, field=name) from None
        if not fp.lo < fp.hi or not fp.lo <= fp.start <= fp.hi or (fp.log and fp.lo <= 0):
            raise ParameterError("needs lo < hi, lo ≤ start ≤ hi (and lo > 0 when log)", record=where, field=name)
        out.append(fp)
    return out


def residuals(sim: Sequence[float], targets: Sequence[Target]) -> list[float]:
    """(twin − paper)/tolerance; a failed simulation counts as ``FAILED_RESIDUAL`` tolerances."""
    return [(s - t.paper) / t.tolerance if math.isfinite(s) else FAILED_RESIDUAL for s, t in zip(sim, targets, strict=True)]


def objective_vector(res: Sequence[float], margins: Sequence[float], penalty: float = MARGIN_PENALTY) -> list[float]:
    """The residuals plus ``penalty·(|r| − margin)`` for each one beyond its margin (in tolerances)."""
    return [*res, *(penalty * max(abs(r) - m, 0.0) for r, m in zip(res, margins, strict=True))]


def exchange_scale_for_rct(cell: Any, r_ct_Ohm: float, name: str) -> float:
    """``exchange_current_scale`` that gives the cell the charge-transfer resistance ``r_ct_Ohm``."""
    r = charge_transfer_resistance(cell.with_values({"exchange_current_scale": 1.0}))
    room = r_ct_Ohm - r["R_ct_anode_Ohm"]
    if room <= 0:
        raise ParameterError(f"R_ct {r_ct_Ohm:g} Ω is below the lithium's own {r['R_ct_anode_Ohm']:.4g} Ω",
                             record=name, field="r_ct")
    return r["R_ct_cathode_Ohm"] / room


class Checkpoint:
    """Simulated target values per (cell, parameter values), appended as JSON lines."""

    def __init__(self, path: Path | None, resume: bool) -> None:
        self.path = path
        self.cache: dict[tuple[str, tuple[float, ...]], list[float]] = {}
        self.loaded = 0
        if path is not None and resume and path.exists():
            for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
                try:
                    rec = json.loads(line)
                    self.cache[(rec["cell"], tuple(rec["key"]))] = [float(x) for x in rec["sim"]]
                except (json.JSONDecodeError, KeyError, TypeError, ValueError):
                    continue  # a line cut short by a kill: that simulation is simply redone
            self.loaded = len(self.cache)
        elif path is not None and path.exists() and not resume:
            path.unlink()

    def get(self, cell: str, key: tuple[float, ...]) -> list[float] | None:
        """Cached simulated values, or None."""
        return self.cache.get((cell, key))

    def put(self, cell: str, key: tuple[float, ...], values: dict[str, float], sim: list[float]) -> None:
        """Remember one cell simulation and append it to the checkpoint file."""
        self.cache[(cell, key)] = sim
        if self.path is not None:
            with open(self.path, "a") as fh:
                fh.write(json.dumps({"cell": cell, "key": list(key), "values": values,
                                     "sim": [s if math.isfinite(s) else None for s in sim]}) + "\n")
                fh.flush()


@dataclass(frozen=True)
class Constraint:
    """A plausibility band on a metric of one cell's experiment (not a document number)."""

    cell: str
    experiment: str
    metric: str
    lo: float
    hi: float
    source: str

    def penalty(self, value: float) -> float:
        """0 inside the band, 10 per band width outside, ``FAILED_RESIDUAL`` when not computable."""
        if not math.isfinite(value):
            return FAILED_RESIDUAL
        width = self.hi - self.lo
        return MARGIN_PENALTY * max(self.lo - value, value - self.hi, 0.0) / width


def parse_constraints(doc: dict[str, Any]) -> list[Constraint]:
    """The ``[[constraints]]`` of a targets file."""
    out = []
    for i, d in enumerate(doc.get("constraints", [])):
        try:
            c = Constraint(str(d["cell"]), str(d["experiment"]), str(d["metric"]), float(d["lo"]), float(d["hi"]),
                           str(d.get("source", "")))
        except (KeyError, TypeError, ValueError) as e:
            raise ParameterError(f"constraint needs cell, experiment, metric, lo, hi: {e}", record=f"constraints[{i}]") from None
        if c.metric not in ("coulombic_efficiency", "max_charge") or not c.lo < c.hi:
            raise ParameterError("metric must be coulombic_efficiency or max_charge, with lo < hi",
                                 record=f"constraints[{i}]", field="metric")
        out.append(c)
    return out


def constraint_value(c: Constraint, runs: dict[str, Any]) -> float:
    """The metric a constraint bounds, from a cell's runs."""
    from cellworks.lis.twins.metrics import coulombic_efficiency, max_charge

    run = runs.get(c.experiment)
    if run is None or run.status != "ok":
        return math.nan
    return coulombic_efficiency(run) if c.metric == "coulombic_efficiency" else max_charge(run)


def _sim_values(cell: Any, doc: dict[str, Any], targets: Sequence[Target], constraints: Sequence[Constraint],
                workers: int) -> list[float]:
    needed = experiments_needed(targets) | {c.experiment for c in constraints}
    runs = run_experiments(cell, doc, sorted(needed), workers=workers)
    out = []
    for t in targets:
        run = runs.get(t.experiment)
        out.append(math.nan if run is not None and run.status != "ok" else simulated_value(t, runs, cell, smooth=True))
    return out + [constraint_value(c, runs) for c in constraints]


def run_fit(
    targets_path: Path,
    *,
    cells: Sequence[str] | None = None,
    seed: int = 0,
    starts: int = 0,
    max_nfev: int = 300,
    workers: int = 2,
    command: str = "",
    checkpoint: Path | None = None,
    resume: bool = False,
    progress: Callable[[int, float], None] | None = None,
    log: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Calibrate the cells of a targets file (shared + per-cell free parameters) on their fitted
    targets; the JSON-ready result (values, residuals of the fitted targets, command, provenance)."""
    from concurrent.futures import ThreadPoolExecutor

    import numpy as np
    from scipy.optimize import minimize

    say = log or (lambda s: None)
    doc = load_targets(targets_path)
    names = list(cells) if cells else list(doc["cells"])
    for n in names:
        if n not in doc["cells"]:
            raise ParameterError(f"no cell '{n}' in the targets file", file=str(targets_path), field="cells")
    all_fitted = fitted_targets(doc)
    shared = free_parameters(doc.get("shared", {}).get("free", {}), "shared")
    per_cell = {n: free_parameters(doc["cells"][n].get("free", {}), f"cells.{n}", n) for n in names}
    free = shared + [fp for n in names for fp in per_cell[n]]
    targets = {n: [t for t in all_fitted if t.cell == n and t.metric != "r_ct"] for n in names}
    constraints = {n: [c for c in parse_constraints(doc) if c.cell == n] for n in names}
    pre: dict[str, dict[str, float]] = {}
    for n in names:
        rct = [t for t in all_fitted if t.cell == n and t.metric == "r_ct"]
        if rct:
            pre[n] = {"exchange_current_scale": exchange_scale_for_rct(cell_from_spec(n, doc), rct[0].paper, n)}
            say(f"{n}: exchange_current_scale = {pre[n]['exchange_current_scale']:.6g} from R_ct = {rct[0].paper:g} Ohm")
        else:
            pre[n] = {}
    if not free or not any(targets.values()):
        raise ParameterError("nothing to fit (no free parameters or no fitted targets)", file=str(targets_path))
    store = Checkpoint(checkpoint, resume)
    if store.loaded:
        say(f"resuming: {store.loaded} cell simulations from {checkpoint}")
    n_eval = [0]
    best = [math.inf]

    def cell_values(u: np.ndarray, n: str) -> dict[str, float]:
        vals = dict(pre[n])
        for fp, ui in zip(free, u, strict=True):
            if fp.cell in ("", n):
                vals[fp.name] = fp.from_unit(float(ui))
        return vals

    def simulate_cell(n: str, u: np.ndarray) -> list[float]:
        key = tuple(round(float(ui), KEY_DIGITS) for fp, ui in zip(free, u, strict=True) if fp.cell in ("", n))
        hit = store.get(n, key)
        if hit is not None:
            return hit
        vals = cell_values(u, n)
        sim = _sim_values(cell_from_spec(n, doc, vals), doc, targets[n], constraints[n], workers=1)
        store.put(n, key, vals, sim)
        return sim

    def fun(u: np.ndarray) -> float:
        u = np.clip(u, 0.0, 1.0)
        todo = [n for n in names if targets[n]]
        with ThreadPoolExecutor(max_workers=max(1, min(workers, len(todo)))) as ex:
            sims = dict(zip(todo, ex.map(lambda n: simulate_cell(n, u), todo), strict=True))
        vec: list[float] = []
        for n in todo:
            k = len(targets[n])
            vec += objective_vector(residuals(sims[n][:k], targets[n]), [t.fit_margin for t in targets[n]])
            vec += [c.penalty(v) for c, v in zip(constraints[n], sims[n][k:], strict=True)]
        c = 0.5 * float(np.sum(np.square(vec)))
        n_eval[0] += 1
        best[0] = min(best[0], c)
        if progress is not None:
            progress(n_eval[0], best[0])
        return c

    rng = np.random.default_rng(seed)
    u_starts = [np.array([fp.to_unit(fp.start) for fp in free])]
    u_starts += [rng.uniform(0.05, 0.95, size=len(free)) for _ in range(starts)]
    best_run: Any = None
    for k, u0 in enumerate(u_starts):
        say(f"start {k + 1}/{len(u_starts)}")
        r = minimize(fun, u0, method="Nelder-Mead", bounds=[(0.0, 1.0)] * len(u0),
                     options={"maxfev": max_nfev, "xatol": 1e-4, "fatol": 1e-3, "adaptive": True})
        say(f"start {k + 1}: cost {float(r.fun):.4g} after {int(r.nfev)} evaluations ({r.message})")
        if best_run is None or float(r.fun) < best_run[0]:
            best_run = (float(r.fun), np.clip(r.x, 0.0, 1.0), int(r.nfev), str(r.message), int(r.status))
    u_best = best_run[1]
    out: dict[str, Any] = {
        "command": command,
        "targets_file": targets_path.name,
        "targets_sha256": sha256_file(targets_path),
        "seed": seed, "starts": starts, "max_nfev": max_nfev, "method": "nelder-mead",
        "created_utc": _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "cost": best_run[0], "nfev": best_run[2], "optimizer_message": best_run[3],
        "held_out_read": False,  # the calibration saw only fitted targets (fitted_targets)
        "shared": {"values": {fp.name: fp.from_unit(float(ui)) for fp, ui in zip(free, u_best, strict=True)
                              if fp.cell == ""}},
        "cells": {},
    }
    for n in names:
        vals = cell_values(u_best, n)
        own = {k: v for k, v in vals.items() if k not in out["shared"]["values"]}
        sim = simulate_cell(n, u_best) if targets[n] else []
        k = len(targets[n])
        rows = [{"id": t.id, "paper": t.paper, "simulated": s, "unit": t.unit, "tolerance": t.tolerance,
                 "residual_in_tolerances": (s - t.paper) / t.tolerance if math.isfinite(s) else None, "role": t.role}
                for s, t in zip(sim[:k], targets[n], strict=True)]
        cons = [{"experiment": c.experiment, "metric": c.metric, "band": [c.lo, c.hi], "simulated": v,
                 "inside": c.lo <= v <= c.hi, "source": c.source} for c, v in zip(constraints[n], sim[k:], strict=True)]
        out["cells"][n] = {"values": own, "residuals": rows, "constraints": cons}
    return out


def compare_values(a: dict[str, float], b: dict[str, float]) -> dict[str, float]:
    """Relative difference of every parameter present in both (for the reproducibility check)."""
    return {k: abs(a[k] - b[k]) / max(abs(a[k]), abs(b[k]), 1e-300) for k in sorted(set(a) & set(b))}


__all__ = ["Checkpoint", "Constraint", "FreeParameter", "constraint_value", "parse_constraints", "compare_values", "exchange_scale_for_rct", "free_parameters",
           "objective_vector", "residuals", "run_fit"]
