"""``cellworks eis fit | validate``: equivalent-circuit fits and Lin-KK validation of a spectrum."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from cellworks.eis.cli.common import ALLOW_TRUNCATED_HELP, load_spectrum, parse_constants, parse_floats

#: kept in step with cellworks.eis.fitting.GLOBAL_NOTE_FACTOR (imported lazily there; a test checks both)
GLOBAL_NOTE_FACTOR = 1.01


def register(app: typer.Typer) -> None:
    """Mount ``fit`` and ``validate`` on the ``cellworks eis`` group."""
    app.command("fit")(fit)
    app.command("validate")(validate)


def fit(
    file: Annotated[Path, typer.Argument(help="Spectrum: .csv (f, Re, Im), BioLogic .mpt/.mpr, Gamry .DTA, "
                                              "Autolab .txt, .parquet.")],
    circuit: Annotated[str, typer.Option("--circuit", "-c", help="Circuit, e.g. 'R0-p(R1,C1)-p(R2-Wo1,C2)' "
                                                                 "(impedance.py's element names).")],
    initial: Annotated[str | None, typer.Option(
        help="Initial guess of the free parameters, 'v1,v2,...'. The answer is then the local fit from this "
             "guess (impedance.py's meaning); the multi-start search runs beside it and a fit it finds with "
             f"a chi2 lower by more than a factor {GLOBAL_NOTE_FACTOR} is reported as global_optimum (one note "
             "line). Without --initial the multi-start result is the answer.")] = None,
    constants: Annotated[str | None, typer.Option(help="Fixed parameters, 'R0=0.01,Wo1_1=200'.")] = None,
    weight: Annotated[str, typer.Option(help="none | modulus | proportional")] = "none",
    drop_positive_imag: Annotated[bool, typer.Option("--drop-positive-imag", help="Drop points with Im Z > 0.")] = False,
    starts: Annotated[int, typer.Option(help="Local fits of the multi-start search.")] = 64,
    no_search: Annotated[bool, typer.Option("--no-search", help="Only the local fit (from --initial or from a "
                                                                  "guess derived from the data); no note.")] = False,
    cycle: Annotated[int | None, typer.Option(help="Which sweep of a file holding several (default: the first).")] = None,
    seed: Annotated[int, typer.Option(help="Seed of the multi-start perturbations.")] = 0,
    allow_truncated: Annotated[bool, typer.Option("--allow-truncated", help=ALLOW_TRUNCATED_HELP)] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    plot: Annotated[Path | None, typer.Option(help="Write Nyquist + Bode figure with the fit (PNG).")] = None,
) -> None:
    """Fit an equivalent circuit to a spectrum (least squares with the analytic Jacobian, multi-start search).

    Example: cellworks eis fit tests/data/eis/exampleData.csv -c "R0-p(R1,C1)-p(R2-Wo1,C2)"
    --initial ".01,.01,100,.01,.05,100,1" --drop-positive-imag
    """
    import sys

    from cellworks.clikit import emit_json
    from cellworks.eis.fitting import WEIGHTS, fit_circuit
    from cellworks.eis.readers import drop_positive_imag as _drop
    from cellworks.errors import ParameterError

    if weight not in WEIGHTS:
        raise ParameterError(f"--weight must be one of {', '.join(WEIGHTS)}", token=weight)
    if starts < 1:
        raise ParameterError("--starts must be >= 1", token=str(starts))
    spec, cycle_info = load_spectrum(file, cycle, allow_truncated)
    f, z = spec.freq_Hz, spec.Z_Ohm
    if drop_positive_imag:
        f, z = _drop(f, z)
    guess = parse_floats(initial, "--initial") if initial else None
    consts = parse_constants(constants) if constants else None
    res = fit_circuit(f, z, circuit, guess, consts, weight=weight, n_starts=1 if no_search else starts, seed=seed)
    glob = res.global_optimum
    if glob is not None:
        sys.stderr.write(
            f"note: the multi-start search found chi2 = {glob.chi2:.6g}, lower than the fit from --initial "
            f"(chi2 = {res.chi2:.6g}) by more than a factor {GLOBAL_NOTE_FACTOR}; it is reported as "
            "global_optimum (--no-search skips the search)\n")
    if plot is not None:
        from cellworks.eis.plots import save_fit_figure

        save_fit_figure(plot, f, z, res, title=f"{file.name}: {circuit}")
    if as_json:
        out = res.as_dict()
        out["file"] = str(file)
        out["n_points_dropped"] = int(len(spec) - f.size)
        out.update(cycle_info)
        emit_json(out)
        return
    typer.echo(f"{file}: {circuit}  ({res.n_points} points, weight {weight}; answer: {res.answer}, "
               f"{res.n_starts} start{'s' if res.n_starts > 1 else ''})")
    _print_parameters(res)
    if glob is not None:
        typer.echo("global optimum (multi-start search):")
        _print_parameters(glob)


def _print_parameters(res: Any) -> None:
    import math

    for n, v, s, u, b in zip(res.param_names, res.values, res.stderr, res.param_units, res.at_bound, strict=True):
        if b is not None:
            err = f"n/a (at {b} bound)"
        elif not math.isfinite(s):
            err = "n/a (not constrained)"
        else:
            err = f"± {s:.2e}  ({100 * s / abs(v):.2g} %)" if v else f"± {s:.2e}"
        typer.echo(f"  {n:>10} = {v:.4e}  {err} [{u}]")
    typer.echo(f"  chi2 = {res.chi2:.6g}   rmse = {res.rmse_Ohm:.3e} Ohm")
    for flag in res.flags:
        typer.echo(f"  warning: {flag}")


def validate(
    file: Annotated[Path, typer.Argument(help="Spectrum file (.csv, .mpt, .mpr, .DTA).")],
    c: Annotated[float, typer.Option(help="mu threshold of the Lin-KK element count (Schönleber 2014).")] = 0.85,
    threshold: Annotated[float, typer.Option(help="Largest allowed relative residual for 'valid'.")] = 0.01,
    cycle: Annotated[int | None, typer.Option(help="Which sweep of a file holding several (default: the first).")] = None,
    allow_truncated: Annotated[bool, typer.Option("--allow-truncated", help=ALLOW_TRUNCATED_HELP)] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    plot: Annotated[Path | None, typer.Option(help="Write the residual plot (PNG).")] = None,
) -> None:
    """Lin-KK test: is the spectrum Kramers-Kronig consistent (linear, stable, causal)?

    Example: cellworks eis validate tests/data/eis/exampleData.csv --json
    """
    from cellworks.clikit import emit_json
    from cellworks.eis.kk import lin_kk

    spec, cycle_info = load_spectrum(file, cycle, allow_truncated)
    res = lin_kk(spec.freq_Hz, spec.Z_Ohm, c=c, threshold=threshold)
    if plot is not None:
        from cellworks.eis.plots import save_kk_figure

        save_kk_figure(plot, spec.freq_Hz, res, title=file.name)
    if as_json:
        out = res.as_dict()
        out["file"] = str(file)
        out["freq_Hz"] = spec.freq_Hz
        out.update(cycle_info)
        emit_json(out)
        return
    verdict = "valid" if res.valid else "NOT valid"
    typer.echo(
        f"{file}: {verdict} (Lin-KK, M = {res.n_rc} RC elements, mu = {res.mu:.3f}, "
        f"max |residual| = {100 * res.max_abs_residual:.2f} %, limit {100 * threshold:.2g} %)"
    )
