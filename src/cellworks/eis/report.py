"""Demo section of the impedance part: circuit fit, Lin-KK, DRT and a series of spectra from real files."""

from __future__ import annotations

import shutil
from pathlib import Path

from cellworks.report import Figure, Section, Table, figure_png

CIRCUIT = "R0-p(R1,C1)-p(R2-Wo1,C2)"
GUESS = [0.01, 0.01, 100, 0.01, 0.05, 100, 1]
# impedance.py's documented fit of exampleData.csv from GUESS (its getting-started page), unweighted
DOC = [1.65e-2, 8.68e-3, 3.32, 5.39e-3, 6.31e-2, 2.33e2, 0.220]
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
    return u.replace("Ohm", "Ω").replace("sec", "s")


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
        g = f"{glob.values[i]:.4g}" if glob else "—"
        err = f"{res.stderr[i]:.2g}" if np.isfinite(res.stderr[i]) else "not defined"
        rows.append((f"{n} / {_unit(res.param_units[i])}", f"{DOC[i]:.3g}", f"{res.values[i]:.4g}", err,
                     f"{100 * (res.values[i] / DOC[i] - 1):+.1f}", g))
    rows.append(("χ² / Ω²", "1.943e-05 (impedance.py 1.7.1)", f"{res.chi2:.4g}", "", "",
                 f"{glob.chi2:.4g}" if glob else "—"))
    figs = [Figure(figure_png(fit_figure(f, z, res, title=f"exampleData.csv, {CIRCUIT}")),
                   "Nyquist and Bode plots of impedance.py's example spectrum (57 points with Im Z < 0): the fit from "
                   "the documented initial guess (impedance.py's answer, solid) and the lower minimum the multi-start "
                   "search finds with the two arcs exchanged (dashed).")]
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
                       "Round trip (a pipeline test with a known answer): DRT of a synthetic spectrum of two RC "
                       "elements; the peaks should sit at τ = 1 ms and 1 s and integrate to 20 Ω and 30 Ω."))
    drt_ex = fit_drt(f, z)
    figs.append(Figure(figure_png(drt_figure(drt_ex, title="exampleData.csv: DRT")),
                       "DRT of impedance.py's example spectrum: the peak at the longest time constants stands for "
                       "the finite-space Warburg's capacitive tail, which a sum of RC elements can only approximate."))
    truth = (("1e-3", "20"), ("1", "30"))
    peak_rows = tuple((f"{k}", f"{p.tau_s:.3g}", f"{p.R_Ohm:.3g}", *(truth[k - 1] if k <= 2 else ("—", "—")))
                      for k, p in enumerate(drt_rt.peaks, start=1))
    tables = [
        Table(("parameter", "impedance.py documented", "cellworks, same guess", "± std. error",
               "difference / %", "global optimum"), tuple(rows),
              caption="exampleData.csv fitted with R0-p(R1,C1)-p(R2-Wo1,C2) from the documented initial guess "
                      "(fitted); impedance.py's documented values are the peer reference (input)."),
        Table(("peak", "τ / s (round trip)", "R / Ω (round trip)", "τ / s (true)", "R / Ω (true)"), peak_rows,
              caption=f"DRT peaks of the synthetic spectrum (round_trip) against the values it was made from; "
                      f"λ = {drt_rt.lambda_value:.2g} by the L-curve."),
    ]
    series_src = _find_data(SERIES_FILE)
    if series_src is not None:
        spectra, label_name = load_series(series_src)
        if quick:
            spectra = spectra[:12]
        ser = fit_series(spectra, SERIES_CIRCUIT, n_starts_each=4, source=SERIES_FILE, label_name=label_name)
        figs.append(Figure(figure_png(series_figure(ser, title=f"{SERIES_FILE}: {SERIES_CIRCUIT}")),
                           f"{len(ser.items)} GEIS spectra (9 frequencies each, hourly) of a Li‖Li cell in TEGDME, "
                           "each fitted from the previous fit: parameters against cycle (fitted; error bars one "
                           "standard error, hollow red: spectrum fails Lin-KK at 1 %, crosses: no standard error)."))
    return Section(
        title="Impedance (cellworks.eis)",
        anchor="eis",
        intro=(
            "impedance.py's example spectrum is fitted from its documented initial guess (impedance.py's meaning), "
            "with the multi-start search reporting the lower minimum beside it; the spectrum is checked with Lin-KK "
            "and converted into a distribution of relaxation times (DRT). A synthetic spectrum with known peaks "
            "checks the DRT, and a real 45-spectrum GEIS series shows fitting carried from one spectrum to the next."
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
