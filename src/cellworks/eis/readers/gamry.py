"""Gamry Framework impedance exports (.DTA, ZCURVE table)."""

from __future__ import annotations

from pathlib import Path

from cellworks.eis.readers._common import (
    Spectrum,
    finish_spectrum,
    parse_number,
    read_text_lines,
)
from cellworks.errors import FileFormatError


def read_dta(path: str | Path) -> Spectrum:
    """Gamry Framework .DTA of an EIS experiment (the ``ZCURVE`` table: ``Freq``, ``Zreal``, ``Zimag``)."""
    p = Path(path)
    lines = read_text_lines(p)
    start = None
    for i, line in enumerate(lines):
        if line.startswith("ZCURVE"):
            start = i
            break
    if start is None:
        raise FileFormatError("no ZCURVE table (not a Gamry EIS file)", file=p)
    if start + 2 >= len(lines):
        raise FileFormatError("ZCURVE table is truncated", file=p, record=f"line {start + 1}")
    names = [c.strip() for c in lines[start + 1].split("\t")]
    idx = {}
    for key in ("Freq", "Zreal", "Zimag"):
        if key not in names:
            raise FileFormatError(f"ZCURVE has no column '{key}'", file=p, record=f"line {start + 2}", field=key)
        idx[key] = names.index(key)
    f: list[float] = []
    zr: list[float] = []
    zi: list[float] = []
    where: list[int] = []
    for i in range(start + 3, len(lines)):
        line = lines[i]
        if not line.strip():
            continue
        if not line.startswith("\t"):  # next block of the file
            break
        parts = line.split("\t")
        if len(parts) <= max(idx.values()):
            raise FileFormatError(f"row has {len(parts)} columns, ZCURVE header has {len(names)}", file=p,
                                  record=f"line {i + 1}")
        f.append(parse_number(parts[idx["Freq"]], p, i + 1, "Freq"))
        zr.append(parse_number(parts[idx["Zreal"]], p, i + 1, "Zreal"))
        zi.append(parse_number(parts[idx["Zimag"]], p, i + 1, "Zimag"))
        where.append(i + 1)
    meta = {}
    for line in lines[:start]:
        parts = line.split("\t")
        if len(parts) >= 2 and parts[0] in ("TAG", "TITLE", "DATE", "TIME", "PSTAT", "VDC", "VAC", "AREA"):
            meta[parts[0]] = parts[2] if len(parts) >= 3 and parts[0] != "TAG" else parts[1]
    return finish_spectrum(f, zr, zi, p, "gamry-dta", meta, where)
