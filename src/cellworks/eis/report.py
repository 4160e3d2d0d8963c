"""Demo section of the impedance part: circuit fit, Lin-KK, DRT and a series of spectra from real files."""

from __future__ import annotations

import shutil
from pathlib import Path

from cellworks.report import Figure, Section, Table, figure_png, sig, value_unc
from cellworks.report.format import MINUS

CIRCUIT = "R0-p(R1,C1)-p(R2-Wo1,C2)"
GUESS = [0.01, 0.01, 100, 0.01, 0.05, 100, 1]
# impedance.py's documented fit of exampleData.csv from GUESS (its getting-started page), unweighted
DOC = [1.65e-2, 8.68e-3, 3.32, 5.39e-3, 6.31e-2, 2.33e2, 0.220]
# χ² of impedance.py 1.7.1's own fit from GUESS (not printed on its page; run in benchmarks/eis_vs_impedancepy.py)
CHI2_IMPEDANCEPY = 1.943e-5
SERIES_FILE = "lili_tegdme_02_GEIS_C05.mpr"
SERIES_CIRCUIT = "R0-p(R1,CPE1)-W1"


def _find_data(name: str) -> Path | None:
    here = Path(__file__).resolve()
    for base in (here.parents[3] / "tests" / "data" / "eis", here.parents[4] / "shared" / "fixtures" / "eis"):
        p = base / name
        if p.exists():
            return p
    return None


def _unit(u: str) -> str:
    from cellworks.eis.plots import pretty_unit

    return pretty_unit(u) or "–"


def _percent_diff(value: float, reference: float) -> str:
    """``+1.0``, ``−0.2``, ``0.0`` (never ``-0.0``): the relative difference in percent, one decimal."""
    d = round(100 * (value / reference - 1), 1)
    return "0.0" if d == 0 else f"{d:+.1f}".replace("-", MINUS)


def _with_error(value: float, err: float) -> str:
    """``value ± standard error`` rounded to the error; a parameter the data do not determine (no
    standard error, or one larger than the value) says so instead of printing a meaningless ±."""
    import math

    if not math.isfinite(err):
        return f"{sig(value, 3)} (no std. error)"
    if err > abs(value):
        return f"{sig(value, 3)} (not determined)"
    return value_unc(value, err)


