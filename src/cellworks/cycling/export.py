"""The cycling table in the ecosystem's formats: BDF (CSV, Parquet), cellpy's raw table, navani's
processed table. Written atomically; the input is never touched.

BDF (Battery Data Format, ontology 1.3.0) — preferred labels, fixed units, current + on charge:

=============================  ==========================================  ====================
cellworks column               BDF column                                  note
=============================  ==========================================  ====================
test_time_s                    ``Test Time / s``                           required
voltage_V                      ``Voltage / V``                             required
current_A                      ``Current / A``                             required, + on charge
cycle_index                    ``Cycle Count / 1``
step_index                     ``Step Count / 1``                          +1 at every step
instrument_step                ``Step ID``                                 the program step
step_type                      ``Step Type``                               charge/discharge/rest/other
step_mode                      ``Step Mode``                               cellworks extension
charge/discharge_capacity_Ah   ``Step Charging/Discharging Capacity / Ah``  restart every step
charge/discharge_energy_Wh     ``Step Charging/Discharging Energy / Wh``
timestamp                      ``Unix Time / s``
temperature_C, temperature_k_C ``Temperature T1 / degC``, ``T<k>``
aux_voltage_V                  ``Auxiliary Voltage / V``                   cellworks extension
instrument_record              ``Record Index / 1``
power_W, frequency_Hz, …       ``Power / W``, ``Frequency / Hz``, ``Real/Imaginary/Absolute Impedance / ohm``, ``Phase / deg``
=============================  ==========================================  ====================

Reading the file back (``cellworks.cycling.read``) gives the same table: the per-step columns are
taken as they are and CSV numbers are written in their shortest exact form.

cellpy (legacy raw table, ``cellpy.get_headers_normal()``): ``data_point``, ``test_time`` (s),
``step_time`` (s), ``date_time``, ``cycle_index``, ``step_index`` (the program step),
``current`` (A), ``voltage`` (V), ``charge_capacity``, ``discharge_capacity`` (Ah, cumulative per
cycle and direction, as cellpy keeps them), ``charge_energy``, ``discharge_energy`` (Wh).

navani (``echem_file_loader`` output, which its ``cycle_summary`` and processed-CSV loader take):
``Time`` (s), ``Voltage`` (V), ``Current`` (mA), ``Capacity`` (mAh, from 0 in every half cycle),
``state`` (``R`` rest, ``0`` charge, ``1`` discharge), ``half cycle``, ``full cycle``,
``cycle change``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from cellworks.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

    from cellworks.timeseries import CyclingData

TARGETS: tuple[str, ...] = ("bdf", "cellpy", "navani", "parquet")

_BDF_OUT: tuple[tuple[str, str, float], ...] = (
    ("test_time_s", "Test Time / s", 1.0),
    ("voltage_V", "Voltage / V", 1.0),
    ("current_A", "Current / A", 1.0),
    ("cycle_index", "Cycle Count / 1", 1.0),
    ("step_index", "Step Count / 1", 1.0),
    ("instrument_step", "Step ID", 1.0),
    ("step_type", "Step Type", 1.0),
    ("step_mode", "Step Mode", 1.0),
    ("charge_capacity_Ah", "Step Charging Capacity / Ah", 1.0),
    ("discharge_capacity_Ah", "Step Discharging Capacity / Ah", 1.0),
    ("charge_energy_Wh", "Step Charging Energy / Wh", 1.0),
    ("discharge_energy_Wh", "Step Discharging Energy / Wh", 1.0),
    ("instrument_record", "Record Index / 1", 1.0),
    ("temperature_C", "Temperature T1 / degC", 1.0),
    ("temperature_2_C", "Temperature T2 / degC", 1.0),
    ("temperature_3_C", "Temperature T3 / degC", 1.0),
    ("temperature_4_C", "Temperature T4 / degC", 1.0),
    ("temperature_5_C", "Temperature T5 / degC", 1.0),
    ("aux_voltage_V", "Auxiliary Voltage / V", 1.0),
    ("power_W", "Power / W", 1.0),
    ("internal_resistance_Ohm", "Internal Resistance / ohm", 1.0),
    ("frequency_Hz", "Frequency / Hz", 1.0),
    ("re_Z_Ohm", "Real Impedance / ohm", 1.0),
    ("minus_im_Z_Ohm", "Imaginary Impedance / ohm", -1.0),
    ("abs_Z_Ohm", "Absolute Impedance / ohm", 1.0),
    ("phase_Z_deg", "Phase / deg", 1.0),
)


def target_of(path: str | Path, to: str | None = None) -> str:
    """The output format: ``to`` if given, else from the file name (``.bdf.csv``/``.bdf.parquet``
    → bdf, ``.parquet`` → cellworks Parquet; cellpy/navani need ``--to``)."""
    if to is not None:
        if to not in TARGETS:
            raise InputError(f"unknown output format '{to}'; choose one of {', '.join(TARGETS)}", field="to")
        return to
    name = Path(path).name.lower()
    if name.endswith((".bdf.csv", ".bdf.parquet", ".bdf.pq", ".bdf")):
        return "bdf"
    if name.endswith((".parquet", ".pq")):
        return "parquet"
    raise InputError(
        "cannot tell the output format from the file name: use .parquet (cellworks), .bdf.csv / .bdf.parquet "
        "(BDF), or --to cellpy|navani with .csv or .parquet",
        file=path, field="out",
    )


def to_bdf_frame(data: CyclingData) -> pd.DataFrame:
    """The table with BDF preferred labels and units (see the module docstring)."""
    import numpy as np
    import pandas as pd

    t = data.table
    out: dict[str, Any] = {}
    for col, label, factor in _BDF_OUT:
        if col not in t.columns:
            continue
        ser = t[col]
        if col in ("step_type", "step_mode"):
            out[label] = ser.astype(str).to_numpy(dtype=object)
        elif factor != 1.0:
            out[label] = ser.to_numpy(dtype=float) * factor
        else:
            out[label] = ser.to_numpy()
        if col == "test_time_s" and "timestamp" in t.columns:
            ts = pd.to_datetime(t["timestamp"], utc=True).dt.tz_localize(None)
            # µs resolution, whatever unit pandas stores
            out["Unix Time / s"] = ts.to_numpy().astype("datetime64[us]").astype(np.int64) / 1e6
    frame = pd.DataFrame(out)
    for c in frame.columns:
        if frame[c].dtype == object:
            continue
        if pd.api.types.is_integer_dtype(frame[c].dtype):
            frame[c] = frame[c].astype(np.int64)
    return frame


def to_cellpy_frame(data: CyclingData) -> pd.DataFrame:
    """cellpy's legacy raw table (capacities cumulative per cycle and direction, in Ah)."""
    import numpy as np
    import pandas as pd

    t = data.table
    n = len(t)
    step = t["step_index"].to_numpy()
    cyc = t["cycle_index"].to_numpy()

    def per_cycle(col: str) -> Any:
        # per-step counters summed over the cycle's earlier steps: cellpy's reset-per-cycle counters
        q = t[col].to_numpy(dtype=float)
        new_step = np.ones(n, dtype=bool)
        new_step[1:] = step[1:] != step[:-1]
        last = np.r_[np.flatnonzero(new_step)[1:] - 1, n - 1]
        step_tot = q[last]
        step_no = np.cumsum(new_step) - 1
        first_cycle_rec = np.ones(n, dtype=bool)
        first_cycle_rec[1:] = cyc[1:] != cyc[:-1]
        # offset: sum of the completed steps of the same cycle before this step
        cum = np.cumsum(step_tot) - step_tot
        cyc_start_step = np.maximum.accumulate(np.where(first_cycle_rec, step_no, 0))
        return q + cum[step_no] - cum[cyc_start_step]

    t0 = t["test_time_s"].to_numpy(dtype=float)
    new_step = np.ones(n, dtype=bool)
    new_step[1:] = step[1:] != step[:-1]
    start_t = t0[np.maximum.accumulate(np.where(new_step, np.arange(n), 0))]
    out = {
        "data_point": t["instrument_record"].to_numpy() if "instrument_record" in t else np.arange(1, n + 1),
        "test_time": t0,
        "step_time": t0 - start_t,
        "date_time": pd.to_datetime(t["timestamp"], utc=True) if "timestamp" in t else pd.NaT,
        "cycle_index": cyc,
        "step_index": t["instrument_step"].to_numpy() if "instrument_step" in t else step,
        "current": t["current_A"].to_numpy(),
        "voltage": t["voltage_V"].to_numpy(),
        "charge_capacity": per_cycle("charge_capacity_Ah"),
        "discharge_capacity": per_cycle("discharge_capacity_Ah"),
        "charge_energy": per_cycle("charge_energy_Wh"),
        "discharge_energy": per_cycle("discharge_energy_Wh"),
    }
    if "internal_resistance_Ohm" in t:
        out["internal_resistance"] = t["internal_resistance_Ohm"].to_numpy()
    return pd.DataFrame(out)


