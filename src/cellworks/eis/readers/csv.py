"""Text tables of impedance: impedance.py's 3-column CSV, and Autolab/ZView ``.z60``-style exports.

impedance.py's layout: frequency [Hz], Re Z [Ohm], Im Z [Ohm], comma, semicolon, tab or blank
separated, no header (a leading header line of names is accepted). Every row must have as many
fields as the header or the first data row; a short last row or a cut-off last number (see
:func:`~cellworks.eis.readers._common.truncated_last_value`) is a truncated file (dropped only with
``allow_truncated``).

The Metrohm Autolab (NOVA) export in ZView's ``Z60W`` text format has eight header lines, a settings
line, the point count, a quoted column header (``Freq (Hz) Ampl Bias Time(Sec) Z'(a) Z''(b) GD Err
Range``) and comma-separated rows; frequency, Z' and Z'' are columns 0, 4 and 5 (impedance.py's
``readAutolab`` reads the same).
"""

from __future__ import annotations

from pathlib import Path

from cellworks.eis.readers._common import (
    Spectrum,
    check_row_lengths,
    finish_spectrum,
    looks_numeric,
    parse_number,
    read_text_lines,
    truncated_last_value,
)
from cellworks.errors import FileFormatError


def _split(line: str) -> list[str]:
    if ";" in line:
        return line.split(";")
    if "," in line:
        return line.split(",")
    return line.split()


def _finish(rows: list[tuple[int, list[str]]], cols: tuple[int, int, int], names: tuple[str, str, str], p: Path,
            fmt: str, meta: dict[str, object], allow_truncated: bool) -> Spectrum:
    n_fields = len(rows[0][1]) if rows else 0
    rows = check_row_lengths(rows, n_fields, p, allow_truncated, what="first data row")
    last_col = n_fields - 1
    if rows and truncated_last_value(rows, last_col, p, f"column {last_col + 1}", allow_truncated):
        meta["dropped_truncated_line"] = rows[-1][0]
        rows = rows[:-1]
    f: list[float] = []
    zr: list[float] = []
    zi: list[float] = []
    where: list[int] = []
    for i, parts in rows:
        f.append(parse_number(parts[cols[0]], p, i, names[0]))
        zr.append(parse_number(parts[cols[1]], p, i, names[1]))
        zi.append(parse_number(parts[cols[2]], p, i, names[2]))
        where.append(i)
    return finish_spectrum(f, zr, zi, p, fmt, meta, where)


def read_autolab(path: str | Path, allow_truncated: bool = False) -> Spectrum:
    """Autolab (NOVA) export in ZView ``Z60W`` text format: columns 0, 4, 5 are f, Z', Z'' (signed)."""
    p = Path(path)
    lines = read_text_lines(p)
    start = None
    for i, line in enumerate(lines):
        if "Freq" in line and "Z'" in line:
            start = i
            break
    if start is None:
        raise FileFormatError("no column header with 'Freq' and Z' (not an Autolab/ZView export)", file=p)
    rows = [(i + 1, [t.strip() for t in lines[i].split(",")]) for i in range(start + 1, len(lines)) if lines[i].strip()]
    if not rows:
        raise FileFormatError("no impedance data points", file=p)
    if len(rows[0][1]) < 6:
        raise FileFormatError(f"row has {len(rows[0][1])} fields, need at least 6 (Freq ... Z'(a), Z''(b))", file=p,
                              record=f"line {rows[0][0]}")
    return _finish(rows, (0, 4, 5), ("Freq (Hz)", "Z'(a)", "Z''(b)"), p, "autolab-z60",
                   {"header": lines[start].strip().strip('"').split()}, allow_truncated)


def is_autolab(path: Path) -> bool:
    """Does ``path`` start like a ZView ``Z60W`` text export?"""
    with open(path, "rb") as fh:
        head = fh.read(200)
    return b"Z60W" in head or b"ZView" in head


def read_csv(path: str | Path, allow_truncated: bool = False) -> Spectrum:
    """Three columns: frequency [Hz], Re Z [Ohm], Im Z [Ohm] (impedance.py's CSV; comma, semicolon,
    tab or blank separated). A leading line without a number (a header) names the columns."""
    p = Path(path)
    if is_autolab(p):
        return read_autolab(p, allow_truncated)
    lines = read_text_lines(p)
    rows: list[tuple[int, list[str]]] = []
    header: list[str] = []
    for i, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = [t.strip() for t in _split(line)]
        if not rows and not header and not looks_numeric(parts[0]):
            header = parts
            continue
        rows.append((i, parts))
    if not rows:
        raise FileFormatError("no impedance data points", file=p)
    n_fields = len(header) if header else len(rows[0][1])
    if n_fields < 3:
        raise FileFormatError(f"expected 3 columns (frequency, Re Z, Im Z), found {n_fields}", file=p,
                              record=f"line {rows[0][0]}")
    if header:
        rows = check_row_lengths(rows, n_fields, p, allow_truncated, what="header")
    return _finish(rows, (0, 1, 2), ("frequency", "Re(Z)", "Im(Z)"), p, "csv", {"header": header}, allow_truncated)
