"""``cellworks cycling``: summarize, convert and plot cycler files.

Heavy libraries and the readers are imported inside the commands, so ``cellworks --help`` stays
fast. Every command only reads its input (never writes, moves or locks it) and writes outputs
atomically; an output path equal to the input is refused.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from cellworks.timeseries import CyclingData

app = typer.Typer(
    help="Cycler files of every common brand into one table; per-cycle summaries, plateaus, dQ/dV.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

PairingOpt = Annotated[
    str,
    typer.Option(
        "--pairing",
        help="How half-cycles pair into cycles: discharge-first (Li-S, cathode half-cells), charge-first "
        "(Li-ion full cells), auto (from the first non-rest step; stated in the output), instrument "
        "(the file's own cycle numbers).",
    ),
]
MassOpt = Annotated[
    float | None, typer.Option("--active-mass-mg", help="Active-material mass in mg (capacities per gram).")
]


FormatOpt = Annotated[str | None, typer.Option("--format", help="Override content detection (e.g. maccor-txt, generic-csv).")]
MapOpt = Annotated[
    list[str] | None,
    typer.Option("--map", help="Column mapping for generic CSV/XLSX, repeatable: --map voltage_V='Voltage (V)'."),
]
TruncOpt = Annotated[
    bool, typer.Option("--allow-truncated", help="Text exports: drop an incomplete last record (with a warning).")
]


def _load(
    path: Path,
    active_mass_mg: float | None = None,
    area_cm2: float | None = None,
    *,
    fmt: str | None = None,
    column_map: list[str] | None = None,
    allow_truncated: bool = False,
) -> CyclingData:
    from cellworks.cycling.readers import read
    from cellworks.errors import InputError

    if active_mass_mg is not None and not active_mass_mg > 0:
        raise InputError(f"--active-mass-mg must be positive, got {active_mass_mg}", field="active_mass_mg")
    if area_cm2 is not None and not area_cm2 > 0:
        raise InputError(f"--area-cm2 must be positive, got {area_cm2}", field="area_cm2")
    mapping: dict[str, str] | None = None
    if column_map:
        mapping = {}
        for item in column_map:
            key, sep, header = item.partition("=")
            if not sep or not key.strip() or not header:
                raise InputError("expected --map cellworks_column=File header", token=item, field="map")
            mapping[key.strip()] = header
    mass_g = active_mass_mg * 1e-3 if active_mass_mg is not None else None
    import sys
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        data = read(path, format=fmt, column_map=mapping, active_mass_g=mass_g, area_cm2=area_cm2, allow_truncated=allow_truncated)
    for w in caught:  # reader warnings as one line each (unknown column IDs, dropped records)
        sys.stderr.write(f"warning: {str(w.message).splitlines()[0]}\n")
    return data


def _not_input(out: Path, src: Path) -> None:
    from cellworks.errors import InputError

    if out.exists() and src.exists() and out.resolve() == src.resolve():
        raise InputError("the output would overwrite the input file; choose another path", file=out)


def _parse_cycles(text: str | None) -> list[int] | None:
    from cellworks.errors import InputError

    if text is None or not text.strip():
        return None
    out: list[int] = []
    for part in text.split(","):
        part = part.strip()
        try:
            if "-" in part:
                a, b = (int(x) for x in part.split("-", 1))
                if b < a:
                    raise ValueError
                out.extend(range(a, b + 1))
            else:
                out.append(int(part))
        except ValueError:
            raise InputError("expected cycle numbers like 1,10,50 or 1-5", token=part, field="cycles") from None
    return out


_SHOWN = (
    "cycle",
    "charge_capacity_mAh",
    "discharge_capacity_mAh",
    "discharge_capacity_mAh_per_g",
    "discharge_capacity_mAh_per_cm2",
    "coulombic_efficiency",
    "energy_efficiency",
    "mean_discharge_voltage_V",
    "retention_pct",
)


@app.command()
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
        str | None, typer.Option("--active-material", help="What the mass is of (e.g. S): stated in the output.")
    ] = None,
    fmt: FormatOpt = None,
    column_map: MapOpt = None,
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
    that fails is reported and the others go on; a rerun skips files already summarised.
    """
    from cellworks.clikit import emit_json
    from cellworks.cycling.cycles import summarize as _summarize

    if len(paths) != 1 or paths[0].is_dir() or out_dir is not None:
        if csv is not None or plot is not None or active_material:
            raise typer.BadParameter("--csv, --plot and --active-material apply to a single file, not a batch")
        mass_g = active_mass_mg * 1e-3 if active_mass_mg is not None else None
        _summarize_batch(
            paths, out_dir, recursive=recursive, scheduler=scheduler, json_out=json_out, pairing=pairing,
            reference_cycle=reference_cycle, fmt=fmt, column_map=column_map, active_mass_g=mass_g,
            area_cm2=area_cm2, allow_truncated=allow_truncated,
        )
        return
    file = paths[0]
    if json_out and csv is not None:
        raise typer.BadParameter("choose one of --json and --csv")
    for out in (csv, plot):
        if out is not None:
            _not_input(out, file)
    data = _load(file, active_mass_mg, area_cm2, fmt=fmt, column_map=column_map, allow_truncated=allow_truncated)
    if active_material:
        data = data.with_meta(active_material=active_material)
    s = _summarize(data, pairing=pairing, reference_cycle=reference_cycle)
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
        typer.echo(f"wrote {csv}: {len(s.table)} cycles; pairing: {s.pairing_reason}; {s.ce_definition}")
        return
    typer.echo(f"file: {file}")
    typer.echo(f"pairing: {s.pairing_reason}")
    typer.echo(f"{s.ce_definition}")
    if s.active_mass_g is not None:
        typer.echo(f"active mass: {s.active_mass_g * 1e3:g} mg{f' of {s.active_material}' if s.active_material else ''}")
    for note in s.notes:
        typer.echo(f"note: {note}")
    cols = [c for c in _SHOWN if c in s.table.columns]
    typer.echo(s.table[cols].to_string(index=False, float_format=lambda x: f"{x:.4g}"))


