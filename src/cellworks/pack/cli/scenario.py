"""``cellworks pack run | montecarlo``: scenario runs and Monte Carlo over drawn packs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from cellworks.pack.cli.common import JsonOpt, load_scenario, print_result

ConfigArg = Annotated[Path, typer.Argument(help="Scenario TOML (or the name of a shipped one: baumhofer-4s3p).")]


def register(app: typer.Typer) -> None:
    """Mount ``run`` and ``montecarlo`` on the ``cellworks pack`` group."""
    app.command("run")(run)
    app.command("montecarlo")(montecarlo)


def run(
    config: ConfigArg,
    parquet: Annotated[Path | None, typer.Option(help="Write the balanced run's trace (cycling table).")] = None,
    plot: Annotated[Path | None, typer.Option(help="Write a figure: group voltages, SOC spread, bleed duty, "
                                                   "temperatures, capacity per cycle (PNG).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Run a scenario with its BMS policy and without balancing; compare capacities, limits and events."""
    from cellworks.clikit import progress
    from cellworks.pack import bms
    from cellworks.pack.simulation import simulate
    from cellworks.pack.variation import draw

    cfg = load_scenario(config)
    arr = draw(cfg.design, 1, cfg.variation, cfg.soc0)
    out: dict[str, Any] = {"name": cfg.name, "config": cfg.path,
                           "pack": f"{cfg.design.n_series}s{cfg.design.n_parallel}p",
                           "cell_capacity_Ah": arr.capacity_Ah[0].round(4).tolist()}
    runs = {}
    for label, ctrl in (("without_balancing", bms.NoBalancing()), ("with_balancing", cfg.controller)):
        with progress(f"pack run ({label.replace('_', ' ')})", total=None) as adv:
            res = simulate(cfg.design, arr, cfg.protocol, ctrl, cfg.options, on_step=lambda d, t: adv(1))
        runs[label] = res
        s = res.summary()
        q = res.cycle_discharge_Ah[0]
        out[label] = {
            "first_cycle_capacity_Ah": float(q[0]),
            "last_cycle_capacity_Ah": float(q[-1]),
            "bleed_energy_Wh": s["bleed_energy_Wh"],
            "max_resistor_power_W": s["max_resistor_power_W"],
            "max_pack_bleed_power_W": s["max_pack_bleed_power_W"],
            "time_to_balance_h": s["time_to_balance_h"],
            "bleed_time_h": s["bleed_time_h"],
            "cell_voltage_min_V": s["cell_voltage_min_V"],
            "cell_voltage_max_V": s["cell_voltage_max_V"],
            "within_limits": bool(s["cell_voltage_max_V"] <= cfg.design.cell.v_max_V + 1e-9
                                  and s["cell_voltage_min_V"] >= cfg.design.cell.v_min_V - 1e-9),
            "max_temperature_C": s["max_temperature_C"],
            "max_board_temperature_C": s["max_board_temperature_C"],
            "final_soc_spread": float(res.soc_spread()[0]),
            "events": s["events"],
            "trace_truncated": bool(res.records_truncated[0]),
        }
    out["v_max_V"] = cfg.design.cell.v_max_V
    out["v_min_V"] = cfg.design.cell.v_min_V
    out["ocv"] = {"source": cfg.design.cell.ocv.source, "v_mid_V": cfg.design.cell.ocv.v_mid_V}
    if plot is not None:
        from cellworks.pack.plots import run_figure, save

        save(run_figure({k.replace("_", " "): v for k, v in runs.items()},
                        f"{cfg.name}: {out['pack']}, {len(runs['with_balancing'].steps)} protocol steps"), plot)
        out["plot"] = str(plot)
    if parquet is not None:
        from cellworks.timeseries import write_parquet

        write_parquet(runs["with_balancing"].to_cycling_data(0), parquet)
        out["parquet"] = str(parquet)
    print_result(out, as_json)


