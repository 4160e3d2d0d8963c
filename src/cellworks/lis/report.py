"""``cellworks demo`` section for the Li–S part: both models, and the twins of documents 000 and 001."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cellworks.report import Figure, Section, Table, figure_png, new_figure

DISCHARGE = "Discharge at 1.7 A until 2.15 V"
CYCLING = "(Discharge at 1.7 A until 2.15 V, Rest for 10 minutes, Charge at 1.7 A for 3 hours or until 2.45 V, Rest for 10 minutes)"
#: C-rates of the chain3 demonstration (1C = 1675 mA per g of sulfur); the slowest shows the shuttle's
#: share, the fastest the blocking of the surface by Li₂S
CHAIN3_RATES_C = (0.05, 0.2, 0.5, 1.0, 2.0)


def _models_figure(quick: bool) -> tuple[Figure, list[tuple[str, str, str, str]], Any]:
    """Discharge curves of both models; rows of the capacity table."""
    import numpy as np

    from cellworks.lis.params import get_preset
    from cellworks.lis.simulation import simulate

    fig, (ax1, ax2) = new_figure(1, 2, figsize=(12.5, 4.3), constrained_layout=True)
    m16 = simulate("marinescu2016", DISCHARGE)
    tb = m16.data.table if m16.data is not None else None
    if tb is not None:
        ax1.plot(tb["discharge_capacity_Ah"] / 2.7 * 1e3, tb["voltage_V"], "k-", lw=1.5, label="marinescu2016, 1.7 A")
    rows = [("marinescu2016", "1.7 A to 2.15 V", f"{m16.steps[0].capacity_Ah / 2.7 * 1e3:.0f}",
             f"{m16.steps[0].shuttle_capacity_Ah / 2.7 * 1e3:.0f}")]
    p = get_preset("chain3_literature")
    cmap = __import__("matplotlib").colormaps["viridis"]
    rates = CHAIN3_RATES_C[::2] if quick else CHAIN3_RATES_C
    for k, rate in enumerate(rates):
        r = simulate(p, f"Discharge at {rate:g}C until 1.5 V")
        t = r.data.table if r.data is not None else None
        if t is None:
            continue
        ax2.plot(t["discharge_capacity_Ah"] / p.sulfur_mass_g * 1e3, t["voltage_V"], color=cmap(k / max(len(rates) - 1, 1) * 0.9), lw=1.3,
                 label=f"chain3_literature, {rate:g}C")
        rows.append(("chain3_literature", f"{rate:g}C to 1.5 V", f"{r.steps[0].capacity_Ah / p.sulfur_mass_g * 1e3:.0f}",
                     f"{r.steps[0].shuttle_capacity_Ah / p.sulfur_mass_g * 1e3:.0f}"))
    for ax, title in ((ax1, "two reactions (to S₂²⁻ + S²⁻)"), (ax2, "three reactions (to Li₂S)")):
        ax.set_xlabel("capacity / mAh g⁻¹ (S)")
        ax.set_ylabel("cell voltage / V")
        ax.set_title(title, fontsize=10)
        ax.set_xlim(0, 1700)
        ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=8)
    cap = ("Discharge curves of the two models per gram of sulfur. Left: marinescu2016 at 1.7 A — its capacity does "
           "not depend on rate and stops at 75 % of sulfur's 1675 mAh g⁻¹. Right: chain3_literature at "
           f"{', '.join(f'{r:g}C' for r in rates)} — above about 0.5C, Li₂S blocks the surface and passivates it, so "
           "the capacity falls with rate; below it, the shuttle (Hua et al.'s constant, no LiNO₃) reduces dissolved "
           "polysulfide at the lithium during the long discharge, and that charge never reaches the external circuit "
           "(last column of the table), so the slowest discharge delivers less.")
    return Figure(figure_png(fig), cap), rows, np


def build_section(workdir: Path, quick: bool = False) -> Section:
    """The lis section of ``cellworks demo`` (``quick``: short twin runs)."""
    from cellworks.lis.simulation import simulate
    from cellworks.timeseries import write_parquet

    one = simulate("marinescu2016", DISCHARGE)
    if one.data is not None:
        write_parquet(one.data, workdir / "lis_discharge_1p7A.parquet")
    fig_models, cap_rows, _ = _models_figure(quick)
    n_cycles = 3 if quick else 50
    cyc = simulate("marinescu2016_fade", f"{CYCLING} * {n_cycles}", table=False)
    caps = cyc.discharge_capacities_Ah
    rows = (
        ("marinescu2016: sulfur drift over the 1.7 A discharge (relative)", f"{one.sulfur_mass_drift_rel:.1e}", "–"),
        ("marinescu2016: charge balance error", f"{one.charge_balance_error_C:.1e}", "C"),
        (f"marinescu2016_fade: capacity, cycle 1 → {n_cycles}", f"{caps[0]:.3f} → {caps[-1]:.3f}", "Ah"),
        (f"marinescu2016_fade: {n_cycles} cycles, wall time", f"{cyc.wall_s:.2g}", "s"),
    )
    twin_figures, twin_tables, twin_notes = build_twin_parts(workdir, quick=quick)
    return Section(
        title="Li–S cell models and document twins (cellworks.lis)",
        anchor="lis",
        intro=(
            "Two zero-dimensional Li–S models run through cellworks protocols with one compiled solver: the verified "
            "two-reaction model of Marinescu, Zhang & Offer (2016), and a three-reaction chain to Li₂S whose capacity "
            "depends on rate through Li₂S blocking and passivation and whose shuttle is transport-limited. The "
            "three-reaction model is calibrated on the fitted numbers of document 000 and predicts its held-out "
            "numbers; document 001's lithium account comes from the anode's mechanisms without any fit."
        ),
        figures=(fig_models, *twin_figures),
        tables=(Table(headers=("model", "discharge", "capacity / mAh g⁻¹ (S)", "to the shuttle / mAh g⁻¹ (S)"),
                      rows=tuple(cap_rows),
                      caption="Discharge capacity per gram of sulfur of the runs in the first figure, and the charge "
                              "the shuttle carried during each discharge (reduced at the lithium, not delivered)."),
                Table(headers=("quantity", "value", "unit"), rows=rows, caption="Conservation and speed of the reference runs."),
                *twin_tables),
        notes=tuple(twin_notes),
        how_to_run=(
            f'cellworks lis simulate --preset marinescu2016 --protocol "{DISCHARGE}" --plot lis.png --json\n'
            'cellworks lis simulate --model chain3 --protocol "Discharge at 0.2C until 1.5 V" --json\n'
            "cellworks lis models --json\n"
            "cellworks lis reproduce zhang2016 --json --plots figs/\n"
            "cellworks lis reproduce polyplus --json --plots figs/"
        ),
    )


def build_twin_parts(workdir: Path, quick: bool = False) -> tuple[list[Figure], list[Table], list[str]]:
    """Figures, tables and notes of the two document twins (``quick``: a tenth of the cycles, no
    document-001 strip run)."""
    from cellworks.lis.plots import polyplus_figures, zhang2016_figures
    from cellworks.lis.readers.targets import load_fitted
    from cellworks.lis.twins.reproduce import reproduce_polyplus, reproduce_zhang2016, zhang2016_runs

    figures: list[Figure] = []
    tables: list[Table] = []
    notes: list[str] = []
    if quick:
        doc, cells, runs = zhang2016_runs(cycles_scale=0.1)
        rows = tuple((n, f"{runs[n]['cycling_0.2'].discharge[0]:.0f}", f"{max(runs[n]['cycling_0.2'].discharge):.0f}")
                     for n in cells)
        tables.append(Table(("twin", "first discharge at 0.2 A g⁻¹ / mAh g⁻¹", "maximum of 5 cycles / mAh g⁻¹"), rows,
                            "Quick run of the document-000 twins: the first 5 cycles at 0.2 A g⁻¹ (role: prediction of "
                            "the calibrated model; the full comparison is `cellworks lis reproduce zhang2016`)."))
        notes.append("quick mode: run `cellworks lis reproduce zhang2016 --plots DIR` for the full comparison")
        del workdir
        return figures, tables, notes
    z = reproduce_zhang2016()
    tables.append(Table(
        ("quantity", "cell", "document", "twin", "tolerance", "within", "role"),
        tuple((r["quantity"], r["cell"].replace("zhang2016_", ""), f"{r['paper']:g} {r['unit']}",
               "n/a" if r["simulated"] is None else f"{r['simulated']:.4g} {r['unit']}", r["tolerance_text"],
               "yes" if r["ok"] else "NO", r["role"].replace("_", "-")) for r in z["rows"]),
        f"Document 000: every published number beside the twin's; {z['n_held_out']} rows are held out (predictions "
        "the calibration never read), the others were calibration targets of `cellworks lis fit`.",
    ))
    ce_rows = tuple((n.replace("zhang2016_", ""), *(f"{100 * c['coulombic_efficiency_by_rate'][k]:.1f}" for k in ("0.2", "0.8", "1.6")),
                     f"{c['max_charge_mAh_per_g']:.0f}", f"{c['plateaus_V']['upper']:.3f}", f"{c['plateaus_V']['lower']:.3f}")
                    for n, c in z["cells"].items())
    tables.append(Table(("cell", "CE 0.2 A g⁻¹ / %", "CE 0.8 A g⁻¹ / %", "CE 1.6 A g⁻¹ / %", "largest charge / mAh g⁻¹",
                         "upper plateau / V", "lower plateau / V"), ce_rows,
                        "Twin predictions the document states no number for (except CE at 1.6 A g⁻¹): mean coulombic "
                        "efficiency per rate, the largest charge of any cycle, and the plateaus of the first 0.2 A g⁻¹ "
                        "discharge (cellworks.cycling plateau split)."))
    doc, cells, runs = zhang2016_runs()
    for _, fig, cap in zhang2016_figures(doc, runs, cells):
        figures.append(Figure(figure_png(fig), cap))
    pp = reproduce_polyplus()
    tables.append(Table(
        ("quantity", "document", "twin", "criterion", "within", "role"),
        tuple((r["quantity"], f"{r['paper']:g} {r['unit']}", f"{r['simulated']:.4g}", r["tolerance_text"],
               "yes" if r["ok"] else "NO", r["role"].replace("_", "-")) for r in pp["rows"]),
        "Document 001 (PolyPlus): Example 3 lithium account, Example 2 stability, Fig. 5 regions; no parameter was "
        "fitted to these numbers.",
    ))
    from cellworks.lis import catholyte as cat

    _, res3 = cat.example3()
    curve = cat.voltage_vs_li_to_s()
    for _, fig, cap in polyplus_figures(res3, curve, pp["windows"], pp["curve_regions"]):
        figures.append(Figure(figure_png(fig), cap))
    notes.append(f"calibration command: {load_fitted().get('command')}")
    del workdir
    return figures, tables, notes
