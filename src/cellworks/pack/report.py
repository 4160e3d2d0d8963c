"""Demo section of ``cellworks.pack``: the application note's numbers beside ours, and figures."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cellworks.report import Figure, Section, Table, figure_png, new_figure

QUICK_DAYS = 20


def _fmt(x: float, nd: int = 3) -> str:
    return f"{x:.{nd}f}"


def build_section(workdir: Path, quick: bool = False) -> Section:
    import dataclasses

    import numpy as np

    from cellworks.pack import bms
    from cellworks.pack.examples import conditioning_example, soft_short_example
    from cellworks.pack.readers.scenario import EXAMPLES, load_config
    from cellworks.pack.simulation import simulate
    from cellworks.pack.sizing import balancing_current_report, discharge_resistance_Ohm
    from cellworks.pack.variation import draw

    figures: list[Figure] = []
    # --- soft-short example (two cells)
    ss = soft_short_example()
    rep = ss.report
    fig, axes = new_figure(2, 1, figsize=(8, 6), sharex=True)
    for label, res, ls in (("no balancing", ss.unbalanced, "-"), ("balancing", ss.balanced, "--")):
        n = int(res.n_records[0])
        t_h = res.time_s[0, :n] / 3600.0
        for s in range(2):
            axes[0].plot(t_h, res.group_voltage_V[0, :n, s], ls, label=f"cell {s + 1}, {label}")
            axes[1].plot(t_h, res.soc[0, :n, s, 0] * 100, ls, label=f"cell {s + 1}, {label}")
    axes[0].set_ylabel("cell voltage (V)")
    axes[1].set_ylabel("SOC (%)")
    axes[1].set_xlabel("time after 3 months of storage (h)")
    axes[0].legend(fontsize=7, ncol=2)
    figures.append(Figure(figure_png(fig), "Soft-short example of application note 003: cell 1 drained 40 → 31 % by "
                          "a soft short. Without balancing its 9 % SOC deficit persists through every cycle; with "
                          "bleed balancing (42 Ω, 10 mV threshold) the conditioning cycle removes it."))

    # --- 4s3p Baumhöfer scenario with and without balancing
    cfg = load_config(EXAMPLES["baumhofer-4s3p"])
    text = cfg.protocol
    if quick:
        text = text.replace("* 182", f"* {QUICK_DAYS}")
    arr = draw(cfg.design, 1, cfg.variation, cfg.soc0)
    opts = dataclasses.replace(cfg.options, record_every_s=1800.0)
    runs: dict[str, Any] = {}
    for label, ctrl in (("without balancing", bms.NoBalancing()), ("with balancing", cfg.controller)):
        runs[label] = simulate(cfg.design, arr, text, ctrl, opts)
    fig, ax = new_figure(figsize=(8, 3.5))
    for label, res in runs.items():
        n = int(res.n_records[0])
        soc = res.soc[0, :n].reshape(n, -1)
        grp = res.soc[0, :n].mean(axis=2)
        ax.plot(res.time_s[0, :n] / 86400.0, (grp.max(axis=1) - grp.min(axis=1)) * 100, label=label)
        _ = soc
    ax.set_xlabel("time (days)")
    ax.set_ylabel("SOC spread between groups (%)")
    ax.legend()
    figures.append(Figure(figure_png(fig), "4s3p pack, Baumhöfer capacities, one 40 kΩ soft short: spread of the "
                          "series groups' SOC. Without balancing it grows ~2.4 mAh a day; charge-only balancing "
                          "keeps it near the 10 mV threshold."))
    fig, ax = new_figure(figsize=(8, 3.5))
    for label, res in runs.items():
        q = res.cycle_discharge_Ah[0]
        ax.plot([1, len(q)], [q[0], q[-1]], "o-", label=f"{label}: full capacity checks")
    ax.set_xlabel("cycle")
    ax.set_ylabel("pack capacity (Ah)")
    ax.legend()
    figures.append(Figure(figure_png(fig), "Pack capacity at the first and last full discharge (1 A to 3.0 V on the "
                          "weakest group): the soft short costs capacity unless the BMS balances."))
    bal = runs["with balancing"]
    fig, axes = new_figure(1, 2, figsize=(10, 3.5))
    sb = ss.balanced
    n = int(sb.n_records[0])
    r_tot = ss.balanced.design.bleed.total_Ohm
    r_res = ss.balanced.design.bleed.resistor_Ohm
    for s in range(2):
        p_res = (sb.group_voltage_V[0, :n, s] / r_tot) ** 2 * r_res * (sb.bleeding[0, :n, s] > 0.5)
        axes[0].plot(sb.time_s[0, :n] / 3600.0, p_res, label=f"cell {s + 1}")
    axes[0].set_xlabel("time after storage (h)")
    axes[0].set_ylabel("bleed resistor power (W)")
    axes[0].set_title("two-cell soft-short example", fontsize=9)
    axes[0].legend(fontsize=7)
    days_ax = np.arange(1, bal.cycle_bleed_Wh.shape[1] + 1)
    axes[1].bar(days_ax, bal.cycle_bleed_Wh[0] * 1e3)
    axes[1].set_xlabel("cycle (day)")
    axes[1].set_ylabel("bleed energy per cycle (mWh)")
    axes[1].set_title("4s3p scenario, charge-only balancing", fontsize=9)
    figures.append(Figure(figure_png(fig), "Bleed power: left, each 42 Ω resistor during the conditioning of the "
                          "two-cell example (≤ 0.42 W of the note); right, energy burnt per daily cycle in the 4s3p "
                          "scenario — the soft short's ~2.4 mAh a day is bled off the healthy groups."))

    # --- tables: the note's numbers beside ours
    b1 = balancing_current_report(2.0, 3, 0.20, 1.0)
    b8 = balancing_current_report(2.0, 3, 0.20, 8.0, 4.0)
    c2 = conditioning_example(2000.0)
    c6 = conditioning_example(6000.0)
    rows = (
        ("balancing current, 20 % of 3 × 2000 mAh in 1 h", "1200 mA", f"{b1['balancing_current_mA']:.0f} mA"),
        ("… over 8 h (two conditioning cycles)", "150 mA, 0.6 W at 4 V",
         f"{b8['balancing_current_mA']:.0f} mA, {b8['dissipation_W']:.2f} W"),
        ("bleed resistor for 100 mA at 4.20 V", "42 Ω, 0.42 W",
         f"{c2['bleed_resistance_Ohm']:.0f} Ω, {c2['dissipation_W']:.2f} W"),
        ("removed in a 3 h conditioning discharge (2000 mAh)", "300 mAh = 15 %",
         f"{c2['removed_per_discharge_mAh']:.0f} mAh = {c2['corrected_per_discharge_percent']:.0f} % "
         f"(simulated, falling voltage: {c2['simulated']['removed_mAh']:.0f} mAh)"),
        ("6000 mAh pack: per discharge / discharge + charge", "5 % / 10 %",
         f"{c6['corrected_per_discharge_percent']:.0f} % / {c6['corrected_per_discharge_and_charge_percent']:.0f} %"),
        ("soft short 40 kΩ", "~0.1 mA, ~3 %/month",
         f"{3.7 / 40e3 * 1e3:.3f} mA at 3.7 V, {3.7 / 40e3 * 730.5 / 2.0 * 100:.1f} %/month of 2000 mAh"),
        ("two-cell soft-short pack loss", "9 %", f"{rep['loss_without_balancing_percent']:.2f} %"),
        ("… after balancing", "recovered", f"{rep['loss_with_balancing_percent']:.2f} %"),
        ("R_discharge, 42 Ω + 0.5 Ω bleed with a 100 Ω load", "(R1+RT1)·RL/(R1+RT1+RL)",
         f"{discharge_resistance_Ohm(42.0, 0.5, 100.0):.2f} Ω"),
    )
    t1 = Table(("quantity", "application note 003", "cellworks"), rows, "Worked numbers of the note beside ours.")
    un, ba = runs["without balancing"], runs["with balancing"]
    rows2 = tuple(
        (label, _fmt(float(r.cycle_discharge_Ah[0, 0])), _fmt(float(r.cycle_discharge_Ah[0, -1])),
         _fmt(float(r.cell_v_min_V[0])), _fmt(float(r.cell_v_max_V[0])), _fmt(float(r.bleed_energy_Wh[0]), 2),
         _fmt(float(r.max_resistor_power_W[0]), 3))
        for label, r in (("without balancing", un), ("with balancing", ba))
    )
    days = QUICK_DAYS if quick else 182
    t2 = Table(("run", "first capacity (Ah)", "last capacity (Ah)", "lowest cell V", "highest cell V",
                "bleed energy (Wh)", "max resistor power (W)"), rows2,
               f"Shipped scenario baumhofer-4s3p ({days} daily cycles): cell limits 2.50–4.20 V.")
    return Section(
        title="Pack balancing (cellworks.pack)",
        intro=(
            "Series/parallel Li-ion packs simulated with Plett's enhanced self-correcting cell model (LG M50 OCV "
            "shape, 2000 mAh 18650 of the note), per-cell variation (here the measured capacities of 47 cells of "
            "Baumhöfer et al. 2014), soft shorts as leakage resistances, and bleed-resistor balancing driven by a "
            "BMS policy — the system of application note 003 (Intersil/PoweReady). Long rests and storage are "
            "advanced with large steps; the compiled kernel runs a 6-month daily-cycling scenario in well under "
            "a second."
        ),
        figures=tuple(figures),
        tables=(t1, t2),
        how_to_run=(
            "cellworks pack size balancing-current --capacity-mAh 2000 --parallel 3 --imbalance 0.20 --hours 8 --json\n"
            "cellworks pack example soft-short --json\n"
            "cellworks pack example conditioning --pack-mAh 6000 --json\n"
            "cellworks pack run baumhofer-4s3p --json\n"
            "cellworks pack montecarlo baumhofer-4s3p --packs 100 --seed 1 --json\n"
            "cellworks pack fit-ecm samsung_inr21700_multipulse_hppc.xlsx --json\n"
            "python benchmarks/pack_speed.py --json"
        ),
        notes=(f"Soft-short example: {np.round(rep['soc_after_storage_percent'], 2).tolist()} % SOC after storage.",),
        anchor="pack",
    )
