"""Figures of ``cellworks.lis``: a run's curves and species, the document twins, measured-curve fits.

The document's numbers drawn on the twin figures come from the targets file (never typed here);
legends sit outside the axes.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cellworks.lis.simulation import SimulationResult

_LABEL = {"zhang2016_ac_s": "AC–S", "zhang2016_coated": "carbon-coated AC–S"}
_MARK = {"zhang2016_ac_s": "s", "zhang2016_coated": "o"}
_COLOR = {"zhang2016_ac_s": "C0", "zhang2016_coated": "C3"}


def _legend_right(ax: Any, **kw: Any) -> None:
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0, fontsize=8, **kw)


def _save(fig: Any, path: Path) -> Path:
    from cellworks._io import atomic_write
    from cellworks.report import figure_png

    with atomic_write(path, "wb") as fh:
        fh.write(figure_png(fig))
    return path


def plot_run(res: SimulationResult, path: Path) -> Path:
    """Voltage vs capacity per cycle and species masses vs time, side by side, as one PNG."""
    import numpy as np

    from cellworks.report import new_figure

    if res.data is None:
        raise ValueError("result has no table (simulate with table=True)")
    tb = res.data.table
    fig, (ax1, ax2) = new_figure(1, 2, figsize=(13, 4.6), constrained_layout=True)
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
    ax1.set_xlabel("capacity in the step / Ah")
    ax1.set_ylabel("cell voltage / V")
    ax1.set_title(f"{res.params.name}: voltage vs capacity (solid discharge, dashed charge)", fontsize=10)
    _legend_right(ax1)
    t_h = tb["test_time_s"].to_numpy() / 3600.0
    for col, lab in (("S8_g", "S₈"), ("S4_g", "S₄²⁻"), ("S2_g", "S₂²⁻"), ("S_g", "S²⁻"), ("Sp_g", "Sₚ (Li₂S)"),
                     ("S_lost_g", "lost (shuttle)")):
        if col == "S_lost_g" and float(tb[col].max()) <= 0:
            continue
        ax2.semilogy(t_h, np.maximum(tb[col].to_numpy(), 1e-12), label=lab, lw=1.2)
    ax2.set_ylim(1e-8, None)
    ax2.set_xlabel("time / h")
    ax2.set_ylabel("sulfur mass / g")
    ax2.set_title("species masses", fontsize=10)
    _legend_right(ax2)
    return _save(fig, path)


# ---------------------------------------------------------------------------------------------
# document 000


def document_points(doc: dict[str, Any], cell: str, experiment: str) -> list[tuple[float, float, str]]:
    """(cycle, capacity mAh/g, label) the document states for one cell and experiment, from its targets."""
    from cellworks.lis.twins.targets import parse_targets

    tt = [t for t in parse_targets(doc) if t.cell == cell and t.experiment == experiment]
    by_metric = {t.metric: t for t in tt}
    pts: list[tuple[float, float, str]] = []
    for t in tt:
        if t.metric == "capacity_at":
            pts.append((t.cycle, t.paper, t.role))
        elif t.metric == "mean_capacity":
            pts.append((0.5 * (t.first + t.last), t.paper, t.role))
        elif t.metric == "max_capacity" and "cycle_of_max" in by_metric:
            pts.append((by_metric["cycle_of_max"].paper, t.paper, t.role))
    if "retention" in by_metric and "max_capacity" in by_metric:
        r = by_metric["retention"]
        pts.append((r.last, r.paper / 100.0 * by_metric["max_capacity"].paper, r.role))
    return pts


def zhang2016_figures(doc: dict[str, Any], runs: dict[str, dict[str, Any]], cells: dict[str, Any]) -> list[tuple[str, Any, str]]:
    """(file name, matplotlib figure, caption) of the simulated Fig. 4a, 4b, 4c, 4e, the coulombic
    efficiency and the Nyquist plot; the document's numbers (black) from its targets file."""
    import numpy as np

    from cellworks.lis.twins.metrics import coulombic_efficiency_by_cycle
    from cellworks.lis.twins.protocols import experiment_rates, window
    from cellworks.report import new_figure

    figs: list[tuple[str, Any, str]] = []
    plateaus = doc.get("document", {}).get("plateaus_V", [])
    v_lo, v_hi = window(doc)
    # --- Fig. 4a: profiles at 0.2 A/g
    fig, axs = new_figure(1, 2, figsize=(12.5, 4.4), sharey=True, constrained_layout=True)
    for ax, n in zip(axs, ("zhang2016_ac_s", "zhang2016_coated"), strict=True):
        profs = runs[n]["cycling_0.2"].profiles
        cyc_show = [c for c in sorted(profs) if c in (1, 2, 50)]
        for k, cyc in enumerate(cyc_show):
            prof = profs[cyc]
            for q, v, kind in zip(prof["q"], prof["v"], prof["kind"], strict=True):
                ax.plot(q, v, "-" if kind == "discharge" else "--", color=f"C{k}", lw=1.2,
                        label=f"cycle {cyc}" if kind == "discharge" else None)
        for pv in plateaus:
            ax.axhline(pv, color="0.3", lw=0.7, ls=":")
        ax.set_title(f"{_LABEL[n]} (twin)", fontsize=10)
        ax.set_xlabel("capacity / mAh g⁻¹ (S)")
        ax.set_ylim(v_lo - 0.1, v_hi + 0.1)
    axs[0].set_ylabel("cell voltage / V")
    axs[1].plot([], [], ":", color="0.3", label="document: plateaus " + ", ".join(f"{p:g} V" for p in plateaus))
    _legend_right(axs[1])
    figs.append(("fig4a_profiles_0.2Ag.png", fig,
                 "Twin of Fig. 4a: discharge (solid) and charge (dashed) at 0.2 A g⁻¹, cycles 1, 2 and 50; dotted: "
                 "the document's plateau voltages."))
    # --- Fig. 4b: cycling at 0.2 A/g
    fig, ax = new_figure(figsize=(9, 4.2), constrained_layout=True)
    for n in runs:
        d = runs[n]["cycling_0.2"].discharge
        ax.plot(range(1, len(d) + 1), d, _MARK[n], ms=3, color=_COLOR[n], label=f"{_LABEL[n]} (twin)")
        pts = document_points(doc, n, "cycling_0.2")
        for role, mk in (("fitted", "x"), ("held_out", "P")):
            sel = [(c, q) for c, q, r in pts if r == role]
            if sel:
                ax.plot(*zip(*sel, strict=True), mk, color=_COLOR[n], mec=_COLOR[n], mew=2.2, ms=11, mfc="none",
                        ls="none", label=f"{_LABEL[n]}, document ({role.replace('_', '-')})")
    ax.set_xlabel("cycle")
    ax.set_ylabel("discharge capacity / mAh g⁻¹ (S)")
    _legend_right(ax)
    figs.append(("fig4b_cycling_0.2Ag.png", fig,
                 "Twin of Fig. 4b: discharge capacity over 50 cycles at 0.2 A g⁻¹; large open markers: the document's "
                 "numbers (× calibration targets, + held-out predictions), in the cell's colour."))
    # --- Fig. 4c: rate test
    fig, ax = new_figure(figsize=(9, 4.2), constrained_layout=True)
    rates = experiment_rates(doc, "rate")
    for n in runs:
        d = runs[n]["rate"].discharge
        ax.plot(range(1, len(d) + 1), d, _MARK[n], ms=3, color=_COLOR[n], label=f"{_LABEL[n]} (twin)")
        for c, q, role in document_points(doc, n, "rate"):
            ax.plot([c], [q], "x" if role == "fitted" else "P", color=_COLOR[n], mec=_COLOR[n], mew=2.2, ms=11,
                    mfc="none", label=f"{_LABEL[n]}, document ({role.replace('_', '-')})")
    edges = [i for i in range(1, len(rates)) if rates[i] != rates[i - 1]]
    for e in edges:
        ax.axvline(e + 0.5, color="0.85", lw=0.8)
    sec = ax.secondary_xaxis("top")
    starts = [0, *edges]
    sec.set_xticks([s + 1 + 2 for s in starts])
    sec.set_xticklabels([f"{rates[s]:g}" for s in starts], fontsize=8)
    sec.set_xlabel("rate / A g⁻¹", fontsize=8)
    ax.set_xlabel("cycle")
    ax.set_ylabel("discharge capacity / mAh g⁻¹ (S)")
    _legend_right(ax)
    figs.append(("fig4c_rate.png", fig, "Twin of Fig. 4c: rate test, five cycles at each rate (top axis); the "
                                        "document's 6.4 A g⁻¹ capacities at the middle of their five cycles."))
    # --- Fig. 4e: long cycling
    fig, axs = new_figure(1, 2, figsize=(12.5, 4.2), sharey=True, constrained_layout=True)
    for ax, key in zip(axs, ("long_0.8", "long_1.6"), strict=True):
        for n in runs:
            d = runs[n][key].discharge
            ax.plot(range(1, len(d) + 1), d, _MARK[n], ms=2, color=_COLOR[n], label=f"{_LABEL[n]} (twin)")
            for c, q, role in document_points(doc, n, key):
                ax.plot([c], [q], "x" if role == "fitted" else "P", color=_COLOR[n], mec=_COLOR[n], mew=2.2, ms=11,
                        mfc="none", label=f"{_LABEL[n]}, document ({role.replace('_', '-')})")
        ax.set_title(f"{experiment_rates(doc, key)[0]:g} A g⁻¹", fontsize=10)
        ax.set_xlabel("cycle")
    axs[0].set_ylabel("discharge capacity / mAh g⁻¹ (S)")
    handles, labels = axs[1].get_legend_handles_labels()
    uniq = dict(zip(labels, handles, strict=True))
    axs[1].legend(uniq.values(), uniq.keys(), loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=8)
    figs.append(("fig4e_long_cycling.png", fig,
                 "Twin of Fig. 4e: 150 cycles at 0.8 and 1.6 A g⁻¹; document: maxima at their cycles and the capacity "
                 "at cycle 150 from the stated retention."))
    # --- coulombic efficiency per cycle
    fig, ax = new_figure(figsize=(11, 4.0), constrained_layout=True)
    for n in runs:
        for key, ls in (("cycling_0.2", ":"), ("long_0.8", "--"), ("long_1.6", "-")):
            ce = 100.0 * np.asarray(coulombic_efficiency_by_cycle(runs[n][key]))
            ax.plot(range(2, len(ce) + 2), ce, ls, color=_COLOR[n], lw=1.0,
                    label=f"{_LABEL[n]}, {experiment_rates(doc, key)[0]:g} A g⁻¹")
    ce_t = [t for t in __import__("cellworks.lis.twins.targets", fromlist=["parse_targets"]).parse_targets(doc)
            if t.metric == "coulombic_efficiency"]
    for t in ce_t:
        rate = experiment_rates(doc, t.experiment)[0]
        ax.axhspan(t.paper - t.tolerance, t.paper + t.tolerance, color="0.9", zorder=0,
                   label=f"document, {rate:g} A g⁻¹: {t.paper:g} ± {t.tolerance:g} %")
    ax.set_ylim(80, 102)
    ax.set_xlabel("cycle")
    ax.set_ylabel("coulombic efficiency / %")
    _legend_right(ax)
    figs.append(("coulombic_efficiency.png", fig,
                 "Coulombic efficiency of every cycle (discharge over the charge before it), in percent; grey band: "
                 "the document's 'approximately 95 %' at 1.6 A g⁻¹ with the comparison's ±3 points."))
    # --- Nyquist of the charged cells
    from cellworks.lis.twins.metrics import charged_impedance

    fig, ax = new_figure(figsize=(7.5, 4.2), constrained_layout=True)
    f = np.logspace(5, -2, 71)
    for n, c in cells.items():
        z = charged_impedance(c, f)
        ax.plot(z.real, -z.imag, _MARK[n] + "-", ms=3, color=_COLOR[n], label=f"{_LABEL[n]} (twin)")
    ax.set_xlabel("Z′ / Ω")
    ax.set_ylabel("−Z″ / Ω")
    ax.set_aspect("equal", adjustable="datalim")
    _legend_right(ax)
    figs.append(("fig5_nyquist.png", fig,
                 "Twin of Fig. 5: impedance of the charged cells at rest, 100 kHz–10 mHz (lumped: series resistance, "
                 "cathode and lithium R_ct ∥ C_dl; the document's Warburg tail is outside the lumped model)."))
    return figs


