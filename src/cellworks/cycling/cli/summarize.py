"""``cellworks cycling summarize``: per-cycle summary of one file, or a batch over folders."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from cellworks.cycling.cli.common import (
    ElectrodeOpt,
    FormatOpt,
    MapOpt,
    MassOpt,
    PairingOpt,
    StrictOpt,
    TruncOpt,
    load,
    not_input,
    warn_line,
)

_SHOWN = (
    "cycle",
    "complete",
    "charge_capacity_mAh",
    "discharge_capacity_mAh",
    "discharge_capacity_mAh_per_g",
    "discharge_capacity_mAh_per_cm2",
    "coulombic_efficiency",
    "energy_efficiency",
    "mean_discharge_voltage_V",
    "retention",
)


def register(app: typer.Typer) -> None:
    """Mount ``summarize`` on the ``cellworks cycling`` group."""
    app.command("summarize")(summarize)


def summarize(
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="Cycler file (any supported format) or cellworks Parquet; or folders / several files: "
            "a batch into a Parquet dataset (--out).",
            show_default=False,
        ),
    ],
    active_mass_mg: MassOpt = None,
    area_cm2: Annotated[float | None, typer.Option("--area-cm2", help="Electrode area in cm² (capacities per cm²).")] = None,
    pairing: PairingOpt = "auto",
    reference_cycle: Annotated[int | None, typer.Option(help="Cycle that retention is measured against (default 1).")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the summary as JSON on stdout.")] = False,
    csv: Annotated[Path | None, typer.Option("--csv", help="Write the per-cycle table as CSV.")] = None,
    plot: Annotated[Path | None, typer.Option("--plot", help="Write capacity and CE vs cycle as PNG.")] = None,
    active_material: Annotated[
        str | None,
        typer.Option("--active-material", help="What the mass is of (e.g. S, graphite, Si, NMC, LFP): stated in the "
                     "output and used to check that the specific capacity is physically possible."),
    ] = None,
    electrode: ElectrodeOpt = None,
    fmt: FormatOpt = None,
    column_map: MapOpt = None,
    strict: StrictOpt = False,
    allow_truncated: TruncOpt = False,
    recursive: Annotated[bool, typer.Option("--recursive", help="Batch: descend into sub-folders.")] = False,
    scheduler: Annotated[
        str, typer.Option(help="Batch: local (a Dask cluster sized to the machine) | processes | sync | tcp://host:8786.")
    ] = "local",
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", help="Batch: output dataset folder (default: <first folder>-summaries beside it)."),
    ] = None,
) -> None:
    """Per-cycle summary: capacities, energies, efficiencies, voltages, retention, step times.

    One FILE: the summary on stdout (or --json / --csv / --plot). Folders or several files: every
    recognised cycler file is summarised on Dask into a Parquet dataset + manifest (--out); a file
    that fails is reported and the others go on; a rerun skips files already summarised. A live
    file (last record cut off) is read up to its last complete record with one warning; --strict
    makes it an error (exit 2). CE and retention are fractions; incomplete cycles say why.

    Example: cellworks cycling summarize tests/data/cycling/arbin_example.res --electrode cathode --json
    """
    from cellworks.clikit import emit_json
    from cellworks.cycling.summary import summarize as _summarize

    if len(paths) != 1 or paths[0].is_dir() or out_dir is not None:
        if csv is not None or plot is not None or active_material:
            raise typer.BadParameter("--csv, --plot and --active-material apply to a single file, not a batch")
        mass_g = active_mass_mg * 1e-3 if active_mass_mg is not None else None
        _summarize_batch(
            paths, out_dir, recursive=recursive, scheduler=scheduler, json_out=json_out, pairing=pairing,
            reference_cycle=reference_cycle, fmt=fmt, column_map=column_map, active_mass_g=mass_g,
            area_cm2=area_cm2, strict=strict, electrode=electrode,
        )
        return
    file = paths[0]
    if json_out and csv is not None:
        raise typer.BadParameter("choose one of --json and --csv")
    for out in (csv, plot):
        if out is not None:
            not_input(out, file)
    data = load(file, active_mass_mg, area_cm2, fmt=fmt, column_map=column_map, strict=strict)
    if active_material:
        data = data.with_meta(active_material=active_material)
    s = _summarize(data, pairing=pairing, reference_cycle=reference_cycle, electrode=electrode)
    for w in s.warnings:
        warn_line(f"{file.name}: {w}")
    if plot is not None:
        from cellworks.cycling.plots import plot_capacity, save_png

        save_png(plot_capacity(s), plot)
    if json_out:
        emit_json(s.to_dict())
        return
    if csv is not None:
        from cellworks._io import atomic_write

        with atomic_write(csv, "w") as fh:
            s.table.to_csv(fh, index=False)
        typer.echo(f"wrote {csv}: {len(s.table)} cycles; electrode: {s.electrode or 'not given'}; "
                   f"pairing: {s.pairing_reason}; {s.ce_definition}; CE and retention as fractions")
        return
    typer.echo(f"file: {file}")
    typer.echo(f"electrode: {s.electrode or 'not given (cathode/full-cell convention)'}")
    typer.echo(f"pairing: {s.pairing_reason}")
    typer.echo(f"{s.ce_definition}")
    if s.active_mass_g is not None:
        typer.echo(f"active mass: {s.active_mass_g * 1e3:g} mg{f' of {s.active_material}' if s.active_material else ''}"
                   f" (source: {s.active_mass_source})")
    for note in s.notes:
        typer.echo(f"note: {note}")
    cols = [c for c in _SHOWN if c in s.table.columns]
    shown = s.table[cols].copy()
    for c in ("coulombic_efficiency", "energy_efficiency", "retention"):
        if c in shown:  # a labelled display: percent
            shown[c] = 100 * shown[c]
    shown = shown.rename(columns={"coulombic_efficiency": "CE_%", "energy_efficiency": "EE_%", "retention": "retention_%"})
    typer.echo(shown.to_string(index=False, float_format=lambda x: f"{x:.4g}"))


def _summarize_batch(
    paths: list[Path],
    out_dir: Path | None,
    *,
    recursive: bool,
    scheduler: str,
    json_out: bool,
    pairing: str,
    reference_cycle: int | None,
    fmt: str | None,
    column_map: list[str] | None,
    active_mass_g: float | None,
    area_cm2: float | None,
    strict: bool,
    electrode: str | None,
) -> None:
    import functools
    import sys

    from cellworks.batch import finish_cli, run_batch
    from cellworks.cycling.tasks import cycler_files, default_out_dir, summarize_cycling_file
    from cellworks.errors import InputError

    if active_mass_g is not None and not active_mass_g > 0:
        raise InputError("--active-mass-mg must be positive", field="active_mass_mg")
    if area_cm2 is not None and not area_cm2 > 0:
        raise InputError("--area-cm2 must be positive", field="area_cm2")
    for p in paths:
        if not p.exists():
            raise InputError("no such file or folder", file=p)
    out = out_dir if out_dir is not None else default_out_dir(paths, "summaries")
    files, skipped = cycler_files(paths, recursive=recursive, exclude=out, fmt=fmt)
    if skipped:
        sys.stderr.write(f"skipped {len(skipped)} file(s) that are not cycler files (e.g. {skipped[0]})\n")
    if not files:
        raise InputError("no cycler files found" + ("" if recursive else " (sub-folders need --recursive)"),
                         file=paths[0])
    from cellworks.cycling.cli.common import parse_map

    reader_options: dict[str, Any] = {}
    if fmt is not None:
        reader_options["format"] = fmt
    mapping = parse_map(column_map)
    if mapping:
        reader_options["column_map"] = mapping
    if active_mass_g is not None:
        reader_options["active_mass_g"] = active_mass_g
    if area_cm2 is not None:
        reader_options["area_cm2"] = area_cm2
    if strict:
        reader_options["strict"] = True
    task = functools.partial(
        summarize_cycling_file, pairing=pairing, reference_cycle=reference_cycle, electrode=electrode,
        **reader_options,
    )
    report = run_batch(task, files, out, scheduler=scheduler)
    _batch_warnings(report)
    code = finish_cli(report, json_out=json_out)
    if strict and code == 1 and any("still being written" in str(err) for _, err in report.failures):
        code = 2  # --strict: a live file is bad input, as for a single file
    raise typer.Exit(code)


def _batch_warnings(report: Any) -> None:
    """One ``warning:`` line per file whose reader warned (e.g. a live file's cut-off last record)."""
    try:
        results = report.read()
    except Exception:  # noqa: BLE001 - a dataset that cannot be read back has no warnings to show
        return
    if "reader_warning" not in results.columns or not len(results):
        return
    for text in results.loc[results["reader_warning"].astype(str) != "", "reader_warning"].astype(str).unique():
        warn_line(text)
