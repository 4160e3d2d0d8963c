"""Figures: TIC with labelled peaks, EIC overlays, mirror plot of a spectrum against a hit."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from cellworks.gcms.run import Run


def tic_figure(run: Run, labels: Sequence[tuple[float, str]] = (), title: str = "",
               t_range_min: tuple[float, float] | None = None) -> Any:
    """TIC against time (min) with ``labels`` = ``[(rt_s, text), ...]`` at the peak apexes; the
    time axis is zoomed to the labelled region unless ``t_range_min`` is given."""
    from cellworks.report import new_figure

    fig, ax = new_figure(figsize=(11, 4.6))
    t = run.scan_times_min
    y = run.tic()
    if t_range_min is None and labels:
        lo = min(rt for rt, _ in labels) / 60.0
        hi = max(rt for rt, _ in labels) / 60.0
        t_range_min = (max(float(t[0]), lo - 0.3), min(float(t[-1]), hi + 0.5))
    if t_range_min is not None:
        ax.set_xlim(*t_range_min)
        sel = (t >= t_range_min[0]) & (t <= t_range_min[1])
        y_top = float(np.nanmax(y[sel])) if sel.any() else 1.0
    else:
        y_top = float(np.nanmax(y)) if y.size else 1.0
    ax.plot(t, y, lw=0.7, color="k")
    for rt_s, text in labels:
        i = run.scan_at(rt_s)
        ax.annotate(text, (t[i], y[i]), xytext=(0, 6), textcoords="offset points", rotation=90,
                    fontsize=7, ha="center", va="bottom", color="tab:blue")
    ax.set_xlabel("retention time / min")
    ax.set_ylabel("total ion current")
    ax.set_ylim(0, y_top * 1.45)
    ax.set_title(title or run.metadata.get("title", "") or "TIC")
    fig.tight_layout()
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
    ax.set_ylabel("ion current")
    ax.legend(fontsize=8, ncol=min(4, max(1, len(ions))))
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