def to_navani_frame(data: CyclingData) -> pd.DataFrame:
    """navani's processed table (``state``: ``R``, 0 charge, 1 discharge; capacity from 0 in every
    half cycle, mAh; current in mA)."""
    import numpy as np
    import pandas as pd

    t = data.table
    st = t["step_type"].astype(str).to_numpy()
    state = np.where(st == "charge", "0", np.where(st == "discharge", "1", "R")).astype(object)
    active = state != "R"
    # a half cycle changes where the state of the non-rest records changes (navani's rule)
    act_idx = np.flatnonzero(active)
    change = np.zeros(len(t), dtype=bool)
    if act_idx.size:
        s_act = state[act_idx]
        ch = np.ones(act_idx.size, dtype=bool)
        ch[1:] = s_act[1:] != s_act[:-1]
        change[act_idx[ch]] = True
    half = np.cumsum(change)
    q = np.where(st == "charge", t["charge_capacity_Ah"].to_numpy(float),
                 np.where(st == "discharge", t["discharge_capacity_Ah"].to_numpy(float), 0.0))
    # capacity from 0 in every half cycle: step capacities summed over the half cycle's steps
    step = t["step_index"].to_numpy()
    n = len(t)
    new_step = np.ones(n, dtype=bool)
    new_step[1:] = step[1:] != step[:-1]
    last = np.r_[np.flatnonzero(new_step)[1:] - 1, n - 1]
    step_no = np.cumsum(new_step) - 1
    step_tot = q[last]
    cum = np.cumsum(step_tot) - step_tot
    half_start = np.maximum.accumulate(np.where(change, np.arange(n), 0))
    cap = q + cum[step_no] - cum[step_no[half_start]]
    cap = np.where(active, cap, 0.0)
    return pd.DataFrame({
        "Time": t["test_time_s"].to_numpy(),
        "Voltage": t["voltage_V"].to_numpy(),
        "Current": t["current_A"].to_numpy() * 1e3,
        "Capacity": cap * 1e3,
        "state": pd.Series(state).replace({"0": 0, "1": 1}).to_numpy(dtype=object),
        "cycle change": change,
        "half cycle": half.astype(np.int64),
        "full cycle": np.ceil(half / 2).astype(np.int64),
    })


def write_table(data: CyclingData, out: str | Path, *, to: str | None = None) -> tuple[Path, str]:
    """Write ``data`` to ``out`` in the format ``to`` (or the one the file name names); returns
    the path and the format. CSV or Parquet by the extension for BDF, cellpy and navani."""
    from cellworks._io import atomic_path, atomic_write
    from cellworks.timeseries import write_parquet

    target = target_of(out, to)
    path = Path(out)
    if target == "parquet":
        write_parquet(data, path)
        return path, target
    frame = {"bdf": to_bdf_frame, "cellpy": to_cellpy_frame, "navani": to_navani_frame}[target](data)
    if path.name.lower().endswith((".parquet", ".pq")):
        with atomic_path(path) as tmp:
            frame.to_parquet(tmp, index=False)
    elif path.name.lower().endswith((".csv", ".bdf")):
        with atomic_write(path, "w") as fh:
            frame.to_csv(fh, index=False)  # shortest exact float texts: read back bit for bit
    else:
        raise InputError(f"{target} tables are written as .csv or .parquet", file=path, field="out")
    return path, target


__all__ = ["TARGETS", "target_of", "to_bdf_frame", "to_cellpy_frame", "to_navani_frame", "write_table"]
