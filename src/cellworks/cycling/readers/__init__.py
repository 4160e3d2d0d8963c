"""Cycler file readers: every common instrument's files → one :class:`cellworks.timeseries.CyclingData`.

``read(path)`` detects the format from the file's *content* (magic bytes, archive members,
header text) — the extension is only a tie-breaker — and returns the validated table.
``detect(path)`` returns the format name. See ``docs/cycling-readers.md``.

Readers never write to, move, lock or delete the input: files are opened read-only (``"rb"``)
and nothing is written beside them. A truncated or corrupt file raises
:class:`cellworks.errors.FileFormatError` naming the file and the byte offset or record.

This module imports nothing heavy at import time.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cellworks.errors import FileFormatError

if TYPE_CHECKING:
    from cellworks.timeseries import CyclingData

FORMATS: tuple[str, ...] = (
    "biologic-mpr",
    "biologic-mpt",
    "neware-nda",
    "neware-ndax",
    "arbin-res",
    "arbin-csv",
    "arbin-xlsx",
    "maccor-txt",
    "land-xlsx",
    "generic-csv",
    "generic-xlsx",
    "cellworks-parquet",
)

_ARBIN_CSV_MARKERS = ("data_point", "test_time", "step_index", "cycle_index")


def _xlsx_kind(path: Path) -> str:
    from openpyxl import load_workbook

    from cellworks.cycling.readers.generic import looks_like_land

    with open(path, "rb") as fh:
        try:
            wb = load_workbook(fh, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many types on broken workbooks
            raise FileFormatError(f"unreadable workbook ({type(exc).__name__}: {exc})", file=path) from None
        try:
            names = list(wb.sheetnames)
            headers: list[str] = []
            for ws in wb.worksheets[:4]:
                for row in ws.iter_rows(min_row=1, max_row=1, values_only=True):
                    headers += [str(c) for c in row if c is not None]
        finally:
            wb.close()
    if any(n.lower().startswith("channel") for n in names) and any(
        h.lower().startswith("data_point") for h in headers
    ):
        return "arbin-xlsx"
    if looks_like_land(headers, names):
        return "land-xlsx"
    return "generic-xlsx"


def detect(path: str | Path) -> str:
    """The format name of a cycler file, from its content (see :data:`FORMATS`)."""
    from cellworks.cycling.readers._common import decode_text, read_head

    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(str(p))
    if p.is_dir():
        raise FileFormatError("is a directory, not a data file", file=p)
    head = read_head(p, 8192)
    if not head:
        raise FileFormatError("empty file", file=p, record="byte 0")
    if head.startswith(b"BIO-LOGIC MODULAR FILE"):
        return "biologic-mpr"
    if head.startswith(b"EC-Lab ASCII FILE"):
        return "biologic-mpt"
    if head.startswith(b"NEWARE"):
        return "neware-nda"
    if head.startswith(b"PAR1"):
        return "cellworks-parquet"
    if head[4:19] in (b"Standard Jet DB", b"Standard ACE DB"):
        return "arbin-res"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(p) as zf:
                members = set(zf.namelist())
        except zipfile.BadZipFile as exc:
            raise FileFormatError(f"broken zip archive ({exc}); truncated?", file=p,
                                  record=f"byte {p.stat().st_size}") from None
        if "data.ndc" in members or "VersionInfo.xml" in members:
            return "neware-ndax"
        if "[Content_Types].xml" in members and any(m.startswith("xl/") for m in members):
            return _xlsx_kind(p)
        raise FileFormatError("zip archive that is neither a Neware .ndax nor an .xlsx workbook", file=p)
    text = decode_text(head)
    lines = text.splitlines()
    from cellworks.cycling.readers.maccor import find_header

    if find_header(lines) is not None:
        return "maccor-txt"
    if b"\x00" in head:
        raise FileFormatError("unrecognised binary file (no known magic bytes)", file=p, record="byte 0")
    first = lines[0].lower() if lines else ""
    if all(m in first for m in _ARBIN_CSV_MARKERS):
        return "arbin-csv"
    if "," in first or ";" in first or "\t" in first:
        return "generic-csv"
    raise FileFormatError("unrecognised file format (not a known cycler export)", file=p, record="line 1")


def read(
    path: str | Path,
    *,
    format: str | None = None,  # noqa: A002 - the public name the CLI and docs use
    column_map: dict[str, str] | None = None,
    active_mass_g: float | None = None,
    area_cm2: float | None = None,
    allow_truncated: bool = False,
) -> CyclingData:
    """Read any supported cycler file into the cellworks cycling table.

    ``format`` overrides detection (one of :data:`FORMATS`); ``column_map`` maps cellworks column
    names to the file's headers for generic/LAND tables; ``active_mass_g`` and ``area_cm2`` go to
    the metadata (a mass stored in the file is used when no argument is given).
    ``allow_truncated`` lets *text* exports whose last record is cut short load without it (one
    warning, noted in ``meta.extra``); by default that is a :class:`FileFormatError`. Binary files
    are always checked strictly.
    """
    p = Path(path)
    fmt = format or detect(p)
    if fmt not in FORMATS:
        raise FileFormatError(f"unknown format '{fmt}' (use one of {', '.join(FORMATS)})", file=p)
    if not p.is_file():
        raise FileNotFoundError(str(p))
    kw: dict[str, Any] = {"active_mass_g": active_mass_g, "area_cm2": area_cm2}
    if fmt == "biologic-mpr":
        from cellworks.cycling.readers.biologic import read_mpr

        return read_mpr(p, **kw)
    if fmt == "biologic-mpt":
        from cellworks.cycling.readers.biologic import read_mpt

        return read_mpt(p, allow_truncated=allow_truncated, **kw)
    if fmt in ("neware-nda", "neware-ndax"):
        from cellworks.cycling.readers.neware import read_neware

        return read_neware(p, **kw)
    if fmt == "arbin-res":
        from cellworks.cycling.readers.arbin import read_res

        return read_res(p, **kw)
    if fmt == "arbin-csv":
        from cellworks.cycling.readers.arbin import read_arbin_csv

        return read_arbin_csv(p, allow_truncated=allow_truncated, **kw)
    if fmt == "arbin-xlsx":
        from cellworks.cycling.readers.arbin import read_arbin_xlsx

        return read_arbin_xlsx(p, **kw)
    if fmt == "maccor-txt":
        from cellworks.cycling.readers.maccor import read_maccor

        return read_maccor(p, allow_truncated=allow_truncated, **kw)
    if fmt == "land-xlsx":
        from cellworks.cycling.readers.generic import read_land_xlsx

        return read_land_xlsx(p, column_map=column_map, **kw)
    if fmt == "generic-csv":
        from cellworks.cycling.readers.generic import read_generic_csv

        return read_generic_csv(p, column_map=column_map, allow_truncated=allow_truncated, **kw)
    if fmt == "generic-xlsx":
        from cellworks.cycling.readers.generic import read_generic_xlsx

        return read_generic_xlsx(p, column_map=column_map, **kw)
    from cellworks.timeseries import read_parquet

    data = read_parquet(p)
    changes: dict[str, Any] = {}
    if active_mass_g is not None:
        changes["active_mass_g"] = active_mass_g
    if area_cm2 is not None:
        changes["area_cm2"] = area_cm2
    return data.with_meta(**changes) if changes else data


__all__ = ["FORMATS", "detect", "read"]
