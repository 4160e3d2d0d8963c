"""``cellworks demo`` section for the Li–S simulator."""

from __future__ import annotations

from pathlib import Path

from cellworks.report import Figure, Section, Table, figure_png, new_figure

DISCHARGE = "Discharge at 1.7 A until 2.15 V"
CYCLING = "(Discharge at 1.7 A until 2.15 V, Rest for 10 minutes, Charge at 1.7 A for 3 hours or until 2.45 V, Rest for 10 minutes)"


def build_section(workdir: Path, quick: bool = False) -> Section:
    import numpy as np

    from cellworks.lis.params import THEORETICAL_MAH_PER_G_S, get_preset
    from cellworks.lis.simulation import simulate
    from cellworks.timeseries import write_parquet

    n_cycles = 3 if quick else 50
    p = get_preset("marinescu2016")
    one = simulate(p, DISCHARGE)
    cyc = simulate("marinescu2016_fade", f"{CYCLING} * {n_cycles}")
    if one.data is None or cyc.data is None:  # table=True is the default
        raise RuntimeError("simulation returned no table")
    write_parquet(one.data, workdir / "lis_discharge_1p7A.parquet")
    tb = one.data.table

    # figure 1: voltage vs capacity (the reference discharge and the fade run's cycles)
    fig, (ax1, ax2) = new_figure(1, 2, figsize=(12, 4.4))
    ax1.plot(tb["discharge_capacity_Ah"], tb["voltage_V"], color="k", lw=1.6, label="1.7 A discharge (marinescu2016)")
    ct = cyc.data.table
    show = sorted({1, 2, max(1, n_cycles // 2), n_cycles})
    cmap = __import__("matplotlib").colormaps["viridis"]
    for k, c in enumerate(show):
        d = ct[(ct["cycle_index"] == c) & (ct["step_type"] == "discharge")]
        ax1.plot(d["discharge_capacity_Ah"], d["voltage_V"], lw=1.0, color=cmap(k / max(1, len(show) - 1)),
                 label=f"fade preset, cycle {c}")
    ax1.set_xlabel("discharge capacity (Ah)")
    ax1.set_ylabel("cell voltage (V)")
    ax1.set_title("Voltage vs capacity")
    ax1.legend(fontsize=8)
    caps = np.array(cyc.discharge_capacities_Ah)
    ax2.plot(np.arange(1, len(caps) + 1), caps / p.sulfur_mass_g * 1000.0, "o-", ms=3)
    ax2.set_xlabel("cycle")
    ax2.set_ylabel("discharge capacity (mAh per g S)")
    ax2.set_title("marinescu2016_fade: capacity per cycle (shuttle loss)")
    fig1 = figure_png(fig)

    # figure 2: species masses vs time during the reference discharge
    fig, ax = new_figure(figsize=(8, 4.4))
    t_h = tb["test_time_s"].to_numpy() / 3600.0
    for col, lab in (("S8_g", "S₈"), ("S4_g", "S₄²⁻"), ("S2_g", "S₂²⁻"), ("S_g", "S²⁻"), ("Sp_g", "Sₚ (Li₂S)")):
        ax.semilogy(t_h, np.maximum(tb[col].to_numpy(), 1e-12), label=lab)
    ax.set_ylim(1e-8, 10)
    ax.set_xlabel("time (h)")
    ax.set_ylabel("sulfur mass (g)")
    ax.set_title("Species during the 1.7 A discharge")
    ax.legend(fontsize=8)
    fig2 = figure_png(fig)

    v = tb["voltage_V"].to_numpy()
    q = tb["discharge_capacity_Ah"].to_numpy()
    upper = float(np.interp(0.3 * 1.1, q, v))  # upper plateau, a third into it
    lower = float(np.interp(2.5, q, v))  # lower plateau, middle
    dip = float(v[(q > 0.8) & (q < 1.6)].min())
    s0 = one.steps[0]
    rows = (
        ("discharge capacity to 2.15 V at 1.7 A", "—", f"{s0.capacity_Ah:.3f} Ah"),
        ("… per gram of sulfur", "—", f"{s0.capacity_Ah / p.sulfur_mass_g * 1000:.0f} mAh/g"),
        ("start of discharge", "≈ 2.4 V (REFERENCE §5, initial V)", f"{s0.voltage_start_V:.3f} V"),
        ("upper plateau (S₈ → S₄²⁻)", "≈ 2.3 V in doc 000's coin cell", f"{upper:.3f} V"),
        ("precipitation dip", "—", f"{dip:.3f} V"),
        ("lower plateau (S₄²⁻ → S₂²⁻, S²⁻, Li₂S)", "≈ 2.1 V in doc 000's coin cell", f"{lower:.3f} V"),
        ("theoretical capacity of sulfur", "1675 mAh/g (doc 000)", f"{THEORETICAL_MAH_PER_G_S:.1f} mAh/g"),
        ("total sulfur drift (max, relative)", "≤ 1e-9 (issue)", f"{one.sulfur_mass_drift_rel:.1e}"),
        ("charge balance error", "exact", f"{one.charge_balance_error_C:.1e} C"),
        (f"{n_cycles} cycles (fade preset): capacity first → last", "—",
         f"{caps[0]:.3f} → {caps[-1]:.3f} Ah"),
        (f"{n_cycles} cycles: wall time", "—", f"{cyc.wall_s:.2f} s ({cyc.status})"),
    )
    # the digital twins of documents 000 and 001 (cellworks.lis.twin): their figures and the
    # paper-vs-twin tables follow the simulator's own
    from cellworks.lis.twin import build_twin_parts

    twin_figures, twin_tables, twin_notes = build_twin_parts(workdir, quick=quick)
    return Section(
        title="Li–S cell simulator (cellworks.lis)",
        anchor="lis",
        intro=(
            "The zero-dimensional polysulfide model of Marinescu, Zhang & Offer (PCCP 18 (2016) 584): two lumped "
            "reactions (S₈ → S₄²⁻ on the upper plateau, S₄²⁻ → S₂²⁻ + 2 S²⁻ on the lower), Li₂S precipitation, a "
            "shuttle on charge and, optionally, the shuttle-loss fade of Marinescu et al. 2018, with a lithium-metal "
            "anode (finite inventory, protective layer, plating efficiency). Species are integrated as log-masses with "
            "a compiled Rodas4 solver; total sulfur and charge are conserved to round-off; every step ends with a "
            "named reason. The coin cell of document 000 is a different cell: its plateaus are listed for orientation."
        ),
        figures=(
            Figure(fig1, "Left: cell voltage vs capacity for the 1.7 A discharge of marinescu2016 (black; upper "
                         "plateau from 2.4 V, precipitation dip, lower plateau) and discharges of the fade preset. "
                         "Right: discharge capacity per cycle with the shuttle-loss fade (f_s illustrative)."),
            Figure(fig2, "Sulfur species masses during the 1.7 A discharge: S₈ is reduced to S₄²⁻, which is then "
                         "reduced to S₂²⁻ and S²⁻; S²⁻ precipitates as Li₂S once above saturation."),
            *twin_figures,
        ),
        tables=(Table(headers=("quantity", "document / reference", "cellworks"), rows=rows,
                      caption="The run's figures beside the published ones"), *twin_tables),
        notes=tuple(twin_notes),
        how_to_run=(
            f'cellworks lis simulate --preset marinescu2016 --protocol "{DISCHARGE}" --plot lis.png --json\n'
            f'cellworks lis simulate --preset marinescu2016_fade --protocol "{CYCLING} * 50" --out fade.parquet\n'
            "cellworks lis presets\n"
            "cellworks lis reproduce zhang2016 --json --plots figs/\n"
            "cellworks lis reproduce polyplus --json --plots figs/\n"
            "python benchmarks/lis_vs_pybamm.py --json"
        ),
    )
