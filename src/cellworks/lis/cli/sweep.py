"""``cellworks lis sweep``: a Li–S parameter sweep (grid or random sample) on Dask into a Parquet dataset.

Every sweep point is one batch input run by :func:`cellworks.lis.tasks.sweep_point`; the points are
generated in the driver (:mod:`cellworks.lis.tasks`), so the dataset is the same on every scheduler.
Heavy imports stay inside the command.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from cellworks.clikit import OUTPUT_DIR


def sweep(
    out: Annotated[Path, typer.Option("--out", help="Output dataset folder (Parquet results + manifest).", show_default=False), OUTPUT_DIR],
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
    from cellworks.lis.tasks import grid_points, parse_grid, parse_vary, sample_points, sweep_point
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
