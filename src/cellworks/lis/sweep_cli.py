"""``cellworks lis sweep``: a Li–S parameter sweep (grid or random sample) on Dask into a Parquet dataset.

Registered on ``cellworks lis`` by the extension hook of :mod:`cellworks.lis.cli`. Every sweep
point is one batch input ``{"preset", "protocol", <overrides>}`` run by :func:`sweep_point`
(:func:`cellworks.batch_tasks.lis_sweep_point` + the swept values as columns); the points are
generated here, in the driver, so the dataset is the same on every scheduler. Heavy imports stay inside the command.
"""

from __future__ import annotations

import itertools
import math
from pathlib import Path
from typing import Annotated, Any

import typer

from cellworks.errors import InputError


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


def sweep_point(point: dict[str, Any]) -> Any:
    """Batch task: :func:`cellworks.batch_tasks.lis_sweep_point` plus one column per swept
    parameter (its value at this point), so the dataset is self-explanatory without the manifest."""
    from cellworks.batch_tasks import lis_sweep_point

    df = lis_sweep_point(point)
    for name, value in point.items():
        if name not in _POINT_KEYS:
            df[name] = value
    return df


def sweep(
    out: Annotated[Path, typer.Option("--out", help="Output dataset folder (Parquet results + manifest).", show_default=False)],
    preset: Annotated[str, typer.Option("--preset", help="Parameter preset (see `cellworks lis presets`).")] = "marinescu2016",
    protocol: Annotated[str, typer.Option("--protocol", help='Experiment text, e.g. "Discharge at 1.7 A until 2.15 V".')] = "Discharge at 1.7 A until 2.15 V",
    grid: Annotated[list[str] | None, typer.Option("--grid", help='Grid axis "parameter=v1,v2,..." (repeatable; all combinations).')] = None,
    sample: Annotated[int | None, typer.Option("--sample", help="Random sample of N points over the --vary ranges.")] = None,
    vary: Annotated[list[str] | None, typer.Option("--vary", help='Sampled range "parameter=lo:hi" (repeatable; "lo:hi:log" for log-uniform).')] = None,
    log: Annotated[bool, typer.Option("--log", help="Sample every --vary range log-uniformly (positive bounds).")] = False,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the random sample.")] = 0,
    rtol: Annotated[float | None, typer.Option(help="Integrator tolerance (default: the task's, 1e-6).")] = None,
    scheduler: Annotated[str, typer.Option(help="local (a Dask cluster sized to the machine) | processes | sync | tcp://host:8786.")] = "local",
    json_out: Annotated[bool, typer.Option("--json", help="Print the batch report as JSON on stdout.")] = False,
) -> None:
    """Sweep the model over a parameter grid or a random sample; one result row per protocol step."""
    from cellworks.batch import finish_cli, run_batch
    from cellworks.errors import ParameterError
    from cellworks.lis.params import get_preset, with_overrides
    from cellworks.protocol import parse_protocol

    if bool(grid) == (sample is not None):
        raise ParameterError("give either --grid (one or more) or --sample N with --vary", field="grid")
    if rtol is not None and not (0 < rtol < 1):
        raise ParameterError(f"must be in (0, 1), got {rtol}", field="--rtol")
    if grid:
        if vary or log:
            raise ParameterError("--vary and --log go with --sample, not --grid", field="vary")
        overrides = grid_points(parse_grid(grid))
    else:
        if sample is None or sample < 1:
            raise ParameterError("--sample must be ≥ 1", field="sample")
        if not vary:
            raise ParameterError("--sample needs at least one --vary range", field="vary")
        overrides = sample_points(parse_vary(vary, log), sample, seed)
    # fail fast (exit 2) on an unknown preset, parameter or protocol, before any task is sent
    base = get_preset(preset)
    for name in overrides[0]:
        with_overrides(base, {name: overrides[0][name]})
    parse_protocol(protocol)
    points: list[dict[str, Any]] = []
    for ov in overrides:
        point: dict[str, Any] = {"preset": preset, "protocol": protocol, **ov}
        if rtol is not None:
            point["rtol"] = rtol
        points.append(point)
    report = run_batch(sweep_point, points, out, scheduler=scheduler)
    raise typer.Exit(finish_cli(report, json_out=json_out))


def register(app: typer.Typer) -> None:
    """Add ``sweep`` to the ``cellworks lis`` typer app."""
    app.command("sweep")(sweep)
