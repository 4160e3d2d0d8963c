"""Figures a pack engineer looks at (matplotlib, Agg): a scenario run, a Monte Carlo, a log replay
and a SOC estimate. Each ``*_figure`` returns the figure; ``save`` writes it atomically as PNG."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

    from cellworks.pack.estimation import SocEstimate
    from cellworks.pack.log_replay import ReplayResult
    from cellworks.pack.readers.bms_log import BmsLog
    from cellworks.pack.result import PackResult

DAY_S = 86400.0


def save(fig: Any, path: str | Path) -> Path:
    """Write ``fig`` as PNG through a temporary file (never a half-written output)."""
    from cellworks._io import atomic_write
    from cellworks.report import figure_png

    p = Path(path)
    with atomic_write(p, "wb") as fh:
        fh.write(figure_png(fig))
    return p


def _time_axis(t_s: np.ndarray) -> tuple[np.ndarray, str]:
    span = float(t_s[-1] - t_s[0]) if len(t_s) else 0.0
    if span > 3 * DAY_S:
        return t_s / DAY_S, "time / days"
    if span > 3 * 3600:
        return t_s / 3600.0, "time / h"
    return t_s / 60.0, "time / min"


def _group_soc(res: PackResult, pack: int, n: int) -> np.ndarray:
    # a series group's SOC: the charge-weighted mean of its parallel cells (equal capacities assumed)
    return res.soc[pack, :n].mean(axis=2)  # type: ignore[no-any-return]


def _daily_duty(res: PackResult, pack: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Fraction of each day every group's bleed is on (from the trace; sample-and-hold)."""
    import numpy as np

    t = res.time_s[pack, :n]
    b = res.bleeding[pack, :n] > 0.5
    dt = np.diff(t, append=t[-1])
    days = np.floor(t / DAY_S).astype(int)
    nd = int(days.max()) + 1
    duty = np.zeros((nd, b.shape[1]))
    for s in range(b.shape[1]):
        duty[:, s] = np.bincount(days, weights=dt * b[:, s], minlength=nd) / DAY_S
    return np.arange(nd) + 0.5, duty


def _window(res: PackResult, pack: int, n: int, t0: float, t1: float) -> np.ndarray:
    t = res.time_s[pack, :n]
    return (t >= t0) & (t <= t1)  # type: ignore[no-any-return]