def build_section(workdir: Path, quick: bool = False) -> Section:
    """The report section: fit of impedance.py's example spectrum, its Lin-KK test and DRT, a DRT round
    trip with known answer, and the 45-spectrum GEIS series of a Li‖Li cell."""
    import numpy as np

    from cellworks.eis.drt import fit_drt
    from cellworks.eis.drt_models import rc_impedance
    from cellworks.eis.fitting import fit_circuit
    from cellworks.eis.kk import lin_kk
    from cellworks.eis.plots import drt_figure, fit_figure, kk_figure, series_figure
    from cellworks.eis.readers import drop_positive_imag, read_spectrum
    from cellworks.eis.series import fit_series, load_series

    src = _find_data("exampleData.csv")
    if src is None:
        return Section(title="Impedance (cellworks.eis)", anchor="eis",
                       intro="exampleData.csv (impedance.py's example spectrum) was not found; nothing to show.")
    workdir.mkdir(parents=True, exist_ok=True)
    data = workdir / "eis_exampleData.csv"
    shutil.copyfile(src, data)
    spec = read_spectrum(data)
    f, z = drop_positive_imag(spec.freq_Hz, spec.Z_Ohm)
    res = fit_circuit(f, z, CIRCUIT, GUESS, n_starts=16 if quick else 64)
    glob = res.global_optimum
    rows = []
    for i, n in enumerate(res.param_names):
        g = _with_error(glob.values[i], glob.stderr[i]) if glob else "—"
        rows.append((n, _unit(res.param_units[i]), sig(DOC[i], 3), _with_error(res.values[i], res.stderr[i]),
                     _percent_diff(res.values[i], DOC[i]), g))
    rows.append(("χ² (unweighted)", "Ω²", sig(CHI2_IMPEDANCEPY, 4), sig(res.chi2, 4),
                 _percent_diff(res.chi2, CHI2_IMPEDANCEPY), sig(glob.chi2, 4) if glob else "—"))
    figs = [Figure(figure_png(fit_figure(f, z, res, title=f"exampleData.csv, {CIRCUIT}")),
                   "Nyquist and Bode plots of impedance.py's example spectrum (57 points with Im Z < 0) with two "
                   "fitted curves: the local fit from the documented initial guess (impedance.py's answer, solid) "
                   "and the lower minimum the multi-start search finds with the two arcs exchanged (dashed).")]
    kk = lin_kk(spec.freq_Hz, spec.Z_Ohm)
    figs.append(Figure(figure_png(kk_figure(spec.freq_Hz, kk, title="exampleData.csv")),
                       f"Lin-KK residuals of all {len(spec)} points (M = {kk.n_rc} RC elements, μ = {kk.mu:.2f}, "
                       f"largest |residual| {100 * kk.max_abs_residual:.2f} %): the spectrum is "
                       f"{'Kramers–Kronig consistent' if kk.valid else 'not Kramers–Kronig consistent'} within 1 %."))
    # round trip with a known answer: R0 + RC(1 ms) + RC(1 s), 1 % complex noise (fixed seed)
    fr = np.logspace(5, -2, 71)
    rng = np.random.default_rng(2026)
    z0 = 10 + rc_impedance(fr, 20, 1e-3) + rc_impedance(fr, 30, 1.0)
    zr = z0 + 0.01 * np.abs(z0) * (rng.standard_normal(fr.size) + 1j * rng.standard_normal(fr.size))
    keep = zr.imag <= 0
    drt_rt = fit_drt(fr[keep], zr[keep], bands=not quick)
    figs.append(Figure(figure_png(drt_figure(drt_rt, title="round trip: 10 Ω + RC(20 Ω, 1 ms) + RC(30 Ω, 1 s), "
                                                           "1 % noise")),
                       "Round trip (round_trip: a pipeline test with a known answer): DRT of a synthetic spectrum "
                       "of two RC elements; the peaks should sit at τ = 1 ms and 1 s and integrate to 20 Ω and 30 Ω "
                       "(the table of DRT peaks lists what they do)."))
    drt_ex = fit_drt(f, z)
    figs.append(Figure(figure_png(drt_figure(drt_ex, title="exampleData.csv: DRT")),
                       f"DRT of impedance.py's example spectrum (λ = {sig(drt_ex.lambda_value, 2)} by the L-curve): "
                       "the peak at the longest time constants stands for the finite-space Warburg's capacitive "
                       "tail, which a sum of RC elements can only approximate; at so small a λ the small ripples "
                       "between the marked peaks are systematic deviations from an RC distribution, not processes."))
    # τ in ms: the two peaks span three decades, and ms keeps both columns in plain decimals
    truth = ((1, 20), (1000, 30))
    peak_rows = tuple((f"peak {k}", 1e3 * p.tau_s, p.R_Ohm, *(truth[k - 1] if k <= 2 else (None, None)))
                      for k, p in enumerate(drt_rt.peaks, start=1))
    tables = [
        Table(("parameter", "unit", "impedance.py, documented", "cellworks, same guess", "difference / %",
               "cellworks, global optimum"), tuple(rows),
              caption="exampleData.csv fitted with R0-p(R1,C1)-p(R2-Wo1,C2), unweighted, from the documented "
                      "initial guess (fitted, ± one standard error); impedance.py's documented values are the peer "
                      "reference (input; its χ² from running impedance.py 1.7.1 on the same guess). The global "
                      "optimum (fitted) has a lower χ² with the two arcs exchanged; there the spectrum does not "
                      "determine Wo1_0 and Wo1_1."),
        Table(("DRT peak", "τ, recovered / ms", "R, recovered / Ω", "τ, true / ms", "R, true / Ω"), peak_rows,
              caption=f"DRT peaks of the synthetic spectrum (round_trip) against the values it was made from "
                      f"(input); λ = {sig(drt_rt.lambda_value, 2)} by the L-curve."),
    ]
    series_src = _find_data(SERIES_FILE)
    if series_src is not None:
        spectra, label_name = load_series(series_src)
        n_all = len(spectra)
        if quick:
            spectra = spectra[:12]
        ser = fit_series(spectra, SERIES_CIRCUIT, n_starts_each=4, source=SERIES_FILE, label_name=label_name)
        n_freq = len(ser.items[0].spectrum.freq_Hz) if ser.items else 0
        which = f"the first {len(ser.items)} of {n_all}" if len(ser.items) < n_all else f"{n_all}"
        figs.append(Figure(figure_png(series_figure(ser, title=f"{SERIES_FILE}: {SERIES_CIRCUIT}")),
                           f"GEIS spectra of a Li‖Li cell in TEGDME ({which} spectra, {n_freq} frequencies each, "
                           "hourly), each fitted from the previous fit: parameters against cycle (fitted; error bars "
                           "one standard error; hollow red: the spectrum fails Lin-KK at 1 %; crosses: no standard "
                           "error; grey triangles: the fit ended at a bound, so no value is shown) and the Nyquist "
                           "plots of all spectra on equal axes."))
    return Section(
        title="Impedance (cellworks.eis)",
        anchor="eis",
        summary=(
            "impedance.py's example spectrum (exampleData.csv) is fitted with R0-p(R1,C1)-p(R2-Wo1,C2) from its "
            "documented initial guess, as impedance.py does, with a multi-start search reporting the lower minimum "
            "beside it; the same spectrum is checked with Lin-KK and converted into a distribution of relaxation "
            "times (DRT). A synthetic two-RC spectrum with known peaks tests the DRT pipeline (round trip), and the "
            "GEIS series of a Li‖Li cell (a BioLogic .mpr file, 45 spectra) is fitted spectrum by spectrum, each "
            "from the previous fit."
        ),
        figures=tuple(figs),
        tables=tuple(tables),
        how_to_run=(
            f'cellworks eis fit {data.name} --circuit "{CIRCUIT}" --initial ".01,.01,100,.01,.05,100,1" '
            "--drop-positive-imag --json --plot fit.png\n"
            f"cellworks eis validate {data.name} --json --plot kk.png\n"
            f"cellworks eis drt {data.name} --json --plot drt.png\n"
            f'cellworks eis series {SERIES_FILE} --circuit "{SERIES_CIRCUIT}" --plot series.png'
        ),
    )
