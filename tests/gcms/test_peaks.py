"""Noise, integration, deconvolution and retention indices on synthetic traces with known answers."""

from __future__ import annotations

import math

import numpy as np
import pytest

from cellworks.errors import ParameterError
from cellworks.gcms.peaks import PeakParams, deconvolve, find_peaks_trace, noise_sigma, retention_index
from cellworks.gcms.run import Run
from cellworks.gcms.scores import match_factor


def test_noise_sigma_of_white_noise() -> None:
    rng = np.random.default_rng(0)
    y = 1000 + rng.normal(0, 5.0, 20000) + np.linspace(0, 200, 20000)  # offset and slow drift
    # MAD-based estimate on 20 000 points: sampling error ~1 %, drift adds ~0: 3 % tolerance
    assert noise_sigma(y) == pytest.approx(5.0, rel=0.03)


def test_gaussian_peak_area_height_width_snr() -> None:
    rng = np.random.default_rng(1)
    t = np.arange(0, 600, 0.5)
    h, sig_t, t0 = 1000.0, 2.0, 300.0
    y = 50 + h * np.exp(-0.5 * ((t - t0) / sig_t) ** 2) + rng.normal(0, 5.0, t.size)
    peaks = find_peaks_trace(t, y, PeakParams(snr_min=10))
    assert len(peaks) == 1
    p = peaks[0]
    # analytic area h*sigma*sqrt(2 pi) = 5013.3; tails below 1 noise sigma (beyond +-3.3 sigma_t,
    # 0.1 %) are not integrated and the noise adds ~0.3 %: 2 % tolerance
    assert p.area == pytest.approx(h * sig_t * math.sqrt(2 * math.pi), rel=0.02)
    assert p.apex_time_s == pytest.approx(t0, abs=0.5)  # one scan
    assert p.height == pytest.approx(h, rel=0.03)  # noise 5 on 1000 plus baseline estimate
    # FWHM = 2 sqrt(2 ln 2) sigma = 4.710 s; linear interpolation between 0.5 s samples: +-0.15 s
    assert p.fwhm_s == pytest.approx(2 * math.sqrt(2 * math.log(2)) * sig_t, abs=0.15)
    assert p.snr == pytest.approx(h / 5.0, rel=0.1)
    assert p.start_time_s < t0 - 2 * sig_t and p.end_time_s > t0 + 2 * sig_t


def test_two_resolved_peaks_split_at_the_valley() -> None:
    t = np.arange(0, 200, 0.5)
    g = lambda t0, h: h * np.exp(-0.5 * ((t - t0) / 1.5) ** 2)  # noqa: E731
    y = g(90, 1000) + g(100, 500) + np.random.default_rng(2).normal(0, 1, t.size)
    peaks = find_peaks_trace(t, y)
    assert [round(p.apex_time_s) for p in peaks] == [90, 100]
    # 10 s apart with sigma 1.5 s: overlap is negligible, areas within 2 %
    assert peaks[0].area == pytest.approx(1000 * 1.5 * math.sqrt(2 * math.pi), rel=0.02)
    assert peaks[1].area == pytest.approx(500 * 1.5 * math.sqrt(2 * math.pi), rel=0.02)


def test_bad_parameters() -> None:
    with pytest.raises(ParameterError):
        find_peaks_trace([0, 1, 2], [1, 2, 1], PeakParams(snr_min=0))
    with pytest.raises(ParameterError):
        find_peaks_trace([0, 1, 2], [1, 2], PeakParams())


def _coeluting_run() -> tuple[Run, dict[int, float], dict[int, float]]:
    rng = np.random.default_rng(3)
    n = 300
    t = np.arange(n) * 0.5
    spec_a = {41: 600.0, 43: 999.0, 57: 800.0, 71: 300.0, 85: 120.0}
    spec_b = {65: 100.0, 91: 999.0, 92: 600.0, 39: 150.0}
    prof = lambda s0: np.exp(-0.5 * ((np.arange(n) - s0) / 2.5) ** 2)  # noqa: E731
    pa, pb = 50 * prof(150), 40 * prof(154)  # apexes 4 scans (2 s) apart, FWHM 5.9 scans: unresolved TIC
    scans = []
    for i in range(n):
        m, y = [], []
        for mz, a in spec_a.items():
            m.append(mz)
            y.append(a * pa[i])
        for mz, b in spec_b.items():
            m.append(mz)
            y.append(b * pb[i])
        m.append(28.0)
        y.append(500.0)  # constant background (air)
        yy = np.asarray(y) + np.abs(rng.normal(0, 2.0, len(y)))
        scans.append((np.asarray(m, float), yy))
    return Run.from_scans(t, scans), spec_a, spec_b


def test_biller_biemann_separates_coeluting_components() -> None:
    run, spec_a, spec_b = _coeluting_run()
    comps = deconvolve(run)
    big = sorted(comps, key=lambda c: -c.peak.area)[:2]
    big.sort(key=lambda c: c.apex_scan)
    assert [c.apex_scan for c in big] == [150, 154]
    a, b = big
    mf_aa = match_factor(a.mz, a.intensity, list(spec_a), list(spec_a.values()))
    mf_bb = match_factor(b.mz, b.intensity, list(spec_b), list(spec_b.values()))
    mf_ab = match_factor(a.mz, a.intensity, list(spec_b), list(spec_b.values()))
    # clean spectra: each component matches its own compound (>= 900) and not the other (< 100)
    assert mf_aa >= 900 and mf_bb >= 900 and mf_ab < 100
    assert 28 not in a.mz.tolist()  # constant background removed


def test_retention_index_hand_values() -> None:
    ladder = {6: 120.0, 7: 180.0, 8: 300.0}
    # 150 s: 100*(6 + (150-120)/(180-120)) = 650; 240 s: 100*(7 + 60/120) = 750; ends exact
    np.testing.assert_allclose(retention_index([150.0, 240.0, 120.0, 300.0], ladder), [650, 750, 600, 800])
    assert np.isnan(retention_index([100.0], ladder)[0])
    with pytest.raises(ParameterError):
        retention_index([1.0], {6: 200.0, 7: 100.0})


def test_tic_apexes_agree_with_chemstation_integrator() -> None:
    # agilent-gcms-tic.cdf carries ChemStation's own peak table (peak_retention_time, peak_height);
    # each of its 8 tallest peaks must have one of our TIC peaks within 1.5 s (the file samples
    # every ~1.09 s, so this is about one sampling interval plus apex interpolation differences)
    from pathlib import Path

    from scipy.io import netcdf_file

    from cellworks.gcms.peaks import find_peaks_run
    from cellworks.gcms.readers import read_run

    path = Path(__file__).resolve().parents[1] / "data" / "gcms" / "agilent-gcms-tic.cdf"
    with netcdf_file(path, "r", mmap=False) as nc:
        rt = np.array(nc.variables["peak_retention_time"].data, dtype=float)
        height = np.array(nc.variables["peak_height"].data, dtype=float)
    tallest = rt[np.argsort(-height)[:8]]
    ours = np.array([p.apex_time_s for p in find_peaks_run(read_run(path))["TIC"]])
    for t in tallest:
        assert np.min(np.abs(ours - t)) <= 1.5, t
