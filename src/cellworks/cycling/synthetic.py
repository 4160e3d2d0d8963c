"""A deterministic simulated cycler record for pipeline tests and the scale benchmark.

Not a physical model of a particular cell: it exists so that batch runs, summaries and dQ/dV can be
checked against capacities known by construction (a round trip, never a validation).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cellworks.timeseries import CyclingData


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
