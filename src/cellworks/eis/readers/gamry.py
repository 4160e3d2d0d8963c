"""Gamry Framework impedance exports (.DTA, ZCURVE table)."""

from __future__ import annotations

from pathlib import Path

from cellworks.eis.readers._common import (
    Spectrum,
    check_row_lengths,
    finish_spectrum,
    parse_number,
    read_text_lines,
    truncated_last_value,
)
from cellworks.errors import FileFormatError


def read_dta(path: str | Path, allow_truncated: bool = False) -> Spectrum:
    """Gamry Framework .DTA of an EIS experiment (the ``ZCURVE`` table: ``Freq``, ``Zreal``, ``Zimag``).

    Every row has the header's number of fields; a cut-off last row or number is refused unless
    ``allow_truncated`` (then dropped)."""
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
    rows: list[tuple[int, list[str]]] = []
    for i in range(start + 3, len(lines)):
        line = lines[i]
        if not line.strip():
            continue
        if not line.startswith("\t"):  # next block of the file
            break
        rows.append((i + 1, line.split("\t")))
    rows = check_row_lengths(rows, len(names), p, allow_truncated, what="ZCURVE header")
    dropped = None
    if rows and truncated_last_value(rows, len(names) - 1, p, names[-1], allow_truncated):
        dropped = rows[-1][0]
        rows = rows[:-1]
    f: list[float] = []
    zr: list[float] = []
    zi: list[float] = []
    where: list[int] = []
    for line_no, parts in rows:
        f.append(parse_number(parts[idx["Freq"]], p, line_no, "Freq"))
        zr.append(parse_number(parts[idx["Zreal"]], p, line_no, "Zreal"))
        zi.append(parse_number(parts[idx["Zimag"]], p, line_no, "Zimag"))
        where.append(line_no)
    meta: dict[str, object] = {} if dropped is None else {"dropped_truncated_line": dropped}
    for line in lines[:start]:
        parts = line.split("\t")
        if len(parts) >= 2 and parts[0] in ("TAG", "TITLE", "DATE", "TIME", "PSTAT", "VDC", "VAC", "AREA"):
            meta[parts[0]] = parts[2] if len(parts) >= 3 and parts[0] != "TAG" else parts[1]
    return finish_spectrum(f, zr, zi, p, "gamry-dta", meta, where)
