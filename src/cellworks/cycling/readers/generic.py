"""Generic CSV / XLSX tables with a column mapping, and LAND (Lanhe) XLSX exports.

Headers are split into a name and a unit (``Current(mA)``, ``Current/mA``, ``Current [mA]``); the
unit converts the values to the cellworks base unit. Without a mapping, columns are recognised
by common names (see :data:`ROLE_NAMES`). A mapping names the file's column for a cellworks
column, e.g. ``{"current_A": "I (mA)", "voltage_V": "E", "test_time_s": "t"}``; the unit in the
*file's* header is still honoured (``I (mA)`` is divided by 1000).

Mapping keys: ``test_time_s``, ``voltage_V``, ``current_A``, ``cycle_index``, ``step_index``,
``step_type`` (a state text: C/D/R, CC_Chg, CC_DChg, Rest, ...), ``charge_capacity_Ah``,
``discharge_capacity_Ah``, ``capacity_Ah`` (one counter for both directions),
``charge_energy_Wh``, ``discharge_energy_Wh``, ``energy_Wh``, ``temperature_C``, ``record``.

LAND: the LANDdt software exports a workbook whose record sheet (``Record``/``记录表``, or the
first sheet) has the columns ``Record``, ``Cycle-Index``/``Cycle``, ``Step-Index``/``Step``,
``TestTime/Sec``, ``StepTime/Sec``, ``Current/mA``, ``Voltage/V``, ``Capacity/mAh``,
``Energy/mWh`` and a state column; capacities count from 0 in every step. (Layout as documented
by cellpy's LAND instrument description; no LAND file was available to us — the tests use a
workbook built in that layout.)
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cellworks.cycling.readers._common import (
    assemble,
    increments_from_counter,
    monotonic_time,
    run_starts,
    step_key,
)
from cellworks.errors import FileFormatError

if TYPE_CHECKING:
    import pandas as pd

    from cellworks.timeseries import CyclingData

ROLE_NAMES: dict[str, tuple[str, ...]] = {
    "test_time_s": ("testtime", "totaltime", "time", "elapsedtime", "testtimesec", "t", "times"),
    "voltage_V": ("voltage", "volts", "ewe", "ecell", "potential", "v", "cellvoltage"),
    "current_A": ("current", "amps", "i", "cur"),
    "cycle_index": ("cycleindex", "cycle", "cycleid", "cyclenumber", "cyc", "cycleno"),
    "step_index": ("stepindex", "step", "stepid", "stepnumber", "stepno", "ns"),
    "step_type": ("state", "status", "steptype", "md", "stepstate", "workmode"),
    "charge_capacity_Ah": ("chargecapacity", "capacitancechg", "chgcapacity", "chgcap", "qcharge"),
    "discharge_capacity_Ah": ("dischargecapacity", "capacitancedchg", "dchgcapacity", "dchgcap", "qdischarge"),
    "capacity_Ah": ("capacity", "cap", "amphr"),
    "charge_energy_Wh": ("chargeenergy", "engychg", "chgenergy"),
    "discharge_energy_Wh": ("dischargeenergy", "engydchg", "dchgenergy"),
    "energy_Wh": ("energy", "watthr"),
    "temperature_C": ("temperature", "temp", "t1", "auxtemperature1"),
    "record": ("record", "recordid", "recordindex", "index", "datapoint", "rec", "recno"),
}
_UNITS: dict[str, dict[str, float]] = {
    "test_time_s": {"s": 1, "sec": 1, "min": 60, "h": 3600, "hr": 3600, "ms": 1e-3},
    "voltage_V": {"v": 1, "mv": 1e-3},
    "current_A": {"a": 1, "ma": 1e-3, "ua": 1e-6, "µa": 1e-6},
    "capacity": {"ah": 1, "mah": 1e-3, "uah": 1e-6, "µah": 1e-6, "as": 1 / 3600, "c": 1 / 3600},
    "energy": {"wh": 1, "mwh": 1e-3, "uwh": 1e-6, "µwh": 1e-6},
}


def split_header(header: str) -> tuple[str, str]:
    """``'Current(mA)'`` → (``'current'``, ``'ma'``); ``'TestTime/Sec'`` → (``'testtime'``, ``'sec'``)."""
    h = str(header).strip()
    m = re.match(r"^(.*?)\s*[(\[]\s*([^)\]]*)\s*[)\]]\s*$", h)
    if m:
        name, unit = m.group(1), m.group(2)
    elif "/" in h:
        name, unit = h.split("/", 1)
    else:
        name, unit = h, ""
    return re.sub(r"[^a-z0-9]", "", name.lower()), unit.strip().lower().replace(" ", "")


def _factor(role: str, unit: str, path: Path, col: str) -> float:
    table = _UNITS.get("capacity" if "capacity" in role else "energy" if "energy" in role else role)
    if table is None or unit == "":
        return 1.0
    if unit not in table:
        raise FileFormatError(f"unknown unit '{unit}' for {role}", file=path, field=col)
    return float(table[unit])


def guess_roles(columns: list[str], column_map: dict[str, str] | None, path: Path) -> dict[str, str]:
    roles: dict[str, str] = {}
    if column_map:
        for key, col in column_map.items():
            if key not in ROLE_NAMES:
                raise FileFormatError(f"unknown mapping key '{key}' (use one of {', '.join(ROLE_NAMES)})",
                                      file=path, field=key)
            if col not in columns:
                raise FileFormatError(f"column '{col}' not in the file (columns: {', '.join(map(str, columns))})",
                                      file=path, field=col)
            roles[key] = col
    taken = set(roles.values())
    split = {c: split_header(c)[0] for c in columns}
    for role, names in ROLE_NAMES.items():
        if role in roles:
            continue
        for n in names:
            hit = next((c for c in columns if split[c] == n and c not in taken), None)
            if hit is not None:
                roles[role] = hit
                taken.add(hit)
                break
    return roles


def _state_to_type(values: Any) -> Any:
    import numpy as np

    s = np.char.lower(np.asarray(values, dtype=str))
    out = np.full(len(s), "other", dtype=object)
    dis = (np.char.find(s, "dchg") >= 0) | (np.char.find(s, "dis") >= 0) | np.char.startswith(s, "d")
    chg = ~dis & ((np.char.find(s, "chg") >= 0) | (np.char.find(s, "charge") >= 0) | np.char.startswith(s, "c"))
    rest = (np.char.find(s, "rest") >= 0) | (s == "r") | (np.char.find(s, "ocv") >= 0) | np.char.startswith(s, "r")
    out[rest] = "rest"
    out[chg] = "charge"
    out[dis] = "discharge"
    return out


def _numeric(df: pd.DataFrame, col: str, path: Path, role: str) -> Any:
    import numpy as np
    import pandas as pd

    ser = df[col]
    if role == "test_time_s" and ser.dtype == object:
        try:
            td = pd.to_timedelta(ser.astype(str).str.replace(r"^(\d+)-", r"\1 days ", regex=True))
            return td.dt.total_seconds().to_numpy()
        except (ValueError, TypeError):
            pass
    vals = pd.to_numeric(ser.astype(str).str.replace(",", ".", regex=False) if ser.dtype == object else ser,
                         errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(vals)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise FileFormatError(f"empty or non-numeric value '{ser.iloc[row]}' (truncated row?)", file=path,
                              record=f"data row {row + 1}", field=str(col))
    return vals


def table_to_cycling(
    df: pd.DataFrame, path: Path, *, fmt: str, instrument: str, column_map: dict[str, str] | None,
    active_mass_g: float | None, area_cm2: float | None, meta_extra: dict[str, Any] | None = None,
    header_where: str = "line 1",
) -> CyclingData:
    import numpy as np

    df = df.dropna(how="all")
    roles = guess_roles([str(c) for c in df.columns], column_map, path)
    df.columns = [str(c) for c in df.columns]
    for need in ("test_time_s", "voltage_V", "current_A"):
        if need not in roles:
            raise FileFormatError(
                f"no column for {need} in the header: give column_map={{'{need}': '<header>'}} "
                f"(columns: {', '.join(df.columns)})",
                file=path, record=header_where, field=need,
            )
    n = len(df)
    if n == 0:
        raise FileFormatError("no data rows", file=path)
    val: dict[str, Any] = {}
    for role, col in roles.items():
        if role == "step_type":
            continue
        v = _numeric(df, col, path, role)
        val[role] = v * _factor(role, split_header(col)[1], path, col)
    st_given = _state_to_type(df[roles["step_type"]].astype(str).to_numpy()) if "step_type" in roles else None
    current = val["current_A"]
    if st_given is not None and not (current < 0).any():
        current = np.where(st_given == "discharge", -np.abs(current), current)
    raw_step = val.get("step_index", None)
    keys = [k for k in (raw_step, st_given) if k is not None]
    if not keys:
        keys = [np.sign(np.where(np.abs(current) > 1e-3 * np.abs(current).max(), current, 0.0))]
    cyc = val["cycle_index"].astype(np.int64) if "cycle_index" in val else np.ones(n, dtype=np.int64)
    step = step_key(*keys, cyc)
    starts = run_starts(step)
    t = monotonic_time(val["test_time_s"], starts)
    extra: dict[str, Any] = {}
    if "record" in val:
        extra["instrument_record"] = val["record"].astype(np.int64)
    if raw_step is not None:
        extra["instrument_step"] = raw_step.astype(np.int64)
    kw: dict[str, Any] = {}
    if "charge_capacity_Ah" in val and "discharge_capacity_Ah" in val:
        extra["instrument_charge_capacity_Ah"] = val["charge_capacity_Ah"]
        extra["instrument_discharge_capacity_Ah"] = val["discharge_capacity_Ah"]
        kw["charge_increment_Ah"] = increments_from_counter(val["charge_capacity_Ah"], resets=starts)
        kw["discharge_increment_Ah"] = increments_from_counter(val["discharge_capacity_Ah"], resets=starts)
    elif "capacity_Ah" in val:
        extra["instrument_capacity_Ah"] = val["capacity_Ah"]
        inc = increments_from_counter(np.abs(val["capacity_Ah"]), resets=starts)
        from cellworks.cycling.readers._common import derive_step_types

        kind = st_given if st_given is not None else derive_step_types(current, step)
        kw["charge_increment_Ah"] = np.where(kind == "charge", inc, 0.0)
        kw["discharge_increment_Ah"] = np.where(kind == "discharge", inc, 0.0)
        if "energy_Wh" in val:
            extra["instrument_energy_Wh"] = val["energy_Wh"]
            einc = increments_from_counter(np.abs(val["energy_Wh"]), resets=starts)
            kw["charge_energy_increment_Wh"] = np.where(kind == "charge", einc, 0.0)
            kw["discharge_energy_increment_Wh"] = np.where(kind == "discharge", einc, 0.0)
    if "charge_energy_Wh" in val and "discharge_energy_Wh" in val and "charge_increment_Ah" in kw:
        kw["charge_energy_increment_Wh"] = increments_from_counter(val["charge_energy_Wh"], resets=starts)
        kw["discharge_energy_increment_Wh"] = increments_from_counter(val["discharge_energy_Wh"], resets=starts)
    st = None
    if st_given is not None:
        st = np.where(np.isin(st_given, ["charge", "discharge", "rest"]), st_given, "other")
    return assemble(
        path=path, instrument=instrument, fmt=fmt, test_time_s=t, voltage_V=val["voltage_V"], current_A=current,
        step_index=step, cycle_index=cyc, step_type=st, temperature_C=val.get("temperature_C"),
        extra_columns=extra, active_mass_g=active_mass_g, area_cm2=area_cm2,
        meta_extra={**(meta_extra or {}), "column_roles": roles}, **kw,
    )


def read_xlsx_sheets(path: str | Path) -> dict[str, pd.DataFrame]:
    """Every sheet of a workbook as a DataFrame (openpyxl, read-only)."""
    import pandas as pd

    p = Path(path)
    try:
        with zipfile.ZipFile(p) as zf:
            bad = zf.testzip()
    except zipfile.BadZipFile as exc:
        raise FileFormatError(f"not a readable .xlsx (zip) workbook: {exc} (truncated?)", file=p,
                              record=f"byte {p.stat().st_size}") from None
    if bad is not None:
        raise FileFormatError(f"workbook member '{bad}' is corrupt (CRC mismatch)", file=p)
    try:
        with open(p, "rb") as fh:
            sheets = pd.read_excel(fh, sheet_name=None, engine="openpyxl")
    except Exception as exc:  # openpyxl raises many types on broken XML
        raise FileFormatError(f"unreadable workbook ({type(exc).__name__}: {exc})", file=p) from None
    return {str(k): v for k, v in sheets.items()}


def read_generic_csv(path: str | Path, *, column_map: dict[str, str] | None = None,
                     active_mass_g: float | None = None, area_cm2: float | None = None,
                     allow_truncated: bool = False) -> CyclingData:
    import pandas as pd

    from cellworks.cycling.readers._common import check_last_row

    p = Path(path)
    try:
        with open(p, "rb") as fh:
            df = pd.read_csv(fh, sep=None, engine="python", encoding_errors="replace")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise FileFormatError(f"unreadable CSV ({exc})", file=p) from None
    df = check_last_row(df, p, allow_truncated=allow_truncated, first_data_line=2)
    return table_to_cycling(df, p, fmt="generic-csv", instrument="generic table", column_map=column_map,
                            active_mass_g=active_mass_g, area_cm2=area_cm2)


def _data_sheet(sheets: dict[str, pd.DataFrame], prefer: tuple[str, ...]) -> tuple[str, pd.DataFrame]:
    for name, df in sheets.items():
        if name.strip().lower() in prefer:
            return name, df
    return max(sheets.items(), key=lambda kv: len(kv[1]))


def read_generic_xlsx(path: str | Path, *, column_map: dict[str, str] | None = None,
                      active_mass_g: float | None = None, area_cm2: float | None = None) -> CyclingData:
    p = Path(path)
    sheets = read_xlsx_sheets(p)
    name, df = _data_sheet(sheets, ("data", "record", "records"))
    return table_to_cycling(df, p, fmt="generic-xlsx", instrument="generic table", column_map=column_map,
                            active_mass_g=active_mass_g, area_cm2=area_cm2, meta_extra={"sheet": name},
                            header_where=f"sheet '{name}' row 1")


LAND_RECORD_SHEETS = ("record", "记录表", "records", "data")


def read_land_xlsx(path: str | Path, *, column_map: dict[str, str] | None = None,
                   active_mass_g: float | None = None, area_cm2: float | None = None) -> CyclingData:
    p = Path(path)
    sheets = read_xlsx_sheets(p)
    name, df = _data_sheet(sheets, LAND_RECORD_SHEETS)
    return table_to_cycling(df, p, fmt="land-xlsx", instrument="LAND (Lanhe)", column_map=column_map,
                            active_mass_g=active_mass_g, area_cm2=area_cm2, meta_extra={"sheet": name},
                            header_where=f"sheet '{name}' row 1")


def looks_like_land(headers: list[str], sheet_names: list[str]) -> bool:
    """LANDdt workbooks: slash units (``Current/mA``) plus LAND's hyphenated index names or sheets."""
    hs = {str(h).strip().lower() for h in headers}
    sn = {s.strip().lower() for s in sheet_names}
    land_cols = {"cycle-index", "step-index", "testtime/sec", "steptime/sec", "capacity/mah", "spececap/mah/g"}
    return len(hs & land_cols) >= 2 or ("记录表" in sn) or ({"record", "step", "cycle"} <= sn)
