"""Figures: TIC with labelled peaks, EIC overlays, mirror plot of a spectrum against a hit."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from cellworks.gcms.run import Run

LABEL_GID = "peak-label"
LEGEND_GID = "legend-entry"


def _overlaps(a: Any, b: Any, pad: float = 1.0) -> bool:
    return not (a.x1 + pad <= b.x0 or b.x1 + pad <= a.x0 or a.y1 + pad <= b.y0 or b.y1 + pad <= a.y0)


def _place_numbers(fig: Any, ax: Any, xs: Sequence[float], ys: Sequence[float], texts: Sequence[str],
                   trace: tuple[Any, Any] | None = None) -> None:
    """Number labels above the apexes, clear of the trace under them (``trace`` = (t, y)); a label
    that would overlap one already placed is lifted in steps of half its height and joined to its
    apex by a leader line. If the labels need more room the y range grows and the placement is
    redone at the final scale, so no two labels overlap in the saved figure."""
    for _ in range(8):
        artists, top = _place_once(fig, ax, xs, ys, texts, trace)
        lo, hi = ax.get_ylim()
        if top <= hi:
            return
        for a in artists:
            a.remove()
        ax.set_ylim(lo, lo + 1.03 * (top - lo))
    _place_once(fig, ax, xs, ys, texts, trace)


def _place_once(fig: Any, ax: Any, xs: Sequence[float], ys: Sequence[float], texts: Sequence[str],
                trace: tuple[Any, Any] | None) -> tuple[list[Any], float]:
    renderer = fig.canvas.get_renderer()
    inv = ax.transData.inverted()
    placed: list[Any] = []
    artists: list[Any] = []
    order = sorted(range(len(xs)), key=lambda i: (xs[i], -ys[i]))
    top_px = 0.0
    for i in order:
        x_px, y_px = ax.transData.transform((xs[i], ys[i]))
        txt = ax.text(xs[i], ys[i], texts[i], fontsize=7, ha="center", va="bottom", color="tab:blue",
                      gid=LABEL_GID, zorder=5)
        artists.append(txt)
        bb = txt.get_window_extent(renderer)
        base_px = y_px
        if trace is not None:
            # the highest point of the trace under the label's width
            x_lo = inv.transform((x_px - bb.width / 2 - 2, 0))[0]
            x_hi = inv.transform((x_px + bb.width / 2 + 2, 0))[0]
            t, y = trace
            under = (t >= x_lo) & (t <= x_hi)
            if under.any():
                base_px = max(base_px, ax.transData.transform((xs[i], float(np.nanmax(y[under]))))[1])
        lift = base_px - y_px + 3.0
        for _ in range(400):
            txt.set_position(inv.transform((x_px, y_px + lift)))
            bb = txt.get_window_extent(renderer)
            if not any(_overlaps(bb, q) for q in placed):
                break
            lift += bb.height * 0.5
        placed.append(bb)
        top_px = max(top_px, bb.y1)
        if lift > 8.0:
            y_lab = inv.transform((x_px, y_px + lift))[1]
            artists.extend(ax.plot([xs[i], xs[i]], [ys[i], y_lab], lw=0.4, color="tab:blue", alpha=0.5, zorder=4))
    return artists, float(inv.transform((0.0, top_px + 6.0))[1])


def tic_figure(run: Run, labels: Sequence[tuple[float, str]] = (), title: str = "",
               t_range_min: tuple[float, float] | None = None, max_legend_rows: int = 14) -> Any:
    """TIC against time (min) over the whole run (``t_range_min`` zooms), the labelled peaks
    numbered 1… in elution order at their apexes and named in a table under the plot.

    ``labels`` = ``[(rt_s, text), ...]``. Numbers never overlap (see :func:`_place_numbers`) and
    the table's columns are as wide as their longest entry, so no text box overlaps another."""
    from cellworks.report import new_figure

    labels = sorted(labels, key=lambda lt: lt[0])
    if t_range_min is not None:
        labels = [lt for lt in labels if t_range_min[0] <= lt[0] / 60.0 <= t_range_min[1]]
    n_rows = min(max(len(labels), 1), max_legend_rows)
    n_cols = max(1, -(-len(labels) // max_legend_rows))
    table_h = 0.18 * n_rows + 0.3 if labels else 0.0
    fig, (ax, axl) = new_figure(2, 1, figsize=(11, 4.2 + table_h),
                                gridspec_kw={"height_ratios": [4.2, max(table_h, 0.01)], "hspace": 0.28})
    t = run.scan_times_min
    y = run.tic()
    ax.plot(t, y, lw=0.7, color="k")
    lo_t, hi_t = (float(t[0]), float(t[-1])) if t_range_min is None else t_range_min
    ax.set_xlim(lo_t, hi_t)
    sel = (t >= lo_t) & (t <= hi_t)
    y_top = float(np.nanmax(y[sel])) if sel.any() else 1.0
    ax.set_ylim(0, 1.08 * y_top)
    ax.set_xlabel("retention time / min")
    ax.set_ylabel("total ion current / counts")
    ax.set_title(title or str(run.metadata.get("title", "")) or "TIC")
    fig.canvas.draw()
    xs, ys = [], []
    for rt_s, _ in labels:
        i = run.scan_at(rt_s)
        j0, j1 = max(i - 3, 0), min(i + 4, t.size)
        k = j0 + int(np.argmax(y[j0:j1]))  # the apex of the TIC near the component's apex
        xs.append(float(t[k]))
        ys.append(float(y[k]))
    _place_numbers(fig, ax, xs, ys, [str(k + 1) for k in range(len(labels))], (t, y))
    axl.axis("off")
    if labels:
        renderer = fig.canvas.get_renderer()
        x0 = 0.0
        for col in range(n_cols):
            chunk = labels[col * max_legend_rows:(col + 1) * max_legend_rows]
            width = 0.0
            for r, (rt_s, text) in enumerate(chunk):
                k = col * max_legend_rows + r + 1
                tt = axl.text(x0, 1.0 - (r + 0.5) / n_rows, f"{k:>2d}  {text}  ({rt_s / 60.0:.2f} min)",
                              fontsize=7, ha="left", va="center", transform=axl.transAxes, gid=LEGEND_GID)
                bb = tt.get_window_extent(renderer).transformed(axl.transAxes.inverted())
                width = max(width, bb.width)
            x0 += width + 0.02
    return fig


def eic_figure(run: Run, ions: Sequence[float], tol: float = 0.5, t_range_min: tuple[float, float] | None = None,
               title: str = "") -> Any:
    """Overlay of extracted-ion traces."""
    from cellworks.report import new_figure

    fig, ax = new_figure(figsize=(10, 4.0))
    t = run.scan_times_min
    sel = np.ones(t.size, dtype=bool) if t_range_min is None else (t >= t_range_min[0]) & (t <= t_range_min[1])
    for m in ions:
        ax.plot(t[sel], run.eic(m, tol)[sel], lw=0.8, label=f"m/z {m:g}")
    ax.set_xlabel("retention time / min")
    ax.set_ylabel("ion current / counts")
    ax.legend(fontsize=8, ncol=min(4, max(1, len(ions))), loc="upper left", bbox_to_anchor=(1.005, 1.0))
    ax.set_title(title or "extracted-ion chromatograms")
    fig.tight_layout()
    return fig


def mirror_figure(mz_u: npt.ArrayLike, int_u: npt.ArrayLike, mz_l: npt.ArrayLike, int_l: npt.ArrayLike,
                  label_u: str = "unknown", label_l: str = "library", title: str = "") -> Any:
    """Mirror plot: unknown up, library down, each scaled to 999."""
    from cellworks.report import new_figure

    fig, ax = new_figure(figsize=(8, 4.5))
    mu, yu = np.asarray(mz_u, float), np.asarray(int_u, float)
    ml, yl = np.asarray(mz_l, float), np.asarray(int_l, float)
    yu = 999 * yu / yu.max() if yu.size and yu.max() > 0 else yu
    yl = 999 * yl / yl.max() if yl.size and yl.max() > 0 else yl
    ax.vlines(mu, 0, yu, color="tab:blue", lw=1.2, label=label_u)
    ax.vlines(ml, 0, -yl, color="tab:red", lw=1.2, label=label_l)
    for m, y in sorted(zip(mu, yu, strict=True), key=lambda p: -p[1])[:6]:
        ax.text(m, y + 15, f"{m:.0f}", ha="center", fontsize=7)
    for m, y in sorted(zip(ml, yl, strict=True), key=lambda p: -p[1])[:6]:
        ax.text(m, -y - 60, f"{m:.0f}", ha="center", fontsize=7)
    ax.axhline(0, color="k", lw=0.6)
    ax.set_ylim(-1120, 1120)
    ax.set_xlabel("m/z")
    ax.set_ylabel("relative intensity (library mirrored)")
    ax.legend(fontsize=8, loc="upper right")
    ax.set_title(title)
    fig.tight_layout()
    return fig


def save(fig: Any, path: str) -> None:
    """Write a figure as PNG atomically."""
    from cellworks._io import atomic_write
    from cellworks.report import figure_png

    with atomic_write(path, "wb") as fh:
        fh.write(figure_png(fig))
