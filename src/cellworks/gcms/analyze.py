"""The whole chain of document 002 on ANDI runs: peaks → identification with cluster logic →
quantification (absolute calibration, or total-ionisation cross sections) → detection limits →
Table 1, plus the CS₂ isotope ratio and the trueness check by sample-size variation.

Inputs are only what a laboratory has: the sample runs (full scan for identification, SIM for
quantification, on the PLOT and PTMSP columns; each file states its column, scan function, sample
name and inlet pressure in its global attributes) and the calibration runs of standard mixtures
with the prepared concentrations (a JSON manifest). The built-in EI library, the cross-section
table and the analytical method (:data:`cellworks.gcms.quant.TARGETS`: compounds, columns, SIM
ions) are the method's fixed knowledge. No concentration, retention time or enrichment of the
samples is known in advance.

Peaks: part 1's Biller–Biemann deconvolution (:func:`cellworks.gcms.peaks.deconvolve`) finds the
components of the full-scan runs; a targeted search (quant-ion peaks whose apex spectrum matches the
library, :func:`cellworks.gcms.peaks.apex_spectrum`) finds the standards with too few ions for it.
In SIM the area is the least-squares amplitude of a Gaussian template of the peak's width at the
retention time on a straight baseline (a matched filter; a fixed-window integration is the
alternative), so that absent compounds give an unbiased zero; the flanks' noise gives the 3s
detection limit.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cellworks.errors import FileFormatError, InputError
from cellworks.gcms.clusters import Variant, chlorine_pairs, fit_chlorine, recognise_germanium
from cellworks.gcms.isotopes import GE74_MATRIX
from cellworks.gcms.quant import (
    DOCUMENT_TABLE1,
    ION_SWAP_NOTE,
    SAMPLES,
    TARGETS,
    CalibrationLine,
    SensitivityRelation,
    Target,
    detection_limit,
    fit_calibration,
    fit_sensitivity_relation,
    format_limit,
    format_value,
    parse_table_value,
)

COVERAGE_K = 2.0  # expanded uncertainty U = 2u (≈ 95 %), as the ± of the results table
REL_REPEATABILITY = 0.02  # relative repeatability of one injection (weights of the calibration)
MIN_MF_IDENT = 0.80  # library identity MF (0–1) that identifies a compound without other evidence
RT_TOL_MIN = 0.06  # retention-time agreement between runs on the same column


@dataclass
class RunInfo:
    path: str
    sample: str
    column: str
    mode: str  # "scan" | "sim"
    pressure_kPa: float
    run: Any


@dataclass
class Identification:
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


def _meta(run: Any, path: str, key: str) -> str:
    v = run.metadata.get(key)
    if v is None or str(v).strip() == "":
        raise FileFormatError("missing global attribute (column, sample and inlet pressure are required)",
                              file=path, field=key)
    return str(v).strip()


def load_runs(paths: Sequence[str | Path]) -> list[RunInfo]:
    """Read ANDI runs and their acquisition attributes."""
    from cellworks.gcms.readers import read_run

    out = []
    for p in paths:
        r = read_run(p)
        col = _meta(r, str(p), "cellworks_column").lower()
        if col not in ("plot", "ptmsp"):
            raise FileFormatError(f"unknown column {col!r} (expected plot or ptmsp)", file=p, field="cellworks_column")
        sample = str(r.metadata.get("sample_name") or r.metadata.get("sample_id") or Path(p).stem)
        try:
            pk = float(_meta(r, str(p), "cellworks_inlet_pressure_kPa"))
        except ValueError:
            raise FileFormatError("inlet pressure is not a number", file=p, field="cellworks_inlet_pressure_kPa") from None
        out.append(RunInfo(str(p), sample, col, "sim" if r.is_sim else "scan", pk, r))
    return out


# ----------------------------------------------------------------------------- spectra helpers
def _lib_spectra() -> dict[str, dict[int, float]]:
    from cellworks.gcms.library import load_builtin

    lib = load_builtin()
    out = {}
    for t in TARGETS:
        s = lib.find(t.library_name)
        out[t.key] = {int(round(m)): float(i) for m, i in zip(s.mz, s.intensity, strict=True)}
    return out


def _fraction(spec: Mapping[int, float], mz: int) -> float:
    tot = sum(v for v in spec.values() if v > 0)
    return spec.get(mz, 0.0) / tot if tot > 0 else 0.0


def _mf(spec: Mapping[int, float], ref: Mapping[int, float]) -> float:
    from cellworks.gcms.scores import match_factor_float

    um = sorted(m for m, v in spec.items() if v > 0)
    lm = sorted(ref)
    import numpy as np

    return match_factor_float(np.asarray(um, dtype=np.int64), np.asarray([spec[m] for m in um]),
                              np.asarray(lm, dtype=np.int64), np.asarray([ref[m] for m in lm]))


def _apex_spec(run: Any, scan: int, half_width_scans: int = 1, bg_offset_scans: int = 12) -> dict[int, float]:
    """Apex spectrum (mean of ±half_width scans) minus the mean of scans ``bg_offset`` before and after."""
    import numpy as np

    masses, mat = _unit_matrix(run)
    n = mat.shape[0]
    a, b = max(scan - half_width_scans, 0), min(scan + half_width_scans + 1, n)
    apex = mat[a:b].mean(axis=0)
    lo = [i for i in (scan - bg_offset_scans, scan - bg_offset_scans - 1) if 0 <= i < n]
    hi = [i for i in (scan + bg_offset_scans, scan + bg_offset_scans + 1) if 0 <= i < n]
    parts = [mat[lo].mean(axis=0)] if lo else []
    parts += [mat[hi].mean(axis=0)] if hi else []
    bg = np.mean(parts, axis=0) if parts else np.zeros_like(apex)
    y = apex - bg
    return {int(m): float(v) for m, v in zip(masses, y, strict=True) if v > 0}


_UNIT_CACHE: dict[int, tuple[Any, Any, Any]] = {}


def _unit_matrix(run: Any) -> tuple[Any, Any]:
    """The run's nominal-mass matrix, cached while the run object lives (the cache keeps a
    reference, so an id is never reused for another run)."""
    hit = _UNIT_CACHE.get(id(run))
    if hit is None or hit[0] is not run:
        if len(_UNIT_CACHE) > 64:
            _UNIT_CACHE.clear()
        masses, mat = run.unit_mass_matrix()
        hit = (run, masses, mat)
        _UNIT_CACHE[id(run)] = hit
    return hit[1], hit[2]


# ----------------------------------------------------------------------------- SIM integration
@dataclass(frozen=True)
class Integration:
    area: float
    area_sd: float  # from the baseline noise (white): s·Δt·√n
    noise_sd: float
    n_points: int
    rt_min: float


INTEGRATION_WINDOW_FWHM = (1.25, 1.75)  # before/after the retention time
FLANK_FWHM = (2.0, 6.0)  # baseline flanks, each side


QUANT_METHOD = "fit"  # "fit": least-squares peak template + linear baseline; "window": integration


def integrate_sim(run: Any, mz: int, rt_min: float, fwhm_s: float, method: str | None = None) -> Integration | None:
    """Area of the ``mz`` trace (SIM or EIC) over [rt − 1.25·FWHM, rt + 1.75·FWHM] on a straight
    baseline fitted to flanks 2–6 FWHM away on each side, restricted to the scans of the same
    SIM group (same monitored ions) as the retention time; the flanks' robust point-to-point noise
    gives the area's noise s·Δt·√(n + vᵀ(XᵀX)⁻¹v). None if the ion is not monitored there."""
    import numpy as np

    from cellworks.gcms.peaks import noise_sigma
    from cellworks.gcms.run import nominal_mass

    t = run.scan_times_s
    ids = np.repeat(np.arange(run.n_scans), np.diff(run.offsets))
    nm = nominal_mass(run.mz)
    sel = nm == mz
    monitored = np.zeros(run.n_scans, dtype=bool)
    monitored[ids[sel]] = True
    y = np.bincount(ids[sel], weights=run.intensity[sel], minlength=run.n_scans)
    rt_s = rt_min * 60.0
    i0 = int(np.argmin(np.abs(t - rt_s)))
    if run.is_sim:
        # scans of the same SIM group: the same set of monitored ions (count, Σm, Σm²)
        counts = np.diff(run.offsets)
        s1 = np.bincount(ids, weights=nm.astype(float), minlength=run.n_scans)
        s2 = np.bincount(ids, weights=nm.astype(float) ** 2, minlength=run.n_scans)
        same = (counts == counts[i0]) & (s1 == s1[i0]) & (s2 == s2[i0])
        monitored &= same
    w = max(fwhm_s, 1.0)
    a_l, a_r = INTEGRATION_WINDOW_FWHM
    f_in, f_out = FLANK_FWHM
    win = (t >= rt_s - a_l * w) & (t <= rt_s + a_r * w) & monitored
    left = (t >= rt_s - f_out * w) & (t <= rt_s - f_in * w) & monitored
    right = (t >= rt_s + f_in * w) & (t <= rt_s + f_out * w) & monitored
    fl = left | right
    if win.sum() < 5 or fl.sum() < 6:
        return None
    tf, yf = t[fl], y[fl]
    deg = 1 if left.any() and right.any() else 0
    # robust noise from point-to-point differences within each flank, pooled (a linear baseline
    # cancels in the differences)
    d = np.concatenate([np.diff(yf[m[fl]]) for m in (left, right) if m.sum() > 2])
    s_fl = 1.4826 * float(np.median(np.abs(d - np.median(d)))) / math.sqrt(2.0) if d.size > 4 else None
    if (method or QUANT_METHOD) == "fit":
        # least squares: y = A·g(t) + baseline over the window and the flanks; g is a Gaussian of
        # unit area with the peak's FWHM at the retention time. With white noise this is the
        # minimum-variance linear estimate of the area (a matched filter); the same template for
        # standards and samples makes its shape error cancel in the calibration.
        reg = (t >= rt_s - f_out * w) & (t <= rt_s + f_out * w) & monitored
        tr, yr = t[reg] - rt_s, y[reg]
        sg = w / 2.354820045
        g = np.exp(-0.5 * (tr / sg) ** 2) / (sg * math.sqrt(2.0 * math.pi))
        xm = np.column_stack([g, *np.vander(tr, deg + 1).T])
        beta, *_ = np.linalg.lstsq(xm, yr, rcond=None)
        resid_fl = yr - xm @ beta
        s = s_fl if s_fl is not None else noise_sigma(resid_fl)
        var_a = float(np.linalg.pinv(xm.T @ xm)[0, 0])
        return Integration(float(beta[0]), s * math.sqrt(var_a), s, int(reg.sum()), rt_min)
    coef = np.polyfit(tf - rt_s, yf, deg)
    base = np.polyval(coef, t[win] - rt_s)
    yc = y[win] - base
    tw = t[win]
    area = float(np.trapezoid(yc, tw))
    resid = yf - np.polyval(coef, tf - rt_s)
    s = s_fl if s_fl is not None else noise_sigma(resid)
    dt = float(np.median(np.diff(tw))) if tw.size > 1 else 0.1
    n = int(win.sum())
    # var(area)/(s·Δt)² = n (window noise) + vᵀ(XᵀX)⁻¹v (the baseline's own uncertainty, exact
    # for the flank geometry: v sums the baseline's design row over the window)
    xf = np.vander(tf - rt_s, deg + 1)
    v = np.vander(tw - rt_s, deg + 1).sum(axis=0)
    var_base = float(v @ np.linalg.pinv(xf.T @ xf) @ v)
    sd = s * dt * math.sqrt(n + var_base)
    return Integration(area, sd, s, n, rt_min)


