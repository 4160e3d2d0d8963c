"""``cellworks cycling plot``: capacity, profiles, rate and dQ/dV figures of a cycler file."""

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
    parse_cycles,
)


def register(app: typer.Typer) -> None:
    """Mount ``plot`` on the ``cellworks cycling`` group."""
    app.command("plot")(plot_cmd)


def plot_cmd(
    file: Annotated[Path, typer.Argument(help="Cycler file (any supported format) or cellworks Parquet.")],
    out: Annotated[Path, typer.Argument(help="Output PNG.")],
    kind: Annotated[str, typer.Option("--kind", help="profiles | capacity | rate | dqdv")] = "profiles",
    cycles: Annotated[str | None, typer.Option("--cycles", help="Cycles to draw, e.g. 1,10,50 or 1-5.")] = None,
    pairing: PairingOpt = "auto",
    active_mass_mg: MassOpt = None,
    electrode: ElectrodeOpt = None,
    fmt: FormatOpt = None,
    column_map: MapOpt = None,
    strict: StrictOpt = False,
    allow_truncated: TruncOpt = False,
) -> None:
    """Draw voltage profiles, capacity vs cycle, the rate test, or dQ/dV as a PNG."""
    from cellworks.cycling import plots
    from cellworks.cycling.summary import summarize as _summarize
    from cellworks.errors import InputError

    if kind not in plots.KINDS:
        raise InputError(f"unknown plot kind; choose one of {', '.join(plots.KINDS)}", token=kind, field="kind")
    chosen = parse_cycles(cycles)
    not_input(out, file)
    data = load(file, active_mass_mg, fmt=fmt, column_map=column_map, strict=strict)
    fig: Any
    if kind == "profiles":
        fig = plots.plot_profiles(data, pairing=pairing, cycles=chosen)
    elif kind == "dqdv":
        fig = plots.plot_dqdv(data, pairing=pairing, cycles=chosen)
    elif kind == "capacity":
        fig = plots.plot_capacity(_summarize(data, pairing=pairing, electrode=electrode))
    else:
        fig = plots.plot_rate(_summarize(data, pairing=pairing, electrode=electrode))
    plots.save_png(fig, out)
    typer.echo(f"wrote {out}")
