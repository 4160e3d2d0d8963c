"""Readers in the field's layouts, the acquisition checks an EI search needs, saturation, figures,
and input safety of the gcms commands."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from cellworks.cli import main

DATA = Path(__file__).resolve().parents[1] / "data" / "gcms"
GASOLINE = DATA / "agilent-gcms-gasoline.cdf"
ESI = DATA / "advion-expression-esi-continuum.cdf"


def _page_per_scan_jdx(path: Path, n_scans: int, dt_s: float, t0_s: float, empty: tuple[int, ...] = (),
                       with_page: bool = True) -> list[float]:
    """Write a GC–MS JCAMP-DX file in the page-per-scan layout of public exports (header labels,
    then per scan ##SCAN_NUMBER, ##PAGE= T=<s>, ##RETENTION_TIME, ##TIC, ##NPOINTS, ##XYDATA=
    (XY..XY) and one 'm/z, intensity' pair per line; no ##END=), as documented from PyMassSpec's
    ELEY_1_SUBTRACT.JDX (research/gcms/JCAMP_LAYOUT.md). Returns the scan times (s)."""
    rng = np.random.default_rng(3)
    lines = ["##TITLE=", "##DESCRIPTION=", "##DATE= 2019-03-06", "##TIME= 12:09", "##SPECTROMETER_SYSTEM=",
             "##IONIZATION_MODE= EI+", "##ELECTRON_ENERGY=", "##MASS_RANGE= (50.0, 500.0)", "##XUNITS=",
             "##DATA_FORMAT=", f"##FIRST=  ,  ,            {t0_s / 60:.10f}",
             f"##LAST=  ,  ,            {(t0_s + (n_scans - 1) * dt_s) / 60:.10f}"]
    times = []
    for k in range(n_scans):
        t = t0_s + k * dt_s
        times.append(t)
        mz = np.sort(rng.uniform(50, 500, 0 if k in empty else 5))
        y = np.round(rng.uniform(500, 5e4, mz.size), 0)
        lines += [f"##SCAN_NUMBER= {k + 1}"]
        if with_page:
            lines += [f"##PAGE=   T={t:.8f}"]
        lines += [f"##RETENTION_TIME= {t:.8f}", f"##TIC= {y.sum():.1f}", f"##NPOINTS= {mz.size}",
                  "##XYDATA= (XY..XY)"]
        lines += [f" {m:.4f}, {v:.1f}" for m, v in zip(mz, y, strict=True)]
        if mz.size == 0:
            lines.append("")
    path.write_text("\n".join(lines) + "\n")
    return times


@pytest.mark.parametrize("with_page", [True, False])
def test_jcamp_page_per_scan_reads_every_scan_and_time(tmp_path: Path, with_page: bool) -> None:
    from cellworks.gcms.readers import read_run

    p = tmp_path / "run.jdx"
    times = _page_per_scan_jdx(p, 250, 1.056, 1.052, empty=(17, 18), with_page=with_page)
    run = read_run(p)
    assert run.n_scans == 250
    np.testing.assert_allclose(run.scan_times_s, times, rtol=0, atol=1e-6)  # seconds, as the layout states
    assert run.scan(17)[0].size == 0 and run.scan(16)[0].size == 5
    assert run.ionization == "EI"


def test_jcamp_ntuples_block_of_a_compound_file() -> None:
    from cellworks.gcms.readers import read_run

    run = read_run(DATA / "sciformats_CompoundFile.jdx")
    # the file's NTUPLES MASS SPECTRUM block: one page at T = 10 s, 4 peaks (50, 51, 130, 131)
    assert run.n_scans == 1 and run.scan_times_s[0] == pytest.approx(10.0)
    np.testing.assert_allclose(run.scan(0)[0], [50, 51, 130, 131])


def test_electrospray_andi_file_gives_one_warning_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["gcms", "identify", str(ESI), "--json"]) == 0
    err = [ln for ln in capsys.readouterr().err.splitlines() if ln.strip()]
    assert len(err) == 1 and err[0].startswith("warning:")
    assert "Electrospray Ionization" in err[0] and "profile" in err[0]


def test_profile_data_centroided_on_request() -> None:
    from cellworks.gcms.readers import read_run
    from cellworks.gcms.run import centroid_run

    run = read_run(ESI)
    assert run.data_type == "profile" and run.ionization == "ESI"
    c = centroid_run(run)
    assert c.data_type == "centroid" and c.n_scans == run.n_scans
    # centroiding keeps the ion current: the sum of a scan is unchanged
    np.testing.assert_allclose(c.tic(), run.tic(), rtol=1e-9)
    assert c.mz.size < run.mz.size / 2


def test_gasoline_is_ei_centroid_without_warning(capsys: pytest.CaptureFixture[str]) -> None:
    from cellworks.gcms.readers import read_run
    from cellworks.gcms.run import ei_search_warnings

    run = read_run(GASOLINE)
    assert run.ionization == "EI" and run.data_type == "centroid" and ei_search_warnings(run) == []


def _clipped_run(ceiling: float) -> object:
    """One Gaussian peak (σ = 2 s, 0.2 s scans) of a 40-ion spectrum whose total ion current the
    detector cannot deliver above ``ceiling`` counts per scan (every ion scaled down alike), plus
    white noise of 20 counts per ion."""
    from cellworks.gcms.run import Run

    rng = np.random.default_rng(11)
    t = np.arange(0.0, 60.0, 0.2)
    mz = np.arange(41.0, 81.0)
    pattern = np.exp(-0.08 * (mz - 41.0))
    g = 1.0e6 * np.exp(-0.5 * ((t - 30.0) / 2.0) ** 2)
    scans = []
    for k in range(t.size):
        y = pattern * g[k]
        y *= min(1.0, ceiling / y.sum())
        scans.append((mz, np.clip(y + rng.normal(0, 20.0, mz.size), 1.0, None)))
    return Run.from_scans(t, scans)


def test_saturated_peak_stays_one_peak_flagged() -> None:
    from cellworks.gcms.peaks import deconvolve, find_peaks_run

    run = _clipped_run(2.0e6)  # the TIC is capped over about ±2.9 s around the apex
    peaks = find_peaks_run(run)["TIC"]
    assert len(peaks) == 1 and peaks[0].saturated
    comps = deconvolve(run)
    assert len(comps) == 1 and comps[0].peak.saturated
    # the unclipped peak is not flagged
    run2 = _clipped_run(1.0e9)
    p2 = find_peaks_run(run2)["TIC"]
    assert len(p2) == 1 and not p2[0].saturated


def test_tic_figure_whole_run_and_no_overlapping_labels(tmp_path: Path) -> None:
    from itertools import combinations

    from cellworks.gcms.identification import identify_run
    from cellworks.gcms.plots import LABEL_GID, LEGEND_GID, tic_figure
    from cellworks.gcms.readers import read_run

    run = read_run(GASOLINE)
    rep = identify_run(run)
    labels = [(c["rt_s"], c["name"]) for c in rep["components"] if c["identified"]]
    fig = tic_figure(run, labels, "gasoline")
    ax = fig.axes[0]
    lo, hi = ax.get_xlim()
    # the whole run is shown
    assert lo <= run.scan_times_min[0] + 1e-9 and hi >= run.scan_times_min[-1] - 1e-9
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    nums = [t for t in ax.texts if t.get_gid() == LABEL_GID]
    legend = [t for t in fig.axes[1].texts if t.get_gid() == LEGEND_GID]
    assert len(nums) == len(labels) == len(legend)
    boxes = [t.get_window_extent(r) for t in nums + legend]
    for a, b in combinations(boxes, 2):
        assert a.x1 <= b.x0 or b.x1 <= a.x0 or a.y1 <= b.y0 or b.y1 <= a.y0, (a, b)


def test_outputs_equal_to_the_input_are_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import shutil

    run = tmp_path / "r.cdf"
    shutil.copy(GASOLINE, run)
    before = run.read_bytes()
    assert main(["gcms", "peaks", str(run), "--plot", str(run)]) == 2
    assert main(["gcms", "identify", str(run), "--mirror", str(run)]) == 2
    assert main(["gcms", "identify", str(run), "--plot", str(tmp_path / "." / "r.cdf")]) == 2
    assert run.read_bytes() == before
    err = [ln for ln in capsys.readouterr().err.splitlines() if ln.strip()]
    assert len(err) == 3 and all("r.cdf" in ln for ln in err)


def test_library_names_with_escape_sequences_are_not_printed_raw(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    lib = tmp_path / "evil.msp"
    lib.write_text("Name: Toluene\x1b]0;pwned\x07\x1b[2J\nNum Peaks: 3\n91 999\n92 690\n65 150\n", encoding="utf-8")
    assert main(["gcms", "library", "info", str(lib), "--names"]) == 0
    assert main(["gcms", "identify", str(GASOLINE), "--library", str(lib), "--min-mf", "300", "--min-rmf", "300"]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out
    assert "Toluene?]0;pwned??[2J" in out


def test_import_search_does_not_load_numba() -> None:
    import subprocess

    code = "import sys, cellworks.gcms.search; print('numba' in sys.modules)"
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert res.stdout.strip() == "False"