def _half_height_width(run: Any, mz: int, rt_min: float, search_s: float = 4.0) -> float | None:
    """FWHM (s) of the ``mz`` trace's peak within ±``search_s`` of ``rt_min``: apex of a 5-point
    moving mean, half height above the median of the surrounding 60 s, linear interpolation."""
    import numpy as np

    t = run.scan_times_s
    y = np.convolve(run.eic(mz), np.ones(5) / 5.0, mode="same")
    rt_s = rt_min * 60.0
    near = np.flatnonzero(np.abs(t - rt_s) <= search_s)
    if near.size == 0:
        return None
    i = int(near[np.argmax(y[near])])
    around = (np.abs(t - rt_s) <= 60.0) & (np.abs(t - rt_s) >= 20.0)
    base = float(np.median(y[around])) if around.any() else 0.0
    half = base + 0.5 * (y[i] - base)
    if y[i] <= base:
        return None
    j = i
    while j > 0 and y[j] > half:
        j -= 1
    k = i
    while k < y.size - 1 and y[k] > half:
        k += 1
    if j == 0 or k == y.size - 1:
        return None
    tl = t[j] + (half - y[j]) * (t[j + 1] - t[j]) / max(y[j + 1] - y[j], 1e-300)
    tr = t[k - 1] + (y[k - 1] - half) * (t[k] - t[k - 1]) / max(y[k - 1] - y[k], 1e-300)
    w = float(tr - tl)
    return w if w > 0 else None


