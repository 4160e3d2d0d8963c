"""Cycler file readers: every common instrument's files → one :class:`cellworks.timeseries.CyclingData`.

``read(path)`` detects the format from the file's *content* (magic bytes, archive members,
header text) — the extension is only a tie-breaker — and returns the validated table.
``detect(path)`` returns the format name. See ``docs/cycling-readers.md``.

Readers never write to, move, lock or delete the input: files are opened read-only (``"rb"``)
and nothing is written beside them. A truncated or corrupt binary file raises
:class:`cellworks.errors.FileFormatError` naming the file and the byte offset or record. A text
export whose last record is cut off (a live file still being written) is read up to its last
complete record with one warning naming the line; ``strict=True`` makes it an error.

This module imports nothing heavy at import time.
"""

from __future__ import annotations

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
    "bdf-csv",
    "bdf-parquet",
    "battdat-parquet",
    "battdat-hdf5",
    "generic-csv",
    "generic-xlsx",
    "cellworks-parquet",
)

_ARBIN_CSV_MARKERS = ("data_point", "test_time", "step_index", "cycle_index")
#: MITS Pro workbook headers (v7 has no Data_Point; v8 writes 'Test Time (s)')
_ARBIN_XLSX_MARKERS = ("test_time", "step_index", "cycle_index")
HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"


def _xlsx_kind(path: Path) -> str:
    from cellworks.cycling.readers._xlsx import sheet_headers
    from cellworks.cycling.readers.bdf import looks_like_bdf
    from cellworks.cycling.readers.generic import looks_like_land

    names, headers = sheet_headers(path)
    norm = [h.lower().replace(" ", "_") for h in headers]
    if any(n.lower().startswith("channel") for n in names) and all(
        any(h.startswith(m) for h in norm) for m in _ARBIN_XLSX_MARKERS
    ):
        return "arbin-xlsx"
    if looks_like_land(headers, names):
        return "land-xlsx"
    if looks_like_bdf(headers):
        return "generic-xlsx"
    return "generic-xlsx"


def _parquet_kind(path: Path) -> str:
    import pyarrow.parquet as pq

    try:
        schema = pq.read_schema(path)
    except Exception as exc:  # pyarrow raises several types for corrupt files
        raise FileFormatError(f"not a readable Parquet file ({' '.join(str(exc).split())[:200]})", file=path) from None
    from cellworks.cycling.readers.bdf import looks_like_battdat, looks_like_bdf

    meta = schema.metadata or {}
    names = list(schema.names)
    if b"cellworks" in meta:
        return "cellworks-parquet"
    if b"battery_metadata" in meta or looks_like_battdat(names):
        return "battdat-parquet"
    if looks_like_bdf(names):
        return "bdf-parquet"
    return "cellworks-parquet"


def _zip_kind(path: Path) -> str:
    from cellworks.cycling.readers._bounded import check_zip_members, open_zip

    with open(path, "rb") as fh, open_zip(fh, path) as zf:
        check_zip_members(zf, path)
        members = set(zf.namelist())
    if "data.ndc" in members or "VersionInfo.xml" in members:
        return "neware-ndax"
    if "[Content_Types].xml" in members and any(m.startswith("xl/") for m in members):
        return _xlsx_kind(path)
    files = [m for m in members if not m.endswith("/")]
    if len(files) == 1 and files[0].lower().endswith(".nda"):
        return "neware-nda"
    raise FileFormatError("zip archive that is neither a Neware .ndax, an .xlsx workbook nor a zipped .nda", file=path)


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
    if head.startswith((b"EC-Lab ASCII FILE", b"BT-Lab ASCII FILE")):
        return "biologic-mpt"
    if head.startswith(b"NEWARE"):
        return "neware-nda"
    if head.startswith(b"PAR1"):
        return _parquet_kind(p)
    if head.startswith(HDF5_MAGIC):
        return "battdat-hdf5"
    if head[4:19] in (b"Standard Jet DB", b"Standard ACE DB"):
        return "arbin-res"
    if head.startswith(b"PK\x03\x04"):
        return _zip_kind(p)
    text = decode_text(head)
    lines = text.splitlines()
    if lines and lines[0].startswith("MACCOR") and "Impedance" in lines[0]:
        raise FileFormatError("a Maccor AC-impedance (EIS) export, not cycling data: read it with 'cellworks eis'",
                              file=p, record="line 1")
    from cellworks.cycling.readers.maccor import find_header

    if find_header(lines) is not None:
        return "maccor-txt"
    if b"\x00" in head:
        raise FileFormatError("unrecognised binary file (no known magic bytes)", file=p, record="byte 0")
    first = lines[0] if lines else ""
    low = first.lower()
    if all(m in low for m in _ARBIN_CSV_MARKERS):
        return "arbin-csv"
    if "," in first or ";" in first or "\t" in first:
        from cellworks.cycling.readers.bdf import looks_like_bdf

        sep = max((",", ";", "\t"), key=first.count)
        if looks_like_bdf([c.strip().strip('"') for c in first.split(sep)]):
            return "bdf-csv"
        return "generic-csv"
    raise FileFormatError("unrecognised file format (not a known cycler export)", file=p, record="line 1")


