"""Arbin files: ``.res`` (MS Access / Jet database) and the CSV / XLSX exports of MITS Pro.

``.res`` is read in pure Python by ``access-parser`` (Apache-2.0): the file is loaded into memory
once (read-only) — no ODBC driver, no mdbtools, no temporary copy. The data table is
``Channel_Normal_Table``; its row count is checked against the count the table definition
declares, so a truncated database gives :class:`FileFormatError` instead of silently short data.

Mapping (Arbin → cellworks):

=====================================  =========================================================
``Test_Time`` (s)                      ``test_time_s``
``Voltage`` (V), ``Current`` (A)        ``voltage_V``, ``current_A`` (Arbin: positive on charge)
``Charge_Capacity``/``Discharge_...``   counters that restart per cycle (or never) → per-step
                                       capacities; raw values kept as ``instrument_*_Ah``
``Charge_Energy``/``Discharge_Energy``  same, in Wh
``Step_Index``                         schedule step; a new cellworks step wherever it or the cycle
                                       changes (``instrument_step`` keeps the raw number)
``Cycle_Index``                        ``cycle_index``
``Data_Point``                         ``instrument_record``
=====================================  =========================================================
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cellworks.cycling.readers._common import assemble, run_starts, step_key
from cellworks.errors import FileFormatError

if TYPE_CHECKING:
    import pandas as pd

    from cellworks.timeseries import CyclingData

JET_MAGIC = b"\x00\x01\x00\x00Standard Jet DB"

_ALIASES = {
    "data_point": "Data_Point",
    "test_time": "Test_Time",
    "step_time": "Step_Time",
    "step_index": "Step_Index",
    "cycle_index": "Cycle_Index",
    "current": "Current",
    "voltage": "Voltage",
    "charge_capacity": "Charge_Capacity",
    "discharge_capacity": "Discharge_Capacity",
    "charge_energy": "Charge_Energy",
    "discharge_energy": "Discharge_Energy",
    "date_time": "DateTime",
    "datetime": "DateTime",
    "temperature": "Temperature",
    "aux_temperature_1": "Temperature",
    "internal_resistance": "Internal_Resistance",
    "dv/dt": "dV/dt",
}
#: auxiliary channels of MITS Pro exports: Aux_Temperature_<n> (°C), Aux_Voltage_<n> (V)
_AUX = re.compile(r"^aux_(temperature|voltage)_(\d+)$")
#: unit suffixes of MITS Pro exports and the factor to the base unit of the canonical column
_UNIT_FACTORS = {"s": 1.0, "h": 3600.0, "min": 60.0, "a": 1.0, "ma": 1e-3, "v": 1.0, "mv": 1e-3, "ah": 1.0,
                 "mah": 1e-3, "wh": 1.0, "mwh": 1e-3, "c": 1.0}


def canonical_columns(columns: list[str]) -> dict[str, tuple[str, float]]:
    """Map export headers like ``Current(A)`` or ``Charge_Capacity(mAh)`` to (canonical, factor)."""
    out: dict[str, tuple[str, float]] = {}
    for col in columns:
        m = re.match(r"^\s*([^()\[\]]+?)\s*(?:[(\[]\s*([^)\]]*)\s*[)\]])?\s*$", str(col))
        if not m:
            continue
        base = m.group(1).strip().lower().replace(" ", "_")
        unit = (m.group(2) or "").strip().lower()
        canon = _ALIASES.get(base)
        aux = _AUX.match(base)
        if aux and base != "aux_temperature_1":
            canon = f"Aux_{aux.group(1).capitalize()}_{aux.group(2)}"
        if canon is None or canon in {c for c, _ in out.values()}:
            continue
        out[col] = (canon, _UNIT_FACTORS.get(unit, 1.0))
    return out


def _table_to_data(df: pd.DataFrame, path: Path, fmt: str, *, active_mass_g: float | None,
                   area_cm2: float | None, meta_extra: dict[str, Any], raw: bytes | None = None) -> CyclingData:
    import numpy as np

    cmap = canonical_columns(list(df.columns))
    cols: dict[str, Any] = {}
    for src, (canon, factor) in cmap.items():
        if canon == "DateTime":
            continue
        try:
            cols[canon] = df[src].to_numpy(dtype=float) * factor
        except (TypeError, ValueError) as exc:
            raise FileFormatError(f"non-numeric values ({exc})", file=path, field=str(src)) from None
    for need in ("Test_Time", "Current", "Voltage", "Step_Index", "Cycle_Index"):
        if need not in cols:
            raise FileFormatError(f"no '{need}' column (found: {', '.join(map(str, df.columns))})", file=path,
                                  record="header", field=need)
    optional = {"Temperature", "Internal_Resistance", "dV/dt"} | {k for k in cols if k.startswith("Aux_")}
    unused: list[str] = []
    for k in list(cols):
        bad = ~np.isfinite(cols[k])
        if bad.any():
            if k in optional:  # an empty optional column (MITS 7 'Internal Resistance') is not kept
                if bad.all():
                    unused.append(k)
                    del cols[k]
                continue
            row = int(np.flatnonzero(bad)[0])
            raise FileFormatError("empty or non-numeric value (truncated row?)", file=path,
                                  record=f"data row {row + 1}", field=k)
    if unused:
        meta_extra = {**meta_extra, "empty_columns_not_kept": unused}
    step_raw = cols["Step_Index"].astype(np.int64)
    cyc = cols["Cycle_Index"].astype(np.int64)
    step = step_key(step_raw, cyc)
    starts = run_starts(step)
    extra: dict[str, Any] = {"instrument_step": step_raw}
    if "Data_Point" in cols:
        extra["instrument_record"] = cols["Data_Point"].astype(np.int64)
    else:
        meta_extra = {**meta_extra, "record_index": "no Data_Point column (MITS Pro 7 export): rows numbered in file order"}
    from cellworks.cycling.readers._common import step_type_codes
    from cellworks.cycling.readers._counters import boundary_masks, counter_increments

    codes = step_type_codes(cols["Current"], step)
    direction = np.where(codes == 0, 1, np.where(codes == 1, -1, 0))
    bounds = boundary_masks(step, direction, cyc)
    inc: dict[str, Any] = {}
    rules: list[str] = []
    for canon, unit, key in (
        ("Charge_Capacity", "Ah", "qc"), ("Discharge_Capacity", "Ah", "qd"),
        ("Charge_Energy", "Wh", "ec"), ("Discharge_Energy", "Wh", "ed"),
    ):
        if canon in cols:
            extra[f"instrument_{canon.lower()}_{unit}"] = cols[canon]
            # Arbin counters reset where the schedule says (usually at a new cycle, sometimes never)
            # and run on from earlier steps or tests: the first record holds no new charge
            inc[key], cls = counter_increments(cols[canon], bounds, first_is_offset=True)
            if cls is not None and unit == "Ah":
                rules.append(f"{canon}: {cls.describe()}")
            meta_extra = {**meta_extra, f"{canon}_at_first_record": float(cols[canon][0])}
    have_q = "qc" in inc and "qd" in inc
    have_e = "ec" in inc and "ed" in inc
    aux: dict[str, Any] = {}
    temps = [cols[k] for k in sorted(k for k in cols if k.startswith("Aux_Temperature_"))]
    if "Internal_Resistance" in cols:
        aux["internal_resistance_Ohm"] = cols["Internal_Resistance"]
    volts = [cols[k] for k in sorted(k for k in cols if k.startswith("Aux_Voltage_"))]
    for n_v, vv in enumerate(volts):
        aux["aux_voltage_V" if n_v == 0 else f"aux_voltage_{n_v + 1}_V"] = vv
    temperature = cols.get("Temperature")
    if temperature is None and temps:
        temperature, temps = temps[0], temps[1:]
    for n_t, tv in enumerate(temps, start=2):
        aux[f"temperature_{n_t}_C"] = tv
    extra.update(aux)
    return assemble(
        path=path, instrument="Arbin", fmt=fmt, test_time_s=cols["Test_Time"], voltage_V=cols["Voltage"],
        current_A=cols["Current"], step_index=step, cycle_index=cyc,
        charge_increment_Ah=inc.get("qc") if have_q else None,
        discharge_increment_Ah=inc.get("qd") if have_q else None,
        charge_energy_increment_Wh=inc.get("ec") if have_e else None,
        discharge_energy_increment_Wh=inc.get("ed") if have_e else None,
        temperature_C=temperature, extra_columns=extra,
        active_mass_g=active_mass_g, area_cm2=area_cm2, raw=raw,
        meta_extra={**meta_extra, "capacities": "Arbin capacity/energy counters (" + "; ".join(rules) + ")",
                    "step_start_rows": int(starts.sum())},
    )


#: Jet column type → numpy dtype of fixed-length columns (Jet4 layout)
_JET_FIXED = {2: "u1", 3: "<i2", 4: "<i4", 5: "<i8", 6: "<f4", 7: "<f8", 8: "<f8"}


def fast_fixed_table(table: Any, version: int, page_size: int) -> pd.DataFrame | None:
    """Vectorised decoding of a Jet4 table whose columns are all fixed-length numbers.

    ``table`` is an ``access_parser`` table (used for its parsed table definition and the list of
    its data pages only). Record offsets of every page are read with numpy; each column is then
    gathered for all rows at once (``record start + 2 + column offset``), nulls from the record's
    trailing null bitmap. Returns None (caller falls back to the row-by-row parser) for Jet3,
    overflow records, or variable-length/boolean columns.
    """
    import numpy as np
    import pandas as pd

    if version < 4 or not table.table.linked_pages:
        return None
    cols = table.columns
    if any(not c.column_flags.fixed_length or c.type not in _JET_FIXED for c in cols.values()):
        return None
    pages = table.table.linked_pages
    buf = np.frombuffer(b"".join(pages), dtype=np.uint8)
    starts_l: list[Any] = []
    ends_l: list[Any] = []
    for k, page in enumerate(pages):
        count = int.from_bytes(page[12:14], "little")
        offs = np.frombuffer(page, dtype="<u2", count=count, offset=14).astype(np.int64)
        if (offs & 0x4000).any():
            return None  # overflow rows live on other pages: leave them to the full parser
        pos = offs & 0x1FFF
        end = np.empty_like(pos)
        if count:
            end[0] = page_size
            end[1:] = pos[:-1]
        keep = (offs & 0x8000) == 0
        base = k * page_size
        starts_l.append(base + pos[keep])
        ends_l.append(base + end[keep])
    starts = np.concatenate(starts_l) if starts_l else np.empty(0, dtype=np.int64)
    ends = np.concatenate(ends_l) if ends_l else np.empty(0, dtype=np.int64)
    n_null = (int(table.table_header.column_count) + 7) // 8
    out: dict[str, Any] = {}
    for c in sorted(cols.values(), key=lambda c: c.column_index):
        dt = np.dtype(_JET_FIXED[c.type])
        idx = (starts + 2 + int(c.fixed_offset))[:, None] + np.arange(dt.itemsize)
        if len(idx) and int(idx.max()) >= len(buf):
            return None
        vals = buf[idx].copy().view(dt).ravel()
        byte = ends - n_null + c.column_id // 8
        present = (buf[byte] >> (c.column_id % 8)) & 1
        if not present.all():
            vals = vals.astype(float)
            vals[present == 0] = np.nan
        out[c.col_name_str] = vals
    return pd.DataFrame(out)


def read_res_tables(
    path: str | Path, *, names: tuple[str, ...] | None = None, fast: bool = True
) -> dict[str, pd.DataFrame]:
    """User tables of an Arbin ``.res`` (all, or those in ``names``) as DataFrames.

    Pure Python, read-only. Tables of fixed-length numbers (the data tables) are decoded with
    :func:`fast_fixed_table`; others, or when ``fast`` is False, row by row by access-parser. Every
    table's row count is checked against the count its definition declares.
    """
    import logging

    import pandas as pd
    from access_parser import AccessParser

    p = Path(path)
    size = p.stat().st_size
    with open(p, "rb") as fh:
        head = fh.read(0x20)
    if not head.startswith(JET_MAGIC):
        raise FileFormatError("not an MS Access (Jet) database", file=p, record="byte 0")
    page = 2048 if head[0x14] == 0 else 4096  # Jet3 pages are 2 KiB, Jet4 4 KiB
    if size % page:
        raise FileFormatError(f"file size {size} is not a whole number of {page}-byte database pages (truncated)",
                              file=p, record=f"byte {size - size % page}")
    logging.getLogger("access_parser").setLevel(logging.CRITICAL)
    try:
        db = AccessParser(str(p))
    except Exception as exc:  # the parser raises construct/struct errors on corrupt pages
        # construct's StreamError texts span several lines: one line here
        raise FileFormatError(f"corrupt database ({type(exc).__name__}: {' '.join(str(exc).split())[:300]})",
                              file=p) from None
    out: dict[str, pd.DataFrame] = {}
    for name in db.catalog:
        if name.startswith("MSys") or (names is not None and name not in names):
            continue
        try:
            table = db.get_table(name)
            if table is None:
                continue
            declared = int(table.table_header.number_of_rows)
            frame = fast_fixed_table(table, db.version, db.page_size) if fast else None
            if frame is None or len(frame) != declared:
                parsed = table.parse()
                frame = pd.DataFrame({k: v for k, v in parsed.items() if isinstance(v, list)})
        except Exception as exc:
            raise FileFormatError(
                f"table '{name}' is corrupt ({type(exc).__name__}: {' '.join(str(exc).split())[:300]})", file=p) from None
        if len(frame) != declared:
            raise FileFormatError(
                f"table '{name}' declares {declared} rows but {len(frame)} could be read (truncated or corrupt)",
                file=p, record=f"row {len(frame) + 1}",
            )
        out[name] = frame
    return out


def read_res(path: str | Path, *, active_mass_g: float | None = None, area_cm2: float | None = None) -> CyclingData:
    p = Path(path)
    tables = read_res_tables(p, names=("Channel_Normal_Table", "Global_Table"))
    if "Channel_Normal_Table" not in tables:
        raise FileFormatError("no Channel_Normal_Table: not an Arbin result file", file=p)
    df = tables["Channel_Normal_Table"]
    if len(df) == 0:
        raise FileFormatError("Channel_Normal_Table is empty", file=p)
    df = df.sort_values(["Test_ID", "Data_Point"], kind="stable").reset_index(drop=True) if "Test_ID" in df else df
    meta: dict[str, Any] = {}
    g = tables.get("Global_Table")
    cell = None
    if g is not None and len(g):
        row = g.iloc[0]
        for k in ("Test_Name", "Schedule_File_Name", "Channel_Number", "Creator"):
            if k in g.columns:
                meta[k] = str(row[k])
        cell = meta.get("Test_Name")
    data = _table_to_data(df, p, "arbin-res", active_mass_g=active_mass_g, area_cm2=area_cm2, meta_extra=meta)
    return data.with_meta(cell_name=cell) if cell else data


def read_arbin_csv(
    path: str | Path, *, active_mass_g: float | None = None, area_cm2: float | None = None,
    allow_truncated: bool = True,
) -> CyclingData:
    """MITS Pro CSV export. A cut-off last record (a live file) is dropped with one warning, or
    with ``allow_truncated=False`` is an error."""

    import pandas as pd

    from cellworks.cycling.readers._common import check_last_row, read_bytes, warn_once

    p = Path(path)
    raw = read_bytes(p)
    try:
        from cellworks.cycling.readers._csv import read_table

        df = read_table(raw)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise FileFormatError(f"unreadable CSV ({' '.join(str(exc).split())})", file=p) from None
    ends_with_newline = raw[-1:] in (b"\n", b"\r")
    n_before = len(df)
    df = check_last_row(df, p, allow_truncated=allow_truncated, first_data_line=2)
    meta: dict[str, Any] = dict(df.attrs)
    if not ends_with_newline and len(df) == n_before and len(df):
        # MITS Pro ends every record with a line break: a last line without one was cut short
        line = len(df) + 1
        if not allow_truncated:
            raise FileFormatError(
                "last record has no line end (the file ends inside this record: truncated, or still being written)",
                file=p, record=f"line {line}")
        warn_once(f"{p.name}: line {line}: record cut off (no line end); incomplete last record dropped")
        df = df.iloc[:-1]
        meta["dropped_incomplete_last_record"] = f"line {line}"
    return _table_to_data(df, p, "arbin-csv", active_mass_g=active_mass_g, area_cm2=area_cm2, meta_extra=meta,
                          raw=raw)


def read_arbin_xlsx(path: str | Path, *, active_mass_g: float | None = None, area_cm2: float | None = None) -> CyclingData:
    """MITS Pro workbook: data in the sheet(s) named ``Channel...`` (concatenated in order)."""
    import pandas as pd

    from cellworks.cycling.readers._xlsx import read_workbook

    p = Path(path)
    grids: dict[str, list[list[Any]]] = {"Global_Info": []}
    sheets = read_workbook(p, grids=grids)
    # MITS Pro: Channel_<n>_<part> sheets in order (large tests are split); Channel_Chart is a chart
    data = [df for name, df in sheets.items() if re.match(r"^channel[_-]", name.lower()) and "chart" not in name.lower()]
    if not data:
        raise FileFormatError(f"no 'Channel_…' data sheet (sheets: {', '.join(sheets)})", file=p)
    df = pd.concat(data, ignore_index=True) if len(data) > 1 else data[0]
    meta: dict[str, Any] = {"sheets": [n for n in sheets if re.match(r"^channel[_-]", n.lower())]}
    info = grids["Global_Info"]
    if len(info) >= 4:
        # row 4 of Global_Info names the fields of row 5 (MITS Pro 7: Channel, Schedule File Name, ...)
        hdr, row = info[3], info[4] if len(info) > 4 else []
        meta["global_info"] = {str(h): str(v) for h, v in zip(hdr, row, strict=False) if h is not None and v is not None}
    return _table_to_data(df, p, "arbin-xlsx", active_mass_g=active_mass_g, area_cm2=area_cm2, meta_extra=meta)