# ----------------------------------------------------------------------------- calibration
@dataclass
class Calibration:
    lines: dict[str, CalibrationLine]
    rt_min: dict[str, float]
    fwhm_s: dict[str, float]
    points: dict[str, list[tuple[float, float, float]]]
    relation: SensitivityRelation | None
    pressure_ref_kPa: float
    fwhm_model: dict[str, tuple[float, float]] = field(default_factory=dict)

    def fwhm_at(self, column: str, rt_min: float) -> float:
        """Peak FWHM (s) at a retention time: straight line through the standards' widths."""
        a, b = self.fwhm_model.get(column, (4.0, 0.0))
        return max(a + b * rt_min, 1.0)


def _find_by_quant_ion(run: Any, t: Target, ref: Mapping[int, float], taken: Sequence[float]) -> tuple[float, float, float] | None:
    """(rt_min, fwhm_s, MF) of the quant-ion peak whose apex spectrum best matches ``ref``."""
    from cellworks.gcms.peaks import PeakParams, find_peaks_trace

    peaks = find_peaks_trace(run.scan_times_s, run.eic(t.quant_mz), PeakParams(snr_min=8.0), f"m/z {t.quant_mz}")
    best = None
    for pk in peaks:
        if any(abs(pk.apex_time_min - x) < RT_TOL_MIN for x in taken):
            continue
        spec = _apex_spec(run, pk.apex_scan)
        mf = _mf(spec, ref)
        if best is None or mf > best[2]:
            fw = pk.fwhm_s if math.isfinite(pk.fwhm_s) and pk.fwhm_s > 0 else 4.0
            best = (pk.apex_time_min, fw, mf)
    return best


