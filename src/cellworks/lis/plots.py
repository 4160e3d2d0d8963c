"""Figures of ``cellworks.lis``: a simulated run's voltage curves and species masses."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cellworks.lis.simulation import SimulationResult


def plot_run(res: SimulationResult, path: Path) -> Path:
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
