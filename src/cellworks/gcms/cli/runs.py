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

    run = read_run(run_file)
    out = {"file": str(run_file), "n_scans": run.n_scans, "n_centroids": int(run.mz.size),
           "t_start_min": float(run.scan_times_min[0]) if run.n_scans else None,
           "t_end_min": float(run.scan_times_min[-1]) if run.n_scans else None,
           "mz_min": float(run.mz.min()) if run.mz.size else None, "mz_max": float(run.mz.max()) if run.mz.size else None,
           "is_sim": run.is_sim, "metadata": dict(run.metadata)}
    if as_json:
        emit_json(out)
    else:
        for k, v in out.items():
            if k != "metadata":
                typer.echo(f"{k}: {v}")


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


def identify(
    run_file: Annotated[Path, typer.Argument(help="Run file (.cdf, .jdx, .csv, .mzML).")],
    library: Annotated[Path | None, typer.Option(help="MSP library (default: the built-in library).")] = None,
    min_mf: Annotated[int, typer.Option(help="Report components whose best identity MF is at least this.")] = 700,
    top: Annotated[int, typer.Option(help="Hits per component.")] = 5,
    ladder: Annotated[str | None, typer.Option(help="n-alkane ladder 'C:rt_min,...' for retention indices.")] = None,
    all_components: Annotated[bool, typer.Option("--all", help="Also list components below --min-mf.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    plot: Annotated[Path | None, typer.Option(help="TIC with identified peaks labelled (PNG).")] = None,
    mirror: Annotated[Path | None, typer.Option(help="Mirror plot of the largest identified component (PNG).")] = None,
) -> None:
    """Deconvolve a run and identify its components by NIST identity match factor."""
    from cellworks.clikit import emit_json
    from cellworks.errors import ParameterError
    from cellworks.gcms.library import load_library
    from cellworks.gcms.readers import read_run
    from cellworks.gcms.search import identify_run

    if not 0 <= min_mf <= 999:
        raise ParameterError("must be within 0..999", field="--min-mf")
    run = read_run(run_file)
    if not run.has_spectra:
        raise ParameterError("the run holds no mass spectra (chromatogram-only file)", field=str(run_file))
    lib = load_library(library)
    rep = identify_run(run, lib, min_mf=min_mf, top_k=max(1, top), ladder_s=_parse_ladder(ladder))
    comps = rep["components"]
    shown = comps if all_components else [c for c in comps if c["identified"]]
    if plot is not None or mirror is not None:
        from cellworks.gcms.plots import mirror_figure, save, tic_figure

        ident = [c for c in comps if c["identified"]]
        if plot is not None:
            big = sorted(ident, key=lambda c: -float(c["area"]))[:18]
            save(tic_figure(run, [(float(c["rt_s"]), f'{c["best"]["name"]} ({c["best"]["mf"]})') for c in big]), str(plot))
        if mirror is not None and ident:
            c = max(ident, key=lambda c: float(c["area"]))
            spec = lib[int(c["best"]["library_index"])]
            save(mirror_figure(c["spectrum"]["mz"], c["spectrum"]["intensity"], spec.mz, spec.intensity,
                               f'unknown {c["rt_min"]:.2f} min', spec.name,
                               f'{spec.name}: MF {c["best"]["mf"]}, RMF {c["best"]["rmf"]}'), str(mirror))
    if as_json:
        out = dict(rep)
        out["components"] = shown
        emit_json(out)
    else:
        typer.echo(f"{len(shown)} components (library {rep['library']}, {rep['library_size']} spectra)")
        for c in shown:
            b = c["best"] or {}
            ri = f"{c['ri']:6.0f}" if c.get("ri") is not None else "     -"
            typer.echo(f"  {c['rt_min']:7.3f} min RI {ri}  {b.get('name', '-'):34s} MF {b.get('mf', 0):3d} "
                       f"RMF {b.get('rmf', 0):3d}  area {c['area']:10.4g}  [{b.get('source_kind', '')}]")
