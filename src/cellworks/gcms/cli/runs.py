"""``cellworks gcms info | peaks | identify``: read a run, find its peaks, identify its components."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    """Mount ``info``, ``peaks`` and ``identify`` on the ``cellworks gcms`` group."""
    app.command("info")(info)
    app.command("peaks")(peaks)
    app.command("identify")(identify)


def _parse_ladder(text: str | None) -> dict[int, float] | None:
    from cellworks.errors import ParameterError

    if not text:
        return None
    out: dict[int, float] = {}
    for item in filter(None, (t.strip() for t in text.split(","))):
        if ":" not in item:
            raise ParameterError("ladder items look like 'C:rt_min', e.g. '6:2.18,7:3.06'", token=item)
        c, t = item.split(":", 1)
        try:
            out[int(c.strip().lstrip("Cc"))] = 60.0 * float(t)
        except ValueError:
            raise ParameterError("ladder item is not 'carbon number:minutes'", token=item) from None
    return out


def _peak_dict(p: object) -> dict[str, object]:
    from dataclasses import asdict

    d = asdict(p)  # type: ignore[call-overload]
    d["apex_time_min"] = d["apex_time_s"] / 60.0
    return d


def info(run_file: Annotated[Path, typer.Argument(help="Run file (.cdf ANDI/AIA, .jdx JCAMP-DX, .csv, .mzML).")],
         as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Summarise a run: scans, time span, m/z range, metadata."""
    from cellworks.clikit import emit_json
    from cellworks.gcms.readers import read_run
    from cellworks.gcms.text import clean

    run = read_run(run_file)
    out = {"file": str(run_file), "n_scans": run.n_scans, "n_centroids": int(run.mz.size),
           "t_start_min": float(run.scan_times_min[0]) if run.n_scans else None,
           "t_end_min": float(run.scan_times_min[-1]) if run.n_scans else None,
           "mz_min": float(run.mz.min()) if run.mz.size else None, "mz_max": float(run.mz.max()) if run.mz.size else None,
           "is_sim": run.is_sim, "ionization": run.ionization, "data_type": run.data_type,
           "metadata": dict(run.metadata)}
    if as_json:
        emit_json(out)
    else:
        for k, v in out.items():
            if k != "metadata":
                typer.echo(clean(f"{k}: {v}"))


def peaks(
    run_file: Annotated[Path, typer.Argument(help="Run file (.cdf, .jdx, .csv, .mzML).")],
    ion: Annotated[list[float] | None, typer.Option("--ion", help="Extracted-ion trace m/z (repeatable); default TIC.")] = None,
    tol: Annotated[float, typer.Option(help="EIC half-width in m/z (0.5 = unit mass).")] = 0.5,
    snr: Annotated[float, typer.Option(help="Minimum signal-to-noise.")] = 10.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    plot: Annotated[Path | None, typer.Option(help="Write the TIC (or EIC overlay) with peaks (PNG).")] = None,
) -> None:
    """Detect and integrate peaks in the TIC, extracted-ion traces or SIM channels."""
    from cellworks.clikit import emit_json
    from cellworks.errors import ParameterError
    from cellworks.gcms.peaks import PeakParams, find_peaks_run
    from cellworks.gcms.readers import read_run

    if tol <= 0:
        raise ParameterError("must be > 0", field="--tol")
    _refuse_inputs({"--plot": plot}, [run_file])
    run = read_run(run_file)
    res = find_peaks_run(run, list(ion) if ion else None, PeakParams(snr_min=snr), tol)
    if plot is not None:
        from cellworks.gcms.plots import eic_figure, save, tic_figure

        if ion:
            fig = eic_figure(run, list(ion), tol)
        else:
            pk = next(iter(res.values()), [])
            big = sorted(pk, key=lambda p: -p.height)[:25]
            fig = tic_figure(run, [(p.apex_time_s, f"{p.apex_time_min:.2f}") for p in big])
        save(fig, str(plot))
    if as_json:
        emit_json({"file": str(run_file), "traces": {k: [_peak_dict(p) for p in v] for k, v in res.items()}})
    else:
        for k, v in res.items():
            typer.echo(f"{k}: {len(v)} peaks")
            for p in v:
                typer.echo(f"  {p.apex_time_min:8.3f} min  area {p.area:12.4g}  height {p.height:11.4g}  S/N {p.snr:8.1f}")


def _parse_range(text: str | None) -> tuple[float, float] | None:
    """``"a:b"`` minutes → (a, b); None for the whole run."""
    from cellworks.errors import ParameterError

    if not text:
        return None
    a, sep, b = text.partition(":")
    try:
        lo, hi = float(a), float(b)
    except ValueError:
        raise ParameterError("expected 'start:end' in minutes, e.g. '2:8'", field="--range", token=text) from None
    if not sep or not (lo < hi):
        raise ParameterError("expected 'start:end' in minutes with start < end", field="--range", token=text)
    return lo, hi


def _refuse_inputs(outputs: dict[str, Path | None], inputs: list[Path]) -> None:
    """An output path that is an input file is refused (the input would be replaced)."""
    from cellworks.errors import ParameterError

    for opt, out in outputs.items():
        if out is None:
            continue
        for src in inputs:
            if src.exists() and (out.resolve() == src.resolve() or (out.exists() and out.samefile(src))):
                raise ParameterError(f"refusing to write over the input file {src}", field=opt)


