"""Impedance spectra from files: 3-column CSV, Autolab/ZView text, BioLogic .mpt / .mpr, Gamry .DTA, Parquet.

Every reader returns a :class:`Spectrum` (frequency in Hz, complex impedance in Ohm with the
electrochemical sign convention Z = Z' + jZ'', capacitive arcs having Z'' < 0). A bad file raises
:class:`cellworks.errors.FileFormatError` naming the file and the line (or record) at fault. Input
files are only ever opened for reading.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from cellworks._typing import Array
from cellworks.eis.readers._common import Spectrum
from cellworks.eis.readers.biologic import read_mpr, read_mpt
from cellworks.eis.readers.csv import read_autolab, read_csv
from cellworks.eis.readers.gamry import read_dta
from cellworks.eis.readers.parquet import read_parquet
from cellworks.errors import FileFormatError

READERS: dict[str, Callable[..., Spectrum]] = {".csv": read_csv, ".txt": read_csv, ".z60": read_autolab, ".mpt": read_mpt, ".dta": read_dta,
           ".mpr": read_mpr, ".parquet": read_parquet}
_TEXT = frozenset({".csv", ".txt", ".z60", ".mpt", ".dta"})


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


def split_spectra(spec: Spectrum) -> list[tuple[int, Spectrum]]:
    """Every sweep of a multi-spectrum file as ``(number, spectrum)``, in file order (one item otherwise)."""
    cyc = spec.meta.get("cycle")
    if cyc is None or len(cyc) == 0:
        return [(1, spec)]
    order = list(dict.fromkeys(np.asarray(cyc).tolist()))
    return [(int(c), select_cycle(spec, int(c))) for c in order]


def read_spectrum(path: str | Path, cycle: int | None = None, allow_truncated: bool = False) -> Spectrum:
    """Read an impedance spectrum, choosing the reader from the file extension; ``cycle`` picks one
    sweep of a file that holds several (BioLogic PEIS/GEIS loops, Parquet series).

    A text file whose last row or last number is cut off raises :class:`FileFormatError` naming the
    line, unless ``allow_truncated`` (then that row is dropped and ``meta["dropped_truncated_line"]``
    says which).

    >>> spec = read_spectrum("tests/data/eis/exampleData.csv")  # doctest: +SKIP
    >>> len(spec), spec.Z_Ohm[0]                                 # doctest: +SKIP
    """
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(2, "No such file", str(p))
    reader = READERS.get(p.suffix.lower())
    if reader is None:
        raise FileFormatError(
            f"unknown impedance file type '{p.suffix}' (known: {', '.join(sorted(READERS))})", file=p
        )
    spec = reader(p, allow_truncated) if p.suffix.lower() in _TEXT else reader(p)
    return spec if cycle is None else select_cycle(spec, cycle)


def drop_positive_imag(freq_Hz: Array, Z: Array) -> tuple[Array, Array]:
    """Keep only points with Im Z < 0 (impedance.py's ``ignoreBelowX``: drops inductive points)."""
    f = np.asarray(freq_Hz)
    z = np.asarray(Z)
    keep = z.imag < 0
    return f[keep], z[keep]


__all__ = ["READERS", "Spectrum", "drop_positive_imag", "n_cycles", "read_autolab", "read_csv", "read_dta",
           "read_mpr", "read_mpt", "read_parquet", "read_spectrum", "select_cycle", "split_spectra"]
