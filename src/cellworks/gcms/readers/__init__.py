"""Readers of GC–MS runs. :func:`read_run` picks the reader from the file's signature.

========================  ==========================================  =================
format                    module                                      note
========================  ==========================================  =================
ANDI/AIA netCDF (.cdf)    :mod:`cellworks.gcms.readers.andi`          scipy netCDF-3
JCAMP-DX GC/MS (.jdx)     :mod:`cellworks.gcms.readers.jcamp`         own parser
CSV scan table (.csv)     :mod:`cellworks.gcms.readers.csvscans`      long or wide
mzML (.mzML)              :mod:`cellworks.gcms.readers.mzml`          own parser (MIT)
Agilent .D directory      not built in (closed format; export to AIA)
========================  ==========================================  =================
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from cellworks.errors import FileFormatError

if TYPE_CHECKING:
    from cellworks.gcms.run import Run

__all__ = ["read_run"]


def read_run(path: str | Path) -> Run:
    """Read a GC–MS run from ``path`` (ANDI .cdf, JCAMP-DX, CSV scan table, mzML)."""
    p = Path(path)
    if p.is_dir():
        if p.suffix.lower() == ".d":
            raise FileFormatError(
                "Agilent .D directories are a closed format; export the run as AIA/ANDI (.cdf) "
                "from ChemStation/MassHunter (File > Export Data to AIA)", file=p)
        raise FileFormatError("is a directory, not a run file", file=p)
    try:
        with open(p, "rb") as fh:
            head = fh.read(512)
    except OSError as exc:
        raise FileFormatError(f"cannot open: {exc.strerror or exc}", file=p) from None
    if not head:
        raise FileFormatError("empty file", file=p)
    if head[:3] == b"CDF" or head[:4] == b"\x89HDF" or p.suffix.lower() in (".cdf", ".nc"):
        from cellworks.gcms.readers.andi import read_andi

        return read_andi(p)
    text = head.decode("latin-1").lstrip("\ufeff \t\r\n")
    if text.startswith("##"):
        from cellworks.gcms.readers.jcamp import read_jcamp_run

        return read_jcamp_run(p)
    if "<mzML" in text or "<indexedmzML" in text or p.suffix.lower() == ".mzml":
        from cellworks.gcms.readers.mzml import read_mzml

        return read_mzml(p)
    if p.suffix.lower() in (".csv", ".tsv", ".txt"):
        from cellworks.gcms.readers.csvscans import read_csv_run

        return read_csv_run(p)
    raise FileFormatError("unknown GC–MS file format (expected ANDI .cdf, JCAMP-DX, mzML or CSV)", file=p)