def identify(
    run_file: Annotated[Path, typer.Argument(help="Run file (.cdf, .jdx, .csv, .mzML).")],
    library: Annotated[list[Path] | None, typer.Option(
        "--library", help="MSP library (NIST, MassBank, ...; repeatable). Replaces the built-in library "
                          "unless --extend; its licence is the user's (stated ones are reported).")] = None,
    extend: Annotated[bool, typer.Option("--extend", help="Search the built-in library too.")] = False,
    min_mf: Annotated[int, typer.Option(help="Lowest identity MF of an acceptable candidate.")] = 600,
    min_rmf: Annotated[int, typer.Option(help="Lowest reverse MF of an acceptable candidate.")] = 800,
    ri_window: Annotated[float, typer.Option(
        help="Retention-index window (index units) around a library RI; derived RIs add their uncertainty.")] = 20.0,
    allow_repeats: Annotated[bool, typer.Option(
        "--allow-repeats", help="Let a compound be identified at several retention times.")] = False,
    exclude_estimates: Annotated[bool, typer.Option(
        "--exclude-estimates", help="Search measured records only (drop ESTIMATE/COMPUTED records).")] = False,
    top: Annotated[int, typer.Option(help="Candidates per component.")] = 10,
    ladder: Annotated[str | None, typer.Option(
        help="n-alkane ladder 'C:rt_min,...' (default: n-alkanes found in the run).")] = None,
    centroid: Annotated[bool, typer.Option("--centroid", help="Centroid profile spectra before the search.")] = False,
    all_components: Annotated[bool, typer.Option("--all", help="Also list the unknown components.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    plot: Annotated[Path | None, typer.Option(help="TIC of the whole run, identified peaks numbered (PNG).")] = None,
    plot_range: Annotated[str | None, typer.Option("--range", help="Zoom the plot: 'start:end' minutes.")] = None,
    mirror: Annotated[Path | None, typer.Option(
        help="Mirror plot of the largest identified, unsaturated component (PNG).")] = None,
) -> None:
    """Identify a run's components: one library compound per component and per run, NIST identity
    and reverse match factors, retention indices; components without an acceptable hit are 'unknown'.

    Example: cellworks gcms identify tests/data/gcms/agilent-gcms-gasoline.cdf --plot tic.png
    """
    from cellworks.clikit import emit_json
    from cellworks.errors import ParameterError
    from cellworks.gcms.identification import IdentifyParams, identify_run
    from cellworks.gcms.library import load_library
    from cellworks.gcms.readers import read_run
    from cellworks.gcms.run import centroid_run, ei_search_warnings
    from cellworks.gcms.text import clean

    _refuse_inputs({"--plot": plot, "--mirror": mirror}, [run_file, *(library or [])])
    zoom = _parse_range(plot_range)
    run = read_run(run_file)
    if not run.has_spectra:
        raise ParameterError("the run holds no mass spectra (chromatogram-only file)", field=str(run_file))
    warnings = ei_search_warnings(run)
    if centroid and run.data_type == "profile":
        run = centroid_run(run)
        warnings = [w for w in warnings if "profile" not in w]
    if warnings:
        typer.echo(clean(f"warning: {run_file}: " + "; ".join(warnings)), err=True)
    lib = load_library(library, extend=extend) if library else load_library(None)
    params = IdentifyParams(min_mf=min_mf, min_rmf=min_rmf, ri_window=ri_window, top_k=max(1, top),
                            allow_repeats=allow_repeats, exclude_estimates=exclude_estimates)
    rep = identify_run(run, lib, params, ladder_s=_parse_ladder(ladder))
    rep["warnings"] = warnings
    comps = rep["components"]
    ident = [c for c in comps if c["identified"]]
    shown = comps if all_components else ident
    if plot is not None or mirror is not None:
        from cellworks.gcms.plots import mirror_figure, save, tic_figure

        if plot is not None:
            save(tic_figure(run, _plot_labels(ident), t_range_min=zoom), str(plot))
        if mirror is not None and ident:
            # the largest identified peak that is not saturated (a clipped peak's ion ratios are distorted)
            c = max(ident, key=lambda c: (not c["saturated"], float(c["area"])))
            spec = lib[int(c["best"]["library_index"])] if not exclude_estimates else lib.find(c["best"]["name"])
            save(mirror_figure(c["spectrum"]["mz"], c["spectrum"]["intensity"], spec.mz, spec.intensity,
                               f'unknown {c["rt_min"]:.2f} min', clean(spec.name),
                               f'{clean(spec.name)}: MF {c["best"]["mf"]}, RMF {c["best"]["rmf"]}'), str(mirror))
    if as_json:
        out = dict(rep)
        out["components"] = shown
        emit_json(out)
        return
    s = rep["summary"]
    typer.echo(f"{s['identified']} identified, {s['unknown']} unknown of {s['components']} components "
               f"(library {clean(rep['library'])}, {rep['library_size']} spectra; ladder: {rep['ladder_origin']})")
    for c in shown:
        b = c["best"] or {}
        ri = f"{c['ri']:6.0f}" if c.get("ri") is not None else "     -"
        name = clean(c["name"]) + (" (or " + ", ".join(clean(a) for a in c["alternatives"]) + ")" if c.get("alternatives") else "")
        typer.echo(f"  {c['rt_min']:7.3f} min RI {ri}  {name:40s} MF {b.get('mf', 0):3d} RMF {b.get('rmf', 0):3d}  "
                   f"{c['confidence'] or '':9s} [{b.get('source_kind', '')}]" + ("  saturated" if c["saturated"] else ""))


def _plot_labels(ident: list[dict[str, object]]) -> list[tuple[float, str]]:
    """(rt_s, name) of every identified component, in elution order."""
    from cellworks.gcms.text import clean

    rows = sorted(ident, key=lambda c: float(c["rt_s"]))  # type: ignore[arg-type]
    return [(float(c["rt_s"]), clean(str(c["name"]))) for c in rows]  # type: ignore[arg-type]
