"""Published numbers and how a twin computes its counterpart; building the document's cells.

A target is one number of the document (``[[targets]]`` of the targets file) with its tolerance and
its ``role``: ``fitted`` targets are what ``cellworks lis fit`` calibrates on; ``held_out`` targets
are predictions — :func:`fitted_targets` is the only door the calibration has to the file, and it
never lets them through.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cellworks.errors import ParameterError
from cellworks.lis.readers.targets import load_fitted, load_targets
from cellworks.lis.twins.mechanisms import CoinCellRecipe, TwinCell, TwinRun, chain3_cell, run_twin
from cellworks.lis.twins.metrics import (
    capacity_at,
    charge_transfer_resistance,
    coulombic_efficiency,
    max_capacity,
    mean_capacity,
    retention,
    smooth_cycle_of_max,
)
from cellworks.lis.twins.protocols import experiment_protocols

METRICS = ("capacity_at", "max_capacity", "cycle_of_max", "retention", "mean_capacity",
           "coulombic_efficiency", "r_ct")
#: share of the tolerance band the calibration keeps a target inside before balancing them
DEFAULT_FIT_MARGIN = 0.8
ZHANG2016_CELLS = ("zhang2016_ac_s", "zhang2016_coated")


@dataclass(frozen=True)
class Target:
    """One published number and how the twin computes its counterpart."""

    id: str
    cell: str
    experiment: str  # key of [experiments] or "eis"
    metric: str
    paper: float
    unit: str
    tolerance: float  # absolute, in ``unit``
    tolerance_text: str
    quantity: str
    role: str = "fitted"
    cycle: int = 0
    first: int = 0
    last: int = 0
    fit_margin: float = DEFAULT_FIT_MARGIN

    @property
    def fitted(self) -> bool:
        """True when the calibration may see this target."""
        return self.role == "fitted"

    @staticmethod
    def from_dict(d: dict[str, Any], where: str) -> Target:
        """Parse one ``[[targets]]`` table (``tolerance_rel`` or ``tolerance_abs``)."""
        try:
            paper = float(d["paper"])
            unit = str(d.get("unit", ""))
            if d.get("tolerance_rel") is not None:
                tol = abs(paper) * float(d["tolerance_rel"])
                tt = f"±{float(d['tolerance_rel']) * 100:g} %"
            elif d.get("tolerance_abs") is not None:
                tol = float(d["tolerance_abs"])
                tt = f"±{tol:g} percentage points" if unit == "%" else f"±{tol:g} {unit}".strip()
            else:
                raise ParameterError("needs tolerance_rel or tolerance_abs", record=where, field="tolerance")
            t = Target(
                id=str(d["id"]), cell=str(d["cell"]), experiment=str(d["experiment"]), metric=str(d["metric"]),
                paper=paper, unit=unit, tolerance=tol, tolerance_text=tt, quantity=str(d.get("quantity", d["id"])),
                role=str(d.get("role", "fitted")), cycle=int(d.get("cycle", 0)), first=int(d.get("first", 0)),
                last=int(d.get("last", 0)), fit_margin=float(d.get("fit_margin", DEFAULT_FIT_MARGIN)),
            )
        except KeyError as e:
            raise ParameterError(f"missing key {e}", record=where, field=str(e).strip("'")) from None
        except (TypeError, ValueError) as e:
            raise ParameterError(f"bad value: {e}", record=where) from None
        if t.metric not in METRICS:
            raise ParameterError(f"unknown metric (known: {', '.join(METRICS)})", record=where, field="metric")
        return t


def parse_targets(doc: dict[str, Any]) -> list[Target]:
    """Every target of a targets file, fitted and held out (for comparison and reports)."""
    return [Target.from_dict(d, f"targets[{i}]") for i, d in enumerate(doc.get("targets", []))]


def fitted_targets(doc: dict[str, Any]) -> list[Target]:
    """The targets the calibration may see: the held-out ones never leave this function."""
    return [Target.from_dict(d, f"targets[{i}]") for i, d in enumerate(doc.get("targets", []))
            if d.get("role", "fitted") == "fitted"]


def experiments_needed(targets: Sequence[Target]) -> set[str]:
    """Experiments the targets' metrics need (``eis`` needs no simulation)."""
    return {t.experiment for t in targets} - {"eis"}


def simulated_value(t: Target, runs: dict[str, TwinRun], cell: TwinCell, *, smooth: bool = False) -> float:
    """The twin's value of a target, in the target's unit. ``smooth``: the cycle of the maximum as
    the smooth peak position (what the calibration follows) instead of the integer arg-max."""
    if t.metric == "r_ct":
        return charge_transfer_resistance(cell)["R_ct_total_Ohm"]
    run = runs[t.experiment]
    pct = t.unit == "%"
    if t.metric == "capacity_at":
        return capacity_at(run, t.cycle)
    if t.metric == "max_capacity":
        return max_capacity(run, t.last or None)[0]
    if t.metric == "cycle_of_max":
        return smooth_cycle_of_max(run, t.last or None) if smooth else float(max_capacity(run, t.last or None)[1])
    if t.metric == "retention":
        r = retention(run, t.last or None)
        return 100.0 * r if pct else r
    if t.metric == "mean_capacity":
        return mean_capacity(run, t.first, t.last)
    if t.metric == "coulombic_efficiency":
        ce = coulombic_efficiency(run)
        return 100.0 * ce if pct else ce
    raise ParameterError("unknown metric", field="metric", token=t.metric)