def calibrate(manifest_path: str | Path) -> Calibration:
    """Calibration lines of every standard from the manifest's runs (SIM areas vs concentration;
    retention times from the full-scan runs of the same mixtures)."""
    import numpy as np

    from cellworks.gcms.readers import read_run
    from cellworks.gcms.xsections import cross_section

    mp = Path(manifest_path)
    try:
        manifest = json.loads(mp.read_text(encoding="utf-8"))
        runs = manifest["runs"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise FileFormatError(f"not a calibration manifest: {exc}", file=mp) from None
    lib = _lib_spectra()
    rts: dict[str, list[float]] = {}
    fws: dict[str, list[float]] = {}
    sims = []
    p_ref = None
    for i, rec in enumerate(runs):
        try:
            path = mp.parent / rec["file"]
            col = str(rec["column"])
            conc = {str(k): float(v) for k, v in rec["concentrations_vol_pct"].items()}
            pk = float(rec.get("inlet_pressure_kPa", 0.0)) or None
        except (KeyError, TypeError, ValueError):
            raise FileFormatError("run entry needs file, column, concentrations_vol_pct", file=mp, record=f"run {i}") from None
        run = read_run(path)
        p_ref = p_ref or pk
        if run.is_sim:
            sims.append((run, col, conc, pk or 1.0))
            continue
        taken: list[float] = []
        for t in sorted((t for t in TARGETS if t.column == col and t.key in conc and conc[t.key] > 0),
                        key=lambda t: -len(lib[t.key])):
            hit = _find_by_quant_ion(run, t, lib[t.key], taken)
            if hit and hit[2] >= 0.6:
                rts.setdefault(t.key, []).append(hit[0])
                fws.setdefault(t.key, []).append(hit[1])
                taken.append(hit[0])
    rt = {k: float(np.median(v)) for k, v in rts.items()}
    # widths from the SIM traces (fast sampling, no intensity threshold) of the richest mixture
    fw_meas: dict[str, float] = {}
    for key in rt:
        t = _target(key)
        top = max((c for r, col, c, _ in sims if col == t.column and c.get(key, 0.0) > 0),
                  key=lambda c: c[key], default=None)
        for run, _col, conc, _ in sims:
            if top is not None and conc is top:
                w = _half_height_width(run, t.quant_mz, rt[key])
                if w is not None:
                    fw_meas[key] = w
    if not fw_meas:
        fw_meas = {k: float(np.median(v)) for k, v in fws.items()}
    # one width model per column (robust straight line FWHM(rt)): the same window rule for
    # standards and for compounds without standards, whose own widths are not measured as well
    fwhm_model: dict[str, tuple[float, float]] = {}
    for col in ("plot", "ptmsp"):
        ks = [k for k in fw_meas if _target(k).column == col]
        if len(ks) >= 3:
            xr = np.array([rt[k] for k in ks])
            yv = np.array([fw_meas[k] for k in ks])
            b1, a1 = np.polyfit(xr, yv, 1)
            r = yv - (a1 + b1 * xr)
            keep = np.abs(r) <= 3 * 1.4826 * np.median(np.abs(r - np.median(r))) + 1e-9
            if keep.sum() >= 3:
                b1, a1 = np.polyfit(xr[keep], yv[keep], 1)
            fwhm_model[col] = (float(a1), float(b1))
        elif ks:
            fwhm_model[col] = (float(np.median([fw_meas[k] for k in ks])), 0.0)

    def fw_at(col: str, r: float) -> float:
        a1, b1 = fwhm_model.get(col, (4.0, 0.0))
        return max(a1 + b1 * r, 1.0)

    fw = {k: fw_at(_target(k).column, rt[k]) for k in rt}
    points: dict[str, list[tuple[float, float, float]]] = {}
    p_ref = p_ref or 1.0
    for run, col, conc, pk in sims:
        for key, c in conc.items():
            t = _target(key)
            if t.column != col or key not in rt:
                continue
            integ = integrate_sim(run, t.quant_mz, rt[key], fw[key])
            if integ is None:
                continue
            points.setdefault(key, []).append((c * pk / p_ref, integ.area, integ.area_sd))
    lines = {}
    for key, pts in points.items():
        x = [p[0] for p in pts]
        y = [p[1] for p in pts]
        sig_y = [math.hypot(p[2], REL_REPEATABILITY * abs(p[1])) for p in pts]
        try:
            lines[key] = fit_calibration(x, y, sig_y, through_origin=True, rel_sigma=REL_REPEATABILITY)
        except InputError:
            continue
    # reduced sensitivities S/f against σ for the relation used by compounds without standards
    names, sig, red, ru = [], [], [], []
    for key, line in lines.items():
        t = _target(key)
        f = _fraction(lib[key], t.quant_mz)
        if f <= 0 or line.slope <= 0:
            continue
        xs = cross_section(t.formula, t.xs_name)
        names.append(key)
        sig.append(xs.sigma_A2)
        red.append(line.slope / f)
        ru.append(math.hypot(line.slope_sd / line.slope, xs.rel_uncertainty))
    relation = fit_sensitivity_relation(names, sig, red, ru) if len(names) >= 2 else None
    return Calibration(lines, rt, fw, points, relation, p_ref, fwhm_model)


def _target(key: str) -> Target:
    for t in TARGETS:
        if t.key == key:
            return t
    raise InputError(f"unknown compound {key!r} in calibration", token=key)


# ----------------------------------------------------------------------------- identification
def identify(runs: Sequence[RunInfo], cal: Calibration) -> dict[str, Identification]:
    """Identify the targets in the full-scan runs (pooled per column): standards by retention time
    and library match, compounds without standards by library match or, for Ge species, by their
    ⁷⁴Ge clusters (Ge count from the Ge_kH_n windows, Cl from the 35/37 pair)."""
    from scipy.optimize import linear_sum_assignment

    from cellworks.gcms.peaks import deconvolve

    lib = _lib_spectra()
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
                raw = _apex_spec(ri.run, comp.apex_scan, half_width_scans=2, bg_offset_scans=15)
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
                mf = max((_mf(p[2], lib[t.key]) for p in near), default=None)
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
                    mf = max(_mf(p[2], lib[key]), _mf(p[5], lib[key]))
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

            nat = np.array([[max(_mf(p[2], lib[t.key]), _mf(p[5], lib[t.key])) for p in rest] for t in open_t])
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
        return _mf(spec, recompose(dec, v1)), None
    best: tuple[float, float | None] = (0.0, None)
    for r in np.logspace(-2, 2, 33):
        v = isobar_variants(t.formula, MATRIX_NOMINAL_MZ, float(r))
        if v is None:
            break
        mf = _mf(spec, recompose(dec, v))
        if mf > best[0]:
            best = (mf, float(r))
    return best


# ----------------------------------------------------------------------------- isotope composition
@dataclass
class Composition:
    """What the clusters say about a compound's isotopes in the sample."""

    key: str
    variants: list[Variant]
    note: str
    ratio: float | None = None
    ratio_sd: float | None = None


def infer_composition(key: str, sim_runs: Sequence[RunInfo], ident: Identification | None,
                      scan_spec: Mapping[int, float] | None) -> Composition:
    """Isotope composition used for the ion fraction f of the sample's compound."""
    from cellworks.gcms.clusters import isotope_ratio

    if key in ("GeH3Cl", "Ge2H6", "Ge3H8") and ident is not None and ident.ge:
        return Composition(key, [Variant(1.0, {"Ge": GE74_MATRIX})],
                           f"{ident.ge['verdict']}: Ge of the matrix composition")
    if key == "CS2" and ident is not None:
        # ¹²C³²S³⁴S : ¹²C³²S₂ from the SIM areas of m/z 78 and 76 (pooled over the sample's runs)
        a78 = a76 = 0.0
        v78 = v76 = 0.0
        for ri in sim_runs:
            i78 = integrate_sim(ri.run, 78, ident.rt_min, ident.fwhm_s)
            i76 = integrate_sim(ri.run, 76, ident.rt_min, ident.fwhm_s)
            if i78 and i76:
                a78 += i78.area
                a76 += i76.area
                v78 += i78.area_sd**2
                v76 += i76.area_sd**2
        if a76 > 0 and a78 > 3 * math.sqrt(v78):
            res = isotope_ratio("CS2", "CS2", 78, 76, a78, a76, math.sqrt(v78), math.sqrt(v76))
            r = a78 / a76
            return Composition(key, [Variant(1.0, {"C": {12: 1.0}, "S": (32, 32)}),
                                     Variant(max(r, 0.0), {"C": {12: 1.0}, "S": (32, 34)})],
                               res.note + ": a mixture of ¹²C³²S³⁴S and ¹²C³²S₂ (molecular isobar of ⁷⁴GeH₄ enriched "
                               "by the centrifuge)", r, res.observed_sd)
        return Composition(key, [Variant(1.0)], "CS₂ ratio not measurable: natural composition assumed")
    if key in ("benzene", "2-C3H7Cl") and scan_spec:
        if key == "benzene":
            s79, s78 = scan_spec.get(79, 0.0), scan_spec.get(78, 0.0)
            res = isotope_ratio("benzene", "C6H6", 79, 78, s79, s78, _noise_of(scan_spec), 0.0)
            if res.departs:
                return Composition(key, [Variant(1.0, {"C": {12: 1.0}})],
                                   res.note + " → ¹²C₆H₆ (isobar of ⁷⁴GeH₄)", res.observed, res.observed_sd)
            return Composition(key, [Variant(1.0)], res.note)
        s65, s63 = scan_spec.get(65, 0.0), scan_spec.get(63, 0.0)
        s80, s78b = scan_spec.get(80, 0.0), scan_spec.get(78, 0.0)
        r1 = isotope_ratio("2-C3H7Cl", "C2H4Cl", 65, 63, s65, s63, _noise_of(scan_spec), 0.0)
        r2 = isotope_ratio("2-C3H7Cl", "C3H7Cl", 80, 78, s80, s78b, _noise_of(scan_spec), 0.0)
        if r1.departs or r2.departs:
            return Composition(key, [Variant(1.0, {"C": {12: 1.0}, "Cl": {35: 1.0}})],
                               f"{r1.note}; {r2.note} → ¹²C₃H₇³⁵Cl (isobar of ⁷⁴GeH₄)", r1.observed, r1.observed_sd)
        return Composition(key, [Variant(1.0)], f"{r1.note}; {r2.note}")
    return Composition(key, [Variant(1.0)], "natural isotopic composition")


def _noise_of(spec: Mapping[int, float]) -> float:
    """A noise level for peaks of a background-subtracted apex spectrum: 1 % of its base peak
    (a typical dynamic range of thresholded, background-subtracted quadrupole scan spectra)."""
    return 0.01 * max(spec.values()) if spec else 0.0


# ----------------------------------------------------------------------------- the chain
@dataclass
class Row:
    key: str
    label: str
    quant_mz: int
    document_mz: int
    method: str
    identification: str
    library_mf: float | None
    results: dict[str, dict[str, Any]] = field(default_factory=dict)


def _sensitivity(t: Target, cal: Calibration, lib: Mapping[str, Mapping[int, float]], comp: Composition) -> tuple[float, float, str]:
    """Sensitivity S (area per vol.% at p_ref) of the quant ion in the sample, its relative
    standard uncertainty and how it was obtained."""
    from cellworks.gcms.clusters import reisotope
    from cellworks.gcms.xsections import cross_section

    natural = comp.variants == [Variant(1.0)] or all(not v.composition for v in comp.variants)
    f_std = _fraction(lib[t.key], t.quant_mz)
    f_smp = f_std if natural else _fraction(reisotope(lib[t.key], t.formula, comp.variants), t.quant_mz)
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


def analyze(paths: Sequence[str | Path], calibration: str | Path) -> dict[str, Any]:
    """Run the chain on sample runs and calibration runs; returns a JSON-able report."""
    import numpy as np

    from cellworks.gcms.trueness import compare_runs, holm_adjust

    _UNIT_CACHE.clear()
    runs = load_runs(paths)
    if not runs:
        raise InputError("no runs given")
    cal = calibrate(calibration)
    ident = identify(runs, cal)
    lib = _lib_spectra()
    samples: list[str] = []
    for r in runs:
        if r.sample not in samples:
            samples.append(r.sample)
    rows: list[dict[str, Any]] = []
    per_run_values: dict[tuple[str, str], list[tuple[float, float, float]]] = {}
    isotope_notes: list[dict[str, Any]] = []
    for t in TARGETS:
        idn = ident.get(t.key)
        row: dict[str, Any] = {
            "key": t.key, "label": t.label, "quant_mz": t.quant_mz, "document_mz": t.document_mz,
            "column": t.column, "has_standard": t.has_standard,
            "identified": idn is not None,
            "identification": idn.how if idn else "not identified in any full-scan run",
            "library_mf": idn.library_mf if idn else None,
            "rt_min": idn.rt_min if idn else None,
            "ge_clusters": idn.ge if idn else None,
            "spectrum": {int(m): round(v, 1) for m, v in sorted(idn.spectrum.items())} if idn else {},
            "results": {},
        }
        if t.key in DOCUMENT_TABLE1:
            row["document"] = dict(zip((*SAMPLES, "C_min"), DOCUMENT_TABLE1[t.key], strict=True))
        for smp in samples:
            sims = [r for r in runs if r.sample == smp and r.column == t.column and r.mode == "sim"]
            if not sims:
                continue
            if idn is None:
                row["results"][smp] = {"cell": "n/a", "status": "not identified"}
                continue
            comp = infer_composition(t.key, sims, idn, idn.spectrum)
            S, u_s_rel, how = _sensitivity(t, cal, lib, comp)
            row["method"] = how
            vals, dls, u_rand = [], [], []
            for ri in sims:
                integ = integrate_sim(ri.run, t.quant_mz, idn.rt_min, idn.fwhm_s)
                if integ is None:
                    continue
                pf = ri.pressure_kPa / cal.pressure_ref_kPa
                c = integ.area / (S * pf)
                u_c = math.hypot(integ.area_sd / (S * pf), REL_REPEATABILITY * abs(c))
                vals.append(c)
                u_rand.append(u_c)
                dls.append(detection_limit(integ.area_sd, S * pf))
                per_run_values.setdefault((smp, t.key), []).append((ri.pressure_kPa, c, u_c))
            if not vals:
                row["results"][smp] = {"cell": "n/a", "status": "ion not monitored at the retention time"}
                continue
            n = len(vals)
            c_mean = float(np.mean(vals))
            u_r = math.sqrt(sum(u * u for u in u_rand)) / n
            u = math.hypot(u_r, u_s_rel * c_mean)
            dl = float(np.mean(dls)) / math.sqrt(n)
            detected = c_mean > dl
            cell = format_value(c_mean, COVERAGE_K * u) if detected else format_limit(dl)
            res: dict[str, Any] = {
                "cell": cell, "detected": detected, "value_vol_pct": c_mean, "U_vol_pct": COVERAGE_K * u,
                "u_rel_sensitivity": u_s_rel, "detection_limit_vol_pct": dl, "n_runs": n,
                "isotopes": comp.note,
            }
            if comp.ratio is not None:
                res["isotope_ratio"] = {"value": comp.ratio, "sd": comp.ratio_sd}
                if t.key == "CS2" and detected:
                    isotope_notes.append({"sample": smp, "compound": "CS2",
                                          "ratio_12C32S34S_to_12C32S2": comp.ratio, "sd": comp.ratio_sd,
                                          "document": 5.9})
            if t.key in DOCUMENT_TABLE1 and smp in SAMPLES:
                res.update(_compare(DOCUMENT_TABLE1[t.key][SAMPLES.index(smp)], DOCUMENT_TABLE1[t.key][3],
                                    detected, c_mean, dl))
            row["results"][smp] = res
        rows.append(row)
    trueness = []
    for (smp, key), prv in per_run_values.items():
        pressures = sorted({round(v[0], 6) for v in prv})
        if len(pressures) < 2:
            continue
        a = [v[1] for v in prv if round(v[0], 6) == pressures[0]]
        b = [v[1] for v in prv if round(v[0], 6) == pressures[-1]]
        row = next(r for r in rows if r["key"] == key)
        if not row["results"].get(smp, {}).get("detected"):
            continue
        trueness.append({"sample": smp, "compound": key, "p_kPa": pressures[0], "p2_kPa": pressures[-1],
                         **compare_runs(a, b).as_dict()})
    # family-wise verdict per sample (the compounds of one injection share its dose; trueness.py)
    for smp in {tr["sample"] for tr in trueness}:
        fam = [tr for tr in trueness if tr["sample"] == smp]
        for tr, p_adj in zip(fam, holm_adjust([tr["t_p_value"] for tr in fam]), strict=True):
            tr["t_significant_single"] = tr["t_significant"]
            tr["t_p_value_holm"] = p_adj
            tr["t_significant"] = bool(p_adj < tr["alpha"])
            tr["family"] = f"Holm over the {len(fam)} compounds of the sample"
    summary = _summary(rows, samples)
    cs2 = [r for r in isotope_notes if r["sd"] and r["sd"] > 0]
    cs2_pooled = None
    if cs2:
        w = [1.0 / r["sd"] ** 2 for r in cs2]
        cs2_pooled = {"ratio_12C32S34S_to_12C32S2": sum(wi * r["ratio_12C32S34S_to_12C32S2"]
                                                        for wi, r in zip(w, cs2, strict=True)) / sum(w),
                      "sd": 1.0 / math.sqrt(sum(w)), "samples": [r["sample"] for r in cs2], "document": 5.9,
                      "method": "inverse-variance mean of the samples' SIM 78/76 area ratios"}
    return {
        "samples": samples,
        "runs": [{"file": r.path, "sample": r.sample, "column": r.column, "mode": r.mode,
                  "inlet_pressure_kPa": r.pressure_kPa} for r in runs],
        "calibration": {
            "manifest": str(calibration),
            "p_ref_kPa": cal.pressure_ref_kPa,
            "lines": {k: {"slope": v.slope, "slope_sd": v.slope_sd, "n": v.n, "rt_min": cal.rt_min.get(k)}
                      for k, v in cal.lines.items()},
            "sensitivity_relation": None if cal.relation is None else {
                "ln_k": cal.relation.ln_k, "exponent": cal.relation.exponent,
                "rel_scatter": cal.relation.rel_scatter, "n": cal.relation.n, "compounds": list(cal.relation.names),
                "source": cal.relation.source},
        },
        "rows": rows,
        "isotope_ratios": isotope_notes,
        "cs2_ratio": cs2_pooled,
        "trueness": trueness,
        "summary": summary,
        "notes": [ION_SWAP_NOTE,
                  "± is the expanded uncertainty U = 2u (≈ 95 %); '<' gives the 3s detection limit at the "
                  "compound's retention time."],
    }


def _compare(doc_cell: str, cmin_cell: str, detected: bool, value: float, dl: float) -> dict[str, Any]:
    kind, dv, du = parse_table_value(doc_cell)
    _, cmin, _ = parse_table_value("<" + cmin_cell)
    out: dict[str, Any] = {"document_cell": doc_cell, "document_C_min": cmin, "dl_over_C_min": dl / cmin}
    if kind == "value":
        out["document_value"] = dv
        out["document_U"] = du
        out["within_U"] = bool(detected and abs(value - dv) <= du)
        out["within_2U"] = bool(detected and abs(value - dv) <= 2 * du)
    else:
        out["document_limit"] = dv
        out["below_dl_as_document"] = not detected
    return out


def _summary(rows: Sequence[Mapping[str, Any]], samples: Sequence[str]) -> dict[str, Any]:
    out = {}
    for smp in samples:
        q = [r["results"][smp] for r in rows if smp in r["results"] and "within_U" in r["results"][smp]]
        lim = [r["results"][smp] for r in rows if smp in r["results"] and "below_dl_as_document" in r["results"][smp]]
        out[smp] = {
            "quantified_rows": len(q),
            "within_U": sum(1 for x in q if x["within_U"]),
            "within_2U": sum(1 for x in q if x["within_2U"]),
            "limit_rows": len(lim),
            "limit_rows_below_dl": sum(1 for x in lim if x["below_dl_as_document"]),
            "limit_rows_dl_within_3x_of_C_min": sum(1 for x in lim if 1 / 3 <= x["dl_over_C_min"] <= 3),
        }
    return out
