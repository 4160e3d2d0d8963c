"""Battery Data Format (BDF) files and battery-data-toolkit (battdat) raw tables.

BDF (Battery Data Alliance, ontology 1.3.0, Apache-2.0): one cell per file, row 1 the header,
each column a fixed quantity in a fixed unit. Headers are read as the preferred label
(``Test Time / s``), the machine name (``test_time_second``), the listed alternative labels, the
deprecated ones (``Test Time / ms``, ``Step Index / 1``) and the 0.2-era names (``Temperature /
°C``). Current is positive on charge in BDF. Capacity families differ only in reset rule:
``Step …`` (every step), ``Cycle …`` (every cycle), ``Schedule …`` (where the schedule says:
classified from the data), plain ``Charging Capacity`` (never).

Pre-standard BDF-like files (cellpy's BattMo export: ``Test Time / h``, ``Step Type / 1``,
capacities that reset per step) read too; a file whose discharge steps carry positive current
is sign-reversed with a note. A test time that falls back to 0 at step starts (a step time under
the test-time label, BDF's own "Time_Bug" example) is accumulated, with a note.

battdat raw data (``test_time``, ``voltage``, ``current`` [A, + on charge], ``cycle_number``, …;
HDF5 tables under ``/raw_data`` or Parquet with ``battery_metadata``) map onto the same roles.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cellworks.errors import FileFormatError

if TYPE_CHECKING:
    import pandas as pd

    from cellworks.timeseries import CyclingData

#: (role, factor to the cellworks unit, reset rule or None) for each BDF label, machine name and alias
_BDF: list[tuple[tuple[str, ...], str, float, str | None]] = [
    (("Test Time / s", "test_time_second", "test_time_s"), "test_time_s", 1.0, None),
    (("Test Time / ms", "test_time_millisecond", "test_time_ms"), "test_time_s", 1e-3, None),
    (("Test Time / h",), "test_time_s", 3600.0, None),
    (("Voltage / V", "voltage_volt", "voltage_v"), "voltage_V", 1.0, None),
    (("Current / A", "current_ampere", "current_a"), "current_A", 1.0, None),
    (("Cycle Count / 1", "cycle_count", "cycle_count_1", "cycle_dimensionless"), "cycle_index", 1.0, None),
    (("Step Count / 1", "step_count", "step_count_1", "step_dimensionless"), "step_count", 1.0, None),
    (("Step ID", "step_id", "Step Index / 1", "step_index", "step_index_1"), "step_id", 1.0, None),
    (("Step Type", "step_type", "Step Type / 1"), "step_type", 1.0, None),
    (("Step Mode",), "step_mode", 1.0, None),
    (("Unix Time / s", "unix_time_second", "unix_time_s"), "unix_time_s", 1.0, None),
    (("Unix Time / ms", "unix_time_millisecond", "unix_time_ms", "date_time_millisecond"), "unix_time_s", 1e-3, None),
    (("Step Time / s", "step_time_second"), "step_time_s", 1.0, None),
    (("Record Index / 1", "record_index"), "record", 1.0, None),
    (("Step Charging Capacity / Ah", "step_charging_capacity_ah", "step_charge_capacity_ah"), "qc", 1.0, "step"),
    (("Step Discharging Capacity / Ah", "step_discharging_capacity_ah", "step_discharge_capacity_ah"), "qd", 1.0, "step"),
    (("Step Charging Energy / Wh", "step_charging_energy_wh", "step_charge_energy_wh"), "ec", 1.0, "step"),
    (("Step Discharging Energy / Wh", "step_discharging_energy_wh", "step_discharge_energy_wh"), "ed", 1.0, "step"),
    (("Cycle Charging Capacity / Ah", "cycle_charging_capacity_ah", "cycle_charge_capacity_ah"), "qc", 1.0, "cycle"),
    (("Cycle Discharging Capacity / Ah", "cycle_discharging_capacity_ah", "cycle_discharge_capacity_ah"), "qd", 1.0,
     "cycle"),
    (("Cycle Charging Energy / Wh", "cycle_charging_energy_wh", "cycle_charge_energy_wh"), "ec", 1.0, "cycle"),
    (("Cycle Discharging Energy / Wh", "cycle_discharging_energy_wh", "cycle_discharge_energy_wh"), "ed", 1.0, "cycle"),
    (("Schedule Charging Capacity / Ah", "schedule_charging_capacity_ah"), "qc", 1.0, None),
    (("Schedule Discharging Capacity / Ah", "schedule_discharging_capacity_ah"), "qd", 1.0, None),
    (("Schedule Charging Energy / Wh", "schedule_charging_energy_wh"), "ec", 1.0, None),
    (("Schedule Discharging Energy / Wh", "schedule_discharging_energy_wh"), "ed", 1.0, None),
    (("Charging Capacity / Ah", "charging_capacity_ah", "charge_capacity_ampere_hour"), "qc", 1.0, "never"),
    (("Discharging Capacity / Ah", "discharging_capacity_ah", "discharge_capacity_ampere_hour"), "qd", 1.0, "never"),
    (("Charging Energy / Wh", "charging_energy_wh", "charge_energy_watt_hour"), "ec", 1.0, "never"),
    (("Discharging Energy / Wh", "discharging_energy_wh", "discharge_energy_watt_hour"), "ed", 1.0, "never"),
    (("Charge Capacity / Ah",), "qc", 1.0, None),  # pre-standard (BattMo via cellpy): rule from the data
    (("Discharge Capacity / Ah",), "qd", 1.0, None),
    (("Ambient Temperature / degC", "ambient_temperature_celsius", "ambient_temperature_degc",
      "Temperature / degC", "Temperature / °C", "temperature_celsius"), "ambient_temperature_C", 1.0, None),
    (("Temperature T1 / degC", "temperature_t1_celsius", "temperature_t1_degc", "Surface Temperature T1 / degC",
      "surface_temperature_t1_celsius", "Surface Temperature / degC", "surface_temperature_celsius"), "T1", 1.0, None),
    (("Temperature T2 / degC", "temperature_t2_celsius", "temperature_t2_degc", "Surface Temperature T2 / degC",
      "surface_temperature_t2_celsius"), "T2", 1.0, None),
    (("Temperature T3 / degC", "temperature_t3_celsius", "temperature_t3_degc", "Surface Temperature T3 / degC",
      "surface_temperature_t3_celsius"), "T3", 1.0, None),
    (("Temperature T4 / degC", "temperature_t4_celsius", "temperature_t4_degc"), "T4", 1.0, None),
    (("Temperature T5 / degC", "temperature_t5_celsius", "temperature_t5_degc"), "T5", 1.0, None),
    (("Auxiliary Voltage / V",), "aux_voltage_V", 1.0, None),
    (("Power / W", "power_watt", "power_w"), "power_W", 1.0, None),
    (("Internal Resistance / ohm", "Internal Resistance / Ohm", "internal_resistance_ohm"), "internal_resistance_Ohm",
     1.0, None),
    (("Frequency / Hz", "frequency_hertz"), "frequency_Hz", 1.0, None),
    (("Real Impedance / ohm", "real_impedance_ohm"), "re_Z_Ohm", 1.0, None),
    (("Imaginary Impedance / ohm", "imaginary_impedance_ohm"), "minus_im_Z_Ohm", -1.0, None),
    (("Absolute Impedance / ohm", "absolute_impedance_ohm"), "abs_Z_Ohm", 1.0, None),
    (("Phase / deg", "phase_degree"), "phase_Z_deg", 1.0, None),
]


def _key(label: str) -> str:
    return re.sub(r"\s+", " ", str(label).strip().lower())


_LOOKUP: dict[str, tuple[str, float, str | None]] = {}
for _labels, _role, _f, _rule in _BDF:
    for _lab in _labels:
        _LOOKUP.setdefault(_key(_lab), (_role, _f, _rule))

#: battdat raw-data columns (schema units: s, V, A + on charge, A-hr, J, °C, Ω)
_BATTDAT: dict[str, tuple[str, float, str | None]] = {
    "test_time": ("test_time_s", 1.0, None), "voltage": ("voltage_V", 1.0, None),
    "current": ("current_A", 1.0, None), "cycle_number": ("cycle_index", 1.0, None),
    "time": ("unix_time_s", 1.0, None), "temperature": ("ambient_temperature_C", 1.0, None),
    "internal_resistance": ("internal_resistance_Ohm", 1.0, None),
    "cycle_capacity_charge": ("qc", 1.0, "cycle"), "cycle_capacity_discharge": ("qd", 1.0, "cycle"),
    "state": ("step_type", 1.0, None),
}


def bdf_roles(columns: list[str]) -> dict[str, tuple[str, float, str | None]]:
    """Column → (role, factor, reset rule) for every BDF column of a header (others left out)."""
    return {c: _LOOKUP[_key(c)] for c in columns if _key(c) in _LOOKUP}


def looks_like_bdf(columns: list[str]) -> bool:
    """A header with BDF's three required quantities (any accepted spelling)."""
    roles = {r for r, _, _ in bdf_roles(columns).values()}
    return {"test_time_s", "voltage_V", "current_A"} <= roles


