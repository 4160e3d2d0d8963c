"""``cellworks cycling convert``: any cycler file into the cellworks table (Parquet), BDF (CSV or
Parquet), cellpy's raw table or navani's processed table."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cellworks.cycling.cli.common import (
    FormatOpt,
    MapOpt,
    MassOpt,
    StrictOpt,
    TruncOpt,
    load,
    not_input,
)


def register(app: typer.Typer) -> None:
    """Mount ``convert`` on the ``cellworks cycling`` group."""
    app.command("convert")(convert)


def convert(
    file: Annotated[Path, typer.Argument(help="Cycler file (any supported format, BDF included).")],
    out: Annotated[
        Path,
        typer.Argument(help="Output: .parquet (cellworks table + metadata), .bdf.csv / .bdf.parquet (Battery Data "
                            "Format), or .csv / .parquet with --to cellpy|navani."),
    ],
    to: Annotated[
        str | None, typer.Option("--to", help="bdf | cellpy | navani | parquet (default: from the output name).")
    ] = None,
    active_mass_mg: MassOpt = None,
    area_cm2: Annotated[float | None, typer.Option("--area-cm2", help="Electrode area in cm².")] = None,
    fmt: FormatOpt = None,
    column_map: MapOpt = None,
    strict: StrictOpt = False,
    allow_truncated: TruncOpt = False,
) -> None:
    """Convert a cycler file (written atomically; the input is never touched).

    Examples: cellworks cycling convert tests/data/cycling/test.ndax cell.bdf.csv ;
    cellworks cycling convert cell.bdf.csv back.parquet ;
    cellworks cycling convert tests/data/cycling/arbin_example.res raw.csv --to cellpy
    """
    from cellworks.cycling.export import target_of, write_table

    target_of(out, to)  # a bad name or --to fails before the input is read
    not_input(out, file)
    data = load(file, active_mass_mg, area_cm2, fmt=fmt, column_map=column_map, strict=strict)
    path, target = write_table(data, out, to=to)
    typer.echo(f"wrote {path}: {len(data)} records ({target})")