def run_experiments(cell: TwinCell, doc: dict[str, Any], names: Sequence[str], *,
                    profile_cycles: dict[str, Sequence[int]] | None = None, workers: int = 2,
                    cycles_scale: float = 1.0) -> dict[str, TwinRun]:
    """Run the named experiments of a targets file on fresh copies of ``cell`` (threads: the
    compiled driver releases the GIL)."""
    from concurrent.futures import ThreadPoolExecutor

    prots = experiment_protocols(doc, cycles_scale=cycles_scale)
    unknown = [n for n in names if n not in prots]
    if unknown:
        raise ParameterError(f"unknown experiment (known: {', '.join(prots)})", field="experiment", token=unknown[0])
    pc = profile_cycles or {}
    order = sorted(names, key=lambda n: -len(prots[n]))  # longest first
    if workers <= 1 or len(order) == 1:
        return {n: run_twin(cell, prots[n], profile_cycles=pc.get(n, ())) for n in order}
    with ThreadPoolExecutor(max_workers=workers) as ex:
        futs = {n: ex.submit(run_twin, cell, prots[n], profile_cycles=pc.get(n, ())) for n in order}
        return {n: f.result() for n, f in futs.items()}


# ----------------------------------------------------------------------------------------------
# cells of a targets file


def _numbers(table: dict[str, Any], where: str) -> dict[str, float]:
    try:
        return {k: float(v) for k, v in table.items()}
    except (TypeError, ValueError):
        raise ParameterError("values must be numbers", record=where) from None


def free_starts(spec: dict[str, Any]) -> dict[str, float]:
    """The start values of a ``free`` table."""
    return {k: float(v["start"]) for k, v in spec.get("free", {}).items()}


def cell_from_spec(name: str, doc: dict[str, Any], values: dict[str, float] | None = None) -> TwinCell:
    """Build a twin from ``[cells.<name>]`` of a targets file: recipe → scaled chemistry, then the
    shared and the cell's fixed values, their free parameters' start values, then ``values``."""
    spec = doc["cells"].get(name)
    if spec is None:
        raise ParameterError(f"no cell '{name}' (known: {', '.join(doc['cells'])})", field="cell")
    rec = spec.get("recipe")
    if not isinstance(rec, dict):
        raise ParameterError("needs a recipe table", record=name, field="recipe")
    try:
        recipe = CoinCellRecipe(**_numbers(rec, f"cells.{name}.recipe"))
    except TypeError as e:
        raise ParameterError(f"bad recipe: {e}", record=name, field="recipe") from None
    source = str(spec.get("source", doc.get("document", {}).get("source", "")))
    cell = chain3_cell(name, source, recipe)
    cell = TwinCell(cell.name, cell.source, cell.params, cell.mechanisms, tuple(str(n) for n in spec.get("notes", [])))
    shared = doc.get("shared", {})
    for table in (shared.get("fixed", {}), spec.get("fixed", {})):
        cell = cell.with_values(_numbers(table, name))
    cell = cell.with_values({**free_starts(shared), **free_starts(spec)})
    if values:
        cell = cell.with_values(values)
    return cell


def fitted_values(fit: dict[str, Any], name: str) -> dict[str, float]:
    """Shared + cell values of a calibration result for one cell."""
    return {**fit.get("shared", {}).get("values", {}), **fit.get("cells", {}).get(name, {}).get("values", {})}


def zhang2016_cell(name: str, *, targets: Path | None = None, fitted: Path | None = None) -> TwinCell:
    """Preset ``zhang2016_ac_s`` or ``zhang2016_coated``: recipe + the committed calibration."""
    doc = load_targets(targets)
    if name not in doc["cells"]:
        raise ParameterError(f"unknown twin '{name}' (known: {', '.join(doc['cells'])})", field="preset")
    return cell_from_spec(name, doc, fitted_values(load_fitted(fitted), name))


TWIN_PRESETS = ("zhang2016_ac_s", "zhang2016_coated", "polyplus_catholyte")


def get_twin(name: str) -> Any:
    """A twin preset: a :class:`TwinCell` (document 000) or the catholyte parameters (document 001)."""
    if name in ZHANG2016_CELLS:
        return zhang2016_cell(name)
    if name == "polyplus_catholyte":
        from cellworks.lis.catholyte import polyplus_catholyte

        return polyplus_catholyte()
    raise ParameterError(f"unknown twin preset '{name}' (known: {', '.join(TWIN_PRESETS)})", field="preset")


def row(t: Target, sim: float) -> dict[str, Any]:
    """One comparison row: the document's number, the twin's, the tolerance, ok, the role."""
    ok = bool(math.isfinite(sim) and abs(sim - t.paper) <= t.tolerance * (1 + 1e-12))
    return {
        "id": t.id, "cell": t.cell, "quantity": t.quantity, "paper": t.paper,
        "simulated": sim if math.isfinite(sim) else None, "unit": t.unit, "tolerance": t.tolerance,
        "tolerance_text": t.tolerance_text, "ok": ok, "role": t.role,
    }


__all__ = ["METRICS", "TWIN_PRESETS", "ZHANG2016_CELLS", "Target", "cell_from_spec", "experiments_needed",
           "fitted_targets", "fitted_values", "free_starts", "get_twin", "parse_targets", "row", "run_experiments",
           "simulated_value", "zhang2016_cell"]