def plot_zhang2016(doc: dict[str, Any], runs: dict[str, dict[str, Any]], cells: dict[str, Any], outdir: Path) -> list[Path]:
    """Write :func:`zhang2016_figures` as PNGs into ``outdir``."""
    outdir.mkdir(parents=True, exist_ok=True)
    return [_save(fig, outdir / name) for name, fig, _ in zhang2016_figures(doc, runs, cells)]


# ---------------------------------------------------------------------------------------------
# document 001


def polyplus_figures(res3: Any, curve: dict[str, Any], windows: list[dict[str, Any]],
                     regions: dict[str, float]) -> list[tuple[str, Any, str]]:
    """Fig. 5 of document 001 (V vs Li:S with the cycling windows) and Example 3's voltage."""
    import numpy as np

    from cellworks.lis import catholyte as cat
    from cellworks.report import new_figure

    figs: list[tuple[str, Any, str]] = []
    fig, ax = new_figure(figsize=(9, 4.4), constrained_layout=True)
    x = np.asarray(curve["li_to_s"])
    v = np.asarray(curve["voltage_V"])
    ax.plot(x, v, "k-", lw=1.5, label="twin, near-equilibrium (C/1000)")
    for name, xx in (("Li₂S₈", 0.25), ("Li₂S₄", 0.5), ("Li₂S₂", 1.0), ("Li₂S", 2.0)):
        ax.axvline(xx, color="0.8", lw=0.8)
        ax.annotate(name, (xx, 1.0), xycoords=("data", "axes fraction"), xytext=(0, 3), textcoords="offset points",
                    ha="center", va="bottom", fontsize=8)
    full = [w for w in windows if w["case"] == "all lithium plated"]
    ys = np.linspace(float(v.max()) + 0.05, float(v.max()) + 0.05 + 0.04 * len(full), len(full))
    for k, w in enumerate(full):
        ax.plot([w["li_to_s_charged"], min(w["li_to_s_discharged"], 2.0)], [ys[k]] * 2, lw=4, alpha=0.6,
                label=f"window, source {w['start_species']}")
    ax.plot(regions["shoulder_li_to_s"], regions["shoulder_V"], "v", color="C3", label="twin: shoulder (detected)")
    ax.errorbar([0.0], [cat.PAPER_V_ALL_SULFUR_V], yerr=[cat.FIG5_V_TOLERANCE_V], fmt="s", color="C0", ms=6,
                capsize=3, clip_on=False, zorder=5, label=f"document: ~{cat.PAPER_V_ALL_SULFUR_V:g} V at the all-sulfur end")
    ax.errorbar([cat.PAPER_SHOULDER_LI_TO_S], [regions["shoulder_V"]], xerr=[cat.FIG5_LI_TO_S_TOLERANCE], fmt="x",
                color="C0", ms=8, mew=2, capsize=3, label="document: shoulder at about Li₂S₈")
    ax.axvspan(*cat.PAPER_STEEP_DROP_LI_TO_S, color="C0", alpha=0.06, lw=0,
               label="document: steep drop between Li₂S₂ and Li₂S")
    ax.set_xlabel("catholyte average Li:S (state of charge → discharged)")
    ax.set_ylabel("cell voltage / V")
    ax.set_xlim(0, 2.05)
    _legend_right(ax)
    figs.append(("fig5_voltage_vs_li_to_s.png", fig,
                 "Twin of document-001 Fig. 5: voltage vs catholyte Li:S; bars: cycling windows when all the lithium of "
                 "the starting species is plated (Li₂S source widest; oxidised sources sit towards sulfur)."))
    if res3.data is not None:
        tb = res3.data.table
        fig, ax = new_figure(figsize=(9, 4.0), constrained_layout=True)
        ax.plot(tb["test_time_s"].to_numpy() / 3600.0, tb["voltage_V"].to_numpy(), "k-", lw=0.8, label="twin")
        ax.axhline(cat.STRIP_LIMIT_V, color="C3", lw=0.8, ls="--", label=f"strip limit {cat.STRIP_LIMIT_V:g} V (document)")
        ax.set_xlabel("time / h")
        ax.set_ylabel("cell voltage / V")
        _legend_right(ax)
        # the strip's end in detail: the lithium's polarisation rises as its coverage of the collector falls
        t_h = tb["test_time_s"].to_numpy() / 3600.0
        tail = t_h >= t_h[-1] - 0.25
        ins = ax.inset_axes((0.08, 0.12, 0.34, 0.5))
        ins.plot((t_h[tail] - t_h[-1]) * 60.0, tb["voltage_V"].to_numpy()[tail], "k-", lw=0.8)
        ins.axhline(cat.STRIP_LIMIT_V, color="C3", lw=0.8, ls="--")
        ins.set_xlabel("minutes before the end", fontsize=7)
        ins.set_ylabel("V", fontsize=7)
        ins.tick_params(labelsize=7)
        figs.append(("example3_voltage.png", fig,
                     "Twin of Example 3 (document-001 Fig. 6): in-situ plating, 20 cycles of 15 min at 100 µA, strip to "
                     "2.0 V at 100 then 20 µA (inset: the strip's last minutes, ending with the 20 µA step)."))
    return figs


