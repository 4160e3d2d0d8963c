"""Batch tasks of ``cellworks.lis`` for :func:`cellworks.batch.run_batch`, and the sweep-point generators.

Every sweep point is one batch input ``{"preset", "protocol", <overrides>}``; the points are generated
in the driver, so the dataset is the same on every scheduler. Tasks are module-level functions
(picklable by reference on every Dask worker) and import their heavy dependencies inside.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from cellworks.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

_POINT_KEYS = ("preset", "protocol", "rtol")


def parse_grid(items: list[str]) -> dict[str, list[float]]:
    """``["k_s_discharge_per_s=1e-4,2e-4", "temperature_K=290,300"]`` → ``{"k_s_discharge_per_s": [1e-4, 2e-4], "temperature_K": [290.0, 300.0]}``."""
    grid: dict[str, list[float]] = {}
    for item in items:
        name, sep, values = item.partition("=")
        name = name.strip()
        if not sep or not name or not values.strip():
            raise InputError('expected --grid "parameter=v1,v2,..."', token=item, field="grid")
        if name in grid:
            raise InputError("parameter given twice", token=name, field="grid")
        try:
            vals = [float(v) for v in values.split(",") if v.strip()]
        except ValueError:
            raise InputError("grid values must be numbers", token=item, field="grid") from None
        if not vals or not all(math.isfinite(v) for v in vals):
            raise InputError("grid values must be finite numbers", token=item, field="grid")
        grid[name] = vals
    return grid


def parse_vary(items: list[str], log_all: bool) -> dict[str, tuple[float, float, bool]]:
    """``["k_s_discharge_per_s=1e-5:1e-3:log", "temperature_K=290:310"]`` → ``{name: (lo, hi, log_uniform)}``."""
    vary: dict[str, tuple[float, float, bool]] = {}
    for item in items:
        name, sep, spec = item.partition("=")
        name = name.strip()
        parts = spec.split(":")
        if not sep or not name or len(parts) not in (2, 3) or (len(parts) == 3 and parts[2].strip() != "log"):
            raise InputError('expected --vary "parameter=lo:hi" (or "parameter=lo:hi:log")', token=item, field="vary")
        if name in vary:
            raise InputError("parameter given twice", token=name, field="vary")
        try:
            lo, hi = float(parts[0]), float(parts[1])
        except ValueError:
            raise InputError("range bounds must be numbers", token=item, field="vary") from None
        if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
            raise InputError("need finite bounds with lo < hi", token=item, field="vary")
        log = log_all or len(parts) == 3
        if log and not lo > 0:
            raise InputError("log-uniform sampling needs positive bounds", token=item, field="vary")
        vary[name] = (lo, hi, log)
    return vary


def grid_points(grid: dict[str, list[float]]) -> list[dict[str, float]]:
    """The Cartesian product of the grid, first parameter varying slowest."""
    names = list(grid)
    return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*(grid[n] for n in names))]


def sample_points(vary: dict[str, tuple[float, float, bool]], n: int, seed: int) -> list[dict[str, float]]:
    """``n`` points drawn independently: uniform on ``[lo, hi)``, or log-uniform (uniform in ln x)
    for parameters marked ``log``. numpy's PCG64 generator seeded with ``seed``: the same points on
    every machine and scheduler."""
    import numpy as np

    rng = np.random.default_rng(seed)
    u = rng.random((n, len(vary)))
    points: list[dict[str, float]] = []
    for row in u:
        point: dict[str, float] = {}
        for x, (name, (lo, hi, log)) in zip(row, vary.items(), strict=True):
            if log:
                point[name] = float(math.exp(math.log(lo) + x * (math.log(hi) - math.log(lo))))
            else:
                point[name] = float(lo + x * (hi - lo))
        points.append(point)
    return points


_POINT_KEYS = ("preset", "protocol", "rtol")


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


def sweep_point(point: dict[str, Any]) -> Any:
    """Batch task: :func:`lis_sweep_point` plus one column per swept
    parameter (its value at this point), so the dataset is self-explanatory without the manifest."""
    df = lis_sweep_point(point)
    for name, value in point.items():
        if name not in _POINT_KEYS:
            df[name] = value
    return df