def looks_like_battdat(columns: list[str]) -> bool:
    """battdat raw data: the lower-case ``test_time``, ``voltage`` and ``current`` columns."""
    return {"test_time", "voltage", "current"} <= set(columns)


def table_to_cycling(
    df: pd.DataFrame, path: Path, roles: dict[str, tuple[str, float, str | None]], *, fmt: str, instrument: str,
    active_mass_g: float | None, area_cm2: float | None, meta_extra: dict[str, Any] | None = None,
    raw: bytes | None = None,
) -> CyclingData:
    """A table whose columns' meaning and units are fixed (BDF, battdat) → the cellworks table."""
    import numpy as np
    import pandas as pd

    from cellworks.cycling.readers._common import (
        assemble,
        derive_step_types,
        monotonic_time,
        run_starts,
        step_key,
    )
    from cellworks.cycling.readers._counters import boundary_masks, counter_increments
    from cellworks.cycling.readers.generic import _state_to_mode, _state_to_type

    by_role: dict[str, tuple[str, float, str | None]] = {}
    for col, (role, f, rule) in roles.items():
        by_role.setdefault(role, (col, f, rule))
    n = len(df)
    if n == 0:
        raise FileFormatError("no data rows", file=path)
    notes: dict[str, Any] = dict(meta_extra or {})

    def num(role: str, required: bool = False) -> Any:
        if role not in by_role:
            return None
        col, f, _ = by_role[role]
        v = pd.to_numeric(df[col], errors="coerce").to_numpy(dtype=np.float64)
        bad = ~np.isfinite(v)
        if bad.any() and required:
            row = int(np.flatnonzero(bad)[0])
            raise FileFormatError(f"empty or non-numeric value '{df[col].iloc[row]}'", file=path,
                                  record=f"data row {row + 1}", field=col)
        return v * f

    t_raw, v, i = num("test_time_s", True), num("voltage_V", True), num("current_A", True)
    st_given = mode_given = None
    if "step_type" in by_role:
        texts = df[by_role["step_type"][0]].astype(str).to_numpy()
        st_given, mode_given = _state_to_type(texts), _state_to_mode(texts)
    if "step_mode" in by_role:
        given = df[by_role["step_mode"][0]].astype(str).to_numpy(dtype=object)
        mode_given = np.array([None if g in ("", "nan", "None") else g for g in given], dtype=object)
    if st_given is not None:
        dis = st_given == "discharge"
        if dis.any() and (i[dis] > 0).sum() > (i[dis] < 0).sum():
            i = -i
            notes["current_sign"] = ("discharge steps carry positive current in the file (pre-standard BDF): "
                                     "sign reversed to BDF's + on charge")
    cyc = num("cycle_index")
    cyc = cyc.astype(np.int64) if cyc is not None else np.ones(n, dtype=np.int64)
    step_count, step_id = num("step_count"), num("step_id")
    if step_count is not None:
        keys = [step_count]
    else:
        keys = [k for k in (step_id, st_given) if k is not None] or [
            np.sign(np.where(np.abs(i) > 1e-3 * np.abs(i).max(), i, 0.0))]
    step = step_key(*keys, cyc)
    starts = run_starts(step)
    t = monotonic_time(t_raw, starts, test_clock=True)
    if not np.array_equal(t, t_raw):
        falls = int((np.diff(t_raw) < 0).sum())
        notes["test_time"] = (f"the test time falls back {falls} time(s): lone records that fall back and return "
                              "take the previous record's time; a clock that restarts is continued")
    kind = st_given if st_given is not None else derive_step_types(i, step)
    direction = np.where(kind == "charge", 1, np.where(kind == "discharge", -1, 0))
    bounds = boundary_masks(step, direction, cyc)
    kw: dict[str, Any] = {}
    how: list[str] = []
    exact: dict[str, Any] = {}
    for role, key in (("qc", "charge_increment_Ah"), ("qd", "discharge_increment_Ah"),
                      ("ec", "charge_energy_increment_Wh"), ("ed", "discharge_energy_increment_Wh")):
        vals = num(role)
        if vals is None or not np.isfinite(vals).all():
            continue
        rule = by_role[role][2]
        if rule == "step" and step_count is not None:
            # already per step: taken as they are (exact round trip); energies keep the voltage's sign
            exact[role] = np.abs(vals) if role in ("qc", "qd") else vals
            continue
        kw[key], cls = counter_increments(vals, bounds, rule=rule)
        how.append(f"'{by_role[role][0]}' " + (f"restarts every {rule} (BDF definition)" if rule else
                                                (cls.describe() if cls else "")))
    if len(exact) == 4:
        kw = {"step_capacities": exact}
        how.append("per-step BDF capacities and energies taken as they are")
    elif not {"charge_increment_Ah", "discharge_increment_Ah"} <= set(kw):
        kw = {}
        how = ["no charge and discharge counters: integrated from current and time"]
    notes["capacities"] = "; ".join(how)
    extra: dict[str, Any] = {}
    if step_id is not None:
        extra["instrument_step"] = step_id.astype(np.int64)
    rec = num("record")
    if rec is not None:
        extra["instrument_record"] = rec.astype(np.int64)
    temps = [num(r) for r in ("T1", "T2", "T3", "T4", "T5", "ambient_temperature_C") if r in by_role]
    temperature = temps[0] if temps else None
    for k, tv in enumerate(temps[1:], start=2):
        extra[f"temperature_{k}_C"] = tv
    for role in ("aux_voltage_V", "power_W", "internal_resistance_Ohm", "frequency_Hz", "re_Z_Ohm", "minus_im_Z_Ohm",
                 "abs_Z_Ohm", "phase_Z_deg", "step_time_s"):
        vals = num(role)
        if vals is not None:
            extra[role if role != "step_time_s" else "instrument_step_time_s"] = vals
    timestamp = None
    unix = num("unix_time_s")
    if unix is not None and np.isfinite(unix).all():
        timestamp = pd.Series(pd.to_datetime(np.round(unix * 1e6).astype(np.int64), unit="us", utc=True))
    st = None if st_given is None else np.where(np.isin(st_given, ["charge", "discharge", "rest"]), st_given, "other")
    return assemble(
        path=path, instrument=instrument, fmt=fmt, test_time_s=t, voltage_V=v, current_A=i, step_index=step,
        cycle_index=cyc, step_type=st, step_mode=mode_given, temperature_C=temperature, timestamp=timestamp,
        extra_columns=extra, active_mass_g=active_mass_g, area_cm2=area_cm2,
        meta_extra={**notes, "columns": {c: r for c, (r, _, _) in roles.items()}}, raw=raw, **kw,
    )


