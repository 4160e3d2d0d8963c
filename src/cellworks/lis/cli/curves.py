"""``cellworks lis fit-curves``: fit a model to measured discharge curves, predict held-out ones."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    """Mount ``fit-curves`` on the ``cellworks lis`` group."""
    app.command("fit-curves")(fit_curves_command)


def fit_curves_command(
    curve: Annotated[list[str], typer.Option("--curve", help="FILE:RATE of a curve to fit, e.g. c.csv:0.1C or run.mpr:0.2A/g (repeatable).", show_default=False)],
    model: Annotated[str, typer.Option("--model", help="Model to fit (see `cellworks lis models`).")] = "chain3",
    preset: Annotated[str | None, typer.Option("--preset", help="Start values (default: the model's preset).")] = None,
    hold_out: Annotated[list[str] | None, typer.Option("--hold-out", help="FILE:RATE of a curve to predict, never fitted (repeatable).")] = None,
    fit: Annotated[list[str] | None, typer.Option("--fit", help="Parameter to fit (repeatable; default: the model's set).")] = None,
    sulfur_mass_g: Annotated[float | None, typer.Option("--sulfur-mass-g", help="Sulfur mass of cycler files that state none.")] = None,
    starts: Annotated[int, typer.Option(help="Random starts besides the preset's values.")] = 2,
    seed: Annotated[int, typer.Option(help="Seed of the random starts.")] = 0,
    max_evals: Annotated[int, typer.Option("--max-evals", help="Least-squares evaluations per start.")] = 60,
    plot: Annotated[Path | None, typer.Option("--plot", help="Write measured and model curves (PNG).")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Write the result (JSON) here.")] = None,
    json: Annotated[bool, typer.Option("--json", help="Machine-readable output on stdout.")] = False,
) -> None:
    """Bounded least squares of a model on whole V(Q) discharge curves; held-out curves are predictions.

    A CSV holds capacity in mAh per g of sulfur and voltage (header optional); any cycler file
    cellworks reads also works (its first discharge). RATE: 0.1C (1C = 1675 mA/g S) or 0.2A/g.
    A few minutes for two curves and four parameters.

    Example:

      cellworks lis fit-curves --model chain3 --curve tests/data/lis/synthetic_roundtrip_0.1C.csv:0.1C --curve tests/data/lis/synthetic_roundtrip_1C.csv:1C --hold-out tests/data/lis/synthetic_roundtrip_0.5C.csv:0.5C --fit passivation_resistance_Ohm --max-evals 8 --starts 0 --json
    """
    import sys

    from cellworks._io import atomic_write
    from cellworks.clikit import emit_json, fail, progress
    from cellworks.errors import ParameterError
    from cellworks.lis.curvefit import fit_curves
    from cellworks.lis.models import get_model
    from cellworks.lis.params import get_preset
    from cellworks.lis.readers.curves import read_curve

    if starts < 0 or max_evals < 1:
        raise ParameterError("need --starts ≥ 0 and --max-evals ≥ 1", field="--starts")
    m = get_model(model)
    params = get_preset(preset or m.default_preset)
    if type(params).MODEL != m.name:
        raise ParameterError(f"preset '{params.name}' belongs to model '{type(params).MODEL}'", field="--preset")
    fitted = [read_curve(s, sulfur_mass_g=sulfur_mass_g) for s in curve]
    held = [read_curve(s, sulfur_mass_g=sulfur_mass_g) for s in hold_out or []]
    total = max_evals * (starts + 1)
    try:
        with progress("fitting curves", total=total, enabled=sys.stderr.isatty()) as advance:
            res = fit_curves(params, fitted, held, fit_names=fit, starts=starts, seed=seed, max_nfev=max_evals,
                             progress=lambda n: advance(1))
    except KeyboardInterrupt:
        fail("interrupted: nothing was written", code=130)
        return
    res.pop("params_fitted", None)
    res["command"] = "cellworks lis fit-curves " + " ".join(sys.argv[3:]) if len(sys.argv) > 3 else "cellworks lis fit-curves"
    if plot is not None:
        from cellworks.lis.plots import plot_curve_fit

        res["plot"] = str(plot_curve_fit(res, plot))
    if out is not None:
        import json as _json

        with atomic_write(out, "w") as fh:
            fh.write(_json.dumps(res, indent=2) + "\n")
    if json:
        emit_json(res)
        return
    for p in res["parameters"]:
        typer.echo(f"{p['name']:<32} {p['value']:<12.6g} ± {p['stderr']:<10.3g} identifiable: {'yes' if p['identifiable'] else 'no'}")
    for c in res["curves"]:
        typer.echo(f"{c['rate']:<8} {c['role']:<9} RMS {1e3 * c['rms_V']:6.1f} mV  capacity {c['capacity_mAh_per_g']:7.1f} "
                   f"(measured {c['measured_capacity_mAh_per_g']:7.1f}) mAh/g")
