"""``cellworks eis series``: fit every spectrum of a multi-spectrum file or folder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cellworks.eis.cli.common import ALLOW_TRUNCATED_HELP, parse_constants, parse_floats


def register(app: typer.Typer) -> None:
    """Mount ``series`` on the ``cellworks eis`` group."""
    app.command("series")(series)


def series(
    path: Annotated[Path, typer.Argument(help="A multi-spectrum file (BioLogic PEIS/GEIS loops in .mpr/.mpt, a "
                                              "Parquet series) or a folder of spectra (ordered by the number "
                                              "in their names).")],
    circuit: Annotated[str, typer.Option("--circuit", "-c", help="Circuit, e.g. 'R0-p(R1,CPE1)-W1'.")],
    initial: Annotated[str | None, typer.Option(help="Initial guess for the first spectrum (else the multi-start "
                                                     "search); later spectra start from the previous fit.")] = None,
    constants: Annotated[str | None, typer.Option(help="Fixed parameters, 'R0=0.01'.")] = None,
    weight: Annotated[str, typer.Option(help="none | modulus | proportional")] = "none",
    starts: Annotated[int, typer.Option(help="Multi-start search beside each later fit (its lower minimum is "
                                             "reported as global_chi2).")] = 16,
    no_search: Annotated[bool, typer.Option("--no-search", help="Only local fits after the first spectrum.")] = False,
    drop_positive_imag: Annotated[bool, typer.Option("--drop-positive-imag", help="Drop points with Im Z > 0.")] = False,
    f_min: Annotated[float | None, typer.Option(help="Use only points at or above this frequency [Hz].")] = None,
    f_max: Annotated[float | None, typer.Option(help="Use only points at or below this frequency [Hz].")] = None,
    kk_threshold: Annotated[float, typer.Option(help="Lin-KK: largest relative residual of a valid spectrum.")] = 0.01,
    skip_invalid: Annotated[bool, typer.Option("--skip-invalid", help="Do not fit spectra that fail Lin-KK "
                                                                      "(they are always marked).")] = False,
    with_drt: Annotated[bool, typer.Option("--drt", help="Also compute each spectrum's DRT (peaks in the "
                                                          "JSON).")] = False,
    allow_truncated: Annotated[bool, typer.Option("--allow-truncated", help=ALLOW_TRUNCATED_HELP)] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    csv: Annotated[Path | None, typer.Option(help="Write the table (one row per spectrum) as CSV.")] = None,
    plot: Annotated[Path | None, typer.Option(help="Write each parameter against spectrum index (PNG).")] = None,
) -> None:
    """Fit a circuit to every spectrum of a series, each fit starting from the previous one.

    Every spectrum is checked with Lin-KK first; one that fails is marked (and skipped with
    --skip-invalid), never used to seed the next fit.

    Example: cellworks eis series tests/data/eis/lili_tegdme_02_GEIS_C05.mpr -c "R0-p(R1,CPE1)-W1" --plot r.png
    """
    import sys

    import numpy as np

    from cellworks.clikit import emit_json, progress
    from cellworks.eis.fitting import WEIGHTS
    from cellworks.eis.readers import Spectrum
    from cellworks.eis.series import fit_series, load_series
    from cellworks.errors import ParameterError

    if weight not in WEIGHTS:
        raise ParameterError(f"--weight must be one of {', '.join(WEIGHTS)}", token=weight)
    if starts < 1:
        raise ParameterError("--starts must be >= 1", token=str(starts))
    if not 0 < kk_threshold < 1:
        raise ParameterError("--kk-threshold must be in (0, 1)", token=str(kk_threshold))
    spectra, label_name = load_series(path, allow_truncated)
    if f_min is not None or f_max is not None:
        from cellworks.eis.cli.common import crop_band

        cropped = []
        for label, s in spectra:
            f, z = crop_band(s.freq_Hz, s.Z_Ohm, f_min, f_max)
            cropped.append((label, Spectrum(np.asarray(f), np.asarray(z), s.file, s.format, s.meta)))
        spectra = cropped
    guess = parse_floats(initial, "--initial") if initial else None
    consts = parse_constants(constants) if constants else None
    show = sys.stderr.isatty()
    with progress(f"fitting {len(spectra)} spectra", total=len(spectra), enabled=show) as advance:
        res = fit_series(spectra, circuit, guess, consts, weight=weight, n_starts_each=1 if no_search else starts,
                         drop_positive_imag=drop_positive_imag, kk_threshold=kk_threshold, skip_invalid=skip_invalid,
                         with_drt=with_drt, source=str(path), label_name=label_name,
                         progress=lambda k, n: advance(1))
    for note in res.notes:
        sys.stderr.write(f"note: {note}\n")
    table = res.table()
    if csv is not None:
        from cellworks._io import atomic_write

        with atomic_write(csv, "w") as fh:
            table.to_csv(fh, index=False)
    if plot is not None:
        from cellworks.eis.plots import save_series_figure

        save_series_figure(plot, res, title=f"{path.name}: {circuit}")
    if as_json:
        out = res.as_dict()
        if plot is not None:
            out["plot"] = str(plot)
        emit_json(out)
        return
    cols = ["index", "label", "kk_valid", "chi2", *res.param_names]
    typer.echo(f"{path}: {circuit}, {len(res.items)} spectra")
    typer.echo(table[cols].to_string(index=False, float_format=lambda v: f"{v:.4g}"))
