"""Figures of the impedance part (matplotlib, Agg): fits, Lin-KK residuals, DRTs and series.

Nyquist plots use equal axes (a semicircle must look round); legends sit outside the data, below the
axes; units follow the project's ``quantity / unit`` style.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from cellworks._typing import Array
from cellworks.eis.fitting import FitResult
from cellworks.eis.kk import LinKKResult

ZRE = "Z′ / Ω"
ZIM = "−Z″ / Ω"


def _smooth_freq(f: Array, per_decade: int = 40) -> Array:
    lo, hi = np.log10(np.min(f)), np.log10(np.max(f))
    return np.logspace(hi, lo, max(int((hi - lo) * per_decade), 2))


_UNITS = {"Ohm": "Ω", "F": "F", "H": "H", "sec": "s", "Ohm sec^-1/2": "Ω s⁻¹ᐟ²", "Ohm^-1 sec^a": "Ω⁻¹ s^α",
          "H sec": "H s", "F sec^(gamma-1)": "F s^(γ−1)", "Ohm-m^2": "Ω m²", "": ""}


def _pretty_unit(unit: str) -> str:
    return _UNITS.get(unit, unit.replace("Ohm", "Ω").replace("sec", "s"))


def _legend_below(ax: Any, ncol: int = 1) -> None:
    """Legend centred under the axes, clear of tick labels and the x label (offset in inches, so it
    holds for short equal-aspect axes too)."""
    from matplotlib.transforms import offset_copy

    handles, labels = ax.get_legend_handles_labels()
    if handles:
        anchor = offset_copy(ax.transAxes, fig=ax.figure, y=-0.62, units="inches")
        ax.legend(handles, labels, fontsize=8, loc="upper center", bbox_to_anchor=(0.5, 0.0),
                  bbox_transform=anchor, ncol=ncol, frameon=False)


def _nyquist(ax: Any, z: Array, label: str = "data", **kw: Any) -> None:
    ax.plot(z.real, -z.imag, "o", ms=4, label=label, **kw)
    ax.set_xlabel(ZRE)
    ax.set_ylabel(ZIM)
    ax.set_aspect("equal", adjustable="box")
    ax.grid(True, alpha=0.3)


def fit_figure(freq_Hz: Array, Z: Array, fit: FitResult | None = None, title: str = "",
               reference: tuple[str, Any] | None = None) -> Any:
    """Nyquist (left) and Bode magnitude/phase (right) of the data with the fit (and a reference curve);
    the global optimum, when the fit carries one, is drawn dashed."""
    from cellworks.report import new_figure

    fig, axes = new_figure(1, 3, figsize=(13, 4.6))
    ax_n, ax_m, ax_p = axes
    f = np.asarray(freq_Hz)
    z = np.asarray(Z)
    _nyquist(ax_n, z)
    ax_m.loglog(f, np.abs(z), "o", ms=4, label="data")
    ax_p.semilogx(f, -np.degrees(np.angle(z)), "o", ms=4, label="data")
    curves: list[tuple[str, Array, Array, str]] = []
    fs = _smooth_freq(f)
    if fit is not None:
        curves.append((f"fit: {fit.answer} (χ² {fit.chi2:.4g})", fs, fit.predict(fs), "-"))
        if fit.global_optimum is not None:
            g = fit.global_optimum
            curves.append((f"global optimum (χ² {g.chi2:.4g})", fs, g.predict(fs), "--"))
    if reference is not None:
        curves.append((reference[0], fs, reference[1](fs), ":"))
    for label, ff, zz, style in curves:
        ax_n.plot(zz.real, -zz.imag, style, label=label)
        ax_m.loglog(ff, np.abs(zz), style, label=label)
        ax_p.semilogx(ff, -np.degrees(np.angle(zz)), style, label=label)
    ax_n.set_title("Nyquist")
    ax_m.set_xlabel("f / Hz")
    ax_m.set_ylabel("|Z| / Ω")
    ax_m.set_title("Bode: magnitude")
    ax_p.set_xlabel("f / Hz")
    ax_p.set_ylabel("−phase / °")
    ax_p.set_title("Bode: phase")
    for ax in axes:
        ax.grid(True, alpha=0.3)
    _legend_below(ax_m, ncol=1)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def kk_figure(freq_Hz: Array, res: LinKKResult, title: str = "") -> Any:
    """Lin-KK relative residuals against frequency with the validity band."""
    from cellworks.report import new_figure

    fig, ax = new_figure(figsize=(7, 4.2))
    f = np.asarray(freq_Hz)
    ax.semilogx(f, 100 * res.residual_real, "o-", ms=3, label="Δ′ (real)")
    ax.semilogx(f, 100 * res.residual_imag, "s-", ms=3, label="Δ″ (imaginary)")
    ax.axhspan(-100 * res.threshold, 100 * res.threshold, color="0.9", zorder=0, label=f"±{100 * res.threshold:g} %")
    ax.set_xlabel("f / Hz")
    ax.set_ylabel("residual / % of |Z|")
    ax.set_title((title + ": " if title else "") + f"Lin-KK, M = {res.n_rc}, μ = {res.mu:.2f}")
    ax.grid(True, alpha=0.3)
    _legend_below(ax, ncol=3)
    fig.tight_layout()
    return fig


def drt_figure(res: Any, title: str = "", truth: tuple[str, Array, Array] | None = None) -> Any:
    """DRT γ(τ) with its peaks (left), Nyquist of data and DRT model (middle), residuals (right)."""
    from cellworks.report import new_figure

    fig, (ax_g, ax_n, ax_r) = new_figure(1, 3, figsize=(14, 4.8), gridspec_kw={"width_ratios": [1.3, 1.2, 1]})
    ax_g.semilogx(res.tau_s, res.gamma_Ohm, "-", color="C0", label=f"DRT (λ = {res.lambda_value:.2g}, "
                  f"{ {'gcv': 'GCV', 'lcurve': 'L-curve', 'fixed': 'given'}.get(res.lambda_method, res.lambda_method)})")
    if res.band_lower_Ohm is not None:
        ax_g.fill_between(res.tau_s, res.band_lower_Ohm, res.band_upper_Ohm, color="C0", alpha=0.2,
                          label="95 % credible band")
    if truth is not None:
        ax_g.semilogx(truth[1], truth[2], "--", color="k", lw=1, label=truth[0])
    for k, p in enumerate(res.peaks, start=1):
        ax_g.axvline(p.tau_s, color="C3", lw=0.8, ls=":")
        ax_g.plot([p.tau_s], [p.gamma_max_Ohm], "v", color="C3", ms=6,
                  label=f"peak {k}: τ = {p.tau_s:.3g} s, R = {p.R_Ohm:.3g} Ω")
    ax_g.set_xlabel("τ / s")
    ax_g.set_ylabel("γ / Ω")
    ax_g.set_ylim(bottom=0)
    ax_g.grid(True, alpha=0.3)
    ax_g.set_title("distribution of relaxation times")
    _legend_below(ax_g, ncol=1)
    _nyquist(ax_n, res.Z)
    ax_n.plot(res.Z_fit.real, -res.Z_fit.imag, "-", label="DRT model")
    ax_n.set_title("Nyquist")
    _legend_below(ax_n, ncol=2)
    rel = (res.Z - res.Z_fit) / np.abs(res.Z)
    ax_r.semilogx(res.freq_Hz, 100 * rel.real, "o-", ms=3, label="real")
    ax_r.semilogx(res.freq_Hz, 100 * rel.imag, "s-", ms=3, label="imaginary")
    ax_r.set_xlabel("f / Hz")
    ax_r.set_ylabel("(Z − Z_DRT) / |Z| / %")
    ax_r.grid(True, alpha=0.3)
    ax_r.set_title("residuals")
    _legend_below(ax_r, ncol=2)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def series_figure(result: Any, params: Sequence[str] | None = None, title: str = "") -> Any:
    """Each fitted parameter against spectrum index (error bars; Lin-KK failures hollow red), and the
    Nyquist plots of every spectrum coloured by index."""
    import matplotlib as mpl

    from cellworks.report import new_figure

    names = list(params or result.param_names)
    n_panels = len(names) + 1
    ncols = min(3, n_panels)
    nrows = math.ceil(n_panels / ncols)
    fig, axes = new_figure(nrows, ncols, figsize=(4.6 * ncols, 3.6 * nrows + 0.8), squeeze=False)
    flat = list(axes.ravel())
    items = result.items
    idx = np.array([it.index for it in items])
    ok = np.array([it.kk_valid for it in items])
    unit_of = dict(zip(result.param_names, result.param_units, strict=True))
    for ax, name in zip(flat, names, strict=False):
        val = np.array([it.fit.value(name) if it.fit else np.nan for it in items])
        err = np.array([it.fit.error(name) if it.fit else np.nan for it in items])
        side = np.array([(it.fit.at_bound[it.fit.param_names.index(name)] or "") if it.fit else "" for it in items])
        inner = np.isfinite(val) & (side == "")
        pos = val[inner]
        log = bool(pos.size and np.all(pos > 0) and pos.max() / pos.min() > 30)
        err_plot = np.where(np.isfinite(err), err, 0.0)
        # on a log axis an error bar reaching zero or below would run off the plot: stop it at a tenth
        low = np.minimum(err_plot, 0.9 * np.abs(val)) if log else err_plot
        for mask, style, label in ((ok, dict(fmt="o", color="C0"), "passes Lin-KK"),
                                   (~ok, dict(fmt="o", mfc="none", color="C3"), "fails Lin-KK")):
            m = mask & inner
            if np.any(m):
                ax.errorbar(idx[m], val[m], yerr=[low[m], err_plot[m]], ms=4, capsize=2, lw=0.8, label=label, **style)
        undefined = inner & ~np.isfinite(err)
        if np.any(undefined):
            ax.plot(idx[undefined], val[undefined], "x", color="k", ms=5, label="no standard error")
        if log:
            ax.set_yscale("log")
        for s_name, y, marker in (("lower", 0.03, "v"), ("upper", 0.97, "^")):
            m = side == s_name
            if np.any(m):
                ax.plot(idx[m], np.full(int(m.sum()), y), marker, color="0.35", ms=5, transform=ax.get_xaxis_transform(),
                        label=f"at its {s_name} bound (no value)")
        ax.set_xlabel("cycle" if result.label_name == "cycle" else "spectrum (file order)")
        unit = _pretty_unit(unit_of.get(name, ""))
        ax.set_ylabel(f"{name} / {unit}" if unit else name)
        ax.xaxis.set_major_locator(mpl.ticker.MaxNLocator(integer=True))
        ax.grid(True, alpha=0.3)
    ax_ny = flat[len(names)]
    cmap = mpl.colormaps["viridis"]
    for k, it in enumerate(items):
        z = it.spectrum.Z_Ohm
        ax_ny.plot(z.real, -z.imag, ".-", lw=0.7, ms=2.5, color=cmap(k / max(len(items) - 1, 1)))
    ax_ny.set_xlabel(ZRE)
    ax_ny.set_ylabel(ZIM)
    ax_ny.set_aspect("equal", adjustable="box")
    ax_ny.grid(True, alpha=0.3)
    ax_ny.set_title("all spectra")
    sm = mpl.cm.ScalarMappable(cmap=cmap, norm=mpl.colors.Normalize(vmin=idx.min(), vmax=idx.max()))
    fig.colorbar(sm, ax=ax_ny, label="spectrum index")
    for ax in flat[n_panels:]:
        ax.set_visible(False)
    seen: dict[str, Any] = {}
    for ax in flat[: len(names)]:
        for h, lab in zip(*ax.get_legend_handles_labels(), strict=True):
            seen.setdefault(lab, h)
    if seen:
        fig.legend(list(seen.values()), list(seen.keys()), loc="lower center", ncol=len(seen), fontsize=9,
                   frameon=False)
    if title:
        fig.suptitle(title)
    fig.tight_layout(rect=(0, 0.05, 1, 0.97))
    return fig


def _save(fig: Any, path: str | Path) -> Path:
    from cellworks._io import atomic_write
    from cellworks.report import figure_png

    p = Path(path)
    with atomic_write(p, "wb") as fh:
        fh.write(figure_png(fig))
    return p


def save_fit_figure(path: str | Path, freq_Hz: Array, Z: Array, fit: FitResult, title: str = "") -> Path:
    """Write :func:`fit_figure` as PNG (atomically)."""
    return _save(fit_figure(freq_Hz, Z, fit, title), path)


def save_kk_figure(path: str | Path, freq_Hz: Array, res: LinKKResult, title: str = "") -> Path:
    """Write :func:`kk_figure` as PNG (atomically)."""
    return _save(kk_figure(freq_Hz, res, title), path)


def save_drt_figure(path: str | Path, res: Any, title: str = "") -> Path:
    """Write :func:`drt_figure` as PNG (atomically)."""
    return _save(drt_figure(res, title), path)


def save_series_figure(path: str | Path, result: Any, params: Sequence[str] | None = None, title: str = "") -> Path:
    """Write :func:`series_figure` as PNG (atomically)."""
    return _save(series_figure(result, params, title), path)
