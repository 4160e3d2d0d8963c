"""``cellworks lis fit`` and ``cellworks lis reproduce zhang2016|polyplus`` (twins of documents 000/001).

Mounted on ``cellworks lis`` by :func:`register` (called from :mod:`cellworks.lis.cli`).
Heavy imports stay inside the command functions.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer


def register(app: typer.Typer) -> None:
    app.command("fit")(fit_command)
    app.command("reproduce")(reproduce_command)


def fit_command(
    targets: Annotated[Path | None, typer.Option("--targets", help="Targets file (TOML); default: the packaged zhang2016_targets.toml.")] = None,
    cell: Annotated[list[str] | None, typer.Option("--cell", help="Fit only this cell of the targets file (repeatable).")] = None,
    seed: Annotated[int, typer.Option(help="Seed of the random extra starts (reproducible).")] = 0,
    starts: Annotated[int, typer.Option(help="Random starts in addition to the file's start values.")] = 0,
    max_evals: Annotated[int, typer.Option("--max-evals", help="Simulation budget per start.")] = 400,
    method: Annotated[str, typer.Option(help="nelder-mead (default) or trf (least squares, FD Jacobian).")] = "nelder-mead",
    out: Annotated[Path | None, typer.Option("--out", help="Write the fitted parameters + residuals (JSON) here.")] = None,
    check: Annotated[Path | None, typer.Option("--check", help="Compare the fitted values with this committed file (relative differences).")] = None,
    json: Annotated[bool, typer.Option("--json", help="Machine-readable output on stdout.")] = False,
) -> None:
    """Calibrate twin parameters to published targets (bounded fit, residual report)."""
    import json as _json
    import sys

    from cellworks._io import atomic_write
    from cellworks.clikit import emit_json
    from cellworks.errors import ParameterError
    from cellworks.lis.fit import compare_values, run_fit
    from cellworks.lis.twin import TARGETS_FILE, data_path

    if max_evals < 1:
        raise ParameterError("must be ≥ 1", field="--max-evals")
    if starts < 0:
        raise ParameterError("must be ≥ 0", field="--starts")
    tpath = targets or data_path(TARGETS_FILE)
    cmd_parts = ["cellworks lis fit", f"--targets {targets}" if targets else "", *(f"--cell {c}" for c in cell or []),
                 f"--seed {seed}", f"--starts {starts}", f"--max-evals {max_evals}", f"--method {method}"]
    command = " ".join(p for p in cmd_parts if p)

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    res = run_fit(tpath, cells=cell, seed=seed, starts=starts, max_nfev=max_evals, method=method, command=command,
                  log=log)
    if check is not None:
        try:
            ref = _json.loads(check.read_text())
        except FileNotFoundError:
            raise ParameterError("file not found", file=str(check)) from None
        except _json.JSONDecodeError as e:
            raise ParameterError(f"not valid JSON: {e}", file=str(check)) from None
        diffs = {}
        for n, c in res["cells"].items():
            refv = ref.get("cells", {}).get(n, {}).get("values", {})
            diffs[n] = compare_values(c["values"], refv)
        worst = max((v for d in diffs.values() for v in d.values()), default=float("nan"))
        res["check"] = {"against": str(check), "relative_difference": diffs, "max_relative_difference": worst,
                        "within_1_percent": bool(worst <= 0.01)}
    if out is not None:
        with atomic_write(out, "w") as fh:
            fh.write(_json.dumps(res, indent=2, sort_keys=False) + "\n")
    if json:
        emit_json(res)
        return
    for n, c in res["cells"].items():
        typer.echo(f"{n}: cost {c['cost']:.4g} after {c['nfev']} simulations ({c['optimizer_message']})")
        for k, v in c["values"].items():
            typer.echo(f"  {k} = {v:.6g}")
        for r in c["residuals"]:
            s = r["simulated"]
            typer.echo(f"  {r['id']:<28} paper {r['paper']:>8g}  twin {s:>9.4g}  "
                       f"residual {r['residual_in_tolerances'] if r['residual_in_tolerances'] is None else round(r['residual_in_tolerances'], 2)} tol"
                       f"{'' if r['fitted'] else '  (not fitted)'}")
    if "check" in res:
        typer.echo(f"max relative difference to {check}: {res['check']['max_relative_difference']:.3g}")


def reproduce_command(
    system: Annotated[str, typer.Argument(help="zhang2016 (document 000) or polyplus (document 001).")],
    plots: Annotated[Path | None, typer.Option("--plots", help="Write the simulated figures (PNG) into this directory.")] = None,
    json: Annotated[bool, typer.Option("--json", help="Machine-readable output on stdout.")] = False,
) -> None:
    """Run a documented cell's protocols and compare with the document's numbers."""
    from cellworks.clikit import emit_json
    from cellworks.errors import ParameterError
    from cellworks.lis import twin

    if system == "zhang2016":
        res = twin.reproduce_zhang2016(plots_dir=plots)
    elif system == "polyplus":
        res = twin.reproduce_polyplus(plots_dir=plots)
    else:
        raise ParameterError(f"unknown system '{system}' (zhang2016, polyplus)", field="system", token=system)
    if json:
        emit_json(res)
        return
    _print_rows(res)


def _print_rows(res: dict[str, Any]) -> None:
    for r in res.get("rows", []):
        sim = r["simulated"]
        s = "n/a" if sim is None else f"{sim:.4g}"
        typer.echo(f"{'ok ' if r['ok'] else 'NO '} {r['quantity']:<62} paper {r['paper']:>8g}  twin {s:>8} "
                   f"{r['unit']:<6} ({r['tolerance_text']}){'  [fitted]' if r.get('fitted') else ''}")
    for k in ("summary", "figures"):
        if k in res:
            typer.echo(f"{k}: {res[k]}")
