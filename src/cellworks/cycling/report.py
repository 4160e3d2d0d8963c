"""Demo section: a real Arbin file summarised per cycle, with profiles, capacity and dQ/dV figures;
the Li–S plateau split of a simulated discharge when ``cellworks.lis`` is available (full demo)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cellworks.report import Figure, Section, Table, figure_png

#: theoretical split of the 1675 mAh/g of sulfur (REFERENCE §1): S8 → Li2S4 takes 4 of 16 e⁻ per S8
Q_UPPER_THEORY_MAH_PER_G = 1675.0 / 4
Q_LOWER_THEORY_MAH_PER_G = 1675.0 * 3 / 4


def _fixture() -> Path:
    here = Path(__file__).resolve()
    for base in (here.parents[3] / "tests" / "data" / "cycling", here.parents[4] / "shared" / "fixtures" / "cycler"):
        p = base / "arbin_example.res"
        if p.is_file():
            return p
    raise FileNotFoundError("arbin_example.res (tests/data/cycling) not found")


def _fmt(x: Any, digits: int = 4) -> str:
    try:
        xf = float(x)
    except (TypeError, ValueError):
        return str(x)
    if xf != xf:
        return "—"
    return f"{xf:.{digits}g}"


def _lis_section_parts(quick: bool) -> tuple[list[Figure], list[Table], list[str]]:
    """Simulated Li–S discharge (Marinescu 2016 preset) and its plateau split."""
    if quick:
        return [], [], ["The Li–S plateau split of a simulated discharge is shown in the full demo (not --quick)."]
    import numpy as np

    from cellworks.cycling.plateaus import split_discharge
    from cellworks.lis import simulate
    from cellworks.report import new_figure

    res = simulate("marinescu2016", "Discharge at 1.7 A until 2.15 V")
    sim = res.data
    if sim is None:
        return [], [], ["the Li–S simulation returned no table: no plateau split in this report."]
    tab = sim.table
    dis = tab[tab.step_type == "discharge"]
    q = dis["discharge_capacity_Ah"].to_numpy()
    v = dis["voltage_V"].to_numpy()
    s = split_discharge(q, v)
    i_h = dis["i_H_A"].to_numpy()
    i_l = dis["i_L_A"].to_numpy()
    share = i_h / (i_h + i_l)
    k = int(np.flatnonzero((share[:-1] >= 0.5) & (share[1:] < 0.5))[0])
    f = (share[k] - 0.5) / (share[k] - share[k + 1])
    q_species = q[k] + f * (q[k + 1] - q[k])
    fig, ax = new_figure(figsize=(7, 4.2))
    ax.plot(q, v, color="#e76f51", lw=1.5, label="simulated discharge, 1.7 A")
    ax.axvline(s.split_capacity_Ah, color="k", ls="--", lw=1, label=f"split from the curve ({s.method})")
    ax.axvline(q_species, color="#2a9d8f", ls=":", lw=1.5, label="S8 exhausted (i_H = i_L)")
    if np.isfinite(s.dip_capacity_Ah):
        ax.plot([s.dip_capacity_Ah], [s.dip_voltage_V], "o", color="k", ms=4, label="dip (local minimum)")
    ax.set_xlabel("capacity / Ah")
    ax.set_ylabel("voltage / V")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    ax.set_title("Li–S upper/lower plateau split (Marinescu 2016 preset)")
    fig_ = Figure(
        figure_png(fig),
        "Simulated Li–S discharge: the split is placed at the steepest fall into the dip; the dip itself "
        "(Li2S nucleation overshoot) comes after S8 is used up.",
    )
    table = Table(
        headers=("quantity", "from the curve", "from the species", "theory (complete conversion)"),
        rows=(
            ("upper plateau / Ah", _fmt(s.upper_Ah), _fmt(q_species), "—"),
            ("lower plateau / Ah", _fmt(s.lower_Ah), _fmt(q[-1] - q_species), "—"),
            ("lower / upper", _fmt(s.lower_to_upper_ratio, 3), _fmt((q[-1] - q_species) / q_species, 3),
             _fmt(Q_LOWER_THEORY_MAH_PER_G / Q_UPPER_THEORY_MAH_PER_G, 3)),
            ("upper-plateau deviation", f"{100 * (s.upper_Ah / q_species - 1):+.2f} %", "—", "target within ±2 %"),
        ),
        caption="Plateau split of the simulated discharge vs the split known from its species (1675 mAh/g: "
        "419 upper + 1256 lower, REFERENCE §1)",
    )
    return [fig_], [table], []


#: the report table's columns: (header with unit, summary column, display factor, significant figures)
REPORT_COLUMNS: tuple[tuple[str, str, float, int], ...] = (
    ("Q charge / mAh", "charge_capacity_mAh", 1.0, 4),
    ("Q discharge / mAh", "discharge_capacity_mAh", 1.0, 4),
    ("CE / %", "coulombic_efficiency", 100.0, 4),
    ("EE / %", "energy_efficiency", 100.0, 4),
    ("V̄ charge / V", "mean_charge_voltage_V", 1.0, 4),
    ("V̄ discharge / V", "mean_discharge_voltage_V", 1.0, 4),
    ("V end of discharge / V", "end_of_discharge_voltage_V", 1.0, 4),
    ("retention / %", "retention", 100.0, 4),
    ("charge time / h", "charge_time_s", 1 / 3600, 3),
    ("discharge time / h", "discharge_time_s", 1 / 3600, 3),
)


def summary_report_table(s: Any, what: str) -> Table:
    """The per-cycle summary as a report table: units in every header, percent only here (the data
    hold fractions), integer cycles, incomplete cycles marked."""
    recs: list[dict[str, Any]] = [{str(k): v for k, v in r.items()} for r in s.table.to_dict("records")]
    rows = tuple(
        (int(r["cycle"]), "yes" if r["complete"] else f"no: {r['incomplete_reason']}",
         *(_fmt(factor * r[col], digits) for _, col, factor, digits in REPORT_COLUMNS))
        for r in recs
    )
    return Table(
        headers=("cycle", "complete", *(h for h, _, _, _ in REPORT_COLUMNS)),
        rows=rows,
        caption=f"Per-cycle summary of {what} (role: input — measured values, nothing fitted). Pairing: "
        f"{s.pairing_reason}. {s.ce_definition}. CE, EE and retention are fractions in the data and shown here in "
        "percent; incomplete cycles have none.",
    )


def build_section(workdir: Path, quick: bool = False) -> Section:
    from cellworks.cycling.plots import plot_capacity, plot_dqdv, plot_profiles
    from cellworks.cycling.rate import rate_table
    from cellworks.cycling.readers import read
    from cellworks.cycling.summary import summarize
    from cellworks.timeseries import write_parquet

    src = _fixture()
    data = read(src)
    write_parquet(data, workdir / "cycling_arbin_example.parquet")
    s = summarize(data, pairing="auto")
    t = s.table
    summary_table = summary_report_table(s, f"{src.name} (Arbin .res read in pure Python)")
    rt = rate_table(s)
    rate_recs: list[dict[str, Any]] = [{str(k): v for k, v in r.items()} for r in rt.to_dict("records")]
    rate_tab = Table(
        headers=("rate", "cycles", "mean discharge / mAh", "mean CE / %"),
        rows=tuple(
            (r["rate_label"], f"{r['first_cycle']}–{r['last_cycle']}", _fmt(r["mean_discharge_capacity_mAh"]),
             _fmt(100 * r["mean_coulombic_efficiency"]))
            for r in rate_recs
        ),
        caption="Rate table (cycles grouped by mean discharge current; no mass in the file, so in A)",
    )
    cycles = [int(c) for c in t["cycle"]]
    figs = [
        Figure(figure_png(plot_profiles(data, cycles=cycles)), "Voltage profiles of every cycle (discharge solid, charge dashed)."),
        Figure(figure_png(plot_capacity(s)), "Charge/discharge capacity and coulombic efficiency vs cycle."),
        Figure(
            figure_png(plot_dqdv(data, cycles=[cycles[0], cycles[-1]])),
            "dQ/dV of the first and last cycle by voltage binning (5 mV bins, 25 mV moving average): the LiCoO2 "
            "main peak near 3.9 V and the order/disorder features above 4.0 V.",
        ),
    ]
    lis_figs, lis_tabs, notes = _lis_section_parts(quick)
    return Section(
        title="Cycling data: one table for every cycler, per-cycle summary, plateaus, dQ/dV",
        anchor="cycling",
        intro=(
            "A real Arbin result file (LiCoO2 half-cell, 3.0–4.3 V, from navani's example data) is read without any "
            "external program into the cellworks cycling table and summarised per cycle. Half-cycles pair into cycles "
            "by an explicit choice (discharge-first for Li–S and cathode half-cells that start charged, charge-first "
            "for cells that start discharged, or auto from the first real step); the coulombic efficiency follows "
            "the pairing and the report says which was used."
        ),
        figures=tuple(figs + lis_figs),
        tables=(summary_table, rate_tab, *lis_tabs),
        how_to_run=(
            f"cellworks cycling summarize tests/data/cycling/{src.name} --pairing auto\n"
            f"cellworks cycling summarize tests/data/cycling/{src.name} --json\n"
            f"cellworks cycling plot tests/data/cycling/{src.name} --kind profiles --cycles 1,2,4 profiles.png\n"
            f"cellworks cycling plot tests/data/cycling/{src.name} --kind dqdv --cycles 1,4 dqdv.png\n"
            f"cellworks cycling convert tests/data/cycling/{src.name} arbin.parquet\n"
            "python benchmarks/cycling_vs_peers.py --json"
        ),
        notes=tuple(notes),
    )
