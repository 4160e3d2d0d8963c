"""``cellworks pack``: sizing arithmetic, the note's examples, scenario runs, Monte Carlo, ECM fitting."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any

import typer

app = typer.Typer(help="Series/parallel packs with variation, soft shorts and BMS bleed balancing; sizing.",
                  no_args_is_help=True)
size_app = typer.Typer(help="Balancing arithmetic of application note 003.", no_args_is_help=True)
example_app = typer.Typer(help="The worked examples of application note 003, simulated.", no_args_is_help=True)
app.add_typer(size_app, name="size")
app.add_typer(example_app, name="example")

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON on stdout.")]


def _round(obj: Any, sig: int = 6) -> Any:
    if isinstance(obj, float):
        if not math.isfinite(obj) or obj == 0:
            return obj
        return float(f"{obj:.{sig}g}")
    if isinstance(obj, dict):
        return {k: _round(v, sig) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_round(v, sig) for v in obj]
    return obj


def _print(obj: dict[str, Any], as_json: bool) -> None:
    from cellworks.clikit import emit_json

    obj = _round(obj)
    if as_json:
        emit_json(obj)
        return
    for k, v in obj.items():
        typer.echo(f"{k}: {v}")


@size_app.command("balancing-current")
def size_balancing_current(
    capacity_mAh: Annotated[float, typer.Option("--capacity-mAh", help="Cell capacity.")] = 2000.0,
    parallel: Annotated[int, typer.Option(help="Cells in parallel per series group.")] = 3,
    imbalance: Annotated[float, typer.Option(help="Imbalance to correct, fraction (0.20 = 20 %).")] = 0.20,
    hours: Annotated[float, typer.Option(help="Time available for balancing.")] = 1.0,
    cell_voltage: Annotated[float, typer.Option("--cell-voltage", help="Cell voltage for the dissipation, V.")] = 4.0,
    as_json: JsonOpt = False,
) -> None:
    """Balancing current for an imbalance, capacity, parallel count and time (note: 1200 mA)."""
    from cellworks.pack.sizing import balancing_current_report

    _print(balancing_current_report(capacity_mAh / 1e3, parallel, imbalance, hours, cell_voltage), as_json)


@size_app.command("bleed-resistor")
def size_bleed_resistor(
    current_mA: Annotated[float, typer.Option("--current-mA")] = 100.0,
    cell_voltage: Annotated[float, typer.Option("--cell-voltage")] = 4.20,
    as_json: JsonOpt = False,
) -> None:
    """Bleed resistor (R1 + R_T1) and its dissipation for a current at a cell voltage (42 Ω, 0.42 W)."""
    from cellworks.pack.sizing import bleed_resistor_Ohm, dissipation_W

    i = current_mA / 1e3
    _print({"cell_voltage_V": cell_voltage, "current_mA": current_mA,
            "bleed_resistance_Ohm": bleed_resistor_Ohm(cell_voltage, i),
            "dissipation_W": dissipation_W(cell_voltage, i)}, as_json)


@size_app.command("conditioning")
def size_conditioning(
    pack_mAh: Annotated[float, typer.Option("--pack-mAh")] = 2000.0,
    current_mA: Annotated[float, typer.Option("--current-mA")] = 100.0,
    cell_voltage: Annotated[float, typer.Option("--cell-voltage")] = 4.20,
    hours: Annotated[float, typer.Option(help="Discharge (and charge) time with the bleed on.")] = 3.0,
    as_json: JsonOpt = False,
) -> None:
    """Correction per conditioning discharge and per discharge + charge."""
    from cellworks.pack.sizing import conditioning_report

    _print(conditioning_report(pack_mAh / 1e3, cell_voltage, current_mA / 1e3, hours, hours), as_json)


@size_app.command("discharge-resistance")
def size_discharge_resistance(
    resistor: Annotated[float, typer.Option("--resistor-ohm")] = 42.0,
    fet: Annotated[float, typer.Option("--fet-ohm")] = 0.5,
    load: Annotated[float, typer.Option("--load-ohm")] = 100.0,
    as_json: JsonOpt = False,
) -> None:
    """R_discharge = (R1 + R_T1)·R_load / (R1 + R_T1 + R_load) of a bleed path with a load in parallel."""
    from cellworks.pack.sizing import bleed_fraction_of_discharge, discharge_resistance_Ohm

    _print({"resistor_Ohm": resistor, "fet_on_Ohm": fet, "load_Ohm": load,
            "discharge_resistance_Ohm": discharge_resistance_Ohm(resistor, fet, load),
            "bleed_share_of_discharge": bleed_fraction_of_discharge(resistor, fet, load)}, as_json)


@size_app.command("check-bleed")
def size_check_bleed(
    cell_voltage: Annotated[float, typer.Option("--cell-voltage")] = 4.0,
    resistor: Annotated[float, typer.Option("--resistor-ohm")] = 42.0,
    fet: Annotated[float, typer.Option("--fet-ohm")] = 0.1,
    rating: Annotated[float, typer.Option("--rating-W", help="Resistor power rating.")] = math.inf,
    as_json: JsonOpt = False,
) -> None:
    """Power of a bleed path; refuses (exit 2, with the reason) a destructive one (0.1 Ω FET across 4 V: 160 W)."""
    from cellworks.pack.sizing import bleed_check_report

    _print(bleed_check_report(cell_voltage, resistor, fet, rating), as_json)


@example_app.command("soft-short")
def example_soft_short(
    drain: Annotated[float, typer.Option("--drain-per-month", help="Fraction per month.")] = 0.03,
    months: Annotated[float, typer.Option()] = 3.0,
    threshold_mV: Annotated[float, typer.Option("--threshold-mV")] = 10.0,
    as_json: JsonOpt = False,
) -> None:
    """Two cells, one with a soft short falling 3 %/month from 40 %: pack loss with and without balancing."""
    from cellworks.pack.examples import soft_short_example

    _print(soft_short_example(drain, months, threshold_V=threshold_mV / 1e3).report, as_json)


@example_app.command("conditioning")
def example_conditioning(
    pack_mAh: Annotated[float, typer.Option("--pack-mAh")] = 2000.0,
    hours: Annotated[float, typer.Option()] = 3.0,
    as_json: JsonOpt = False,
) -> None:
    """42 Ω at 4.20 V: 100 mA, 0.42 W, charge removed and imbalance corrected per conditioning."""
    from cellworks.pack.examples import conditioning_example

    _print(conditioning_example(pack_mAh, hours), as_json)


ConfigArg = Annotated[Path, typer.Argument(help="Scenario TOML (or the name of a shipped one: baumhofer-4s3p).")]


def _load(config: Path) -> Any:
    from cellworks.pack.config import EXAMPLES, load_config

    if not config.exists() and config.name in EXAMPLES:
        return load_config(EXAMPLES[config.name])
    return load_config(config)


@app.command("run")
def run(
    config: ConfigArg,
    parquet: Annotated[Path | None, typer.Option(help="Write the balanced run's trace (cycling table).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Run a scenario with its BMS policy and without balancing; compare capacities and limits."""
    from cellworks.clikit import progress
    from cellworks.pack import bms
    from cellworks.pack.simulate import simulate
    from cellworks.pack.variation import draw

    cfg = _load(config)
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
            "cell_voltage_min_V": s["cell_voltage_min_V"],
            "cell_voltage_max_V": s["cell_voltage_max_V"],
            "within_limits": bool(s["cell_voltage_max_V"] <= cfg.design.cell.v_max_V + 1e-9
                                  and s["cell_voltage_min_V"] >= cfg.design.cell.v_min_V - 1e-9),
            "final_soc_spread": float(res.soc_spread()[0]),
        }
    out["v_max_V"] = cfg.design.cell.v_max_V
    out["v_min_V"] = cfg.design.cell.v_min_V
    if parquet is not None:
        from cellworks.timeseries import write_parquet

        write_parquet(runs["with_balancing"].to_cycling_data(0), parquet)
        out["parquet"] = str(parquet)
    _print(out, as_json)