def run_figure(runs: dict[str, PackResult], title: str = "", pack: int = 0) -> Any:
    """A scenario run: group voltages (the first and the last two days, or all of a short run), SOC
    spread between groups, daily bleed duty per group, temperatures, capacity at the full checks."""
    import numpy as np

    from cellworks.report import new_figure

    bal = runs.get("with balancing") or next(iter(runs.values()))
    n = int(bal.n_records[pack])
    t_all = bal.time_s[pack, :n]
    span = float(t_all[-1] - t_all[0])
    long_run = span > 6 * DAY_S
    fig, _ = new_figure(figsize=(11, 15))
    fig.clf()
    layout = [["v0", "v1"], ["spread", "spread"], ["duty", "duty"], ["temp", "temp"], ["cap", "cap"]]
    if not long_run:
        layout[0] = ["v0", "v0"]
    ax = fig.subplot_mosaic(layout)
    S = bal.group_voltage_V.shape[2]
    d = bal.design
    windows = [("v0", 0.0, 2 * DAY_S, "first two days"), ("v1", span - 2 * DAY_S, span, "last two days")] \
        if long_run else [("v0", 0.0, span, "")]
    for key, t0, t1, what in windows:
        w = _window(bal, pack, n, t0, t1)
        tt = bal.time_s[pack, :n][w]
        scale, unit = (3600.0, "h") if (t1 - t0) <= 3 * DAY_S else (DAY_S, "days")
        for s in range(S):
            ax[key].plot(tt / scale, bal.group_voltage_V[pack, :n, s][w], lw=0.7, label=f"group {s + 1}")
        ax[key].axhline(d.cell.v_max_V, color="k", ls=":", lw=0.8)
        ax[key].set_xlabel(f"time / {unit}")
        ax[key].set_ylabel("group voltage / V")
        ax[key].set_title(f"group voltages with balancing{', ' + what if what else ''} (dotted: v_max)", fontsize=9)
    ax[windows[-1][0]].legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    a = ax["spread"]
    for label, res in runs.items():
        m = int(res.n_records[pack])
        tt, tlabel = _time_axis(res.time_s[pack, :m])
        g = _group_soc(res, pack, m)
        a.plot(tt, (g.max(axis=1) - g.min(axis=1)) * 100, lw=0.8, label=label)
    a.set_xlabel(tlabel)
    a.set_ylabel("SOC spread / %")
    a.set_title("SOC spread between the series groups (max − min)", fontsize=9)
    a.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    a = ax["duty"]
    t, tlabel = _time_axis(t_all)
    if long_run:
        days, duty = _daily_duty(bal, pack, n)
        for s in range(S):
            a.step(days, duty[:, s] * 100, where="mid", lw=0.8, label=f"group {s + 1}")
        a.set_xlabel("day")
        a.set_ylabel("bleed on / % of the day")
    else:
        on = bal.bleeding[pack, :n] > 0.5
        for s in range(S):
            a.fill_between(t, s + 0.1, s + 0.9, where=on[:, s], step="post", lw=0, label=f"group {s + 1}")
        a.set_yticks(np.arange(S) + 0.5, [f"group {s + 1}" for s in range(S)])
        a.set_xlabel(tlabel)
    a.set_title(f"bleed duty with balancing ({bal.bleed_time_s[pack] / 3600.0:.3g} bleed-hours, "
                f"{bal.bleed_energy_Wh[pack]:.3g} Wh in the resistors)", fontsize=9)
    a.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    a = ax["temp"]
    T = bal.temperature_C[pack, :n].reshape(n, -1)
    board = bal.board_temperature_C[pack, :n]
    has_board = bool(np.isfinite(bal.max_board_temperature_C[pack]))
    if long_run:  # daily extremes: a six-month trace at 10-minute resolution is a solid band
        day = np.floor(t_all / DAY_S).astype(int)
        nd = int(day.max()) + 1
        hot = np.full(nd, -np.inf)
        np.maximum.at(hot, day, T.max(axis=1))
        cold = np.full(nd, np.inf)
        np.minimum.at(cold, day, T.min(axis=1))
        x = np.arange(nd) + 0.5
        a.plot(x, hot, lw=0.9, color="tab:red", label="hottest cell, daily max")
        a.plot(x, cold, lw=0.9, color="tab:blue", label="coolest cell, daily min")
        if has_board:
            bmax = np.full(nd, -np.inf)
            np.maximum.at(bmax, day, board)
            a.plot(x, bmax, lw=0.9, color="tab:gray", label="BMS board, daily max")
        a.set_xlabel("day")
    else:
        a.plot(t, T.max(axis=1), lw=0.8, color="tab:red", label="hottest cell")
        a.plot(t, T.min(axis=1), lw=0.8, color="tab:blue", label="coolest cell")
        if has_board:
            a.plot(t, board, lw=0.8, color="tab:gray", label="BMS board")
        a.set_xlabel(tlabel)
    a.set_ylabel("temperature / °C")
    a.set_title("temperatures with balancing (lumped network: cells, neighbours, board)", fontsize=9)
    a.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    a = ax["cap"]
    first_last = {label: (float(res.cycle_discharge_Ah[pack, 0]), float(res.cycle_discharge_Ah[pack, -1]))
                  for label, res in runs.items()}
    width = 0.8 / max(len(first_last), 1)
    for j, (label, (q0, q1)) in enumerate(first_last.items()):
        xs = np.arange(2) + (j - (len(first_last) - 1) / 2) * width
        bars = a.bar(xs, [q0, q1], width=width * 0.95, label=label)
        a.bar_label(bars, fmt="%.3f", fontsize=7)
    hi = max(max(v) for v in first_last.values())
    a.set_ylim(0.0, hi * 1.12)  # bars from zero: a cropped axis would exaggerate sub-percent differences
    a.set_xticks([0, 1], ["first cycle", f"last cycle ({bal.cycle_discharge_Ah.shape[1]})"])
    a.set_ylabel("discharge capacity / Ah")
    a.set_title("pack capacity delivered in the first and the last cycle", fontsize=9)
    a.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    for a in ax.values():
        a.grid(True, alpha=0.3)
    if title:
        fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    return fig


