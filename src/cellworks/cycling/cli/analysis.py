"""``cellworks cycling rate | plateaus``: the rate table and the Li–S plateau split."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

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
)


def register(app: typer.Typer) -> None:
    """Mount ``rate`` and ``plateaus`` on the ``cellworks cycling`` group."""
    app.command("rate")(rate)
    app.command("plateaus")(plateaus)


def rate(
    file: Annotated[Path, typer.Argument(help="Cycler file (any supported format) or cellworks Parquet.")],
    active_mass_mg: MassOpt = None,
    pairing: PairingOpt = "auto",
    rel_tol: Annotated[float, typer.Option(help="Relative current difference that starts a new rate group.")] = 0.05,
    merge: Annotated[bool, typer.Option("--merge", help="Merge non-adjacent blocks at the same rate.")] = False,
    json_out: Annotated[bool, typer.Option("--json", help="Print the table as JSON on stdout.")] = False,
    electrode: ElectrodeOpt = None,
    fmt: FormatOpt = None,
    column_map: MapOpt = None,
    strict: StrictOpt = False,
    allow_truncated: TruncOpt = False,
) -> None:
    """Rate table: cycles grouped by discharge current (A/g with a mass), mean capacity per rate.

    Example: cellworks cycling rate tests/data/cycling/arbin_example.res --json
    """
    from cellworks.clikit import emit_json
    from cellworks.cycling.rate import rate_table
    from cellworks.cycling.summary import summarize as _summarize

    data = load(file, active_mass_mg, fmt=fmt, column_map=column_map, strict=strict)
    s = _summarize(data, pairing=pairing, electrode=electrode)
    rt = rate_table(s, rel_tol=rel_tol, contiguous=not merge)
    if json_out:
        emit_json({"source_file": str(file), "electrode": s.electrode, "pairing": s.pairing_reason,
                   "grouping": rt.attrs.get("grouping"), "rate_tolerance": rel_tol,
                   "conventions": {"mean_coulombic_efficiency": "fraction"}, "groups": rt.to_dict(orient="records")})
        return
    typer.echo(f"pairing: {s.pairing_reason}")
    typer.echo(f"grouping: {rt.attrs.get('grouping')}")
    typer.echo(rt.to_string(index=False, float_format=lambda x: f"{x:.4g}"))


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
    strict: StrictOpt = False,
    allow_truncated: TruncOpt = False,
) -> None:
    """Li-S upper/lower discharge-plateau capacities of every cycle and their ratio."""
    from cellworks.clikit import emit_json
    from cellworks.cycling.plateaus import PlateauParams, plateau_table

    params = PlateauParams(threshold_V=threshold_v, split_at=split_at)
    data = load(file, active_mass_mg, fmt=fmt, column_map=column_map, strict=strict)
    pt = plateau_table(data, pairing=pairing, params=params)
    if json_out:
        emit_json({"source_file": str(file), "split_at": split_at, "cycles": pt.to_dict(orient="records")})
        return
    typer.echo(pt.to_string(index=False, float_format=lambda x: f"{x:.4g}"))
