"""Integrate SIM (or extracted-ion) traces at a retention time: a matched-filter amplitude or a
window integral on a straight baseline, with the area's noise from the flanks."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any


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


def half_height_width(run: Any, mz: int, rt_min: float, search_s: float = 4.0) -> float | None:
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

