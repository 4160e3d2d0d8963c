"""BioLogic EC-Lab text exports (``.mpt``): the header (technique, settings, active mass) as
text, the data lines parsed by pandas' C parser; only the last record is checked field by field,
so a live file's cut-off record is found (see ``biologic.py`` for the binary ``.mpr``)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cellworks.cycling.readers._common import cut_field, decode_text, read_bytes, warn_once
from cellworks.errors import FileFormatError

if TYPE_CHECKING:
    import numpy as np


_NUMBER_RE = re.compile(r"^[\s+-]*[0-9]")


def read_mpt_columns(
    path: str | Path, *, allow_truncated: bool = True, raw: bytes | None = None, columns: Any = None,
) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Columns of an EC-Lab text export (``.mpt``) under its own names, plus header metadata.

    Handles the localised decimal comma and the trailing tab of EC-Lab exports. The header is
    decoded as text; the data lines go as bytes to pandas' C parser; only the last record is
    checked field by field (a live file's cut-off record). ``columns``: only these names are
    converted (all when None)."""
    p = Path(path)
    buf = raw if raw is not None else read_bytes(p)
    head_text = decode_text(buf[:65536])
    head_lines = head_text.splitlines()
    if not head_lines or not head_lines[0].startswith(("EC-Lab ASCII FILE", "BT-Lab ASCII FILE")):
        raise FileFormatError("not an EC-Lab text export (first line is not 'EC-Lab ASCII FILE')", file=p,
                              record="line 1")
    n_header = None
    for ln in head_lines[1:5]:
        m = re.match(r"\s*Nb header lines\s*:\s*(\d+)", ln)
        if m:
            n_header = int(m.group(1))
            break
    if n_header is None or n_header > len(head_lines) or n_header < 1:
        raise FileFormatError("missing or impossible 'Nb header lines'", file=p, record="line 2")
    names = [c.strip() for c in head_lines[n_header - 1].rstrip("\t").split("\t")]
    meta: dict[str, Any] = {"header_lines": n_header}
    for ln in head_lines[: n_header - 1]:
        if ln.strip() in ("Galvanostatic Cycling with Potential Limitation",):
            meta["technique"] = "GCPL"
        elif "Electrochemical Impedance Spectroscopy" in ln and "technique" not in meta:
            meta["technique"] = "GEIS" if ln.strip().startswith("Galvano") else "PEIS"
        elif ln.strip() == "Modulo Bat":
            meta["technique"] = "MB"
        m = re.match(r"\s*(Mass of active material|Characteristic mass)\s*:\s*([0-9.,Ee+-]+)\s*(\S+)", ln)
        if m and "active_material_mass" not in meta:
            meta["active_material_mass"] = m.group(2) + " " + m.group(3)
        if ln.startswith("ctrl_type"):
            # Modulo Bat settings: one fixed-width column per sequence Ns = 0, 1, 2, ...
            meta["ctrl_type"] = ln[len("ctrl_type"):].split()
    # byte offset of the first data line: after n_header line ends
    start = 0
    for _ in range(n_header):
        nl = buf.find(b"\n", start)
        if nl < 0:
            start = len(buf)
            break
        start = nl + 1
    body = buf[start:]
    ncol = len(names)
    n_lines_before = n_header
    stripped = body.rstrip(b"\r\n\t ")
    n_newlines = stripped.count(b"\n")
    drop_last = False
    if stripped:
        last_start = max(stripped.rfind(b"\n") + 1, 0)
        last = stripped[last_start:].decode("latin-1").rstrip("\r\t").split("\t")
        line_no_last = n_lines_before + 1 + n_newlines
        cut = len(last) != ncol
        if not cut and last_start > 0:
            prev_start = stripped.rfind(b"\n", 0, last_start - 1) + 1
            prev = stripped[prev_start:last_start].decode("latin-1").rstrip("\r\n\t").split("\t")
            cut = cut_field(prev, last) is not None
        if cut:
            if not allow_truncated:
                raise FileFormatError(
                    f"record cut off ({len(last)} of {ncol} values; the file ends inside this record: truncated, "
                    "or still being written)", file=p, record=f"line {line_no_last}")
            warn_once(f"{p.name}: line {line_no_last}: record cut off ({len(last)} of {ncol} values); "
                      "incomplete last record dropped")
            meta["dropped_incomplete_last_record"] = f"line {line_no_last}"
            drop_last = True
            stripped = stripped[:last_start]
    n_records = (n_newlines + 1 - int(drop_last)) if stripped else 0
    cols = _parse_mpt_body(stripped if drop_last else body, names, p, n_header, n_records, columns)
    meta["n_points"] = len(next(iter(cols.values()))) if cols else 0
    return cols, meta


def _parse_mpt_body(body: bytes, names: list[str], path: Path, n_header: int, n_records: int,
                    columns: Any = None) -> dict[str, np.ndarray]:
    """Float columns of the data lines (blank lines skipped); ``n_records``: the lines expected
    (blank lines inside the data are counted exactly only when the quick count disagrees)."""

    import numpy as np
    import pandas as pd

    ncol = len(names)
    sample = body[:4096]
    decimal = "," if b"," in sample and b"." not in sample else "."
    frame = None
    keep = [j for j, name in enumerate(names) if columns is None or name in columns] or [0]
    if body.strip():
        from cellworks.cycling.readers._csv import read_table

        # EC-Lab ends every line with a tab: then one empty column more than the header names
        first_line = body[: body.find(b"\n")] if b"\n" in body else body
        trailing = first_line.rstrip(b"\r").endswith(b"\t")
        names_x = [str(j) for j in range(ncol + int(trailing))]
        try:
            frame = read_table(body, sep="\t", header=False, names=names_x, usecols=keep, decimal=decimal,
                               float_only=True)
        except (ValueError, pd.errors.ParserError):
            frame = None
    else:
        return {names[j]: np.zeros(0) for j in keep}
    arr = frame.to_numpy() if frame is not None else None
    if arr is not None and len(arr) != n_records:
        n_records = sum(1 for b in body.splitlines() if b.strip())
    if arr is None or len(arr) != n_records or np.isnan(arr).any():
        # find the line and the field that is not a number, or the record with the wrong count
        for k, line in enumerate(body.decode("latin-1").splitlines()):
            if not line.strip():
                continue
            cells = line.rstrip("\t").split("\t")
            if len(cells) != ncol:
                raise FileFormatError(f"expected {ncol} tab-separated values, found {len(cells)}", file=path,
                                      record=f"line {n_header + 1 + k}")
            for j, c in enumerate(cells):
                if not _is_float(c.replace(",", ".")):
                    raise FileFormatError(f"non-numeric value '{c}'", file=path, record=f"line {n_header + 1 + k}",
                                          field=names[j])
        raise FileFormatError("unreadable data lines", file=path, record=f"line {n_header + 1}")
    arr = np.ascontiguousarray(arr.T)
    return {names[j]: arr[k] for k, j in enumerate(keep)}


def _is_float(s: str) -> bool:
    try:
        float(s)
    except ValueError:
        return False
    return True
