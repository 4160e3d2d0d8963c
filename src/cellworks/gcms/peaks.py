"""Chromatographic peaks: noise, baseline, smoothing, detection, integration, deconvolution,
clean apex spectra, retention indices.

* **noise** (per trace): ``sigma = 1.4826 * MAD(diff(y)) / sqrt(2)`` — the robust standard
  deviation of point-to-point differences, insensitive to peaks and slow drift; for thresholded
  (centroid) ion traces, where that MAD is 0, half the smallest non-zero value (the noise lies
  below the acquisition threshold).
* **baseline**: morphological opening (moving minimum then moving maximum over
  ``baseline_window_s``) smoothed by a moving mean, lifted by the median residual (the opening
  follows the noise minima) — follows drift and column bleed, not peaks.
* **smoothing**: Savitzky–Golay, quadratic, ``smooth_points`` wide.
* **detection**: local maxima of the smoothed, baseline-corrected trace with height and
  prominence ``>= snr_min * sigma``.
* **integration**: from the apex outwards until the smoothed signal reaches ``sigma`` or a
  valley (drop-line between neighbours); area = trapezoid of the baseline-corrected raw signal
  over time (intensity·s), height at the apex, FWHM by linear interpolation.
* **deconvolution** (Biller & Biemann, Anal. Lett. 7 (1974) 515): every unit-mass ion trace is
  searched for its own maxima; a scan where at least ``min_ions`` ions peak together is a
  component, even under an unresolved TIC peak (maxima in adjacent scans, within
  ±``apex_tolerance_scans``, are one component: quadrupole scan skew). Every ion maximum is
  assigned to the nearest component apex (midway: to the apex where the ion is more intense).
  A component's **clean spectrum** holds only its assigned ions, each background-subtracted by
  its own baseline, so co-eluting compounds whose apexes differ by a scan or more are separated.
* **saturation** (:func:`saturated_region`): a chromatographic peak is curved everywhere in its
  upper half; a *plateau* — at least ``SATURATION_MIN_POINTS`` consecutive points within
  ``SATURATION_FLAT_TOL`` of each other, spanning at least ``SATURATION_MIN_SPAN`` of the peak's
  FWHM (a Gaussian stays within 5 % of its apex over only 0.27 FWHM) — means the detector or the
  acquisition clipped it. Every maximum inside the region above half the plateau level is then
  one peak (noise on a flat top is not a valley), flagged ``saturated``; its ion ratios are
  distorted, so its spectrum identifies only tentatively.
* **retention index**: see :mod:`cellworks.gcms.retention` (``retention_index`` is re-exported
  here for older callers).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from cellworks.errors import ParameterError
from cellworks.gcms.retention import retention_index
from cellworks.gcms.run import Run

__all__ = ["Component", "Peak", "PeakParams", "apex_spectrum", "baseline", "deconvolve", "find_peaks_run",
           "find_peaks_trace", "noise_sigma", "retention_index", "saturated_region", "scan_spectrum", "smooth"]

SATURATION_FLAT_TOL = 0.05  # relative spread of the plateau points
SATURATION_MIN_POINTS = 4
SATURATION_MIN_SPAN = 0.4  # plateau span / FWHM (an unclipped Gaussian gives 0.27 within 5 %)
SATURATION_MIN_SNR = 50.0  # only strong peaks can saturate a detector; small broad peaks are noise-flat

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class PeakParams:
    """Peak-finding parameters."""

    snr_min: float = 10.0
    smooth_points: int = 5
    baseline_window_s: float = 90.0
    min_ions: int = 3
    apex_tolerance_scans: int = 1
    ion_snr_min: float = 5.0
    min_rel_intensity: float = 0.01
    own_apex: bool = False
    source: str = ("Biller & Biemann, Anal. Lett. 7 (1974) 515 (component detection); "
                   "Savitzky & Golay, Anal. Chem. 36 (1964) 1627 (smoothing)")


@dataclass(frozen=True)
class Peak:
    """One integrated chromatographic peak (times in seconds, area in intensity·s)."""

    apex_scan: int
    apex_time_s: float
    start_scan: int
    end_scan: int
    start_time_s: float
    end_time_s: float
    height: float
    area: float
    fwhm_s: float
    snr: float
    trace: str = "TIC"
    saturated: bool = False

    @property
    def apex_time_min(self) -> float:
        return self.apex_time_s / 60.0


@dataclass(frozen=True)
class Component:
    """A deconvolved component: apex, clean spectrum, and its integrated model peak."""

    apex_scan: int
    apex_time_s: float
    mz: npt.NDArray[np.int64]
    intensity: FloatArray
    n_ions: int
    peak: Peak
    extra: Mapping[str, float] = field(default_factory=dict)


def noise_sigma(y: npt.ArrayLike) -> float:
    """Robust noise standard deviation of a trace (see module docstring)."""
    a = np.asarray(y, dtype=np.float64)
    a = a[np.isfinite(a)]
    if a.size < 3:
        return 0.0
    d = np.diff(a)
    mad = float(np.median(np.abs(d - np.median(d))))
    if mad > 0:
        return 1.4826 * mad / np.sqrt(2.0)
    # thresholded trace (mostly exact zeros): the noise is below the acquisition threshold
    pos = np.abs(a[a != 0])
    return max(0.5 * float(pos.min()) if pos.size else 0.0, 1e-12)


def baseline(y: npt.ArrayLike, window_points: int) -> FloatArray:
    """Moving-minimum / moving-maximum opening, then a moving mean of the same width."""
    from scipy.ndimage import maximum_filter1d, minimum_filter1d, uniform_filter1d

    a = np.nan_to_num(np.asarray(y, dtype=np.float64))
    w = max(3, int(window_points) | 1)
    if a.size < 3:
        return np.zeros_like(a)
    opened = maximum_filter1d(minimum_filter1d(a, w, mode="nearest"), w, mode="nearest")
    base = uniform_filter1d(opened, w, mode="nearest")
    # the opening follows the noise minima: lift it by the median residual (robust to peaks,
    # which occupy a minority of the points), never above the signal's own minimum envelope + noise
    resid = a - base
    lift = float(np.median(resid))
    if lift > 0:
        base = base + lift
    return np.minimum(base, a.max())


def smooth(y: npt.ArrayLike, points: int) -> FloatArray:
    from scipy.signal import savgol_filter

    a = np.asarray(y, dtype=np.float64)
    p = int(points)
    if p < 3 or a.size < p:
        return a.copy()
    if p % 2 == 0:
        p += 1
    return savgol_filter(a, p, 2, mode="interp")


def _window_points(t_s: FloatArray, window_s: float) -> int:
    if t_s.size < 2:
        return 3
    dt = float(np.median(np.diff(t_s)))
    return int(max(3, round(window_s / dt))) if dt > 0 else 3


def _integrate(t: FloatArray, yc: FloatArray, ys: FloatArray, apex: int, sigma: float, lo_lim: int,
               hi_lim: int) -> tuple[int, int, float, float]:
    lo = apex
    while lo > lo_lim and ys[lo - 1] > sigma and ys[lo - 1] <= ys[lo]:
        lo -= 1
    hi = apex
    while hi < hi_lim and ys[hi + 1] > sigma and ys[hi + 1] <= ys[hi]:
        hi += 1
    seg = np.clip(yc[lo : hi + 1], 0.0, None)
    area = float(np.trapezoid(seg, t[lo : hi + 1])) if hi > lo else float(seg.sum() * (t[1] - t[0] if t.size > 1 else 1.0))
    h = float(yc[apex])
    half = 0.5 * h
    fwhm = float("nan")
    if h > 0 and hi > lo:
        i = apex
        while i > lo and yc[i] > half:
            i -= 1
        tl = t[i] if yc[i] > half else t[i] + (half - yc[i]) * (t[i + 1] - t[i]) / max(yc[i + 1] - yc[i], 1e-300)
        j = apex
        while j < hi and yc[j] > half:
            j += 1
        tr = t[j] if yc[j] > half else t[j - 1] + (yc[j - 1] - half) * (t[j] - t[j - 1]) / max(yc[j - 1] - yc[j], 1e-300)
        fwhm = float(tr - tl)
    return lo, hi, area, fwhm


def find_peaks_trace(t_s: npt.ArrayLike, y: npt.ArrayLike, params: PeakParams | None = None,
                     trace: str = "TIC") -> list[Peak]:
    """Detect and integrate the peaks of one trace (TIC, EIC or SIM channel)."""
    from scipy.signal import find_peaks

    p = params or PeakParams()
    if p.snr_min <= 0:
        raise ParameterError("snr_min must be > 0", field="snr_min")
    t = np.asarray(t_s, dtype=np.float64)
    a = np.nan_to_num(np.asarray(y, dtype=np.float64))
    if t.shape != a.shape:
        raise ParameterError(f"{t.size} times but {a.size} intensities", field="y")
    if a.size < 3:
        return []
    base = baseline(a, _window_points(t, p.baseline_window_s))
    yc = a - base
    sigma = noise_sigma(yc)
    ys = smooth(yc, p.smooth_points)
    idx, _ = find_peaks(ys, height=p.snr_min * sigma, prominence=p.snr_min * sigma)
    peaks: list[Peak] = []
    for k, apex in enumerate(idx):
        lo_lim = int(idx[k - 1]) if k > 0 else 0
        hi_lim = int(idx[k + 1]) if k + 1 < idx.size else a.size - 1
        # the apex on the raw corrected trace within ±1 scan of the smoothed apex
        lo_a, hi_a = max(apex - 1, 0), min(apex + 2, a.size)
        ap = int(lo_a + np.argmax(yc[lo_a:hi_a]))
        lo, hi, area, fwhm = _integrate(t, yc, ys, ap, sigma, lo_lim, hi_lim)
        peaks.append(Peak(ap, float(t[ap]), lo, hi, float(t[lo]), float(t[hi]), float(yc[ap]), area, fwhm,
                          float(yc[ap] / sigma), trace))
    return _merge_saturated(t, yc, peaks, sigma)


def _plateaus(y: FloatArray, floor: float) -> list[tuple[int, int]]:
    """Runs of ≥ SATURATION_MIN_POINTS consecutive points above ``floor`` whose values stay within
    SATURATION_FLAT_TOL of each other."""
    runs: list[tuple[int, int]] = []
    n = y.size
    i = 0
    while i < n:
        if y[i] < floor:
            i += 1
            continue
        j, lo_v, hi_v = i, y[i], y[i]
        while j + 1 < n and y[j + 1] >= floor:
            nlo, nhi = min(lo_v, y[j + 1]), max(hi_v, y[j + 1])
            if nlo < (1.0 - SATURATION_FLAT_TOL) * nhi:
                break
            lo_v, hi_v, j = nlo, nhi, j + 1
        if j - i + 1 >= SATURATION_MIN_POINTS:
            runs.append((i, j))
            i = j + 1
        else:
            i += 1
    return runs


def saturated_region(t_s: npt.ArrayLike, y: npt.ArrayLike, sigma: float) -> list[tuple[int, int, int, int]]:
    """Saturated peaks of a baseline-corrected trace: ``(lo, hi, plateau_lo, plateau_hi)`` scan
    indices of the region above half the plateau level and of the plateau (module docstring)."""
    t = np.asarray(t_s, dtype=np.float64)
    yc = np.asarray(y, dtype=np.float64)
    out: list[tuple[int, int, int, int]] = []
    for i, j in _plateaus(yc, SATURATION_MIN_SNR * max(sigma, 1e-300)):
        level = float(yc[i : j + 1].mean())
        lo, hi = i, j
        while lo > 0 and yc[lo - 1] >= 0.5 * level:
            lo -= 1
        while hi < yc.size - 1 and yc[hi + 1] >= 0.5 * level:
            hi += 1
        if out and lo <= out[-1][1]:
            continue
        top = float(yc[lo : hi + 1].max())
        above = np.flatnonzero(yc[lo : hi + 1] >= 0.5 * top)
        fwhm = float(t[lo + above[-1]] - t[lo + above[0]]) if above.size > 1 else 0.0
        span = float(t[j] - t[i])
        if fwhm > 0 and span >= SATURATION_MIN_SPAN * fwhm:
            out.append((lo, hi, i, j))
    return out


def _merge_saturated(t: FloatArray, yc: FloatArray, peaks: list[Peak], sigma: float) -> list[Peak]:
    """One flagged peak per saturated region (every maximum inside it merged)."""
    regions = saturated_region(t, yc, sigma)
    if not regions or not peaks:
        return peaks
    out: list[Peak] = []
    used: set[int] = set()
    for lo, hi, _, _ in regions:
        inside = [k for k, pk in enumerate(peaks) if lo <= pk.apex_scan <= hi]
        if not inside:
            continue
        used.update(inside)
        a = min(min(peaks[k].start_scan for k in inside), lo)
        b = max(max(peaks[k].end_scan for k in inside), hi)
        ap = int(a + np.argmax(yc[a : b + 1]))
        seg = np.clip(yc[a : b + 1], 0.0, None)
        area = float(np.trapezoid(seg, t[a : b + 1])) if b > a else 0.0
        above = np.flatnonzero(yc[a : b + 1] >= 0.5 * yc[ap])
        fwhm = float(t[a + above[-1]] - t[a + above[0]]) if above.size > 1 else float("nan")
        trace = peaks[inside[0]].trace
        out.append(Peak(ap, float(t[ap]), a, b, float(t[a]), float(t[b]), float(yc[ap]), area, fwhm,
                        float(yc[ap] / max(sigma, 1e-300)), trace, saturated=True))
    out.extend(pk for k, pk in enumerate(peaks) if k not in used)
    return sorted(out, key=lambda pk: pk.apex_scan)


def find_peaks_run(run: Run, ions: list[float] | None = None, params: PeakParams | None = None,
                   tol: float = 0.5) -> dict[str, list[Peak]]:
    """Peaks of the TIC (or, with ``ions``, of each extracted-ion trace); SIM runs use their
    channels when no ions are given."""
    out: dict[str, list[Peak]] = {}
    if ions:
        for m in ions:
            out[f"m/z {m:g}"] = find_peaks_trace(run.scan_times_s, run.eic(m, tol), params, f"m/z {m:g}")
    elif run.is_sim:
        for m, tr in run.sim_channels.items():
            out[f"m/z {m}"] = find_peaks_trace(run.scan_times_s, tr, params, f"m/z {m}")
    else:
        out["TIC"] = find_peaks_trace(run.scan_times_s, run.tic(), params, "TIC")
    return out


def deconvolve(run: Run, params: PeakParams | None = None, mz_min: int = 1,
               t_range_s: tuple[float, float] | None = None) -> list[Component]:
    """Biller–Biemann components with clean, background-subtracted apex spectra (see module
    docstring). Components are returned in time order."""
    from scipy.ndimage import maximum_filter1d

    p = params or PeakParams()
    masses, mat = run.unit_mass_matrix()
    keep_m = masses >= mz_min
    masses, mat = masses[keep_m], mat[:, keep_m]
    t = run.scan_times_s
    n_scans = t.size
    if n_scans < 5 or masses.size == 0:
        return []
    w = _window_points(t, p.baseline_window_s)
    corrected = np.empty_like(mat)
    smoothed = np.empty_like(mat)
    is_max = np.zeros(mat.shape, dtype=bool)
    for j in range(masses.size):
        col = mat[:, j]
        if not col.any():
            corrected[:, j] = 0.0
            smoothed[:, j] = 0.0
            continue
        c = col - baseline(col, w)
        s = smooth(c, p.smooth_points)
        sig = noise_sigma(c)
        corrected[:, j] = c
        smoothed[:, j] = s
        loc = (s == maximum_filter1d(s, 3, mode="nearest")) & (s > p.ion_snr_min * sig)
        is_max[:, j] = loc
    # total corrected ion current and its noise -> significance of a component
    tic_c = smooth(np.clip(corrected, 0, None).sum(axis=1), p.smooth_points)
    tic_sigma = noise_sigma(np.clip(corrected, 0, None).sum(axis=1))
    counts = is_max.sum(axis=1)
    tol = max(0, int(p.apex_tolerance_scans))
    cand = np.flatnonzero(counts >= p.min_ions)
    if t_range_s is not None:
        cand = cand[(t[cand] >= t_range_s[0]) & (t[cand] <= t_range_s[1])]
    # merge candidate scans closer than tol: keep the one with most maximizing ions
    comps: list[int] = []
    for sc in cand:
        if comps and sc - comps[-1] <= tol:
            if counts[sc] > counts[comps[-1]]:
                comps[-1] = int(sc)
            continue
        comps.append(int(sc))
    # assign every ion maximum to the nearest component apex within the tolerance; an ion peaking
    # midway between two apexes goes to the one where it is more intense
    comp_arr = np.asarray(comps, dtype=np.int64)
    assigned = np.zeros((comp_arr.size, masses.size), dtype=bool)
    if comp_arr.size:
        qs, js = np.nonzero(is_max)
        for q, j in zip(qs.tolist(), js.tolist(), strict=True):
            k = int(np.searchsorted(comp_arr, q))
            best_k, best_d, best_v = -1, tol + 1, -np.inf
            for kk in (k - 1, k):
                if 0 <= kk < comp_arr.size:
                    d = abs(int(comp_arr[kk]) - q)
                    v = corrected[comp_arr[kk], j]
                    if d < best_d or (d == best_d and v > best_v):
                        best_k, best_d, best_v = kk, d, v
            if best_k >= 0 and best_d <= tol:
                assigned[best_k, j] = True
    out: list[Component] = []
    for ci, si in enumerate(comps):
        lo, hi = max(0, si - tol), min(n_scans, si + tol + 1)
        ions = assigned[ci]
        if p.own_apex:
            spec = np.clip(corrected[lo:hi, ions].max(axis=0), 0.0, None)
        else:
            spec = np.clip(corrected[si, ions], 0.0, None)
        mz_c = masses[ions]
        good = spec > p.min_rel_intensity * (spec.max() if spec.size else 0.0)
        if good.sum() < p.min_ions:
            continue
        mz_c, spec = mz_c[good], spec[good]
        # model peak: the component's ions summed over time
        model = np.clip(smoothed[:, ions][:, good], 0, None).sum(axis=1)
        raw_model = np.clip(corrected[:, ions][:, good], 0, None).sum(axis=1)
        msig = max(noise_sigma(raw_model), 1e-12)
        if model[si] < p.snr_min * max(tic_sigma, 1e-12) * 0.5:
            continue
        lo_i, hi_i, area, fwhm = _integrate(t, raw_model, model, si, msig, 0, n_scans - 1)
        pk = Peak(si, float(t[si]), lo_i, hi_i, float(t[lo_i]), float(t[hi_i]), float(raw_model[si]), area, fwhm,
                  float(raw_model[si] / msig), "component")
        out.append(Component(si, float(t[si]), mz_c.astype(np.int64), spec, int(good.sum()), pk,
                             {"tic_at_apex": float(tic_c[si])}))
    return _merge_saturated_components(t, mat.sum(axis=1), out, w)


def _merge_saturated_components(t: FloatArray, tic: FloatArray, comps: list[Component],
                                window_points: int) -> list[Component]:
    """Components whose apex lies in a saturated region of the TIC become one flagged component
    with the region's span and summed area. Its spectrum is that of the largest component whose
    apex lies outside the plateau: scans on the flanks are not clipped, so their ion ratios are
    the compound's own."""
    yc = tic - baseline(tic, window_points)
    regions = saturated_region(t, yc, noise_sigma(yc))
    if not regions:
        return comps
    out = list(comps)
    for lo, hi, p_lo, p_hi in regions:
        inside = [c for c in out if lo <= c.apex_scan <= hi]
        if not inside:
            continue
        flank = [c for c in inside if not p_lo <= c.apex_scan <= p_hi]
        keep = max(flank or inside, key=lambda c: c.peak.area)
        a = min([lo, *(c.peak.start_scan for c in inside)])
        b = max([hi, *(c.peak.end_scan for c in inside)])
        pk = keep.peak
        merged = Peak(pk.apex_scan, pk.apex_time_s, a, b, float(t[a]), float(t[b]), pk.height,
                      float(sum(c.peak.area for c in inside)), pk.fwhm_s, pk.snr, pk.trace, saturated=True)
        new = Component(keep.apex_scan, keep.apex_time_s, keep.mz, keep.intensity, keep.n_ions, merged,
                        {**keep.extra, "saturated": 1.0, "merged_components": float(len(inside))})
        out = [c for c in out if not (lo <= c.apex_scan <= hi)] + [new]
    return sorted(out, key=lambda c: c.apex_scan)