def plot_polyplus(res3: Any, curve: dict[str, Any], windows: list[dict[str, Any]], regions: dict[str, float],
                  outdir: Path) -> list[Path]:
    """Write :func:`polyplus_figures` as PNGs into ``outdir``."""
    outdir.mkdir(parents=True, exist_ok=True)
    return [_save(fig, outdir / name) for name, fig, _ in polyplus_figures(res3, curve, windows, regions)]


# ---------------------------------------------------------------------------------------------
# measured-curve fits


def plot_curve_fit(result: dict[str, Any], path: Path) -> Path:
    """Data (points, labelled with their file) and fitted/predicted (lines) discharge curves of ``cellworks lis fit-curves``."""
    from cellworks.report import new_figure

    fig, ax = new_figure(figsize=(9, 4.4), constrained_layout=True)
    for k, c in enumerate(result["curves"]):
        col = f"C{k}"
        ax.plot(c["measured"]["capacity_mAh_per_g"], c["measured"]["voltage_V"], ".", ms=3, color=col,
                label=f"{c['rate']} data ({Path(c['file']).name})")
        ax.plot(c["model"]["capacity_mAh_per_g"], c["model"]["voltage_V"], "-" if c["role"] == "fitted" else "--",
                color=col, lw=1.3, label=f"{c['rate']} model ({c['role'].replace('_', '-')}, {1e3 * c['rms_V']:.0f} mV RMS)")
    ax.set_xlabel("capacity / mAh g⁻¹ (S)")
    ax.set_ylabel("cell voltage / V")
    ax.set_title(f"fit-curves, model {result['model']}", fontsize=10)
    _legend_right(ax)
    return _save(fig, path)


__all__ = ["document_points", "plot_curve_fit", "plot_polyplus", "plot_run", "plot_zhang2016", "polyplus_figures",
           "zhang2016_figures"]
