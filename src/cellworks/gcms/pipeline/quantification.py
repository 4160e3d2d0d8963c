"""Quantify: sensitivities (calibration line or cross-section relation, corrected for the sample's
isotopic composition), SIM areas → concentrations with expanded uncertainty and 3s detection
limits, the CS₂ isotope ratio, and the trueness check by sample-size variation."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from cellworks.errors import InputError
from cellworks.gcms.clusters import Variant
from cellworks.gcms.pipeline.calibration import Calibration
from cellworks.gcms.pipeline.composition import Composition, infer_composition
from cellworks.gcms.pipeline.integration import integrate_sim
from cellworks.gcms.pipeline.runs import COVERAGE_K, REL_REPEATABILITY, RunInfo
from cellworks.gcms.pipeline.spectra import ion_fraction
from cellworks.gcms.pipeline.targets import Identification
from cellworks.gcms.quant import (
    CS2_RATIO_DOCUMENT,
    TARGETS,
    Target,
    detection_limit,
    format_limit,
    format_value,
)


def sensitivity_of(t: Target, cal: Calibration, lib: Mapping[str, Mapping[int, float]],
                   comp: Composition) -> tuple[float, float, str]:
    """Sensitivity S (area per vol.% at p_ref) of the quant ion in the sample, its relative
    standard uncertainty and how it was obtained."""
    from cellworks.gcms.clusters import reisotope
    from cellworks.gcms.xsections import cross_section

    natural = comp.variants == [Variant(1.0)] or all(not v.composition for v in comp.variants)
    f_std = ion_fraction(lib[t.key], t.quant_mz)
    f_smp = f_std if natural else ion_fraction(reisotope(lib[t.key], t.formula, comp.variants), t.quant_mz)
    if t.key in cal.lines:
        line = cal.lines[t.key]
        how = f"absolute calibration ({line.n} levels, slope ± {100 * line.slope_sd / line.slope:.1f} %)"
        if not natural and f_std > 0:
            how += f"; ion fraction corrected for the isotopic composition ×{f_smp / f_std:.3f}"
        return line.slope * (f_smp / f_std if f_std > 0 else 1.0), line.slope_sd / line.slope, how
    if cal.relation is None:
        raise InputError("no standards calibrated: cannot use the cross-section relation", field="calibration")
    xs = cross_section(t.formula, t.xs_name)
    s, rel = cal.relation.predict(xs.sigma_A2, xs.rel_uncertainty)
    how = (f"total ionisation cross section σ = {xs.sigma_A2:.1f} Å² ({xs.source}); S/f = k·σ^a with "
           f"a = {cal.relation.exponent:.2f} from {cal.relation.n} standards; ion fraction f = {f_smp:.3f}")
    return s * f_smp, rel, how


def quantify_target(t: Target, idn: Identification | None, sims: Sequence[RunInfo], cal: Calibration,
                    lib: Mapping[str, Mapping[int, float]]) -> tuple[dict[str, Any], list[tuple[float, float, float]], str | None]:
    """One target in one sample's SIM runs: the result cell, the per-run ``(p_kPa, C, u)`` values
    and how the sensitivity was obtained."""
    import numpy as np

    if idn is None:
        return {"cell": "n/a", "status": "not identified"}, [], None
    comp = infer_composition(t.key, sims, idn, idn.spectrum)
    s_area, u_s_rel, how = sensitivity_of(t, cal, lib, comp)
    vals, dls, u_rand, per_run = [], [], [], []
    for ri in sims:
        integ = integrate_sim(ri.run, t.quant_mz, idn.rt_min, idn.fwhm_s)
        if integ is None:
            continue
        pf = ri.pressure_kPa / cal.pressure_ref_kPa
        c = integ.area / (s_area * pf)
        u_c = math.hypot(integ.area_sd / (s_area * pf), REL_REPEATABILITY * abs(c))
        vals.append(c)
        u_rand.append(u_c)
        dls.append(detection_limit(integ.area_sd, s_area * pf))
        per_run.append((ri.pressure_kPa, c, u_c))
    if not vals:
        return {"cell": "n/a", "status": "ion not monitored at the retention time"}, [], how
    n = len(vals)
    c_mean = float(np.mean(vals))
    u = math.hypot(math.sqrt(sum(x * x for x in u_rand)) / n, u_s_rel * c_mean)
    dl = float(np.mean(dls)) / math.sqrt(n)
    detected = c_mean > dl
    res: dict[str, Any] = {
        "cell": format_value(c_mean, COVERAGE_K * u) if detected else format_limit(dl), "detected": detected,
        "value_vol_pct": c_mean, "U_vol_pct": COVERAGE_K * u, "u_rel_sensitivity": u_s_rel,
        "detection_limit_vol_pct": dl, "n_runs": n, "isotopes": comp.note,
    }
    if comp.ratio is not None:
        res["isotope_ratio"] = {"value": comp.ratio, "sd": comp.ratio_sd}
    return res, per_run, how


def quantify(runs: Sequence[RunInfo], cal: Calibration, ident: Mapping[str, Identification],
             samples: Sequence[str]) -> tuple[list[dict[str, Any]], dict[tuple[str, str], list[tuple[float, float, float]]]]:
    """Every target in every sample: the result rows and the per-run values (for trueness)."""
    from cellworks.gcms.pipeline.spectra import library_spectra

    lib = library_spectra()
    rows: list[dict[str, Any]] = []
    per_run_values: dict[tuple[str, str], list[tuple[float, float, float]]] = {}
    for t in TARGETS:
        idn = ident.get(t.key)
        row: dict[str, Any] = {
            "key": t.key, "label": t.label, "quant_mz": t.quant_mz, "document_mz": t.document_mz,
            "column": t.column, "has_standard": t.has_standard, "identified": idn is not None,
            "identification": idn.how if idn else "not identified in any full-scan run",
            "library_mf": idn.library_mf if idn else None, "rt_min": idn.rt_min if idn else None,
            "ge_clusters": idn.ge if idn else None,
            "spectrum": {int(m): round(v, 1) for m, v in sorted(idn.spectrum.items())} if idn else {},
            "results": {},
        }
        for smp in samples:
            sims = [r for r in runs if r.sample == smp and r.column == t.column and r.mode == "sim"]
            if not sims:
                continue
            res, per_run, how = quantify_target(t, idn, sims, cal, lib)
            if how is not None:
                row["method"] = how
            if per_run:
                per_run_values[(smp, t.key)] = per_run
            row["results"][smp] = res
        rows.append(row)
    return rows, per_run_values


def isotope_ratios(rows: Sequence[Mapping[str, Any]]) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """CS₂'s ¹²C³²S³⁴S : ¹²C³²S₂ per sample where detected, and their inverse-variance mean."""
    notes = []
    for row in rows:
        if row["key"] != "CS2":
            continue
        for smp, r in row["results"].items():
            if r.get("detected") and "isotope_ratio" in r:
                notes.append({"sample": smp, "compound": "CS2", "ratio_12C32S34S_to_12C32S2": r["isotope_ratio"]["value"],
                              "sd": r["isotope_ratio"]["sd"], "document": CS2_RATIO_DOCUMENT})
    cs2 = [r for r in notes if r["sd"] and r["sd"] > 0]
    if not cs2:
        return notes, None
    w = [1.0 / r["sd"] ** 2 for r in cs2]
    pooled = {"ratio_12C32S34S_to_12C32S2": sum(wi * r["ratio_12C32S34S_to_12C32S2"] for wi, r in zip(w, cs2, strict=True))
              / sum(w), "sd": 1.0 / math.sqrt(sum(w)), "samples": [r["sample"] for r in cs2],
              "document": CS2_RATIO_DOCUMENT, "method": "inverse-variance mean of the samples' SIM 78/76 area ratios"}
    return notes, pooled


