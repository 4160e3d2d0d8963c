"""JCAMP-DX mass spectra and GC/MS runs (JCAMP-DX 5.01 NTUPLES "MASS SPECTRUM" pages).

Supported: ``##NTUPLES= MASS SPECTRUM`` with one ``##PAGE= T= <time>`` per scan and a
``##DATA TABLE= (XY..XY), PEAKS`` (or ``(XY..XY)``) of m/z, intensity pairs; the time unit is
taken from ``##UNITS=`` (third entry) or the page (``T= 3.5 MIN``), seconds by default. A
single-spectrum file (``##PEAK TABLE= (XY..XY)`` or ``(XYXY)``) becomes a one-scan run at t = 0
(``##RETENTION TIME=`` if present). ASDF-compressed XYDATA (chromatogram traces) is not read.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from cellworks.errors import FileFormatError
from cellworks.gcms.run import Run

_NUM = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def _pairs(lines: list[str], path: Path, start_line: int) -> tuple[list[float], list[float]]:
    xs: list[float] = []
    ys: list[float] = []
    for k, line in enumerate(lines):
        body = line.split("$$", 1)[0]
        nums = _NUM.findall(body)
        if len(nums) % 2:
            raise FileFormatError(f"odd number of values in an (XY..XY) line: {body.strip()[:40]!r}",
                                  file=path, record=f"line {start_line + k + 1}")
        for a, b in zip(nums[0::2], nums[1::2], strict=True):
            xs.append(float(a))
            ys.append(float(b))
    return xs, ys


def _time_factor(unit: str) -> float:
    u = unit.strip().lower()
    return 60.0 if u.startswith("min") else 1.0


def read_jcamp_run(path: str | Path) -> Run:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise FileFormatError(f"cannot read: {exc.strerror or exc}", file=p) from None
    lines = text.splitlines()
    meta: dict[str, str] = {"format": "JCAMP-DX"}
    times: list[float] = []
    scans: list[tuple[list[float], list[float]]] = []
    unit_factor = 1.0
    i = 0
    n = len(lines)
    page_time: float | None = None
    single_rt: float | None = None
    while i < n:
        line = lines[i].strip()
        if not line.startswith("##"):
            i += 1
            continue
        key, _, value = line[2:].partition("=")
        key = key.strip().upper().replace(" ", "").replace("_", "").replace("-", "")
        value = value.strip()
        if key == "UNITS" and "," in value:
            parts = [v.strip() for v in value.split(",")]
            if len(parts) >= 3:
                unit_factor = _time_factor(parts[2])
        elif key in ("TITLE", "DATATYPE", "ORIGIN", "OWNER", "LONGDATE", "SPECTROMETER/DATASYSTEM"):
            meta.setdefault(key.lower(), value)
        elif key == "RETENTIONTIME":
            nums = _NUM.findall(value)
            if nums:
                single_rt = float(nums[0]) * _time_factor(value[value.find(nums[0]) + len(nums[0]):] or "s")
        elif key == "PAGE":
            m = re.search(r"T\s*=\s*(" + _NUM.pattern + r")\s*([A-Za-z]*)", value)
            if not m:
                raise FileFormatError("page without 'T=' time", file=p, record=f"line {i + 1}", field="PAGE")
            page_time = float(m.group(1)) * (_time_factor(m.group(2)) if m.group(2) else unit_factor)
        elif key in ("DATATABLE", "PEAKTABLE"):
            if "XY" not in value.upper().replace(".", "").replace(" ", "") and "XYXY" not in value.upper():
                raise FileFormatError(f"unsupported table form {value!r}", file=p, record=f"line {i + 1}", field=key)
            j = i + 1
            while j < n and not lines[j].lstrip().startswith("##"):
                j += 1
            xs, ys = _pairs(lines[i + 1 : j], p, i + 1)
            t = page_time if key == "DATATABLE" and page_time is not None else (single_rt or 0.0)
            times.append(t)
            scans.append((xs, ys))
            page_time = None
            i = j
            continue
        i += 1
    if not scans:
        raise FileFormatError("no mass spectra (no ##PAGE/##DATA TABLE or ##PEAK TABLE found)", file=p)
    t_arr = np.asarray(times)
    if np.any(np.diff(t_arr) < 0):
        k = int(np.flatnonzero(np.diff(t_arr) < 0)[0]) + 1
        raise FileFormatError("scan times decrease", file=p, record=f"page {k + 1}", field="PAGE")
    return Run.from_scans(t_arr, [(np.asarray(x), np.asarray(y)) for x, y in scans], meta, str(p))


def write_jcamp_run(run: Run, path: str | Path, title: str = "") -> None:
    """Write a run as JCAMP-DX 5.01 NTUPLES MASS SPECTRUM (one page per scan, seconds)."""
    from cellworks._io import atomic_write

    out = [f"##TITLE= {title or run.metadata.get('title', 'cellworks GC-MS run')}", "##JCAMP-DX= 5.01",
           "##DATA TYPE= MASS SPECTRUM", "##DATA CLASS= NTUPLES", "##NTUPLES= MASS SPECTRUM",
           "##VAR_NAME= MASS, INTENSITY, RETENTION TIME", "##SYMBOL= X, Y, T",
           "##UNITS= M/Z, RELATIVE ABUNDANCE, SECONDS"]
    for k in range(run.n_scans):
        m, y = run.scan(k)
        out.append(f"##PAGE= T= {run.scan_times_s[k]:.4f}")
        out.append(f"##NPOINTS= {m.size}")
        out.append("##DATA TABLE= (XY..XY), PEAKS")
        out.extend(f"{a:.4f}, {b:.6g}" for a, b in zip(m.tolist(), y.tolist(), strict=True))
    out += ["##END NTUPLES= MASS SPECTRUM", "##END="]
    with atomic_write(path, "w") as fh:
        fh.write("\n".join(out) + "\n")