def montecarlo(
    config: ConfigArg,
    packs: Annotated[int, typer.Option(help="Number of packs drawn.")] = 100,
    seed: Annotated[int | None, typer.Option(help="Seed (default: the config's).")] = None,
    protocol: Annotated[str | None, typer.Option(help="Override the config's protocol text.")] = None,
    as_json: JsonOpt = False,
    scheduler: Annotated[str | None, typer.Option(
        help="Run as a Dask batch (chunks of packs) into a Parquet dataset: local (a cluster sized to the "
             "machine; the default when --out is given) | processes | sync | tcp://host:8786. "
             "Without --scheduler and --out: in this process, no dataset.")] = None,
    out_dir: Annotated[Path | None, typer.Option(
        "--out", help="Batch output dataset folder (default: montecarlo-<config>-n<packs>-s<seed>).")] = None,
    chunk: Annotated[int, typer.Option(help="Batch: packs per task (does not change any result).")] = 16,
    random_short: Annotated[bool, typer.Option("--random-short", help="Draw the soft short's cell, resistance and "
                                                                      "onset per pack ([soft_short_random]).")] = False,
    plot: Annotated[Path | None, typer.Option(help="Write histograms of usable capacity, time to balance and "
                                                   "bleed energy (PNG).")] = None,
) -> None:
    """Distributions over drawn packs: usable capacity (last cycle), time to balance, bleed energy."""
    import dataclasses

    import numpy as np

    from cellworks.clikit import progress
    from cellworks.errors import ParameterError
    from cellworks.pack import bms
    from cellworks.pack.simulation import simulate
    from cellworks.pack.variation import draw

    if packs < 1:
        raise ParameterError("--packs must be ≥ 1", field="packs")
    if packs > MAX_PACKS:
        raise ParameterError(f"--packs must be ≤ {MAX_PACKS}", field="packs")
    cfg = load_scenario(config)
    var = cfg.with_random_short() if random_short else cfg.variation
    var = var if seed is None else dataclasses.replace(var, seed=seed)
    if scheduler is not None or out_dir is not None:
        _montecarlo_batch(config, cfg, packs, var.seed, protocol, scheduler or "local", out_dir, chunk, as_json,
                          random_short, plot)
        return
    arr = draw(cfg.design, packs, var, cfg.soc0)
    opts = dataclasses.replace(cfg.options, record=False)
    text = protocol or cfg.protocol
    from cellworks.protocol import as_protocol

    n_steps = len(as_protocol(text))
    out: dict[str, Any] = {"name": cfg.name, "packs": packs, "seed": var.seed}
    block = max(1, min(packs, 64))
    if random_short:
        out["soft_short"] = _short_draws(arr)
    stats: dict[str, dict[str, Any]] = {}
    with progress("pack montecarlo", total=2 * n_steps * ((packs + block - 1) // block)) as adv:
        for label, ctrl in (("without_balancing", bms.NoBalancing()), ("with_balancing", cfg.controller)):
            cols: dict[str, list[Any]] = {"usable_capacity_Ah": [], "time_to_balance_s": [], "bleed_energy_Wh": []}
            for lo in range(0, packs, block):
                res = simulate(cfg.design, arr.packs(lo, lo + block), text, ctrl, opts, on_step=lambda d, t: adv(1))
                cols["usable_capacity_Ah"].append(res.cycle_discharge_Ah[:, -1])
                cols["time_to_balance_s"].append(res.time_to_balance_s)
                cols["bleed_energy_Wh"].append(res.bleed_energy_Wh)
            stats[label] = {k: np.concatenate(v) for k, v in cols.items()}
            out[label] = _pack_stats(stats[label], packs)
    out["gain_mean_Ah"] = out["with_balancing"]["usable_capacity_Ah"]["mean"] - \
        out["without_balancing"]["usable_capacity_Ah"]["mean"]
    if plot is not None:
        from cellworks.pack.plots import montecarlo_figure, save

        save(montecarlo_figure(stats, f"{cfg.name}: {packs} packs, seed {var.seed}"
                               + (", random soft short" if random_short else "")), plot)
        out["plot"] = str(plot)
    print_result(out, as_json)


MAX_PACKS = 100_000


def _dist(c: Any) -> dict[str, Any]:
    import numpy as np

    ok = np.asarray(c, float)[np.isfinite(c)]
    if len(ok) == 0:
        return {"n": 0}
    return {"n": int(len(ok)), "mean": float(ok.mean()), "std": float(ok.std(ddof=1)) if len(ok) > 1 else 0.0,
            "min": float(ok.min()), "p05": float(np.percentile(ok, 5)), "p50": float(np.median(ok)),
            "p95": float(np.percentile(ok, 95)), "max": float(ok.max())}


def _pack_stats(cols: dict[str, Any], packs: int) -> dict[str, Any]:
    c = cols["usable_capacity_Ah"]
    tb = cols["time_to_balance_s"] / 3600.0
    return {
        "usable_capacity_Ah": _dist(c),
        "time_to_balance_h": {**_dist(tb), "never": int((tb != tb).sum())},
        "bleed_energy_Wh": _dist(cols["bleed_energy_Wh"]),
        "values_Ah": c.round(5).tolist(),
    }


def _short_draws(arr: Any) -> dict[str, Any]:
    """Where the random soft shorts landed, how strong and when (counts per cell)."""
    import numpy as np

    sh = np.isfinite(arr.short_Ohm)
    P = sh.shape[0]
    where = [np.argwhere(sh[p]) for p in range(P)]
    cells = [f"{int(w[0][0]) + 1}.{int(w[0][1]) + 1}" for w in where if len(w)]
    r = arr.short_Ohm[sh]
    on = arr.short_onset_s[sh] / 86400.0
    return {"packs_with_short": int(sh.reshape(P, -1).any(axis=1).sum()),
            "per_cell": {c: cells.count(c) for c in sorted(set(cells))},
            "resistance_Ohm": _dist(r), "onset_days": _dist(on)}


def _montecarlo_batch(config: Path, cfg: Any, packs: int, seed: int, protocol: str | None, scheduler: str,
                      out: Path | None, chunk: int, as_json: bool, random_short: bool, plot: Path | None) -> None:
    """``pack montecarlo`` on Dask: one task per chunk of packs and balancing choice
    (:func:`cellworks.pack.tasks.pack_montecarlo_chunk`). Each task draws all ``packs`` with
    ``seed`` and simulates its slice, so every pack has the same cells and result as in the
    in-process run, whatever the chunking or scheduler. The pack TOML's SHA-256 is part of the
    code version: editing the config recomputes."""
    import sys

    from cellworks._io import sha256_file
    from cellworks.batch import default_key, print_summary, read_results, run_batch
    from cellworks.errors import ParameterError
    from cellworks.pack.tasks import pack_montecarlo_chunk

    if chunk < 1:
        raise ParameterError("--chunk must be ≥ 1", field="chunk")
    config_ref = str(config.resolve()) if config.exists() else config.name
    if out is None:
        out = Path(f"montecarlo-{Path(cfg.path).stem}-n{packs}-s{seed}")
    points: list[dict[str, Any]] = []
    for balancing in (False, True):
        for start in range(0, packs, chunk):
            point: dict[str, Any] = {"config": config_ref, "packs": packs, "start": start,
                                     "count": min(chunk, packs - start), "seed": seed, "balancing": balancing}
            if random_short:
                point["random_short"] = True
            if protocol:
                point["protocol"] = protocol
            points.append(point)
    report = run_batch(pack_montecarlo_chunk, points, out, scheduler=scheduler,
                       options={"config_sha256": sha256_file(cfg.path)})
    print_summary(report)
    batch_info = {k: (str(v) if isinstance(v, Path) else v) for k, v in report.to_dict().items()}
    result: dict[str, Any] = {"name": cfg.name, "packs": packs, "seed": seed}
    if report.ok:
        df = read_results(out, keys=[default_key(p) for p in points])
        stats: dict[str, dict[str, Any]] = {}
        for label, flag in (("without_balancing", False), ("with_balancing", True)):
            part = df[df["balancing"] == flag].sort_values("pack")
            if list(part["pack"]) != list(range(packs)):  # never expected: the engine commits per input
                sys.stderr.write(f"error: dataset {out} does not hold packs 0..{packs - 1} exactly once\n")
                raise typer.Exit(1)
            stats[label] = {k: part[k].to_numpy() for k in ("usable_capacity_Ah", "time_to_balance_s",
                                                            "bleed_energy_Wh")}
            result[label] = _pack_stats(stats[label], packs)
        if plot is not None:
            from cellworks.pack.plots import montecarlo_figure, save

            save(montecarlo_figure(stats, f"{cfg.name}: {packs} packs, seed {seed}"), plot)
            result["plot"] = str(plot)
        result["gain_mean_Ah"] = result["with_balancing"]["usable_capacity_Ah"]["mean"] - \
            result["without_balancing"]["usable_capacity_Ah"]["mean"]
    result["batch"] = batch_info
    print_result(result, as_json)
    raise typer.Exit(0 if report.ok else 1)
