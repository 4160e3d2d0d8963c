"""``cellworks gcms isotopes | isobars | synth | analyze`` (GC–MS part 2, document 002).

Registered on part 1's ``cellworks gcms`` app by :func:`register`. Heavy imports stay inside the
command functions.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer


def register(app: typer.Typer) -> None:
    """Add the part-2 commands to the ``cellworks gcms`` typer app."""
    app.command("isotopes")(isotopes)
    app.command("isobars")(isobars)
    app.command("synth")(synth)
    app.command("analyze")(analyze)


def isotopes(
    formula: Annotated[str, typer.Argument(help="Formula, e.g. GeH4, C3H7Cl, [74Ge]H4, C[32S][34S].")],
    abundance: Annotated[str | None, typer.Option(
        help="Element compositions, e.g. 'Ge:70=0.000001,72=0.00001,73=0.000605,74=0.999355,76=0.000029' "
             "(several elements separated by ';').")] = None,
    resolving_power: Annotated[float | None, typer.Option(
        "--resolving-power", "-R", help="Also give the peaks seen at this resolving power m/Δm (FWHM).")] = None,
    charge: Annotated[int, typer.Option(help="Ion charge (0 = neutral masses).")] = 1,
    fragments: Annotated[bool, typer.Option(help="Also the H-loss fragment ions (GeH3+, GeH2+, GeH+, Ge+).")] = True,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Isotope pattern of a molecular ion (and its H-loss fragments), natural or enriched."""
    from cellworks.clikit import emit_json
    from cellworks.gcms.isotopes import (
        at_resolving_power,
        hydrogen_loss_series,
        isotope_pattern,
        parse_abundance,
    )

    ab = parse_abundance(abundance) if abundance else None
    pat = isotope_pattern(formula, ab, charge=charge)
    unit = pat.unit_mass()
    top = max(unit, key=lambda m: unit[m])
    out: dict[str, Any] = {
        "formula": pat.formula,
        "charge": charge,
        "abundances": ab,
        "molecular_cluster": [{"mz": m, "fraction": p} for m, p in unit.items()],
        "most_abundant_mz": top,
        "most_abundant_fraction": unit[top],
        "fine_structure": [{"mz": m, "probability": p, "isotopologue": lab}
                           for m, p, lab in zip(pat.mz, pat.probability, pat.labels, strict=True) if p >= 1e-6],
        "source": "IsoSpecPy (Łącki, Startek et al.); IUPAC isotope masses and abundances",
    }
    if resolving_power:
        out["resolving_power"] = resolving_power
        out["at_resolving_power"] = [{"mz": m, "fraction": p} for m, p in at_resolving_power(pat, resolving_power)
                                     if p >= 1e-6]
    if fragments:
        frs = []
        for fr in hydrogen_loss_series(formula)[1:]:
            fp = isotope_pattern(fr, ab, charge=charge).unit_mass()
            frs.append({"ion": f"{fr}+", "cluster": [{"mz": m, "fraction": p} for m, p in fp.items() if p >= 1e-6]})
        out["fragments"] = frs
    if as_json:
        emit_json(out)
        return
    typer.echo(f"{pat.formula} (z = {charge}): most abundant m/z {top} at {100 * unit[top]:.4f} % of the cluster")
    for m, p in unit.items():
        if p >= 1e-6:
            typer.echo(f"  m/z {m:4d}  {100 * p:10.6f} %")
    if resolving_power:
        typer.echo(f"  at R = {resolving_power:g}:")
        for pk in out["at_resolving_power"]:
            if pk["fraction"] >= 1e-4:
                typer.echo(f"    m/z {pk['mz']:.4f}  {100 * pk['fraction']:.4f} %")
    for fr in out.get("fragments", []):
        parts = ", ".join(f"{c['mz']}: {100 * c['fraction']:.3g} %" for c in fr["cluster"] if c["fraction"] >= 1e-3)
        typer.echo(f"  {fr['ion']:8s} {parts}")