#: extensions of binary cycler formats: such a file that `detect` cannot place is corrupt (reported
#: as a failed input), while an unplaceable file of any other type is simply not a cycler file (skipped)
_BINARY_CYCLER_SUFFIXES = frozenset({".mpr", ".nda", ".ndax", ".res", ".parquet", ".xlsx"})


def cycler_files(
    paths: list[Path], *, recursive: bool = False, exclude: Path | None = None, fmt: str | None = None
) -> tuple[list[Path], list[Path]]:
    """The files of ``paths`` to summarise, and those skipped as not cycler files.

    A named file is always kept. In folders, a file is kept when ``cellworks.cycling.readers.detect``
    recognises it (or ``fmt`` is forced), or when it has a binary cycler extension (then a failed
    detection means a corrupt file, which the batch reports). Files below ``exclude`` (the output
    dataset) are never inputs.
    """
    from cellworks.batch import discover_files
    from cellworks.cycling.readers import detect
    from cellworks.errors import FileFormatError

    named = {p for p in paths if p.is_file()}
    skip_root = exclude.resolve() if exclude is not None else None
    keep: list[Path] = []
    skipped: list[Path] = []
    for f in discover_files(paths, recursive=recursive):
        if skip_root is not None and f.resolve().is_relative_to(skip_root):
            continue
        if f in named or fmt is not None:
            keep.append(f)
            continue
        try:
            detect(f)
        except (FileFormatError, OSError):
            (keep if f.suffix.lower() in _BINARY_CYCLER_SUFFIXES else skipped).append(f)
            continue
        keep.append(f)
    return keep, skipped


def default_out_dir(paths: list[Path], suffix: str) -> Path:
    """``<first folder>-<suffix>`` beside the first folder (or beside the first file's folder):
    never inside an input folder."""
    first = paths[0].resolve()
    base = first if first.is_dir() else first.parent
    return base.parent / f"{base.name}-{suffix}"


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
    allow_truncated: bool,
) -> None:
    import functools
    import sys

    from cellworks.batch import finish_cli, run_batch
    from cellworks.batch_tasks import summarize_cycling_file
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
    reader_options: dict[str, Any] = {}
    if fmt is not None:
        reader_options["format"] = fmt
    if column_map:
        mapping: dict[str, str] = {}
        for item in column_map:
            key, sep, header = item.partition("=")
            if not sep or not key.strip() or not header:
                raise InputError("expected --map cellworks_column=File header", token=item, field="map")
            mapping[key.strip()] = header
        reader_options["column_map"] = mapping
    if active_mass_g is not None:
        reader_options["active_mass_g"] = active_mass_g
    if area_cm2 is not None:
        reader_options["area_cm2"] = area_cm2
    if allow_truncated:
        reader_options["allow_truncated"] = True
    task = functools.partial(
        summarize_cycling_file, pairing=pairing, reference_cycle=reference_cycle, **reader_options
    )
    report = run_batch(task, files, out, scheduler=scheduler)
    raise typer.Exit(finish_cli(report, json_out=json_out))


@app.command()
def convert(
    file: Annotated[Path, typer.Argument(help="Cycler file (any supported format).")],
    out: Annotated[Path, typer.Argument(help="Output Parquet file (cellworks table + metadata).")],
    active_mass_mg: MassOpt = None,
    area_cm2: Annotated[float | None, typer.Option("--area-cm2", help="Electrode area in cm².")] = None,
    fmt: FormatOpt = None,
    column_map: MapOpt = None,
    allow_truncated: TruncOpt = False,
) -> None:
    """Convert a cycler file into the cellworks Parquet table (written atomically)."""
    from cellworks.timeseries import write_parquet

    _not_input(out, file)
    data = _load(file, active_mass_mg, area_cm2, fmt=fmt, column_map=column_map, allow_truncated=allow_truncated)
    write_parquet(data, out)
    typer.echo(f"wrote {out}: {len(data)} records")