def montecarlo_figure(stats: dict[str, dict[str, np.ndarray]], title: str = "") -> Any:
    """Histograms of usable capacity (with and without balancing), time to balance and bleed energy."""
    import numpy as np
    from matplotlib.ticker import MaxNLocator

    from cellworks.report import new_figure

    fig, axes = new_figure(1, 3, figsize=(15, 4.4))
    ax = axes[0]
    allq = np.concatenate([v["usable_capacity_Ah"] for v in stats.values()])
    # fine bins: the balanced packs sit in a narrow band the unbalanced tail would otherwise swallow
    bins = np.linspace(allq.min(), allq.max(), 61) if np.ptp(allq) > 0 else 10
    for label, v in stats.items():
        q = np.asarray(v["usable_capacity_Ah"], float)
        ax.hist(q, bins=bins, alpha=0.6, label=f"{label.replace('_', ' ')}: mean {q.mean():.3f} Ah, "
                                               f"p05 {np.percentile(q, 5):.3f} Ah")
    ax.set_xlabel("usable capacity, last cycle / Ah")
    ax.set_ylabel("packs")
    ax.set_title("usable capacity", fontsize=9)
    ax.legend(fontsize=7, loc="upper left")
    bal = stats.get("with_balancing")
    for ax, key, xlabel, scale in ((axes[1], "time_to_balance_s", "time to balance / h", 1 / 3600.0),
                                   (axes[2], "bleed_energy_Wh", "energy burnt in bleed resistors / Wh", 1.0)):
        vals = np.asarray(bal[key], float) * scale if bal is not None else np.array([])
        ok = np.isfinite(vals)
        if ok.any():
            ax.hist(vals[ok], bins=min(40, max(8, int(ok.sum()) // 10)), color="tab:green", alpha=0.8)
        never = int((~ok).sum())
        ax.set_xlabel(xlabel)
        ax.set_ylabel("packs")
        if key == "time_to_balance_s":
            ax.set_title("with balancing: first seen unbalanced → within the threshold"
                         + (f"; {never} pack(s) never" if never else ""), fontsize=9)
        else:
            ax.set_title("with balancing: energy burnt in the bleed resistors", fontsize=9)
    for a in axes:
        a.grid(True, alpha=0.3)
        a.yaxis.set_major_locator(MaxNLocator(integer=True))
    if title:
        fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    return fig


def replay_figure(log: BmsLog, rep: ReplayResult, title: str = "") -> Any:
    """Cell voltages of the log, and logged vs replayed bleed flags per cell."""
    import numpy as np

    from cellworks.report import new_figure

    fig, axes = new_figure(2, 1, figsize=(11, 7), sharex=True, gridspec_kw={"height_ratios": [2, 1.3]})
    t, tlabel = _time_axis(log.time_s)
    ok = log.valid
    for c in range(log.n_cells):
        axes[0].plot(t[ok], log.cell_V[ok, c], lw=0.6, label=f"V{c + 1}")
    axes[0].set_ylabel("cell voltage / V")
    axes[0].legend(fontsize=7, ncol=1, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax = axes[1]
    for c in range(log.n_cells):
        ax.fill_between(t, c + 0.05, c + 0.45, where=rep.logged_flags[:, c], step="post", color="tab:blue", lw=0)
        ax.fill_between(t, c + 0.55, c + 0.95, where=rep.policy_flags[:, c], step="post", color="tab:orange", lw=0)
    ax.set_yticks(np.arange(log.n_cells) + 0.5, [f"cell {c + 1}" for c in range(log.n_cells)])
    ax.set_xlabel(tlabel)
    ax.set_title(f"bleed flags: logged (blue, lower half) and policy (orange, upper half); rows agree "
                 f"{rep.agreement_rows * 100:.1f} %, episodes {rep.agreement_episodes * 100:.1f} %", fontsize=9)
    for a in axes:
        a.grid(True, alpha=0.3)
    if title:
        fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    return fig


def estimate_figure(est: SocEstimate, title: str = "", truth: np.ndarray | None = None) -> Any:
    """SOC of every cell with its ±3σ band (and the true SOC of a simulated run); below, every cell's
    difference from the pack mean, where the cell-to-cell spread a BMS balances on shows."""
    import numpy as np

    from cellworks.report import new_figure

    fig, axes = new_figure(2, 1, figsize=(10, 7), sharex=True)
    t, tlabel = _time_axis(est.time_s)
    mean = est.soc.mean(axis=1)
    settled = slice(len(t) // 10, None)  # the band of a cold start is wide: scale the lower panel after it
    dev_lo, dev_hi = 0.0, 0.0
    for c in range(est.soc.shape[1]):
        z, b = est.soc[:, c], est.bound3[:, c]
        line = axes[0].plot(t, z * 100, lw=0.9, label=f"cell {c + 1}")[0]
        col = line.get_color()
        axes[0].fill_between(t, np.clip(z - b, 0, 1) * 100, np.clip(z + b, 0, 1) * 100, color=col, alpha=0.12, lw=0)
        d = (z - mean) * 100
        axes[1].plot(t, d, lw=0.9, color=col)
        axes[1].fill_between(t, d - b * 100, d + b * 100, color=col, alpha=0.12, lw=0)
        dev_lo = min(dev_lo, float(np.min((d - b * 100)[settled])))
        dev_hi = max(dev_hi, float(np.max((d + b * 100)[settled])))
        if truth is not None:
            axes[0].plot(t, truth[:, c] * 100, ":", color=col, lw=0.9)
            axes[1].plot(t, (truth[:, c] - truth.mean(axis=1)) * 100, ":", color=col, lw=0.9)
    axes[0].set_ylim(-2, 102)
    axes[0].set_ylabel("SOC / %")
    axes[0].set_title(f"{est.tuning.kind.upper()} estimate with ±3σ band (clipped to 0–100 %)"
                      + (" (dotted: true)" if truth is not None else ""), fontsize=9)
    axes[0].legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    pad = 0.1 * (dev_hi - dev_lo + 1e-3)
    axes[1].set_ylim(dev_lo - pad, dev_hi + pad)
    axes[1].set_ylabel("SOC − pack mean / %")
    axes[1].set_xlabel(tlabel)
    axes[1].set_title("cell-to-cell differences with ±3σ (axis scaled after the first tenth of the run)", fontsize=9)
    for a in axes:
        a.grid(True, alpha=0.3)
    if title:
        fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    return fig
