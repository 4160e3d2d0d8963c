"""Calibrate: the standards' retention times, peak widths and calibration lines from the
calibration runs, and the sensitivity–cross-section relation for compounds without standards."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cellworks.errors import FileFormatError, InputError
from cellworks.gcms.pipeline.integration import half_height_width, integrate_sim
from cellworks.gcms.pipeline.runs import REL_REPEATABILITY, RT_TOL_MIN
from cellworks.gcms.pipeline.spectra import ion_fraction, library_spectra, spectrum_at, spectrum_mf
from cellworks.gcms.quant import (
    TARGETS,
    CalibrationLine,
    SensitivityRelation,
    Target,
    fit_calibration,
    fit_sensitivity_relation,
)


@dataclass
class Calibration:
    """Calibration lines, retention times and peak-width models of the standards."""

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
        spec = spectrum_at(run, pk.apex_scan)
        mf = spectrum_mf(spec, ref)
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
    lib = library_spectra()
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
        t = target_of(key)
        top = max((c for r, col, c, _ in sims if col == t.column and c.get(key, 0.0) > 0),
                  key=lambda c: c[key], default=None)
        for run, _col, conc, _ in sims:
            if top is not None and conc is top:
                w = half_height_width(run, t.quant_mz, rt[key])
                if w is not None:
                    fw_meas[key] = w
    if not fw_meas:
        fw_meas = {k: float(np.median(v)) for k, v in fws.items()}
    # one width model per column (robust straight line FWHM(rt)): the same window rule for
    # standards and for compounds without standards, whose own widths are not measured as well
    fwhm_model: dict[str, tuple[float, float]] = {}
    for col in ("plot", "ptmsp"):
        ks = [k for k in fw_meas if target_of(k).column == col]
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

    fw = {k: fw_at(target_of(k).column, rt[k]) for k in rt}
    points: dict[str, list[tuple[float, float, float]]] = {}
    p_ref = p_ref or 1.0
    for run, col, conc, pk in sims:
        for key, c in conc.items():
            t = target_of(key)
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
        t = target_of(key)
        f = ion_fraction(lib[key], t.quant_mz)
        if f <= 0 or line.slope <= 0:
            continue
        xs = cross_section(t.formula, t.xs_name)
        names.append(key)
        sig.append(xs.sigma_A2)
        red.append(line.slope / f)
        ru.append(math.hypot(line.slope_sd / line.slope, xs.rel_uncertainty))
    relation = fit_sensitivity_relation(names, sig, red, ru) if len(names) >= 2 else None
    return Calibration(lines, rt, fw, points, relation, p_ref, fwhm_model)


def target_of(key: str) -> Target:
    """The method's target ``key`` (InputError for an unknown compound)."""
    for t in TARGETS:
        if t.key == key:
            return t
    raise InputError(f"unknown compound {key!r} in calibration", token=key)


