"""Identify the method's targets in the full-scan runs: standards by retention time, germanium
species by their ⁷⁴Ge clusters, the others by library match (natural or isobar-enriched)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from cellworks.gcms.clusters import chlorine_pairs, fit_chlorine, recognise_germanium
from cellworks.gcms.isotopes import GE74_MATRIX
from cellworks.gcms.pipeline.calibration import Calibration
from cellworks.gcms.pipeline.runs import MIN_MF_IDENT, RT_TOL_MIN, RunInfo
from cellworks.gcms.pipeline.spectra import library_spectra, spectrum_at, spectrum_mf
from cellworks.gcms.quant import TARGETS, Target


@dataclass
class Identification:
    """How and where a target was identified (retention time, width, evidence, spectrum)."""

    key: str
    column: str
    rt_min: float
    fwhm_s: float
    how: str  # evidence
    library_mf: float | None = None
    ge: dict[str, Any] | None = None
    chlorine: list[dict[str, Any]] = field(default_factory=list)
    source_run: str = ""
    spectrum: dict[int, float] = field(default_factory=dict)


def identify_targets(runs: Sequence[RunInfo], cal: Calibration) -> dict[str, Identification]:
    """Identify the targets in the full-scan runs (pooled per column): standards by retention time
    and library match, compounds without standards by library match or, for Ge species, by their
    ⁷⁴Ge clusters (Ge count from the Ge_kH_n windows, Cl from the 35/37 pair)."""
    from scipy.optimize import linear_sum_assignment

    from cellworks.gcms.peaks import deconvolve

    lib = library_spectra()
    found: dict[str, Identification] = {}
    for col in ("plot", "ptmsp"):
        # (rt, fwhm, clean spectrum, area, run, apex spectrum): the clean (deconvolved) spectrum
        # holds only ions peaking together; the apex spectrum (±2 scans minus the background 5 s
        # either side) keeps weak cluster members that the deconvolution drops at low S/N
        comps: list[tuple[float, float, dict[int, float], float, str, dict[int, float]]] = []
        for ri in runs:
            if ri.column != col or ri.mode != "scan":
                continue
            for comp in deconvolve(ri.run):
                spec = {int(m): float(v) for m, v in zip(comp.mz, comp.intensity, strict=True) if v > 0}
                fw = cal.fwhm_at(col, comp.apex_time_s / 60.0)
                raw = spectrum_at(ri.run, comp.apex_scan, half_width_scans=2, bg_offset_scans=15)
                top = max(raw.values(), default=0.0)
                raw = {m: v for m, v in raw.items() if v >= 0.005 * top}
                comps.append((comp.apex_time_s / 60.0, fw, spec, float(comp.peak.area), ri.path, raw))
        # pool: per retention time keep the strongest component (best spectrum)
        comps.sort(key=lambda c: -c[3])
        pooled: list[tuple[float, float, dict[int, float], float, str, dict[int, float]]] = []
        for c in comps:
            if not any(abs(c[0] - p[0]) < RT_TOL_MIN for p in pooled):
                pooled.append(c)
        pooled.sort(key=lambda c: c[0])
        targets = [t for t in TARGETS if t.column == col]
        # 1) standards: retention time of the calibration
        for t in targets:
            if t.key in cal.rt_min:
                near = [p for p in pooled if abs(p[0] - cal.rt_min[t.key]) < RT_TOL_MIN]
                mf = max((spectrum_mf(p[2], lib[t.key]) for p in near), default=None)
                how = "retention time of the standard" + (f"; library MF {mf:.2f}" if mf is not None else "")
                spec = max(near, key=lambda p: p[3])[2] if near else {}
                found[t.key] = Identification(t.key, col, cal.rt_min[t.key], cal.fwhm_s[t.key], how, mf,
                                              spectrum=spec)
        claimed = [found[k].rt_min for k in found if found[k].column == col]
        free = [p for p in pooled if not any(abs(p[0] - x) < RT_TOL_MIN for x in claimed)]
        # 2) Ge species by clusters
        ge_targets = {1: "GeH3Cl", 2: "Ge2H6", 3: "Ge3H8"}
        rest = []
        for p in free:
            g = recognise_germanium(p[5])
            cl = chlorine_pairs(p[5])
            if g.n_ge and g.verdict == "74Ge-enriched":
                key = ge_targets.get(g.n_ge)
                clfit = None
                if g.n_ge == 1:
                    # one Cl? the GeH_nCl⁺ cluster (m/z 109–116 for ⁷⁴Ge) fitted with a free ³⁷Cl share
                    frs = [{"Ge": 1, "Cl": 1} | ({"H": n} if n else {}) for n in range(4)]
                    clfit = fit_chlorine(p[5], frs, {"Ge": 1, "H": 3, "Cl": 1}, {"Ge": GE74_MATRIX})
                    in_win = sum(v for m, v in p[5].items() if 105 <= m <= 117) / max(sum(p[5].values()), 1e-300)
                    # the document's evidence: Cl⁺ at m/z 35 and 37 in the ratio 3:1
                    has_cl = any(c.mz == 35 and c.n_cl == 1 for c in cl) and in_win >= 0.02
                    if not has_cl:
                        key = None  # GeH₄ itself: the matrix (its tail once the filament is on)
                if key and any(t.key == key for t in targets) and (key not in found or found[key].rt_min > p[0]):
                    mf = max(spectrum_mf(p[2], lib[key]), spectrum_mf(p[5], lib[key]))
                    how = (f"library MF {mf:.2f} (natural Ge: too low) but ⁷⁴Ge clusters: {g.n_ge} Ge "
                           f"(enriched fit residual {g.enriched_residual:.2f} vs natural {g.natural_residual:.2f}"
                           + (f"; implied ⁷⁴Ge {g.ge74_fraction:.4f})" if g.ge74_fraction is not None else ")"))
                    if key == "GeH3Cl":
                        r35 = next(c.ratio for c in cl if c.mz == 35)
                        how += f"; one Cl: I(37)/I(35) = {r35:.2f} (natural 0.32, '3:1'), ⁷⁴GeHₙCl⁺ at m/z 109–114"
                        if clfit is not None:
                            how += f" (fit residual {clfit.residual:.3f})"
                    found[key] = Identification(
                        key, col, p[0], p[1], how, mf,
                        ge={"n_ge": g.n_ge, "verdict": g.verdict, "enriched_residual": g.enriched_residual,
                            "natural_residual": g.natural_residual, "ge74_fraction": g.ge74_fraction},
                        chlorine=[{"mz": c.mz, "ratio": c.ratio, "n_cl": c.n_cl} for c in cl], source_run=p[4],
                        spectrum=p[5])
                continue
            rest.append(p)
        # 3) remaining targets by library match (one component per target, best total MF)
        open_t = [t for t in targets if t.key not in found]
        if open_t and rest:
            import numpy as np

            nat = np.array([[max(spectrum_mf(p[2], lib[t.key]), spectrum_mf(p[5], lib[t.key])) for p in rest] for t in open_t])
            iso = [[_isobar_mf(p[2], t, lib[t.key]) for p in rest] for t in open_t]
            best = np.maximum(nat, np.array([[x[0] for x in r] for r in iso]))
            rows, cols = linear_sum_assignment(-best)
            for r, c in zip(rows, cols, strict=True):
                t, p = open_t[r], rest[c]
                mf_nat, (mf_iso, ratio) = float(nat[r, c]), iso[r][c]
                if mf_nat >= MIN_MF_IDENT:
                    found[t.key] = Identification(t.key, col, p[0], p[1], f"library MF {mf_nat:.2f}", mf_nat,
                                                  source_run=p[4], spectrum=p[2])
                elif mf_iso >= MIN_MF_IDENT:
                    how = (f"library MF {mf_nat:.2f} (natural isotopes) but {mf_iso:.2f} for the compound enriched "
                           f"in its isotopologue at m/z {MATRIX_NOMINAL_MZ} (molecular isobar of ⁷⁴GeH₄"
                           + (f", isobar : main isotopologue ≈ {ratio:.2g}" if ratio is not None else "") + ")")
                    found[t.key] = Identification(t.key, col, p[0], p[1], how, mf_nat, source_run=p[4],
                                                  spectrum=p[2])
    return found


MATRIX_NOMINAL_MZ = 78  # ⁷⁴GeH₄


def _isobar_mf(spec: Mapping[int, float], t: Target, ref: Mapping[int, float]) -> tuple[float, float | None]:
    """Best MF of ``spec`` against the library spectrum re-isotoped to a population enriched in the
    isotopologue at the matrix's nominal mass (the centrifuge's molecular isobars), and the
    isobar : main-isotopologue ratio that gives it (None when the isobar is the main one)."""
    import numpy as np

    from cellworks.gcms.clusters import decompose, isobar_variants, recompose

    v1 = isobar_variants(t.formula, MATRIX_NOMINAL_MZ, 1.0)
    if v1 is None:
        return 0.0, None
    dec = decompose(ref, t.formula)
    if len(v1) == 1:
        return spectrum_mf(spec, recompose(dec, v1)), None
    best: tuple[float, float | None] = (0.0, None)
    for r in np.logspace(-2, 2, 33):
        v = isobar_variants(t.formula, MATRIX_NOMINAL_MZ, float(r))
        if v is None:
            break
        mf = spectrum_mf(spec, recompose(dec, v))
        if mf > best[0]:
            best = (mf, float(r))
    return best


