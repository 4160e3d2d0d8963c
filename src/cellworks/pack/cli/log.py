"""``cellworks pack log read | replay``: BMS logs (per-cell voltages, current, temperature, balance flags)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from cellworks.pack.cli.common import JsonOpt, print_result

log_app = typer.Typer(help="BMS logs: read them, replay a balancing policy against their decisions.",
                      no_args_is_help=True)

LogArg = Annotated[Path, typer.Argument(help="BMS log (CSV with a header; V1..Vn, current, temperature, flags).")]
MapOpt = Annotated[list[str] | None, typer.Option(
    "--map", help="Column map key=value (repeatable): time, time_format, cells (V1..V8 | V{i} | V1,V2), current, "
                  "current_sign (charge_positive | discharge_positive), temperature, balance (BalB,BalT), "
                  "balance_coding (index | bits), cells_per_column.")]


def register(app: typer.Typer) -> None:
    """Mount the ``log`` group on ``cellworks pack``."""
    app.add_typer(log_app, name="log")


def _read(file: Path, mapping: list[str] | None) -> Any:
    from cellworks.pack.readers.bms_log import LogMap, read_bms_log

    return read_bms_log(file, LogMap.parse(mapping or []))


@log_app.command("read")
def log_read(file: LogArg, mapping: MapOpt = None, as_json: JsonOpt = False) -> None:
    """Read a log into a table; print its size, sampling and per-cell statistics."""
    print_result(_read(file, mapping).summary(), as_json)


@log_app.command("replay")
def log_replay(
    file: LogArg,
    mapping: MapOpt = None,
    policy: Annotated[str, typer.Option(help="threshold (the options below) or a scenario TOML (its [bms] and "
                                             "[bleed]).")] = "threshold",
    threshold_mV: Annotated[float, typer.Option("--threshold-mV")] = 10.0,
    select: Annotated[str, typer.Option(help="highest | above_min | one_at_a_time")] = "highest",
    monitor_group_size: Annotated[int, typer.Option("--monitor-group-size",
                                                    help="Cells per monitor chip (0: one chip).")] = 0,
    max_per_monitor: Annotated[int, typer.Option("--max-per-monitor", help="Bleeds per chip (0: no limit).")] = 0,
    hold_s: Annotated[float, typer.Option("--hold-s", help="Keep a decision this long (0: re-decide every "
                                                           "period).")] = 0.0,
    gap_s: Annotated[float, typer.Option("--gap-s", help="All bleeds off this long after a hold; measure at "
                                                         "its end.")] = 5.0,
    period_s: Annotated[float, typer.Option("--period-s", help="Measurement period when not holding.")] = 1.0,
    when: Annotated[str, typer.Option(help="always | charge | charge_discharge | never")] = "always",
    on_chip: Annotated[bool, typer.Option("--on-chip", help="On-chip FETs: one bleed per chip, enforced.")] = False,
    episodes: Annotated[int, typer.Option(help="Episodes listed in the output.")] = 20,
    plot: Annotated[Path | None, typer.Option(help="Cell voltages and logged vs replayed flags (PNG).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Run a balancing policy on the logged voltages; agreement with the logged decisions per row and per episode."""
    import dataclasses

    from cellworks.pack import bms
    from cellworks.pack.balancing import BleedCircuit
    from cellworks.pack.log_replay import replay
    from cellworks.pack.pack import PackDesign

    log = _read(file, mapping)
    design = PackDesign(n_series=log.n_cells, n_parallel=1, bleed=BleedCircuit(on_chip=on_chip))
    ctrl: bms.Controller
    if policy == "threshold":
        ctrl = bms.ThresholdBalancer(threshold_V=threshold_mV / 1e3, select=bms.Select(select), when=bms.When(when),
                                     measure_period_s=period_s, monitor_group_size=monitor_group_size,
                                     max_bleeds_per_monitor=max_per_monitor, hold_s=hold_s, gap_s=gap_s)
    else:
        from cellworks.pack.cli.common import load_scenario

        cfg = load_scenario(Path(policy))
        ctrl = cfg.controller
        design = dataclasses.replace(cfg.design, n_series=log.n_cells, n_parallel=1)
    res = replay(log, ctrl, design)
    out: dict[str, Any] = {"file": str(file), "n_rows": log.n_rows, "n_cells": log.n_cells,
                           "policy": _describe(ctrl), **res.to_dict(max_episodes=episodes)}
    if plot is not None:
        from cellworks.pack.plots import replay_figure, save

        save(replay_figure(log, res, file.name), plot)
        out["plot"] = str(plot)
    print_result(out, as_json)


def _describe(ctrl: Any) -> dict[str, Any]:
    keys = ("threshold_V", "select", "when", "measure_period_s", "monitor_group_size", "max_bleeds_per_monitor",
            "hold_s", "gap_s", "measure_in_rest_only")
    return {k: getattr(ctrl, k) for k in keys if hasattr(ctrl, k)} | {"kind": type(ctrl).__name__}