def check_trueness(per_run_values: Mapping[tuple[str, str], list[tuple[float, float, float]]],
                   rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """p vs 2p comparison of every detected compound of a sample with runs at two inlet pressures,
    Holm-adjusted over the compounds of the sample (they share one injection's dose)."""
    from cellworks.gcms.trueness import compare_runs, holm_adjust

    trueness = []
    for (smp, key), prv in per_run_values.items():
        pressures = sorted({round(v[0], 6) for v in prv})
        if len(pressures) < 2:
            continue
        row = next(r for r in rows if r["key"] == key)
        if not row["results"].get(smp, {}).get("detected"):
            continue
        a = [v[1] for v in prv if round(v[0], 6) == pressures[0]]
        b = [v[1] for v in prv if round(v[0], 6) == pressures[-1]]
        trueness.append({"sample": smp, "compound": key, "p_kPa": pressures[0], "p2_kPa": pressures[-1],
                         **compare_runs(a, b).as_dict()})
    for smp in {tr["sample"] for tr in trueness}:
        fam = [tr for tr in trueness if tr["sample"] == smp]
        for tr, p_adj in zip(fam, holm_adjust([tr["t_p_value"] for tr in fam]), strict=True):
            tr["t_significant_single"] = tr["t_significant"]
            tr["t_p_value_holm"] = p_adj
            tr["t_significant"] = bool(p_adj < tr["alpha"])
            tr["family"] = f"Holm over the {len(fam)} compounds of the sample"
    return trueness
