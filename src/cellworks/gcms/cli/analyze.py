"""``cellworks gcms synth | analyze``: synthesised runs, and the impurity analysis of document 002."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cellworks.clikit import OUTPUT_DIR


def register(app: typer.Typer) -> None:
    """Mount ``synth`` and ``analyze`` on the ``cellworks gcms`` group."""
    app.command("synth")(synth)
    app.command("analyze")(analyze)


def synth(
    out: Annotated[Path, typer.Option(help="Output file. One run (one --column, one --mode, one replicate) is written "
                                           "to exactly this path; several runs are written beside it as "
                                           "<stem>-<column>-<mode>[-r<k>].cdf (runs/x.cdf -> runs/x-plot-scan.cdf, "
                                           "runs/x-plot-sim.cdf, runs/x-ptmsp-scan.cdf, runs/x-ptmsp-sim.cdf); for "
                                           "--sample calibration: the JSON manifest, runs beside it as "
                                           "<stem>-L<level>-<column>-<mode>.cdf. The files written are printed.")],
    sample: Annotated[str, typer.Option(help="initial | rectified | concentrate | calibration")] = "initial",
    seed: Annotated[int, typer.Option(help="Random seed of the noise.")] = 0,
    column: Annotated[str, typer.Option(help="plot | ptmsp | both")] = "both",
    mode: Annotated[str, typer.Option(help="scan | sim | both")] = "both",
    pressure_factor: Annotated[float, typer.Option(help="Inlet pressure relative to the standards' (2 = '2p').")] = 1.0,
    constant_error: Annotated[float, typer.Option(
        help="Inject a constant error: a fixed amount of every impurity, this fraction of its amount at p, "
             "added independently of the inlet pressure.")] = 0.0,
    replicates: Annotated[int, typer.Option(help="Independent injections of the sample.")] = 1,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON (files written).")] = False,
) -> None:
    """Synthesise ANDI runs of document 002's ⁷⁴GeH₄ samples (or the calibration mixtures)."""
    from cellworks.clikit import emit_json
    from cellworks.errors import ParameterError
    from cellworks.gcms.synth import synthesize_calibration, synthesize_sample

    cols = ("plot", "ptmsp") if column == "both" else (column,)
    modes = ("scan", "sim") if mode == "both" else (mode,)
    for c in cols:
        if c not in ("plot", "ptmsp"):
            raise ParameterError("column must be plot, ptmsp or both", field="column", token=column)
    for m in modes:
        if m not in ("scan", "sim"):
            raise ParameterError("mode must be scan, sim or both", field="mode", token=mode)
    if replicates < 1:
        raise ParameterError("replicates must be >= 1", field="replicates")
    if sample == "calibration":
        manifest = synthesize_calibration(out, seed=seed)
        files = [str(manifest)]
    else:
        files = [str(p) for p in synthesize_sample(sample, out, seed=seed, columns=cols, modes=modes,
                                                   pressure_factor=pressure_factor, constant_error=constant_error,
                                                   replicates=replicates)]
    if as_json:
        emit_json({"sample": sample, "seed": seed, "files": files})
    else:
        for f in files:
            typer.echo(f)


def analyze(
    runs: Annotated[list[Path], typer.Argument(
        help="Sample runs (.cdf ANDI; scan and SIM, both columns); or folders of runs: a batch, one task "
             "per folder (a folder without runs of its own stands for its sub-folders that have some).")],
    calibration: Annotated[Path, typer.Option(help="Calibration manifest (JSON, from 'synth --sample calibration').")],
    report: Annotated[Path | None, typer.Option(help="Also write an HTML report here.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    scheduler: Annotated[str, typer.Option(
        help="Folders: local (a Dask cluster sized to the machine) | processes | sync | tcp://host:8786.")] = "local",
    out: Annotated[Path | None, typer.Option(
        "--out", help="Folders: output dataset folder (default: <first folder>-gcms beside it)."), OUTPUT_DIR] = None,
) -> None:
    """Peaks → identification (library + isotope clusters) → quantification → detection limits → Table 1."""
    from cellworks.clikit import emit_json
    from cellworks.gcms.pipeline import analyze as run_analysis
    from cellworks.gcms.quant import CS2_RATIO_DOCUMENT

    if any(p.is_dir() for p in runs):
        _analyze_batch(runs, calibration, report, scheduler, out, as_json)
        return
    res = run_analysis(runs, calibration).as_dict()
    if report is not None:
        from cellworks.gcms.report import analysis_section
        from cellworks.gcms.table1 import compare_with_table1
        from cellworks.report import write_report

        write_report(report, "cellworks gcms analyze", [analysis_section(compare_with_table1(res), runs)])
        res["report"] = str(report)
    if as_json:
        emit_json(res)
        return
    samples = res["samples"]
    typer.echo("impurity            m/z  " + "  ".join(f"{s:>22s}" for s in samples))
    for row in res["rows"]:
        cells = [row["results"].get(s, {}).get("cell", "") for s in samples]
        typer.echo(f"{row['key']:18s} {row['quant_mz']:4d}  " + "  ".join(f"{c:>22s}" for c in cells))
    for r in res["isotope_ratios"]:
        typer.echo(f"CS2 ({r['sample']}): 12C32S34S : 12C32S2 = {r['ratio_12C32S34S_to_12C32S2']:.2f} "
                   f"± {r['sd']:.2f} (document {CS2_RATIO_DOCUMENT:g})")
    if res.get("cs2_ratio"):
        c = res["cs2_ratio"]
        typer.echo(f"CS2 pooled: {c['ratio_12C32S34S_to_12C32S2']:.2f} ± {c['sd']:.2f} (document {CS2_RATIO_DOCUMENT:g})")
    for tr in res["trueness"]:
        typer.echo(f"trueness {tr['sample']} {tr['compound']}: t = {tr['t_stat']:.2f}, p = {tr['t_p_value']:.3f}, "
                   f"Holm-adjusted {tr['t_p_value_holm']:.3f} "
                   f"({'significant' if tr['t_significant'] else 'not significant'} at 95 % family-wise)")
    for n in res["notes"]:
        typer.echo(f"note: {n}")


def _analyze_batch(paths: list[Path], calibration: Path, report: Path | None, scheduler: str,
                   out: Path | None, as_json: bool) -> None:
    """``gcms analyze DIR...`` on Dask: one :func:`cellworks.gcms.tasks.gcms_analyze_folder` task
    per folder; the calibration folder's content hash is part of the code version, so a new
    calibration recomputes every folder while an unchanged folder is skipped on a rerun."""
    import functools

    from cellworks.batch import finish_cli, folder_sha256, run_batch
    from cellworks.errors import InputError
    from cellworks.gcms.tasks import gcms_analyze_folder, run_folders

    if report is not None:
        raise InputError("--report applies to run files, not a batch of folders", field="report")
    if not calibration.is_file():
        raise InputError("calibration manifest not found", file=calibration)
    if out is None:
        first = paths[0].resolve()
        out = first.parent / f"{first.name}-gcms"
    folders = run_folders(paths, exclude=(calibration.parent, out))
    task = functools.partial(gcms_analyze_folder, calibration=calibration.resolve())
    rep = run_batch(task, folders, out, scheduler=scheduler,
                    options={"calibration": folder_sha256(calibration.parent)})
    raise typer.Exit(finish_cli(rep, json_out=as_json))
