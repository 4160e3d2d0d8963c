"""``cellworks pack estimate``: SOC of every cell of a BMS log with its ±3σ band (SPKF or EKF)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from cellworks.pack.cli.common import JsonOpt, print_result
from cellworks.pack.cli.log import LogArg, MapOpt, _read


def register(app: typer.Typer) -> None:
    """Mount ``estimate`` on the ``cellworks pack`` group."""
    app.command("estimate")(estimate_cmd)


def estimate_cmd(
    file: LogArg,
    mapping: MapOpt = None,
    cell: Annotated[str, typer.Option(help="Cell model: a preset (note_18650, lg_m50) or a scenario TOML.")] = "note_18650",
    capacity_Ah: Annotated[float | None, typer.Option("--capacity-Ah", help="Capacity of one logged cell "
                                                                              "(group), replaces the model's.")] = None,
    ocv: Annotated[str | None, typer.Option(help="OCV curve: a CSV file soc,voltage_V (default: the model's).")] = None,
    kind: Annotated[str, typer.Option("--filter", help="spkf | ekf")] = "spkf",
    sigma_v_mV: Annotated[float, typer.Option("--sigma-v-mV", help="Voltage sensor noise (1σ).")] = 10.0,
    sigma_i_A: Annotated[float, typer.Option("--sigma-i-A", help="Current sensor noise (1σ).")] = 0.05,
    sigma_soc0: Annotated[float, typer.Option("--sigma-soc0", help="Initial SOC uncertainty (1σ, fraction).")] = 0.3,
    soc0: Annotated[float | None, typer.Option(help="Initial SOC of every cell (default: from the first voltage).")] = None,
    bleed_ohm: Annotated[float | None, typer.Option("--bleed-ohm", help="Bleed path resistance: logged flags add "
                                                                        "V/R to a cell's discharge.")] = None,
    bleed_A: Annotated[float | None, typer.Option("--bleed-A", help="Or a constant bleed current (current-sink "
                                                                    "bleeding).")] = None,
    sense_ohm: Annotated[float, typer.Option("--sense-ohm", help="Resistance shared by bleed and sense path: a "
                                                                 "bled cell reads low by I_bleed × this.")] = 0.0,
    csv: Annotated[Path | None, typer.Option(help="Write time, SOC and 3σ of every cell (CSV).")] = None,
    plot: Annotated[Path | None, typer.Option(help="SOC per cell with its ±3σ band (PNG).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Estimate every cell's SOC along a log (Plett's sigma-point Kalman filter on the ESC model)."""
    import numpy as np

    from cellworks.clikit import progress
    from cellworks.errors import ParameterError
    from cellworks.pack.cell import OcvTable, preset
    from cellworks.pack.estimation import FilterTuning, estimate_soc

    log = _read(file, mapping)
    if cell in ("note_18650", "lg_m50"):
        params = preset(cell)
    else:
        from cellworks.pack.cli.common import load_scenario

        params = load_scenario(Path(cell)).design.cell
    if capacity_Ah is not None:
        if not (capacity_Ah > 0 and np.isfinite(capacity_Ah)):
            raise ParameterError(f"must be a positive number, got {capacity_Ah!r}", field="--capacity-Ah")
        params = params.with_(capacity_Ah=capacity_Ah)
    if ocv is not None:
        params = params.with_(ocv=OcvTable.from_csv(Path(ocv)))
    if not np.isfinite(log.current_A).all():
        raise ParameterError("the log has no current column (give --map current=…)", file=str(file), field="current")
    for name, val in (("--bleed-ohm", bleed_ohm), ("--bleed-A", bleed_A)):
        if val is not None and not (val > 0 and np.isfinite(val)):
            raise ParameterError(f"must be positive, got {val!r}", field=name)
    if not (sense_ohm >= 0 and np.isfinite(sense_ohm)):
        raise ParameterError(f"must be ≥ 0, got {sense_ohm!r}", field="--sense-ohm")
    ok = log.valid
    bleed = None
    volts = log.cell_V[ok]
    if log.balance is not None and (bleed_ohm is not None or bleed_A is not None):
        flags = log.balance[ok]
        bleed = flags * (bleed_A if bleed_A is not None else volts / bleed_ohm)
        volts = volts + bleed * sense_ohm  # what the cell itself shows, without the shared path's drop
    with progress("pack estimate", total=int(ok.sum())) as adv:
        tuning = FilterTuning(kind=kind, sigma_voltage_V=sigma_v_mV / 1e3, sigma_current_A=sigma_i_A,
                              sigma_soc0=sigma_soc0)
        est = estimate_soc(log.time_s[ok], log.current_A[ok], volts, params, soc0=soc0, tuning=tuning,
                           temperature_C=log.temperature_C[ok], bleed_current_A=bleed,
                           on_progress=lambda k, n: adv(1000))
    out: dict[str, Any] = {"file": str(file), "n_rows": log.n_rows, "rows_used": int(ok.sum()),
                           "model": {"capacity_Ah": params.capacity_Ah, "r0_Ohm": params.r0_Ohm,
                                     "ocv_source": params.ocv.source, "source": params.source},
                           **est.summary()}
    if csv is not None:
        from cellworks._io import atomic_write

        with atomic_write(csv, "w") as fh:
            cols = [f"cell{c + 1}_soc" for c in range(log.n_cells)] + [f"cell{c + 1}_3sigma" for c in range(log.n_cells)]
            fh.write("time_s," + ",".join(cols) + "\n")
            for k in range(len(est.time_s)):
                vals = list(est.soc[k]) + list(est.bound3[k])
                fh.write(f"{est.time_s[k]:.3f}," + ",".join(f"{v:.6f}" for v in vals) + "\n")
        out["csv"] = str(csv)
    if plot is not None:
        from cellworks.pack.plots import estimate_figure, save

        save(estimate_figure(est, file.name), plot)
        out["plot"] = str(plot)
    print_result(out, as_json)
