"""Three-column impedance CSV (impedance.py's layout): frequency [Hz], Re Z [Ohm], Im Z [Ohm]."""

from __future__ import annotations

from pathlib import Path

from cellworks.eis.readers._common import (
    Spectrum,
    finish_spectrum,
    looks_numeric,
    parse_number,
    read_text_lines,
)
from cellworks.errors import FileFormatError


def read_csv(path: str | Path) -> Spectrum:
    """Three columns: frequency [Hz], Re Z [Ohm], Im Z [Ohm] (impedance.py's CSV; comma, semicolon,
    tab or blank separated). Leading lines without a number (a header) are skipped."""
    p = Path(path)
    lines = read_text_lines(p)
    f: list[float] = []
    zr: list[float] = []
    zi: list[float] = []
    where: list[int] = []
    header: list[str] = []
    for i, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if ";" in line:
            parts = line.split(";")
        elif "," in line:
            parts = line.split(",")
        else:
            parts = line.split()
        if not f and not header and not looks_numeric(parts[0]):
            header = [x.strip() for x in parts]
            continue
        if len(parts) < 3:
            raise FileFormatError(f"expected 3 columns (frequency, Re Z, Im Z), found {len(parts)}", file=p,
                                  record=f"line {i}")
        f.append(parse_number(parts[0], p, i, "frequency"))
        zr.append(parse_number(parts[1], p, i, "Re(Z)"))
        zi.append(parse_number(parts[2], p, i, "Im(Z)"))
        where.append(i)
    return finish_spectrum(f, zr, zi, p, "csv", {"header": header}, where)
