"""CSV (or TSV) scan tables.

Two layouts, recognised from the header:

* **long**: columns for time, m/z and intensity, one centroid per row (header names such as
  ``time_s``/``rt_min``/``time (min)``, ``mz``/``m/z``/``mass``, ``intensity``/``abundance``);
* **wide**: first column time, the other column headers are m/z values (numbers), one scan per
  row — the usual "export spectra as table" of vendor software.

The time unit comes from the header (``min`` → minutes, else seconds).
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import numpy as np

from cellworks.errors import FileFormatError
from cellworks.gcms.run import Run


def _unit_factor(name: str) -> float:
    return 60.0 if re.search(r"min", name, re.I) else 1.0


def _float(tok: str, p: Path, row: int, col: str) -> float:
    try:
        return float(tok)
    except ValueError:
        raise FileFormatError(f"not a number: {tok!r}", file=p, record=f"row {row}", field=col) from None


def read_csv_run(path: str | Path) -> Run:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig", errors="replace")
    except OSError as exc:
        raise FileFormatError(f"cannot read: {exc.strerror or exc}", file=p) from None
    sample = text[:4096]
    delim = "\t" if sample.count("\t") > sample.count(",") else ("," if "," in sample else ";")
    rows = [r for r in csv.reader(io.StringIO(text), delimiter=delim) if r and any(c.strip() for c in r)]
    if len(rows) < 2:
        raise FileFormatError("needs a header and at least one data row", file=p)
    header = [h.strip() for h in rows[0]]
    low = [h.lower() for h in header]

    def find(*keys: str) -> int | None:
        for k, h in enumerate(low):
            if any(h.startswith(key) or h == key for key in keys):
                return k
        return None

    it = find("time", "rt", "retention")
    im = find("mz", "m/z", "mass")
    ii = find("intensity", "abundance", "counts", "int")
    meta = {"format": "CSV scan table"}
    if it is not None and im is not None and ii is not None and len(header) <= 4:
        fac = _unit_factor(header[it])
        t = np.array([_float(r[it], p, k + 2, header[it]) for k, r in enumerate(rows[1:])]) * fac
        mz = np.array([_float(r[im], p, k + 2, header[im]) for k, r in enumerate(rows[1:])])
        y = np.array([_float(r[ii], p, k + 2, header[ii]) for k, r in enumerate(rows[1:])])
        ut, inv = np.unique(t, return_inverse=True)
        scans = [(mz[inv == k], y[inv == k]) for k in range(ut.size)]
        return Run.from_scans(ut, scans, meta, str(p))
    # wide
    if it is None:
        it = 0
    masses = []
    cols = []
    for k, h in enumerate(header):
        if k == it:
            continue
        try:
            masses.append(float(h))
            cols.append(k)
        except ValueError:
            continue
    if not masses:
        raise FileFormatError("header has neither time/mz/intensity columns nor numeric m/z columns",
                              file=p, record="row 1")
    fac = _unit_factor(header[it])
    times = []
    scans = []
    mz_arr = np.asarray(masses)
    for k, r in enumerate(rows[1:]):
        if len(r) < len(header):
            raise FileFormatError(f"{len(r)} cells, header has {len(header)}", file=p, record=f"row {k + 2}")
        times.append(_float(r[it], p, k + 2, header[it]) * fac)
        y = np.array([_float(r[c], p, k + 2, header[c]) if r[c].strip() else 0.0 for c in cols])
        nz = y > 0
        scans.append((mz_arr[nz], y[nz]))
    t = np.asarray(times)
    if np.any(np.diff(t) < 0):
        raise FileFormatError("scan times decrease", file=p, record=f"row {int(np.flatnonzero(np.diff(t) < 0)[0]) + 3}")
    return Run.from_scans(t, scans, meta, str(p))