def isobars(
    mz: Annotated[int, typer.Argument(help="Nominal m/z.")],
    matrix: Annotated[str, typer.Option(help="Matrix formula, e.g. '[74Ge]H4'.")] = "[74Ge]H4",
    candidates: Annotated[str | None, typer.Option(
        help="Candidate molecules 'name=formula,...' (default: document 002's impurities and related hydrides).")] = None,
    min_fraction: Annotated[float, typer.Option(help="Smallest natural share of an isotopologue to list.")] = 1e-5,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Isobaric ions of a matrix ion: exact masses, Δm and the resolving power m/Δm needed."""
    from cellworks.clikit import emit_json
    from cellworks.gcms.isobars import DEFAULT_CANDIDATES, as_dict, candidates_from_text, find_isobars

    cands = candidates_from_text(candidates) if candidates else DEFAULT_CANDIDATES
    rep = find_isobars(mz, matrix, cands, min_fraction=min_fraction)
    if as_json:
        emit_json(as_dict(rep))
        return
    typer.echo(f"matrix {rep.matrix_isotopologue}+  m/z {rep.matrix_mz:.5f}")
    for r in rep.isobars:
        typer.echo(f"  {r.isotopologue:14s} {r.name:18s} m/z {r.mz:.5f}  Δm {r.delta_mz:+.5f} Da  "
                   f"R = {r.resolving_power_needed:7.0f}  (natural share {r.natural_fraction:.2g})")


def synth(
    out: Annotated[Path, typer.Option(help="Output: run files are <stem>-<column>-<mode>[-r<k>].cdf beside it; "
                                           "for --sample calibration, the JSON manifest.")],
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
        "--out", help="Folders: output dataset folder (default: <first folder>-gcms beside it).")] = None,
) -> None:
    """Peaks → identification (library + isotope clusters) → quantification → detection limits → Table 1."""
    from cellworks.clikit import emit_json
    from cellworks.gcms.analyze import analyze as run_analysis

    if any(p.is_dir() for p in runs):
        _analyze_batch(runs, calibration, report, scheduler, out, as_json)
        return
    res = run_analysis(runs, calibration)
    if report is not None:
        from cellworks.gcms.demo_part2 import analysis_section
        from cellworks.report import write_report

        write_report(report, "cellworks gcms analyze", [analysis_section(res, runs)])
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
                   f"± {r['sd']:.2f} (document 5.9)")
    if res.get("cs2_ratio"):
        c = res["cs2_ratio"]
        typer.echo(f"CS2 pooled: {c['ratio_12C32S34S_to_12C32S2']:.2f} ± {c['sd']:.2f} (document 5.9)")
    for tr in res["trueness"]:
        typer.echo(f"trueness {tr['sample']} {tr['compound']}: t = {tr['t_stat']:.2f}, p = {tr['t_p_value']:.3f}, "
                   f"Holm-adjusted {tr['t_p_value_holm']:.3f} "
                   f"({'significant' if tr['t_significant'] else 'not significant'} at 95 % family-wise)")
    for n in res["notes"]:
        typer.echo(f"note: {n}")


def run_folders(paths: list[Path], *, exclude: tuple[Path, ...] = (), pattern: str = "*.cdf") -> list[Path]:
    """The folders of runs named by ``paths``: a folder holding runs (``pattern``) is one input; a
    folder without runs of its own stands for its direct sub-folders that hold runs. Folders in
    ``exclude`` (the calibration's, the output dataset) and hidden folders are never inputs."""
    from cellworks.errors import InputError

    skip = {e.resolve() for e in exclude}
    found: list[Path] = []
    for p in paths:
        if not p.is_dir():
            raise InputError("give either run files or folders of runs, not both", file=p)
        if any(p.glob(pattern)):
            candidates = [p]
        else:
            candidates = sorted(d for d in p.iterdir() if d.is_dir() and not d.name.startswith(".")
                                and any(d.glob(pattern)))
        for d in candidates:
            if d.resolve() not in skip and d not in found:
                found.append(d)
    if not found:
        raise InputError(f"no folder with run files ({pattern})", file=paths[0])
    return found


def _analyze_batch(paths: list[Path], calibration: Path, report: Path | None, scheduler: str,
                   out: Path | None, as_json: bool) -> None:
    """``gcms analyze DIR...`` on Dask: one :func:`cellworks.batch_tasks.gcms_analyze_folder` task
    per folder; the calibration folder's content hash is part of the code version, so a new
    calibration recomputes every folder while an unchanged folder is skipped on a rerun."""
    import functools

    from cellworks.batch import finish_cli, folder_sha256, run_batch
    from cellworks.batch_tasks import gcms_analyze_folder
    from cellworks.errors import InputError

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
