"""Batch task functions of the parts, ready for :func:`cellworks.batch.run_batch`.

Each task takes one input (a file path or a parameter mapping) and returns a pandas DataFrame.
They are module-level functions (picklable by reference on every Dask worker) and import their
heavy dependencies inside.

Also here: :func:`synthetic_cycler_file`, a deterministic simulated cycler record (galvanostatic
cycling of a cell with an open-circuit-voltage curve, an ohmic resistance and capacity fade) that
the scale benchmark and the batch tests use, in memory (:func:`simulate_and_summarize`, a
parameter-sweep task) or written with :func:`cellworks.timeseries.write_parquet`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cellworks.errors import FileFormatError

if TYPE_CHECKING:
    import pandas as pd

    from cellworks.timeseries import CyclingData


def read_cycling_file(path: str | Path, **reader_options: Any) -> CyclingData:
    """A cycling table from any file ``cellworks.cycling.readers.read`` recognises (every
    supported cycler format and cellworks Parquet); ``reader_options`` go to it (``format``,
    ``column_map``, ``active_mass_g``, ``area_cm2``, ``allow_truncated``)."""
    try:
        from cellworks.cycling.readers import read
    except ImportError:  # a tree without the cycling readers: cellworks Parquet only
        from cellworks.timeseries import read_parquet

        if Path(path).suffix.lower() != ".parquet" or reader_options:
            raise FileFormatError("no cycling reader for this file type", file=path) from None
        return read_parquet(path)
    data: CyclingData = read(path, **reader_options)
    return data


def summarize_cycling_file(
    path: str | Path,
    pairing: str = "auto",
    reference_cycle: int | None = None,
    **reader_options: Any,
) -> pd.DataFrame:
    """Batch task of ``cellworks cycling summarize DIR...``: the per-cycle summary
    (``cellworks.cycling.cycles.summarize``) of one cycler file.

    Adds ``pairing`` (the pairing actually used, e.g. ``discharge-first``) as a column so a
    dataset of many files is self-explanatory. Bind options with ``functools.partial``
    (they become part of the batch's code version).
    """
    from cellworks.cycling.cycles import summarize

    summary = summarize(read_cycling_file(path, **reader_options), pairing=pairing, reference_cycle=reference_cycle)
    table = summary.table.copy()
    table["pairing"] = summary.pairing
    return table


def lis_sweep_point(point: Mapping[str, Any]) -> pd.DataFrame:
    """Batch task of ``cellworks lis sweep``: one point of a Li–S parameter sweep.

    ``point`` holds ``preset`` (a ``cellworks.lis.params`` preset name), ``protocol`` (experiment
    text) and any numeric parameter overrides (``{"k_s_per_s": 2e-4, ...}``); optional
    ``rtol``. Runs ``cellworks.lis.simulation.simulate(..., table=False)`` and returns one row per
    protocol step: ``step, cycle, kind, end_reason, capacity_Ah, energy_Wh, voltage_end_V,
    duration_s`` plus the run's ``status`` and ``sulfur_mass_drift_rel`` (a conservation check).
    """
    import pandas as pd

    from cellworks.errors import ParameterError
    from cellworks.lis.params import get_preset, with_overrides
    from cellworks.lis.simulation import simulate

    spec = dict(point)
    try:
        preset, protocol = spec.pop("preset"), spec.pop("protocol")
    except KeyError as exc:
        raise ParameterError("a sweep point needs 'preset' and 'protocol'", field=str(exc.args[0])) from None
    rtol = float(spec.pop("rtol", 1e-6))
    params = with_overrides(get_preset(str(preset)), {k: v for k, v in spec.items()})
    res = simulate(params, str(protocol), rtol=rtol, table=False)
    return pd.DataFrame(
        {
            "step": [s.index for s in res.steps],
            "cycle": [s.cycle for s in res.steps],
            "kind": [s.kind for s in res.steps],
            "end_reason": [s.end_reason for s in res.steps],
            "capacity_Ah": [s.capacity_Ah for s in res.steps],
            "energy_Wh": [s.energy_Wh for s in res.steps],
            "voltage_end_V": [s.voltage_end_V for s in res.steps],
            "duration_s": [s.end_s - s.start_s for s in res.steps],
            "status": res.status,
            "sulfur_mass_drift_rel": res.sulfur_mass_drift_rel,
        }
    )


def pack_montecarlo_chunk(point: Mapping[str, Any]) -> pd.DataFrame:
    """Batch task of ``cellworks pack montecarlo``: one chunk of a Monte Carlo pack sweep.

    ``point``: ``config`` (a pack TOML path or a shipped example name such as ``baumhofer-4s3p``),
    ``packs`` (total packs drawn), ``start`` and ``count`` (this chunk), optional ``seed`` (default:
    the config's), ``protocol`` (default: the config's) and ``balancing`` (bool, default true:
    the config's controller; false: no balancing). All ``packs`` are drawn with the seed and the
    chunk is sliced out, so a pack's cells do not depend on how the sweep is chunked. Returns
    ``pack, balancing, usable_capacity_Ah`` (discharge capacity of the last cycle).
    """
    import dataclasses

    import pandas as pd

    from cellworks.errors import ParameterError
    from cellworks.pack import bms
    from cellworks.pack.config import load_config
    from cellworks.pack.simulate import simulate
    from cellworks.pack.variation import draw

    try:
        packs, start, count = int(point["packs"]), int(point["start"]), int(point["count"])
    except KeyError as exc:
        raise ParameterError("a Monte Carlo chunk needs packs, start and count", field=str(exc.args[0])) from None
    if not (packs >= 1 and 0 <= start and count >= 1 and start + count <= packs):
        raise ParameterError(f"chunk {start}+{count} outside 0..{packs}", field="start")
    cfg = load_config(str(point["config"]))
    seed = point.get("seed")
    var = cfg.variation if seed is None else dataclasses.replace(cfg.variation, seed=int(seed))
    arr = draw(cfg.design, packs, var, cfg.soc0)
    sub = type(arr)(*(getattr(arr, f)[start : start + count] for f in arr.__dataclass_fields__))
    balancing = bool(point.get("balancing", True))
    ctrl = cfg.controller if balancing else bms.NoBalancing()
    opts = dataclasses.replace(cfg.options, record=False)
    res = simulate(cfg.design, sub, str(point.get("protocol") or cfg.protocol), ctrl, opts)
    return pd.DataFrame(
        {
            "pack": range(start, start + count),
            "balancing": balancing,
            "usable_capacity_Ah": res.cycle_discharge_Ah[:, -1],
        }
    )


#: columns of :func:`gcms_analyze_folder` and their pandas dtypes (fixed, so every partition of
#: the dataset has the same Parquet schema)
GCMS_COLUMNS: dict[str, str] = {
    "key": "string",
    "label": "string",
    "quant_mz": "Int64",
    "identified": "boolean",
    "rt_min": "Float64",
    "sample": "string",
    "cell": "string",
    "status": "string",
    "detected": "boolean",
    "value_vol_pct": "Float64",
    "U_vol_pct": "Float64",
    "detection_limit_vol_pct": "Float64",
    "n_runs": "Int64",
    "document_value": "Float64",
    "document_U": "Float64",
    "within_U": "boolean",
}


def gcms_analyze_folder(folder: str | Path, calibration: str | Path, pattern: str = "*.cdf") -> pd.DataFrame:
    """Batch task of ``cellworks gcms analyze DIR``: one folder of runs (e.g. one day, one sample
    set) through ``cellworks.gcms.analyze.analyze`` with the calibration manifest ``calibration``.

    One row per impurity and sample (columns :data:`GCMS_COLUMNS`). Bind ``calibration`` with
    ``functools.partial`` and pass ``options={"calibration": folder_sha256(<calibration folder>)}``
    to ``run_batch`` so that a new calibration recomputes every folder.
    """
    import pandas as pd

    from cellworks.errors import InputError
    from cellworks.gcms.analyze import analyze

    runs = sorted(Path(folder).glob(pattern))
    if not runs:
        raise InputError(f"no run files matching {pattern}", file=folder)
    res = analyze(runs, calibration)
    records = []
    for row in res["rows"]:
        for sample, r in row["results"].items():
            rec = {k: row.get(k) for k in ("key", "label", "quant_mz", "identified", "rt_min")}
            rec["sample"] = sample
            rec.update({k: r.get(k) for k in GCMS_COLUMNS if k in r})
            records.append(rec)
    df = pd.DataFrame.from_records(records, columns=list(GCMS_COLUMNS))
    return df.astype(GCMS_COLUMNS)


def synthetic_cycling(
    *,
    seed: int,
    n_cycles: int = 20,
    points_per_step: int = 400,
    capacity_Ah: float = 2.0,
    resistance_Ohm: float = 0.05,
    fade_per_cycle: float = 2e-3,
) -> CyclingData:
    """A simulated galvanostatic cycling record: C/2 charge, 10 min rest, C/2 discharge, 10 min rest.

    Not a physical model of a particular cell: a generic Li-ion-like open-circuit voltage
    ``3.4 V + 0.7 V·soc + 0.05 V·ln(soc/(1−soc))``, terminal voltage = OCV + I·R plus 1 mV Gaussian
    noise (seeded), and a capacity that fades linearly by ``fade_per_cycle`` of ``capacity_Ah``
    per cycle. Each active step lasts exactly capacity/current, so the charge (and discharge)
    capacity of cycle *n* is ``capacity_Ah·(1 − fade_per_cycle·(n − 1))`` by construction (the
    tests use this). Starts with a charge (charge-first pairing).
    """
    import numpy as np

    from cellworks.errors import ParameterError
    from cellworks.timeseries import Metadata, from_arrays

    if n_cycles < 1 or points_per_step < 8:
        raise ParameterError("need n_cycles ≥ 1 and points_per_step ≥ 8", field="n_cycles")
    if not (capacity_Ah > 0 and resistance_Ohm >= 0 and 0 <= fade_per_cycle * (n_cycles - 1) < 1):
        raise ParameterError("need capacity_Ah > 0, resistance_Ohm ≥ 0 and a fade that leaves capacity", field="fade_per_cycle")
    rng = np.random.default_rng(seed)
    current_A = capacity_Ah / 2.0
    t_list, i_list, v_list, step_list, cyc_list, type_list = [], [], [], [], [], []
    t0 = 0.0
    step = 0
    soc_end = 0.0

    def ocv(soc: Any) -> Any:
        soc = np.clip(soc, 1e-4, 1 - 1e-4)
        return 3.4 + 0.7 * soc + 0.05 * np.log(soc / (1 - soc))

    for cycle in range(1, n_cycles + 1):
        cap = capacity_Ah * (1.0 - fade_per_cycle * (cycle - 1))
        for kind, sign in (("charge", 1.0), ("rest", 0.0), ("discharge", -1.0), ("rest", 0.0)):
            step += 1
            n = points_per_step if kind != "rest" else max(2, points_per_step // 8)
            span = cap / current_A * 3600.0 if kind != "rest" else 600.0
            frac = np.linspace(0.0, 1.0, n)
            t = t0 + span * frac
            if kind == "charge":
                soc = frac
            elif kind == "discharge":
                soc = 1.0 - frac
            else:
                soc = np.full(n, soc_end)
            soc_end = float(soc[-1])
            i = np.full(n, sign * current_A)
            v = ocv(soc) + i * resistance_Ohm + rng.normal(0.0, 1e-3, n)
            t_list.append(t)
            i_list.append(i)
            v_list.append(v)
            step_list.append(np.full(n, step))
            cyc_list.append(np.full(n, cycle))
            type_list.append(np.full(n, kind, dtype=object))
            t0 = float(t[-1])
    return from_arrays(
        test_time_s=np.concatenate(t_list),
        current_A=np.concatenate(i_list),
        voltage_V=np.concatenate(v_list),
        step_index=np.concatenate(step_list),
        cycle_index=np.concatenate(cyc_list),
        step_type=np.concatenate(type_list),
        meta=Metadata(cell_name=f"synthetic-{seed}", nominal_capacity_Ah=capacity_Ah),
    )


def synthetic_cycler_file(path: str | Path, **params: Any) -> Path:
    """Write :func:`synthetic_cycling` (``params``: its keywords) with ``write_parquet``."""
    from cellworks.timeseries import write_parquet

    return write_parquet(synthetic_cycling(**params), path)


def simulate_and_summarize(params: Mapping[str, Any]) -> pd.DataFrame:
    """Sweep task: simulate :func:`synthetic_cycling` with ``params`` and return its per-cycle
    summary plus, per cycle, the voltage of the discharge dQ/dV peak (``dqdv_peak_V``)."""
    import numpy as np

    from cellworks.cycling.cycles import summarize
    from cellworks.cycling.dqdv import dqdv_curves

    data = synthetic_cycling(**dict(params))
    table = summarize(data).table.copy()
    peaks = {
        c.cycle: float(c.voltage_V[np.argmin(c.dqdv_Ah_per_V)])
        for c in dqdv_curves(data)
        if c.direction == "discharge" and len(c.voltage_V)
    }
    table["dqdv_peak_V"] = [peaks.get(int(c), np.nan) for c in table["cycle"]]
    return table


__all__ = [
    "GCMS_COLUMNS",
    "gcms_analyze_folder",
    "lis_sweep_point",
    "pack_montecarlo_chunk",
    "read_cycling_file",
    "simulate_and_summarize",
    "summarize_cycling_file",
    "synthetic_cycler_file",
    "synthetic_cycling",
]
