"""The impurity analysis of document 002 as a pipeline of small steps:

:func:`~cellworks.gcms.pipeline.runs.load_runs` → :func:`~cellworks.gcms.pipeline.calibration.calibrate`
→ :func:`~cellworks.gcms.pipeline.targets.identify_targets` → :func:`~cellworks.gcms.pipeline.quantification.quantify`
(with :func:`~cellworks.gcms.pipeline.integration.integrate_sim` and the isotope composition) →
:func:`~cellworks.gcms.pipeline.quantification.check_trueness`; :func:`analyze` chains them and
returns an :class:`Analysis`.

Inputs are only what a laboratory has: the sample runs (full scan for identification, SIM for
quantification, on the PLOT and PTMSP columns; each file states its column, scan function, sample
name and inlet pressure in its global attributes) and the calibration runs of standard mixtures
with the prepared concentrations (a JSON manifest). The built-in EI library, the cross-section
table and the method (:data:`cellworks.gcms.quant.TARGETS`) are the method's fixed knowledge. The
comparison with the document's Table 1 is not part of the analysis
(:mod:`cellworks.gcms.table1`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["Analysis", "analyze"]


@dataclass
class Analysis:
    """Result of :func:`analyze` (``as_dict()`` gives the JSON form)."""

    samples: list[str]
    runs: list[dict[str, Any]]
    calibration: dict[str, Any]
    rows: list[dict[str, Any]]
    isotope_ratios: list[dict[str, Any]] = field(default_factory=list)
    cs2_ratio: dict[str, Any] | None = None
    trueness: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """The JSON-ready dictionary (the keys are the field names)."""
        return {"samples": self.samples, "runs": self.runs, "calibration": self.calibration, "rows": self.rows,
                "isotope_ratios": self.isotope_ratios, "cs2_ratio": self.cs2_ratio, "trueness": self.trueness,
                "notes": self.notes}


def _calibration_summary(cal: Any, manifest: str | Path) -> dict[str, Any]:
    rel = cal.relation
    return {
        "manifest": str(manifest), "p_ref_kPa": cal.pressure_ref_kPa,
        "lines": {k: {"slope": v.slope, "slope_sd": v.slope_sd, "n": v.n, "rt_min": cal.rt_min.get(k)}
                  for k, v in cal.lines.items()},
        "sensitivity_relation": None if rel is None else {
            "ln_k": rel.ln_k, "exponent": rel.exponent, "rel_scatter": rel.rel_scatter, "n": rel.n,
            "compounds": list(rel.names), "source": rel.source},
    }


def analyze(paths: Sequence[str | Path], calibration: str | Path) -> Analysis:
    """Load the runs, calibrate, identify the targets, quantify them in every sample and check
    trueness where a sample was run at two inlet pressures."""
    from cellworks.errors import InputError
    from cellworks.gcms.pipeline.calibration import calibrate
    from cellworks.gcms.pipeline.quantification import check_trueness, isotope_ratios, quantify
    from cellworks.gcms.pipeline.runs import load_runs
    from cellworks.gcms.pipeline.targets import identify_targets
    from cellworks.gcms.quant import ION_SWAP_NOTE

    runs = load_runs(paths)
    if not runs:
        raise InputError("no runs given")
    cal = calibrate(calibration)
    ident = identify_targets(runs, cal)
    samples = list(dict.fromkeys(r.sample for r in runs))
    rows, per_run_values = quantify(runs, cal, ident, samples)
    notes, cs2 = isotope_ratios(rows)
    return Analysis(
        samples=samples,
        runs=[{"file": r.path, "sample": r.sample, "column": r.column, "mode": r.mode,
               "inlet_pressure_kPa": r.pressure_kPa} for r in runs],
        calibration=_calibration_summary(cal, calibration), rows=rows, isotope_ratios=notes, cs2_ratio=cs2,
        trueness=check_trueness(per_run_values, rows),
        notes=[ION_SWAP_NOTE, "± is the expanded uncertainty U = 2u (≈ 95 %); '<' gives the 3s detection limit at "
               "the compound's retention time."],
    )
