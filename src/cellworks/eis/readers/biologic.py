"""BioLogic EC-Lab impedance files: .mpt text exports and .mpr binaries (PEIS/GEIS)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from cellworks.eis.readers._common import (
    Spectrum,
    check_row_lengths,
    finish_spectrum,
    parse_number,
    read_text_lines,
    truncated_last_value,
)
from cellworks.errors import FileFormatError


def read_mpt(path: str | Path, allow_truncated: bool = False) -> Spectrum:
    """BioLogic EC-Lab text export of a PEIS/GEIS technique (columns ``freq/Hz``, ``Re(Z)/Ohm``,
    ``-Im(Z)/Ohm``). Every row has the header's number of fields; a cut-off last row or number is
    refused unless ``allow_truncated`` (then dropped)."""
    p = Path(path)
    lines = read_text_lines(p)
    if not lines or not lines[0].startswith("EC-Lab ASCII FILE"):
        raise FileFormatError("not an EC-Lab ASCII file (first line is not 'EC-Lab ASCII FILE')", file=p,
                              record="line 1")
    n_header = None
    for i, line in enumerate(lines[:5], start=1):
        if line.lower().startswith("nb header lines"):
            try:
                n_header = int(line.split(":")[1])
            except (IndexError, ValueError):
                raise FileFormatError("cannot read the number of header lines", file=p, record=f"line {i}") from None
    if n_header is None or n_header < 1 or n_header > len(lines):
        raise FileFormatError("missing or impossible 'Nb header lines'", file=p, record="line 2")
    columns = [c.strip() for c in lines[n_header - 1].split("\t")]
    if columns and columns[-1] == "":
        columns = columns[:-1]  # EC-Lab ends the header line with a tab
    idx: dict[str, int] = {}
    for key in ("freq/Hz", "Re(Z)/Ohm", "-Im(Z)/Ohm"):
        if key not in columns:
            raise FileFormatError(f"column '{key}' not found (is this an impedance technique?)", file=p,
                                  record=f"line {n_header}", field=key)
        idx[key] = columns.index(key)
    i_cyc = columns.index("cycle number") if "cycle number" in columns else None
    technique = lines[3].strip() if len(lines) > 3 else ""
    rows: list[tuple[int, list[str]]] = []
    for i in range(n_header, len(lines)):
        if not lines[i].strip():
            continue
        parts = lines[i].split("\t")
        if len(parts) == len(columns) + 1 and parts[-1].strip() == "":
            parts = parts[:-1]
        rows.append((i + 1, parts))
    rows = check_row_lengths(rows, len(columns), p, allow_truncated)
    meta_drop: dict[str, Any] = {}
    if rows and truncated_last_value(rows, len(columns) - 1, p, columns[-1], allow_truncated):
        meta_drop["dropped_truncated_line"] = rows[-1][0]
        rows = rows[:-1]
    cycles: list[float] = []
    f: list[float] = []
    zr: list[float] = []
    zi: list[float] = []
    where: list[int] = []
    for line_no, parts in rows:
        f.append(parse_number(parts[idx["freq/Hz"]], p, line_no, "freq/Hz"))
        zr.append(parse_number(parts[idx["Re(Z)/Ohm"]], p, line_no, "Re(Z)/Ohm"))
        zi.append(-parse_number(parts[idx["-Im(Z)/Ohm"]], p, line_no, "-Im(Z)/Ohm"))
        if i_cyc is not None:
            cycles.append(parse_number(parts[i_cyc], p, line_no, "cycle number"))
        where.append(line_no)
    meta: dict[str, Any] = {"technique": technique, **meta_drop}
    if cycles and len(cycles) == len(f):
        meta["cycle"] = np.asarray(cycles, dtype=int)
    return finish_spectrum(f, zr, zi, p, "biologic-mpt", meta, where)


def read_mpr(path: str | Path) -> Spectrum:
    """BioLogic EC-Lab binary .mpr of a PEIS/GEIS technique, decoded by the public
    :func:`cellworks.cycling.read_mpr_columns` (one binary decoder for both parts)."""
    p = Path(path)
    from cellworks.cycling import read_mpr_columns

    cols, meta = read_mpr_columns(p)
    for key in ("freq/Hz", "Re(Z)/Ohm", "-Im(Z)/Ohm"):
        if key not in cols:
            raise FileFormatError(f"no column '{key}': not an impedance (PEIS/GEIS) record", file=p, field=key)
    f = np.asarray(cols["freq/Hz"], dtype=float)
    zr = np.asarray(cols["Re(Z)/Ohm"], dtype=float)
    zi = -np.asarray(cols["-Im(Z)/Ohm"], dtype=float)
    keep = f > 0  # GEIS/PEIS records interleave rows without a frequency (f = 0) in some versions
    bad = np.flatnonzero(keep & ~(np.isfinite(f) & np.isfinite(zr) & np.isfinite(zi)))
    if bad.size:
        raise FileFormatError("non-finite impedance value", file=p, record=f"data point {int(bad[0])}")
    if not np.any(keep):
        raise FileFormatError("no impedance data points", file=p)
    m = dict(meta) if isinstance(meta, dict) else {"meta": meta}
    if "cycle number" in cols:
        m["cycle"] = np.asarray(cols["cycle number"], dtype=float)[keep].astype(int)
    return Spectrum(f[keep], zr[keep] + 1j * zi[keep], str(p), "biologic-mpr", m)