@app.command("montecarlo")
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
) -> None:
    """Distribution of usable pack capacity (last cycle) with and without balancing."""
    import dataclasses

    import numpy as np

    from cellworks.clikit import progress
    from cellworks.errors import ParameterError
    from cellworks.pack import bms
    from cellworks.pack.simulate import simulate
    from cellworks.pack.variation import draw

    if packs < 1:
        raise ParameterError("--packs must be ≥ 1", field="packs")
    cfg = _load(config)
    var = cfg.variation if seed is None else dataclasses.replace(cfg.variation, seed=seed)
    if scheduler is not None or out_dir is not None:
        _montecarlo_batch(config, cfg, packs, var.seed, protocol, scheduler or "local", out_dir, chunk, as_json)
        return
    arr = draw(cfg.design, packs, var, cfg.soc0)
    opts = dataclasses.replace(cfg.options, record=False)
    text = protocol or cfg.protocol
    from cellworks.protocol import as_protocol

    n_steps = len(as_protocol(text))
    out: dict[str, Any] = {"name": cfg.name, "packs": packs, "seed": var.seed}
    block = max(1, min(packs, 64))
    with progress("pack montecarlo", total=2 * n_steps * ((packs + block - 1) // block)) as adv:
        for label, ctrl in (("without_balancing", bms.NoBalancing()), ("with_balancing", cfg.controller)):
            caps = []
            for lo in range(0, packs, block):
                sub = type(arr)(*(getattr(arr, f)[lo:lo + block] for f in arr.__dataclass_fields__))
                res = simulate(cfg.design, sub, text, ctrl, opts, on_step=lambda d, t: adv(1))
                caps.append(res.cycle_discharge_Ah[:, -1])
            out[label] = _capacity_stats(np.concatenate(caps), packs)
    out["gain_mean_Ah"] = out["with_balancing"]["usable_capacity_Ah"]["mean"] - \
        out["without_balancing"]["usable_capacity_Ah"]["mean"]
    _print(out, as_json)


def _capacity_stats(c: Any, packs: int) -> dict[str, Any]:
    import numpy as np

    return {
        "usable_capacity_Ah": {
            "mean": float(c.mean()), "std": float(c.std(ddof=1)) if packs > 1 else 0.0,
            "min": float(c.min()), "p05": float(np.percentile(c, 5)), "p50": float(np.median(c)),
            "p95": float(np.percentile(c, 95)), "max": float(c.max())},
        "values_Ah": c.round(5).tolist(),
    }


def _montecarlo_batch(config: Path, cfg: Any, packs: int, seed: int, protocol: str | None, scheduler: str,
                      out: Path | None, chunk: int, as_json: bool) -> None:
    """``pack montecarlo`` on Dask: one task per chunk of packs and balancing choice
    (:func:`cellworks.batch_tasks.pack_montecarlo_chunk`). Each task draws all ``packs`` with
    ``seed`` and simulates its slice, so every pack has the same cells and result as in the
    in-process run, whatever the chunking or scheduler. The pack TOML's SHA-256 is part of the
    code version: editing the config recomputes."""
    import sys

    from cellworks._io import sha256_file
    from cellworks.batch import default_key, print_summary, read_results, run_batch
    from cellworks.batch_tasks import pack_montecarlo_chunk
    from cellworks.errors import ParameterError

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
        for label, flag in (("without_balancing", False), ("with_balancing", True)):
            part = df[df["balancing"] == flag].sort_values("pack")
            if list(part["pack"]) != list(range(packs)):  # never expected: the engine commits per input
                sys.stderr.write(f"error: dataset {out} does not hold packs 0..{packs - 1} exactly once\n")
                raise typer.Exit(1)
            result[label] = _capacity_stats(part["usable_capacity_Ah"].to_numpy(), packs)
        result["gain_mean_Ah"] = result["with_balancing"]["usable_capacity_Ah"]["mean"] - \
            result["without_balancing"]["usable_capacity_Ah"]["mean"]
    result["batch"] = batch_info
    _print(result, as_json)
    raise typer.Exit(0 if report.ok else 1)


@app.command("fit-ecm")
def fit_ecm_cmd(
    file: Annotated[Path, typer.Argument(help="Pulse test (.xlsx/.csv): time [s], current [A], voltage [V].")],
    capacity_Ah: Annotated[float, typer.Option("--capacity-Ah", help="Nominal capacity (SOC scale).")] = 5.0,
    rc: Annotated[int, typer.Option("--rc", help="RC pairs (1 or 2).")] = 2,
    ocv_points: Annotated[int, typer.Option("--ocv-points")] = 4,
    charge_positive: Annotated[bool, typer.Option("--charge-positive", help="File's current > 0 on charge.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Fit R0, RC pairs and the OCV table of the ESC model to an HPPC test."""
    from cellworks.pack.fit_ecm import fit_ecm, read_pulse_test

    data = read_pulse_test(file, charge_positive=charge_positive)
    _print(fit_ecm(data, capacity_Ah, rc, ocv_points).to_dict(), as_json)
