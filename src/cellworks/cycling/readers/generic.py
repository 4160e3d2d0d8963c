"""Generic CSV / XLSX tables (headers recognised or mapped), and LAND (Lanhe) XLSX exports.

Headers are split into a name and a unit (``Current(mA)``, ``Current/mA``, ``Current [mA]``,
``Voltage_V``, ``Test_Time(s)``, ``Time_s``); the unit converts the values to the cellworks base
unit. Without a mapping, columns are recognised by common names (:data:`ROLE_NAMES`, which include
the battery-data-toolkit raw-data names ``test_time``, ``voltage``, ``current``, ``cycle_number``,
``cycle_capacity``, …). ``--map`` (``column_map``) names the file's column for a role, e.g.
``{"current_A": "I (mA)", "voltage_V": "E", "test_time_s": "t"}``; the unit in the file's header
is still honoured (``I (mA)`` is divided by 1000).

Roles: ``test_time_s``, ``voltage_V``, ``current_A`` (required), ``cycle_index``, ``step_index``,
``step_type`` (a state text: C/D/R, CC_Chg, charging, ...), ``charge_capacity_Ah``,
``discharge_capacity_Ah``, ``capacity_Ah`` (one counter for both directions),
``net_capacity_Ah`` (signed, positive = discharged, battery-data-toolkit ``cycle_capacity``),
``charge_energy_Wh``, ``discharge_energy_Wh``, ``energy_Wh``, ``temperature_C``, ``record``.

Counters: whether a capacity counter restarts every step, every half-cycle, every cycle or never
is classified from the data (``cellworks.cycling.readers._counters``), never assumed. A column
found by its name but not asked for that is unusable (empty cells, e.g. in impedance rows) is
dropped with a note instead of aborting the read; a mapped column must be complete.

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

from cellworks.cycling.readers._common import assemble, monotonic_time, run_starts, step_key
from cellworks.errors import FileFormatError

if TYPE_CHECKING:
    import pandas as pd

    from cellworks.timeseries import CyclingData

ROLE_NAMES: dict[str, tuple[str, ...]] = {
    "test_time_s": ("testtime", "totaltime", "time", "elapsedtime", "testtimesec", "t", "times", "runtime",
                    "testtimes"),
    "voltage_V": ("voltage", "volts", "ewe", "ecell", "potential", "v", "cellvoltage", "u", "e"),
    "current_A": ("current", "amps", "i", "cur"),
    "cycle_index": ("cycleindex", "cycle", "cycleid", "cyclenumber", "cyc", "cycleno", "cyclecount"),
    "step_index": ("stepindex", "step", "stepid", "stepnumber", "stepno", "ns", "stepcount"),
    "step_type": ("state", "status", "steptype", "md", "stepstate", "workmode"),
    "charge_capacity_Ah": ("chargecapacity", "capacitancechg", "chgcapacity", "chgcap", "qcharge",
                           "cyclecapacitycharge", "chargingcapacity"),
    "discharge_capacity_Ah": ("dischargecapacity", "capacitancedchg", "dchgcapacity", "dchgcap", "qdischarge",
                              "cyclecapacitydischarge", "dischargingcapacity"),
    "capacity_Ah": ("capacity", "cap", "amphr"),
    "net_capacity_Ah": ("cyclecapacity",),
    "charge_energy_Wh": ("chargeenergy", "engychg", "chgenergy", "cycleenergycharge"),
    "discharge_energy_Wh": ("dischargeenergy", "engydchg", "dchgenergy", "cycleenergydischarge"),
    "energy_Wh": ("energy", "watthr"),
    "temperature_C": ("temperature", "temp", "t1", "auxtemperature1", "temp1"),
    "record": ("record", "recordid", "recordindex", "index", "datapoint", "rec", "recno"),
}
#: roles that must be present and complete
REQUIRED_ROLES = ("test_time_s", "voltage_V", "current_A")
_UNITS: dict[str, dict[str, float]] = {
    "test_time_s": {"s": 1, "sec": 1, "min": 60, "h": 3600, "hr": 3600, "ms": 1e-3},
    "voltage_V": {"v": 1, "mv": 1e-3},
    "current_A": {"a": 1, "ma": 1e-3, "ua": 1e-6, "µa": 1e-6},
    "capacity": {"ah": 1, "mah": 1e-3, "uah": 1e-6, "µah": 1e-6, "as": 1 / 3600, "c": 1 / 3600, "mas": 1 / 3.6e6,
                 "ahr": 1, "a-hr": 1},
    "energy": {"wh": 1, "mwh": 1e-3, "uwh": 1e-6, "µwh": 1e-6, "j": 1 / 3600, "ws": 1 / 3600},
    "temperature_C": {"c": 1, "°c": 1, "degc": 1, "℃": 1},
}
#: battery-data-toolkit (battdat) raw-data columns carry no unit in the name; its schema fixes them
BATTDAT_UNITS = {"cycle_energy": ("energy", 1 / 3600, "J (battdat schema)")}
_UNIT_SUFFIX = re.compile(r"^(.*?)[_ ](v|mv|a|ma|ua|s|sec|min|h|hr|ah|mah|wh|mwh|c|degc)$", re.IGNORECASE)


def split_header(header: str) -> tuple[str, str]:
    """``'Current(mA)'`` → (``'current'``, ``'ma'``); ``'TestTime/Sec'`` → (``'testtime'``, ``'sec'``);
    ``'Voltage_V'`` → (``'voltage'``, ``'v'``); ``'Test Time / s'`` → (``'testtime'``, ``'s'``)."""
    h = str(header).strip()
    m = re.match(r"^(.*?)\s*[(\[]\s*([^)\]]*)\s*[)\]]\s*$", h)
    if m:
        name, unit = m.group(1), m.group(2)
    elif "/" in h:
        name, unit = h.split("/", 1)
    else:
        m2 = _UNIT_SUFFIX.match(h)
        name, unit = (m2.group(1), m2.group(2)) if m2 and m2.group(1) else (h, "")
    return re.sub(r"[^a-z0-9]", "", name.lower()), unit.strip().lower().replace(" ", "")


def _unit_table(role: str) -> dict[str, float] | None:
    if "capacity" in role:
        return _UNITS["capacity"]
    if "energy" in role:
        return _UNITS["energy"]
    return _UNITS.get(role)


def _factor(role: str, unit: str, path: Path, col: str) -> float:
    table = _unit_table(role)
    if table is None or unit == "":
        return 1.0
    if unit not in table:
        raise FileFormatError(f"unknown unit '{unit}' for {role} (give another column with --map {role}='…')",
                              file=path, field=col)
    return float(table[unit])


def guess_roles(columns: list[str], column_map: dict[str, str] | None, path: Path) -> tuple[dict[str, str], set[str]]:
    """Role → column, and the roles the user mapped explicitly."""
    roles: dict[str, str] = {}
    if column_map:
        for key, col in column_map.items():
            if key not in ROLE_NAMES:
                raise FileFormatError(f"unknown --map key '{key}' (use one of {', '.join(ROLE_NAMES)})",
                                      file=path, field=key)
            if col not in columns:
                raise FileFormatError(f"--map {key}='{col}': no such column (columns: {', '.join(map(str, columns))})",
                                      file=path, field=col)
            roles[key] = col
    mapped = set(roles)
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
    # battdat: 'test_time' is the test clock, 'time' a Unix timestamp
    if roles.get("test_time_s") and split.get(roles["test_time_s"]) == "time" and "test_time" in columns \
            and "test_time_s" not in mapped:
        roles["test_time_s"] = "test_time"
    return roles, mapped


def _state_to_type(values: Any) -> Any:
    import numpy as np

    s = np.char.lower(np.char.strip(np.asarray(values, dtype=str)))
    out = np.full(len(s), "other", dtype=object)
    dis = (np.char.find(s, "dchg") >= 0) | (np.char.find(s, "dis") >= 0) | np.char.startswith(s, "d")
    chg = ~dis & ((np.char.find(s, "chg") >= 0) | (np.char.find(s, "charg") >= 0) | np.char.startswith(s, "c"))
    rest = (np.char.find(s, "rest") >= 0) | (s == "r") | (np.char.find(s, "ocv") >= 0) | np.char.startswith(s, "r")
    out[rest] = "rest"
    out[chg] = "charge"
    out[dis] = "discharge"
    return out


def _state_to_mode(values: Any) -> Any:
    """Instrument state texts that name a mode (CCCV_Chg, CV, Pulse, EIS, OCV, ...) → step modes
    (None where the text names none)."""
    import numpy as np

    s = np.char.lower(np.char.strip(np.asarray(values, dtype=str)))
    out = np.full(len(s), None, dtype=object)
    rules = (("cccv", "CCCV"), ("cpcv", "CPCV"), ("cv", "CV"), ("cc", "CC"), ("cp", "CP"), ("cr", "CR"),
             ("pulse", "pulse"), ("sim", "drive"), ("eis", "impedance"), ("fra", "impedance"), ("imped", "impedance"),
             ("ocv", "OCV"), ("rest", "rest"))
    for key, mode in rules:
        hit = (np.char.find(s, key) >= 0) & np.array([o is None for o in out], dtype=bool)
        out[hit] = mode
    return out


def _numeric(df: pd.DataFrame, col: str, path: Path, role: str, *, strict: bool) -> Any:
    """Float values of a column; None when it is unusable and not required (``strict`` False)."""
    import numpy as np
    import pandas as pd

    ser = df[col]
    if role == "test_time_s" and ser.dtype == object:
        try:
            td = pd.to_timedelta(ser.astype(str).str.replace(r"^(\d+)-", r"\1 days ", regex=True))
            return td.dt.total_seconds().to_numpy()
        except (ValueError, TypeError):
            pass
    if ser.dtype == object:
        ser = pd.to_numeric(ser.astype(str).str.replace(",", ".", regex=False), errors="coerce")
    vals = pd.to_numeric(ser, errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(vals)
    if bad.any():
        if not strict:
            return None
        row = int(np.flatnonzero(bad)[0])
        raise FileFormatError(
            f"empty or non-numeric value '{df[col].iloc[row]}' in a required column (truncated row? "
            f"or map another column with --map {role}='…')",
            file=path, record=f"data row {row + 1}", field=str(col))
    return vals


def table_to_cycling(
    df: pd.DataFrame, path: Path, *, fmt: str, instrument: str, column_map: dict[str, str] | None,
    active_mass_g: float | None, area_cm2: float | None, meta_extra: dict[str, Any] | None = None,
    header_where: str = "line 1", raw: bytes | None = None,
) -> CyclingData:
    """A table with recognised or mapped columns → the cellworks table (see the module docstring)."""
    import numpy as np

    from cellworks.cycling.readers._counters import boundary_masks, counter_increments

    df = df.dropna(how="all")
    df.columns = [str(c) for c in df.columns]
    roles, mapped = guess_roles(list(df.columns), column_map, path)
    for need in REQUIRED_ROLES:
        if need not in roles:
            raise FileFormatError(
                f"no column for {need} in the header: name it with --map {need}='<header>' "
                f"(columns: {', '.join(df.columns)})",
                file=path, record=header_where, field=need,
            )
    n = len(df)
    if n == 0:
        raise FileFormatError("no data rows", file=path)
    notes: dict[str, Any] = {}
    dropped: list[str] = []
    val: dict[str, Any] = {}
    for role, col in roles.items():
        if role == "step_type":
            continue
        required = role in REQUIRED_ROLES or role in mapped
        v = _numeric(df, col, path, role, strict=required)
        if v is None:
            dropped.append(f"'{col}' (as {role}: empty or non-numeric cells)")
            continue
        if col in BATTDAT_UNITS:
            val[role] = v * BATTDAT_UNITS[col][1]
            notes[f"unit_{col}"] = BATTDAT_UNITS[col][2]
        else:
            val[role] = v * _factor(role, split_header(col)[1], path, col)
    if dropped:
        notes["columns_not_used"] = dropped
    st_given = mode_given = None
    if "step_type" in roles:
        texts = df[roles["step_type"]].astype(str).to_numpy()
        st_given, mode_given = _state_to_type(texts), _state_to_mode(texts)
    current = val["current_A"]
    if st_given is not None and not (current < 0).any() and (st_given == "discharge").any():
        current = np.where(st_given == "discharge", -np.abs(current), current)
        notes["current_sign"] = "magnitudes in the file; negative where the state is a discharge"
    elif st_given is not None and (current[st_given == "discharge"] > 0).sum() > (current[st_given == "discharge"] < 0).sum():
        current = -current
        notes["current_sign"] = "the file counts discharge current as positive: sign reversed (cellworks: + on charge)"
    elif st_given is None and "current_A" not in mapped:
        flip, evidence = discharge_positive(current, val["voltage_V"])
        if flip:
            current = -current
            notes["current_sign"] = (f"the voltage falls when the file's current turns positive ({evidence}): the file "
                                     "counts discharge as positive; sign reversed (cellworks: + on charge)")
    raw_step = val.get("step_index")
    keys = [k for k in (raw_step, st_given) if k is not None]
    if not keys:
        keys = [np.sign(np.where(np.abs(current) > 1e-3 * np.abs(current).max(), current, 0.0))]
    cyc = val["cycle_index"].astype(np.int64) if "cycle_index" in val else np.ones(n, dtype=np.int64)
    step = step_key(*keys, cyc)
    starts = run_starts(step)
    t = monotonic_time(val["test_time_s"], starts)
    if not np.array_equal(t, val["test_time_s"]):
        notes["test_time"] = "the time column restarts at steps (a step time): accumulated into a test time"
    from cellworks.cycling.readers._common import derive_step_types

    kind = st_given if st_given is not None else derive_step_types(current, step)
    direction = np.where(kind == "charge", 1, np.where(kind == "discharge", -1, 0))
    bounds = boundary_masks(step, direction, cyc)
    extra: dict[str, Any] = {}
    if "record" in val:
        extra["instrument_record"] = val["record"].astype(np.int64)
    if raw_step is not None:
        extra["instrument_step"] = raw_step.astype(np.int64)
    kw: dict[str, Any] = {}
    how: list[str] = []
    if "charge_capacity_Ah" in val and "discharge_capacity_Ah" in val:
        extra["instrument_charge_capacity_Ah"] = val["charge_capacity_Ah"]
        extra["instrument_discharge_capacity_Ah"] = val["discharge_capacity_Ah"]
        kw["charge_increment_Ah"], c1 = counter_increments(val["charge_capacity_Ah"], bounds)
        kw["discharge_increment_Ah"], c2 = counter_increments(val["discharge_capacity_Ah"], bounds)
        how.append(f"charge counter {c1.describe() if c1 else ''}; discharge counter {c2.describe() if c2 else ''}")
        if "charge_energy_Wh" in val and "discharge_energy_Wh" in val:
            kw["charge_energy_increment_Wh"], _ = counter_increments(val["charge_energy_Wh"], bounds,
                                                                     rule=c1.rule if c1 else None)
            kw["discharge_energy_increment_Wh"], _ = counter_increments(val["discharge_energy_Wh"], bounds,
                                                                        rule=c2.rule if c2 else None)
    elif "capacity_Ah" in val or "net_capacity_Ah" in val:
        role = "capacity_Ah" if "capacity_Ah" in val else "net_capacity_Ah"
        extra[f"instrument_{role}"] = val[role]
        inc, c = counter_increments(val[role], bounds)
        how.append(f"one counter for both directions, {c.describe() if c else ''}")
        kw["charge_increment_Ah"] = np.where(kind == "charge", inc, 0.0)
        kw["discharge_increment_Ah"] = np.where(kind == "discharge", inc, 0.0)
        if "energy_Wh" in val:
            einc, _ = counter_increments(val["energy_Wh"], bounds, rule=c.rule if c else None)
            kw["charge_energy_increment_Wh"] = np.where(kind == "charge", einc, 0.0)
            kw["discharge_energy_increment_Wh"] = np.where(kind == "discharge", einc, 0.0)
    if how:
        notes["capacities"] = "instrument counters: " + "; ".join(how)
    st = None
    if st_given is not None:
        st = np.where(np.isin(st_given, ["charge", "discharge", "rest"]), st_given, "other")
    return assemble(
        path=path, instrument=instrument, fmt=fmt, test_time_s=t, voltage_V=val["voltage_V"], current_A=current,
        step_index=step, cycle_index=cyc, step_type=st, step_mode=mode_given, temperature_C=val.get("temperature_C"),
        extra_columns=extra, active_mass_g=active_mass_g, area_cm2=area_cm2,
        meta_extra={**(meta_extra or {}), **notes, "column_roles": roles}, raw=raw, **kw,
    )


#: current onsets (from rest to |I| above this fraction of the largest |I|) needed to judge the sign
SIGN_MIN_ONSETS = 3
SIGN_AGREEMENT = 0.8


def discharge_positive(current: Any, voltage: Any) -> tuple[bool, str]:
    """Whether a table counts discharge current as positive, judged by physics: when current
    starts to flow, the terminal voltage jumps by I·R in the direction of the current (up on charge,
    down on discharge). True when at least :data:`SIGN_AGREEMENT` of ≥ :data:`SIGN_MIN_ONSETS`
    onsets show the voltage falling as the current turns positive (or rising as it turns negative)."""
    import numpy as np

    i = np.asarray(current, dtype=float)
    v = np.asarray(voltage, dtype=float)
    if len(i) < 3 or not np.isfinite(i).all():
        return False, ""
    tol = 1e-3 * float(np.max(np.abs(i))) if len(i) else 0.0
    on = np.flatnonzero((np.abs(i[:-1]) <= tol) & (np.abs(i[1:]) > tol)) + 1
    if on.size < SIGN_MIN_ONSETS:
        return False, ""
    dv = v[on] - v[on - 1]
    agree = np.sign(dv) == np.sign(i[on])
    against = np.sign(dv) == -np.sign(i[on])
    n = int(agree.sum() + against.sum())
    if n >= SIGN_MIN_ONSETS and against.sum() >= SIGN_AGREEMENT * n:
        return True, f"{int(against.sum())} of {n} current onsets"
    return False, ""


def read_xlsx_sheets(path: str | Path) -> dict[str, pd.DataFrame]:
    """Every sheet of a workbook as a DataFrame (openpyxl, read-only; member sizes bounded)."""
    import pandas as pd

    from cellworks.cycling.readers._bounded import check_zip_members

    p = Path(path)
    try:
        with zipfile.ZipFile(p) as zf:
            check_zip_members(zf, p)
            bad = zf.testzip()
    except zipfile.BadZipFile as exc:
        raise FileFormatError(f"not a readable .xlsx (zip) workbook: {exc} (truncated?)", file=p,
                              record=f"byte {p.stat().st_size}") from None
    except UnicodeDecodeError:
        raise FileFormatError("workbook member name is not valid UTF-8 (corrupt archive)", file=p) from None
    if bad is not None:
        raise FileFormatError(f"workbook member '{bad}' is corrupt (CRC mismatch)", file=p)
    try:
        with open(p, "rb") as fh:
            sheets = pd.read_excel(fh, sheet_name=None, engine="openpyxl")
    except Exception as exc:  # openpyxl raises many types on broken XML
        raise FileFormatError(f"unreadable workbook ({type(exc).__name__}: {' '.join(str(exc).split())})",
                              file=p) from None
    return {str(k): v for k, v in sheets.items()}


def read_generic_csv(path: str | Path, *, column_map: dict[str, str] | None = None,
                     active_mass_g: float | None = None, area_cm2: float | None = None,
                     allow_truncated: bool = True) -> CyclingData:
    """Read a delimited text table (delimiter sniffed); a cut-off last row is dropped with a
    warning (an error when ``allow_truncated`` is False)."""

    import pandas as pd

    from cellworks.cycling.readers._common import check_last_row, read_bytes

    p = Path(path)
    raw = read_bytes(p)
    head = raw[:4096].decode("utf-8", errors="replace")
    first = head.splitlines()[0] if head else ""
    sep = max((",", ";", "\t"), key=first.count) if first else ","
    try:
        from cellworks.cycling.readers._csv import read_table

        df = read_table(raw, sep=sep)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise FileFormatError(f"unreadable CSV ({' '.join(str(exc).split())})", file=p) from None
    df = check_last_row(df, p, allow_truncated=allow_truncated, first_data_line=2, raw=raw, sep=sep)
    return table_to_cycling(df, p, fmt="generic-csv", instrument="generic table", column_map=column_map,
                            active_mass_g=active_mass_g, area_cm2=area_cm2, raw=raw,
                            meta_extra={str(k): v for k, v in df.attrs.items() if str(k).startswith("dropped")})


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
