"""Lin-KK validity test (Schönleber, Klotz, Ivers-Tiffée, Electrochim. Acta 131 (2014) 20-27).

The spectrum is fitted by a Kramers-Kronig-compliant Voigt chain
``Z = R0 + jωL + Σ_k R_k / (1 + jωτ_k)`` (optionally ``+ 1/(jωC)`` for
a capacitive low-frequency end, as the paper suggests) with τ_k log-spaced from 1/ω_max to 1/ω_min; the fit is
linear in (R0, L, R_k) and weighted by 1/|Z|. The number of RC elements M grows from one per decade of frequency until the
under/over-fitting measure μ = 1 − Σ_{R_k<0} |R_k| / Σ_{R_k≥0} |R_k| falls to or below ``c``
(0.85 in the paper). The relative residuals Δ' = (Z' − Z'_fit)/|Z|, Δ'' = (Z'' − Z''_fit)/|Z| reveal
drift or non-linearity; a valid spectrum keeps them within the noise (about 1 %).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from cellworks._typing import Array
from cellworks.eis.problem import check_spectrum
from cellworks.errors import ParameterError


@dataclass(frozen=True)
class LinKKResult:
    n_rc: int  # M, the number of RC elements chosen
    mu: float
    tau_s: Array
    R_Ohm: Array  # R_k of the RC elements
    R0_Ohm: float
    L_H: float
    C_F: float  # series capacitance (inf when not part of the model)
    Z_fit: Array
    residual_real: Array  # (Z' − Z'_fit)/|Z|
    residual_imag: Array
    max_abs_residual: float
    rms_residual: float
    threshold: float  # residual limit used for ``valid``
    valid: bool
    source: str = "Schönleber et al., Electrochim. Acta 131 (2014) 20; mu criterion c = 0.85"

    def as_dict(self) -> dict[str, Any]:
        return {
            "n_rc": self.n_rc,
            "mu": self.mu,
            "R0_Ohm": self.R0_Ohm,
            "L_H": self.L_H,
            "max_abs_residual": self.max_abs_residual,
            "rms_residual": self.rms_residual,
            "threshold": self.threshold,
            "valid": self.valid,
            "residual_real": self.residual_real,
            "residual_imag": self.residual_imag,
        }


def _fit_m(w: Array, z: Array, m: int, with_inductance: bool, with_capacitance: bool) -> tuple[Array, Array, Array]:
    tau = np.logspace(np.log10(1.0 / w.max()), np.log10(1.0 / w.min()), m) if m > 1 else np.array(
        [1.0 / np.sqrt(w.max() * w.min())]
    )
    basis = [np.ones_like(z)]
    if with_inductance:
        basis.append(1j * w)
    if with_capacitance:
        basis.append(1.0 / (1j * w))  # coefficient 1/C of a series capacitance
    basis.extend(1.0 / (1.0 + 1j * w[:, None] * tau[None, :]).T)
    a = np.array(basis).T  # (n, k)
    wt = 1.0 / np.abs(z)
    a_stack = np.vstack([a.real * wt[:, None], a.imag * wt[:, None]])
    b_stack = np.concatenate([z.real * wt, z.imag * wt])
    coef, *_ = np.linalg.lstsq(a_stack, b_stack, rcond=None)
    return tau, coef, a @ coef


def lin_kk(freq_Hz: Array, Z: Array, c: float = 0.85, max_rc: int = 50, with_inductance: bool = True,
           with_capacitance: bool | None = None, threshold: float = 0.01) -> LinKKResult:
    """Run the Lin-KK test; ``valid`` when every relative residual is within ``threshold``.

    ``with_capacitance=None`` adds a series capacitance when the spectrum ends in a capacitive tail
    (−Z'' still rising towards the lowest frequency, as a diffusion or blocking electrode does), which
    a chain of RC elements with τ ≤ 1/ω_min cannot represent.
    """
    if with_capacitance is None:
        ff = np.asarray(freq_Hz, dtype=float)
        zz = np.asarray(Z, dtype=complex)
        with_capacitance = False
        if ff.size >= 3 and np.all(np.isfinite(ff)):
            order = np.argsort(ff)
            mi = -zz.imag[order]
            with_capacitance = bool(mi[0] > mi[1] > 0)
    if not 0 < c < 1:
        raise ParameterError(f"mu threshold c must be in (0, 1), got {c}", field="c")
    f, z = check_spectrum(freq_Hz, Z)
    w = 2 * np.pi * f
    n_extra = 1 + int(with_inductance) + int(with_capacitance)
    max_m = max(1, min(max_rc, 2 * f.size - n_extra - 1))
    # a Voigt element spans about one decade: fewer than one time constant per decade under-resolves
    # any spectrum, so the search starts there (then grows until mu <= c)
    m_start = min(max_m, max(1, int(np.ceil(np.log10(f.max() / f.min())))))
    chosen = None
    for m in range(m_start, max_m + 1):
        tau, coef, z_fit = _fit_m(w, z, m, with_inductance, with_capacitance)
        rk = coef[n_extra:]
        pos = np.sum(np.abs(rk[rk >= 0]))
        neg = np.sum(np.abs(rk[rk < 0]))
        mu = 1.0 - neg / pos if pos > 0 else 0.0
        chosen = (m, mu, tau, coef, z_fit)
        if mu <= c:
            break
    if chosen is None:  # pragma: no cover - max_m >= 1 guarantees one iteration
        raise ParameterError("no Lin-KK fit")
    m, mu, tau, coef, z_fit = chosen
    mod = np.abs(z)
    rr = (z.real - z_fit.real) / mod
    ri = (z.imag - z_fit.imag) / mod
    max_abs = float(max(np.max(np.abs(rr)), np.max(np.abs(ri))))
    return LinKKResult(
        n_rc=int(m),
        mu=float(mu),
        tau_s=tau,
        R_Ohm=coef[n_extra:],
        R0_Ohm=float(coef[0]),
        L_H=float(coef[1]) if with_inductance else 0.0,
        C_F=float(1.0 / coef[n_extra - 1]) if with_capacitance and coef[n_extra - 1] != 0 else float("inf"),
        Z_fit=z_fit,
        residual_real=rr,
        residual_imag=ri,
        max_abs_residual=max_abs,
        rms_residual=float(np.sqrt(np.mean(np.concatenate([rr, ri]) ** 2))),
        threshold=threshold,
        valid=bool(max_abs <= threshold),
    )