def read_bdf(path: str | Path, *, active_mass_g: float | None = None, area_cm2: float | None = None,
             allow_truncated: bool = True) -> CyclingData:
    """A BDF file (``.bdf.csv`` or any CSV with a BDF header; ``.bdf.parquet``)."""

    import pandas as pd

    from cellworks.cycling.readers._common import check_last_row, read_bytes

    p = Path(path)
    raw = read_bytes(p)
    if raw[:4] == b"PAR1":
        df = _parquet(p)
        fmt = "bdf-parquet"
    else:
        try:
            from cellworks.cycling.readers._csv import read_table

            df = read_table(raw)
        except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
            raise FileFormatError(f"unreadable CSV ({' '.join(str(exc).split())})", file=p) from None
        df = check_last_row(df, p, allow_truncated=allow_truncated, first_data_line=2, raw=raw)
        fmt = "bdf-csv"
    roles = bdf_roles([str(c) for c in df.columns])
    if not looks_like_bdf(list(roles)):
        raise FileFormatError("not a BDF table: no Test Time, Voltage and Current columns", file=p, record="line 1")
    ignored = [str(c) for c in df.columns if str(c) not in roles]
    meta: dict[str, Any] = {"bdf_columns_ignored": ignored} if ignored else {}
    meta.update({str(k): v for k, v in df.attrs.items() if str(k).startswith("dropped")})
    return table_to_cycling(df, p, roles, fmt=fmt, instrument="BDF table", active_mass_g=active_mass_g,
                            area_cm2=area_cm2, meta_extra=meta, raw=raw)


