"""``cellworks lis``: simulate Li–S cells, list presets, impedance of a cell state.

Heavy modules (numpy, pandas, numba, matplotlib, the solver) are imported inside the commands.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from cellworks.lis.simulation import SimulationResult

app = typer.Typer(
    help="Lithium-sulfur cell simulation (Marinescu 2016 zero-dimensional model), presets, impedance.",
    no_args_is_help=True,
)

_JSON = typer.Option("--json", help="Machine-readable output on stdout.")


@app.command()
def simulate(
    preset: Annotated[str, typer.Option("--preset", help="Parameter preset (see `cellworks lis presets`).")] = "marinescu2016",
    protocol: Annotated[str, typer.Option("--protocol", help='Experiment text, e.g. "Discharge at 1.7 A until 2.15 V".')] = "Discharge at 1.7 A until 2.15 V",
    set_: Annotated[list[str] | None, typer.Option("--set", help="Override a parameter: name=value (repeatable).")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Write the cycling table + states to this Parquet file.")] = None,
    plot: Annotated[Path | None, typer.Option("--plot", help="Write voltage-capacity and species figures (PNG).")] = None,
    rtol: Annotated[float, typer.Option(help="Integrator tolerance (relative on species masses).")] = 1e-5,
    json: Annotated[bool, _JSON] = False,
) -> None:
    """Run a cell through a protocol; print a summary (status, end reasons, capacities, drift)."""
    import sys

    from cellworks.clikit import emit_json, progress
    from cellworks.errors import ParameterError
    from cellworks.lis.params import get_preset, with_overrides
    from cellworks.lis.simulation import simulate as run
    from cellworks.protocol import parse_protocol

    if not (0 < rtol < 1):
        raise ParameterError(f"must be in (0, 1), got {rtol}", field="--rtol")
    params = with_overrides(get_preset(preset), set_ or [])
    prot = parse_protocol(protocol)
    n = len(prot)
    show = sys.stderr.isatty() and n > 20
    with progress("simulating", total=n, enabled=show) as advance:
        done = [0]

        def _cb(k: int, total: int) -> None:
            advance(k - done[0])
            done[0] = k

        res = run(params, prot, rtol=rtol, progress=_cb)
    if out is not None and res.data is not None:
        from cellworks.timeseries import write_parquet

        write_parquet(res.data, out)
    if plot is not None:
        write_plot(res, plot)
    summary = res.to_summary_dict()
    if out is not None:
        summary["out"] = str(out)
    if plot is not None:
        summary["plot"] = str(plot)
    if json:
        emit_json(summary)
        return
    typer.echo(f"status: {res.status}   cycles completed: {res.cycles_completed}/{len(prot.cycles)}")
    typer.echo(f"end reasons: {summary['end_reason_counts']}")
    caps = res.discharge_capacities_Ah
    if caps:
        typer.echo(f"discharge capacity: first {caps[0]:.4f} Ah, last {caps[-1]:.4f} Ah ({len(caps)} discharges)")
    typer.echo(
        f"voltage {summary['voltage_min_V']:.4f}–{summary['voltage_max_V']:.4f} V, duration {summary['duration_s']:.0f} s, "
        f"sulfur drift {res.sulfur_mass_drift_rel:.1e}, wall {res.wall_s:.3f} s"
    )


def write_plot(res: SimulationResult, path: Path) -> Path:
    """Voltage vs capacity per cycle and species masses vs time, side by side, as one PNG."""
    import numpy as np

    from cellworks._io import atomic_write
    from cellworks.report import figure_png, new_figure

    if res.data is None:
        raise ValueError("result has no table (simulate with table=True)")
    tb = res.data.table
    fig, (ax1, ax2) = new_figure(1, 2, figsize=(12, 4.6))
    cycles = sorted(tb["cycle_index"].unique())
    show = cycles if len(cycles) <= 8 else [cycles[int(i)] for i in np.linspace(0, len(cycles) - 1, 8)]
    cmap = __import__("matplotlib").colormaps["viridis"]
    for k, c in enumerate(show):
        d = tb[tb["cycle_index"] == c]
        col = cmap(k / max(1, len(show) - 1))
        for kind, ls in (("discharge", "-"), ("charge", "--")):
            part = d[d["step_type"] == kind]
            if len(part) == 0:
                continue
            capcol = "discharge_capacity_Ah" if kind == "discharge" else "charge_capacity_Ah"
            first = int(part["step_index"].iloc[0])
            for sidx, seg in part.groupby("step_index"):
                ax1.plot(seg[capcol], seg["voltage_V"], ls, color=col, lw=1.2,
                         label=f"cycle {c}" if kind == "discharge" and int(sidx) == first else None)
    ax1.set_xlabel("capacity in the step (Ah)")
    ax1.set_ylabel("cell voltage (V)")
    ax1.set_title(f"{res.params.name}: voltage vs capacity (solid discharge, dashed charge)")
    ax1.legend(fontsize=8)
    t_h = tb["test_time_s"].to_numpy() / 3600.0
    for col, lab in (("S8_g", "S₈"), ("S4_g", "S₄²⁻"), ("S2_g", "S₂²⁻"), ("S_g", "S²⁻"), ("Sp_g", "Sₚ (Li₂S)"),
                     ("S_lost_g", "lost (shuttle)")):
        if col == "S_lost_g" and float(tb[col].max()) <= 0:
            continue
        ax2.semilogy(t_h, np.maximum(tb[col].to_numpy(), 1e-12), label=lab, lw=1.2)
    ax2.set_ylim(1e-8, None)
    ax2.set_xlabel("time (h)")
    ax2.set_ylabel("sulfur mass (g)")
    ax2.set_title("species masses")
    ax2.legend(fontsize=8, loc="lower right")
    png = figure_png(fig)
    with atomic_write(path, "wb") as fh:
        fh.write(png)
    return path


@app.command()
def presets(json: Annotated[bool, _JSON] = False) -> None:
    """List parameter presets with their sources."""
    from cellworks.clikit import emit_json
    from cellworks.lis.params import list_presets

    items = list_presets()
    if json:
        emit_json(items)
        return
    for it in items:
        typer.echo(f"{it['name']}: {it['source']}")


@app.command()
def impedance(
    preset: Annotated[str, typer.Option("--preset", help="Parameter preset.")] = "marinescu2016",
    set_: Annotated[list[str] | None, typer.Option("--set", help="Override a parameter: name=value.")] = None,
    f_min: Annotated[float, typer.Option(help="Lowest frequency, Hz.")] = 0.01,
    f_max: Annotated[float, typer.Option(help="Highest frequency, Hz.")] = 1e5,
    points: Annotated[int, typer.Option(help="Frequencies (log-spaced).")] = 50,
    json: Annotated[bool, _JSON] = False,
) -> None:
    """Impedance spectrum of the cell in its initial state (lumped ohmic + layer + two R_ct||C_dl)."""
    import numpy as np

    from cellworks.clikit import emit_json
    from cellworks.errors import ParameterError
    from cellworks.lis.impedance import cell_impedance, charge_transfer_resistance_Ohm
    from cellworks.lis.params import get_preset, with_overrides

    if not (0 < f_min < f_max) or points < 2:
        raise ParameterError("need 0 < f_min < f_max and points ≥ 2", field="--f-min")
    params = with_overrides(get_preset(preset), set_ or [])
    f = np.geomspace(f_min, f_max, points)
    z = cell_impedance(params, None, f)
    rct = charge_transfer_resistance_Ohm(params, None)
    d = {"freq_Hz": f, "z_real_Ohm": z.real, "z_imag_Ohm": z.imag, **rct}
    if json:
        emit_json(d)
        return
    for k, v in rct.items():
        typer.echo(f"{k}: {v:.6g}")
    for fi, zi in zip(f, z, strict=True):
        typer.echo(f"{fi:12.5g} Hz  {zi.real:12.6g} {zi.imag:+12.6g}j Ohm")


# extension hook: `cellworks lis design ...` and later twin commands live in their own modules
import importlib as _importlib  # noqa: E402

for _mod in ("cellworks.lis.design_cli", "cellworks.lis.twin_cli", "cellworks.lis.sweep_cli"):
    try:
        _m = _importlib.import_module(_mod)
    except ModuleNotFoundError as _e:
        if _e.name != _mod:
            raise
        continue
    _m.register(app)
