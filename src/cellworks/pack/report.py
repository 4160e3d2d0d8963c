"""Report section of ``cellworks.pack``: the application note's numbers beside ours, the shipped
scenario's figure, and the limits, thermal and estimation results."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cellworks.report import Figure, Section, Table, figure_png, new_figure

QUICK_DAYS = 20


def _soft_short_figure(ss: Any) -> Figure:
    fig, axes = new_figure(2, 1, figsize=(8, 6), sharex=True)
    for label, res, ls in (("no balancing", ss.unbalanced, "-"), ("balancing", ss.balanced, "--")):
        n = int(res.n_records[0])
        t_h = res.time_s[0, :n] / 3600.0
        for s in range(2):
            axes[0].plot(t_h, res.group_voltage_V[0, :n, s], ls, label=f"cell {s + 1}, {label}")
            axes[1].plot(t_h, res.soc[0, :n, s, 0] * 100, ls, label=f"cell {s + 1}, {label}")
    axes[0].set_ylabel("cell voltage / V")
    axes[1].set_ylabel("SOC / %")
    axes[1].set_xlabel("time after 3 months of storage / h")
    axes[0].legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    for a in axes:
        a.grid(True, alpha=0.3)
    fig.tight_layout()
    return Figure(figure_png(fig), "Soft-short example of application note 003 (held out: simulated from the note's "
                  "inputs): cell 1 drained 40 → 31 % by a soft short. Without balancing its 9 % SOC deficit persists "
                  "through every cycle; with bleed balancing (42 Ω, 10 mV threshold) the conditioning cycle removes it.")


def build_section(workdir: Path, quick: bool = False) -> Section:
    """The pack section of ``cellworks demo`` (``quick``: the shipped scenario shortened to 20 days)."""
    import dataclasses

    from cellworks.pack import bms
    from cellworks.pack.cell import NOTE_V_MID_V, OcvTable
    from cellworks.pack.examples import conditioning_example, soft_short_example
    from cellworks.pack.plots import run_figure
    from cellworks.pack.readers.scenario import EXAMPLES, load_config
    from cellworks.pack.simulation import simulate
    from cellworks.pack.sizing import balancing_current_report, discharge_resistance_Ohm, mismatch_report
    from cellworks.pack.variation import draw

    figures: list[Figure] = []
    ss = soft_short_example()
    rep = ss.report
    figures.append(_soft_short_figure(ss))

    cfg = load_config(EXAMPLES["baumhofer-4s3p"])
    text = cfg.protocol.replace("* 182", f"* {QUICK_DAYS}") if quick else cfg.protocol
    days = QUICK_DAYS if quick else 182
    arr = draw(cfg.design, 1, cfg.variation, cfg.soc0)
    opts = dataclasses.replace(cfg.options, record_every_s=1800.0)
    runs = {label: simulate(cfg.design, arr, text, ctrl, opts)
            for label, ctrl in (("without balancing", bms.NoBalancing()), ("with balancing", cfg.controller))}
    fig = run_figure(runs, f"{cfg.name}: 4s3p, {days} daily cycles between two full checks")
    figures.append(Figure(figure_png(fig), "Shipped 4s3p scenario (Baumhöfer capacities, one 40 kΩ soft short, "
                          "thermal network on, the BMS measuring only in the rests of a pulsed charge): group "
                          "voltages, SOC spread, bleed duty, temperatures and delivered capacity (simulated)."))

    # --- tables: the note's numbers beside ours
    b1 = balancing_current_report(2.0, 3, 0.20, 1.0)
    b8 = balancing_current_report(2.0, 3, 0.20, 8.0, 4.0)
    c2 = conditioning_example(2000.0)
    c6 = conditioning_example(6000.0)
    lg = OcvTable.lg_m50()
    mm = mismatch_report(0.150, lg)
    rows = (
        ("balancing current, 20 % of 3 × 2000 mAh in 1 h", "1200 mA", f"{b1['balancing_current_mA']:.0f} mA",
         "held out"),
        ("… over 8 h (two conditioning cycles)", "150 mA, 0.6 W at 4 V",
         f"{b8['balancing_current_mA']:.0f} mA, {b8['dissipation_W']:.2f} W", "held out"),
        ("bleed resistor for 100 mA at 4.20 V", "42 Ω, 0.42 W",
         f"{c2['bleed_resistance_Ohm']:.0f} Ω, {c2['dissipation_W']:.2f} W", "held out"),
        ("removed in a 3 h conditioning discharge (2000 mAh)", "300 mAh = 15 %",
         f"{c2['removed_per_discharge_mAh']:.0f} mAh = {c2['corrected_per_discharge_percent']:.0f} % "
         f"(simulated, falling voltage: {c2['simulated']['removed_mAh']:.0f} mAh)", "held out"),
        ("6000 mAh pack: per discharge / discharge + charge", "5 % / 10 %",
         f"{c6['corrected_per_discharge_percent']:.0f} % / {c6['corrected_per_discharge_and_charge_percent']:.0f} %",
         "held out"),
        ("soft short 40 kΩ", "~0.1 mA, ~3 %/month",
         f"{3.7 / 40e3 * 1e3:.3f} mA at 3.7 V, {3.7 / 40e3 * 730.5 / 2.0 * 100:.1f} %/month of 2000 mAh", "held out"),
        ("two-cell soft-short pack loss", "9 %", f"{rep['loss_without_balancing_percent']:.2f} %", "held out"),
        ("… after balancing", "recovered", f"{rep['loss_with_balancing_percent']:.2f} %", "held out"),
        ("R_discharge, 42 Ω + 0.5 Ω bleed with a 100 Ω load", "(R1+RT1)·RL/(R1+RT1+RL)",
         f"{discharge_resistance_Ohm(42.0, 0.5, 100.0):.2f} Ω", "held out"),
        ("150 mV mismatch at full charge", "13–18 % of pack capacity",
         f"{mm['capacity_loss_percent']:.1f} % on the LG M50 curve (Chen 2020)", "held out"),
        ("V_mid, OCV at 50 % SOC", f"{NOTE_V_MID_V:.2f} V", f"{lg.v_mid_V:.3f} V (LG M50 curve, Chen 2020)", "input"),
    )
    t1 = Table(("quantity", "application note 003", "cellworks", "role"), rows,
               "Worked numbers of the note beside ours (held out: computed from the note's inputs, never from its "
               "results; input: the OCV curve the simulator uses).")
    un, ba = runs["without balancing"], runs["with balancing"]
    rows2 = tuple(
        (label, f"{float(r.cycle_discharge_Ah[0, 0]):.3f}", f"{float(r.cycle_discharge_Ah[0, -1]):.3f}",
         f"{float(r.cell_v_min_V[0]):.3f}", f"{float(r.cell_v_max_V[0]):.3f}", f"{float(r.bleed_energy_Wh[0]):.2f}",
         f"{float(r.max_resistor_power_W[0]):.3f}", f"{float(r.max_temperature_C[0]):.1f}")
        for label, r in (("without balancing", un), ("with balancing", ba))
    )
    t2 = Table(("run", "first capacity / Ah", "last capacity / Ah", "lowest group / V", "highest group / V",
                "bleed energy / Wh", "max resistor power / W", "hottest cell / °C"), rows2,
               f"Shipped scenario baumhofer-4s3p ({days} daily cycles; cell limits 2.50–4.20 V, resistor rating "
               "2 W; simulated).")
    return Section(
        title="Pack balancing (cellworks.pack)",
        intro=(
            "Series/parallel packs of Plett's enhanced self-correcting cell model (OCV of the LG M50, Chen 2020, "
            "with O'Regan 2022's entropic coefficient) with cell-to-cell variation from the measured capacities of "
            "Baumhöfer et al. 2014, soft shorts, bleed balancing under a BMS policy whose hardware limits act at "
            "every step, and a lumped thermal network of cells and BMS board. Every worked number of application "
            "note 003 is computed from its inputs; the scenario shows six months of daily cycling with one soft "
            "short, with and without balancing."
        ),
        figures=tuple(figures),
        tables=(t1, t2),
        how_to_run=(
            "cellworks pack size balancing-current --capacity-mAh 2000 --parallel 3 --imbalance 0.20 --hours 8 --json\n"
            "cellworks pack size mismatch --delta-mV 150 --json\n"
            "cellworks pack example soft-short --json\n"
            "cellworks pack run baumhofer-4s3p --plot run.png --json\n"
            "cellworks pack montecarlo baumhofer-4s3p --packs 100 --seed 1 --random-short --plot mc.png --json\n"
            "cellworks pack log replay LOG --monitor-group-size 4 --max-per-monitor 1 --hold-s 90 --gap-s 5 --json\n"
            "cellworks pack estimate LOG --capacity-Ah 13 --plot soc.png --json\n"
            "cellworks pack fit-ecm samsung_inr21700_multipulse_hppc.xlsx --capacity-Ah 3 --json\n"
            "python benchmarks/pack_speed.py --json"
        ),
        notes=(f"Soft-short example: {[round(x, 2) for x in rep['soc_after_storage_percent']]} % SOC after storage.",),
        anchor="pack",
    )