def _parquet(p: Path) -> pd.DataFrame:
    import pyarrow.parquet as pq

    try:
        return pq.read_table(p).to_pandas()
    except Exception as exc:  # pyarrow raises several types for corrupt files
        raise FileFormatError(f"not a readable Parquet file ({' '.join(str(exc).split())[:200]})", file=p) from None


def read_battdat(path: str | Path, *, active_mass_g: float | None = None, area_cm2: float | None = None) -> CyclingData:
    """battery-data-toolkit raw data: Parquet (``raw_data``) or HDF5 (``/raw_data`` table; needs
    the optional ``h5py``)."""
    import json

    import pandas as pd

    p = Path(path)
    with open(p, "rb") as fh:
        magic = fh.read(8)
    meta: dict[str, Any] = {}
    if magic.startswith(b"PAR1"):
        import pyarrow.parquet as pq

        df = _parquet(p)
        kv = pq.read_schema(p).metadata or {}
        if b"battery_metadata" in kv:
            meta["battdat_metadata"] = json.loads(kv[b"battery_metadata"])
        fmt = "battdat-parquet"
    else:
        try:
            import h5py
        except ImportError:
            raise FileFormatError("battdat HDF5 needs the optional h5py package (pip install 'cellworks[hdf5]')",
                                  file=p) from None
        try:
            with h5py.File(p, "r") as h5:
                node = h5["raw_data"]
                table = node["table"][()] if isinstance(node, h5py.Group) else node[()]
                attrs = dict(h5.attrs)
        except (OSError, KeyError) as exc:
            raise FileFormatError(f"no readable /raw_data table ({' '.join(str(exc).split())[:200]})", file=p) from None
        df = pd.DataFrame({name: table[name] for name in table.dtype.names if name != "index"})
        if "battdat_version" in attrs:
            meta["battdat_version"] = str(attrs["battdat_version"])
        fmt = "battdat-hdf5"
    if not looks_like_battdat(list(df.columns)):
        raise FileFormatError("not a battdat raw-data table (no test_time, voltage, current)", file=p)
    roles = {c: _BATTDAT[c] for c in df.columns if c in _BATTDAT}
    if "cycle_number" in df.columns:
        meta["cycle_index"] = "battdat cycle_number (from 0) shifted to start at 1"
    return table_to_cycling(df, p, roles, fmt=fmt, instrument="battery-data-toolkit", active_mass_g=active_mass_g,
                            area_cm2=area_cm2, meta_extra=meta)
