"""Figures of cycling data: voltage profiles, capacity vs cycle, rate test, dQ/dV.

Every function returns a matplotlib figure (Agg backend, via :func:`cellworks.report.new_figure`);
:func:`save_png` writes it atomically. Capacities are per gram of active material when a mass is
known, else in mAh.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from cellworks.errors import InputError

if TYPE_CHECKING:
    from cellworks.cycling.cycles import CycleSummary
    from cellworks.timeseries import CyclingData

KINDS: tuple[str, ...] = ("profiles", "capacity", "rate", "dqdv")


def _of(material: str | None) -> str:
    return f" ({material})" if material else ""


def _mass(data: CyclingData, active_mass_g: float | None) -> float | None:
    return active_mass_g if active_mass_g is not None else data.meta.active_mass_g


def _check_cycles(available: Any, cycles: list[int] | None, source: str | None) -> list[int]:
    avail = [int(c) for c in available]
    if not cycles:
        if len(avail) <= 5:
            return avail
        # first, a few in between, last
        picks = sorted({avail[0], avail[len(avail) // 4], avail[len(avail) // 2], avail[-1]})
        return picks
    missing = [c for c in cycles if c not in avail]
    if missing:
        raise InputError(
            f"cycle(s) {', '.join(map(str, missing))} not in the data (cycles {avail[0]}–{avail[-1]})",
            file=source, field="cycles",
        )
    return list(cycles)


def plot_profiles(
    data: CyclingData, *, pairing: str = "auto", cycles: list[int] | None = None, active_mass_g: float | None = None
) -> Any:
    """Voltage vs capacity of each chosen cycle: discharge solid, charge dashed."""
    import numpy as np

    from cellworks.cycling.cycles import half_cycles, pair_steps, steps_of
    from cellworks.report import new_figure

    mass = _mass(data, active_mass_g)
    available = np.unique(pair_steps(steps_of(data.table), pairing).cycle)
    chosen = _check_cycles(available, cycles, data.meta.source_file)
    fig, ax = new_figure(figsize=(7, 4.5))
    cmap = __import__("matplotlib").colormaps["viridis"]
    scale = 1e3 / mass if mass else 1e3
    for n, c in enumerate(chosen):
        color = cmap(n / max(1, len(chosen) - 1))
        first = True
        for hc in half_cycles(data, pairing=pairing, cycles=[c]):
            ax.plot(
                (hc.capacity_Ah - hc.capacity_Ah[0]) * scale,
                hc.voltage_V,
                ls="-" if hc.direction == "discharge" else "--",
                color=color,
                lw=1.3,
                label=f"cycle {c}" if first else None,
            )
            first = False
    ax.set_xlabel(f"capacity / mAh g⁻¹{_of(data.meta.active_material)}" if mass else "capacity / mAh")
    ax.set_ylabel("voltage / V")
    ax.set_title("Voltage profiles (discharge solid, charge dashed)")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)  # outside the data
    ax.grid(alpha=0.3)
    return fig


def _integer_cycles(ax: Any) -> None:
    """Cycle axes tick at whole cycles only."""
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))


def plot_capacity(summary: CycleSummary) -> Any:
    """Charge and discharge capacity vs cycle, coulombic efficiency (%) on the right axis.

    Incomplete cycles (``complete`` False) are drawn as hollow grey markers and get no CE point;
    the cycle axis ticks at whole cycles; the legend sits below the axes, clear of the data."""
    import numpy as np

    from cellworks.report import new_figure

    t = summary.table
    per_g = summary.active_mass_g is not None
    unit = "mAh_per_g" if per_g else "mAh"
    complete = t["complete"].to_numpy(dtype=bool) if "complete" in t.columns else np.ones(len(t), dtype=bool)
    cyc = t["cycle"].to_numpy()
    fig, ax = new_figure(figsize=(7, 4.6))
    for col, marker, color, label in ((f"discharge_capacity_{unit}", "o", "#e76f51", "discharge"),
                                      (f"charge_capacity_{unit}", "s", "#2a9d8f", "charge")):
        q = t[col].to_numpy(dtype=float)
        ax.plot(cyc[complete], q[complete], marker + "-", ms=4, color=color, label=label)
        if (~complete).any():
            ax.plot(cyc[~complete], q[~complete], marker, ms=6, mfc="none", mec="0.45", ls="none",
                    label=f"{label}, incomplete cycle")
    ax.set_xlabel("cycle")
    ax.set_ylabel(f"capacity / mAh g⁻¹{_of(summary.active_material)}" if per_g else "capacity / mAh")
    ax.grid(alpha=0.3)
    _integer_cycles(ax)
    ax2 = ax.twinx()
    ce = 100 * t["coulombic_efficiency"].to_numpy(dtype=float)  # a labelled display: percent
    ax2.plot(cyc[complete], ce[complete], "^", ms=4, color="#264653", label="coulombic efficiency")
    ax2.set_ylabel("coulombic efficiency / %")
    lines = ax.get_legend_handles_labels()
    lines2 = ax2.get_legend_handles_labels()
    fig.legend(lines[0] + lines2[0], lines[1] + lines2[1], fontsize=8, loc="lower center", ncol=3,
               frameon=False)
    fig.subplots_adjust(bottom=0.27)
    ax.set_title(f"Capacity vs cycle ({summary.pairing} pairing)")
    return fig


def plot_rate(summary: CycleSummary) -> Any:
    """Discharge capacity vs cycle, coloured by rate group, labelled with the rate (complete
    cycles; the grouping tolerance in the title)."""
    import numpy as np

    from cellworks.cycling.rate import rate_table
    from cellworks.report import new_figure

    t = summary.table
    per_g = summary.active_mass_g is not None
    unit = "mAh_per_g" if per_g else "mAh"
    rt = rate_table(summary)
    fig, ax = new_figure(figsize=(7, 4.2))
    cmap = __import__("matplotlib").colormaps["plasma"]
    cyc = t["cycle"].to_numpy()
    q = t[f"discharge_capacity_{unit}"].to_numpy()
    complete = t["complete"].to_numpy(dtype=bool) if "complete" in t.columns else np.ones(len(t), dtype=bool)
    for g, row in enumerate(rt.itertuples()):
        m = (cyc >= row.first_cycle) & (cyc <= row.last_cycle) & (q > 0) & complete
        color = cmap(g / max(1, len(rt)))
        ax.plot(cyc[m], q[m], "o", ms=4, color=color)
        if m.any():
            ax.annotate(row.rate_label, (float(np.mean(cyc[m])), float(np.max(q[m]))), textcoords="offset points",
                        xytext=(0, 6), ha="center", fontsize=8)
    ax.set_xlabel("cycle")
    ax.set_ylabel(f"discharge capacity / mAh g⁻¹{_of(summary.active_material)}" if per_g else "discharge capacity / mAh")
    ax.set_title("Rate test: discharge capacity by current (groups within 5 %)", fontsize=10)
    ax.grid(alpha=0.3)
    ax.margins(y=0.15)
    _integer_cycles(ax)
    return fig


def plot_dqdv(
    data: CyclingData, *, pairing: str = "auto", cycles: list[int] | None = None, active_mass_g: float | None = None
) -> Any:
    """dQ/dV of each chosen cycle (charge > 0, discharge < 0); the smoothing is in the title."""
    import numpy as np

    from cellworks.cycling.cycles import pair_steps, steps_of
    from cellworks.cycling.dqdv import DqdvParams, dqdv_curves
    from cellworks.report import new_figure

    mass = _mass(data, active_mass_g)
    available = np.unique(pair_steps(steps_of(data.table), pairing).cycle)
    chosen = _check_cycles(available, cycles, data.meta.source_file)
    p = DqdvParams()
    fig, ax = new_figure(figsize=(7, 4.5))
    cmap = __import__("matplotlib").colormaps["viridis"]
    scale = 1e3 / mass if mass else 1e3
    for n, c in enumerate(chosen):
        color = cmap(n / max(1, len(chosen) - 1))
        for k, cur in enumerate(dqdv_curves(data, pairing=pairing, cycles=[c], params=p)):
            ax.plot(cur.voltage_V, cur.dqdv_Ah_per_V * scale, color=color, lw=1.2, label=f"cycle {c}" if k == 0 else None)
    ax.axhline(0, color="k", lw=0.5)
    ax.set_xlabel("voltage / V")
    ax.set_ylabel("dQ/dV / mAh g⁻¹ V⁻¹" if mass else "dQ/dV / mAh V⁻¹")
    ax.set_title(f"dQ/dV ({p.describe()})", fontsize=10)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)  # outside the data
    ax.grid(alpha=0.3)
    return fig


def save_png(fig: Any, path: str | Path) -> Path:
    """Write the figure as PNG atomically (temporary file, then rename)."""
    from cellworks._io import atomic_write
    from cellworks.report import figure_png

    png = figure_png(fig)
    with atomic_write(path, "wb") as fh:
        fh.write(png)
    return Path(path)


__all__ = ["KINDS", "plot_capacity", "plot_dqdv", "plot_profiles", "plot_rate", "save_png"]
