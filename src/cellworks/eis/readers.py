"""Impedance spectra from files: 3-column CSV, BioLogic .mpt / .mpr, Gamry .DTA.

Every reader returns a :class:`Spectrum` (frequency in Hz, complex impedance in Ohm with the
electrochemical sign convention Z = Z' + jZ'', capacitive arcs having Z'' < 0). A bad file raises
:class:`cellworks.errors.FileFormatError` naming the file and the line (or record) at fault. Input
files are only ever opened for reading.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from cellworks.errors import FileFormatError

Array = Any


@dataclass(frozen=True)
class Spectrum:
    """One impedance spectrum."""

    freq_Hz: Array
    Z_Ohm: Array
    file: str = ""
    format: str = ""
    meta: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return int(self.freq_Hz.size)


def _number(token: str, file: Path, line_no: int, column: str) -> float:
    t = token.strip()
    if "," in t and "." not in t:  # decimal comma (European locales of EC-Lab / Gamry)
        t = t.replace(",", ".")
    try:
        v = float(t)
    except ValueError:
        raise FileFormatError(
            f"not a number: {token.strip()!r}" if t else "missing value", file=file, record=f"line {line_no}",
            field=column,
        ) from None
    if not math.isfinite(v):
        raise FileFormatError(f"non-finite value {token.strip()!r}", file=file, record=f"line {line_no}", field=column)
    return v


def _finish(f: list[float], zr: list[float], zi: list[float], path: Path, fmt: str, meta: dict[str, Any],
            lines: list[int]) -> Spectrum:
    if not f:
        raise FileFormatError("no impedance data points", file=path)
    fa = np.asarray(f, dtype=float)
    bad = np.flatnonzero(fa <= 0)
    if bad.size:
        raise FileFormatError(f"frequency must be > 0 Hz, got {fa[bad[0]]}", file=path,
                              record=f"line {lines[int(bad[0])]}", field="frequency")
    return Spectrum(fa, np.asarray(zr) + 1j * np.asarray(zi), str(path), fmt, meta)


def _read_text(path: Path) -> list[str]:
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    return text.splitlines()


def read_csv(path: str | Path) -> Spectrum:
    """Three columns: frequency [Hz], Re Z [Ohm], Im Z [Ohm] (impedance.py's CSV; comma, semicolon,
    tab or blank separated). Leading lines without a number (a header) are skipped."""
    p = Path(path)
    lines = _read_text(p)
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
        if not f and not header and not _looks_numeric(parts[0]):
            header = [x.strip() for x in parts]
            continue
        if len(parts) < 3:
            raise FileFormatError(f"expected 3 columns (frequency, Re Z, Im Z), found {len(parts)}", file=p,
                                  record=f"line {i}")
        f.append(_number(parts[0], p, i, "frequency"))
        zr.append(_number(parts[1], p, i, "Re(Z)"))
        zi.append(_number(parts[2], p, i, "Im(Z)"))
        where.append(i)
    return _finish(f, zr, zi, p, "csv", {"header": header}, where)


def _looks_numeric(tok: str) -> bool:
    try:
        float(tok.strip().replace(",", "."))
        return True
    except ValueError:
        return False


def read_mpt(path: str | Path) -> Spectrum:
    """BioLogic EC-Lab text export of a PEIS/GEIS technique (columns ``freq/Hz``, ``Re(Z)/Ohm``,
    ``-Im(Z)/Ohm``)."""
    p = Path(path)
    lines = _read_text(p)
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
    idx: dict[str, int] = {}
    for key in ("freq/Hz", "Re(Z)/Ohm", "-Im(Z)/Ohm"):
        if key not in columns:
            raise FileFormatError(f"column '{key}' not found (is this an impedance technique?)", file=p,
                                  record=f"line {n_header}", field=key)
        idx[key] = columns.index(key)
    need = max(idx.values())
    i_cyc = columns.index("cycle number") if "cycle number" in columns else None
    cycles: list[float] = []
    f: list[float] = []
    zr: list[float] = []
    zi: list[float] = []
    where: list[int] = []
    technique = lines[3].strip() if len(lines) > 3 else ""
    for i in range(n_header, len(lines)):
        line = lines[i]
        if not line.strip():
            continue
        parts = line.split("\t")
        if len(parts) <= need:
            raise FileFormatError(f"row has {len(parts)} columns, header has {len(columns)}", file=p,
                                  record=f"line {i + 1}")
        f.append(_number(parts[idx["freq/Hz"]], p, i + 1, "freq/Hz"))
        zr.append(_number(parts[idx["Re(Z)/Ohm"]], p, i + 1, "Re(Z)/Ohm"))
        zi.append(-_number(parts[idx["-Im(Z)/Ohm"]], p, i + 1, "-Im(Z)/Ohm"))
        if i_cyc is not None and len(parts) > i_cyc:
            cycles.append(_number(parts[i_cyc], p, i + 1, "cycle number"))
        where.append(i + 1)
    meta: dict[str, Any] = {"technique": technique}
    if cycles and len(cycles) == len(f):
        meta["cycle"] = np.asarray(cycles, dtype=int)
    return _finish(f, zr, zi, p, "biologic-mpt", meta, where)


def read_dta(path: str | Path) -> Spectrum:
    """Gamry Framework .DTA of an EIS experiment (the ``ZCURVE`` table: ``Freq``, ``Zreal``, ``Zimag``)."""
    p = Path(path)
    lines = _read_text(p)
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
        f.append(_number(parts[idx["Freq"]], p, i + 1, "Freq"))
        zr.append(_number(parts[idx["Zreal"]], p, i + 1, "Zreal"))
        zi.append(_number(parts[idx["Zimag"]], p, i + 1, "Zimag"))
        where.append(i + 1)
    meta = {}
    for line in lines[:start]:
        parts = line.split("\t")
        if len(parts) >= 2 and parts[0] in ("TAG", "TITLE", "DATE", "TIME", "PSTAT", "VDC", "VAC", "AREA"):
            meta[parts[0]] = parts[2] if len(parts) >= 3 and parts[0] != "TAG" else parts[1]
    return _finish(f, zr, zi, p, "gamry-dta", meta, where)


def read_mpr(path: str | Path) -> Spectrum:
    """BioLogic EC-Lab binary .mpr of a PEIS/GEIS technique, decoded by ``cellworks.cycling``'s
    BioLogic reader (this module does not parse the binary itself)."""
    p = Path(path)
    try:
        from cellworks.cycling.readers.biologic import read_mpr_columns
    except ImportError:
        raise FileFormatError("the BioLogic .mpr decoder (cellworks.cycling.readers.biologic) is not available",
                              file=p) from None
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


READERS = {".csv": read_csv, ".txt": read_csv, ".mpt": read_mpt, ".dta": read_dta, ".mpr": read_mpr}


def n_cycles(spec: Spectrum) -> int:
    """Number of spectra in a file that repeats the frequency sweep (BioLogic 'cycle number')."""
    cyc = spec.meta.get("cycle")
    return 1 if cyc is None or len(cyc) == 0 else int(np.unique(cyc).size)


def select_cycle(spec: Spectrum, cycle: int) -> Spectrum:
    """The spectrum of one sweep (``cycle`` as numbered in the file, from 1)."""
    cyc = spec.meta.get("cycle")
    if cyc is None:
        if cycle == 1:
            return spec
        raise FileFormatError(f"the file holds one spectrum, cycle {cycle} does not exist", file=spec.file,
                              field="cycle number")
    keep = np.asarray(cyc) == cycle
    if not np.any(keep):
        raise FileFormatError(f"no cycle {cycle} (cycles {int(np.min(cyc))}..{int(np.max(cyc))})", file=spec.file,
                              field="cycle number")
    meta = {k: v for k, v in spec.meta.items() if k != "cycle"}
    meta["cycle_selected"] = cycle
    return Spectrum(spec.freq_Hz[keep], spec.Z_Ohm[keep], spec.file, spec.format, meta)


def read_spectrum(path: str | Path, cycle: int | None = None) -> Spectrum:
    """Read an impedance spectrum, choosing the reader from the file extension; ``cycle`` picks one
    sweep of a file that holds several (BioLogic PEIS/GEIS with repeats)."""
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(2, "No such file", str(p))
    reader = READERS.get(p.suffix.lower())
    if reader is None:
        raise FileFormatError(
            f"unknown impedance file type '{p.suffix}' (known: {', '.join(sorted(READERS))})", file=p
        )
    spec = reader(p)
    return spec if cycle is None else select_cycle(spec, cycle)


def drop_positive_imag(freq_Hz: Array, Z: Array) -> tuple[Array, Array]:
    """Keep only points with Im Z < 0 (impedance.py's ``ignoreBelowX``: drops inductive points)."""
    f = np.asarray(freq_Hz)
    z = np.asarray(Z)
    keep = z.imag < 0
    return f[keep], z[keep]
