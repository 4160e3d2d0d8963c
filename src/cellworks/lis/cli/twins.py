"""``cellworks lis fit`` and ``cellworks lis reproduce zhang2016|polyplus`` (twins of documents 000/001).

Mounted on ``cellworks lis`` by :func:`register`. Heavy imports stay inside the command functions.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer


def register(app: typer.Typer) -> None:
    """Mount ``fit`` and ``reproduce`` on the ``cellworks lis`` group."""
    app.command("fit")(fit_command)
    app.command("reproduce")(reproduce_command)


def fit_command(
    targets: Annotated[Path | None, typer.Option("--targets", help="Targets file (TOML); default: the packaged zhang2016_targets.toml.")] = None,
    cell: Annotated[list[str] | None, typer.Option("--cell", help="Fit only this cell of the targets file (repeatable).")] = None,
    seed: Annotated[int, typer.Option(help="Seed of the random extra starts (reproducible).")] = 0,
    starts: Annotated[int, typer.Option(help="Random starts in addition to the file's start values.")] = 0,
    max_evals: Annotated[int, typer.Option("--max-evals", help="Objective evaluations per start (each simulates every cell).")] = 300,
    checkpoint: Annotated[Path | None, typer.Option("--checkpoint", help="Append every cell simulation here (JSON lines); with --resume, continue from it.")] = None,
    resume: Annotated[bool, typer.Option("--resume", help="Replay the calibration from --checkpoint's cached simulations and continue.")] = False,
    out: Annotated[Path | None, typer.Option("--out", help="Write the calibration result (JSON) here.")] = None,
    check: Annotated[Path | None, typer.Option("--check", help="Compare the fitted values with this committed file (relative differences).")] = None,
    json: Annotated[bool, typer.Option("--json", help="Machine-readable output on stdout.")] = False,
) -> None:
    """Calibrate the document twins on the targets file's *fitted* numbers (held-out ones are never read).

    Takes about 40 s per evaluation on two cores (two cells × four protocols); checkpoint long runs.

    Examples:

      cellworks lis fit --max-evals 2 --checkpoint fit.jsonl --out fitted.json

      cellworks lis fit --max-evals 300 --checkpoint fit.jsonl --resume --out fitted.json
    """
    import json as _json
    import sys

    from cellworks._io import atomic_write
    from cellworks.clikit import emit_json, progress
    from cellworks.errors import ParameterError
    from cellworks.lis.fit import compare_values, run_fit
    from cellworks.lis.readers.targets import TARGETS_FILE, data_path

    if max_evals < 1:
        raise ParameterError("must be ≥ 1", field="--max-evals")
    if starts < 0:
        raise ParameterError("must be ≥ 0", field="--starts")
    if resume and checkpoint is None:
        raise ParameterError("--resume needs --checkpoint FILE", field="--resume")
    tpath = targets or data_path(TARGETS_FILE)
    parts = ["cellworks lis fit", f"--targets {targets}" if targets else "", *(f"--cell {c}" for c in cell or []),
             f"--seed {seed}", f"--starts {starts}", f"--max-evals {max_evals}"]
    command = " ".join(p for p in parts if p)

    def log(msg: str) -> None:
        if not sys.stderr.isatty():
            print(msg, file=sys.stderr, flush=True)

    with progress("calibrating (evaluations)", total=max_evals * (starts + 1), enabled=sys.stderr.isatty()) as advance:
        def on_eval(n: int, best: float) -> None:
            advance(1, description=f"calibrating, best cost {best:.4g}")

        res = run_fit(tpath, cells=cell, seed=seed, starts=starts, max_nfev=max_evals, command=command,
                      checkpoint=checkpoint, resume=resume, progress=on_eval, log=log)
    if check is not None:
        try:
            ref = _json.loads(check.read_text())
        except FileNotFoundError:
            raise ParameterError("file not found", file=str(check)) from None
        except _json.JSONDecodeError as e:
            raise ParameterError(f"not valid JSON: {e}", file=str(check)) from None
        diffs = {"shared": compare_values(res["shared"]["values"], ref.get("shared", {}).get("values", {}))}
        for n, c in res["cells"].items():
            diffs[n] = compare_values(c["values"], ref.get("cells", {}).get(n, {}).get("values", {}))
        worst = max((v for d in diffs.values() for v in d.values()), default=float("nan"))
        res["check"] = {"against": str(check), "relative_difference": diffs, "max_relative_difference": worst,
                        "within_1_percent": bool(worst <= 0.01)}
    if out is not None:
        with atomic_write(out, "w") as fh:
            fh.write(_json.dumps(res, indent=2) + "\n")
    if json:
        emit_json(res)
        return
    typer.echo(f"cost {res['cost']:.4g} after {res['nfev']} evaluations ({res['optimizer_message']})")
    for k, v in res["shared"]["values"].items():
        typer.echo(f"  shared {k} = {v:.6g}")
    for n, c in res["cells"].items():
        typer.echo(n)
        for k, v in c["values"].items():
            typer.echo(f"  {k} = {v:.6g}")
        for r in c["residuals"]:
            s = r["simulated"]
            typer.echo(f"  {r['id']:<28} paper {r['paper']:>8g}  twin {s:>9.4g}  ({r['role']})")
    if "check" in res:
        typer.echo(f"max relative difference to {check}: {res['check']['max_relative_difference']:.3g}")


def reproduce_command(
    system: Annotated[str, typer.Argument(help="zhang2016 (document 000) or polyplus (document 001).")],
    plots: Annotated[Path | None, typer.Option("--plots", help="Write the twin's figures (PNG) into this directory.")] = None,
    targets: Annotated[Path | None, typer.Option(
        "--targets", help="zhang2016: targets file (TOML); default: the packaged zhang2016_targets.toml.")] = None,
    fitted: Annotated[Path | None, typer.Option(
        "--fitted", help="zhang2016: calibration (JSON from `cellworks lis fit`); default: the packaged one.")] = None,
    json: Annotated[bool, typer.Option("--json", help="Machine-readable output on stdout.")] = False,
) -> None:
    """Run a documented cell's protocols and compare with the document's numbers (role of every row).

    zhang2016 takes about a minute (two cells, 385 cycles each); polyplus a few seconds.

    Examples:

      cellworks lis reproduce polyplus --json

      cellworks lis reproduce zhang2016 --plots figs/

      cellworks lis reproduce zhang2016 --targets my_targets.toml --fitted my_fit.json --json
    """
    from cellworks.clikit import emit_json
    from cellworks.errors import ParameterError
    from cellworks.lis.twins.reproduce import reproduce_polyplus, reproduce_zhang2016

    if system == "zhang2016":
        res = reproduce_zhang2016(plots_dir=plots, targets=targets, fitted=fitted)
    elif system == "polyplus":
        if targets is not None or fitted is not None:
            raise ParameterError("--targets and --fitted apply to zhang2016 only", field="--targets")
        res = reproduce_polyplus(plots_dir=plots)
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
                   f"{r['unit']:<6} ({r['tolerance_text']}) [{r['role']}]")
    for k in ("figures",):
        if k in res:
            typer.echo(f"{k}: {res[k]}")