def scan_spectrum(run: Run, scan: int, half_width_scans: int = 0,
                  background: tuple[list[int], list[int]] | None = None) -> tuple[npt.NDArray[np.int64], FloatArray]:
    """Unit-mass spectrum at ``scan`` (mean of the scans within ±``half_width_scans``), minus the
    mean of the background scans ``(before, after)`` (each side averaged, then the sides averaged;
    scans outside the run ignored); negative values clipped. Returns the non-zero ``(m/z, I)``."""
    masses, mat = run.unit_mass_matrix()
    n = mat.shape[0]
    a, b = max(scan - half_width_scans, 0), min(scan + half_width_scans + 1, n)
    v = mat[a:b].mean(axis=0)
    if background is not None:
        parts = [mat[idx].mean(axis=0) for idx in ([i for i in side if 0 <= i < n] for side in background) if idx]
        if parts:
            v = v - np.mean(parts, axis=0)
    v = np.clip(v, 0, None)
    nz = np.flatnonzero(v > 0)
    return masses[nz].astype(np.int64), v[nz]


def apex_spectrum(run: Run, peak: Peak, subtract_background: bool = True) -> tuple[npt.NDArray[np.int64], FloatArray]:
    """Unit-mass spectrum at a peak's apex minus the mean of the spectra at its start and end."""
    bg = ([peak.start_scan], [peak.end_scan]) if subtract_background else None
    return scan_spectrum(run, peak.apex_scan, 0, bg)