@app.command("plot")
def plot_cmd(
    file: Annotated[Path, typer.Argument(help="Cycler file (any supported format) or cellworks Parquet.")],
    out: Annotated[Path, typer.Argument(help="Output PNG.")],
    kind: Annotated[str, typer.Option("--kind", help="profiles | capacity | rate | dqdv")] = "profiles",
    cycles: Annotated[str | None, typer.Option("--cycles", help="Cycles to draw, e.g. 1,10,50 or 1-5.")] = None,
    pairing: PairingOpt = "auto",
    active_mass_mg: MassOpt = None,
    fmt: FormatOpt = None,
    column_map: MapOpt = None,
    allow_truncated: TruncOpt = False,
) -> None:
    """Draw voltage profiles, capacity vs cycle, the rate test, or dQ/dV as a PNG."""
    from cellworks.cycling import plots
    from cellworks.cycling.cycles import summarize as _summarize
    from cellworks.errors import InputError

    if kind not in plots.KINDS:
        raise InputError(f"unknown plot kind; choose one of {', '.join(plots.KINDS)}", token=kind, field="kind")
    chosen = _parse_cycles(cycles)
    _not_input(out, file)
    data = _load(file, active_mass_mg, fmt=fmt, column_map=column_map, allow_truncated=allow_truncated)
    fig: Any
    if kind == "profiles":
        fig = plots.plot_profiles(data, pairing=pairing, cycles=chosen)
    elif kind == "dqdv":
        fig = plots.plot_dqdv(data, pairing=pairing, cycles=chosen)
    elif kind == "capacity":
        fig = plots.plot_capacity(_summarize(data, pairing=pairing))
    else:
        fig = plots.plot_rate(_summarize(data, pairing=pairing))
    plots.save_png(fig, out)
    typer.echo(f"wrote {out}")


@app.command()
def rate(
    file: Annotated[Path, typer.Argument(help="Cycler file (any supported format) or cellworks Parquet.")],
    active_mass_mg: MassOpt = None,
    pairing: PairingOpt = "auto",
    rel_tol: Annotated[float, typer.Option(help="Relative current difference that starts a new rate group.")] = 0.05,
    merge: Annotated[bool, typer.Option("--merge", help="Merge non-adjacent blocks at the same rate.")] = False,
    json_out: Annotated[bool, typer.Option("--json", help="Print the table as JSON on stdout.")] = False,
    fmt: FormatOpt = None,
    column_map: MapOpt = None,
    allow_truncated: TruncOpt = False,
) -> None:
    """Rate table: cycles grouped by discharge current (A/g with a mass), mean capacity per rate."""
    from cellworks.clikit import emit_json
    from cellworks.cycling.cycles import summarize as _summarize
    from cellworks.cycling.rate import rate_table

    data = _load(file, active_mass_mg, fmt=fmt, column_map=column_map, allow_truncated=allow_truncated)
    s = _summarize(data, pairing=pairing)
    rt = rate_table(s, rel_tol=rel_tol, contiguous=not merge)
    if json_out:
        emit_json({"source_file": str(file), "pairing": s.pairing_reason, "groups": rt.to_dict(orient="records")})
        return
    typer.echo(f"pairing: {s.pairing_reason}")
    typer.echo(rt.to_string(index=False, float_format=lambda x: f"{x:.4g}"))


@app.command()
def plateaus(
    file: Annotated[Path, typer.Argument(help="Cycler file (any supported format) or cellworks Parquet.")],
    active_mass_mg: MassOpt = None,
    pairing: PairingOpt = "auto",
    threshold_v: Annotated[
        float | None, typer.Option("--threshold-V", help="Fallback split voltage (default: midpoint of the plateaus).")
    ] = None,
    split_at: Annotated[str, typer.Option(help="inflection (steepest fall into the dip) or minimum (the dip).")] = "inflection",
    json_out: Annotated[bool, typer.Option("--json", help="Print the table as JSON on stdout.")] = False,
    fmt: FormatOpt = None,
    column_map: MapOpt = None,
    allow_truncated: TruncOpt = False,
) -> None:
    """Li-S upper/lower discharge-plateau capacities of every cycle and their ratio."""
    from cellworks.clikit import emit_json
    from cellworks.cycling.plateaus import PlateauParams, plateau_table

    params = PlateauParams(threshold_V=threshold_v, split_at=split_at)
    data = _load(file, active_mass_mg, fmt=fmt, column_map=column_map, allow_truncated=allow_truncated)
    pt = plateau_table(data, pairing=pairing, params=params)
    if json_out:
        emit_json({"source_file": str(file), "split_at": split_at, "cycles": pt.to_dict(orient="records")})
        return
    typer.echo(pt.to_string(index=False, float_format=lambda x: f"{x:.4g}"))
