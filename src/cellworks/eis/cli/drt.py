"""``cellworks eis drt``: the distribution of relaxation times of a spectrum."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cellworks.eis.cli.common import ALLOW_TRUNCATED_HELP, crop_band, load_spectrum


def register(app: typer.Typer) -> None:
    """Mount ``drt`` on the ``cellworks eis`` group."""
    app.command("drt")(drt)


def drt(
    file: Annotated[Path, typer.Argument(help="Spectrum file (.csv, .txt, .mpt, .mpr, .DTA, .parquet).")],
    lambda_: Annotated[str, typer.Option("--lambda", help="Regularisation: 'auto' (chosen by --lambda-method) "
                                                          "or a number.")] = "auto",
    lambda_method: Annotated[str, typer.Option(help="lcurve (L-curve corner) | gcv (generalised "
                                                    "cross-validation).")] = "lcurve",
    basis: Annotated[str, typer.Option(help="gaussian (RBF) | piecewise (linear hats).")] = "gaussian",
    inductance: Annotated[bool, typer.Option("--inductance", help="Add a series inductance (else points with "
                                                                  "Im Z > 0 are dropped).")] = False,
    capacitance: Annotated[bool, typer.Option("--capacitance", help="Add a series capacitance "
                                                                    "(a blocking low-frequency tail).")] = False,
    weight: Annotated[str, typer.Option(help="none | modulus (residuals divided by |Z|).")] = "none",
    order: Annotated[int, typer.Option(help="Derivative penalised: 1 or 2.")] = 1,
    fwhm_coefficient: Annotated[float, typer.Option(help="Basis width: FWHM = grid spacing / coefficient.")] = 0.5,
    min_prominence: Annotated[float, typer.Option(help="A peak must rise this fraction of the largest above "
                                                       "its surroundings.")] = 0.05,
    bands: Annotated[bool, typer.Option("--bands", help="95 % credible band (1000 exact-HMC draws of the "
                                                        "non-negative Gaussian posterior).")] = False,
    f_min: Annotated[float | None, typer.Option(help="Use only points at or above this frequency [Hz].")] = None,
    f_max: Annotated[float | None, typer.Option(help="Use only points at or below this frequency [Hz].")] = None,
    cycle: Annotated[int | None, typer.Option(help="Which sweep of a file holding several (default: the first).")] = None,
    allow_truncated: Annotated[bool, typer.Option("--allow-truncated", help=ALLOW_TRUNCATED_HELP)] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    plot: Annotated[Path | None, typer.Option(help="Write DRT, Nyquist and residual plots (PNG).")] = None,
) -> None:
    """Distribution of relaxation times: Tikhonov-regularised, non-negative, radial basis functions.

    Prints λ and how it was chosen, R_inf, the peaks (tau_s, R_Ohm) and the largest residual.

    Example: cellworks eis drt tests/data/eis/exampleData.csv --json --plot drt.png
    """
    import sys

    from cellworks.clikit import emit_json
    from cellworks.eis.drt import fit_drt

    spec, cycle_info = load_spectrum(file, cycle, allow_truncated)
    f, z = crop_band(spec.freq_Hz, spec.Z_Ohm, f_min, f_max)
    n_dropped = 0
    if not inductance and (z.imag > 0).any():
        keep = z.imag <= 0
        n_dropped = int((~keep).sum())
        f, z = f[keep], z[keep]
        sys.stderr.write(f"note: {n_dropped} inductive points (Im Z > 0) dropped; --inductance models them\n")
    lam: float | str = lambda_ if lambda_ == "auto" else _number(lambda_)
    res = fit_drt(f, z, lam=lam, basis=basis, lambda_method=lambda_method, inductance=inductance,
                  capacitance=capacitance, weight=weight, derivative_order=order, fwhm_coefficient=fwhm_coefficient,
                  bands=bands, min_prominence=min_prominence)
    if plot is not None:
        from cellworks.eis.plots import save_drt_figure

        save_drt_figure(plot, res, title=f"{file.name}: DRT")
    if as_json:
        out = res.as_dict()
        out["file"] = str(file)
        out["n_points_dropped"] = int(len(spec) - len(f))
        out.update(cycle_info)
        emit_json(out)
        return
    d = res.as_dict()
    typer.echo(f"{file}: DRT of {len(f)} points, {basis} basis, lambda = {res.lambda_value:.3g} "
               f"({d['lambda_method']}), max residual {100 * d['max_relative_residual']:.2f} % of |Z|")
    typer.echo(f"  R_inf = {res.R_inf_Ohm:.4g} Ohm, R_pol = {res.R_pol_Ohm:.4g} Ohm"
               + (f", L = {res.L_H:.3g} H" if res.L_H is not None else "")
               + (f", C = {res.C_F:.3g} F" if res.C_F is not None else ""))
    for k, p in enumerate(res.peaks, start=1):
        typer.echo(f"  peak {k}: tau = {p.tau_s:.4g} s (f = {p.f_Hz:.4g} Hz), R = {p.R_Ohm:.4g} Ohm")


def _number(text: str) -> float:
    from cellworks.errors import ParameterError

    try:
        return float(text)
    except ValueError:
        raise ParameterError("--lambda must be 'auto' or a number", token=text) from None
