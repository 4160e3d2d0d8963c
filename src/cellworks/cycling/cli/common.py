"""Options and helpers shared by the ``cellworks cycling`` commands."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from cellworks.timeseries import CyclingData

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
    bool,
    typer.Option(
        "--allow-truncated", hidden=True,
        help="Kept for old scripts: dropping a cut-off last record (with a warning) is now the default.",
    ),
]
StrictOpt = Annotated[
    bool,
    typer.Option(
        "--strict",
        help="Text exports whose last record is cut off (a live file) are an error (exit 2) instead of a warning.",
    ),
]
ElectrodeOpt = Annotated[
    str | None,
    typer.Option(
        "--electrode",
        help="cathode (half-cell vs Li, Li-S) | anode (half-cell vs Li: CE = charge/discharge) | full. "
        "Default: cathode/full-cell convention (CE = discharge/charge), stated in the output.",
    ),
]



def load(
    path: Path,
    active_mass_mg: float | None = None,
    area_cm2: float | None = None,
    *,
    fmt: str | None = None,
    column_map: list[str] | None = None,
    allow_truncated: bool = False,
    strict: bool = False,
) -> CyclingData:
    """Read a cycler file for a command: options checked, reader warnings printed as one line each
    on stderr (``warning: …``)."""
    from cellworks.cycling.readers import read
    from cellworks.errors import InputError

    if active_mass_mg is not None and not active_mass_mg > 0:
        raise InputError(f"--active-mass-mg must be positive, got {active_mass_mg}", field="active_mass_mg")
    if area_cm2 is not None and not area_cm2 > 0:
        raise InputError(f"--area-cm2 must be positive, got {area_cm2}", field="area_cm2")
    mapping = parse_map(column_map)
    mass_g = active_mass_mg * 1e-3 if active_mass_mg is not None else None
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        data = read(path, format=fmt, column_map=mapping, active_mass_g=mass_g, area_cm2=area_cm2,
                    allow_truncated=False if strict else True)
    for w in caught:  # reader warnings as one line each (unknown column IDs, dropped records)
        warn_line(str(w.message))
    return data


def warn_line(message: str) -> None:
    """One ``warning: …`` line on stderr (newlines and control characters of file texts removed)."""
    import sys

    text = " ".join(str(message).split())
    text = "".join(ch for ch in text if ch.isprintable())
    sys.stderr.write(f"warning: {text}\n")


def parse_map(column_map: list[str] | None) -> dict[str, str] | None:
    """``--map cellworks_column=File header`` options → a mapping (None when there are none)."""
    from cellworks.errors import InputError

    if not column_map:
        return None
    mapping: dict[str, str] = {}
    for item in column_map:
        key, sep, header = item.partition("=")
        if not sep or not key.strip() or not header:
            raise InputError("expected --map cellworks_column='File header' (e.g. --map voltage_V='Ewe (V)')",
                             token=item, field="map")
        mapping[key.strip()] = header.strip().strip("'\"")
    return mapping


def not_input(out: Path, src: Path) -> None:
    from cellworks.errors import InputError

    if out.exists() and src.exists() and out.resolve() == src.resolve():
        raise InputError("the output would overwrite the input file; choose another path", file=out)


def parse_cycles(text: str | None) -> list[int] | None:
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
