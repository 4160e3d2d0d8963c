"""``cellworks cycling convert``: any cycler file into the cellworks table (Parquet)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cellworks.cycling.cli.common import (
    FormatOpt,
    MapOpt,
    MassOpt,
    TruncOpt,
    load,
    not_input,
)


def register(app: typer.Typer) -> None:
    """Mount ``convert`` on the ``cellworks cycling`` group."""
    app.command("convert")(convert)


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

    not_input(out, file)
    data = load(file, active_mass_mg, area_cm2, fmt=fmt, column_map=column_map, allow_truncated=allow_truncated)
    write_parquet(data, out)
    typer.echo(f"wrote {out}: {len(data)} records")
