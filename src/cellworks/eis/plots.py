"""Nyquist and Bode plots with the fit overlaid, and the Lin-KK residual plot (matplotlib, Agg)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from cellworks._typing import Array
from cellworks.eis.fit import FitResult
from cellworks.eis.kk import LinKKResult


def _smooth_freq(f: Array, per_decade: int = 40) -> Array:
    lo, hi = np.log10(np.min(f)), np.log10(np.max(f))
    return np.logspace(hi, lo, max(int((hi - lo) * per_decade), 2))


def fit_figure(freq_Hz: Array, Z: Array, fit: FitResult | None = None, title: str = "",
               reference: tuple[str, Array] | None = None) -> Any:
    """Nyquist (left) and Bode magnitude/phase (right) of the data with the fit (and a reference fit)."""
    from cellworks.report import new_figure

    fig, axes = new_figure(1, 3, figsize=(13, 4.2))
    ax_n, ax_m, ax_p = axes
    f = np.asarray(freq_Hz)
    z = np.asarray(Z)
    ax_n.plot(z.real, -z.imag, "o", ms=4, label="data")
    ax_m.loglog(f, np.abs(z), "o", ms=4, label="data")
    ax_p.semilogx(f, -np.degrees(np.angle(z)), "o", ms=4, label="data")
    curves: list[tuple[str, Array, Array]] = []
    fs = _smooth_freq(f)
    if fit is not None:
        curves.append((f"fit ({fit.weight} weighting)", fs, fit.predict(fs)))
    if reference is not None:
        curves.append((reference[0], fs, reference[1](fs)))
    for label, ff, zz in curves:
        ax_n.plot(zz.real, -zz.imag, "-", label=label)
        ax_m.loglog(ff, np.abs(zz), "-", label=label)
        ax_p.semilogx(ff, -np.degrees(np.angle(zz)), "-", label=label)
    ax_n.set_xlabel("Z' [Ohm]")
    ax_n.set_ylabel("-Z'' [Ohm]")
    ax_n.set_aspect("equal", adjustable="datalim")
    ax_n.set_title("Nyquist")
    ax_m.set_xlabel("f [Hz]")
    ax_m.set_ylabel("|Z| [Ohm]")
    ax_m.set_title("Bode: magnitude")
    ax_p.set_xlabel("f [Hz]")
    ax_p.set_ylabel("-phase [deg]")
    ax_p.set_title("Bode: phase")
    for ax in axes:
        ax.grid(True, alpha=0.3)
    ax_n.legend(fontsize=8)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def kk_figure(freq_Hz: Array, res: LinKKResult, title: str = "") -> Any:
    from cellworks.report import new_figure

    fig, ax = new_figure(figsize=(7, 3.6))
    f = np.asarray(freq_Hz)
    ax.semilogx(f, 100 * res.residual_real, "o-", ms=3, label="Δ' (real)")
    ax.semilogx(f, 100 * res.residual_imag, "s-", ms=3, label="Δ'' (imaginary)")
    ax.axhspan(-100 * res.threshold, 100 * res.threshold, color="0.9", zorder=0, label=f"±{100 * res.threshold:g} %")
    ax.set_xlabel("f [Hz]")
    ax.set_ylabel("residual [% of |Z|]")
    ax.set_title((title + ": " if title else "") + f"Lin-KK, M = {res.n_rc}, μ = {res.mu:.2f}")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def _save(fig: Any, path: str | Path) -> Path:
    from cellworks._io import atomic_write
    from cellworks.report import figure_png

    p = Path(path)
    with atomic_write(p, "wb") as fh:
        fh.write(figure_png(fig))
    return p


def save_fit_figure(path: str | Path, freq_Hz: Array, Z: Array, fit: FitResult, title: str = "") -> Path:
    return _save(fit_figure(freq_Hz, Z, fit, title), path)


def save_kk_figure(path: str | Path, freq_Hz: Array, res: LinKKResult, title: str = "") -> Path:
    return _save(kk_figure(freq_Hz, res, title), path)
