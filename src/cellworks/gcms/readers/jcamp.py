"""JCAMP-DX mass spectra and GC/MS runs, in the two layouts found in the wild.

* **Page per scan** (MassLynx-style exports read by PyMassSpec, OpenChrom/ChemClipse, SIS
  FileTranslatorPro, MassFinder): file-level labels, then for every scan ``##SCAN_NUMBER=``,
  ``##PAGE= T=<s>`` and/or ``##RETENTION_TIME=<s>``, ``##TIC=``, ``##NPOINTS=`` and
  ``##XYDATA= (XY..XY)`` (or ``##PEAK TABLE=``) followed by m/z, intensity pairs; no ``##END=``
  is needed (the end of the file ends the run). Times are seconds.
* **NTUPLES** (JCAMP-DX 5, Lampen et al., Appl. Spectrosc. 48 (1994) 1545): ``##NTUPLES= MASS
  SPECTRUM`` with ``##UNITS=`` per variable (the third, of T, gives the time unit; seconds by
  default) and one ``##PAGE= T=<time>`` + ``##DATA TABLE= (XY..XY), PEAKS`` per scan.

A single spectrum (``##PEAK TABLE= (XY..XY)`` or ``(XYXY)``) is a one-scan run at its
``##RETENTION TIME`` (0 if none). In a compound (LINK) file only mass-spectral blocks are read, and
NTUPLES pages win over single spectra. Labels compare as JCAMP-DX says: blanks, ``-``, ``/`` and
``_`` dropped, case ignored. Pairs: ``x, y`` or ``x y`` per pair, several per line separated by
``;`` or blanks, or a chain ``x1, y1, x2, y2,``. ``##IONIZATION_MODE=`` and ``##DATA_FORMAT=`` are
kept as ``ionization_mode`` and ``data_type``. ASDF-compressed profile data is not read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from cellworks.errors import FileFormatError
from cellworks.gcms.run import Run

_NUM = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_TABLES = ("XYDATA", "PEAKTABLE", "DATATABLE", "XYPOINTS")


def _label(key: str) -> str:
    return re.sub(r"[\s\-/_]", "", key).upper()


def _time_factor(unit: str) -> float:
    u = unit.strip().lower()
    return 60.0 if u.startswith("min") else 1.0


@dataclass
class _Block:
    data_type: str = ""
    ntuples: bool = False
    t_unit_factor: float = 1.0
    times: list[float] = field(default_factory=list)
    scans: list[tuple[list[float], list[float]]] = field(default_factory=list)
    paged: bool = False  # scans carry their own time (PAGE or RETENTION_TIME per scan)

    @property
    def is_ms(self) -> bool:
        return not self.data_type or "MASS" in self.data_type.upper()


def _pairs(lines: list[str], path: Path, first_line: int) -> tuple[list[float], list[float]]:
    xs: list[float] = []
    ys: list[float] = []
    for k, line in enumerate(lines):
        body = line.split("$$", 1)[0]
        nums = _NUM.findall(body)
        if not nums:
            continue
        if len(nums) % 2:
            raise FileFormatError(f"odd number of values in an (XY..XY) line: {body.strip()[:40]!r}",
                                  file=path, record=f"line {first_line + k + 1}")
        xs.extend(float(a) for a in nums[0::2])
        ys.extend(float(b) for b in nums[1::2])
    return xs, ys


def read_jcamp_run(path: str | Path) -> Run:
    """Read a JCAMP-DX GC/MS run (page-per-scan or NTUPLES) or a single mass spectrum."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise FileFormatError(f"cannot read: {exc.strerror or exc}", file=p) from None
    lines = text.splitlines()
    meta: dict[str, str] = {"format": "JCAMP-DX"}
    blocks: list[_Block] = [_Block()]
    page_time: float | None = None
    rt_time: float | None = None
    i, n = 0, len(lines)
    while i < n:
        line = lines[i].strip()
        if not line.startswith("##"):
            i += 1
            continue
        key, _, value = line[2:].partition("=")
        key = _label(key)
        value = value.split("$$", 1)[0].strip()
        blk = blocks[-1]
        if key == "TITLE" and (blk.scans or blk.data_type):
            blocks.append(_Block())  # a new block of a compound file
            blk = blocks[-1]
        if key in ("TITLE", "ORIGIN", "OWNER", "LONGDATE", "DATE", "SPECTROMETERDATASYSTEM"):
            if value:
                meta.setdefault(key.lower(), value)
        elif key == "IONIZATIONMODE" and value:
            meta.setdefault("ionization_mode", value)
        elif key == "DATAFORMAT" and value:
            meta.setdefault("data_type", value)
        elif key == "DATATYPE":
            blk.data_type = value
        elif key == "NTUPLES":
            blk.ntuples = True
            blk.data_type = blk.data_type or value
        elif key == "UNITS" and "," in value:
            parts = [v.strip() for v in value.split(",")]
            if len(parts) >= 3 and parts[2]:
                blk.t_unit_factor = _time_factor(parts[2])
        elif key == "PAGE":
            m = re.search(r"T\s*=\s*(" + _NUM.pattern + r")\s*([A-Za-z]*)", value)
            if m:
                page_time = float(m.group(1)) * (_time_factor(m.group(2)) if m.group(2) else blk.t_unit_factor)
            elif blk.is_ms:
                raise FileFormatError("page without 'T=' time", file=p, record=f"line {i + 1}", field="PAGE")
        elif key in ("RETENTIONTIME", "RT"):
            nums = _NUM.findall(value)
            if nums:
                unit = value[value.find(nums[0]) + len(nums[0]):]
                rt_time = float(nums[0]) * _time_factor(unit or "s")
        elif key in _TABLES or key == "PEAKTABLE":
            j = i + 1
            while j < n and not lines[j].lstrip().startswith("##"):
                j += 1
            if blk.is_ms:
                form = value.upper().replace(" ", "")
                if "XY..XY" not in form and "XYXY" not in form:
                    raise FileFormatError(f"unsupported table form {value!r} (ASDF/profile data is not read)",
                                          file=p, record=f"line {i + 1}", field=key)
                xs, ys = _pairs(lines[i + 1 : j], p, i + 1)
                t = page_time if page_time is not None else rt_time
                blk.paged = blk.paged or t is not None
                blk.times.append(t if t is not None else 0.0)
                blk.scans.append((xs, ys))
            page_time = rt_time = None
            i = j
            continue
        elif key == "END":
            page_time = rt_time = None
        i += 1
    ms = [b for b in blocks if b.is_ms and b.scans]
    if not ms:
        raise FileFormatError("no mass spectra (no ##PAGE/##XYDATA, ##DATA TABLE or ##PEAK TABLE found)", file=p)
    runs = [b for b in ms if b.ntuples or b.paged]
    chosen = runs if runs else ms
    times = [t for b in chosen for t in b.times]
    scans = [s for b in chosen for s in b.scans]
    t_arr = np.asarray(times, dtype=np.float64)
    if np.any(np.diff(t_arr) < 0):
        k = int(np.flatnonzero(np.diff(t_arr) < 0)[0]) + 1
        raise FileFormatError("scan times decrease", file=p, record=f"scan {k + 1}", field="PAGE")
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