def read(
    path: str | Path,
    *,
    format: str | None = None,  # noqa: A002 - the public name the CLI and docs use
    column_map: dict[str, str] | None = None,
    active_mass_g: float | None = None,
    area_cm2: float | None = None,
    allow_truncated: bool | None = None,
    strict: bool = False,
) -> CyclingData:
    """Read any supported cycler file into the cellworks cycling table.

    ``format`` overrides detection (one of :data:`FORMATS`); ``column_map`` maps cellworks column
    names to the file's headers for generic/LAND tables; ``active_mass_g`` and ``area_cm2`` go to
    the metadata (a mass stored in the file is used when no argument is given;
    ``meta.extra['active_mass_source']`` says which). A text export whose last record is cut off
    is read without it, with one warning naming the line (noted in ``meta.extra``); ``strict``
    (or ``allow_truncated=False``) makes that a :class:`FileFormatError`. Binary files are always
    checked strictly.
    """
    p = Path(path)
    fmt = format or detect(p)
    if fmt not in FORMATS:
        raise FileFormatError(f"unknown format '{fmt}' (use one of {', '.join(FORMATS)})", file=p)
    if not p.is_file():
        raise FileNotFoundError(str(p))
    lenient = (not strict) if allow_truncated is None else bool(allow_truncated) and not strict
    data = _read_format(p, fmt, column_map=column_map, active_mass_g=active_mass_g, area_cm2=area_cm2,
                        lenient=lenient)
    if active_mass_g is not None:
        data = data.with_meta(extra={**data.meta.extra, "active_mass_source": "option (given by the user)"})
    return data


def _read_format(p: Path, fmt: str, *, column_map: dict[str, str] | None, active_mass_g: float | None,
                 area_cm2: float | None, lenient: bool) -> CyclingData:
    kw: dict[str, Any] = {"active_mass_g": active_mass_g, "area_cm2": area_cm2}
    if fmt == "biologic-mpr":
        from cellworks.cycling.readers.biologic import read_mpr

        return read_mpr(p, **kw)
    if fmt == "biologic-mpt":
        from cellworks.cycling.readers.biologic import read_mpt

        return read_mpt(p, allow_truncated=lenient, **kw)
    if fmt in ("neware-nda", "neware-ndax"):
        from cellworks.cycling.readers.neware import read_neware

        return read_neware(p, **kw)
    if fmt == "arbin-res":
        from cellworks.cycling.readers.arbin import read_res

        return read_res(p, **kw)
    if fmt == "arbin-csv":
        from cellworks.cycling.readers.arbin import read_arbin_csv

        return read_arbin_csv(p, allow_truncated=lenient, **kw)
    if fmt == "arbin-xlsx":
        from cellworks.cycling.readers.arbin import read_arbin_xlsx

        return read_arbin_xlsx(p, **kw)
    if fmt == "maccor-txt":
        from cellworks.cycling.readers.maccor import read_maccor

        return read_maccor(p, allow_truncated=lenient, **kw)
    if fmt in ("bdf-csv", "bdf-parquet"):
        from cellworks.cycling.readers.bdf import read_bdf

        return read_bdf(p, allow_truncated=lenient, **kw)
    if fmt in ("battdat-parquet", "battdat-hdf5"):
        from cellworks.cycling.readers.bdf import read_battdat

        return read_battdat(p, **kw)
    if fmt == "land-xlsx":
        from cellworks.cycling.readers.generic import read_land_xlsx

        return read_land_xlsx(p, column_map=column_map, **kw)
    if fmt == "generic-csv":
        from cellworks.cycling.readers.generic import read_generic_csv

        return read_generic_csv(p, column_map=column_map, allow_truncated=lenient, **kw)
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
